/* The state root (<root>/<id>/): state.json, the saved config, the exec
 * fifo; ids, locking, and deriving a container's status. */
#ifndef COVE_STATE_H
#define COVE_STATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

#define STATE_FILE "state.json"
#define STATE_CONFIG "config.json"
#define STATE_FIFO "exec.fifo"

/* What cove remembers of a container between commands. */
struct cstate
{
  char *id;
  pid_t pid;
  unsigned long long start_time; /* of pid, defeats pid reuse */
  char *bundle;
  char *rootfs;
  char *created; /* RFC 3339, UTC */
  char *owner;
  bool own_pidns; /* a new pid namespace: killing init kills all */
  bool creating;  /* written by a create still in flight (it holds the lock) */
  unsigned long long mntns_dev; /* the container's mount namespace, */
  unsigned long long mntns_ino; /* which all its processes share, */
  unsigned long long root_dev;  /* and its rootfs, their root */
  unsigned long long root_ino;
  char *cgroup_path; /* "" when the container has no cgroup */
  unsigned cgroup_created_depth; /* trailing components create made (0: none) */
};

enum cstatus
{
  CSTATUS_CREATING,
  CSTATUS_CREATED,
  CSTATUS_RUNNING,
  CSTATUS_PAUSED,
  CSTATUS_STOPPED
};

const char *cstatus_name (enum cstatus s);

/* No '/', no leading '.', printable, at most 1024 bytes. */
int state_validate_id (const char *id, rt_error_t *err);
/* Open (creating with 0700 if missing) the state root; O_PATH|O_DIRECTORY. */
int state_root_open (const char *root, bool create, rt_error_t *err);
/* mkdirat the container dir: fails with "container `id` already exists". */
int state_dir_create (int rootfd, const char *id, rt_error_t *err);
/* Open an existing container dir: "container `id` does not exist". */
int state_dir_open (int rootfd, const char *id, rt_error_t *err);
/* Remove the dir and its files (best effort on files, error on the dir). */
int state_dir_remove (int rootfd, const char *id, rt_error_t *err);
/* Exclusive flock on the container dir, released when dirfd closes. */
int state_lock (int dirfd, rt_error_t *err);

int state_write (int dirfd, const struct cstate *s, rt_error_t *err);
/* ENOENT of state.json sets *err with errnum ENOENT (a create in flight). */
int state_read (int dirfd, struct cstate *s, rt_error_t *err);
void cstate_clear (struct cstate *s);

/* Status from the pid, its start time and the fifo (present = created). */
enum cstatus state_status (int dirfd, const struct cstate *s);
/* Whether pid is still the process we started. */
bool state_pid_alive (const struct cstate *s);

/* NULL-terminated, malloc'd array of ids (sorted). */
char **state_list_ids (int rootfd);

/* The user owning the container's state dir, by name ("root"), else
 * the uid in decimal.  Looked up only for display (NSS is slow). */
char *state_owner (int dirfd);

/* "2026-11-27T08:11:10.123456789Z" */
char *state_now_rfc3339 (void);

#endif
