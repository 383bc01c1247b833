// resources.ts: dockerd's checks of resource settings, against a described host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkResources, defaultMemorySwap, parseCpuset, type HostResources, type ResourceFields } from '../../../../src/engine/containers/resources.ts';

const host: HostResources = { ncpu: 2, cpus: '0-1', mems: '0', swapLimit: true, blkioWeight: false, oomKillDisable: true, hardLimits: { RLIMIT_NOFILE: 1024 } };
const MB = 1024 * 1024;

test('cpuset lists', () => {
  assert.deepEqual([...parseCpuset('0-2,4')!], [0, 1, 2, 4]);
  assert.deepEqual([...parseCpuset('')!], []);
  assert.equal(parseCpuset('2-1'), undefined);
  assert.equal(parseCpuset('a'), undefined);
});

test('impossible settings are refused with dockerd messages', () => {
  const bad = (r: object, re: RegExp) => assert.throws(() => checkResources(r, host), re);
  bad({ Memory: MB }, /Minimum memory limit allowed is 6MB/);
  bad({ MemorySwap: 64 * MB }, /You should always set the Memory limit when using Memoryswap limit/);
  bad({ Memory: 64 * MB, MemorySwap: 32 * MB }, /Minimum memoryswap limit should be larger than memory limit/);
  bad({ MemorySwappiness: 101 }, /valid memory swappiness range is 0-100/);
  bad({ NanoCpus: 1e9, CpuPeriod: 100000 }, /Nano CPUs and CPU Period cannot both be set/);
  bad({ NanoCpus: 3e9 }, /Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available/);
  bad({ CpuPeriod: 500 }, /CPU cfs period can not be less than 1ms/);
  bad({ CpusetCpus: '0-3' }, /Requested CPUs are not available - requested 0-3, available: 0-1/);
  bad({ CpusetMems: 'x' }, /Invalid value x for cpuset mems/);
  bad({ Ulimits: [{ Name: 'nofile', Soft: 10, Hard: 4096 }] }, /hard limit 4096 is above this host's limit of 1024/);
  bad({ Ulimits: [{ Name: 'nofile', Soft: 100, Hard: 10 }] }, /soft limit must be less than or equal to hard limit: 100 > 10/);
  // docker update checks the swap against the current limits elsewhere (update.ts)
  assert.deepEqual(checkResources({ MemorySwap: 64 * MB }, host, true), []);
});

test('what the host cannot enforce is a warning, and the setting is dropped', () => {
  const r = { BlkioWeight: 500 };
  assert.deepEqual(checkResources(r, host), ['Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.']);
  assert.equal(r.BlkioWeight, 0);
  assert.match(checkResources({ OomKillDisable: true }, host)[0], /OOM killer is disabled for the container, but no memory limit is set/);
  assert.match(checkResources({ Memory: 64 * MB, MemorySwap: 128 * MB }, { ...host, swapLimit: false })[0], /does not support swap limit capabilities/);
});

test("a memory limit without a swap limit gets Docker's default swap, twice the memory (moby's adaptContainerSettings)", () => {
  const swapOf = (r: ResourceFields, h = host) => (defaultMemorySwap(r, h), r.MemorySwap);
  assert.equal(swapOf({ Memory: 400 * MB }), 800 * MB);
  assert.equal(swapOf({ Memory: 400 * MB, MemorySwap: 500 * MB }), 500 * MB);
  assert.equal(swapOf({ Memory: 400 * MB, MemorySwap: -1 }), -1);
  assert.equal(swapOf({}), undefined);
  assert.equal(swapOf({ Memory: 400 * MB }, { ...host, swapLimit: false }), undefined);
});
