/* Unit tests for signal name parsing and naming (src/core/signals.c). */
#include <config.h>

#include <signal.h>

#include "signals.h"
#include "tap.h"

#define parses(s, want) is_int (signal_parse (s), want, "signal_parse (\"%s\")", s)
#define named(sig, want) is_str (signal_name (sig), want, "signal_name (%d)", (int) (sig))

static void
test_runc_forms (void)
{
  /* What runc's kill accepts, which also upper-cases the name first. */
  parses ("KILL", SIGKILL);
  parses ("SIGKILL", SIGKILL);
  parses ("9", SIGKILL);
  parses ("kill", SIGKILL);
  parses ("sigterm", SIGTERM);
  parses ("SigHup", SIGHUP);
  parses ("TERM", SIGTERM);
  parses ("15", SIGTERM);
  parses ("WINCH", SIGWINCH);
  parses ("SIGSTKFLT", SIGSTKFLT);
  parses ("SIGPWR", SIGPWR);
}

static void
test_aliases (void)
{
  parses ("IOT", SIGABRT);
  parses ("SIGCLD", SIGCHLD);
  parses ("POLL", SIGIO);
}

static void
test_realtime (void)
{
  /* glibc numbering, as kill -l shows it. */
  parses ("RTMIN", SIGRTMIN);
  parses ("SIGRTMIN", SIGRTMIN);
  parses ("RTMIN+0", SIGRTMIN);
  parses ("RTMIN+3", SIGRTMIN + 3);
  parses ("sigrtmin+15", SIGRTMIN + 15);
  parses ("RTMAX", SIGRTMAX);
  parses ("RTMAX-2", SIGRTMAX - 2);
  parses ("SIGRTMAX-0", SIGRTMAX);
  parses ("RTMIN+31", -1);
  parses ("RTMIN-1", -1);
  parses ("RTMAX+1", -1);
  parses ("RTMIN+", -1);
  parses ("RTMIN+x", -1);
}

static void
test_numbers (void)
{
  parses ("1", 1);
  parses ("64", 64);
  parses ("34", 34);
  parses ("0", -1); /* not a signal one can send */
  parses ("65", -1);
  parses ("-9", -1);
  parses ("9x", -1);
  parses ("99999999999999999999", -1);
}

static void
test_garbage (void)
{
  parses ("", -1);
  parses ("SIG", -1);
  parses ("FOO", -1);
  parses ("SIGSIGKILL", -1);
  parses (" KILL", -1);
  parses ("KILL ", -1);
  is_int (signal_parse (NULL), -1, "signal_parse (NULL)");
}

static void
test_names (void)
{
  int sig;
  bool roundtrip = true;

  named (SIGKILL, "SIGKILL");
  named (SIGTERM, "SIGTERM");
  named (SIGABRT, "SIGABRT"); /* canonical, not IOT */
  named (SIGCHLD, "SIGCHLD");
  named (SIGIO, "SIGIO");
  named (SIGSYS, "SIGSYS");
  named (SIGRTMIN, "SIGRTMIN");
  named (SIGRTMIN + 1, "SIGRTMIN+1");
  named (SIGRTMAX, "SIGRTMAX");
  named (SIGRTMAX - 1, "SIGRTMAX-1");
  named (0, NULL);
  named (-1, NULL);
  named (65, NULL);
  named (32, NULL); /* glibc's own real-time signals have no name */

  for (sig = 1; sig <= 64; sig++)
    {
      const char *name = signal_name (sig);
      if (name != NULL && signal_parse (name) != sig)
        {
          diag ("%d -> %s -> %d", sig, name, signal_parse (name));
          roundtrip = false;
        }
      if (name == NULL && sig != 32 && sig != 33)
        {
          diag ("%d has no name", sig);
          roundtrip = false;
        }
    }
  ok (roundtrip, "signal_parse (signal_name (n)) == n for 1..64");
}

int
main (void)
{
  test_runc_forms ();
  test_aliases ();
  test_realtime ();
  test_numbers ();
  test_garbage ();
  test_names ();
  return done_testing ();
}
