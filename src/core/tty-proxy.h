/* `cove run` in the foreground with process.terminal and no
 * --console-socket: the runtime itself holds the pty master and copies
 * between it and its own stdio until the container's init exits. */
#ifndef COVE_TTY_PROXY_H
#define COVE_TTY_PROXY_H

#include <sys/types.h>

/* Copies stdin → master and master → stdout (stdin in raw mode when it
 * is a terminal, restored after) until the process behind pidfd exits
 * and the master is drained.  Closes master. */
void tty_proxy_run (int master, int pidfd);
/* Give the pty our terminal's size now, before the container starts and
 * may read it (the relay itself starts only after `start`). */
void tty_proxy_copy_size (int master);
/* Call from a SIGWINCH handler context: marks the size as stale. */
void tty_proxy_winch (void);

#endif
