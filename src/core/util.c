/* Allocation, fd and file helpers shared by every module. */
#include <config.h>
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

void
oom (void)
{
  static const char msg[] = "cove: out of memory\n";
  (void) !write (2, msg, sizeof msg - 1);
  abort ();
}

void *
xmalloc (size_t n)
{
  void *p = malloc (n ? n : 1);
  if (p == NULL)
    oom ();
  return p;
}

void *
xzalloc (size_t n)
{
  void *p = calloc (1, n ? n : 1);
  if (p == NULL)
    oom ();
  return p;
}

void *
xrealloc (void *p, size_t n)
{
  p = realloc (p, n ? n : 1);
  if (p == NULL)
    oom ();
  return p;
}

char *
xstrdup (const char *s)
{
  char *p = strdup (s);
  if (p == NULL)
    oom ();
  return p;
}

char *
xasprintf (const char *fmt, ...)
{
  va_list ap;
  char *s;

  va_start (ap, fmt);
  if (vasprintf (&s, fmt, ap) < 0)
    oom ();
  va_end (ap);
  return s;
}

void
cleanup_closep (int *fd)
{
  int saved = errno;
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
  errno = saved;
}

ssize_t
write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  size_t done = 0;

  while (done < len)
    {
      ssize_t n = write (fd, p + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      done += n;
    }
  return done;
}

ssize_t
read_all (int fd, void *buf, size_t len)
{
  char *p = buf;
  size_t done = 0;

  while (done < len)
    {
      ssize_t n = read (fd, p + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      if (n == 0)
        break;
      done += n;
    }
  return done;
}

int
read_file_at (int dirfd, const char *path, char **out, size_t *len, rt_error_t *err)
{
  cleanup_close int fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC);
  size_t cap = 4096, used = 0;
  char *buf;

  if (fd < 0)
    return rt_error_set (err, errno, "open `%s`", path);
  buf = xmalloc (cap);
  for (;;)
    {
      ssize_t n;
      if (used + 1 >= cap)
        buf = xrealloc (buf, cap *= 2);
      n = read (fd, buf + used, cap - used - 1);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          free (buf);
          return rt_error_set (err, errno, "read `%s`", path);
        }
      if (n == 0)
        break;
      used += n;
    }
  buf[used] = '\0';
  *out = buf;
  if (len)
    *len = used;
  return 0;
}

int
write_file_at (int dirfd, const char *path, const void *data, size_t len, rt_error_t *err)
{
  cleanup_close int fd = openat (dirfd, path, O_WRONLY | O_CLOEXEC | O_TRUNC | O_CREAT, 0644);

  if (fd < 0)
    return rt_error_set (err, errno, "open `%s`", path);
  if (write_all (fd, data, len) < 0)
    return rt_error_set (err, errno, "write `%s`", path);
  return 0;
}

int
write_file_atomic_at (int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                      rt_error_t *err)
{
  cleanup_free char *tmp = xasprintf (".%s.tmp", name);
  cleanup_close int fd = openat (dirfd, tmp, O_WRONLY | O_CLOEXEC | O_TRUNC | O_CREAT, mode);

  if (fd < 0)
    return rt_error_set (err, errno, "open `%s`", tmp);
  if (write_all (fd, data, len) < 0)
    {
      int saved = errno;
      unlinkat (dirfd, tmp, 0);
      return rt_error_set (err, saved, "write `%s`", tmp);
    }
  if (renameat (dirfd, tmp, dirfd, name) < 0)
    {
      int saved = errno;
      unlinkat (dirfd, tmp, 0);
      return rt_error_set (err, saved, "rename `%s`", tmp);
    }
  return 0;
}

int
mkdir_p (const char *path, mode_t mode, rt_error_t *err)
{
  cleanup_free char *p = xstrdup (path);
  char *s;

  for (s = p + 1; *s; s++)
    {
      if (*s != '/')
        continue;
      *s = '\0';
      if (mkdir (p, 0755) < 0 && errno != EEXIST)
        return rt_error_set (err, errno, "mkdir `%s`", p);
      *s = '/';
    }
  if (mkdir (p, mode) < 0 && errno != EEXIST)
    return rt_error_set (err, errno, "mkdir `%s`", p);
  return 0;
}

static int
cmp_int (const void *a, const void *b)
{
  return *(const int *) a - *(const int *) b;
}

/* close_range(2) over the gaps between the kept fds: no /proc needed and a
 * handful of syscalls whatever RLIMIT_NOFILE is. */
int
close_fds_from (int from, const int *keep, size_t n_keep)
{
  int sorted[16];
  unsigned int lo = from;
  size_t i;

  if (n_keep > sizeof sorted / sizeof *sorted)
    {
      errno = EINVAL;
      return -1;
    }
  /* keep may be NULL when n_keep is 0, which memcpy does not allow. */
  if (n_keep > 0)
    memcpy (sorted, keep, n_keep * sizeof *keep);
  qsort (sorted, n_keep, sizeof *sorted, cmp_int);
  for (i = 0; i < n_keep; i++)
    {
      if (sorted[i] < (int) lo)
        continue;
      if ((unsigned int) sorted[i] > lo && syscall (SYS_close_range, lo, sorted[i] - 1, 0) < 0)
        return -1;
      lo = sorted[i] + 1;
    }
  return syscall (SYS_close_range, lo, ~0U, 0) < 0 ? -1 : 0;
}

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

int
cloexec_fds_from (int from)
{
  DIR *d;
  struct dirent *de;

  if (syscall (SYS_close_range, from, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
    return 0;
  d = opendir ("/proc/self/fd");
  if (d == NULL)
    return -1;
  while ((de = readdir (d)) != NULL)
    {
      int fd;
      if (de->d_name[0] == '.')
        continue;
      fd = atoi (de->d_name);
      if (fd >= from && fd != dirfd (d))
        fcntl (fd, F_SETFD, FD_CLOEXEC);
    }
  closedir (d);
  return 0;
}

bool
str_has_prefix (const char *s, const char *prefix)
{
  return strncmp (s, prefix, strlen (prefix)) == 0;
}

size_t
strv_len (char **v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

int
proc_stat_read (pid_t pid, char *state, unsigned long long *start_time)
{
  char path[64];
  char buf[1024];
  cleanup_close int fd = -1;
  ssize_t n;
  char *p;
  int field;

  snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  n = read_all (fd, buf, sizeof buf - 1);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  /* comm may contain spaces and parens: start after the last ')' */
  p = strrchr (buf, ')');
  if (p == NULL || p[1] != ' ' || p[2] == '\0')
    return -1;
  *state = p[2];
  for (field = 2; field < 22 && p; field++)
    p = strchr (p + 1, ' ');
  if (p == NULL)
    return -1;
  *start_time = strtoull (p + 1, NULL, 10);
  return 0;
}

unsigned long long
proc_start_time (pid_t pid)
{
  unsigned long long start_time;
  char state;

  return proc_stat_read (pid, &state, &start_time) < 0 ? 0 : start_time;
}

int
write_pid_file (const char *path, pid_t pid, rt_error_t *err)
{
  cleanup_free char *tmp = xasprintf ("%s.cove-tmp", path);
  cleanup_free char *data = xasprintf ("%d", (int) pid);

  if (write_file_at (AT_FDCWD, tmp, data, strlen (data), err) < 0)
    return rt_error_wrap (err, "--pid-file");
  if (rename (tmp, path) < 0)
    {
      int saved = errno;
      unlink (tmp);
      return rt_error_set (err, saved, "--pid-file `%s`", path);
    }
  return 0;
}
