// top.ts: the host's ps output, cut to the container's processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterPs } from '../../../../src/engine/containers/top.ts';

test('ps lines of the container pids, the last column kept whole', () => {
  const ps = ['UID          PID    PPID  C STIME TTY          TIME CMD', 'root           1       0  0 10:00 ?        00:00:01 /sbin/init', 'root        4242       1  0 10:01 ?        00:00:00 sleep 1000 --flag', ''].join('\n');
  const r = filterPs(ps, new Set([4242]));
  assert.deepEqual(r.Titles, ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
  assert.deepEqual(r.Processes, [['root', '4242', '1', '0', '10:01', '?', '00:00:00', 'sleep 1000 --flag']]);
  assert.throws(() => filterPs('USER COMMAND\nroot x', new Set([1])), /Couldn't find PID field in ps output/);
});
