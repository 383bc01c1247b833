import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { encodeJsonLine, decodeJsonLine, goRFC3339Nano, encodeAttrs, rotatedName, rotationPlan } from '../../../src/runtime/json-log.ts';
import { RotatingLogFile } from '../../../src/runtime/log-file.ts';
import { readRotatedLog, tailStart, openAll } from '../../../src/runtime/log-reader.ts';
import { parseTimeNs } from '../../../src/runtime/logs.ts';
import type { LogEntry, LogOptions } from '../../../src/runtime/types.ts';
import { tempDir } from './rootfs.ts';

const dir = tempDir('berth-jsonlog-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('time as Go RFC3339Nano: UTC, trailing zeros dropped', () => {
  assert.equal(goRFC3339Nano(parseTimeNs('2026-11-27T08:00:00.123450000+01:00')), '2026-11-27T07:00:00.12345Z');
  assert.equal(goRFC3339Nano(parseTimeNs('2026-11-27T08:00:00.000000000Z')), '2026-11-27T08:00:00Z');
});

test('a line as moby writes it: key order, Go escapes, attrs sorted', () => {
  const ns = parseTimeNs('2026-11-27T07:40:00.5Z');
  assert.equal(encodeJsonLine('stdout', ns, Buffer.from('a<b>&"c"\t\\t\n')), '{"log":"a\\u003cb\\u003e\\u0026\\"c\\"\\u0009\\\\t\\n","stream":"stdout","time":"2026-11-27T07:40:00.5Z"}\n');
  const attrs = encodeAttrs({ tag: 'x', a: '1' });
  assert.equal(attrs, '{"a":"1","tag":"x"}');
  const l = encodeJsonLine('stderr', ns, Buffer.from('hi\n'), attrs);
  assert.equal(l, '{"log":"hi\\n","stream":"stderr","attrs":{"a":"1","tag":"x"},"time":"2026-11-27T07:40:00.5Z"}\n');
  const e = decodeJsonLine(l.trimEnd())!;
  assert.equal(e.stream, 'stderr');
  assert.equal(e.data.toString(), 'hi\n');
  assert.equal(e.time, '2026-11-27T07:40:00.500000000Z');
  assert.equal(decodeJsonLine('{"log":"x","stream":"stdout","tim'), undefined);
});

test('rotation names and plan as moby loggerutils', () => {
  assert.equal(rotatedName('/l/x-json.log', 2, true), '/l/x-json.log.2.gz');
  assert.deepEqual(rotationPlan('f', { maxSize: 1, maxFiles: 3, compress: true }), { drop: ['f.2.gz'], renames: [['f.1.gz', 'f.2.gz'], ['f', 'f.1']] });
  assert.deepEqual(rotationPlan('f', { maxSize: 1, maxFiles: 1, compress: false }), { drop: ['f'], renames: [] });
});

const line = (i: number) => encodeJsonLine('stdout', BigInt(i) * 1_000_000_000n, Buffer.from(`line ${i}\n`));
async function read(file: string, opts: Partial<LogOptions> = {}): Promise<string[]> {
  const out: LogEntry[] = [];
  const ctl = { done: () => true, sync: () => {}, onRotate: () => () => {}, subscribe: () => () => {} };
  for await (const e of readRotatedLog(file, { follow: false, stdout: true, stderr: true, ...opts }, new AbortController().signal, ctl)) out.push(e);
  return out.map((e) => e.data.toString().trim());
}

for (const compress of [false, true]) {
  test(`rotating at max-size keeps max-file files${compress ? ', compressed' : ''}; reading goes across them in order`, async () => {
    const file = path.join(dir, `c${compress}-json.log`);
    const w = new RotatingLogFile(file, { maxSize: 100, maxFiles: 3, compress });
    for (let i = 1; i <= 21; i++) w.writeLines([line(i)]);
    w.close();
    const names = fs.readdirSync(dir).filter((f) => f.startsWith(`c${compress}`)).sort();
    assert.deepEqual(names, compress ? [`c${compress}-json.log`, `c${compress}-json.log.1.gz`, `c${compress}-json.log.2.gz`] : [`c${compress}-json.log`, `c${compress}-json.log.1`, `c${compress}-json.log.2`]);
    if (compress) assert.match(zlib.gunzipSync(fs.readFileSync(`${file}.1.gz`)).toString(), /line/);
    const all = await read(file);
    // a file rotates after the line that took it to 100 bytes (two 67-byte lines): .2 has 17 and 18, .1 19 and 20
    assert.deepEqual(all, ['line 17', 'line 18', 'line 19', 'line 20', 'line 21']);
    assert.deepEqual(await read(file, { tail: 2 }), ['line 20', 'line 21']);
    assert.deepEqual(await read(file, { tail: 4 }), ['line 18', 'line 19', 'line 20', 'line 21']);
    assert.deepEqual(await read(file, { tail: 9 }), all);
    assert.deepEqual(await read(file, { tail: 0 }), []);
    assert.deepEqual(await read(file, { since: 17, until: 19 }), ['line 17', 'line 18', 'line 19']);
    assert.equal(openAll(file).length, 3);
  });
}

test('tailStart counts lines from the end', () => {
  const f = path.join(dir, 'tail');
  fs.writeFileSync(f, 'a\nb\nc\n');
  const fd = fs.openSync(f, 'r');
  assert.deepEqual(tailStart({ fd }, 6, 2), { offset: 2, count: 2 });
  assert.deepEqual(tailStart({ fd }, 6, 5), { offset: 0, count: 3 });
  fs.closeSync(fd);
});

test('a follower reads every line once while the file rotates under it, also several times between two reads', async () => {
  const file = path.join(dir, 'follow-json.log');
  const w = new RotatingLogFile(file, { maxSize: 200, maxFiles: 5, compress: true });
  let finished = false;
  const wakers = new Set<() => void>();
  const ctl = {
    done: () => finished,
    sync: () => {},
    onRotate: (cb: () => void) => (w.beforeRotate.add(cb), () => void w.beforeRotate.delete(cb)),
    subscribe: (cb: () => void) => (wakers.add(cb), () => void wakers.delete(cb)),
  };
  const got: string[] = [];
  const reader = (async () => {
    for await (const e of readRotatedLog(file, { follow: true, stdout: true, stderr: true }, new AbortController().signal, ctl)) got.push(e.data.toString().trim());
  })();
  let i = 0;
  for (const burst of [1, 2, 7, 3, 6, 1, 20]) {
    // 3 lines rotate the file once; a burst of 7 rotates it twice, one of 20 more often than max-file
    for (let k = 0; k < burst; k++) w.writeLines([line(++i)]);
    for (const cb of wakers) cb();
    await new Promise((r) => setTimeout(r, 20));
  }
  finished = true;
  for (const cb of wakers) cb();
  await reader;
  assert.deepEqual(got, Array.from({ length: i }, (_, k) => `line ${k + 1}`));
});
