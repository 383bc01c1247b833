// Host resource limits, from /proc/self/limits. A process without CAP_SYS_RESOURCE cannot raise a hard limit,
// so container rlimits are clamped to these.
import fs from 'node:fs';

/** RLIM_INFINITY. */
export const UNLIMITED = Number.POSITIVE_INFINITY;

export interface Rlimit {
  soft: number;
  hard: number;
}

const NAMES: Record<string, string> = {
  'Max cpu time': 'RLIMIT_CPU',
  'Max file size': 'RLIMIT_FSIZE',
  'Max data size': 'RLIMIT_DATA',
  'Max stack size': 'RLIMIT_STACK',
  'Max core file size': 'RLIMIT_CORE',
  'Max resident set': 'RLIMIT_RSS',
  'Max processes': 'RLIMIT_NPROC',
  'Max open files': 'RLIMIT_NOFILE',
  'Max locked memory': 'RLIMIT_MEMLOCK',
  'Max address space': 'RLIMIT_AS',
  'Max file locks': 'RLIMIT_LOCKS',
  'Max pending signals': 'RLIMIT_SIGPENDING',
  'Max msgqueue size': 'RLIMIT_MSGQUEUE',
  'Max nice priority': 'RLIMIT_NICE',
  'Max realtime priority': 'RLIMIT_RTPRIO',
  'Max realtime timeout': 'RLIMIT_RTTIME',
};

/** The OCI names by resource number (RLIMIT_CPU is 0): /proc/PID/limits lists them in that order. */
export const RLIMIT_TYPES: readonly string[] = Object.values(NAMES);

export function parseLimits(text: string): Record<string, Rlimit> {
  const out: Record<string, Rlimit> = {};
  const num = (s: string) => (s === 'unlimited' ? UNLIMITED : Number(s));
  for (const line of text.split('\n').slice(1)) {
    for (const [label, name] of Object.entries(NAMES)) {
      if (!line.startsWith(label + ' ')) continue;
      const fields = line.slice(label.length).trim().split(/\s+/);
      if (fields.length >= 2) out[name] = { soft: num(fields[0]), hard: num(fields[1]) };
    }
  }
  return out;
}

let cached: Record<string, Rlimit> | undefined;

/** The daemon's own limits (containers inherit through conmon and runc). */
export function hostRlimits(): Record<string, Rlimit> {
  if (!cached) {
    try {
      cached = parseLimits(fs.readFileSync('/proc/self/limits', 'utf8'));
    } catch {
      cached = {};
    }
  }
  return cached;
}

/** Clamp a requested limit to the host's hard limit (soft never above hard). */
export function clampRlimit(want: Rlimit, host: Rlimit | undefined): Rlimit {
  let hard = want.hard;
  if (host && hard > host.hard) hard = host.hard;
  let soft = Math.min(want.soft, hard);
  return { soft, hard };
}
