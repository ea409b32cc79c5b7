/* The supervisor's state machine: one container instance at a time,
 * created, started, reaped, deleted and restarted through `cove`, as a
 * table of actions[state][event] (s6-supervise's shape).
 *
 * Each state either waits for one cove command (a child of the shim) or
 * waits for the world (the container, the backoff timer, the user):
 *
 *   CREATING -ok-> STARTING -ok-> RUNNING -exit-> DELETING -ok-> BACKOFF -timer-> CREATING
 *                                    |                `-- no restart --> DONE
 *                                    `-- stop, restart --> SIGNALLING -> STOP_WAIT -timeout->
 *                                        KILLING -> KILL_WAIT; after the exit: REMOVING -> DONE
 *                                        (or CREATING for a manual restart)
 *
 * A create or start that fails deletes what it left (DELETING) and lets
 * the policy decide as for a failed run; the very first one ends the shim.
 *
 * Events that concern a waiting state (the container's exit, the timer, a
 * stop or restart request) are held while a cove command runs and
 * delivered once it has finished, so no state ever has two things in
 * flight.  The restart decision itself is policy_decide (pure).
 *
 * A migration (migrate.h) is a detour from RUNNING through the MIG_
 * states, each one cove command or archive child; stop, restart and the
 * timer wait until it is back in RUNNING (or DONE), and the instance's
 * exit during the final dump is the migration's, not a crash. */
#include <config.h>
#include "supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "migrate.h"
#include "state.h"
#include "status.h"
#include "util.h"

enum sup_state
{
  ST_CREATING,   /* cmd: cove create */
  ST_STARTING,   /* cmd: cove start */
  ST_RUNNING,    /* wait: exit, stop, restart */
  ST_DELETING,   /* cmd: cove delete after an exit; then the policy */
  ST_BACKOFF,    /* wait: the restart delay */
  ST_SIGNALLING, /* cmd: cove kill ID <stop signal> */
  ST_STOP_WAIT,  /* wait: exit or --stop-timeout */
  ST_KILLING,    /* cmd: cove kill ID KILL */
  ST_KILL_WAIT,  /* wait: exit */
  ST_REMOVING,   /* cmd: cove delete after a stop */
  ST_MIG_PREDUMP, /* cmd: cove checkpoint --pre-dump (the instance runs) */
  ST_MIG_DUMP,    /* cmd: cove checkpoint (frozen, then gone); the proxy is held */
  ST_MIG_DELETE,  /* cmd: cove delete of the dumped instance */
  ST_MIG_EXPORT,  /* child: the archive (--export FILE, or --to's temporary one) */
  ST_MIG_IMPORT,  /* child: the archive into --to's bundle */
  ST_MIG_RESTORE, /* cmd: cove restore --detach (also --restore-from's first instance) */
  ST_DONE,
  N_STATES
};

/* In the order they are delivered when several are pending. */
enum sup_event
{
  EV_CMD_OK,     /* the cove command exited 0 */
  EV_CMD_FAILED, /* ... did not */
  EV_EXIT,       /* the instance's init was reaped */
  EV_STOP,
  EV_RESTART,
  EV_TIMER,
  N_EVENTS
};

#define BIT(ev) (1u << (ev))
/* Held while a cove command runs. */
#define HELD_EVENTS (BIT (EV_EXIT) | BIT (EV_STOP) | BIT (EV_RESTART) | BIT (EV_TIMER))

/* Children reaped before we knew who they were: the init of an instance
 * can die during create, before its pid file is read. */
#define N_ORPHANS 8

struct supervisor
{
  struct loop *loop;
  struct sup_config cfg;
  struct logs *logs;
  struct proxy *proxy;
  struct loop_source timer; /* timerfd, CLOCK_MONOTONIC */

  enum sup_state state;
  unsigned pending; /* BIT (event) */
  bool dispatching;

  pid_t cmd_pid; /* the cove command running, 0 = none */
  const char *cmd_verb;
  int cmd_wstatus;
  pid_t ctr_pid;   /* the instance's init while alive, else 0 */
  bool ctr_exists; /* cove knows an instance (created, not yet deleted) */
  struct
  {
    pid_t pid;
    int status;
  } orphans[N_ORPHANS];
  unsigned next_orphan;

  uint64_t start_ms, exit_ms; /* monotonic */
  char *cgroup_path;          /* of the instance, NULL = none */
  uint64_t oom_base;          /* its oom_kill counter at start */

  struct restart_decision decision; /* for the last exit */
  unsigned prev_delay_ms;
  bool manual_stop;       /* stop asked: never restart again */
  bool restart_requested; /* manual restart: start again once down */
  bool ever_started;
  unsigned generation;
  int last_exit;

  struct shim_status st;
  char policy_text[32];
  char *cove_log; /* --log of every cove command, its errors read back */
  char *pid_path; /* --pid-file of cove create */

  /* The migration in progress or the last one (migrate.h). */
  struct migrate_req mig_req;
  struct migrate_record mig;
  unsigned mig_started, mig_finished; /* counts, for the ctl waiters */
  unsigned mig_pre_done;              /* pre-dumps attempted */
  char *mig_parent;                   /* the last good pre-dump, NULL = none */
  bool mig_ctr_gone;                  /* the instance was reaped during the dump */
  int mig_ctr_ws;
  bool mig_initial;  /* --restore-from: restoring the first instance */
  bool mig_fallback; /* restoring where it was, after a failure */
  bool migrated;     /* exported: the container lives elsewhere now */
  const char *mig_bundle; /* the bundle the restore uses */
  char *mig_images;       /* the images the restore uses (owned) */
  char *mig_dir;          /* <shim dir>/migrate */
  char *bundle_owned;     /* cfg.bundle after a --to move */
  uint64_t mig_t_start, mig_t_freeze, mig_t_dumped;
  void (*observer) (void *);
  void *observer_arg;
};

static uint64_t
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
set_error (struct supervisor *s, char *msg)
{
  free (s->st.error);
  s->st.error = msg;
}

static int
wait_status_code (int ws)
{
  if (WIFSIGNALED (ws))
    return 128 + WTERMSIG (ws);
  return WIFEXITED (ws) ? WEXITSTATUS (ws) : 255;
}

/* ---- cove commands ------------------------------------------------------ */

/* In the child, between fork and exec: undo what the shim set up for
 * itself, which cove (and through it the container) would inherit. */
static void __attribute__ ((noreturn))
exec_cove (const struct supervisor *s, char **argv, bool container_stdio)
{
  sigset_t none;
  int null = open ("/dev/null", O_RDWR);

  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  signal (SIGPIPE, SIG_DFL);
  signal (SIGHUP, SIG_DFL);
  if (s->cfg.oom_score_adj != NULL)
    {
      int fd = open ("/proc/self/oom_score_adj", O_WRONLY);
      if (fd >= 0)
        {
          (void) write_all (fd, s->cfg.oom_score_adj, strlen (s->cfg.oom_score_adj));
          close (fd);
        }
    }
  if (s->cfg.nofile != NULL)
    (void) setrlimit (RLIMIT_NOFILE, s->cfg.nofile);
  if (null < 0)
    _exit (127);
  dup2 (null, 0);
  if (container_stdio && !s->cfg.terminal)
    {
      dup2 (logs_stdout_fd (s->logs), 1);
      dup2 (logs_stderr_fd (s->logs), 2);
    }
  else
    {
      dup2 (null, 1);
      dup2 (null, 2);
    }
  (void) close_fds_from (3, NULL, 0);
  execv (argv[0], argv);
  _exit (127);
}

/* Runs `cove --root R --log L VERB ARGS... ` as the one command in
 * flight; its end arrives as EV_CMD_OK or EV_CMD_FAILED. */
static int
spawn_cove (struct supervisor *s, const char *verb, const char *const *args, rt_error_t *err)
{
  const char *argv[24];
  size_t n = 0;
  pid_t pid;
  int fd;

  argv[n++] = s->cfg.cove;
  argv[n++] = "--root";
  argv[n++] = s->cfg.root;
  argv[n++] = "--log";
  argv[n++] = s->cove_log;
  argv[n++] = verb;
  while (*args != NULL && n < sizeof argv / sizeof *argv - 1)
    argv[n++] = *args++;
  argv[n] = NULL;
  /* Only this command's errors in the log. */
  fd = open (s->cove_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd >= 0)
    close (fd);
  pid = fork ();
  if (pid < 0)
    return rt_error_set (err, errno, "fork `cove %s`", verb);
  if (pid == 0)
    exec_cove (s, (char **) argv, strcmp (verb, "create") == 0 || strcmp (verb, "restore") == 0);
  s->cmd_pid = pid;
  s->cmd_verb = verb;
  return 0;
}

/* cove's own message from its --log ("<time> error: <msg>"), else how it
 * ended. */
static char *
cmd_error (const struct supervisor *s)
{
  cleanup_free char *text = NULL;
  rt_error_t err = NULL;
  size_t len;
  char *line, *msg = NULL, *save = NULL;

  if (read_file_at (AT_FDCWD, s->cove_log, &text, &len, &err) == 0)
    for (line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
      {
        char *p = strstr (line, " error: ");
        if (p != NULL)
          {
            free (msg);
            msg = xasprintf ("cove %s: %s", s->cmd_verb, p + 8);
          }
      }
  rt_error_free (&err);
  if (msg != NULL)
    return msg;
  if (WIFEXITED (s->cmd_wstatus) && WEXITSTATUS (s->cmd_wstatus) == 127)
    return xasprintf ("cove %s: cannot run `%s`", s->cmd_verb, s->cfg.cove);
  return xasprintf ("cove %s: failed with status %d", s->cmd_verb,
                    wait_status_code (s->cmd_wstatus));
}

/* ---- the instance ------------------------------------------------------- */

/* The cgroup's oom_kill counter (0 without a memory cgroup). */
static uint64_t
oom_count (const struct supervisor *s)
{
  struct cgroup cg;
  struct cg_stats cs;
  rt_error_t err = NULL;

  if (s->cgroup_path == NULL || *s->cgroup_path == '\0')
    return 0;
  if (cg_open (s->cgroup_path, &cg, &err) < 0)
    {
      rt_error_free (&err);
      return 0;
    }
  if (cg_stats (&cg, &cs, &err) < 0)
    {
      rt_error_free (&err);
      cs.memory_oom_kills = 0;
    }
  cg_close (&cg);
  return cs.memory_oom_kills;
}

/* The instance's cgroup, from cove's state.json. */
static void
load_cgroup_path (struct supervisor *s)
{
  rt_error_t err = NULL;
  struct cstate cs = { 0 };
  int rootfd, dirfd = -1;

  free (s->cgroup_path);
  s->cgroup_path = NULL;
  rootfd = state_root_open (s->cfg.root, false, &err);
  if (rootfd >= 0)
    dirfd = state_dir_open (rootfd, s->cfg.id, &err);
  if (dirfd >= 0 && state_read (dirfd, &cs, &err) == 0)
    s->cgroup_path = steal_ptr (&cs.cgroup_path);
  rt_error_free (&err);
  cstate_clear (&cs);
  if (dirfd >= 0)
    close (dirfd);
  if (rootfd >= 0)
    close (rootfd);
}

static void
proxy_follow (struct supervisor *s, pid_t pid)
{
  rt_error_t err = NULL;
  int fd = -1;

  if (s->proxy == NULL)
    return;
  if (pid > 0)
    {
      char path[64];
      snprintf (path, sizeof path, "/proc/%d/ns/net", (int) pid);
      fd = open (path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        {
          set_error (s, xasprintf ("port proxy: open `%s`: %s", path, strerror (errno)));
          return;
        }
    }
  if (proxy_set_netns (s->proxy, fd, &err) < 0)
    {
      set_error (s, rt_error_text (err));
      rt_error_free (&err);
    }
  if (fd >= 0)
    close (fd);
}

static void
record_exit (struct supervisor *s, int wstatus)
{
  s->exit_ms = now_ms ();
  s->last_exit = wait_status_code (wstatus);
  s->ctr_pid = 0;
  s->st.container_pid = 0;
  s->st.has_exit = true;
  s->st.exit_status = s->last_exit;
  status_now (s->st.exit_time);
  /* Before cove delete removes the cgroup. */
  s->st.oom_killed = oom_count (s) > s->oom_base;
}

static void
write_exit_file (struct supervisor *s)
{
  rt_error_t err = NULL;

  if (status_write_exit (s->cfg.exit_path, s->last_exit, &err) < 0)
    {
      set_error (s, rt_error_text (err));
      rt_error_free (&err);
    }
}

/* ---- transitions -------------------------------------------------------- */

static void after_delete (struct supervisor *s);

static void
spawn_or_fail (struct supervisor *s, enum sup_state next, const char *verb, const char *const *args)
{
  rt_error_t err = NULL;

  if (spawn_cove (s, verb, args, &err) == 0)
    {
      s->state = next;
      return;
    }
  /* fork failed: the shim gives up, but leaves no process running (the
   * init is our child until reaped: its pid is still its own). */
  set_error (s, rt_error_text (err));
  rt_error_free (&err);
  if (s->ctr_pid > 0)
    (void) kill (s->ctr_pid, SIGKILL);
  s->manual_stop = true;
  s->state = ST_DONE;
}

static void
spawn_create (struct supervisor *s)
{
  const char *args[8];
  size_t n = 0;

  args[n++] = "--bundle";
  args[n++] = s->cfg.bundle;
  args[n++] = "--pid-file";
  args[n++] = s->pid_path;
  if (s->cfg.console_socket != NULL)
    {
      args[n++] = "--console-socket";
      args[n++] = s->cfg.console_socket;
    }
  args[n++] = s->cfg.id;
  args[n] = NULL;
  (void) unlink (s->pid_path);
  /* Only children reaped from now on can be this instance's init. */
  memset (s->orphans, 0, sizeof s->orphans);
  s->ctr_exists = true;
  s->st.next_restart_at[0] = '\0';
  spawn_or_fail (s, ST_CREATING, "create", args);
}

static void
spawn_delete (struct supervisor *s, enum sup_state next)
{
  const char *args[] = { "--force", s->cfg.id, NULL };

  s->ctr_pid = 0; /* whatever of it is still there, delete kills */
  spawn_or_fail (s, next, "delete", args);
}

static void
spawn_kill (struct supervisor *s, enum sup_state next, int sig)
{
  char num[16];
  const char *args[] = { s->cfg.id, num, NULL };

  snprintf (num, sizeof num, "%d", sig);
  spawn_or_fail (s, next, "kill", args);
}

static void
timer_arm_at (struct supervisor *s, uint64_t mono_ms)
{
  struct itimerspec its
      = { { 0, 0 }, { (time_t) (mono_ms / 1000), (long) (mono_ms % 1000) * 1000000L } };

  if (mono_ms == 0)
    its.it_value.tv_nsec = 1; /* zero would disarm */
  (void) timerfd_settime (s->timer.fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void
timer_disarm (struct supervisor *s)
{
  struct itimerspec its = { { 0, 0 }, { 0, 0 } };

  (void) timerfd_settime (s->timer.fd, 0, &its, NULL);
  s->pending &= ~BIT (EV_TIMER);
}

/* A fresh instance now, as after `docker restart`: count and delay reset. */
static void
restart_now (struct supervisor *s)
{
  timer_disarm (s);
  s->restart_requested = false;
  s->manual_stop = false;
  s->st.restart_count = 0;
  s->prev_delay_ms = 0;
  s->st.restart_delay_ms = 0;
  spawn_create (s);
}

/* An instance that could not be created or started.  The first one ends
 * the shim (the caller sees the error); later ones count as a failed run
 * (exit status 127, as for a command that cannot run) for the policy. */
static void
fail_instance (struct supervisor *s, char *msg)
{
  set_error (s, msg);
  s->ctr_pid = 0;
  s->exit_ms = now_ms ();
  if (!s->ever_started || s->manual_stop)
    s->decision = (struct restart_decision){ false, 0 };
  else
    {
      struct restart_input in = { 127, 0, s->st.restart_count, s->prev_delay_ms, false };
      s->decision = policy_decide (&s->cfg.policy, &in);
      s->prev_delay_ms = s->decision.delay_ms;
    }
  if (s->ctr_exists)
    spawn_delete (s, ST_DELETING);
  else
    after_delete (s);
}

/* The instance is gone (deleted): restart it after the delay, or end. */
static void
after_delete (struct supervisor *s)
{
  uint64_t deadline, now = now_ms ();

  s->ctr_exists = false;
  if (s->pending & BIT (EV_RESTART))
    {
      s->pending &= ~BIT (EV_RESTART);
      restart_now (s);
      return;
    }
  if (s->manual_stop || !s->decision.restart)
    {
      s->state = ST_DONE;
      return;
    }
  s->st.restart_count++;
  s->st.restart_delay_ms = s->decision.delay_ms;
  /* The delay counts from the exit, not from the end of the delete. */
  deadline = s->exit_ms + s->decision.delay_ms;
  status_time_in (deadline > now ? (unsigned) (deadline - now) : 0, s->st.next_restart_at);
  timer_arm_at (s, deadline);
  s->state = ST_BACKOFF;
}

static void
begin_stop (struct supervisor *s)
{
  timer_arm_at (s, now_ms () + (uint64_t) s->cfg.stop_timeout_s * 1000);
  spawn_kill (s, ST_SIGNALLING, s->cfg.stop_signal);
}

/* ---- actions ------------------------------------------------------------ */

static void
act_created (struct supervisor *s)
{
  cleanup_free char *text = NULL;
  rt_error_t err = NULL;
  size_t len, i;
  long pid = 0;

  if (read_file_at (AT_FDCWD, s->pid_path, &text, &len, &err) == 0)
    pid = strtol (text, NULL, 10);
  if (pid <= 0 || pid > INT_MAX)
    {
      rt_error_free (&err);
      fail_instance (s, xasprintf ("cove create: no container pid in `%s`", s->pid_path));
      return;
    }
  for (i = 0; i < N_ORPHANS; i++)
    if (s->orphans[i].pid == pid)
      {
        s->orphans[i].pid = 0;
        fail_instance (s, xasprintf ("the container process exited before start (status %d)",
                                     wait_status_code (s->orphans[i].status)));
        return;
      }
  if (s->manual_stop)
    {
      spawn_delete (s, ST_REMOVING);
      return;
    }
  s->ctr_pid = (pid_t) pid;
  load_cgroup_path (s);
  s->oom_base = oom_count (s);
  {
    const char *args[] = { s->cfg.id, NULL };
    spawn_or_fail (s, ST_STARTING, "start", args);
  }
}

static void
act_create_failed (struct supervisor *s)
{
  s->ctr_exists = false; /* a failed create undoes itself */
  fail_instance (s, cmd_error (s));
}

static void
act_started (struct supervisor *s)
{
  s->ever_started = true;
  s->generation++;
  s->start_ms = now_ms ();
  status_now (s->st.started_at);
  s->st.container_pid = s->ctr_pid;
  s->st.oom_killed = false;
  set_error (s, NULL);
  proxy_follow (s, s->ctr_pid);
  s->state = ST_RUNNING;
}

static void
act_start_failed (struct supervisor *s)
{
  /* The process ran and is already gone: a normal, short run. */
  if (s->pending & BIT (EV_EXIT))
    act_started (s);
  else
    fail_instance (s, cmd_error (s));
}

/* An exit nobody asked for: the policy decides. */
static void
act_exited (struct supervisor *s)
{
  /* An instance that exits at once is reaped before cove start returns. */
  uint64_t run_ms = s->exit_ms > s->start_ms ? s->exit_ms - s->start_ms : 0;
  struct restart_input in
      = { s->last_exit, run_ms, s->st.restart_count, s->prev_delay_ms, s->manual_stop };

  s->decision = policy_decide (&s->cfg.policy, &in);
  s->prev_delay_ms = s->decision.delay_ms;
  proxy_follow (s, 0);
  logs_drain (s->logs);
  write_exit_file (s);
  spawn_delete (s, ST_DELETING);
}

static void
act_deleted (struct supervisor *s)
{
  if (!(WIFEXITED (s->cmd_wstatus) && WEXITSTATUS (s->cmd_wstatus) == 0))
    set_error (s, cmd_error (s));
  after_delete (s);
}

static void
act_backoff_over (struct supervisor *s)
{
  spawn_create (s);
}

static void
act_stop (struct supervisor *s)
{
  begin_stop (s);
}

static void
act_stop_idle (struct supervisor *s)
{
  timer_disarm (s);
  s->st.next_restart_at[0] = '\0';
  s->state = ST_DONE;
}

static void
act_restart_running (struct supervisor *s)
{
  s->restart_requested = true;
  begin_stop (s);
}

static void
act_restart_now (struct supervisor *s)
{
  restart_now (s);
}

static void
act_signalled (struct supervisor *s)
{
  /* A failed kill usually means the instance is exiting anyway; the
   * timeout still follows with SIGKILL. */
  s->state = ST_STOP_WAIT;
}

static void
act_stop_timeout (struct supervisor *s)
{
  spawn_kill (s, ST_KILLING, SIGKILL);
}

static void
act_killed (struct supervisor *s)
{
  /* Still our unreaped child, so its pid cannot have been reused. */
  if (s->ctr_pid > 0 && !(WIFEXITED (s->cmd_wstatus) && WEXITSTATUS (s->cmd_wstatus) == 0))
    (void) kill (s->ctr_pid, SIGKILL);
  s->state = ST_KILL_WAIT;
}

static void
act_stopped_exit (struct supervisor *s)
{
  timer_disarm (s);
  proxy_follow (s, 0);
  logs_drain (s->logs);
  write_exit_file (s);
  spawn_delete (s, ST_REMOVING);
}

static void
act_removed (struct supervisor *s)
{
  s->ctr_exists = false;
  if (s->restart_requested && !s->manual_stop)
    restart_now (s);
  else
    s->state = ST_DONE;
}

/* ---- migration ---------------------------------------------------------- */

static void mig_freeze (struct supervisor *s);
static void spawn_restore (struct supervisor *s, const char *images, const char *bundle);

static void
mig_hold (struct supervisor *s, bool hold)
{
  if (s->proxy != NULL)
    proxy_hold (s->proxy, hold);
}

static void
mig_set_error (struct supervisor *s, char *msg)
{
  free (s->mig.error);
  s->mig.error = msg;
}

/* The migration is over (s->mig.state says how); its files go. */
static void
mig_end (struct supervisor *s, const char *state)
{
  s->mig.state = state;
  s->mig_finished = s->mig_started;
  s->mig_initial = s->mig_fallback = false;
  free (s->mig_parent);
  s->mig_parent = NULL;
  free (s->mig_images);
  s->mig_images = NULL;
  /* After a failure the images and criu's logs stay for a look (the
   * error names them) until the next migration or the shim's end. */
  if (strcmp (state, "done") == 0)
    migrate_remove_dir (s->mig_dir);
  if (s->cfg.restore_images != NULL)
    migrate_remove_dir (s->cfg.restore_images);
}

static char *
mig_path (const struct supervisor *s, const char *name)
{
  return xasprintf ("%s/%s", s->mig_dir, name);
}

static void
spawn_checkpoint (struct supervisor *s, enum sup_state next, const char *images, bool pre_dump)
{
  const char *args[12];
  size_t n = 0;

  args[n++] = "--image-path";
  args[n++] = images;
  if (pre_dump)
    args[n++] = "--pre-dump";
  if (s->mig_parent != NULL)
    {
      args[n++] = "--parent-path";
      args[n++] = s->mig_parent;
    }
  /* Connections relayed at this moment cannot survive (their other end
   * is the proxy, in the old namespace), but they must not fail the dump. */
  args[n++] = "--tcp-established";
  args[n++] = s->cfg.id;
  args[n] = NULL;
  (void) mkdir (images, 0700);
  spawn_or_fail (s, next, "checkpoint", args);
}

static void
mig_next_pre_dump (struct supervisor *s)
{
  cleanup_free char *dir = NULL;

  if (s->mig_pre_done >= s->mig_req.pre_dumps)
    {
      mig_freeze (s);
      return;
    }
  dir = xasprintf ("%s/pre-%u", s->mig_dir, s->mig_pre_done++);
  spawn_checkpoint (s, ST_MIG_PREDUMP, dir, true);
}

/* From here until the restore, new connections wait in the backlog. */
static void
mig_freeze (struct supervisor *s)
{
  cleanup_free char *dir = mig_path (s, "final");

  s->mig_t_freeze = now_ms ();
  s->mig.pre_dump_ms = s->mig_t_freeze - s->mig_t_start;
  s->mig_ctr_gone = false;
  mig_hold (s, true);
  spawn_checkpoint (s, ST_MIG_DUMP, dir, false);
}

/* The instance exited on its own while a pre-dump ran: no migration. */
static bool
mig_abort_on_exit (struct supervisor *s)
{
  if (!(s->pending & BIT (EV_EXIT)))
    return false;
  mig_set_error (s, xstrdup ("the container exited during the migration"));
  mig_end (s, "failed");
  s->state = ST_RUNNING; /* EV_EXIT, still pending, goes to act_exited */
  return true;
}

static void
act_mig_predumped (struct supervisor *s)
{
  if (mig_abort_on_exit (s))
    return;
  /* Relative to the next image dir, a sibling (criu links it so). */
  free (s->mig_parent);
  s->mig_parent = xasprintf ("../pre-%u", s->mig_pre_done - 1);
  s->mig.pre_dumps = s->mig_pre_done;
  s->mig.incremental = true;
  mig_next_pre_dump (s);
}

static void
act_mig_predump_failed (struct supervisor *s)
{
  if (mig_abort_on_exit (s))
    return;
  /* Not fatal: the final dump copies everything instead (its parent, if
   * any, is the last pre-dump that worked). */
  mig_set_error (s, cmd_error (s));
  s->mig_pre_done = s->mig_req.pre_dumps;
  mig_freeze (s);
}

/* The dump worked: criu has killed the instance.  Reap it now if the
 * SIGCHLD is still on its way (it is our child, so the pid is still its
 * own): the id must be free, and two copies must never run. */
static void
act_mig_dumped (struct supervisor *s)
{
  s->mig_t_dumped = now_ms ();
  s->mig.dump_ms = s->mig_t_dumped - s->mig_t_freeze;
  if (s->ctr_pid > 0)
    {
      int ws;
      (void) kill (s->ctr_pid, SIGKILL);
      (void) waitpid (s->ctr_pid, &ws, 0);
      s->ctr_pid = 0;
      s->st.container_pid = 0;
    }
  mig_set_error (s, NULL);
  logs_drain (s->logs);
  spawn_delete (s, ST_MIG_DELETE);
}

static void
act_mig_dump_failed (struct supervisor *s)
{
  if (s->mig_parent != NULL && !s->mig_ctr_gone)
    {
      /* criu cannot build on the pre-dumps when a process appeared since
       * (a fork it did not see): dump everything, still frozen for the
       * clients (the proxy stays held). */
      cleanup_free char *dir = mig_path (s, "final");
      free (s->mig_parent);
      s->mig_parent = NULL;
      s->mig.incremental = false;
      migrate_remove_dir (dir);
      spawn_checkpoint (s, ST_MIG_DUMP, dir, false);
      return;
    }
  mig_set_error (s, cmd_error (s));
  mig_hold (s, false);
  mig_end (s, "failed");
  s->state = ST_RUNNING;
  if (s->mig_ctr_gone)
    {
      /* It died anyway: an ordinary exit. */
      record_exit (s, s->mig_ctr_ws);
      s->pending |= BIT (EV_EXIT);
    }
}

static void
spawn_archive (struct supervisor *s, enum sup_state next, bool import, const char *file,
               const char *bundle, const char *images)
{
  rt_error_t err = NULL;
  pid_t pid;
  int fd = open (s->cove_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  if (fd >= 0)
    close (fd);
  pid = import ? migrate_spawn_import (file, bundle, images, s->cove_log, &err)
               : migrate_spawn_export (bundle, images, file, s->cove_log, &err);
  if (pid < 0)
    {
      /* As a failed child: the next action restores where it was. */
      s->cmd_wstatus = 1 << 8;
      mig_set_error (s, rt_error_text (err));
      rt_error_free (&err);
      s->state = next;
      s->pending |= BIT (EV_CMD_FAILED);
      return;
    }
  s->cmd_pid = pid;
  s->cmd_verb = import ? "import" : "export";
  s->state = next;
}

static void
act_mig_deleted (struct supervisor *s)
{
  cleanup_free char *images = mig_path (s, "final");

  s->ctr_exists = false;
  if (s->mig_req.export_file != NULL)
    spawn_archive (s, ST_MIG_EXPORT, false, s->mig_req.export_file, s->cfg.bundle, images);
  else if (s->mig_req.to_bundle != NULL)
    {
      cleanup_free char *file = mig_path (s, "move.tar");
      spawn_archive (s, ST_MIG_EXPORT, false, file, s->cfg.bundle, images);
    }
  else
    spawn_restore (s, images, s->cfg.bundle);
}

/* Something after the dump failed: bring the instance back where it was,
 * from the same images. */
static void
mig_fall_back (struct supervisor *s)
{
  cleanup_free char *images = mig_path (s, "final");

  if (s->mig.error == NULL)
    mig_set_error (s, cmd_error (s));
  s->mig_fallback = true;
  spawn_restore (s, images, s->cfg.bundle);
}

static void
act_mig_exported (struct supervisor *s)
{
  cleanup_free char *file = NULL;
  cleanup_free char *images = NULL;

  if (s->mig_req.export_file != NULL)
    {
      /* The container lives on in the archive: the shim's work is done. */
      s->migrated = true;
      s->mig.restore_ms = now_ms () - s->mig_t_dumped;
      mig_end (s, "done");
      s->state = ST_DONE;
      return;
    }
  file = mig_path (s, "move.tar");
  images = mig_path (s, "images-to");
  spawn_archive (s, ST_MIG_IMPORT, true, file, s->mig_req.to_bundle, images);
}

static void
act_mig_imported (struct supervisor *s)
{
  cleanup_free char *images = mig_path (s, "images-to");

  spawn_restore (s, images, s->mig_req.to_bundle);
}

static void
spawn_restore (struct supervisor *s, const char *images, const char *bundle)
{
  const char *args[12];
  size_t n = 0;

  free (s->mig_images);
  s->mig_images = xstrdup (images);
  s->mig_bundle = bundle;
  args[n++] = "--image-path";
  args[n++] = s->mig_images;
  args[n++] = "--bundle";
  args[n++] = bundle;
  args[n++] = "--detach";
  args[n++] = "--pid-file";
  args[n++] = s->pid_path;
  args[n++] = "--tcp-established";
  args[n++] = s->cfg.id;
  args[n] = NULL;
  (void) unlink (s->pid_path);
  memset (s->orphans, 0, sizeof s->orphans);
  spawn_or_fail (s, ST_MIG_RESTORE, "restore", args);
}

static long
read_container_pid (struct supervisor *s)
{
  cleanup_free char *text = NULL;
  rt_error_t err = NULL;
  size_t len;
  long pid = 0;

  if (read_file_at (AT_FDCWD, s->pid_path, &text, &len, &err) == 0)
    pid = strtol (text, NULL, 10);
  rt_error_free (&err);
  return pid > 0 && pid <= INT_MAX ? pid : 0;
}

static void
act_mig_restored (struct supervisor *s)
{
  long pid = read_container_pid (s);
  bool initial = s->mig_initial;
  size_t i;

  s->ctr_exists = true;
  if (pid == 0)
    {
      fail_instance (s, xasprintf ("cove restore: no container pid in `%s`", s->pid_path));
      mig_hold (s, false);
      mig_end (s, "failed");
      return;
    }
  s->ctr_pid = (pid_t) pid;
  load_cgroup_path (s);
  s->oom_base = oom_count (s);
  proxy_follow (s, s->ctr_pid);
  mig_hold (s, false);
  if (s->mig_bundle != s->cfg.bundle)
    {
      /* Moved: later restarts run from the new bundle. */
      free (s->bundle_owned);
      s->bundle_owned = xstrdup (s->mig_bundle);
      s->cfg.bundle = s->bundle_owned;
    }
  if (!initial)
    {
      s->mig.restore_ms = now_ms () - s->mig_t_dumped;
      s->mig.downtime_ms = now_ms () - s->mig_t_freeze;
    }
  mig_end (s, s->mig_fallback ? "failed" : "done");
  s->state = ST_RUNNING;
  if (initial)
    act_started (s);
  else
    s->st.container_pid = s->ctr_pid;
  /* Restored and gone at once: its exit came before we knew its pid. */
  for (i = 0; i < N_ORPHANS; i++)
    if (s->orphans[i].pid == s->ctr_pid)
      {
        s->orphans[i].pid = 0;
        record_exit (s, s->orphans[i].status);
        s->pending |= BIT (EV_EXIT);
      }
}

static void
act_mig_restore_failed (struct supervisor *s)
{
  cleanup_free char *msg = cmd_error (s);

  s->ctr_exists = false; /* a failed restore leaves nothing */
  if (!s->mig_initial && !s->mig_fallback && s->mig_bundle != s->cfg.bundle)
    {
      mig_set_error (s, xstrdup (msg));
      mig_fall_back (s);
      return;
    }
  if (!s->mig_initial && s->mig.error == NULL)
    mig_set_error (s, xstrdup (msg));
  mig_hold (s, false);
  proxy_follow (s, 0);
  mig_end (s, "failed");
  /* The instance is lost: as a run that failed, the policy decides. */
  fail_instance (s, steal_ptr (&msg));
}

typedef void (*action) (struct supervisor *);

/* NULL: the event means nothing in that state (a stale timer, a stop
 * while already stopping...). */
/* clang-format off: one row per state reads as the table it is */
static const action actions[N_STATES][N_EVENTS] = {
  [ST_CREATING]   = { [EV_CMD_OK] = act_created,      [EV_CMD_FAILED] = act_create_failed },
  [ST_STARTING]   = { [EV_CMD_OK] = act_started,      [EV_CMD_FAILED] = act_start_failed },
  [ST_RUNNING]    = { [EV_EXIT] = act_exited,         [EV_STOP] = act_stop,
                      [EV_RESTART] = act_restart_running },
  [ST_DELETING]   = { [EV_CMD_OK] = act_deleted,      [EV_CMD_FAILED] = act_deleted },
  [ST_BACKOFF]    = { [EV_TIMER] = act_backoff_over,  [EV_STOP] = act_stop_idle,
                      [EV_RESTART] = act_restart_now },
  [ST_SIGNALLING] = { [EV_CMD_OK] = act_signalled,    [EV_CMD_FAILED] = act_signalled },
  [ST_STOP_WAIT]  = { [EV_EXIT] = act_stopped_exit,   [EV_TIMER] = act_stop_timeout },
  [ST_KILLING]    = { [EV_CMD_OK] = act_killed,       [EV_CMD_FAILED] = act_killed },
  [ST_KILL_WAIT]  = { [EV_EXIT] = act_stopped_exit },
  [ST_REMOVING]   = { [EV_CMD_OK] = act_removed,      [EV_CMD_FAILED] = act_removed },
  [ST_MIG_PREDUMP] = { [EV_CMD_OK] = act_mig_predumped, [EV_CMD_FAILED] = act_mig_predump_failed },
  [ST_MIG_DUMP]    = { [EV_CMD_OK] = act_mig_dumped,    [EV_CMD_FAILED] = act_mig_dump_failed },
  [ST_MIG_DELETE]  = { [EV_CMD_OK] = act_mig_deleted,   [EV_CMD_FAILED] = act_mig_deleted },
  [ST_MIG_EXPORT]  = { [EV_CMD_OK] = act_mig_exported,  [EV_CMD_FAILED] = mig_fall_back },
  [ST_MIG_IMPORT]  = { [EV_CMD_OK] = act_mig_imported,  [EV_CMD_FAILED] = mig_fall_back },
  [ST_MIG_RESTORE] = { [EV_CMD_OK] = act_mig_restored,  [EV_CMD_FAILED] = act_mig_restore_failed },
  [ST_DONE]       = { 0 },
};
/* clang-format on */

/* ---- dispatch and publication ------------------------------------------- */

static const char *
state_text (const struct supervisor *s)
{
  switch (s->state)
    {
    case ST_CREATING:
    case ST_STARTING:
      return "starting";
    case ST_RUNNING:
      return "running";
    case ST_DELETING:
      return s->decision.restart && !s->manual_stop ? "restarting" : "exited";
    case ST_BACKOFF:
      return "restarting";
    case ST_MIG_PREDUMP:
    case ST_MIG_DUMP:
    case ST_MIG_DELETE:
    case ST_MIG_EXPORT:
    case ST_MIG_IMPORT:
      return "migrating";
    case ST_MIG_RESTORE:
      return s->mig_initial ? "starting" : "migrating";
    case ST_DONE:
      if (s->migrated)
        return "migrated";
      if (s->manual_stop)
        return "stopped";
      return s->ever_started ? "exited" : "failed";
    default:
      return "stopping";
    }
}

char *
sup_status_json (const struct supervisor *s)
{
  struct shim_status st = s->st;
  cleanup_free char *ports = s->proxy ? proxy_ports_json (s->proxy) : NULL;

  st.state = state_text (s);
  if (s->mig.kind != NULL)
    return migrate_status_json (status_to_json (&st, ports), &s->mig);
  return status_to_json (&st, ports);
}

static void
publish (struct supervisor *s)
{
  cleanup_free char *json = sup_status_json (s);
  rt_error_t err = NULL;

  if (status_write_atomic (s->cfg.status_path, json, strlen (json), &err) < 0)
    rt_error_free (&err); /* the next change tries again; ctl status still works */
  if (s->observer)
    s->observer (s->observer_arg);
}

static bool
migrating (const struct supervisor *s)
{
  return s->state >= ST_MIG_PREDUMP && s->state <= ST_MIG_RESTORE;
}

/* A cove command runs, or a migration is under way (between two of its
 * commands too). */
static bool
busy (const struct supervisor *s)
{
  return s->cmd_pid > 0 || migrating (s);
}

static void
raise_event (struct supervisor *s, enum sup_event ev)
{
  bool acted = false;

  s->pending |= BIT (ev);
  if (s->dispatching)
    return;
  s->dispatching = true;
  for (;;)
    {
      int e;

      for (e = 0; e < N_EVENTS; e++)
        if ((s->pending & BIT (e)) && !(busy (s) && (HELD_EVENTS & BIT (e))))
          break;
      if (e == N_EVENTS)
        break;
      s->pending &= ~BIT (e);
      if (actions[s->state][e] != NULL)
        {
          actions[s->state][e](s);
          acted = true;
        }
    }
  s->dispatching = false;
  if (acted)
    publish (s);
}

/* ---- public ------------------------------------------------------------- */

static void
on_timer (struct loop_source *src, uint32_t events)
{
  struct supervisor *s = (struct supervisor *) ((char *) src - offsetof (struct supervisor, timer));
  uint64_t ticks;

  if (read (src->fd, &ticks, sizeof ticks) == (ssize_t) sizeof ticks)
    raise_event (s, EV_TIMER);
}

struct supervisor *
sup_new (struct loop *l, const struct sup_config *cfg, struct logs *lg, struct proxy *px,
         rt_error_t *err)
{
  struct supervisor *s = xzalloc (sizeof *s);

  s->loop = l;
  s->cfg = *cfg;
  s->logs = lg;
  s->proxy = px;
  s->st.id = cfg->id;
  s->st.policy = policy_format (&cfg->policy, s->policy_text, sizeof s->policy_text);
  s->st.shim_pid = getpid ();
  s->cove_log = xasprintf ("%s/cove.log", cfg->shim_dir);
  s->pid_path = xasprintf ("%s/container.pid", cfg->shim_dir);
  s->mig_dir = xasprintf ("%s/migrate", cfg->shim_dir);
  s->state = ST_CREATING;
  s->timer.on_event = on_timer;
  s->timer.fd = timerfd_create (CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (s->timer.fd < 0 || loop_add (l, &s->timer, EPOLLIN) < 0)
    {
      rt_error_set (err, errno, "timerfd");
      sup_free (s);
      return NULL;
    }
  return s;
}

void
sup_set_observer (struct supervisor *s, void (*fn) (void *arg), void *arg)
{
  s->observer = fn;
  s->observer_arg = arg;
}

void
sup_begin (struct supervisor *s)
{
  if (s->cfg.restore_images != NULL)
    {
      /* --restore-from: the first instance comes from the images. */
      s->mig_initial = true;
      s->mig_started++;
      s->mig.kind = "restore-from";
      s->mig.state = "running";
      spawn_restore (s, s->cfg.restore_images, s->cfg.bundle);
    }
  else
    spawn_create (s);
  publish (s);
}

void
sup_reap (struct supervisor *s)
{
  for (;;)
    {
      int ws;
      pid_t pid = waitpid (-1, &ws, WNOHANG);

      if (pid <= 0)
        break;
      if (pid == s->cmd_pid)
        {
          s->cmd_pid = 0;
          s->cmd_wstatus = ws;
          raise_event (s, WIFEXITED (ws) && WEXITSTATUS (ws) == 0 ? EV_CMD_OK : EV_CMD_FAILED);
        }
      else if (pid == s->ctr_pid && s->state == ST_MIG_DUMP)
        {
          /* The dump ends the instance: the migration's, not a crash
           * (act_mig_dump_failed handles an exit of its own). */
          s->mig_ctr_gone = true;
          s->mig_ctr_ws = ws;
          s->ctr_pid = 0;
          s->st.container_pid = 0;
        }
      else if (pid == s->ctr_pid)
        {
          record_exit (s, ws);
          raise_event (s, EV_EXIT);
        }
      else
        {
          s->orphans[s->next_orphan].pid = pid;
          s->orphans[s->next_orphan].status = ws;
          s->next_orphan = (s->next_orphan + 1) % N_ORPHANS;
        }
    }
}

void
sup_stop (struct supervisor *s)
{
  if (s->state == ST_DONE)
    return;
  s->manual_stop = true;
  s->restart_requested = false;
  raise_event (s, EV_STOP);
}

int
sup_restart (struct supervisor *s, rt_error_t *err)
{
  switch (sup_phase (s))
    {
    case SUP_DONE:
      return rt_error_set (err, 0, "container `%s` is gone: the shim is ending", s->cfg.id);
    case SUP_STOPPING:
      if (s->manual_stop)
        return rt_error_set (err, 0, "container `%s` is being stopped", s->cfg.id);
      return 0; /* a restart is already under way */
    case SUP_STARTING:
      return 0; /* the instance coming up is the fresh one */
    default:
      if (s->manual_stop)
        return rt_error_set (err, 0, "container `%s` is being stopped", s->cfg.id);
      raise_event (s, EV_RESTART);
      return 0;
    }
}

enum sup_phase
sup_phase (const struct supervisor *s)
{
  switch (s->state)
    {
    case ST_CREATING:
    case ST_STARTING:
      return SUP_STARTING;
    case ST_RUNNING:
      return SUP_RUNNING;
    case ST_DELETING:
    case ST_BACKOFF:
      return SUP_RESTARTING;
    case ST_DONE:
      return SUP_DONE;
    case ST_MIG_RESTORE:
      return s->mig_initial ? SUP_STARTING : SUP_MIGRATING;
    case ST_MIG_PREDUMP:
    case ST_MIG_DUMP:
    case ST_MIG_DELETE:
    case ST_MIG_EXPORT:
    case ST_MIG_IMPORT:
      return SUP_MIGRATING;
    default:
      return SUP_STOPPING;
    }
}

unsigned
sup_generation (const struct supervisor *s)
{
  return s->generation;
}

bool
sup_ever_started (const struct supervisor *s)
{
  return s->ever_started;
}

const char *
sup_error (const struct supervisor *s)
{
  return s->st.error;
}

int
sup_exit_status (const struct supervisor *s)
{
  return s->last_exit;
}

void
sup_free (struct supervisor *s)
{
  if (s == NULL)
    return;
  if (s->timer.fd >= 0)
    {
      loop_del (s->loop, &s->timer);
      close (s->timer.fd);
    }
  (void) unlink (s->cove_log);
  (void) unlink (s->pid_path);
  migrate_remove_dir (s->mig_dir);
  free (s->cove_log);
  free (s->pid_path);
  free (s->cgroup_path);
  free (s->st.error);
  migrate_req_clear (&s->mig_req);
  free (s->mig.error);
  free (s->mig_parent);
  free (s->mig_images);
  free (s->mig_dir);
  free (s->bundle_owned);
  free (s);
}

int
sup_migrate (struct supervisor *s, struct migrate_req *req, rt_error_t *err)
{
  if (s->state != ST_RUNNING || s->manual_stop || (s->pending & BIT (EV_EXIT)))
    return rt_error_set (err, 0, "container `%s` is %s: only a running container migrates",
                         s->cfg.id, state_text (s));
  if (s->cfg.terminal)
    return rt_error_set (err, 0, "container `%s` has a terminal: it cannot migrate", s->cfg.id);
  if (req->to_bundle != NULL && strcmp (req->to_bundle, s->cfg.bundle) == 0)
    return rt_error_set (err, 0, "--to `%s` is the container's bundle already", req->to_bundle);
  migrate_remove_dir (s->mig_dir); /* a crashed shim's leftovers */
  if (mkdir (s->mig_dir, 0700) < 0)
    return rt_error_set (err, errno, "create `%s`", s->mig_dir);
  migrate_req_clear (&s->mig_req);
  s->mig_req = *req;
  memset (req, 0, sizeof *req); /* taken */
  free (s->mig.error);
  memset (&s->mig, 0, sizeof s->mig);
  s->mig.state = "running";
  s->mig.kind = s->mig_req.export_file ? "export" : s->mig_req.to_bundle ? "to" : "local";
  s->mig_started++;
  s->mig_pre_done = 0;
  s->mig_fallback = false;
  s->mig_t_start = now_ms ();
  mig_next_pre_dump (s);
  publish (s);
  return 0;
}

unsigned
sup_migrations_finished (const struct supervisor *s)
{
  return s->mig_finished;
}

unsigned
sup_migrations_started (const struct supervisor *s)
{
  return s->mig_started;
}

char *
sup_migration_result (const struct supervisor *s, bool *ok)
{
  *ok = s->mig.state != NULL && strcmp (s->mig.state, "done") == 0;
  if (!*ok)
    return xasprintf ("migration failed: %s%s", s->mig.error ? s->mig.error : "unknown error",
                      s->ctr_pid > 0 ? " (the container runs where it was)" : "");
  return xasprintf ("{\"kind\":\"%s\",\"pre_dumps\":%u,\"incremental\":%s,\"pre_dump_ms\":%llu,"
                    "\"dump_ms\":%llu,\"restore_ms\":%llu,\"downtime_ms\":%llu}",
                    s->mig.kind, s->mig.pre_dumps, s->mig.incremental ? "true" : "false",
                    (unsigned long long) s->mig.pre_dump_ms,
                    (unsigned long long) s->mig.dump_ms, (unsigned long long) s->mig.restore_ms,
                    (unsigned long long) s->mig.downtime_ms);
}
