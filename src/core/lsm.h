/* Linux security module labels for the container process: SELinux
 * (process.selinuxLabel) and AppArmor (process.apparmorProfile). */
#ifndef COVE_LSM_H
#define COVE_LSM_H

#include <stdbool.h>

#include "error.h"

/* Whether each LSM is active on this host (cheap, cached). */
bool lsm_selinux_enabled (void);
bool lsm_apparmor_enabled (void);

/* Run before create or exec touches anything: an AppArmor profile on a
 * host without AppArmor is an error; an SELinux label on a host without
 * SELinux is ignored (a clean no-op).  With the LSM active, the label
 * writes are tried in a throw-away child, so a profile that is not loaded
 * or a label the policy refuses fails here, not at start. */
int lsm_check (const char *selinux_label, const char *apparmor_profile, rt_error_t *err);

/* Label the next execve.  Writes go only to a procfs file that no mount
 * covers: /proc must be a procfs root and the path is resolved without
 * crossing a mount (a container could mount another /proc file over the
 * attr file to redirect the write). */
int lsm_set_exec_labels (const char *selinux_label, const char *apparmor_profile, rt_error_t *err);

/* mount(2) data with the SELinux context option appended:
 * `data,context="label"` (or just the option when data is NULL/empty).
 * Pure; malloc'd. */
char *lsm_mount_data_with_label (const char *data, const char *label);
/* linux.mountLabel applies to these filesystem types (those that take a
 * context= option and are created for the container). */
bool lsm_type_takes_mount_label (const char *type);

/* The attr write itself, exposed for unit tests: `value` into
 * /proc/thread-self/attr/<name>, refusing a file covered by a mount. */
int lsm_write_proc_attr (const char *name, const char *value, rt_error_t *err);

#endif
