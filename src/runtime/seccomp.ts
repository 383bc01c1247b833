// Seccomp for containers: Berth's default profile, and Docker-format profiles given with
// --security-opt seccomp=PROFILE.json, both turned into the OCI spec's linux.seccomp.
//
// The default profile has the effect of Docker's: the system calls that reach across the
// container boundary (kernel modules, reboot, clocks, keyrings, mounts and new namespaces, bpf,
// perf, ...) fail with EPERM unless the container holds the capability that legitimately needs
// them. It is written as a short deny list rather than Docker's long allow list: the same calls
// are refused, and new harmless system calls keep working without a profile update.

/** OCI linux.seccomp */
export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  syscalls?: OciSyscall[];
}
interface OciSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: { index: number; value: number; valueTwo?: number; op: string }[];
}

const EPERM = 1;
const ENOSYS = 38;

const ARCHES: Record<string, string[]> = {
  x64: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
  arm64: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
  arm: ['SCMP_ARCH_ARM'],
  s390x: ['SCMP_ARCH_S390X', 'SCMP_ARCH_S390'],
  ppc64: ['SCMP_ARCH_PPC64LE'],
};

/** System calls refused unless the container has one of the listed capabilities (none: always). */
const GUARDED: [string[], string[]][] = [
  [[], ['add_key', 'keyctl', 'request_key', 'lookup_dcookie', 'nfsservctl', 'uselib', 'ustat', 'sysfs', '_sysctl', 'vm86', 'vm86old', 'create_module', 'get_kernel_syms', 'query_module', 'userfaultfd', 'kexec_file_load', 'kexec_load', 'open_by_handle_at', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'move_mount', 'open_tree', 'mount_setattr', 'quotactl_fd']],
  [['CAP_SYS_ADMIN'], ['mount', 'umount', 'umount2', 'pivot_root', 'unshare', 'setns', 'swapon', 'swapoff', 'quotactl', 'name_to_handle_at', 'fanotify_init']],
  [['CAP_SYS_BOOT'], ['reboot']],
  [['CAP_SYS_MODULE'], ['init_module', 'finit_module', 'delete_module']],
  [['CAP_SYS_TIME'], ['settimeofday', 'stime', 'clock_settime', 'clock_settime64', 'adjtimex', 'clock_adjtime', 'clock_adjtime64']],
  [['CAP_SYS_PACCT'], ['acct']],
  [['CAP_SYS_RAWIO'], ['iopl', 'ioperm']],
  [['CAP_SYS_PTRACE'], ['kcmp', 'process_madvise', 'pidfd_getfd']],
  [['CAP_SYS_NICE'], ['move_pages', 'migrate_pages', 'get_mempolicy', 'mbind', 'set_mempolicy']],
  [['CAP_SYSLOG', 'CAP_SYS_ADMIN'], ['syslog']],
  [['CAP_BPF', 'CAP_SYS_ADMIN'], ['bpf']],
  [['CAP_PERFMON', 'CAP_SYS_ADMIN'], ['perf_event_open']],
];

/** clone(2) flags that create namespaces: refused without CAP_SYS_ADMIN, as `unshare` is. */
const CLONE_NS_FLAGS = [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000];

export function defaultSeccomp(caps: string[], arch: string = process.arch): OciSeccomp {
  const has = (list: string[]) => list.some((c) => caps.includes(c));
  const syscalls: OciSyscall[] = [];
  const denied = GUARDED.filter(([needs]) => needs.length === 0 || !has(needs)).flatMap(([, names]) => names);
  syscalls.push({ names: [...new Set(denied)].sort(), action: 'SCMP_ACT_ERRNO', errnoRet: EPERM });
  if (!caps.includes('CAP_SYS_ADMIN')) {
    // clone's flags are its first argument, except on s390 where the first two are swapped
    const index = arch === 's390x' ? 1 : 0;
    for (const flag of CLONE_NS_FLAGS) syscalls.push({ names: ['clone'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM, args: [{ index, value: flag, valueTwo: flag, op: 'SCMP_CMP_MASKED_EQ' }] });
    // clone3 passes its flags in memory seccomp cannot read: ENOSYS makes libc fall back to clone
    syscalls.push({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS });
  }
  // (Docker's allow list also limits personality(2) to five values; a deny list cannot say "none of
  // these": libseccomp does not AND two comparisons of the same argument, so that stays open here.)
  return { defaultAction: 'SCMP_ACT_ALLOW', architectures: ARCHES[arch] ?? [], syscalls };
}

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
    includes?: { caps?: string[]; arches?: string[] };
    excludes?: { caps?: string[]; arches?: string[] };
  }[];
}

/** A Docker-format profile → OCI, with its includes/excludes resolved for these capabilities. */
export function dockerProfileToOci(text: string, caps: string[], arch: string = process.arch): OciSeccomp {
  let p: DockerProfile;
  try {
    p = JSON.parse(text) as DockerProfile;
  } catch (e) {
    throw new Error(`decoding seccomp profile failed: ${(e as Error).message}`);
  }
  if (!p || typeof p !== 'object' || typeof p.defaultAction !== 'string') throw new Error('decoding seccomp profile failed: defaultAction is missing');
  const native = ARCHES[arch] ?? [];
  let architectures = p.architectures ?? [];
  if (p.archMap?.length) {
    const mine = p.archMap.find((m) => m.architecture === native[0]);
    architectures = mine ? [mine.architecture, ...(mine.subArchitectures ?? [])] : [];
  }
  const myArch = (native[0] ?? '').replace('SCMP_ARCH_', '').toLowerCase().replace('x86_64', 'amd64');
  const syscalls: OciSyscall[] = [];
  for (const s of p.syscalls ?? []) {
    const inc = s.includes ?? {};
    const exc = s.excludes ?? {};
    if (inc.caps?.length && !inc.caps.every((c) => caps.includes(c))) continue;
    if (exc.caps?.some((c) => caps.includes(c))) continue;
    if (inc.arches?.length && !inc.arches.includes(myArch)) continue;
    if (exc.arches?.includes(myArch)) continue;
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
  return defaultSeccomp(caps);
}
