/* cove-shim: options, the shim's own directory, daemonizing, signals, and
 * the loop that ties the supervisor, the log relay, the port proxy and the
 * control socket together; plus the `ctl` client. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "logs.h"
#include "loop.h"
#include "migrate-archive.h"
#include "migrate.h"
#include "policy.h"
#include "proxy.h"
#include "signals.h"
#include "spec.h"
#include "state.h"
#include "status.h"
#include "supervise.h"
#include "util.h"

#define STOP_SIGNAL_ANNOTATION "org.opencontainers.image.stopSignal"

struct options
{
  const char *cove;
  const char *root;
  struct restart_policy policy;
  struct publish *publish;
  size_t n_publish;
  bool proxy_protocol;
  bool foreground;
  unsigned stop_timeout;
  const char *log_path;
  uint64_t log_max_size;
  const char *pid_file;
  const char *exit_file;
  const char *status_file;
  const char *restore_from;
};

/* Everything the running shim holds, for the observer and the cleanup. */
struct shim
{
  struct loop loop;
  struct ctl *ctl;
  struct proxy *proxy;
  struct logs *logs;
  struct supervisor *sup;
  int report_fd; /* to the waiting parent (background mode), -1 = none */
  bool reported;
  struct loop_source sig;
};

static void __attribute__ ((noreturn, format (printf, 1, 2))) die (const char *fmt, ...)
{
  va_list ap;

  fputs ("cove-shim: ", stderr);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fputc ('\n', stderr);
  exit (EXIT_FAILURE);
}

static void __attribute__ ((noreturn)) die_err (rt_error_t *err)
{
  cleanup_free char *text = rt_error_text (*err);
  rt_error_free (err);
  die ("%s", text);
}

static void
usage (FILE *f)
{
  fputs ("usage: cove-shim [options] ID BUNDLE\n"
         "       cove-shim [--root DIR] ctl ID status|stop|restart\n"
         "       cove-shim [--root DIR] ctl ID migrate [--pre-dumps N] [--export FILE|--to BUNDLE]\n"
         "\n"
         "Runs container ID from BUNDLE through cove, supervises it, restarts it by\n"
         "policy, logs its output and publishes ports; detaches once it runs.\n"
         "ctl migrate checkpoints the running container (N pre-dumps first, default\n"
         "1) while new connections wait, and restores it: in place, from another\n"
         "BUNDLE (--to: volumes copied), or not at all (--export: an archive for\n"
         "--restore-from on another host; the shim ends).  Prints the timings.\n"
         "\n"
         "options:\n"
         "  --cove PATH            the runtime (default: cove beside cove-shim)\n"
         "  --root DIR             cove's state root (default as cove's)\n"
         "  --restart POLICY       no, on-failure[:N], always, unless-stopped (default no)\n"
         "  -p, --publish SPEC     [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp], repeatable\n"
         "  --proxy-protocol       send a PROXY protocol v2 header to the container\n"
         "  --foreground           do not detach; exit with the container's last status\n"
         "  --stop-timeout N       seconds between the stop signal and SIGKILL (default 10)\n"
         "  --log-path FILE        the container's log, CRI format\n"
         "  --log-max-size BYTES   rotate the log to FILE.1 beyond this size (K, M, G)\n"
         "  --pid-file FILE        the shim's pid\n"
         "  --exit-file FILE       the container's last exit status\n"
         "  --status-file FILE     the status JSON, rewritten on every change\n"
         "  --restore-from FILE    unpack FILE (made by ctl migrate's export) into BUNDLE,\n"
         "                         which must hold the rootfs, and restore from it\n"
         "  -h, --help             this help\n"
         "  -v, --version          print the version\n"
         "Files default to the shim's directory <root>/.<ID>.shim/, removed when the\n"
         "shim ends.\n",
         f);
}

/* ---- option parsing ----------------------------------------------------- */

static unsigned long long
parse_size (const char *s, const char *opt)
{
  char *end;
  unsigned long long v;

  errno = 0;
  v = strtoull (s, &end, 10);
  if (end == s || errno != 0 || *s == '-')
    die ("%s `%s`: not a size", opt, s);
  switch (*end)
    {
    case 'k':
    case 'K':
      v <<= 10, end++;
      break;
    case 'm':
    case 'M':
      v <<= 20, end++;
      break;
    case 'g':
    case 'G':
      v <<= 30, end++;
      break;
    }
  if (*end == 'i' || *end == 'B' || *end == 'b')
    end++;
  if (*end != '\0')
    die ("%s `%s`: not a size (a number, K, M or G)", opt, s);
  return v;
}

/* Strings made once for the shim's whole life (paths, defaults): freed
 * together at exit, so a leak checker sees a clean shutdown. */
static char **kept_strings;
static size_t n_kept_strings;

static const char *
keep (char *s)
{
  kept_strings = xrealloc (kept_strings, (n_kept_strings + 1) * sizeof *kept_strings);
  return kept_strings[n_kept_strings++] = s;
}

static void
free_kept (void)
{
  while (n_kept_strings > 0)
    free (kept_strings[--n_kept_strings]);
  free (kept_strings);
  kept_strings = NULL;
}

/* We chdir to / when detaching: every path we keep is made absolute. */
static const char *
absolute (const char *path)
{
  char cwd[PATH_MAX];

  if (path == NULL || path[0] == '/')
    return path;
  if (getcwd (cwd, sizeof cwd) == NULL)
    die ("getcwd: %s", strerror (errno));
  return keep (xasprintf ("%s/%s", cwd, path));
}

/* A file written only after detaching: its directory must exist now, so
 * a typo is an error on the caller's terminal. */
static void
check_parent_dir (const char *path, const char *opt)
{
  cleanup_free char *dir = xstrdup (path);
  char *slash = strrchr (dir, '/');

  slash[slash == dir ? 1 : 0] = '\0';
  if (access (dir, W_OK | X_OK) < 0)
    die ("%s `%s`: %s", opt, path, strerror (errno));
}

/* As cove picks its root: /run/cove for root, else $XDG_RUNTIME_DIR/cove
 * or /tmp/cove-<uid>. */
static const char *
default_root (void)
{
  const char *xdg = getenv ("XDG_RUNTIME_DIR");

  if (geteuid () == 0)
    return "/run/cove";
  if (xdg != NULL && xdg[0] == '/')
    return keep (xasprintf ("%s/cove", xdg));
  return keep (xasprintf ("/tmp/cove-%u", (unsigned) geteuid ()));
}

/* The cove installed beside this binary. */
static const char *
default_cove (void)
{
  char self[PATH_MAX];
  ssize_t n = readlink ("/proc/self/exe", self, sizeof self - 1);
  char *slash;

  if (n <= 0)
    return "cove";
  self[n] = '\0';
  slash = strrchr (self, '/');
  *slash = '\0';
  return keep (xasprintf ("%s/cove", self));
}

/* The options; find_ctl reads the table too, to skip their values. */
enum
{
  OPT_COVE = 256,
  OPT_ROOT,
  OPT_RESTART,
  OPT_PROXY_PROTOCOL,
  OPT_FOREGROUND,
  OPT_STOP_TIMEOUT,
  OPT_LOG_PATH,
  OPT_LOG_MAX_SIZE,
  OPT_PID_FILE,
  OPT_EXIT_FILE,
  OPT_STATUS_FILE,
  OPT_RESTORE_FROM,
};
static const struct option longopts[] = {
  { "cove", required_argument, NULL, OPT_COVE },
  { "root", required_argument, NULL, OPT_ROOT },
  { "restart", required_argument, NULL, OPT_RESTART },
  { "publish", required_argument, NULL, 'p' },
  { "proxy-protocol", no_argument, NULL, OPT_PROXY_PROTOCOL },
  { "foreground", no_argument, NULL, OPT_FOREGROUND },
  { "stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT },
  { "log-path", required_argument, NULL, OPT_LOG_PATH },
  { "log-max-size", required_argument, NULL, OPT_LOG_MAX_SIZE },
  { "pid-file", required_argument, NULL, OPT_PID_FILE },
  { "exit-file", required_argument, NULL, OPT_EXIT_FILE },
  { "status-file", required_argument, NULL, OPT_STATUS_FILE },
  { "restore-from", required_argument, NULL, OPT_RESTORE_FROM },
  { "help", no_argument, NULL, 'h' },
  { "version", no_argument, NULL, 'v' },
  { NULL, 0, NULL, 0 },
};
static int
parse_options (int argc, char **argv, struct options *o)
{
  rt_error_t err = NULL;
  unsigned long long v;
  int c;

  o->stop_timeout = 10;
  while ((c = getopt_long (argc, argv, "p:hv", longopts, NULL)) != -1)
    switch (c)
      {
      case OPT_COVE:
        o->cove = optarg;
        break;
      case OPT_ROOT:
        o->root = optarg;
        break;
      case OPT_RESTART:
        if (policy_parse (optarg, &o->policy, &err) < 0)
          die_err (&err);
        break;
      case 'p':
        if (proxy_parse_publish (optarg, &o->publish, &o->n_publish, &err) < 0)
          die_err (&err);
        break;
      case OPT_PROXY_PROTOCOL:
        o->proxy_protocol = true;
        break;
      case OPT_FOREGROUND:
        o->foreground = true;
        break;
      case OPT_STOP_TIMEOUT:
        v = parse_size (optarg, "--stop-timeout");
        if (v > 86400)
          die ("--stop-timeout `%s`: at most 86400 seconds", optarg);
        o->stop_timeout = (unsigned) v;
        break;
      case OPT_LOG_PATH:
        o->log_path = optarg;
        break;
      case OPT_LOG_MAX_SIZE:
        o->log_max_size = parse_size (optarg, "--log-max-size");
        break;
      case OPT_PID_FILE:
        o->pid_file = optarg;
        break;
      case OPT_EXIT_FILE:
        o->exit_file = optarg;
        break;
      case OPT_STATUS_FILE:
        o->status_file = optarg;
        break;
      case OPT_RESTORE_FROM:
        o->restore_from = optarg;
        break;
      case 'h':
        usage (stdout);
        exit (EXIT_SUCCESS);
      case 'v':
        printf ("cove-shim version %s\n", PACKAGE_VERSION);
        exit (EXIT_SUCCESS);
      default:
        die ("unknown option or missing value `%s` (see --help)", argv[optind - 1]);
      }
  return optind;
}

/* ---- the ctl client ------------------------------------------------------ */

/* The index of the `ctl` word when the command line is `[options] ctl
 * ...`, else -1: so that the words after it (`migrate --export FILE`) are
 * not taken for the shim's own options. */
static int
find_ctl (int argc, char **argv)
{
  int i;

  for (i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      size_t j;

      if (strcmp (a, "--") == 0 || a[0] != '-' || a[1] == '\0')
        return strcmp (a, "ctl") == 0 ? i : -1;
      if (strcmp (a, "-p") == 0)
        i++; /* its value */
      if (a[1] != '-' || strchr (a, '=') != NULL)
        continue;
      for (j = 0; longopts[j].name != NULL; j++)
        if (strcmp (a + 2, longopts[j].name) == 0 && longopts[j].has_arg == required_argument)
          i++;
    }
  return -1;
}

/* The request line: a verb alone, or migrate with its words, paths made
 * absolute here (the shim's cwd is /) and checked before sending. */
static char *
ctl_command (char **words, int n)
{
  rt_error_t err = NULL;
  struct migrate_req req;
  char **w;
  char *line;
  int i;

  if (n == 1
      && (strcmp (words[0], "status") == 0 || strcmp (words[0], "stop") == 0
          || strcmp (words[0], "restart") == 0))
    return xstrdup (words[0]);
  if (strcmp (words[0], "migrate") != 0)
    die ("ctl: unknown command `%s` (status, stop, restart, migrate)", words[0]);
  w = xzalloc ((size_t) (n + 1) * sizeof *w);
  for (i = 0; i < n; i++)
    {
      w[i] = words[i];
      if (i > 0 && (strcmp (words[i - 1], "--export") == 0 || strcmp (words[i - 1], "--to") == 0))
        w[i] = (char *) absolute (words[i]);
    }
  if (migrate_req_parse (w + 1, (size_t) n - 1, &req, &err) < 0)
    die_err (&err);
  migrate_req_clear (&req);
  line = migrate_join (w, (size_t) n, &err);
  free (w);
  if (line == NULL)
    die_err (&err);
  return line;
}

static int
run_ctl (const char *root, const char *id, char **words, int n)
{
  rt_error_t err = NULL;
  cleanup_free char *name = NULL;
  cleanup_free char *answer = NULL;
  cleanup_free char *cmd = NULL;
  cleanup_close int rootfd = -1;
  cleanup_close int dirfd = -1;

  if (state_validate_id (id, &err) < 0)
    die_err (&err);
  cmd = ctl_command (words, n);
  name = xasprintf (".%s.shim", id);
  rootfd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd >= 0)
    dirfd = openat (rootfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    die ("no shim runs container `%s` under `%s`", id, root);
  answer = ctl_request (dirfd, cmd, &err);
  if (answer == NULL)
    {
      if (err->errnum == ECONNREFUSED || err->errnum == ENOENT)
        die ("no shim runs container `%s` under `%s`", id, root);
      die_err (&err);
    }
  if (str_has_prefix (answer, "error: "))
    die ("%s", answer + 7);
  if (strcmp (answer, "ok") != 0)
    puts (answer);
  return EXIT_SUCCESS;
}

/* ---- the shim's directory ------------------------------------------------ */

/* <root>/.<id>.shim: a dot name, so no id can collide with it and
 * `cove list` skips it; cove delete (on every restart) removes <root>/<id>,
 * not this.  An flock held for the shim's lifetime marks it in use; a dir
 * without one is a crashed shim's, reused as it is. */
static int
shim_dir_open (int rootfd, const char *name, const char *id, rt_error_t *err)
{
  int fd;

  if (mkdirat (rootfd, name, 0700) < 0 && errno != EEXIST)
    return rt_error_set (err, errno, "create the shim directory `%s`", name);
  fd = openat (rootfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return rt_error_set (err, errno, "open the shim directory `%s`", name);
  if (flock (fd, LOCK_EX | LOCK_NB) < 0)
    {
      int saved = errno;
      close (fd);
      if (saved == EWOULDBLOCK)
        return rt_error_set (err, 0, "container `%s` already has a shim", id);
      return rt_error_set (err, saved, "lock the shim directory `%s`", name);
    }
  return fd;
}

/* ---- daemonizing ---------------------------------------------------------- */

/* The parent waits until the first instance runs (or could not be made)
 * and exits with that outcome, so `cove-shim ... && curl ...` works.  The
 * child detaches and reports through the pipe: "ok" or "error: <msg>". */
static int
daemonize (void)
{
  int p[2], null;
  pid_t pid;

  if (pipe2 (p, O_CLOEXEC) < 0)
    die ("pipe: %s", strerror (errno));
  pid = fork ();
  if (pid < 0)
    die ("fork: %s", strerror (errno));
  if (pid > 0)
    {
      char buf[4096];
      size_t len = 0;
      ssize_t n;

      close (p[1]);
      while (len < sizeof buf - 1 && (n = read (p[0], buf + len, sizeof buf - 1 - len)) != 0)
        {
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            break;
          len += n;
        }
      buf[len] = '\0';
      buf[strcspn (buf, "\n")] = '\0';
      if (strcmp (buf, "ok") == 0)
        _exit (EXIT_SUCCESS);
      if (str_has_prefix (buf, "error: "))
        fprintf (stderr, "cove-shim: %s\n", buf + 7);
      else
        fprintf (stderr, "cove-shim: the shim ended before the container started\n");
      _exit (EXIT_FAILURE);
    }
  close (p[0]);
  if (setsid () < 0 || chdir ("/") < 0)
    _exit (EXIT_FAILURE);
  null = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0)
    {
      dup2 (null, 0);
      dup2 (null, 1);
      dup2 (null, 2);
      close (null);
    }
  return p[1];
}

static void
report (struct shim *sh, const char *error)
{
  if (sh->reported)
    return;
  sh->reported = true;
  if (sh->report_fd >= 0)
    {
      cleanup_free char *msg = error ? xasprintf ("error: %s\n", error) : xstrdup ("ok\n");
      (void) write_all (sh->report_fd, msg, strlen (msg));
      close (sh->report_fd);
      sh->report_fd = -1;
    }
  else if (error != NULL)
    fprintf (stderr, "cove-shim: %s\n", error);
}

static void
on_change (void *arg)
{
  struct shim *sh = arg;

  ctl_notify (sh->ctl);
  if (sup_ever_started (sh->sup))
    report (sh, NULL);
  else if (sup_phase (sh->sup) == SUP_DONE)
    report (sh, sup_error (sh->sup) ? sup_error (sh->sup) : "stopped before the container started");
}

/* ---- signals -------------------------------------------------------------- */

static void
on_signal (struct loop_source *src, uint32_t events)
{
  struct shim *sh = (struct shim *) ((char *) src - offsetof (struct shim, sig));
  struct signalfd_siginfo si;

  while (read (src->fd, &si, sizeof si) == (ssize_t) sizeof si)
    {
      if (si.ssi_signo == SIGCHLD)
        sup_reap (sh->sup);
      else
        sup_stop (sh->sup); /* SIGTERM, SIGINT: as ctl stop */
    }
}

/* SIGCHLD, SIGTERM and SIGINT arrive through the loop; the cove children
 * unblock them again before exec. */
static int
signals_setup (struct shim *sh, rt_error_t *err)
{
  sigset_t set;

  signal (SIGPIPE, SIG_IGN);
  signal (SIGHUP, SIG_IGN);
  sigemptyset (&set);
  sigaddset (&set, SIGCHLD);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGINT);
  if (sigprocmask (SIG_BLOCK, &set, NULL) < 0)
    return rt_error_set (err, errno, "sigprocmask");
  sh->sig.fd = signalfd (-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sh->sig.fd < 0)
    return rt_error_set (err, errno, "signalfd");
  sh->sig.on_event = on_signal;
  if (loop_add (&sh->loop, &sh->sig, EPOLLIN) < 0)
    return rt_error_set (err, errno, "signalfd: epoll");
  return 0;
}

/* The OOM killer should pick the container, never its supervisor (conmon
 * does the same).  Needs CAP_SYS_RESOURCE; without it the shim keeps its
 * score.  Returns the old value for the children, NULL if unchanged. */
static const char *
protect_from_oom (void)
{
  char old[16] = "";
  int fd = open ("/proc/self/oom_score_adj", O_RDWR | O_CLOEXEC);
  ssize_t n;

  if (fd < 0)
    return NULL;
  n = read (fd, old, sizeof old - 1);
  if (n <= 0 || lseek (fd, 0, SEEK_SET) < 0 || write (fd, "-1000", 5) != 5)
    {
      close (fd);
      return NULL;
    }
  close (fd);
  old[strcspn (old, "\n")] = '\0';
  return keep (xstrdup (old));
}

/* ---- the shim ------------------------------------------------------------- */

static uint64_t
mono_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Until the supervisor is done: the loop, with the proxy's UDP flows
 * expired about once a second. */
static void
run_loop (struct shim *sh)
{
  uint64_t last_tick = mono_ms ();

  while (sup_phase (sh->sup) != SUP_DONE)
    {
      if (loop_run_once (&sh->loop, sh->proxy ? 1000 : -1) < 0)
        {
          /* epoll itself failed: nothing can be watched any more. */
          sup_stop (sh->sup);
          break;
        }
      if (sh->proxy && mono_ms () - last_tick >= 1000)
        {
          proxy_tick (sh->proxy);
          last_tick = mono_ms ();
        }
    }
}

/* The stop signal from the config's annotation, as Docker's StopSignal. */
static int
stop_signal (const struct oci_config *c, rt_error_t *err)
{
  size_t i;

  for (i = 0; i < c->annotations.len; i++)
    if (strcmp (c->annotations.keys[i], STOP_SIGNAL_ANNOTATION) == 0)
      {
        int sig = signal_parse (c->annotations.values[i]);
        if (sig <= 0)
          return rt_error_set (err, 0, "annotation `%s`: unknown signal `%s`",
                               STOP_SIGNAL_ANNOTATION, c->annotations.values[i]);
        return sig;
      }
  return SIGTERM;
}

/* The bundle and what the shim takes from its config (dies on error). */
static void
load_config (const char *bundle_arg, struct bundle *b, struct sup_config *cfg)
{
  rt_error_t err = NULL;

  if (spec_load_bundle (bundle_arg, b, &err) < 0)
    die_err (&err);
  if (b->config->process == NULL)
    die ("bundle `%s`: config.json has no process", bundle_arg);
  cfg->stop_signal = stop_signal (b->config, &err);
  if (cfg->stop_signal < 0)
    die_err (&err);
  cfg->terminal = b->config->process->terminal;
}

static int
run_shim (struct options *o, const char *id, const char *bundle_arg)
{
  struct shim sh = { .report_fd = -1 };
  struct rlimit nofile;
  struct sup_config cfg = { 0 };
  struct bundle b = { 0 };
  rt_error_t err = NULL;
  cleanup_free char *dir_name = NULL;
  const char *shim_dir;
  int rootfd, dirfd, fd, code;

  /* A daemon must not hold what its caller left open (a pipe a script
   * waits on to reach EOF, say); every fd from here on is ours. */
  (void) close_fds_from (3, NULL, 0);
  /* And 0-2 are open, so no pipe or socket of ours becomes a stdio fd. */
  while ((fd = open ("/dev/null", O_RDWR | O_CLOEXEC)) >= 0 && fd <= 2)
    (void) fcntl (fd, F_SETFD, 0);
  if (fd > 2)
    close (fd);
  /* Everything that can be refused is refused before any side effect
   * (but a bundle to restore into gets its config.json from the archive,
   * once the shim's directory is ours). */
  if (state_validate_id (id, &err) < 0)
    die_err (&err);
  if (o->restore_from == NULL)
    load_config (bundle_arg, &b, &cfg);
  else if (access (o->restore_from = absolute (o->restore_from), R_OK) < 0)
    die ("--restore-from `%s`: %s", o->restore_from, strerror (errno));
  cfg.cove = absolute (o->cove ? o->cove : default_cove ());
  if (access (cfg.cove, X_OK) < 0)
    die ("runtime `%s`: %s (pass --cove)", cfg.cove, strerror (errno));
  cfg.root = absolute (o->root ? o->root : default_root ());
  cfg.id = id;
  cfg.bundle = b.path;
  cfg.policy = o->policy;
  cfg.stop_timeout_s = o->stop_timeout;
  if (o->status_file)
    check_parent_dir (o->status_file = absolute (o->status_file), "--status-file");
  if (o->exit_file)
    check_parent_dir (o->exit_file = absolute (o->exit_file), "--exit-file");
  if (o->pid_file)
    check_parent_dir (o->pid_file = absolute (o->pid_file), "--pid-file");
  if (o->log_path)
    check_parent_dir (o->log_path = absolute (o->log_path), "--log-path");

  rootfd = state_root_open (cfg.root, true, &err);
  if (rootfd < 0)
    die_err (&err);
  dir_name = xasprintf (".%s.shim", id);
  dirfd = shim_dir_open (rootfd, dir_name, id, &err);
  if (dirfd < 0)
    die_err (&err);
  shim_dir = keep (xasprintf ("%s/%s", cfg.root, dir_name));
  cfg.shim_dir = shim_dir;
  cfg.status_path = o->status_file ? o->status_file : keep (xasprintf ("%s/status.json", shim_dir));
  cfg.exit_path = o->exit_file ? o->exit_file : keep (xasprintf ("%s/exit", shim_dir));
  o->pid_file = o->pid_file ? o->pid_file : keep (xasprintf ("%s/shim.pid", shim_dir));
  o->log_path = o->log_path ? o->log_path : keep (xasprintf ("%s/container.log", shim_dir));

  if (getrlimit (RLIMIT_NOFILE, &nofile) == 0)
    cfg.nofile = &nofile;
  /* Sockets before detaching: a busy port is an error on the caller's
   * terminal, and no container was made. */
  if (loop_init (&sh.loop) < 0)
    die ("epoll: %s", strerror (errno));
  sh.ctl = ctl_new (&sh.loop, dirfd, &err);
  if (sh.ctl != NULL && o->n_publish > 0)
    sh.proxy = proxy_new (&sh.loop, o->publish, o->n_publish, o->proxy_protocol, &err);
  if (sh.ctl == NULL || (o->n_publish > 0 && sh.proxy == NULL))
    {
      rt_error_t tmp = NULL;
      ctl_free (sh.ctl);
      (void) state_dir_remove (rootfd, dir_name, &tmp);
      rt_error_free (&tmp);
      die_err (&err);
    }

  /* The archive last: the ports are ours, so nothing can fail between
   * unpacking it and restoring (but the restore itself). */
  if (o->restore_from != NULL)
    {
      cfg.restore_images = keep (xasprintf ("%s/restore-images", shim_dir));
      migrate_remove_dir (cfg.restore_images); /* a crashed shim's */
      if (migrate_import (o->restore_from, bundle_arg, cfg.restore_images, &err) < 0)
        {
          rt_error_t tmp = NULL;
          ctl_free (sh.ctl);
          proxy_free (sh.proxy);
          (void) state_dir_remove (rootfd, dir_name, &tmp);
          rt_error_free (&tmp);
          die_err (&err);
        }
      load_config (bundle_arg, &b, &cfg);
      cfg.bundle = b.path;
    }
  if (!o->foreground)
    sh.report_fd = daemonize ();
  if (prctl (PR_SET_CHILD_SUBREAPER, 1) < 0)
    rt_error_set (&err, errno, "PR_SET_CHILD_SUBREAPER");
  cfg.oom_score_adj = protect_from_oom ();
  if (err == NULL)
    (void) signals_setup (&sh, &err);
  if (err == NULL)
    (void) write_pid_file (o->pid_file, getpid (), &err);
  if (err == NULL)
    sh.logs = logs_new (&sh.loop, o->log_path, o->log_max_size, &err);
  if (err == NULL && cfg.terminal)
    cfg.console_socket = logs_console_listen (sh.logs, shim_dir, &err);
  if (err == NULL)
    sh.sup = sup_new (&sh.loop, &cfg, sh.logs, sh.proxy, &err);
  if (err != NULL)
    {
      cleanup_free char *text = rt_error_text (err);
      rt_error_free (&err);
      report (&sh, text);
      code = EXIT_FAILURE;
    }
  else
    {
      ctl_attach (sh.ctl, sh.sup);
      sup_set_observer (sh.sup, on_change, &sh);
      sup_begin (sh.sup);
      run_loop (&sh);
      logs_drain (sh.logs);
      on_change (&sh);
      code = sup_ever_started (sh.sup) ? sup_exit_status (sh.sup) : EXIT_FAILURE;
    }

  /* Nothing of the container is left (the supervisor deleted it); the
   * shim's own traces go too. */
  ctl_free (sh.ctl);
  sup_free (sh.sup);
  logs_free (sh.logs);
  proxy_free (sh.proxy);
  (void) unlink (o->pid_file);
  (void) state_dir_remove (rootfd, dir_name, &err);
  rt_error_free (&err);
  spec_bundle_clear (&b);
  free (o->publish);
  free_kept ();
  return code;
}

int
main (int argc, char **argv)
{
  struct options o = { 0 };
  int ctl_at = find_ctl (argc, argv);
  int first = parse_options (ctl_at > 0 ? ctl_at : argc, argv, &o);
  int n = argc - first;

  if (ctl_at > 0)
    {
      if (argc - ctl_at < 3 || first != ctl_at)
        die ("expects ctl ID status|stop|restart|migrate ... (see --help)");
      return run_ctl (absolute (o.root ? o.root : default_root ()), argv[ctl_at + 1],
                      argv + ctl_at + 2, argc - ctl_at - 2);
    }
  if (n != 2)
    die ("expects ID BUNDLE, or ctl ID status|stop|restart|migrate (see --help)");
  return run_shim (&o, argv[first], argv[first + 1]);
}
