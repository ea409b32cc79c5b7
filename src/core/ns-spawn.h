/* Starting a process inside namespaces given as fds.  setns(CLONE_NEWPID)
 * only affects children, and joining a user namespace changes who we are,
 * so an intermediate process joins and forks the real child, reports its
 * pid and exits.  The child is re-parented to the nearest subreaper (the
 * runtime when it waits for it, as `run` and `exec` do). */
#ifndef COVE_NS_SPAWN_H
#define COVE_NS_SPAWN_H

#include <sys/types.h>

#include "error.h"
#include "oci-spec.h"

/* In the child, after the join: never returns. */
typedef void (*ns_child_fn) (void *arg);

/* Forks the intermediate; it joins ns_fds (ns_join closes them in it),
 * clones with `clone_flags` (new namespaces to create, 0 for none) and
 * runs child_fn(arg) in the child.  A join failure is reported with
 * sync_die on report_fd.  Returns the child's pid, or -1 with *err set
 * (the message from report_fd when the intermediate sent one). */
pid_t ns_spawn (int ns_fds[OCI_NS_COUNT], int clone_flags, ns_child_fn child_fn, void *arg,
                int report_fd, rt_error_t *err);

#endif
