// berth leaves by the end of its event loop, not by process.exit(): Node 24's process.exit() can
// deadlock with a V8 background compile job waiting for a collection (nodejs/node#54918), which hung
// the CLI after a build of a 300 MB context had printed its image id. A build against a stand-in
// daemon (one unix socket) must end with its id printed and process.exit() never called.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const ID = `sha256:${'ab'.repeat(32)}`;
// reports a call of process.exit() on stderr
const SPY = `data:text/javascript,${encodeURIComponent("const e = process.exit; process.exit = (c) => { process._rawDebug('[process.exit called]'); return e.call(process, c); };")}`;

/** Runs `berth build -q` of an 8 MiB context against a stand-in daemon that reads `readFirst` bytes
 * of it (all of it when undefined) before it answers. */
async function buildAgainst(readFirst?: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-exit-'));
  const socket = path.join(dir, 'd.sock');
  const ctx = path.join(dir, 'ctx');
  fs.mkdirSync(ctx);
  fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM scratch\n');
  fs.writeFileSync(path.join(ctx, 'big'), Buffer.alloc(8 * 1024 * 1024, 1));
  let received = 0;
  const daemon = http.createServer(async (req, res) => {
    const h = { 'Api-Version': '1.50', 'Content-Type': 'application/json' };
    if (req.url === '/_ping') return void res.writeHead(200, h).end('OK');
    for await (const c of req) {
      received += (c as Buffer).length;
      if (readFirst !== undefined && received >= readFirst) break;
    }
    res.writeHead(200, h);
    res.write(JSON.stringify({ aux: { ID } }) + '\n');
    res.end(JSON.stringify({ stream: `Successfully built ${ID.slice(7, 19)}\n` }) + '\n');
  });
  await new Promise<void>((r) => daemon.listen(socket, r));
  try {
    const child = spawn(path.join(root, 'bin/node'), [`--import=${SPY}`, path.join(root, 'src/cmd/berth.ts'), 'build', '-q', ctx], {
      env: { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: dir, DOCKER_BUILDKIT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.equal(code, 0, err);
    assert.equal(out, `${ID}\n`);
    assert.ok(received >= (readFirst ?? 8 * 1024 * 1024), 'the context was sent');
    assert.doesNotMatch(err, /process\.exit called/);
  } finally {
    daemon.closeAllConnections();
    daemon.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('berth build ends by its event loop running dry once the answer is in', { timeout: 60_000 }, () => buildAgainst());

// The context still being sent when the answer ends (the daemon did not read it all): the CLI ends all
// the same, with its exit code 0, and tearing down the upload throws nothing.
test('berth build answered before its context was all read ends too, with 0', { timeout: 60_000 }, () => buildAgainst(1024 * 1024));
