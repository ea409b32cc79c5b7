/* Populating the container's /dev: default devices, linux.devices (mknod,
 * or a bind of the host's node in a user namespace) and the symlinks. */
#include <config.h>
#include "devices.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "safe-path.h"
#include "util.h"

/* config-linux.md "Default Devices" (console is the terminal's business,
 * ptmx a symlink made below). */
static const struct
{
  const char *path;
  unsigned major, minor;
} default_devices[] = {
  { "/dev/null", 1, 3 },   { "/dev/zero", 1, 5 },    { "/dev/full", 1, 7 },
  { "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};

/* runtime-linux.md "Dev symbolic links", and ptmx for the devpts instance
 * of the container (config-linux.md "Default Devices"). */
static const struct
{
  const char *name;
  const char *target;
} dev_links[] = {
  { "fd", "/proc/self/fd" },
  { "stdin", "/proc/self/fd/0" },
  { "stdout", "/proc/self/fd/1" },
  { "stderr", "/proc/self/fd/2" },
};

bool
dev_fd_is_char (int fd, unsigned major, unsigned minor)
{
  struct stat st;

  return fstat (fd, &st) == 0 && S_ISCHR (st.st_mode) && st.st_rdev == makedev (major, minor);
}

static int
dev_type_mode (char type, mode_t *out)
{
  switch (type)
    {
    case 'c':
    case 'u':
      *out = S_IFCHR;
      return 0;
    case 'b':
      *out = S_IFBLK;
      return 0;
    case 'p':
      *out = S_IFIFO;
      return 0;
    default:
      return -1;
    }
}

static bool
stat_is_device (const struct stat *st, mode_t type, dev_t rdev)
{
  return (st->st_mode & S_IFMT) == type && (type == S_IFIFO || st->st_rdev == rdev);
}

/* Something is already at parent/name: fine only if it is this device. */
static int
check_existing (int parent, const char *name, const char *path, mode_t type, dev_t rdev,
                bool userns, bool *is_mount_point, rt_error_t *err)
{
  struct stat st;

  *is_mount_point = false;
  if (fstatat (parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return rt_error_set (err, errno, "device `%s`: stat", path);
  if (stat_is_device (&st, type, rdev))
    return 0;
  /* An empty file is what we bind the host's node onto in a userns. */
  if (userns && S_ISREG (st.st_mode) && type != S_IFIFO)
    {
      *is_mount_point = true;
      return 0;
    }
  return rt_error_set (err, 0, "device `%s`: a different file is already there", path);
}

/* In a user namespace: the host's node at the same path, bound onto an
 * empty file.  It is checked first, since a bind cannot change its type. */
static int
bind_host_node (int parent, const char *name, const char *path, mode_t type, dev_t rdev,
                rt_error_t *err)
{
  cleanup_close int src = -1;
  cleanup_close int dst = -1;
  cleanup_close int mnt = -1;
  struct stat st;

  src = open (path, O_PATH | O_CLOEXEC);
  if (src < 0)
    return rt_error_set (err, errno, "device `%s`: open the host's node", path);
  if (fstat (src, &st) < 0)
    return rt_error_set (err, errno, "device `%s`: stat the host's node", path);
  if (!stat_is_device (&st, type, rdev))
    return rt_error_set (err, 0, "device `%s`: the host's node is not the same device", path);
  dst = openat (parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (dst < 0)
    return rt_error_set (err, errno, "device `%s`: open the mount point", path);
  if (safe_bind (src, dst, false, &mnt) < 0)
    return rt_error_set (err, errno, "device `%s`: bind the host's node", path);
  return 0;
}

/* dev_fd caches an fd of the rootfs's /dev across calls (-1 = not yet). */
static int
create_node (int root_fd, int *dev_fd, const struct oci_device *d, bool userns, rt_error_t *err)
{
  cleanup_close int own_parent = -1;
  cleanup_free char *dir = NULL;
  const char *slash = strrchr (d->path, '/');
  const char *name = slash ? slash + 1 : d->path;
  bool mount_point;
  mode_t type, perm;
  dev_t rdev;
  int parent;
  int ret;

  if (dev_type_mode (d->type, &type) < 0)
    return rt_error_set (err, EINVAL, "device `%s`: unknown type `%c`", d->path, d->type);
  if (name[0] == '\0' || strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    return rt_error_set (err, EINVAL, "device `%s`: not a file name", d->path);
  /* Linux device numbers: 12 bits of major, 20 of minor. */
  if (type != S_IFIFO
      && (!d->has_major || !d->has_minor || d->major < 0 || d->major > 0xfff || d->minor < 0
          || d->minor > 0xfffff))
    return rt_error_set (err, EINVAL, "device `%s`: missing or invalid major/minor", d->path);
  perm = d->has_file_mode ? d->file_mode & 07777 : 0666;
  rdev = type == S_IFIFO ? 0 : makedev ((unsigned) d->major, (unsigned) d->minor);

  dir = slash ? strndup (d->path, slash - d->path) : xstrdup ("");
  if (dir == NULL)
    oom ();
  if (dev_fd && strcmp (dir, "/dev") == 0)
    {
      if (*dev_fd < 0)
        *dev_fd = safe_mkdir_in_root (root_fd, dir, 0755, err);
      parent = *dev_fd;
    }
  else
    parent = own_parent = safe_mkdir_in_root (root_fd, dir[0] ? dir : "/", 0755, err);
  if (parent < 0)
    return rt_error_wrap (err, "device `%s`", d->path);

  /* Fifos need no privilege, so even in a userns they are made here. */
  if (userns && type != S_IFIFO)
    {
      ret = mknodat (parent, name, S_IFREG | 0600, 0);
      if (ret == 0)
        return bind_host_node (parent, name, d->path, type, rdev, err);
      if (errno != EEXIST)
        return rt_error_set (err, errno, "device `%s`: create the mount point", d->path);
      ret = check_existing (parent, name, d->path, type, rdev, userns, &mount_point, err);
      if (ret < 0 || !mount_point)
        return ret;
      return bind_host_node (parent, name, d->path, type, rdev, err);
    }

  if (mknodat (parent, name, type | perm, rdev) < 0)
    {
      if (errno != EEXIST)
        return rt_error_set (err, errno, "device `%s`: mknod", d->path);
      return check_existing (parent, name, d->path, type, rdev, false, &mount_point, err);
    }
  if ((d->has_uid || d->has_gid)
      && fchownat (parent, name, d->has_uid ? d->uid : (uid_t) -1, d->has_gid ? d->gid : (gid_t) -1,
                   AT_SYMLINK_NOFOLLOW)
             < 0)
    return rt_error_set (err, errno, "device `%s`: chown", d->path);
  return 0;
}

int
dev_create (int root_fd, const struct oci_device *d, bool userns, rt_error_t *err)
{
  mode_t old = umask (0);
  int ret = create_node (root_fd, NULL, d, userns, err);

  umask (old);
  return ret;
}

/* /dev/ptmx must lead to the container's own devpts instance: anything
 * else there (a host-style 5:2 node from the image) is replaced. */
static int
make_ptmx_link (int dev_fd, rt_error_t *err)
{
  char buf[16];
  ssize_t n;

  if (symlinkat ("pts/ptmx", dev_fd, "ptmx") == 0)
    return 0;
  if (errno != EEXIST)
    return rt_error_set (err, errno, "symlink `/dev/ptmx`");
  n = readlinkat (dev_fd, "ptmx", buf, sizeof buf);
  if (n == 8 && memcmp (buf, "pts/ptmx", 8) == 0)
    return 0;
  if (unlinkat (dev_fd, "ptmx", 0) < 0)
    return rt_error_set (err, errno, "remove `/dev/ptmx`");
  if (symlinkat ("pts/ptmx", dev_fd, "ptmx") < 0)
    return rt_error_set (err, errno, "symlink `/dev/ptmx`");
  return 0;
}

static int
populate (int root_fd, int *dev_fd, const struct oci_linux *linux_, bool userns, rt_error_t *err)
{
  size_t i;
  int ret;

  /* The config's devices first, so their fileMode/uid/gid win over the
   * defaults' when they name the same path. */
  for (i = 0; linux_ && i < linux_->n_devices; i++)
    {
      ret = create_node (root_fd, dev_fd, &linux_->devices[i], userns, err);
      if (ret < 0)
        return ret;
    }
  for (i = 0; i < sizeof default_devices / sizeof default_devices[0]; i++)
    {
      struct oci_device d = {
        .type = 'c',
        .path = (char *) default_devices[i].path,
        .has_major = true,
        .major = default_devices[i].major,
        .has_minor = true,
        .minor = default_devices[i].minor,
        .has_file_mode = true,
        .file_mode = 0666,
      };
      ret = create_node (root_fd, dev_fd, &d, userns, err);
      if (ret < 0)
        return ret;
    }

  if (*dev_fd < 0)
    {
      *dev_fd = safe_mkdir_in_root (root_fd, "/dev", 0755, err);
      if (*dev_fd < 0)
        return -1;
    }
  for (i = 0; i < sizeof dev_links / sizeof dev_links[0]; i++)
    if (symlinkat (dev_links[i].target, *dev_fd, dev_links[i].name) < 0 && errno != EEXIST)
      return rt_error_set (err, errno, "symlink `/dev/%s`", dev_links[i].name);
  return make_ptmx_link (*dev_fd, err);
}

int
dev_populate (int root_fd, const struct oci_linux *linux_, bool userns, rt_error_t *err)
{
  cleanup_close int dev_fd = -1;
  /* Modes are the config's, exactly: no umask in between. */
  mode_t old = umask (0);
  int ret = populate (root_fd, &dev_fd, linux_, userns, err);

  umask (old);
  return ret;
}
