/* Checkpoint and restore through the criu binary (run by criu.c): which
 * resources of a container lie outside what criu can dump (bind mounts
 * from the host, stdio of the caller, host files its processes hold,
 * namespaces joined by path, the terminal), carried from dump to restore
 * in the descriptor (checkpoint-descriptor.c), and rebuilding the state
 * dir so that a restored container has the normal lifecycle. */
#include <config.h>
#include "checkpoint.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "checkpoint-descriptor.h"
#include "container-internal.h"
#include "criu.h"
#include "log.h"
#include "namespaces.h"
#include "procs.h"
#include "safe-path.h"
#include "spec.h"
#include "state.h"
#include "terminal.h"
#include "util.h"

/*
 * What criu cannot see from the container's own mount namespace is
 * "external" (criu(8) --external): it is named by a key in the images at
 * dump, and bound to a host resource by that key at restore.
 *
 *   resource                           dump                    restore
 *   bind mount from outside the rootfs --external mnt[DEST]:K  --external mnt[K]:HOSTSRC
 *   stdio: pipe of the caller          (criu keeps its id)     --inherit-fd fd[N]:pipe:[INO]
 *   stdio: regular file, host file     --external file[M:I]    --inherit-fd fd[N]:ile[M:I] (*)
 *   stdio: socket of the caller        --external unix[INO]    --inherit-fd fd[N]:socket:[INO]
 *   other fds on a host mount          --external file[M:I]    --inherit-fd fd[N]:ile[M:I],
 *                                                              the host path opened again
 *   terminal slave (master is outside) --external tty[R:D]     --inherit-fd fd[N]:tty[R:D]
 *   network/pid namespace by path      --external net[INO]:K   --inherit-fd fd[N]:K
 *
 * The descriptor (CHECKPOINT_DESCRIPTOR in the image dir) records the
 * keys and what they stood for, so restore can bind each to the new
 * bundle's resources: the same destination in the new config.json first
 * (a volume may live elsewhere on the new host), else the host path seen
 * at dump.  It is text, one record a line, fields separated by tabs and
 * %-escaped: criu's own images say everything else.
 *
 * (*) criu stores an external file under the name "file[M:I]" and, as
 * for every path it stores, drops its first character when it reads the
 * images back.  Under that name ("ile[M:I]") --inherit-fd hands the fd
 * over as it is; under "file[M:I]" criu reopens it and refuses a regular
 * file whose size differs from the dump's ("File fd/1 has bad size"),
 * i.e. any other stdout file.  Restore offers both, each on its own fd
 * (criu moves every inherited fd away and closes it).
 */

#define NETNS_KEY "extRootNetNS"
#define PIDNS_KEY "extRootPidNS"
#define CRIU_ROOT_DIR "criu-root"
#define CRIU_PIDFILE "criu-restore.pid"
/* Where the restore child puts the fds criu inherits (stdio, ns, tty,
 * files), one a --inherit-fd, in order. */
#define INHERIT_FD_BASE 100

static bool
str_eq (const char *a, const char *b)
{
  return a && b && strcmp (a, b) == 0;
}

char *
checkpoint_image_bundle (const char *image_path, rt_error_t *err)
{
  cleanup_close int fd = open (image_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct ckpt_descriptor d;
  char *bundle;

  if (fd < 0)
    {
      rt_error_set (err, errno, "--image-path: `%s`", image_path);
      return NULL;
    }
  if (ckpt_descriptor_read (fd, image_path, &d, err) < 0)
    {
      ckpt_descriptor_clear (&d);
      return NULL;
    }
  bundle = steal_ptr (&d.bundle);
  ckpt_descriptor_clear (&d);
  if (bundle == NULL || bundle[0] == '\0')
    {
      free (bundle);
      rt_error_set (err, 0, "--image-path: `%s`: the checkpoint names no bundle", image_path);
      return NULL;
    }
  return bundle;
}



int
checkpoint_probe (char **why, rt_error_t *err)
{
  return criu_probe (why, err);
}

/* ---- dump --------------------------------------------------------------- */

/* Host-side mountinfo entry showing the filesystem of m: the host source
 * of a bind mount (longest matching root), or NULL. */
static char *
host_source_of (const struct ckpt_minfo *m, const struct ckpt_minfo *host, size_t n_host)
{
  const struct ckpt_minfo *best = NULL;
  size_t i;

  for (i = 0; i < n_host; i++)
    if (host[i].major == m->major && host[i].minor == m->minor
        && ckpt_path_under (m->root, host[i].root)
        && (best == NULL || strlen (host[i].root) > strlen (best->root)))
      best = &host[i];
  return best ? ckpt_rebase (best->mnt, best->root, m->root) : NULL;
}

/* Filesystems criu makes afresh (or, tmpfs, carries the contents of)
 * when mounted at their root. */
static bool
criu_recreates (const char *fstype)
{
  static const char *const t[] = { "proc",   "sysfs",   "devpts",  "mqueue", "tmpfs",
                                   "cgroup", "cgroup2", "binfmt_misc", "securityfs",
                                   "debugfs", "tracefs", "pstore", "fusectl", "autofs",
                                   "hugetlbfs", "bpf", NULL };
  size_t i;

  for (i = 0; t[i]; i++)
    if (strcmp (fstype, t[i]) == 0)
      return true;
  return false;
}

/* The container's mounts criu cannot resolve inside its namespace: bind
 * mounts whose source is not a mount of the container. */
static int
collect_mounts (pid_t pid, struct ckpt_descriptor *d, rt_error_t *err)
{
  cleanup_free char *path = xasprintf ("/proc/%d/mountinfo", (int) pid);
  struct ckpt_minfo *ct = NULL, *host = NULL;
  size_t n_ct = 0, n_host = 0, i, j;
  int root_id = -1;

  if (ckpt_minfo_read (path, &ct, &n_ct, err) < 0)
    return -1;
  if (ckpt_minfo_read ("/proc/self/mountinfo", &host, &n_host, err) < 0)
    {
      ckpt_minfo_free (ct, n_ct);
      return -1;
    }
  for (i = 0; i < n_ct; i++)
    if (strcmp (ct[i].mnt, "/") == 0)
      root_id = ct[i].id;
  for (i = 0; i < n_ct; i++)
    {
      const struct ckpt_minfo *m = &ct[i];
      struct ckpt_ext_mount *e;
      bool inside = false;
      struct stat st;
      cleanup_free char *probe = NULL;

      if (strcmp (m->mnt, "/") == 0)
        continue;
      if (strcmp (m->root, "/") == 0 && criu_recreates (m->fstype))
        continue;
      /* A bind of (part of) another mount of the container: criu finds
       * its source there.  Not the terminal on /dev/console: its pty
       * lives only as long as the master outside, and restore binds the
       * new one there. */
      for (j = 0; j < n_ct && !inside && strcmp (m->fstype, "devpts") != 0; j++)
        inside = j != i && ct[j].major == m->major && ct[j].minor == m->minor
                 && ckpt_path_under (m->root, ct[j].root)
                 && (strcmp (ct[j].root, m->root) != 0 || ct[j].id < m->id);
      if (inside)
        continue;
      d->mounts = xrealloc (d->mounts, (d->n_mounts + 1) * sizeof *d->mounts);
      e = &d->mounts[d->n_mounts++];
      memset (e, 0, sizeof *e);
      e->dest = xstrdup (m->mnt);
      /* criu reads the key up to ']' and the value from ':' on. */
      e->key = strpbrk (m->mnt, "[]:,") ? xasprintf ("cove-mnt-%zu", d->n_mounts)
                                          : xstrdup (m->mnt);
      e->fstype = xstrdup (m->fstype);
      e->root = xstrdup (m->root);
      e->host_src = host_source_of (m, host, n_host);
      if (e->host_src == NULL)
        e->host_src = xstrdup ("");
      e->on_root = m->parent == root_id;
      probe = xasprintf ("/proc/%d/root%s", (int) pid, m->mnt);
      e->is_dir = stat (probe, &st) == 0 && S_ISDIR (st.st_mode);
    }
  ckpt_minfo_free (ct, n_ct);
  ckpt_minfo_free (host, n_host);
  return 0;
}

static bool
mount_id_in (int id, const struct ckpt_minfo *m, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    if (m[i].id == id)
      return true;
  return false;
}

/* One open fd of a process of the container, as criu will meet it. */
struct open_fd
{
  char link[PATH_MAX];
  struct stat st;
  int mnt_id; /* -1: unknown */
  int flags;  /* open flags, from fdinfo */
};

static bool
open_fd_read (pid_t pid, const char *fd, struct open_fd *f)
{
  cleanup_free char *p = xasprintf ("/proc/%d/fd/%s", (int) pid, fd);
  cleanup_free char *info_path = xasprintf ("/proc/%d/fdinfo/%s", (int) pid, fd);
  cleanup_free char *info = NULL;
  rt_error_t tmp = NULL;
  ssize_t l = readlink (p, f->link, sizeof f->link - 1);
  const char *s;

  if (l < 0 || stat (p, &f->st) < 0)
    return false;
  f->link[l] = '\0';
  f->mnt_id = -1;
  f->flags = 0;
  if (read_file_at (AT_FDCWD, info_path, &info, NULL, &tmp) < 0)
    {
      rt_error_free (&tmp);
      return true;
    }
  s = strstr (info, "mnt_id:");
  if (s)
    f->mnt_id = atoi (s + 7);
  s = strstr (info, "flags:");
  if (s)
    f->flags = (int) strtol (s + 6, NULL, 8);
  return true;
}

static bool
is_pty (const struct stat *st)
{
  return S_ISCHR (st->st_mode) && major (st->st_rdev) >= 136 && major (st->st_rdev) <= 143;
}

/* criu's name of a file it is told is external: its mount id (fdinfo)
 * and inode, both hex. */
static char *
ext_file_key (const struct open_fd *f)
{
  return xasprintf ("file[%x:%llx]", (unsigned) f->mnt_id, (unsigned long long) f->st.st_ino);
}

/* "--external KEY", once per key. */
static void
push_external (struct criu_args *a, const char *key)
{
  size_t i;

  for (i = 0; i + 1 < a->n; i++)
    if (strcmp (a->v[i], "--external") == 0 && strcmp (a->v[i + 1], key) == 0)
      return;
  criu_args_push (a, xstrdup ("--external"));
  criu_args_push (a, xstrdup (key));
}

/* stdio of init: what restore must hand back by --inherit-fd, and what
 * dump must be told is external.  A pipe, a socket and a regular file are
 * the caller's, wherever they lie: restore hands over its own stdio
 * instead (a regular file is external even on a mount of the container,
 * else criu would reopen it by path at restore and insist on its size at
 * dump).  Other files are external only on a mount the container lacks
 * (/dev/null of the host). */
static void
collect_stdio (pid_t pid, const struct ckpt_minfo *ct, size_t n_ct, struct ckpt_descriptor *d,
               struct criu_args *a)
{
  int fd;

  for (fd = 0; fd < 3; fd++)
    {
      char name[4];
      struct open_fd f;

      snprintf (name, sizeof name, "%d", fd);
      if (!open_fd_read (pid, name, &f))
        continue;
      if (str_has_prefix (f.link, "pipe:"))
        {
          d->stdio[fd] = xstrdup (f.link);
          continue;
        }
      if (str_has_prefix (f.link, "socket:"))
        {
          cleanup_free char *key = xasprintf ("unix[%llu]", (unsigned long long) f.st.st_ino);
          push_external (a, key);
          d->stdio[fd] = xstrdup (f.link);
          continue;
        }
      if (is_pty (&f.st))
        {
          /* A pty slave, its master outside the dump: the container's
           * terminal (a pty of its own devpts, the master went to the
           * console socket), or a terminal of the caller. */
          cleanup_free char *key = xasprintf ("tty[%llx:%llx]", (unsigned long long) f.st.st_rdev,
                                              (unsigned long long) f.st.st_dev);
          push_external (a, key);
          if (f.mnt_id >= 0 && mount_id_in (f.mnt_id, ct, n_ct))
            {
              /* One resource, however many of 0-2 it is. */
              d->terminal = true;
              if (d->console == NULL)
                d->console = steal_ptr (&key);
            }
          else
            d->stdio[fd] = steal_ptr (&key);
          continue;
        }
      if (f.mnt_id >= 0 && (S_ISREG (f.st.st_mode) || !mount_id_in (f.mnt_id, ct, n_ct)))
        {
          d->stdio[fd] = ext_file_key (&f);
          push_external (a, d->stdio[fd]);
        }
    }
}

/* init and all its descendants (criu dumps that tree), through
 * /proc/PID/task/TID/children. */
static void
collect_tree (pid_t init, pid_t **out, size_t *n_out)
{
  pid_t *v = xmalloc (sizeof *v);
  size_t n = 1, i;

  v[0] = init;
  for (i = 0; i < n; i++)
    {
      cleanup_free char *tasks = xasprintf ("/proc/%d/task", (int) v[i]);
      DIR *dir = opendir (tasks);
      struct dirent *de;

      while (dir && (de = readdir (dir)) != NULL)
        {
          cleanup_free char *p = NULL;
          cleanup_free char *data = NULL;
          rt_error_t tmp = NULL;
          char *s, *end;

          if (de->d_name[0] == '.')
            continue;
          p = xasprintf ("%s/%s/children", tasks, de->d_name);
          if (read_file_at (AT_FDCWD, p, &data, NULL, &tmp) < 0)
            {
              rt_error_free (&tmp);
              continue;
            }
          for (s = data;; s = end)
            {
              long c = strtol (s, &end, 10);
              if (end == s)
                break;
              v = xrealloc (v, (n + 1) * sizeof *v);
              v[n++] = (pid_t) c;
            }
        }
      if (dir)
        closedir (dir);
    }
  *out = v;
  *n_out = n;
}

static bool
stdio_has (const struct ckpt_descriptor *d, const char *key)
{
  int i;
  for (i = 0; i < 3; i++)
    if (str_eq (d->stdio[i], key))
      return true;
  return false;
}

/* Files of the container's processes, beyond init's stdio, on mounts the
 * container lacks: a copy of the stdio the caller gave (a shell keeps
 * its stdin on fd 10 while it redirects it, a child keeps what init had
 * before), or anything the caller passed down.  criu cannot resolve them
 * in the container's mount namespace: they are external, and restore
 * opens them again by the host path seen now. */
static void
collect_ext_files (pid_t init, const struct ckpt_minfo *ct, size_t n_ct, struct ckpt_descriptor *d,
                   struct criu_args *a)
{
  pid_t *procs = NULL;
  size_t n_procs = 0, i;

  collect_tree (init, &procs, &n_procs);
  for (i = 0; i < n_procs; i++)
    {
      cleanup_free char *fddir = xasprintf ("/proc/%d/fd", (int) procs[i]);
      DIR *dir = opendir (fddir);
      struct dirent *de;

      while (dir && (de = readdir (dir)) != NULL)
        {
          cleanup_free char *key = NULL;
          struct ckpt_ext_file *e;
          struct open_fd f;
          size_t k;
          bool seen = false;

          if (de->d_name[0] == '.' || (procs[i] == init && atoi (de->d_name) <= 2))
            continue;
          if (!open_fd_read (procs[i], de->d_name, &f) || f.link[0] != '/' || f.mnt_id < 0
              || mount_id_in (f.mnt_id, ct, n_ct) || is_pty (&f.st)
              || !(S_ISREG (f.st.st_mode) || S_ISDIR (f.st.st_mode) || S_ISCHR (f.st.st_mode)))
            continue;
          key = ext_file_key (&f);
          for (k = 0; k < d->n_files && !seen; k++)
            seen = strcmp (d->files[k].key, key) == 0;
          if (seen || stdio_has (d, key))
            continue;
          push_external (a, key);
          d->files = xrealloc (d->files, (d->n_files + 1) * sizeof *d->files);
          e = &d->files[d->n_files++];
          e->key = steal_ptr (&key);
          e->path = xstrdup (f.link);
          e->flags = f.flags & (O_ACCMODE | O_APPEND);
        }
      if (dir)
        closedir (dir);
    }
  free (procs);
}

/* What of the container lies outside its mount namespace: stdio, then
 * the other processes' files. */
static int
collect_files (pid_t pid, struct ckpt_descriptor *d, struct criu_args *a, rt_error_t *err)
{
  cleanup_free char *mi = xasprintf ("/proc/%d/mountinfo", (int) pid);
  struct ckpt_minfo *ct = NULL;
  size_t n_ct = 0;

  if (ckpt_minfo_read (mi, &ct, &n_ct, err) < 0)
    return -1;
  collect_stdio (pid, ct, n_ct, d, a);
  collect_ext_files (pid, ct, n_ct, d, a);
  ckpt_minfo_free (ct, n_ct);
  return 0;
}

static int
ns_inode (pid_t pid, const char *name, unsigned long long *ino)
{
  cleanup_free char *p = xasprintf ("/proc/%d/ns/%s", (int) pid, name);
  struct stat st;

  if (stat (p, &st) < 0)
    return -1;
  *ino = st.st_ino;
  return 0;
}

static int
build_dump_args (const struct handle *h, const struct oci_config *c,
                 const struct checkpoint_opts *o, const char *criu, const char *image,
                 const char *work, struct ckpt_descriptor *d, struct criu_args *a, rt_error_t *err)
{
  const struct oci_namespace *ns;
  unsigned long long ino;
  pid_t pid = h->st.pid;
  size_t i;

  criu_args_push (a, xstrdup (criu));
  criu_args_push (a, xstrdup (o->pre_dump ? "pre-dump" : "dump"));
  criu_args_pushf (a, "--tree=%d", (int) pid);
  criu_args_pushf (a, "--images-dir=%s", image);
  criu_args_pushf (a, "--work-dir=%s", work);
  criu_args_pushf (a, "--log-file=%s", o->pre_dump ? "pre-dump.log" : "dump.log");
  criu_args_push (a, xstrdup ("-v4"));
  criu_push_config (a, c);
  if (o->manage_cgroups_mode)
    criu_args_pushf (a, "--manage-cgroups=%s", o->manage_cgroups_mode);
  if (o->leave_running && !o->pre_dump)
    criu_args_push (a, xstrdup ("--leave-running"));
  if (o->tcp_established)
    criu_args_push (a, xstrdup ("--tcp-established"));
  if (o->ext_unix_sk)
    criu_args_push (a, xstrdup ("--ext-unix-sk"));
  if (o->file_locks)
    criu_args_push (a, xstrdup ("--file-locks"));
  if (o->auto_dedup)
    criu_args_push (a, xstrdup ("--auto-dedup"));
  if (o->pre_dump || o->parent_path)
    criu_args_push (a, xstrdup ("--track-mem"));
  if (o->parent_path)
    criu_args_pushf (a, "--prev-images-dir=%s", o->parent_path);
  if (o->page_server)
    {
      const char *colon = strrchr (o->page_server, ':');
      if (colon == NULL || colon[1] == '\0')
        return rt_error_set (err, 0, "--page-server: `%s` is not ADDRESS:PORT", o->page_server);
      criu_args_push (a, xstrdup ("--page-server"));
      if (colon != o->page_server)
        criu_args_pushf (a, "--address=%.*s", (int) (colon - o->page_server), o->page_server);
      criu_args_pushf (a, "--port=%s", colon + 1);
    }
  /* cove's init leads a session of its own (init.c), so the tree criu
   * dumps holds its session leader: --shell-job only when asked for. */
  d->shell_job = o->shell_job;
  if (d->shell_job)
    criu_args_push (a, xstrdup ("--shell-job"));
  d->empty_netns = o->empty_ns;
  d->tcp_established = o->tcp_established;
  d->ext_unix_sk = o->ext_unix_sk;
  d->file_locks = o->file_locks;
  if (o->empty_ns)
    criu_args_push (a, xstrdup ("--empty-ns=net"));

  ns = oci_config_namespace (c, OCI_NS_NETWORK);
  if (ns && ns->path && !o->empty_ns && ns_inode (pid, "net", &ino) == 0)
    {
      criu_args_push (a, xstrdup ("--external"));
      criu_args_pushf (a, "net[%llu]:%s", ino, NETNS_KEY);
      d->netns_key = xstrdup (NETNS_KEY);
    }
  ns = oci_config_namespace (c, OCI_NS_PID);
  if (ns && ns->path && ns_inode (pid, "pid", &ino) == 0)
    {
      criu_args_push (a, xstrdup ("--external"));
      criu_args_pushf (a, "pid[%llu]:%s", ino, PIDNS_KEY);
      d->pidns_key = xstrdup (PIDNS_KEY);
    }
  if (collect_mounts (pid, d, err) < 0 || collect_files (pid, d, a, err) < 0)
    return -1;
  for (i = 0; i < d->n_mounts; i++)
    {
      criu_args_push (a, xstrdup ("--external"));
      criu_args_pushf (a, "mnt[%s]:%s", d->mounts[i].dest, d->mounts[i].key);
    }
  return 0;
}

int
container_checkpoint (const struct runtime_opts *rt, const char *id,
                      const struct checkpoint_opts *o, rt_error_t *err)
{
  const char *image = o->image_path ? o->image_path : "checkpoint";
  const char *work;
  cleanup_free char *criu = NULL;
  cleanup_close int imgfd = -1;
  cleanup_free char *log_path = NULL;
  struct ckpt_descriptor d = { 0 };
  struct criu_args a = { 0 };
  struct oci_config *c = NULL;
  struct handle h;
  enum cstatus status;
  int ret;

  if (criu_check_cgroups_mode (o->manage_cgroups_mode, err) < 0)
    return -1;
  if (o->status_fd > 0 && fcntl (o->status_fd, F_GETFD) < 0)
    return rt_error_set (err, errno, "--status-fd %d", o->status_fd);
  criu = criu_find (err);
  if (criu == NULL)
    return -1;
  if (handle_open (rt, id, &h, err) < 0)
    return -1;
  status = container_status (h.dirfd, &h.st);
  if (status != CSTATUS_RUNNING)
    {
      handle_close (&h);
      return rt_error_set (err, 0, "cannot checkpoint container `%s`: it is %s, not running", id,
                           cstatus_name (status));
    }
  c = saved_config (h.dirfd, err);
  ret = c ? mkdir_p (image, 0700, err) : -1;
  work = o->work_path ? o->work_path : image;
  if (ret == 0 && o->work_path)
    ret = mkdir_p (work, 0700, err);
  if (ret == 0)
    {
      imgfd = open (image, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (imgfd < 0)
        ret = rt_error_set (err, errno, "--image-path: `%s`", image);
    }
  if (ret == 0)
    ret = build_dump_args (&h, c, o, criu, image, work, &d, &a, err);
  if (ret == 0)
    {
      d.id = xstrdup (id);
      d.bundle = xstrdup (h.st.bundle ? h.st.bundle : "");
      d.cgroup_path = xstrdup (h.st.cgroup_path ? h.st.cgroup_path : "");
      ret = ckpt_descriptor_write (imgfd, &d, err);
    }
  if (ret == 0)
    {
      log_path = xasprintf ("%s/%s", work, o->pre_dump ? "pre-dump.log" : "dump.log");
      ret = criu_run (a.v, o->pre_dump ? "pre-dump" : "dump", log_path, NULL, NULL, err);
    }
  /* criu itself writes --status-fd only when it serves pages (lazy pages,
   * page server), never at the end of a dump: the byte is ours, once the
   * images are complete, and the fd is closed either way so a reader
   * sees EOF without it after a failure. */
  if (o->status_fd > 0)
    {
      if (ret == 0 && write (o->status_fd, "", 1) != 1)
        log_warn ("--status-fd %d: %s", o->status_fd, strerror (errno));
      close (o->status_fd);
    }
  if (ret < 0)
    rt_error_wrap (err, "checkpoint container `%s`", id);
  criu_args_clear (&a);
  ckpt_descriptor_clear (&d);
  if (c)
    oci_config_free (c);
  handle_close (&h);
  if (ret < 0 || o->leave_running || o->pre_dump)
    return ret;
  /* Dumped and gone, as with runc: the container is destroyed (cgroup,
   * state), so its id can be restored. */
  return container_delete (rt, id, true, err);
}

/* ---- restore ------------------------------------------------------------- */

/* The host source an external mount of the image is bound to now. */
static char *
restore_mount_source (const struct ckpt_ext_mount *m, const struct bundle *b, const char *old_cg,
                      const char *new_cg, const char *tty_name)
{
  const struct oci_config *c = b->config;
  const struct oci_mount *found = NULL;
  size_t i;

  for (i = 0; i < c->n_mounts; i++)
    {
      const char *dst = c->mounts[i].destination;
      size_t l = strlen (dst);
      while (l > 1 && dst[l - 1] == '/')
        l--;
      if (strncmp (dst, m->dest, l) == 0 && m->dest[l] == '\0' && c->mounts[i].source)
        found = &c->mounts[i];
    }
  if (found && (str_eq (found->type, "bind") || found->type == NULL || found->source[0] == '/'
                || found->source[0] == '.'))
    {
      bool bind = str_eq (found->type, "bind");
      char **op;
      for (op = found->options; op && *op; op++)
        bind = bind || str_eq (*op, "bind") || str_eq (*op, "rbind");
      if (bind)
        return found->source[0] == '/' ? xstrdup (found->source)
                                       : xasprintf ("%s/%s", b->path, found->source);
    }
  if (str_eq (m->fstype, "devpts") && tty_name)
    return xstrdup (tty_name);
  if (str_eq (m->fstype, "cgroup2") && old_cg && *old_cg && new_cg
      && ckpt_path_under (m->root, old_cg))
    {
      cleanup_free char *base = xasprintf ("/sys/fs/cgroup%s", new_cg);
      return ckpt_rebase (base, old_cg, m->root);
    }
  return m->host_src[0] ? xstrdup (m->host_src) : NULL;
}

struct restore_child
{
  const char *rootfs;
  char *criu_root;
  const struct cgroup *cg;
  int ns_fds[2]; /* net, pid joined by path, or -1 */
  int tty_fd;
  char tty_name[64]; /* of tty_fd, the slave of a new pty */
  int *file_fds;     /* the descriptor's files opened again */
  size_t n_files;
  int *inherit_src;  /* what fd INHERIT_FD_BASE + k is dup'd from */
  size_t n_inherit;
};

/* In the child that becomes criu: a private mount namespace where the
 * rootfs is a mount point (criu --root wants one) that vanishes with it,
 * the cgroup the restored tasks are born in, the inherited fds. */
static int
restore_child_setup (void *arg)
{
  struct restore_child *rc = arg;
  rt_error_t tmp = NULL;
  int *tmp_fds;
  size_t k;

  if (unshare (CLONE_NEWNS) < 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    {
      dprintf (2, "Error (cove): private mount namespace: %s\n", strerror (errno));
      return -1;
    }
  if (mount (rc->rootfs, rc->criu_root, NULL, MS_BIND | MS_REC, NULL) < 0)
    {
      dprintf (2, "Error (cove): bind `%s` on `%s`: %s\n", rc->rootfs, rc->criu_root,
               strerror (errno));
      return -1;
    }
  if (rc->cg && cg_enter (rc->cg, getpid (), &tmp) < 0)
    {
      dprintf (2, "Error (cove): %s\n", tmp->msg);
      return -1;
    }
  /* Copies above every target first: a source may be a target too. */
  tmp_fds = xmalloc ((rc->n_inherit + 1) * sizeof *tmp_fds);
  for (k = 0; k < rc->n_inherit; k++)
    {
      tmp_fds[k] = fcntl (rc->inherit_src[k], F_DUPFD_CLOEXEC,
                          INHERIT_FD_BASE + (int) rc->n_inherit);
      if (tmp_fds[k] < 0)
        return -1;
    }
  for (k = 0; k < rc->n_inherit; k++)
    if (dup2 (tmp_fds[k], INHERIT_FD_BASE + (int) k) < 0)
      return -1;
  return 0;
}

/* A new pty for a restored terminal: the master goes to the console
 * socket, the slave (returned) replaces the dumped one. */
static int
restore_new_tty (const char *console_socket, char name[64], rt_error_t *err)
{
  cleanup_close int master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  int slave;

  if (master < 0)
    return rt_error_set (err, errno, "open a pty");
  if (unlockpt (master) < 0 || ptsname_r (master, name, 64) != 0)
    return rt_error_set (err, errno, "unlock the pty");
  slave = open (name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    return rt_error_set (err, errno, "open `%s`", name);
  if (term_send_to_socket (console_socket, master, name, err) < 0)
    {
      close (slave);
      return -1;
    }
  return slave;
}

/* Mount points of external mounts on the root fs: criu mounts onto them
 * but does not make them (a rootfs copied to another host may lack them). */
static int
make_mount_points (const struct bundle *b, const struct ckpt_descriptor *d, rt_error_t *err)
{
  size_t i;

  for (i = 0; i < d->n_mounts; i++)
    {
      const struct ckpt_ext_mount *m = &d->mounts[i];
      int fd;

      if (!m->on_root)
        continue;
      fd = safe_resolve (b->rootfs_fd, m->dest, O_PATH);
      if (fd >= 0)
        {
          close (fd);
          continue;
        }
      fd = m->is_dir ? safe_mkdir_in_root (b->rootfs_fd, m->dest, 0755, err)
                     : safe_mkfile_in_root (b->rootfs_fd, m->dest, 0644, err);
      if (fd < 0)
        return rt_error_wrap (err, "mount point `%s`", m->dest);
      close (fd);
    }
  return 0;
}

/* One --inherit-fd: the next fd from INHERIT_FD_BASE, a copy of src. */
static void
push_inherit (struct criu_args *a, struct restore_child *rc, int src, const char *key)
{
  criu_args_push (a, xstrdup ("--inherit-fd"));
  criu_args_pushf (a, "fd[%d]:%s", INHERIT_FD_BASE + (int) rc->n_inherit, key);
  rc->inherit_src = xrealloc (rc->inherit_src, (rc->n_inherit + 1) * sizeof *rc->inherit_src);
  rc->inherit_src[rc->n_inherit++] = src;
}

/* A resource the dump named by key; a file dumped external under both
 * of criu's names for it (see the top of this file). */
static void
push_inherit_key (struct criu_args *a, struct restore_child *rc, int src, const char *key)
{
  if (str_has_prefix (key, "file["))
    push_inherit (a, rc, src, key + 1);
  push_inherit (a, rc, src, key);
}

/* The descriptor's files (other than stdio), opened again by the host
 * path they had at dump, as they were open then. */
static int
open_ext_files (const struct ckpt_descriptor *d, struct restore_child *rc, rt_error_t *err)
{
  size_t i;

  rc->file_fds = xmalloc ((d->n_files + 1) * sizeof *rc->file_fds);
  for (i = 0; i < d->n_files; i++)
    {
      const struct ckpt_ext_file *e = &d->files[i];
      int fd = open (e->path, e->flags | O_CLOEXEC | O_NOCTTY);

      if (fd < 0)
        return rt_error_set (err, errno, "open `%s` (the checkpoint has it open, outside the "
                             "container)", e->path);
      rc->file_fds[rc->n_files++] = fd;
    }
  return 0;
}

static int
build_restore_args (const struct restore_opts *o, const struct bundle *b,
                    const struct ckpt_descriptor *d, const char *criu, const char *image,
                    const char *work, const char *pidfile, const char *criu_root,
                    const char *cg_path, struct restore_child *rc, struct criu_args *a,
                    rt_error_t *err)
{
  size_t i;

  criu_args_push (a, xstrdup (criu));
  criu_args_push (a, xstrdup ("restore"));
  criu_args_push (a, xstrdup ("--restore-detached"));
  criu_args_push (a, xstrdup ("--restore-sibling"));
  criu_args_pushf (a, "--images-dir=%s", image);
  criu_args_pushf (a, "--work-dir=%s", work);
  criu_args_push (a, xstrdup ("--log-file=restore.log"));
  criu_args_push (a, xstrdup ("-v4"));
  criu_args_pushf (a, "--pidfile=%s", pidfile);
  criu_args_pushf (a, "--root=%s", criu_root);
  criu_push_config (a, b->config);
  if (o->manage_cgroups_mode)
    criu_args_pushf (a, "--manage-cgroups=%s", o->manage_cgroups_mode);
  if (cg_path)
    criu_args_pushf (a, "--cgroup-root=%s", cg_path);
  /* What the dump was told is implied: criu wants the same on both
   * sides, and the images are what was dumped. */
  if (o->tcp_established || d->tcp_established)
    criu_args_push (a, xstrdup ("--tcp-established"));
  if (o->ext_unix_sk || d->ext_unix_sk)
    criu_args_push (a, xstrdup ("--ext-unix-sk"));
  if (o->file_locks || d->file_locks)
    criu_args_push (a, xstrdup ("--file-locks"));
  if (o->shell_job || d->shell_job)
    criu_args_push (a, xstrdup ("--shell-job"));
  if (d->empty_netns)
    criu_args_push (a, xstrdup ("--empty-ns=net"));
  if (o->lsm_profile)
    criu_args_pushf (a, "--lsm-profile=%s", o->lsm_profile);
  if (o->lsm_mount_context)
    criu_args_pushf (a, "--lsm-mount-context=%s", o->lsm_mount_context);
  /* Restore's own stdio stands for the dumped one. */
  for (i = 0; i < 3; i++)
    if (d->stdio[i])
      push_inherit_key (a, rc, (int) i, d->stdio[i]);
  for (i = 0; i < rc->n_files; i++)
    push_inherit_key (a, rc, rc->file_fds[i], d->files[i].key);
  if (d->netns_key)
    {
      if (rc->ns_fds[0] < 0)
        return rt_error_set (err, 0, "the checkpoint joined a network namespace by path: the "
                                     "config must name one (linux.namespaces)");
      push_inherit (a, rc, rc->ns_fds[0], d->netns_key);
    }
  if (d->pidns_key)
    {
      if (rc->ns_fds[1] < 0)
        return rt_error_set (err, 0, "the checkpoint joined a pid namespace by path: the config "
                                     "must name one (linux.namespaces)");
      push_inherit (a, rc, rc->ns_fds[1], d->pidns_key);
    }
  if (d->console)
    push_inherit (a, rc, rc->tty_fd, d->console);
  for (i = 0; i < d->n_mounts; i++)
    {
      const struct ckpt_ext_mount *m = &d->mounts[i];
      cleanup_free char *src
          = restore_mount_source (m, b, d->cgroup_path, cg_path,
                                  rc->tty_fd >= 0 ? rc->tty_name : NULL);
      if (src == NULL)
        return rt_error_set (err, 0,
                             "the checkpoint has the external mount `%s` (%s) and the config "
                             "has no bind mount there",
                             m->dest, m->fstype);
      criu_args_push (a, xstrdup ("--external"));
      criu_args_pushf (a, "mnt[%s]:%s", m->key, src);
    }
  return 0;
}

static volatile pid_t restore_forward_pid;

static void
restore_forward_signal (int sig)
{
  if (restore_forward_pid > 0)
    kill (restore_forward_pid, sig);
}

/* Foreground restore: wait for init like `run`, then delete. */
static int
wait_restored (const struct runtime_opts *rt, const char *id, pid_t pid, int *exit_status,
               rt_error_t *err)
{
  static const int forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
  struct sigaction sa = { .sa_handler = restore_forward_signal };
  int status = 0;
  size_t i;

  restore_forward_pid = pid;
  sigemptyset (&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (i = 0; i < sizeof forwarded / sizeof *forwarded; i++)
    sigaction (forwarded[i], &sa, NULL);
  for (;;)
    {
      pid_t w = waitpid (-1, &status, 0);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0 || w == pid)
        break;
    }
  restore_forward_pid = 0;
  if (WIFEXITED (status))
    *exit_status = WEXITSTATUS (status);
  else if (WIFSIGNALED (status))
    *exit_status = 128 + WTERMSIG (status);
  return container_delete (rt, id, true, err);
}

/* --empty-ns network: criu restored init into a bare network namespace;
 * bring its `lo` up, as create does for a new one. */
static int
restored_lo_up (pid_t pid, rt_error_t *err)
{
  char path[64];
  cleanup_close int fd = -1;
  pid_t child;
  int status;

  snprintf (path, sizeof path, "/proc/%d/ns/net", (int) pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return rt_error_set (err, errno, "open %s", path);
  child = fork ();
  if (child < 0)
    return rt_error_set (err, errno, "fork");
  if (child == 0)
    {
      rt_error_t e = NULL;
      _exit (setns (fd, CLONE_NEWNET) == 0 && ns_loopback_up (&e) == 0 ? 0 : 1);
    }
  if (waitpid (child, &status, 0) < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return rt_error_set (err, 0, "restore: cannot bring `lo` up in the new network namespace");
  return 0;
}

static int
read_pidfile (int dirfd, pid_t *pid, rt_error_t *err)
{
  cleanup_free char *data = NULL;
  long v;

  if (read_file_at (dirfd, CRIU_PIDFILE, &data, NULL, err) < 0)
    return rt_error_wrap (err, "criu restore: pid file");
  v = strtol (data, NULL, 10);
  if (v <= 0)
    return rt_error_set (err, 0, "criu restore: bad pid file `%s`", data);
  *pid = (pid_t) v;
  return 0;
}

int
container_restore (const struct runtime_opts *rt, const struct restore_opts *o, int *exit_status,
                   rt_error_t *err)
{
  const char *id = o->create.id;
  const char *image = o->image_path ? o->image_path : "checkpoint";
  const char *work = o->work_path ? o->work_path : image;
  struct restore_child rc = { .ns_fds = { -1, -1 }, .tty_fd = -1 };
  struct ckpt_descriptor d = { 0 };
  struct bundle b = { 0 };
  struct cstate st = { 0 };
  struct cgroup cg = { .v2_fd = -1 };
  struct criu_args a = { 0 };
  cleanup_free char *criu = NULL;
  cleanup_free char *cg_path = NULL;
  cleanup_free char *state_dir = NULL;
  cleanup_free char *pidfile = NULL;
  cleanup_free char *log_path = NULL;
  cleanup_close int imgfd = -1;
  cleanup_close int rootfd = -1;
  cleanup_close int dirfd = -1;
  bool have_cg = false, have_bundle = false;
  const struct oci_namespace *ns;
  pid_t pid = -1;
  size_t i;
  int ret;

  *exit_status = 0;
  /* Everything that can be refused without a side effect first. */
  ret = state_validate_id (id, err);
  if (ret == 0)
    ret = criu_check_cgroups_mode (o->manage_cgroups_mode, err);
  if (ret == 0)
    {
      imgfd = open (image, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (imgfd < 0)
        ret = rt_error_set (err, errno, "--image-path: `%s`", image);
    }
  if (ret == 0)
    ret = ckpt_descriptor_read (imgfd, image, &d, err);
  if (ret == 0 && o->work_path && access (o->work_path, W_OK) < 0)
    ret = rt_error_set (err, errno, "--work-path: `%s`", o->work_path);
  if (ret == 0 && (criu = criu_find (err)) == NULL)
    ret = -1;
  if (ret == 0)
    ret = spec_load_bundle (o->create.bundle, &b, err);
  have_bundle = ret == 0;
  if (ret == 0)
    ret = spec_check_runnable (b.config, err);
  if (ret == 0 && d.terminal && o->create.console_socket == NULL)
    ret = rt_error_set (err, 0, "the checkpoint has a terminal: restore needs --console-socket");
  if (ret == 0 && cg_detect_mode () != CG_MODE_NONE)
    {
      cg_path = container_cgroup_path (rt, b.config, id, err);
      if (cg_path == NULL)
        ret = -1;
    }
  ns = have_bundle ? oci_config_namespace (b.config, OCI_NS_NETWORK) : NULL;
  if (ret == 0 && ns && ns->path)
    {
      rc.ns_fds[0] = open (ns->path, O_RDONLY | O_CLOEXEC);
      if (rc.ns_fds[0] < 0)
        ret = rt_error_set (err, errno, "network namespace `%s`", ns->path);
    }
  ns = have_bundle ? oci_config_namespace (b.config, OCI_NS_PID) : NULL;
  if (ret == 0 && ns && ns->path)
    {
      rc.ns_fds[1] = open (ns->path, O_RDONLY | O_CLOEXEC);
      if (rc.ns_fds[1] < 0)
        ret = rt_error_set (err, errno, "pid namespace `%s`", ns->path);
    }
  if (ret == 0)
    ret = open_ext_files (&d, &rc, err);
  if (ret == 0)
    ret = rootfd = state_root_open (rt->root, true, err);
  if (ret < 0)
    goto out;

  /* First side effect: the state dir, as create makes it. */
  dirfd = state_dir_create (rootfd, id, err);
  if (dirfd < 0)
    {
      ret = -1;
      goto out;
    }
  ret = state_lock (dirfd, err);
  if (ret == 0)
    ret = write_file_atomic_at (dirfd, STATE_CONFIG, b.raw, b.raw_len, 0600, err);
  st.id = (char *) id;
  st.bundle = b.path;
  st.rootfs = b.rootfs;
  st.created = state_now_rfc3339 ();
  st.owner = (char *) "";
  st.own_pidns = oci_config_namespace (b.config, OCI_NS_PID) != NULL;
  st.creating = true;
  st.cgroup_path = cg_path;
  st.cgroup_created_depth = cg_path ? 1 : 0;
  if (ret == 0)
    ret = state_write (dirfd, &st, err);
  if (ret == 0 && cg_path)
    {
      const struct oci_linux *l = b.config->linux_;
      ret = cg_create (cg_path, l ? l->resources : NULL, &cg, err);
      have_cg = ret == 0;
      if (ret == 0)
        {
          st.cgroup_path = cg.path;
          st.cgroup_created_depth = cg.created ? cg.created_depth : 0;
          ret = state_write (dirfd, &st, err);
        }
    }
  if (ret == 0)
    ret = make_mount_points (&b, &d, err);
  if (ret == 0 && d.terminal)
    ret = rc.tty_fd = restore_new_tty (o->create.console_socket, rc.tty_name, err);
  if (ret < 0)
    goto fail;

  state_dir = xasprintf ("%s/%s", rt->root, id);
  rc.criu_root = xasprintf ("%s/%s", state_dir, CRIU_ROOT_DIR);
  rc.rootfs = b.rootfs;
  rc.cg = have_cg ? &cg : NULL;
  pidfile = xasprintf ("%s/%s", state_dir, CRIU_PIDFILE);
  if (mkdirat (dirfd, CRIU_ROOT_DIR, 0700) < 0)
    {
      ret = rt_error_set (err, errno, "mkdir `%s`", rc.criu_root);
      goto fail;
    }
  ret = build_restore_args (o, &b, &d, criu, image, work, pidfile, rc.criu_root,
                            have_cg ? cg.path : NULL, &rc, &a, err);
  if (ret < 0)
    goto fail;
  /* Restored with --restore-sibling, init is our child: be its reaper
   * for a foreground restore whatever happens to criu. */
  if (!o->detach)
    (void) prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  log_path = xasprintf ("%s/restore.log", work);
  ret = criu_run (a.v, "restore", log_path, restore_child_setup, &rc, err);
  (void) unlinkat (dirfd, CRIU_ROOT_DIR, AT_REMOVEDIR);
  if (ret == 0)
    ret = read_pidfile (dirfd, &pid, err);
  (void) unlinkat (dirfd, CRIU_PIDFILE, 0);
  if (ret == 0 && d.empty_netns)
    ret = restored_lo_up (pid, err);
  if (ret < 0)
    goto fail;

  st.pid = pid;
  st.start_time = proc_start_time (pid);
  st.creating = false;
  {
    struct mntns_id mid = { 0 };
    (void) procs_mntns_of (pid, &mid);
    st.mntns_dev = mid.dev;
    st.mntns_ino = mid.ino;
    st.root_dev = mid.root_dev;
    st.root_ino = mid.root_ino;
  }
  ret = state_write (dirfd, &st, err);
  if (ret == 0 && o->create.pid_file)
    ret = write_pid_file (o->create.pid_file, pid, err);
  if (ret < 0)
    goto fail;
  goto out;

fail:
  {
    rt_error_t tmp = NULL;
    if (pid > 0)
      {
        kill (pid, SIGKILL);
        (void) waitpid (pid, NULL, 0);
      }
    if (have_cg)
      {
        if (cg_kill_all (&cg, SIGKILL, &tmp) < 0)
          rt_error_free (&tmp);
        if (cg_destroy (&cg, &tmp) < 0)
          rt_error_free (&tmp);
      }
    (void) unlinkat (dirfd, CRIU_ROOT_DIR, AT_REMOVEDIR);
    if (state_dir_remove (rootfd, id, &tmp) < 0)
      rt_error_free (&tmp);
    ret = -1;
  }
out:
  if (have_cg)
    cg_close (&cg);
  if (rc.tty_fd >= 0)
    close (rc.tty_fd);
  if (rc.ns_fds[0] >= 0)
    close (rc.ns_fds[0]);
  if (rc.ns_fds[1] >= 0)
    close (rc.ns_fds[1]);
  for (i = 0; i < rc.n_files; i++)
    close (rc.file_fds[i]);
  free (rc.file_fds);
  free (rc.inherit_src);
  free (rc.criu_root);
  free (st.created);
  criu_args_clear (&a);
  ckpt_descriptor_clear (&d);
  if (have_bundle)
    spec_bundle_clear (&b);
  if (ret < 0)
    return rt_error_wrap (err, "restore container `%s`", id);
  /* The lock goes with dirfd: other commands see the finished state. */
  if (dirfd >= 0)
    {
      close (dirfd);
      dirfd = -1;
    }
  if (o->detach)
    return 0;
  return wait_restored (rt, id, pid, exit_status, err);
}

