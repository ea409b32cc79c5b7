/* Namespace table, joining namespaces by path, user namespace maps and
 * time namespace offsets. */
#ifndef COVE_NAMESPACES_H
#define COVE_NAMESPACES_H

#include <sys/types.h>

#include "error.h"
#include "oci-spec.h"

/* CLONE_NEW* flag of a namespace type. */
int ns_clone_flag (enum oci_ns_type t);
/* Name of its entry in /proc/<pid>/ns/ ("net", "mnt", ...). */
const char *ns_proc_name (enum oci_ns_type t);
/* CLONE_NEW* flags of the namespaces the config asks to create (no path).
 * CLONE_NEWTIME is left out: init unshares it itself (see ns_enter_time). */
int ns_new_flags (const struct oci_config *c);
/* Open every namespace path of the config (O_RDONLY|O_CLOEXEC), check with
 * NS_GET_NSTYPE that each is of its declared type, and store the fds in
 * fds[OCI_NS_COUNT] (-1 when not joined). */
int ns_open_paths (const struct oci_config *c, int fds[OCI_NS_COUNT], rt_error_t *err);
/* setns() into every open fd and close them.  Order: every type but user
 * (mount last), then user, then those refused with EPERM before it (see
 * namespaces.c).  On error all fds are closed too. */
int ns_join (int fds[OCI_NS_COUNT], rt_error_t *err);
/* Write uid_map and gid_map (and setgroups deny when unprivileged) of pid. */
int ns_write_id_maps (pid_t pid, const struct oci_linux *l, rt_error_t *err);
/* From inside init: unshare a time namespace, write linux.timeOffsets into
 * /proc/self/timens_offsets, and enter it via time_for_children. */
int ns_enter_time (const struct oci_linux *l, rt_error_t *err);

/* In a new network namespace: bring `lo` up, as runc does (engines that
 * configure no network, ctr and `--network none`, rely on it). */
int ns_loopback_up (rt_error_t *err);

#endif
