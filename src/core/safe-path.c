/* Resolving paths inside the rootfs without leaving it, and the fd-based
 * mount primitives (open_tree, move_mount, mount_setattr) the rootfs code
 * mounts with.  Nothing here looks a path up twice. */
#include <config.h>
#include "safe-path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

/* Syscall numbers added after 5.0 are the same on every architecture. */
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_fsopen
#define SYS_fsopen 430
#endif
#ifndef SYS_fsconfig
#define SYS_fsconfig 431
#endif
#ifndef SYS_fsmount
#define SYS_fsmount 432
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 0x00000001
#define FSMOUNT_CLOEXEC 0x00000001
#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_CMD_CREATE 6
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
#define MOUNT_ATTR__ATIME 0x00000070
#define MOUNT_ATTR_NOATIME 0x00000010
#define MOUNT_ATTR_STRICTATIME 0x00000020
#define MOUNT_ATTR_NODIRATIME 0x00000080
#define MOUNT_ATTR_IDMAP 0x00100000
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif
#ifndef MOUNT_ATTR_SIZE_VER0
struct mount_attr
{
  uint64_t attr_set;
  uint64_t attr_clr;
  uint64_t propagation;
  uint64_t userns_fd;
};
#endif
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef ST_NOSYMFOLLOW
#define ST_NOSYMFOLLOW 0x2000
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif

/* struct open_how and RESOLVE_* of <linux/openat2.h>, kept here to not
 * depend on kernel headers >= 5.6. */
struct resolve_how
{
  uint64_t flags;
  uint64_t mode;
  uint64_t resolve;
};
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_IN_ROOT 0x10

/* Symlinks followed before ELOOP, as the kernel's MAXSYMLINKS. */
#define MAX_SYMLINKS 40

/* Set once the kernel said ENOSYS, so the fallback is taken directly. */
static bool no_openat2;

const char *
safe_proc_fd (int fd, char buf[SAFE_PROC_FD_LEN])
{
  snprintf (buf, SAFE_PROC_FD_LEN, "/proc/self/fd/%d", fd);
  return buf;
}

/* The fallback walk: a stack of O_PATH fds, one per component below the
 * root, so ".." is a pop (clamped at the root) and never a lookup of ".."
 * that could leave a directory moved out of the tree.  Symlinks are read
 * and their text spliced in front of what remains, absolute ones
 * restarting from the root. */
struct walk
{
  int root_fd;
  int *stack;
  size_t depth;
  size_t cap;
};

static int
walk_cur (const struct walk *w)
{
  return w->depth ? w->stack[w->depth - 1] : w->root_fd;
}

static void
walk_push (struct walk *w, int fd)
{
  if (w->depth == w->cap)
    {
      w->cap = w->cap ? w->cap * 2 : 16;
      w->stack = xrealloc (w->stack, w->cap * sizeof *w->stack);
    }
  w->stack[w->depth++] = fd;
}

static void
walk_pop (struct walk *w, size_t to)
{
  while (w->depth > to)
    close (w->stack[--w->depth]);
}

/* Splice the target of the symlink dirfd/name before rest (with a slash
 * between when dir_only: "link/" must resolve to a directory); -errno
 * when it is not a symlink (the caller's open error then stands). */
static int
walk_splice_link (struct walk *w, int dirfd, const char *name, const char *rest, bool dir_only,
                  char **buf)
{
  char target[PATH_MAX];
  ssize_t n = readlinkat (dirfd, name, target, sizeof target - 1);
  char *joined;

  if (n < 0)
    return -errno;
  target[n] = '\0';
  if (target[0] == '/')
    walk_pop (w, 0);
  joined = xasprintf ("%s%s%s", target, rest[0] || dir_only ? "/" : "", rest);
  free (*buf);
  *buf = joined;
  return 0;
}

static int
walk_in_root (int root_fd, const char *path, int flags)
{
  struct walk w = { root_fd, NULL, 0, 0 };
  char *buf = xstrdup (path);
  char *p = buf;
  int n_links = 0;
  int ret;

  if (path[0] == '\0')
    {
      free (buf);
      return -ENOENT;
    }
  for (;;)
    {
      char *name, *end;
      int fflags = flags;
      bool last;
      int fd;

      while (*p == '/')
        p++;
      if (*p == '\0')
        {
          /* Ended on the root or on "..": open the current directory. */
          ret = openat (walk_cur (&w), ".", (flags & ~O_NOFOLLOW) | O_CLOEXEC);
          ret = ret < 0 ? -errno : ret;
          break;
        }
      name = p;
      end = strchr (p, '/');
      if (end)
        {
          *end = '\0';
          p = end + 1;
          while (*p == '/')
            p++;
        }
      else
        p = name + strlen (name);
      last = *p == '\0';
      /* "name/" at the end must be a directory, reached through links. */
      if (last && end)
        fflags = (flags & ~O_NOFOLLOW) | O_DIRECTORY;

      if (strcmp (name, ".") == 0)
        continue;
      if (strcmp (name, "..") == 0)
        {
          if (w.depth > 0)
            walk_pop (&w, w.depth - 1);
          continue;
        }

      if (!last)
        fd = openat (walk_cur (&w), name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
      else
        fd = openat (walk_cur (&w), name, fflags | O_NOFOLLOW | O_CLOEXEC);
      if (fd >= 0 && last && (fflags & (O_PATH | O_NOFOLLOW)) == O_PATH)
        {
          /* O_PATH|O_NOFOLLOW opens a symlink itself: look at what it is. */
          struct stat st;
          if (fstat (fd, &st) == 0 && S_ISLNK (st.st_mode))
            {
              close (fd);
              fd = -1;
              errno = ELOOP;
            }
        }
      if (fd >= 0)
        {
          if (last)
            {
              ret = fd;
              break;
            }
          walk_push (&w, fd);
          continue;
        }
      /* ENOTDIR or ELOOP may be a symlink to follow. */
      ret = -errno;
      if ((ret != -ENOTDIR && ret != -ELOOP) || (last && (fflags & O_NOFOLLOW)))
        break;
      if (++n_links > MAX_SYMLINKS)
        {
          ret = -ELOOP;
          break;
        }
      {
        char *rest = xstrdup (p);
        int r = walk_splice_link (&w, walk_cur (&w), name, rest, end != NULL, &buf);
        free (rest);
        if (r < 0)
          break; /* not a symlink: the open error stands */
      }
      p = buf;
    }
  walk_pop (&w, 0);
  free (w.stack);
  free (buf);
  return ret;
}

int
safe_resolve (int root_fd, const char *path, int flags)
{
  struct resolve_how how = {
    .flags = flags | O_CLOEXEC,
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  int tries;

  if (!no_openat2)
    {
      /* EAGAIN: a rename or mount raced with the lookup; the kernel asks
       * us to retry rather than risk a wrong answer. */
      for (tries = 0; tries < 64; tries++)
        {
          int fd = syscall (SYS_openat2, root_fd, path, &how, sizeof how);
          if (fd >= 0)
            return fd;
          if (errno == EAGAIN || errno == EINTR)
            continue;
          if (errno != ENOSYS)
            return -errno;
          no_openat2 = true;
          break;
        }
      if (!no_openat2)
        return -EAGAIN;
    }
  return walk_in_root (root_fd, path, flags);
}

int
safe_open_in_root (int root_fd, const char *path, int flags, rt_error_t *err)
{
  int fd = safe_resolve (root_fd, path, flags);

  if (fd < 0)
    return rt_error_set (err, -fd, "open `%s`", path);
  return fd;
}

/* Offsets of the ends of path's components, for the prefix walks below. */
static size_t
component_ends (const char *path, size_t *ends, size_t max)
{
  size_t n = 0, i = 0;

  while (path[i] && n < max)
    {
      while (path[i] == '/')
        i++;
      if (path[i] == '\0')
        break;
      while (path[i] && path[i] != '/')
        i++;
      ends[n++] = i;
    }
  return n;
}

/* mkdirat + O_NOFOLLOW reopen: if something else than the directory we
 * made sits there (a symlink raced in), this fails instead of following. */
static int
mkdir_component (int parent, const char *name, mode_t mode)
{
  int fd;

  if (mkdirat (parent, name, mode) < 0 && errno != EEXIST)
    return -errno;
  fd = openat (parent, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  return fd < 0 ? -errno : fd;
}

int
safe_mkdir_in_root (int root_fd, const char *path, mode_t mode, rt_error_t *err)
{
  size_t ends[256];
  size_t n, i, have;
  cleanup_free char *prefix = NULL;
  int parent = -1;
  int fd;

  fd = safe_resolve (root_fd, path, O_PATH | O_DIRECTORY);
  if (fd >= 0)
    return fd;
  if (fd != -ENOENT)
    return rt_error_set (err, -fd, "open `%s`", path);

  n = component_ends (path, ends, sizeof ends / sizeof ends[0]);
  if (n == sizeof ends / sizeof ends[0])
    return rt_error_set (err, ENAMETOOLONG, "mkdir `%s`", path);
  prefix = xstrdup (path);

  /* The deepest existing ancestor, searching upwards: usually the parent. */
  for (have = n - 1; have > 0; have--)
    {
      prefix[ends[have - 1]] = '\0';
      parent = safe_resolve (root_fd, prefix, O_PATH | O_DIRECTORY);
      prefix[ends[have - 1]] = path[ends[have - 1]];
      if (parent >= 0)
        break;
      if (parent != -ENOENT)
        return rt_error_set (err, -parent, "open `%s`", path);
    }
  if (have == 0)
    {
      parent = dup (root_fd);
      if (parent < 0)
        return rt_error_set (err, errno, "dup");
    }

  /* Create the rest downwards.  Everything below the first new directory
   * is ours, so ".." there is resolved again from the root. */
  for (i = have; i < n; i++)
    {
      size_t start = i ? ends[i - 1] : 0;
      cleanup_free char *name = NULL;

      while (path[start] == '/')
        start++;
      name = strndup (path + start, ends[i] - start);
      if (name == NULL)
        oom ();
      if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
        {
          prefix[ends[i]] = '\0';
          fd = safe_resolve (root_fd, prefix, O_PATH | O_DIRECTORY);
          prefix[ends[i]] = path[ends[i]];
        }
      else
        fd = mkdir_component (parent, name, i == n - 1 ? mode : 0755);
      close (parent);
      if (fd < 0)
        {
          prefix[ends[i]] = '\0';
          return rt_error_set (err, -fd, "mkdir `%s`", prefix);
        }
      parent = fd;
    }
  return parent;
}

int
safe_mkfile_in_root (int root_fd, const char *path, mode_t mode, rt_error_t *err)
{
  cleanup_free char *dir = NULL;
  cleanup_close int parent = -1;
  const char *base;
  char *slash;
  size_t len;
  struct stat st;
  int fd;

  fd = safe_resolve (root_fd, path, O_PATH);
  if (fd >= 0)
    return fd;
  if (fd != -ENOENT)
    return rt_error_set (err, -fd, "open `%s`", path);

  /* Split into the parent (made like mkdir -p) and the new file's name. */
  dir = xstrdup (path);
  len = strlen (dir);
  while (len > 1 && dir[len - 1] == '/')
    dir[--len] = '\0';
  slash = strrchr (dir, '/');
  base = slash ? slash + 1 : dir;
  if (base[0] == '\0' || strcmp (base, ".") == 0 || strcmp (base, "..") == 0)
    return rt_error_set (err, EINVAL, "create `%s`: not a file name", path);
  if (slash != NULL && slash != dir)
    {
      *slash = '\0';
      parent = safe_mkdir_in_root (root_fd, dir, 0755, err);
      if (parent < 0)
        return -1;
    }
  else
    {
      parent = dup (root_fd);
      if (parent < 0)
        return rt_error_set (err, errno, "dup");
    }

  if (mknodat (parent, base, S_IFREG | mode, 0) < 0 && errno != EEXIST)
    return rt_error_set (err, errno, "create `%s`", path);
  fd = openat (parent, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return rt_error_set (err, errno, "open `%s`", path);
  /* EEXIST above may be a dangling symlink raced in: never hand one out,
   * a mount onto it would land on the link itself. */
  if (fstat (fd, &st) < 0 || S_ISLNK (st.st_mode))
    {
      close (fd);
      return rt_error_set (err, ELOOP, "create `%s`", path);
    }
  return fd;
}

int
safe_clone_mount (int dirfd, const char *path, bool recursive)
{
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);

  if (path[0] == '\0')
    flags |= AT_EMPTY_PATH;
  return syscall (SYS_open_tree, dirfd, path, flags);
}

int
safe_move_mount (int tree_fd, int dst_fd)
{
  return syscall (SYS_move_mount, tree_fd, "", dst_fd, "",
                  MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

int
safe_bind (int src_fd, int dst_fd, bool recursive, int *mnt_fd)
{
  char src[SAFE_PROC_FD_LEN], dst[SAFE_PROC_FD_LEN];
  int tree;

  *mnt_fd = -1;
  tree = safe_clone_mount (src_fd, "", recursive);
  if (tree >= 0)
    {
      if (safe_move_mount (tree, dst_fd) < 0)
        {
          cleanup_closep (&tree);
          return -1;
        }
      *mnt_fd = tree;
      return 0;
    }
  if (errno != ENOSYS)
    return -1;
  return mount (safe_proc_fd (src_fd, src), safe_proc_fd (dst_fd, dst), NULL,
                MS_BIND | (recursive ? MS_REC : 0), NULL);
}

/* Before mount_setattr: MS_REMOUNT|MS_BIND resets every per-mount flag it
 * is not given, so the current ones come from fstatfs (ST_* equal MS_*
 * for these, except nosymfollow). */
static int
remount_bind_fallback (int mnt_fd, uint64_t attr_set, uint64_t attr_clr)
{
  static const struct
  {
    uint64_t attr;
    unsigned long ms;
    unsigned long st;
  } map[] = {
    { MOUNT_ATTR_RDONLY, MS_RDONLY, ST_RDONLY },
    { MOUNT_ATTR_NOSUID, MS_NOSUID, ST_NOSUID },
    { MOUNT_ATTR_NODEV, MS_NODEV, ST_NODEV },
    { MOUNT_ATTR_NOEXEC, MS_NOEXEC, ST_NOEXEC },
    { MOUNT_ATTR_NODIRATIME, MS_NODIRATIME, ST_NODIRATIME },
    { MOUNT_ATTR_NOSYMFOLLOW, MS_NOSYMFOLLOW, ST_NOSYMFOLLOW },
  };
  char path[SAFE_PROC_FD_LEN];
  unsigned long flags = MS_REMOUNT | MS_BIND;
  struct statfs sfs;
  size_t i;

  if (fstatfs (mnt_fd, &sfs) < 0)
    return -1;
  for (i = 0; i < sizeof map / sizeof map[0]; i++)
    if (((sfs.f_flags & map[i].st) && !(attr_clr & map[i].attr)) || (attr_set & map[i].attr))
      flags |= map[i].ms;
  if (attr_clr & MOUNT_ATTR__ATIME)
    {
      if ((attr_set & MOUNT_ATTR__ATIME) == MOUNT_ATTR_NOATIME)
        flags |= MS_NOATIME;
      else if ((attr_set & MOUNT_ATTR__ATIME) == MOUNT_ATTR_STRICTATIME)
        flags |= MS_STRICTATIME;
    }
  else if (sfs.f_flags & ST_NOATIME)
    flags |= MS_NOATIME;
  else if (!(sfs.f_flags & ST_RELATIME))
    flags |= MS_STRICTATIME;
  return mount (NULL, safe_proc_fd (mnt_fd, path), NULL, flags, NULL);
}

int
safe_mount_setattr (int mnt_fd, bool recursive, uint64_t attr_set, uint64_t attr_clr,
                    unsigned long propagation, int userns_fd)
{
  struct mount_attr attr = {
    .attr_set = attr_set,
    .attr_clr = attr_clr,
    .propagation = propagation,
  };
  char path[SAFE_PROC_FD_LEN];

  if (userns_fd >= 0)
    {
      attr.attr_set |= MOUNT_ATTR_IDMAP;
      attr.userns_fd = userns_fd;
    }
  if (syscall (SYS_mount_setattr, mnt_fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
               sizeof attr)
      == 0)
    return 0;
  if (errno != ENOSYS || userns_fd >= 0 || (recursive && (attr_set | attr_clr)))
    return -1;
  if ((attr_set | attr_clr) && remount_bind_fallback (mnt_fd, attr_set, attr_clr) < 0)
    return -1;
  if (propagation
      && mount (NULL, safe_proc_fd (mnt_fd, path), NULL, propagation | (recursive ? MS_REC : 0),
                NULL)
             < 0)
    return -1;
  return 0;
}

int
safe_mount_empty_tmpfs (int dst_fd)
{
  static const unsigned long ms = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  static const unsigned attrs
      = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
  char path[SAFE_PROC_FD_LEN];
  cleanup_close int fs = -1;
  cleanup_close int mnt = -1;

  /* fsopen needs no /proc, which after pivot_root may not be mounted. */
  fs = syscall (SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
  if (fs < 0 && errno == ENOSYS)
    return mount ("tmpfs", safe_proc_fd (dst_fd, path), "tmpfs", ms, "size=0k");
  if (fs < 0)
    return -1;
  if (syscall (SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0
      || syscall (SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return -1;
  mnt = syscall (SYS_fsmount, fs, FSMOUNT_CLOEXEC, attrs);
  if (mnt < 0)
    return -1;
  return safe_move_mount (mnt, dst_fd);
}

bool
safe_is_mount_root (int fd)
{
  struct statx stx;

  if (statx (fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, 0, &stx) < 0)
    return true;
  if (!(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
    return true;
  return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
}
