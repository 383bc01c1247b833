import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseLine, parseTimeNs, formatTimeNs, readLog, tailOffset, LineJoiner } from '../../../src/runtime/logs.ts';
import type { LogEntry, LogOptions } from '../../../src/runtime/types.ts';
import { tempDir } from './rootfs.ts';

const dir = tempDir('berth-logs-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const T = (s: number, ns = 0) => `2026-01-01T00:00:${String(s).padStart(2, '0')}.${String(ns).padStart(9, '0')}+00:00`;
const line = (s: number, stream: string, tag: string, data: string) => `${T(s)} ${stream} ${tag} ${data}\n`;

function writeLog(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

async function collect(p: string, opts: Partial<LogOptions>, done = () => true): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const e of readLog(p, { follow: false, stdout: true, stderr: true, ...opts }, new AbortController().signal, { done })) out.push(e);
  return out;
}
const text = (es: LogEntry[]) => es.map((e) => `${e.stream[3]}:${e.data.toString()}`).join('');

test('timestamps: parse with offset, format as Docker (UTC, 9 digits)', () => {
  const ns = parseTimeNs('2026-11-22T23:35:54.730929676+01:00');
  assert.equal(formatTimeNs(ns), '2026-11-22T22:35:54.730929676Z');
  assert.equal(formatTimeNs(parseTimeNs('2026-11-22T23:35:54Z')), '2026-11-22T23:35:54.000000000Z');
  assert.equal(parseTimeNs('2026-11-22T23:35:54.5+00:00') % 1_000_000_000n, 500_000_000n);
});

test('parseLine: full lines get their newline back, partial ones do not', () => {
  const f = parseLine(Buffer.from(`${T(1)} stdout F hello world`))!;
  assert.equal(f.stream, 'stdout');
  assert.equal(f.partial, false);
  assert.equal(f.data.toString(), 'hello world\n');
  const p = parseLine(Buffer.from(`${T(1)} stderr P abc`))!;
  assert.equal(p.partial, true);
  assert.equal(p.data.toString(), 'abc');
  assert.equal(parseLine(Buffer.from(`${T(1)} stdout F `))!.data.toString(), '\n');
  assert.equal(parseLine(Buffer.from('garbage')), undefined);
});

test('partial lines are joined per stream', () => {
  const j = new LineJoiner();
  assert.equal(j.push(parseLine(Buffer.from(`${T(1)} stdout P ab`))!), undefined);
  assert.equal(j.push(parseLine(Buffer.from(`${T(2)} stderr F e1`))!)!.data.toString(), 'e1\n');
  const e = j.push(parseLine(Buffer.from(`${T(3)} stdout F cd`))!)!;
  assert.equal(e.data.toString(), 'abcd\n');
  assert.equal(e.time, '2026-01-01T00:00:01.000000000Z');
  j.push(parseLine(Buffer.from(`${T(4)} stdout P tail`))!);
  assert.deepEqual(j.flush().map((x) => x.data.toString()), ['tail']);
});

test('read all, filter streams, since/until', async () => {
  const p = writeLog('a.log', line(1, 'stdout', 'F', 'one') + line(2, 'stderr', 'F', 'two') + line(3, 'stdout', 'P', 'thr') + line(3, 'stdout', 'F', 'ee') + line(4, 'stdout', 'P', 'no-newline'));
  assert.equal(text(await collect(p, {})), 'o:one\ne:two\no:three\no:no-newline');
  assert.equal(text(await collect(p, { stderr: false })), 'o:one\no:three\no:no-newline');
  assert.equal(text(await collect(p, { stdout: false })), 'e:two\n');
  const base = Number(parseTimeNs(T(0)) / 1_000_000_000n);
  assert.equal(text(await collect(p, { since: base + 2 })), 'e:two\no:three\no:no-newline');
  assert.equal(text(await collect(p, { until: base + 2.5 })), 'o:one\ne:two\n');
});

test('tail counts messages from the end, partial runs included', async () => {
  let t = '';
  for (let i = 0; i < 5000; i++) t += line(1, i % 2 ? 'stderr' : 'stdout', 'F', `line ${i} ${'x'.repeat(i % 50)}`);
  t += line(2, 'stdout', 'P', 'part1-') + line(2, 'stdout', 'F', 'part2');
  const p = writeLog('b.log', t);
  const last3 = await collect(p, { tail: 3 });
  assert.deepEqual(last3.map((e) => e.data.toString().split(' ').slice(0, 2).join(' ').trim()), ['line 4998', 'line 4999', 'part1-part2']);
  assert.equal((await collect(p, { tail: 0 })).length, 0);
  assert.equal((await collect(p, { tail: 100000 })).length, 5001);
  const fd = fs.openSync(p, 'r');
  assert.equal(tailOffset(fd, fs.fstatSync(fd).size, 1), t.lastIndexOf(line(2, 'stdout', 'P', 'part1-')));
  fs.closeSync(fd);
});

test('follow reads appended output until the writer is done, and stops on abort', async () => {
  const p = writeLog('c.log', line(1, 'stdout', 'F', 'first'));
  let finished = false;
  const got: string[] = [];
  const reader = (async () => {
    for await (const e of readLog(p, { follow: true, stdout: true, stderr: true }, new AbortController().signal, { done: () => finished })) got.push(e.data.toString());
  })();
  await new Promise((r) => setTimeout(r, 50));
  fs.appendFileSync(p, line(2, 'stdout', 'F', 'second'));
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(got, ['first\n', 'second\n']);
  fs.appendFileSync(p, line(3, 'stderr', 'P', 'last'));
  finished = true;
  await reader;
  assert.deepEqual(got, ['first\n', 'second\n', 'last']);

  const ac = new AbortController();
  const r2 = (async () => {
    let n = 0;
    for await (const _ of readLog(p, { follow: true, stdout: true, stderr: true, tail: 1 }, ac.signal, { done: () => false })) n++;
    return n;
  })();
  setTimeout(() => ac.abort(), 50);
  assert.equal(await r2, 1);
});

test('a missing log file yields nothing', async () => {
  assert.deepEqual(await collect(path.join(dir, 'nope.log'), {}), []);
});
