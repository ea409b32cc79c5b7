/* What checkpoint carries to restore besides criu's images (the
 * descriptor file in the image dir), and the mountinfo reading both need
 * to tell the container's mounts from the host's. */
#ifndef COVE_CHECKPOINT_DESCRIPTOR_H
#define COVE_CHECKPOINT_DESCRIPTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* ---- mountinfo ---- */

/* One line of /proc/PID/mountinfo, unescaped. */
struct ckpt_minfo
{
  int id, parent;
  unsigned major, minor;
  char *root;   /* within its filesystem */
  char *mnt;    /* mount point, relative to the reader's root */
  char *fstype;
};

/* The mounts of mountinfo file path, in its order: *out (free with
 * ckpt_minfo_free), *n entries.  Lines it cannot parse are skipped. */
int ckpt_minfo_read (const char *path, struct ckpt_minfo **out, size_t *n, rt_error_t *err);
void ckpt_minfo_free (struct ckpt_minfo *m, size_t n);

/* Whether path p is prefix or below it ("/" holds everything). */
bool ckpt_path_under (const char *p, const char *prefix);

/* Where p, a path within a filesystem mounted (its root `root`) at
 * prefix, is seen: prefix + (p minus root).  malloc'd. */
char *ckpt_rebase (const char *prefix, const char *root, const char *p);

/* ---- the descriptor ---- */

/* An external mount: a bind mount criu cannot resolve in the
 * container's own mounts. */
struct ckpt_ext_mount
{
  char *key;
  char *dest;     /* in the container */
  char *fstype;
  char *root;     /* of the mount within its filesystem */
  char *host_src; /* where the host saw it at dump ("" if nowhere) */
  bool on_root;   /* its mount point lies on the container's root fs */
  bool is_dir;
};

/* A file of the container's processes on a host mount, other than
 * init's stdio. */
struct ckpt_ext_file
{
  char *key;  /* file[MNT:INO] */
  char *path; /* on the host at dump */
  int flags;  /* access mode and O_APPEND it was open with */
};

struct ckpt_descriptor
{
  char *id;
  char *bundle;
  char *cgroup_path; /* of the dumped container, "" when none */
  bool shell_job;
  bool empty_netns;
  bool terminal;
  /* What the dump had to be told, so the restore is told it too (criu
   * wants the same flags on both sides). */
  bool tcp_established;
  bool ext_unix_sk;
  bool file_locks;
  char *stdio[3];   /* --inherit-fd resource of fds 0-2, NULL: criu restores it */
  char *console;    /* tty[] key of the container's terminal (its pty slave) */
  char *netns_key;  /* namespaces joined by path */
  char *pidns_key;
  struct ckpt_ext_mount *mounts;
  size_t n_mounts;
  struct ckpt_ext_file *files;
  size_t n_files;
};


/* Frees every field; d is zeroed. */
void ckpt_descriptor_clear (struct ckpt_descriptor *d);

/* Writes d as CHECKPOINT_DESCRIPTOR in dirfd (atomically). */
int ckpt_descriptor_write (int dirfd, const struct ckpt_descriptor *d, rt_error_t *err);

/* Reads CHECKPOINT_DESCRIPTOR of dirfd (image_path names it in errors)
 * into d, zeroed first: clear it after, also on failure.  Unknown
 * records are skipped; a descriptor without an id is refused. */
int ckpt_descriptor_read (int dirfd, const char *image_path, struct ckpt_descriptor *d,
                          rt_error_t *err);

#endif
