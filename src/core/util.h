/* Allocation that aborts on OOM, cleanup attributes, fd and file helpers. */
#ifndef COVE_UTIL_H
#define COVE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "error.h"

__attribute__ ((noreturn)) void oom (void);
void *xmalloc (size_t n);
void *xzalloc (size_t n);
void *xrealloc (void *p, size_t n);
char *xstrdup (const char *s);
char *xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

static inline void
cleanup_freep (void *p)
{
  void **pp = (void **) p;
  free (*pp);
}
void cleanup_closep (int *fd); /* preserves errno, ignores fd < 0 */

#define cleanup_free __attribute__ ((cleanup (cleanup_freep)))
#define cleanup_close __attribute__ ((cleanup (cleanup_closep)))

static inline int
steal_fd (int *fd)
{
  int r = *fd;
  *fd = -1;
  return r;
}
#define steal_ptr(pp)                                                                              \
  ({                                                                                               \
    __typeof__ (*(pp)) _p = *(pp);                                                                 \
    *(pp) = NULL;                                                                                  \
    _p;                                                                                            \
  })

/* Loop over EINTR and short transfers. */
ssize_t write_all (int fd, const void *buf, size_t len);
ssize_t read_all (int fd, void *buf, size_t len);
/* Whole-file helpers; the *_at forms are relative to dirfd. */
int read_file_at (int dirfd, const char *path, char **out, size_t *len, rt_error_t *err);
int write_file_at (int dirfd, const char *path, const void *data, size_t len, rt_error_t *err);
/* Write to a temporary name in the same directory, fsync-free rename over. */
int write_file_atomic_at (int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                          rt_error_t *err);

/* --pid-file: the pid in decimal, written to a temporary name and renamed
 * so a reader never sees a partial file. */
int write_pid_file (const char *path, pid_t pid, rt_error_t *err);

/* Create path and its parents (mode 0755 for parents). */
int mkdir_p (const char *path, mode_t mode, rt_error_t *err);

/* Close every fd >= from except those in keep[0..n_keep). */
int close_fds_from (int from, const int *keep, size_t n_keep);
/* Mark every fd >= from close-on-exec. */
int cloexec_fds_from (int from);

bool str_has_prefix (const char *s, const char *prefix);
size_t strv_len (char **v);

/* Fields of /proc/<pid>/stat: the state letter (3) and the start time
 * (22, clock ticks since boot); -1 if the process is gone. */
int proc_stat_read (pid_t pid, char *state, unsigned long long *start_time);
/* Start time of a process (field 22 of /proc/<pid>/stat), 0 if gone. */
unsigned long long proc_start_time (pid_t pid);

#endif
