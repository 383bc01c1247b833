// Where does the time of one docker command go? Puts a logging proxy between the docker CLI and a
// daemon and prints a timeline of the API calls of one command (after warm-ups).
//
//   bin/node bench/trace.ts                            # berthd, docker run --rm --network none IMAGE true
//   bin/node bench/trace.ts --daemon dockerd -- exec …  # other daemon / other docker arguments
//                                                       # (IMAGE in the arguments is replaced by the test image)
//   bin/node bench/trace.ts --setup 'run -d --name tt IMAGE sleep 100000' -- exec tt true
//   BERTH_TRACE_PHASES=1 … also has berthd log the phases inside each traced operation
//
// Each line: start offset from the command's spawn, the request line (IDs shortened), time to the
// response's status line, and when the last byte of its response (or hijacked stream) went out.
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startBerthd } from '../test/helpers/berthd.ts';
import { startDockerd } from '../test/helpers/dockerd.ts';
import { docker } from '../test/helpers/docker.ts';
import { busyboxDockerArchive, TEST_IMAGE } from '../test/helpers/images.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { daemon: { type: 'string', default: 'berthd' }, warmup: { type: 'string', default: '3' }, runs: { type: 'string', default: '1' }, setup: { type: 'string' } },
});
const args = (positionals.length ? positionals : ['run', '--rm', '--network', 'none', 'IMAGE', 'true']).map((a) => (a === 'IMAGE' ? TEST_IMAGE : a));

const d = values.daemon === 'dockerd' ? await startDockerd() : await startBerthd({ logLevel: 'info' });
const proxySock = path.join(path.dirname(d.socket), 'trace.sock');
let t0 = 0n;
const events: { at: number; text: string; last?: number; ended?: number }[] = [];
const now = () => Number(process.hrtime.bigint() - t0) / 1e6;

// half-open both ways: the docker CLI ends its side of a hijacked exec/attach stream and reads on
const server = net.createServer({ allowHalfOpen: true }, (client) => {
  const upstream = net.connect({ path: d.socket, allowHalfOpen: true });
  let pending: { line: string; at: number } | undefined;
  let current: { at: number; text: string; last?: number; ended?: number } | undefined;
  let hijacked = false;
  client.on('data', (b: Buffer) => {
    if (!hijacked) {
      const m = /^(GET|POST|PUT|DELETE|HEAD) (\S+) HTTP\/1\.1/.exec(b.toString('latin1', 0, Math.min(b.length, 512)));
      if (m) pending = { line: `${m[1]} ${m[2].replace(/[0-9a-f]{64}/g, (id) => id.slice(0, 12))}`, at: now() };
    }
    upstream.write(b);
  });
  upstream.on('data', (b: Buffer) => {
    const head = b.toString('latin1', 0, Math.min(b.length, 64));
    const m = /^HTTP\/1\.1 (\d+)/.exec(head);
    if (m && pending) {
      current = { at: pending.at, text: `${pending.line.length > 90 ? pending.line.slice(0, 87) + '...' : pending.line} → ${m[1]} after ${(now() - pending.at).toFixed(1)} ms` };
      events.push(current);
      if (m[1] === '101') hijacked = true;
      pending = undefined;
    }
    if (current) current.last = now();
    client.write(b);
  });
  const end = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('end', () => upstream.end());
  upstream.on('end', () => {
    // a hijacked stream (attach, exec) ends when the daemon closes it: the CLI waits for that too
    if (current && hijacked) current.ended = now();
    client.end();
  });
  client.on('close', end);
  upstream.on('close', end);
  client.on('error', end);
  upstream.on('error', end);
});
fs.rmSync(proxySock, { force: true });
await new Promise<void>((r) => server.listen(proxySock, r));
const env = { DOCKER_HOST: `unix://${proxySock}` };

try {
  const a = await busyboxDockerArchive();
  await docker(d.env, ['load', '-i', a.file]);
  if (values.setup) {
    const r = await docker(d.env, values.setup.split(' ').map((x) => (x === 'IMAGE' ? TEST_IMAGE : x)));
    if (r.code !== 0) throw new Error(`setup: ${r.stderr}`);
  }
  for (let i = 0; i < Number(values.warmup); i++) await docker(d.env, args);
  for (let i = 0; i < Number(values.runs); i++) {
    events.length = 0;
    t0 = process.hrtime.bigint();
    const r = await docker(env, args);
    console.log(`\n${d.kind}: docker ${args.join(' ')} → exit ${r.code} in ${r.ms.toFixed(1)} ms${r.code ? `\n${r.stderr}` : ''}`);
    if ('logs' in d && process.env.BERTH_TRACE_PHASES) for (const l of d.logs().split('\n').filter((x) => x.includes('phases of')).slice(-4)) console.log(`  ${/msg="(.*)"/.exec(l)?.[1] ?? l}`);
    for (const e of events.sort((x, y) => x.at - y.at)) console.log(`  +${e.at.toFixed(1).padStart(7)} ms  ${e.text}${e.last !== undefined ? `, last byte at +${e.last.toFixed(1)} ms` : ''}${e.ended !== undefined ? `, closed at +${e.ended.toFixed(1)} ms` : ''}`);
  }
} finally {
  server.close();
  await d.stop();
}
