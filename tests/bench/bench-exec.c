/* bench-exec: runs a sequence of commands and records wall time, CPU time and peak RSS of each.
 *
 * Built by tests/bench/run.sh with plain `cc` into its temp dir (it is not part of the automake
 * build, so it does not include config.h).
 *
 * Usage: bench-exec [-o FILE] [-p PREFIX] [-t SECONDS] STEP [::: STEP]...
 *   STEP = LABEL PROGRAM [ARG]...   spawn PROGRAM, wait4 () for it
 *        | LABEL @reap              wait for every orphan re-parented to us (see below)
 *
 * For each step one line is appended to FILE (default stdout):
 *   PREFIX LABEL WALL_US USER_US SYS_US MAXRSS_KB STATUS
 * STATUS is the exit code, 128+N for death by signal N, 124 when @reap timed out and 127 when
 * PROGRAM could not be spawned.  USER/SYS come from wait4 (), so they include every descendant
 * that the program itself reaped; MAXRSS is the largest single process among them, not a sum.
 *
 * We are a child subreaper: a runtime's `create` exits and leaves the container process behind,
 * which is then re-parented to us instead of to init.  `@reap` waits for those orphans, so the
 * container is known to have exited before `delete` runs, and their CPU time is accounted
 * instead of being lost to init.  A step that fails does not stop the sequence (a failed
 * `create` must still be followed by its `delete`); the exit code is 1 if any step failed.  */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define SEP ":::"

struct sample
{
  long long wall_us;
  long long user_us;
  long long sys_us;
  long maxrss_kb;
  int status;
};

static volatile sig_atomic_t timed_out;

static void
on_alarm (int sig)
{
  (void) sig;
  timed_out = 1;
}

static long long
now_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long
tv_us (const struct timeval *tv)
{
  return (long long) tv->tv_sec * 1000000 + tv->tv_usec;
}

static int
decode_status (int wstatus)
{
  if (WIFEXITED (wstatus))
    return WEXITSTATUS (wstatus);
  if (WIFSIGNALED (wstatus))
    return 128 + WTERMSIG (wstatus);
  return 255;
}

static void
add_usage (struct sample *s, const struct rusage *ru)
{
  s->user_us += tv_us (&ru->ru_utime);
  s->sys_us += tv_us (&ru->ru_stime);
  if (ru->ru_maxrss > s->maxrss_kb)
    s->maxrss_kb = ru->ru_maxrss;
}

/* posix_spawn uses CLONE_VFORK, so the time we add to the measurement is a fraction of a
   fork (); the same overhead lands on every subject and on the kernel floor alike.  stdin is
   /dev/null so that no runtime sits waiting on the terminal.  */
static void
run_program (char **argv, struct sample *s)
{
  posix_spawn_file_actions_t fa;
  struct rusage ru;
  long long t0;
  pid_t pid;
  int wstatus, r;

  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_addopen (&fa, 0, "/dev/null", O_RDONLY, 0);

  t0 = now_us ();
  r = posix_spawnp (&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy (&fa);
  if (r != 0)
    {
      fprintf (stderr, "bench-exec: cannot run %s: %s\n", argv[0], strerror (r));
      s->status = 127;
      return;
    }
  while (wait4 (pid, &wstatus, 0, &ru) < 0)
    if (errno != EINTR)
      {
        perror ("bench-exec: wait4");
        s->status = 255;
        return;
      }
  s->wall_us = now_us () - t0;
  add_usage (s, &ru);
  s->status = decode_status (wstatus);
}

/* Waits until no child is left, or until the timeout: SIGALRM is installed without SA_RESTART
   so that it interrupts the blocking wait4 ().  */
static void
reap_orphans (unsigned timeout, struct sample *s)
{
  struct rusage ru;
  long long t0 = now_us ();
  int wstatus;

  timed_out = 0;
  alarm (timeout);
  for (;;)
    {
      pid_t pid = wait4 (-1, &wstatus, 0, &ru);

      if (pid > 0)
        {
          add_usage (s, &ru);
          continue;
        }
      if (errno == EINTR && !timed_out)
        continue;
      if (errno != ECHILD)
        s->status = timed_out ? 124 : 255;
      break;
    }
  alarm (0);
  s->wall_us = now_us () - t0;
}

static void
usage (void)
{
  fputs ("usage: bench-exec [-o FILE] [-p PREFIX] [-t SECONDS] LABEL PROGRAM [ARG]... "
         "[::: LABEL PROGRAM|@reap [ARG]...]...\n",
         stderr);
  exit (2);
}

int
main (int argc, char **argv)
{
  struct sigaction sa;
  const char *prefix = "-";
  unsigned timeout = 10;
  FILE *out = stdout;
  int failed = 0;
  int opt, i;

  while ((opt = getopt (argc, argv, "+o:p:t:")) != -1)
    switch (opt)
      {
      case 'o':
        out = fopen (optarg, "a");
        if (out == NULL)
          {
            perror (optarg);
            return 2;
          }
        break;
      case 'p':
        prefix = optarg;
        break;
      case 't':
        timeout = (unsigned) atoi (optarg);
        break;
      default:
        usage ();
      }
  if (optind + 2 > argc)
    usage ();

  if (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    {
      perror ("bench-exec: PR_SET_CHILD_SUBREAPER");
      return 2;
    }
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigaction (SIGALRM, &sa, NULL);

  /* Split argv in place at each ":::" so every step is a NULL-terminated vector.  */
  for (i = optind; i < argc;)
    {
      struct sample s = { 0 };
      char *label = argv[i];
      char **cmd = &argv[i + 1];
      int end = i + 1;

      while (end < argc && strcmp (argv[end], SEP) != 0)
        end++;
      if (end == i + 1)
        usage ();
      argv[end] = NULL;

      if (strcmp (cmd[0], "@reap") == 0)
        reap_orphans (timeout, &s);
      else
        run_program (cmd, &s);

      fprintf (out, "%s %s %lld %lld %lld %ld %d\n", prefix, label, s.wall_us, s.user_us,
               s.sys_us, s.maxrss_kb, s.status);
      fflush (out);
      if (s.status != 0)
        failed = 1;
      i = end + 1;
    }
  return failed;
}
