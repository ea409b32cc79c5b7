/* The cgroup v1 back end, for v1 and hybrid hosts: every v1 hierarchy
 * mounted under /sys/fs/cgroup (controllers, co-mounted ones such as
 * cpu,cpuacct, and named ones such as name=systemd) plus, on a hybrid
 * host, the cgroup2 tree at /sys/fs/cgroup/unified.  This file finds the
 * hierarchies, makes and joins the container's dirs, freezes, kills,
 * removes what create made and reads the stats; cgroup-v1-res.c writes
 * linux.resources. */
#include <config.h>
#include "cgroup-v1.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/* ---- hierarchies -------------------------------------------------------- */

static void
v1_free (struct cg_v1 *v)
{
  size_t i;

  for (i = 0; i < v->n_h; i++)
    {
      free (v->h[i].mount);
      free (v->h[i].controllers);
      if (v->h[i].fd >= 0)
        close (v->h[i].fd);
    }
  free (v->h);
  for (i = 0; i < v->n_comps; i++)
    free (v->comps[i]);
  free (v->comps);
  memset (v, 0, sizeof *v);
}

static bool
list_has (const char *list, const char *word)
{
  size_t n = strlen (word);
  const char *p = list;

  while (p && *p)
    {
      if (strncmp (p, word, n) == 0 && (p[n] == ',' || p[n] == '\0'))
        return true;
      p = strchr (p, ',');
      if (p)
        p++;
    }
  return false;
}

/* The controllers (and name=) of a v1 mount's super options, without
 * the mount flags: "rw,cpu,cpuacct" -> "cpu,cpuacct". */
static char *
controllers_of (const char *opts)
{
  static const char *const flags[] = { "rw", "ro", "noprefix", "clone_children", "xattr",
                                       "cpuset_v2_mode", "favordynmods", "nofavordynmods",
                                       "none", NULL };
  cleanup_free char *copy = xstrdup (opts);
  char *out = xzalloc (strlen (opts) + 1);
  char *tok, *save = NULL;
  size_t i;

  for (tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
    {
      bool skip = strchr (tok, '=') != NULL && !str_has_prefix (tok, "name=");
      for (i = 0; flags[i] && !skip; i++)
        skip = strcmp (tok, flags[i]) == 0;
      if (skip)
        continue;
      if (*out)
        strcat (out, ",");
      strcat (out, tok);
    }
  return out;
}

/* mountinfo escapes blanks as \040 and the like. */
static void
unescape_octal (char *s)
{
  char *o = s;

  for (; *s; s++)
    {
      if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0'
          && s[3] <= '7')
        {
          *o++ = (char) ((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
          s += 3;
        }
      else
        *o++ = *s;
    }
  *o = '\0';
}

static void
add_hier (struct cg_v1 *v, const char *mount, char *controllers, bool unified)
{
  struct cg_v1_hier *h;

  v->h = xrealloc (v->h, (v->n_h + 1) * sizeof *v->h);
  h = &v->h[v->n_h++];
  h->mount = xstrdup (mount);
  h->controllers = controllers;
  h->unified = unified;
  h->fd = -1;
  h->first_created = v->n_comps;
}

/* Every v1 hierarchy under /sys/fs/cgroup once (a hierarchy bind-mounted
 * twice has one superblock: keyed by its device number), in mountinfo
 * order, and the unified tree of a hybrid host last. */
static int
find_hierarchies (struct cg_v1 *v, rt_error_t *err)
{
  FILE *f = fopen ("/proc/self/mountinfo", "re");
  char *line = NULL;
  size_t cap = 0;
  char **seen = NULL;
  size_t n_seen = 0, i;
  bool have_unified = false;

  if (f == NULL)
    return rt_error_set (err, errno, "cgroups: open `/proc/self/mountinfo`");
  while (getline (&line, &cap, f) > 0)
    {
      char *sep = strstr (line, " - ");
      char *save = NULL, *devno, *mnt, *fstype, *opts;
      bool dup = false;

      if (sep == NULL)
        continue;
      *sep = '\0';
      /* id parent major:minor root mountpoint ... - fstype source superopts */
      if (strtok_r (line, " ", &save) == NULL || strtok_r (NULL, " ", &save) == NULL)
        continue;
      devno = strtok_r (NULL, " ", &save);
      if (devno == NULL || strtok_r (NULL, " ", &save) == NULL)
        continue;
      mnt = strtok_r (NULL, " ", &save);
      save = NULL;
      fstype = strtok_r (sep + 3, " ", &save);
      if (strtok_r (NULL, " ", &save) == NULL)
        continue;
      opts = strtok_r (NULL, " \n", &save);
      if (mnt == NULL || fstype == NULL || opts == NULL)
        continue;
      unescape_octal (mnt);
      if (!str_has_prefix (mnt, CG_ROOT "/"))
        continue;
      if (strcmp (fstype, "cgroup2") == 0 && strcmp (mnt, CG_UNIFIED) == 0)
        {
          have_unified = true;
          continue;
        }
      if (strcmp (fstype, "cgroup") != 0)
        continue;
      for (i = 0; i < n_seen && !dup; i++)
        dup = strcmp (seen[i], devno) == 0;
      if (dup)
        continue;
      seen = xrealloc (seen, (n_seen + 1) * sizeof *seen);
      seen[n_seen++] = xstrdup (devno);
      add_hier (v, mnt, controllers_of (opts), false);
    }
  free (line);
  fclose (f);
  for (i = 0; i < n_seen; i++)
    free (seen[i]);
  free (seen);
  if (v->mode == CG_MODE_HYBRID && have_unified)
    add_hier (v, CG_UNIFIED, xstrdup (""), true);
  if (v->n_h == 0)
    return rt_error_set (err, ENOENT, "cgroups: no cgroup hierarchy is mounted under " CG_ROOT);
  return 0;
}

/* cgroup.c hands over only normalized absolute paths. */
static void
split_path (struct cg_v1 *v, const char *path)
{
  cleanup_free char *copy = xstrdup (path);
  char *tok, *save = NULL;

  for (tok = strtok_r (copy, "/", &save); tok; tok = strtok_r (NULL, "/", &save))
    {
      v->comps = xrealloc (v->comps, (v->n_comps + 1) * sizeof *v->comps);
      v->comps[v->n_comps++] = xstrdup (tok);
    }
}

/* O_PATH fd of the first `depth` components of the path in h (0 = the
 * hierarchy's root); -1 with errno.  The components come from a
 * normalized path (no "..", no empty ones) and cgroupfs has no symlinks;
 * O_NOFOLLOW keeps it that way. */
int
cg_v1_open_depth (const struct cg_v1 *v, const struct cg_v1_hier *h, size_t depth)
{
  int fd = open (h->mount, O_PATH | O_DIRECTORY | O_CLOEXEC);
  size_t i;

  for (i = 0; fd >= 0 && i < depth; i++)
    {
      int next = openat (fd, v->comps[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      int saved = errno;
      close (fd);
      errno = saved;
      fd = next;
    }
  return fd;
}

static int
v1_load (struct cg_v1 *v, enum cg_mode mode, const char *path, rt_error_t *err)
{
  memset (v, 0, sizeof *v);
  v->mode = mode;
  v->path = path;
  split_path (v, path);
  if (v->n_comps == 0)
    return rt_error_set (err, EINVAL, "cgroups: empty path");
  return find_hierarchies (v, err);
}

/* Open the container's dir in every hierarchy where it exists. */
static int
v1_open_dirs (struct cg_v1 *v, bool must_exist, rt_error_t *err)
{
  size_t i;

  for (i = 0; i < v->n_h; i++)
    {
      v->h[i].fd = cg_v1_open_depth (v, &v->h[i], v->n_comps);
      if (v->h[i].fd >= 0 || (errno == ENOENT && !must_exist))
        continue;
      return rt_error_set (err, errno, "cgroup `%s` in `%s`", v->path, v->h[i].mount);
    }
  return 0;
}

struct cg_v1_hier *
cg_v1_hier (struct cg_v1 *v, const char *ctrl)
{
  size_t i;

  for (i = 0; i < v->n_h; i++)
    if (!v->h[i].unified && list_has (v->h[i].controllers, ctrl))
      return &v->h[i];
  return NULL;
}

struct cg_v1_hier *
cg_v1_unified (struct cg_v1 *v)
{
  return v->n_h > 0 && v->h[v->n_h - 1].unified ? &v->h[v->n_h - 1] : NULL;
}

/* ---- file access --------------------------------------------------------- */

static void
nap_us (long us)
{
  struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
}

static long long
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

bool
cg_v1_has_file (int dirfd, const char *file)
{
  struct stat st;
  return fstatat (dirfd, file, &st, 0) == 0;
}

/* Whole file as a string; NULL with errno. */
char *
cg_v1_read (int dirfd, const char *file)
{
  char *s = NULL;
  rt_error_t e = NULL;

  if (read_file_at (dirfd, file, &s, NULL, &e) < 0)
    {
      int saved = e->errnum;
      rt_error_free (&e);
      errno = saved;
      return NULL;
    }
  return s;
}

bool
cg_v1_read_u64 (int dirfd, const char *file, uint64_t *val)
{
  cleanup_free char *s = cg_v1_read (dirfd, file);
  return s && cg_parse_u64 (s, val);
}

static bool
get_kv (int dirfd, const char *file, const char *key, uint64_t *val)
{
  cleanup_free char *s = cg_v1_read (dirfd, file);
  return s && cg_parse_kv (s, key, val);
}

/* One write(2): cgroupfs parses each write as one value. */
int
cg_v1_write_raw (int dirfd, const char *file, const char *value)
{
  size_t len = strlen (value);
  cleanup_close int fd = openat (dirfd, file, O_WRONLY | O_CLOEXEC);
  ssize_t n;

  if (fd < 0)
    return -1;
  n = write (fd, value, len);
  if (n >= 0 && (size_t) n != len)
    errno = EIO;
  return n >= 0 && (size_t) n == len ? 0 : -1;
}

/* Every error names the field: "linux.resources.memory.limit: write
 * `16777216` to `memory.limit_in_bytes`: Device or resource busy". */
int
cg_v1_write (int dirfd, const char *file, const char *value, const char *field, rt_error_t *err)
{
  if (cg_v1_write_raw (dirfd, file, value) < 0)
    return rt_error_set (err, errno, "%s: write `%s` to `%s`", field, value, file);
  return 0;
}

/* ---- create ------------------------------------------------------------- */

static bool
blank (const char *s)
{
  while (s && isspace ((unsigned char) *s))
    s++;
  return s == NULL || *s == '\0';
}

/* A new cpuset dir starts with no CPUs and no nodes, and nobody can join
 * it until both are set: inherit the parent's. */
static int
fill_cpuset (int parent, int fd, rt_error_t *err)
{
  static const char *const files[] = { "cpuset.cpus", "cpuset.mems", NULL };
  size_t i;

  for (i = 0; files[i]; i++)
    {
      cleanup_free char *mine = cg_v1_read (fd, files[i]);
      cleanup_free char *theirs = NULL;

      if (!blank (mine))
        continue;
      theirs = cg_v1_read (parent, files[i]);
      if (theirs == NULL)
        return rt_error_set (err, errno, "cgroup: read the parent's `%s`", files[i]);
      theirs[strcspn (theirs, "\n")] = '\0';
      if (cg_v1_write_raw (fd, files[i], theirs) < 0)
        return rt_error_set (err, errno, "cgroup: copy `%s` from the parent", files[i]);
    }
  return 0;
}

/* mkdir -p of the path in h, remembering the first level it made.  ENOENT
 * means a parent went away under us (a delete removing an empty /cove):
 * the caller retries. */
static int
mkdir_chain (struct cg_v1 *v, struct cg_v1_hier *h, rt_error_t *err)
{
  bool cpuset = !h->unified && list_has (h->controllers, "cpuset");
  int fd = open (h->mount, O_PATH | O_DIRECTORY | O_CLOEXEC);
  size_t i;

  if (fd < 0)
    return rt_error_set (err, errno, "cgroup: open `%s`", h->mount);
  for (i = 0; i < v->n_comps; i++)
    {
      int next;

      if (mkdirat (fd, v->comps[i], 0755) == 0)
        {
          if (h->first_created > i)
            h->first_created = i;
        }
      else if (errno != EEXIST)
        goto fail;
      next = openat (fd, v->comps[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (next < 0)
        goto fail;
      if (cpuset && fill_cpuset (fd, next, err) < 0)
        {
          close (next);
          close (fd);
          return -1;
        }
      close (fd);
      fd = next;
    }
  h->fd = fd;
  return 0;

fail:
  {
    int saved = errno;
    close (fd);
    return rt_error_set (err, saved, "cgroup `%s`: mkdir in `%s`", v->path, h->mount);
  }
}

/* The spec lets a runtime refuse a cgroup that would mix containers; a
 * reused leaf must be empty and thawed. */
static int
check_reused (struct cg_v1 *v, struct cg_v1_hier *h, rt_error_t *err)
{
  cleanup_free char *procs = NULL, *state = NULL;

  if (h->first_created < v->n_comps)
    return 0;
  procs = cg_v1_read (h->fd, "cgroup.procs");
  if (procs && !blank (procs))
    return rt_error_set (err, EBUSY, "cgroup `%s` already has processes (in `%s`)", v->path,
                         h->mount);
  if (!h->unified && list_has (h->controllers, "freezer"))
    {
      state = cg_v1_read (h->fd, "freezer.state");
      if (state && !str_has_prefix (state, "THAWED"))
        return rt_error_set (err, EBUSY, "cgroup `%s` is frozen", v->path);
    }
  return 0;
}

/* rmdir of `depth` components' dir in h; ENOENT is success. */
static int
rmdir_depth (struct cg_v1 *v, struct cg_v1_hier *h, size_t depth)
{
  cleanup_close int parent = cg_v1_open_depth (v, h, depth - 1);

  if (parent < 0)
    return errno == ENOENT ? 0 : -1;
  if (unlinkat (parent, v->comps[depth - 1], AT_REMOVEDIR) < 0 && errno != ENOENT)
    return -1;
  return 0;
}

/* Undo a failed create: the levels it made, deepest first. */
static void
remove_created (struct cg_v1 *v)
{
  size_t i, depth;

  for (i = 0; i < v->n_h; i++)
    {
      struct cg_v1_hier *h = &v->h[i];
      if (h->fd >= 0)
        close (h->fd);
      h->fd = -1;
      for (depth = v->n_comps; depth > h->first_created; depth--)
        (void) rmdir_depth (v, h, depth);
    }
}

static int
v1_create (const char *path, const struct oci_resources *res, struct cgroup *cg, rt_error_t *err)
{
  struct cg_v1 v;
  size_t i, made = 0;
  int ret, tries;

  ret = v1_load (&v, cg->mode, path, err);
  for (i = 0; ret == 0 && i < v.n_h; i++)
    {
      for (tries = 0;; tries++)
        {
          rt_error_t e = NULL;
          ret = mkdir_chain (&v, &v.h[i], &e);
          if (ret == 0 || e->errnum != ENOENT || tries == 5)
            {
              if (ret < 0)
                *err = e;
              break;
            }
          rt_error_free (&e);
        }
      if (ret == 0)
        ret = check_reused (&v, &v.h[i], err);
    }
  if (ret == 0)
    ret = cg_v1_apply (&v, res, false, err);
  if (ret < 0)
    {
      remove_created (&v);
      v1_free (&v);
      return ret;
    }
  for (i = 0; i < v.n_h; i++)
    if (v.n_comps - v.h[i].first_created > made)
      made = v.n_comps - v.h[i].first_created;
  cg->created = made > 0;
  cg->created_depth = made;
  v1_free (&v);
  return 0;
}

static int
v1_open (const char *path, struct cgroup *cg, rt_error_t *err)
{
  /* Nothing to check: delete must work even when the dirs are gone. */
  return 0;
}

static int
v1_enter (const struct cgroup *cg, pid_t pid, rt_error_t *err)
{
  struct cg_v1 v;
  char buf[24];
  size_t i;
  int ret;

  ret = v1_load (&v, cg->mode, cg->path, err);
  if (ret == 0)
    ret = v1_open_dirs (&v, true, err);
  snprintf (buf, sizeof buf, "%d", (int) pid);
  for (i = 0; ret == 0 && i < v.n_h; i++)
    if (cg_v1_write_raw (v.h[i].fd, "cgroup.procs", buf) < 0)
      ret = rt_error_set (err, errno, "cgroup `%s`: move pid %d into `%s`", cg->path, (int) pid,
                          v.h[i].mount);
  v1_free (&v);
  return ret;
}

static int
v1_update (const struct cgroup *cg, const struct oci_resources *res, rt_error_t *err)
{
  struct cg_v1 v;
  int ret;

  ret = v1_load (&v, cg->mode, cg->path, err);
  if (ret == 0)
    ret = v1_open_dirs (&v, false, err);
  if (ret == 0)
    ret = cg_v1_apply (&v, res, true, err);
  v1_free (&v);
  return ret;
}

/* ---- processes, freezer, kill ------------------------------------------- */

struct pidset
{
  pid_t *v;
  size_t n, cap;
};

static void
pidset_add_text (struct pidset *s, const char *text)
{
  const char *p = text;

  while (p && *p)
    {
      long pid = strtol (p, NULL, 10);
      if (pid > 0)
        {
          if (s->n == s->cap)
            s->v = xrealloc (s->v, (s->cap = s->cap ? 2 * s->cap : 64) * sizeof *s->v);
          s->v[s->n++] = (pid_t) pid;
        }
      p = strchr (p, '\n');
      if (p)
        p++;
    }
}

/* cgroup.procs of dirfd and of every sub-cgroup below it (a container may
 * make its own). */
static void
collect (int dirfd, struct pidset *s, int depth)
{
  cleanup_free char *procs = cg_v1_read (dirfd, "cgroup.procs");
  int lfd;
  DIR *d;
  struct dirent *de;

  pidset_add_text (s, procs);
  if (depth > 32 || (lfd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    return;
  d = fdopendir (lfd);
  if (d == NULL)
    {
      close (lfd);
      return;
    }
  while ((de = readdir (d)) != NULL)
    {
      cleanup_close int sub = -1;
      if (de->d_type != DT_DIR || de->d_name[0] == '.')
        continue;
      sub = openat (dirfd, de->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub >= 0)
        collect (sub, s, depth + 1);
    }
  closedir (d);
}

static int
cmp_pid (const void *a, const void *b)
{
  pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;
  return x < y ? -1 : x > y;
}

/* The union over every hierarchy: a process that left the leaf of one
 * hierarchy is still the container's while it is in another's. */
static void
all_pids (struct cg_v1 *v, struct pidset *s)
{
  size_t i, o = 0;

  for (i = 0; i < v->n_h; i++)
    if (v->h[i].fd >= 0)
      collect (v->h[i].fd, s, 0);
  if (s->n == 0)
    return;
  qsort (s->v, s->n, sizeof *s->v, cmp_pid);
  for (i = 0; i < s->n; i++)
    if (o == 0 || s->v[o - 1] != s->v[i])
      s->v[o++] = s->v[i];
  s->n = o;
}

static int
v1_pids (const struct cgroup *cg, pid_t **pids, size_t *n, rt_error_t *err)
{
  struct cg_v1 v;
  struct pidset s = { 0 };
  int ret;

  ret = v1_load (&v, cg->mode, cg->path, err);
  if (ret == 0)
    ret = v1_open_dirs (&v, false, err);
  if (ret == 0)
    all_pids (&v, &s);
  v1_free (&v);
  *pids = s.v;
  *n = s.n;
  return ret;
}

/* The freezer: v1 freezer.state, or on a hybrid host without a v1
 * freezer the unified tree's cgroup.freeze. */
static bool
frozen_now (struct cg_v1 *v)
{
  struct cg_v1_hier *h = cg_v1_hier (v, "freezer"), *u = cg_v1_unified (v);
  uint64_t f;

  if (h && h->fd >= 0)
    {
      cleanup_free char *s = cg_v1_read (h->fd, "freezer.state");
      return s && str_has_prefix (s, "FROZEN");
    }
  return u && u->fd >= 0 && get_kv (u->fd, "cgroup.events", "frozen", &f) && f == 1;
}

static int
set_frozen (struct cg_v1 *v, bool freeze, rt_error_t *err)
{
  struct cg_v1_hier *h = cg_v1_hier (v, "freezer"), *u = cg_v1_unified (v);
  bool v1 = h && h->fd >= 0;
  int fd = v1 ? h->fd : u && u->fd >= 0 ? u->fd : -1;
  const char *file = v1 ? "freezer.state" : "cgroup.freeze";
  const char *val = v1 ? (freeze ? "FROZEN" : "THAWED") : (freeze ? "1" : "0");
  long long deadline = now_ms () + 5000;
  long us = 100;
  int i;

  if (fd < 0)
    return rt_error_set (err, ENOTSUP, "cgroup `%s`: no freezer (neither the v1 `freezer` "
                                       "controller nor cgroup v2's cgroup.freeze)",
                         v->path);
  for (i = 0;; i++)
    {
      /* v1 can stay FREEZING while a task is busy in the kernel: writing
       * again retries the tasks that were missed. */
      if (i % 20 == 0 && cg_v1_write (fd, file, val, "cgroup freezer", err) < 0)
        return -1;
      if (frozen_now (v) == freeze)
        return 0;
      if (now_ms () > deadline)
        break;
      nap_us (us);
      if (us < 10000)
        us *= 2;
    }
  if (freeze)
    (void) cg_v1_write_raw (fd, file, v1 ? "THAWED" : "0");
  return rt_error_set (err, ETIMEDOUT, "cgroup `%s`: the freezer did not reach %s", v->path,
                       freeze ? "FROZEN" : "THAWED");
}

static int
v1_freeze (const struct cgroup *cg, bool freeze, rt_error_t *err)
{
  struct cg_v1 v;
  int ret;

  ret = v1_load (&v, cg->mode, cg->path, err);
  if (ret == 0)
    ret = v1_open_dirs (&v, true, err);
  if (ret == 0)
    ret = set_frozen (&v, freeze, err);
  v1_free (&v);
  return ret;
}

static bool
v1_is_frozen (const struct cgroup *cg)
{
  struct cg_v1 v;
  rt_error_t e = NULL;
  bool f = false;

  if (v1_load (&v, cg->mode, cg->path, &e) == 0 && v1_open_dirs (&v, false, &e) == 0)
    f = frozen_now (&v);
  rt_error_free (&e);
  v1_free (&v);
  return f;
}

/* Freeze so nothing forks between reading the list and signalling it,
 * signal each pid, thaw.  A container paused before stays paused (the
 * signal waits for resume), except for SIGKILL, which needs the tasks to
 * run to die. */
static int
signal_all (struct cg_v1 *v, int sig, rt_error_t *err)
{
  struct cg_v1_hier *u = cg_v1_unified (v);
  bool was_frozen = frozen_now (v), froze = false;
  struct pidset s = { 0 };
  int ret = 0;
  size_t i;

  if (sig == SIGKILL && u && u->fd >= 0)
    (void) cg_v1_write_raw (u->fd, "cgroup.kill", "1");
  if (!was_frozen)
    {
      rt_error_t e = NULL;
      froze = set_frozen (v, true, &e) == 0;
      if (!froze)
        log_debug ("kill: could not freeze `%s` first: %s", v->path, e->msg);
      rt_error_free (&e);
    }
  all_pids (v, &s);
  for (i = 0; i < s.n; i++)
    if (kill (s.v[i], sig) < 0 && errno != ESRCH && ret == 0)
      ret = rt_error_set (err, errno, "kill pid %d of cgroup `%s`", (int) s.v[i], v->path);
  free (s.v);
  if (froze || (was_frozen && sig == SIGKILL))
    {
      rt_error_t e = NULL;
      if (set_frozen (v, false, &e) < 0 && ret == 0)
        {
          *err = e;
          return -1;
        }
      rt_error_free (&e);
    }
  return ret;
}

static int
v1_kill_all (const struct cgroup *cg, int sig, rt_error_t *err)
{
  struct cg_v1 v;
  int ret;

  ret = v1_load (&v, cg->mode, cg->path, err);
  if (ret == 0)
    ret = v1_open_dirs (&v, false, err);
  if (ret == 0)
    ret = signal_all (&v, sig, err);
  v1_free (&v);
  return ret;
}

/* ---- destroy -------------------------------------------------------------- */

/* rmdir a cgroup and its sub-cgroups, deepest first. */
static int
rmdir_tree (int parent, const char *name, int depth)
{
  int fd = openat (parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *d;
  struct dirent *de;

  if (fd < 0)
    return errno == ENOENT ? 0 : -1;
  d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return -1;
    }
  while (depth < 32 && (de = readdir (d)) != NULL)
    if (de->d_type == DT_DIR && de->d_name[0] != '.')
      (void) rmdir_tree (dirfd (d), de->d_name, depth + 1);
  closedir (d);
  if (unlinkat (parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return -1;
  return 0;
}

static int
remove_leaf (struct cg_v1 *v, struct cg_v1_hier *h)
{
  cleanup_close int parent = cg_v1_open_depth (v, h, v->n_comps - 1);

  if (parent < 0)
    return errno == ENOENT ? 0 : -1;
  return rmdir_tree (parent, v->comps[v->n_comps - 1], 0);
}

/* Kill what is left and wait (bounded) until no hierarchy lists a pid:
 * a leaf with tasks cannot be removed. */
static int
empty_cgroup (struct cg_v1 *v, rt_error_t *err)
{
  long long deadline = now_ms () + 10000, next_kill = 0;
  long us = 200;

  for (;;)
    {
      struct pidset s = { 0 };
      all_pids (v, &s);
      free (s.v);
      if (s.n == 0)
        return 0;
      if (now_ms () > deadline)
        return rt_error_set (err, EBUSY, "cgroup `%s`: %zu processes are still in it", v->path,
                             s.n);
      if (now_ms () >= next_kill)
        {
          rt_error_t e = NULL;
          if (signal_all (v, SIGKILL, &e) < 0)
            log_debug ("%s", e->msg);
          rt_error_free (&e);
          next_kill = now_ms () + 200;
        }
      nap_us (us);
      if (us < 20000)
        us *= 2;
    }
}

static int
v1_destroy (struct cgroup *cg, rt_error_t *err)
{
  struct cg_v1 v;
  size_t i, k;
  long long deadline;
  int ret;

  ret = v1_load (&v, cg->mode, cg->path, err);
  if (ret == 0)
    ret = v1_open_dirs (&v, false, err);
  if (ret == 0)
    ret = empty_cgroup (&v, err);
  for (i = 0; ret == 0 && i < v.n_h; i++)
    {
      struct cg_v1_hier *h = &v.h[i];
      if (h->fd >= 0)
        close (h->fd);
      h->fd = -1;
      if (!cg->created)
        continue;
      /* The kernel may need a moment after the last task exits. */
      deadline = now_ms () + 2000;
      while (remove_leaf (&v, h) < 0)
        {
          if (errno != EBUSY || now_ms () > deadline)
            {
              ret = rt_error_set (err, errno, "cgroup `%s`: rmdir in `%s`", v.path, h->mount);
              break;
            }
          nap_us (2000);
        }
      /* Parents create made, while they are empty (another container may
       * share them: EBUSY/ENOTEMPTY end the walk quietly). */
      for (k = 1; ret == 0 && k < cg->created_depth && k < v.n_comps; k++)
        if (rmdir_depth (&v, h, v.n_comps - k) < 0)
          break;
      /* cove's own /cove, whoever made it. */
      if (ret == 0 && v.n_comps == 2 && strcmp (v.comps[0], CG_DEFAULT_PARENT) == 0)
        (void) rmdir_depth (&v, h, 1);
    }
  v1_free (&v);
  return ret;
}

/* ---- stats ---------------------------------------------------------------- */

static void
cpu_stats (struct cg_v1 *v, struct cg_stats *st)
{
  struct cg_v1_hier *acct = cg_v1_hier (v, "cpuacct"), *cpu = cg_v1_hier (v, "cpu");

  if (acct && acct->fd >= 0)
    {
      int fd = acct->fd;
      (void) cg_v1_read_u64 (fd, "cpuacct.usage", &st->cpu_usage_total);
      if (!cg_v1_read_u64 (fd, "cpuacct.usage_user", &st->cpu_usage_user)
          || !cg_v1_read_u64 (fd, "cpuacct.usage_sys", &st->cpu_usage_kernel))
        {
          /* Older kernels: clock ticks in cpuacct.stat. */
          long hz = sysconf (_SC_CLK_TCK);
          uint64_t u = 0, s = 0;
          cleanup_free char *text = cg_v1_read (fd, "cpuacct.stat");
          if (text && hz > 0 && cg_parse_kv (text, "user", &u) && cg_parse_kv (text, "system", &s))
            {
              st->cpu_usage_user = u * (1000000000ULL / hz);
              st->cpu_usage_kernel = s * (1000000000ULL / hz);
            }
        }
    }
  if (cpu && cpu->fd >= 0)
    {
      cleanup_free char *text = cg_v1_read (cpu->fd, "cpu.stat");
      if (text)
        {
          (void) cg_parse_kv (text, "nr_throttled", &st->cpu_throttled_periods);
          (void) cg_parse_kv (text, "throttled_time", &st->cpu_throttled_time);
        }
    }
}

static void
memory_stats (struct cg_v1 *v, struct cg_stats *st)
{
  struct cg_v1_hier *h = cg_v1_hier (v, "memory");
  int fd;

  if (h == NULL || h->fd < 0)
    return;
  fd = h->fd;
  (void) cg_v1_read_u64 (fd, "memory.usage_in_bytes", &st->memory_usage);
  (void) cg_v1_read_u64 (fd, "memory.max_usage_in_bytes", &st->memory_max_usage);
  (void) cg_v1_read_u64 (fd, "memory.limit_in_bytes", &st->memory_limit);
  (void) cg_v1_read_u64 (fd, "memory.memsw.usage_in_bytes", &st->memory_swap_usage);
  (void) cg_v1_read_u64 (fd, "memory.memsw.limit_in_bytes", &st->memory_swap_limit);
  (void) get_kv (fd, "memory.stat", "cache", &st->memory_cache);
  (void) get_kv (fd, "memory.oom_control", "oom_kill", &st->memory_oom_kills);
}

static int
v1_stats (const struct cgroup *cg, struct cg_stats *st, rt_error_t *err)
{
  struct cg_v1 v;
  struct cg_v1_hier *h;
  int ret;

  ret = v1_load (&v, cg->mode, cg->path, err);
  if (ret == 0)
    ret = v1_open_dirs (&v, false, err);
  if (ret < 0)
    {
      v1_free (&v);
      return ret;
    }
  cpu_stats (&v, st);
  memory_stats (&v, st);
  h = cg_v1_hier (&v, "pids");
  if (h && h->fd >= 0)
    {
      (void) cg_v1_read_u64 (h->fd, "pids.current", &st->pids_current);
      if (cg_v1_read_u64 (h->fd, "pids.max", &st->pids_limit) && st->pids_limit == UINT64_MAX)
        st->pids_limit = 0;
    }
  h = cg_v1_hier (&v, "blkio");
  if (h && h->fd >= 0)
    {
      cleanup_free char *text = cg_v1_read (h->fd, "blkio.throttle.io_service_bytes_recursive");
      if (text == NULL)
        text = cg_v1_read (h->fd, "blkio.throttle.io_service_bytes");
      if (text)
        cg_parse_blkio_bytes (text, &st->blkio_read_bytes, &st->blkio_write_bytes);
    }
  v1_free (&v);
  return 0;
}

const struct cg_ops cg_v1_ops = {
  .create = v1_create,
  .open = v1_open,
  .enter = v1_enter,
  .update = v1_update,
  .freeze = v1_freeze,
  .is_frozen = v1_is_frozen,
  .pids = v1_pids,
  .kill_all = v1_kill_all,
  .destroy = v1_destroy,
  .stats = v1_stats,
};
