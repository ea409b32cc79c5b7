/* Pseudo-terminals and the console socket protocol. */
#ifndef COVE_TERMINAL_H
#define COVE_TERMINAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Open /dev/ptmx of the current mount namespace (after pivot), unlock it
 * and open the slave.  Returns 0 with both fds (O_CLOEXEC). */
int term_open_pty (int *master, int *slave, rt_error_t *err);
/* Make slave the controlling terminal and stdio of the calling process
 * (setsid, TIOCSCTTY, dup2 0/1/2), and set the window size if given. */
int term_setup_slave (int slave, bool has_size, uint32_t rows, uint32_t cols, rt_error_t *err);
/* Connect to the unix socket at path and send fd with SCM_RIGHTS and a
 * short payload (the pty name); expects no reply. */
int term_send_to_socket (const char *path, int fd, const char *name, rt_error_t *err);
/* Send / receive one fd over a connected unix socket (the sync socket),
 * with data[0..len) as the payload of the same message.  fd_send with
 * fd < 0 sends the payload alone.  fd_recv returns the payload length and
 * sets *fd to the fd received (O_CLOEXEC) or -1 if the message had none. */
int fd_send (int sock, int fd, const void *data, size_t len, rt_error_t *err);
int fd_recv (int sock, int *fd, void *data, size_t len, rt_error_t *err);

#endif
