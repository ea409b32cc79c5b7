/* Running the criu binary: finding it in $PATH, its argument vector,
 * running it and reading the cause of a failure from its log, the criu
 * config file of org.criu.config, and `criu check` for `cove features`. */
#include <config.h>
#include "criu.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

void
criu_args_push (struct criu_args *a, char *s)
{
  if (a->n + 2 > a->cap)
    {
      a->cap = a->cap ? a->cap * 2 : 32;
      a->v = xrealloc (a->v, a->cap * sizeof *a->v);
    }
  a->v[a->n++] = s;
  a->v[a->n] = NULL;
}

void
criu_args_pushf (struct criu_args *a, const char *fmt, ...)
{
  va_list ap;
  char *s;

  va_start (ap, fmt);
  if (vasprintf (&s, fmt, ap) < 0)
    oom ();
  va_end (ap);
  criu_args_push (a, s);
}

void
criu_args_clear (struct criu_args *a)
{
  size_t i;
  for (i = 0; i < a->n; i++)
    free (a->v[i]);
  free (a->v);
  memset (a, 0, sizeof *a);
}

/* The modes criu's --manage-cgroups knows. */
int
criu_check_cgroups_mode (const char *mode, rt_error_t *err)
{
  static const char *const modes[] = { "soft", "full", "strict", "ignore" };
  size_t i;

  if (mode == NULL)
    return 0;
  for (i = 0; i < sizeof modes / sizeof *modes; i++)
    if (strcmp (mode, modes[i]) == 0)
      return 0;
  return rt_error_set (err, 0,
                       "--manage-cgroups-mode: `%s` is not soft, full, strict or ignore", mode);
}

/* criu, searched in $PATH (malloc'd), or NULL. */
static char *
find_criu (void)
{
  const char *path = getenv ("PATH");
  cleanup_free char *copy = xstrdup (path && *path ? path
                                                    : "/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                                                      "/usr/bin:/sbin:/bin");
  char *save = NULL, *dir;

  for (dir = strtok_r (copy, ":", &save); dir; dir = strtok_r (NULL, ":", &save))
    {
      char *f = xasprintf ("%s/criu", *dir ? dir : ".");
      if (access (f, X_OK) == 0)
        return f;
      free (f);
    }
  return NULL;
}

char *
criu_find (rt_error_t *err)
{
  char *criu = find_criu ();

  if (criu == NULL)
    rt_error_set (err, 0, "criu is not installed (no `criu` in $PATH): checkpoint and restore "
                          "need CRIU 3.x");
  return criu;
}


/* The text of criu's first error: the cause, later ones are fallout.
 * From its log, else from what it printed. malloc'd or NULL. */
static char *
criu_first_error (const char *log_path, const char *printed)
{
  cleanup_free char *log = NULL;
  const char *srcs[2];
  size_t i;
  rt_error_t tmp = NULL;

  if (log_path && read_file_at (AT_FDCWD, log_path, &log, NULL, &tmp) < 0)
    rt_error_free (&tmp);
  srcs[0] = log;
  srcs[1] = printed;
  for (i = 0; i < 2; i++)
    {
      const char *p = srcs[i] ? strstr (srcs[i], "Error (") : NULL;
      const char *msg, *end;

      if (p == NULL)
        continue;
      msg = strstr (p, "): ");
      end = strchr (p, '\n');
      if (msg == NULL || (end && msg > end))
        msg = p;
      else
        msg += 3;
      if (end == NULL)
        end = msg + strlen (msg);
      return xasprintf ("%.*s", (int) (end - msg), msg);
    }
  if (printed && *printed)
    {
      const char *end = strchr (printed, '\n');
      return xasprintf ("%.*s", (int) (end ? end - printed : (long) strlen (printed)), printed);
    }
  return NULL;
}

/* Runs criu argv (argv[0] the binary); its output is collected (criu logs
 * to log_path).  setup, if any, runs in the child before exec; its
 * failure is printed and ends the child.  0 when criu exited 0, else -1
 * with "criu VERB failed: <first error> (log: LOG)". */
int
criu_run (char **argv, const char *verb, const char *log_path, criu_child_setup_fn setup,
          void *arg, rt_error_t *err)
{
  int pipefd[2], status = 0;
  char buf[4096];
  cleanup_free char *out = NULL;
  size_t len = 0;
  ssize_t r;
  pid_t pid;

  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return rt_error_set (err, errno, "pipe");
  pid = fork ();
  if (pid < 0)
    {
      close (pipefd[0]);
      close (pipefd[1]);
      return rt_error_set (err, errno, "fork");
    }
  if (pid == 0)
    {
      int null = open ("/dev/null", O_RDONLY | O_CLOEXEC);
      if (setup && setup (arg) < 0)
        _exit (126);
      if (null >= 0)
        dup2 (null, 0);
      dup2 (pipefd[1], 1);
      dup2 (pipefd[1], 2);
      execv (argv[0], argv);
      dprintf (2, "exec %s: %s\n", argv[0], strerror (errno));
      _exit (127);
    }
  close (pipefd[1]);
  out = xmalloc (1);
  for (;;)
    {
      r = read (pipefd[0], buf, sizeof buf);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        break;
      if (len < 65536)
        {
          out = xrealloc (out, len + r + 1);
          memcpy (out + len, buf, r);
          len += r;
        }
    }
  out[len] = '\0';
  close (pipefd[0]);
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  {
    cleanup_free char *why = criu_first_error (log_path, out);
    if (why == NULL)
      why = WIFSIGNALED (status) ? xasprintf ("killed by signal %d", WTERMSIG (status))
                                 : xasprintf ("exit status %d", WEXITSTATUS (status));
    if (log_path)
      return rt_error_set (err, 0, "criu %s failed: %s (log: %s)", verb, why, log_path);
    return rt_error_set (err, 0, "criu %s failed: %s", verb, why);
  }
}

/* The criu config file of org.criu.config (runc's annotation). */
static const char *
criu_config_annotation (const struct oci_config *c)
{
  size_t i;

  for (i = 0; c && i < c->annotations.len; i++)
    if (strcmp (c->annotations.keys[i], "org.criu.config") == 0)
      return c->annotations.values[i];
  return NULL;
}

/* --config: the annotation's file, else /etc/criu/cove.conf if present
 * (runc reads /etc/criu/runc.conf the same way).  An empty annotation
 * turns the default off. */
void
criu_push_config (struct criu_args *a, const struct oci_config *c)
{
  const char *conf = criu_config_annotation (c);

  if (conf == NULL && access ("/etc/criu/cove.conf", R_OK) == 0)
    conf = "/etc/criu/cove.conf";
  if (conf && *conf)
    {
      criu_args_push (a, xstrdup ("--config"));
      criu_args_push (a, xstrdup (conf));
    }
}

int
criu_probe (char **why, rt_error_t *err)
{
  cleanup_free char *criu = find_criu ();
  rt_error_t tmp = NULL;
  char *argv[] = { criu, (char *) "check", NULL };

  (void) err;
  *why = NULL;
  if (criu == NULL)
    {
      *why = xstrdup ("criu is not installed");
      return 0;
    }
  if (criu_run (argv, "check", NULL, NULL, NULL, &tmp) < 0)
    {
      *why = xstrdup (tmp->msg);
      rt_error_free (&tmp);
    }
  return 0;
}

