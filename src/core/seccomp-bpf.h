/* linux.seccomp: compiled to a BPF program by the runtime, loaded by init.
 *
 * The file is not called seccomp.h: src/core is on the include path, and
 * that name would hide libseccomp's <seccomp.h>. */
#ifndef COVE_SECCOMP_BPF_H
#define COVE_SECCOMP_BPF_H

#include <linux/filter.h>
#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "oci-spec.h"

/* A filter ready for seccomp(2).  Plain memory with no libseccomp state:
 * the runtime compiles it before clone and init reads its own copy. */
struct seccomp_filter
{
  struct sock_filter *insns; /* owned */
  unsigned short len;        /* number of instructions */
  unsigned int flags;        /* SECCOMP_FILTER_FLAG_* passed to seccomp(2) */
  bool listener;             /* a rule notifies: flags has NEW_LISTENER */
};

/* Build the filter of `s` (NULL: no seccomp, *out = NULL).  Names were
 * checked by oci-spec; what this host's libseccomp does not know is
 * skipped with a debug log (architectures, syscall names), as runc does.
 * Fails on what cannot be honoured: a flag the kernel lacks, an argument
 * index > 5, errnoRet > 65535, an action the kernel lacks, a conflict
 * between rules.  Messages name the config path at fault. */
int seccomp_compile (const struct oci_seccomp *s, struct seccomp_filter **out, rt_error_t *err);
void seccomp_filter_free (struct seccomp_filter *f); /* NULL-safe */

static inline void
seccomp_filter_freep (struct seccomp_filter **f)
{
  seccomp_filter_free (*f);
}
#define cleanup_seccomp_filter __attribute__ ((cleanup (seccomp_filter_freep)))

/* Install the filter on the calling thread with seccomp(2).  Needs
 * no_new_privs or CAP_SYS_ADMIN in the current user namespace.  When the
 * filter has a listener, *notify_fd receives the notification fd
 * (O_CLOEXEC); otherwise it is set to -1 (notify_fd may be NULL then).
 * Every syscall after this one is filtered, its error path included. */
int seccomp_load_bpf (const struct seccomp_filter *f, int *notify_fd, rt_error_t *err);

/* The "container process state" for listenerPath (runtime-spec
 * config-linux.md): {ociVersion, fds:["seccompFd"], pid, metadata, state}.
 * state_json is the container's state document ("creating" at create),
 * pid the filtered process as the runtime sees it (init, or the process
 * of `exec`), metadata may be NULL.  Malloc'd. */
char *seccomp_listener_message (pid_t pid, const char *metadata, const char *state_json);
/* Connect to the AF_UNIX SOCK_STREAM socket at path, send message with
 * notify_fd as SCM_RIGHTS on the first sendmsg, close.  notify_fd stays
 * the caller's to close. */
int seccomp_send_to_listener (const char *path, int notify_fd, const char *message,
                              rt_error_t *err);

/* Whether the running kernel takes the named SECCOMP_FILTER_FLAG_* (for
 * the `features` document's supportedFlags). */
bool seccomp_flag_supported (const char *name);

#endif
