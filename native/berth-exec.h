// Shared by the exec helper's parts: berth-exec.c (spec, parent), exec-child.c (the process's
// set-up in the container), exec-seccomp.c (the profile compiled and cached, runc's ENOSYS stub).
#ifndef BERTH_EXEC_H
#define BERTH_EXEC_H
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXV 4096

struct spec {
  const char *pidfile, *log, *cwd, *keyring, *oom, *bpf, *profile;
  long initpid;
  unsigned long long start;
  int nnp;
  unsigned uid, gid;
  const char *ns[8];
  int nns;
  const char *cgroups[32];
  int ncg;
  unsigned groups[256];
  int ngroups;
  struct { int res; unsigned long long soft, hard; } rl[32];
  int nrl;
  unsigned long long cap[5]; // bounding effective permitted inheritable ambient
  char *args[MAXV];
  int nargs;
  char *env[MAXV];
  int nenv;
};

extern struct spec S;

/** Nothing was started: log why (runc's log format) and exit 3, the daemon runs runc instead. */
void fallback(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/** Go's words for an errno. */
const char *goerr(int e);
/** 0, or -1 with errno set: `data` written to the file at `path`. */
int write_file(const char *path, const char *data);

/** The BPF program for S (from the cache, compiled into it first if missing); NULL without seccomp. */
struct sock_filter *seccomp_program(unsigned short *len);

/** Run from a sealed copy of this binary (exec-sealed.c): returns when already running from one. */
void ensure_sealed(char **argv);
/** berth-exec --hold-sealed FD PROG ARGS...: see exec-sealed.c. */
int hold_sealed(int argc, char **argv);

/** The container's cgroups (exec-cgroup.c): their descriptors opened on the host, before any setns. */
void cgroups_open(void);
/** The process, born in the container's cgroup2 group when the kernel allows it (else a plain fork). */
pid_t cgroups_fork(void);
/** The child moves itself into each v1 hierarchy: 0, or an errno and the index of the cgroup. */
int cgroups_join_self(int *failed);
/** The parent writes the process's pid where the child could not go itself: 0, or -1 and msg. */
int cgroups_join_parent(char *msg, size_t sz, pid_t kid);
void cgroups_close(void);
/** runc's message for cgroup i that process kid could not join. */
void cgroups_failed(char *msg, size_t sz, pid_t kid, int i, int e);
/** What the child writes on its error pipe when it could not join a cgroup: the parent words it. */
#define CGROUP_FAILED "\001cgroup"

/** The child: joins the namespaces, waits for the parent's go, sets the process up, execs. */
void child(int gofd, int errfd, int *nsfds, int last_cap, struct sock_filter *prog, unsigned short prog_len) __attribute__((noreturn));
int nsflag(const char *t);

#endif
