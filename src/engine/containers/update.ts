// docker update: the new HostConfig from the request, as dockerd merges it (zero, empty and absent
// fields keep their values; PidsLimit 0 is a value) and checks it against the current one.
import { invalidParameter, conflict, BerthError } from '../../errdefs.ts';
import { checkResources } from './resources.ts';
import { emit, type Ctx } from './context.ts';
import { validatePolicy } from './restart-policy.ts';
import type { HostConfig } from './record.ts';
import type { ResourceFields } from './resources.ts';

/** What docker update may change besides the restart policy. */
const UPDATABLE = ['Memory', 'MemorySwap', 'MemoryReservation', 'NanoCpus', 'CpuShares', 'CpuPeriod', 'CpuQuota', 'CpuRealtimePeriod', 'CpuRealtimeRuntime', 'CpusetCpus', 'CpusetMems', 'PidsLimit', 'BlkioWeight'];

export function updatedHostConfig(current: HostConfig, body: Record<string, unknown>, id: string): HostConfig {
  const next: HostConfig = { ...current };
  const set = next as Record<string, unknown>;
  for (const f of UPDATABLE) {
    const v = body[f];
    if (v === undefined || v === null || v === '' || (v === 0 && f !== 'PidsLimit')) continue;
    set[f] = v;
  }
  const prevSwap = (current as ResourceFields).MemorySwap ?? 0;
  const mem = (body.Memory as number) || 0;
  // dockerd's rule, literally: without a new MemorySwap, a new Memory must not exceed the current
  // MemorySwap, which is 0 (or -1) for a container created without -m, so such a container needs
  // --memory-swap with its first --memory (a 409)
  if (mem > 0 && !body.MemorySwap && mem > prevSwap)
    throw conflict(`Cannot update container ${id}: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time`);
  const rp = body.RestartPolicy as HostConfig['RestartPolicy'] | undefined;
  if (rp?.Name) {
    if (current.AutoRemove && rp.Name !== 'no') throw invalidParameter(`Cannot update container ${id}: Restart policy cannot be updated because AutoRemove is enabled for the container`);
    const err = validatePolicy(rp, false);
    if (err) throw invalidParameter(err);
    next.RestartPolicy = rp;
  }
  return next;
}

/** The checks dockerd's update makes on the request's own fields that are not merged into the
 * HostConfig (verifyPlatformContainerResources on Linux): the Windows-only I/O limits refused, a CPU
 * percent discarded with its warning. */
function requestWarnings(body: Record<string, unknown>): string[] {
  if (body.IOMaximumBandwidth || body.IOMaximumIOps) throw invalidParameter('Invalid QoS settings: linux does not support Maximum IO Bandwidth or Maximum IO IOps');
  return (body.CpuPercent as number) > 0 ? ['linux does not support CPU percent. Percent discarded.'] : [];
}

/** What a running container's cgroup is changed with: dockerd's update hands the runtime neither
 * real-time CPU field (toContainerdResources has none); they are kept for the container's next start. */
function liveResources(hc: HostConfig): Record<string, unknown> {
  const { CpuRealtimePeriod: _period, CpuRealtimeRuntime: _runtime, ...rest } = hc as HostConfig & ResourceFields;
  return rest;
}

/** docker update: new limits (zero and absent fields keep theirs), applied at once to a running container. */
export async function update(ctx: Ctx, ref: string, body: Record<string, unknown>): Promise<{ Warnings: string[] }> {
  const c0 = ctx.store.get(ref);
  return ctx.store.lock.run(c0.Id, async () => {
    const c = ctx.store.get(c0.Id);
    const requested = requestWarnings(body);
    const next = updatedHostConfig(c.HostConfig, body, c.Id);
    const warnings = [...checkResources(next as ResourceFields, undefined, true), ...requested];
    if (c.State.Running) {
      await ctx.runtime.update(c.Id, liveResources(next)).catch((e: Error) => {
        throw e instanceof BerthError ? new BerthError(e.kind, `Cannot update container ${c.Id}: ${e.message}`, { cause: e }) : e;
      });
    }
    emit(ctx, ctx.store.update(c.Id, (x) => void (x.HostConfig = next)), 'update');
    return { Warnings: warnings };
  });
}
