/* What the shim publishes about its container: the status JSON (a file
 * rewritten atomically on every change, and the ctl `status` reply), the
 * exit file and the shim's pid file. */
#ifndef COVE_SHIM_STATUS_H
#define COVE_SHIM_STATUS_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/* Timestamps are RFC 3339 with nanoseconds, UTC; "" = none. */
#define STATUS_TIME_LEN 64

struct shim_status
{
  const char *id;     /* borrowed */
  const char *policy; /* borrowed, canonical text */
  /* A literal: starting, running, exited, restarting, stopping, stopped,
   * failed (the first instance could not start). */
  const char *state;
  pid_t shim_pid;
  pid_t container_pid; /* 0 while no container runs */
  unsigned restart_count;
  char started_at[STATUS_TIME_LEN]; /* of the current or last instance */
  bool has_exit;
  int exit_status; /* of the last instance: 0-255, 128+signal */
  char exit_time[STATUS_TIME_LEN];
  bool oom_killed;                       /* the last instance's cgroup saw an OOM kill */
  unsigned restart_delay_ms;             /* the delay of the last restart decided */
  char next_restart_at[STATUS_TIME_LEN]; /* while a restart is pending */
  char *error;                           /* owned: the last error (create failed...), NULL = none */
};

/* The wall clock now, in status form. */
void status_now (char buf[STATUS_TIME_LEN]);
/* The wall clock `ms` from now. */
void status_time_in (unsigned ms, char buf[STATUS_TIME_LEN]);

/* One line of JSON, newline included; ports_json is spliced in as the
 * "ports" value ("[]" when NULL).  Pure; malloc'd. */
char *status_to_json (const struct shim_status *st, const char *ports_json);

/* Write to a temporary name beside path and rename over it, so a reader
 * never sees a partial file. */
int status_write_atomic (const char *path, const char *data, size_t len, rt_error_t *err);
/* The exit status in decimal, atomically. */
int status_write_exit (const char *path, int exit_status, rt_error_t *err);

#endif
