/* A tiny TAP producer for the unit tests (one test program per file):
 *   plan (n) or no plan; ok (cond, "name %d", ...); is_str (got, want, name);
 *   is_int (got, want, name); skip (n, why); diag (fmt, ...);
 *   return done_testing ();   -- exit status 1 when anything failed.
 * skip_all (why) exits 77, automake's "skipped". */
#ifndef COVE_TAP_H
#define COVE_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_planned = -1, tap_run, tap_failed;

static inline void
plan (int n)
{
  tap_planned = n;
  printf ("1..%d\n", n);
}

static inline __attribute__ ((format (printf, 1, 2))) void
diag (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  fputs ("# ", stdout);
  vprintf (fmt, ap);
  putchar ('\n');
  va_end (ap);
}

static inline __attribute__ ((format (printf, 4, 5))) bool
tap_ok (bool pass, const char *file, int line, const char *fmt, ...)
{
  va_list ap;
  tap_run++;
  printf ("%sok %d - ", pass ? "" : "not ", tap_run);
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  putchar ('\n');
  if (!pass)
    {
      tap_failed++;
      diag ("  failed at %s:%d", file, line);
    }
  fflush (stdout);
  return pass;
}

#define ok(cond, ...) tap_ok (!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* NULL-safe string comparison; shows both values on failure. */
#define is_str(got, want, ...)                                                                     \
  do                                                                                               \
    {                                                                                              \
      const char *tap_g_ = (got), *tap_w_ = (want);                                                \
      bool tap_same_ = tap_g_ && tap_w_ ? strcmp (tap_g_, tap_w_) == 0 : tap_g_ == tap_w_;         \
      if (!tap_ok (tap_same_, __FILE__, __LINE__, __VA_ARGS__))                                    \
        diag ("  got:  %s\n#   want: %s", tap_g_ ? tap_g_ : "(null)", tap_w_ ? tap_w_ : "(null)"); \
    }                                                                                              \
  while (0)

#define is_int(got, want, ...)                                                                     \
  do                                                                                               \
    {                                                                                              \
      long long tap_g_ = (long long) (got), tap_w_ = (long long) (want);                           \
      if (!tap_ok (tap_g_ == tap_w_, __FILE__, __LINE__, __VA_ARGS__))                             \
        diag ("  got: %lld, want: %lld", tap_g_, tap_w_);                                          \
    }                                                                                              \
  while (0)

static inline void
skip (int n, const char *why)
{
  for (int i = 0; i < n; i++)
    printf ("ok %d # SKIP %s\n", ++tap_run, why);
}

static inline __attribute__ ((noreturn)) void
skip_all (const char *why)
{
  printf ("1..0 # SKIP %s\n", why);
  exit (77);
}

static inline int
done_testing (void)
{
  if (tap_planned < 0)
    printf ("1..%d\n", tap_run);
  else if (tap_planned != tap_run)
    {
      diag ("planned %d tests but ran %d", tap_planned, tap_run);
      return 1;
    }
  if (tap_failed)
    diag ("%d of %d tests failed", tap_failed, tap_run);
  return tap_failed ? 1 : 0;
}

#endif
