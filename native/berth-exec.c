// berth-exec: one process started in a running runc container, as `runc exec` (runc 1.1) starts it
// for an exec without a terminal, without runc's two Go processes and its per-exec seccomp compile.
//
// Usage: berth-exec SPEC. SPEC holds NUL-terminated key/value pairs written by the daemon
// (src/runtime/fast-exec.ts); the daemon decides beforehand that nothing in the exec needs more than
// what is done here (no user namespace, no LSM label, no terminal...), else runc runs it.
//
// The steps and their order are runc's (libcontainer/process_linux.go setnsProcess.start,
// nsenter/nsexec.c, setns_init_linux.go, init_linux.go finalizeNamespace/setupUser):
//   parent (stays on the host): oom_score_adj, non-dumpable, setns(pid), fork (the child into every
//     cgroup of the container's init: exec-cgroup.c), its rlimits; then it lets the child go, waits for its
//     exec (its sync pipe closes) or its error, writes the pid file, forwards signals and exits with
//     the process's status (128+n when killed by signal n), as runc does.
//   child: setns ipc, uts, net, mnt, cgroup; waits; setsid; fds >= 3 closed; session keyring;
//     no_new_privs; seccomp (here when no_new_privs is off); chdir; bounding set; keepcaps; stdio
//     owner, groups, gid, uid, HOME; chdir again if it was refused; caps; seccomp (when NNP is on);
//     PATH lookup; execve with exactly the spec's environment.
// Exit status 3 with a log line carrying "berth-fallback" means nothing was started: the daemon
// runs the exec through runc instead. The helper is in five parts: this file, exec-child.c,
// exec-cgroup.c, exec-seccomp.c and exec-sealed.c (berth-exec.h).
#include "berth-exec.h"

struct spec S;
static const char *logpath;

// ---- errors ------------------------------------------------------------------------------------

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c < 0x20) fprintf(f, "\\u%04x", c);
    else fputc(c, f);
  }
  fputc('"', f);
}

/** The message where runc puts its own (a JSON log line), then exit: 3 = fall back to runc. */
__attribute__((noreturn)) static void die_log(int code, const char *msg) {
  if (logpath) {
    FILE *f = fopen(logpath, "ae");
    if (f) {
      char ts[64];
      time_t now = time(NULL);
      strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
      fputs("{\"level\":\"error\",\"msg\":", f);
      json_str(f, msg);
      fprintf(f, ",\"time\":\"%s\"%s}\n", ts, code == 3 ? ",\"berth-fallback\":true" : "");
      fclose(f);
    }
  }
  fprintf(stderr, "%s\n", msg); // (runc prints its fatal error there too)
  exit(code);
}

void fallback(const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  die_log(3, buf);
}

/** Go's words for an errno (its table is glibc's, lower-cased). */
const char *goerr(int e) {
  static char b[128];
  snprintf(b, sizeof b, "%s", strerror(e));
  if (b[0] >= 'A' && b[0] <= 'Z' && !(b[1] >= 'A' && b[1] <= 'Z')) b[0] += 'a' - 'A';
  return b;
}

// ---- the spec ----------------------------------------------------------------------------------

static unsigned long long num(const char *s) { return strtoull(s, NULL, 10); }

/** The spec: its length in decimal and a newline, then the pairs (it may come through a fifo the
 * daemon holds open: no end of file to wait for). */
static void read_spec(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) fallback("open %s: %s", path, goerr(errno));
  size_t len = 0;
  for (;;) {
    char c;
    ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n != 1) fallback("read %s: no length", path);
    if (c == '\n') break;
    if (c < '0' || c > '9' || len > (1 << 26)) fallback("read %s: bad length", path);
    len = len * 10 + (c - '0');
  }
  char *buf = malloc(len + 1);
  if (!buf) fallback("read %s: %s", path, goerr(errno));
  for (size_t got = 0; got < len;) {
    ssize_t n = read(fd, buf + got, len - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fallback("read %s: short spec", path);
    got += n;
  }
  close(fd);
  buf[len] = 0;
  for (size_t i = 0; i < len;) {
    char *k = buf + i;
    i += strlen(k) + 1;
    if (i >= len + 1) break;
    char *v = buf + i;
    i += strlen(v) + 1;
    if (!strcmp(k, "pidfile")) S.pidfile = v;
    else if (!strcmp(k, "log")) S.log = logpath = v;
    else if (!strcmp(k, "initpid")) S.initpid = (long)num(v);
    else if (!strcmp(k, "start")) S.start = num(v);
    else if (!strcmp(k, "ns")) {
      if (S.nns == 8) fallback("too many namespaces");
      S.ns[S.nns++] = v;
    }
    else if (!strcmp(k, "cgroup")) {
      if (S.ncg == 32) fallback("too many cgroups");
      S.cgroups[S.ncg++] = v;
    }
    else if (!strcmp(k, "rlimit")) {
      if (S.nrl == 32) fallback("too many rlimits");
      char *e;
      S.rl[S.nrl].res = (int)strtol(v, &e, 10);
      S.rl[S.nrl].soft = strtoull(e, &e, 10);
      S.rl[S.nrl].hard = strtoull(e, &e, 10);
      S.nrl++;
    } else if (!strcmp(k, "oom")) S.oom = v;
    else if (!strcmp(k, "keyring")) S.keyring = v;
    else if (!strcmp(k, "nnp")) S.nnp = v[0] == '1';
    else if (!strcmp(k, "uid")) S.uid = (unsigned)num(v);
    else if (!strcmp(k, "gid")) S.gid = (unsigned)num(v);
    else if (!strcmp(k, "group")) {
      if (S.ngroups == 256) fallback("too many groups");
      S.groups[S.ngroups++] = (unsigned)num(v);
    }
    else if (!strncmp(k, "cap", 3) && k[3] >= '0' && k[3] <= '4') S.cap[k[3] - '0'] = num(v);
    else if (!strcmp(k, "cwd")) S.cwd = v;
    else if (!strcmp(k, "arg")) {
      if (S.nargs == MAXV - 1) fallback("too many arguments");
      S.args[S.nargs++] = v;
    }
    else if (!strcmp(k, "env")) {
      if (S.nenv == MAXV - 2) fallback("too many variables");
      S.env[S.nenv++] = v;
    }
    else if (!strcmp(k, "bpf")) S.bpf = v;
    else if (!strcmp(k, "seccomp")) S.profile = v;
    else fallback("unknown spec key %s", k);
  }
  if (!S.pidfile || !S.initpid || !S.nargs || !S.cwd) fallback("incomplete spec");
}

// ---- the parent --------------------------------------------------------------------------------

static pid_t kid;

static void forward(int sig) {
  if (kid > 0) kill(kid, sig);
}

static unsigned long long start_time(long pid) {
  char p[64], buf[4096];
  snprintf(p, sizeof p, "/proc/%ld/stat", pid);
  int fd = open(p, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  char *s = strrchr(buf, ')');
  if (!s) return 0;
  // fields after the comm: state is field 3; starttime is field 22
  int field = 2;
  for (; *s && field < 22; s++)
    if (*s == ' ') field++;
  return strtoull(s, NULL, 10);
}

/** 0, or errno set. */
int write_file(const char *path, const char *data) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, data, strlen(data));
  int e = errno;
  close(fd);
  errno = e;
  return n < 0 ? -1 : 0;
}

/** "DIR/.NAME" for the file DIR/NAME, or with `dir`, "dir/.NAME". */
static void dotted(char *out, size_t sz, const char *path, const char *dir) {
  const char *slash = strrchr(path, '/');
  const char *name = slash ? slash + 1 : path;
  if (dir) snprintf(out, sz, "%s/.%s", dir, name);
  else snprintf(out, sz, "%.*s.%s", slash ? (int)(slash - path + 1) : 0, path, name);
}

/** The pid file, written whole under another name and renamed into place, as runc does. That name is
 * in the spec's directory (the daemon's spawner directory when the spec came through its fifo)
 * rather than beside the pid file: the daemon watches the pid file's directory, and a file made
 * there wakes it, which then runs in our place, before the pid is in (2-3 ms under load, measured).
 * Another filesystem there (EXDEV): beside the pid file. */
static void write_pidfile(const char *spec, pid_t pid) {
  char num[32], tmp[4200], dir[4096];
  int n = snprintf(num, sizeof num, "%d", pid);
  const char *slash = strrchr(spec, '/');
  snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - spec) : 1, slash ? spec : ".");
  for (int beside = 0; beside < 2; beside++) {
    dotted(tmp, sizeof tmp, S.pidfile, beside ? NULL : dir);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) continue;
    if (write(fd, num, n) < 0) {}
    close(fd);
    if (!rename(tmp, S.pidfile)) return;
    unlink(tmp);
  }
}

static int errpipe = -1;

/** The exec failed after its process was forked: the process is killed, and the message logged is
 * the process's own error when it had reported one (the real cause), else `msg`. */
__attribute__((noreturn)) static void kill_and_die(char *msg, size_t sz) {
  kill(kid, SIGKILL);
  while (waitpid(kid, NULL, 0) < 0 && errno == EINTR) {}
  char child[4096];
  ssize_t n = errpipe < 0 ? 0 : read(errpipe, child, sizeof child - 1);
  if (n > 0) {
    child[n] = 0;
    snprintf(msg, sz, "exec failed: unable to start container process: %s", child);
  }
  die_log(1, msg);
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "--hold-sealed")) return hold_sealed(argc, argv);
  if (argc != 2) {
    fprintf(stderr, "usage: berth-exec SPEC\n");
    return 2;
  }
  ensure_sealed(argv);
  read_spec(argv[1]);
  if (start_time(S.initpid) != S.start) die_log(1, "cannot exec in a stopped container");
  int last_cap = 40;
  {
    int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
    char b[16] = "";
    if (fd >= 0 && read(fd, b, sizeof b - 1) > 0) last_cap = atoi(b);
    if (fd >= 0) close(fd);
  }
  unsigned short prog_len = 0;
  struct sock_filter *prog = seccomp_program(&prog_len);
  int nsfds[8], pidns = -1;
  for (int i = 0; i < S.nns; i++) {
    char p[128];
    snprintf(p, sizeof p, "/proc/%ld/ns/%s", S.initpid, S.ns[i]);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die_log(1, "cannot exec in a stopped container");
    if (nsflag(S.ns[i]) < 0) fallback("namespace %s", S.ns[i]);
    if (!strcmp(S.ns[i], "pid")) {
      pidns = fd;
      nsfds[i] = -1;
    } else nsfds[i] = fd;
  }
  // (the init may have gone and its pid been reused while we opened its namespaces)
  if (start_time(S.initpid) != S.start) die_log(1, "cannot exec in a stopped container");
  if (S.oom) {
    if (write_file("/proc/self/oom_score_adj", S.oom)) fallback("failed to update /proc/self/oom_score_adj: %s", goerr(errno));
  }
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)) fallback("failed to set process as non-dumpable");
  int gop[2], errp[2];
  if (pipe2(gop, O_CLOEXEC) || pipe2(errp, O_CLOEXEC)) fallback("pipe: %s", goerr(errno));
  cgroups_open();
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &old);
  if (pidns >= 0 && setns(pidns, CLONE_NEWPID)) fallback("failed to setns into pid namespace: %s", goerr(errno));
  if (pidns >= 0) close(pidns);
  kid = cgroups_fork();
  if (kid < 0) fallback("fork: %s", goerr(errno));
  if (kid == 0) {
    for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
    close(gop[1]);
    close(errp[0]);
    child(gop[0], errp[1], nsfds, last_cap, prog, prog_len);
  }
  close(gop[0]);
  close(errp[1]);
  errpipe = errp[0];
  for (int i = 0; i < S.nns; i++)
    if (nsfds[i] >= 0) close(nsfds[i]);
  char msg[8192];
  if (cgroups_join_parent(msg, sizeof msg, kid)) kill_and_die(msg, sizeof msg);
  cgroups_close();
  for (int i = 0; i < S.nrl; i++) {
    struct rlimit r = {S.rl[i].soft, S.rl[i].hard};
    if (prlimit(kid, S.rl[i].res, &r, NULL)) {
      snprintf(msg, sizeof msg, "exec failed: error setting rlimits for process: error setting rlimit type %d: %s", S.rl[i].res, goerr(errno));
      kill_and_die(msg, sizeof msg);
    }
  }
  // (a child that failed already is gone: its message follows on the error pipe)
  if (write(gop[1], "g", 1) != 1 && errno != EPIPE) fallback("sync: %s", goerr(errno));
  close(gop[1]);
  // forward what we are sent, as runc does (not SIGCHLD, not SIGWINCH: no terminal)
  struct sigaction sa = {0};
  sa.sa_handler = forward;
  sa.sa_flags = SA_RESTART;
  for (int s = 1; s < NSIG; s++)
    if (s != SIGCHLD && s != SIGWINCH && s != SIGKILL && s != SIGSTOP) sigaction(s, &sa, NULL);
  sigprocmask(SIG_SETMASK, &old, NULL);
  size_t got = 0;
  for (;;) {
    ssize_t n = read(errp[0], msg + got, sizeof msg - 1 - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += n;
  }
  msg[got] = 0;
  close(errp[0]);
  int status = 0;
  if (got) {
    while (waitpid(kid, &status, 0) < 0 && errno == EINTR) {}
    char full[8300];
    int cg, e;
    if (sscanf(msg, CGROUP_FAILED " %d %d", &cg, &e) == 2) cgroups_failed(full, sizeof full, kid, cg, e);
    else snprintf(full, sizeof full, "exec failed: unable to start container process: %s", msg);
    die_log(1, full);
  }
  // running
  write_pidfile(argv[1], kid);
  while (waitpid(kid, &status, 0) < 0 && errno == EINTR) {}
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}
