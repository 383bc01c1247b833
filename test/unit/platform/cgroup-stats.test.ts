import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cgroupStats, networkStats, systemCpuUsage, onlineCpus } from '../../../src/platform/linux/cgroup-stats.ts';

test('the stats of this process\'s own cgroups have the API shape', () => {
  const s = cgroupStats(process.pid);
  assert.ok(s, 'cgroup stats of a live process');
  assert.equal(typeof s.cpu_stats.cpu_usage.total_usage, 'number');
  assert.ok(s.cpu_stats.cpu_usage.total_usage > 0);
  assert.equal(typeof s.memory_stats.usage, 'number');
  assert.ok((s.memory_stats.limit as number) > 0);
  assert.ok('io_service_bytes_recursive' in s.blkio_stats);
});

test('system CPU time grows; online CPUs; network counters without loopback', async () => {
  const a = systemCpuUsage();
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(systemCpuUsage() >= a);
  assert.ok(onlineCpus() >= 1);
  const net = networkStats(process.pid);
  assert.ok(net);
  assert.ok(!('lo' in net));
});

test('a process that is gone has no stats', () => {
  assert.equal(cgroupStats(2 ** 22 + 12345), undefined);
  assert.equal(networkStats(2 ** 22 + 12345), undefined);
});
