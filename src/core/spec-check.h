/* `cove spec --validate`: the problems of a bundle found without running
 * it, each reported with the JSON path at fault.  No side effects: files
 * are only opened, stat'ed and read. */
#ifndef COVE_SPEC_CHECK_H
#define COVE_SPEC_CHECK_H

#include "error.h"
#include "oci-spec.h"

/* Called once per problem with a line "config.json: <path>: <problem>". */
typedef void (*spec_problem_fn) (void *data, const char *line);

/* Checks the bundle at `dir` (NULL: the current directory).
 *
 * config.json is parsed first, in oci-spec's collecting mode: every
 * schema problem is reported (up to OCI_PROBLEMS_MAX, then one line saying
 * there are more), in document order; malformed JSON is one problem.
 * Then the parts of the config without a schema problem are checked
 * against the host, and every problem is reported: the rootfs, the command in it, bind mount sources and their
 * destinations, filesystem types, devices (their drivers, and in a user
 * namespace the host nodes bound in), namespace paths, hook programs,
 * sysctls, the seccomp profile (compiled as create would), an AppArmor
 * profile without AppArmor, and what create needs beyond the schema (a
 * process, a mount namespace).
 *
 * Returns the number of problems, or -1 with *err set when the bundle
 * itself cannot be read (no such directory). */
int spec_check_bundle (const char *dir, spec_problem_fn report, void *data, rt_error_t *err);

/* The part of spec_check_bundle that works on a parsed config: `bundle`
 * is the directory relative paths are taken from.  Returns the number of
 * problems. */
int spec_check_config (const struct oci_config *c, const char *bundle, spec_problem_fn report,
                       void *data);

#endif
