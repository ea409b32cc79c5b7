/* Operating a running container through its cgroup: pause, resume, the
 * pids in it, resource updates, statistics. */
#ifndef COVE_MANAGE_H
#define COVE_MANAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cgroup.h"
#include "container.h"
#include "oci-spec.h"

int container_pause (const struct runtime_opts *rt, const char *id, rt_error_t *err);
int container_resume (const struct runtime_opts *rt, const char *id, rt_error_t *err);
/* Host pids of every process of the container (malloc'd). */
int container_pids (const struct runtime_opts *rt, const char *id, pid_t **pids, size_t *n,
                    rt_error_t *err);
int container_update (const struct runtime_opts *rt, const char *id,
                      const struct oci_resources *res, rt_error_t *err);
/* Statistics; *running tells whether the container still runs. */
int container_stats (const struct runtime_opts *rt, const char *id, struct cg_stats *st,
                     bool *running, rt_error_t *err);

#endif
