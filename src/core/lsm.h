/* Linux security module labels for the container process: SELinux
 * (process.selinuxLabel) and AppArmor (process.apparmorProfile). */
#ifndef COVE_LSM_H
#define COVE_LSM_H

#include <stdbool.h>

#include "error.h"

/* Whether each LSM is active on this host (cheap, cached). */
bool lsm_selinux_enabled (void);
bool lsm_apparmor_enabled (void);

/* Checks that need no side effect, run before create touches anything:
 * an AppArmor profile on a host without AppArmor is an error; an SELinux
 * label on a host without SELinux is ignored (a clean no-op). */
int lsm_check (const char *selinux_label, const char *apparmor_profile, rt_error_t *err);

/* Label the next execve.  Writes go only to a file proven to be on procfs
 * (a container could mount over /proc to redirect them). */
int lsm_set_exec_labels (const char *selinux_label, const char *apparmor_profile, rt_error_t *err);

/* mount(2) data with the SELinux context option appended:
 * `data,context="label"` (or just the option when data is NULL/empty).
 * Pure; malloc'd. */
char *lsm_mount_data_with_label (const char *data, const char *label);
/* linux.mountLabel applies to these filesystem types (those that take a
 * context= option and are created for the container). */
bool lsm_type_takes_mount_label (const char *type);

/* The attr write itself, exposed for unit tests: `value` into
 * /proc/thread-self/attr/<name>, refusing anything but procfs. */
int lsm_write_proc_attr (const char *name, const char *value, rt_error_t *err);

#endif
