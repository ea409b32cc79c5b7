/* exec: run a process in a running container (runc's flags). */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "exec.h"
#include "util.h"

/* runc exits 255 when the runtime itself fails an exec; engines rely on
 * it to tell a runtime error from the command's own status. */
#define EXEC_RUNTIME_FAILURE 255

enum
{
  OPT_CONSOLE_SOCKET = 256,
  OPT_PID_FILE,
  OPT_CWD,
  OPT_NO_NEW_PRIVS,
  OPT_APPARMOR,
  OPT_PROCESS_LABEL,
  OPT_PRESERVE_FDS,
  OPT_IGNORE_PAUSED,
  OPT_CGROUP,
};

/* Append to a NULL-terminated vector that grows. */
static void
push (char ***v, size_t *n, char *s)
{
  *v = xrealloc (*v, (*n + 2) * sizeof **v);
  (*v)[(*n)++] = s;
  (*v)[*n] = NULL;
}

int
cmd_exec (struct global_opts *g, int argc, char **argv)
{
  static const struct option opts[] = {
    { "process", required_argument, NULL, 'p' },
    { "detach", no_argument, NULL, 'd' },
    { "tty", no_argument, NULL, 't' },
    { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
    { "pid-file", required_argument, NULL, OPT_PID_FILE },
    { "env", required_argument, NULL, 'e' },
    { "cwd", required_argument, NULL, OPT_CWD },
    { "user", required_argument, NULL, 'u' },
    { "additional-gids", required_argument, NULL, 'g' },
    { "cap", required_argument, NULL, 'c' },
    { "no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS },
    { "apparmor", required_argument, NULL, OPT_APPARMOR },
    { "process-label", required_argument, NULL, OPT_PROCESS_LABEL },
    { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
    { "ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED },
    { "cgroup", required_argument, NULL, OPT_CGROUP },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct exec_opts o = { 0 };
  cleanup_free char **env = NULL;
  cleanup_free char **gids = NULL;
  cleanup_free char **caps = NULL;
  size_t n_env = 0, n_gids = 0, n_caps = 0;
  rt_error_t err = NULL;
  int status = 0;
  int c;

  /* '+': stop at the ID, everything after it is the command. */
  while ((c = getopt_long (argc, argv, "+p:dte:u:g:c:h", opts, NULL)) != -1)
    switch (c)
      {
      case 'p':
        o.process_file = optarg;
        break;
      case 'd':
        o.detach = true;
        break;
      case 't':
        o.ov.tty = true;
        break;
      case OPT_CONSOLE_SOCKET:
        o.console_socket = optarg;
        break;
      case OPT_PID_FILE:
        o.pid_file = optarg;
        break;
      case 'e':
        if (strchr (optarg, '=') == NULL)
          {
            cli_usage ("exec", "--env `%s`: expected NAME=VALUE", optarg);
            return EXEC_RUNTIME_FAILURE;
          }
        push (&env, &n_env, optarg);
        break;
      case OPT_CWD:
        o.ov.cwd = optarg;
        break;
      case 'u':
        o.ov.user = optarg;
        break;
      case 'g':
        push (&gids, &n_gids, optarg);
        break;
      case 'c':
        push (&caps, &n_caps, optarg);
        break;
      case OPT_NO_NEW_PRIVS:
        o.ov.no_new_privs = true;
        break;
      case OPT_APPARMOR:
        o.ov.apparmor = optarg;
        break;
      case OPT_PROCESS_LABEL:
        o.ov.label = optarg;
        break;
      case OPT_PRESERVE_FDS:
        {
          char *end;
          long n = strtol (optarg, &end, 10);
          if (*end || n < 0 || n > 65536)
            {
              cli_usage ("exec", "--preserve-fds: `%s` is not a count of fds", optarg);
              return EXEC_RUNTIME_FAILURE;
            }
          o.preserve_fds = (int) n;
          break;
        }
      case OPT_IGNORE_PAUSED:
        o.ignore_paused = true;
        break;
      case OPT_CGROUP:
        o.cgroup_sub = optarg;
        break;
      case 'h':
        puts ("usage: cove exec [options] ID [COMMAND [ARG...]]\n"
              "       cove exec [options] -p process.json ID\n"
              "  -p, --process FILE         the process as JSON (config.json's process)\n"
              "  -d, --detach               do not wait for the process to exit\n"
              "  -t, --tty                  allocate a terminal\n"
              "      --console-socket PATH  send the terminal's master to this socket\n"
              "      --pid-file PATH        write the process's pid to PATH\n"
              "  -e, --env NAME=VALUE       set a variable (repeatable)\n"
              "      --cwd DIR              working directory\n"
              "  -u, --user UID[:GID]       user and group\n"
              "  -g, --additional-gids GID  a supplementary group (repeatable)\n"
              "  -c, --cap CAP              add a capability (repeatable)\n"
              "      --no-new-privs         set no_new_privs\n"
              "      --apparmor PROFILE     AppArmor profile\n"
              "      --process-label LABEL  SELinux label\n"
              "      --preserve-fds N       pass fds 3 to 3+N-1 to the process\n"
              "      --ignore-paused        exec even into a paused container\n"
              "      --cgroup PATH          not supported (refused)\n"
              "  -h, --help                 this help");
        return 0;
      default:
        cli_usage ("exec", "unknown option or missing value `%s`", argv[optind - 1]);
        return EXEC_RUNTIME_FAILURE;
      }
  if (optind >= argc)
    {
      cli_usage ("exec", "expects a container ID");
      return EXEC_RUNTIME_FAILURE;
    }
  o.id = argv[optind++];
  if (o.process_file && optind < argc)
    {
      cli_usage ("exec", "--process and a command are mutually exclusive");
      return EXEC_RUNTIME_FAILURE;
    }
  o.ov.args = optind < argc ? argv + optind : NULL;
  o.ov.env = env;
  o.ov.additional_gids = gids;
  o.ov.caps = caps;
  if (container_exec (&g->rt, &o, &status, &err) < 0)
    {
      cli_fail (&err);
      return EXEC_RUNTIME_FAILURE;
    }
  return status;
}
