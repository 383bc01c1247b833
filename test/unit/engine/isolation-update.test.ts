// Pure container decisions: the runtime for --isolation/--runtime, and docker update's merge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseRuntime } from '../../../src/engine/containers/isolation.ts';
import { updatedHostConfig } from '../../../src/engine/containers/update.ts';
import type { HostConfig } from '../../../src/engine/containers/record.ts';

const both = { known: ['runc', 'runsc'], defaultRuntime: 'runc', explicitNetwork: false, tty: false };

test('isolation picks the runtime; the sandbox refuses what it cannot do', () => {
  assert.equal(chooseRuntime({} as HostConfig, both), 'runc');
  assert.equal(chooseRuntime({ Isolation: 'process' } as HostConfig, both), 'runc');
  assert.equal(chooseRuntime({ Isolation: 'hyperv' } as HostConfig, both), 'runsc');
  assert.equal(chooseRuntime({ Isolation: 'sandbox', NetworkMode: 'none' } as HostConfig, { ...both, explicitNetwork: true }), 'runsc');
  assert.throws(() => chooseRuntime({ Isolation: 'vm' } as HostConfig, both), /invalid isolation "vm"/);
  assert.throws(() => chooseRuntime({ Runtime: 'nope' } as HostConfig, both), /unknown or invalid runtime name: nope/);
  assert.throws(() => chooseRuntime({ Isolation: 'sandbox' } as HostConfig, { ...both, known: ['runc'] }), /not installed/);
  assert.throws(() => chooseRuntime({ Isolation: 'sandbox', Runtime: 'runc' } as HostConfig, both), /cannot be combined with runtime runc/);
  assert.throws(() => chooseRuntime({ Isolation: 'sandbox' } as HostConfig, { ...both, tty: true }), /cannot give a process a terminal/);
  assert.throws(() => chooseRuntime({ Isolation: 'sandbox', NetworkMode: 'bridge' } as HostConfig, { ...both, explicitNetwork: true }), /does not support network mode "bridge"/);
});

test('docker update keeps what is zero or absent, and checks the swap and restart policy', () => {
  const cur = { Memory: 64 << 20, MemorySwap: 128 << 20, CpuShares: 512, PidsLimit: 100, RestartPolicy: { Name: 'no', MaximumRetryCount: 0 } } as unknown as HostConfig;
  const next = updatedHostConfig(cur, { Memory: 0, CpuShares: 1024, PidsLimit: 0, CpusetCpus: '' }, 'c1') as unknown as Record<string, unknown>;
  assert.deepEqual([next.Memory, next.CpuShares, next.PidsLimit], [64 << 20, 1024, 0]);
  assert.throws(() => updatedHostConfig(cur, { Memory: 256 << 20 }, 'c1'), /Memory limit should be smaller than already set memoryswap limit/);
  // a container without a memory limit has MemorySwap 0: its first --memory needs --memory-swap (dockerd's rule)
  assert.throws(() => updatedHostConfig({ ...cur, Memory: 0, MemorySwap: 0 } as unknown as HostConfig, { Memory: 32 << 20 }, 'c1'), /Memory limit should be smaller/);
  assert.throws(() => updatedHostConfig({ ...cur, Memory: 0, MemorySwap: -1 } as unknown as HostConfig, { Memory: 32 << 20 }, 'c1'), /Memory limit should be smaller/);
  assert.equal(updatedHostConfig({ ...cur, Memory: 0, MemorySwap: 0 } as unknown as HostConfig, { Memory: 32 << 20, MemorySwap: -1 }, 'c1').Memory, 32 << 20);
  assert.equal((updatedHostConfig(cur, { RestartPolicy: { Name: 'always' } }, 'c1').RestartPolicy as { Name: string }).Name, 'always');
  assert.throws(() => updatedHostConfig({ ...cur, AutoRemove: true } as HostConfig, { RestartPolicy: { Name: 'always' } }, 'c1'), /AutoRemove is enabled/);
});
