/* Checkpoint and restore of a container through the criu binary (CLI,
 * not RPC): which of a container's resources are external to its image,
 * and how restore rebuilds the state dir so the normal lifecycle works. */
#ifndef COVE_CHECKPOINT_H
#define COVE_CHECKPOINT_H

#include <stdbool.h>

#include "container.h"
#include "error.h"

/* Name of the file, inside the image dir, where checkpoint saves what
 * restore needs besides criu's images: the external resources (bind
 * mounts, stdio, host files the processes hold, namespaces joined by
 * path, the terminal) and their keys, the dumped id, bundle and cgroup.
 * Text, one record a line (see checkpoint-descriptor.c).  Restore takes
 * the config from the new bundle. */
#define CHECKPOINT_DESCRIPTOR "cove-descriptor"

struct checkpoint_opts
{
  const char *image_path;          /* NULL: "./checkpoint" */
  const char *work_path;           /* NULL: the image dir */
  const char *parent_path;         /* previous pre-dump, relative to image_path or absolute */
  const char *manage_cgroups_mode; /* NULL, "soft", "full", "strict" or "ignore" */
  const char *page_server;         /* "ADDRESS:PORT" or NULL */
  bool leave_running;
  bool tcp_established;
  bool ext_unix_sk;
  bool shell_job;
  bool file_locks;
  bool pre_dump; /* memory only; the container keeps running */
  bool empty_ns; /* don't dump the network namespace: restore into an empty one */
  bool auto_dedup;
  int status_fd; /* > 0: cove writes one '\0' there once the dump is done,
                    then closes it; 0 or -1: none */
};

/* Dump running container `id` into o->image_path (made if missing) and
 * write the descriptor there.  Unless leave_running or pre_dump, the
 * container's processes are gone afterwards and the container is deleted
 * (state dir, cgroup), as runc does, so its id can be restored.  On
 * failure the container is left running and its state untouched; the
 * error names criu's first error and its log. */
int container_checkpoint (const struct runtime_opts *rt, const char *id,
                          const struct checkpoint_opts *o, rt_error_t *err);

struct restore_opts
{
  struct create_opts create; /* id (may differ from the dumped one), bundle,
                                console_socket, pid_file, no_pivot */
  const char *image_path;    /* NULL: "./checkpoint" */
  const char *work_path;     /* NULL: the image dir */
  const char *manage_cgroups_mode;
  const char *lsm_profile;       /* "apparmor:NAME" or "selinux:LABEL", or NULL */
  const char *lsm_mount_context; /* SELinux context for the restored mounts, or NULL */
  bool detach;
  bool tcp_established;
  bool ext_unix_sk;
  bool shell_job;
  bool file_locks;
};

/* Restore a container from o->image_path with the bundle's config.json
 * (its cgroupsPath may differ from the dumped one).  Afterwards the
 * container is running with the normal lifecycle (state, kill, exec,
 * delete).  Unless detach, waits for init, stores its exit status
 * (128+signal when killed) in *status and deletes the container, as
 * `run` does.  On failure nothing is left behind (state dir, cgroup,
 * processes). */
int container_restore (const struct runtime_opts *rt, const struct restore_opts *o, int *status,
                       rt_error_t *err);

/* The bundle of the container a checkpoint in image_path was made of
 * (malloc'd, as the descriptor records it): for export after a dump that
 * deleted the container. */
char *checkpoint_image_bundle (const char *image_path, rt_error_t *err);

/* Whether checkpoint can work here: 0 with *why NULL when `criu check`
 * passes; 0 with *why a malloc'd one-line reason when it does not (criu
 * missing, kernel refused).  Runs criu; for `cove features`. */
int checkpoint_probe (char **why, rt_error_t *err);

#endif
