/* Device nodes of the container's /dev: the default devices of the spec,
 * linux.devices, and the /dev symlinks (config-linux.md "Devices",
 * "Default Devices"; runtime-linux.md "Dev symbolic links"). */
#ifndef COVE_DEVICES_H
#define COVE_DEVICES_H

#include <stdbool.h>

#include "error.h"
#include "oci-spec.h"

/* Before pivot_root, in the container's mount namespace, with root_fd an
 * fd of the rootfs (after its mounts): create linux.devices (may be NULL),
 * then the default devices null, zero, full, random, urandom and tty when
 * missing, then /dev/fd, /dev/stdin, /dev/stdout, /dev/stderr (kept if
 * present) and /dev/ptmx -> pts/ptmx (replaced if something else).
 * userns: mknod is not allowed, so the host's node at the same path is
 * bind-mounted onto an empty file instead (and fileMode, uid and gid are
 * not applied: they would change the host's node).  A file already at a
 * device's path that is not the same device is an error. */
int dev_populate (int root_fd, const struct oci_linux *linux_, bool userns, rt_error_t *err);

/* One device of linux.devices (or of the defaults), as dev_populate makes
 * it; parent directories are created (0755). */
int dev_create (int root_fd, const struct oci_device *d, bool userns, rt_error_t *err);

/* fd (open it with O_PATH|O_NOFOLLOW) is the character device
 * major:minor, e.g. 1:3 for /dev/null before binding it anywhere. */
bool dev_fd_is_char (int fd, unsigned major, unsigned minor);

#endif
