/* Cgroups: one interface, back ends for v1, hybrid and v2 chosen by what
 * the host mounts at /sys/fs/cgroup.  The runtime creates the container's
 * cgroup at create, places init in it before init runs anything of the
 * container, applies linux.resources, and removes it at delete. */
#ifndef COVE_CGROUP_H
#define COVE_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "oci-spec.h"

enum cg_mode
{
  CG_MODE_NONE,   /* nothing usable mounted (or rootless without delegation) */
  CG_MODE_V1,     /* v1 controllers, no cgroup2 tree */
  CG_MODE_HYBRID, /* v1 controllers plus a cgroup2 tree at /sys/fs/cgroup/unified */
  CG_MODE_V2,     /* cgroup2 at /sys/fs/cgroup only */
};

/* What the host mounts; cached after the first call. */
enum cg_mode cg_detect_mode (void);
const char *cg_mode_name (enum cg_mode m);

/* One container's cgroup, as created or reopened.  The path is relative to
 * every hierarchy's root ("/cove/<id>" or linux.cgroupsPath). */
struct cgroup
{
  enum cg_mode mode;
  char *path;   /* absolute within the hierarchies, starts with '/' */
  bool created; /* we made the leaf dir (delete removes only what we made) */
  /* How many trailing components of path cg_create made (1 = the leaf
   * only, 2 = the leaf and its parent...; 0 = all existed).  cg_destroy
   * removes that many levels when they are empty.  A later process (delete)
   * gets it from state.json: cg_open sets created/created_depth to
   * true/1, which the caller overrides with what it saved. */
  unsigned created_depth;
  int v2_fd;    /* O_PATH|O_DIRECTORY fd of the v2 leaf for CLONE_INTO_CGROUP, or -1 */
};

/* The cgroup path for a container: linux.cgroupsPath (absolute or
 * relative; relative is taken from the hierarchy root as runc does), or
 * "/cove/<id>" when absent.  With systemd_cgroup the `slice:prefix:name`
 * form is required, and systemd must be PID 1, else a clear error.
 * Refuses `..` components. Pure apart from the systemd check. */
char *cg_resolve_path (const char *cgroups_path, const char *id, bool systemd_cgroup,
                       rt_error_t *err);

/* Create the cgroup (mkdir -p in every hierarchy, enabling controllers in
 * the parents' cgroup.subtree_control on v2) and apply `res` (may be NULL)
 * before any process is in it.  On failure everything made is removed.
 * A path that exists already is reused (engines pre-create parents); a
 * frozen or populated leaf is refused. */
int cg_create (const char *path, const struct oci_resources *res, struct cgroup *cg,
               rt_error_t *err);

/* Reopen an existing container's cgroup (from state.json). */
int cg_open (const char *path, struct cgroup *cg, rt_error_t *err);

/* Move pid into the cgroup (every v1 hierarchy, and the v2 tree).  Not
 * needed on v2 when clone3(CLONE_INTO_CGROUP) with cg->v2_fd worked. */
int cg_enter (const struct cgroup *cg, pid_t pid, rt_error_t *err);

/* `update`: apply new resources to a live cgroup.  Nothing is half
 * applied: values are validated first (checkBeforeUpdate: memory limit
 * below usage is refused). */
int cg_update (const struct cgroup *cg, const struct oci_resources *res, rt_error_t *err);

/* Freezer (v1 freezer.state, v2 cgroup.freeze); waits until the state
 * is reached. */
int cg_freeze (const struct cgroup *cg, bool freeze, rt_error_t *err);
bool cg_is_frozen (const struct cgroup *cg);

/* Every pid in the cgroup (cgroup.procs, recursive over sub-cgroups). */
int cg_pids (const struct cgroup *cg, pid_t **pids, size_t *n, rt_error_t *err);

/* Signal every process (v2 cgroup.kill for SIGKILL when present; else
 * freeze, signal each pid, thaw). */
int cg_kill_all (const struct cgroup *cg, int sig, rt_error_t *err);

/* Kill whatever is left, wait for the cgroup to empty, rmdir the leaf
 * (and nothing above it) in every hierarchy.  Idempotent. */
int cg_destroy (struct cgroup *cg, rt_error_t *err);

/* Statistics for `events --stats` (runc's types/events.go shape).  Fields
 * a host does not have stay 0. */
struct cg_stats
{
  uint64_t cpu_usage_total; /* ns */
  uint64_t cpu_usage_user;
  uint64_t cpu_usage_kernel;
  uint64_t cpu_throttled_periods;
  uint64_t cpu_throttled_time;
  uint64_t memory_usage;
  uint64_t memory_max_usage;
  uint64_t memory_limit;
  uint64_t memory_swap_usage;
  uint64_t memory_swap_limit;
  uint64_t memory_cache;
  uint64_t memory_oom_kills; /* oom_kill count (memory.events / memory.oom_control) */
  uint64_t pids_current;
  uint64_t pids_limit; /* 0 = max */
  uint64_t blkio_read_bytes;
  uint64_t blkio_write_bytes;
};
int cg_stats (const struct cgroup *cg, struct cg_stats *st, rt_error_t *err);

void cg_close (struct cgroup *cg); /* frees path, closes v2_fd; no fs changes */

/* Cgroup ownership (runtime-spec config-linux.md, v1.1.0): chown the
 * container's v2 cgroup dir and the files a delegatee may write (those
 * listed in /sys/kernel/cgroup/delegate, else cgroup.procs,
 * cgroup.subtree_control and cgroup.threads) to uid:gid, the host ids of
 * the container's root.  The caller decides when: only with a new cgroup
 * namespace and /sys/fs/cgroup mounted read-write.  No-op unless the mode
 * is CG_MODE_V2. */
int cg_v2_chown (const struct cgroup *cg, uid_t uid, gid_t gid, rt_error_t *err);

#endif
