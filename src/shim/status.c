/* The shim's published files: status JSON, exit status; both replaced
 * atomically so a reader never sees half of one. */
#include <config.h>
#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

static void
format_time (const struct timespec *ts, char buf[STATUS_TIME_LEN])
{
  struct tm tm;
  char sec[32];

  gmtime_r (&ts->tv_sec, &tm);
  strftime (sec, sizeof sec, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (buf, STATUS_TIME_LEN, "%s.%09ldZ", sec, ts->tv_nsec);
}

void
status_now (char buf[STATUS_TIME_LEN])
{
  status_time_in (0, buf);
}

void
status_time_in (unsigned ms, char buf[STATUS_TIME_LEN])
{
  struct timespec ts;

  clock_gettime (CLOCK_REALTIME, &ts);
  ts.tv_sec += ms / 1000;
  ts.tv_nsec += (long) (ms % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L)
    {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
  format_time (&ts, buf);
}

/* s as a JSON string literal, or null. */
static void
put_string (FILE *f, const char *s)
{
  if (s == NULL)
    {
      fputs ("null", f);
      return;
    }
  fputc ('"', f);
  for (; *s; s++)
    {
      unsigned char c = *s;
      if (c == '"' || c == '\\')
        fprintf (f, "\\%c", c);
      else if (c < 0x20)
        fprintf (f, "\\u%04x", c);
      else
        fputc (c, f);
    }
  fputc ('"', f);
}

static void
put_time (FILE *f, const char *t)
{
  put_string (f, *t ? t : NULL);
}

char *
status_to_json (const struct shim_status *st, const char *ports_json)
{
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&out, &len);

  if (f == NULL)
    oom ();
  fputs ("{\"id\":", f);
  put_string (f, st->id);
  fputs (",\"state\":", f);
  put_string (f, st->state);
  fputs (",\"policy\":", f);
  put_string (f, st->policy);
  fprintf (f, ",\"shim_pid\":%d,\"container_pid\":%d,\"restart_count\":%u", (int) st->shim_pid,
           (int) st->container_pid, st->restart_count);
  fputs (",\"started_at\":", f);
  put_time (f, st->started_at);
  if (st->has_exit)
    fprintf (f, ",\"last_exit_status\":%d", st->exit_status);
  else
    fputs (",\"last_exit_status\":null", f);
  fputs (",\"last_exit_time\":", f);
  put_time (f, st->exit_time);
  fprintf (f, ",\"oom_killed\":%s,\"restart_delay_ms\":%u", st->oom_killed ? "true" : "false",
           st->restart_delay_ms);
  fputs (",\"next_restart_at\":", f);
  put_time (f, st->next_restart_at);
  fputs (",\"error\":", f);
  put_string (f, st->error);
  fprintf (f, ",\"ports\":%s}\n", ports_json ? ports_json : "[]");
  if (fclose (f) != 0)
    oom ();
  return out;
}

int
status_write_atomic (const char *path, const char *data, size_t len, rt_error_t *err)
{
  const char *slash = strrchr (path, '/');
  cleanup_free char *dir = NULL;
  cleanup_close int dirfd = -1;

  if (slash == NULL)
    dir = xstrdup (".");
  else if (slash == path)
    dir = xstrdup ("/");
  else
    dir = strndup (path, slash - path);
  if (dir == NULL)
    oom ();
  dirfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return rt_error_set (err, errno, "open `%s`", dir);
  if (write_file_atomic_at (dirfd, slash ? slash + 1 : path, data, len, 0644, err) < 0)
    return rt_error_wrap (err, "`%s`", path);
  return 0;
}

int
status_write_exit (const char *path, int exit_status, rt_error_t *err)
{
  char buf[16];
  int n = snprintf (buf, sizeof buf, "%d\n", exit_status);

  return status_write_atomic (path, buf, n, err);
}
