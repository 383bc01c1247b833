// docker run --device: HostConfig.Devices entries as the host device nodes they name.
import path from 'node:path';
import { invalidParameter } from '../../errdefs.ts';
import { devicesAt } from '../../platform/linux/devices.ts';
import type { RunSpec } from '../../runtime/types.ts';
import type { HostConfig } from './record.ts';

/** Each entry's nodes (a directory gives every device below it), where they appear, and the cgroup access. */
export function hostDevicesFor(hc: HostConfig): NonNullable<RunSpec['devices']> {
  const out: NonNullable<RunSpec['devices']> = [];
  for (const d of (hc as { Devices?: { PathOnHost?: string; PathInContainer?: string; CgroupPermissions?: string }[] }).Devices ?? []) {
    const hostPath = d.PathOnHost ?? '';
    const inContainer = d.PathInContainer || hostPath;
    if (d.CgroupPermissions && !/^[rwm]{1,3}$/.test(d.CgroupPermissions)) throw invalidParameter(`invalid device cgroup permissions: ${d.CgroupPermissions}`);
    for (const host of devicesAt(hostPath)) {
      const containerPath = host.path === hostPath ? inContainer : path.posix.join(inContainer, path.relative(hostPath, host.path));
      out.push({ host, containerPath, access: d.CgroupPermissions || 'rwm' });
    }
  }
  return out;
}
