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

#endif
