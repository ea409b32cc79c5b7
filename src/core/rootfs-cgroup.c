/* The cgroup mount of config.mounts: the container sees its own cgroups at
 * the destination (usually /sys/fs/cgroup), never the host's tree.
 *
 * The host's layout is either cgroup2 at /sys/fs/cgroup (v2), or a tmpfs
 * there with one hierarchy per directory (v1, and hybrid with its cgroup2
 * "unified" one), read from /proc/self/mountinfo (a v2 host usually needs
 * no read, see mount_v2_quick).  The same layout is rebuilt at the
 * destination, each hierarchy showing the cgroup init is in: with a cgroup
 * namespace the kernel roots a new mount there; without one, the host's
 * directory of that cgroup (from /proc/self/cgroup, relative to what the
 * host's mount shows) is bound.  init has been put in the container's
 * cgroup before it gets here, so that is the container's cgroup; when the
 * runtime made none, it is the cgroup init inherited, which is also what a
 * cgroup namespace would show.  A host without any cgroup mounted gets an
 * empty tmpfs: nothing of the host shows through. */
#include <config.h>
#include "rootfs-cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "safe-path.h"
#include "util.h"

#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#endif
#ifndef MOUNT_ATTR__ATIME
#define MOUNT_ATTR__ATIME 0x00000070
#endif

/* Where the host mounts its hierarchies (the runtime's view, before
 * pivot_root). */
#define HOST_CGROUP "/sys/fs/cgroup"

/* One hierarchy as the host mounts it. */
struct hier
{
  char *name;  /* directory under HOST_CGROUP ("cpu,cpuacct", "unified"), "" at HOST_CGROUP */
  char *root;  /* mountinfo root: the cgroup the host's mount shows at its top */
  char *super; /* superblock options but rw, ro, release_agent=: the data of a new mount */
  bool v2;
  bool mounted; /* made at the destination (symlinks may point to it) */
  int id;       /* mount id, to follow mounts stacked on one another */
};

struct layout
{
  struct hier *h;
  size_t n;
  bool single; /* a hierarchy at HOST_CGROUP itself (v2): h[0] is it */
  int root_id; /* the mount at HOST_CGROUP, parent of the hierarchies; -1 if none */
};

static void
hier_free (struct hier *h)
{
  free (h->name);
  free (h->root);
  free (h->super);
}

static void
layout_free (struct layout *l)
{
  size_t i;

  for (i = 0; i < l->n; i++)
    hier_free (&l->h[i]);
  free (l->h);
  memset (l, 0, sizeof *l);
}

static int
cg_fail (rt_error_t *err, int errnum, const struct oci_mount *m, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

static int
cg_fail (rt_error_t *err, int errnum, const struct oci_mount *m, const char *fmt, ...)
{
  const char *name = m->source && m->source[0] ? m->source : m->type;
  cleanup_free char *step = NULL;
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&step, fmt, ap) < 0)
    oom ();
  va_end (ap);
  return rt_error_set (err, errnum, "mount `%s` on `%s`: %s", name, m->destination, step);
}

/* mountinfo escapes blanks and backslashes as \ooo. */
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

/* "rw,cpu,cpuacct" -> "cpu,cpuacct": the options to give a new mount of
 * the same hierarchy.  The kernel matches an existing hierarchy by its
 * controllers (and name=), and warns when the flags (xattr, noprefix...)
 * differ, so those stay; rw/ro are per-mount here, and release_agent may
 * not be set from a cgroup namespace. */
static char *
super_for_mount (const char *super)
{
  cleanup_free char *copy = xstrdup (super);
  char *out = xzalloc (strlen (super) + 1);
  char *tok, *save = NULL;

  for (tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
    {
      if (strcmp (tok, "rw") == 0 || strcmp (tok, "ro") == 0
          || str_has_prefix (tok, "release_agent="))
        continue;
      if (*out)
        strcat (out, ",");
      strcat (out, tok);
    }
  return out;
}

/* The fields of one mountinfo line the layout needs; false for a line
 * that is not about HOST_CGROUP or a directory right under it.
 *   id parent major:minor root mountpoint opts [tags...] - fstype source super */
static bool
parse_line (char *line, int *id, int *parent, char **root, char **mnt, char **fstype,
            char **super)
{
  char *sep = strstr (line, " - ");
  char *save = NULL, *f[5];
  size_t i;

  if (sep == NULL)
    return false;
  *sep = '\0';
  for (i = 0; i < 5; i++)
    if ((f[i] = strtok_r (i == 0 ? line : NULL, " ", &save)) == NULL)
      return false;
  if (!str_has_prefix (f[4], HOST_CGROUP))
    return false;
  save = NULL;
  *fstype = strtok_r (sep + 3, " ", &save);
  if (*fstype == NULL || strtok_r (NULL, " ", &save) == NULL)
    return false;
  *super = strtok_r (NULL, " \n", &save);
  if (*super == NULL)
    return false;
  unescape_octal (f[4]);
  *mnt = f[4] + strlen (HOST_CGROUP);
  if (**mnt != '\0' && (**mnt != '/' || strchr (*mnt + 1, '/') || (*mnt)[1] == '\0'))
    return false;
  if (**mnt == '/')
    (*mnt)++;
  unescape_octal (f[3]);
  *root = f[3];
  *id = atoi (f[0]);
  *parent = atoi (f[1]);
  return true;
}

/* Add a hierarchy, or replace the one it is stacked on, if it is
 * visible: right on the mount at HOST_CGROUP, or on the one it replaces. */
static void
layout_add (struct layout *l, int id, int parent, const char *name, const char *root,
            const char *fstype, const char *super)
{
  struct hier *h = NULL;
  size_t i;

  for (i = 0; i < l->n && h == NULL; i++)
    if (strcmp (l->h[i].name, name) == 0)
      h = &l->h[i];
  if (h ? parent != h->id : parent != l->root_id)
    return;
  if (h)
    hier_free (h);
  else
    {
      l->h = xrealloc (l->h, (l->n + 1) * sizeof *l->h);
      h = &l->h[l->n++];
    }
  h->name = xstrdup (name);
  h->root = xstrdup (root);
  h->super = super_for_mount (super);
  h->v2 = strcmp (fstype, "cgroup2") == 0;
  h->mounted = false;
  h->id = id;
}

static bool
is_cgroup_fs (const char *fstype)
{
  return strcmp (fstype, "cgroup") == 0 || strcmp (fstype, "cgroup2") == 0;
}

/* The host's hierarchies, read once.  A mount at HOST_CGROUP itself hides
 * what was there: the layout starts again from it.  mountinfo lists a
 * mount after its parent, which the single pass relies on. */
static int
read_layout (struct layout *l, rt_error_t *err)
{
  FILE *f = fopen ("/proc/self/mountinfo", "re");
  char *line = NULL;
  size_t cap = 0;

  memset (l, 0, sizeof *l);
  l->root_id = -1;
  if (f == NULL)
    return rt_error_set (err, errno, "open `/proc/self/mountinfo`");
  while (getline (&line, &cap, f) > 0)
    {
      char *root, *mnt, *fstype, *super;
      int id, parent;

      if (!parse_line (line, &id, &parent, &root, &mnt, &fstype, &super))
        continue;
      if (*mnt == '\0')
        {
          layout_free (l);
          l->single = is_cgroup_fs (fstype);
          l->root_id = id;
          if (l->single)
            layout_add (l, id, id, "", root, fstype, super);
          /* Nothing is looked for under a cgroup2 root. */
          l->root_id = l->single ? -1 : id;
        }
      else if (is_cgroup_fs (fstype))
        layout_add (l, id, parent, mnt, root, fstype, super);
    }
  free (line);
  fclose (f);
  return 0;
}

/* word is one of the comma-separated items of list. */
static bool
list_has (const char *list, const char *word, size_t n)
{
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

/* The path of the cgroup init is in within h, from /proc/self/cgroup
 * ("id:controllers:path" lines; v2's has no controllers, a v1 line's
 * controllers are all among h's options).  NULL when no line matches. */
static const char *
cgroup_of (const char *self_cgroup, const struct hier *h, char *buf, size_t size)
{
  const char *line = self_cgroup;

  while (line && *line)
    {
      const char *end = strchr (line, '\n');
      const char *ctrl = memchr (line, ':', end ? (size_t) (end - line) : strlen (line));
      const char *path = ctrl ? strchr (ctrl + 1, ':') : NULL;
      size_t len = end ? (size_t) (end - line) : strlen (line);
      bool match;

      if (ctrl && path && path < line + len)
        {
          ctrl++;
          if (h->v2)
            match = ctrl == path;
          else
            {
              const char *c = ctrl;
              match = c < path;
              while (match && c < path)
                {
                  const char *e = memchr (c, ',', path - c);
                  size_t n = e ? (size_t) (e - c) : (size_t) (path - c);
                  match = list_has (h->super, c, n);
                  c += n + 1;
                }
            }
          if (match && (size_t) (line + len - path) <= size)
            {
              memcpy (buf, path + 1, line + len - path - 1);
              buf[line + len - path - 1] = '\0';
              return buf;
            }
        }
      line = end ? end + 1 : NULL;
    }
  return NULL;
}

/* The host directory of the cgroup at path within h: the host's mount
 * shows h->root at its top, so path must lie below it.  NULL otherwise
 * (the runtime runs somewhere the container's cgroup cannot be seen). */
static char *
host_dir (const struct hier *h, const char *path)
{
  size_t n = strlen (h->root);

  if (strcmp (h->root, "/") != 0)
    {
      if (strncmp (path, h->root, n) != 0 || (path[n] != '/' && path[n] != '\0'))
        return NULL;
      path += n;
    }
  else if (strcmp (path, "/") == 0)
    path = "";
  return xasprintf (HOST_CGROUP "%s%s%s", h->name[0] ? "/" : "", h->name, path);
}

/* An O_PATH fd of the mount just made at dir_fd/path by mount(2): the fd
 * of the mount point still names the directory below it. */
static int
reopen_mount (int dir_fd, const char *path)
{
  int fd = safe_resolve (dir_fd, path, O_PATH);

  if (fd < 0)
    {
      errno = -fd;
      return -1;
    }
  if (!safe_is_mount_root (fd))
    {
      close (fd);
      errno = EXDEV;
      return -1;
    }
  return fd;
}

/* The per-mount options of the entry on a bind of the host's cgroup.
 * In a user namespace the host mount's flags are locked: if clearing
 * one or changing the atime mode is refused, only add, as for other
 * binds. */
static int
set_bind_attrs (int mnt, const struct mount_options *o)
{
  uint64_t set, clr;
  int ret;

  mount_options_bind_attrs (o, &set, &clr);
  if (set == 0 && clr == 0)
    return 0;
  ret = safe_mount_setattr (mnt, true, set, clr, 0, -1);
  if (ret < 0 && errno == ENOSYS)
    ret = safe_mount_setattr (mnt, false, set, clr, 0, -1);
  if (ret < 0 && errno == EPERM)
    {
      set &= ~(uint64_t) MOUNT_ATTR__ATIME;
      ret = safe_mount_setattr (mnt, true, set, 0, 0, -1);
      if (ret < 0 && errno == ENOSYS)
        ret = safe_mount_setattr (mnt, false, set, 0, 0, -1);
    }
  return ret;
}

/* Bind the host directory src onto dst (a directory at dir_fd/path).
 * src is walked by path: it is on the host's cgroupfs, which has no
 * symlinks, and no process of the container runs yet.  Recursive: a user
 * namespace may not bind a mount without the mounts locked on it.
 * Returns an O_PATH fd of the new mount, -1 with errno. */
static int
bind_host (const char *src, int dst, int dir_fd, const char *path, const struct mount_options *o)
{
  cleanup_close int src_fd = open (src, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  int mnt = -1;

  if (src_fd < 0)
    return -1;
  if (safe_bind (src_fd, dst, true, &mnt) < 0)
    return -1;
  if (mnt < 0)
    mnt = reopen_mount (dir_fd, path);
  if (mnt >= 0 && set_bind_attrs (mnt, o) < 0)
    cleanup_closep (&mnt);
  return mnt;
}

/* What each step needs. */
struct job
{
  int root_fd;
  const struct oci_mount *m;
  const struct mount_options *o;
  bool new_mount;    /* a cgroup namespace: new mounts; else binds */
  char *self_cgroup; /* /proc/self/cgroup, read when first needed */
};

/* The host directory of init's cgroup in h, in a malloc'd *out; NULL
 * when init is in none of h, or in one the host's mount does not show. */
static int
self_dir (struct job *j, const struct hier *h, char **out, rt_error_t *err)
{
  char cg[4096];

  *out = NULL;
  if (j->self_cgroup == NULL
      && read_file_at (AT_FDCWD, "/proc/self/cgroup", &j->self_cgroup, NULL, err) < 0)
    return rt_error_wrap (err, "mount `%s` on `%s`", j->m->type, j->m->destination);
  if (cgroup_of (j->self_cgroup, h, cg, sizeof cg))
    *out = host_dir (h, cg);
  return 0;
}

/* One hierarchy onto dst, the directory at dir_fd/path: a new mount of
 * it, which the kernel roots at the cgroup namespace's root, or a bind of
 * the host's directory of init's cgroup, src (NULL: left out). */
static int
mount_hier (struct job *j, struct hier *h, const char *src, int dst, int dir_fd, const char *path,
            rt_error_t *err)
{
  const char *what = h->name[0] ? h->name : h->v2 ? "cgroup2" : "cgroup";
  char proc[SAFE_PROC_FD_LEN];
  const char *type = h->v2 ? "cgroup2" : "cgroup";
  int mnt;

  if (j->new_mount)
    {
      /* With the host mount's options: the kernel warns when a v1 mount's
       * differ, and a cgroup2 mount made in the initial cgroup namespace
       * (one joined by path) sets nsdelegate and the like for the host. */
      if (mount (type, safe_proc_fd (dst, proc), type, j->o->flags, h->super[0] ? h->super : NULL)
          < 0)
        return cg_fail (err, errno, j->m, "mount `%s`", what);
      h->mounted = true;
      return 0;
    }
  if (src == NULL)
    return 0;
  mnt = bind_host (src, dst, dir_fd, path, j->o);
  if (mnt < 0)
    return cg_fail (err, errno, j->m, "bind `%s`", src);
  close (mnt);
  h->mounted = true;
  return 0;
}

/* The host's symlinks to hierarchies (cpu -> cpu,cpuacct, made by
 * systemd for co-mounted controllers), for those mounted at top. */
static int
copy_symlinks (const struct oci_mount *m, const struct layout *l, int top, rt_error_t *err)
{
  DIR *d = opendir (HOST_CGROUP);
  struct dirent *de;
  int ret = 0;

  if (d == NULL)
    return cg_fail (err, errno, m, "open `" HOST_CGROUP "`");
  while (ret == 0 && (de = readdir (d)) != NULL)
    {
      char target[256];
      ssize_t n;
      size_t i;

      if (de->d_type != DT_LNK && de->d_type != DT_UNKNOWN)
        continue;
      n = readlinkat (dirfd (d), de->d_name, target, sizeof target - 1);
      if (n <= 0)
        continue;
      target[n] = '\0';
      for (i = 0; i < l->n; i++)
        if (l->h[i].mounted && strcmp (l->h[i].name, target) == 0)
          break;
      if (i < l->n && symlinkat (target, top, de->d_name) < 0)
        ret = cg_fail (err, errno, m, "symlink `%s`", de->d_name);
    }
  closedir (d);
  return ret;
}

/* v1 and hybrid: a tmpfs with a directory per hierarchy.  *top gets an
 * O_PATH fd of the tmpfs. */
static int
mount_tmpfs_layout (struct job *j, struct layout *l, int *top_out, rt_error_t *err)
{
  const struct oci_mount *m = j->m;
  unsigned long flags
      = (j->o->flags & ~(unsigned long) MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  char proc[SAFE_PROC_FD_LEN];
  cleanup_close int dst = -1;
  cleanup_close int top = -1;
  size_t i;
  int ret;

  dst = safe_mkdir_in_root (j->root_fd, m->destination, 0755, err);
  if (dst < 0)
    return rt_error_wrap (err, "mount `%s` on `%s`", m->type, m->destination);
  /* Only directories and symlinks live there; read-only comes last. */
  if (mount ("tmpfs", safe_proc_fd (dst, proc), "tmpfs", flags, "mode=755,size=64k") < 0)
    return cg_fail (err, errno, m, "mount the tmpfs");
  top = reopen_mount (j->root_fd, m->destination);
  if (top < 0)
    return cg_fail (err, errno, m, "open the tmpfs");

  for (i = 0; i < l->n; i++)
    {
      struct hier *h = &l->h[i];
      cleanup_free char *src = NULL;
      cleanup_close int sub = -1;

      if (!j->new_mount && (self_dir (j, h, &src, err) < 0))
        return -1;
      if (!j->new_mount && src == NULL)
        continue;
      /* A tmpfs of our own, just made: no symlink can be in the way. */
      if (mkdirat (top, h->name, 0755) < 0
          || (sub = openat (top, h->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        return cg_fail (err, errno, m, "mkdir `%s`", h->name);
      ret = mount_hier (j, h, src, sub, top, h->name, err);
      if (ret < 0)
        return ret;
    }
  ret = l->n > 0 ? copy_symlinks (m, l, top, err) : 0;
  if (ret < 0)
    return ret;
  if ((j->o->flags & MS_RDONLY) && safe_mount_setattr (top, false, MOUNT_ATTR_RDONLY, 0, 0, -1) < 0)
    return cg_fail (err, errno, m, "make the tmpfs read-only");
  *top_out = steal_fd (&top);
  return 0;
}

/* v2: the one hierarchy h right at the destination, bound from src
 * unless new_mount.  *top gets an O_PATH fd of it when want_top. */
static int
mount_single (struct job *j, struct hier *h, const char *src, bool want_top, int *top,
              rt_error_t *err)
{
  const struct oci_mount *m = j->m;
  cleanup_close int dst = -1;
  int ret;

  if (!j->new_mount && src == NULL)
    return cg_fail (err, ENOENT, m, "this process's cgroup is not visible in `" HOST_CGROUP "`");
  dst = safe_mkdir_in_root (j->root_fd, m->destination, 0755, err);
  if (dst < 0)
    return rt_error_wrap (err, "mount `%s` on `%s`", m->type, m->destination);
  ret = mount_hier (j, h, src, dst, j->root_fd, m->destination, err);
  if (ret < 0 || !want_top)
    return ret;
  *top = reopen_mount (j->root_fd, m->destination);
  if (*top < 0)
    return cg_fail (err, errno, m, "open the new mount");
  return 0;
}

/* dir is a cgroup init is in: its cgroup.procs lists our pid (as our pid
 * namespace numbers it, like getpid). */
static bool
holds_self (const char *dir)
{
  cleanup_free char *path = xasprintf ("%s/cgroup.procs", dir);
  cleanup_free char *procs = NULL;
  rt_error_t tmp = NULL;
  char pid[32];
  size_t n = (size_t) snprintf (pid, sizeof pid, "%d", (int) getpid ());
  const char *p;

  if (read_file_at (AT_FDCWD, path, &procs, NULL, &tmp) < 0)
    {
      rt_error_free (&tmp);
      return false;
    }
  for (p = procs; p && *p; p = strchr (p, '\n'), p = p ? p + 1 : NULL)
    if (strncmp (p, pid, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
      return true;
  return false;
}

/* The common v2 host without reading mountinfo, whose cost grows with
 * the host's mount count (about 0.5 µs a mount: a host with thousands of
 * mounts would spend milliseconds on it).  With a new cgroup namespace
 * nothing else is needed: the mount's options only matter in the initial
 * one.  Without one, the host's /sys/fs/cgroup is taken to show the
 * whole hierarchy, which holds_self checks.  Returns 1, having done
 * nothing, when it cannot tell. */
static int
mount_v2_quick (struct job *j, const struct oci_namespace *cgroupns, bool want_top, int *top,
                rt_error_t *err)
{
  struct hier h = { .name = (char *) "", .root = (char *) "/", .super = (char *) "", .v2 = true };
  cleanup_free char *src = NULL;
  struct statfs sfs;

  if (statfs (HOST_CGROUP, &sfs) < 0 || sfs.f_type != CGROUP2_SUPER_MAGIC)
    return 1;
  if (cgroupns && cgroupns->path)
    return 1; /* perhaps the initial one */
  if (!cgroupns && (self_dir (j, &h, &src, err) < 0))
    return -1;
  if (!cgroupns && (src == NULL || !holds_self (src)))
    return 1;
  return mount_single (j, &h, src, want_top, top, err);
}

int
rootfs_mount_cgroup (int root_fd, const struct oci_mount *m, const struct mount_options *o,
                     const struct oci_namespace *cgroupns, rt_error_t *err)
{
  /* Without a cgroup namespace a new mount would show the whole
   * hierarchy (and in a user namespace the kernel refuses it): bind. */
  struct job j = { .root_fd = root_fd, .m = m, .o = o, .new_mount = cgroupns != NULL };
  bool want_top = o->attr_set || o->attr_clr || o->propagation;
  cleanup_close int top = -1;
  struct layout l;
  int ret;

  ret = mount_v2_quick (&j, cgroupns, want_top, &top, err);
  if (ret == 1)
    {
      ret = read_layout (&l, err);
      if (ret < 0)
        rt_error_wrap (err, "mount `%s` on `%s`", m->type, m->destination);
      else if (l.single)
        {
          cleanup_free char *src = NULL;
          if (!j.new_mount)
            ret = self_dir (&j, &l.h[0], &src, err);
          if (ret == 0)
            ret = mount_single (&j, &l.h[0], src, want_top, &top, err);
        }
      else
        ret = mount_tmpfs_layout (&j, &l, &top, err);
      layout_free (&l);
    }
  free (j.self_cgroup);
  if (ret < 0 || !want_top)
    return ret;

  if ((o->attr_set || o->attr_clr)
      && safe_mount_setattr (top, true, o->attr_set, o->attr_clr, 0, -1) < 0)
    return cg_fail (err, errno, m, "set the recursive mount attributes");
  if (o->propagation
      && safe_mount_setattr (top, (o->propagation & MS_REC) != 0, 0, 0,
                             o->propagation & ~(unsigned long) MS_REC, -1)
             < 0)
    return cg_fail (err, errno, m, "set the propagation");
  return 0;
}
