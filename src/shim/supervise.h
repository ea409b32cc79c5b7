/* The supervisor: drives `cove` through create, start, kill and delete of
 * one container, reaps it as the child subreaper, restarts it by policy
 * after a backoff delay, and stops it on request.  Every cove command runs
 * as a child of the shim without blocking the loop. */
#ifndef COVE_SHIM_SUPERVISE_H
#define COVE_SHIM_SUPERVISE_H

#include <stdbool.h>
#include <sys/resource.h>

#include "error.h"
#include "logs.h"
#include "loop.h"
#include "migrate.h"
#include "policy.h"
#include "proxy.h"

struct sup_config
{
  const char *cove; /* the runtime binary */
  const char *root; /* its --root, absolute */
  const char *id;
  const char *bundle;   /* absolute */
  const char *shim_dir; /* where cove's pid file and log go */
  struct restart_policy policy;
  int stop_signal;
  unsigned stop_timeout_s;
  bool terminal;              /* process.terminal: no stdio pipes, */
  const char *console_socket; /* but this --console-socket (logs_console_listen) */
  const char *status_path;
  const char *exit_path;
  /* The shim lowers its own oom_score_adj so that it outlives an OOM
   * container; each cove command gets this value back (NULL: unchanged). */
  const char *oom_score_adj;
  /* RLIMIT_NOFILE as the shim found it (the proxy raises its own), for
   * the same reason; NULL: unchanged. */
  const struct rlimit *nofile;
  /* --restore-from: the first instance is restored from these images
   * (cove restore) instead of created; NULL: create. */
  const char *restore_images;
};

/* What the shim as a whole is doing, for main and ctl. */
enum sup_phase
{
  SUP_STARTING,   /* the first create/start, or a restart in progress */
  SUP_RUNNING,    /* an instance runs */
  SUP_RESTARTING, /* an instance exited: deleting it, or waiting out the delay */
  SUP_STOPPING,   /* a stop or a manual restart is taking the instance down */
  SUP_MIGRATING,  /* checkpoint, hand-over, restore (migrate.h) */
  SUP_DONE        /* nothing left: the shim can end */
};

struct supervisor;

/* Borrows cfg's strings, lg and px (px may be NULL) for its lifetime. */
struct supervisor *sup_new (struct loop *l, const struct sup_config *cfg, struct logs *lg,
                            struct proxy *px, rt_error_t *err);
/* Called after every change of state (the status file is already
 * rewritten): the ctl waiters and the first-start report hook in here. */
void sup_set_observer (struct supervisor *s, void (*fn) (void *arg), void *arg);
/* The first create + start. */
void sup_begin (struct supervisor *s);
/* After SIGCHLD: reap every child (cove commands, the container, orphans
 * of a container without its own pid namespace). */
void sup_reap (struct supervisor *s);
/* Stop for good: the stop signal, --stop-timeout, SIGKILL, delete; cancels
 * any pending restart.  Idempotent. */
void sup_stop (struct supervisor *s);
/* Take the instance down as sup_stop does (or cancel the delay) and start
 * a fresh one at once, with the restart count and the delay reset, as
 * `docker restart` does.  Refused while a stop is in progress. */
int sup_restart (struct supervisor *s, rt_error_t *err);

enum sup_phase sup_phase (const struct supervisor *s);
/* Instances started so far (a restart waiter watches it grow). */
unsigned sup_generation (const struct supervisor *s);
/* Whether any instance ever started; after SUP_DONE without one,
 * sup_error says why. */
bool sup_ever_started (const struct supervisor *s);
const char *sup_error (const struct supervisor *s);
/* The last instance's exit status (0-255), 0 if none exited. */
int sup_exit_status (const struct supervisor *s);
/* The status document, as in the status file (malloc'd, one line). */
char *sup_status_json (const struct supervisor *s);
void sup_free (struct supervisor *s);

/* Start moving the running instance as req says (migrate.h has the
 * sequence); takes req's strings.  Refused unless an instance runs (and
 * has no terminal).  Stop and restart requests wait until it is over. */
int sup_migrate (struct supervisor *s, struct migrate_req *req, rt_error_t *err);
/* Migrations begun, and finished (done or failed): a ctl waiter's turn
 * has come when finished reaches the count it saw begin. */
unsigned sup_migrations_started (const struct supervisor *s);
unsigned sup_migrations_finished (const struct supervisor *s);
/* The last migration's outcome: *ok and its timings as JSON, or the
 * error message (malloc'd). */
char *sup_migration_result (const struct supervisor *s, bool *ok);

#endif
