/* Cgroups, the part every mode shares: what the host mounts, where a
 * container's cgroup goes (cgroupsPath), the checks of linux.resources
 * that need no host, the value formats both back ends write, and the
 * dispatch to cgroup-v1.c (v1 and hybrid) or cgroup-v2.c. */
#include <config.h>
#include "cgroup.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "util.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

/* ---- mode detection ---------------------------------------------------- */

static bool
is_fs (const char *path, unsigned long magic)
{
  struct statfs sf;
  return statfs (path, &sf) == 0 && (unsigned long) sf.f_type == magic;
}

/* A tmpfs at /sys/fs/cgroup is only v1 when some v1 hierarchy is mounted
 * below it; an empty one (a bare container) has nothing usable. */
static bool
any_v1_hierarchy (void)
{
  char path[512];
  struct stat st;
  static const char *const usual[]
      = { "memory", "pids", "cpu", "cpuset", "devices", "freezer", "blkio", "systemd", NULL };
  size_t i;

  for (i = 0; usual[i]; i++)
    {
      snprintf (path, sizeof path, CG_ROOT "/%s", usual[i]);
      if (stat (path, &st) == 0 && is_fs (path, CGROUP_SUPER_MAGIC))
        return true;
    }
  return false;
}

static enum cg_mode
detect_mode (void)
{
  if (is_fs (CG_ROOT, CGROUP2_SUPER_MAGIC))
    return CG_MODE_V2;
  if (!is_fs (CG_ROOT, TMPFS_MAGIC))
    return CG_MODE_NONE;
  if (!any_v1_hierarchy ())
    return is_fs (CG_UNIFIED, CGROUP2_SUPER_MAGIC) ? CG_MODE_HYBRID : CG_MODE_NONE;
  return is_fs (CG_UNIFIED, CGROUP2_SUPER_MAGIC) ? CG_MODE_HYBRID : CG_MODE_V1;
}

enum cg_mode
cg_detect_mode (void)
{
  static int cached = -1;

  if (cached < 0)
    cached = detect_mode ();
  return (enum cg_mode) cached;
}

const char *
cg_mode_name (enum cg_mode m)
{
  switch (m)
    {
    case CG_MODE_V1:
      return "v1";
    case CG_MODE_HYBRID:
      return "hybrid";
    case CG_MODE_V2:
      return "v2";
    case CG_MODE_NONE:
    default:
      return "none";
    }
}

/* ---- cgroupsPath ------------------------------------------------------- */

/* "/a//b/./c/" -> "/a/b/c".  `..` is refused rather than resolved: the
 * path is joined to every hierarchy's mount point, and a `..` could climb
 * out of it (or into another container's cgroup). */
static char *
normalize_path (const char *in, rt_error_t *err)
{
  size_t len = strlen (in);
  char *out = xmalloc (len + 2);
  size_t o = 0;
  const char *p = in;

  while (*p)
    {
      const char *end;
      size_t n;

      while (*p == '/')
        p++;
      if (*p == '\0')
        break;
      end = strchrnul (p, '/');
      n = end - p;
      if (n == 1 && p[0] == '.')
        {
          p = end;
          continue;
        }
      if (n == 2 && p[0] == '.' && p[1] == '.')
        {
          free (out);
          rt_error_set (err, EINVAL, "linux.cgroupsPath `%s`: `..` is not allowed", in);
          return NULL;
        }
      if (n > 255)
        {
          free (out);
          rt_error_set (err, ENAMETOOLONG, "linux.cgroupsPath `%s`", in);
          return NULL;
        }
      out[o++] = '/';
      memcpy (out + o, p, n);
      o += n;
      p = end;
    }
  out[o] = '\0';
  if (o == 0)
    {
      free (out);
      rt_error_set (err, EINVAL,
                    "linux.cgroupsPath `%s`: the root cgroup cannot be a container's cgroup", in);
      return NULL;
    }
  return out;
}

char *
cg_resolve_path_for (const char *cgroups_path, const char *id, bool systemd_cgroup,
                     bool systemd_running, rt_error_t *err)
{
  if (systemd_cgroup)
    {
      if (!systemd_running)
        rt_error_set (err, 0,
                      "--systemd-cgroup: systemd is not running (PID 1 is not systemd); use "
                      "cgroupfs paths");
      else
        rt_error_set (err, 0,
                      "--systemd-cgroup: the systemd cgroup driver is not supported yet; use "
                      "cgroupfs paths");
      return NULL;
    }
  if (cgroups_path == NULL || cgroups_path[0] == '\0')
    {
      /* The id was checked by state_validate_id; this only keeps a bad
       * one from turning into a path. */
      if (id == NULL || id[0] == '\0' || strchr (id, '/') || strcmp (id, ".") == 0
          || strcmp (id, "..") == 0)
        {
          rt_error_set (err, EINVAL, "container id `%s` cannot name a cgroup", id ? id : "");
          return NULL;
        }
      return xasprintf ("/" CG_DEFAULT_PARENT "/%s", id);
    }
  /* Relative paths are taken from the hierarchy root too: the same value
   * then always means the same cgroup, whoever runs cove (runc takes them
   * from its own cgroup, which differs between callers). */
  return normalize_path (cgroups_path, err);
}

/* sd_booted(3)'s test. */
static bool
systemd_running (void)
{
  struct stat st;
  return lstat ("/run/systemd/system", &st) == 0 && S_ISDIR (st.st_mode);
}

char *
cg_resolve_path (const char *cgroups_path, const char *id, bool systemd_cgroup, rt_error_t *err)
{
  return cg_resolve_path_for (cgroups_path, id, systemd_cgroup,
                              systemd_cgroup ? systemd_running () : false, err);
}

/* ---- value formats ----------------------------------------------------- */

char *
cg_device_rule (const struct oci_device_cgroup *d, const char *field, rt_error_t *err)
{
  char type = d->type ? d->type : 'a';
  const char *access = d->access ? d->access : "rwm";
  char major[24] = "*", minor[24] = "*";
  const char *p;

  if (type != 'a' && type != 'b' && type != 'c')
    {
      rt_error_set (err, EINVAL, "%s: unknown device type `%c` (a, b or c)", field, type);
      return NULL;
    }
  if (access[0] == '\0' || strspn (access, "rwm") != strlen (access))
    {
      rt_error_set (err, EINVAL, "%s: access `%s` is not made of r, w and m", field, access);
      return NULL;
    }
  for (p = access; *p; p++)
    if (strchr (p + 1, *p))
      {
        rt_error_set (err, EINVAL, "%s: access `%s` repeats `%c`", field, access, *p);
        return NULL;
      }
  if ((d->has_major && d->major < -1) || (d->has_minor && d->minor < -1))
    {
      rt_error_set (err, EINVAL, "%s: a major or minor below -1", field);
      return NULL;
    }
  if (d->has_major && d->major >= 0)
    snprintf (major, sizeof major, "%" PRId64, d->major);
  if (d->has_minor && d->minor >= 0)
    snprintf (minor, sizeof minor, "%" PRId64, d->minor);
  return xasprintf ("%c %s:%s %s", type, major, minor, access);
}

char *
cg_pids_max (int64_t limit)
{
  if (limit < 0)
    return xstrdup ("max");
  return xasprintf ("%" PRId64, limit);
}

bool
cg_hugepage_size_valid (const char *s)
{
  size_t digits = strspn (s, "0123456789");

  if (digits == 0 || s[0] == '0')
    return false;
  s += digits;
  return strchr ("KMGTP", s[0]) && s[0] != '\0' && s[1] == 'B' && s[2] == '\0';
}

char *
cg_rdma_max (const struct oci_rdma *r)
{
  char handles[32] = "", objects[32] = "";

  if (r->has_hca_handles)
    snprintf (handles, sizeof handles, " hca_handle=%" PRIu32, r->hca_handles);
  if (r->has_hca_objects)
    snprintf (objects, sizeof objects, " hca_object=%" PRIu32, r->hca_objects);
  return xasprintf ("%s%s%s", r->device, handles, objects);
}

char *
cg_unified_controller (const char *key)
{
  const char *dot = strchr (key, '.');

  char *ctrl;

  if (dot == NULL || dot == key || dot[1] == '\0' || strchr (key, '/'))
    return NULL;
  ctrl = xmalloc (dot - key + 1);
  memcpy (ctrl, key, dot - key);
  ctrl[dot - key] = '\0';
  return ctrl;
}

bool
cg_v1_memsw_first (int64_t new_limit, uint64_t cur_memsw)
{
  uint64_t l = new_limit < 0 ? UINT64_MAX : (uint64_t) new_limit;
  return l > cur_memsw;
}

bool
cg_parse_u64 (const char *text, uint64_t *val)
{
  char *end;

  while (isspace ((unsigned char) *text))
    text++;
  if (strncmp (text, "max", 3) == 0)
    {
      *val = UINT64_MAX;
      return true;
    }
  if (!isdigit ((unsigned char) *text))
    return false;
  errno = 0;
  *val = strtoull (text, &end, 10);
  return errno == 0;
}

bool
cg_parse_kv (const char *text, const char *key, uint64_t *val)
{
  size_t klen = strlen (key);
  const char *line = text;

  while (line && *line)
    {
      if (strncmp (line, key, klen) == 0 && line[klen] == ' ')
        return cg_parse_u64 (line + klen + 1, val);
      line = strchr (line, '\n');
      if (line)
        line++;
    }
  return false;
}

void
cg_parse_blkio_bytes (const char *text, uint64_t *read, uint64_t *write)
{
  const char *line = text;

  *read = *write = 0;
  while (line && *line)
    {
      char dev[64], op[16];
      unsigned long long v;

      /* "8:0 Read 4096"; the closing "Total N" has no device. */
      if (sscanf (line, "%63s %15s %llu", dev, op, &v) == 3 && strchr (dev, ':'))
        {
          if (strcmp (op, "Read") == 0)
            *read += v;
          else if (strcmp (op, "Write") == 0)
            *write += v;
        }
      line = strchr (line, '\n');
      if (line)
        line++;
    }
}

/* ---- validation -------------------------------------------------------- */

#define RES "linux.resources"

static int
check_min1 (bool has, int64_t v, const char *field, rt_error_t *err)
{
  if (has && v < -1)
    return rt_error_set (err, EINVAL, RES ".%s: %" PRId64 " is not a valid value (-1 = unlimited)",
                         field, v);
  return 0;
}

static int
validate_memory (const struct oci_memory *m, rt_error_t *err)
{
  int ret;

  ret = check_min1 (m->has_limit, m->limit, "memory.limit", err);
  if (ret == 0)
    ret = check_min1 (m->has_reservation, m->reservation, "memory.reservation", err);
  if (ret == 0)
    ret = check_min1 (m->has_swap, m->swap, "memory.swap", err);
  if (ret == 0)
    ret = check_min1 (m->has_kernel, m->kernel, "memory.kernel", err);
  if (ret == 0)
    ret = check_min1 (m->has_kernel_tcp, m->kernel_tcp, "memory.kernelTCP", err);
  if (ret < 0)
    return ret;
  if (m->has_swappiness && m->swappiness > 100)
    return rt_error_set (err, EINVAL, RES ".memory.swappiness: %" PRIu64 " is not in 0-100",
                         m->swappiness);
  /* swap is memory plus swap: it cannot be below the memory limit. */
  if (m->has_swap && m->swap > 0 && m->has_limit && m->limit == -1)
    return rt_error_set (err, EINVAL,
                         RES ".memory.swap: %" PRId64 " limits memory plus swap, but "
                            "memory.limit is -1 (unlimited)",
                         m->swap);
  if (m->has_swap && m->swap > 0 && m->has_limit && m->limit > 0 && m->swap < m->limit)
    return rt_error_set (err, EINVAL,
                         RES ".memory.swap: %" PRId64 " is below memory.limit %" PRId64
                            " (swap counts memory plus swap)",
                         m->swap, m->limit);
  return 0;
}

static bool
is_cpu_list (const char *s)
{
  return strspn (s, "0123456789,-") == strlen (s);
}

static int
validate_cpu (const struct oci_cpu *c, rt_error_t *err)
{
  int ret;

  ret = check_min1 (c->has_quota, c->quota, "cpu.quota", err);
  if (ret == 0)
    ret = check_min1 (c->has_realtime_runtime, c->realtime_runtime, "cpu.realtimeRuntime", err);
  if (ret < 0)
    return ret;
  if (c->has_burst && c->has_quota && c->quota > 0 && c->burst > (uint64_t) c->quota)
    return rt_error_set (err, EINVAL,
                         RES ".cpu.burst: %" PRIu64 " is above cpu.quota %" PRId64, c->burst,
                         c->quota);
  if (c->has_idle && c->idle != 0 && c->idle != 1)
    return rt_error_set (err, EINVAL, RES ".cpu.idle: %" PRId64 " is not 0 or 1", c->idle);
  if (c->cpus && !is_cpu_list (c->cpus))
    return rt_error_set (err, EINVAL, RES ".cpu.cpus: `%s` is not a CPU list such as 0-2,4",
                         c->cpus);
  if (c->mems && !is_cpu_list (c->mems))
    return rt_error_set (err, EINVAL, RES ".cpu.mems: `%s` is not a node list such as 0-1",
                         c->mems);
  return 0;
}

static int
check_devno (int64_t major, int64_t minor, const char *field, size_t i, rt_error_t *err)
{
  if (major < 0 || minor < 0)
    return rt_error_set (err, EINVAL, RES ".blockIO.%s[%zu]: major and minor must be >= 0",
                         field, i);
  return 0;
}

static int
validate_block_io (const struct oci_block_io *b, rt_error_t *err)
{
  const struct
  {
    const char *name;
    const struct oci_throttle_device *v;
    size_t n;
  } t[] = {
    { "throttleReadBpsDevice", b->throttle_read_bps_device, b->n_throttle_read_bps_device },
    { "throttleWriteBpsDevice", b->throttle_write_bps_device, b->n_throttle_write_bps_device },
    { "throttleReadIOPSDevice", b->throttle_read_iops_device, b->n_throttle_read_iops_device },
    { "throttleWriteIOPSDevice", b->throttle_write_iops_device, b->n_throttle_write_iops_device },
  };
  size_t i, k;
  int ret;

  for (i = 0; i < b->n_weight_device; i++)
    {
      const struct oci_weight_device *w = &b->weight_device[i];
      ret = check_devno (w->major, w->minor, "weightDevice", i, err);
      if (ret < 0)
        return ret;
      if (!w->has_weight && !w->has_leaf_weight)
        return rt_error_set (err, EINVAL,
                             RES ".blockIO.weightDevice[%zu]: needs weight or leafWeight", i);
    }
  for (k = 0; k < sizeof t / sizeof *t; k++)
    for (i = 0; i < t[k].n; i++)
      {
        ret = check_devno (t[k].v[i].major, t[k].v[i].minor, t[k].name, i, err);
        if (ret < 0)
          return ret;
      }
  return 0;
}

/* A name written into a control file line: no blanks, which would end it. */
static bool
is_word (const char *s)
{
  const char *p;

  if (s == NULL || *s == '\0')
    return false;
  for (p = s; *p; p++)
    if (isspace ((unsigned char) *p))
      return false;
  return true;
}

int
cg_validate_resources (const struct oci_resources *res, rt_error_t *err)
{
  size_t i;
  int ret;

  if (res == NULL)
    return 0;
  for (i = 0; i < res->n_devices; i++)
    {
      char field[64];
      cleanup_free char *rule = NULL;

      snprintf (field, sizeof field, RES ".devices[%zu]", i);
      rule = cg_device_rule (&res->devices[i], field, err);
      if (rule == NULL)
        return -1;
    }
  if (res->memory)
    {
      ret = validate_memory (res->memory, err);
      if (ret < 0)
        return ret;
    }
  if (res->cpu)
    {
      ret = validate_cpu (res->cpu, err);
      if (ret < 0)
        return ret;
    }
  if (res->pids && res->pids->limit < -1)
    return rt_error_set (err, EINVAL,
                         RES ".pids.limit: %" PRId64 " is not a valid limit (-1 = unlimited)",
                         res->pids->limit);
  if (res->block_io)
    {
      ret = validate_block_io (res->block_io, err);
      if (ret < 0)
        return ret;
    }
  for (i = 0; i < res->n_hugepage_limits; i++)
    {
      const char *ps = res->hugepage_limits[i].page_size;
      if (ps == NULL || !cg_hugepage_size_valid (ps))
        return rt_error_set (err, EINVAL,
                             RES ".hugepageLimits[%zu].pageSize: `%s` is not a size such as 2MB "
                                 "or 1GB",
                             i, ps ? ps : "");
    }
  if (res->network)
    for (i = 0; i < res->network->n_priorities; i++)
      if (!is_word (res->network->priorities[i].name))
        return rt_error_set (err, EINVAL,
                             RES ".network.priorities[%zu].name: `%s` is not an interface name",
                             i, res->network->priorities[i].name ?: "");
  for (i = 0; i < res->n_rdma; i++)
    {
      const struct oci_rdma *r = &res->rdma[i];
      if (!is_word (r->device))
        return rt_error_set (err, EINVAL, RES ".rdma: `%s` is not a device name",
                             r->device ?: "");
      if (!r->has_hca_handles && !r->has_hca_objects)
        return rt_error_set (err, EINVAL, RES ".rdma.%s: needs hcaHandles or hcaObjects",
                             r->device);
    }
  for (i = 0; i < res->unified.len; i++)
    {
      cleanup_free char *ctrl = cg_unified_controller (res->unified.keys[i]);
      if (ctrl == NULL)
        return rt_error_set (err, EINVAL,
                             RES ".unified: `%s` is not a control file name such as memory.max",
                             res->unified.keys[i]);
    }
  return 0;
}

/* ---- dispatch ---------------------------------------------------------- */

static const struct cg_ops *
ops_of (enum cg_mode m)
{
  switch (m)
    {
    case CG_MODE_V1:
    case CG_MODE_HYBRID:
      return &cg_v1_ops;
    case CG_MODE_V2:
      return &cg_v2_ops;
    case CG_MODE_NONE:
    default:
      return NULL;
    }
}

static void
cg_init (struct cgroup *cg, enum cg_mode m, const char *path)
{
  cg->mode = m;
  cg->path = xstrdup (path);
  cg->created = false;
  cg->created_depth = 0;
  cg->v2_fd = -1;
}

/* The back ends join the path to mount points: only what
 * cg_resolve_path makes gets there. */
static int
check_path (const char *path, rt_error_t *err)
{
  cleanup_free char *norm = NULL;

  if (path == NULL || path[0] != '/')
    return rt_error_set (err, EINVAL, "cgroup path `%s` is not absolute", path ? path : "");
  norm = normalize_path (path, err);
  if (norm == NULL)
    return -1;
  if (strcmp (norm, path) != 0)
    return rt_error_set (err, EINVAL, "cgroup path `%s` is not in normal form", path);
  return 0;
}

static const struct cg_ops *
ops_for (enum cg_mode m, rt_error_t *err)
{
  const struct cg_ops *ops = ops_of (m);

  if (ops == NULL)
    rt_error_set (err, ENOENT, "cgroups: nothing usable is mounted at " CG_ROOT);
  return ops;
}

/* Until a back end fills an op, calling it is an error, not a crash. */
#define NEED_OP(ops, op, err)                                                                      \
  do                                                                                               \
    {                                                                                              \
      if ((ops)->op == NULL)                                                                       \
        return rt_error_set ((err), ENOSYS, "cgroups: `" #op "` is not implemented");         \
    }                                                                                              \
  while (0)

int
cg_create (const char *path, const struct oci_resources *res, struct cgroup *cg, rt_error_t *err)
{
  enum cg_mode m = cg_detect_mode ();
  const struct cg_ops *ops;
  int ret;

  cg_init (cg, m, path ? path : "");
  ret = check_path (path, err);
  if (ret == 0)
    ret = cg_validate_resources (res, err);
  if (ret == 0)
    ret = (ops = ops_for (m, err)) ? 0 : -1;
  if (ret == 0 && ops->create == NULL)
    ret = rt_error_set (err, ENOSYS, "cgroups: `create` is not implemented for %s",
                        cg_mode_name (m));
  if (ret == 0)
    ret = ops->create (path, res, cg, err);
  if (ret < 0)
    cg_close (cg);
  return ret;
}

int
cg_open (const char *path, struct cgroup *cg, rt_error_t *err)
{
  enum cg_mode m = cg_detect_mode ();
  const struct cg_ops *ops;
  int ret;

  cg_init (cg, m, path ? path : "");
  ret = check_path (path, err);
  if (ret == 0)
    ret = (ops = ops_for (m, err)) ? 0 : -1;
  if (ret == 0)
    {
      cg->created = true;
      cg->created_depth = 1;
      if (ops->open)
        ret = ops->open (path, cg, err);
    }
  if (ret < 0)
    cg_close (cg);
  return ret;
}

int
cg_enter (const struct cgroup *cg, pid_t pid, rt_error_t *err)
{
  const struct cg_ops *ops = ops_for (cg->mode, err);
  if (ops == NULL)
    return -1;
  NEED_OP (ops, enter, err);
  return ops->enter (cg, pid, err);
}

int
cg_update (const struct cgroup *cg, const struct oci_resources *res, rt_error_t *err)
{
  const struct cg_ops *ops = ops_for (cg->mode, err);
  int ret;

  if (ops == NULL)
    return -1;
  NEED_OP (ops, update, err);
  ret = cg_validate_resources (res, err);
  if (ret < 0)
    return ret;
  return ops->update (cg, res, err);
}

int
cg_freeze (const struct cgroup *cg, bool freeze, rt_error_t *err)
{
  const struct cg_ops *ops = ops_for (cg->mode, err);
  if (ops == NULL)
    return -1;
  NEED_OP (ops, freeze, err);
  return ops->freeze (cg, freeze, err);
}

bool
cg_is_frozen (const struct cgroup *cg)
{
  const struct cg_ops *ops = ops_of (cg->mode);
  return ops && ops->is_frozen && ops->is_frozen (cg);
}

int
cg_pids (const struct cgroup *cg, pid_t **pids, size_t *n, rt_error_t *err)
{
  const struct cg_ops *ops = ops_for (cg->mode, err);

  *pids = NULL;
  *n = 0;
  if (ops == NULL)
    return -1;
  NEED_OP (ops, pids, err);
  return ops->pids (cg, pids, n, err);
}

int
cg_kill_all (const struct cgroup *cg, int sig, rt_error_t *err)
{
  const struct cg_ops *ops = ops_for (cg->mode, err);
  if (ops == NULL)
    return -1;
  NEED_OP (ops, kill_all, err);
  return ops->kill_all (cg, sig, err);
}

int
cg_destroy (struct cgroup *cg, rt_error_t *err)
{
  const struct cg_ops *ops = ops_for (cg->mode, err);
  if (ops == NULL)
    return -1;
  NEED_OP (ops, destroy, err);
  return ops->destroy (cg, err);
}

int
cg_stats (const struct cgroup *cg, struct cg_stats *st, rt_error_t *err)
{
  const struct cg_ops *ops = ops_for (cg->mode, err);

  memset (st, 0, sizeof *st);
  if (ops == NULL)
    return -1;
  NEED_OP (ops, stats, err);
  return ops->stats (cg, st, err);
}

void
cg_close (struct cgroup *cg)
{
  if (cg == NULL)
    return;
  free (cg->path);
  cg->path = NULL;
  if (cg->v2_fd >= 0)
    close (cg->v2_fd);
  cg->v2_fd = -1;
}
