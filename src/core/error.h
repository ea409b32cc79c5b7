/* Error objects: fallible core functions end in `rt_error_t *err`, return
 * -1 (or NULL) on failure with *err set, and leave *err alone on success. */
#ifndef COVE_ERROR_H
#define COVE_ERROR_H

#include <stdarg.h>

struct rt_error
{
  int errnum; /* 0 when no errno is attached */
  char *msg;
};
typedef struct rt_error *rt_error_t;

/* Both always return -1 so callers can `return rt_error_set (...)`. */
int rt_error_set (rt_error_t *err, int errnum, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
/* Prefix the existing message: "ctx: inner". */
int rt_error_wrap (rt_error_t *err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
void rt_error_free (rt_error_t *err);
/* "msg: strerror(errnum)" in a malloc'd string. */
char *rt_error_text (const rt_error_t err);

#endif
