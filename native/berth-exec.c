// berth-exec: one process started in a running runc container, as `runc exec` (runc 1.1) starts it
// for an exec without a terminal, without runc's two Go processes and its per-exec seccomp compile.
//
// Usage: berth-exec SPEC. SPEC holds NUL-terminated key/value pairs written by the daemon
// (src/runtime/fast-exec.ts); the daemon decides beforehand that nothing in the exec needs more than
// what is done here (no user namespace, no LSM label, no terminal...), else runc runs it.
//
// The steps and their order are runc's (libcontainer/process_linux.go setnsProcess.start,
// nsenter/nsexec.c, setns_init_linux.go, init_linux.go finalizeNamespace/setupUser):
//   parent (stays on the host): oom_score_adj, non-dumpable, setns(pid), fork; the child's pid into
//     every cgroup of the container's init, its rlimits; then it lets the child go, waits for its
//     exec (its sync pipe closes) or its error, writes the pid file, forwards signals and exits with
//     the process's status (128+n when killed by signal n), as runc does.
//   child: setns ipc, uts, net, mnt, cgroup; waits; setsid; fds >= 3 closed; session keyring;
//     no_new_privs; seccomp (here when no_new_privs is off); chdir; bounding set; keepcaps; stdio
//     owner, groups, gid, uid, HOME; chdir again if it was refused; caps; seccomp (when NNP is on);
//     PATH lookup; execve with exactly the spec's environment.
// Exit status 3 with a log line carrying "berth-fallback" means nothing was started: the daemon
// runs the exec through runc instead.
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

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
#define MAXV 4096

extern char **environ;

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

static struct spec S;
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
static void die_log(int code, const char *msg) {
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

static void fallback(const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  die_log(3, buf);
}

/** Go's words for an errno (its table is glibc's, lower-cased). */
static const char *goerr(int e) {
  static char b[128];
  snprintf(b, sizeof b, "%s", strerror(e));
  if (b[0] >= 'A' && b[0] <= 'Z' && !(b[1] >= 'A' && b[1] <= 'Z')) b[0] += 'a' - 'A';
  return b;
}

// ---- running from a sealed copy ----------------------------------------------------------------

/** Run from a sealed memfd copy of this binary (CVE-2019-5736: a container's root must not be able
 * to write the host's binary through /proc/PID/exe of a process that joined its namespaces). */
static void ensure_sealed(char **argv) {
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) fallback("open /proc/self/exe: %s", goerr(errno));
  int seals = fcntl(self, F_GET_SEALS);
  if (seals >= 0 && (seals & SEALS) == SEALS) {
    close(self);
    return;
  }
  int mfd = memfd_create("berth-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0) fallback("memfd_create: %s", goerr(errno));
  struct stat st;
  if (fstat(self, &st) < 0) fallback("stat /proc/self/exe: %s", goerr(errno));
  off_t left = st.st_size;
  while (left > 0) {
    ssize_t n = sendfile(mfd, self, NULL, left);
    if (n <= 0) fallback("copying /proc/self/exe: %s", goerr(errno));
    left -= n;
  }
  close(self);
  if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0) fallback("sealing the copy: %s", goerr(errno));
  fexecve(mfd, argv, environ);
  fallback("fexecve: %s", goerr(errno));
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

// ---- seccomp -----------------------------------------------------------------------------------

static struct sock_filter *prog;
static unsigned short prog_len;

/** The stub runc's patchbpf puts before libseccomp's program: a syscall numbered above the largest
 * one the profile names for its architecture is one the profile cannot know; it gets ENOSYS (so
 * that a libc falls back) instead of the default action. Same tests, our own layout. */
static int enosys_stub(struct sock_filter *out, char **arches, int narch, char **names, int nnames) {
  uint32_t natv[8];
  long max[8][2]; // [native][0: plain, 1: x32]
  int nn = 0;
  for (int a = 0; a < narch; a++) {
    uint32_t tok = seccomp_arch_resolve_name(arches[a]);
    if (!tok) return -1;
    if (!strcmp(arches[a], "native")) tok = seccomp_arch_native();
    if (tok == SCMP_ARCH_S390 || tok == SCMP_ARCH_S390X) return -1; // (runc's multiplexer case: not here)
    uint32_t nat = tok == SCMP_ARCH_X32 ? SCMP_ARCH_X86_64 : tok;
    int x32 = tok == SCMP_ARCH_X32;
    int i;
    for (i = 0; i < nn && natv[i] != nat; i++) {}
    if (i == nn) {
      if (nn == 8) return -1;
      natv[nn] = nat;
      max[nn][0] = max[nn][1] = -1;
      nn++;
    }
    if (max[i][x32] != -1) continue;
    long largest = 0;
    for (int s = 0; s < nnames; s++) {
      int no = seccomp_syscall_resolve_name_arch(tok, names[s]);
      if (no == __NR_SCMP_ERROR) continue;
      if (no > largest) largest = no;
    }
    max[i][x32] = largest ? largest : -1; // (runc: no syscall found, no stub for it)
  }
  // ld arch; per native: jeq -> its section; ja filter; sections; enosys: ret; filter: ...
  // Built backwards is awkward in C: lay out sections first, then fix the jumps.
  struct sock_filter sec[8][8];
  int seclen[8], used[8], nsec = 0;
  for (int i = 0; i < nn; i++) {
    int p = max[i][0] != -1, x = max[i][1] != -1;
    if (!p && !x) continue;
    if (x && natv[i] != SCMP_ARCH_X86_64) return -1;
    used[nsec] = i;
    struct sock_filter *s = sec[nsec];
    int n = 0;
    s[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0);
    // jumps to "E" (enosys) and "F" (filter) are fixed below: jt/jf 254 = E, 255 = F
    if (natv[i] == SCMP_ARCH_X86_64) {
      if (p && x) {
        s[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 1u << 30, 1, 0);
        s[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)max[i][0], 254, 255);
        s[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)max[i][1], 254, 255);
      } else if (p) {
        s[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 1u << 30, 255, 0);
        s[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)max[i][0], 254, 255);
      } else {
        s[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 1u << 30, 0, 255);
        s[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)max[i][1], 254, 255);
      }
    } else {
      s[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)max[i][0], 254, 255);
    }
    seclen[nsec++] = n;
  }
  if (!nsec) return 0;
  // layout: [0] ld arch, [1..nsec] jeq, [nsec+1] ja F, sections..., E: ret enosys, F = end
  int pos = 0;
  out[pos++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4);
  int jeq0 = pos;
  pos += nsec;
  int jaF = pos++;
  int start[8];
  for (int k = 0; k < nsec; k++) {
    start[k] = pos;
    for (int j = 0; j < seclen[k]; j++) out[pos++] = sec[k][j];
  }
  int E = pos++;
  out[E] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SCMP_ACT_ERRNO(ENOSYS));
  int F = pos;
  if (F > 250) return -1;
  for (int k = 0; k < nsec; k++) {
    out[jeq0 + k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, natv[used[k]], start[k] - (jeq0 + k) - 1, 0);
    for (int j = 0; j < seclen[k]; j++) {
      struct sock_filter *f = &out[start[k] + j];
      int at = start[k] + j;
      if (f->jt == 254) f->jt = E - at - 1;
      else if (f->jt == 255) f->jt = F - at - 1;
      if (f->jf == 254) f->jf = E - at - 1;
      else if (f->jf == 255) f->jf = F - at - 1;
    }
  }
  out[jaF] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, F - jaF - 1);
  return pos;
}

/** The profile's lines: "default ACT", "stub 0|1", "arch NAME", "rule NAME ACT N [IDX OP A B]..."
 * (actions as libseccomp's numbers, ops as its scmp_compare). Compiled as runc compiles it. */
static void compile_profile(const char *text, const char *out) {
  char *t = strdup(text), *save = NULL;
  char *arches[16], *names[2048];
  int narch = 0, nnames = 0, stub = 0;
  uint32_t def = 0;
  int have_def = 0;
  scmp_filter_ctx ctx = NULL;
  for (char *line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *w[64];
    int nw = 0;
    char *s2 = NULL;
    for (char *x = strtok_r(line, " ", &s2); x && nw < 64; x = strtok_r(NULL, " ", &s2)) w[nw++] = x;
    if (!nw) continue;
    if (!strcmp(w[0], "default") && nw == 2) {
      def = (uint32_t)strtoul(w[1], NULL, 0);
      have_def = 1;
      ctx = seccomp_init(def);
      if (!ctx) fallback("seccomp_init failed");
      if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) fallback("seccomp: no_new_privs attribute");
    } else if (!strcmp(w[0], "stub") && nw == 2) stub = w[1][0] == '1';
    else if (!strcmp(w[0], "arch") && nw == 2 && ctx && narch < 16) {
      uint32_t a = seccomp_arch_resolve_name(w[1]);
      if (!a) fallback("seccomp: unknown architecture %s", w[1]);
      int r = seccomp_arch_add(ctx, a);
      if (r && r != -EEXIST) fallback("seccomp: adding architecture %s: %s", w[1], goerr(-r));
      arches[narch++] = w[1];
    } else if (!strcmp(w[0], "rule") && nw >= 4 && ctx) {
      if (nnames == 2048) fallback("seccomp: too many rules");
      names[nnames++] = w[1];
      uint32_t act = (uint32_t)strtoul(w[2], NULL, 0);
      int n = atoi(w[3]);
      if (nw != 4 + 4 * n || n > 6 * 4) fallback("seccomp: bad rule for %s", w[1]);
      if (act == def) continue;
      int no = seccomp_syscall_resolve_name(w[1]);
      if (no == __NR_SCMP_ERROR) continue; // (runc: unknown syscall ignored)
      struct scmp_arg_cmp c[24];
      int count[6] = {0}, multi = 0;
      for (int k = 0; k < n; k++) {
        c[k].arg = atoi(w[4 + 4 * k]);
        c[k].op = atoi(w[5 + 4 * k]);
        c[k].datum_a = strtoull(w[6 + 4 * k], NULL, 10);
        c[k].datum_b = strtoull(w[7 + 4 * k], NULL, 10);
        if (c[k].arg > 5) fallback("seccomp: bad argument index for %s", w[1]);
        if (++count[c[k].arg] > 1) multi = 1;
      }
      int r = 0;
      if (!n) r = seccomp_rule_add_array(ctx, act, no, 0, NULL);
      else if (multi) {
        for (int k = 0; k < n && !r; k++) r = seccomp_rule_add_array(ctx, act, no, 1, &c[k]);
      } else r = seccomp_rule_add_array(ctx, act, no, n, c);
      if (r) fallback("seccomp: adding the rule for %s: %s", w[1], goerr(-r));
    } else fallback("seccomp: bad profile line %s", w[0]);
  }
  if (!have_def) fallback("seccomp: no default action");
  char tmpl[4096];
  snprintf(tmpl, sizeof tmpl, "%s.XXXXXX", out);
  int fd = mkostemp(tmpl, O_CLOEXEC);
  if (fd < 0) fallback("seccomp cache %s: %s", tmpl, goerr(errno));
  struct sock_filter stubp[256];
  int ns = stub ? enosys_stub(stubp, arches, narch, names, nnames) : 0;
  if (ns < 0) {
    unlink(tmpl);
    fallback("seccomp: no ENOSYS stub for these architectures");
  }
  if (ns && write(fd, stubp, ns * sizeof *stubp) != (ssize_t)(ns * sizeof *stubp)) fallback("seccomp cache: %s", goerr(errno));
  if (seccomp_export_bpf(ctx, fd)) {
    unlink(tmpl);
    fallback("seccomp_export_bpf failed");
  }
  fsync(fd);
  close(fd);
  if (rename(tmpl, out)) fallback("seccomp cache rename: %s", goerr(errno));
  seccomp_release(ctx);
  free(t);
}

static void load_bpf(void) {
  if (!S.bpf) return;
  int fd = open(S.bpf, O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && S.profile) {
    compile_profile(S.profile, S.bpf);
    fd = open(S.bpf, O_RDONLY | O_CLOEXEC);
  }
  if (fd < 0) fallback("seccomp cache %s: %s", S.bpf, goerr(errno));
  struct stat st;
  fstat(fd, &st);
  if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) || st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS) fallback("seccomp cache %s: bad size", S.bpf);
  prog = malloc(st.st_size);
  if (read(fd, prog, st.st_size) != st.st_size) fallback("seccomp cache %s: short read", S.bpf);
  prog_len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
  close(fd);
}

// ---- the child ---------------------------------------------------------------------------------

static int errfd = -1;

/** An error of the child: to the parent, which logs it as runc would, then the child ends. */
static void child_fail(const char *fmt, ...) {
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > (int)sizeof buf - 1) n = sizeof buf - 1;
  if (write(errfd, buf, n) < 0) {}
  _exit(1);
}

static int nsflag(const char *t) {
  if (!strcmp(t, "ipc")) return CLONE_NEWIPC;
  if (!strcmp(t, "uts")) return CLONE_NEWUTS;
  if (!strcmp(t, "net")) return CLONE_NEWNET;
  if (!strcmp(t, "pid")) return CLONE_NEWPID;
  if (!strcmp(t, "mnt")) return CLONE_NEWNS;
  if (!strcmp(t, "cgroup")) return CLONE_NEWCGROUP;
  return -1;
}

/** Go's os.Setenv over the spec's list: a repeated name keeps its first place and its last value. */
static void setenv_go(char **env, int *n, char *kv) {
  size_t kl = strchr(kv, '=') - kv;
  for (int i = 0; i < *n; i++)
    if (!strncmp(env[i], kv, kl) && env[i][kl] == '=') {
      env[i] = kv;
      return;
    }
  env[(*n)++] = kv;
}

static const char *getenv_in(char **env, int n, const char *k) {
  size_t kl = strlen(k);
  for (int i = 0; i < n; i++)
    if (!strncmp(env[i], k, kl) && env[i][kl] == '=') return env[i] + kl + 1;
  return NULL;
}

/** HOME of the uid in the container's /etc/passwd (runc's user.GetExecUser with "uid:gid"). */
static char *passwd_home(unsigned uid) {
  FILE *f = fopen("/etc/passwd", "re");
  if (!f) return NULL;
  char line[4096];
  char *home = NULL;
  while (!home && fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = 0;
    char *p = line;
    while (*p == ' ' || *p == '\t') p++;
    if (!*p) continue;
    char *fld[7] = {0};
    int nf = 0;
    for (char *s = p; nf < 7;) {
      fld[nf++] = s;
      char *c = strchr(s, ':');
      if (!c) break;
      *c = 0;
      s = c + 1;
    }
    if (nf >= 3 && (unsigned)atoi(fld[2]) == uid) home = strdup(nf >= 6 ? fld[5] : "");
  }
  fclose(f);
  return home;
}

static int has_cap(int kind, int c) { return (S.cap[kind] >> c) & 1; }

static void apply_bounding(int last) {
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2];
  if (syscall(SYS_capget, &h, d)) child_fail("unable to apply bounding set: capget: %s", goerr(errno));
  if (!(d[0].effective & (1u << CAP_SETPCAP))) return;
  for (int c = 0; c <= last; c++) {
    if (has_cap(0, c)) continue;
    if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) && errno != EINVAL) child_fail("unable to apply bounding set: %s", goerr(errno));
  }
}

static void load_seccomp(void) {
  struct sock_fprog fp = {prog_len, prog};
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp, 0, 0)) child_fail("error loading seccomp filter into kernel: loading seccomp filter: %s", goerr(errno));
}

/** Go 1.19's exec.LookPath with the process's PATH; 0 and the path found, or the error text. */
static const char *lookpath(const char *file, char *found, size_t sz, char *err, size_t esz, char **env, int nenv) {
  struct stat st;
  if (strchr(file, '/')) {
    if (stat(file, &st)) {
      snprintf(err, esz, "exec: \"%s\": stat %s: %s", file, file, goerr(errno));
      return NULL;
    }
    if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111)) {
      snprintf(err, esz, "exec: \"%s\": permission denied", file);
      return NULL;
    }
    return file;
  }
  const char *path = getenv_in(env, nenv, "PATH");
  if (path && *path) {
    const char *p = path;
    for (;;) {
      const char *e = strchr(p, ':');
      size_t dl = e ? (size_t)(e - p) : strlen(p);
      char dir[4096];
      if (dl == 0) strcpy(dir, ".");
      else snprintf(dir, sizeof dir, "%.*s", (int)dl, p);
      // (as filepath.Join: no doubled slash, no "./" before a relative result)
      size_t l = strlen(dir);
      while (l > 1 && dir[l - 1] == '/') dir[--l] = 0;
      if (!strcmp(dir, ".")) snprintf(found, sz, "%s", file);
      else snprintf(found, sz, "%s/%s", dir, file);
      // (filepath.Join cleans: "./x" becomes "x", still relative)
      if (!stat(found, &st) && !S_ISDIR(st.st_mode) && (st.st_mode & 0111)) {
        if (found[0] != '/') {
          snprintf(err, esz, "exec: \"%s\": cannot run executable found relative to current directory", file);
          return NULL;
        }
        return found;
      }
      if (!e) break;
      p = e + 1;
    }
  }
  snprintf(err, esz, "exec: \"%s\": executable file not found in $PATH", file);
  return NULL;
}

static void child(int gofd, int *nsfds, int last_cap) {
  // namespaces: runc's order (ipc, uts, net, [pid joined by the parent], mnt, cgroup)
  for (int i = 0; i < S.nns; i++) {
    if (nsfds[i] < 0) continue;
    if (setns(nsfds[i], nsflag(S.ns[i]))) child_fail("failed to setns into %s namespace: %s", S.ns[i], goerr(errno));
    close(nsfds[i]);
  }
  // the parent puts us in the cgroups and sets the rlimits, then lets us go
  char go;
  if (read(gofd, &go, 1) != 1) _exit(1);
  close(gofd);
  if (setsid() < 0) child_fail("setsid failed: %s", goerr(errno));
  // only 0-2 reach the process (the error pipe is close-on-exec)
  syscall(SYS_close_range, 3, errfd - 1, 0);
  syscall(SYS_close_range, errfd + 1, ~0U, 0);
  if (S.keyring) {
    if (syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, S.keyring) < 0 && errno != ENOSYS)
      child_fail("unable to join session keyring: unable to create session key: %s", goerr(errno));
  }
  // the environment, as runc's populateProcessEnvironment leaves it
  static char *env[MAXV];
  int nenv = 0;
  for (int i = 0; i < S.nenv; i++) {
    char *eq = strchr(S.env[i], '=');
    if (!eq) child_fail("invalid environment variable: \"%s\"", S.env[i]);
    if (eq == S.env[i]) child_fail("environment variable name can't be empty: \"%s\"", S.env[i]);
    setenv_go(env, &nenv, S.env[i]);
  }
  if (S.nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) child_fail("%s", goerr(errno));
  if (prog && !S.nnp) load_seccomp();
  // finalizeNamespace
  int chdir_later = 0;
  if (chdir(S.cwd)) {
    if (errno == EACCES || errno == EPERM) chdir_later = 1;
    else child_fail("chdir to cwd (\"%s\") set in config.json failed: %s", S.cwd, goerr(errno));
  }
  apply_bounding(last_cap);
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)) child_fail("unable to set keep caps: %s", goerr(errno));
  // setupUser
  char *home = passwd_home(S.uid);
  struct stat null, st;
  static const char *const stdname[3] = {"/dev/stdin", "/dev/stdout", "/dev/stderr"};
  if (stat("/dev/null", &null)) child_fail("unable to setup user: stat /dev/null: %s", goerr(errno));
  for (int fd = 0; fd < 3; fd++) {
    if (fstat(fd, &st)) child_fail("unable to setup user: fstat %s: %s", stdname[fd], goerr(errno));
    if (st.st_uid == S.uid || st.st_rdev == null.st_rdev) continue;
    if (fchown(fd, S.uid, st.st_gid) && errno != EINVAL && errno != EPERM && errno != EROFS)
      child_fail("unable to setup user: chown %s: %s", stdname[fd], goerr(errno));
  }
  char sg[32] = "";
  int sgfd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
  if (sgfd >= 0) {
    ssize_t n = read(sgfd, sg, sizeof sg - 1);
    sg[n > 0 ? n : 0] = 0;
    close(sgfd);
  }
  if (strncmp(sg, "deny", 4)) {
    gid_t g[256];
    for (int i = 0; i < S.ngroups; i++) g[i] = S.groups[i];
    if (setgroups(S.ngroups, g)) child_fail("unable to setup user: setgroups: %s", goerr(errno));
  }
  if (syscall(SYS_setgid, S.gid)) child_fail("unable to setup user: %s", goerr(errno));
  if (syscall(SYS_setuid, S.uid)) child_fail("unable to setup user: %s", goerr(errno));
  const char *h = getenv_in(env, nenv, "HOME");
  if (!h || !*h) {
    static char hb[4200];
    snprintf(hb, sizeof hb, "HOME=%s", home ? home : "/");
    setenv_go(env, &nenv, hb);
  }
  if (chdir_later && chdir(S.cwd)) child_fail("chdir to cwd (\"%s\") set in config.json failed: %s", S.cwd, goerr(errno));
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0)) child_fail("unable to clear keep caps: %s", goerr(errno));
  // capabilities: effective, permitted, inheritable, then the ambient set
  struct __user_cap_header_struct ch = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct cd[2];
  for (int k = 0; k < 2; k++) {
    cd[k].effective = (uint32_t)(S.cap[1] >> (32 * k));
    cd[k].permitted = (uint32_t)(S.cap[2] >> (32 * k));
    cd[k].inheritable = (uint32_t)(S.cap[3] >> (32 * k));
  }
  if (syscall(SYS_capset, &ch, cd)) child_fail("unable to apply caps: %s", goerr(errno));
  for (int c = 0; c <= last_cap; c++) {
    int r = prctl(PR_CAP_AMBIENT, has_cap(4, c) ? PR_CAP_AMBIENT_RAISE : PR_CAP_AMBIENT_LOWER, c, 0, 0);
    if (r && errno != EINVAL) child_fail("unable to apply caps: %s", goerr(errno));
  }
  if (prog && S.nnp) load_seccomp();
  char found[4200], err[4400];
  const char *bin = lookpath(S.args[0], found, sizeof found, err, sizeof err, env, nenv);
  if (!bin) child_fail("%s", err);
  env[nenv] = NULL;
  S.args[S.nargs] = NULL;
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  execve(bin, S.args, env);
  child_fail("exec %s: %s", bin, goerr(errno));
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
static int write_file(const char *path, const char *data) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, data, strlen(data));
  int e = errno;
  close(fd);
  errno = e;
  return n < 0 ? -1 : 0;
}

int main(int argc, char **argv) {
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
  load_bpf();
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
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &old);
  if (pidns >= 0 && setns(pidns, CLONE_NEWPID)) fallback("failed to setns into pid namespace: %s", goerr(errno));
  if (pidns >= 0) close(pidns);
  kid = fork();
  if (kid < 0) fallback("fork: %s", goerr(errno));
  if (kid == 0) {
    for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
    close(gop[1]);
    close(errp[0]);
    errfd = errp[1];
    child(gop[0], nsfds, last_cap);
  }
  close(gop[0]);
  close(errp[1]);
  for (int i = 0; i < S.nns; i++)
    if (nsfds[i] >= 0) close(nsfds[i]);
  char msg[8192];
  char kidpid[32];
  snprintf(kidpid, sizeof kidpid, "%d", kid);
  for (int i = 0; i < S.ncg; i++) {
    char p[4200];
    snprintf(p, sizeof p, "%s/cgroup.procs", S.cgroups[i]);
    if (write_file(p, kidpid)) {
      int e = errno;
      kill(kid, SIGKILL);
      waitpid(kid, NULL, 0);
      snprintf(msg, sizeof msg, "exec failed: error adding pid %d to cgroups: write %s: %s", kid, p, goerr(e));
      die_log(1, msg);
    }
  }
  for (int i = 0; i < S.nrl; i++) {
    struct rlimit r = {S.rl[i].soft, S.rl[i].hard};
    if (prlimit(kid, S.rl[i].res, &r, NULL)) {
      int e = errno;
      kill(kid, SIGKILL);
      waitpid(kid, NULL, 0);
      snprintf(msg, sizeof msg, "exec failed: error setting rlimits for process: error setting rlimit type %d: %s", S.rl[i].res, goerr(e));
      die_log(1, msg);
    }
  }
  if (write(gop[1], "g", 1) != 1) fallback("sync: %s", goerr(errno));
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
    char full[4200];
    snprintf(full, sizeof full, "exec failed: unable to start container process: %s", msg);
    die_log(1, full);
  }
  // running: the pid file, renamed into place as runc writes it
  if (S.pidfile) {
    char tmp[4200];
    const char *slash = strrchr(S.pidfile, '/');
    snprintf(tmp, sizeof tmp, "%.*s.%s", slash ? (int)(slash - S.pidfile + 1) : 0, S.pidfile, slash ? slash + 1 : S.pidfile);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
      if (write(fd, kidpid, strlen(kidpid)) < 0) {}
      close(fd);
      rename(tmp, S.pidfile);
    }
  }
  while (waitpid(kid, &status, 0) < 0 && errno == EINTR) {}
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}
