// wait.ts: every wait settles, also one whose caller went away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness } from './fakes.ts';
import { Waiters } from '../../../../src/engine/containers/wait.ts';
import { statusOf } from '../../../../src/api/errors.ts';

test('an aborted wait settles with the abort and leaves nothing registered', async () => {
  const w = new Waiters();
  const ac = new AbortController();
  const p = w.add('c1', 'next-exit', ac.signal);
  assert.equal(w.count('c1'), 1);
  ac.abort(new Error('client gone'));
  await assert.rejects(p, /client gone/);
  assert.equal(w.count('c1'), 0);
  // already aborted: settles at once
  await assert.rejects(w.add('c1', 'removed', AbortSignal.abort()));
  assert.equal(w.count('c1'), 0);
});

test('conditions: not-running of a stopped container answers at once; a bad condition is a 400', async () => {
  const h = harness();
  try {
    const { Id } = await h.svc.create({ name: 'wt', config: { Image: 'busybox' } });
    assert.deepEqual(await h.svc.wait(Id, 'not-running'), { StatusCode: 0, Error: null });
    assert.throws(() => h.svc.wait(Id, 'sometime' as never), (e: Error) => statusOf(e) === 400 && /invalid condition: "sometime"/.test(e.message));
  } finally {
    h.close();
  }
});
