/* The container side: from the clone to execve of process.args. */
#ifndef COVE_INIT_H
#define COVE_INIT_H

#include <stdbool.h>

#include "seccomp-bpf.h"
#include "spec.h"

struct init_ctx
{
  const struct bundle *bundle; /* borrowed */
  const char *id;
  int sync_fd;      /* SOCK_SEQPACKET to the runtime, see sync.h */
  int fifo_fd;      /* exec fifo, read end: `start` writes one byte */
  int preserve_fds; /* fds 3 .. 3+preserve_fds-1 pass to the process */
  int listen_fds;   /* > 0: set LISTEN_FDS and LISTEN_PID for sd_listen_fds */
  bool userns;      /* clone made a new user namespace */
  const struct seccomp_filter *seccomp; /* compiled by the runtime; borrowed; NULL = none */
  bool no_pivot;
  bool no_new_keyring;
};

/* Never returns: execs the process, or reports over sync_fd and exits. */
__attribute__ ((noreturn)) void init_main (const struct init_ctx *ctx);

/* PATH lookup of args[0] inside the container (execvp semantics) with the
 * process env's PATH; errors say "executable file not found in $PATH",
 * "no such file or directory" or "permission denied" as engines expect. */
char *init_find_executable (const char *arg0, char **env, rt_error_t *err);

/* Shared with exec's child, which runs the same tail.  Both hand an fd to
 * the runtime over sock (see sync.h) and wait until it is delivered. */
/* Load a filter with SCMP_ACT_NOTIFY; its notify fd goes to the runtime,
 * which alone can reach listenerPath: call before READY. */
int init_load_seccomp_notify (int sock, const struct seccomp_filter *f, rt_error_t *err);
/* Open a pty, give the master to the runtime (for --console-socket), and
 * make the slave our controlling terminal and stdio, sized as process
 * asks; bind_console: also mount it over /dev/console (init only). */
int init_setup_terminal (int sock, const struct oci_process *p, bool bind_console,
                         rt_error_t *err);

#endif
