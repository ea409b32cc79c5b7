/* Restart policies as Docker defines them (moby restartmanager): parsing,
 * and the decision after an exit as a pure function of its inputs. */
#ifndef COVE_SHIM_POLICY_H
#define COVE_SHIM_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* The delay before a restart: 100 ms, doubled after each restart, at most
 * one minute, and back to 100 ms after any run of 10 s or more. */
#define POLICY_DELAY_MIN_MS 100u
#define POLICY_DELAY_MAX_MS 60000u
#define POLICY_RESET_RUN_MS 10000u

enum restart_kind
{
  RESTART_NO,
  RESTART_ON_FAILURE,
  RESTART_ALWAYS,
  RESTART_UNLESS_STOPPED /* within one shim's lifetime: the same as always */
};

struct restart_policy
{
  enum restart_kind kind;
  unsigned max_retries; /* on-failure:N; 0 = no limit */
};

/* "no", "on-failure", "on-failure:N" (N >= 0), "always", "unless-stopped". */
int policy_parse (const char *s, struct restart_policy *p, rt_error_t *err);
/* The canonical text ("on-failure:3") into buf; returns buf. */
const char *policy_format (const struct restart_policy *p, char *buf, size_t size);

/* What happened, and what the supervisor remembers from before. */
struct restart_input
{
  int exit_status;        /* 0-255, 128+signal when killed */
  uint64_t run_ms;        /* how long the instance ran */
  unsigned restart_count; /* restarts made so far */
  unsigned prev_delay_ms; /* the delay chosen last time, 0 = none yet */
  bool manual_stop;       /* stopped by the user: never restart */
};

struct restart_decision
{
  bool restart;
  /* The delay before the restart.  Computed even when restart is false,
   * as moby does; the caller keeps it as the next prev_delay_ms. */
  unsigned delay_ms;
};

/* Pure: no clock, no state of its own. */
struct restart_decision policy_decide (const struct restart_policy *p,
                                       const struct restart_input *in);

#endif
