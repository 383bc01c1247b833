import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podLimits } from '../../../src/cri/pod-resources.ts';
import { sandboxNamespaces, containerNamespaces } from '../../../src/cri/namespaces.ts';
import { planContainer } from '../../../src/cri/container-config.ts';
import { listStreams, STREAM_BATCH } from '../../../src/cri/list-streams.ts';
import { L } from '../../../src/cri/labels.ts';
import { isKind } from '../../../src/errdefs.ts';
import type { ContainerRecord } from '../../../src/engine/containers/record.ts';

const invalid = (e: unknown) => isKind(e, 'invalid-parameter');
const MiB = 1 << 20;

test('podLimits: resources plus overhead; no limit of its own stays unlimited; other fields refused', () => {
  assert.deepEqual(podLimits({ cpu_period: 100000, cpu_quota: 50000, cpu_shares: 512, memory_limit_in_bytes: 64 * MiB }, { cpu_period: 50000, cpu_quota: 5000, cpu_shares: 10, memory_limit_in_bytes: 16 * MiB }), {
    memory: 80 * MiB,
    cpuQuota: 60000,
    cpuPeriod: 100000,
    cpuShares: 522,
  });
  assert.deepEqual(podLimits({ cpu_shares: 2 }, { memory_limit_in_bytes: 16 * MiB, cpu_quota: 1000 }), { memory: 0, cpuQuota: 0, cpuPeriod: 100000, cpuShares: 2 });
  assert.equal(podLimits(null, null), undefined);
  assert.equal(podLimits({}, undefined), undefined);
  assert.throws(() => podLimits({ cpuset_cpus: '0' }, null), /resources.cpuset_cpus/);
  assert.throws(() => podLimits(null, { unified: { 'memory.high': '1' } }), /overhead.unified/);
  assert.throws(() => podLimits({ memory_limit_in_bytes: -1 }, null), invalid);
});

const sandbox = (hc: Record<string, unknown> = {}) => ({ Id: 's'.repeat(64), Config: { Labels: { [L.metadata]: JSON.stringify({ name: 'p', uid: 'u', namespace: 'n', attempt: 0 }) } }, HostConfig: hc }) as unknown as ContainerRecord;

test('namespaces: ipc NODE for the pod and its containers; a container may only repeat its pod modes', () => {
  const hostIpc = sandboxNamespaces({ ipc: 'NODE' }, 'runc', false);
  assert.deepEqual([hostIpc.hostIpc, hostIpc.hostConfig.IpcMode], [true, 'host']);
  assert.equal(sandboxNamespaces({}, 'runc', false).hostConfig.IpcMode, 'shareable');
  assert.throws(() => sandboxNamespaces({ ipc: 'NODE' }, 'runsc', true), /ipc NODE/);
  for (const [k, v] of [['network', 'CONTAINER'], ['network', 'TARGET'], ['ipc', 'TARGET'], ['ipc', 'CONTAINER'], ['pid', 'TARGET']]) assert.throws(() => sandboxNamespaces({ [k!]: v }, 'runc', false), new RegExp(`${k} ${v}`));
  assert.throws(() => sandboxNamespaces({ pid: 9 }, 'runc', false), /unknown namespace_options.pid/);

  assert.deepEqual(containerNamespaces({ ipc: 'NODE' }, sandbox({ IpcMode: 'host' }), ''), { NetworkMode: `container:${'s'.repeat(64)}`, IpcMode: 'host' });
  assert.equal(containerNamespaces({ ipc: 'POD' }, sandbox({ IpcMode: 'host' }), '').IpcMode, 'host');
  assert.equal(containerNamespaces({}, sandbox({ IpcMode: 'shareable' }), '').IpcMode, `container:${'s'.repeat(64)}`);
  assert.throws(() => containerNamespaces({ ipc: 'NODE' }, sandbox(), ''), /ipc NODE/);
  assert.throws(() => containerNamespaces({ ipc: 'CONTAINER' }, sandbox(), ''), /ipc CONTAINER/);
  assert.throws(() => containerNamespaces({ network: 'NODE' }, sandbox(), ''), /network NODE/);
  // POD is also what a container that says nothing sends (the proto's zero value): the pod's, here the host's
  assert.equal(containerNamespaces({ network: 'POD' }, sandbox({ NetworkMode: 'host' }), '').NetworkMode, `container:${'s'.repeat(64)}`);
  assert.equal(containerNamespaces(undefined, sandbox({ NetworkMode: 'host' }), '').NetworkMode, `container:${'s'.repeat(64)}`);
  assert.throws(() => containerNamespaces({ network: 'CONTAINER' }, sandbox({ NetworkMode: 'host' }), ''), /network CONTAINER/);
  assert.equal(containerNamespaces({ network: 'NODE' }, sandbox({ NetworkMode: 'host' }), '').NetworkMode, `container:${'s'.repeat(64)}`);
});

test('masked and read-only paths exactly as given, none when none is given; a privileged container needs a privileged pod', () => {
  const hc = (sc: Record<string, unknown>, sb = sandbox()) => (planContainer({ metadata: { name: 'a' }, linux: { security_context: sc } }, sb, 'i', 0).request.config as Record<string, any>).HostConfig;
  assert.deepEqual([hc({}).MaskedPaths, hc({}).ReadonlyPaths], [[], []]);
  assert.deepEqual([hc({ masked_paths: ['/proc/keys'], readonly_paths: ['/proc/sys'] }).MaskedPaths, hc({ readonly_paths: ['/proc/sys'] }).ReadonlyPaths], [['/proc/keys'], ['/proc/sys']]);
  assert.throws(() => hc({ privileged: true }), /no privileged container allowed in sandbox/);
  assert.equal(hc({ privileged: true }, sandbox({ Privileged: true })).Privileged, true);
});

test('list streams: the List items in batches of at least one, nothing at all for no items, errors as status', async () => {
  const items = Array.from({ length: STREAM_BATCH * 2 + 1 }, (_, i) => ({ id: String(i) }));
  const run = (list: () => unknown) =>
    new Promise<{ writes: unknown[][]; error?: { code: number } }>((resolve) => {
      const writes: unknown[][] = [];
      const call = { write: (m: { containers: unknown[] }) => writes.push(m.containers), end: () => resolve({ writes }), emit: (_: string, error: { code: number }) => resolve({ writes, error }) };
      const h = listStreams({ ListContainers: list }, 'runtime').StreamContainers as { stream: (req: unknown, call: unknown) => void };
      h.stream({}, call);
    });
  const all = await run(() => ({ containers: items }));
  assert.deepEqual(all.writes.map((w) => w.length), [STREAM_BATCH, STREAM_BATCH, 1]);
  assert.deepEqual(all.writes.flat(), items);
  assert.deepEqual((await run(() => ({ containers: [] }))).writes, []);
  const failed = await run(() => {
    throw Object.assign(new Error('x'), {});
  });
  assert.equal(failed.error?.code, 2);
});
