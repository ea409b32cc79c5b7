/* The error object and its formatting. */
#include <config.h>
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int
error_setv (rt_error_t *err, int errnum, const char *fmt, va_list ap)
{
  rt_error_t e = xmalloc (sizeof *e);

  e->errnum = errnum;
  if (vasprintf (&e->msg, fmt, ap) < 0)
    oom ();
  rt_error_free (err);
  *err = e;
  return -1;
}

int
rt_error_set (rt_error_t *err, int errnum, const char *fmt, ...)
{
  va_list ap;
  int saved = errno;

  va_start (ap, fmt);
  error_setv (err, errnum, fmt, ap);
  va_end (ap);
  errno = saved;
  return -1;
}

int
rt_error_wrap (rt_error_t *err, const char *fmt, ...)
{
  va_list ap;
  char *prefix;
  char *msg;

  if (*err == NULL)
    return -1;
  va_start (ap, fmt);
  if (vasprintf (&prefix, fmt, ap) < 0)
    oom ();
  va_end (ap);
  msg = xasprintf ("%s: %s", prefix, (*err)->msg);
  free (prefix);
  free ((*err)->msg);
  (*err)->msg = msg;
  return -1;
}

void
rt_error_free (rt_error_t *err)
{
  if (err == NULL || *err == NULL)
    return;
  free ((*err)->msg);
  free (*err);
  *err = NULL;
}

char *
rt_error_text (const rt_error_t err)
{
  if (err == NULL)
    return xstrdup ("unknown error");
  if (err->errnum == 0)
    return xstrdup (err->msg);
  return xasprintf ("%s: %s", err->msg, strerror (err->errnum));
}
