// The one table of what Berth does with every field a client can send to create a container, and with
// every query parameter of the container endpoints: each is honoured (by the module named, as Docker
// honours it) or refused (with the message given, at create, before anything is stored). A unit test
// walks the Engine API v1.50 schemas and fails on any field this table does not name; docs/api-coverage.md
// is generated from it (scripts/gen-api-coverage.ts).
import * as c from './checks.ts';
import type { Check } from './checks.ts';
import { checkDriverOpts } from '../../../network/endpoint-config.ts';

/** The JSON shape a field takes, as the spec gives it (the unit test holds the two together). It says what
 * the rules are handed; it checks nothing: types are checked once, by the API layer against the spec
 * (api/body-types.ts), and the CRI and the builder build their bodies in code. */
export type Kind = 's' | 'i' | 'n' | 'b' | 'as' | 'ai' | 'ao' | 'm' | 'o';

export interface FieldRule {
  kind: Kind;
  /** honoured: by which module, and how (one line) */
  honoured?: string;
  /** refused (or the values refused): Docker's message, or Berth's when dockerd would accept it */
  refused?: string;
  /** run at create on the field's value */
  check?: Check;
}

const H = (kind: Kind, honoured: string, check?: Check, refused?: string): FieldRule => ({ kind, honoured, check, refused });
const R = (kind: Kind, refused: string, check?: Check): FieldRule => ({ kind, refused, check: check ?? c.refuseIfSet(refused) });
/** Fields the API returns and dockerd ignores on input (inspect's view of a network endpoint). */
const OUT = (kind: Kind): FieldRule => ({ kind, honoured: 'output only: ignored on input, as dockerd does' });

const NOT_BERTH = (what: string) => `${what} is not supported by Berth`;

export const CONTAINER_CONFIG: Record<string, FieldRule> = {
  Hostname: H('s', 'engine/containers/etc-files.ts, runtime/spec.ts (kernel hostname)', c.hostname, 'longer than 64 bytes: hostname "…" is too long (maximum 64 bytes)'),
  Domainname: H('s', 'runtime/spec.ts (kernel domainname)'),
  User: H('s', 'runtime/user.ts'),
  AttachStdin: H('b', 'api/routes/attach.ts (the CLI attaches; recorded for inspect)'),
  AttachStdout: H('b', 'api/routes/attach.ts (the CLI attaches; recorded for inspect)'),
  AttachStderr: H('b', 'api/routes/attach.ts (the CLI attaches; recorded for inspect)'),
  ExposedPorts: H('o', 'engine/networks.ts, network/ports.ts (-P)'),
  Tty: H('b', 'runtime/runc-driver.ts (conmon terminal)'),
  OpenStdin: H('b', 'runtime/conmon.ts'),
  StdinOnce: H('b', 'runtime/conmon.ts'),
  Env: H('as', 'runtime/spec.ts processEnv', undefined, '"=x": invalid environment variable: =x'),
  Cmd: H('as', 'engine/containers/config-merge.ts'),
  Healthcheck: H('o', 'engine/containers/health.ts', c.healthcheck, 'durations under 1ms: "Interval in Healthcheck cannot be less than 1ms"; negative Retries'),
  ArgsEscaped: H('b', 'Windows only: ignored on Linux, as dockerd does'),
  Image: H('s', 'images/image-service.ts resolve'),
  Volumes: H('o', 'engine/containers/mounts.ts (anonymous volumes)'),
  WorkingDir: H('s', 'runtime/spec.ts (runc creates it)', undefined, 'relative: "the working directory \'x\' is invalid, it needs to be an absolute path"'),
  Entrypoint: H('as', 'engine/containers/config-merge.ts'),
  NetworkDisabled: R('b', NOT_BERTH('NetworkDisabled') + '; use NetworkMode "none"'),
  MacAddress: H('s', 'api/mac-address.ts: moved to the endpoint of its network, as dockerd (a deprecation warning from API 1.44)'),
  OnBuild: H('as', 'kept for docker commit (engine/containers/commit.ts)'),
  Labels: H('m', 'engine/containers/record.ts (filters, inspect)'),
  StopSignal: H('s', 'engine/containers/service.ts stop', c.stopSignal, 'unknown signal: "invalid signal: SIGBOGUS"'),
  StopTimeout: H('i', 'engine/containers/service.ts stop'),
  Shell: H('as', 'engine/containers/health.ts (CMD-SHELL), commit'),
};

const BLOCK_DEVICE = 'a path that is no block device: stat /dev/x: no such file or directory';
const RES_CHECKED = 'engine/containers/resources.ts checks, runtime/cgroup-resources.ts containerResources';
const WINDOWS_ONLY = (f: string) => R('i', `${f} is only supported on Windows`);

export const HOST_CONFIG: Record<string, FieldRule> = {
  // Resources
  CpuShares: H('i', RES_CHECKED),
  Memory: H('i', RES_CHECKED),
  CgroupParent: H('s', 'runtime/spec.ts cgroupsPath'),
  BlkioWeight: H('i', RES_CHECKED),
  BlkioWeightDevice: H('ao', 'runtime/cgroup-resources.ts blockIO.weightDevice (discarded with dockerd\'s warning where the kernel cannot weigh devices)', c.blkioWeightDevices, BLOCK_DEVICE),
  BlkioDeviceReadBps: H('ao', 'runtime/cgroup-resources.ts blockIO throttles', c.blkioDevices, BLOCK_DEVICE),
  BlkioDeviceWriteBps: H('ao', 'runtime/cgroup-resources.ts blockIO throttles', c.blkioDevices, BLOCK_DEVICE),
  BlkioDeviceReadIOps: H('ao', 'runtime/cgroup-resources.ts blockIO throttles', c.blkioDevices, BLOCK_DEVICE),
  BlkioDeviceWriteIOps: H('ao', 'runtime/cgroup-resources.ts blockIO throttles', c.blkioDevices, BLOCK_DEVICE),
  CpuPeriod: H('i', RES_CHECKED),
  CpuQuota: H('i', RES_CHECKED),
  CpuRealtimePeriod: H('i', 'runtime/cgroup-resources.ts containerResources'),
  CpuRealtimeRuntime: H('i', 'runtime/cgroup-resources.ts containerResources'),
  CpusetCpus: H('s', RES_CHECKED),
  CpusetMems: H('s', RES_CHECKED),
  Devices: H('ao', 'engine/containers/devices.ts, runtime/spec.ts'),
  DeviceCgroupRules: H('as', 'runtime/cgroup-resources.ts (device cgroup rules)', c.deviceCgroupRules, "malformed: \"invalid device cgroup rule format: 'x'\""),
  DeviceRequests: R('ao', 'could not select device driver "" with capabilities: [[gpu]] (no device driver, as dockerd without one)', c.deviceRequests),
  KernelMemoryTCP: H('i', 'discarded with dockerd\'s warning on cgroup v2, as dockerd does', c.warnIfSet('Your kernel does not support kernel memory TCP limit capabilities or the cgroup is not mounted. Limitation discarded.')),
  MemoryReservation: H('i', RES_CHECKED),
  MemorySwap: H('i', RES_CHECKED),
  MemorySwappiness: H('i', RES_CHECKED),
  NanoCpus: H('i', RES_CHECKED),
  OomKillDisable: H('b', RES_CHECKED),
  Init: H('b', 'runtime/spec.ts (tini mounted as /sbin/docker-init, PID 1)'),
  PidsLimit: H('i', RES_CHECKED),
  Ulimits: H('ao', 'engine/containers/resources.ts, runtime/spec.ts containerRlimits'),
  CpuCount: WINDOWS_ONLY('CpuCount'),
  CpuPercent: H('i', 'Windows only: discarded with dockerd\'s warning ("linux does not support CPU percent. Percent discarded.")', c.cpuPercent, 'negative: "CpuPercent is only supported on Windows"'),
  IOMaximumIOps: WINDOWS_ONLY('IOMaximumIOps'),
  IOMaximumBandwidth: WINDOWS_ONLY('IOMaximumBandwidth'),
  // the rest of HostConfig
  Binds: H('as', 'engine/containers/mounts.ts'),
  ContainerIDFile: H('s', 'written by the CLI; ignored by the daemon, as dockerd does'),
  LogConfig: H('o', 'runtime/log-pipeline.ts (json-file: <id>-json.log JSON lines, local; max-size/max-file rotation and compress as moby\'s loggerutils), runtime/log-reader.ts (docker logs across rotated files), engine/containers/log-attrs.ts (labels, env, tag: attrs of each line and docker logs --details)', c.logConfig, "other drivers; unknown options: \"unknown log opt 'x' for json-file log driver\"; bad values as the driver says"),
  NetworkMode: H('s', 'engine/networks.ts, engine/containers/service.ts; api/network-mode.ts refuses an API client\'s', undefined, 'container:X with --hostname, --link, --dns, --add-host, -p/-P or --expose: conflicting options (host with -p: accepted with dockerd\'s warning)'),
  PortBindings: H('o', 'network/ports.ts'),
  RestartPolicy: H('o', 'engine/containers/restart-policy.ts'),
  AutoRemove: H('b', 'engine/containers/service.ts'),
  VolumeDriver: H('s', 'engine/containers/mounts.ts (the driver of the volumes -v and the image\'s VOLUMEs make; only "local")', undefined, 'other drivers, when a volume needs one: error looking up volume plugin x: plugin "x" not found'),
  VolumesFrom: H('as', 'engine/containers/mounts.ts'),
  Mounts: H('ao', 'engine/containers/mounts.ts (see the Mount table)'),
  ConsoleSize: H('ai', 'engine/containers/service.ts start (initial terminal size)'),
  Annotations: H('m', 'runtime/spec.ts (OCI annotations)', c.annotations),
  CapAdd: H('as', 'runtime/spec.ts containerCapabilities'),
  CapDrop: H('as', 'runtime/spec.ts containerCapabilities'),
  CgroupnsMode: H('s', 'runtime/spec.ts namespaces', c.namespaceMode('cgroup namespace', ['private', 'host'], false), 'other values: invalid cgroup namespace mode: x'),
  Dns: H('as', 'engine/containers/etc-files.ts'),
  DnsOptions: H('as', 'engine/containers/etc-files.ts'),
  DnsSearch: H('as', 'engine/containers/etc-files.ts'),
  ExtraHosts: H('as', 'engine/containers/etc-files.ts (host-gateway: the default bridge\'s gateway)', c.extraHosts, 'malformed: invalid IP address in add-host: "x"'),
  GroupAdd: H('as', 'runtime/user.ts ociUser'),
  IpcMode: H('s', 'runtime/spec.ts namespaces, engine/containers/validate/namespaces.ts', c.namespaceMode('IPC', ['private', 'shareable', 'host', 'none'], true), 'other values: invalid IPC mode: x; container:<missing>: No such container'),
  Cgroup: R('s', NOT_BERTH('Cgroup (joining another container\'s cgroup)')),
  Links: H('as', 'engine/containers/links.ts (default bridge: /etc/hosts and ALIAS_* variables; user networks: the endpoint\'s Links, resolved by engine/networks.ts)', undefined, 'bad format: bad format for links: a:b:c; a missing target: could not get container for x: No such container: x; with host or container: networking: conflicting options'),
  OomScoreAdj: H('i', 'runtime/spec.ts process.oomScoreAdj', c.oomScoreAdj, 'out of range: Invalid value x, range for oom score adj is [-1000, 1000]'),
  PidMode: H('s', 'runtime/spec.ts namespaces, engine/containers/validate/namespaces.ts', c.namespaceMode('PID', ['host'], true), 'other values: invalid PID mode: x; container:<missing>: No such container'),
  Privileged: H('b', 'runtime/spec.ts'),
  PublishAllPorts: H('b', 'network/ports.ts'),
  ReadonlyRootfs: H('b', 'runtime/spec.ts root.readonly'),
  SecurityOpt: H('as', 'runtime/spec.ts, runtime/seccomp.ts', c.securityOpt, 'unknown keys: invalid --security-opt 2: "x"'),
  StorageOpt: R('m', "--storage-opt is supported only for overlay over xfs with 'pquota' mount option"),
  Tmpfs: H('m', 'engine/containers/mounts.ts', c.tmpfsDestinations),
  UTSMode: H('s', 'runtime/spec.ts namespaces', c.namespaceMode('UTS', ['host'], false), 'other values: invalid UTS mode: x'),
  UsernsMode: H('s', 'engine/containers/service.ts, platform/linux/idmap.ts ("" or "host")'),
  ShmSize: H('i', 'runtime/spec.ts /dev/shm size'),
  Sysctls: H('m', 'runtime/spec.ts linux.sysctl (runc refuses the ones not namespaced)'),
  Runtime: H('s', 'engine/containers/isolation.ts'),
  Isolation: H('s', 'engine/containers/isolation.ts'),
  MaskedPaths: H('as', 'runtime/spec.ts (Docker\'s defaults; a list given here replaces them)'),
  ReadonlyPaths: H('as', 'runtime/spec.ts (Docker\'s defaults; a list given here replaces them)'),
};

/** NetworkingConfig.EndpointsConfig[network]: the network issue owns these; what is honoured today. */
export const ENDPOINT_SETTINGS: Record<string, FieldRule> = {
  IPAMConfig: H('o', 'engine/networks.ts (IPv4Address; see EndpointIPAMConfig)'),
  Links: H('as', 'engine/containers/links.ts, engine/networks.ts (names only this container resolves on the network)', undefined, 'on the default bridge: links are supported only for containers in user defined networks'),
  MacAddress: H('s', 'network/bridge.ts, network/vlan-driver.ts (the CNI bridge and macvlan plugins set the interface\'s MAC; a bad one is a 400; on ipvlan refused at start, as dockerd)'),
  Aliases: H('as', 'engine/networks.ts (DNS names)'),
  DriverOpts: H('m', 'network/endpoint-config.ts (recorded, shown by inspect; no driver of Berth\'s or dockerd\'s reads another key)', (v) => void checkDriverOpts(v as Record<string, string> | null), 'com.docker.network.endpoint.sysctls and .ifname: endpoint driver option … is not supported by Berth'),
  GwPriority: R('n', NOT_BERTH('EndpointSettings.GwPriority')),
  NetworkID: OUT('s'),
  EndpointID: OUT('s'),
  Gateway: OUT('s'),
  IPAddress: OUT('s'),
  IPPrefixLen: OUT('i'),
  IPv6Gateway: OUT('s'),
  GlobalIPv6Address: OUT('s'),
  GlobalIPv6PrefixLen: OUT('i'),
  DNSNames: OUT('as'),
};

export const ENDPOINT_IPAM_CONFIG: Record<string, FieldRule> = {
  IPv4Address: H('s', 'engine/networks.ts (CNI IP argument)'),
  IPv6Address: H('s', 'engine/networks.ts (host-local args.cni.ips, on a network with EnableIPv6)'),
  LinkLocalIPs: H('as', 'network/link-local.ts (added to the interface: /16 IPv4, /64 IPv6)', undefined, 'unparseable: invalid link-local IP address: x; not link-local: invalid link local IP address: x'),
};

/** HostConfig.Mounts[] (docker run --mount). */
export const MOUNT: Record<string, FieldRule> = {
  Target: H('s', 'engine/containers/mounts.ts'),
  Source: H('s', 'engine/containers/mounts.ts'),
  Type: H('s', 'engine/containers/mounts.ts (bind, volume, tmpfs)', undefined, 'image: mount type "image" is not supported yet; npipe, cluster, others: invalid mount config for type "x": mount type unknown'),
  ReadOnly: H('b', 'engine/containers/mounts.ts'),
  Consistency: H('s', 'macOS only: ignored on Linux, as dockerd does'),
  BindOptions: H('o', 'engine/containers/mounts.ts (see below)'),
  VolumeOptions: H('o', 'engine/containers/mounts.ts (see below)'),
  ImageOptions: R('o', NOT_BERTH('mount type "image"')),
  TmpfsOptions: H('o', 'engine/containers/mounts.ts (see below)'),
  'BindOptions.Propagation': H('s', 'engine/containers/mounts.ts, runtime/spec.ts rootfsPropagation'),
  'BindOptions.NonRecursive': R('b', NOT_BERTH('bind-nonrecursive')),
  'BindOptions.CreateMountpoint': R('b', NOT_BERTH('bind-create-mountpoint')),
  'BindOptions.ReadOnlyNonRecursive': R('b', NOT_BERTH('readonly=non-recursive')),
  'BindOptions.ReadOnlyForceRecursive': R('b', NOT_BERTH('readonly=recursive')),
  'VolumeOptions.NoCopy': H('b', 'engine/containers/mounts.ts (the image\'s content is not copied in)'),
  'VolumeOptions.Labels': H('m', 'engine/volumes.ts'),
  'VolumeOptions.DriverConfig': H('o', 'engine/volumes.ts, engine/volume-options.ts (the local driver and its type/device/o options)'),
  'VolumeOptions.Subpath': R('s', NOT_BERTH('volume-subpath')),
  'ImageOptions.Subpath': R('s', NOT_BERTH('mount type "image"')),
  'TmpfsOptions.SizeBytes': H('i', 'engine/containers/mounts.ts (size=)'),
  'TmpfsOptions.Mode': H('i', 'engine/containers/mounts.ts (mode=)'),
  'TmpfsOptions.Options': R('ao', NOT_BERTH('tmpfs-options in --mount')),
};

/** Config.Healthcheck. */
export const HEALTH_CONFIG: Record<string, FieldRule> = {
  Test: H('as', 'engine/containers/health.ts'),
  Interval: H('i', 'engine/containers/health.ts'),
  Timeout: H('i', 'engine/containers/health.ts'),
  Retries: H('i', 'engine/containers/health.ts'),
  StartPeriod: H('i', 'engine/containers/health.ts'),
  StartInterval: H('i', 'engine/containers/health.ts'),
};

/** Query parameters of the container endpoints, as "METHOD path" → name → rule. */
export const QUERY: Record<string, Record<string, FieldRule>> = {
  'GET /containers/json': {
    all: H('b', 'api/routes/containers.ts'),
    limit: H('i', 'api/routes/containers.ts'),
    size: H('b', 'engine/containers/size.ts (SizeRw: the upper layer; SizeRootFs: plus the image)'),
    filters: H('s', 'api/routes/containers.ts applyFilters (filters issue)'),
  },
  'POST /containers/create': {
    name: H('s', 'engine/containers/names.ts'),
    platform: H('s', 'engine/containers/validate/platform.ts (must match the image)'),
  },
  'GET /containers/{id}/json': { size: H('b', 'engine/containers/size.ts (SizeRw: the upper layer; SizeRootFs: plus the image)') },
  'GET /containers/{id}/top': { ps_args: H('s', 'engine/containers/service.ts top') },
  'GET /containers/{id}/logs': {
    follow: H('b', 'runtime/log-reader.ts'),
    stdout: H('b', 'runtime/log-reader.ts'),
    stderr: H('b', 'runtime/log-reader.ts'),
    since: H('s', 'runtime/log-reader.ts'),
    until: H('s', 'runtime/log-reader.ts'),
    timestamps: H('b', 'api/routes/containers.ts'),
    tail: H('s', 'runtime/log-reader.ts'),
    // not in the v1.50 spec, but sent by the docker CLI (docker logs --details)
    details: H('b', 'engine/containers/log-attrs.ts (labels, env, tag log options)'),
  },
  'GET /containers/{id}/stats': { stream: H('b', 'api/routes/stats.ts'), 'one-shot': H('b', 'api/routes/stats.ts') },
  'POST /containers/{id}/resize': { h: H('i', 'engine/containers/service.ts resize'), w: H('i', 'engine/containers/service.ts resize') },
  'POST /containers/{id}/start': { detachKeys: H('s', 'accepted and unused, as dockerd does (the keys of an attach are given to attach)') },
  'POST /containers/{id}/stop': { signal: H('s', 'engine/containers/service.ts stop'), t: H('i', 'engine/containers/service.ts stop') },
  'POST /containers/{id}/restart': { signal: H('s', 'engine/containers/service.ts restart'), t: H('i', 'engine/containers/service.ts restart') },
  'POST /containers/{id}/kill': { signal: H('s', 'engine/containers/service.ts kill') },
  'POST /containers/{id}/rename': { name: H('s', 'engine/containers/service.ts rename') },
  'POST /containers/{id}/attach': {
    detachKeys: H('s', 'api/detach-keys.ts'),
    logs: H('b', 'api/routes/attach.ts'),
    stream: H('b', 'api/routes/attach.ts'),
    stdin: H('b', 'api/routes/attach.ts'),
    stdout: H('b', 'api/routes/attach.ts'),
    stderr: H('b', 'api/routes/attach.ts'),
  },
  'GET /containers/{id}/attach/ws': {
    detachKeys: R('s', 'attach over websocket is not supported by Berth'),
    logs: R('b', 'attach over websocket is not supported by Berth'),
    stream: R('b', 'attach over websocket is not supported by Berth'),
    stdin: R('b', 'attach over websocket is not supported by Berth'),
    stdout: R('b', 'attach over websocket is not supported by Berth'),
    stderr: R('b', 'attach over websocket is not supported by Berth'),
  },
  'POST /containers/{id}/wait': { condition: H('s', 'engine/containers/service.ts wait') },
  'DELETE /containers/{id}': {
    v: H('b', 'engine/containers/service.ts remove'),
    force: H('b', 'engine/containers/service.ts remove'),
    link: H('b', 'engine/containers/links.ts removeLink (docker rm --link /self/alias)'),
  },
  'HEAD /containers/{id}/archive': { path: H('s', 'api/routes/archive.ts') },
  'GET /containers/{id}/archive': { path: H('s', 'api/routes/archive.ts') },
  'PUT /containers/{id}/archive': {
    path: H('s', 'api/routes/archive.ts'),
    noOverwriteDirNonDir: H('b', 'engine/archive.ts'),
    copyUIDGID: H('b', 'engine/archive.ts'),
  },
  'POST /containers/prune': { filters: H('s', 'api/routes/system.ts (filters issue)') },
};

/** The schemas of the create body, by the spec's definition name, for the walker and the docs. */
export const SCHEMAS: Record<string, Record<string, FieldRule>> = {
  ContainerConfig: CONTAINER_CONFIG,
  HostConfig: HOST_CONFIG,
  EndpointSettings: ENDPOINT_SETTINGS,
  EndpointIPAMConfig: ENDPOINT_IPAM_CONFIG,
  Mount: MOUNT,
  HealthConfig: HEALTH_CONFIG,
};
