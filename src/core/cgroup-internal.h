/* The back-end interface behind cgroup.h: cgroup.c picks the ops of the
 * host's mode and forwards.  Each back end owns its files. */
#ifndef COVE_CGROUP_INTERNAL_H
#define COVE_CGROUP_INTERNAL_H

#include "cgroup.h"

struct cg_ops
{
  int (*create) (const char *path, const struct oci_resources *res, struct cgroup *cg,
                 rt_error_t *err);
  int (*open) (const char *path, struct cgroup *cg, rt_error_t *err);
  int (*enter) (const struct cgroup *cg, pid_t pid, rt_error_t *err);
  int (*update) (const struct cgroup *cg, const struct oci_resources *res, rt_error_t *err);
  int (*freeze) (const struct cgroup *cg, bool freeze, rt_error_t *err);
  bool (*is_frozen) (const struct cgroup *cg);
  int (*pids) (const struct cgroup *cg, pid_t **pids, size_t *n, rt_error_t *err);
  int (*kill_all) (const struct cgroup *cg, int sig, rt_error_t *err);
  int (*destroy) (struct cgroup *cg, rt_error_t *err);
  int (*stats) (const struct cgroup *cg, struct cg_stats *st, rt_error_t *err);
};

/* cgroup-v1.c: pure v1 and hybrid (v1 controllers + the unified tree). */
extern const struct cg_ops cg_v1_ops;
/* cgroup-v2.c: the unified hierarchy at /sys/fs/cgroup. */
extern const struct cg_ops cg_v2_ops;

/* v2 helpers the hybrid back end reuses for its unified tree, rooted at
 * `mount` (e.g. "/sys/fs/cgroup/unified"). */
int cg_v2_mkdir_at (const char *mount, const char *path, bool *created, rt_error_t *err);
int cg_v2_enter_at (const char *mount, const char *path, pid_t pid, rt_error_t *err);
int cg_v2_rmdir_at (const char *mount, const char *path, rt_error_t *err);

/* Pure conversions of the runtime-spec (config-linux.md, crun's table),
 * unit-tested: cpu shares → cpu.weight, blkio weight → io.weight. */
uint64_t cg_shares_to_weight (uint64_t shares);
uint64_t cg_blkio_to_io_weight (uint64_t weight);

/* memory.swap.max from linux.resources.memory (v1's swap is memory plus
 * swap, v2's is swap alone): returns 0 when nothing is to be written
 * (swap absent or 0), 1 with *out set (-1 meaning "max"), -1 with *err
 * on a combination v2 cannot express. */
int cg_v2_swap_max (const struct oci_memory *m, int64_t *out, rt_error_t *err);

/* ---- shared by the back ends: constants and pure helpers (cgroup.c),
 * unit-tested in tests/unit/test-cgroup.c ---- */

/* Where every mode starts. */
#define CG_ROOT "/sys/fs/cgroup"
/* The hybrid host's cgroup2 tree. */
#define CG_UNIFIED CG_ROOT "/unified"
/* The default path is /cove/<id>: that parent is cove's own, and
 * cg_destroy removes it once it is empty. */
#define CG_DEFAULT_PARENT "cove"

/* cg_resolve_path with the systemd probe as an argument (pure). */
char *cg_resolve_path_for (const char *cgroups_path, const char *id, bool systemd_cgroup,
                           bool systemd_running, rt_error_t *err);

/* Every check of linux.resources that needs no host: ranges, formats
 * and names (device rules, pageSize, unified keys, swap >= limit...).
 * The dispatcher runs it before create and update, so a back end sees
 * only values that passed.  Errors name the field. */
int cg_validate_resources (const struct oci_resources *res, rt_error_t *err);

/* v1 devices.allow/deny syntax: "c 1:3 rwm", "a *:* rwm" (absent or -1
 * major/minor = "*", absent access = "rwm"); NULL with *err set (naming
 * `field`) for a bad type or access. */
char *cg_device_rule (const struct oci_device_cgroup *d, const char *field, rt_error_t *err);

/* pids.max: "max" for -1, the number for >= 0 (0 is a valid limit). */
char *cg_pids_max (int64_t limit);

/* A hugepageLimits pageSize: digits, a unit K|M|G|T|P, then "B" ("2MB"),
 * as the kernel names its hugetlb.<size>.* files. */
bool cg_hugepage_size_valid (const char *s);

/* rdma.max line: "mlx5_1 hca_handle=3 hca_object=10000" (absent keys
 * left out; the kernel keeps their value). */
char *cg_rdma_max (const struct oci_rdma *r);

/* The controller a unified key belongs to ("memory" for "memory.max"),
 * malloc'd; NULL when the key is not a plain "<controller>.<file>" name
 * (a '/', a leading '.', no '.'). */
char *cg_unified_controller (const char *key);

/* v1 memory: memory.memsw.limit_in_bytes must stay >= memory.limit_in_bytes
 * after every write, so memsw goes first when the new limit (-1 =
 * unlimited) is above the current memsw. */
bool cg_v1_memsw_first (int64_t new_limit, uint64_t cur_memsw);

/* Parsers of control files: "key value" lines (memory.stat, cpu.stat,
 * memory.oom_control, memory.events) — false when the key is missing;
 * a value "max" reads as UINT64_MAX. */
bool cg_parse_kv (const char *text, const char *key, uint64_t *val);
/* The first number of a file ("max" = UINT64_MAX); false if none. */
bool cg_parse_u64 (const char *text, uint64_t *val);
/* blkio.throttle.io_service_bytes: sums the Read and Write lines of
 * every device. */
void cg_parse_blkio_bytes (const char *text, uint64_t *read, uint64_t *write);

#endif
