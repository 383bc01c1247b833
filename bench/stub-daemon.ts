// The floor under the concurrent-create scenario: a stub Engine API that answers the docker CLI's
// `_ping` and `containers/create` at once, with no engine behind it (and the calls of `docker exec`
// and `docker run --rm`, whose protocols exec-true and run-true report beside their floors). The same 300 `docker create`
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
const json = (res, code, body) => {
  res.writeHead(code, { ...headers, 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body) + '\\n');
};
// docker run --rm of a process that writes nothing and exits at once: its attach stream ends and its
// wait (condition=removed) is answered when its start is
const runs = new Map();
const runOf = (id) => {
  let r = runs.get(id);
  if (!r) runs.set(id, (r = { started: false, waits: [], attaches: [] }));
  return r;
};
// (its status line at once, as dockerd's: the CLI starts the container only once it has that)
const answerWait = (res) => res.end(JSON.stringify({ StatusCode: 0, Error: null }) + '\\n');
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const url = req.url.split('?')[0];
    const run = /\\/containers\\/([^/]+)\\/(wait|start)$/.exec(url);
    if (req.method === 'POST' && run && run[2] === 'wait') {
      const r = runOf(run[1]);
      res.writeHead(200, { ...headers, 'Content-Type': 'application/json' });
      res.flushHeaders();
      if (r.started) return answerWait(res);
      return void r.waits.push(res);
    }
    if (req.method === 'POST' && run && run[2] === 'start') {
      const r = runOf(run[1]);
      r.started = true;
      res.writeHead(204, headers);
      res.end();
      for (const s of r.attaches.splice(0)) s.end();
      for (const w of r.waits.splice(0)) answerWait(w);
      runs.delete(run[1]);
      return;
    }
    if (req.method === 'POST' && /\\/containers\\/create$/.test(url)) json(res, 201, { Id: crypto.randomBytes(32).toString('hex'), Warnings: [] });
    else if (/\\/_ping$/.test(url)) {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(req.method === 'HEAD' ? undefined : 'OK');
    }
    // the calls of \`docker exec C true\`: the container, the exec's creation, (start below), its exit code
    else if (req.method === 'GET' && /\\/containers\\/[^/]+\\/json$/.test(url)) json(res, 200, { Id: 'c'.repeat(64), State: { Status: 'running', Running: true }, Config: {}, HostConfig: {} });
    else if (req.method === 'POST' && /\\/containers\\/[^/]+\\/exec$/.test(url)) json(res, 201, { Id: crypto.randomBytes(32).toString('hex') });
    else if (req.method === 'GET' && /\\/exec\\/[^/]+\\/json$/.test(url)) json(res, 200, { ID: url.split('/').at(-2), Running: false, ExitCode: 0, Pid: 0 });
    else json(res, 404, { message: 'the stub daemon answers _ping, containers/create and the calls of docker exec and docker run --rm only' });
  });
});
// POST /exec/{id}/start: the hijacked stream of a process that wrote nothing and exited;
// POST /containers/{id}/attach: the same, ended at the container's start
server.on('upgrade', (req, socket) => {
  const head = 'HTTP/1.1 101 UPGRADED\\r\\nContent-Type: application/vnd.docker.raw-stream\\r\\nConnection: Upgrade\\r\\nUpgrade: tcp\\r\\nApi-Version: 1.50\\r\\n\\r\\n';
  const attach = /\\/containers\\/([^/]+)\\/attach$/.exec(req.url.split('?')[0]);
  if (!attach) return void socket.end(head);
  socket.on('error', () => {});
  socket.write(head);
  runOf(attach[1]).attaches.push(socket);
});
server.listen(process.argv[1], () => process.stdout.write('ready\\n'));
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
