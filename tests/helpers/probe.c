/* probe: the static test program copied to /probe in every test rootfs.
   Each verb prints what the process sees from inside the container, as one
   line or a few `key=value` lines, so shell tests can compare it with what
   config.json asked for.  Several verbs may be chained with `+` (not `--`,
   which option parsers such as jq's or a runtime's `exec` may swallow):

       /probe ids + caps + hostname

   Exit status: 0 when every verb did what it was asked, 1 when an operation
   failed (the errno name is printed, e.g. `EROFS`; later verbs still run),
   2 on bad usage (nothing more runs).  It is a
   test tool: it favours plain code and obvious output over cleverness.  */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define PROBE_OK 0
#define PROBE_FAILED 1
#define PROBE_USAGE 2

struct verb
{
  const char *name;
  int nargs; /* exact number of arguments, or -1 for "0 or 1" */
  int (*fn) (char **args);
  const char *help;
};

/* The symbolic errno name, which tests match on ("EROFS", "EACCES"), not
   the locale-dependent message.  */
static const char *
errno_name (int e)
{
  const char *name = strerrorname_np (e);
  static char buf[32];

  if (name != NULL)
    return name;
  snprintf (buf, sizeof buf, "errno%d", e);
  return buf;
}

static int
fail (const char *what)
{
  int e = errno;
  printf ("%s\n", errno_name (e));
  fprintf (stderr, "probe: %s: %s\n", what, strerror (e));
  return PROBE_FAILED;
}

/* Copies a whole file to stdout.  */
static int
cat_file (const char *path)
{
  char buf[8192];
  ssize_t n;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return fail (path);
  fflush (stdout);
  while ((n = read (fd, buf, sizeof buf)) > 0)
    if (fwrite (buf, 1, n, stdout) != (size_t) n)
      break;
  if (n < 0)
    {
      int ret = fail (path);
      close (fd);
      return ret;
    }
  close (fd);
  return PROBE_OK;
}

/* Looks up `Key:` in /proc/self/status; returns the value with leading
   whitespace skipped, or NULL.  The result is a static buffer.  */
static const char *
status_field (const char *key)
{
  static char line[1024];
  size_t klen = strlen (key);
  FILE *f = fopen ("/proc/self/status", "re");
  const char *found = NULL;

  if (f == NULL)
    return NULL;
  while (fgets (line, sizeof line, f) != NULL)
    {
      if (strncmp (line, key, klen) == 0 && line[klen] == ':')
        {
          char *v = line + klen + 1;
          v += strspn (v, " \t");
          v[strcspn (v, "\n")] = '\0';
          found = v;
          break;
        }
    }
  fclose (f);
  return found;
}

static int
print_status_fields (const char *const *keys)
{
  for (; *keys != NULL; keys++)
    {
      const char *v = status_field (*keys);
      if (v == NULL)
        {
          errno = ENOENT;
          return fail (*keys);
        }
      printf ("%s=%s\n", *keys, v);
    }
  return PROBE_OK;
}

static int
verb_caps (char **args)
{
  static const char *const keys[]
      = { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", NULL };
  return print_status_fields (keys);
}

/* Names of the capability bits, as the runtime-spec spells them.  */
static const char *const cap_names[] = {
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
  "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
  "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
  "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
  "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
  "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
  "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
  "CAP_CHECKPOINT_RESTORE",
};

/* `capnames [SET]`: the names in one set (default CapEff), one line,
   comma-separated, e.g. `CAP_KILL,CAP_NET_BIND_SERVICE`.  */
static int
verb_capnames (char **args)
{
  const char *set = args[0] != NULL ? args[0] : "CapEff";
  const char *v = status_field (set);
  unsigned long long mask;
  bool first = true;

  if (v == NULL)
    {
      errno = ENOENT;
      return fail (set);
    }
  mask = strtoull (v, NULL, 16);
  for (unsigned i = 0; i < 64; i++)
    {
      if (!(mask & (1ULL << i)))
        continue;
      if (i < sizeof cap_names / sizeof cap_names[0])
        printf ("%s%s", first ? "" : ",", cap_names[i]);
      else
        printf ("%sCAP_%u", first ? "" : ",", i);
      first = false;
    }
  printf ("\n");
  return PROBE_OK;
}

static int
verb_ids (char **args)
{
  gid_t groups[NGROUPS_MAX];
  int n = getgroups (NGROUPS_MAX, groups);

  if (n < 0)
    return fail ("getgroups");
  printf ("uid=%u\ngid=%u\neuid=%u\negid=%u\ngroups=", (unsigned) getuid (),
          (unsigned) getgid (), (unsigned) geteuid (), (unsigned) getegid ());
  for (int i = 0; i < n; i++)
    printf ("%s%u", i ? "," : "", (unsigned) groups[i]);
  printf ("\n");
  return PROBE_OK;
}

static int
verb_umask (char **args)
{
  mode_t m = umask (0);
  umask (m);
  printf ("%04o\n", (unsigned) m);
  return PROBE_OK;
}

static int
verb_hostname (char **args)
{
  struct utsname u;
  if (uname (&u) < 0)
    return fail ("uname");
  printf ("%s\n", u.nodename);
  return PROBE_OK;
}

static int
verb_domainname (char **args)
{
  struct utsname u;
  if (uname (&u) < 0)
    return fail ("uname");
  printf ("%s\n", u.domainname);
  return PROBE_OK;
}

static int
verb_cwd (char **args)
{
  char buf[PATH_MAX];
  if (getcwd (buf, sizeof buf) == NULL)
    return fail ("getcwd");
  printf ("%s\n", buf);
  return PROBE_OK;
}

/* `env NAME` prints the value (exit 1 if unset); bare `env` prints all.  */
static int
verb_env (char **args)
{
  extern char **environ;

  if (args[0] == NULL)
    {
      for (char **e = environ; *e != NULL; e++)
        printf ("%s\n", *e);
      return PROBE_OK;
    }
  const char *v = getenv (args[0]);
  if (v == NULL)
    {
      printf ("unset\n");
      return PROBE_FAILED;
    }
  printf ("%s\n", v);
  return PROBE_OK;
}

/* Lists open fds as `N -> target`, leaving out the directory fd used to
   list them: a leaked host fd (CVE-2024-21626) shows up here.  */
static int
verb_fds (char **args)
{
  DIR *d = opendir ("/proc/self/fd");
  struct dirent *de;

  if (d == NULL)
    return fail ("/proc/self/fd");
  while ((de = readdir (d)) != NULL)
    {
      char path[300], target[PATH_MAX];
      ssize_t n;

      if (de->d_name[0] == '.')
        continue;
      if (atoi (de->d_name) == dirfd (d))
        continue;
      snprintf (path, sizeof path, "/proc/self/fd/%s", de->d_name);
      n = readlink (path, target, sizeof target - 1);
      if (n < 0)
        snprintf (target, sizeof target, "?%s", errno_name (errno));
      else
        target[n] = '\0';
      printf ("%s -> %s\n", de->d_name, target);
    }
  closedir (d);
  return PROBE_OK;
}

static int
verb_mountinfo (char **args)
{
  return cat_file ("/proc/self/mountinfo");
}

static int
verb_uidmap (char **args)
{
  return cat_file ("/proc/self/uid_map");
}

static int
verb_gidmap (char **args)
{
  return cat_file ("/proc/self/gid_map");
}

static int
verb_cgroup (char **args)
{
  return cat_file ("/proc/self/cgroup");
}

static int
verb_status (char **args)
{
  return cat_file ("/proc/self/status");
}

static const struct
{
  const char *name;
  int resource;
} rlimits[] = {
  { "AS", RLIMIT_AS },           { "CORE", RLIMIT_CORE },
  { "CPU", RLIMIT_CPU },         { "DATA", RLIMIT_DATA },
  { "FSIZE", RLIMIT_FSIZE },     { "LOCKS", RLIMIT_LOCKS },
  { "MEMLOCK", RLIMIT_MEMLOCK }, { "MSGQUEUE", RLIMIT_MSGQUEUE },
  { "NICE", RLIMIT_NICE },       { "NOFILE", RLIMIT_NOFILE },
  { "NPROC", RLIMIT_NPROC },     { "RSS", RLIMIT_RSS },
  { "RTPRIO", RLIMIT_RTPRIO },   { "RTTIME", RLIMIT_RTTIME },
  { "SIGPENDING", RLIMIT_SIGPENDING }, { "STACK", RLIMIT_STACK },
};

static void
print_rlim (rlim_t v)
{
  if (v == RLIM_INFINITY)
    printf ("unlimited");
  else
    printf ("%llu", (unsigned long long) v);
}

/* `rlimit NOFILE` or `rlimit RLIMIT_NOFILE` prints "soft hard".  */
static int
verb_rlimit (char **args)
{
  const char *name = args[0];
  struct rlimit rl;

  if (strncmp (name, "RLIMIT_", 7) == 0)
    name += 7;
  for (size_t i = 0; i < sizeof rlimits / sizeof rlimits[0]; i++)
    {
      if (strcasecmp (name, rlimits[i].name) != 0)
        continue;
      if (getrlimit (rlimits[i].resource, &rl) < 0)
        return fail ("getrlimit");
      print_rlim (rl.rlim_cur);
      printf (" ");
      print_rlim (rl.rlim_max);
      printf ("\n");
      return PROBE_OK;
    }
  fprintf (stderr, "probe: unknown rlimit `%s`\n", args[0]);
  return PROBE_USAGE;
}

static const char *
sched_policy_name (int policy)
{
  switch (policy & ~SCHED_RESET_ON_FORK)
    {
    case SCHED_OTHER: return "SCHED_OTHER";
    case SCHED_FIFO: return "SCHED_FIFO";
    case SCHED_RR: return "SCHED_RR";
    case SCHED_BATCH: return "SCHED_BATCH";
    case SCHED_IDLE: return "SCHED_IDLE";
#ifdef SCHED_DEADLINE
    case SCHED_DEADLINE: return "SCHED_DEADLINE";
#endif
    default: return "unknown";
    }
}

static int
verb_sched (char **args)
{
  struct sched_param sp;
  int policy = sched_getscheduler (0);
  int nice;

  if (policy < 0)
    return fail ("sched_getscheduler");
  if (sched_getparam (0, &sp) < 0)
    return fail ("sched_getparam");
  errno = 0;
  nice = getpriority (PRIO_PROCESS, 0);
  if (nice == -1 && errno != 0)
    return fail ("getpriority");
  printf ("policy=%s\nreset_on_fork=%d\nnice=%d\npriority=%d\n",
          sched_policy_name (policy), (policy & SCHED_RESET_ON_FORK) ? 1 : 0,
          nice, sp.sched_priority);
  return PROBE_OK;
}

/* glibc has no wrapper for ioprio_get; the ABI is in linux/ioprio.h.  */
#define PROBE_IOPRIO_WHO_PROCESS 1
#define PROBE_IOPRIO_CLASS_SHIFT 13

static int
verb_ioprio (char **args)
{
  static const char *const classes[]
      = { "IOPRIO_CLASS_NONE", "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE",
          "IOPRIO_CLASS_IDLE" };
  long v = syscall (SYS_ioprio_get, PROBE_IOPRIO_WHO_PROCESS, 0);
  int cls;

  if (v < 0)
    return fail ("ioprio_get");
  cls = (int) (v >> PROBE_IOPRIO_CLASS_SHIFT);
  printf ("class=%s\npriority=%ld\n", cls < 4 ? classes[cls] : "unknown",
          v & ((1L << PROBE_IOPRIO_CLASS_SHIFT) - 1));
  return PROBE_OK;
}

static int
verb_personality (char **args)
{
  int p = personality (0xffffffff);

  if (p < 0)
    return fail ("personality");
  printf ("domain=%s\nflags=0x%x\n",
          (p & PER_MASK) == PER_LINUX32 ? "LINUX32"
          : (p & PER_MASK) == PER_LINUX ? "LINUX"
                                        : "other",
          (unsigned) (p & ~PER_MASK));
  return PROBE_OK;
}

static int
verb_nnp (char **args)
{
  const char *v = status_field ("NoNewPrivs");
  if (v == NULL)
    {
      errno = ENOENT;
      return fail ("NoNewPrivs");
    }
  printf ("%s\n", v);
  return PROBE_OK;
}

/* Seccomp mode: 0 disabled, 1 strict, 2 filter.  */
static int
verb_seccomp (char **args)
{
  const char *v = status_field ("Seccomp");
  if (v == NULL)
    {
      errno = ENOENT;
      return fail ("Seccomp");
    }
  printf ("%s\n", v);
  return PROBE_OK;
}

static int
verb_oomscore (char **args)
{
  return cat_file ("/proc/self/oom_score_adj");
}

static const char *
file_type (mode_t m)
{
  switch (m & S_IFMT)
    {
    case S_IFREG: return "file";
    case S_IFDIR: return "dir";
    case S_IFLNK: return "symlink";
    case S_IFCHR: return "char";
    case S_IFBLK: return "block";
    case S_IFIFO: return "fifo";
    case S_IFSOCK: return "socket";
    default: return "unknown";
    }
}

/* lstat, so a symlink reports itself; rdev is meaningful for devices.  */
static int
verb_stat (char **args)
{
  struct stat st;

  if (lstat (args[0], &st) < 0)
    return fail (args[0]);
  printf ("type=%s\nmode=%04o\ndev=%u:%u\nuid=%u\ngid=%u\nrdev=%u:%u\n",
          file_type (st.st_mode), (unsigned) (st.st_mode & 07777),
          major (st.st_dev), minor (st.st_dev), (unsigned) st.st_uid,
          (unsigned) st.st_gid, major (st.st_rdev), minor (st.st_rdev));
  return PROBE_OK;
}

static int
write_text (const char *path, const char *text)
{
  size_t len = strlen (text);
  int fd = open (path, O_WRONLY | O_TRUNC | O_CLOEXEC);

  if (fd < 0)
    return fail (path);
  if (write (fd, text, len) != (ssize_t) len)
    {
      int ret = fail (path);
      close (fd);
      return ret;
    }
  if (close (fd) < 0)
    return fail (path);
  printf ("ok\n");
  return PROBE_OK;
}

static int
verb_write (char **args)
{
  return write_text (args[0], args[1]);
}

static int
verb_read (char **args)
{
  return cat_file (args[0]);
}

/* `sysctl net.ipv4.ip_forward` reads /proc/sys/net/ipv4/ip_forward.  */
static int
verb_sysctl (char **args)
{
  char path[PATH_MAX];

  snprintf (path, sizeof path, "/proc/sys/%s", args[0]);
  for (char *p = path + strlen ("/proc/sys/"); *p != '\0'; p++)
    if (*p == '.')
      *p = '/';
  return cat_file (path);
}

static int
verb_pid (char **args)
{
  printf ("pid=%d\nppid=%d\n", (int) getpid (), (int) getppid ());
  return PROBE_OK;
}

static int
verb_tty (char **args)
{
  struct winsize ws;

  for (int fd = 0; fd <= 2; fd++)
    printf ("isatty%d=%d\n", fd, isatty (fd));
  const char *name = ttyname (0);
  printf ("ttyname=%s\n", name ? name : "none");
  if (ioctl (0, TIOCGWINSZ, &ws) == 0)
    printf ("rows=%u\ncols=%u\n", ws.ws_row, ws.ws_col);
  else
    printf ("rows=none\ncols=none\n");
  return PROBE_OK;
}

static int
parse_int (const char *s, long *out)
{
  char *end;

  errno = 0;
  *out = strtol (s, &end, 10);
  if (errno != 0 || end == s || *end != '\0')
    {
      fprintf (stderr, "probe: not a number: `%s`\n", s);
      return -1;
    }
  return 0;
}

/* `sleep N` (N may be fractional); `sleep` alone sleeps forever.  Default
   signal dispositions are kept: as pid 1 of a pid namespace only SIGKILL
   (from outside) ends it.  Use `wait-signal` to see a signal arrive.  */
static int
verb_sleep (char **args)
{
  if (args[0] == NULL)
    for (;;)
      pause ();

  char *end;
  double secs = strtod (args[0], &end);
  if (end == args[0] || *end != '\0' || secs < 0)
    {
      fprintf (stderr, "probe: bad duration `%s`\n", args[0]);
      return PROBE_USAGE;
    }
  struct timespec ts = { (time_t) secs,
                         (long) ((secs - (time_t) secs) * 1e9) };
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
  return PROBE_OK;
}

static void
on_signal (int sig)
{
  char buf[64];
  int n = snprintf (buf, sizeof buf, "signal=SIG%s\n", sigabbrev_np (sig));
  if (n > 0 && write (STDOUT_FILENO, buf, n) < 0)
    {
      /* Lost; the exit status still tells (a (void) cast does not
         silence warn_unused_result). */
    }
  _exit (128 + sig);
}

/* Catches every catchable signal, prints `signal=SIGxxx` and exits with
   128+signo: lets a test check which signal `kill` delivered, even to pid
   1.  Gives up after N seconds (exit 1) when N is given.  */
static int
verb_wait_signal (char **args)
{
  long secs = -1;
  struct sigaction sa = { .sa_handler = on_signal };

  if (args[0] != NULL && parse_int (args[0], &secs) < 0)
    return PROBE_USAGE;
  sigemptyset (&sa.sa_mask);
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      (void) sigaction (sig, &sa, NULL);
  printf ("waiting\n");
  fflush (stdout);
  if (secs < 0)
    for (;;)
      pause ();
  sleep ((unsigned) secs);
  printf ("timeout\n");
  return PROBE_FAILED;
}

static int
verb_exit (char **args)
{
  long code;

  if (parse_int (args[0], &code) < 0)
    return PROBE_USAGE;
  fflush (stdout);
  exit ((int) code);
}

static int
parse_signal (const char *s)
{
  long n;
  char *end;

  n = strtol (s, &end, 10);
  if (end != s && *end == '\0')
    return (int) n;
  if (strncasecmp (s, "SIG", 3) == 0)
    s += 3;
  for (int sig = 1; sig < NSIG; sig++)
    {
      const char *abbrev = sigabbrev_np (sig);
      if (abbrev != NULL && strcasecmp (abbrev, s) == 0)
        return sig;
    }
  return -1;
}

/* Dies by the given signal.  pid 1 of a pid namespace ignores signals it
   sends itself, so for fault signals a real fault is raised (the kernel
   forces those even on init); other signals then fail with exit 1.  */
static int
verb_kill_self (char **args)
{
  int sig = parse_signal (args[0]);

  if (sig <= 0 || sig >= NSIG)
    {
      fprintf (stderr, "probe: unknown signal `%s`\n", args[0]);
      return PROBE_USAGE;
    }
  fflush (stdout);
  signal (sig, SIG_DFL);
  kill (getpid (), sig);
  if (sig == SIGSEGV)
    {
      volatile int *null = NULL;
      *null = 1;
    }
  fprintf (stderr, "probe: still alive after SIG%s (pid %d ignores it)\n",
           sigabbrev_np (sig), (int) getpid ());
  return PROBE_FAILED;
}

static int
verb_ns (char **args)
{
  static const char *const names[]
      = { "cgroup", "ipc",  "mnt",  "net",  "pid", "pid_for_children",
          "time",   "time_for_children", "user", "uts", NULL };

  for (const char *const *n = names; *n != NULL; n++)
    {
      char path[64], target[128];
      ssize_t len;

      snprintf (path, sizeof path, "/proc/self/ns/%s", *n);
      len = readlink (path, target, sizeof target - 1);
      if (len < 0)
        {
          printf ("%s=%s\n", *n, errno_name (errno));
          continue;
        }
      target[len] = '\0';
      printf ("%s=%s\n", *n, target);
    }
  return PROBE_OK;
}

static int
verb_time (char **args)
{
  struct timespec mono, boot;

  if (clock_gettime (CLOCK_MONOTONIC, &mono) < 0)
    return fail ("CLOCK_MONOTONIC");
  if (clock_gettime (CLOCK_BOOTTIME, &boot) < 0)
    return fail ("CLOCK_BOOTTIME");
  printf ("monotonic=%lld\nboottime=%lld\n", (long long) mono.tv_sec,
          (long long) boot.tv_sec);
  return PROBE_OK;
}

/* Tries to open the runtime's binary for writing through /proc, as the
   runc CVE-2019-5736 exploit did.  It never writes a byte: a successful
   open is already the failure the test looks for.  */
static int
verb_open_exe (char **args)
{
  static const struct
  {
    const char *key, *path;
  } targets[] = { { "self", "/proc/self/exe" }, { "pid1", "/proc/1/exe" } };

  for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
    {
      int fd = open (targets[i].path, O_WRONLY | O_CLOEXEC);
      if (fd < 0)
        printf ("%s=%s\n", targets[i].key, errno_name (errno));
      else
        {
          printf ("%s=ok\n", targets[i].key);
          close (fd);
        }
    }
  return PROBE_OK;
}

static int
verb_affinity (char **args)
{
  cpu_set_t set;
  bool first = true;

  if (sched_getaffinity (0, sizeof set, &set) < 0)
    return fail ("sched_getaffinity");
  for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
    if (CPU_ISSET (cpu, &set))
      {
        printf ("%s%d", first ? "" : ",", cpu);
        first = false;
      }
  printf ("\n");
  return PROBE_OK;
}

/* The LSM label (SELinux or AppArmor) of this process.  */
static int
verb_label (char **args)
{
  return cat_file ("/proc/self/attr/current");
}

static int
verb_ls (char **args)
{
  DIR *d = opendir (args[0]);
  struct dirent *de;

  if (d == NULL)
    return fail (args[0]);
  while ((de = readdir (d)) != NULL)
    if (strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0)
      printf ("%s\n", de->d_name);
  closedir (d);
  return PROBE_OK;
}

static int verb_help (char **args);

static const struct verb verbs[] = {
  { "caps", 0, verb_caps, "CapInh..CapAmb from /proc/self/status" },
  { "capnames", -1, verb_capnames, "[CapEff|CapPrm|...]: names in a set" },
  { "ids", 0, verb_ids, "uid gid euid egid groups" },
  { "umask", 0, verb_umask, "the umask, octal" },
  { "hostname", 0, verb_hostname, "the UTS nodename" },
  { "domainname", 0, verb_domainname, "the NIS domain name" },
  { "cwd", 0, verb_cwd, "the working directory" },
  { "env", -1, verb_env, "[NAME]: one variable (exit 1 if unset), or all" },
  { "fds", 0, verb_fds, "open fds and their targets" },
  { "mountinfo", 0, verb_mountinfo, "/proc/self/mountinfo" },
  { "uidmap", 0, verb_uidmap, "/proc/self/uid_map" },
  { "gidmap", 0, verb_gidmap, "/proc/self/gid_map" },
  { "cgroup", 0, verb_cgroup, "/proc/self/cgroup" },
  { "status", 0, verb_status, "/proc/self/status" },
  { "rlimit", 1, verb_rlimit, "NAME: soft and hard limit (NOFILE, ...)" },
  { "sched", 0, verb_sched, "scheduling policy, nice, priority" },
  { "ioprio", 0, verb_ioprio, "I/O priority class and level" },
  { "personality", 0, verb_personality, "execution domain and flags" },
  { "nnp", 0, verb_nnp, "NoNewPrivs (0 or 1)" },
  { "seccomp", 0, verb_seccomp, "seccomp mode (0 off, 2 filter)" },
  { "oomscore", 0, verb_oomscore, "/proc/self/oom_score_adj" },
  { "stat", 1, verb_stat, "PATH: type mode dev uid gid rdev (lstat)" },
  { "write", 2, verb_write, "PATH TEXT: truncate and write; ok or ERRNO" },
  { "read", 1, verb_read, "PATH: print the file or ERRNO" },
  { "sysctl", 1, verb_sysctl, "KEY: value of /proc/sys/KEY (dots ok)" },
  { "pid", 0, verb_pid, "pid and ppid" },
  { "tty", 0, verb_tty, "isatty of 0-2, ttyname, window size" },
  { "sleep", -1, verb_sleep, "[N]: sleep N seconds, or forever" },
  { "wait-signal", -1, verb_wait_signal, "[N]: print the signal that arrives" },
  { "exit", 1, verb_exit, "N: exit with status N" },
  { "kill-self", 1, verb_kill_self, "SIG: die by SIG (name or number)" },
  { "ns", 0, verb_ns, "namespace links of /proc/self/ns" },
  { "time", 0, verb_time, "CLOCK_MONOTONIC and CLOCK_BOOTTIME seconds" },
  { "open-exe", 0, verb_open_exe, "try /proc/{self,1}/exe for writing" },
  { "affinity", 0, verb_affinity, "allowed CPUs" },
  { "label", 0, verb_label, "LSM label of this process" },
  { "ls", 1, verb_ls, "DIR: names in DIR" },
  { "help", 0, verb_help, "this list" },
};

static int
verb_help (char **args)
{
  printf ("usage: probe VERB [ARG...] [+ VERB [ARG...]]...\n");
  for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
    printf ("  %-12s %s\n", verbs[i].name, verbs[i].help);
  return PROBE_OK;
}

/* Runs one verb from args[0..n); returns its exit status.  */
static int
run_verb (char **args, int n)
{
  for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
    {
      const struct verb *v = &verbs[i];
      int nargs = n - 1;

      if (strcmp (v->name, args[0]) != 0)
        continue;
      if (v->nargs >= 0 ? nargs != v->nargs : nargs > 1)
        {
          fprintf (stderr, "probe: %s: wrong number of arguments\n",
                   v->name);
          return PROBE_USAGE;
        }
      args[n] = NULL; /* terminates at the `+` separator */
      return v->fn (args + 1);
    }
  fprintf (stderr, "probe: unknown verb `%s` (try `probe help`)\n", args[0]);
  return PROBE_USAGE;
}

int
main (int argc, char **argv)
{
  int status = PROBE_OK;

  /* Line-buffered so output interleaves sanely with a terminal or pipe
     and survives a later signal.  */
  setvbuf (stdout, NULL, _IOLBF, 0);
  if (argc < 2)
    return verb_help (NULL), PROBE_USAGE;

  int start = 1;
  while (start < argc)
    {
      int end = start;
      while (end < argc && strcmp (argv[end], "+") != 0)
        end++;
      if (end == start)
        {
          fprintf (stderr, "probe: empty verb\n");
          return PROBE_USAGE;
        }
      int ret = run_verb (argv + start, end - start);
      if (ret == PROBE_USAGE)
        return ret;
      if (status == PROBE_OK)
        status = ret;
      start = end + 1;
    }
  fflush (stdout);
  return status;
}
