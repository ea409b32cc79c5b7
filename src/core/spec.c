/* Bundle loading and the host-facing checks of a config. */
#include <config.h>
#include "spec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

/* config.json must be a regular file of sane size: a FIFO would block
 * us forever, a device could be endless.  O_NONBLOCK only matters for
 * the open of a FIFO; a symlink to a regular file is followed. */
#define CONFIG_MAX_SIZE (64 << 20)

static int
read_config (int dfd, struct bundle *b, rt_error_t *err)
{
  cleanup_close int fd = openat (dfd, "config.json", O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  struct stat st;
  char proc[64];

  if (fd < 0 && errno == ENOENT)
    return rt_error_set (err, 0, "bundle `%s`: config.json: no such file", b->path);
  if (fd < 0)
    return rt_error_set (err, errno, "bundle `%s`: open config.json", b->path);
  if (fstat (fd, &st) < 0)
    return rt_error_set (err, errno, "bundle `%s`: config.json", b->path);
  if (!S_ISREG (st.st_mode))
    return rt_error_set (err, 0, "bundle `%s`: config.json: must be a regular file", b->path);
  if (st.st_size > CONFIG_MAX_SIZE)
    return rt_error_set (err, 0, "bundle `%s`: config.json: larger than %d MiB", b->path,
                         CONFIG_MAX_SIZE >> 20);
  snprintf (proc, sizeof proc, "/proc/self/fd/%d", fd);
  return read_file_at (AT_FDCWD, proc, &b->raw, &b->raw_len, err);
}

int
spec_load_bundle (const char *path, struct bundle *b, rt_error_t *err)
{
  cleanup_free char *rootpath = NULL;
  char *msg = NULL;
  struct stat st, st2;
  int dfd;

  memset (b, 0, sizeof *b);
  b->rootfs_fd = -1;
  b->path = realpath (path ? path : ".", NULL);
  if (b->path == NULL)
    return rt_error_set (err, errno, "bundle `%s`", path ? path : ".");
  dfd = open (b->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    {
      rt_error_set (err, errno, "bundle `%s`", b->path);
      goto fail;
    }
  if (read_config (dfd, b, err) < 0)
    {
      close (dfd);
      goto fail;
    }
  close (dfd);
  b->config = oci_config_parse_data (b->raw, b->raw_len, "config.json", &msg);
  if (b->config == NULL)
    {
      rt_error_set (err, 0, "%s", msg ? msg : "config.json: invalid");
      free (msg);
      goto fail;
    }
  if (b->config->root == NULL || b->config->root->path == NULL)
    {
      rt_error_set (err, 0, "config.json: .root.path: missing required field");
      goto fail;
    }
  rootpath = b->config->root->path[0] == '/'
                 ? xstrdup (b->config->root->path)
                 : xasprintf ("%s/%s", b->path, b->config->root->path);
  b->rootfs = realpath (rootpath, NULL);
  if (b->rootfs == NULL || stat (b->rootfs, &st) < 0 || !S_ISDIR (st.st_mode))
    {
      rt_error_set (err, b->rootfs ? ENOTDIR : errno, "config.json: .root.path: `%s`", rootpath);
      goto fail;
    }
  /* From here on the rootfs is this directory, whatever its path comes
   * to name later (a swap for a symlink must not redirect the mount). */
  b->rootfs_fd = open (b->rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (b->rootfs_fd < 0 || fstat (b->rootfs_fd, &st2) < 0 || st2.st_ino != st.st_ino
      || st2.st_dev != st.st_dev)
    {
      rt_error_set (err, b->rootfs_fd < 0 ? errno : EAGAIN,
                    "config.json: .root.path: `%s` changed while it was opened", b->rootfs);
      goto fail;
    }
  return 0;

fail:
  spec_bundle_clear (b);
  return -1;
}

void
spec_bundle_clear (struct bundle *b)
{
  if (b->config)
    oci_config_free (b->config);
  free (b->raw);
  free (b->path);
  free (b->rootfs);
  if (b->rootfs_fd >= 0)
    close (b->rootfs_fd);
  memset (b, 0, sizeof *b);
  b->rootfs_fd = -1;
}

int
spec_check_runnable (const struct oci_config *c, rt_error_t *err)
{
  if (c->process == NULL)
    return rt_error_set (err, 0, "config.json: .process: missing required field");
  if (oci_config_namespace (c, OCI_NS_MOUNT) == NULL)
    return rt_error_set (err, 0,
                         "config.json: .linux.namespaces: a mount namespace is required");
  return 0;
}
