// Pure parts of --userns-remap: subordinate ranges and id shifting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rangesFor, toHost, toContainer, type IdMap } from '../../../src/platform/linux/idmap.ts';

const m: IdMap = { uid: 100000, gid: 200000, size: 65536, user: 'dockremap' };

test('subuid ranges by user name or numeric id', () => {
  const text = 'alice:100000:65536\ndockremap:165536:65536\n999:300000:10\nbroken\n';
  assert.deepEqual(rangesFor(text, 'dockremap'), [{ start: 165536, size: 65536 }]);
  assert.deepEqual(rangesFor(text, 'someone', 999), [{ start: 300000, size: 10 }]);
  assert.deepEqual(rangesFor(text, 'nobody-here'), []);
});

test('ids shift into the range and back; ids outside it become nobody', () => {
  assert.equal(toHost(0, 'uid', m), 100000);
  assert.equal(toHost(33, 'gid', m), 200033);
  assert.equal(toHost(70000, 'uid', m), 100000 + 65534);
  assert.equal(toContainer(100005, 'uid', m), 5);
  assert.equal(toContainer(0, 'uid', m), 65534);
  assert.equal(toContainer(1000, 'gid', undefined), 1000);
  assert.equal(toHost(1000, 'gid', undefined), 1000);
});
