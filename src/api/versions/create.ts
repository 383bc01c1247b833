// POST /containers/create as older API versions meant it (moby daemon/server/router/container
// container_routes.go postContainersCreate): fields added later are ignored for older clients, defaults
// they expected are restored, and combinations validated only from a version on are checked from it.
import { invalidParameter } from '../../errdefs.ts';
import { compareVersions } from '../version.ts';

type Mount = { Type?: string; BindOptions?: Record<string, unknown> | null; VolumeOptions?: Record<string, unknown> | null; TmpfsOptions?: unknown };
type Body = Record<string, any>;

const before = (version: string, v: string) => compareVersions(version, v) < 0;

/** Rewrites the create body in place for the client's API version; throws Docker's 400 where it does. */
export function adaptCreateBody(body: Body, version: string, query: URLSearchParams, host: { cgroupV2: boolean }): void {
  const hc: Body = body.HostConfig && typeof body.HostConfig === 'object' ? body.HostConfig : {};
  const mounts = (Array.isArray(hc.Mounts) ? hc.Mounts : []).filter((m: unknown): m is Mount => !!m && typeof m === 'object');
  const endpoints: Record<string, Body> = body.NetworkingConfig?.EndpointsConfig && typeof body.NetworkingConfig.EndpointsConfig === 'object' ? body.NetworkingConfig.EndpointsConfig : {};

  if (before(version, '1.40')) {
    for (const m of mounts) if (m.BindOptions) m.BindOptions.NonRecursive = false;
    // older clients expect the default to be shareable
    if (!hc.IpcMode) hc.IpcMode = 'shareable';
  }
  // older clients expect the default to be "host" on cgroup v1 hosts
  if (before(version, '1.41') && !hc.CgroupnsMode && !host.cgroupV2) hc.CgroupnsMode = 'host';
  if (before(version, '1.41')) query.delete('platform');
  if (before(version, '1.42')) {
    for (const m of mounts) {
      if (m.BindOptions) m.BindOptions.CreateMountpoint = false;
      // invalid, but not validated before 1.42
      if (m.VolumeOptions && m.Type !== 'volume') m.VolumeOptions = null;
      if (m.TmpfsOptions && m.Type !== 'tmpfs') m.TmpfsOptions = null;
    }
    // ConsoleSize is not respected by a Linux daemon before 1.42
    if (hc.ConsoleSize) hc.ConsoleSize = [0, 0];
  } else {
    for (const m of mounts) {
      if (m.VolumeOptions && m.Type !== 'volume') throw invalidParameter(`VolumeOptions must not be specified on mount type "${m.Type}"`);
      if (m.BindOptions && m.Type !== 'bind') throw invalidParameter(`BindOptions must not be specified on mount type "${m.Type}"`);
      if (m.TmpfsOptions && m.Type !== 'tmpfs') throw invalidParameter(`TmpfsOptions must not be specified on mount type "${m.Type}"`);
    }
  }
  if (before(version, '1.43')) hc.Annotations = null;
  if (before(version, '1.44')) {
    if (body.Healthcheck && typeof body.Healthcheck === 'object') body.Healthcheck.StartInterval = 0;
    for (const m of mounts) if (m.Type === 'bind' && m.BindOptions?.ReadOnlyForceRecursive) throw invalidParameter('BindOptions.ReadOnlyForceRecursive needs API v1.44 or newer');
    const names = Object.keys(endpoints);
    if (names.length > 1) throw invalidParameter(`Container cannot be created with multiple network endpoints: ${names.join(', ')}`);
  }
  if (before(version, '1.45')) for (const m of mounts) if (m.VolumeOptions?.Subpath) throw invalidParameter('VolumeOptions.Subpath needs API v1.45 or newer');
  if (before(version, '1.48')) {
    for (const ep of Object.values(endpoints)) if (ep && typeof ep === 'object') ep.GwPriority = 0;
    for (const m of mounts) if (m.Type === 'image') throw invalidParameter('Mount type "Image" needs API v1.48 or newer');
  }
}

/** Warnings dockerd gives older clients for fields it still read from them (KernelMemory, dropped from API 1.42). */
export function createWarnings(body: Body, version: string): string[] {
  const hc: Body = body.HostConfig && typeof body.HostConfig === 'object' ? body.HostConfig : {};
  // (from 1.42 on dockerd ignores the field without a word, as Berth does)
  if (before(version, '1.42') && typeof hc.KernelMemory === 'number' && hc.KernelMemory !== 0) {
    return ['Specifying a kernel memory limit is deprecated and will be removed in a future release.'];
  }
  return [];
}
