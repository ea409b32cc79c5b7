/* cove: global options, the command table, dispatch. */
#include <config.h>

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
  { "spec", cmd_spec, "write a default config.json" },
  { "features", cmd_features, "print what this runtime supports, as JSON" },
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
              "  --root DIR           state directory (default " DEFAULT_ROOT ")\n"
              "  --log FILE           also log to FILE\n"
              "  --log-format FORMAT  text or json (one {\"level\",\"msg\",\"time\"} per line)\n"
              "  --debug              log debug messages\n"
              "  --systemd-cgroup     cgroupsPath is slice:prefix:name\n"
              "  --rootless VALUE     true, false or auto (accepted)\n"
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
  struct global_opts g = { .rt = { .root = DEFAULT_ROOT }, .log_format = "text" };
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
        g.rt.rootless = strcmp (optarg, "true") == 0;
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
  for (i = 0; i < sizeof commands / sizeof *commands; i++)
    if (strcmp (argv[optind], commands[i].name) == 0)
      {
        int sub_argc = argc - optind;
        optind = 0; /* reset getopt for the command's own options */
        return commands[i].fn (&g, sub_argc, argv + (argc - sub_argc));
      }
  log_error ("unknown command `%s` (see cove --help)", argv[optind]);
  return 1;
}
