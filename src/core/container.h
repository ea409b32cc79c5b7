/* Host-side lifecycle: the one place that knows the order of create,
 * start, run, kill, delete and how each undoes itself on failure. */
#ifndef COVE_CONTAINER_H
#define COVE_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define RUNTIME_DEFAULT_ROOT "/run/cove"

struct runtime_opts
{
  const char *root; /* state root, absolute */
  bool systemd_cgroup;
  bool rootless;
};

struct create_opts
{
  const char *id;
  const char *bundle; /* NULL: cwd */
  const char *console_socket;
  const char *pid_file;
  bool no_pivot;
  bool no_new_keyring;
  int preserve_fds; /* includes listen_fds */
  int listen_fds;   /* $LISTEN_FDS of the caller: socket activation */
};

int container_create (const struct runtime_opts *rt, const struct create_opts *o, rt_error_t *err);
int container_start (const struct runtime_opts *rt, const char *id, rt_error_t *err);
/* create + start; unless detach, waits and stores the exit status
 * (128+signal when killed) and deletes the container. */
int container_run (const struct runtime_opts *rt, const struct create_opts *o, bool detach,
                   bool keep, int *status, rt_error_t *err);
int container_kill (const struct runtime_opts *rt, const char *id, int sig, bool all,
                    rt_error_t *err);
int container_delete (const struct runtime_opts *rt, const char *id, bool force, rt_error_t *err);
/* The state document, malloc'd JSON (pretty). */
int container_state (const struct runtime_opts *rt, const char *id, char **json, rt_error_t *err);

struct container_info
{
  char *id;
  int pid; /* 0 when stopped */
  const char *status;
  char *bundle;
  char *created;
  char *owner;
};
/* All containers under the root; *n entries, free with container_info_free. */
int container_list (const struct runtime_opts *rt, struct container_info **out, size_t *n,
                    rt_error_t *err);
void container_info_free (struct container_info *v, size_t n);

#endif
