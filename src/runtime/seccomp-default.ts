// Berth's default seccomp profile: an allow list with the decisions of current Docker's default
// profile. Anything not allowed here fails with EPERM, system calls newer than the profile with
// ENOSYS (runc answers those past the highest number the filter knows with ENOSYS, so that libc
// falls back to older calls). The calls that reach across the container boundary are allowed
// only with the capability that legitimately needs them; io_uring is not allowed at all (its
// submissions bypass seccomp); socket, personality and clone are allowed by argument.
// test/unit/runtime/seccomp-default.test.ts compares these decisions with Docker's profile.
import os from 'node:os';
import fs from 'node:fs';
import zlib from 'node:zlib';
import type { OciSeccomp, OciSyscall } from './seccomp.ts';

export const EPERM = 1;
export const ENOSYS = 38;

const words = (s: string) => s.trim().split(/\s+/);

/** Ordinary calls every container may make: files, memory, processes and threads, signals,
 * sockets once made, IPC, reading clocks, scheduling, 32-bit and time64 variants. */
const ALWAYS = words(`
  access faccessat faccessat2 chdir fchdir getcwd chmod fchmod fchmodat fchmodat2 chown chown32 fchown fchown32 fchownat lchown lchown32
  creat open openat openat2 close close_range dup dup2 dup3 fcntl fcntl64 flock umask
  read readv pread64 preadv preadv2 write writev pwrite64 pwritev pwritev2 lseek _llseek sendfile sendfile64 splice tee vmsplice copy_file_range
  stat stat64 fstat fstat64 lstat lstat64 fstatat64 newfstatat statx statfs statfs64 fstatfs fstatfs64 statmount listmount
  truncate truncate64 ftruncate ftruncate64 fallocate fadvise64 fadvise64_64 readahead fsync fdatasync sync syncfs sync_file_range
  getdents getdents64 link linkat symlink symlinkat unlink unlinkat rename renameat renameat2 mkdir mkdirat rmdir mknod mknodat readlink readlinkat
  utime utimes utimensat utimensat_time64 futimesat
  getxattr lgetxattr fgetxattr getxattrat setxattr lsetxattr fsetxattr setxattrat listxattr llistxattr flistxattr listxattrat removexattr lremovexattr fremovexattr removexattrat
  inotify_init inotify_init1 inotify_add_watch inotify_rm_watch fanotify_mark name_to_handle_at
  io_setup io_destroy io_submit io_cancel io_getevents io_pgetevents io_pgetevents_time64 ioctl ioprio_get ioprio_set
  brk mmap mmap2 munmap mremap mprotect madvise mincore msync mlock mlock2 mlockall munlock munlockall remap_file_pages membarrier memfd_create memfd_secret mseal map_shadow_stack cachestat
  pkey_alloc pkey_free pkey_mprotect
  execve execveat fork vfork exit exit_group wait4 waitid waitpid getpid getppid gettid getpgid getpgrp getsid setpgid setsid set_tid_address
  getuid getuid32 geteuid geteuid32 getgid getgid32 getegid getegid32 getresuid getresuid32 getresgid getresgid32 getgroups getgroups32
  setuid setuid32 setgid setgid32 setreuid setreuid32 setregid setregid32 setresuid setresuid32 setresgid setresgid32 setgroups setgroups32 setfsuid setfsuid32 setfsgid setfsgid32
  capget capset prctl seccomp landlock_create_ruleset landlock_add_rule landlock_restrict_self
  getrlimit ugetrlimit setrlimit prlimit64 getrusage getpriority setpriority times sysinfo uname getcpu getrandom
  set_robust_list get_robust_list futex futex_time64 futex_waitv futex_wait futex_wake futex_requeue rseq restart_syscall
  get_thread_area set_thread_area
  kill tkill tgkill rt_sigaction rt_sigprocmask rt_sigpending rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64 rt_sigqueueinfo rt_tgsigqueueinfo rt_sigreturn
  sigaltstack sigprocmask sigreturn signalfd signalfd4 pause pidfd_open pidfd_send_signal process_mrelease
  poll ppoll ppoll_time64 select _newselect pselect6 pselect6_time64 epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_wait epoll_wait_old epoll_pwait epoll_pwait2
  eventfd eventfd2 pipe pipe2 timerfd_create timerfd_settime timerfd_settime64 timerfd_gettime timerfd_gettime64
  socketcall socketpair bind connect listen accept accept4 getsockname getpeername getsockopt setsockopt shutdown
  send sendto sendmsg sendmmsg recv recvfrom recvmsg recvmmsg recvmmsg_time64
  ipc msgget msgsnd msgrcv msgctl semget semop semctl semtimedop semtimedop_time64 shmget shmat shmdt shmctl
  mq_open mq_unlink mq_timedsend mq_timedsend_time64 mq_timedreceive mq_timedreceive_time64 mq_notify mq_getsetattr
  time gettimeofday clock_gettime clock_gettime64 clock_getres clock_getres_time64 clock_nanosleep clock_nanosleep_time64 nanosleep alarm
  getitimer setitimer timer_create timer_delete timer_settime timer_settime64 timer_gettime timer_gettime64 timer_getoverrun
  adjtimex clock_adjtime clock_adjtime64
  sched_yield sched_getaffinity sched_setaffinity sched_getattr sched_setattr sched_getparam sched_setparam sched_getscheduler sched_setscheduler
  sched_get_priority_max sched_get_priority_min sched_rr_get_interval sched_rr_get_interval_time64
  riscv_hwprobe uretprobe
`);

/** Calls allowed once the kernel handles them safely inside a container (Docker's minKernel). */
const FROM_KERNEL: { kernel: [number, number]; names: string[] }[] = [
  // ptrace and cross-process memory access respect the seccomp filter of the tracee from 4.8 on
  { kernel: [4, 8], names: ['ptrace', 'process_vm_readv', 'process_vm_writev'] },
];

/** Calls that exist on some architectures only (Go's names, as Docker's `arches`). */
const BY_ARCH: { arches: string[]; names: string[] }[] = [
  { arches: ['ppc64le'], names: ['sync_file_range2', 'swapcontext'] },
  { arches: ['arm', 'arm64'], names: ['arm_fadvise64_64', 'arm_sync_file_range', 'sync_file_range2', 'breakpoint', 'cacheflush', 'set_tls'] },
  { arches: ['amd64', 'x32'], names: ['arch_prctl'] },
  { arches: ['amd64', 'x32', 'x86'], names: ['modify_ldt'] },
  { arches: ['s390', 's390x'], names: ['s390_pci_mmio_read', 's390_pci_mmio_write', 's390_runtime_instr'] },
  { arches: ['riscv64'], names: ['riscv_flush_icache'] },
];

/** Calls a capability makes legitimate: allowed when the container holds it. */
const WITH_CAPABILITY: Record<string, string[]> = {
  CAP_SYS_ADMIN: words(`
    mount umount umount2 mount_setattr move_mount open_tree fsopen fsconfig fsmount fspick
    unshare setns clone clone3 sethostname setdomainname quotactl quotactl_fd
    bpf perf_event_open syslog fanotify_init lookup_dcookie lsm_get_self_attr lsm_set_self_attr lsm_list_modules`),
  CAP_DAC_READ_SEARCH: ['open_by_handle_at'],
  CAP_SYS_BOOT: ['reboot'],
  CAP_SYS_CHROOT: ['chroot'],
  CAP_SYS_MODULE: ['init_module', 'finit_module', 'delete_module'],
  CAP_SYS_PACCT: ['acct'],
  CAP_SYS_PTRACE: ['ptrace', 'process_vm_readv', 'process_vm_writev', 'process_madvise', 'pidfd_getfd', 'kcmp'],
  CAP_SYS_RAWIO: ['iopl', 'ioperm'],
  CAP_SYS_TIME: ['settimeofday', 'stime', 'clock_settime', 'clock_settime64'],
  CAP_SYS_TTY_CONFIG: ['vhangup'],
  CAP_SYS_NICE: ['get_mempolicy', 'set_mempolicy', 'set_mempolicy_home_node', 'mbind'],
  CAP_SYSLOG: ['syslog'],
  CAP_BPF: ['bpf'],
  CAP_PERFMON: ['perf_event_open'],
};

/** socket(2) families refused: the kernel crypto API (AF_ALG) and host-guest sockets (AF_VSOCK). */
const REFUSED_SOCKET_FAMILIES = [38, 40];

/** personality(2) values allowed: PER_LINUX, PER_LINUX32 (linux32), UNAME26 with either, and
 * 0xffffffff, which only queries. READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE and the like are refused. */
const PER_LINUX = 0x0;
const PER_LINUX32 = 0x8;
const UNAME26 = 0x0020000;
const PERSONALITY_QUERY = 0xffffffff;
const ALLOWED_PERSONALITIES = [PER_LINUX, PER_LINUX32, UNAME26, UNAME26 | PER_LINUX32, PERSONALITY_QUERY];

/** clone(2) flags that make namespaces: without CAP_SYS_ADMIN clone is allowed only without them. */
const CLONE_NAMESPACE_FLAGS =
  0x00020000 /* NEWNS */ | 0x02000000 /* NEWCGROUP */ | 0x04000000 /* NEWUTS */ | 0x08000000 /* NEWIPC */ | 0x10000000 /* NEWUSER */ | 0x20000000 /* NEWPID */ | 0x40000000; /* NEWNET */

/** Node's process.arch → Go's GOARCH, the names architecture rules use. */
const GO_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', s390x: 's390x', ppc64: 'ppc64le', riscv64: 'riscv64', loong64: 'loong64', mips64el: 'mips64le' };
/** Go's GOARCH → the seccomp architectures a filter covers (native first, then its compat ones). */
const FILTER_ARCHES: Record<string, string[]> = {
  amd64: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
  arm64: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
  s390x: ['SCMP_ARCH_S390X', 'SCMP_ARCH_S390'],
  riscv64: ['SCMP_ARCH_RISCV64'],
  mips64le: ['SCMP_ARCH_MIPSEL64', 'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64N32'],
};

/** Go's name of the architecture (amd64, arm64, s390x...) for Node's process.arch. */
export function goArch(nodeArch: string = process.arch): string {
  return GO_ARCH[nodeArch] ?? nodeArch;
}

/** The seccomp architectures a filter for this machine lists. x32 only where the kernel runs x32
 * programs: runc compiles the filter into every container and exec process, and each architecture
 * listed costs there (x32 about a quarter of `docker run`'s runc time); a kernel built without
 * CONFIG_X86_X32_ABI refuses x32 system calls before they could do anything. */
export function filterArches(go: string, x32: boolean = kernelRunsX32()): string[] {
  const arches = FILTER_ARCHES[go] ?? [];
  return x32 ? arches : arches.filter((a) => a !== 'SCMP_ARCH_X32');
}

let x32Cache: boolean | undefined;
/** Whether this kernel was built with the x32 ABI: from its configuration (/proc/config.gz or
 * /boot/config-RELEASE), else its symbols; true (cover x32, as Docker does) when it cannot tell. */
export function kernelRunsX32(): boolean {
  if (x32Cache !== undefined) return x32Cache;
  if (process.arch !== 'x64') return (x32Cache = false);
  const config = (() => {
    try {
      return zlib.gunzipSync(fs.readFileSync('/proc/config.gz')).toString('latin1');
    } catch {}
    try {
      return fs.readFileSync(`/boot/config-${os.release()}`, 'latin1');
    } catch {}
    return undefined;
  })();
  if (config !== undefined) return (x32Cache = /^CONFIG_X86_X32_ABI=y$/m.test(config));
  try {
    const syms = fs.readFileSync('/proc/kallsyms', 'latin1');
    // the x32 system call table (x32_sys_call on 6.9+, x32_sys_call_table before)
    return (x32Cache = / x32_sys_call(_table)?$/m.test(syms));
  } catch {
    return (x32Cache = true);
  }
}

/** "6.1.0-18-amd64" → [6, 1] */
export function kernelVersion(release: string = os.release()): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

export function kernelAtLeast(have: [number, number], want: [number, number]): boolean {
  return have[0] > want[0] || (have[0] === want[0] && have[1] >= want[1]);
}

/** The default profile for a container holding `caps` (its bounding set), as OCI linux.seccomp. */
export function defaultSeccomp(caps: string[], nodeArch: string = process.arch, kernel: [number, number] = kernelVersion(), x32: boolean = kernelRunsX32()): OciSeccomp {
  const arch = goArch(nodeArch);
  const allowed = new Set(ALWAYS);
  for (const k of FROM_KERNEL) if (kernelAtLeast(kernel, k.kernel)) for (const n of k.names) allowed.add(n);
  for (const a of BY_ARCH) if (a.arches.includes(arch)) for (const n of a.names) allowed.add(n);
  for (const [cap, names] of Object.entries(WITH_CAPABILITY)) if (caps.includes(cap)) for (const n of names) allowed.add(n);

  const ALLOW = 'SCMP_ACT_ALLOW';
  const syscalls: OciSyscall[] = [{ names: [...allowed].sort(), action: ALLOW }];
  // socket: every family below, between and above the refused ones
  const [alg, vsock] = REFUSED_SOCKET_FAMILIES as [number, number];
  syscalls.push(
    { names: ['socket'], action: ALLOW, args: [{ index: 0, value: alg, op: 'SCMP_CMP_LT' }] },
    ...Array.from({ length: vsock - alg - 1 }, (_, i) => ({ names: ['socket'], action: ALLOW, args: [{ index: 0, value: alg + 1 + i, op: 'SCMP_CMP_EQ' }] })),
    { names: ['socket'], action: ALLOW, args: [{ index: 0, value: vsock, op: 'SCMP_CMP_GT' }] },
  );
  for (const v of ALLOWED_PERSONALITIES) syscalls.push({ names: ['personality'], action: ALLOW, args: [{ index: 0, value: v, op: 'SCMP_CMP_EQ' }] });
  if (!caps.includes('CAP_SYS_ADMIN')) {
    // the flags are clone's first argument, its second on s390 where the first two are swapped
    const index = arch === 's390' || arch === 's390x' ? 1 : 0;
    syscalls.push({ names: ['clone'], action: ALLOW, args: [{ index, value: CLONE_NAMESPACE_FLAGS, op: 'SCMP_CMP_MASKED_EQ' }] });
    // clone3 passes its flags in memory seccomp cannot read: ENOSYS makes libc fall back to clone
    syscalls.push({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS });
  }
  return { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: EPERM, architectures: filterArches(arch, x32), syscalls };
}
