// End-to-end: hostile input beyond hostile-input, hostile-more and bad-input. `docker load` of
// archives whose manifest.json or image config has values of the wrong JSON types: refused with
// Go's decoder message (before, some were TypeErrors, and a config whose history was a string
// loaded and then broke inspect and history). Build contexts with names climbing out, a Dockerfile
// that is a symlink out, ADD of a local tar with ../ entries and symlinks out: contained, as
// dockerd's chrooted unpack contains them, nothing written on the host. A RUN that makes a relative
// symlink climbing above / is an ordinary step (and commit). A pathological .dockerignore is
// answered in seconds (a line over 64 KiB is
// dockerd's 500). Build ulimits that are no int64 are refused. After each, the daemon works.
import { describe, test, after } from 'node:test';
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import assert from 'node:assert/strict';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, REAL_DOCKER } from '../helpers/target.ts';
import { ok } from '../helpers/util.ts';
import { busyboxEntries, tarBuffer, type TarEntry } from '../helpers/images.ts';

const skip = e2eSkipReason();

describe('hostile input, third', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[]) => docker(t.d.env, args);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile3-'));
  /** a host directory the hostile archives aim at: nothing may appear in it */
  const hostTarget = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile3-target-'));
  const UP = '../'.repeat(12);
  after(() => {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(hostTarget, { recursive: true, force: true });
  });
  const assertHostUntouched = () => assert.deepEqual(fs.readdirSync(hostTarget), [], 'a file was written on the host');
  const stillWorks = async () => {
    assertHostUntouched();
    assert.equal(ok(await dk(['run', '--rm', t.image, 'echo', 'alive'])), 'alive\n');
    ok(await dk(['images']));
  };

  /** POST /build with a context tar, raw (the CLI would refuse some of these contexts itself). */
  const buildRaw = (entries: TarEntry[], query = ''): Promise<{ status: number; body: string }> =>
    tarBuffer(entries).then(
      (ctx) =>
        new Promise((resolve, reject) => {
          const socketPath = t.d.env.DOCKER_HOST.replace(/^unix:\/\//, '');
          const r = http.request({ socketPath, method: 'POST', path: `/v1.41/build?rm=1&forcerm=1${query}`, headers: { 'Content-Type': 'application/x-tar', 'Content-Length': ctx.length } }, (res) => {
            let body = '';
            res.on('data', (c) => (body += c));
            res.on('end', () => resolve({ status: res.statusCode!, body }));
          });
          r.setTimeout(120_000, () => r.destroy(new Error('the build did not answer in 120 s')));
          r.on('error', reject);
          r.end(ctx);
        }),
    );
  /** the build's error (the last JSON message's), or '' */
  const buildError = (body: string) => {
    for (const line of body.trim().split(/\r?\n/).reverse()) {
      try {
        const m = JSON.parse(line) as { error?: string; message?: string };
        if (m.error || m.message) return m.error ?? m.message!;
      } catch {
        // a partial line
      }
    }
    return '';
  };

  describe('API', () => {
    const socketPath = () => t.d.env.DOCKER_HOST.replace(/^unix:\/\//, '');
    /** one raw request; the status line's code and the body */
    const raw = (text: string): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const c = net.connect(socketPath());
        let out = '';
        c.setTimeout(20_000, () => c.destroy(new Error('no answer')));
        c.on('data', (b) => (out += b.toString('latin1')));
        c.on('error', reject);
        c.on('close', () => resolve({ status: Number(out.split(' ')[1]), body: out.split('\r\n\r\n').slice(1).join('\r\n\r\n') }));
        c.write(text);
      });
    const create = (body: object) => {
      const json = JSON.stringify(body);
      return raw(`POST /v1.41/containers/create HTTP/1.1\r\nHost: d\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
    };
    const countContainers = async () => ok(await dk(['ps', '-aq'])).trim().split('\n').filter(Boolean).length;

    test('create with port numbers that are no 16-bit ports: 400 naming the value, nothing created', T, async () => {
      const before = await countContainers();
      const cases: [Record<string, unknown>, string][] = [
        [{ '80/tcp': [{ HostPort: '99999' }] }, '99999'],
        [{ '80/tcp': [{ HostPort: '-1' }] }, '-1'],
        [{ '80/tcp': [{ HostPort: '90-80' }] }, '90-80'],
        [{ '80/tcp': [{ HostPort: 'http' }] }, 'http'],
        [{ '99999/tcp': [{ HostPort: '80' }] }, '99999'],
        [{ 'x/tcp': [] }, 'x'],
      ];
      for (const [PortBindings, bad] of cases) {
        const r = await create({ Image: t.image, HostConfig: { PortBindings } });
        assert.equal(r.status, 400, `${JSON.stringify(PortBindings)}: ${r.body}`);
        assert.equal(JSON.parse(r.body).message, `invalid port specification: ${JSON.stringify(bad)}`);
      }
      assert.equal(await countContainers(), before);
      // a range and an empty host port are fine
      const good = await create({ Image: t.image, HostConfig: { PortBindings: { '80/tcp': [{ HostPort: '8000-8010' }, { HostPort: '' }] } } });
      assert.equal(good.status, 201, good.body);
      ok(await dk(['rm', JSON.parse(good.body).Id]));
    });

    test('a -v source with a NUL byte or below a file: refused (dockerd 20.10: created, failing at start), never a 500', T, async () => {
      for (const src of ['/tmp/hostile3\u0000x', '/etc/hostname/below']) {
        const r = await create({ Image: t.image, HostConfig: { Binds: [`${src}:/x`] } });
        if (REAL_DOCKER) {
          // dockerd makes the source at start: create answers 201, start 500 ("error while creating mount source path")
          assert.equal(r.status, 201, r.body);
          ok(await dk(['rm', JSON.parse(r.body).Id]));
        } else {
          assert.equal(r.status, 400, r.body);
          assert.match(JSON.parse(r.body).message, /^error while creating mount source path '.*': mkdir .*: (invalid argument|not a directory)$/);
        }
      }
      await stillWorks();
    });

    test('int64 fields at their limits: taken; one past: refused naming the field', T, async () => {
      const send = (n: string) => {
        const json = `{"Image":${JSON.stringify(t.image)},"HostConfig":{"PidsLimit":${n}}}`;
        return raw(`POST /v1.41/containers/create HTTP/1.1\r\nHost: d\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\n\r\n${json}`);
      };
      for (const n of ['9223372036854775807', '-9223372036854775808']) {
        const r = await send(n);
        assert.equal(r.status, 201, `${n}: ${r.body}`);
        ok(await dk(['rm', JSON.parse(r.body).Id]));
      }
      const r = await send('9223372036854775808');
      // (dockerd 20.10 answers its JSON errors 500; current dockerd 400)
      assert.equal(r.status, REAL_DOCKER ? 500 : 400, r.body);
      // (Go prints the literal, Berth the double it reads: 9223372036854776000)
      assert.match(JSON.parse(r.body).message, /^json: cannot unmarshal number 922337203685477\d{4} into Go struct field \w+\.HostConfig\.PidsLimit of type int64$/);
    });

    test('headers over 1 MiB: 431 as Go\'s server answers; the daemon goes on', T, async () => {
      const r = await raw(`GET /_ping HTTP/1.1\r\nHost: d\r\nX-Big: ${'a'.repeat(1_100_000)}\r\nConnection: close\r\n\r\n`);
      assert.equal(r.status, 431);
      assert.equal(r.body, '431 Request Header Fields Too Large');
      // (Go's limit is 1 MiB plus 4096 bytes of slop: a header just under 1 MiB is taken)
      const near = await raw(`GET /_ping HTTP/1.1\r\nHost: d\r\nX-Big: ${'a'.repeat((1 << 20) - 100)}\r\nConnection: close\r\n\r\n`);
      assert.equal(near.status, 200);
    });
  });

  describe('docker load: manifest.json and image config of the wrong JSON types', () => {
    const layer = tarBuffer(busyboxEntries().slice(0, 6));
    const load = async (name: string, manifest: unknown, config: unknown) => {
      const l = await layer;
      const diff = `sha256:${crypto.createHash('sha256').update(l).digest('hex')}`;
      const cfg = config !== undefined ? config : { os: 'linux', architecture: 'amd64', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [diff] } };
      const file = path.join(work, `${name}.tar`);
      fs.writeFileSync(file, await tarBuffer([{ name: 'c.json', content: JSON.stringify(cfg) }, { name: 'l.tar', content: l }, { name: 'manifest.json', content: JSON.stringify(manifest) }]));
      return dk(['load', '-i', file]);
    };
    const item = (o: Record<string, unknown> = {}) => ({ Config: 'c.json', Layers: ['l.tar'], RepoTags: ['hostile3-load:1'], ...o });

    test('manifest.json: each wrong type refused with dockerd\'s message, nothing loaded', T, async () => {
      const cases: [unknown, RegExp][] = [
        [[1], /^json: cannot unmarshal number into Go value of type tarexport\.manifestItem$/],
        [{ a: 1 }, /^json: cannot unmarshal object into Go value of type \[\]tarexport\.manifestItem$/],
        ['x', /^json: cannot unmarshal string into Go value of type \[\]tarexport\.manifestItem$/],
        [[item({ Config: 5 })], /^json: cannot unmarshal number into Go struct field manifestItem\.Config of type string$/],
        [[item({ Layers: 'l.tar' })], /^json: cannot unmarshal string into Go struct field manifestItem\.Layers of type \[\]string$/],
        [[item({ Layers: [5] })], /^json: cannot unmarshal number into Go struct field manifestItem\.Layers of type string$/],
        [[item({ RepoTags: [5] })], /^json: cannot unmarshal number into Go struct field manifestItem\.RepoTags of type string$/],
        [[item({ RepoTags: 'a:b' })], /^json: cannot unmarshal string into Go struct field manifestItem\.RepoTags of type \[\]string$/],
        [[item({ Parent: 5 })], /^json: cannot unmarshal number into Go struct field manifestItem\.Parent of type image\.ID$/],
        // (dockerd reads its scratch directory: "read …/docker-import-…: is a directory"; Berth names the missing file)
        [[{}], /./],
        [[null], /./],
      ];
      for (const [m, re] of cases) {
        const r = await load('manifest', m, undefined);
        assert.equal(r.code, 1, `${JSON.stringify(m)} was loaded:\n${r.stdout}`);
        assert.match(r.stderr.trim(), re, JSON.stringify(m));
        assert.doesNotMatch(r.stderr, /internal error|TypeError|Cannot read prop|is not a function/);
      }
      assert.equal((await dk(['image', 'inspect', 'hostile3-load:1'])).code, 1);
      await stillWorks();
    });

    test('image config: each wrong type refused with dockerd\'s message; nothing half-loaded', T, async () => {
      const base = (o: Record<string, unknown>) => ({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [] }, ...o });
      const cases: [unknown, RegExp][] = [
        [[], /^json: cannot unmarshal array into Go value of type image\.Image$/],
        [5, /^json: cannot unmarshal number into Go value of type image\.Image$/],
        [null, /^invalid image JSON, no RootFS key$/],
        [base({ os: 5 }), /^json: cannot unmarshal number into Go struct field Image\.os of type string$/],
        [base({ history: 'x' }), /^json: cannot unmarshal string into Go struct field Image\.history of type \[\]image\.History$/],
        [base({ config: 'x' }), /^json: cannot unmarshal string into Go struct field Image\.config of type container\.Config$/],
        [base({ config: { Env: 5 } }), /^json: cannot unmarshal number into Go struct field Config\.config\.Env of type \[\]string$/],
        [base({ rootfs: { type: 'layers', diff_ids: 'x' } }), /^json: cannot unmarshal string into Go struct field RootFS\.rootfs\.diff_ids of type \[\]layer\.DiffID$/],
        [base({ rootfs: { type: 'layers', diff_ids: [5] } }), /^json: cannot unmarshal number into Go struct field RootFS\.rootfs\.diff_ids of type layer\.DiffID$/],
        [base({ created: 'yesterday' }), /^parsing time "\\"yesterday\\"" as "\\"2006-01-02T15:04:05Z07:00\\"": cannot parse "yesterday\\"" as "2006"$/],
      ];
      for (const [cfg, re] of cases) {
        const r = await load('config', [item({ Layers: [] })], cfg);
        assert.equal(r.code, 1, `${JSON.stringify(cfg)} was loaded:\n${r.stdout}`);
        assert.match(r.stderr.trim(), re, JSON.stringify(cfg));
      }
      // what loaded before (a history of strings) broke every later inspect and history of the image
      assert.equal((await dk(['image', 'inspect', 'hostile3-load:1'])).code, 1);
      // a config that is a layer's bytes: Go's syntax error, not V8's
      const r = await load('config-is-tar', [item({ Config: 'l.tar' })], undefined);
      assert.match(r.stderr.trim(), /^invalid character '.' looking for beginning of value$/);
      await stillWorks();
    });
  });

  describe('builds', () => {
    test('a context with names climbing out and a symlink out: unpacked inside, nothing on the host', T, async () => {
      const tag = 'hostile3-ctx:1';
      const r = await buildRaw(
        [
          { name: 'Dockerfile', content: `FROM ${t.image}\nCOPY . /ctx/\n` },
          { name: `${UP}${hostTarget.slice(1)}/pwned-ctx`, content: 'x' },
          { name: 'out', type: 'symlink', linkname: `${UP}${hostTarget.slice(1)}` },
          { name: 'out/pwned-through-link', content: 'x' },
        ],
        `&t=${tag}`,
      );
      assert.equal(r.status, 200, r.body);
      assert.equal(buildError(r.body), '', r.body);
      assertHostUntouched();
      // ../ at the top stays at the context's root (dockerd unpacks it chrooted)
      const found = ok(await dk(['run', '--rm', tag, 'find', '/ctx', '-name', 'pwned-*']));
      assert.match(found, new RegExp(`/ctx${hostTarget}/pwned-ctx`));
      ok(await dk(['rmi', tag]));
      await stillWorks();
    });

    test('a Dockerfile that is a symlink out of the context: not found, no host file read', T, async () => {
      const secret = path.join(hostTarget, '..', `hostile3-secret-${process.pid}`);
      fs.writeFileSync(secret, `FROM ${t.image}\nLABEL read=host\n`);
      try {
        for (const linkname of [secret, `${UP}${secret.slice(1)}`]) {
          const r = await buildRaw([{ name: 'Dockerfile', type: 'symlink', linkname }], '&t=hostile3-dfsym:1');
          // dockerd answers 500 (an untyped error); Berth 400, the same message
          assert.equal(r.status, REAL_DOCKER ? 500 : 400, r.body);
          assert.equal(JSON.parse(r.body).message, 'Cannot locate specified Dockerfile: Dockerfile');
        }
        assert.equal((await dk(['image', 'inspect', 'hostile3-dfsym:1'])).code, 1);
      } finally {
        fs.rmSync(secret, { force: true });
      }
    });

    test('ADD of a local tar with ../ entries and symlinks out: unpacked inside the destination, owners kept', T, async () => {
      const tag = 'hostile3-addtar:1';
      const inner = await tarBuffer([
        { name: `${UP}${hostTarget.slice(1)}/pwned-add`, content: 'x' },
        { name: 'esc', type: 'symlink', linkname: hostTarget },
        { name: 'esc/pwned-add-link', content: 'x' },
        { name: 'owned', content: 'fine', uid: 1234, gid: 5678 } as TarEntry,
      ]);
      const r = await buildRaw([{ name: 'Dockerfile', content: `FROM ${t.image}\nADD evil.tar /out/\n` }, { name: 'evil.tar', content: inner }], `&t=${tag}`);
      assert.equal(buildError(r.body), '', r.body);
      assertHostUntouched();
      const out = ok(await dk(['run', '--rm', tag, 'sh', '-c', `cat /out/owned; echo; stat -c %u:%g /out/owned; find /out -name 'pwned-*' | sort; readlink /out/esc`]));
      const [content, owner, ...rest] = out.trim().split('\n');
      assert.equal(content, 'fine');
      assert.equal(owner, '1234:5678');
      // both writes landed inside /out: the ../ one at its root, the one through the link where the
      // link points when /out is the root
      assert.deepEqual(rest, [`/out${hostTarget}/pwned-add`, `/out${hostTarget}/pwned-add-link`, hostTarget]);
      ok(await dk(['rmi', tag]));
      await stillWorks();
    });

    test('a RUN making relative symlinks that climb above /: an ordinary step; COPY --from through them stays in the stage', T, async () => {
      const tag = 'hostile3-uplink:1';
      const df = [
        `FROM ${t.image} AS s`,
        `RUN mkdir -p /a/b && ln -s ../../../../../../etc /a/b/etc && ln -s ${UP}tmp /rel && echo staged > /etc/staged`,
        `FROM ${t.image}`,
        'COPY --from=s /a/b/etc/staged /copied',
        'COPY --from=s /a /a',
      ].join('\n');
      const r = await buildRaw([{ name: 'Dockerfile', content: `${df}\n` }], `&t=${tag}`);
      assert.equal(buildError(r.body), '', r.body);
      assert.equal(ok(await dk(['run', '--rm', tag, 'sh', '-c', 'cat /copied; readlink /a/b/etc; cat /a/b/etc/staged 2>&1 || true'])), 'staged\n../../../../../../etc\ncat: can\'t open \'/a/b/etc/staged\': No such file or directory\n');
      // docker commit of such a container, too
      const c = ok(await dk(['run', '-d', t.image, 'sh', '-c', `ln -s ${UP}etc/passwd /up && sleep 1000`])).trim();
      ok(await dk(['commit', c, 'hostile3-uplink-commit:1']));
      assert.equal(ok(await dk(['run', '--rm', 'hostile3-uplink-commit:1', 'readlink', '/up'])), `${UP}etc/passwd\n`);
      ok(await dk(['rm', '-f', c]));
      ok(await dk(['rmi', tag, 'hostile3-uplink-commit:1']));
      await stillWorks();
    });

    test('a .dockerignore with runs of **/ and * thousands long, and patterns that do not compile: built in seconds', T, async () => {
      const ignore = ['**/'.repeat(3000) + 'x', '*'.repeat(20_000) + 'a', '[', 'a'.repeat(65_535), 'Dockerfile'].join('\n');
      const started = Date.now();
      const r = await buildRaw([{ name: 'Dockerfile', content: `FROM ${t.image}\nCOPY f /f\n` }, { name: '.dockerignore', content: ignore }, { name: 'f', content: 'x' }], '&t=hostile3-ignore:1');
      assert.equal(r.status, 200, r.body);
      assert.equal(buildError(r.body), '', r.body);
      assert.ok(Date.now() - started < 30_000, `${Date.now() - started} ms`);
      ok(await dk(['rmi', 'hostile3-ignore:1']));
      // a line of 64 KiB: dockerd's scanner gives up, an untyped error (dockerd 20.10 words it "Error reading")
      const long = await buildRaw([{ name: 'Dockerfile', content: `FROM ${t.image}\n` }, { name: '.dockerignore', content: 'a'.repeat(65_536) }]);
      assert.equal(long.status, 500, long.body);
      assert.match(JSON.parse(long.body).message, /^error reading \.dockerignore: bufio\.Scanner: token too long$/i);
      await stillWorks();
    });

    test('build ulimits that are no int64: 400 as dockerd', T, async () => {
      const r = await buildRaw([{ name: 'Dockerfile', content: `FROM ${t.image}\n` }], `&ulimits=${encodeURIComponent('[{"Name":"nofile","Soft":1e30,"Hard":5}]')}`);
      assert.equal(r.status, 400, r.body);
      // (Go quotes the JSON literal, 1e30; Berth the number, 1e+30)
      assert.match(JSON.parse(r.body).message, /^error reading ulimit settings: json: cannot unmarshal number 1e\+?30 into Go struct field Ulimit\.Soft of type int64$/);
    });
  });
});
