// The parts of the OCI runtime spec (config.json, runtime-spec v1.0.2) that Berth writes.
import type { OciSeccomp } from './seccomp.ts';

export interface OciUser {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
}

export interface OciCapabilities {
  bounding?: string[];
  effective?: string[];
  inheritable?: string[];
  permitted?: string[];
  ambient?: string[];
}

export interface OciRlimit {
  type: string;
  /** Infinity stands for RLIM_INFINITY (written as 18446744073709551615). */
  hard: number;
  soft: number;
}

export interface OciProcess {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user: OciUser;
  args: string[];
  env?: string[];
  cwd: string;
  capabilities?: OciCapabilities;
  rlimits?: OciRlimit[];
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  oomScoreAdj?: number;
  selinuxLabel?: string;
}

export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export interface OciNamespace {
  type: 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup';
  path?: string;
}

export interface OciDevice {
  type: string;
  path: string;
  major?: number;
  minor?: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

export interface OciDeviceCgroup {
  allow: boolean;
  type?: string;
  major?: number;
  minor?: number;
  access?: string;
}

export interface OciThrottle {
  major: number;
  minor: number;
  rate: number;
}

export interface OciResources {
  devices?: OciDeviceCgroup[];
  memory?: { limit?: number; reservation?: number; swap?: number; kernel?: number; swappiness?: number; disableOOMKiller?: boolean };
  cpu?: { shares?: number; quota?: number; period?: number; realtimeRuntime?: number; realtimePeriod?: number; cpus?: string; mems?: string };
  pids?: { limit: number };
  blockIO?: {
    weight?: number;
    weightDevice?: { major: number; minor: number; weight: number }[];
    throttleReadBpsDevice?: OciThrottle[];
    throttleWriteBpsDevice?: OciThrottle[];
    throttleReadIOPSDevice?: OciThrottle[];
    throttleWriteIOPSDevice?: OciThrottle[];
  };
}

export interface OciIdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface OciLinux {
  namespaces: OciNamespace[];
  uidMappings?: OciIdMapping[];
  gidMappings?: OciIdMapping[];
  devices?: OciDevice[];
  cgroupsPath?: string;
  resources?: OciResources;
  sysctl?: Record<string, string>;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  rootfsPropagation?: string;
  mountLabel?: string;
  seccomp?: OciSeccomp;
}

export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly?: boolean };
  hostname?: string;
  domainname?: string;
  mounts: OciMount[];
  annotations?: Record<string, string>;
  linux: OciLinux;
}

/** RLIM_INFINITY as the uint64 runc and the exec helper read. */
export const RLIM_INFINITY = '18446744073709551615';

/** Serialize a spec (or process) for runc: RLIM_INFINITY must be written as the exact uint64 literal.
 * (A replacer takes JSON.stringify off its fast path: 0.5 ms instead of 0.1-0.2 for a container's
 * spec with its seccomp profile, so it is used only when there is an unlimited value to write.) */
export function toJson(value: unknown): string {
  if (!hasInfinity(value)) return JSON.stringify(value);
  return JSON.stringify(value, (_k, v) => (v === Number.POSITIVE_INFINITY ? '\u0000RLIM_INFINITY' : v)).replaceAll('"\\u0000RLIM_INFINITY"', RLIM_INFINITY);
}

function hasInfinity(v: unknown): boolean {
  if (v === Number.POSITIVE_INFINITY) return true;
  if (typeof v !== 'object' || v === null) return false;
  // (strings, the bulk of a spec, are skipped without a call)
  if (Array.isArray(v)) {
    for (const x of v) if (typeof x === 'object' ? hasInfinity(x) : x === Number.POSITIVE_INFINITY) return true;
    return false;
  }
  for (const k in v) {
    const x = (v as Record<string, unknown>)[k];
    if (typeof x === 'object' ? hasInfinity(x) : x === Number.POSITIVE_INFINITY) return true;
  }
  return false;
}
