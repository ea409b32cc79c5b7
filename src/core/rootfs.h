/* The container's filesystem view: rootfs, mounts, /dev, pivot_root,
 * masked and read-only paths.  Every destination from config.json is
 * resolved inside the rootfs and never follows a symlink out of it. */
#ifndef COVE_ROOTFS_H
#define COVE_ROOTFS_H

#include <stdbool.h>

#include "error.h"
#include "oci-spec.h"

struct rootfs_ctx
{
  const struct oci_config *config; /* borrowed */
  const char *bundle;              /* absolute bundle path */
  const char *rootfs;              /* absolute rootfs path (resolved, no symlinks) */
  bool userns;                     /* a new user namespace: bind devices instead of mknod */
  bool no_pivot;                   /* --no-pivot: MS_MOVE + chroot instead of pivot_root */
};

/* In a fresh mount namespace, before pivot_root: set propagation
 * (rootfsPropagation, default rslave for /), bind the rootfs onto itself,
 * perform config.mounts in order, create the default devices and
 * linux.devices, the /dev/fd, stdin, stdout, stderr and ptmx links. */
int rootfs_prepare (const struct rootfs_ctx *ctx, rt_error_t *err);

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
