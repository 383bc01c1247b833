// The floor under the concurrent-create scenario: a stub Engine API that answers the docker CLI's
// `_ping` and `containers/create` at once, with no engine behind it. The same 300 `docker create`
// against it cost what the CLI itself costs (its start-up, its two requests) on this machine at
// this moment; what a daemon takes above that is its own. It runs in a child process of its own,
// so that the bench's process (which also waits on the CLI processes) does not answer for it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import type { BenchDaemon } from './scenarios.ts';

const SERVER = `
const http = require('node:http');
const crypto = require('node:crypto');
const headers = { 'Api-Version': '1.50', 'Docker-Experimental': 'false', 'Ostype': 'linux', 'Server': 'stub' };
http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.method === 'POST' && /\\/containers\\/create$/.test(req.url.split('?')[0])) {
      res.writeHead(201, { ...headers, 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ Id: crypto.randomBytes(32).toString('hex'), Warnings: [] }) + '\\n');
    } else if (/\\/_ping$/.test(req.url)) {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(req.method === 'HEAD' ? undefined : 'OK');
    } else {
      res.writeHead(404, { ...headers, 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ message: 'the stub daemon answers _ping and containers/create only' }) + '\\n');
    }
  });
}).listen(process.argv[1], () => process.stdout.write('ready\\n'));
`;

export async function startStubDaemon(): Promise<BenchDaemon> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-stub-'));
  const socket = path.join(root, 'stub.sock');
  const child = spawn(process.execPath, ['-e', SERVER, socket], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`stub daemon exited (${code})`)));
    child.stdout!.once('data', () => resolve());
  });
  return {
    name: 'stub',
    env: { DOCKER_HOST: `unix://${socket}` },
    root,
    stop: async () => {
      child.kill();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
