// The exec's process into every cgroup of the container, without the global lock that a migration by
// pid takes (see berth-exec.c for the rest of the helper).
//
// runc's parent writes the process's pid into cgroup.procs of each hierarchy. In the kernel, such a
// write (kernel/cgroup/cgroup.c, cgroup_procs_write_start(): `*threadgroup_locked = pid || threadgroup`)
// takes cgroup_threadgroup_rwsem for writing (cgroup_attach_lock(), percpu_down_write()), and unless
// cgroup2 is mounted with favordynmods (not the default) that waits for an RCU grace period: 6.5 ms on
// average and 13.6 ms at worst per exec, measured on a 2-core VM with cgroup v1 (the first write pays
// it). The same function skips the lock for a single thread that moves itself ("If the thread is
// `current`, it won't exit(2) under our hands..."), and a fork takes its read side only. So:
//   - cgroup2: the process is born in the container's cgroup, clone3(CLONE_INTO_CGROUP) with a
//     descriptor of its directory (cgroup_css_set_fork() → cgroup_threadgroup_change_begin(), a read);
//   - each v1 hierarchy: the child, still single-threaded, writes "0" (itself) to its `tasks` file,
//     through a descriptor the parent opened on the host before any setns, as early as it can.
// When clone3 or CLONE_INTO_CGROUP is missing (kernel < 5.7: ENOSYS, E2BIG, EINVAL) or refuses (a
// full pids.max: EAGAIN, which a migration does not check, so runc's exec gets in), the process is
// forked and the parent writes its pid into cgroup.procs as runc does. A hierarchy whose files
// cannot be opened beforehand is written by the parent too: its error is then runc's, with the pid.
// No cgroup is ever skipped; every error is runc's "error adding pid N to cgroups: write PATH: ERR".
#include "berth-exec.h"
#include <sys/statfs.h>

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/** The kernel's struct clone_args up to `cgroup` (CLONE_ARGS_SIZE_VER2). */
struct clone3_args {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

/** How each of S.cgroups is joined. */
enum how { BY_PARENT, BY_CLONE, BY_SELF };
static enum how how[32];
/** the v1 `tasks` descriptors (BY_SELF), the cgroup2 directory (BY_CLONE, one at most) */
static int fds[32];
static int v2 = -1;

void cgroups_open(void) {
  for (int i = 0; i < S.ncg; i++) {
    how[i] = BY_PARENT;
    char p[4200];
    // (a v1 hierarchy has a tasks file, cgroup2 has none)
    snprintf(p, sizeof p, "%s/tasks", S.cgroups[i]);
    if ((fds[i] = open(p, O_WRONLY | O_CLOEXEC)) >= 0) {
      how[i] = BY_SELF;
      continue;
    }
    if (v2 >= 0 || (fds[i] = open(S.cgroups[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) continue;
    struct statfs sf;
    if (fstatfs(fds[i], &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC) {
      v2 = i;
      how[i] = BY_CLONE;
    } else {
      close(fds[i]);
      fds[i] = -1;
    }
  }
}

pid_t cgroups_fork(void) {
  if (v2 >= 0) {
    struct clone3_args a = {.flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)fds[v2]};
    long pid = syscall(SYS_clone3, &a, sizeof a);
    if (pid >= 0) return (pid_t)pid;
    // (not there, or refused: the parent writes its pid, as runc does)
    how[v2] = BY_PARENT;
  }
  return fork();
}

void cgroups_close(void) {
  for (int i = 0; i < S.ncg; i++)
    if (fds[i] >= 0) close(fds[i]);
}

void cgroups_failed(char *msg, size_t sz, pid_t kid, int i, int e) {
  snprintf(msg, sz, "exec failed: error adding pid %d to cgroups: write %s/cgroup.procs: %s", kid, i >= 0 && i < S.ncg ? S.cgroups[i] : "", goerr(e));
}

int cgroups_join_self(int *failed) {
  for (int i = 0; i < S.ncg; i++) {
    if (how[i] != BY_SELF) continue;
    if (write(fds[i], "0", 1) != 1) {
      *failed = i;
      return errno ? errno : EIO;
    }
  }
  cgroups_close();
  return 0;
}

int cgroups_join_parent(char *msg, size_t sz, pid_t kid) {
  char pid[32];
  snprintf(pid, sizeof pid, "%d", kid);
  for (int i = 0; i < S.ncg; i++) {
    if (how[i] != BY_PARENT) continue;
    char p[4200];
    snprintf(p, sizeof p, "%s/cgroup.procs", S.cgroups[i]);
    if (write_file(p, pid)) {
      cgroups_failed(msg, sz, kid, i, errno);
      return -1;
    }
  }
  return 0;
}
