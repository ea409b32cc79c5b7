/* create, start, run, kill, delete: option parsing, one core call each. */
#include <config.h>

#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "signals.h"
#include "util.h"

enum
{
  OPT_BUNDLE = 'b',
  OPT_DETACH = 'd',
  OPT_CONSOLE_SOCKET = 256,
  OPT_PID_FILE,
  OPT_NO_PIVOT,
  OPT_NO_NEW_KEYRING,
  OPT_PRESERVE_FDS,
  OPT_KEEP,
  OPT_NO_SUBREAPER,
};

static const struct option create_options[] = {
  { "bundle", required_argument, NULL, OPT_BUNDLE },
  { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
  { "pid-file", required_argument, NULL, OPT_PID_FILE },
  { "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
  { "no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING },
  { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
  { "detach", no_argument, NULL, OPT_DETACH },
  { "keep", no_argument, NULL, OPT_KEEP },
  { "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* The number of inherited fds LISTEN_FDS announces (socket activation). */
static int
listen_fds (void)
{
  const char *s = getenv ("LISTEN_FDS");
  char *end;
  long n;

  if (s == NULL)
    return 0;
  n = strtol (s, &end, 10);
  return (*end == '\0' && n > 0 && n < 1024) ? (int) n : 0;
}

struct create_args
{
  struct create_opts o;
  bool detach;
  bool keep;
};

/* Parses create's (and run's) options; returns 0 or the exit status. */
static int
parse_create (const char *cmd, int argc, char **argv, struct create_args *a, bool is_run)
{
  int c;

  memset (a, 0, sizeof *a);
  while ((c = getopt_long (argc, argv, "b:dh", create_options, NULL)) != -1)
    switch (c)
      {
      case OPT_BUNDLE:
        a->o.bundle = optarg;
        break;
      case OPT_CONSOLE_SOCKET:
        a->o.console_socket = optarg;
        break;
      case OPT_PID_FILE:
        a->o.pid_file = optarg;
        break;
      case OPT_NO_PIVOT:
        a->o.no_pivot = true;
        break;
      case OPT_NO_NEW_KEYRING:
        a->o.no_new_keyring = true;
        break;
      case OPT_PRESERVE_FDS:
        {
          char *end;
          long n = strtol (optarg, &end, 10);
          if (*end || n < 0 || n > 65536)
            return cli_usage (cmd, "--preserve-fds: `%s` is not a count of fds", optarg);
          a->o.preserve_fds = (int) n;
          break;
        }
      case OPT_DETACH:
      case OPT_KEEP:
      case OPT_NO_SUBREAPER:
        if (!is_run)
          return cli_usage (cmd, "unknown option `%s`", argv[optind - 1]);
        if (c == OPT_DETACH)
          a->detach = true;
        if (c == OPT_KEEP)
          a->keep = true;
        break;
      case 'h':
        printf ("usage: cove %s [options] ID\n"
                "  -b, --bundle DIR           the bundle (default: the current directory)\n"
                "      --console-socket PATH  send the terminal's master to this socket\n"
                "      --pid-file PATH        write the container's pid to PATH\n"
                "      --no-pivot             chroot instead of pivot_root (rootfs on a ramfs)\n"
                "      --no-new-keyring       keep the caller's session keyring\n"
                "      --preserve-fds N       pass fds 3 to 3+N-1 to the container\n"
                "%s"
                "  -h, --help                 this help\n",
                cmd,
                is_run ? "  -d, --detach               do not wait for the container to exit\n"
                         "      --keep                 do not delete the container when it exits\n"
                         "      --no-subreaper         accepted for runc compatibility, ignored\n"
                       : "");
        exit (0);
      default:
        return cli_usage (argv[0], "unknown option or missing value `%s`", argv[optind - 1]);
      }
  if (optind != argc - 1)
    return cli_usage (cmd, "expects exactly one container ID");
  a->o.id = argv[optind];
  a->o.listen_fds = listen_fds ();
  a->o.preserve_fds += a->o.listen_fds;
  return 0;
}

int
cmd_create (struct global_opts *g, int argc, char **argv)
{
  struct create_args a;
  rt_error_t err = NULL;
  int ret = parse_create ("create", argc, argv, &a, false);

  if (ret != 0)
    return ret;
  if (container_create (&g->rt, &a.o, &err) < 0)
    return cli_fail (&err);
  return 0;
}

int
cmd_run (struct global_opts *g, int argc, char **argv)
{
  struct create_args a;
  rt_error_t err = NULL;
  int status;
  int ret = parse_create ("run", argc, argv, &a, true);

  if (ret != 0)
    return ret;
  if (container_run (&g->rt, &a.o, a.detach, a.keep, &status, &err) < 0)
    return cli_fail (&err);
  return status;
}

/* Commands that take only an ID (and maybe -f / -a / a signal). */
static int
parse_id_cmd (const char *cmd, int argc, char **argv, const char *shortopts,
              const struct option *longopts, bool *flag, int max_pos, char **pos)
{
  int c, n;

  while ((c = getopt_long (argc, argv, shortopts, longopts, NULL)) != -1)
    {
      if (c == 'f' || c == 'a')
        *flag = true;
      else if (c == 'h')
        {
          printf ("usage: cove %s [options] ID%s\n", cmd, max_pos > 1 ? " [SIGNAL]" : "");
          if (strcmp (cmd, "kill") == 0)
            puts ("  -a, --all    signal every process of the container, not only init\n"
                  "SIGNAL: a name (TERM, SIGTERM) or number; default SIGTERM");
          else if (strcmp (cmd, "delete") == 0)
            puts ("  -f, --force  kill the container first if it still runs");
          puts ("  -h, --help   this help");
          exit (0);
        }
      else
        return cli_usage (cmd, "unknown option `%s`", argv[optind - 1]);
    }
  n = argc - optind;
  if (n < 1 || n > max_pos)
    return cli_usage (cmd, "expects a container ID%s", max_pos > 1 ? " and an optional signal" : "");
  memcpy (pos, argv + optind, n * sizeof *pos);
  return 0;
}

int
cmd_start (struct global_opts *g, int argc, char **argv)
{
  static const struct option o[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  char *pos[1];
  bool unused = false;
  rt_error_t err = NULL;
  int ret = parse_id_cmd ("start", argc, argv, "h", o, &unused, 1, pos);

  if (ret != 0)
    return ret;
  if (container_start (&g->rt, pos[0], &err) < 0)
    return cli_fail (&err);
  return 0;
}

int
cmd_kill (struct global_opts *g, int argc, char **argv)
{
  static const struct option o[] = { { "all", no_argument, NULL, 'a' },
                                     { "help", no_argument, NULL, 'h' },
                                     { NULL, 0, NULL, 0 } };
  char *pos[2] = { NULL, NULL };
  bool all = false;
  rt_error_t err = NULL;
  int sig = SIGTERM;
  int ret = parse_id_cmd ("kill", argc, argv, "ah", o, &all, 2, pos);

  if (ret != 0)
    return ret;
  if (pos[1])
    {
      sig = signal_parse (pos[1]);
      if (sig < 0)
        return cli_usage ("kill", "unknown signal `%s`", pos[1]);
    }
  if (container_kill (&g->rt, pos[0], sig, all, &err) < 0)
    return cli_fail (&err);
  return 0;
}

int
cmd_delete (struct global_opts *g, int argc, char **argv)
{
  static const struct option o[] = { { "force", no_argument, NULL, 'f' },
                                     { "help", no_argument, NULL, 'h' },
                                     { NULL, 0, NULL, 0 } };
  char *pos[1];
  bool force = false;
  rt_error_t err = NULL;
  int ret = parse_id_cmd ("delete", argc, argv, "fh", o, &force, 1, pos);

  if (ret != 0)
    return ret;
  if (container_delete (&g->rt, pos[0], force, &err) < 0)
    {
      /* Engines (conmon, containerd's shim) run `delete --force` after a
       * create that failed and already removed everything; as with runc,
       * nothing left to delete is then a success, not an error. */
      cleanup_free char *gone = xasprintf ("container `%s` does not exist", pos[0]);
      if (force && err->errnum == 0 && strcmp (err->msg, gone) == 0)
        {
          rt_error_free (&err);
          return 0;
        }
      return cli_fail (&err);
    }
  return 0;
}

int
cmd_state (struct global_opts *g, int argc, char **argv)
{
  static const struct option o[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  char *pos[1];
  bool unused = false;
  cleanup_free char *json = NULL;
  rt_error_t err = NULL;
  int ret = parse_id_cmd ("state", argc, argv, "h", o, &unused, 1, pos);

  if (ret != 0)
    return ret;
  if (container_state (&g->rt, pos[0], &json, &err) < 0)
    return cli_fail (&err);
  puts (json);
  return 0;
}
