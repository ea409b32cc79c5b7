/* The cgroup v2 back end: the unified hierarchy at /sys/fs/cgroup.  Owns
 * creating the container's cgroup with its controllers enabled above it,
 * linux.resources written as v2 files (with the spec's v1 → v2
 * conversions), the freezer, kill, destroy, stats and ownership; and the
 * cg_v2_*_at helpers the hybrid back end uses for its unified tree.
 * Devices go through the BPF program of cgroup-v2-bpf.c. */
#include <config.h>
#include "cgroup-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-v2-bpf.h"
#include "log.h"
#include "util.h"

#define V2_MOUNT CG_ROOT

/* How long freeze/thaw and "wait until empty" may take: a task in an
 * uninterruptible sleep holds both up, and a slow (emulated) host is slow. */
#define SETTLE_TIMEOUT_MS 10000

/* Controllers enabled in every ancestor's cgroup.subtree_control, when
 * the parent has them (cgroup.controllers): those with files the spec's
 * resources map to, so each is usable in the leaf and through `unified`. */
static const char *const wanted_controllers[]
    = { "cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc" };

/* ------------------------------------------------------------------ */
/* Pure conversions */

/* log2 (x) for x >= 1, bit by bit: the core library does not link libm. */
static double
log2_u64 (uint64_t x)
{
  int k = 63 - __builtin_clzll (x);
  double m = (double) x / (double) (1ULL << k); /* in [1, 2) */
  double r = k, bit = 0.5;
  int i;

  for (i = 0; i < 53 && m != 1.0; i++, bit /= 2)
    {
      m *= m;
      if (m >= 2.0)
        {
          m /= 2.0;
          r += bit;
        }
    }
  return r;
}

/* 10^e for 0 <= e < 5: the integer part by multiplication, the fraction
 * by the exponential series (|e ln 10| < 2.31, so 40 terms are plenty). */
static double
pow10_small (double e)
{
  int n = (int) e;
  double y = (e - n) * 2.30258509299404568402;
  double term = 1.0, sum = 1.0;
  int i;

  for (i = 1; i < 40; i++)
    {
      term *= y / i;
      sum += term;
    }
  while (n-- > 0)
    sum *= 10.0;
  return sum;
}

/* cpu.weight = ceil (10^((l^2 + 125 l) / 612 - 7/34)), l = log2 (shares):
 * the mapping runc (>= 1.3.2) and crun (>= 1.23) use, and the REFERENCE's;
 * it takes [2, 262144] onto [1, 10000] and the v1 default 1024 onto the v2
 * default 100 (the older linear formula gave 39).  0 stays 0, "unset". */
uint64_t
cg_shares_to_weight (uint64_t shares)
{
  double l, v;
  uint64_t w;

  if (shares == 0)
    return 0;
  if (shares <= 2)
    return 1;
  if (shares >= 262144)
    return 10000;
  l = log2_u64 (shares);
  v = pow10_small ((l * l + 125.0 * l) / 612.0 - 7.0 / 34.0);
  /* ceil, but a value a rounding error above an integer is that integer:
   * 1024 gives exactly 100 in real numbers. */
  w = (uint64_t) v;
  if (v - (double) w > 1e-9 * v)
    w++;
  return w < 1 ? 1 : w > 10000 ? 10000 : w;
}

/* io.weight = 1 + (weight - 10) * 9999 / 990: blkio's [10, 1000] onto
 * io's [1, 10000], linearly (crun's table).  0 stays 0, "unset". */
uint64_t
cg_blkio_to_io_weight (uint64_t weight)
{
  if (weight == 0)
    return 0;
  if (weight <= 10)
    return 1;
  if (weight >= 1000)
    return 10000;
  return 1 + (weight - 10) * 9999 / 990;
}

int
cg_v2_swap_max (const struct oci_memory *m, int64_t *out, rt_error_t *err)
{
  /* 0 is "unset" for runc and crun too. */
  if (m == NULL || !m->has_swap || m->swap == 0)
    return 0;
  if (m->swap < 0)
    {
      *out = -1;
      return 1;
    }
  if (!m->has_limit || m->limit == 0)
    return rt_error_set (err, 0,
                         "linux.resources.memory: swap needs a memory limit on cgroup v2");
  if (m->limit < 0)
    return rt_error_set (err, 0,
                         "linux.resources.memory: swap %" PRId64 " with an unlimited memory "
                         "limit cannot be expressed on cgroup v2",
                         m->swap);
  if (m->swap < m->limit)
    return rt_error_set (err, 0,
                         "linux.resources.memory: swap (%" PRId64 ", memory plus swap) is below "
                         "the memory limit (%" PRId64 ")",
                         m->swap, m->limit);
  *out = m->swap - m->limit;
  return 1;
}

/* ------------------------------------------------------------------ */
/* Files */

/* A cgroup file is written with one write(2): the kernel parses each write
 * on its own.  No O_CREAT: a missing file must fail with ENOENT. */
static int
cg_write (int dirfd, const char *file, const char *value, rt_error_t *err)
{
  cleanup_close int fd = openat (dirfd, file, O_WRONLY | O_CLOEXEC);
  size_t len = strlen (value);
  ssize_t n;

  if (fd < 0)
    return rt_error_set (err, errno, "open `%s`", file);
  do
    n = write (fd, value, len);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return rt_error_set (err, errno, "write `%s` to `%s`", value, file);
  return 0;
}

static int
cg_writef (int dirfd, const char *file, rt_error_t *err, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

static int
cg_writef (int dirfd, const char *file, rt_error_t *err, const char *fmt, ...)
{
  cleanup_free char *value = NULL;
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&value, fmt, ap) < 0)
    oom ();
  va_end (ap);
  return cg_write (dirfd, file, value, err);
}

/* An int64 limit where negative means "max". */
static int
cg_write_limit (int dirfd, const char *file, int64_t v, rt_error_t *err)
{
  if (v < 0)
    return cg_write (dirfd, file, "max", err);
  return cg_writef (dirfd, file, err, "%" PRId64, v);
}

/* Whether the space/newline separated list has the word. */
static bool
has_word (const char *list, const char *word)
{
  size_t wl = strlen (word);
  const char *p = list;

  while (p && *p)
    {
      p += strspn (p, " \n");
      if (strncmp (p, word, wl) == 0 && (p[wl] == '\0' || p[wl] == ' ' || p[wl] == '\n'))
        return true;
      p += strcspn (p, " \n");
    }
  return false;
}

/* A file holding one number or "max" (max => UINT64_MAX).  0 when it
 * cannot be read: stats are best effort. */
static uint64_t
read_u64_at (int dirfd, const char *file)
{
  cleanup_free char *text = NULL;
  rt_error_t tmp = NULL;

  uint64_t v;

  if (read_file_at (dirfd, file, &text, NULL, &tmp) < 0)
    {
      rt_error_free (&tmp);
      return 0;
    }
  return cg_parse_u64 (text, &v) ? v : 0;
}

static bool
read_keyed_at (int dirfd, const char *file, const char *key, uint64_t *val)
{
  cleanup_free char *text = NULL;
  rt_error_t tmp = NULL;

  if (read_file_at (dirfd, file, &text, NULL, &tmp) < 0)
    {
      rt_error_free (&tmp);
      return false;
    }
  return cg_parse_kv (text, key, val);
}

/* ------------------------------------------------------------------ */
/* The tree */

static char *
full_path (const char *mount, const char *path)
{
  while (*path == '/')
    path++;
  return *path ? xasprintf ("%s/%s", mount, path) : xstrdup (mount);
}

static int
open_cgroup (const char *mount, const char *path, int flags, rt_error_t *err)
{
  cleanup_free char *p = full_path (mount, path);
  int fd = open (p, flags | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    return rt_error_set (err, errno, "open cgroup `%s`", p);
  return fd;
}

/* Enable in the cgroup at dirfd's subtree_control the wanted controllers
 * that it has.  One write per controller: a write naming several fails
 * whole when one is refused, and a controller the kernel refuses here
 * (a threaded or populated non-root parent) only makes its files missing
 * below, which the resource writes then report by name. */
static void
enable_controllers (int dirfd, const char *where)
{
  cleanup_free char *avail = NULL, *enabled = NULL;
  rt_error_t tmp = NULL;
  size_t i;

  if (read_file_at (dirfd, "cgroup.controllers", &avail, NULL, &tmp) < 0
      || read_file_at (dirfd, "cgroup.subtree_control", &enabled, NULL, &tmp) < 0)
    {
      log_debug ("cgroup: above `%s`: cannot read the controllers", where);
      rt_error_free (&tmp);
      return;
    }
  for (i = 0; i < sizeof wanted_controllers / sizeof wanted_controllers[0]; i++)
    {
      const char *c = wanted_controllers[i];

      if (!has_word (avail, c) || has_word (enabled, c))
        continue;
      if (cg_writef (dirfd, "cgroup.subtree_control", &tmp, "+%s", c) < 0)
        {
          log_debug ("cgroup: above `%s`: enable %s: %s", where, c, tmp->msg);
          rt_error_free (&tmp);
        }
    }
}

/* mkdir every component of path under mount, enabling controllers in each
 * parent first (the root's included).  *first_made is the index of the
 * first component this call made, SIZE_MAX when none, and *n_done how
 * many components exist: on failure too, so the caller can undo. */
static int
mkdir_tree (const char *mount, const char *path, size_t *first_made, size_t *n_done,
            rt_error_t *err)
{
  cleanup_free char *copy = xstrdup (path);
  cleanup_close int dirfd = -1;
  char *save = NULL, *comp;
  size_t i = 0;

  *first_made = SIZE_MAX;
  *n_done = 0;
  dirfd = open (mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return rt_error_set (err, errno, "open `%s`", mount);
  for (comp = strtok_r (copy, "/", &save); comp; comp = strtok_r (NULL, "/", &save), i++)
    {
      int child;

      if (strcmp (comp, "..") == 0 || strcmp (comp, ".") == 0)
        return rt_error_set (err, 0, "cgroup path `%s`: `%s` is not allowed", path, comp);
      enable_controllers (dirfd, comp);
      if (mkdirat (dirfd, comp, 0755) == 0)
        {
          if (*first_made == SIZE_MAX)
            *first_made = i;
        }
      else if (errno != EEXIST)
        return rt_error_set (err, errno, "mkdir cgroup `%s` in `%s`", comp, path);
      *n_done = i + 1;
      child = openat (dirfd, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
      if (child < 0)
        return rt_error_set (err, errno, "open cgroup `%s` in `%s`", comp, path);
      close (dirfd);
      dirfd = child;
    }
  if (i == 0)
    return rt_error_set (err, 0, "cgroup path `%s` names the root", path);
  return 0;
}

/* Remove the sub-cgroups of dirfd (a container with its own cgroup
 * namespace may have made some), deepest first.  Best effort. */
static void
rmdir_children (int dirfd)
{
  int dup_fd = dup (dirfd);
  struct dirent *de;
  DIR *d;

  if (dup_fd < 0)
    return;
  d = fdopendir (dup_fd);
  if (d == NULL)
    {
      close (dup_fd);
      return;
    }
  while ((de = readdir (d)) != NULL)
    {
      int child;

      if (de->d_type != DT_DIR || strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      child = openat (dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
      if (child >= 0)
        {
          rmdir_children (child);
          close (child);
        }
      if (unlinkat (dirfd, de->d_name, AT_REMOVEDIR) < 0)
        log_debug ("cgroup: rmdir `%s`: %s", de->d_name, strerror (errno));
    }
  closedir (d);
}

/* rmdir the leaf; a just-killed process may keep it busy for a moment. */
static int
rmdir_leaf (const char *mount, const char *path, rt_error_t *err)
{
  cleanup_free char *p = full_path (mount, path);
  int i;

  for (i = 0;; i++)
    {
      int fd = open (p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

      if (fd < 0)
        return errno == ENOENT ? 0 : rt_error_set (err, errno, "open cgroup `%s`", p);
      rmdir_children (fd);
      close (fd);
      if (rmdir (p) == 0 || errno == ENOENT)
        return 0;
      if (errno != EBUSY || i == 100)
        return rt_error_set (err, errno, "rmdir cgroup `%s`", p);
      usleep (10000);
    }
}

/* Undo mkdir_tree: the components from first_made (SIZE_MAX: none) down
 * to the n_done-th, deepest first. */
static void
rmdir_made (const char *mount, const char *path, size_t first_made, size_t n_done)
{
  cleanup_free char *copy = xstrdup (path);
  size_t depth;

  if (first_made == SIZE_MAX)
    return;
  for (depth = n_done; depth > first_made; depth--)
    {
      char *cut = copy;
      size_t i;
      rt_error_t tmp = NULL;

      /* Truncate copy after `depth` components. */
      for (i = 0; i < depth && cut; i++)
        {
          cut += strspn (cut, "/");
          cut = strchr (cut, '/');
        }
      if (cut)
        *cut = '\0';
      if (rmdir_leaf (mount, copy, &tmp) < 0)
        {
          log_debug ("cgroup: undo: %s", tmp->msg);
          rt_error_free (&tmp);
        }
    }
}

int
cg_v2_mkdir_at (const char *mount, const char *path, bool *created, rt_error_t *err)
{
  size_t first_made, n;
  int ret;

  ret = mkdir_tree (mount, path, &first_made, &n, err);
  if (ret < 0)
    {
      rmdir_made (mount, path, first_made, n);
      return ret;
    }
  *created = first_made != SIZE_MAX;
  return 0;
}

int
cg_v2_enter_at (const char *mount, const char *path, pid_t pid, rt_error_t *err)
{
  cleanup_close int dirfd = open_cgroup (mount, path, O_RDONLY, err);

  if (dirfd < 0)
    return -1;
  if (cg_writef (dirfd, "cgroup.procs", err, "%d", (int) pid) < 0)
    return rt_error_wrap (err, "move %d into cgroup `%s`", (int) pid, path);
  return 0;
}

int
cg_v2_rmdir_at (const char *mount, const char *path, rt_error_t *err)
{
  return rmdir_leaf (mount, path, err);
}

/* ------------------------------------------------------------------ */
/* Resources */

/* Everything about `res` that can be refused without touching the
 * filesystem, so a create or update fails before its first write.  The
 * device program is compiled here and handed to apply. */
static int
check_resources (const struct oci_resources *res, struct cg_bpf_prog *devprog, rt_error_t *err)
{
  int64_t swap;
  size_t i;
  int ret;

  if (res == NULL)
    return 0;
  ret = cg_v2_swap_max (res->memory, &swap, err);
  if (ret < 0)
    return ret;
  if (res->cpu && res->cpu->has_realtime_runtime && res->cpu->realtime_runtime != 0)
    return rt_error_set (err, 0,
                         "linux.resources.cpu.realtimeRuntime: not supported on cgroup v2");
  if (res->cpu && res->cpu->has_realtime_period && res->cpu->realtime_period != 0)
    return rt_error_set (err, 0,
                         "linux.resources.cpu.realtimePeriod: not supported on cgroup v2");
  if (res->block_io && res->block_io->has_leaf_weight && res->block_io->leaf_weight != 0)
    return rt_error_set (err, 0,
                         "linux.resources.blockIO.leafWeight: not supported on cgroup v2");
  if (res->network && (res->network->has_class_id || res->network->n_priorities > 0))
    return rt_error_set (err, 0, "linux.resources.network: not supported on cgroup v2 "
                                 "(net_cls and net_prio are v1 controllers)");
  for (i = 0; i < res->n_hugepage_limits; i++)
    {
      const char *ps = res->hugepage_limits[i].page_size;

      if (ps == NULL || *ps == '\0' || strpbrk (ps, "/. \n"))
        return rt_error_set (err, 0, "linux.resources.hugepageLimits[%zu]: bad pageSize `%s`", i,
                             ps ? ps : "");
    }
  for (i = 0; i < res->n_rdma; i++)
    {
      const char *dev = res->rdma[i].device;

      if (dev == NULL || *dev == '\0' || strpbrk (dev, " \n"))
        return rt_error_set (err, 0, "linux.resources.rdma: bad device name `%s`",
                             dev ? dev : "");
    }
  for (i = 0; i < res->unified.len; i++)
    {
      const char *k = res->unified.keys[i];

      if (*k == '\0' || strchr (k, '/') || strcmp (k, ".") == 0 || strcmp (k, "..") == 0)
        return rt_error_set (err, 0, "linux.resources.unified: key `%s` is not a file name", k);
      if (strchr (k, '.') == NULL)
        return rt_error_set (err, 0,
                             "linux.resources.unified: key `%s` is not of the form "
                             "<controller>.<file>",
                             k);
    }
  if (res->n_devices > 0)
    {
      ret = cg_bpf_dev_build (res->devices, res->n_devices, true, devprog, err);
      if (ret < 0)
        return ret;
    }
  return 0;
}

/* `unified` keys must belong to a controller of this cgroup: a clear
 * message instead of the ENOENT the open would give. */
static int
check_unified_controllers (int dirfd, const struct oci_map *unified, rt_error_t *err)
{
  cleanup_free char *avail = NULL;
  size_t i;
  int ret;

  if (unified->len == 0)
    return 0;
  ret = read_file_at (dirfd, "cgroup.controllers", &avail, NULL, err);
  if (ret < 0)
    return ret;
  for (i = 0; i < unified->len; i++)
    {
      const char *k = unified->keys[i];
      cleanup_free char *ctl = cg_unified_controller (k);

      if (ctl == NULL)
        return rt_error_set (err, 0, "linux.resources.unified: `%s` is not a control file name", k);
      if (strcmp (ctl, "cgroup") != 0 && !has_word (avail, ctl))
        return rt_error_set (err, 0,
                             "linux.resources.unified: controller \"%s\" is not available "
                             "(key `%s`)",
                             ctl, k);
    }
  return 0;
}

static int
apply_memory (int dirfd, const struct oci_memory *m, rt_error_t *err)
{
  int64_t swap;
  int ret;

  if (m->has_limit && m->limit != 0)
    {
      ret = cg_write_limit (dirfd, "memory.max", m->limit, err);
      if (ret < 0)
        return ret;
    }
  if (m->has_reservation && m->reservation != 0)
    {
      ret = cg_write_limit (dirfd, "memory.low", m->reservation, err);
      if (ret < 0)
        return ret;
    }
  ret = cg_v2_swap_max (m, &swap, err);
  if (ret < 0)
    return ret;
  if (ret == 1)
    {
      ret = cg_write_limit (dirfd, "memory.swap.max", swap, err);
      /* No swap accounting in this kernel: nothing to limit. */
      if (ret < 0 && (*err)->errnum == ENOENT)
        {
          log_debug ("cgroup: memory.swap.max is missing (no swap accounting); swap ignored");
          rt_error_free (err);
          ret = 0;
        }
      if (ret < 0)
        return ret;
    }
  if (m->has_swappiness)
    log_debug ("cgroup: memory.swappiness has no cgroup v2 file; ignored");
  if (m->has_disable_oom_killer && m->disable_oom_killer)
    log_debug ("cgroup: memory.disableOOMKiller has no cgroup v2 file; ignored");
  if (m->has_kernel || m->has_kernel_tcp)
    log_debug ("cgroup: memory.kernel and kernelTCP have no cgroup v2 files; ignored");
  if (m->has_use_hierarchy)
    log_debug ("cgroup: memory.useHierarchy: cgroup v2 is always hierarchical; ignored");
  return 0;
}

static int
apply_cpu (int dirfd, const struct oci_cpu *c, rt_error_t *err)
{
  int64_t quota = c->has_quota ? c->quota : 0;
  uint64_t period = c->has_period ? c->period : 0;
  int ret;

  if (c->has_shares && c->shares != 0)
    {
      ret = cg_writef (dirfd, "cpu.weight", err, "%" PRIu64, cg_shares_to_weight (c->shares));
      if (ret < 0)
        return ret;
    }
  /* 0 leaves a field alone, as runc and crun do; cpu.max holds both. */
  if (quota != 0 || period != 0)
    {
      if (period == 0)
        period = 100000;
      if (quota > 0)
        ret = cg_writef (dirfd, "cpu.max", err, "%" PRId64 " %" PRIu64, quota, period);
      else
        ret = cg_writef (dirfd, "cpu.max", err, "max %" PRIu64, period);
      if (ret < 0)
        return ret;
    }
  if (c->has_burst)
    {
      ret = cg_writef (dirfd, "cpu.max.burst", err, "%" PRIu64, c->burst);
      if (ret < 0)
        return ret;
    }
  if (c->has_idle)
    {
      ret = cg_writef (dirfd, "cpu.idle", err, "%" PRId64, c->idle);
      if (ret < 0)
        return ret;
    }
  if (c->cpus && *c->cpus)
    {
      ret = cg_write (dirfd, "cpuset.cpus", c->cpus, err);
      if (ret < 0)
        return ret;
    }
  if (c->mems && *c->mems)
    {
      ret = cg_write (dirfd, "cpuset.mems", c->mems, err);
      if (ret < 0)
        return ret;
    }
  return 0;
}

/* A weight for the whole cgroup (dev NULL) or one device: io.bfq.weight
 * takes blkio's own scale; without BFQ, io.weight takes the converted one. */
static int
write_io_weight (int dirfd, const char *dev, uint64_t w, rt_error_t *err)
{
  int ret;

  ret = dev ? cg_writef (dirfd, "io.bfq.weight", err, "%s %" PRIu64, dev, w)
            : cg_writef (dirfd, "io.bfq.weight", err, "%" PRIu64, w);
  if (ret == 0 || (*err)->errnum != ENOENT)
    return ret;
  rt_error_free (err);
  w = cg_blkio_to_io_weight (w);
  return dev ? cg_writef (dirfd, "io.weight", err, "%s %" PRIu64, dev, w)
             : cg_writef (dirfd, "io.weight", err, "default %" PRIu64, w);
}

static int
write_io_max (int dirfd, const char *key, const struct oci_throttle_device *t, size_t n,
              rt_error_t *err)
{
  size_t i;
  int ret;

  for (i = 0; i < n; i++)
    {
      ret = cg_writef (dirfd, "io.max", err, "%" PRId64 ":%" PRId64 " %s=%" PRIu64, t[i].major,
                       t[i].minor, key, t[i].rate);
      if (ret < 0)
        return ret;
    }
  return 0;
}

static int
apply_io (int dirfd, const struct oci_block_io *b, rt_error_t *err)
{
  size_t i;
  int ret;

  if (b->has_weight && b->weight != 0)
    {
      ret = write_io_weight (dirfd, NULL, b->weight, err);
      if (ret < 0)
        return ret;
    }
  for (i = 0; i < b->n_weight_device; i++)
    {
      const struct oci_weight_device *d = &b->weight_device[i];
      cleanup_free char *dev = xasprintf ("%" PRId64 ":%" PRId64, d->major, d->minor);

      if (d->has_leaf_weight)
        log_debug ("cgroup: blockIO.weightDevice leafWeight has no cgroup v2 file; ignored");
      if (!d->has_weight)
        continue;
      ret = write_io_weight (dirfd, dev, d->weight, err);
      if (ret < 0)
        return ret;
    }
  ret = write_io_max (dirfd, "rbps", b->throttle_read_bps_device, b->n_throttle_read_bps_device,
                      err);
  if (ret == 0)
    ret = write_io_max (dirfd, "wbps", b->throttle_write_bps_device,
                        b->n_throttle_write_bps_device, err);
  if (ret == 0)
    ret = write_io_max (dirfd, "riops", b->throttle_read_iops_device,
                        b->n_throttle_read_iops_device, err);
  if (ret == 0)
    ret = write_io_max (dirfd, "wiops", b->throttle_write_iops_device,
                        b->n_throttle_write_iops_device, err);
  return ret;
}

static int
apply_hugetlb (int dirfd, const struct oci_hugepage_limit *h, size_t n, rt_error_t *err)
{
  size_t i;
  int ret;

  for (i = 0; i < n; i++)
    {
      cleanup_free char *max = xasprintf ("hugetlb.%s.max", h[i].page_size);
      cleanup_free char *rsvd = xasprintf ("hugetlb.%s.rsvd.max", h[i].page_size);

      ret = cg_writef (dirfd, max, err, "%" PRIu64, h[i].limit);
      if (ret < 0)
        return ret;
      /* Reservations (Linux 5.7) also bound pages reserved by mmap but not
       * yet faulted in: the limit a process cannot slip past. */
      ret = cg_writef (dirfd, rsvd, err, "%" PRIu64, h[i].limit);
      if (ret < 0 && (*err)->errnum == ENOENT)
        {
          rt_error_free (err);
          ret = 0;
        }
      if (ret < 0)
        return ret;
    }
  return 0;
}

static int
apply_rdma (int dirfd, const struct oci_rdma *r, size_t n, rt_error_t *err)
{
  size_t i;
  int ret;

  for (i = 0; i < n; i++)
    {
      cleanup_free char *line = NULL;

      if (!r[i].has_hca_handles && !r[i].has_hca_objects)
        continue;
      line = cg_rdma_max (&r[i]);
      ret = cg_write (dirfd, "rdma.max", line, err);
      if (ret < 0)
        return ret;
    }
  return 0;
}

/* Raw keys, written last so they win over the typed fields; a multi-line
 * value is written line by line (io.max, rdma.max take one entry per
 * write). */
static int
apply_unified (int dirfd, const struct oci_map *u, rt_error_t *err)
{
  size_t i;
  int ret;

  for (i = 0; i < u->len; i++)
    {
      cleanup_free char *v = xstrdup (u->values[i] ? u->values[i] : "");
      char *save = NULL, *line;

      for (line = strtok_r (v, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
        {
          ret = cg_write (dirfd, u->keys[i], line, err);
          if (ret < 0)
            return rt_error_wrap (err, "linux.resources.unified");
        }
    }
  return 0;
}

/* Write `res` (checked by check_resources) into the cgroup at dirfd. */
static int
apply_resources (int dirfd, const struct oci_resources *res, const struct cg_bpf_prog *devprog,
                 rt_error_t *err)
{
  int ret = 0;

  if (res == NULL)
    return 0;
  ret = check_unified_controllers (dirfd, &res->unified, err);
  if (ret == 0 && devprog->len > 0)
    {
      ret = cg_bpf_dev_install (dirfd, devprog, err);
      /* Rootless, bpf(2) is refused; the rules would add nothing anyway:
       * a user namespace can make no device node, and a host node bound
       * in keeps the host's permissions (runc and crun go on too). */
      if (ret < 0 && geteuid () != 0 && ((*err)->errnum == EPERM || (*err)->errnum == EACCES))
        {
          log_warn ("rootless: linux.resources.devices not applied (%s)", (*err)->msg);
          rt_error_free (err);
          ret = 0;
        }
      if (ret < 0)
        rt_error_wrap (err, "linux.resources.devices");
    }
  if (ret == 0 && res->memory)
    ret = apply_memory (dirfd, res->memory, err);
  if (ret == 0 && res->cpu)
    ret = apply_cpu (dirfd, res->cpu, err);
  if (ret == 0 && res->pids)
    ret = cg_write_limit (dirfd, "pids.max", res->pids->limit, err);
  if (ret == 0 && res->block_io)
    ret = apply_io (dirfd, res->block_io, err);
  if (ret == 0)
    ret = apply_hugetlb (dirfd, res->hugepage_limits, res->n_hugepage_limits, err);
  if (ret == 0)
    ret = apply_rdma (dirfd, res->rdma, res->n_rdma, err);
  if (ret == 0)
    ret = apply_unified (dirfd, &res->unified, err);
  return ret;
}

/* ------------------------------------------------------------------ */
/* cgroup.events */

static bool
read_event (int fd, const char *key, uint64_t *val)
{
  char buf[256];
  ssize_t n;

  if (lseek (fd, 0, SEEK_SET) < 0)
    return false;
  n = read (fd, buf, sizeof buf - 1);
  if (n <= 0)
    return false;
  buf[n] = '\0';
  return cg_parse_kv (buf, key, val);
}

static int64_t
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until cgroup.events says `key want`.  The file signals changes as
 * POLLPRI; the poll is also capped so a missed edge costs 50 ms only. */
static int
wait_event (int dirfd, const char *path, const char *key, uint64_t want, rt_error_t *err)
{
  cleanup_close int fd = openat (dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
  int64_t deadline = now_ms () + SETTLE_TIMEOUT_MS;

  if (fd < 0)
    return rt_error_set (err, errno, "open `cgroup.events` of `%s`", path);
  for (;;)
    {
      struct pollfd p = { .fd = fd, .events = POLLPRI };
      uint64_t v;
      int64_t left;

      if (read_event (fd, key, &v) && v == want)
        return 0;
      left = deadline - now_ms ();
      if (left <= 0)
        return rt_error_set (err, ETIMEDOUT, "cgroup `%s`: `%s` is not %" PRIu64 " after %d ms",
                             path, key, want, SETTLE_TIMEOUT_MS);
      (void) poll (&p, 1, left < 50 ? (int) left : 50);
    }
}

/* ------------------------------------------------------------------ */
/* The ops */

static int
leaf_fd (const struct cgroup *cg, rt_error_t *err)
{
  return open_cgroup (V2_MOUNT, cg->path, O_RDONLY, err);
}

/* A reused leaf must be neither populated nor frozen (runtime-spec
 * "cgroupsPath": a runtime MAY refuse them; runc and crun do). */
static int
check_reused_leaf (int dirfd, const char *path, rt_error_t *err)
{
  cleanup_close int ev = openat (dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
  uint64_t v;

  if (ev < 0)
    return rt_error_set (err, errno, "open `cgroup.events` of `%s`", path);
  if (read_event (ev, "populated", &v) && v != 0)
    return rt_error_set (err, EBUSY, "cgroup `%s` already has processes", path);
  if (read_event (ev, "frozen", &v) && v != 0)
    return rt_error_set (err, EBUSY, "cgroup `%s` is frozen", path);
  return 0;
}

static int
v2_create (const char *path, const struct oci_resources *res, struct cgroup *cg, rt_error_t *err)
{
  struct cg_bpf_prog devprog = { 0 };
  cleanup_close int dirfd = -1;
  size_t first_made = SIZE_MAX, n = 0;
  int ret, tries;

  ret = check_resources (res, &devprog, err);
  if (ret < 0)
    goto out;
  /* A parent can vanish between our mkdir and our child's: the delete of
   * the last container in /cove removes it.  Walk again then. */
  for (tries = 0;; tries++)
    {
      ret = mkdir_tree (V2_MOUNT, path, &first_made, &n, err);
      if (ret == 0 || tries == 5 || (*err)->errnum != ENOENT)
        break;
      rmdir_made (V2_MOUNT, path, first_made, n);
      rt_error_free (err);
    }
  if (ret == 0)
    {
      dirfd = open_cgroup (V2_MOUNT, path, O_RDONLY, err);
      ret = dirfd < 0 ? -1 : 0;
    }
  if (ret == 0 && first_made == SIZE_MAX)
    ret = check_reused_leaf (dirfd, path, err);
  if (ret == 0)
    ret = apply_resources (dirfd, res, &devprog, err);
  if (ret == 0)
    {
      cg->v2_fd = open_cgroup (V2_MOUNT, path, O_PATH, err);
      ret = cg->v2_fd < 0 ? -1 : 0;
    }
  if (ret < 0)
    {
      rmdir_made (V2_MOUNT, path, first_made, n);
      goto out;
    }
  cg->mode = CG_MODE_V2;
  cg->created = first_made != SIZE_MAX;
  cg->created_depth = first_made != SIZE_MAX ? (unsigned) (n - first_made) : 0;
out:
  cg_bpf_prog_clear (&devprog);
  return ret;
}

/* created and created_depth are the dispatcher's (from state.json). */
static int
v2_open (const char *path, struct cgroup *cg, rt_error_t *err)
{
  int fd = open_cgroup (V2_MOUNT, path, O_PATH, err);

  if (fd < 0)
    return -1;
  cg->mode = CG_MODE_V2;
  cg->v2_fd = fd;
  return 0;
}

static int
v2_enter (const struct cgroup *cg, pid_t pid, rt_error_t *err)
{
  return cg_v2_enter_at (V2_MOUNT, cg->path, pid, err);
}

static int
v2_update (const struct cgroup *cg, const struct oci_resources *res, rt_error_t *err)
{
  struct cg_bpf_prog devprog = { 0 };
  cleanup_close int dirfd = -1;
  struct oci_resources with_limit;
  struct oci_memory mem;
  int ret;

  dirfd = leaf_fd (cg, err);
  if (dirfd < 0)
    return -1;
  /* `update --memory-swap` alone: the swap is memory plus swap over the
   * limit in force. */
  if (res && res->memory && res->memory->has_swap && res->memory->swap > 0
      && !(res->memory->has_limit && res->memory->limit != 0))
    {
      uint64_t cur = read_u64_at (dirfd, "memory.max");

      mem = *res->memory;
      mem.has_limit = true;
      mem.limit = cur == UINT64_MAX || cur > INT64_MAX ? -1 : (int64_t) cur;
      with_limit = *res;
      with_limit.memory = &mem;
      res = &with_limit;
    }
  ret = check_resources (res, &devprog, err);
  /* checkBeforeUpdate: a limit below what is in use would make the
   * kernel reclaim hard or OOM-kill; refuse it instead. */
  if (ret == 0 && res && res->memory && res->memory->has_check_before_update
      && res->memory->check_before_update && res->memory->has_limit && res->memory->limit > 0)
    {
      uint64_t cur = read_u64_at (dirfd, "memory.current");

      if ((uint64_t) res->memory->limit < cur)
        ret = rt_error_set (err, 0,
                            "linux.resources.memory.limit: %" PRId64 " is below the current "
                            "usage %" PRIu64 " (checkBeforeUpdate)",
                            res->memory->limit, cur);
    }
  if (ret == 0)
    ret = apply_resources (dirfd, res, &devprog, err);
  cg_bpf_prog_clear (&devprog);
  return ret;
}

static int
v2_freeze (const struct cgroup *cg, bool freeze, rt_error_t *err)
{
  cleanup_close int dirfd = leaf_fd (cg, err);
  int ret;

  if (dirfd < 0)
    return -1;
  ret = cg_write (dirfd, "cgroup.freeze", freeze ? "1" : "0", err);
  if (ret < 0)
    return rt_error_wrap (err, "%s cgroup `%s`", freeze ? "freeze" : "thaw", cg->path);
  return wait_event (dirfd, cg->path, "frozen", freeze ? 1 : 0, err);
}

/* What was asked (cgroup.freeze), not only what is reached yet: a pause in
 * progress already counts as paused. */
static bool
v2_is_frozen (const struct cgroup *cg)
{
  rt_error_t tmp = NULL;
  cleanup_close int dirfd = leaf_fd (cg, &tmp);

  if (dirfd < 0)
    {
      rt_error_free (&tmp);
      return false;
    }
  return read_u64_at (dirfd, "cgroup.freeze") == 1;
}

static void
add_pid (pid_t **v, size_t *n, size_t *cap, pid_t pid)
{
  if (*n == *cap)
    {
      *cap = *cap ? *cap * 2 : 32;
      *v = xrealloc (*v, *cap * sizeof **v);
    }
  (*v)[(*n)++] = pid;
}

/* cgroup.procs of dirfd and of every cgroup below it. */
static int
collect_pids (int dirfd, pid_t **v, size_t *n, size_t *cap, rt_error_t *err)
{
  cleanup_free char *procs = NULL;
  struct dirent *de;
  char *p, *end;
  int dup_fd, ret;
  DIR *d;

  ret = read_file_at (dirfd, "cgroup.procs", &procs, NULL, err);
  if (ret < 0)
    return ret;
  for (p = procs; *p; p = end)
    {
      long pid = strtol (p, &end, 10);

      if (end == p)
        break;
      if (pid > 0)
        add_pid (v, n, cap, (pid_t) pid);
    }
  dup_fd = dup (dirfd);
  if (dup_fd < 0)
    return rt_error_set (err, errno, "dup");
  d = fdopendir (dup_fd);
  if (d == NULL)
    {
      close (dup_fd);
      return rt_error_set (err, errno, "opendir");
    }
  while (ret == 0 && (de = readdir (d)) != NULL)
    {
      int child;

      if (de->d_type != DT_DIR || strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      child = openat (dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
      if (child < 0)
        continue; /* removed meanwhile */
      ret = collect_pids (child, v, n, cap, err);
      close (child);
    }
  closedir (d);
  return ret;
}

static int
v2_pids (const struct cgroup *cg, pid_t **pids, size_t *n, rt_error_t *err)
{
  cleanup_close int dirfd = leaf_fd (cg, err);
  pid_t *v = NULL;
  size_t cnt = 0, cap = 0;
  int ret;

  if (dirfd < 0)
    return -1;
  ret = collect_pids (dirfd, &v, &cnt, &cap, err);
  if (ret < 0)
    {
      free (v);
      return ret;
    }
  *pids = v;
  *n = cnt;
  return 0;
}

/* Signal every process while the cgroup is frozen, so none can fork a
 * child that escapes the list; thaw after, unless it was paused before. */
static int
signal_frozen (const struct cgroup *cg, int sig, rt_error_t *err)
{
  bool was_frozen = v2_is_frozen (cg);
  bool froze = false;
  pid_t *pids = NULL;
  size_t n = 0, i;
  rt_error_t tmp = NULL;
  int ret;

  if (!was_frozen)
    {
      if (v2_freeze (cg, true, &tmp) == 0)
        froze = true;
      else
        {
          log_debug ("cgroup: kill without freezing: %s", tmp->msg);
          rt_error_free (&tmp);
        }
    }
  ret = v2_pids (cg, &pids, &n, err);
  for (i = 0; ret == 0 && i < n; i++)
    if (kill (pids[i], sig) < 0 && errno != ESRCH)
      ret = rt_error_set (err, errno, "kill %d", (int) pids[i]);
  free (pids);
  if (froze && v2_freeze (cg, false, &tmp) < 0)
    {
      if (ret == 0)
        {
          *err = tmp;
          return -1;
        }
      rt_error_free (&tmp);
    }
  return ret;
}

static int
v2_kill_all (const struct cgroup *cg, int sig, rt_error_t *err)
{
  cleanup_close int dirfd = leaf_fd (cg, err);
  int ret;

  if (dirfd < 0)
    return -1;
  /* cgroup.kill (Linux 5.14) kills the whole subtree atomically, frozen
   * or not, forks in flight included. */
  if (sig == SIGKILL)
    {
      ret = cg_write (dirfd, "cgroup.kill", "1", err);
      if (ret == 0 || (*err)->errnum != ENOENT)
        return ret;
      rt_error_free (err);
    }
  return signal_frozen (cg, sig, err);
}

/* rmdir the parent of path (depth levels up: 1 = its parent) if empty. */
static void
rmdir_parent_if_empty (const char *path, unsigned up)
{
  cleanup_free char *p = full_path (V2_MOUNT, path);
  unsigned i;

  for (i = 0; i < up; i++)
    {
      char *slash = strrchr (p, '/');

      if (slash == NULL || slash == p)
        return;
      *slash = '\0';
    }
  if (strlen (p) <= strlen (V2_MOUNT))
    return;
  if (rmdir (p) < 0 && errno != ENOENT && errno != ENOTEMPTY && errno != EBUSY)
    log_debug ("cgroup: rmdir `%s`: %s", p, strerror (errno));
}

static int
v2_destroy (struct cgroup *cg, rt_error_t *err)
{
  cleanup_free char *p = full_path (V2_MOUNT, cg->path);
  cleanup_close int dirfd = open (p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int ev = -1;
  uint64_t populated = 0;
  unsigned up;
  int ret;

  if (dirfd < 0)
    return errno == ENOENT ? 0 : rt_error_set (err, errno, "open cgroup `%s`", p);
  ev = openat (dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
  if (ev >= 0 && read_event (ev, "populated", &populated) && populated)
    {
      ret = v2_kill_all (cg, SIGKILL, err);
      if (ret < 0)
        return ret;
      ret = wait_event (dirfd, cg->path, "populated", 0, err);
      if (ret < 0)
        return ret;
    }
  if (!cg->created)
    return 0;
  ret = rmdir_leaf (V2_MOUNT, cg->path, err);
  if (ret < 0)
    return ret;
  /* The parents create made, while empty; and cove's own /cove. */
  for (up = 1; up < cg->created_depth; up++)
    rmdir_parent_if_empty (cg->path, up);
  if (str_has_prefix (cg->path, "/" CG_DEFAULT_PARENT "/")
      && strchr (cg->path + strlen ("/" CG_DEFAULT_PARENT "/"), '/') == NULL)
    rmdir_parent_if_empty (cg->path, 1);
  return 0;
}

static int
v2_stats (const struct cgroup *cg, struct cg_stats *st, rt_error_t *err)
{
  cleanup_close int dirfd = leaf_fd (cg, err);
  cleanup_free char *io = NULL;
  rt_error_t tmp = NULL;
  uint64_t v;

  if (dirfd < 0)
    return -1;
  memset (st, 0, sizeof *st);
  if (read_keyed_at (dirfd, "cpu.stat", "usage_usec", &v))
    st->cpu_usage_total = v * 1000;
  if (read_keyed_at (dirfd, "cpu.stat", "user_usec", &v))
    st->cpu_usage_user = v * 1000;
  if (read_keyed_at (dirfd, "cpu.stat", "system_usec", &v))
    st->cpu_usage_kernel = v * 1000;
  if (read_keyed_at (dirfd, "cpu.stat", "nr_throttled", &v))
    st->cpu_throttled_periods = v;
  if (read_keyed_at (dirfd, "cpu.stat", "throttled_usec", &v))
    st->cpu_throttled_time = v * 1000;
  st->memory_usage = read_u64_at (dirfd, "memory.current");
  st->memory_max_usage = read_u64_at (dirfd, "memory.peak"); /* Linux 5.19 */
  st->memory_limit = read_u64_at (dirfd, "memory.max");      /* "max": UINT64_MAX */
  st->memory_swap_usage = read_u64_at (dirfd, "memory.swap.current");
  st->memory_swap_limit = read_u64_at (dirfd, "memory.swap.max");
  if (read_keyed_at (dirfd, "memory.stat", "file", &v))
    st->memory_cache = v;
  if (read_keyed_at (dirfd, "memory.events", "oom_kill", &v))
    st->memory_oom_kills = v;
  st->pids_current = read_u64_at (dirfd, "pids.current");
  v = read_u64_at (dirfd, "pids.max");
  st->pids_limit = v == UINT64_MAX ? 0 : v;
  /* io.stat: "maj:min rbytes=N wbytes=N rios=N ..." per device. */
  if (read_file_at (dirfd, "io.stat", &io, NULL, &tmp) == 0)
    {
      const char *q;

      for (q = strstr (io, "rbytes="); q; q = strstr (q + 1, "rbytes="))
        st->blkio_read_bytes += strtoull (q + 7, NULL, 10);
      for (q = strstr (io, "wbytes="); q; q = strstr (q + 1, "wbytes="))
        st->blkio_write_bytes += strtoull (q + 7, NULL, 10);
    }
  rt_error_free (&tmp);
  return 0;
}

const struct cg_ops cg_v2_ops = {
  .create = v2_create,
  .open = v2_open,
  .enter = v2_enter,
  .update = v2_update,
  .freeze = v2_freeze,
  .is_frozen = v2_is_frozen,
  .pids = v2_pids,
  .kill_all = v2_kill_all,
  .destroy = v2_destroy,
  .stats = v2_stats,
};

/* ------------------------------------------------------------------ */
/* Ownership */

int
cg_v2_chown (const struct cgroup *cg, uid_t uid, gid_t gid, rt_error_t *err)
{
  static const char fallback[] = "cgroup.procs\ncgroup.subtree_control\ncgroup.threads\n";
  cleanup_free char *list = NULL;
  cleanup_close int dirfd = -1;
  rt_error_t tmp = NULL;
  char *save = NULL, *name;

  if (cg->mode != CG_MODE_V2)
    return 0;
  dirfd = leaf_fd (cg, err);
  if (dirfd < 0)
    return -1;
  if (fchown (dirfd, uid, gid) < 0)
    return rt_error_set (err, errno, "chown cgroup `%s`", cg->path);
  /* The kernel lists what a delegatee needs (Linux 4.15; memory.oom.group
   * and memory.reclaim joined later). */
  if (read_file_at (AT_FDCWD, "/sys/kernel/cgroup/delegate", &list, NULL, &tmp) < 0)
    {
      rt_error_free (&tmp);
      list = xstrdup (fallback);
    }
  for (name = strtok_r (list, "\n", &save); name; name = strtok_r (NULL, "\n", &save))
    {
      if (*name == '\0' || strchr (name, '/'))
        continue;
      if (fchownat (dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
        return rt_error_set (err, errno, "chown `%s` of cgroup `%s`", name, cg->path);
    }
  return 0;
}
