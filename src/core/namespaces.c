/* Namespaces: the type table, joining existing namespaces by path, the
 * user namespace id maps, and the time namespace with its offsets. */
#include <config.h>
#include "namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "process-attrs.h"
#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct
{
  int flag;
  const char *proc_name; /* entry in /proc/<pid>/ns/ */
} ns_table[OCI_NS_COUNT] = {
  [OCI_NS_PID] = { CLONE_NEWPID, "pid" },       [OCI_NS_NETWORK] = { CLONE_NEWNET, "net" },
  [OCI_NS_MOUNT] = { CLONE_NEWNS, "mnt" },      [OCI_NS_IPC] = { CLONE_NEWIPC, "ipc" },
  [OCI_NS_UTS] = { CLONE_NEWUTS, "uts" },       [OCI_NS_USER] = { CLONE_NEWUSER, "user" },
  [OCI_NS_CGROUP] = { CLONE_NEWCGROUP, "cgroup" }, [OCI_NS_TIME] = { CLONE_NEWTIME, "time" },
};

int
ns_clone_flag (enum oci_ns_type t)
{
  return (unsigned) t < OCI_NS_COUNT ? ns_table[t].flag : 0;
}

const char *
ns_proc_name (enum oci_ns_type t)
{
  return (unsigned) t < OCI_NS_COUNT ? ns_table[t].proc_name : NULL;
}

int
ns_new_flags (const struct oci_config *c)
{
  int flags = 0;
  size_t i;

  if (c->linux_ == NULL)
    return 0;
  for (i = 0; i < c->linux_->n_namespaces; i++)
    {
      const struct oci_namespace *ns = &c->linux_->namespaces[i];
      if (ns->path == NULL && ns->type != OCI_NS_TIME)
        flags |= ns_clone_flag (ns->type);
    }
  return flags;
}

static void
close_all (int fds[OCI_NS_COUNT])
{
  int t;
  for (t = 0; t < OCI_NS_COUNT; t++)
    if (fds[t] >= 0)
      {
        close (fds[t]);
        fds[t] = -1;
      }
}

/* The spec requires an error when `path` is not a namespace of the stated
 * type; NS_GET_NSTYPE answers that for the open fd itself, so there is no
 * window between checking and joining. */
int
ns_open_paths (const struct oci_config *c, int fds[OCI_NS_COUNT], rt_error_t *err)
{
  size_t i;
  int t;

  for (t = 0; t < OCI_NS_COUNT; t++)
    fds[t] = -1;
  if (c->linux_ == NULL)
    return 0;
  for (i = 0; i < c->linux_->n_namespaces; i++)
    {
      const struct oci_namespace *ns = &c->linux_->namespaces[i];
      const char *type = oci_ns_type_name (ns->type);
      int fd, kind;

      if (ns->path == NULL || (unsigned) ns->type >= OCI_NS_COUNT)
        continue;
      fd = open (ns->path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        {
          int saved = errno;
          close_all (fds);
          return rt_error_set (err, saved, "linux.namespaces: open %s namespace `%s`", type,
                               ns->path);
        }
      if (fds[ns->type] >= 0)
        close (fds[ns->type]); /* duplicates are refused by spec.c; keep the last */
      fds[ns->type] = fd;
      kind = ioctl (fd, NS_GET_NSTYPE);
      if (kind != ns_table[ns->type].flag)
        {
          close_all (fds);
          return rt_error_set (err, 0, "linux.namespaces: path \"%s\" is not a %s namespace",
                               ns->path, type);
        }
    }
  return 0;
}

static int
join_one (int fds[OCI_NS_COUNT], int t, rt_error_t *err)
{
  if (setns (fds[t], ns_table[t].flag) < 0)
    return rt_error_set (err, errno, "linux.namespaces: join the %s namespace",
                         oci_ns_type_name (t));
  close (fds[t]);
  fds[t] = -1;
  return 0;
}

/*
 * Order.  Namespaces not owned by the target user namespace can only be
 * joined with the privileges we have *before* entering it (a host-owned
 * network namespace, say), while rootless callers can join the others only
 * *after* entering it.  So: try everything but the user namespace first,
 * keep the ones refused with EPERM, join the user namespace, then retry
 * those.  The mount namespace goes last in each round because it changes
 * root and cwd.
 */
int
ns_join (int fds[OCI_NS_COUNT], rt_error_t *err)
{
  static const int order[] = { OCI_NS_PID, OCI_NS_NETWORK, OCI_NS_IPC, OCI_NS_UTS,
                               OCI_NS_CGROUP, OCI_NS_TIME, OCI_NS_MOUNT };
  bool deferred[OCI_NS_COUNT] = { false };
  size_t i;
  int ret;

  for (i = 0; i < sizeof order / sizeof order[0]; i++)
    {
      int t = order[i];
      if (fds[t] < 0)
        continue;
      if (setns (fds[t], ns_table[t].flag) == 0)
        {
          close (fds[t]);
          fds[t] = -1;
          continue;
        }
      if (errno == EPERM && fds[OCI_NS_USER] >= 0)
        {
          deferred[t] = true;
          continue;
        }
      ret = rt_error_set (err, errno, "linux.namespaces: join the %s namespace",
                          oci_ns_type_name (t));
      close_all (fds);
      return ret;
    }
  if (fds[OCI_NS_USER] >= 0 && join_one (fds, OCI_NS_USER, err) < 0)
    {
      close_all (fds);
      return -1;
    }
  for (i = 0; i < sizeof order / sizeof order[0]; i++)
    if (deferred[order[i]] && join_one (fds, order[i], err) < 0)
      {
        close_all (fds);
        return -1;
      }
  return 0;
}

/* ---- user namespace maps ------------------------------------------------ */

static char *
format_map (const struct oci_id_mapping *m, size_t n)
{
  char *buf = xmalloc (n * 36 + 1); /* 3 × 10 digits + 2 spaces + newline */
  size_t len = 0, i;

  buf[0] = '\0';
  for (i = 0; i < n; i++)
    len += sprintf (buf + len, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n", m[i].container_id,
                    m[i].host_id, m[i].size);
  return buf;
}

/* One write(2) of data to fd: the kernel parses a map (and the time
 * offsets) from a single write only, all ranges at once. */
static int
write_once (int fd, const char *path, const char *data, rt_error_t *err)
{
  size_t len = strlen (data);
  ssize_t n;

  if (fd < 0)
    return rt_error_set (err, errno, "open `%s`", path);
  n = write (fd, data, len);
  if (n < 0)
    return rt_error_set (err, errno, "write `%s`", path);
  if ((size_t) n != len)
    return rt_error_set (err, EIO, "write `%s`: short write", path);
  return 0;
}

static int
write_proc_file (pid_t pid, const char *name, const char *data, rt_error_t *err)
{
  cleanup_free char *path = xasprintf ("/proc/%d/%s", (int) pid, name);
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);

  return write_once (fd, path, data, err);
}

/* /proc/self, not /proc/<getpid()>: in a new pid namespace whose /proc is
 * not mounted yet our pid there means another process. */
static int
write_self_file (const char *name, const char *data, rt_error_t *err)
{
  cleanup_free char *path = xasprintf ("/proc/self/%s", name);
  cleanup_close int fd = proc_self_open_write (name);

  return write_once (fd, path, data, err);
}

static char *
find_in_path (const char *name)
{
  const char *path = getenv ("PATH");
  const char *p;

  if (path == NULL || *path == '\0')
    path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (p = path; *p;)
    {
      const char *end = strchrnul (p, ':');
      char *cand = xasprintf ("%.*s/%s", (int) (end - p), p, name);
      if (end > p && access (cand, X_OK) == 0)
        return cand;
      free (cand);
      p = *end ? end + 1 : end;
    }
  return NULL;
}

/* The last non-empty line of text (in place), for a one-line error. */
static const char *
last_line (char *text)
{
  size_t len = strlen (text);
  char *nl;

  while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
    text[--len] = '\0';
  nl = strrchr (text, '\n');
  return nl ? nl + 1 : text;
}

/*
 * newuidmap/newgidmap (shadow-utils, setuid root) write maps an
 * unprivileged user may not write itself: ranges of /etc/subuid and
 * /etc/subgid, plus the caller's own id.  newgidmap also decides about
 * setgroups (allowed when the ranges come from /etc/subgid), so we write
 * nothing to it on this path.  The helper's stderr is read back so that
 * its reason ("range ... not allowed") ends up in our one-line error.
 */
static int
run_id_helper (const char *helper, pid_t pid, const struct oci_id_mapping *m, size_t n,
               rt_error_t *err)
{
  cleanup_free char *exe = find_in_path (helper);
  char **argv;
  char msg[512];
  size_t i, k = 0, got = 0;
  ssize_t r;
  pid_t child;
  int status, pipefd[2];

  if (exe == NULL)
    return rt_error_set (err, 0,
                         "`%s` not found: mapping more than the caller's own id without root "
                         "needs it (package uidmap) and ranges in /etc/sub%cid",
                         helper, helper[3] == 'u' ? 'u' : 'g');
  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return rt_error_set (err, errno, "pipe");
  argv = xmalloc ((3 + 3 * n) * sizeof *argv);
  argv[k++] = (char *) helper;
  argv[k++] = xasprintf ("%d", (int) pid);
  for (i = 0; i < n; i++)
    {
      argv[k++] = xasprintf ("%" PRIu32, m[i].container_id);
      argv[k++] = xasprintf ("%" PRIu32, m[i].host_id);
      argv[k++] = xasprintf ("%" PRIu32, m[i].size);
    }
  argv[k] = NULL;
  child = fork ();
  if (child == 0)
    {
      if (dup2 (pipefd[1], STDERR_FILENO) < 0)
        _exit (127);
      execv (exe, argv);
      dprintf (STDERR_FILENO, "exec `%s`: %s\n", exe, strerror (errno));
      _exit (127);
    }
  close (pipefd[1]);
  for (i = 1; i < k; i++)
    free (argv[i]);
  free (argv);
  if (child < 0)
    {
      close (pipefd[0]);
      return rt_error_set (err, errno, "fork `%s`", helper);
    }
  while ((r = read (pipefd[0], msg + got, sizeof msg - 1 - got)) != 0)
    {
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0 || (got += r) == sizeof msg - 1)
        break;
    }
  msg[got] = '\0';
  close (pipefd[0]);
  while (waitpid (child, &status, 0) < 0)
    if (errno != EINTR)
      return rt_error_set (err, errno, "wait for `%s`", helper);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return rt_error_set (err, 0, "`%s` failed (status %d)%s%s", helper,
                         WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status),
                         got ? ": " : "", last_line (msg));
  return 0;
}

/* Can the caller write this map itself?  Root (CAP_SETUID/CAP_SETGID over
 * the parent namespace) can write anything; anyone else only one range of
 * size 1 naming their own id. */
static bool
can_write_directly (const struct oci_id_mapping *m, size_t n, uint32_t self)
{
  if (geteuid () == 0)
    return true;
  return n == 1 && m[0].size == 1 && m[0].host_id == self;
}

static int
write_one_map (pid_t pid, bool uid, const struct oci_id_mapping *m, size_t n, rt_error_t *err)
{
  const char *file = uid ? "uid_map" : "gid_map";
  const char *helper = uid ? "newuidmap" : "newgidmap";
  uint32_t self = uid ? geteuid () : getegid ();
  cleanup_free char *map = NULL;
  int ret;

  if (n == 0)
    return 0;
  if (!can_write_directly (m, n, self))
    {
      ret = run_id_helper (helper, pid, m, n, err);
      if (ret < 0)
        return rt_error_wrap (err, "linux.%s: set the map of pid %d", uid ? "uidMappings" : "gidMappings",
                              (int) pid);
      return 0;
    }
  /* An unprivileged writer must give up setgroups before writing gid_map
   * (user_namespaces(7)); root keeps it so additionalGids work. */
  if (!uid && geteuid () != 0)
    {
      ret = write_proc_file (pid, "setgroups", "deny", err);
      if (ret < 0)
        return rt_error_wrap (err, "linux.gidMappings");
    }
  map = format_map (m, n);
  ret = write_proc_file (pid, file, map, err);
  if (ret < 0)
    return rt_error_wrap (err, "linux.%s", uid ? "uidMappings" : "gidMappings");
  return 0;
}

int
ns_write_id_maps (pid_t pid, const struct oci_linux *l, rt_error_t *err)
{
  bool new_userns = false;
  size_t i;
  int ret;

  if (l == NULL)
    return 0;
  for (i = 0; i < l->n_namespaces; i++)
    if (l->namespaces[i].type == OCI_NS_USER && l->namespaces[i].path == NULL)
      new_userns = true;
  /* A joined user namespace has its maps already, and they cannot change. */
  if (!new_userns)
    return 0;
  ret = write_one_map (pid, true, l->uid_mappings, l->n_uid_mappings, err);
  if (ret < 0)
    return ret;
  return write_one_map (pid, false, l->gid_mappings, l->n_gid_mappings, err);
}

/* ---- time namespace ----------------------------------------------------- */

/*
 * A new time namespace cannot come from clone() with offsets: the offsets
 * must be written to /proc/<pid>/timens_offsets before any process enters
 * the namespace.  So init unshares it (which only affects its future
 * children: /proc/self/ns/time_for_children), writes the offsets, then
 * enters it itself with setns so that the container process, exec'd by
 * init, runs in it.
 */
int
ns_enter_time (const struct oci_linux *l, rt_error_t *err)
{
  cleanup_close int fd = -1;
  size_t i;
  int ret;

  if (unshare (CLONE_NEWTIME) < 0)
    return rt_error_set (err, errno, "unshare the time namespace");
  if (l && l->n_time_offsets > 0)
    {
      cleanup_free char *buf = xmalloc (l->n_time_offsets * 64 + 1);
      size_t len = 0;

      buf[0] = '\0';
      for (i = 0; i < l->n_time_offsets; i++)
        {
          const struct oci_time_offset *o = &l->time_offsets[i];
          if (o->clock == NULL
              || (strcmp (o->clock, "monotonic") != 0 && strcmp (o->clock, "boottime") != 0))
            return rt_error_set (err, 0, "linux.timeOffsets: unknown clock \"%s\"",
                                 o->clock ? o->clock : "");
          if (o->nanosecs >= 1000000000u)
            return rt_error_set (err, 0, "linux.timeOffsets.%s: nanosecs %" PRIu32
                                 " is not below 1000000000", o->clock, o->nanosecs);
          len += sprintf (buf + len, "%s %" PRId64 " %" PRIu32 "\n", o->clock, o->secs,
                          o->nanosecs);
        }
      ret = write_self_file ("timens_offsets", buf, err);
      if (ret < 0)
        return rt_error_wrap (err, "linux.timeOffsets");
    }
  fd = open ("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return rt_error_set (err, errno, "open `/proc/self/ns/time_for_children`");
  if (setns (fd, CLONE_NEWTIME) < 0)
    return rt_error_set (err, errno, "enter the new time namespace");
  return 0;
}

int
ns_loopback_up (rt_error_t *err)
{
  struct ifreq ifr = { .ifr_name = "lo" };
  cleanup_close int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return rt_error_set (err, errno, "bring up `lo`: socket");
  if (ioctl (fd, SIOCGIFFLAGS, &ifr) < 0)
    return rt_error_set (err, errno, "bring up `lo`: get flags");
  if (ifr.ifr_flags & IFF_UP)
    return 0;
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl (fd, SIOCSIFFLAGS, &ifr) < 0)
    return rt_error_set (err, errno, "bring up `lo`");
  return 0;
}
