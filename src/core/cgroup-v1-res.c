/* linux.resources on cgroup v1 (and hybrid) hosts: each field of
 * config-linux.md "Control groups" to its v1 control file, in an order the
 * kernel accepts, with errors that name the field.  Where a controller is
 * not a v1 hierarchy but the hybrid host's cgroup2 tree has it (hugetlb,
 * rdma, pids), its v2 files are written instead. */
#include <config.h>
#include "cgroup-v1.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

#define RES "linux.resources"

/* The kernel's internal "not supported" (what kmem limits return on
 * recent kernels); strerror does not know it. */
#ifndef ENOTSUPP
#define ENOTSUPP 524
#endif

static int
put_i64 (int dirfd, const char *file, int64_t v, const char *field, rt_error_t *err)
{
  char buf[24];
  snprintf (buf, sizeof buf, "%" PRId64, v);
  return cg_v1_write (dirfd, file, buf, field, err);
}

static int
put_u64 (int dirfd, const char *file, uint64_t v, const char *field, rt_error_t *err)
{
  char buf[24];
  snprintf (buf, sizeof buf, "%" PRIu64, v);
  return cg_v1_write (dirfd, file, buf, field, err);
}

/* ---- where a controller's files are ------------------------------------- */

/* The container's dir in ctrl's v1 hierarchy; -1 with *err set (naming
 * `field`) when ctrl is not mounted or the dir is missing. */
static int
need_dir (struct cg_v1 *v, const char *ctrl, const char *field, rt_error_t *err)
{
  struct cg_v1_hier *h = cg_v1_hier (v, ctrl);

  if (h == NULL)
    return rt_error_set (err, ENOENT, "%s: the `%s` cgroup controller is not mounted", field, ctrl);
  if (h->fd < 0)
    return rt_error_set (err, ENOENT, "%s: cgroup `%s` does not exist in `%s`", field, v->path,
                         h->mount);
  return h->fd;
}

static bool
unified_has (const char *ctrl)
{
  cleanup_free char *s = NULL;
  char *tok, *save = NULL;

  s = cg_v1_read (AT_FDCWD, CG_UNIFIED "/cgroup.controllers");
  for (tok = s ? strtok_r (s, " \n", &save) : NULL; tok; tok = strtok_r (NULL, " \n", &save))
    if (strcmp (tok, ctrl) == 0)
      return true;
  return false;
}

/* A controller of the unified tree is usable in the container's dir only
 * once every ancestor lists it in cgroup.subtree_control. */
static int
unified_enable (struct cg_v1 *v, const char *ctrl, const char *field, rt_error_t *err)
{
  struct cg_v1_hier *u = cg_v1_unified (v);
  cleanup_free char *have = NULL;
  cleanup_free char *plus = xasprintf ("+%s", ctrl);
  size_t depth;

  if (u == NULL || u->fd < 0)
    return rt_error_set (err, ENOENT, "%s: needs cgroup v2, and this host has none", field);
  if (!unified_has (ctrl))
    {
      have = cg_v1_read (AT_FDCWD, CG_UNIFIED "/cgroup.controllers");
      if (have)
        have[strcspn (have, "\n")] = '\0';
      return rt_error_set (err, ENOENT,
                           "%s: the `%s` controller is not in the cgroup v2 tree at " CG_UNIFIED
                           " (it has: %s)",
                           field, ctrl, have && *have ? have : "none");
    }
  for (depth = 0; depth < v->n_comps; depth++)
    {
      cleanup_close int fd = cg_v1_open_depth (v, u, depth);
      cleanup_free char *sub = NULL;
      char *tok, *save = NULL;
      bool on = false;

      if (fd < 0)
        return rt_error_set (err, errno, "%s: open the cgroup v2 parents of `%s`", field, v->path);
      sub = cg_v1_read (fd, "cgroup.subtree_control");
      for (tok = sub ? strtok_r (sub, " \n", &save) : NULL; tok && !on;
           tok = strtok_r (NULL, " \n", &save))
        on = strcmp (tok, ctrl) == 0;
      if (!on && cg_v1_write (fd, "cgroup.subtree_control", plus, field, err) < 0)
        return -1;
    }
  return 0;
}

/* ctrl's dir for a resource that cgroup v2 spells the same or converts:
 * its v1 hierarchy when mounted, else (hybrid) the unified tree with ctrl
 * enabled (config-linux.md "Unified": a runtime MAY convert). */
static int
ctrl_dir (struct cg_v1 *v, const char *ctrl, const char *field, bool *unified, rt_error_t *err)
{
  *unified = false;
  if (cg_v1_hier (v, ctrl) || cg_v1_unified (v) == NULL)
    return need_dir (v, ctrl, field, err);
  if (unified_enable (v, ctrl, field, err) < 0)
    return -1;
  *unified = true;
  return cg_v1_unified (v)->fd;
}

/* ---- linux.resources ------------------------------------------------------ */

/* An obsolete knob: written when the kernel still has it, else skipped
 * with a debug line (kmem limits do nothing since Linux 5.16 or so). */
static int
put_if_present (int fd, const char *file, int64_t value, const char *field, rt_error_t *err)
{
  char buf[24];

  if (!cg_v1_has_file (fd, file))
    {
      log_debug ("%s: `%s` is not there; ignored", field, file);
      return 0;
    }
  snprintf (buf, sizeof buf, "%" PRId64, value);
  if (cg_v1_write_raw (fd, file, buf) == 0)
    return 0;
  if (errno == EOPNOTSUPP || errno == ENOTSUPP)
    {
      log_debug ("%s: the kernel no longer supports `%s`; ignored", field, file);
      return 0;
    }
  return rt_error_set (err, errno, "%s: write `%s` to `%s`", field, buf, file);
}

/* memory.memsw.limit_in_bytes (memory + swap) must be >= the memory
 * limit after every single write, or the kernel says EINVAL. */
static int
set_limit_and_swap (int fd, const int64_t *limit, const int64_t *swap, rt_error_t *err)
{
  const char *lf = "memory.limit_in_bytes", *sf = "memory.memsw.limit_in_bytes";
  uint64_t cur_memsw = UINT64_MAX;
  int ret;

  if (swap && !cg_v1_has_file (fd, sf))
    {
      if (*swap != -1)
        return rt_error_set (err, ENOTSUP,
                             RES ".memory.swap: this kernel does not account swap (no `%s`; "
                                 "boot with swapaccount=1)",
                             sf);
      log_debug (RES ".memory.swap: no `%s`; -1 needs nothing", sf);
      swap = NULL;
    }
  if (limit && swap)
    {
      (void) cg_v1_read_u64 (fd, sf, &cur_memsw);
      if (cg_v1_memsw_first (*limit, cur_memsw))
        {
          ret = put_i64 (fd, sf, *swap, RES ".memory.swap", err);
          if (ret == 0)
            ret = put_i64 (fd, lf, *limit, RES ".memory.limit", err);
          return ret;
        }
    }
  if (limit)
    {
      ret = put_i64 (fd, lf, *limit, RES ".memory.limit", err);
      if (ret < 0)
        return ret;
    }
  if (swap)
    return put_i64 (fd, sf, *swap, RES ".memory.swap", err);
  return 0;
}

/* 0 for the byte limits means "not set", as runc reads it: a 0-byte
 * limit would only get the container killed. */
static int
apply_memory (struct cg_v1 *v, const struct oci_memory *m, bool update, rt_error_t *err)
{
  bool limit = m->has_limit && m->limit != 0, swap = m->has_swap && m->swap != 0;
  int fd, ret;

  if (!limit && !swap && !(m->has_reservation && m->reservation) && !(m->has_kernel && m->kernel)
      && !(m->has_kernel_tcp && m->kernel_tcp) && !m->has_swappiness && !m->has_disable_oom_killer
      && !m->has_use_hierarchy)
    return 0;
  fd = need_dir (v, "memory", RES ".memory", err);
  if (fd < 0)
    return -1;
  if (update && limit && m->limit > 0 && m->has_check_before_update && m->check_before_update)
    {
      uint64_t usage;
      if (cg_v1_read_u64 (fd, "memory.usage_in_bytes", &usage) && (uint64_t) m->limit < usage)
        return rt_error_set (err, EBUSY,
                             RES ".memory.limit: %" PRId64 " is below the current usage %" PRIu64
                                 " (checkBeforeUpdate)",
                             m->limit, usage);
    }
  ret = set_limit_and_swap (fd, limit ? &m->limit : NULL, swap ? &m->swap : NULL, err);
  if (ret == 0 && m->has_reservation && m->reservation)
    ret = put_i64 (fd, "memory.soft_limit_in_bytes", m->reservation, RES ".memory.reservation",
                   err);
  if (ret == 0 && m->has_kernel && m->kernel)
    ret = put_if_present (fd, "memory.kmem.limit_in_bytes", m->kernel, RES ".memory.kernel", err);
  if (ret == 0 && m->has_kernel_tcp && m->kernel_tcp)
    ret = put_if_present (fd, "memory.kmem.tcp.limit_in_bytes", m->kernel_tcp,
                          RES ".memory.kernelTCP", err);
  if (ret == 0 && m->has_swappiness)
    ret = put_u64 (fd, "memory.swappiness", m->swappiness, RES ".memory.swappiness", err);
  if (ret == 0 && m->has_disable_oom_killer)
    ret = cg_v1_write (fd, "memory.oom_control", m->disable_oom_killer ? "1" : "0",
               RES ".memory.disableOOMKiller", err);
  if (ret == 0 && m->has_use_hierarchy)
    ret = cg_v1_write (fd, "memory.use_hierarchy", m->use_hierarchy ? "1" : "0",
               RES ".memory.useHierarchy", err);
  return ret;
}

/* Two values the kernel checks against each other (cfs period and quota,
 * rt period and runtime): `first` then `second`, and the other way round
 * when the first write is refused as out of range with the old second. */
static int
put_pair (int fd, const char *f1, const char *v1, const char *n1, const char *f2, const char *v2,
          const char *n2, rt_error_t *err)
{
  if (v1 && cg_v1_write_raw (fd, f1, v1) < 0)
    {
      if (errno != EINVAL || v2 == NULL)
        return rt_error_set (err, errno, "%s: write `%s` to `%s`", n1, v1, f1);
      if (cg_v1_write (fd, f2, v2, n2, err) < 0)
        return -1;
      return cg_v1_write (fd, f1, v1, n1, err);
    }
  return v2 ? cg_v1_write (fd, f2, v2, n2, err) : 0;
}

static int
apply_cpu_cfs (int fd, const struct oci_cpu *c, rt_error_t *err)
{
  char period[24], quota[24], rtp[24], rtr[24];
  bool has_p = c->has_period && c->period, has_q = c->has_quota && c->quota;
  bool has_rtp = c->has_realtime_period && c->realtime_period, has_rtr = c->has_realtime_runtime;
  int ret;

  snprintf (period, sizeof period, "%" PRIu64, c->period);
  snprintf (quota, sizeof quota, "%" PRId64, c->quota);
  snprintf (rtp, sizeof rtp, "%" PRIu64, c->realtime_period);
  snprintf (rtr, sizeof rtr, "%" PRId64, c->realtime_runtime);

  ret = put_pair (fd, "cpu.cfs_period_us", has_p ? period : NULL, RES ".cpu.period",
                  "cpu.cfs_quota_us", has_q ? quota : NULL, RES ".cpu.quota", err);
  if (ret == 0 && c->has_burst)
    {
      if (cg_v1_has_file (fd, "cpu.cfs_burst_us"))
        ret = put_u64 (fd, "cpu.cfs_burst_us", c->burst, RES ".cpu.burst", err);
      else if (c->burst != 0)
        ret = rt_error_set (err, ENOTSUP, RES ".cpu.burst: this kernel has no `cpu.cfs_burst_us`");
    }
  /* A runtime above 0 also needs a realtime budget in every parent. */
  if (ret == 0)
    ret = put_pair (fd, "cpu.rt_period_us", has_rtp ? rtp : NULL, RES ".cpu.realtimePeriod",
                    "cpu.rt_runtime_us", has_rtr ? rtr : NULL, RES ".cpu.realtimeRuntime", err);
  return ret;
}

/* cpuset.cpus/mems: a CPU or node the parent lacks is EINVAL; say what
 * the parent has. */
static int
put_cpuset (struct cg_v1 *v, int fd, const char *file, const char *value, const char *field,
            rt_error_t *err)
{
  struct cg_v1_hier *h = cg_v1_hier (v, "cpuset");
  cleanup_free char *have = NULL;
  cleanup_close int pfd = -1;
  int saved;

  if (cg_v1_write_raw (fd, file, value) == 0)
    return 0;
  saved = errno;
  if (saved == EINVAL && h && (pfd = cg_v1_open_depth (v, h, v->n_comps - 1)) >= 0
      && (have = cg_v1_read (pfd, file)) != NULL)
    {
      have[strcspn (have, "\n")] = '\0';
      return rt_error_set (err, saved, "%s: write `%s` to `%s` (the parent cgroup has `%s`)",
                           field, value, file, have);
    }
  return rt_error_set (err, saved, "%s: write `%s` to `%s`", field, value, file);
}

static int
apply_cpu (struct cg_v1 *v, const struct oci_cpu *c, rt_error_t *err)
{
  bool cfs = (c->has_period && c->period) || (c->has_quota && c->quota) || c->has_burst
             || (c->has_realtime_period && c->realtime_period) || c->has_realtime_runtime;
  bool shares = c->has_shares && c->shares;
  int fd, ret;

  /* cpuset first: a CPU or node the host lacks is the likeliest refusal,
   * and failing before any other write keeps an update from half
   * applying. */
  if ((c->cpus && *c->cpus) || (c->mems && *c->mems))
    {
      fd = need_dir (v, "cpuset", RES ".cpu", err);
      if (fd < 0)
        return -1;
      if (c->cpus && *c->cpus)
        {
          ret = put_cpuset (v, fd, "cpuset.cpus", c->cpus, RES ".cpu.cpus", err);
          if (ret < 0)
            return ret;
        }
      if (c->mems && *c->mems)
        {
          ret = put_cpuset (v, fd, "cpuset.mems", c->mems, RES ".cpu.mems", err);
          if (ret < 0)
            return ret;
        }
    }
  if (shares || cfs || c->has_idle)
    {
      fd = need_dir (v, "cpu", RES ".cpu", err);
      if (fd < 0)
        return -1;
      if (shares)
        {
          uint64_t got = 0;
          ret = put_u64 (fd, "cpu.shares", c->shares, RES ".cpu.shares", err);
          if (ret < 0)
            return ret;
          /* The kernel clamps silently. */
          if (cg_v1_read_u64 (fd, "cpu.shares", &got) && got != c->shares)
            return rt_error_set (err, ERANGE,
                                 RES ".cpu.shares: %" PRIu64 " is out of range (the kernel "
                                     "took %" PRIu64 "; 2-262144)",
                                 c->shares, got);
        }
      if (cfs)
        {
          ret = apply_cpu_cfs (fd, c, err);
          if (ret < 0)
            return ret;
        }
      if (c->has_idle)
        {
          if (cg_v1_has_file (fd, "cpu.idle"))
            ret = put_i64 (fd, "cpu.idle", c->idle, RES ".cpu.idle", err);
          else if (c->idle != 0)
            ret = rt_error_set (err, ENOTSUP, RES ".cpu.idle: this kernel has no `cpu.idle`");
          else
            log_debug (RES ".cpu.idle: no `cpu.idle`; 0 needs nothing");
          if (ret < 0)
            return ret;
        }
    }
  return 0;
}

static int
apply_pids (struct cg_v1 *v, const struct oci_pids *p, rt_error_t *err)
{
  cleanup_free char *val = cg_pids_max (p->limit);
  bool unified;
  int fd = ctrl_dir (v, "pids", RES ".pids", &unified, err);

  if (fd < 0)
    return -1;
  return cg_v1_write (fd, "pids.max", val, RES ".pids.limit", err);
}

/* blkio.weight went with CFQ; on blk-mq hosts BFQ has its own files. */
static const char *
first_present (int fd, const char *a, const char *b)
{
  return cg_v1_has_file (fd, a) ? a : cg_v1_has_file (fd, b) ? b : NULL;
}

static int
put_devices (int fd, const char *file, const struct oci_throttle_device *t, size_t n,
             const char *name, rt_error_t *err)
{
  size_t i;

  for (i = 0; i < n; i++)
    {
      char val[80], field[96];
      snprintf (val, sizeof val, "%" PRId64 ":%" PRId64 " %" PRIu64, t[i].major, t[i].minor,
                t[i].rate);
      snprintf (field, sizeof field, RES ".blockIO.%s[%zu]", name, i);
      if (cg_v1_write (fd, file, val, field, err) < 0)
        return -1;
    }
  return 0;
}

static int
apply_weight_devices (int fd, const struct oci_block_io *b, rt_error_t *err)
{
  size_t i;

  for (i = 0; i < b->n_weight_device; i++)
    {
      const struct oci_weight_device *w = &b->weight_device[i];
      const char *file;
      char val[80], field[96];

      snprintf (field, sizeof field, RES ".blockIO.weightDevice[%zu]", i);
      if (w->has_weight)
        {
          file = first_present (fd, "blkio.weight_device", "blkio.bfq.weight_device");
          if (file == NULL)
            return rt_error_set (err, ENOTSUP,
                                 "%s.weight: no `blkio.weight_device` or "
                                 "`blkio.bfq.weight_device` (is the I/O scheduler bfq?)",
                                 field);
          snprintf (val, sizeof val, "%" PRId64 ":%" PRId64 " %u", w->major, w->minor,
                    (unsigned) w->weight);
          if (cg_v1_write (fd, file, val, field, err) < 0)
            return -1;
        }
      if (w->has_leaf_weight)
        {
          if (!cg_v1_has_file (fd, "blkio.leaf_weight_device"))
            return rt_error_set (err, ENOTSUP,
                                 "%s.leafWeight: this kernel has no `blkio.leaf_weight_device` "
                                 "(CFQ only)",
                                 field);
          snprintf (val, sizeof val, "%" PRId64 ":%" PRId64 " %u", w->major, w->minor,
                    (unsigned) w->leaf_weight);
          if (cg_v1_write (fd, "blkio.leaf_weight_device", val, field, err) < 0)
            return -1;
        }
    }
  return 0;
}

static int
apply_block_io (struct cg_v1 *v, const struct oci_block_io *b, rt_error_t *err)
{
  int fd = need_dir (v, "blkio", RES ".blockIO", err);
  const char *file;
  int ret = 0;

  if (fd < 0)
    return -1;
  /* 0 means unset (Docker always sends "weight": 0), as for runc and on v2. */
  if (b->has_weight && b->weight != 0)
    {
      file = first_present (fd, "blkio.weight", "blkio.bfq.weight");
      if (file == NULL)
        return rt_error_set (err, ENOTSUP,
                             RES ".blockIO.weight: no `blkio.weight` or `blkio.bfq.weight` (is "
                                 "the I/O scheduler bfq?)");
      ret = put_u64 (fd, file, b->weight, RES ".blockIO.weight", err);
    }
  if (ret == 0 && b->has_leaf_weight && b->leaf_weight != 0)
    {
      if (!cg_v1_has_file (fd, "blkio.leaf_weight"))
        return rt_error_set (err, ENOTSUP,
                             RES ".blockIO.leafWeight: this kernel has no `blkio.leaf_weight` "
                                 "(CFQ only)");
      ret = put_u64 (fd, "blkio.leaf_weight", b->leaf_weight, RES ".blockIO.leafWeight", err);
    }
  if (ret == 0)
    ret = apply_weight_devices (fd, b, err);
  if (ret == 0)
    ret = put_devices (fd, "blkio.throttle.read_bps_device", b->throttle_read_bps_device,
                       b->n_throttle_read_bps_device, "throttleReadBpsDevice", err);
  if (ret == 0)
    ret = put_devices (fd, "blkio.throttle.write_bps_device", b->throttle_write_bps_device,
                       b->n_throttle_write_bps_device, "throttleWriteBpsDevice", err);
  if (ret == 0)
    ret = put_devices (fd, "blkio.throttle.read_iops_device", b->throttle_read_iops_device,
                       b->n_throttle_read_iops_device, "throttleReadIOPSDevice", err);
  if (ret == 0)
    ret = put_devices (fd, "blkio.throttle.write_iops_device", b->throttle_write_iops_device,
                       b->n_throttle_write_iops_device, "throttleWriteIOPSDevice", err);
  return ret;
}

/* The limit always (it is what every kernel has), and the reservation
 * limit too where the kernel has it: config-linux.md prefers the
 * reservation, which fails mmap instead of SIGBUSing at fault time. */
static int
apply_hugetlb (struct cg_v1 *v, const struct oci_resources *res, rt_error_t *err)
{
  size_t i;

  for (i = 0; i < res->n_hugepage_limits; i++)
    {
      const struct oci_hugepage_limit *l = &res->hugepage_limits[i];
      cleanup_free char *limit_file = NULL, *rsvd_file = NULL;
      char field[80];
      bool unified;
      int fd;

      snprintf (field, sizeof field, RES ".hugepageLimits[%zu]", i);
      fd = ctrl_dir (v, "hugetlb", field, &unified, err);
      if (fd < 0)
        return -1;
      limit_file = xasprintf (unified ? "hugetlb.%s.max" : "hugetlb.%s.limit_in_bytes",
                              l->page_size);
      rsvd_file = xasprintf (unified ? "hugetlb.%s.rsvd.max" : "hugetlb.%s.rsvd.limit_in_bytes",
                             l->page_size);
      if (!cg_v1_has_file (fd, limit_file))
        return rt_error_set (err, ENOENT, "%s.pageSize: the host has no `%s` huge pages (no `%s`)",
                             field, l->page_size, limit_file);
      if (put_u64 (fd, limit_file, l->limit, field, err) < 0)
        return -1;
      if (cg_v1_has_file (fd, rsvd_file) && put_u64 (fd, rsvd_file, l->limit, field, err) < 0)
        return -1;
    }
  return 0;
}

static int
apply_network (struct cg_v1 *v, const struct oci_network *n, rt_error_t *err)
{
  size_t i;
  int fd;

  if (n->has_class_id)
    {
      fd = need_dir (v, "net_cls", RES ".network.classID", err);
      if (fd < 0 || put_u64 (fd, "net_cls.classid", n->class_id, RES ".network.classID", err) < 0)
        return -1;
    }
  if (n->n_priorities == 0)
    return 0;
  fd = need_dir (v, "net_prio", RES ".network.priorities", err);
  if (fd < 0)
    return -1;
  for (i = 0; i < n->n_priorities; i++)
    {
      cleanup_free char *val
          = xasprintf ("%s %" PRIu32, n->priorities[i].name, n->priorities[i].priority);
      char field[80];
      snprintf (field, sizeof field, RES ".network.priorities[%zu]", i);
      if (cg_v1_write (fd, "net_prio.ifpriomap", val, field, err) < 0)
        return -1;
    }
  return 0;
}

static int
apply_rdma (struct cg_v1 *v, const struct oci_resources *res, rt_error_t *err)
{
  bool unified;
  size_t i;
  int fd;

  if (res->n_rdma == 0)
    return 0;
  fd = ctrl_dir (v, "rdma", RES ".rdma", &unified, err);
  if (fd < 0)
    return -1;
  for (i = 0; i < res->n_rdma; i++)
    {
      cleanup_free char *val = cg_rdma_max (&res->rdma[i]);
      cleanup_free char *field = xasprintf (RES ".rdma.%s", res->rdma[i].device);
      if (cg_v1_write (fd, "rdma.max", val, field, err) < 0)
        return -1;
    }
  return 0;
}

/* What runc, crun and youki allow after the configured rules, so a
 * config whose list is only a deny-all (what `spec` writes) still has
 * /dev/null and friends: mknod of anything, null, zero, full, random,
 * urandom, tty, console, ptmx and the pts. */
static const char *const default_allow[]
    = { "c *:* m",   "b *:* m",   "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm",   "c 1:8 rwm",
        "c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm", NULL };

/* The list is an allow-list: reset to deny-all first, then the rules in
 * their order (config-linux.md "Allowed Device list"), then the
 * defaults.  On update only a given list is applied. */
static int
apply_devices (struct cg_v1 *v, const struct oci_resources *res, bool update, rt_error_t *err)
{
  size_t n = res ? res->n_devices : 0, i;
  struct cg_v1_hier *h = cg_v1_hier (v, "devices");
  int fd, ret;

  if (update && n == 0)
    return 0;
  /* Programming the devices controller needs CAP_SYS_ADMIN on the host:
   * an unprivileged caller with a delegated cgroup cannot, and runc
   * ignores it too (the container cannot mknod in its user namespace). */
  if (geteuid () != 0)
    {
      log_debug ("cgroups: unprivileged: the devices controller is left alone");
      return 0;
    }
  if (h == NULL)
    {
      if (n > 0)
        return rt_error_set (err, ENOENT,
                             RES ".devices: the `devices` cgroup controller is not mounted");
      log_debug ("cgroups: no devices controller; device access is not restricted");
      return 0;
    }
  fd = need_dir (v, "devices", RES ".devices", err);
  if (fd < 0 || cg_v1_write (fd, "devices.deny", "a", RES ".devices", err) < 0)
    return -1;
  for (i = 0; i < n; i++)
    {
      const struct oci_device_cgroup *d = &res->devices[i];
      char field[64];
      cleanup_free char *rule = NULL;

      snprintf (field, sizeof field, RES ".devices[%zu]", i);
      rule = cg_device_rule (d, field, err);
      if (rule == NULL
          || cg_v1_write (fd, d->allow ? "devices.allow" : "devices.deny", rule, field, err) < 0)
        return -1;
    }
  for (i = 0; default_allow[i]; i++)
    {
      ret = cg_v1_write (fd, "devices.allow", default_allow[i], RES ".devices (default devices)",
                         err);
      if (ret < 0)
        return ret;
    }
  return 0;
}

/* Raw cgroup v2 files: only where a cgroup v2 tree exists, and only for
 * controllers it has (config-linux.md "Unified": MUST error otherwise). */
static int
apply_unified (struct cg_v1 *v, const struct oci_map *u, rt_error_t *err)
{
  struct cg_v1_hier *uh = cg_v1_unified (v);
  size_t i;

  if (u->len == 0)
    return 0;
  if (uh == NULL)
    return rt_error_set (err, ENOTSUP,
                         RES ".unified needs cgroup v2 (this host has cgroup v1 only)");
  for (i = 0; i < u->len; i++)
    {
      cleanup_free char *ctrl = cg_unified_controller (u->keys[i]);
      cleanup_free char *field = xasprintf (RES ".unified.%s", u->keys[i]);

      if (strcmp (ctrl, "cgroup") != 0 && unified_enable (v, ctrl, field, err) < 0)
        return -1;
      if (!cg_v1_has_file (uh->fd, u->keys[i]))
        return rt_error_set (err, ENOENT, "%s: no such file in the cgroup v2 tree", field);
      if (cg_v1_write (uh->fd, u->keys[i], u->values[i], field, err) < 0)
        return -1;
    }
  return 0;
}

int
cg_v1_apply (struct cg_v1 *v, const struct oci_resources *res, bool update, rt_error_t *err)
{
  int ret;

  ret = apply_devices (v, res, update, err);
  if (ret < 0 || res == NULL)
    return ret;
  /* cpu (with cpuset) before memory: see apply_cpu. */
  if (res->cpu)
    {
      ret = apply_cpu (v, res->cpu, err);
      if (ret < 0)
        return ret;
    }
  if (res->memory)
    {
      ret = apply_memory (v, res->memory, update, err);
      if (ret < 0)
        return ret;
    }
  if (res->pids)
    {
      ret = apply_pids (v, res->pids, err);
      if (ret < 0)
        return ret;
    }
  if (res->block_io)
    {
      ret = apply_block_io (v, res->block_io, err);
      if (ret < 0)
        return ret;
    }
  ret = apply_hugetlb (v, res, err);
  if (ret < 0)
    return ret;
  if (res->network)
    {
      ret = apply_network (v, res->network, err);
      if (ret < 0)
        return ret;
    }
  ret = apply_rdma (v, res, err);
  if (ret < 0)
    return ret;
  return apply_unified (v, &res->unified, err);
}
