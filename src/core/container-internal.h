/* What the commands on an existing container share (container.c, exec.c). */
#ifndef COVE_CONTAINER_INTERNAL_H
#define COVE_CONTAINER_INTERNAL_H

#include "container.h"
#include "oci-spec.h"
#include "state.h"

/* An open, locked container state dir and what state.json says. */
struct handle
{
  int rootfd;
  int dirfd;
  struct cstate st;
};

/* Open and lock; reading state.json comes after the lock so a concurrent
 * create or delete is seen whole. */
int handle_open (const struct runtime_opts *rt, const char *id, struct handle *h, rt_error_t *err);
void handle_close (struct handle *h);
/* The config.json saved at create (edits to the bundle do not count). */
struct oci_config *saved_config (int dirfd, rt_error_t *err);
/* state_status plus `paused` from the cgroup freezer. */
enum cstatus container_status (int dirfd, const struct cstate *st);
/* A pidfd for init, proven to be the process we started. */
int open_init_pidfd (const struct cstate *s, rt_error_t *err);
/* The cgroup path create gives container `id` with config c (the
 * default name, cgroupsPath, the rootless rules); NULL with *err on a bad
 * cgroupsPath.  Restore (checkpoint.c) places a restored container the
 * same way. */
char *container_cgroup_path (const struct runtime_opts *rt, const struct oci_config *c,
                             const char *id, rt_error_t *err);

#endif
