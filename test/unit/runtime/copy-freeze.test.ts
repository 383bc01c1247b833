// The freeze held during cp/export: shared by overlapping copies, never thawing a container the
// user paused, and holding off start/exec until the copies end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CopyFreezer } from '../../../src/runtime/copy-freeze.ts';
import type { RuntimeDriver } from '../../../src/runtime/types.ts';

function fakeRuntime(initial: 'running' | 'paused' | 'stopped') {
  const calls: string[] = [];
  let status: string = initial;
  const rt = {
    name: 'fake',
    state: async () => ({ status, pid: 1 }),
    pause: async () => {
      calls.push('pause');
      status = 'paused';
    },
    resume: async () => {
      calls.push('resume');
      status = 'running';
    },
    start: async () => void calls.push('start'),
    exec: async () => {
      calls.push('exec');
      return {} as never;
    },
    pids: async () => [1],
  } as unknown as RuntimeDriver;
  return { rt, calls, status: () => status };
}

test('overlapping copies share one freeze; the last one thaws', async () => {
  const f = fakeRuntime('running');
  const fr = new CopyFreezer(f.rt);
  const a = await fr.holdStill('c');
  const b = await fr.holdStill('c');
  assert.equal(f.status(), 'paused');
  await a();
  assert.equal(f.status(), 'paused');
  await b();
  await b(); // a second release is harmless
  assert.deepEqual(f.calls, ['pause', 'resume']);
  assert.deepEqual(await fr.runtime.pids('c'), [1], 'other calls pass through');
});

test('a paused container stays paused; docker pause/unpause during a copy take effect after it', async () => {
  const f = fakeRuntime('paused');
  const fr = new CopyFreezer(f.rt);
  const r = await fr.holdStill('c');
  await r();
  assert.deepEqual(f.calls, [], 'never thawed what the user paused');

  const g = fakeRuntime('running');
  const gr = new CopyFreezer(g.rt);
  const r1 = await gr.holdStill('c');
  await gr.runtime.pause('c'); // docker pause during the copy
  await r1();
  assert.equal(g.status(), 'paused', 'still paused as the user asked');
  const r2 = await gr.holdStill('c');
  await gr.runtime.resume('c'); // docker unpause during a copy: thawed only when it ends
  assert.equal(g.status(), 'paused');
  await r2();
  assert.equal(g.status(), 'running');
});

test('start and exec wait until the copies end', async () => {
  const f = fakeRuntime('stopped');
  const fr = new CopyFreezer(f.rt);
  const release = await fr.holdStill('c');
  const started = fr.runtime.start('c');
  const exec = fr.runtime.exec('c', {} as never);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(f.calls, []);
  await release();
  await Promise.all([started, exec]);
  assert.deepEqual(f.calls.sort(), ['exec', 'start']);
});
