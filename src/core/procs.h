/* Finding a container's processes without cgroups: every process of a
 * container lives in the container's mount namespace (cove always makes
 * one), so membership is "same mnt namespace as init". */
#ifndef COVE_PROCS_H
#define COVE_PROCS_H

#include <stddef.h>
#include <sys/types.h>

/* The identity of a mount namespace, recorded at create so the
 * container's processes can be found after init is gone.  A freed
 * namespace's inode number may be reused, so a process must also have the
 * container's rootfs as its root to count. */
struct mntns_id
{
  unsigned long long dev;
  unsigned long long ino;
  unsigned long long root_dev;
  unsigned long long root_ino;
};

/* Identity of pid's mount namespace and root directory. */
int procs_mntns_of (pid_t pid, struct mntns_id *id);
/* Host pids of the processes in that mount namespace; malloc'd array. */
int procs_of_container (const struct mntns_id *id, pid_t **out, size_t *n);
/* Signal all of them; returns how many were signalled. */
int procs_signal_all (const struct mntns_id *id, int sig);

#endif
