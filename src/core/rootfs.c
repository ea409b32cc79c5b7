/* The container's filesystem view: propagation of the new mount namespace,
 * the rootfs bind, config.mounts in order, /dev, pivot_root, read-only and
 * masked paths, root.readonly and the console bind.
 *
 * Every destination is resolved inside the rootfs (safe-path.h) to an fd,
 * and the mount is made onto that fd: either by move_mount of a detached
 * tree, or by mount(2) on /proc/self/fd/N.  A path is looked up again only
 * when a mount made by mount(2) needs more work (propagation, recursive
 * attributes, tmpcopyup), and that second lookup is checked to land on a
 * mount root. */
#include <config.h>
#include "rootfs.h"

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
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "devices.h"
#include "lsm.h"
#include "mount-options.h"
#include "rootfs-cgroup.h"
#include "safe-path.h"
#include "util.h"

#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
#define MOUNT_ATTR__ATIME 0x00000070
#endif

/* What an error message calls a mount: ``mount `proc` on `/proc` ``. */
static const char *
mount_name (const struct oci_mount *m)
{
  if (m->source && m->source[0])
    return m->source;
  return m->type ? m->type : "none";
}

static int
mount_fail (rt_error_t *err, int errnum, const struct oci_mount *m, const char *step)
{
  if (step == NULL)
    return rt_error_set (err, errnum, "mount `%s` on `%s`", mount_name (m), m->destination);
  return rt_error_set (err, errnum, "mount `%s` on `%s`: %s", mount_name (m), m->destination, step);
}

static bool
str_eq (const char *a, const char *b)
{
  return a && strcmp (a, b) == 0;
}

/* The propagation value of linux.rootfsPropagation, through the option
 * table so both spellings (shared, rshared, ...) are known. */
static int
parse_propagation (const char *value, unsigned long *out, rt_error_t *err)
{
  char *v[] = { (char *) value, NULL };
  struct mount_options o;
  bool bad;

  mount_options_parse (v, &o);
  bad = o.propagation == 0 || o.data || o.flags || o.attr_set || o.attr_clr;
  *out = o.propagation;
  mount_options_free (&o);
  if (bad)
    return rt_error_set (err, EINVAL, "unknown rootfsPropagation `%s`", value);
  return 0;
}

/* An fd on the destination of m: what is there (symlinks followed inside
 * the root), or a new directory, or a new empty file when like_fd (the
 * source, -1 for a new filesystem) is not a directory. */
static int
open_target (int root_fd, const struct oci_mount *m, int like_fd, rt_error_t *err)
{
  struct stat st;
  int fd;

  /* A new filesystem needs a directory: one lookup does both. */
  if (like_fd < 0)
    {
      fd = safe_mkdir_in_root (root_fd, m->destination, 0755, err);
      if (fd < 0)
        return rt_error_wrap (err, "mount `%s` on `%s`", mount_name (m), m->destination);
      return fd;
    }
  fd = safe_resolve (root_fd, m->destination, O_PATH);
  if (fd >= 0)
    return fd;
  if (fd != -ENOENT)
    return mount_fail (err, -fd, m, "open the destination");
  if (fstat (like_fd, &st) < 0)
    return mount_fail (err, errno, m, "stat the source");
  if (S_ISDIR (st.st_mode))
    fd = safe_mkdir_in_root (root_fd, m->destination, 0755, err);
  else
    fd = safe_mkfile_in_root (root_fd, m->destination, 0644, err);
  if (fd < 0)
    return rt_error_wrap (err, "mount `%s` on `%s`", mount_name (m), m->destination);
  return fd;
}

/* After mount(2), the fd of the destination still names the directory
 * under the new mount: look the path up again to reach the mount, and
 * check it is one, so a swapped path is noticed rather than used. */
static int
reopen_mount (int root_fd, const struct oci_mount *m, rt_error_t *err)
{
  int fd = safe_resolve (root_fd, m->destination, O_PATH);

  if (fd < 0)
    return mount_fail (err, -fd, m, "open the new mount");
  if (!safe_is_mount_root (fd))
    {
      close (fd);
      return mount_fail (err, 0, m, "the destination changed while being mounted");
    }
  return fd;
}

/* The per-mount flags of a bind (ro, nosuid, ...), which mount(2) ignores
 * on the first MS_BIND.  mount_setattr changes only the named flags, so
 * the ones the source has (locked ones in a user namespace) stay.  If a
 * flag to clear is locked (rw on a read-only host mount, from a user
 * namespace), the kernel says EPERM: keep what the mount has, as runc and
 * crun do, and only add. */
static int
apply_bind_flags (int mnt_fd, const struct oci_mount *m, const struct mount_options *o,
                  rt_error_t *err)
{
  uint64_t set, clr;
  struct statfs sfs;

  mount_options_bind_attrs (o, &set, &clr);
  if (set == 0 && clr == 0)
    return 0;
  if (safe_mount_setattr (mnt_fd, false, set, clr, 0, -1) == 0)
    return 0;
  if (errno != EPERM || fstatfs (mnt_fd, &sfs) < 0)
    return mount_fail (err, errno, m, "set the mount flags");
  if (sfs.f_flags & ST_RDONLY)
    clr &= ~(uint64_t) MOUNT_ATTR_RDONLY;
  if (sfs.f_flags & ST_NOSUID)
    clr &= ~(uint64_t) MOUNT_ATTR_NOSUID;
  if (sfs.f_flags & ST_NODEV)
    clr &= ~(uint64_t) MOUNT_ATTR_NODEV;
  if (sfs.f_flags & ST_NOEXEC)
    clr &= ~(uint64_t) MOUNT_ATTR_NOEXEC;
  /* The atime mode is locked as a whole. */
  set &= ~(uint64_t) MOUNT_ATTR__ATIME;
  clr &= ~(uint64_t) MOUNT_ATTR__ATIME;
  if (safe_mount_setattr (mnt_fd, false, set, clr, 0, -1) < 0)
    return mount_fail (err, errno, m, "set the mount flags");
  return 0;
}

/* The r* options and propagation, both after the mount is in place. */
static int
apply_recursive_and_propagation (int mnt_fd, const struct oci_mount *m,
                                 const struct mount_options *o, rt_error_t *err)
{
  if ((o->attr_set || o->attr_clr)
      && safe_mount_setattr (mnt_fd, true, o->attr_set, o->attr_clr, 0, -1) < 0)
    return mount_fail (err, errno, m, "set the recursive mount attributes");
  if (o->propagation
      && safe_mount_setattr (mnt_fd, (o->propagation & MS_REC) != 0, 0, 0,
                             o->propagation & ~(unsigned long) MS_REC, -1)
             < 0)
    return mount_fail (err, errno, m, "set the propagation");
  return 0;
}

/* Bind the host path src onto m's destination.  Returns an O_PATH fd on
 * the root of the new mount. */
static int
bind_path (int root_fd, const struct oci_mount *m, const char *src, bool recursive, rt_error_t *err)
{
  char src_proc[SAFE_PROC_FD_LEN], dst_proc[SAFE_PROC_FD_LEN];
  cleanup_close int tree = -1;
  cleanup_close int src_fd = -1;
  cleanup_close int dst = -1;

  tree = safe_clone_mount (AT_FDCWD, src, recursive);
  if (tree >= 0)
    {
      dst = open_target (root_fd, m, tree, err);
      if (dst < 0)
        return -1;
      if (safe_move_mount (tree, dst) < 0)
        return mount_fail (err, errno, m, NULL);
      return steal_fd (&tree);
    }
  if (errno != ENOSYS)
    return mount_fail (err, errno, m, "open the source");

  /* Linux < 5.2: mount(2) through /proc/self/fd. */
  src_fd = open (src, O_PATH | O_CLOEXEC);
  if (src_fd < 0)
    return mount_fail (err, errno, m, "open the source");
  dst = open_target (root_fd, m, src_fd, err);
  if (dst < 0)
    return -1;
  if (mount (safe_proc_fd (src_fd, src_proc), safe_proc_fd (dst, dst_proc), NULL,
             MS_BIND | (recursive ? MS_REC : 0), NULL)
      < 0)
    return mount_fail (err, errno, m, NULL);
  return reopen_mount (root_fd, m, err);
}

/* A user namespace whose maps are the mount's uidMappings/gidMappings,
 * for MOUNT_ATTR_IDMAP: a child is cloned into a new one, its maps are
 * written, and its ns fd is kept after it is killed.  The child is named
 * by its pid as /proc sees it, which it reads from /proc/self and sends
 * back: clone's pid is that of our pid namespace, and before pivot_root
 * the init process of a new pid namespace still has the host's /proc. */
static char idmap_child_stack[16384] __attribute__ ((aligned (16)));

static int
idmap_child (void *arg)
{
  int fd = *(int *) arg;
  char pid[32];
  ssize_t n = readlink ("/proc/self", pid, sizeof pid);

  if (n > 0)
    (void) !write (fd, pid, n);
  close (fd);
  for (;;)
    pause ();
  return 0;
}

static int
write_id_map (const char *proc_pid, const char *file, const struct oci_id_mapping *maps, size_t n)
{
  cleanup_free char *path = xasprintf ("/proc/%s/%s", proc_pid, file);
  cleanup_close int fd = -1;
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);
  size_t i;
  ssize_t w;

  if (f == NULL)
    oom ();
  for (i = 0; i < n; i++)
    fprintf (f, "%u %u %u\n", maps[i].container_id, maps[i].host_id, maps[i].size);
  fclose (f);
  fd = open (path, O_WRONLY | O_CLOEXEC);
  /* The map must go in one write(2). */
  w = fd < 0 ? -1 : write (fd, buf, len);
  free (buf);
  return w == (ssize_t) len ? 0 : -1;
}

static int
userns_from_mappings (const struct oci_mount *m, rt_error_t *err)
{
  char proc_pid[32];
  int pipe_fds[2];
  ssize_t n;
  int status;
  int saved;
  int fd = -1;
  pid_t pid;

  if (pipe2 (pipe_fds, O_CLOEXEC) < 0)
    return mount_fail (err, errno, m, "pipe");
  pid = clone (idmap_child, idmap_child_stack + sizeof idmap_child_stack, CLONE_NEWUSER | SIGCHLD,
               &pipe_fds[1]);
  saved = errno;
  close (pipe_fds[1]);
  if (pid < 0)
    {
      close (pipe_fds[0]);
      return mount_fail (err, saved, m, "create the idmap user namespace");
    }
  do
    n = read (pipe_fds[0], proc_pid, sizeof proc_pid - 1);
  while (n < 0 && errno == EINTR);
  close (pipe_fds[0]);
  errno = ESRCH;
  if (n > 0)
    {
      proc_pid[n] = '\0';
      if (write_id_map (proc_pid, "uid_map", m->uid_mappings, m->n_uid_mappings) == 0
          && write_id_map (proc_pid, "gid_map", m->gid_mappings, m->n_gid_mappings) == 0)
        {
          cleanup_free char *path = xasprintf ("/proc/%s/ns/user", proc_pid);
          fd = open (path, O_RDONLY | O_CLOEXEC);
        }
    }
  saved = errno;
  kill (pid, SIGKILL);
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (fd < 0)
    return mount_fail (err, saved, m, "write the maps of the idmap user namespace");
  return fd;
}

static bool
mount_wants_idmap (const struct oci_mount *m, const struct mount_options *o)
{
  return o->idmap || m->n_uid_mappings > 0 || m->n_gid_mappings > 0;
}

/* Bundle-relative sources are the spec's; absolute ones are the host's. */
static char *
bind_source (const struct rootfs_ctx *ctx, const struct oci_mount *m)
{
  if (m->source[0] == '/')
    return xstrdup (m->source);
  return xasprintf ("%s/%s", ctx->bundle, m->source);
}

/* A detached, idmapped copy of m's source.  userns_pid: a process in the
 * container's user namespace, for mounts without mappings (0: none). */
static int
idmapped_tree (const struct rootfs_ctx *ctx, const struct oci_mount *m,
               const struct mount_options *o, pid_t userns_pid, rt_error_t *err)
{
  cleanup_free char *src = NULL;
  cleanup_close int userns = -1;
  cleanup_close int tree = -1;

  if (m->source == NULL)
    return mount_fail (err, EINVAL, m, "a bind mount needs a source");
  if (m->n_uid_mappings || m->n_gid_mappings)
    userns = userns_from_mappings (m, err);
  else if (userns_pid > 0)
    {
      char path[64];
      snprintf (path, sizeof path, "/proc/%d/ns/user", (int) userns_pid);
      userns = open (path, O_RDONLY | O_CLOEXEC);
      if (userns < 0)
        return mount_fail (err, errno, m, "open the container's user namespace");
    }
  else
    return mount_fail (err, EINVAL, m,
                       "idmap needs uidMappings and gidMappings or a user namespace");
  if (userns < 0)
    return -1;
  src = bind_source (ctx, m);
  tree = safe_clone_mount (AT_FDCWD, src, o->recursive_bind);
  if (tree < 0)
    return mount_fail (err, errno, m, "open the source");
  if (safe_mount_setattr (tree, o->recursive_idmap, 0, 0, 0, userns) < 0)
    return mount_fail (err, errno, m, "idmap");
  return steal_fd (&tree);
}

int
rootfs_open_idmapped_mounts (const struct rootfs_ctx *ctx, pid_t userns_pid, int *fds,
                             rt_error_t *err)
{
  const struct oci_config *c = ctx->config;
  size_t i;

  for (i = 0; i < c->n_mounts; i++)
    fds[i] = -1;
  for (i = 0; i < c->n_mounts; i++)
    {
      struct mount_options o;
      bool wanted;

      mount_options_parse (c->mounts[i].options, &o);
      wanted = mount_wants_idmap (&c->mounts[i], &o);
      if (wanted)
        fds[i] = idmapped_tree (ctx, &c->mounts[i], &o, userns_pid, err);
      mount_options_free (&o);
      if (wanted && fds[i] < 0)
        goto fail_close;
    }
  return 0;

fail_close:
  while (i-- > 0)
    cleanup_closep (&fds[i]);
  return -1;
}

static int
mount_bind (const struct rootfs_ctx *ctx, int root_fd, size_t idx, const struct mount_options *o,
            rt_error_t *err)
{
  const struct oci_mount *m = &ctx->config->mounts[idx];
  cleanup_free char *src = NULL;
  cleanup_close int owned = -1;
  int mnt;
  int ret;

  if (ctx->mount_fds && ctx->mount_fds[idx] >= 0)
    {
      /* Prepared by the runtime before we entered the user namespace. */
      cleanup_close int dst = open_target (root_fd, m, ctx->mount_fds[idx], err);
      if (dst < 0)
        return -1;
      if (safe_move_mount (ctx->mount_fds[idx], dst) < 0)
        return mount_fail (err, errno, m, NULL);
      mnt = ctx->mount_fds[idx];
    }
  else if (mount_wants_idmap (m, o))
    {
      cleanup_close int tree = -1;
      cleanup_close int dst = -1;

      /* The kernel wants CAP_SYS_ADMIN over the source's superblock: from
       * inside a user namespace only the runtime can have prepared it. */
      if (ctx->userns)
        return mount_fail (err, EPERM, m,
                           "in a user namespace, idmap mounts must be prepared by the runtime");
      tree = idmapped_tree (ctx, m, o, 0, err);
      if (tree < 0)
        return -1;
      dst = open_target (root_fd, m, tree, err);
      if (dst < 0)
        return -1;
      if (safe_move_mount (tree, dst) < 0)
        return mount_fail (err, errno, m, NULL);
      mnt = owned = steal_fd (&tree);
    }
  else
    {
      if (m->source == NULL)
        return mount_fail (err, EINVAL, m, "a bind mount needs a source");
      src = bind_source (ctx, m);
      mnt = owned = bind_path (root_fd, m, src, o->recursive_bind, err);
      if (mnt < 0)
        return -1;
    }

  ret = apply_bind_flags (mnt, m, o, err);
  if (ret < 0)
    return ret;
  return apply_recursive_and_propagation (mnt, m, o, err);
}

/* Filesystems a user namespace may not mount itself, replaced by a
 * read-only recursive bind of the host's: sysfs without a network
 * namespace of our own, and mqueue.
 * Option flags are only added: an atime change or a clear could hit a
 * locked flag of the host's mounts. */
static int
mount_host_copy (int root_fd, const struct oci_mount *m, const struct mount_options *o,
                 const char *host_path, rt_error_t *err)
{
  cleanup_close int mnt = -1;
  uint64_t set, clr;

  mnt = bind_path (root_fd, m, host_path, true, err);
  if (mnt < 0)
    return -1;
  mount_options_bind_attrs (o, &set, &clr);
  set = (set & ~(uint64_t) MOUNT_ATTR__ATIME) | MOUNT_ATTR_RDONLY;
  if (safe_mount_setattr (mnt, true, set, 0, 0, -1) < 0
      && (errno != ENOSYS || safe_mount_setattr (mnt, false, set, 0, 0, -1) < 0))
    return mount_fail (err, errno, m, "make the host's copy read-only");
  if (o->propagation
      && safe_mount_setattr (mnt, (o->propagation & MS_REC) != 0, 0, 0,
                             o->propagation & ~(unsigned long) MS_REC, -1)
             < 0)
    return mount_fail (err, errno, m, "set the propagation");
  return 0;
}

static bool
has_own_netns (const struct oci_config *c)
{
  size_t i;

  for (i = 0; c->linux_ && i < c->linux_->n_namespaces; i++)
    if (c->linux_->namespaces[i].type == OCI_NS_NETWORK)
      return c->linux_->namespaces[i].path == NULL;
  return false;
}

/* data without its "gid=" options: devpts in a user namespace where gid 5
 * (tty) is not mapped refuses them. */
static char *
data_without_gid (const char *data)
{
  char *out = xzalloc (strlen (data) + 1);
  cleanup_free char *copy = xstrdup (data);
  char *save = NULL, *tok;

  for (tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
    {
      if (str_has_prefix (tok, "gid="))
        continue;
      if (out[0])
        strcat (out, ",");
      strcat (out, tok);
    }
  return out;
}

/* Copy the directory tree src into dst (tmpcopyup): what the image had
 * under a tmpfs destination shows through on the new, empty tmpfs. */
static int
copy_tree (int src, int dst, const char *where, rt_error_t *err)
{
  DIR *d;
  struct dirent *de;
  int dup_fd = openat (src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int ret = 0;

  if (dup_fd < 0)
    return rt_error_set (err, errno, "tmpcopyup: open `%s`", where);
  d = fdopendir (dup_fd);
  if (d == NULL)
    {
      close (dup_fd);
      return rt_error_set (err, errno, "tmpcopyup: open `%s`", where);
    }
  while (ret == 0 && (errno = 0, de = readdir (d)) != NULL)
    {
      const char *name = de->d_name;
      struct stat st;

      if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
        continue;
      if (fstatat (src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        {
          ret = rt_error_set (err, errno, "tmpcopyup: stat `%s/%s`", where, name);
          break;
        }
      if (S_ISDIR (st.st_mode))
        {
          cleanup_close int s = -1;
          cleanup_close int t = -1;
          cleanup_free char *sub = xasprintf ("%s/%s", where, name);

          if (mkdirat (dst, name, 0700) < 0
              || (s = openat (src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0
              || (t = openat (dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
            ret = rt_error_set (err, errno, "tmpcopyup: `%s`", sub);
          else
            ret = copy_tree (s, t, sub, err);
        }
      else if (S_ISREG (st.st_mode))
        {
          cleanup_close int s = openat (src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
          cleanup_close int t = -1;
          ssize_t n = 0;

          if (s >= 0)
            t = openat (dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
          if (s < 0 || t < 0)
            ret = rt_error_set (err, errno, "tmpcopyup: `%s/%s`", where, name);
          while (ret == 0 && (n = copy_file_range (s, NULL, t, NULL, 1 << 30, 0)) > 0)
            ;
          if (ret == 0 && n < 0)
            {
              /* Across filesystems before 5.3, or a fs without support. */
              char buf[65536];
              while ((n = read (s, buf, sizeof buf)) > 0)
                if (write_all (t, buf, n) < 0)
                  break;
              if (n != 0)
                ret = rt_error_set (err, errno, "tmpcopyup: copy `%s/%s`", where, name);
            }
        }
      else if (S_ISLNK (st.st_mode))
        {
          char target[PATH_MAX];
          ssize_t n = readlinkat (src, name, target, sizeof target - 1);

          if (n >= 0)
            target[n] = '\0';
          if (n < 0 || symlinkat (target, dst, name) < 0)
            ret = rt_error_set (err, errno, "tmpcopyup: symlink `%s/%s`", where, name);
        }
      else if (mknodat (dst, name, st.st_mode, st.st_rdev) < 0)
        ret = rt_error_set (err, errno, "tmpcopyup: mknod `%s/%s`", where, name);

      if (ret == 0 && fchownat (dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
        ret = rt_error_set (err, errno, "tmpcopyup: chown `%s/%s`", where, name);
      if (ret == 0 && !S_ISLNK (st.st_mode) && fchmodat (dst, name, st.st_mode & 07777, 0) < 0)
        ret = rt_error_set (err, errno, "tmpcopyup: chmod `%s/%s`", where, name);
    }
  if (ret == 0 && errno != 0)
    ret = rt_error_set (err, errno, "tmpcopyup: read `%s`", where);
  closedir (d);
  return ret;
}

/* A new filesystem (tmpfs, proc, devpts, mqueue, ...) with mount(2) onto
 * the destination's fd. */
static int
mount_fs (const struct rootfs_ctx *ctx, int root_fd, const struct oci_mount *m,
          const struct mount_options *o, rt_error_t *err)
{
  char dst_proc[SAFE_PROC_FD_LEN];
  cleanup_close int dst = -1;
  cleanup_close int below = -1;
  cleanup_close int mnt = -1;
  cleanup_free char *data2 = NULL;
  cleanup_free char *labeled = NULL;
  const char *type = m->type;
  const char *source = m->source ? m->source : type;
  int ret;

  dst = open_target (root_fd, m, -1, err);
  if (dst < 0)
    return -1;
  /* The directory under the mount-to-be stays reachable through this fd
   * ("." is not a mount crossing): the source of tmpcopyup. */
  if (o->tmpcopyup)
    {
      below = openat (dst, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (below < 0)
        return mount_fail (err, errno, m, "tmpcopyup: open the destination");
    }

  /* linux.mountLabel: only with SELinux active (a no-op otherwise, as
   * the kernel would refuse the option). */
  if (ctx->config->linux_ && ctx->config->linux_->mount_label && lsm_selinux_enabled ()
      && lsm_type_takes_mount_label (type))
    labeled = lsm_mount_data_with_label (o->data, ctx->config->linux_->mount_label);
  ret = mount (source, safe_proc_fd (dst, dst_proc), type, o->flags, labeled ? labeled : o->data);
  if (ret < 0 && errno == EPERM && ctx->userns && str_eq (type, "sysfs"))
    return mount_host_copy (root_fd, m, o, "/sys", err);
  if (ret < 0 && errno == EPERM && ctx->userns && str_eq (type, "mqueue"))
    return mount_host_copy (root_fd, m, o, "/dev/mqueue", err);
  if (ret < 0 && errno == EINVAL && ctx->userns && str_eq (type, "devpts") && o->data
      && strstr (o->data, "gid="))
    {
      data2 = data_without_gid (o->data);
      ret = mount (source, dst_proc, type, o->flags, data2);
    }
  if (ret < 0)
    return mount_fail (err, errno, m, NULL);

  if (!o->tmpcopyup && !o->attr_set && !o->attr_clr && !o->propagation)
    return 0;
  mnt = reopen_mount (root_fd, m, err);
  if (mnt < 0)
    return -1;
  if (o->tmpcopyup)
    {
      cleanup_close int top = openat (mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (top < 0)
        return mount_fail (err, errno, m, "tmpcopyup: open the new mount");
      ret = copy_tree (below, top, m->destination, err);
      if (ret < 0)
        return rt_error_wrap (err, "mount `%s` on `%s`", mount_name (m), m->destination);
    }
  return apply_recursive_and_propagation (mnt, m, o, err);
}

/* "remount" of what is already mounted at the destination. */
static int
mount_remount (int root_fd, const struct oci_mount *m, const struct mount_options *o, bool bind,
               rt_error_t *err)
{
  char proc[SAFE_PROC_FD_LEN];
  cleanup_close int fd = safe_resolve (root_fd, m->destination, O_PATH);
  int ret;

  if (fd < 0)
    return mount_fail (err, -fd, m, "open the destination");
  if (bind)
    ret = apply_bind_flags (fd, m, o, err);
  else if (mount (m->source, safe_proc_fd (fd, proc), m->type, o->flags, o->data) < 0)
    ret = mount_fail (err, errno, m, NULL);
  else
    ret = 0;
  if (ret < 0)
    return ret;
  return apply_recursive_and_propagation (fd, m, o, err);
}

static int
mount_entry (const struct rootfs_ctx *ctx, int root_fd, size_t idx, rt_error_t *err)
{
  const struct oci_mount *m = &ctx->config->mounts[idx];
  struct mount_options o;
  bool bind;
  int ret;

  mount_options_parse (m->options, &o);
  bind = o.bind || str_eq (m->type, "bind");
  if (o.flags & MS_REMOUNT)
    ret = mount_remount (root_fd, m, &o, bind, err);
  else if (bind || mount_wants_idmap (m, &o))
    ret = mount_bind (ctx, root_fd, idx, &o, err);
  else if (str_eq (m->type, "cgroup") || str_eq (m->type, "cgroup2"))
    ret = rootfs_mount_cgroup (root_fd, m, &o, oci_config_namespace (ctx->config, OCI_NS_CGROUP),
                               err);
  else if (str_eq (m->type, "sysfs") && ctx->userns && !has_own_netns (ctx->config))
    ret = mount_host_copy (root_fd, m, &o, "/sys", err);
  else
    ret = mount_fs (ctx, root_fd, m, &o, err);
  mount_options_free (&o);
  return ret;
}

/* /dev bound from elsewhere (often the host's, for privileged containers)
 * is left alone, as runc does: populating it would mknod, symlink and
 * replace ptmx in someone else's directory. */
static bool
dev_is_bound (const struct oci_config *c)
{
  size_t i;

  for (i = 0; i < c->n_mounts; i++)
    {
      const struct oci_mount *m = &c->mounts[i];
      const char *d = m->destination;
      size_t len;
      bool bind = str_eq (m->type, "bind");
      size_t j;

      while (*d == '/')
        d++;
      len = strlen (d);
      while (len > 0 && d[len - 1] == '/')
        len--;
      if (len != 3 || strncmp (d, "dev", 3) != 0)
        continue;
      for (j = 0; !bind && m->options && m->options[j]; j++)
        bind = str_eq (m->options[j], "bind") || str_eq (m->options[j], "rbind");
      if (bind)
        return true;
    }
  return false;
}

int
rootfs_prepare (const struct rootfs_ctx *ctx, rt_error_t *err)
{
  const struct oci_linux *l = ctx->config->linux_;
  cleanup_close int root_fd = -1;
  unsigned long prop = MS_SLAVE;
  size_t i;
  int ret;

  /* Nothing done below may reach the host: / becomes a slave (receives,
   * never sends).  Only "private" asks for less; shared and unbindable
   * are applied after pivot_root, which refuses shared mounts. */
  if (l && l->rootfs_propagation)
    {
      ret = parse_propagation (l->rootfs_propagation, &prop, err);
      if (ret < 0)
        return ret;
      prop = (prop & ~(unsigned long) MS_REC) == MS_PRIVATE ? MS_PRIVATE : MS_SLAVE;
    }
  if (mount (NULL, "/", NULL, MS_REC | prop, NULL) < 0)
    return rt_error_set (err, errno, "make `/` %s", prop == MS_PRIVATE ? "rprivate" : "rslave");

  /* pivot_root wants the new root to be a mount point.  Bound through
   * the fd of the directory the runtime validated, never its path: a
   * rootfs swapped for a symlink meanwhile is not followed. */
  if (ctx->rootfs_fd >= 0)
    {
      /* That fd lives in the runtime's mount namespace: find the same
       * directory in ours, and insist it is the same inode. */
      cleanup_close int here = open (ctx->rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      struct stat a, b;

      if (here < 0 || fstat (here, &a) < 0 || fstat (ctx->rootfs_fd, &b) < 0)
        return rt_error_set (err, errno, "open the rootfs `%s`", ctx->rootfs);
      if (a.st_ino != b.st_ino || a.st_dev != b.st_dev)
        return rt_error_set (err, EXDEV, "the rootfs `%s` was replaced after it was checked",
                             ctx->rootfs);
      if (safe_bind (here, here, true, &root_fd) < 0)
        return rt_error_set (err, errno, "bind the rootfs `%s` onto itself", ctx->rootfs);
    }
  else if (mount (ctx->rootfs, ctx->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return rt_error_set (err, errno, "bind the rootfs `%s` onto itself", ctx->rootfs);
  if (root_fd < 0)
    root_fd = open (ctx->rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (root_fd < 0)
    return rt_error_set (err, errno, "open the rootfs `%s`", ctx->rootfs);

  for (i = 0; i < ctx->config->n_mounts; i++)
    {
      ret = mount_entry (ctx, root_fd, i, err);
      if (ret < 0)
        return ret;
    }
  if (!dev_is_bound (ctx->config))
    {
      ret = dev_populate (root_fd, l, ctx->userns, err);
      if (ret < 0)
        return ret;
    }
  if (ctx->root_mnt_fd)
    *ctx->root_mnt_fd = steal_fd (&root_fd);
  return 0;
}

/* --no-pivot (a rootfs on the initramfs, where pivot_root is refused).
 * new_root: the rootfs mount's fd. */
static int
move_root (const char *rootfs, int new_root, rt_error_t *err)
{
  if (fchdir (new_root) < 0)
    return rt_error_set (err, errno, "chdir `%s`", rootfs);
  if (mount (".", "/", NULL, MS_MOVE, NULL) < 0)
    return rt_error_set (err, errno, "move the rootfs `%s` onto `/`", rootfs);
  if (chroot (".") < 0)
    return rt_error_set (err, errno, "chroot `%s`", rootfs);
  if (chdir ("/") < 0)
    return rt_error_set (err, errno, "chdir `/`");
  return 0;
}

int
rootfs_pivot (const struct rootfs_ctx *ctx, rt_error_t *err)
{
  cleanup_close int old_root = -1;
  cleanup_close int new_root = -1;

  /* The mount rootfs_prepare made, by fd: its path may name something
   * else by now. */
  if (ctx->root_mnt_fd && *ctx->root_mnt_fd >= 0)
    new_root = steal_fd (ctx->root_mnt_fd);
  else
    new_root = open (ctx->rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (new_root < 0)
    return rt_error_set (err, errno, "open the rootfs `%s`", ctx->rootfs);
  if (ctx->no_pivot)
    return move_root (ctx->rootfs, new_root, err);

  old_root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (old_root < 0)
    return rt_error_set (err, errno, "open `/`");
  /* pivot_root(".", "."): the old root ends up stacked on the new one, so
   * no directory for it is needed in the rootfs; it is then unmounted
   * from below, after becoming a slave so the unmount of everything under
   * it cannot propagate to the host. */
  if (fchdir (new_root) < 0)
    return rt_error_set (err, errno, "chdir `%s`", ctx->rootfs);
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    return rt_error_set (err, errno, "pivot_root `%s`", ctx->rootfs);
  if (fchdir (old_root) < 0)
    return rt_error_set (err, errno, "chdir to the old root");
  if (mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return rt_error_set (err, errno, "make the old root rslave");
  if (umount2 (".", MNT_DETACH) < 0)
    return rt_error_set (err, errno, "unmount the old root");
  if (chdir ("/") < 0)
    return rt_error_set (err, errno, "chdir `/`");
  return 0;
}

/* readonlyPaths: each one bound onto itself, then read-only, recursively
 * (nothing under it should stay writable).  A missing path is skipped. */
static int
make_readonly (int root_fd, const char *path, rt_error_t *err)
{
  cleanup_close int fd = safe_resolve (root_fd, path, O_PATH);
  cleanup_close int mnt = -1;

  if (fd == -ENOENT)
    return 0;
  if (fd < 0)
    return rt_error_set (err, -fd, "read-only path `%s`", path);
  if (safe_bind (fd, fd, true, &mnt) < 0)
    return rt_error_set (err, errno, "read-only path `%s`: bind", path);
  if (mnt < 0)
    {
      mnt = safe_resolve (root_fd, path, O_PATH);
      if (mnt < 0 || !safe_is_mount_root (mnt))
        return rt_error_set (err, mnt < 0 ? -mnt : 0, "read-only path `%s`: reopen", path);
    }
  if (safe_mount_setattr (mnt, true, MOUNT_ATTR_RDONLY, 0, 0, -1) < 0
      && (errno != ENOSYS || safe_mount_setattr (mnt, false, MOUNT_ATTR_RDONLY, 0, 0, -1) < 0))
    return rt_error_set (err, errno, "read-only path `%s`: remount", path);
  return 0;
}

/* maskedPaths: a directory gets an empty read-only tmpfs, anything else
 * the container's /dev/null.  That /dev/null is opened without following
 * a symlink and checked to be the char device 1:3 before it is bound
 * anywhere: the rootfs is the container's, and a /dev/null swapped for a
 * symlink to, say, /proc/sysrq-trigger would otherwise be bound writable
 * over the masked path (CVE-2025-31133).  *null_fd caches it. */
static int
mask_path (int root_fd, const char *path, int *null_fd, rt_error_t *err)
{
  cleanup_close int fd = safe_resolve (root_fd, path, O_PATH);
  cleanup_close int mnt = -1;
  struct stat st;

  if (fd == -ENOENT)
    return 0;
  if (fd < 0)
    return rt_error_set (err, -fd, "masked path `%s`", path);
  if (fstat (fd, &st) < 0)
    return rt_error_set (err, errno, "masked path `%s`: stat", path);
  if (S_ISDIR (st.st_mode))
    {
      if (safe_mount_empty_tmpfs (fd) < 0)
        return rt_error_set (err, errno, "masked path `%s`: mount tmpfs", path);
      return 0;
    }
  if (*null_fd < 0)
    {
      *null_fd = safe_resolve (root_fd, "/dev/null", O_PATH | O_NOFOLLOW);
      if (*null_fd < 0)
        return rt_error_set (err, -*null_fd, "masked path `%s`: open `/dev/null`", path);
      if (!dev_fd_is_char (*null_fd, 1, 3))
        return rt_error_set (err, 0, "masked path `%s`: `/dev/null` is not the null device", path);
    }
  if (safe_bind (*null_fd, fd, false, &mnt) < 0)
    return rt_error_set (err, errno, "masked path `%s`: bind `/dev/null`", path);
  return 0;
}

int
rootfs_finalize (const struct rootfs_ctx *ctx, rt_error_t *err)
{
  const struct oci_linux *l = ctx->config->linux_;
  cleanup_close int root_fd = -1;
  cleanup_close int null_fd = -1;
  size_t i;
  int ret;

  root_fd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return rt_error_set (err, errno, "open `/`");
  for (i = 0; l && l->readonly_paths && l->readonly_paths[i]; i++)
    {
      ret = make_readonly (root_fd, l->readonly_paths[i], err);
      if (ret < 0)
        return ret;
    }
  for (i = 0; l && l->masked_paths && l->masked_paths[i]; i++)
    {
      ret = mask_path (root_fd, l->masked_paths[i], &null_fd, err);
      if (ret < 0)
        return ret;
    }
  /* Only the root mount: /proc, /dev and the rest keep their own flags.
   * mount_setattr keeps nosuid/nodev/... of the rootfs as they are. */
  if (ctx->config->root && ctx->config->root->readonly
      && safe_mount_setattr (root_fd, false, MOUNT_ATTR_RDONLY, 0, 0, -1) < 0)
    return rt_error_set (err, errno, "make `/` read-only");
  if (l && l->rootfs_propagation)
    {
      unsigned long prop;

      ret = parse_propagation (l->rootfs_propagation, &prop, err);
      if (ret < 0)
        return ret;
      if (mount (NULL, "/", NULL, prop, NULL) < 0)
        return rt_error_set (err, errno, "set the propagation of `/` to `%s`",
                             l->rootfs_propagation);
    }
  return 0;
}

int
rootfs_bind_console (int slave_fd, rt_error_t *err)
{
  cleanup_close int root_fd = -1;
  cleanup_close int fd = -1;
  cleanup_close int mnt = -1;
  struct stat st;

  root_fd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return rt_error_set (err, errno, "open `/`");
  /* Not followed: a /dev/console symlink (to /dev/pts/N of someone
   * else, CVE-2025-52565) must not decide where the terminal goes. */
  fd = safe_resolve (root_fd, "/dev/console", O_PATH | O_NOFOLLOW);
  if (fd == -ENOENT)
    {
      fd = safe_mkfile_in_root (root_fd, "/dev/console", 0600, err);
      if (fd < 0)
        return rt_error_wrap (err, "bind the terminal onto `/dev/console`");
    }
  else if (fd < 0)
    return rt_error_set (err, -fd, "open `/dev/console`");
  else if (fstat (fd, &st) < 0)
    return rt_error_set (err, errno, "stat `/dev/console`");
  else if (S_ISLNK (st.st_mode) || S_ISDIR (st.st_mode))
    return rt_error_set (err, 0, "`/dev/console` is a %s",
                         S_ISLNK (st.st_mode) ? "symlink" : "directory");
  if (safe_bind (slave_fd, fd, false, &mnt) < 0)
    return rt_error_set (err, errno, "bind the terminal onto `/dev/console`");
  return 0;
}
