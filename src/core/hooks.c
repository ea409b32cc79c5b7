/* OCI hooks: run a list of hooks in order, each with the state JSON on its
 * stdin, its output on our stderr, and its timeout enforced. */
#include <config.h>
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "signals.h"
#include "util.h"

/* Milliseconds of CLOCK_MONOTONIC. */
static long long
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Close every fd >= 3 except `keep` (itself >= 3).  close_range needs no
 * /proc, which createContainer hooks may not have; the walk of
 * /proc/self/fd is the fallback for kernels before 5.9. */
static int
close_all_but (int keep)
{
  if ((keep == 3 || syscall (SYS_close_range, 3, keep - 1, 0) == 0)
      && syscall (SYS_close_range, keep + 1, ~0U, 0) == 0)
    return 0;
  return close_fds_from (3, &keep, 1);
}

/* In the child, between fork and execve: only async-signal-safe calls
 * (the caller is single-threaded, so the opendir() fallback of
 * close_fds_from is safe too).  Never returns. */
__attribute__ ((noreturn)) static void
exec_hook (const struct oci_hook *h, int stdin_fd, int errpipe)
{
  char *default_argv[] = { h->path, NULL };
  char *empty_env[] = { NULL };
  sigset_t none;
  int sig, e;

  /* The hook starts clean: no blocked signals, no ignored ones (the
   * runtime ignores SIGPIPE, a hook must not inherit that). */
  for (sig = 1; sig < NSIG; sig++)
    signal (sig, SIG_DFL);
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  /* Own process group, so a timeout kills whatever it started too. */
  setpgid (0, 0);

  if (dup2 (stdin_fd, 0) < 0 || dup2 (2, 1) < 0)
    goto fail;
  /* No fd of the runtime leaks into a hook: not the sync socket, not the
   * state dir, not the exec fifo. */
  if (close_all_but (errpipe) < 0)
    goto fail;
  execve (h->path, h->args && h->args[0] ? h->args : default_argv, h->env ? h->env : empty_env);
fail:
  e = errno;
  (void) !write (errpipe, &e, sizeof e);
  _exit (127);
}

/* Write `json` to the hook's stdin while waiting for it to exit, so that a
 * hook which never reads cannot block us: the pipe is non-blocking and
 * only written when poll says there is room.  A hook that exits or closes
 * stdin early is fine (EPIPE is expected, and SIGPIPE is blocked by the
 * caller).  Returns 1 when the hook exited (status in *status), 0 on
 * timeout, -1 on error.  *in is closed once everything is written. */
static int
feed_and_wait (pid_t pid, int pidfd, int *in, const char *json, int timeout_s, int *status)
{
  size_t len = strlen (json), off = 0;
  long long deadline = timeout_s > 0 ? now_ms () + (long long) timeout_s * 1000 : -1;

  if (fcntl (*in, F_SETFL, O_NONBLOCK) < 0)
    return -1;
  for (;;)
    {
      struct pollfd pfd[2];
      nfds_t n = 0;
      int wait_ms = -1;
      pid_t r;

      r = waitpid (pid, status, WNOHANG);
      if (r == pid)
        return 1;
      if (r < 0 && errno != EINTR)
        return -1;
      if (deadline >= 0)
        {
          long long left = deadline - now_ms ();
          if (left <= 0)
            return 0;
          wait_ms = left > 1000000 ? 1000000 : (int) left;
        }
      if (pidfd >= 0)
        pfd[n++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
      else if (wait_ms < 0 || wait_ms > 20)
        wait_ms = 20; /* no pidfd: poll for the exit */
      if (*in >= 0)
        pfd[n++] = (struct pollfd){ .fd = *in, .events = POLLOUT };
      if (poll (pfd, n, wait_ms) < 0 && errno != EINTR)
        return -1;
      if (*in >= 0)
        {
          ssize_t w = write (*in, json + off, len - off);
          if (w > 0)
            off += w;
          /* All written, or the hook closed its end (EPIPE): EOF for it. */
          if ((w < 0 && errno != EAGAIN && errno != EINTR) || off == len)
            {
              close (*in);
              *in = -1;
            }
        }
    }
}

/* Runs one hook; `what` names it in messages. */
static int
run_hook (const struct oci_hook *h, const char *what, const char *json, rt_error_t *err)
{
  int in_pipe[2], err_pipe[2];
  cleanup_close int in_w = -1;
  cleanup_close int err_r = -1;
  cleanup_close int pidfd = -1;
  int timeout = h->has_timeout ? h->timeout : 0;
  int status = 0, exec_errno = 0;
  pid_t pid;
  int r;

  if (pipe2 (in_pipe, O_CLOEXEC) < 0)
    return rt_error_set (err, errno, "%s: pipe", what);
  if (pipe2 (err_pipe, O_CLOEXEC) < 0)
    {
      int saved = errno;
      close (in_pipe[0]);
      close (in_pipe[1]);
      return rt_error_set (err, saved, "%s: pipe", what);
    }
  in_w = in_pipe[1];
  err_r = err_pipe[0];
  pid = fork ();
  if (pid == 0)
    exec_hook (h, in_pipe[0], err_pipe[1]);
  close (in_pipe[0]);
  close (err_pipe[1]);
  if (pid < 0)
    return rt_error_set (err, errno, "%s: fork", what);

  /* We are the parent and have not reaped it: the pid cannot be reused
   * under us, so the pidfd names the hook for sure. */
  pidfd = syscall (SYS_pidfd_open, pid, 0);
  r = feed_and_wait (pid, pidfd, &in_w, json, timeout, &status);
  if (r <= 0)
    {
      int saved = errno;
      kill (-pid, SIGKILL);
      kill (pid, SIGKILL);
      while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
        ;
      if (r == 0)
        return rt_error_set (err, 0, "%s: timed out after %d s", what, timeout);
      return rt_error_set (err, saved, "%s: wait", what);
    }
  if (read (err_r, &exec_errno, sizeof exec_errno) == (ssize_t) sizeof exec_errno)
    return rt_error_set (err, exec_errno, "%s: exec", what);
  if (WIFEXITED (status) && WEXITSTATUS (status) != 0)
    return rt_error_set (err, 0, "%s: exited with status %d", what, WEXITSTATUS (status));
  if (WIFSIGNALED (status))
    {
      const char *name = signal_name (WTERMSIG (status));
      return rt_error_set (err, 0, "%s: killed by signal %d%s%s%s", what, WTERMSIG (status),
                           name ? " (" : "", name ? name : "", name ? ")" : "");
    }
  return 0;
}

/* A hook that exits without reading stdin makes our write fail with
 * EPIPE; SIGPIPE is blocked meanwhile so that it does not kill us, and any
 * pending instance is dropped before the old mask comes back. */
static void
block_sigpipe (sigset_t *old)
{
  sigset_t set;

  sigemptyset (&set);
  sigaddset (&set, SIGPIPE);
  sigprocmask (SIG_BLOCK, &set, old);
}

static void
restore_sigpipe (const sigset_t *old)
{
  if (!sigismember (old, SIGPIPE))
    {
      struct timespec zero = { 0, 0 };
      sigset_t set;

      sigemptyset (&set);
      sigaddset (&set, SIGPIPE);
      while (sigtimedwait (&set, NULL, &zero) == SIGPIPE)
        ;
    }
  sigprocmask (SIG_SETMASK, old, NULL);
}

int
hooks_run_one (const struct oci_hook *hook, const char *stage, size_t index,
               const char *state_json, rt_error_t *err)
{
  cleanup_free char *what = xasprintf ("%s hook `%s` (%s[%zu])", stage, hook->path, stage, index);
  sigset_t old;
  int ret;

  block_sigpipe (&old);
  ret = run_hook (hook, what, state_json ? state_json : "", err);
  restore_sigpipe (&old);
  return ret;
}

int
hooks_run (const struct oci_hook *hooks, size_t n, const char *stage, const char *state_json,
           rt_error_t *err)
{
  size_t i;
  int ret;

  for (i = 0; i < n; i++)
    {
      ret = hooks_run_one (&hooks[i], stage, i, state_json, err);
      if (ret < 0)
        return ret;
    }
  return 0;
}
