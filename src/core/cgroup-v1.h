/* Private to the cgroup v1 back end: cgroup-v1.c (hierarchies, create,
 * enter, freezer, kill, destroy, stats) and cgroup-v1-res.c (the control
 * files of linux.resources) share one operation's view of a container's
 * cgroup in every hierarchy it lives in. */
#ifndef COVE_CGROUP_V1_H
#define COVE_CGROUP_V1_H

#include "cgroup-internal.h"

/* One v1 hierarchy, or the cgroup2 tree of a hybrid host. */
struct cg_v1_hier
{
  char *mount;          /* its mount point, under /sys/fs/cgroup */
  char *controllers;    /* "cpu,cpuacct", "name=systemd"; "" for the unified tree */
  bool unified;         /* the cgroup2 tree of a hybrid host */
  int fd;               /* O_PATH of the container's dir in it; -1 when absent or not opened */
  size_t first_created; /* first path component create made; n_comps when none */
};

/* The container's cgroup path split into components, and every hierarchy
 * it lives in (the unified tree, if any, last). */
struct cg_v1
{
  enum cg_mode mode;
  const char *path; /* borrowed from struct cgroup */
  char **comps;
  size_t n_comps;
  struct cg_v1_hier *h;
  size_t n_h;
};

/* The v1 hierarchy that has ctrl (co-mounts count: "cpu,cpuacct" has
 * both), or NULL. */
struct cg_v1_hier *cg_v1_hier (struct cg_v1 *v, const char *ctrl);
/* The cgroup2 tree of a hybrid host, or NULL. */
struct cg_v1_hier *cg_v1_unified (struct cg_v1 *v);
/* O_PATH fd of the first `depth` path components in h (0 = the
 * hierarchy's root); -1 with errno. */
int cg_v1_open_depth (const struct cg_v1 *v, const struct cg_v1_hier *h, size_t depth);

/* Control files relative to a cgroup dir fd. */
bool cg_v1_has_file (int dirfd, const char *file);
/* The whole file, malloc'd; NULL with errno. */
char *cg_v1_read (int dirfd, const char *file);
/* Its first number ("max" = UINT64_MAX); false if unreadable. */
bool cg_v1_read_u64 (int dirfd, const char *file, uint64_t *val);
/* One write(2) of value (cgroupfs parses each write as one value); -1
 * with errno. */
int cg_v1_write_raw (int dirfd, const char *file, const char *value);
/* The same, with an error naming the config field:
 * "linux.resources.memory.limit: write `16777216` to
 * `memory.limit_in_bytes`: Device or resource busy". */
int cg_v1_write (int dirfd, const char *file, const char *value, const char *field,
                 rt_error_t *err);

/* cgroup-v1-res.c: apply res to the container's dirs (open in v); on
 * update only what res sets, and device rules only when given. */
int cg_v1_apply (struct cg_v1 *v, const struct oci_resources *res, bool update, rt_error_t *err);

#endif
