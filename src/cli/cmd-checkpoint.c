/* checkpoint, restore: runc's options, one core call each (checkpoint.h),
 * plus --export / --import of a portable archive (migrate-archive.h). */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "cli.h"
#include "migrate-archive.h"
#include "util.h"

enum
{
  OPT_IMAGE_PATH = 256,
  OPT_WORK_PATH,
  OPT_PARENT_PATH,
  OPT_LEAVE_RUNNING,
  OPT_TCP_ESTABLISHED,
  OPT_EXT_UNIX_SK,
  OPT_SHELL_JOB,
  OPT_FILE_LOCKS,
  OPT_PRE_DUMP,
  OPT_MANAGE_CGROUPS_MODE,
  OPT_EMPTY_NS,
  OPT_AUTO_DEDUP,
  OPT_PAGE_SERVER,
  OPT_STATUS_FD,
  OPT_EXPORT,
  OPT_IMPORT,
  OPT_PID_FILE,
  OPT_CONSOLE_SOCKET,
  OPT_NO_PIVOT,
  OPT_NO_SUBREAPER,
  OPT_LSM_PROFILE,
  OPT_LSM_MOUNT_CONTEXT,
};

/* --empty-ns takes a namespace name (runc: "network"); criu can leave out
 * only the network namespace. */
static int
parse_empty_ns (const char *v)
{
  return strcmp (v, "network") == 0 || strcmp (v, "net") == 0 ? 0 : -1;
}

static const struct option checkpoint_options[] = {
  { "image-path", required_argument, NULL, OPT_IMAGE_PATH },
  { "work-path", required_argument, NULL, OPT_WORK_PATH },
  { "parent-path", required_argument, NULL, OPT_PARENT_PATH },
  { "leave-running", no_argument, NULL, OPT_LEAVE_RUNNING },
  { "tcp-established", no_argument, NULL, OPT_TCP_ESTABLISHED },
  { "ext-unix-sk", no_argument, NULL, OPT_EXT_UNIX_SK },
  { "shell-job", no_argument, NULL, OPT_SHELL_JOB },
  { "file-locks", no_argument, NULL, OPT_FILE_LOCKS },
  { "pre-dump", no_argument, NULL, OPT_PRE_DUMP },
  { "manage-cgroups-mode", required_argument, NULL, OPT_MANAGE_CGROUPS_MODE },
  { "empty-ns", required_argument, NULL, OPT_EMPTY_NS },
  { "auto-dedup", no_argument, NULL, OPT_AUTO_DEDUP },
  { "page-server", required_argument, NULL, OPT_PAGE_SERVER },
  { "status-fd", required_argument, NULL, OPT_STATUS_FD },
  { "export", required_argument, NULL, OPT_EXPORT },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

static void
checkpoint_help (void)
{
  puts ("usage: cove checkpoint [options] ID\n"
        "      --image-path DIR            where criu writes the images (default ./checkpoint)\n"
        "      --work-path DIR             criu's logs and work files (default: the image dir)\n"
        "      --parent-path DIR           a previous --pre-dump (relative to the image dir)\n"
        "      --leave-running             keep the container running after the dump\n"
        "      --tcp-established           dump established TCP connections\n"
        "      --ext-unix-sk               allow unix sockets connected outside\n"
        "      --shell-job                 allow a session or process group outside\n"
        "      --file-locks                dump file locks\n"
        "      --pre-dump                  dump memory only, the container keeps running\n"
        "      --manage-cgroups-mode MODE  soft, full, strict or ignore\n"
        "      --empty-ns network          do not dump the network namespace\n"
        "      --auto-dedup                deduplicate the parent's pages\n"
        "      --page-server ADDRESS:PORT  send the memory to a criu page server\n"
        "      --status-fd FD              a NUL byte there once the dump is complete\n"
        "      --export FILE               then pack images, config and volumes into FILE\n"
        "  -h, --help                      this help");
}

static int
parse_fd (const char *cmd, const char *opt, const char *v, int *out)
{
  char *end;
  long n = strtol (v, &end, 10);

  if (*v == '\0' || *end || n < 0 || n > 65535)
    return cli_usage (cmd, "%s: `%s` is not a file descriptor", opt, v);
  *out = (int) n;
  return 0;
}

int
cmd_checkpoint (struct global_opts *g, int argc, char **argv)
{
  struct checkpoint_opts o = { .status_fd = -1 };
  const char *export_file = NULL;
  rt_error_t err = NULL;
  int c;

  while ((c = getopt_long (argc, argv, "h", checkpoint_options, NULL)) != -1)
    switch (c)
      {
      case OPT_IMAGE_PATH:
        o.image_path = optarg;
        break;
      case OPT_WORK_PATH:
        o.work_path = optarg;
        break;
      case OPT_PARENT_PATH:
        o.parent_path = optarg;
        break;
      case OPT_LEAVE_RUNNING:
        o.leave_running = true;
        break;
      case OPT_TCP_ESTABLISHED:
        o.tcp_established = true;
        break;
      case OPT_EXT_UNIX_SK:
        o.ext_unix_sk = true;
        break;
      case OPT_SHELL_JOB:
        o.shell_job = true;
        break;
      case OPT_FILE_LOCKS:
        o.file_locks = true;
        break;
      case OPT_PRE_DUMP:
        o.pre_dump = true;
        break;
      case OPT_MANAGE_CGROUPS_MODE:
        o.manage_cgroups_mode = optarg;
        break;
      case OPT_EMPTY_NS:
        if (parse_empty_ns (optarg) < 0)
          return cli_usage ("checkpoint", "--empty-ns: `%s` is not `network` (the only "
                                          "namespace criu can leave out)", optarg);
        o.empty_ns = true;
        break;
      case OPT_AUTO_DEDUP:
        o.auto_dedup = true;
        break;
      case OPT_PAGE_SERVER:
        o.page_server = optarg;
        break;
      case OPT_STATUS_FD:
        if (parse_fd ("checkpoint", "--status-fd", optarg, &o.status_fd) != 0)
          return 1;
        break;
      case OPT_EXPORT:
        export_file = optarg;
        break;
      case 'h':
        checkpoint_help ();
        return 0;
      default:
        return cli_usage ("checkpoint", "unknown option or missing value `%s`",
                          argv[optind - 1]);
      }
  if (optind != argc - 1)
    return cli_usage ("checkpoint", "expects exactly one container ID");
  if (o.manage_cgroups_mode && strcmp (o.manage_cgroups_mode, "soft")
      && strcmp (o.manage_cgroups_mode, "full") && strcmp (o.manage_cgroups_mode, "strict")
      && strcmp (o.manage_cgroups_mode, "ignore"))
    return cli_usage ("checkpoint",
                      "--manage-cgroups-mode: `%s` is not soft, full, strict or ignore",
                      o.manage_cgroups_mode);
  if (o.parent_path && !o.pre_dump && o.parent_path[0] == '\0')
    return cli_usage ("checkpoint", "--parent-path: empty");
  if (export_file && (o.pre_dump || o.page_server))
    return cli_usage ("checkpoint", "--export: not with --pre-dump or --page-server (no "
                                    "complete image to pack)");
  if (container_checkpoint (&g->rt, argv[optind], &o, &err) < 0)
    return cli_fail (&err);
  if (export_file)
    {
      const char *image = o.image_path ? o.image_path : "checkpoint";
      cleanup_free char *bundle = checkpoint_image_bundle (image, &err);
      if (bundle == NULL || migrate_export (bundle, image, export_file, &err) < 0)
        return cli_fail (&err);
    }
  return 0;
}

static const struct option restore_options[] = {
  { "bundle", required_argument, NULL, 'b' },
  { "image-path", required_argument, NULL, OPT_IMAGE_PATH },
  { "work-path", required_argument, NULL, OPT_WORK_PATH },
  { "detach", no_argument, NULL, 'd' },
  { "pid-file", required_argument, NULL, OPT_PID_FILE },
  { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
  { "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
  { "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
  { "tcp-established", no_argument, NULL, OPT_TCP_ESTABLISHED },
  { "ext-unix-sk", no_argument, NULL, OPT_EXT_UNIX_SK },
  { "shell-job", no_argument, NULL, OPT_SHELL_JOB },
  { "file-locks", no_argument, NULL, OPT_FILE_LOCKS },
  { "manage-cgroups-mode", required_argument, NULL, OPT_MANAGE_CGROUPS_MODE },
  { "lsm-profile", required_argument, NULL, OPT_LSM_PROFILE },
  { "lsm-mount-context", required_argument, NULL, OPT_LSM_MOUNT_CONTEXT },
  { "import", required_argument, NULL, OPT_IMPORT },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

static void
restore_help (void)
{
  puts ("usage: cove restore [options] ID\n"
        "  -b, --bundle DIR                the bundle (default: the current directory)\n"
        "      --image-path DIR            the checkpoint's images (default ./checkpoint)\n"
        "      --work-path DIR             criu's logs and work files (default: the image dir)\n"
        "  -d, --detach                    do not wait for the container to exit\n"
        "      --pid-file PATH             write the restored init's pid to PATH\n"
        "      --console-socket PATH       send the new terminal's master to this socket\n"
        "      --no-pivot                  accepted for runc compatibility (criu pivots)\n"
        "      --no-subreaper              accepted for runc compatibility, ignored\n"
        "      --tcp-established           restore established TCP connections\n"
        "      --ext-unix-sk               allow unix sockets connected outside\n"
        "      --shell-job                 allow a session or process group outside\n"
        "      --file-locks                restore file locks\n"
        "      --manage-cgroups-mode MODE  soft, full, strict or ignore\n"
        "      --lsm-profile TYPE:NAME     apparmor:PROFILE or selinux:LABEL for the processes\n"
        "      --lsm-mount-context CONTEXT SELinux context of the restored mounts\n"
        "      --import FILE               first unpack a migration archive into the bundle\n"
        "  -h, --help                      this help");
}

int
cmd_restore (struct global_opts *g, int argc, char **argv)
{
  struct restore_opts o;
  const char *import_file = NULL;
  rt_error_t err = NULL;
  int c, status = 0;

  memset (&o, 0, sizeof o);

  while ((c = getopt_long (argc, argv, "b:dh", restore_options, NULL)) != -1)
    switch (c)
      {
      case 'b':
        o.create.bundle = optarg;
        break;
      case OPT_IMAGE_PATH:
        o.image_path = optarg;
        break;
      case OPT_WORK_PATH:
        o.work_path = optarg;
        break;
      case 'd':
        o.detach = true;
        break;
      case OPT_PID_FILE:
        o.create.pid_file = optarg;
        break;
      case OPT_CONSOLE_SOCKET:
        o.create.console_socket = optarg;
        break;
      case OPT_NO_PIVOT:
        o.create.no_pivot = true;
        break;
      case OPT_NO_SUBREAPER:
        break;
      case OPT_TCP_ESTABLISHED:
        o.tcp_established = true;
        break;
      case OPT_EXT_UNIX_SK:
        o.ext_unix_sk = true;
        break;
      case OPT_SHELL_JOB:
        o.shell_job = true;
        break;
      case OPT_FILE_LOCKS:
        o.file_locks = true;
        break;
      case OPT_MANAGE_CGROUPS_MODE:
        o.manage_cgroups_mode = optarg;
        break;
      case OPT_LSM_PROFILE:
        if ((!str_has_prefix (optarg, "apparmor:") && !str_has_prefix (optarg, "selinux:"))
            || strchr (optarg, ':')[1] == '\0')
          return cli_usage ("restore", "--lsm-profile: `%s` is not apparmor:NAME or "
                                       "selinux:LABEL", optarg);
        o.lsm_profile = optarg;
        break;
      case OPT_LSM_MOUNT_CONTEXT:
        if (*optarg == '\0')
          return cli_usage ("restore", "--lsm-mount-context: empty");
        o.lsm_mount_context = optarg;
        break;
      case OPT_IMPORT:
        import_file = optarg;
        break;
      case 'h':
        restore_help ();
        return 0;
      default:
        return cli_usage ("restore", "unknown option or missing value `%s`", argv[optind - 1]);
      }
  if (optind != argc - 1)
    return cli_usage ("restore", "expects exactly one container ID");
  if (o.manage_cgroups_mode && strcmp (o.manage_cgroups_mode, "soft")
      && strcmp (o.manage_cgroups_mode, "full") && strcmp (o.manage_cgroups_mode, "strict")
      && strcmp (o.manage_cgroups_mode, "ignore"))
    return cli_usage ("restore", "--manage-cgroups-mode: `%s` is not soft, full, strict or ignore",
                      o.manage_cgroups_mode);
  o.create.id = argv[optind];
  if (import_file
      && migrate_import (import_file, o.create.bundle ? o.create.bundle : ".",
                         o.image_path ? o.image_path : "checkpoint", &err)
             < 0)
    return cli_fail (&err);
  if (container_restore (&g->rt, &o, &status, &err) < 0)
    return cli_fail (&err);
  return status;
}
