/* Paths of config.json resolved inside the rootfs without ever leaving it,
 * and mounts made onto the resolved fds, so that a symlink swapped in
 * during setup cannot redirect anything (CVE-2021-30465 class). */
#ifndef COVE_SAFE_PATH_H
#define COVE_SAFE_PATH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* Resolution.  `root_fd` is an fd (O_PATH is enough) of the directory
 * that plays "/"; `path` may be absolute or relative, both are taken from
 * root_fd.  ".." stops at root_fd, symlinks (absolute ones too) resolve
 * against root_fd, magic links (/proc/<pid>/fd/...) are refused.  A
 * trailing symlink is followed unless flags has O_NOFOLLOW.  O_CLOEXEC is
 * always added.  openat2(RESOLVE_IN_ROOT) when the kernel has it (5.6),
 * otherwise a component-by-component O_NOFOLLOW walk. */

/* Returns an fd, or -errno (no allocation: for callers to whom a missing
 * path is normal, such as maskedPaths). */
int safe_resolve (int root_fd, const char *path, int flags);
/* The same, with "open `path`" in *err. */
int safe_open_in_root (int root_fd, const char *path, int flags, rt_error_t *err);

/* An O_PATH fd of the directory at path, creating it (mode) and its
 * missing parents (0755) with mkdirat when absent.  Something else than a
 * directory there is an error (ENOTDIR). */
int safe_mkdir_in_root (int root_fd, const char *path, mode_t mode, rt_error_t *err);
/* An O_PATH fd of what is at path (symlinks inside the root followed),
 * or of a new empty regular file (mode; parents 0755) when nothing is. */
int safe_mkfile_in_root (int root_fd, const char *path, mode_t mode, rt_error_t *err);

/* "/proc/self/fd/<fd>": the path mount(2) is given to reach an fd. */
#define SAFE_PROC_FD_LEN 32
const char *safe_proc_fd (int fd, char buf[SAFE_PROC_FD_LEN]);

/* Mounting on fds.  These return -1 with errno set, like the syscalls
 * they wrap, so callers can word the error with the mount's names. */

/* A detached copy (open_tree OPEN_TREE_CLONE) of the mount tree at
 * dirfd/path; path "" means dirfd itself.  recursive: submounts too. */
int safe_clone_mount (int dirfd, const char *path, bool recursive);
/* Attach a detached tree (safe_clone_mount, fsmount) on top of whatever
 * is mounted at the object dst_fd refers to (move_mount). */
int safe_move_mount (int tree_fd, int dst_fd);
/* Bind the object src_fd refers to (any fd) onto dst_fd.  *mnt_fd gets an
 * O_PATH fd on the new mount's root, or -1 on kernels without open_tree
 * (< 5.2), where mount(2) through /proc/self/fd is used instead. */
int safe_bind (int src_fd, int dst_fd, bool recursive, int *mnt_fd);
/* mount_setattr(2) of the mount whose root mnt_fd is: MOUNT_ATTR_* to set
 * and clear, propagation (MS_SHARED, MS_SLAVE, MS_PRIVATE, MS_UNBINDABLE
 * or 0), userns_fd for MOUNT_ATTR_IDMAP (else -1).  Flags not named keep
 * their value, locked ones included.  Before Linux 5.12, a non-recursive
 * flag change falls back to MS_REMOUNT|MS_BIND (keeping the current flags
 * from fstatfs) and a propagation change to mount(2); recursive flags and
 * idmap fail with ENOSYS. */
int safe_mount_setattr (int mnt_fd, bool recursive, uint64_t attr_set, uint64_t attr_clr,
                        unsigned long propagation, int userns_fd);
/* A new read-only, empty tmpfs mounted onto dst_fd (to mask a directory). */
int safe_mount_empty_tmpfs (int dst_fd);

/* fd is the root of a mount (statx STATX_ATTR_MOUNT_ROOT); true when the
 * kernel cannot tell (< 5.8), so use it as a check, not a probe. */
bool safe_is_mount_root (int fd);

#endif
