/* The container's output, relayed into a log file in the CRI (k8s-file)
 * format: `<RFC3339Nano> stdout|stderr P|F <text>`, F for a line that
 * ends there, P for a piece of a longer one.  Output comes from two pipes
 * that live as long as the shim (cove create passes them on as the
 * container's stdout and stderr), or, with process.terminal, from the pty
 * master that cove create sends to the shim's console socket. */
#ifndef COVE_SHIM_LOGS_H
#define COVE_SHIM_LOGS_H

#include <stdint.h>

#include "error.h"
#include "loop.h"

/* A line longer than this is logged in P pieces of at most this size
 * (containerd's limit for CRI logs). */
#define LOGS_MAX_LINE 16384

struct logs;

/* Open (append) the log file; max_size > 0 rotates it to `path.1` before
 * an entry would make it larger.  The pipes are registered with the loop. */
struct logs *logs_new (struct loop *l, const char *path, uint64_t max_size, rt_error_t *err);
/* The write ends to give the container as fds 1 and 2; owned by logs. */
int logs_stdout_fd (const struct logs *lg);
int logs_stderr_fd (const struct logs *lg);
/* process.terminal: listen at dir/console.sock (in a private directory
 * under /tmp when that path is too long for a socket).  Returns the path
 * for --console-socket, owned by logs. */
const char *logs_console_listen (struct logs *lg, const char *dir, rt_error_t *err);
/* Read what is already buffered in the pipes and the pty (bounded), so
 * the last lines of an instance are logged before whatever comes next. */
void logs_drain (struct logs *lg);
/* Closes everything and removes the console socket. */
void logs_free (struct logs *lg);

#endif
