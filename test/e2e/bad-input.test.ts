// End-to-end: bad input. Unknown objects (404 / "No such …"), malformed requests (400), name
// conflicts (409), and hostile archives (`../` entries, absolute symlinks, hard links out of
// the root) given to load, import and cp: refused or contained, never written outside.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, REAL_DOCKER } from '../helpers/target.ts';
import { ok, fails, uniq, curl } from '../helpers/util.ts';
import { busyboxEntries, dockerArchive, tarBuffer, type TarEntry } from '../helpers/images.ts';

const skip = e2eSkipReason();
const UP = '../'.repeat(12);

describe('bad input', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[], o?: Parameters<typeof docker>[2]) => docker(t.d.env, args, o);
  const api = (method: string, p: string, body?: string, type?: string) => curl(t.d.socket, method, p, body, type);
  let work: string;
  /** a directory outside every daemon root that hostile archives try to write into */
  let target: string;
  let secret: string;
  const tmp = (name: string) => path.join(work, name);

  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bad-'));
    target = fs.mkdtempSync('/tmp/berth-escape-');
    secret = crypto.randomBytes(16).toString('hex');
    fs.writeFileSync(path.join(target, 'secret'), `${secret}\n`);
    fs.writeFileSync(path.join(target, 'config.json'), JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [] } }));
  });
  after(() => {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(target, { recursive: true, force: true });
  });
  /** The escape target holds only what we put there, unchanged. */
  const assertTargetUntouched = () => {
    assert.deepEqual(fs.readdirSync(target).sort(), ['config.json', 'secret']);
    assert.equal(fs.readFileSync(path.join(target, 'secret'), 'utf8'), `${secret}\n`);
    assert.ok(!fs.existsSync('/pwned') && !fs.existsSync('/tmp/pwned'), 'a file was written at / or /tmp');
  };

  describe('unknown objects', () => {
    test('run of an unknown image with --pull never: exit 125, No such image', T, async () => {
      const r = await dk(['run', '--rm', '--pull', 'never', 'berth-nosuch:1']);
      fails(r, 125, /No such image: berth-nosuch:1/);
    });

    test('run of an unknown image from an unreachable registry: exit 125', T, async () => {
      // localhost:1 refuses connections: the pull fails without leaving the machine
      const r = await dk(['run', '--rm', 'localhost:1/berth-nosuch:1'], { timeoutMs: 60_000 });
      fails(r, 125, /Unable to find image 'localhost:1\/berth-nosuch:1' locally/);
    });

    test('container commands on an unknown container: exit 1, No such container', T, async () => {
      for (const args of [['rm', 'nosuch'], ['stop', 'nosuch'], ['kill', 'nosuch'], ['start', 'nosuch'], ['logs', 'nosuch'], ['exec', 'nosuch', 'true'], ['wait', 'nosuch'], ['restart', 'nosuch'], ['top', 'nosuch'], ['diff', 'nosuch'], ['export', 'nosuch'], ['pause', 'nosuch']]) {
        const r = await dk(args);
        fails(r, 1, /No such container: nosuch/, `docker ${args.join(' ')}`);
      }
      fails(await dk(['inspect', 'nosuch']), 1, /No such object: nosuch/);
      fails(await dk(['container', 'inspect', 'nosuch']), 1, /No such container: nosuch/);
      fails(await dk(['cp', 'nosuch:/etc/passwd', tmp('x')]), 1, /No such container: nosuch/);
    });

    test('image commands on an unknown image: exit 1, No such image', T, async () => {
      fails(await dk(['image', 'inspect', 'nosuch']), 1, /No such image: nosuch/);
      fails(await dk(['rmi', 'nosuch']), 1, /No such image: nosuch:latest/);
      fails(await dk(['tag', 'nosuch', 'other:1']), 1, /No such image: nosuch:latest/);
      fails(await dk(['history', 'nosuch']), 1, /No such image: nosuch/);
      const s = await dk(['save', '-o', tmp('nosuch.tar'), 'nosuch']);
      assert.equal(s.code, 1);
      assert.match(s.stderr, /No such image: nosuch|reference does not exist/);
    });

    test('API: 404 with a JSON message', T, async () => {
      const c = await api('GET', '/v1.41/containers/nosuch/json');
      assert.equal(c.status, 404);
      assert.match(c.headers, /content-type: application\/json/i);
      assert.equal(c.json.message, 'No such container: nosuch');
      const i = await api('GET', '/v1.41/images/nosuch/json');
      assert.equal(i.status, 404);
      assert.match(i.json.message, /No such image: nosuch(:latest)?$/);
      const d = await api('DELETE', '/v1.41/containers/nosuch');
      assert.equal(d.status, 404);
      assert.equal(d.json.message, 'No such container: nosuch');
      const p = await api('GET', '/v1.41/no/such/endpoint');
      assert.equal(p.status, 404);
      assert.equal(p.json.message, 'page not found');
    });

    test('swarm-mode commands: 503, not a swarm manager', T, async () => {
      for (const p of ['/v1.41/services', '/v1.41/nodes', '/v1.41/secrets', '/v1.41/swarm']) {
        const r = await api('GET', p);
        assert.equal(r.status, 503, p);
        assert.match(r.json.message, /^This node is not a swarm manager/, p);
      }
    });
  });

  describe('malformed requests', () => {
    test('malformed JSON → 400 with a message', T, async () => {
      const r = await api('POST', '/v1.41/containers/create', '{"Image": "x", bad json');
      // (dockerd 20.10 answered 500 here; later versions and Berth: 400)
      assert.equal(r.status, REAL_DOCKER ? 500 : 400, r.body);
      assert.equal(typeof r.json?.message, 'string', r.body);
      assert.ok(r.json.message.length > 0);
      const empty = await api('POST', '/v1.41/containers/create', '{}');
      assert.equal(empty.status, 400, empty.body);
      assert.match(empty.json.message, /config cannot be empty in order to create a container/i);
      const e = await api('POST', '/v1.41/containers/create', '');
      assert.equal(e.status, REAL_DOCKER ? 500 : 400, e.body);
      assert.equal(typeof e.json?.message, 'string', e.body);
      const noimg = await api('POST', '/v1.41/containers/create', JSON.stringify({ Image: 'nosuch', Cmd: ['true'] }));
      assert.equal(noimg.status, 404, noimg.body);
      assert.equal(noimg.json.message, 'No such image: nosuch:latest');
      const arr = await api('POST', '/v1.41/containers/create', '[1,2]');
      assert.equal(arr.status, REAL_DOCKER ? 500 : 400, arr.body);
      assert.equal(typeof arr.json?.message, 'string');
    });

    test('invalid names and parameters → 400', T, async () => {
      const n = await api('POST', '/v1.41/containers/create?name=bad/name', JSON.stringify({ Image: t.image, Cmd: ['true'] }));
      assert.equal(n.status, 400, n.body);
      assert.match(n.json.message, /Invalid container name \(bad\/name\), only \[a-zA-Z0-9\]\[a-zA-Z0-9_.-\] are allowed/);
      const r = await dk(['run', '--rm', '--name', 'bad name', t.image, 'true']);
      fails(r, 125, /Invalid container name/);
      const k = await api('POST', `/v1.41/containers/nosuch/kill?signal=NOTASIGNAL`);
      assert.ok(k.status === 404 || k.status === 400, k.body);
      const tooNew = await api('GET', '/v9.99/version');
      assert.equal(tooNew.status, 400, tooNew.body);
      assert.match(tooNew.json.message, /client version 9\.99 is too new\. Maximum supported API version is 1\.\d+/);
    });

    test('run errors: unknown user, missing workdir parent is created, bad command', T, async () => {
      const u = await dk(['run', '--rm', '-u', 'nosuchuser', t.image, 'true']);
      assert.ok(u.code === 126 || u.code === 125, `exit ${u.code}: ${u.stderr}`);
      assert.match(u.stderr, /unable to find user nosuchuser: no matching entries in passwd file/);
      assert.equal(ok(await dk(['run', '--rm', '-w', '/new/dir', t.image, 'pwd'])), '/new/dir\n');
      const c = await dk(['run', '--rm', t.image, '/etc']);
      assert.equal(c.code, 126, c.stderr);
      assert.match(c.stderr, /permission denied/);
    });

    test('exec on a stopped container → error, not running', T, async () => {
      const id = ok(await dk(['create', t.image, 'true'])).trim();
      const r = await dk(['exec', id, 'true']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /is not running/i);
      const a = await api('POST', `/v1.41/containers/${id}/exec`, JSON.stringify({ Cmd: ['true'] }));
      assert.equal(a.status, 409, a.body);
      ok(await dk(['rm', id]));
    });
  });

  describe('conflicts', () => {
    test('name in use → 409 Conflict with Docker\'s message', T, async () => {
      const name = uniq('dup');
      const id = ok(await dk(['create', '--name', name, t.image, 'true'])).trim();
      const again = await dk(['create', '--name', name, t.image, 'true']);
      assert.equal(again.code, 1);
      assert.match(again.stderr, new RegExp(`Conflict\\. The container name "/${name}" is already in use by container "${id}"\\. You have to remove \\(or rename\\) that container to be able to reuse that name\\.`));
      const run = await dk(['run', '--name', name, t.image, 'true']);
      fails(run, 125, new RegExp(`Conflict\\. The container name "/${name}" is already in use by container "${id}"`));
      const r = await api('POST', `/v1.41/containers/create?name=${name}`, JSON.stringify({ Image: t.image, Cmd: ['true'] }));
      assert.equal(r.status, 409, r.body);
      assert.match(r.json.message, /^Conflict\. The container name/);
      // rename onto a taken name too
      const other = ok(await dk(['create', t.image, 'true'])).trim();
      const ren = await dk(['rename', other, name]);
      assert.equal(ren.code, 1);
      assert.match(ren.stderr, /is already in use by container/);
      ok(await dk(['rm', id, other]));
      // the name is free again
      ok(await dk(['create', '--name', name, t.image, 'true']));
      ok(await dk(['rm', name]));
    });
  });

  describe('hostile archives', () => {
    const expectRefusedOrContained = async (what: string, r: Awaited<ReturnType<typeof dk>>) => {
      assertTargetUntouched();
      if (r.code !== 0) assert.ok(r.stderr.trim().length > 0, `${what} failed without a message`);
      // either way the daemon still works
      assert.equal(ok(await dk(['run', '--rm', t.image, 'echo', 'alive'])), 'alive\n');
    };

    test('docker load: layer entries with ../', T, async () => {
      const tag = `${uniq('dotdot')}:v1`;
      const built = await dockerArchive(tmp('dotdot.tar'), {
        tags: [tag],
        layers: [[...busyboxEntries(), { name: `${UP}${target.slice(1)}/pwned-load`, content: 'pwned\n' }, { name: '../pwned', content: 'x' }, { name: '/tmp/pwned', content: 'x' }]],
      });
      const r = await dk(['load', '-i', built.file]);
      await expectRefusedOrContained('load', r);
      if (r.code === 0) await dk(['rmi', tag]);
    });

    test('docker load: an absolute symlink, then a write through it (same layer and next layer)', T, async () => {
      const tag = `${uniq('symlink')}:v1`;
      const built = await dockerArchive(tmp('symlink.tar'), {
        tags: [tag],
        layers: [
          [...busyboxEntries(), { name: 'esc', type: 'symlink', linkname: target }, { name: 'esc/pwned-same-layer', content: 'pwned\n' }],
          [{ name: 'esc/pwned-next-layer', content: 'pwned\n' }, { name: 'rel', type: 'symlink', linkname: `${UP}${target.slice(1)}` }],
          [{ name: 'rel/pwned-rel', content: 'pwned\n' }],
        ],
      });
      const r = await dk(['load', '-i', built.file]);
      await expectRefusedOrContained('load', r);
      if (r.code === 0) {
        // if accepted, the links resolve inside the container
        const c = await dk(['run', '--rm', tag, 'sh', '-c', 'cat /esc/secret 2>/dev/null; cat /rel/secret 2>/dev/null; true']);
        assert.ok(!c.stdout.includes(secret), 'the container read a host file through a symlink');
        assertTargetUntouched();
        await dk(['rmi', tag]);
      }
    });

    test('docker load: manifest.json pointing outside the archive', T, async () => {
      const tag = `${uniq('manifest')}:v1`;
      const built = await dockerArchive(tmp('manifest.tar'), {
        tags: [tag],
        layers: [busyboxEntries()],
        manifest: [{ Config: `${UP}${target.slice(1)}/config.json`, RepoTags: [tag], Layers: [] }],
      });
      const r = await dk(['load', '-i', built.file]);
      assert.notEqual(r.code, 0, `load accepted a config from outside the archive:\n${r.stdout}`);
      assert.ok(r.stderr.trim().length > 0);
      fails(await dk(['image', 'inspect', tag]), 1, /No such image/);
      const built2 = await dockerArchive(tmp('manifest2.tar'), {
        tags: [tag],
        layers: [busyboxEntries()],
        manifest: [{ Config: '/etc/hostname', RepoTags: [tag], Layers: ['/etc/passwd'] }],
      });
      const r2 = await dk(['load', '-i', built2.file]);
      assert.notEqual(r2.code, 0);
      assertTargetUntouched();
    });

    test('docker load: not a tar, an empty tar, a truncated archive', T, async () => {
      fs.writeFileSync(tmp('garbage.tar'), crypto.randomBytes(4096));
      const g = await dk(['load', '-i', tmp('garbage.tar')]);
      assert.equal(g.code, 1);
      assert.ok(g.stderr.length > 0);
      fs.writeFileSync(tmp('empty.tar'), Buffer.alloc(1024));
      const e = await dk(['load', '-i', tmp('empty.tar')]);
      assert.equal(e.code, 1);
      const full = fs.readFileSync(t.archive.file);
      fs.writeFileSync(tmp('truncated.tar'), full.subarray(0, Math.floor(full.length / 2)));
      const tr = await dk(['load', '-i', tmp('truncated.tar')]);
      assert.equal(tr.code, 1, tr.stdout);
      assert.equal(ok(await dk(['run', '--rm', t.image, 'echo', 'alive'])), 'alive\n');
    });

    test('docker import: ../ entries, absolute symlinks with writes through them, hard links out', T, async () => {
      const entries: TarEntry[] = [
        ...busyboxEntries(),
        { name: `${UP}${target.slice(1)}/pwned-import`, content: 'pwned\n' },
        { name: 'esc', type: 'symlink', linkname: target },
        { name: 'esc/pwned-through-link', content: 'pwned\n' },
        { name: 'hl', type: 'link', linkname: `${UP}${target.slice(1)}/secret` },
        { name: 'hl2', type: 'link', linkname: `${target}/secret` },
      ];
      fs.writeFileSync(tmp('import.tar'), await tarBuffer(entries));
      const tag = `${uniq('evilimport')}:v1`;
      const r = await dk(['import', tmp('import.tar'), tag]);
      await expectRefusedOrContained('import', r);
      if (r.code === 0) {
        const c = await dk(['run', '--rm', tag, 'sh', '-c', 'cat /hl /hl2 /esc/secret 2>/dev/null; true']);
        assert.ok(!c.stdout.includes(secret), 'the container read a host file through a hard link or symlink');
        await dk(['rmi', tag]);
      }
      assertTargetUntouched();
    });

    test('docker cp: symlinks inside the container resolve inside it', T, async () => {
      const id = ok(await dk(['run', '-d', t.image, 'sh', '-c', `ln -s ${target} /esc && ln -s / /root-link && sleep 1000`])).trim();
      try {
        fs.writeFileSync(tmp('payload'), 'pwned\n');
        // writing through /esc lands in the container's own /tmp/berth-escape-…, or fails
        await dk(['exec', id, 'sh', '-c', `while [ ! -L /esc ]; do sleep 0.1; done`]);
        const w = await dk(['cp', tmp('payload'), `${id}:/esc/pwned-cp`]);
        const w2 = await dk(['cp', tmp('payload'), `${id}:/root-link/tmp/pwned`]);
        assertTargetUntouched();
        if (w2.code === 0) assert.equal(ok(await dk(['exec', id, 'cat', '/tmp/pwned'])), 'pwned\n');
        void w;
        // reading through /esc does not reach the host's secret
        const r = await dk(['cp', `${id}:/esc/secret`, tmp('stolen')]);
        assert.notEqual(r.code, 0);
        assert.ok(!fs.existsSync(tmp('stolen')) || !fs.readFileSync(tmp('stolen'), 'utf8').includes(secret));
        // a tar with ../ entries sent to the archive endpoint
        const evil = await tarBuffer([{ name: `${UP}${target.slice(1)}/pwned-put`, content: 'x' }, { name: 'ok-file', content: 'fine\n' }]);
        const put = await curlPut(t.d.socket, `/v1.41/containers/${id}/archive?path=/tmp`, evil);
        assert.ok(put.status === 200 || put.status === 400 || put.status === 500, `PUT archive: ${put.status} ${put.body}`);
        assertTargetUntouched();
        // cp into a stopped container's root through an absolute symlink, too
        ok(await dk(['stop', '-t', '0', id]));
        await dk(['cp', tmp('payload'), `${id}:/esc/pwned-stopped`]);
        assertTargetUntouched();
      } finally {
        await dk(['rm', '-f', id]);
      }
    });
  });

  test('the daemon answers normally after all of that', T, async () => {
    assert.equal(ok(await dk(['run', '--rm', t.image, 'echo', 'still', 'fine'])), 'still fine\n');
    if (!REAL_DOCKER) assert.equal((await api('GET', '/_ping')).body, 'OK');
  });
});

async function curlPut(socket: string, p: string, body: Buffer) {
  const file = path.join(os.tmpdir(), `berth-put-${crypto.randomBytes(4).toString('hex')}.tar`);
  fs.writeFileSync(file, body);
  try {
    const { run } = await import('../helpers/docker.ts');
    const r = await run('curl', ['-sS', '--max-time', '30', '--unix-socket', socket, '-X', 'PUT', '-H', 'Content-Type: application/x-tar', '--data-binary', `@${file}`, '-o', '-', '-w', '\n%{http_code}', `http://localhost${p}`], { timeoutMs: 40_000 });
    const lines = r.stdout.trimEnd().split('\n');
    return { status: Number(lines.pop()), body: lines.join('\n') };
  } finally {
    fs.rmSync(file, { force: true });
  }
}
