/* Log sinks: stderr and an optional --log file (text or JSON lines). */
#include <config.h>
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static int log_file_fd = -1;
static bool log_json;
static bool log_debug_on;

static const char *const level_names[] = { "error", "warning", "info", "debug" };

int
log_init (const char *path, bool json, bool debug)
{
  log_json = json;
  log_debug_on = debug;
  if (path == NULL || *path == '\0')
    return 0;
  log_file_fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  return log_file_fd < 0 ? -1 : 0;
}

int
log_fd (void)
{
  return log_file_fd;
}

/* JSON string escaping for the msg field. */
static void
append_json_string (FILE *f, const char *s)
{
  fputc ('"', f);
  for (; *s; s++)
    {
      unsigned char c = *s;
      if (c == '"' || c == '\\')
        fprintf (f, "\\%c", c);
      else if (c == '\n')
        fputs ("\\n", f);
      else if (c == '\t')
        fputs ("\\t", f);
      else if (c < 0x20)
        fprintf (f, "\\u%04x", c);
      else
        fputc (c, f);
    }
  fputc ('"', f);
}

static void
write_log_file (enum log_level level, const char *msg)
{
  char tbuf[64];
  struct timespec ts;
  struct tm tm;
  char *line = NULL;
  size_t len = 0;
  FILE *f;

  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (tbuf, sizeof tbuf, "%Y-%m-%dT%H:%M:%S", &tm);
  f = open_memstream (&line, &len);
  if (f == NULL)
    return;
  if (log_json)
    {
      fprintf (f, "{\"level\":\"%s\",\"msg\":", level_names[level]);
      append_json_string (f, msg);
      fprintf (f, ",\"time\":\"%s.%09ldZ\"}\n", tbuf, ts.tv_nsec);
    }
  else
    fprintf (f, "%s.%09ldZ %s: %s\n", tbuf, ts.tv_nsec, level_names[level], msg);
  fclose (f);
  (void) write_all (log_file_fd, line, len);
  free (line);
}

void
log_msg (enum log_level level, const char *fmt, ...)
{
  va_list ap;
  char *msg;
  int saved = errno;

  if (level == LOG_LEVEL_DEBUG && !log_debug_on)
    return;
  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    oom ();
  va_end (ap);
  if (log_file_fd >= 0)
    write_log_file (level, msg);
  /* Errors always reach stderr too (runc does the same): engines show it. */
  if (log_file_fd < 0 || level == LOG_LEVEL_ERROR)
    {
      char *line = level == LOG_LEVEL_ERROR ? xasprintf ("cove: %s\n", msg)
                                            : xasprintf ("cove: %s: %s\n", level_names[level], msg);
      (void) write_all (2, line, strlen (line));
      free (line);
    }
  free (msg);
  errno = saved;
}
