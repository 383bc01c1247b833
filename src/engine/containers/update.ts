// docker update: the new HostConfig from the request, as dockerd merges it (zero, empty and absent
// fields keep their values; PidsLimit 0 is a value) and checks it against the current one.
import { invalidParameter } from '../../errdefs.ts';
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
  if (mem > 0 && !body.MemorySwap && prevSwap > 0 && mem > prevSwap)
    throw invalidParameter(`Cannot update container ${id}: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time`);
  const rp = body.RestartPolicy as HostConfig['RestartPolicy'] | undefined;
  if (rp?.Name) {
    if (current.AutoRemove && rp.Name !== 'no') throw invalidParameter(`Cannot update container ${id}: Restart policy cannot be updated because AutoRemove is enabled for the container`);
    const err = validatePolicy(rp, false);
    if (err) throw invalidParameter(err);
    next.RestartPolicy = rp;
  }
  return next;
}
