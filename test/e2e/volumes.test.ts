// End-to-end: volumes with the real docker CLI against berthd — named volumes keep data between
// containers, anonymous ones (-v /path, image VOLUMEs) go with `rm -v`, copy-up from the image,
// --mount, --volumes-from, and Docker's errors.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE } from '../helpers/target.ts';
import { ok, fails, uniq } from '../helpers/util.ts';

const skip = e2eSkipReason();

describe('volumes', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[], o?: Parameters<typeof docker>[2]) => docker(t.d.env, args, o);

  test('data written to a named volume is there for the next container; in-use volumes cannot go', T, async () => {
    const vol = uniq('vol');
    assert.equal(ok(await dk(['volume', 'create', vol])).trim(), vol);
    ok(await dk(['run', '--rm', '-v', `${vol}:/data`, t.image, 'sh', '-c', 'echo kept > /data/file']));
    assert.equal(ok(await dk(['run', '--rm', '-v', `${vol}:/data:ro`, t.image, 'cat', '/data/file'])), 'kept\n');
    assert.equal((await dk(['run', '--rm', '-v', `${vol}:/data:ro`, t.image, 'touch', '/data/x'])).code, 1);
    assert.equal(ok(await dk(['run', '--rm', '--mount', `type=volume,src=${vol},dst=/m`, t.image, 'cat', '/m/file'])), 'kept\n');
    const user = uniq('user');
    ok(await dk(['run', '-d', '--name', user, '-v', `${vol}:/data`, t.image, 'sleep', '100']));
    const r = await dk(['volume', 'rm', vol]);
    fails(r, 1, new RegExp(`remove ${vol}: volume is in use - \\[[0-9a-f]{64}\\]`));
    assert.equal(ok(await dk(['run', '--rm', '--volumes-from', user, t.image, 'cat', '/data/file'])), 'kept\n');
    ok(await dk(['rm', '-f', user]));
    assert.equal(ok(await dk(['volume', 'inspect', '-f', '{{.Driver}} {{.Name}}', vol])).trim(), `local ${vol}`);
    ok(await dk(['volume', 'rm', vol]));
    fails(await dk(['volume', 'inspect', vol]), 1, /no such volume/);
  });

  test('a new named volume gets the image\'s files at its mount path', T, async () => {
    const vol = uniq('copy');
    assert.match(ok(await dk(['run', '--rm', '-v', `${vol}:/bin`, t.image, 'ls', '/bin'])), /busybox/);
    ok(await dk(['volume', 'rm', vol]));
  });

  test('anonymous volumes: listed, removed by rm -v and by --rm; named ones stay', T, async () => {
    const c = uniq('anon');
    const named = uniq('named');
    ok(await dk(['run', '-d', '--name', c, '-v', '/scratch', '-v', `${named}:/n`, t.image, 'sleep', '100']));
    const anon = ok(await dk(['inspect', '-f', '{{range .Mounts}}{{if eq .Destination "/scratch"}}{{.Name}}{{end}}{{end}}', c])).trim();
    assert.match(anon, /^[0-9a-f]{64}$/);
    assert.ok(ok(await dk(['volume', 'ls', '-q'])).split('\n').includes(anon));
    ok(await dk(['rm', '-f', '-v', c]));
    const left = ok(await dk(['volume', 'ls', '-q'])).split('\n');
    assert.ok(!left.includes(anon), 'the anonymous volume went with rm -v');
    assert.ok(left.includes(named), 'the named volume stays');
    ok(await dk(['volume', 'rm', named]));
  });

  test('bad volume names and drivers', T, async () => {
    fails(await dk(['volume', 'create', 'bad/name']), 1, /includes invalid characters for a local volume name/);
    fails(await dk(['volume', 'create', '-d', 'nosuchdriver', uniq('v')]), 1, /plugin "nosuchdriver" not found/);
  });
});
