/* Restart policies: the text form and the decision after each exit. */
#include <config.h>
#include "policy.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What each policy does with an exit; everything else (delay, manual
 * stop) is common to all of them. */
static const struct
{
  const char *name;
  bool on_success; /* restart after exit status 0 */
  bool on_failure; /* restart after a non-zero exit status */
  bool limited;    /* max_retries applies */
} rules[] = {
  [RESTART_NO] = { "no", false, false, false },
  [RESTART_ON_FAILURE] = { "on-failure", false, true, true },
  [RESTART_ALWAYS] = { "always", true, true, false },
  [RESTART_UNLESS_STOPPED] = { "unless-stopped", true, true, false },
};

int
policy_parse (const char *s, struct restart_policy *p, rt_error_t *err)
{
  const char *colon = strchr (s, ':');
  size_t name_len = colon ? (size_t) (colon - s) : strlen (s);
  size_t k;

  for (k = 0; k < sizeof rules / sizeof *rules; k++)
    if (strlen (rules[k].name) == name_len && strncmp (s, rules[k].name, name_len) == 0)
      break;
  if (k == sizeof rules / sizeof *rules)
    return rt_error_set (
        err, 0, "--restart `%s`: expected no, on-failure[:N], always or unless-stopped", s);
  p->kind = (enum restart_kind) k;
  p->max_retries = 0;
  if (colon == NULL)
    return 0;
  /* Docker accepts a count only with on-failure. */
  if (p->kind != RESTART_ON_FAILURE)
    return rt_error_set (err, 0, "--restart `%s`: only on-failure takes a maximum retry count", s);
  {
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul (colon + 1, &end, 10);
    if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || errno != 0 || v > UINT_MAX)
      return rt_error_set (err, 0, "--restart `%s`: the retry count must be a number >= 0", s);
    p->max_retries = (unsigned) v;
  }
  return 0;
}

const char *
policy_format (const struct restart_policy *p, char *buf, size_t size)
{
  if (p->kind == RESTART_ON_FAILURE && p->max_retries > 0)
    snprintf (buf, size, "%s:%u", rules[p->kind].name, p->max_retries);
  else
    snprintf (buf, size, "%s", rules[p->kind].name);
  return buf;
}

/* moby's order: reset after a long run, then start at the minimum or
 * double, then cap. */
static unsigned
next_delay (const struct restart_input *in)
{
  unsigned prev = in->run_ms >= POLICY_RESET_RUN_MS ? 0 : in->prev_delay_ms;

  if (prev == 0)
    return POLICY_DELAY_MIN_MS;
  if (prev >= POLICY_DELAY_MAX_MS / 2)
    return POLICY_DELAY_MAX_MS;
  return prev * 2;
}

struct restart_decision
policy_decide (const struct restart_policy *p, const struct restart_input *in)
{
  struct restart_decision d = { false, next_delay (in) };

  if (in->manual_stop)
    return d;
  d.restart = in->exit_status == 0 ? rules[p->kind].on_success : rules[p->kind].on_failure;
  if (d.restart && rules[p->kind].limited && p->max_retries > 0)
    d.restart = in->restart_count < p->max_retries;
  return d;
}
