// health.ts: results are written through the store; a probe past its timeout is killed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { harness, actions } from './fakes.ts';

test('a probe that outlives its timeout is killed and counted as a failure', async () => {
  const h = harness();
  try {
    const hc = { Test: ['CMD', 'hang'], Interval: 30e6, Timeout: 20e6, Retries: 1 };
    const { Id } = await h.svc.create({ name: 'hc1', config: { Image: 'busybox', Healthcheck: hc } as never });
    await h.svc.start(Id);
    assert.equal(h.svc.get(Id).State.Health?.Status, 'starting');
    for (let i = 0; i < 100 && h.svc.get(Id).State.Health?.Status !== 'unhealthy'; i++) await sleep(10);
    const health = h.svc.get(Id).State.Health!;
    assert.equal(health.Status, 'unhealthy');
    assert.match(health.Log[0].Output, /Health check exceeded timeout/);
    assert.ok(h.runtime.execKilled.length >= 1, 'the timed-out probe was killed');
    // written to disk, not only in memory
    const onDisk = h.db.collection<{ State: { Health?: { Status: string } } }>('containers').get(Id)!;
    assert.equal(onDisk.State.Health?.Status, 'unhealthy');
    assert.ok(actions(h, Id).includes('health_status: unhealthy'));
    await h.svc.kill(Id);
  } finally {
    h.close();
  }
});
