/* cove: global options, the command table, dispatch. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "git-version.h"
#include "log.h"
#include "oci-spec.h"
#include "sealed-exe.h"
#include "util.h"

#define DEFAULT_ROOT RUNTIME_DEFAULT_ROOT

static const struct
{
  const char *name;
  command_fn fn;
  const char *summary;
  bool no_state; /* never touches the state root */
} commands[] = {
  { "create", cmd_create, "create a container from a bundle; its process waits for start" },
  { "start", cmd_start, "run the process of a created container" },
  { "run", cmd_run, "create and start a container, wait for it unless --detach" },
  { "exec", cmd_exec, "run a process in a running container" },
  { "state", cmd_state, "print the state of a container as JSON" },
  { "kill", cmd_kill, "send a signal to a container's init" },
  { "delete", cmd_delete, "delete a stopped container (--force: kill it first)" },
  { "list", cmd_list, "list containers" },
  { "pause", cmd_pause, "freeze every process of a container" },
  { "resume", cmd_resume, "thaw a paused container" },
  { "ps", cmd_ps, "list the processes of a container" },
  { "update", cmd_update, "change the resource limits of a running container" },
  { "events", cmd_events, "print statistics and OOM events as JSON lines" },
  { "checkpoint", cmd_checkpoint, "dump a running container to images with CRIU" },
  { "restore", cmd_restore, "restore a container from a checkpoint's images" },
  { "spec", cmd_spec, "write or check a bundle's config.json", true },
  { "features", cmd_features, "print what this runtime supports, as JSON", true },
};

static void
print_version (void)
{
  printf ("cove version %s\ncommit: %s\nspec: %s\n", PACKAGE_VERSION, GIT_COMMIT, OCI_VERSION);
  printf ("+YAJL"
#ifdef HAVE_CAP
          " +CAP"
#endif
#ifdef HAVE_SECCOMP
          " +SECCOMP"
#endif
#ifdef HAVE_SELINUX
          " +SELINUX"
#endif
          "\n");
}

static void
print_usage (FILE *f)
{
  size_t i;

  fprintf (f, "usage: cove [global options] COMMAND [options] [ID]\n\n"
              "global options:\n"
              "  --root DIR           state directory (default " DEFAULT_ROOT ";\n"
              "                       not root: $XDG_RUNTIME_DIR/cove, else /tmp/cove-UID)\n"
              "  --log FILE           also log to FILE\n"
              "  --log-format FORMAT  text or json (one {\"level\",\"msg\",\"time\"} per line)\n"
              "  --debug              log debug messages\n"
              "  --systemd-cgroup     cgroupsPath is slice:prefix:name\n"
              "  --rootless VALUE     true, false or auto (default: not root, or in a user\n"
              "                       namespace): without a writable cgroup, run without one\n"
              "  -v, --version        print version and compiled-in features\n"
              "  -h, --help           this help\n\ncommands:\n");
  for (i = 0; i < sizeof commands / sizeof *commands; i++)
    fprintf (f, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int
cli_fail (rt_error_t *err)
{
  cleanup_free char *text = rt_error_text (*err);
  log_error ("%s", text);
  rt_error_free (err);
  return 1;
}

int
cli_usage (const char *cmd, const char *fmt, ...)
{
  va_list ap;
  cleanup_free char *msg = NULL;

  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    oom ();
  va_end (ap);
  log_error ("%s: %s", cmd, msg);
  return 1;
}

/* ---- rootless defaults ------------------------------------------------- */

/* Whether we run in a user namespace other than the initial one, whose
 * uid_map is the identity over the whole 32-bit range. */
static bool
in_user_namespace (void)
{
  unsigned long a = 0, b = 0, n = 0;
  int lines = 0;
  FILE *f = fopen ("/proc/self/uid_map", "re");

  if (f == NULL)
    return false;
  while (fscanf (f, "%lu %lu %lu", &a, &b, &n) == 3)
    lines++;
  fclose (f);
  return !(lines == 1 && a == 0 && b == 0 && n == 4294967295UL);
}

/* --rootless auto, runc's rule: rootless when not root, or root only
 * inside a user namespace (`unshare -r cove ...`).  What it changes is
 * cgroup handling (container.c): the caller probably may not write the
 * cgroup hierarchy. */
static bool
detect_rootless (void)
{
  return geteuid () != 0 || in_user_namespace ();
}

/* The state root of an unprivileged caller, who cannot write /run/cove:
 * $XDG_RUNTIME_DIR/cove (a per-user tmpfs that only its owner can enter;
 * state_root_open creates `cove` with 0700), else /tmp/cove-<uid>.  A
 * relative XDG_RUNTIME_DIR is invalid by the XDG base dir spec: ignored. */
static char *
unprivileged_root (bool *in_tmp)
{
  const char *xdg = getenv ("XDG_RUNTIME_DIR");

  *in_tmp = xdg == NULL || xdg[0] != '/';
  if (!*in_tmp)
    return xasprintf ("%s/cove", xdg);
  return xasprintf ("/tmp/cove-%u", (unsigned) geteuid ());
}

/* Anyone can create /tmp/cove-<uid> first, as a directory others can
 * read or write, or as a symlink to one: then state files (and the exec
 * fifo that starts a container) would be theirs to touch.  So it is made
 * here, 0700, and accepted only as a real directory of ours that nobody
 * else can enter.  The sticky /tmp keeps others from renaming it later. */
static int
check_tmp_root (const char *root)
{
  struct stat st;
  int fd;

  if (mkdir (root, 0700) < 0 && errno != EEXIST)
    {
      log_error ("create state root `%s`: %s", root, strerror (errno));
      return -1;
    }
  fd = open (root, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || fstat (fd, &st) < 0)
    {
      log_error ("state root `%s`: %s (pass --root)", root, strerror (errno));
      if (fd >= 0)
        close (fd);
      return -1;
    }
  close (fd);
  if (st.st_uid != geteuid () || (st.st_mode & 077) != 0)
    {
      log_error ("state root `%s` is not a private directory of uid %u (owner %u, mode %04o): "
                 "remove it or pass --root",
                 root, (unsigned) geteuid (), (unsigned) st.st_uid,
                 (unsigned) (st.st_mode & 07777));
      return -1;
    }
  return 0;
}

enum
{
  OPT_ROOT = 256,
  OPT_LOG,
  OPT_LOG_FORMAT,
  OPT_DEBUG,
  OPT_SYSTEMD_CGROUP,
  OPT_ROOTLESS,
};

int
main (int argc, char **argv)
{
  static const struct option opts[] = {
    { "root", required_argument, NULL, OPT_ROOT },
    { "log", required_argument, NULL, OPT_LOG },
    { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
    { "debug", no_argument, NULL, OPT_DEBUG },
    { "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD_CGROUP },
    { "rootless", required_argument, NULL, OPT_ROOTLESS },
    { "version", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct global_opts g = { .rt = { .root = NULL }, .log_format = "text" };
  cleanup_free char *user_root = NULL;
  const char *rootless = "auto";
  bool root_in_tmp = false;
  size_t i;
  int c;

  /* Errors are ours, one line each: getopt must not print. */
  opterr = 0;
  sealed_exe_set_argv (argv);
  while ((c = getopt_long (argc, argv, "+vh", opts, NULL)) != -1)
    switch (c)
      {
      case OPT_ROOT:
        g.rt.root = optarg;
        break;
      case OPT_LOG:
        g.log = optarg;
        break;
      case OPT_LOG_FORMAT:
        if (strcmp (optarg, "text") != 0 && strcmp (optarg, "json") != 0)
          return cli_usage ("--log-format", "unknown format `%s` (text or json)", optarg);
        g.log_format = optarg;
        break;
      case OPT_DEBUG:
        g.debug = 1;
        break;
      case OPT_SYSTEMD_CGROUP:
        g.rt.systemd_cgroup = true;
        break;
      case OPT_ROOTLESS:
        if (strcmp (optarg, "true") && strcmp (optarg, "false") && strcmp (optarg, "auto"))
          return cli_usage ("--rootless", "`%s` is not true, false or auto", optarg);
        rootless = optarg;
        break;
      case 'v':
        print_version ();
        return 0;
      case 'h':
        print_usage (stdout);
        return 0;
      default:
        log_error ("unknown or incomplete global option `%s` (see cove --help)", argv[optind - 1]);
        return 1;
      }
  if (log_init (g.log, strcmp (g.log_format, "json") == 0, g.debug) < 0)
    {
      fprintf (stderr, "cove: --log `%s`: %m\n", g.log);
      return 1;
    }
  if (optind >= argc)
    {
      log_error ("missing command (see cove --help)");
      return 1;
    }
  g.rt.rootless = strcmp (rootless, "auto") == 0 ? detect_rootless ()
                                                  : strcmp (rootless, "true") == 0;
  /* Keyed on the euid, not on --rootless: root in a user namespace keeps
   * /run/cove (runc does the same unless told otherwise). */
  if (g.rt.root == NULL && geteuid () != 0)
    g.rt.root = user_root = unprivileged_root (&root_in_tmp);
  else if (g.rt.root == NULL)
    g.rt.root = DEFAULT_ROOT;
  for (i = 0; i < sizeof commands / sizeof *commands; i++)
    if (strcmp (argv[optind], commands[i].name) == 0)
      {
        int sub_argc = argc - optind;

        if (root_in_tmp && !commands[i].no_state && check_tmp_root (g.rt.root) < 0)
          return 1;
        optind = 0; /* reset getopt for the command's own options */
        return commands[i].fn (&g, sub_argc, argv + (argc - sub_argc));
      }
  log_error ("unknown command `%s` (see cove --help)", argv[optind]);
  return 1;
}
