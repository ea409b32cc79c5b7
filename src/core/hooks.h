/* OCI hooks: run one list in order, state JSON on stdin, timeout enforced. */
#ifndef COVE_HOOKS_H
#define COVE_HOOKS_H

#include <stddef.h>

#include "error.h"
#include "oci-spec.h"

/* Runs each hook with `state_json` on stdin; fails on the first hook that
 * exits non-zero, is killed, or outlives its timeout (then it is killed).
 * `stage` only names the list in messages ("createRuntime"). Hook stdout
 * and stderr go to the runtime's stderr. */
int hooks_run (const struct oci_hook *hooks, size_t n, const char *stage, const char *state_json,
               rt_error_t *err);
/* One hook, hooks[index] of the `stage` list: for poststop, whose failures
 * are only warnings and must not stop the remaining hooks.  Messages read
 * "poststop hook `/path` (poststop[1]): exited with status 3", or
 * "...: killed by signal 9 (SIGKILL)", "...: timed out after 5 s",
 * "...: exec: No such file or directory". */
int hooks_run_one (const struct oci_hook *hook, const char *stage, size_t index,
                   const char *state_json, rt_error_t *err);

#endif
