/* spec: write a bundle's config.json, runc's default or one built from
 * Docker-style flags (with the bundle's /etc files); --validate: check a
 * bundle without running it. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "spec-builder.h"
#include "spec-check.h"
#include "util.h"

static const char usage[]
    = "usage: cove spec [-b DIR] [--rootless] [OPTIONS] [-- COMMAND [ARG...]]\n"
      "       cove spec --validate [-b DIR]\n"
      "\n"
      "Writes DIR/config.json (default: the current directory), never over an\n"
      "existing one.  Without OPTIONS it is runc's default: `sh` on a terminal.\n"
      "With any of them, docker run's defaults apply: no terminal unless --tty,\n"
      "a writable rootfs unless --read-only, Docker's capabilities, the default\n"
      "seccomp profile, and DIR/hosts, DIR/hostname and DIR/resolv.conf bound\n"
      "on /etc/hosts, /etc/hostname and /etc/resolv.conf.\n"
      "\n"
      "  -b, --bundle DIR        the bundle directory\n"
      "      --rootless          map the caller to root in a user namespace\n"
      "      --validate          check DIR without running it, print every problem\n"
      "      --args \"CMD ARG...\" the command, split at spaces (or give it after --)\n"
      "  -e, --env NAME[=VALUE]  set a variable (a bare NAME copies ours)\n"
      "  -w, --cwd DIR           working directory\n"
      "  -u, --user UID[:GID]    user and group, numbers or names in the rootfs\n"
      "      --hostname NAME     host name\n"
      "      --cap-add CAP       add a capability (NET_ADMIN, CAP_NET_ADMIN, ALL)\n"
      "      --cap-drop CAP      drop a capability (ALL: start from none)\n"
      "      --device HOST[:CONTAINER[:rwm]]  make a host device available\n"
      "  -v, --volume, --mount HOST:CONTAINER[:ro]  bind a host path\n"
      "                          (--mount also takes type=bind,source=,target=,readonly)\n"
      "      --tmpfs PATH[:OPTS] mount a tmpfs (nosuid,nodev,noexec unless OPTS say)\n"
      "      --read-only         read-only rootfs\n"
      "  -m, --memory BYTES      memory limit (512m, 1g)\n"
      "      --pids-limit N      process limit (-1: none)\n"
      "      --cpus N            CPU quota in CPUs (1.5)\n"
      "      --network MODE      none (own namespace, loopback only) or host\n"
      "      --add-host NAME:IP  add a line to /etc/hosts\n"
      "      --dns IP            nameserver in /etc/resolv.conf (default: the host's)\n"
      "      --dns-search DOMAIN search domain in /etc/resolv.conf\n"
      "  -t, --tty               allocate a terminal\n"
      "      --seccomp PROFILE   default, unconfined, or a linux.seccomp JSON file\n"
      "  -h, --help              this help\n";

enum
{
  OPT_ROOTLESS = 256,
  OPT_VALIDATE,
  OPT_ARGS,
  OPT_HOSTNAME,
  OPT_CAP_ADD,
  OPT_CAP_DROP,
  OPT_DEVICE,
  OPT_TMPFS,
  OPT_READ_ONLY,
  OPT_PIDS_LIMIT,
  OPT_CPUS,
  OPT_NETWORK,
  OPT_ADD_HOST,
  OPT_DNS,
  OPT_DNS_SEARCH,
  OPT_SECCOMP,
};

static const struct option options[] = {
  { "bundle", required_argument, NULL, 'b' },
  { "rootless", no_argument, NULL, OPT_ROOTLESS },
  { "validate", no_argument, NULL, OPT_VALIDATE },
  { "args", required_argument, NULL, OPT_ARGS },
  { "env", required_argument, NULL, 'e' },
  { "cwd", required_argument, NULL, 'w' },
  { "user", required_argument, NULL, 'u' },
  { "hostname", required_argument, NULL, OPT_HOSTNAME },
  { "cap-add", required_argument, NULL, OPT_CAP_ADD },
  { "cap-drop", required_argument, NULL, OPT_CAP_DROP },
  { "device", required_argument, NULL, OPT_DEVICE },
  { "mount", required_argument, NULL, 'v' },
  { "volume", required_argument, NULL, 'v' },
  { "tmpfs", required_argument, NULL, OPT_TMPFS },
  { "read-only", no_argument, NULL, OPT_READ_ONLY },
  { "memory", required_argument, NULL, 'm' },
  { "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
  { "cpus", required_argument, NULL, OPT_CPUS },
  { "network", required_argument, NULL, OPT_NETWORK },
  { "add-host", required_argument, NULL, OPT_ADD_HOST },
  { "dns", required_argument, NULL, OPT_DNS },
  { "dns-search", required_argument, NULL, OPT_DNS_SEARCH },
  { "tty", no_argument, NULL, 't' },
  { "seccomp", required_argument, NULL, OPT_SECCOMP },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* What the command line gave, and what was read or made for it. */
struct spec_cmd
{
  struct spec_flags f;
  const char *bundle;
  bool validate;
  /* Owned storage behind the borrowed fields of f. */
  char **args, **env, **cap_add, **cap_drop, **mounts, **tmpfs;
  char **add_hosts, **dns, **dns_search;
  struct spec_device *devices;
  size_t n_devices;
  char *work_dir, *passwd, *group, *resolv, *hosts, *seccomp_text;
};

/* Appends a copy of s to a NULL-terminated vector. */
static void
push (char ***v, const char *s)
{
  size_t n = *v ? strv_len (*v) : 0;

  *v = xrealloc (*v, (n + 2) * sizeof **v);
  (*v)[n] = xstrdup (s);
  (*v)[n + 1] = NULL;
}

/* --cap-add NET_ADMIN,SYS_TIME: docker takes lists as repeated flags;
 * commas are accepted as well. */
static void
push_list (char ***v, const char *s)
{
  cleanup_free char *copy = xstrdup (s);
  char *save = NULL, *t;

  for (t = strtok_r (copy, ",", &save); t; t = strtok_r (NULL, ",", &save))
    push (v, t);
}

static void
strv_free (char **v)
{
  for (size_t i = 0; v && v[i]; i++)
    free (v[i]);
  free (v);
}

static void
spec_cmd_clear (struct spec_cmd *s)
{
  size_t i;

  strv_free (s->args);
  strv_free (s->env);
  strv_free (s->cap_add);
  strv_free (s->cap_drop);
  strv_free (s->mounts);
  strv_free (s->tmpfs);
  strv_free (s->add_hosts);
  strv_free (s->dns);
  strv_free (s->dns_search);
  for (i = 0; i < s->n_devices; i++)
    spec_device_clear (&s->devices[i]);
  free (s->devices);
  free (s->work_dir);
  free (s->passwd);
  free (s->group);
  free (s->resolv);
  free (s->hosts);
  free (s->seccomp_text);
}

/* A file's text, or NULL when it cannot be read (a host fact that is
 * simply absent: no resolv.conf, no /etc/passwd in the rootfs). */
static char *
read_optional (const char *path)
{
  rt_error_t err = NULL;
  char *text = NULL;
  size_t len;

  if (read_file_at (AT_FDCWD, path, &text, &len, &err) < 0)
    {
      rt_error_free (&err);
      return NULL;
    }
  return text;
}

static int
parse_args (int argc, char **argv, struct spec_cmd *s)
{
  struct spec_flags *f = &s->f;
  bool args_flag = false;
  int c;

  s->bundle = ".";
  while ((c = getopt_long (argc, argv, "b:e:w:u:v:m:th", options, NULL)) != -1)
    switch (c)
      {
      case 'b':
        s->bundle = optarg;
        break;
      case OPT_ROOTLESS:
        f->rootless = true;
        break;
      case OPT_VALIDATE:
        s->validate = true;
        break;
      case OPT_ARGS:
        {
          cleanup_free char *copy = xstrdup (optarg);
          char *save = NULL, *t;

          if (args_flag)
            return cli_usage ("spec", "--args given twice");
          args_flag = true;
          for (t = strtok_r (copy, " \t\n", &save); t; t = strtok_r (NULL, " \t\n", &save))
            push (&s->args, t);
          if (s->args == NULL)
            return cli_usage ("spec", "--args: the command is empty");
          break;
        }
      case 'e':
        if (strchr (optarg, '=') == NULL)
          {
            /* docker run -e NAME: our value, or nothing when unset. */
            const char *v = getenv (optarg);
            if (v)
              {
                cleanup_free char *kv = xasprintf ("%s=%s", optarg, v);
                push (&s->env, kv);
              }
          }
        else
          push (&s->env, optarg);
        break;
      case 'w':
        f->cwd = optarg;
        break;
      case 'u':
        f->user = optarg;
        break;
      case OPT_HOSTNAME:
        f->hostname = optarg;
        break;
      case OPT_CAP_ADD:
        push_list (&s->cap_add, optarg);
        break;
      case OPT_CAP_DROP:
        push_list (&s->cap_drop, optarg);
        break;
      case OPT_DEVICE:
        {
          rt_error_t err = NULL;
          s->devices = xrealloc (s->devices, (s->n_devices + 1) * sizeof *s->devices);
          if (spec_device_parse (optarg, &s->devices[s->n_devices], &err) < 0)
            return cli_fail (&err);
          s->n_devices++;
          break;
        }
      case 'v':
        push (&s->mounts, optarg);
        break;
      case OPT_TMPFS:
        push (&s->tmpfs, optarg);
        break;
      case OPT_READ_ONLY:
        f->read_only = true;
        break;
      case 'm':
        f->memory = optarg;
        break;
      case OPT_PIDS_LIMIT:
        f->pids_limit = optarg;
        break;
      case OPT_CPUS:
        f->cpus = optarg;
        break;
      case OPT_NETWORK:
        f->network = optarg;
        break;
      case OPT_ADD_HOST:
        push (&s->add_hosts, optarg);
        break;
      case OPT_DNS:
        push (&s->dns, optarg);
        break;
      case OPT_DNS_SEARCH:
        push (&s->dns_search, optarg);
        break;
      case 't':
        f->tty = true;
        break;
      case OPT_SECCOMP:
        f->seccomp = optarg;
        break;
      case 'h':
        fputs (usage, stdout);
        exit (0);
      default:
        return cli_usage ("spec", "unknown option or missing value `%s` (see cove spec --help)",
                          argv[optind - 1]);
      }
  if (optind < argc)
    {
      /* getopt_long permutes: a command must come after `--`, so that its
       * own options are not taken for ours. */
      if (optind == 0 || strcmp (argv[optind - 1], "--") != 0)
        return cli_usage ("spec", "unexpected argument `%s` (give a command after --)",
                          argv[optind]);
      if (args_flag)
        return cli_usage ("spec", "--args and a command after -- are exclusive");
      for (; optind < argc; optind++)
        push (&s->args, argv[optind]);
    }
  f->args = s->args;
  f->env = s->env;
  f->cap_add = s->cap_add;
  f->cap_drop = s->cap_drop;
  f->mounts = s->mounts;
  f->tmpfs = s->tmpfs;
  f->add_hosts = s->add_hosts;
  f->dns = s->dns;
  f->dns_search = s->dns_search;
  f->devices = s->devices;
  f->n_devices = s->n_devices;
  return 0;
}

/* Fills the host facts the builder needs and resolves the devices. */
static int
gather_host_facts (struct spec_cmd *s, rt_error_t *err)
{
  struct spec_flags *f = &s->f;
  size_t i;

  s->work_dir = getcwd (NULL, 0);
  if (f->user)
    {
      cleanup_free char *pw = xasprintf ("%s/rootfs/etc/passwd", s->bundle);
      cleanup_free char *gr = xasprintf ("%s/rootfs/etc/group", s->bundle);
      s->passwd = read_optional (pw);
      s->group = read_optional (gr);
    }
  s->resolv = read_optional ("/etc/resolv.conf");
  s->hosts = read_optional ("/etc/hosts");
  for (i = 0; i < s->n_devices; i++)
    if (spec_device_stat (&s->devices[i], err) < 0)
      return -1;
  if (f->seccomp && strcmp (f->seccomp, "default") != 0 && strcmp (f->seccomp, "unconfined") != 0)
    {
      size_t len;
      if (read_file_at (AT_FDCWD, f->seccomp, &s->seccomp_text, &len, err) < 0)
        return rt_error_wrap (err, "--seccomp");
      f->seccomp_len = len;
    }
  f->work_dir = s->work_dir;
  f->rootfs_passwd = s->passwd;
  f->rootfs_group = s->group;
  f->host_resolv = s->resolv;
  f->host_hosts = s->hosts;
  f->seccomp_text = s->seccomp_text;
  f->host_uid = (uint32_t) geteuid ();
  f->host_gid = (uint32_t) getegid ();
  return 0;
}

/* A bind source given by a flag must exist now (docker run --mount says
 * so too): a typo found here beats one found at create.  The bundle's own
 * files (relative sources) are written below. */
static int
check_bind_sources (const struct oci_config *c, rt_error_t *err)
{
  size_t i;

  for (i = 0; i < c->n_mounts; i++)
    {
      const struct oci_mount *m = &c->mounts[i];
      struct stat st;

      if (m->type && strcmp (m->type, "bind") == 0 && m->source && m->source[0] == '/'
          && stat (m->source, &st) < 0)
        return rt_error_set (err, errno, "--mount: source `%s`", m->source);
    }
  return 0;
}

static int
write_etc_files (int dirfd, const struct spec_etc_files *e, rt_error_t *err)
{
  const struct
  {
    const char *name;
    const char *text;
  } files[] = {
    { SPEC_ETC_HOSTS, e->hosts },
    { SPEC_ETC_HOSTNAME, e->hostname },
    { SPEC_ETC_RESOLV, e->resolv },
  };
  size_t i;

  /* 0644: the container's root may edit them, others read them. */
  for (i = 0; i < sizeof files / sizeof *files; i++)
    if (write_file_atomic_at (dirfd, files[i].name, files[i].text, strlen (files[i].text), 0644,
                              err)
        < 0)
      return rt_error_wrap (err, "spec: bundle file `%s`", files[i].name);
  return 0;
}

/* config.json is created first, exclusively, so that nothing is written
 * into a bundle that already has one; removed again on failure. */
static int
write_bundle (const char *bundle, const struct oci_config *c, const struct spec_etc_files *etc,
              rt_error_t *err)
{
  cleanup_free char *json = NULL;
  cleanup_close int dirfd = -1;
  cleanup_close int fd = -1;
  size_t len;

  json = oci_config_to_json (c, true, &len);
  if (json == NULL)
    oom ();
  dirfd = open (bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return rt_error_set (err, errno, "spec: bundle `%s`", bundle);
  /* Like runc: never overwrite an existing config.json. */
  fd = openat (dirfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0 && errno == EEXIST)
    return rt_error_set (err, 0, "spec: `%s/config.json` already exists", bundle);
  if (fd < 0)
    return rt_error_set (err, errno, "spec: `%s/config.json`", bundle);
  if ((etc && write_etc_files (dirfd, etc, err) < 0)
      || (write_all (fd, json, len) < 0
          && rt_error_set (err, errno, "spec: write `%s/config.json`", bundle) < 0))
    {
      (void) unlinkat (dirfd, "config.json", 0);
      return -1;
    }
  return 0;
}

static void
print_problem (void *data, const char *line)
{
  (void) data;
  puts (line);
}

static int
validate (const struct spec_cmd *s)
{
  rt_error_t err = NULL;
  int n;

  if (spec_flags_docker (&s->f) || s->f.rootless)
    return cli_usage ("spec", "--validate takes only --bundle");
  n = spec_check_bundle (s->bundle, print_problem, NULL, &err);
  if (n < 0)
    return cli_fail (&err);
  return n > 0 ? 1 : 0;
}

int
cmd_spec (struct global_opts *g, int argc, char **argv)
{
  struct spec_cmd s = { 0 };
  struct spec_etc_files etc = { 0 };
  struct oci_config *c = NULL;
  rt_error_t err = NULL;
  bool docker;
  int ret;

  ret = parse_args (argc, argv, &s);
  if (ret == 0 && s.validate)
    ret = validate (&s);
  else if (ret == 0)
    {
      docker = spec_flags_docker (&s.f);
      if (gather_host_facts (&s, &err) < 0)
        ret = cli_fail (&err);
      if (ret == 0)
        {
          c = spec_build (&s.f, &err);
          if (c == NULL || check_bind_sources (c, &err) < 0
              || (docker && spec_etc_files (&s.f, c, &etc, &err) < 0)
              || write_bundle (s.bundle, c, docker ? &etc : NULL, &err) < 0)
            ret = cli_fail (&err);
        }
    }
  if (c)
    oci_config_free (c);
  spec_etc_files_clear (&etc);
  spec_cmd_clear (&s);
  return ret;
}
