// The exec's process, set up inside the container as runc 1.1's setns init does (see berth-exec.c).
#include "berth-exec.h"

static int errfd = -1;
static struct sock_filter *prog;
static unsigned short prog_len;

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

int nsflag(const char *t) {
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

void child(int gofd, int efd, int *nsfds, int last_cap, struct sock_filter *p, unsigned short plen) {
  errfd = efd;
  prog = p;
  prog_len = plen;
  // namespaces: runc's order (ipc, uts, net, [pid joined by the parent], mnt, cgroup)
  for (int i = 0; i < S.nns; i++) {
    if (nsfds[i] < 0) continue;
    if (setns(nsfds[i], nsflag(S.ns[i]))) child_fail("failed to setns into %s namespace: %s", S.ns[i], goerr(errno));
    close(nsfds[i]);
  }
  // the parent writes our pid where we cannot go ourselves and sets the rlimits, then lets us go
  char go;
  if (read(gofd, &go, 1) != 1) _exit(1);
  close(gofd);
  // into each v1 cgroup hierarchy by itself, before it runs anything of the container (exec-cgroup.c)
  int failed = -1, e = cgroups_join_self(&failed);
  if (e) child_fail(CGROUP_FAILED " %d %d", failed, e);
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
  // (read while still root, as runc does; only when HOME is to come from it: the daemon sets HOME)
  const char *h = getenv_in(env, nenv, "HOME");
  char *home = !h || !*h ? passwd_home(S.uid) : NULL;
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
  _exit(1); // (child_fail exits: for the compiler)
}
