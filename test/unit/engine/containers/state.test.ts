// state.ts: the transition table, and the store refusing what it does not allow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canTransition, phaseOf } from '../../../../src/engine/containers/state.ts';
import { initialState, type ContainerRecord } from '../../../../src/engine/containers/record.ts';
import { harness } from './fakes.ts';
import { statusOf } from '../../../../src/api/errors.ts';

test('the transition table', () => {
  assert.ok(canTransition('created', 'starting'));
  assert.ok(canTransition('starting', 'running'));
  assert.ok(canTransition('starting', 'created'), 'a failed first start goes back to created');
  assert.ok(canTransition('running', 'paused'));
  assert.ok(canTransition('paused', 'running'));
  assert.ok(canTransition('running', 'restarting'));
  assert.ok(canTransition('restarting', 'starting'));
  assert.ok(canTransition('running', 'removing'));
  assert.ok(canTransition('removing', 'dead'));
  assert.ok(!canTransition('created', 'running'), 'running only through starting');
  assert.ok(!canTransition('created', 'paused'));
  assert.ok(!canTransition('exited', 'paused'));
  assert.ok(!canTransition('removing', 'running'));
  assert.ok(!canTransition('dead', 'running'));
});

test('the start intent is the starting phase', () => {
  const c = { State: initialState() } as ContainerRecord;
  assert.equal(phaseOf(c), 'created');
  assert.equal(phaseOf({ ...c, Intent: 'start' }), 'starting');
  assert.equal(phaseOf({ ...c, Intent: 'stop' }), 'created');
});

test('an illegal transition is a conflict, and nothing is written or published', async () => {
  const h = harness();
  try {
    const { Id } = await h.svc.create({ name: 'aa', config: { Image: 'busybox' } });
    const store = (h.svc as unknown as { ctx: { store: import('../../../../src/engine/containers/store.ts').ContainerStore } }).ctx.store;
    const before = h.svc.get(Id);
    assert.throws(
      () => store.update(Id, (x) => void (x.State = { ...x.State, Status: 'paused', Paused: true })),
      (e: Error) => statusOf(e) === 409 && /cannot change container .* from created to paused/.test(e.message),
    );
    assert.equal(h.svc.get(Id), before, 'the published record is the same object');
    const again = h.reopen();
    assert.equal(again.svc.get(Id).State.Status, 'created');
    again.close();
  } catch (e) {
    h.close();
    throw e;
  }
});
