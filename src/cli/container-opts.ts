// The values of `run` and `create` flags turned into the create request body, following docker/cli's
// cli/command/container/opts.go. The flag table is container-flags.ts; single flag values are
// parsed in container-opt-values.ts.
import path from 'node:path';
import type { Parsed } from './flags.ts';
import type { ContainerCreateRequest, HostConfig, HealthConfig, EndpointSettings } from '../sdk/types.ts';
import { CONTAINER_FLAGS, RUN_FLAGS } from './container-flags.ts';
import { OptsError, parseMount, readEnv, kvToMap, parseRestartPolicy, parsePortSpecs, gpuRequest, parseRange, parseDevice, parseEnvFile, securityOpts, throttle } from './container-opt-values.ts';

export { CONTAINER_FLAGS, RUN_FLAGS, OptsError, parseMount, readEnv, kvToMap, parseRestartPolicy, parsePortSpecs, gpuRequest };

export interface ContainerOptions {
  body: ContainerCreateRequest;
  name?: string;
  platform?: string;
  pull: string;
  quiet: boolean;
  cidfile?: string;
  autoRemove: boolean;
}

/** Converts parsed run/create flags and [IMAGE, CMD...] into the create request. */
export function buildContainerConfig(p: Parsed, opts: { detach?: boolean } = {}): ContainerOptions {
  const v = p.values;
  const [image, ...cmd] = p.args;
  if (v['use-api-socket']) throw new OptsError('--use-api-socket is not supported by Berth');
  const attach: string[] = v.attach;
  let attachStdin = attach.includes('stdin');
  let attachStdout = attach.includes('stdout');
  let attachStderr = attach.includes('stderr');
  if (v['mac-address'] && !/^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/.test(v['mac-address'])) throw new OptsError(`${v['mac-address']} is not a valid mac address`);
  if (v.interactive) attachStdin = true;
  if (!attach.length) {
    attachStdout = true;
    attachStderr = true;
  }
  const swappiness: number = v['memory-swappiness'];
  if (swappiness !== -1 && (swappiness < 0 || swappiness > 100)) throw new OptsError(`invalid value: ${swappiness}. Valid memory swappiness range is 0-100`);

  const binds: string[] = [];
  const volumes: Record<string, Record<string, never>> = {};
  for (const spec of v.volume as string[]) {
    const parts = spec.split(':');
    if (parts.length === 1) {
      if (!spec.startsWith('/')) throw new OptsError(`invalid volume specification: '${spec}': invalid mount config for type "volume": invalid mount path: '${spec}' mount path must be absolute`);
      volumes[spec] = {};
      continue;
    }
    if (parts.length > 3 || !parts[0] || !parts[1]) throw new OptsError(`invalid volume specification: '${spec}'`);
    let host = parts[0];
    if (host.startsWith('.')) host = path.resolve(host);
    binds.push([host, ...parts.slice(1)].join(':'));
  }

  const tmpfs: Record<string, string> = {};
  for (const t of v.tmpfs as string[]) {
    const i = t.indexOf(':');
    if (i < 0) tmpfs[t] = '';
    else tmpfs[t.slice(0, i)] = t.slice(i + 1);
  }

  let entrypoint: string[] | undefined;
  if (v.entrypoint) entrypoint = [v.entrypoint];
  else if (p.changed.has('entrypoint')) entrypoint = [''];

  const ports = parsePortSpecs(v.publish);
  const exposed: Record<string, Record<string, never>> = {};
  for (const k of ports.exposed) exposed[k] = {};
  for (const e of v.expose as string[]) {
    const [range, proto = 'tcp'] = e.split('/');
    let s: number;
    let en: number;
    try {
      [s, en] = parseRange(range, 'port');
    } catch {
      throw new OptsError(`invalid range format for --expose: ${e}, error: invalid syntax`);
    }
    for (let i = s; i <= en; i++) exposed[`${i}/${proto}`] = {};
  }

  const devices = (v.device as string[]).map(parseDevice);
  const env = readEnv(v['env-file'], v.env);
  const labelFiles = (v['label-file'] as string[]).flatMap((f) => parseEnvFile(f, process.env, true));
  const labels = kvToMap([...labelFiles, ...(v.label as string[])]);

  const validMode = (flag: string, val: string | undefined, ok: (s: string) => boolean) => {
    if (val && !ok(val)) throw new OptsError(`--${flag}: invalid ${flag === 'userns' ? 'USER' : flag === 'cgroupns' ? 'CGROUP' : flag.toUpperCase()} mode`);
  };
  validMode('pid', v.pid, (s) => s === 'host' || s.startsWith('container:'));
  validMode('uts', v.uts, (s) => s === 'host');
  validMode('userns', v.userns, (s) => s === 'host' || s === 'private');
  validMode('cgroupns', v.cgroupns, (s) => s === 'host' || s === 'private');

  const restart = parseRestartPolicy(v.restart);
  const logOpts = kvToMap(v['log-opt']);
  if (Object.keys(logOpts).length && v['log-driver'] === 'none') throw new OptsError('invalid logging opts for driver none');
  let secOpts = securityOpts(v['security-opt']);
  let maskedPaths: string[] | undefined;
  let readonlyPaths: string[] | undefined;
  if (secOpts.includes('systempaths=unconfined')) {
    secOpts = secOpts.filter((s) => s !== 'systempaths=unconfined');
    maskedPaths = [];
    readonlyPaths = [];
  }
  const storageOpt: Record<string, string> = {};
  for (const s of v['storage-opt'] as string[]) {
    const i = s.indexOf('=');
    if (i < 0) throw new OptsError(`invalid storage option`);
    storageOpt[s.slice(0, i)] = s.slice(i + 1);
  }

  let health: HealthConfig | undefined;
  const haveHealth = v['health-cmd'] || v['health-interval'] || v['health-timeout'] || v['health-start-period'] || v['health-retries'] || v['health-start-interval'];
  if (v['no-healthcheck']) {
    if (haveHealth) throw new OptsError('--no-healthcheck conflicts with --health-* options');
    health = { Test: ['NONE'] };
  } else if (haveHealth) {
    for (const k of ['health-interval', 'health-timeout', 'health-retries', 'health-start-period', 'health-start-interval']) {
      if ((v[k] ?? 0) < 0) throw new OptsError(`--${k} cannot be negative`);
    }
    health = {
      Test: v['health-cmd'] ? ['CMD-SHELL', v['health-cmd']] : undefined,
      Interval: v['health-interval'] ?? 0,
      Timeout: v['health-timeout'] ?? 0,
      StartPeriod: v['health-start-period'] ?? 0,
      StartInterval: v['health-start-interval'] ?? 0,
      Retries: v['health-retries'] ?? 0,
    };
  }

  const networks: string[] = [...v.network, ...v.net];
  const aliases: string[] = [...v['network-alias'], ...v['net-alias']];
  const netMode = networks[0] ? networks[0].split(',')[0].replace(/^name=/, '') : 'default';
  const endpoints: Record<string, EndpointSettings> = {};
  networks.forEach((n, i) => {
    const fields = n.includes('=') ? kvToMap(n.split(',')) : { name: n };
    const name = fields.name ?? n;
    const ep: EndpointSettings = {};
    if (fields.alias) ep.Aliases = [fields.alias];
    if (fields.ip || fields.ip6) ep.IPAMConfig = { IPv4Address: fields.ip, IPv6Address: fields.ip6 };
    if (fields['mac-address']) ep.MacAddress = fields['mac-address'];
    if (i === 0) {
      if (aliases.length) ep.Aliases = [...(ep.Aliases ?? []), ...aliases];
      if (v.ip || v.ip6 || v['link-local-ip'].length) ep.IPAMConfig = { ...ep.IPAMConfig, IPv4Address: v.ip, IPv6Address: v.ip6, LinkLocalIPs: v['link-local-ip'].length ? v['link-local-ip'] : undefined };
      if (v.link.length && !['default', 'bridge'].includes(name)) ep.Links = v.link;
      if (v['mac-address']) ep.MacAddress = v['mac-address'];
    }
    endpoints[name] = ep;
  });
  // no --network: docker 28 still sends an endpoint for the "default" network (with any aliases and
  // --ip, which the daemon refuses for it: they are for user-defined networks only)
  if (!networks.length) {
    const ep: EndpointSettings = {};
    if (aliases.length) ep.Aliases = aliases;
    if (v.ip || v.ip6 || v['link-local-ip'].length) ep.IPAMConfig = { IPv4Address: v.ip, IPv6Address: v.ip6, LinkLocalIPs: v['link-local-ip'].length ? v['link-local-ip'] : undefined };
    endpoints.default = ep;
  }

  const hostConfig: HostConfig = {
    Binds: binds.length ? binds : null!,
    ContainerIDFile: v.cidfile ?? '',
    LogConfig: { Type: (v['log-driver'] ?? '') as 'json-file', Config: logOpts },
    NetworkMode: netMode,
    PortBindings: ports.bindings,
    RestartPolicy: restart,
    AutoRemove: !!v.rm,
    VolumeDriver: v['volume-driver'] ?? '',
    VolumesFrom: v['volumes-from'].length ? v['volumes-from'] : null!,
    ConsoleSize: [0, 0],
    CapAdd: v['cap-add'].length ? v['cap-add'] : null!,
    CapDrop: v['cap-drop'].length ? v['cap-drop'] : null!,
    CgroupnsMode: (v.cgroupns ?? '') as 'private',
    Dns: [...v.dns],
    DnsOptions: [...v['dns-option'], ...v['dns-opt']],
    DnsSearch: [...v['dns-search']],
    ExtraHosts: v['add-host'].length ? v['add-host'] : null!,
    GroupAdd: v['group-add'].length ? v['group-add'] : null!,
    IpcMode: v.ipc ?? '',
    Cgroup: '',
    Links: v.link.length ? v.link : null!,
    OomScoreAdj: v['oom-score-adj'] ?? 0,
    PidMode: v.pid ?? '',
    Privileged: !!v.privileged,
    PublishAllPorts: !!v['publish-all'],
    ReadonlyRootfs: !!v['read-only'],
    SecurityOpt: secOpts.length ? secOpts : null!,
    StorageOpt: Object.keys(storageOpt).length ? storageOpt : undefined,
    Tmpfs: Object.keys(tmpfs).length ? tmpfs : undefined,
    UTSMode: v.uts ?? '',
    UsernsMode: v.userns ?? '',
    ShmSize: v['shm-size'] ?? 0,
    Sysctls: Object.keys(v.sysctl).length ? v.sysctl : undefined,
    Runtime: v.runtime || undefined,
    Isolation: (v.isolation ?? '') as '',
    Annotations: Object.keys(v.annotation).length ? v.annotation : undefined,
    MaskedPaths: maskedPaths,
    ReadonlyPaths: readonlyPaths,
    // Resources
    CpuShares: v['cpu-shares'] ?? 0,
    Memory: v.memory ?? 0,
    NanoCpus: v.cpus ? Math.round(v.cpus * 1e9) : 0,
    CgroupParent: v['cgroup-parent'] ?? '',
    BlkioWeight: v['blkio-weight'] ?? 0,
    BlkioWeightDevice: (v['blkio-weight-device'] as string[]).map((s) => {
      const i = s.lastIndexOf(':');
      return { Path: s.slice(0, i), Weight: Number(s.slice(i + 1)) };
    }),
    BlkioDeviceReadBps: throttle(v['device-read-bps'], true, 'device-read-bps'),
    BlkioDeviceWriteBps: throttle(v['device-write-bps'], true, 'device-write-bps'),
    BlkioDeviceReadIOps: throttle(v['device-read-iops'], false, 'device-read-iops'),
    BlkioDeviceWriteIOps: throttle(v['device-write-iops'], false, 'device-write-iops'),
    CpuPeriod: v['cpu-period'] ?? 0,
    CpuQuota: v['cpu-quota'] ?? 0,
    CpuRealtimePeriod: v['cpu-rt-period'] ?? 0,
    CpuRealtimeRuntime: v['cpu-rt-runtime'] ?? 0,
    CpusetCpus: v['cpuset-cpus'] ?? '',
    CpusetMems: v['cpuset-mems'] ?? '',
    Devices: devices,
    DeviceCgroupRules: v['device-cgroup-rule'].length ? v['device-cgroup-rule'] : null!,
    // the daemon answers for the GPUs it has (none here: dockerd's "could not select device driver")
    DeviceRequests: v.gpus ? [gpuRequest(v.gpus)] : null!,
    MemoryReservation: v['memory-reservation'] ?? 0,
    MemorySwap: v['memory-swap'] ?? 0,
    MemorySwappiness: swappiness,
    OomKillDisable: !!v['oom-kill-disable'],
    PidsLimit: p.changed.has('pids-limit') ? v['pids-limit'] : null,
    Ulimits: v.ulimit.length ? v.ulimit : null!,
    CpuCount: v['cpu-count'] ?? 0,
    CpuPercent: v['cpu-percent'] ?? 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    Mounts: v.mount.length ? v.mount : undefined,
  };
  if (p.changed.has('init')) hostConfig.Init = !!v.init;
  if (v.rm && restart.Name !== 'no' && restart.Name !== '') throw new OptsError('conflicting options: cannot specify both --restart and --rm');

  const body: ContainerCreateRequest = {
    Hostname: v.hostname ?? '',
    Domainname: v.domainname ?? '',
    User: v.user ?? '',
    AttachStdin: attachStdin,
    AttachStdout: attachStdout,
    AttachStderr: attachStderr,
    ExposedPorts: Object.keys(exposed).length ? exposed : undefined,
    Tty: !!v.tty,
    OpenStdin: !!v.interactive,
    StdinOnce: false,
    Env: env,
    Cmd: cmd.length ? cmd : undefined,
    Healthcheck: health,
    Image: image,
    Volumes: Object.keys(volumes).length ? volumes : undefined,
    WorkingDir: v.workdir ?? '',
    Entrypoint: entrypoint,
    Labels: labels,
    StopSignal: v['stop-signal'] || undefined,
    HostConfig: hostConfig,
    NetworkingConfig: { EndpointsConfig: endpoints },
  };
  if (p.changed.has('stop-timeout')) body.StopTimeout = v['stop-timeout'];
  if (opts.detach) {
    body.AttachStdin = false;
    body.AttachStdout = false;
    body.AttachStderr = false;
    body.StdinOnce = false;
  } else if (body.OpenStdin && body.AttachStdin) body.StdinOnce = true;
  // JSON has no undefined: drop them so the body stays close to docker's.
  for (const k of Object.keys(hostConfig) as (keyof HostConfig)[]) if (hostConfig[k] === undefined) delete hostConfig[k];
  for (const k of Object.keys(body) as (keyof ContainerCreateRequest)[]) if (body[k] === undefined) delete body[k];
  return { body, name: v.name || undefined, platform: v.platform || undefined, pull: v.pull, quiet: !!v.quiet, cidfile: v.cidfile || undefined, autoRemove: !!v.rm };
}
