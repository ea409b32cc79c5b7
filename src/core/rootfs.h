/* The container's filesystem view: rootfs, mounts, /dev, pivot_root,
 * masked and read-only paths.  Every destination from config.json is
 * resolved inside the rootfs and never follows a symlink out of it. */
#ifndef COVE_ROOTFS_H
#define COVE_ROOTFS_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "oci-spec.h"

struct rootfs_ctx
{
  const struct oci_config *config; /* borrowed */
  const char *bundle;              /* absolute bundle path */
  const char *rootfs;              /* absolute rootfs path (resolved, no symlinks) */
  bool userns;                     /* a new user namespace: bind devices instead of mknod */
  bool no_pivot;                   /* --no-pivot: MS_MOVE + chroot instead of pivot_root */
  int rootfs_fd;                   /* O_PATH of the validated rootfs, or -1: use the path */
  int *root_mnt_fd;                /* out of rootfs_prepare: the rootfs mount, for pivot */
  /* Detached, idmapped trees from rootfs_open_idmapped_mounts, indexed
   * like config.mounts, -1 where none; NULL when there are none.
   * Borrowed: rootfs_prepare attaches them, the caller closes them. */
  const int *mount_fds;
};

/* In a fresh mount namespace, before pivot_root: set propagation
 * (rootfsPropagation, default rslave for /), bind the rootfs onto itself,
 * perform config.mounts in order, create the default devices and
 * linux.devices, the /dev/fd, stdin, stdout, stderr and ptmx links
 * (devices.h; skipped when config.mounts binds something onto /dev). */
int rootfs_prepare (const struct rootfs_ctx *ctx, rt_error_t *err);

/* Runtime side, for a container with a user namespace: idmap/ridmap
 * mounts (or mounts with uidMappings/gidMappings) need CAP_SYS_ADMIN over
 * the source's superblock, which the init process no longer has once in
 * its user namespace.  So the runtime (in the host's user namespace) makes
 * them as detached trees: open_tree(OPEN_TREE_CLONE) of the source, then
 * mount_setattr(MOUNT_ATTR_IDMAP) with a user namespace made from the
 * mount's mappings, or the container's (that of userns_pid, once its maps
 * are written) when the mount has none.  fds has config.n_mounts slots;
 * each gets a tree or -1.  They are then passed to init (SCM_RIGHTS) and
 * set in ctx->mount_fds.  Without a user namespace, rootfs_prepare does
 * this itself and this call is not needed. */
int rootfs_open_idmapped_mounts (const struct rootfs_ctx *ctx, pid_t userns_pid, int *fds,
                                 rt_error_t *err);

/* pivot_root (or MS_MOVE + chroot with no_pivot) into ctx->rootfs, and
 * chdir("/"). */
int rootfs_pivot (const struct rootfs_ctx *ctx, rt_error_t *err);

/* After pivot: readonlyPaths, maskedPaths, root.readonly, rootfsPropagation
 * on "/". */
int rootfs_finalize (const struct rootfs_ctx *ctx, rt_error_t *err);

/* After pivot, with a terminal: bind the pty slave (fd) over /dev/console,
 * creating the mount point as a regular file if missing and refusing a
 * symlink there. */
int rootfs_bind_console (int slave_fd, rt_error_t *err);

#endif
