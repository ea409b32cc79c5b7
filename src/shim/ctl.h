/* The control socket: <shim dir>/shim.sock, one request line per
 * connection ("status", "stop", "restart", or "migrate" followed by its
 * words, each after a tab) and one reply line: the status JSON, "ok"
 * (stop: once nothing of the container is left; restart: once the fresh
 * instance runs), the migration's timings as JSON once it is over, or
 * "error: <message>". */
#ifndef COVE_SHIM_CTL_H
#define COVE_SHIM_CTL_H

#include <stdbool.h>

#include "error.h"
#include "loop.h"
#include "supervise.h"

#define CTL_SOCKET "shim.sock"

struct ctl;

/* Listen at dirfd/shim.sock (bound through /proc/self/fd, so a long state
 * root does not run into the 108-byte socket path limit). */
struct ctl *ctl_new (struct loop *l, int dirfd, rt_error_t *err);
/* The supervisor is known only after daemonizing. */
void ctl_attach (struct ctl *c, struct supervisor *s);
/* After each change of the supervisor: answers the waits that are over. */
void ctl_notify (void *ctl);
/* Answers whoever still waits, closes and removes the socket. */
void ctl_free (struct ctl *c);

/* Client: send cmd, return the reply line (malloc'd, no newline). */
char *ctl_request (int dirfd, const char *cmd, rt_error_t *err);

#endif
