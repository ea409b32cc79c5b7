/* Mounts of type cgroup and cgroup2: the container's own cgroups at the
 * destination (usually /sys/fs/cgroup), laid out as the host lays out
 * its hierarchies.  Called by rootfs.c for each such entry of
 * config.mounts, before pivot_root. */
#ifndef COVE_ROOTFS_CGROUP_H
#define COVE_ROOTFS_CGROUP_H

#include <stdbool.h>

#include "error.h"
#include "mount-options.h"
#include "oci-spec.h"

/* Mount m (type cgroup or cgroup2, options parsed in o) onto its
 * destination inside the rootfs root_fd, before pivot_root.  cgroupns is
 * the config's cgroup namespace entry (NULL: none), which init has
 * already unshared or joined.  What each hierarchy shows is the cgroup
 * the calling process (init, already in the container's cgroup) is in:
 *  - with a cgroup namespace: a new mount of the hierarchy, which the
 *    kernel roots at the namespace's root;
 *  - without: a bind of the host's directory of that cgroup, as
 *    /proc/self/cgroup names it (also in a user namespace, where a new
 *    mount would be refused).
 * On a v2 host that is one mount at the destination.  On a v1 or hybrid
 * host a tmpfs (0755, nosuid, nodev, noexec) holds one directory per
 * hierarchy the host mounts under /sys/fs/cgroup, and the host's symlinks
 * to them (cpu -> cpu,cpuacct); a host with no hierarchy gets the empty
 * tmpfs.  The per-mount options of m (ro, nosuid, atime...) apply to each
 * hierarchy and to the tmpfs; propagation and r* options to the whole
 * tree; other data is ignored. */
int rootfs_mount_cgroup (int root_fd, const struct oci_mount *m, const struct mount_options *o,
                         const struct oci_namespace *cgroupns, rt_error_t *err);

#endif
