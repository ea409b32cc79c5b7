/* The runtime ↔ init protocol, over a SOCK_SEQPACKET socketpair.
 *
 *   runtime (cove create)                     init (container side)
 *   ─────────────────────                     ─────────────────────
 *   clone ─────────────────────────────────▶  waits for GO
 *   write uid_map/gid_map (new userns)
 *   [MOUNT_FD + idmapped tree, per mount] ─▶  (kept for rootfs_prepare)
 *   GO ────────────────────────────────────▶  become root of the userns, time ns,
 *                                             uts, rootfs_prepare (mounts, /dev)
 *                     ◀──────────────────────  PREPARED
 *   prestart + createRuntime hooks
 *   HOOKS_DONE ────────────────────────────▶  createContainer hooks, pivot_root,
 *                                             sysctl, [pty: CONSOLE + master fd]
 *   [send master to --console-socket,
 *    CONSOLE_DONE] ────────────────────────▶  rootfs_finalize, cwd, rlimits,
 *                                             sched, exec path lookup
 *                     ◀──────────────────────  [listener: load seccomp, SECCOMP + fd]
 *   [send to listenerPath, SECCOMP_DONE] ──▶
 *                     ◀──────────────────────  READY
 *   write state.json and --pid-file, exit     waits for `start` on the exec fifo,
 *                                             then startContainer hooks, caps,
 *                                             user, no_new_privs, seccomp, execve
 *
 * At any point init may send ERROR with a one-line message and exit(1);
 * the runtime then kills it, removes everything it created and reports
 * the message.  EOF without READY means init died.
 */
#ifndef COVE_SYNC_H
#define COVE_SYNC_H

#include <stdint.h>

#include "error.h"

enum sync_type
{
  SYNC_GO = 1,      /* runtime → init: maps written, begin setup */
  SYNC_PREPARED,    /* init → runtime: mounts done, run createRuntime hooks */
  SYNC_HOOKS_DONE,  /* runtime → init: continue */
  SYNC_CONSOLE,     /* init → runtime: carries the pty master (SCM_RIGHTS) */
  SYNC_CONSOLE_DONE,/* runtime → init: master delivered */
  SYNC_READY,       /* init → runtime: waiting for start */
  SYNC_ERROR,       /* init → runtime: text holds the message */
  SYNC_MOUNT_FD,    /* runtime → init: text[0..3] = mount index, fd attached */
  SYNC_SECCOMP,     /* init → runtime: the seccomp notify fd (SCM_RIGHTS) */
  SYNC_SECCOMP_DONE,/* runtime → init: state and fd sent to listenerPath */
};

struct sync_msg
{
  uint32_t type;
  char text[4092];
};

/* Send a bare message of `type`. */
int sync_send (int fd, uint32_t type, rt_error_t *err);
/* Receive one message and an optional fd (-1 if none; O_CLOEXEC).
 * Returns the bytes received, 0 on EOF. */
int sync_recv (int fd, struct sync_msg *m, int *passed_fd, rt_error_t *err);
/* Child side: receive exactly `type`; _exit quietly on EOF (the runtime
 * died and nobody would continue us). */
int sync_expect (int fd, uint32_t type, rt_error_t *err);
/* Child side: report the error (stderr if the socket is gone) and
 * _exit(1). */
__attribute__ ((noreturn)) void sync_die (int fd, rt_error_t *err);

#endif
