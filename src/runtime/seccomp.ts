// Seccomp for containers: Berth's default profile (seccomp-default.ts), and Docker-format
// profiles given with --security-opt seccomp=PROFILE.json, both turned into the OCI spec's
// linux.seccomp.
import { defaultSeccomp, filterArches, goArch, kernelAtLeast, kernelVersion } from './seccomp-default.ts';

/** OCI linux.seccomp */
export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  syscalls?: OciSyscall[];
}
export interface OciSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: { index: number; value: number; valueTwo?: number; op: string }[];
}

export { defaultSeccomp };

/** Docker's profile format (as written for docker run --security-opt seccomp=FILE). */
interface DockerProfile {
  defaultAction?: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures?: string[] }[];
  syscalls?: {
    name?: string;
    names?: string[];
    action: string;
    errnoRet?: number;
    args?: { index: number; value: number; valueTwo?: number; op: string }[] | null;
    includes?: { caps?: string[]; arches?: string[]; minKernel?: string };
    excludes?: { caps?: string[]; arches?: string[]; minKernel?: string };
  }[];
}

/** Docker's "minKernel": "4.8" → [4, 8] */
function parseMinKernel(v: string): [number, number] {
  const m = /^(\d+)\.(\d+)$/.exec(v);
  if (!m) throw new Error(`decoding seccomp profile failed: invalid kernel version: ${v}`);
  return [Number(m[1]), Number(m[2])];
}

/** A Docker-format profile → OCI, with its includes/excludes (capabilities, architectures,
 * minimum kernel) resolved for this container and machine, as dockerd's setupSeccomp. */
export function dockerProfileToOci(text: string, caps: string[], nodeArch: string = process.arch, kernel: [number, number] = kernelVersion()): OciSeccomp {
  let p: DockerProfile;
  try {
    p = JSON.parse(text) as DockerProfile;
  } catch (e) {
    throw new Error(`decoding seccomp profile failed: ${(e as Error).message}`);
  }
  if (!p || typeof p !== 'object' || typeof p.defaultAction !== 'string') throw new Error('decoding seccomp profile failed: defaultAction is missing');
  if (p.architectures?.length && p.archMap?.length) throw new Error("both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'");
  const arch = goArch(nodeArch);
  let architectures = p.architectures ?? [];
  if (p.archMap?.length) {
    const native = filterArches(arch)[0];
    const mine = p.archMap.find((m) => m.architecture === native);
    architectures = mine ? [mine.architecture, ...(mine.subArchitectures ?? [])] : [];
  }
  const syscalls: OciSyscall[] = [];
  for (const s of p.syscalls ?? []) {
    if (s.name && s.names?.length) throw new Error("both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'");
    const inc = s.includes ?? {};
    const exc = s.excludes ?? {};
    if (exc.arches?.includes(arch)) continue;
    if (exc.caps?.some((c) => caps.includes(c))) continue;
    if (exc.minKernel && kernelAtLeast(kernel, parseMinKernel(exc.minKernel))) continue;
    if (inc.arches?.length && !inc.arches.includes(arch)) continue;
    if (inc.caps?.length && !inc.caps.every((c) => caps.includes(c))) continue;
    if (inc.minKernel && !kernelAtLeast(kernel, parseMinKernel(inc.minKernel))) continue;
    const names = s.names ?? (s.name ? [s.name] : []);
    if (!names.length) continue;
    const out: OciSyscall = { names, action: s.action };
    if (s.errnoRet !== undefined) out.errnoRet = s.errnoRet;
    if (s.args?.length) out.args = s.args;
    syscalls.push(out);
  }
  const res: OciSeccomp = { defaultAction: p.defaultAction, architectures, syscalls };
  if (p.defaultErrnoRet !== undefined) res.defaultErrnoRet = p.defaultErrnoRet;
  return res;
}

/** The container's seccomp from --privileged and --security-opt seccomp=..., or undefined for none. */
export function containerSeccomp(securityOpt: string[], privileged: boolean, caps: string[]): OciSeccomp | undefined {
  let profile: string | undefined;
  for (const o of securityOpt) {
    const i = o.search(/[=:]/);
    if (i < 0 || o.slice(0, i) !== 'seccomp') continue;
    profile = o.slice(i + 1);
  }
  if (profile === 'unconfined') return undefined;
  if (profile !== undefined && profile !== 'builtin' && profile !== '') return dockerProfileToOci(profile, caps);
  // Docker does not apply its default profile to privileged containers
  if (privileged) return undefined;
  return defaultFor(caps);
}

/** The default profile depends only on the capabilities (the host's kernel and arch do not change
 * under the daemon): made once per set (0.3 ms of every start otherwise), frozen as it is shared. */
const defaults = new Map<string, OciSeccomp>();
const MAX_DEFAULTS = 32;
function defaultFor(caps: string[]): OciSeccomp {
  const key = caps.join(',');
  let p = defaults.get(key);
  if (!p) {
    // (a copy: the profile may hold the module's own constant lists, which are not this cache's to freeze)
    p = deepFreeze(structuredClone(defaultSeccomp(caps)));
    if (defaults.size >= MAX_DEFAULTS) defaults.delete(defaults.keys().next().value!);
    defaults.set(key, p);
  }
  return p;
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
