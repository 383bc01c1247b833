// The helper runs only from a sealed in-memory copy of itself (see ensure_sealed), made on each run
// or once for the daemon's spawner shell (hold_sealed). Part of berth-exec (see berth-exec.c).
#include "berth-exec.h"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

/** A sealed memfd copy of this binary (its own descriptor `self`), or -1 with a message in `why`. */
static int sealed_copy(int self, char *why, size_t sz) {
  int mfd = memfd_create("berth-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0) return snprintf(why, sz, "memfd_create: %s", goerr(errno)), -1;
  struct stat st;
  if (fstat(self, &st) < 0) return snprintf(why, sz, "stat /proc/self/exe: %s", goerr(errno)), close(mfd), -1;
  for (off_t left = st.st_size; left > 0;) {
    ssize_t n = sendfile(mfd, self, NULL, left);
    if (n <= 0) return snprintf(why, sz, "copying /proc/self/exe: %s", n < 0 ? goerr(errno) : "short read"), close(mfd), -1;
    left -= n;
  }
  if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0) return snprintf(why, sz, "sealing the copy: %s", goerr(errno)), close(mfd), -1;
  return mfd;
}

/** Run from a sealed memfd copy of this binary (CVE-2019-5736: a container's root must not be able
 * to write the host's binary through /proc/PID/exe of a process that joined its namespaces, e.g. the
 * exec'd program when the container made it "#!/proc/self/exe"). Started from the copy the daemon's
 * spawner shell holds (--hold-sealed), it runs on at once; else it makes one and runs it (about 2 ms:
 * copying the 1 MB binary into the memfd and a second execve). */
void ensure_sealed(char **argv) {
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) fallback("open /proc/self/exe: %s", goerr(errno));
  int seals = fcntl(self, F_GET_SEALS);
  if (seals >= 0 && (seals & SEALS) == SEALS) {
    close(self);
    return;
  }
  char why[256];
  int mfd = sealed_copy(self, why, sizeof why);
  if (mfd < 0) fallback("%s", why);
  close(self);
  fexecve(mfd, argv, environ);
  fallback("fexecve: %s", goerr(errno));
}

/** berth-exec --hold-sealed FD PROG ARGS...: PROG ARGS... /dev/fd/FD run with a sealed copy of this
 * binary open on FD, for a long-lived parent of every exec (the daemon's spawner shell) to run the
 * helper from: ensure_sealed() then has nothing to do. Without one (no memfd here), PROG ARGS... run
 * alone, and each exec makes its own copy. */
int hold_sealed(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: berth-exec --hold-sealed FD PROG ARGS...\n");
    return 2;
  }
  int fd = atoi(argv[2]);
  char **args = calloc(argc, sizeof *args);
  if (!args || fd < 3) return 2;
  for (int i = 3; i < argc; i++) args[i - 3] = argv[i];
  char path[32], why[256];
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  int mfd = self < 0 ? -1 : sealed_copy(self, why, sizeof why);
  if (self < 0) snprintf(why, sizeof why, "open /proc/self/exe: %s", goerr(errno));
  // (not close-on-exec there: PROG keeps it)
  if (mfd >= 0 && (mfd == fd ? fcntl(fd, F_SETFD, 0) == 0 : dup2(mfd, fd) == fd)) {
    snprintf(path, sizeof path, "/dev/fd/%d", fd);
    args[argc - 3] = path;
  } else fprintf(stderr, "berth-exec: no sealed copy to hold: %s\n", mfd < 0 ? why : goerr(errno));
  if (mfd >= 0 && mfd != fd) close(mfd);
  if (self >= 0) close(self);
  execvp(args[0], args);
  fprintf(stderr, "berth-exec: %s: %s\n", args[0], goerr(errno));
  return 127;
}
