/* The on-disk state of each container and the status derived from it. */
#include <config.h>
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "util.h"

static const char *const status_names[] = {
  [CSTATUS_CREATING] = "creating", [CSTATUS_CREATED] = "created", [CSTATUS_RUNNING] = "running",
  [CSTATUS_PAUSED] = "paused",     [CSTATUS_STOPPED] = "stopped",
};

const char *
cstatus_name (enum cstatus s)
{
  return status_names[s];
}

/* The id as an error message may quote it: a rejected id can hold a
 * newline (a second, forged log line) or an escape sequence for the
 * terminal, so bytes outside printable ASCII become \xNN; at most 64
 * bytes of it are shown. */
static char *
id_for_message (const char *id)
{
  static const char hex[] = "0123456789abcdef";
  char *out = xmalloc (64 * 4 + 4), *o = out;
  size_t i;

  for (i = 0; id[i] && i < 64; i++)
    {
      unsigned char c = id[i];
      if (c >= ' ' && c < 0x7f && c != '\\')
        *o++ = c;
      else
        {
          *o++ = '\\';
          *o++ = 'x';
          *o++ = hex[c >> 4];
          *o++ = hex[c & 15];
        }
    }
  if (id[i])
    o = stpcpy (o, "...");
  *o = '\0';
  return out;
}

int
state_validate_id (const char *id, rt_error_t *err)
{
  cleanup_free char *shown = NULL;
  const char *why = NULL;
  const char *p;

  if (id == NULL || *id == '\0')
    return rt_error_set (err, 0, "container id must not be empty");
  if (strlen (id) > 1024)
    why = "longer than 1024 bytes";
  else if (id[0] == '.')
    why = "must not start with `.`";
  for (p = id; why == NULL && *p; p++)
    {
      unsigned char c = *p;
      /* The id names a directory and appears in logs: keep it simple. */
      if (c == '/' || c <= ' ' || c >= 0x7f)
        why = "only printable characters, no `/`";
    }
  if (why == NULL)
    return 0;
  shown = id_for_message (id);
  return rt_error_set (err, 0, "invalid container id `%s`: %s", shown, why);
}

int
state_root_open (const char *root, bool create, rt_error_t *err)
{
  int fd;

  if (root[0] != '/')
    return rt_error_set (err, 0, "--root `%s`: must be an absolute path", root);
  fd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && create)
    {
      if (mkdir_p (root, 0700, err) < 0)
        return -1;
      fd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
  if (fd < 0)
    return rt_error_set (err, errno, "open state root `%s`", root);
  return fd;
}

int
state_dir_create (int rootfd, const char *id, rt_error_t *err)
{
  int fd;

  if (mkdirat (rootfd, id, 0700) < 0)
    {
      if (errno == EEXIST)
        return rt_error_set (err, 0, "container `%s` already exists", id);
      return rt_error_set (err, errno, "create state dir of `%s`", id);
    }
  fd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return rt_error_set (err, errno, "open state dir of `%s`", id);
  return fd;
}

int
state_dir_open (int rootfd, const char *id, rt_error_t *err)
{
  int fd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

  if (fd < 0 && (errno == ENOENT || errno == ENOTDIR || errno == ELOOP))
    return rt_error_set (err, 0, "container `%s` does not exist", id);
  if (fd < 0)
    return rt_error_set (err, errno, "open state dir of `%s`", id);
  return fd;
}

int
state_dir_remove (int rootfd, const char *id, rt_error_t *err)
{
  cleanup_close int fd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  DIR *d;
  struct dirent *de;

  if (fd < 0)
    return errno == ENOENT ? 0 : rt_error_set (err, errno, "open state dir of `%s`", id);
  d = fdopendir (steal_fd (&fd));
  if (d == NULL)
    return rt_error_set (err, errno, "read state dir of `%s`", id);
  while ((de = readdir (d)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      (void) unlinkat (dirfd (d), de->d_name, 0);
    }
  closedir (d);
  if (unlinkat (rootfd, id, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return rt_error_set (err, errno, "remove state dir of `%s`", id);
  return 0;
}

int
state_lock (int dirfd, rt_error_t *err)
{
  int ret;

  do
    ret = flock (dirfd, LOCK_EX);
  while (ret < 0 && errno == EINTR);
  if (ret < 0)
    return rt_error_set (err, errno, "lock state dir");
  return 0;
}

#define GEN_STR(g, k, v)                                                                           \
  do                                                                                               \
    {                                                                                              \
      yajl_gen_string (g, (const unsigned char *) (k), strlen (k));                                \
      yajl_gen_string (g, (const unsigned char *) (v), strlen (v));                                \
    }                                                                                              \
  while (0)

int
state_write (int dirfd, const struct cstate *s, rt_error_t *err)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  const unsigned char *buf;
  size_t len;
  int ret;

  if (g == NULL)
    oom ();
  yajl_gen_map_open (g);
  GEN_STR (g, "id", s->id);
  yajl_gen_string (g, (const unsigned char *) "pid", 3);
  yajl_gen_integer (g, s->pid);
  yajl_gen_string (g, (const unsigned char *) "start_time", 10);
  yajl_gen_integer (g, (long long) s->start_time);
  GEN_STR (g, "bundle", s->bundle);
  GEN_STR (g, "rootfs", s->rootfs);
  GEN_STR (g, "created", s->created);
  GEN_STR (g, "owner", s->owner);
  GEN_STR (g, "cgroup_path", s->cgroup_path ? s->cgroup_path : "");
  yajl_gen_string (g, (const unsigned char *) "cgroup_created_depth", 20);
  yajl_gen_integer (g, s->cgroup_created_depth);
  yajl_gen_string (g, (const unsigned char *) "own_pidns", 9);
  yajl_gen_bool (g, s->own_pidns);
  yajl_gen_string (g, (const unsigned char *) "creating", 8);
  yajl_gen_bool (g, s->creating);
  yajl_gen_string (g, (const unsigned char *) "mntns_dev", 9);
  yajl_gen_integer (g, (long long) s->mntns_dev);
  yajl_gen_string (g, (const unsigned char *) "mntns_ino", 9);
  yajl_gen_integer (g, (long long) s->mntns_ino);
  yajl_gen_string (g, (const unsigned char *) "root_dev", 8);
  yajl_gen_integer (g, (long long) s->root_dev);
  yajl_gen_string (g, (const unsigned char *) "root_ino", 8);
  yajl_gen_integer (g, (long long) s->root_ino);
  yajl_gen_map_close (g);
  yajl_gen_get_buf (g, &buf, &len);
  ret = write_file_atomic_at (dirfd, STATE_FILE, buf, len, 0600, err);
  yajl_gen_free (g);
  return ret;
}

static char *
tree_str (yajl_val root, const char *key)
{
  const char *path[] = { key, NULL };
  yajl_val v = yajl_tree_get (root, path, yajl_t_string);
  return xstrdup (v ? YAJL_GET_STRING (v) : "");
}

static long long
tree_int (yajl_val root, const char *key)
{
  const char *path[] = { key, NULL };
  yajl_val v = yajl_tree_get (root, path, yajl_t_number);
  return v && YAJL_IS_INTEGER (v) ? YAJL_GET_INTEGER (v) : 0;
}

int
state_read (int dirfd, struct cstate *s, rt_error_t *err)
{
  cleanup_free char *data = NULL;
  char errbuf[256];
  const char *own[] = { "own_pidns", NULL };
  yajl_val root;

  if (read_file_at (dirfd, STATE_FILE, &data, NULL, err) < 0)
    return -1;
  root = yajl_tree_parse (data, errbuf, sizeof errbuf);
  if (root == NULL)
    return rt_error_set (err, 0, "corrupt " STATE_FILE ": %s", errbuf);
  memset (s, 0, sizeof *s);
  s->id = tree_str (root, "id");
  s->pid = (pid_t) tree_int (root, "pid");
  s->start_time = (unsigned long long) tree_int (root, "start_time");
  s->bundle = tree_str (root, "bundle");
  s->rootfs = tree_str (root, "rootfs");
  s->created = tree_str (root, "created");
  s->owner = tree_str (root, "owner");
  s->cgroup_path = tree_str (root, "cgroup_path");
  s->cgroup_created_depth = (unsigned) tree_int (root, "cgroup_created_depth");
  s->own_pidns = YAJL_IS_TRUE (yajl_tree_get (root, own, yajl_t_true));
  {
    const char *cr[] = { "creating", NULL };
    s->creating = YAJL_IS_TRUE (yajl_tree_get (root, cr, yajl_t_true));
  }
  s->mntns_dev = (unsigned long long) tree_int (root, "mntns_dev");
  s->mntns_ino = (unsigned long long) tree_int (root, "mntns_ino");
  s->root_dev = (unsigned long long) tree_int (root, "root_dev");
  s->root_ino = (unsigned long long) tree_int (root, "root_ino");
  yajl_tree_free (root);
  return 0;
}

void
cstate_clear (struct cstate *s)
{
  free (s->id);
  free (s->bundle);
  free (s->rootfs);
  free (s->created);
  free (s->owner);
  free (s->cgroup_path);
  memset (s, 0, sizeof *s);
}

bool
state_pid_alive (const struct cstate *s)
{
  unsigned long long start_time;
  char state;

  if (s->pid <= 0 || proc_stat_read (s->pid, &state, &start_time) < 0)
    return false;
  /* Another process with a recycled pid; or a zombie, which has exited and
   * is stopped even if nobody reaped it yet. */
  return start_time == s->start_time && state != 'Z' && state != 'X';
}

enum cstatus
state_status (int dirfd, const struct cstate *s)
{
  struct stat st;

  /* A create in flight holds the lock; one that died left `creating`
   * behind: that container never came to be, whatever runs of it. */
  if (s->creating)
    {
      if (flock (dirfd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK)
        return CSTATUS_CREATING;
      return CSTATUS_STOPPED;
    }

  if (!state_pid_alive (s))
    return CSTATUS_STOPPED;
  if (fstatat (dirfd, STATE_FIFO, &st, AT_SYMLINK_NOFOLLOW) == 0)
    return CSTATUS_CREATED;
  return CSTATUS_RUNNING;
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

char **
state_list_ids (int rootfd)
{
  int fd = openat (rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  size_t n = 0, cap = 8;
  char **ids = xmalloc (cap * sizeof *ids);
  DIR *d;
  struct dirent *de;

  if (fd < 0 || (d = fdopendir (fd)) == NULL)
    {
      if (fd >= 0)
        close (fd);
      ids[0] = NULL;
      return ids;
    }
  while ((de = readdir (d)) != NULL)
    {
      if (de->d_name[0] == '.' || de->d_type != DT_DIR)
        continue;
      if (n + 1 >= cap)
        ids = xrealloc (ids, (cap *= 2) * sizeof *ids);
      ids[n++] = xstrdup (de->d_name);
    }
  closedir (d);
  ids[n] = NULL;
  qsort (ids, n, sizeof *ids, cmp_str);
  return ids;
}

/* /etc/passwd read directly: a static binary has no NSS, and for a state
 * dir's owner the local file is what matters. */
char *
state_owner (int dirfd)
{
  cleanup_free char *data = NULL;
  rt_error_t tmp = NULL;
  struct stat st;
  char *line, *save = NULL;

  if (fstat (dirfd, &st) < 0)
    return xstrdup ("");
  if (read_file_at (AT_FDCWD, "/etc/passwd", &data, NULL, &tmp) < 0)
    rt_error_free (&tmp);
  else
    for (line = strtok_r (data, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
      {
        char *name = line, *uid;
        char *c1 = strchr (line, ':');
        char *c2 = c1 ? strchr (c1 + 1, ':') : NULL;

        if (c2 == NULL)
          continue;
        *c1 = '\0';
        uid = c2 + 1;
        if (strtoul (uid, NULL, 10) == st.st_uid && (*uid >= '0' && *uid <= '9'))
          return xstrdup (name);
      }
  return xasprintf ("%u", (unsigned) st.st_uid);
}

char *
state_now_rfc3339 (void)
{
  struct timespec ts;
  struct tm tm;
  char buf[64];

  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return xasprintf ("%s.%09ldZ", buf, ts.tv_nsec);
}
