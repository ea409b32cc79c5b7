/* Unit tests for the restart policy (src/shim/policy.c): parsing, and the
 * decision after an exit as a table of cases from Docker's rules. */
#include <config.h>

#include "policy.h"
#include "tap.h"

static struct restart_policy
pol (const char *text)
{
  struct restart_policy p = { RESTART_NO, 0 };
  rt_error_t err = NULL;

  if (policy_parse (text, &p, &err) < 0)
    {
      diag ("policy_parse (\"%s\") failed: %s", text, err->msg);
      rt_error_free (&err);
    }
  return p;
}

static void
test_parse (void)
{
  static const struct
  {
    const char *text;
    int ok;
    enum restart_kind kind;
    unsigned max;
    const char *canonical;
  } cases[] = {
    { "no", 1, RESTART_NO, 0, "no" },
    { "on-failure", 1, RESTART_ON_FAILURE, 0, "on-failure" },
    { "on-failure:3", 1, RESTART_ON_FAILURE, 3, "on-failure:3" },
    { "on-failure:0", 1, RESTART_ON_FAILURE, 0, "on-failure" }, /* 0 = no limit, as Docker */
    { "always", 1, RESTART_ALWAYS, 0, "always" },
    { "unless-stopped", 1, RESTART_UNLESS_STOPPED, 0, "unless-stopped" },
    { "", 0, 0, 0, NULL },
    { "never", 0, 0, 0, NULL },
    { "on-failure:", 0, 0, 0, NULL },
    { "on-failure:-1", 0, 0, 0, NULL },
    { "on-failure:3x", 0, 0, 0, NULL },
    { "on-failure:99999999999", 0, 0, 0, NULL },
    { "always:3", 0, 0, 0, NULL },
    { "no:1", 0, 0, 0, NULL },
    { "Always", 0, 0, 0, NULL },
    { "on-failur", 0, 0, 0, NULL },
  };
  size_t i;

  for (i = 0; i < sizeof cases / sizeof *cases; i++)
    {
      struct restart_policy p = { RESTART_NO, 0 };
      rt_error_t err = NULL;
      int ret = policy_parse (cases[i].text, &p, &err);
      char buf[32];

      if (!cases[i].ok)
        {
          ok (ret < 0 && err != NULL && strstr (err->msg, "--restart") != NULL,
              "\"%s\" is refused with a message naming --restart", cases[i].text);
          rt_error_free (&err);
          continue;
        }
      ok (ret == 0 && p.kind == cases[i].kind && p.max_retries == cases[i].max,
          "\"%s\" parses (kind %d, max %u)", cases[i].text, (int) p.kind, p.max_retries);
      is_str (policy_format (&p, buf, sizeof buf), cases[i].canonical, "\"%s\" formats back",
              cases[i].text);
      rt_error_free (&err);
    }
}

/* The decision table: policy, exit status, run time, restarts so far,
 * previous delay, manual stop -> restart?, delay. */
static void
test_decide (void)
{
  static const struct
  {
    const char *policy;
    int exit_status;
    uint64_t run_ms;
    unsigned count;
    unsigned prev_delay;
    bool manual;
    bool restart;
    unsigned delay;
  } cases[] = {
    /* no: never. */
    { "no", 1, 0, 0, 0, false, false, 100 },
    { "no", 0, 0, 0, 0, false, false, 100 },
    { "no", 137, 20000, 5, 800, false, false, 100 },
    /* on-failure: only a non-zero exit, while count < N. */
    { "on-failure", 0, 0, 0, 0, false, false, 100 },
    { "on-failure", 1, 0, 0, 0, false, true, 100 },
    { "on-failure", 1, 0, 1000, 60000, false, true, 60000 }, /* no limit */
    { "on-failure", 143, 0, 0, 0, false, true, 100 },        /* killed counts as failure */
    { "on-failure:3", 1, 0, 0, 0, false, true, 100 },
    { "on-failure:3", 1, 0, 1, 100, false, true, 200 },
    { "on-failure:3", 1, 0, 2, 200, false, true, 400 },
    { "on-failure:3", 1, 0, 3, 400, false, false, 800 }, /* 3 restarts made: give up */
    { "on-failure:3", 1, 0, 4, 400, false, false, 800 },
    { "on-failure:3", 0, 0, 0, 0, false, false, 100 },
    { "on-failure:1", 2, 0, 0, 0, false, true, 100 },
    { "on-failure:1", 2, 0, 1, 100, false, false, 200 },
    /* always and unless-stopped: any exit. */
    { "always", 0, 0, 0, 0, false, true, 100 },
    { "always", 1, 0, 0, 0, false, true, 100 },
    { "always", 0, 0, 100000, 0, false, true, 100 }, /* no limit */
    { "unless-stopped", 0, 0, 0, 0, false, true, 100 },
    { "unless-stopped", 255, 0, 7, 3200, false, true, 6400 },
    /* A manual stop cancels every policy. */
    { "always", 0, 0, 0, 0, true, false, 100 },
    { "always", 137, 0, 0, 0, true, false, 100 },
    { "unless-stopped", 143, 0, 0, 0, true, false, 100 },
    { "on-failure", 1, 0, 0, 0, true, false, 100 },
    { "on-failure:5", 1, 0, 0, 0, true, false, 100 },
    /* The delay: 100 ms, doubling, at most one minute. */
    { "always", 1, 0, 1, 100, false, true, 200 },
    { "always", 1, 0, 2, 200, false, true, 400 },
    { "always", 1, 0, 9, 25600, false, true, 51200 },
    { "always", 1, 0, 10, 51200, false, true, 60000 },
    { "always", 1, 0, 11, 60000, false, true, 60000 },
    { "always", 1, 0, 11, 30000, false, true, 60000 },
    { "always", 1, 0, 11, 30001, false, true, 60000 },
    { "always", 1, 0, 11, 29999, false, true, 59998 },
    /* ... back to 100 ms after a run of 10 s or more. */
    { "always", 1, 9999, 5, 3200, false, true, 6400 },
    { "always", 1, 10000, 5, 3200, false, true, 100 },
    { "always", 1, 11000, 5, 60000, false, true, 100 },
    { "on-failure:3", 1, 11000, 2, 400, false, true, 100 },
    { "on-failure:3", 1, 11000, 3, 400, false, false, 100 }, /* still gives up */
    { "on-failure", 0, 11000, 0, 800, false, false, 100 },
  };
  size_t i;

  for (i = 0; i < sizeof cases / sizeof *cases; i++)
    {
      struct restart_policy p = pol (cases[i].policy);
      struct restart_input in = { cases[i].exit_status, cases[i].run_ms, cases[i].count,
                                  cases[i].prev_delay, cases[i].manual };
      struct restart_decision d = policy_decide (&p, &in);

      if (!ok (d.restart == cases[i].restart && d.delay_ms == cases[i].delay,
               "%s, exit %d, ran %llu ms, %u restarts, last delay %u%s -> %s after %u ms",
               cases[i].policy, cases[i].exit_status, (unsigned long long) cases[i].run_ms,
               cases[i].count, cases[i].prev_delay, cases[i].manual ? ", stopped" : "",
               cases[i].restart ? "restart" : "no restart", cases[i].delay))
        diag ("  got: %s after %u ms", d.restart ? "restart" : "no restart", d.delay_ms);
    }
}

/* The sequence the supervisor produces by feeding each delay back. */
static void
test_sequence (void)
{
  static const unsigned want[]
      = { 100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000 };
  struct restart_policy p = pol ("always");
  unsigned prev = 0, i;
  bool all = true;

  for (i = 0; i < sizeof want / sizeof *want; i++)
    {
      struct restart_input in = { 1, 50, i, prev, false };
      struct restart_decision d = policy_decide (&p, &in);
      if (d.delay_ms != want[i] || !d.restart)
        {
          diag ("  step %u: got %u, want %u", i, d.delay_ms, want[i]);
          all = false;
        }
      prev = d.delay_ms;
    }
  ok (all, "quick exits: 100, 200, 400 ... 51200, then 60000 ms");
}

int
main (void)
{
  test_parse ();
  test_decide ();
  test_sequence ();
  return done_testing ();
}
