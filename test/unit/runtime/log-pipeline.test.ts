import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { LogPipelines, BUFFER_ROTATE_BYTES, type PipelineTarget } from '../../../src/runtime/log-pipeline.ts';
import { tempDir } from './rootfs.ts';

const dir = tempDir('berth-logpipe-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const k8s = (i: number, stream: string, tag: string, data: string) => `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.000000001+00:00 ${stream} ${tag} ${data}\n`;
const jsonLines = (f: string) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

function target(name: string, extra: Partial<PipelineTarget> = {}): PipelineTarget {
  const d = path.join(dir, name);
  fs.mkdirSync(d, { recursive: true });
  return { id: name, buffer: path.join(d, 'conmon.log'), file: path.join(d, `${name}-json.log`), rotation: { maxSize: -1, maxFiles: 1, compress: false }, ...extra };
}

test('k8s-file lines become JSON lines: partial lines joined, attrs on each line', () => {
  const t = target('join', { attrs: { tag: 'x' } });
  fs.writeFileSync(t.buffer, k8s(1, 'stdout', 'P', 'hel') + k8s(1, 'stderr', 'F', 'oops') + k8s(2, 'stdout', 'F', 'lo') + k8s(3, 'stdout', 'P', 'no newline'));
  const pipes = new LogPipelines({ reopen: () => {}, monitorAlive: () => false });
  pipes.sync(t);
  assert.deepEqual(jsonLines(t.file), [
    { log: 'oops\n', stream: 'stderr', attrs: { tag: 'x' }, time: '2026-01-01T00:00:01.000000001Z' },
    { log: 'hello\n', stream: 'stdout', attrs: { tag: 'x' }, time: '2026-01-01T00:00:01.000000001Z' },
  ]);
  // the exit writes what was left without a newline, and the buffer goes
  pipes.exited('join');
  assert.equal(jsonLines(t.file)[2].log, 'no newline');
  assert.equal(fs.existsSync(t.buffer), false);
});

test('a berthd that restarts catches up where it stopped, without repeating a line', () => {
  const t = target('restart');
  fs.writeFileSync(t.buffer, k8s(1, 'stdout', 'F', 'one'));
  new LogPipelines({ reopen: () => {}, monitorAlive: () => true }).sync(t);
  fs.appendFileSync(t.buffer, k8s(2, 'stdout', 'F', 'two'));
  new LogPipelines({ reopen: () => {}, monitorAlive: () => true }).sync(t);
  assert.deepEqual(jsonLines(t.file).map((j) => j.log), ['one\n', 'two\n']);
});

test('the buffer is rotated through conmon\'s reopen, and nothing written meanwhile is lost', () => {
  const t = target('rotate', { rotation: { maxSize: 50_000, maxFiles: 2, compress: false } });
  let reopened = 0;
  // as conmon: the reopen makes a new, empty buffer at the path; writes before it went to the renamed file
  const pipes = new LogPipelines({ reopen: () => (reopened++, fs.writeFileSync(t.buffer, '')), monitorAlive: () => true });
  const big = 'x'.repeat(100);
  let n = 0;
  fs.writeFileSync(t.buffer, '');
  (pipes as any).pipe(t).live = true;
  for (let round = 0; round < 3; round++) {
    let text = '';
    while (text.length < BUFFER_ROTATE_BYTES + 1000) text += k8s(n, 'stdout', 'F', `${n++} ${big}`);
    fs.appendFileSync(t.buffer, text);
    pipes.sync(t);
  }
  assert.equal(reopened, 3);
  assert.ok(fs.statSync(t.buffer).size === 0 && !fs.existsSync(`${t.buffer}.draining`));
  const files = [`${t.file}.1`, t.file].filter((f) => fs.existsSync(f));
  const got = files.flatMap(jsonLines).map((j) => Number(j.log.split(' ')[0]));
  // max-file 2 keeps the newest lines; those are all there, in order
  assert.deepEqual(got, Array.from({ length: got.length }, (_, i) => n - got.length + i));
  assert.ok(fs.statSync(`${t.file}.1`).size <= 50_000 + 200);
});

test('a berthd killed between renaming the buffer and asking conmon to reopen finishes the rotation', () => {
  const t = target('cut');
  fs.writeFileSync(`${t.buffer}.draining`, k8s(1, 'stdout', 'F', 'before') + k8s(2, 'stdout', 'F', 'during'));
  let reopened = 0;
  const pipes = new LogPipelines({ reopen: () => (reopened++, fs.writeFileSync(t.buffer, k8s(3, 'stdout', 'F', 'after'))), monitorAlive: () => true });
  pipes.sync(t);
  assert.equal(reopened, 1);
  pipes.sync(t);
  assert.deepEqual(jsonLines(t.file).map((j) => j.log), ['before\n', 'during\n', 'after\n']);
  assert.equal(fs.existsSync(`${t.buffer}.draining`), false);
});
