/* Attributes of the container process applied by init before exec:
 * identity, capabilities, rlimits, scheduling, personality, sysctl, uts. */
#ifndef COVE_PROCESS_ATTRS_H
#define COVE_PROCESS_ATTRS_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "oci-spec.h"

/* hostname and domainname (needs own UTS namespace; checked by spec.c). */
int attrs_set_uts (const struct oci_config *c, rt_error_t *err);
/* linux.sysctl: write /proc/sys/... (after /proc of the container is
 * mounted, i.e. after pivot). */
int attrs_set_sysctl (const struct oci_map *sysctl, rt_error_t *err);
/* rlimits via setrlimit (applied before dropping privileges). */
int attrs_set_rlimits (const struct oci_process *p, rt_error_t *err);
/* oomScoreAdj via /proc/self/oom_score_adj. */
int attrs_set_oom_score_adj (const struct oci_process *p, rt_error_t *err);
/* personality, scheduler, ioPriority. */
int attrs_set_personality (const struct oci_personality *p, rt_error_t *err);
int attrs_set_scheduler (const struct oci_scheduler *s, rt_error_t *err);
int attrs_set_io_priority (const struct oci_io_priority *io, rt_error_t *err);
/* setgroups(additionalGids), setgid, setuid, keeping capabilities across
 * the uid change (PR_SET_KEEPCAPS), and umask. */
int attrs_set_user (const struct oci_user *u, rt_error_t *err);
/* Capabilities: bounding set is dropped before the uid change
 * (caps_drop_bounding), the other four sets after (caps_apply). Unknown
 * names, or caps the kernel lacks, are skipped with a warning. */
int caps_drop_bounding (const struct oci_capabilities *caps, rt_error_t *err);
int caps_apply (const struct oci_capabilities *caps, rt_error_t *err);
/* Capability name ("CAP_CHOWN") to number, -1 when unknown; and back. */
int caps_from_name (const char *name);
const char *caps_name (int cap);
/* open("/proc/self/<name>", O_WRONLY|O_CLOEXEC), dumpable for the time of
 * the open so that a non-dumpable init in a user namespace may; -1/errno. */
int proc_self_open_write (const char *name);
/* noNewPrivileges */
int attrs_set_no_new_privs (rt_error_t *err);

#endif
