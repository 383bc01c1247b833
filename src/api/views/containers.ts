// Container records → the Engine API's JSON shapes (inspect and list).
import type { ContainerRecord, EndpointSettings } from '../../engine/containers/record.ts';
import { humanDuration } from '../../util/units.ts';
import { cgroupLayout } from '../../platform/linux/cgroups.ts';
import { netnsPath } from '../../platform/linux/netns.ts';
import { netnsName } from '../../engine/containers/context.ts';
import { createHash } from 'node:crypto';

const HOSTCONFIG_DEFAULTS = {
  Binds: null,
  ContainerIDFile: '',
  LogConfig: { Type: 'json-file', Config: {} },
  NetworkMode: 'bridge',
  PortBindings: {},
  RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
  AutoRemove: false,
  VolumeDriver: '',
  VolumesFrom: null,
  ConsoleSize: [0, 0],
  // (undefined: an omitempty field's place in Go's struct order, taken when the container has it)
  Annotations: undefined,
  CapAdd: null,
  CapDrop: null,
  CgroupnsMode: 'host',
  Dns: [],
  DnsOptions: [],
  DnsSearch: [],
  ExtraHosts: null,
  GroupAdd: null,
  IpcMode: 'private',
  Cgroup: '',
  Links: null,
  OomScoreAdj: 0,
  PidMode: '',
  Privileged: false,
  PublishAllPorts: false,
  ReadonlyRootfs: false,
  SecurityOpt: null,
  StorageOpt: undefined,
  Tmpfs: undefined,
  UTSMode: '',
  UsernsMode: '',
  ShmSize: 67108864,
  Sysctls: undefined,
  Runtime: 'runc',
  Isolation: '',
  CpuShares: 0,
  Memory: 0,
  NanoCpus: 0,
  CgroupParent: '',
  BlkioWeight: 0,
  BlkioWeightDevice: [],
  BlkioDeviceReadBps: [],
  BlkioDeviceWriteBps: [],
  BlkioDeviceReadIOps: [],
  BlkioDeviceWriteIOps: [],
  CpuPeriod: 0,
  CpuQuota: 0,
  CpuRealtimePeriod: 0,
  CpuRealtimeRuntime: 0,
  CpusetCpus: '',
  CpusetMems: '',
  Devices: [],
  DeviceCgroupRules: null,
  DeviceRequests: null,
  KernelMemoryTCP: undefined,
  MemoryReservation: 0,
  MemorySwap: 0,
  MemorySwappiness: null,
  OomKillDisable: null,
  PidsLimit: null,
  Ulimits: [],
  CpuCount: 0,
  CpuPercent: 0,
  IOMaximumIOps: 0,
  IOMaximumBandwidth: 0,
  Mounts: undefined,
  MaskedPaths: ['/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap'],
  ReadonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
  Init: undefined,
};

/** HostConfig's and Config's omitempty fields: Go leaves out an empty map, list, string or zero. */
const OMIT_EMPTY = new Set(['Annotations', 'StorageOpt', 'Tmpfs', 'Sysctls', 'Runtime', 'KernelMemoryTCP', 'Mounts', 'ExposedPorts', 'ArgsEscaped', 'NetworkDisabled', 'MacAddress', 'StopSignal', 'Shell']);
/** omitempty pointers: left out only when nil (a false Init or a 0 StopTimeout is written) */
const OMIT_NIL = new Set(['Init', 'Healthcheck', 'StopTimeout']);
const isEmpty = (v: unknown) => v === undefined || v === null || v === '' || v === 0 || v === false || (Array.isArray(v) ? v.length === 0 : typeof v === 'object' && Object.keys(v as object).length === 0);
function omitEmpty<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if ((OMIT_EMPTY.has(k) && isEmpty(o[k])) || (OMIT_NIL.has(k) && o[k] === null)) (o as Record<string, unknown>)[k] = undefined;
  return o;
}

function endpoint({ ifName: _i, configuredMac: _m, ...ep }: Partial<EndpointSettings> = {}) {
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: null,
    MacAddress: '',
    DriverOpts: null,
    GwPriority: 0,
    NetworkID: '',
    EndpointID: '',
    Gateway: '',
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: null,
    ...ep,
  };
}

function networks(c: ContainerRecord) {
  const eps = c.NetworkSettings?.Networks;
  // (in Go's map order when sent: api/go-map-order.ts)
  if (eps) return Object.fromEntries(Object.entries(eps).map(([k, v]) => [k, endpoint(v)]));
  return { [c.HostConfig.NetworkMode ?? 'bridge']: endpoint() };
}

/** The default-bridge fields at the top of NetworkSettings (Docker fills them from the `bridge` endpoint). */
function bridgeTop(c: ContainerRecord) {
  const ep = c.NetworkSettings?.Networks.bridge;
  // (DefaultNetworkSettings' field order)
  return { EndpointID: ep?.EndpointID ?? '', Gateway: ep?.Gateway ?? '', GlobalIPv6Address: ep?.GlobalIPv6Address ?? '', GlobalIPv6PrefixLen: ep?.GlobalIPv6PrefixLen ?? 0, IPAddress: ep?.IPAddress ?? '', IPPrefixLen: ep?.IPPrefixLen ?? 0, IPv6Gateway: ep?.IPv6Gateway ?? '', MacAddress: ep?.MacAddress ?? '' };
}

/** The container's ports as docker ps lists them (also what its publish/expose filters match). */
export function portList(c: ContainerRecord) {
  const out: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[] = [];
  for (const [k, list] of Object.entries(c.NetworkSettings?.Ports ?? {})) {
    const [p, proto = 'tcp'] = k.split('/');
    if (!list?.length) out.push({ PrivatePort: Number(p), Type: proto });
    else for (const b of list) out.push({ IP: b.HostIp, PrivatePort: Number(p), PublicPort: Number(b.HostPort), Type: proto });
  }
  return out;
}

/** What dockerd writes into a new container's HostConfig where the client left the daemon's default
 * (moby adaptContainerSettings and friends): the CLI sends ShmSize 0, IpcMode "", MemorySwappiness -1,
 * PidsLimit 0 and MaskedPaths null, and `docker inspect` shows the values in effect. */
function daemonDefaults(hc: Record<string, unknown>): Record<string, unknown> {
  const out = { ...hc };
  if (!out.ShmSize) out.ShmSize = 64 * 1024 * 1024;
  if (!out.IpcMode) out.IpcMode = 'private';
  // private on cgroup v2 (what runtime/spec.ts does with ""), host on v1
  if (!out.CgroupnsMode) out.CgroupnsMode = cgroupLayout().version === 2 ? 'private' : 'host';
  // no swappiness on cgroup v2: dockerd drops the field; -1 is the CLI's "unset"
  if (out.MemorySwappiness === -1 || cgroupLayout().version === 2) out.MemorySwappiness = null;
  // zero or negative: unlimited
  if (typeof out.PidsLimit === 'number' && out.PidsLimit <= 0) out.PidsLimit = null;
  if (out.OomKillDisable === null || out.OomKillDisable === undefined) out.OomKillDisable = false;
  if (!out.Privileged) {
    if (out.MaskedPaths === null || out.MaskedPaths === undefined) out.MaskedPaths = HOSTCONFIG_DEFAULTS.MaskedPaths;
    if (out.ReadonlyPaths === null || out.ReadonlyPaths === undefined) out.ReadonlyPaths = HOSTCONFIG_DEFAULTS.ReadonlyPaths;
  }
  return out;
}

/** sizes: SizeRw and SizeRootFs (inspect ?size=1), written after GraphDriver as Go's struct has them */
export function inspectView(c: ContainerRecord, graph: { LowerDir?: string; UpperDir: string; MergedDir: string; WorkDir: string }, sizes?: Record<string, number>) {
  const { Privileged: _p, ...hcRest } = c.HostConfig;
  const neverStarted = c.State.StartedAt.startsWith('0001-');
  return {
    Id: c.Id,
    Created: c.Created,
    Path: c.Path,
    Args: c.Args,
    State: c.State,
    Image: c.Image,
    // Docker sets these when the container's network and logger are first set up (moby
    // initializeNetworking, container.StartLogger): empty before the first start
    ResolvConfPath: neverStarted ? '' : c.ResolvConfPath,
    HostnamePath: neverStarted ? '' : c.HostnamePath,
    HostsPath: neverStarted ? '' : c.HostsPath,
    LogPath: neverStarted ? '' : c.LogPath,
    Name: c.Name,
    RestartCount: c.RestartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: c.ExecIDs.length ? c.ExecIDs : null,
    HostConfig: omitEmpty({ ...HOSTCONFIG_DEFAULTS, ...daemonDefaults(hcRest), Privileged: !!c.HostConfig.Privileged, ...(c.HostConfig.Privileged ? { MaskedPaths: null, ReadonlyPaths: null } : {}) }),
    GraphDriver: { Data: graph, Name: 'overlay2' },
    ...sizes,
    Mounts: mountPoints(c),
    // Go's struct order (undefined: an omitempty field's place)
    Config: omitEmpty({
      Hostname: '',
      Domainname: '',
      User: '',
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      ExposedPorts: undefined,
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Env: null,
      Cmd: null,
      Healthcheck: undefined,
      ArgsEscaped: undefined,
      Image: '',
      Volumes: null,
      WorkingDir: '',
      Entrypoint: null,
      NetworkDisabled: undefined,
      MacAddress: undefined,
      OnBuild: null,
      Labels: {},
      StopSignal: undefined,
      StopTimeout: undefined,
      Shell: undefined,
      // (an unset field keeps its default: Docker always sends these keys)
      ...Object.fromEntries(Object.entries(c.Config).filter(([, v]) => v !== undefined)),
      // moby merges the image's volumes into an empty set (container.Merge): none there, null
      ...(c.Config.Volumes && Object.keys(c.Config.Volumes).length === 0 ? { Volumes: null } : {}),
    }),
    NetworkSettings: {
      Bridge: '',
      ...sandbox(c),
      Ports: c.NetworkSettings?.Ports ?? {},
      HairpinMode: false,
      LinkLocalIPv6Address: '',
      LinkLocalIPv6PrefixLen: 0,
      SecondaryIPAddresses: null,
      SecondaryIPv6Addresses: null,
      ...bridgeTop(c),
      Networks: networks(c),
    },
  };
}

/** A running container's network sandbox as dockerd shows it: an id, and the network namespace's
 * path (a container that shares the host's or another container's namespace has none of its own). */
function sandbox(c: ContainerRecord): { SandboxID: string; SandboxKey: string } {
  const mode = c.HostConfig.NetworkMode ?? '';
  if (!c.State.Running || mode === 'host' || mode.startsWith('container:')) return { SandboxID: '', SandboxKey: '' };
  return { SandboxID: createHash('sha256').update(`sandbox:${c.Id}`).digest('hex'), SandboxKey: netnsPath(netnsName(c.Id)) };
}

/** The container's mount points as dockerd lists them: a --tmpfs (HostConfig.Tmpfs) is mounted by
 * the runtime spec alone and is no mount point (a --mount type=tmpfs is). */
function mountPoints(c: ContainerRecord) {
  const tmpfs = c.HostConfig.Tmpfs;
  if (!tmpfs || !Object.keys(tmpfs).length) return c.Mounts;
  return c.Mounts.filter((m) => !(m.Type === 'tmpfs' && Object.hasOwn(tmpfs, m.Destination)));
}

export function statusText(c: ContainerRecord, now = Date.now()): string {
  const s = c.State;
  switch (s.Status) {
    case 'running': {
      const h = s.Health?.Status;
      const health = h === 'starting' ? ' (health: starting)' : h === 'healthy' || h === 'unhealthy' ? ` (${h})` : '';
      return `Up ${humanDuration(now - Date.parse(s.StartedAt))}${health}`;
    }
    case 'paused':
      return `Up ${humanDuration(now - Date.parse(s.StartedAt))} (Paused)`;
    case 'restarting':
      return `Restarting (${s.ExitCode}) ${humanDuration(now - Date.parse(s.FinishedAt))} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    case 'exited':
      return `Exited (${s.ExitCode}) ${humanDuration(now - Date.parse(s.FinishedAt))} ago`;
    default:
      return 'Created';
  }
}

/** sizes: SizeRw and SizeRootFs (?size=1), after Ports as Go's struct has them */
export function listView(c: ContainerRecord, sizes?: Record<string, number>) {
  // as moby's container view: arguments holding a space in single quotes, the path as it is
  const quote = (a: string) => (a.includes(' ') ? `'${a}'` : a);
  return {
    Id: c.Id,
    Names: [c.Name],
    Image: c.Config.Image,
    ImageID: c.Image,
    Command: c.Args.length ? `${c.Path} ${c.Args.map(quote).join(' ')}` : c.Path,
    Created: Math.floor(Date.parse(c.Created) / 1000),
    Ports: portList(c),
    ...sizes,
    Labels: c.Config.Labels ?? {},
    State: c.State.Status,
    Status: statusText(c),
    HostConfig: { NetworkMode: c.HostConfig.NetworkMode ?? 'bridge' },
    NetworkSettings: { Networks: networks(c) },
    Mounts: mountPoints(c).map((m) => ({ ...m })),
  };
}
