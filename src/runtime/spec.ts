// The OCI runtime spec (config.json) for a container, as Docker builds it (moby daemon/pkg/oci/defaults.go and
// daemon/oci_linux.go). `buildSpec` is a pure function of the RunSpec, facts about the host, and the rootfs's
// /etc/passwd and /etc/group; `hostInfo()` and `rootfsUserFiles()` gather those facts.
import fs from 'node:fs';
import path from 'node:path';
import type { RunSpec, MountSpec, Ulimit } from './types.ts';
import type { OciSpec, OciMount, OciNamespace, OciRlimit, OciDevice, OciProcess } from './oci.ts';
import { invalidParameter } from '../errdefs.ts';
import { ociUser } from './user.ts';
import { cgroupLayout } from '../platform/linux/cgroups.ts';
import { hostRlimits, clampRlimit, type Rlimit } from '../platform/linux/rlimits.ts';
import { hostCapabilities, CAPABILITY_NAMES } from '../platform/linux/capabilities.ts';
import { hostDevices, type HostDevice } from '../platform/linux/devices.ts';
import { containerSeccomp } from './seccomp.ts';
import { readFileInRoot } from '../platform/linux/securejoin.ts';
import { containerResources, defaultDeviceRules, deviceCgroupRule } from './cgroup-resources.ts';

export const DEFAULT_PATH_ENV = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

export const DEFAULT_MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/interrupts',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/sys/devices/virtual/powercap',
  '/sys/firmware',
];

export const DEFAULT_READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Docker's default for containers (dockerd under systemd has LimitNOFILE=infinity → 1048576). Clamped to the host. */
export const DEFAULT_NOFILE = 1048576;

function defaultMounts(shmSize: number): OciMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shmSize}`] },
  ];
}

/** Facts about the host that shape a spec. */
export interface HostInfo {
  /** Docker's "ALL": the capabilities this daemon can grant. */
  capabilities: string[];
  /** Host limits by OCI name (RLIMIT_NOFILE ...); container limits are clamped to their hard values. */
  rlimits: Record<string, Rlimit>;
  cgroupVersion: 1 | 2;
  /** Which of Docker's default network sysctls exist on this kernel. */
  sysctls: string[];
  /** Extra masked paths (Docker masks each cpu's thermal_throttle). */
  extraMaskedPaths: string[];
  /** Host devices, for privileged containers. */
  devices: () => HostDevice[];
  /** A static init (tini) for --init, mounted as /sbin/docker-init; undefined when none is installed. */
  initPath?: string;
}

let cachedHost: HostInfo | undefined;

export function hostInfo(): HostInfo {
  if (cachedHost) return cachedHost;
  const sysctlExists = (s: string) => fs.existsSync(path.join('/proc/sys', s.replaceAll('.', '/')));
  const extraMaskedPaths: string[] = [];
  try {
    for (const e of fs.readdirSync('/sys/devices/system/cpu')) {
      if (!/^cpu\d+$/.test(e)) continue;
      const p = `/sys/devices/system/cpu/${e}/thermal_throttle`;
      if (fs.existsSync(p)) extraMaskedPaths.push(p);
    }
  } catch {
    // no CPU entries in /sys (a sandboxed host): nothing to mask
  }
  let devices: HostDevice[] | undefined;
  cachedHost = {
    capabilities: hostCapabilities(),
    rlimits: hostRlimits(),
    cgroupVersion: cgroupLayout().version,
    sysctls: ['net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start'].filter(sysctlExists),
    extraMaskedPaths,
    devices: () => (devices ??= hostDevices()),
    // a static binary runs in any image (busybox, scratch); dockerd's docker-init is tini too
    initPath: ['/usr/bin/tini-static', '/usr/bin/docker-init', '/usr/bin/tini'].find((p) => fs.existsSync(p)),
  };
  return cachedHost;
}

export interface UserFiles {
  passwd?: string;
  group?: string;
}

/** /etc/passwd and /etc/group of a rootfs (symlink-safe); absent files are undefined. */
export function rootfsUserFiles(rootfs: string): UserFiles {
  return { passwd: readFileInRoot(rootfs, '/etc/passwd'), group: readFileInRoot(rootfs, '/etc/group') };
}

/** Docker's NormalizeLegacyCapabilities: upper-case, CAP_ prefix, validate; "ALL" passes through. */
export function normalizeCapabilities(caps: string[], host: string[]): string[] {
  return caps.map((c0) => {
    let c = c0.toUpperCase();
    if (c === 'ALL') return c;
    if (!c.startsWith('CAP_')) c = 'CAP_' + c;
    if (!CAPABILITY_NAMES.includes(c)) throw invalidParameter(`unknown capability: "${c}"`);
    if (!host.includes(c)) throw invalidParameter(`capability not supported by your kernel or not available in the current environment: "${c}"`);
    return c;
  });
}

/** Docker's TweakCapabilities. */
export function containerCapabilities(capAdd: string[], capDrop: string[], privileged: boolean, host: string[]): string[] {
  if (privileged) return [...host];
  if (capAdd.length === 0 && capDrop.length === 0) return [...DEFAULT_CAPABILITIES];
  const drop = normalizeCapabilities(capDrop, host);
  const add = normalizeCapabilities(capAdd, host);
  if (add.includes('ALL')) return host.filter((c) => !drop.includes(c));
  if (drop.includes('ALL')) return add;
  return [...DEFAULT_CAPABILITIES.filter((c) => !drop.includes(c)), ...add.filter((c) => !DEFAULT_CAPABILITIES.includes(c) || drop.includes(c))];
}

/** Docker's ReplaceOrAppendEnvValues: overrides replace same-named defaults, "NAME" alone unsets. */
export function replaceOrAppendEnv(defaults: string[], overrides: string[]): string[] {
  const out = [...defaults];
  const index = new Map<string, number>();
  out.forEach((e, i) => index.set(e.split('=')[0], i));
  const removed = new Set<number>();
  for (const v of overrides) {
    const eq = v.indexOf('=');
    if (eq < 0) {
      const i = index.get(v);
      if (i !== undefined) removed.add(i);
      continue;
    }
    const i = index.get(v.slice(0, eq));
    if (i !== undefined) {
      out[i] = v;
      removed.delete(i);
    } else out.push(v);
  }
  return out.filter((_, i) => !removed.has(i));
}

/** The daemon's environment for a process (PATH, HOSTNAME, TERM for a TTY) overlaid with the user's, plus HOME. */
export function processEnv(env: string[], opts: { hostname: string; tty: boolean; home: string }): string[] {
  const defaults = [`PATH=${DEFAULT_PATH_ENV}`, `HOSTNAME=${opts.hostname}`];
  if (opts.tty) defaults.push('TERM=xterm');
  const out = replaceOrAppendEnv(defaults, env);
  if (!out.some((e) => e.startsWith('HOME='))) out.push(`HOME=${opts.home}`);
  return out;
}

/** Container rlimits: the requested ulimits plus Docker's NOFILE default, clamped to the host's hard limits. */
export function containerRlimits(ulimits: Ulimit[], host: Record<string, Rlimit>): OciRlimit[] {
  const want = new Map<string, Rlimit>();
  want.set('RLIMIT_NOFILE', { soft: DEFAULT_NOFILE, hard: DEFAULT_NOFILE });
  for (const u of ulimits) {
    const val = (n: number) => (n < 0 ? Number.POSITIVE_INFINITY : n);
    want.set('RLIMIT_' + u.Name.toUpperCase(), { soft: val(u.Soft), hard: val(u.Hard) });
  }
  return [...want].map(([type, r]) => ({ type, ...clampRlimit(r, host[type]) }));
}

/** --pid, --ipc, --uts, --cgroupns as HostConfig gives them ("" = Docker's default). */
function namespaceModes(r: Record<string, unknown>): { pid: string; ipc: string; uts: string; cgroup: string } {
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  return { pid: str(r.PidMode), ipc: str(r.IpcMode), uts: str(r.UTSMode), cgroup: str(r.CgroupnsMode) };
}

function hasSecurityOpt(opts: string[], name: string): boolean {
  for (const o of opts) {
    // at the first separator, as Go's SplitN(o, "=", 2): a value may hold more of them
    const sep = o.includes('=') ? '=' : ':';
    const i = o.indexOf(sep);
    const [k, v] = i < 0 ? [o, undefined] : [o.slice(0, i), o.slice(i + 1)];
    if (k === name && (v === undefined || v === 'true' || v === 'unconfined')) return true;
  }
  return false;
}

const depth = (dest: string) => path.posix.normalize(dest).split('/').length;

function userMount(m: MountSpec): OciMount {
  return { destination: m.destination, type: m.type, source: m.source, options: [...m.options] };
}

/** Build the OCI spec for a container. Pure: all host and rootfs facts come in as arguments. */
export function buildSpec(run: RunSpec, host: HostInfo, files: UserFiles): OciSpec {
  const user = ociUser(run.user, run.groupAdd ?? [], files.passwd, files.group);
  const caps = containerCapabilities(run.capAdd, run.capDrop, run.privileged, host.capabilities);
  const unconfinedPaths = run.privileged || hasSecurityOpt(run.securityOpt, 'systempaths');
  const r = run.resources ?? {};

  const init = run.init ?? r.Init === true;
  const initPath = run.initPath ?? host.initPath;
  if (init && !initPath) throw invalidParameter('exec: "docker-init": executable file not found in $PATH');
  const process: OciProcess = {
    terminal: run.tty,
    user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
    args: init ? ['/sbin/docker-init', '--', ...run.args] : run.args,
    env: processEnv(run.env, { hostname: run.hostname, tty: run.tty, home: user.home }),
    cwd: run.cwd || '/',
    // As moby's SetCapabilities: a non-root user gets the bounding set only, as execve() would
    // leave it (runc would otherwise raise the effective set again after setuid: DAC override...)
    capabilities: user.uid === 0 ? { bounding: caps, effective: caps, permitted: caps } : { bounding: caps },
    rlimits: containerRlimits(run.ulimits, host.rlimits),
    noNewPrivileges: hasSecurityOpt(run.securityOpt, 'no-new-privileges'),
    oomScoreAdj: typeof r.OomScoreAdj === 'number' && Number.isFinite(r.OomScoreAdj) ? r.OomScoreAdj : 0,
  };
  const consoleSize = r.ConsoleSize;
  if (run.tty && Array.isArray(consoleSize) && consoleSize[0] > 0 && consoleSize[1] > 0) process.consoleSize = { height: consoleSize[0], width: consoleSize[1] };

  // Mounts: Docker's defaults minus those a user mount replaces (and everything under /dev if /dev is user-mounted).
  const modes = namespaceModes(r);
  const extraMounts: MountSpec[] = [];
  if (init) extraMounts.push({ destination: '/sbin/docker-init', source: initPath!, type: 'bind', options: ['bind', 'ro', 'nosuid', 'nodev', 'rprivate'] });
  // --ipc host / container:X share a /dev/shm too; --ipc none has none
  const shmSource = modes.ipc === 'host' ? '/dev/shm' : run.shmSource;
  if (shmSource && !run.mounts.some((m) => path.posix.normalize(m.destination) === '/dev/shm')) extraMounts.push({ destination: '/dev/shm', source: shmSource, type: 'bind', options: ['rbind', 'rprivate'] });
  const userMounts = [...run.mounts, ...extraMounts].sort((a, b) => depth(a.destination) - depth(b.destination));
  const userDests = new Set(userMounts.map((m) => path.posix.normalize(m.destination)));
  const mounts: OciMount[] = [];
  for (const m of defaultMounts(run.shmSize || 64 * 1024 * 1024)) {
    if (userDests.has(m.destination)) continue;
    if (modes.ipc === 'none' && m.destination === '/dev/shm') continue;
    if (userDests.has('/dev') && m.destination.startsWith('/dev/')) continue;
    if (run.readonlyRootfs && !['/proc', '/dev/pts', '/dev/shm', '/dev/mqueue', '/dev'].includes(m.destination) && !m.options!.includes('ro')) m.options!.push('ro');
    if (run.privileged && (m.destination === '/sys' || m.type === 'cgroup')) m.options = m.options!.filter((o) => o !== 'ro');
    // a user namespace may not mount sysfs for a network namespace it does not own (the host's,
    // another container's): bind the host's, as dockerd does
    if (run.idMap && run.network !== 'none' && m.type === 'sysfs') Object.assign(m, { type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] });
    mounts.push(m);
  }
  let rootfsPropagation: string | undefined;
  for (const m of userMounts) {
    mounts.push(userMount(m));
    if (m.options.some((o) => o === 'shared' || o === 'rshared')) rootfsPropagation = 'shared';
    else if (m.options.some((o) => o === 'slave' || o === 'rslave') && rootfsPropagation !== 'shared') rootfsPropagation = 'rslave';
  }

  const namespaces: OciNamespace[] = [{ type: 'mount' }];
  if (run.network === 'none') namespaces.push({ type: 'network' });
  else if (typeof run.network === 'object') namespaces.push({ type: 'network', path: run.network.netnsPath });
  const join = run.joinNamespaces ?? {};
  if (modes.uts !== 'host') namespaces.push({ type: 'uts' });
  if (modes.pid !== 'host') namespaces.push(join.pid ? { type: 'pid', path: join.pid } : { type: 'pid' });
  if (modes.ipc !== 'host') namespaces.push(join.ipc ? { type: 'ipc', path: join.ipc } : { type: 'ipc' });
  if (run.idMap) namespaces.push({ type: 'user' });
  // Docker's default cgroup namespace mode is private on cgroup v2, host on v1.
  if (modes.cgroup === 'private' || (modes.cgroup === '' && host.cgroupVersion === 2)) namespaces.push({ type: 'cgroup' });

  const sysctl: Record<string, string> = {};
  // only in a network namespace made for this container, as moby: one joined (container:X) has its
  // owner's settings already, and may be the host's, where runc refuses network sysctls
  if (run.network === 'none' || (typeof run.network === 'object' && run.network.own)) {
    // in a user namespace only mapped groups may be named
    if (host.sysctls.includes('net.ipv4.ping_group_range')) sysctl['net.ipv4.ping_group_range'] = run.idMap ? `0 ${run.idMap.size - 1}` : '0 2147483647';
    if (host.sysctls.includes('net.ipv4.ip_unprivileged_port_start')) sysctl['net.ipv4.ip_unprivileged_port_start'] = '0';
  }
  // runc before 1.2 ignores the spec's domainname: the kernel's, in the container's UTS namespace
  if (run.domainname && modes.uts !== 'host') sysctl['kernel.domainname'] = run.domainname;
  Object.assign(sysctl, run.sysctls);

  let devices: OciDevice[] = [];
  let deviceRules = defaultDeviceRules();
  if (run.privileged) {
    devices = host.devices().map((d) => ({ type: d.type, path: d.path, major: d.major, minor: d.minor, fileMode: d.fileMode, uid: d.uid, gid: d.gid }));
    deviceRules = [{ allow: true, access: 'rwm' }];
  }

  for (const d of run.devices ?? []) {
    if (!run.privileged) devices = devices.filter((x) => x.path !== d.containerPath);
    devices.push({ type: d.host.type, path: d.containerPath, major: d.host.major, minor: d.host.minor, fileMode: d.host.fileMode, uid: d.host.uid, gid: d.host.gid });
    if (!run.privileged) deviceRules.push({ allow: true, type: d.host.type, major: d.host.major, minor: d.host.minor, access: d.access || 'rwm' });
  }

  for (const rule of (r.DeviceCgroupRules as string[] | null | undefined) ?? []) deviceRules.push(deviceCgroupRule(rule));

  const cgroupParent = run.cgroupParent || (typeof r.CgroupParent === 'string' ? r.CgroupParent : '');
  const parent = cgroupParent ? '/' + cgroupParent.replace(/^\/+|\/+$/g, '') : '/berth';
  const spec: OciSpec = {
    ociVersion: '1.0.2-dev',
    process,
    root: { path: run.rootfs, readonly: run.readonlyRootfs },
    // without its own UTS namespace a container has the host's name (runc refuses to set one)
    hostname: modes.uts === 'host' ? undefined : run.hostname,
    mounts,
    linux: {
      namespaces,
      devices,
      cgroupsPath: `${parent}/${run.id}`,
      resources: { devices: deviceRules, ...containerResources(r) },
      sysctl,
      // a list given in HostConfig replaces Docker's defaults (as dockerd, which stores the defaults there)
      maskedPaths: unconfinedPaths ? [] : Array.isArray(r.MaskedPaths) ? [...(r.MaskedPaths as string[])] : [...DEFAULT_MASKED_PATHS, ...host.extraMaskedPaths],
      readonlyPaths: unconfinedPaths ? [] : Array.isArray(r.ReadonlyPaths) ? [...(r.ReadonlyPaths as string[])] : [...DEFAULT_READONLY_PATHS],
    },
  };
  if (run.idMap) {
    spec.linux.uidMappings = [{ containerID: 0, hostID: run.idMap.uid, size: run.idMap.size }];
    spec.linux.gidMappings = [{ containerID: 0, hostID: run.idMap.gid, size: run.idMap.size }];
  }
  const seccomp = containerSeccomp(run.securityOpt, run.privileged, caps);
  if (seccomp) spec.linux.seccomp = seccomp;
  if (run.domainname) spec.domainname = run.domainname;
  if (rootfsPropagation) spec.linux.rootfsPropagation = rootfsPropagation;
  if (run.annotations && Object.keys(run.annotations).length) spec.annotations = { ...run.annotations };
  return spec;
}
