/* `cove exec`: run another process inside a running container, with the
 * same confinement as its init. */
#ifndef COVE_EXEC_H
#define COVE_EXEC_H

#include <stdbool.h>

#include "container.h"
#include "oci-spec.h"

/* What the command line can change of the config's process when no
 * --process file is given (runc's exec flags). */
struct exec_overrides
{
  char **args;           /* required without a process file */
  char **env;            /* appended (-e) */
  const char *cwd;       /* --cwd */
  const char *user;      /* -u uid[:gid] */
  char **additional_gids; /* -g, decimal strings */
  char **caps;           /* --cap, added to every set but ambient */
  bool no_new_privs;     /* --no-new-privs */
  const char *apparmor;  /* --apparmor */
  const char *label;     /* --process-label */
  bool tty;              /* -t */
};

struct exec_opts
{
  const char *id;
  const char *process_file; /* -p/--process, or NULL */
  struct exec_overrides ov;
  const char *console_socket;
  const char *pid_file;
  bool detach;
  bool ignore_paused;
  int preserve_fds;
  const char *cgroup_sub; /* --cgroup: a sub-cgroup of the container's, or NULL */
};

/* Builds the process (file, or the saved config's process plus the
 * overrides), joins the container and runs it.  Without detach, waits and
 * stores its exit status (128+signal when killed) in *status. */
int container_exec (const struct runtime_opts *rt, const struct exec_opts *o, int *status,
                    rt_error_t *err);

/* Exposed for unit tests: apply overrides to a process in place. */
int exec_apply_overrides (struct oci_process *p, const struct exec_overrides *ov,
                          rt_error_t *err);

#endif
