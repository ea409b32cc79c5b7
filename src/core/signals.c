/* Signal names and numbers for `kill` and for messages about how a process
 * died.  Pure code: no syscalls. */
#include <config.h>
#include "signals.h"

#include <ctype.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The kernel's highest signal: _NSIG - 1 = 64 on every Linux arch we build
 * for; SIGRTMAX is the same number. */
#define SIG_MAX (_NSIG - 1)

struct sig_entry
{
  const char *name; /* "SIGHUP": parsing skips the prefix */
  int num;
};

/* Canonical names first: signal_name() returns the first match for a
 * number, so the aliases (IOT, POLL, CLD) come after their canonical form. */
static const struct sig_entry sig_table[] = {
  { "SIGHUP", SIGHUP }, { "SIGINT", SIGINT }, { "SIGQUIT", SIGQUIT }, { "SIGILL", SIGILL },
  { "SIGTRAP", SIGTRAP }, { "SIGABRT", SIGABRT }, { "SIGBUS", SIGBUS }, { "SIGFPE", SIGFPE },
  { "SIGKILL", SIGKILL }, { "SIGUSR1", SIGUSR1 }, { "SIGSEGV", SIGSEGV }, { "SIGUSR2", SIGUSR2 },
  { "SIGPIPE", SIGPIPE }, { "SIGALRM", SIGALRM }, { "SIGTERM", SIGTERM },
  { "SIGSTKFLT", SIGSTKFLT }, { "SIGCHLD", SIGCHLD }, { "SIGCONT", SIGCONT },
  { "SIGSTOP", SIGSTOP }, { "SIGTSTP", SIGTSTP }, { "SIGTTIN", SIGTTIN }, { "SIGTTOU", SIGTTOU },
  { "SIGURG", SIGURG }, { "SIGXCPU", SIGXCPU }, { "SIGXFSZ", SIGXFSZ }, { "SIGVTALRM", SIGVTALRM },
  { "SIGPROF", SIGPROF }, { "SIGWINCH", SIGWINCH }, { "SIGIO", SIGIO }, { "SIGPWR", SIGPWR },
  { "SIGSYS", SIGSYS }, { "SIGIOT", SIGIOT }, { "SIGPOLL", SIGPOLL }, { "SIGCLD", SIGCHLD },
  { "SIGUNUSED", SIGSYS },
};

#define N_SIG_TABLE (sizeof sig_table / sizeof sig_table[0])

/* Parse a decimal number made only of digits; -1 when s is not one or is
 * out of [lo, hi]. */
static int
parse_decimal (const char *s, int lo, int hi)
{
  long v = 0;

  if (*s == '\0')
    return -1;
  for (; *s; s++)
    {
      if (!isdigit ((unsigned char) *s))
        return -1;
      v = v * 10 + (*s - '0');
      if (v > INT_MAX)
        return -1;
    }
  return v >= lo && v <= hi ? (int) v : -1;
}

/* "RTMIN", "RTMIN+3", "RTMAX", "RTMAX-2" (already without SIG).  The
 * numbers are glibc's SIGRTMIN/SIGRTMAX, i.e. what kill(1) and bash use:
 * glibc keeps the first two real-time signals for itself. */
static int
parse_realtime (const char *s)
{
  int base, off;

  if (strncasecmp (s, "RTMIN", 5) == 0)
    base = SIGRTMIN;
  else if (strncasecmp (s, "RTMAX", 5) == 0)
    base = SIGRTMAX;
  else
    return -1;
  s += 5;
  if (*s == '\0')
    return base;
  if ((base == SIGRTMIN && *s != '+') || (base == SIGRTMAX && *s != '-'))
    return -1;
  off = parse_decimal (s + 1, 0, SIGRTMAX - SIGRTMIN);
  if (off < 0)
    return -1;
  return base == SIGRTMIN ? base + off : base - off;
}

/* Accepts what runc's `kill` accepts ("KILL", "SIGKILL", "9"), without
 * regard to case as runc upper-cases before looking up, plus the real-time
 * forms.  Numbers must be 1..64: 0 is not a signal to send. */
int
signal_parse (const char *s)
{
  size_t i;

  if (s == NULL || *s == '\0')
    return -1;
  if (isdigit ((unsigned char) *s))
    return parse_decimal (s, 1, SIG_MAX);
  if (strncasecmp (s, "SIG", 3) == 0)
    s += 3;
  for (i = 0; i < N_SIG_TABLE; i++)
    if (strcasecmp (s, sig_table[i].name + 3) == 0)
      return sig_table[i].num;
  return parse_realtime (s);
}

/* Real-time names follow kill -l: the lower half counts up from RTMIN, the
 * upper half down from RTMAX.  Built once into static storage so callers
 * get a string that lives forever, like the table entries. */
static const char *
realtime_name (int sig)
{
  static char names[SIG_MAX + 1][16];
  int lo = SIGRTMIN, hi = SIGRTMAX;
  int mid = lo + (hi - lo) / 2;

  if (names[sig][0] == '\0')
    {
      if (sig == lo)
        snprintf (names[sig], sizeof names[sig], "SIGRTMIN");
      else if (sig == hi)
        snprintf (names[sig], sizeof names[sig], "SIGRTMAX");
      else if (sig <= mid)
        snprintf (names[sig], sizeof names[sig], "SIGRTMIN+%d", sig - lo);
      else
        snprintf (names[sig], sizeof names[sig], "SIGRTMAX-%d", hi - sig);
    }
  return names[sig];
}

const char *
signal_name (int sig)
{
  size_t i;

  if (sig >= SIGRTMIN && sig <= SIGRTMAX)
    return realtime_name (sig);
  for (i = 0; i < N_SIG_TABLE; i++)
    if (sig_table[i].num == sig)
      return sig_table[i].name;
  return NULL; /* 32 and 33 belong to glibc and have no name */
}
