/* Validation of a bundle without running it (`cove spec --validate`):
 * config.json against the schema (oci-spec, collecting every problem),
 * then against the host, with every problem reported by its JSON path.
 * Only opens, stats and reads. */
#include <config.h>
#include "spec-check.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lsm.h"
#include "mount-options.h"
#include "safe-path.h"
#include "seccomp-bpf.h"
#include "util.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define CONFIG_MAX_SIZE (64 << 20)

struct checker
{
  const struct oci_config *c;
  /* The schema problems: the config is partial where they lie, and only
   * its whole parts are checked against the host.  NULL: none. */
  const struct oci_problems *schema;
  const char *bundle;
  int root_fd; /* O_PATH of the rootfs, -1 when it is missing */
  spec_problem_fn report;
  void *data;
  int problems;
};

static void problem (struct checker *k, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
static void
problem (struct checker *k, const char *fmt, ...)
{
  cleanup_free char *msg = NULL;
  cleanup_free char *line = NULL;
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    oom ();
  va_end (ap);
  line = xasprintf ("config.json: %s", msg);
  k->report (k->data, line);
  k->problems++;
}

static bool whole (const struct checker *k, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
/* Whether the part of the config at a JSON path parsed without a problem,
 * so that its values are all there and valid. */
static bool
whole (const struct checker *k, const char *fmt, ...)
{
  cleanup_free char *path = NULL;
  va_list ap;

  if (k->schema == NULL || k->schema->len == 0)
    return true;
  va_start (ap, fmt);
  if (vasprintf (&path, fmt, ap) < 0)
    oom ();
  va_end (ap);
  return !oci_problems_affect (k->schema, path);
}

/* A path of the config: absolute, or relative to the bundle. */
static char *
bundle_path (const struct checker *k, const char *p)
{
  if (p[0] == '/')
    return xstrdup (p);
  return xasprintf ("%s/%s", k->bundle, p);
}

/* ---- what create needs ---------------------------------------------------- */

static void
check_runnable (struct checker *k)
{
  if (k->c->process == NULL && whole (k, ".process"))
    problem (k, ".process: missing (create needs a process)");
  if (whole (k, ".linux.namespaces") && oci_config_namespace (k->c, OCI_NS_MOUNT) == NULL)
    problem (k, ".linux.namespaces: no mount namespace (create needs one)");
}

static void
check_root (struct checker *k)
{
  cleanup_free char *path = bundle_path (k, k->c->root->path);
  struct stat st;

  if (stat (path, &st) < 0)
    problem (k, ".root.path: `%s`: %s", path, strerror (errno));
  else if (!S_ISDIR (st.st_mode))
    problem (k, ".root.path: `%s`: not a directory", path);
  else
    {
      k->root_fd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (k->root_fd < 0)
        problem (k, ".root.path: `%s`: %s", path, strerror (errno));
    }
}

/* stat of a path inside the rootfs, symlinks resolved inside it. */
static int
stat_in_root (const struct checker *k, const char *path, struct stat *st)
{
  int fd = safe_resolve (k->root_fd, path, O_PATH);
  int ret;

  if (fd < 0)
    {
      errno = -fd;
      return -1;
    }
  ret = fstat (fd, st);
  close (fd);
  return ret;
}

static const char *
env_value (char **env, const char *name)
{
  size_t n = strlen (name);

  for (; env && *env; env++)
    if (strncmp (*env, name, n) == 0 && (*env)[n] == '=')
      return *env + n + 1;
  return NULL;
}

static bool
executable_in_root (const struct checker *k, const char *path)
{
  struct stat st;
  return stat_in_root (k, path, &st) == 0 && S_ISREG (st.st_mode) && (st.st_mode & 0111);
}

/* args[0] as execvp finds it, in the rootfs with the process's PATH. */
static void
check_command (struct checker *k)
{
  const struct oci_process *p = k->c->process;
  const char *cmd = p->args ? p->args[0] : NULL;
  const char *path;
  cleanup_free char *dirs = NULL;
  char *save = NULL, *d;
  struct stat st;

  if (k->root_fd < 0 || cmd == NULL)
    return;
  if (strchr (cmd, '/'))
    {
      if (!executable_in_root (k, cmd))
        problem (k, ".process.args[0]: `%s`: no such executable in the rootfs", cmd);
    }
  else
    {
      path = env_value (p->env, "PATH");
      dirs = xstrdup (path ? path : DEFAULT_PATH);
      for (d = strtok_r (dirs, ":", &save); d; d = strtok_r (NULL, ":", &save))
        {
          cleanup_free char *full = xasprintf ("%s/%s", d, cmd);
          if (executable_in_root (k, full))
            break;
        }
      if (d == NULL)
        problem (k, ".process.args[0]: `%s`: not found in the rootfs (PATH=%s)", cmd,
                 path ? path : DEFAULT_PATH);
    }
  /* A missing cwd is created; something else than a directory is not. */
  if (p->cwd && stat_in_root (k, p->cwd, &st) == 0 && !S_ISDIR (st.st_mode))
    problem (k, ".process.cwd: `%s`: not a directory in the rootfs", p->cwd);
  if (p->apparmor_profile && !lsm_apparmor_enabled ())
    problem (k, ".process.apparmorProfile: AppArmor is not enabled on this host");
}

/* ---- mounts ----------------------------------------------------------------- */

/* Whether /proc/filesystems lists `type` (read once). */
static bool
fs_type_known (const char *type)
{
  static char *list;
  static bool read_done;
  const char *p;
  size_t n = strlen (type);

  if (!read_done)
    {
      rt_error_t err = NULL;
      size_t len;
      read_done = true;
      if (read_file_at (AT_FDCWD, "/proc/filesystems", &list, &len, &err) < 0)
        rt_error_free (&err);
    }
  if (list == NULL)
    return true; /* cannot tell */
  for (p = list; p && *p; p = strchr (p, '\n') ? strchr (p, '\n') + 1 : NULL)
    {
      const char *name = strchr (p, '\t');
      if (name && strncmp (name + 1, type, n) == 0 && (name[1 + n] == '\n' || name[1 + n] == '\0'))
        return true;
    }
  return false;
}

static void
check_mount (struct checker *k, size_t i)
{
  const struct oci_mount *m = &k->c->mounts[i];
  struct mount_options o;
  struct stat src, dst;
  bool bind;

  mount_options_parse (m->options, &o);
  bind = o.bind || (m->type && strcmp (m->type, "bind") == 0);
  mount_options_free (&o);
  if (!bind)
    {
      if (m->type && strcmp (m->type, "none") != 0 && !fs_type_known (m->type))
        problem (k, ".mounts[%zu].type: `%s`: no such filesystem type on this host", i, m->type);
      return;
    }
  if (m->source == NULL)
    {
      problem (k, ".mounts[%zu].source: a bind mount needs a source", i);
      return;
    }
  {
    cleanup_free char *path = bundle_path (k, m->source);
    if (stat (path, &src) < 0)
      {
        problem (k, ".mounts[%zu].source: `%s`: %s", i, path, strerror (errno));
        return;
      }
  }
  /* A directory cannot be bound onto a file, nor a file onto a directory:
   * the mount would fail with ENOTDIR or EISDIR. */
  if (k->root_fd >= 0 && stat_in_root (k, m->destination, &dst) == 0
      && S_ISDIR (src.st_mode) != S_ISDIR (dst.st_mode))
    problem (k, ".mounts[%zu].destination: `%s` is a %s in the rootfs, the source a %s", i,
             m->destination, S_ISDIR (dst.st_mode) ? "directory" : "file",
             S_ISDIR (src.st_mode) ? "directory" : "file");
}

/* ---- devices ---------------------------------------------------------------- */

/* Whether /proc/devices has a driver for this major: a node without one
 * can be made, but opening it fails with ENXIO. */
static bool
driver_present (char type, int64_t major)
{
  cleanup_free char *text = NULL;
  rt_error_t err = NULL;
  const char *section = type == 'b' ? "Block devices:" : "Character devices:";
  const char *p;
  size_t len;
  bool in = false;

  if (read_file_at (AT_FDCWD, "/proc/devices", &text, &len, &err) < 0)
    {
      rt_error_free (&err);
      return true; /* cannot tell */
    }
  for (p = text; p && *p; p = strchr (p, '\n') ? strchr (p, '\n') + 1 : NULL)
    {
      long n;
      if (p[0] != ' ' && !(p[0] >= '0' && p[0] <= '9'))
        in = strncmp (p, section, strlen (section)) == 0;
      else if (in && sscanf (p, "%ld", &n) == 1 && n == major)
        return true;
    }
  return false;
}

static void
check_device (struct checker *k, size_t i, bool userns)
{
  const struct oci_device *d = &k->c->linux_->devices[i];
  struct stat st;

  if (d->type == 'p')
    return;
  /* In a user namespace nodes cannot be made: the host's is bound in. */
  if (userns)
    {
      if (stat (d->path, &st) < 0)
        problem (k, ".linux.devices[%zu].path: `%s`: %s on the host (a user namespace binds the "
                 "host's node)", i, d->path, strerror (errno));
      else if (!(S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode))
               || S_ISBLK (st.st_mode) != (d->type == 'b') || major (st.st_rdev) != d->major
               || minor (st.st_rdev) != d->minor)
        problem (k, ".linux.devices[%zu].path: `%s` on the host is not device %c %lld:%lld", i,
                 d->path, d->type, (long long) d->major, (long long) d->minor);
      return;
    }
  if (d->has_major && !driver_present (d->type, d->major))
    problem (k, ".linux.devices[%zu].major: no %s device driver with major %lld on this host", i,
             d->type == 'b' ? "block" : "character", (long long) d->major);
}

/* ---- namespaces, hooks, sysctls, seccomp ------------------------------------ */

static const int ns_clone_flag[OCI_NS_COUNT] = {
  [OCI_NS_PID] = CLONE_NEWPID,     [OCI_NS_NETWORK] = CLONE_NEWNET, [OCI_NS_MOUNT] = CLONE_NEWNS,
  [OCI_NS_IPC] = CLONE_NEWIPC,     [OCI_NS_UTS] = CLONE_NEWUTS,     [OCI_NS_USER] = CLONE_NEWUSER,
  [OCI_NS_CGROUP] = CLONE_NEWCGROUP, [OCI_NS_TIME] = 0x00000080 /* CLONE_NEWTIME */,
};

static void
check_namespace (struct checker *k, size_t i)
{
  const struct oci_namespace *ns = &k->c->linux_->namespaces[i];
  cleanup_close int fd = -1;
  int kind;

  if (ns->path == NULL)
    return;
  fd = open (ns->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      problem (k, ".linux.namespaces[%zu].path: `%s`: %s", i, ns->path, strerror (errno));
      return;
    }
  kind = ioctl (fd, NS_GET_NSTYPE);
  if (kind >= 0 && kind != ns_clone_flag[ns->type])
    problem (k, ".linux.namespaces[%zu].path: `%s` is not a %s namespace", i, ns->path,
             oci_ns_type_name (ns->type));
  else if (kind < 0 && errno == ENOTTY)
    problem (k, ".linux.namespaces[%zu].path: `%s` is not a namespace", i, ns->path);
}

static void
check_hook_list (struct checker *k, const char *name, const struct oci_hook *h, size_t n,
                 bool in_container)
{
  size_t i;

  for (i = 0; i < n; i++)
    {
      struct stat st;

      if (!whole (k, ".hooks.%s[%zu]", name, i))
        continue;
      if (in_container)
        {
          if (k->root_fd >= 0 && !executable_in_root (k, h[i].path))
            problem (k, ".hooks.%s[%zu].path: `%s`: no such executable in the rootfs", name, i,
                     h[i].path);
          continue;
        }
      if (stat (h[i].path, &st) < 0)
        problem (k, ".hooks.%s[%zu].path: `%s`: %s", name, i, h[i].path, strerror (errno));
      else if (!S_ISREG (st.st_mode) || access (h[i].path, X_OK) < 0)
        problem (k, ".hooks.%s[%zu].path: `%s`: not an executable file", name, i, h[i].path);
    }
}

static void
check_hooks (struct checker *k)
{
  const struct oci_hooks *h = k->c->hooks;

  if (h == NULL)
    return;
  /* Where each path is resolved (config.md): the runtime's namespace for
   * all but startContainer, which runs in the container. */
  check_hook_list (k, "prestart", h->prestart, h->n_prestart, false);
  check_hook_list (k, "createRuntime", h->create_runtime, h->n_create_runtime, false);
  check_hook_list (k, "createContainer", h->create_container, h->n_create_container, false);
  check_hook_list (k, "startContainer", h->start_container, h->n_start_container, true);
  check_hook_list (k, "poststart", h->poststart, h->n_poststart, false);
  check_hook_list (k, "poststop", h->poststop, h->n_poststop, false);
}

static void
check_sysctls (struct checker *k)
{
  const struct oci_map *m = &k->c->linux_->sysctl;
  size_t i;

  for (i = 0; i < m->len; i++)
    {
      cleanup_free char *path = xasprintf ("/proc/sys/%s", m->keys[i]);
      char *p;

      for (p = path + strlen ("/proc/sys/"); *p; p++)
        if (*p == '.')
          *p = '/';
      if (access (path, F_OK) < 0)
        problem (k, ".linux.sysctl[\"%s\"]: no such sysctl on this host", m->keys[i]);
    }
}

static void
check_seccomp (struct checker *k)
{
  cleanup_seccomp_filter struct seccomp_filter *f = NULL;
  rt_error_t err = NULL;

  if (seccomp_compile (k->c->linux_->seccomp, &f, &err) < 0)
    {
      cleanup_free char *text = rt_error_text (err);
      /* seccomp.c names the field as "linux.seccomp.…: problem". */
      if (str_has_prefix (text, "linux."))
        problem (k, ".%s", text);
      else
        problem (k, ".linux.seccomp: %s", text);
      rt_error_free (&err);
    }
}

static int
check_config (const struct oci_config *c, const struct oci_problems *schema, const char *bundle,
              spec_problem_fn report, void *data)
{
  struct checker k = { .c = c, .schema = schema, .bundle = bundle, .root_fd = -1,
                       .report = report, .data = data };
  size_t i;

  check_runnable (&k);
  if (c->root && c->root->path && whole (&k, ".root"))
    check_root (&k);
  if (c->process && whole (&k, ".process"))
    check_command (&k);
  for (i = 0; i < c->n_mounts; i++)
    if (whole (&k, ".mounts[%zu]", i))
      check_mount (&k, i);
  check_hooks (&k);
  if (c->linux_)
    {
      bool userns = oci_config_namespace (c, OCI_NS_USER) != NULL;

      /* Whether the host's nodes are bound needs the namespaces. */
      for (i = 0; i < c->linux_->n_devices; i++)
        if (whole (&k, ".linux.namespaces") && whole (&k, ".linux.devices[%zu]", i))
          check_device (&k, i, userns);
      for (i = 0; i < c->linux_->n_namespaces; i++)
        if (whole (&k, ".linux.namespaces[%zu]", i))
          check_namespace (&k, i);
      if (whole (&k, ".linux.sysctl"))
        check_sysctls (&k);
      if (whole (&k, ".linux.seccomp"))
        check_seccomp (&k);
    }
  if (k.root_fd >= 0)
    close (k.root_fd);
  return k.problems;
}

int
spec_check_config (const struct oci_config *c, const char *bundle, spec_problem_fn report,
                   void *data)
{
  return check_config (c, NULL, bundle, report, data);
}

/* config.json as create reads it: a regular file of sane size (a FIFO
 * would block us). */
static int
read_config (int dfd, const char *dir, char **text, size_t *len, rt_error_t *err)
{
  cleanup_close int fd = openat (dfd, "config.json", O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  struct stat st;
  char proc[64];

  if (fd < 0)
    return rt_error_set (err, errno, "bundle `%s`: open config.json", dir);
  if (fstat (fd, &st) < 0)
    return rt_error_set (err, errno, "bundle `%s`: config.json", dir);
  if (!S_ISREG (st.st_mode) || st.st_size > CONFIG_MAX_SIZE)
    return rt_error_set (err, 0, "bundle `%s`: config.json: not a regular file under %d MiB", dir,
                         CONFIG_MAX_SIZE >> 20);
  snprintf (proc, sizeof proc, "/proc/self/fd/%d", fd);
  return read_file_at (AT_FDCWD, proc, text, len, err);
}

int
spec_check_bundle (const char *dir, spec_problem_fn report, void *data, rt_error_t *err)
{
  cleanup_free char *path = realpath (dir ? dir : ".", NULL);
  cleanup_free char *text = NULL;
  cleanup_close int dfd = -1;
  struct oci_problems schema;
  struct oci_config *c;
  size_t len, i;
  int n;

  if (path == NULL)
    return rt_error_set (err, errno, "bundle `%s`", dir ? dir : ".");
  dfd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return rt_error_set (err, errno, "bundle `%s`", path);
  if (read_config (dfd, path, &text, &len, err) < 0)
    return -1;
  /* Every schema problem first, then the host's view of the parts that
   * have none. */
  c = oci_config_parse_data_all (text, len, "config.json", OCI_PROBLEMS_MAX, &schema);
  for (i = 0; i < schema.len; i++)
    report (data, schema.items[i].line);
  n = (int) schema.len;
  if (schema.truncated)
    {
      cleanup_free char *line
          = xasprintf ("config.json: more problems not listed (the limit is %d)", OCI_PROBLEMS_MAX);
      report (data, line);
    }
  if (c != NULL)
    n += check_config (c, &schema, path, report, data);
  oci_config_free (c);
  oci_problems_clear (&schema);
  return n;
}
