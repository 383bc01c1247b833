// The flags of `run` and `create`, and their conversion to the create request body,
// following docker/cli's cli/command/container/opts.go.
import fs from 'node:fs';
import path from 'node:path';
import type { FlagSpec, Parsed } from './flags.ts';
import * as UNITS from './units.ts';
import type { ContainerCreateRequest, HostConfig, Mount, HealthConfig, EndpointSettings, PortBinding } from '../sdk/types.ts';

const L = (name: string, usage: string, short?: string, typeName = 'list'): FlagSpec => ({ name, short, kind: 'list', usage, typeName });
const S = (name: string, usage: string, short?: string, def?: string): FlagSpec => ({ name, short, kind: 'string', usage, def });
const B = (name: string, usage: string, short?: string, def?: boolean): FlagSpec => ({ name, short, kind: 'bool', usage, def });
const I = (name: string, usage: string, short?: string, def?: number): FlagSpec => ({ name, short, kind: 'int', usage, def });
const M = (name: string, usage: string): FlagSpec => ({ name, kind: 'map', usage, typeName: 'map' });
const BY = (name: string, usage: string, short?: string): FlagSpec => ({ name, short, kind: 'bytes', usage, typeName: 'bytes' });
const D = (name: string, usage: string): FlagSpec => ({ name, kind: 'duration', usage, typeName: 'duration' });

function memSwap(v: string): number {
  if (v === '-1') return -1;
  return UNITS.ramInBytes(v);
}

export const CONTAINER_FLAGS: FlagSpec[] = [
  L('add-host', 'Add a custom host-to-IP mapping (host:ip)'),
  M('annotation', 'Add an annotation to the container (passed through to the OCI runtime)'),
  {
    ...L('attach', 'Attach to STDIN, STDOUT or STDERR', 'a'),
    parse: (v) => {
      const s = v.toLowerCase();
      if (!['stdin', 'stdout', 'stderr'].includes(s)) throw new Error('valid streams are STDIN, STDOUT and STDERR');
      return s;
    },
  },
  { name: 'blkio-weight', kind: 'uint', usage: 'Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)', typeName: 'uint16' },
  L('blkio-weight-device', 'Block IO weight (relative device weight)'),
  L('cap-add', 'Add Linux capabilities'),
  L('cap-drop', 'Drop Linux capabilities'),
  S('cgroup-parent', 'Optional parent cgroup for the container'),
  S('cgroupns', 'Cgroup namespace to use (host|private)'),
  S('cidfile', 'Write the container ID to the file'),
  I('cpu-count', 'CPU count (Windows only)'),
  I('cpu-percent', 'CPU percent (Windows only)'),
  I('cpu-period', 'Limit CPU CFS (Completely Fair Scheduler) period'),
  I('cpu-quota', 'Limit CPU CFS (Completely Fair Scheduler) quota'),
  I('cpu-rt-period', 'Limit CPU real-time period in microseconds'),
  I('cpu-rt-runtime', 'Limit CPU real-time runtime in microseconds'),
  I('cpu-shares', 'CPU shares (relative weight)', 'c'),
  { name: 'cpus', kind: 'decimal', usage: 'Number of CPUs' },
  S('cpuset-cpus', 'CPUs in which to allow execution (0-3, 0,1)'),
  S('cpuset-mems', 'MEMs in which to allow execution (0-3, 0,1)'),
  L('device', 'Add a host device to the container'),
  L('device-cgroup-rule', 'Add a rule to the cgroup allowed devices list'),
  L('device-read-bps', 'Limit read rate (bytes per second) from a device'),
  L('device-read-iops', 'Limit read rate (IO per second) from a device'),
  L('device-write-bps', 'Limit write rate (bytes per second) to a device'),
  L('device-write-iops', 'Limit write rate (IO per second) to a device'),
  B('disable-content-trust', 'Skip image verification', undefined, true),
  L('dns', 'Set custom DNS servers'),
  { ...L('dns-opt', 'Set DNS options'), hidden: true },
  L('dns-option', 'Set DNS options'),
  L('dns-search', 'Set custom DNS search domains'),
  S('domainname', 'Container NIS domain name'),
  S('entrypoint', 'Overwrite the default ENTRYPOINT of the image'),
  L('env', 'Set environment variables', 'e'),
  L('env-file', 'Read in a file of environment variables'),
  L('expose', 'Expose a port or a range of ports'),
  { name: 'gpus', kind: 'string', usage: "GPU devices to add to the container ('all' to pass all GPUs)", typeName: 'gpu-request' },
  L('group-add', 'Add additional groups to join'),
  S('health-cmd', 'Command to run to check health'),
  D('health-interval', 'Time between running the check (ms|s|m|h) (default 0s)'),
  I('health-retries', 'Consecutive failures needed to report unhealthy'),
  D('health-start-interval', 'Time between running the check during the start period (ms|s|m|h) (default 0s)'),
  D('health-start-period', 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)'),
  D('health-timeout', 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)'),
  S('hostname', 'Container host name', 'h'),
  B('init', 'Run an init inside the container that forwards signals and reaps processes'),
  B('interactive', 'Keep STDIN open even if not attached', 'i'),
  S('ip', 'IPv4 address (e.g., 172.30.100.104)'),
  S('ip6', 'IPv6 address (e.g., 2001:db8::33)'),
  S('ipc', 'IPC mode to use'),
  S('isolation', 'Container isolation technology'),
  { ...BY('kernel-memory', 'Kernel memory limit'), hidden: true },
  L('label', 'Set meta data on a container', 'l'),
  L('label-file', 'Read in a line delimited file of labels'),
  L('link', 'Add link to another container'),
  L('link-local-ip', 'Container IPv4/IPv6 link-local addresses'),
  S('log-driver', 'Logging driver for the container'),
  L('log-opt', 'Log driver options'),
  S('mac-address', 'Container MAC address (e.g., 92:d0:c6:0a:29:33)'),
  BY('memory', 'Memory limit', 'm'),
  BY('memory-reservation', 'Memory soft limit'),
  { name: 'memory-swap', kind: 'string', usage: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap", typeName: 'bytes', parse: memSwap },
  I('memory-swappiness', 'Tune container memory swappiness (0 to 100)', undefined, -1),
  { name: 'mount', kind: 'list', usage: 'Attach a filesystem mount to the container', typeName: 'mount', parse: (v) => parseMount(v) },
  S('name', 'Assign a name to the container'),
  { ...L('net', 'Connect a container to a network'), hidden: true },
  { ...L('net-alias', 'Add network-scoped alias for the container'), hidden: true },
  { ...L('network', 'Connect a container to a network'), typeName: 'network' },
  L('network-alias', 'Add network-scoped alias for the container'),
  B('no-healthcheck', 'Disable any container-specified HEALTHCHECK'),
  B('oom-kill-disable', 'Disable OOM Killer'),
  I('oom-score-adj', "Tune host's OOM preferences (-1000 to 1000)"),
  S('pid', 'PID namespace to use'),
  I('pids-limit', 'Tune container pids limit (set -1 for unlimited)'),
  S('platform', 'Set platform if server is multi-platform capable'),
  B('privileged', 'Give extended privileges to this container'),
  L('publish', "Publish a container's port(s) to the host", 'p'),
  B('publish-all', 'Publish all exposed ports to random ports', 'P'),
  {
    ...S('pull', 'Pull image before running ("always", "missing", "never")', undefined, 'missing'),
    parse: (v) => {
      if (!['always', 'missing', 'never'].includes(v)) throw new Error(`invalid pull option: '${v}': must be one of "always", "missing" or "never"`);
      return v;
    },
  },
  B('quiet', 'Suppress the pull output', 'q'),
  B('read-only', "Mount the container's root filesystem as read only"),
  S('restart', 'Restart policy to apply when a container exits', undefined, 'no'),
  B('rm', 'Automatically remove the container and its associated anonymous volumes when it exits'),
  S('runtime', 'Runtime to use for this container'),
  L('security-opt', 'Security Options'),
  BY('shm-size', 'Size of /dev/shm'),
  S('stop-signal', 'Signal to stop the container'),
  I('stop-timeout', 'Timeout (in seconds) to stop a container'),
  L('storage-opt', 'Storage driver options for the container'),
  M('sysctl', 'Sysctl options'),
  L('tmpfs', 'Mount a tmpfs directory'),
  B('tty', 'Allocate a pseudo-TTY', 't'),
  { name: 'ulimit', kind: 'list', usage: 'Ulimit options', typeName: 'ulimit', parse: (v) => parseUlimit(v) },
  B('use-api-socket', 'Bind mount Docker API socket and required auth'),
  S('user', 'Username or UID (format: <name|uid>[:<group|gid>])', 'u'),
  S('userns', 'User namespace to use'),
  S('uts', 'UTS namespace to use'),
  L('volume', 'Bind mount a volume', 'v'),
  S('volume-driver', 'Optional volume driver for the container'),
  L('volumes-from', 'Mount volumes from the specified container(s)'),
  S('workdir', 'Working directory inside the container', 'w'),
];

export const RUN_FLAGS: FlagSpec[] = [
  ...CONTAINER_FLAGS,
  B('detach', 'Run container in background and print container ID', 'd'),
  S('detach-keys', 'Override the key sequence for detaching a container'),
  B('sig-proxy', 'Proxy received signals to the process', undefined, true),
];

export class OptsError extends Error {}

// ------------------------------------------------------------------ helpers

/** "k=v" at the first "=" as Go's strings.SplitN(s, "=", 2) (JS's split with a limit drops the rest: o=size=1m). */
function splitKv(s: string): [string, string] {
  const i = s.indexOf('=');
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

function parseUlimit(v: string): { Name: string; Soft: number; Hard: number } {
  const [name, limits] = v.split('=', 2);
  if (limits === undefined) throw new Error(`invalid ulimit argument: ${v}`);
  const [soft, hard = soft] = limits.split(':');
  if (!/^-?\d+$/.test(soft) || !/^-?\d+$/.test(hard)) throw new Error(`invalid ulimit argument: ${v}`);
  if (Number(soft) > Number(hard)) throw new Error(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { Name: name, Soft: Number(soft), Hard: Number(hard) };
}

export function parseMount(v: string): Mount {
  const m: Mount = { Type: 'volume' };
  const fields = v.split(',');
  let volumeOptions: NonNullable<Mount['VolumeOptions']> | undefined;
  const vol = () => (volumeOptions ??= {});
  for (const field of fields) {
    const [rawKey, val] = field.includes('=') ? [field.slice(0, field.indexOf('=')), field.slice(field.indexOf('=') + 1)] : [field, undefined];
    const key = rawKey.trim().toLowerCase();
    const boolVal = () => {
      if (val === undefined) return true;
      if (['1', 'true'].includes(val.toLowerCase())) return true;
      if (['0', 'false'].includes(val.toLowerCase())) return false;
      throw new Error(`invalid value for ${key}: ${val}`);
    };
    switch (key) {
      case 'type':
        m.Type = val as Mount['Type'];
        break;
      case 'source':
      case 'src':
        m.Source = val;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        m.Target = val;
        break;
      case 'readonly':
      case 'ro':
        m.ReadOnly = boolVal();
        break;
      case 'consistency':
        m.Consistency = val;
        break;
      case 'bind-propagation':
        m.BindOptions = { ...m.BindOptions, Propagation: val as 'rprivate' };
        break;
      case 'bind-nonrecursive':
        m.BindOptions = { ...m.BindOptions, NonRecursive: boolVal() };
        break;
      case 'bind-create-src':
        m.BindOptions = { ...m.BindOptions, CreateMountpoint: boolVal() };
        break;
      case 'volume-nocopy':
        vol().NoCopy = boolVal();
        break;
      case 'volume-subpath':
        vol().Subpath = val;
        break;
      case 'volume-driver':
        vol().DriverConfig = { ...vol().DriverConfig, Name: val };
        break;
      case 'volume-label': {
        const [k, lv] = splitKv(val ?? '');
        vol().Labels = { ...vol().Labels, [k]: lv };
        break;
      }
      case 'volume-opt': {
        const [k, ov] = splitKv(val ?? '');
        vol().DriverConfig = { ...vol().DriverConfig, Options: { ...vol().DriverConfig?.Options, [k]: ov } };
        break;
      }
      case 'tmpfs-size':
        m.TmpfsOptions = { ...m.TmpfsOptions, SizeBytes: UNITS.ramInBytes(val ?? '') };
        break;
      case 'tmpfs-mode':
        m.TmpfsOptions = { ...m.TmpfsOptions, Mode: parseInt(val ?? '', 8) };
        break;
      case 'image-subpath':
        m.ImageOptions = { Subpath: val };
        break;
      default:
        throw new Error(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (!m.Type) throw new Error('type is required');
  if (!m.Target) throw new Error('target is required');
  if (volumeOptions) {
    if (m.Type !== 'volume') throw new Error(`cannot mix 'volume-*' options with mount type '${m.Type}'`);
    m.VolumeOptions = volumeOptions;
  }
  if (m.BindOptions && m.Type !== 'bind') throw new Error(`cannot mix 'bind-*' options with mount type '${m.Type}'`);
  if (m.TmpfsOptions && m.Type !== 'tmpfs') throw new Error(`cannot mix 'tmpfs-*' options with mount type '${m.Type}'`);
  return m;
}

/** `-e K=V`, `-e K` (taken from our environment when set), and --env-file lines. */
export function readEnv(files: string[], vars: string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  for (const f of files) out.push(...parseEnvFile(f, env));
  for (const v of vars) {
    if (v.startsWith('=')) throw new OptsError(`invalid environment variable: ${v}`);
    if (!v.includes('=') && env[v] !== undefined) out.push(`${v}=${env[v]}`);
    else out.push(v);
  }
  return out;
}

export function parseEnvFile(file: string, env: NodeJS.ProcessEnv = process.env, isLabel = false): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new OptsError(`${isLabel ? '--label-file' : '--env-file'}: open ${file}: no such file or directory`);
  }
  const out: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/^\s+/, '');
    if (!line || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const name = eq < 0 ? line : line.slice(0, eq);
    if (/\s/.test(name)) throw new OptsError(`variable '${name}' contains whitespaces`);
    if (!name) throw new OptsError(`no variable name on line '${line}'`);
    void i;
    if (eq >= 0) out.push(line);
    else if (isLabel) out.push(line);
    else if (env[name] !== undefined) out.push(`${name}=${env[name]}`);
  });
  return out;
}

export function kvToMap(list: string[]): Record<string, string> {
  const m: Record<string, string> = {};
  for (const kv of list) {
    const i = kv.indexOf('=');
    if (i < 0) m[kv] = '';
    else m[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return m;
}

export function parseRestartPolicy(policy: string): { Name: 'no' | 'always' | 'unless-stopped' | 'on-failure' | ''; MaximumRetryCount: number } {
  if (!policy) return { Name: 'no', MaximumRetryCount: 0 };
  const [name, count, extra] = policy.split(':');
  if (extra !== undefined) throw new OptsError(`invalid restart policy format: maximum retry count must be an integer`);
  switch (name) {
    case 'no':
    case 'always':
    case 'unless-stopped':
      if (count !== undefined) throw new OptsError(`invalid restart policy format: maximum retry count can only be used with 'on-failure'`);
      return { Name: name, MaximumRetryCount: 0 };
    case 'on-failure': {
      if (count !== undefined && !/^\d+$/.test(count)) throw new OptsError('invalid restart policy format: maximum retry count must be an integer');
      return { Name: name, MaximumRetryCount: count ? Number(count) : 0 };
    }
    default:
      throw new OptsError(`invalid restart policy format: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  }
}

interface PortSpec {
  exposed: string[];
  bindings: Record<string, PortBinding[]>;
}

function parseRange(s: string, what: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) throw new OptsError(`invalid ${what}: ${s}`);
  const a = Number(m[1]);
  const b = m[2] ? Number(m[2]) : a;
  if (a > 65535 || b > 65535 || b < a) throw new OptsError(`invalid ${what}: ${s}`);
  return [a, b];
}

/** nat.ParsePortSpecs: "[ip:][hostPort:]containerPort[/proto]" with ranges. */
export function parsePortSpecs(specs: string[]): PortSpec {
  const out: PortSpec = { exposed: [], bindings: {} };
  for (const raw of specs) {
    let spec = raw;
    let proto = 'tcp';
    const slash = spec.lastIndexOf('/');
    if (slash >= 0) {
      proto = spec.slice(slash + 1).toLowerCase();
      spec = spec.slice(0, slash);
      if (!['tcp', 'udp', 'sctp'].includes(proto)) throw new OptsError(`invalid proto: ${proto}`);
    }
    let ip = '';
    let hostPort = '';
    let containerPort: string;
    const v6 = /^\[([^\]]+)\]:(.*)$/.exec(spec);
    if (v6) {
      ip = v6[1];
      const rest = v6[2].split(':');
      if (rest.length !== 2) throw new OptsError(`invalid port format: ${raw}`);
      [hostPort, containerPort] = rest;
    } else {
      const parts = spec.split(':');
      if (parts.length === 1) containerPort = parts[0];
      else if (parts.length === 2) [hostPort, containerPort] = parts;
      else if (parts.length === 3) [ip, hostPort, containerPort] = parts;
      else {
        containerPort = parts.pop()!;
        hostPort = parts.pop()!;
        ip = parts.join(':');
      }
    }
    if (ip && !/^[0-9.]+$/.test(ip) && !ip.includes(':')) throw new OptsError(`invalid IP address: ${ip}`);
    if (!containerPort) throw new OptsError(`no port specified: ${raw}<empty>`);
    const [cs, ce] = parseRange(containerPort, 'containerPort');
    let hs = 0;
    let he = 0;
    if (hostPort) [hs, he] = parseRange(hostPort, 'hostPort');
    if (hostPort && ce - cs !== he - hs && he - hs > 0 && ce !== cs) throw new OptsError(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
    for (let p = cs; p <= ce; p++) {
      const key = `${p}/${proto}`;
      if (!out.exposed.includes(key)) out.exposed.push(key);
      let hp = '';
      if (hostPort) {
        if (ce === cs && he !== hs) hp = `${hs}-${he}`;
        else hp = String(hs + (p - cs));
      }
      (out.bindings[key] ??= []).push({ HostIp: ip, HostPort: hp });
    }
  }
  return out;
}

function parseDevice(spec: string): { PathOnHost: string; PathInContainer: string; CgroupPermissions: string } {
  const parts = spec.split(':');
  let src = parts[0];
  let dst = src;
  let perms = 'rwm';
  if (parts.length === 2) {
    if (/^[rwm]+$/.test(parts[1])) perms = parts[1];
    else dst = parts[1];
  } else if (parts.length === 3) {
    dst = parts[1];
    perms = parts[2];
    if (!/^[rwm]+$/.test(perms)) throw new OptsError(`invalid device mode: ${perms}`);
  } else if (parts.length > 3) throw new OptsError(`invalid device specification: ${spec}`);
  if (!dst.startsWith('/')) throw new OptsError(`${spec} is not an absolute path`);
  if (!src.startsWith('/')) src = path.resolve(src);
  return { PathOnHost: src, PathInContainer: dst, CgroupPermissions: perms };
}

function throttle(list: string[], bytes: boolean, flag: string): { Path: string; Rate: number }[] {
  return list.map((s) => {
    const i = s.lastIndexOf(':');
    if (i < 0 || !s.startsWith('/dev/')) throw new OptsError(`invalid argument "${s}" for "--${flag}" flag: bad format: ${s}`);
    const rate = s.slice(i + 1);
    const n = bytes ? UNITS.ramInBytes(rate) : Number(rate);
    if (!Number.isFinite(n)) throw new OptsError(`invalid rate for device: ${s}. The correct format is <device-path>:<number>`);
    return { Path: s.slice(0, i), Rate: n };
  });
}

function securityOpts(list: string[]): string[] {
  return list.map((opt) => {
    if (opt === 'systempaths=unconfined') return opt;
    const sep = opt.includes('=') ? '=' : opt.includes(':') ? ':' : '';
    if (!sep) {
      if (opt === 'no-new-privileges') return opt;
      throw new OptsError(`Invalid --security-opt: ${JSON.stringify(opt)}`);
    }
    const [k, v] = [opt.slice(0, opt.indexOf(sep)), opt.slice(opt.indexOf(sep) + 1)];
    if (k === 'seccomp' && v !== 'unconfined' && v !== 'builtin') {
      let text: string;
      try {
        text = fs.readFileSync(v, 'utf8');
      } catch (e) {
        throw new OptsError(`opening seccomp profile (${v}) failed: ${(e as Error).message}`);
      }
      return `seccomp=${JSON.stringify(JSON.parse(text))}`;
    }
    return `${k}=${v}`;
  });
}

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
  // no --network: the docker CLI still sends these for the "default" network, and the daemon answers
  // (aliases and --ip are for user-defined networks only: its messages)
  if (!networks.length && (aliases.length || v.ip || v.ip6 || v['link-local-ip'].length)) {
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

/**
 * --gpus as the docker CLI parses it (opts.GpuOpts): "all" or a count first, or count=, device=,
 * driver=, capabilities=, options= pairs; capabilities default to [["gpu"]].
 */
export function gpuRequest(value: string): { Driver: string; Count: number; DeviceIDs?: string[]; Capabilities: string[][]; Options: Record<string, string> } {
  const req = { Driver: '', Count: 0, DeviceIDs: undefined as string[] | undefined, Capabilities: [['gpu']], Options: {} as Record<string, string> };
  const fields = value.match(/("[^"]*"|[^,])+/g) ?? [];
  fields.forEach((f, i) => {
    const eq = f.indexOf('=');
    if (eq < 0) {
      if (i !== 0) throw new OptsError(`invalid argument "${value}" for "--gpus" flag: unexpected key '${f}' in '${value}'`);
      if (f === 'all') req.Count = -1;
      else if (/^\d+$/.test(f)) req.Count = Number(f);
      else throw new OptsError(`invalid argument "${value}" for "--gpus" flag: invalid count (${f}): value must be either "all" or an integer`);
      return;
    }
    const key = f.slice(0, eq);
    const val = f.slice(eq + 1).replace(/^"|"$/g, '');
    if (key === 'driver') req.Driver = val;
    else if (key === 'count') req.Count = val === 'all' ? -1 : Number(val);
    else if (key === 'device') req.DeviceIDs = val.split(',');
    else if (key === 'capabilities') req.Capabilities = [val.split(',')];
    else if (key === 'options') for (const kv of val.split(',')) req.Options[kv.split('=')[0]!] = kv.split('=').slice(1).join('=');
    else throw new OptsError(`invalid argument "${value}" for "--gpus" flag: unexpected key '${key}' in '${value}'`);
  });
  return req;
}
