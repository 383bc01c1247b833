// The value checks the field table names: each takes one field's value and throws Docker's 400 for a
// value dockerd refuses at create (moby daemon/container.go validateContainerConfig/validateHostConfig,
// daemon/daemon_unix.go verifyPlatformContainerSettings, daemon/logger/*/ValidateLogOpt), or returns
// Docker's warnings for what it accepts and discards.
import { isIP } from 'node:net';
import { invalidParameter } from '../../../errdefs.ts';
import { signalNumber } from '../signals.ts';
import { hostResources } from '../resources.ts';
import { checkLogTag } from '../log-attrs.ts';
import { blockDevice } from '../../../runtime/cgroup-resources.ts';

/** What a check may know beyond the value: the whole request, for fields that depend on each other. */
export interface CheckContext {
  config: Record<string, unknown>;
  hostConfig: Record<string, unknown>;
  /** whether a container exists (for container:<name> modes) */
  containerExists?: (ref: string) => boolean;
}

/** Throws for a refused value; may return warnings (accepted with Docker's warning). */
export type Check = (value: unknown, ctx: CheckContext) => string[] | void;

/** The value is "set": not absent, null, zero, false, "" or empty. Refused fields are refused only when set. */
export function isSet(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.values(v as object).some(isSet);
  return true;
}

/** A check that refuses any set value with this message. */
export const refuseIfSet =
  (message: string | ((v: unknown) => string)): Check =>
  (v) => {
    if (isSet(v)) throw invalidParameter(typeof message === 'string' ? message : message(v));
  };

/** A check that accepts a set value with Docker's warning (what dockerd itself discards on this kernel). */
export const warnIfSet =
  (warning: string): Check =>
  (v) =>
    isSet(v) ? [warning] : [];

export const stopSignal: Check = (v) => {
  if (typeof v !== 'string' || v === '') return;
  try {
    signalNumber(v);
  } catch {
    throw invalidParameter(`invalid signal: ${v}`);
  }
};

const MIN_DURATION_NS = 1_000_000;
export const healthcheck: Check = (v) => {
  if (!v || typeof v !== 'object') return;
  const h = v as Record<string, number>;
  for (const k of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval'])
    if (h[k] && h[k] < MIN_DURATION_NS) throw invalidParameter(`${k} in Healthcheck cannot be less than 1ms`);
  if ((h.Retries ?? 0) < 0) throw invalidParameter('Retries in Healthcheck cannot be negative');
};

export const hostname: Check = (v) => {
  if (typeof v === 'string' && Buffer.byteLength(v) > 64) throw invalidParameter(`hostname "${v}" is too long (maximum 64 bytes)`);
};

export const oomScoreAdj: Check = (v) => {
  if (typeof v === 'number' && (v < -1000 || v > 1000)) throw invalidParameter(`Invalid value ${v}, range for oom score adj is [-1000, 1000]`);
};

/** --pid, --ipc, --uts, --cgroupns: Docker's valid modes (container:<x> needs a non-empty name, and an existing container). */
export const namespaceMode =
  (what: 'PID' | 'IPC' | 'UTS' | 'cgroup namespace', modes: string[], containerOk: boolean): Check =>
  (v, ctx) => {
    if (v === undefined || v === null || v === '') return;
    const s = String(v);
    const label = what === 'cgroup namespace' ? 'invalid cgroup namespace mode' : `invalid ${what} mode`;
    if (modes.includes(s)) return;
    if (containerOk && s.startsWith('container:') && s.length > 'container:'.length) {
      const ref = s.slice('container:'.length);
      if (ctx.containerExists && !ctx.containerExists(ref)) throw invalidParameter(`No such container: ${ref}`);
      return;
    }
    throw invalidParameter(`${label}: ${s}`);
  };

/** --security-opt: Docker's parseSecurityOpt keys; label/apparmor are what dockerd does on a host without SELinux/AppArmor. */
export const securityOpt: Check = (v) => {
  for (const opt of (v as string[] | null) ?? []) {
    if (['no-new-privileges', 'writable-cgroups', 'disable'].includes(opt)) continue;
    const sep = opt.includes('=') ? '=' : opt.includes(':') ? ':' : '';
    if (!sep) throw invalidParameter(`invalid --security-opt 1: "${opt}"`);
    const i = opt.indexOf(sep);
    const [k, val] = [opt.slice(0, i), opt.slice(i + 1)];
    if (k === 'label' || k === 'apparmor' || k === 'seccomp' || k === 'systempaths') continue;
    if ((k === 'no-new-privileges' || k === 'writable-cgroups') && /^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/.test(val)) continue;
    throw invalidParameter(`invalid --security-opt 2: "${opt}"`);
  }
};

/** go-units FromHumanSize: decimal multiples ("10m" = 10 000 000), as json-file's max-size. */
export function fromHumanSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[bB]?$/.exec(s.trim());
  if (!m) throw new Error(`invalid size: '${s}'`);
  const mult: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };
  return Math.trunc(Number(m[1]) * (m[2] ? mult[m[2].toLowerCase()] : 1));
}

/** go-units RAMInBytes: binary multiples ("64m" = 64 MiB), as sizes of memory and tmpfs. */
export function ramInBytes(s: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(s.trim());
  if (!m) throw new Error(`invalid size: '${s}'`);
  const mult: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
  return Math.trunc(Number(m[1]) * (m[2] ? mult[m[2].toLowerCase()] : 1));
}

const COMMON_LOG_OPTS = ['env', 'env-regex', 'labels', 'labels-regex', 'tag'];
const FILE_LOG_OPTS = ['max-size', 'max-file', 'compress'];
const goBool = (s: string) => /^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/.test(s);

/** The log drivers Berth has, with their options (moby daemon/logger/{jsonfilelog,local}). */
export const LOG_DRIVERS = ['json-file', 'local', 'none'];
const DOCKER_LOG_DRIVERS = ['syslog', 'journald', 'gelf', 'fluentd', 'awslogs', 'splunk', 'etwlogs', 'gcplogs', 'logentries'];

/** LogConfig: the driver and its options, as moby's ValidateLogOpts and the driver's New check them. */
export const logConfig: Check = (v) => {
  if (!v || typeof v !== 'object') return;
  const { Type: type = '', Config: cfg0 } = v as { Type?: string; Config?: Record<string, string> | null };
  const cfg = cfg0 ?? {};
  if (type === '' || type === 'none') {
    if (type === 'none') return;
  }
  const t = type || 'json-file';
  const mode = cfg.mode ?? '';
  if (!['', 'blocking', 'non-blocking'].includes(mode)) throw invalidParameter(`logger: logging mode not supported: ${mode}`);
  if ('max-buffer-size' in cfg) {
    if (mode !== 'non-blocking') throw invalidParameter(`logger: max-buffer-size option is only supported with 'mode=non-blocking'`);
    try {
      ramInBytes(cfg['max-buffer-size']!);
    } catch (e) {
      throw invalidParameter(`error parsing option max-buffer-size: ${(e as Error).message}`);
    }
  }
  if (!LOG_DRIVERS.includes(t)) {
    if (DOCKER_LOG_DRIVERS.includes(t)) throw invalidParameter(`logger: the ${t} log driver is not supported by Berth; use one of: ${LOG_DRIVERS.join(', ')}`);
    throw invalidParameter(`error looking up logging plugin ${t}: plugin "${t}" not found`);
  }
  for (const key of Object.keys(cfg)) {
    if (key === 'mode' || key === 'max-buffer-size') continue;
    if (COMMON_LOG_OPTS.includes(key) || FILE_LOG_OPTS.includes(key)) continue;
    throw invalidParameter(t === 'local' ? `unknown log opt '${key}' for log driver local` : `unknown log opt '${key}' for json-file log driver`);
  }
  // The driver's own checks (moby runs them when the logger is made, at start, and says "failed to
  // initialize logging driver: …"; Berth at create, so that nothing is stored that can never start,
  // in the same words, so that docker run prints what it prints against dockerd)
  const driverError = (msg: string) => invalidParameter(`failed to initialize logging driver: ${msg}`);
  let size = -1;
  if ('max-size' in cfg) {
    try {
      size = fromHumanSize(cfg['max-size']!);
    } catch (e) {
      throw driverError(t === 'local' ? `invalid value for max-size: ${cfg['max-size']}: ${(e as Error).message}` : (e as Error).message);
    }
    if (t === 'json-file' && size <= 0) throw driverError('max-size must be a positive number');
    if (size < 0) throw driverError('max-size must not be negative');
  }
  let files = t === 'local' ? 5 : 1;
  if ('max-file' in cfg) {
    const s = cfg['max-file']!;
    if (!/^[+-]?\d+$/.test(s)) throw driverError(t === 'local' ? `invalid value for max-file: ${s}: strconv.Atoi: parsing "${s}": invalid syntax` : `strconv.Atoi: parsing "${s}": invalid syntax`);
    files = Number(s);
    if (t === 'json-file' && files < 1) throw driverError('max-file cannot be less than 1');
    if (files < 0) throw driverError('max-file must not be negative');
  }
  if (cfg.tag) checkLogTag(cfg.tag);
  for (const k of ['labels-regex', 'env-regex']) {
    if (!cfg[k]) continue;
    try {
      new RegExp(cfg[k]!);
    } catch (e) {
      throw driverError(`error parsing regexp: ${(e as Error).message}`);
    }
  }
  if ('compress' in cfg) {
    const s = cfg.compress!;
    if (!goBool(s)) throw driverError(t === 'local' ? `invalid boolean value for compress: strconv.ParseBool: parsing "${s}": invalid syntax` : `strconv.ParseBool: parsing "${s}": invalid syntax`);
    const on = /^(1|t|T|TRUE|true|True)$/.test(s);
    if (t === 'json-file' && on && (files === 1 || size === -1)) throw driverError('compress cannot be true when max-file is less than 2 or max-size is not set');
    if (t === 'local' && on && files <= 1) throw driverError('compression cannot be enabled when max file count is 1');
  }
};

/** --device-cgroup-rule: "TYPE MAJOR:MINOR ACCESS" as moby's WithDevices parses it. */
export const deviceCgroupRules: Check = (v) => {
  for (const r of (v as string[] | null) ?? []) if (!DEVICE_RULE.test(r)) throw invalidParameter(`invalid device cgroup rule format: '${r}'`);
};
export const DEVICE_RULE = /^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/;

/** --gpus and other device requests: Berth has no device driver (dockerd without nvidia-container-toolkit answers the same). */
export const deviceRequests: Check = (v) => {
  for (const r of (v as { Driver?: string; Capabilities?: string[][] | null }[] | null) ?? []) {
    const caps = (r.Capabilities ?? []).map((set) => `[${set.join(' ')}]`).join(' ');
    throw invalidParameter(`could not select device driver "${r.Driver ?? ''}" with capabilities: [${caps}]`);
  }
};

/** --add-host "name:ip" (or "name=ip"); the ip may be "host-gateway" (moby opts.ValidateExtraHost). */
export const extraHosts: Check = (v) => {
  for (const h of (v as string[] | null) ?? []) {
    const sep = h.includes('=') ? h.indexOf('=') : h.indexOf(':');
    const name = sep > 0 ? h.slice(0, sep) : '';
    const ip = sep > 0 ? h.slice(sep + 1).replace(/^\[(.*)\]$/, '$1') : '';
    if (!name) throw invalidParameter(`bad format for add-host: "${h}"`);
    if (ip !== 'host-gateway' && isIP(ip) === 0) throw invalidParameter(`invalid IP address in add-host: "${ip}"`);
  }
};

/** --device-read-bps and friends: each path a block device (dockerd finds out at start; Berth at create). */
export const blkioDevices: Check = (v) => {
  for (const d of (v as { Path?: string }[] | null) ?? []) blockDevice(d?.Path ?? '');
};

/** --blkio-weight-device: as dockerd, discarded with its warning where the kernel cannot weigh devices. */
/** CpuPercent is Windows-only: on Linux dockerd discards a positive one with a warning (a negative one
 * has no meaning on either: refused). */
export const cpuPercent: Check = (v, ctx) => {
  if (typeof v !== 'number' || v === 0) return;
  if (v < 0) throw invalidParameter('CpuPercent is only supported on Windows');
  ctx.hostConfig.CpuPercent = 0;
  return ['linux does not support CPU percent. Percent discarded.'];
};

export const blkioWeightDevices: Check = (v, ctx) => {
  if (!isSet(v)) return;
  blkioDevices(v, ctx);
  if (hostResources().blkioWeight) return;
  ctx.hostConfig.BlkioWeightDevice = [];
  return ['Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.'];
};

export const annotations: Check = (v) => {
  if (v && typeof v === 'object' && '' in (v as object)) throw invalidParameter('invalid Annotations: the empty string is not permitted as an annotation key');
};

export const tmpfsDestinations: Check = (v) => {
  for (const dest of Object.keys((v as object | null) ?? {})) {
    if (!dest.startsWith('/')) throw invalidParameter(`invalid mount config for type "tmpfs": invalid mount path: '${dest}' mount path must be absolute`);
    if (dest === '/') throw invalidParameter('invalid specification: destination can\'t be \'/\'');
  }
};
