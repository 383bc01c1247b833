// End-to-end: COPY --parents/--exclude/--link, ADD of http(s) URLs (a local HTTP server on 127.0.0.1)
// with --checksum, ADD of a git repository.
//
// dockerd 20.10's classic builder has no --parents, --exclude, --link, --checksum or --keep-git-dir
// ("Unknown flag: ..."): those tests check that against dockerd and BuildKit's documented result against
// Berth. ADD of a URL is classic: the same expectations hold for both daemons.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, REAL_DOCKER } from '../helpers/target.ts';
import { ok, uniq } from '../helpers/util.ts';
import { build, makeContext } from '../helpers/build.ts';

const skip = e2eSkipReason();
const BODY = 'downloaded body\n';
const LAST_MODIFIED = 'Wed, 21 Oct 2015 07:28:00 GMT';

describe('build: COPY and ADD', SUITE(skip), () => {
  const t = e2e();
  const dirs: string[] = [];
  let server: http.Server;
  let base = '';
  const ctx = (files: Record<string, string>) => {
    const d = makeContext(files);
    dirs.push(d);
    return d;
  };
  const run = async (image: string, cmd: string) => ok(await docker(t.d.env, ['run', '--rm', image, 'sh', '-c', cmd]));
  before(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/dated/file.txt') res.writeHead(200, { 'Last-Modified': LAST_MODIFIED }).end(BODY);
      else if (req.url === '/plain.txt' || req.url === '/archive.tar') res.writeHead(200).end(BODY);
      else res.writeHead(404).end('no such thing');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server?.close();
    dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
  });

  test('ADD <url>: named after the URL, mode 600, mtime from Last-Modified (else the epoch), never unpacked; a 404 fails', T, async () => {
    const tag = uniq('addurl');
    const df = `FROM ${t.image}\nADD ${base}/dated/file.txt /d/\nADD ${base}/plain.txt /p/named\nADD ${base}/archive.tar /a/\n`;
    const r = await build(t.d.env, ctx({ Dockerfile: df }), ['-t', tag]);
    assert.equal(r.code, 0, r.all);
    assert.equal(await run(tag, 'cat /d/file.txt; stat -c "%a %Y" /d/file.txt'), `${BODY}600 ${Date.parse(LAST_MODIFIED) / 1000}\n`);
    assert.equal(await run(tag, 'cat /p/named; stat -c "%a %Y" /p/named'), `${BODY}600 0\n`);
    assert.equal(await run(tag, 'cat /a/archive.tar'), BODY);
    const bad = await build(t.d.env, ctx({ Dockerfile: `FROM ${t.image}\nADD ${base}/missing /x\n` }));
    assert.equal(bad.code, 1, bad.all);
    assert.match(bad.stderr, /404/);
  });

  test('ADD --checksum verifies the download; a mismatch fails with BuildKit\'s message', T, async () => {
    const sum = crypto.createHash('sha256').update(BODY).digest('hex');
    const tag = uniq('checksum');
    const good = await build(t.d.env, ctx({ Dockerfile: `FROM ${t.image}\nADD --checksum=sha256:${sum} ${base}/plain.txt /c/\n` }), ['-t', tag]);
    const wrong = '0'.repeat(64);
    const bad = await build(t.d.env, ctx({ Dockerfile: `FROM ${t.image}\nADD --checksum=sha256:${wrong} ${base}/plain.txt /c/\n` }));
    assert.equal(bad.code, 1, bad.all);
    if (REAL_DOCKER) {
      assert.match(good.stderr, /Unknown flag: checksum/);
      return;
    }
    assert.equal(good.code, 0, good.all);
    assert.equal(await run(tag, 'cat /c/plain.txt'), BODY);
    assert.match(bad.stderr, new RegExp(`digest mismatch sha256:${wrong}: sha256:${sum}`));
  });

  test('COPY --parents keeps the source paths; --exclude leaves files out; --link copies the same files', T, async () => {
    const dir = ctx({ Dockerfile: `FROM ${t.image}\nCOPY --parents a/b/f.txt c/*.txt /p/\nCOPY --exclude=*.md --exclude=skip . /e/\nCOPY --link a/b/f.txt /l/\nARG OWNER=65534\nCOPY --chown=$OWNER:$OWNER --chmod=600 a/b/f.txt /o/\n`, 'a/b/f.txt': 'f\n', 'c/g.txt': 'g\n', 'keep.txt': 'k\n', 'doc.md': 'd\n', 'sub/doc.md': 's\n', 'skip/x': 'x\n' });
    const tag = uniq('parents');
    const r = await build(t.d.env, dir, ['-t', tag]);
    if (REAL_DOCKER) {
      assert.match(r.stderr, /Unknown flag: parents/);
      return;
    }
    assert.equal(r.code, 0, r.all);
    assert.equal(await run(tag, 'cd /p && find . -type f | sort'), './a/b/f.txt\n./c/g.txt\n');
    assert.equal(await run(tag, 'cd /e && find . -type f | sort'), './Dockerfile\n./a/b/f.txt\n./c/g.txt\n./keep.txt\n./sub/doc.md\n');
    assert.equal(await run(tag, 'cat /l/f.txt'), 'f\n');
    assert.equal(await run(tag, 'stat -c "%u %g %a" /o/f.txt'), '65534 65534 600\n', '--chown takes variables; --chmod');
  });

  test('ADD of a git repository (--keep-git-dir) is refused clearly: this daemon has no git client', T, async () => {
    const r = await build(t.d.env, ctx({ Dockerfile: `FROM ${t.image}\nADD --keep-git-dir=true git@example.invalid:x/y.git /src\n` }));
    assert.equal(r.code, 1, r.all);
    if (REAL_DOCKER) assert.match(r.stderr, /Unknown flag: keep-git-dir/);
    else assert.match(r.stderr, /ADD of a git repository \(git@example\.invalid:x\/y\.git\) is not supported by this daemon/);
  });
});
