import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { findCri, getCri, serialPerPod } from '../../../src/cri/lookup.ts';
import { codeOf } from '../../../src/cri/errors.ts';
import { L } from '../../../src/cri/labels.ts';
import type { ContainerService } from '../../../src/engine/containers/service.ts';

const rec = (id: string, type = 'container') => ({ Id: id, Config: { Labels: { [L.type]: type } } });
const svc = (...recs: ReturnType<typeof rec>[]) => ({ list: () => recs }) as unknown as ContainerService;

test('ids as containerd’s index finds them: empty and ambiguous are plain errors, unknown is not found', () => {
  const a = 'ab' + '0'.repeat(62);
  const b = 'ac' + '0'.repeat(62);
  const s = svc(rec(a), rec(b), rec('ad' + '0'.repeat(62), 'sandbox'));
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return codeOf(e);
    }
    return status.OK;
  };
  assert.equal(code(() => findCri(s, 'container', '')), status.UNKNOWN);
  assert.equal(code(() => findCri(s, 'container', 'a')), status.UNKNOWN, 'a prefix of two containers');
  assert.equal(findCri(s, 'container', 'ab')?.Id, a);
  assert.equal(findCri(s, 'container', a)?.Id, a);
  // a sandbox is no container, and does not make a prefix ambiguous
  assert.equal(findCri(s, 'container', 'ad'), undefined);
  assert.equal(findCri(s, 'sandbox', 'a')?.Id, 'ad' + '0'.repeat(62));
  assert.equal(code(() => getCri(s, 'container', 'f'.repeat(64))), status.NOT_FOUND);
});

test('calls on one pod run one after another, a failure does not stop the next', async () => {
  const order: string[] = [];
  const step = (name: string, ms: number, fail = false) => () =>
    new Promise<string>((resolve, reject) =>
      setTimeout(() => {
        order.push(name);
        if (fail) reject(new Error(name));
        else resolve(name);
      }, ms),
    );
  const r = await Promise.allSettled([serialPerPod('p', step('stop', 30, true)), serialPerPod('p', step('create', 1)), serialPerPod('q', step('other pod', 5))]);
  assert.deepEqual(order, ['other pod', 'stop', 'create']);
  assert.equal(r[0].status, 'rejected');
  assert.equal(r[1].status, 'fulfilled');
});
