/* Mount option strings of the OCI spec (config.md) to mount(2) flags,
 * propagation flags, mount_setattr(2) attributes and fs data.  Pure code. */
#ifndef COVE_MOUNT_OPTIONS_H
#define COVE_MOUNT_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

struct mount_options
{
  unsigned long flags;        /* MS_* to set on mount(2) */
  unsigned long clear;        /* MS_* explicitly cleared (rw, suid, ...) */
  unsigned long propagation;  /* MS_SHARED|MS_SLAVE|MS_PRIVATE|MS_UNBINDABLE, maybe |MS_REC */
  uint64_t attr_set;          /* MOUNT_ATTR_* for recursive r* options */
  uint64_t attr_clr;
  bool bind;                  /* bind or rbind */
  bool recursive_bind;        /* rbind */
  bool idmap;                 /* idmap or ridmap */
  bool recursive_idmap;       /* ridmap */
  bool tmpcopyup;
  char *data;                 /* unknown options joined by ',' (malloc'd) or NULL */
};

/* Never fails: unknown options go to data, as the spec says. */
void mount_options_parse (char **options, struct mount_options *out);
void mount_options_free (struct mount_options *o);
/* The per-mount part of flags/clear (ro, nosuid, nodev, noexec, atime,
 * nodiratime, nosymfollow) as mount_setattr(2) attributes: what a bind
 * mount needs applied after it is made, since mount(2) ignores flags on
 * the first MS_BIND.  Superblock flags (sync, lazytime, ...) are dropped. */
void mount_options_bind_attrs (const struct mount_options *o, uint64_t *attr_set,
                               uint64_t *attr_clr);
/* The option names of the spec this runtime understands, for `features`. */
extern const char *const mount_option_names[]; /* NULL-terminated */

#endif
