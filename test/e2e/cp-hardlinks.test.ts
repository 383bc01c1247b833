// End-to-end: hard links in a tar copied into a container (PUT /containers/{id}/archive, `docker cp`)
// where the link and its target lie on different filesystems: the rootfs and a volume mounted below
// the destination. A hard link cannot cross filesystems (the kernel's EXDEV); dockerd answers with that
// error whichever side the link is on, and a link within one filesystem is made. Same expectations
// against dockerd (BERTH_E2E_DAEMON=dockerd).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE } from '../helpers/target.ts';
import { ok, fails, uniq, curl } from '../helpers/util.ts';
import { tarBuffer } from '../helpers/images.ts';

const skip = e2eSkipReason();

describe('docker cp: hard links across mounts', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[], o?: Parameters<typeof docker>[2]) => docker(t.d.env, args, o);

  test('a hard link between the rootfs and a volume fails with EXDEV either way; one within the volume is made', T, async () => {
    const [vol, vol2] = [uniq('cphl'), uniq('cphl2')];
    const n = uniq('cphl');
    try {
      ok(await dk(['run', '-d', '--name', n, '-v', `${vol}:/vol`, '-v', `${vol2}:/data/vol`, t.image, 'sleep', '300']));
      const put = async (entries: Parameters<typeof tarBuffer>[0], dest = '/') => {
        const r = await curl(t.d.socket, 'PUT', `/v1.41/containers/${n}/archive?path=${encodeURIComponent(dest)}`, await tarBuffer(entries), 'application/x-tar');
        return { status: r.status, message: String(r.json?.message ?? r.body) };
      };
      // dockerd 20.10 prefixes its re-exec'd unpacker's error ("Error processing tar file(exit status 1): ");
      // current Docker unpacks in a chrooted goroutine and answers os.Link's error alone. Both 500.
      const exdev = (from: string, to: string) => new RegExp(`^(Error processing tar file\\(exit status 1\\): )?link ${from} ${to}: invalid cross-device link$`);
      // the link in the volume, its target on the rootfs
      const inMount = await put([{ name: 'top/', type: 'directory' }, { name: 'top/f', content: 'f\n' }, { name: 'vol/l', type: 'link', linkname: 'top/f' }]);
      assert.equal(inMount.status, 500, inMount.message);
      assert.match(inMount.message, exdev('/top/f', '/vol/l'));
      // the link on the rootfs, its target in the volume (the layer below /vol has no such file either)
      const outMount = await put([{ name: 'vol/g', content: 'g\n' }, { name: 'top/h', type: 'link', linkname: 'vol/g' }]);
      assert.equal(outMount.status, 500, outMount.message);
      assert.match(outMount.message, exdev('/vol/g', '/top/h'));
      // the entries before the link were extracted, the links were not
      assert.equal(ok(await dk(['exec', n, 'ls', '/top', '/vol'])), '/top:\nf\n\n/vol:\ng\n');
      // within the volume: one file, two names
      const within = await put([{ name: 'vol/a', content: 'a\n' }, { name: 'vol/b', type: 'link', linkname: 'vol/a' }]);
      assert.equal(within.status, 200, within.message);
      assert.equal(ok(await dk(['exec', n, 'stat', '-c', '%h %i', '/vol/a'])), ok(await dk(['exec', n, 'stat', '-c', '%h %i', '/vol/b'])));
      // copied into /data, which holds the second volume: the message names container paths, not the copy's relative ones
      const deeper = await put([{ name: 'top/f', content: 'f\n' }, { name: 'vol/l', type: 'link', linkname: 'top/f' }], '/data');
      assert.equal(deeper.status, 500, deeper.message);
      assert.match(deeper.message, exdev('/data/top/f', '/data/vol/l'));
      // the CLI, with a tar from stdin: the daemon's error, exit status 1
      const cli = await dk(['cp', '-', `${n}:/`], { input: await tarBuffer([{ name: 'vol/c', content: 'c\n' }, { name: 'top/c', type: 'link', linkname: 'vol/c' }]) });
      fails(cli, 1, /Error response from daemon: (Error processing tar file\(exit status 1\): )?link \/vol\/c \/top\/c: invalid cross-device link/);
    } finally {
      await dk(['rm', '-f', n]);
      await dk(['volume', 'rm', '-f', vol, vol2]);
    }
  });
});
