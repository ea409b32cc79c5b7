/* The mount option strings of the OCI spec (config.md "Mounts"), as one
 * table: each name says what it does to mount(2) flags, to propagation, to
 * mount_setattr(2) attributes, or which runtime extension it turns on. */
#include <config.h>
#include "mount-options.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "util.h"

/* glibc < 2.36 lacks these; the values are the kernel ABI. */
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
#define MOUNT_ATTR__ATIME 0x00000070
#define MOUNT_ATTR_RELATIME 0x00000000
#define MOUNT_ATTR_NOATIME 0x00000010
#define MOUNT_ATTR_STRICTATIME 0x00000020
#define MOUNT_ATTR_NODIRATIME 0x00000080
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif

enum ext
{
  EXT_NONE,
  EXT_BIND,
  EXT_RBIND,
  EXT_IDMAP,
  EXT_RIDMAP,
  EXT_TMPCOPYUP,
};

struct option_def
{
  const char *name;
  unsigned long set;         /* MS_* flags turned on */
  unsigned long clr;         /* MS_* flags turned off */
  unsigned long propagation; /* MS_SHARED ... (| MS_REC), 0 = none */
  uint64_t attr_set;         /* recursive MOUNT_ATTR_* */
  uint64_t attr_clr;
  enum ext ext;
};

/* Sorted by name (bsearch), as the spec lists them: MUST, SHOULD
 * (nosymfollow, symfollow, the r* forms, idmap, ridmap) and MAY (mand,
 * nomand, tmpcopyup).  Columns: name, MS_* set, MS_* cleared, propagation,
 * recursive attributes set and cleared, extension.
 *
 * The atime mode is a field, not a bit, for mount_setattr(2): changing it
 * means MOUNT_ATTR__ATIME in attr_clr and the new mode in attr_set (the
 * kernel refuses to clear only a part of it).  So `ratime`, `rnorelatime`
 * and `rnostrictatime` all go back to the default mode, relatime. */
#define OPTION_TABLE(X)                                                                            \
  X ("async", 0, MS_SYNCHRONOUS, 0, 0, 0, EXT_NONE)                                                \
  X ("atime", 0, MS_NOATIME, 0, 0, 0, EXT_NONE)                                                    \
  X ("bind", MS_BIND, 0, 0, 0, 0, EXT_BIND)                                                        \
  X ("defaults", 0, 0, 0, 0, 0, EXT_NONE)                                                          \
  X ("dev", 0, MS_NODEV, 0, 0, 0, EXT_NONE)                                                        \
  X ("diratime", 0, MS_NODIRATIME, 0, 0, 0, EXT_NONE)                                              \
  X ("dirsync", MS_DIRSYNC, 0, 0, 0, 0, EXT_NONE)                                                  \
  X ("exec", 0, MS_NOEXEC, 0, 0, 0, EXT_NONE)                                                      \
  X ("idmap", 0, 0, 0, 0, 0, EXT_IDMAP)                                                            \
  X ("iversion", MS_I_VERSION, 0, 0, 0, 0, EXT_NONE)                                               \
  X ("lazytime", MS_LAZYTIME, 0, 0, 0, 0, EXT_NONE)                                                \
  X ("loud", 0, MS_SILENT, 0, 0, 0, EXT_NONE)                                                      \
  X ("mand", MS_MANDLOCK, 0, 0, 0, 0, EXT_NONE)                                                    \
  X ("noatime", MS_NOATIME, 0, 0, 0, 0, EXT_NONE)                                                  \
  X ("nodev", MS_NODEV, 0, 0, 0, 0, EXT_NONE)                                                      \
  X ("nodiratime", MS_NODIRATIME, 0, 0, 0, 0, EXT_NONE)                                            \
  X ("noexec", MS_NOEXEC, 0, 0, 0, 0, EXT_NONE)                                                    \
  X ("noiversion", 0, MS_I_VERSION, 0, 0, 0, EXT_NONE)                                             \
  X ("nolazytime", 0, MS_LAZYTIME, 0, 0, 0, EXT_NONE)                                              \
  X ("nomand", 0, MS_MANDLOCK, 0, 0, 0, EXT_NONE)                                                  \
  X ("norelatime", 0, MS_RELATIME, 0, 0, 0, EXT_NONE)                                              \
  X ("nostrictatime", 0, MS_STRICTATIME, 0, 0, 0, EXT_NONE)                                        \
  X ("nosuid", MS_NOSUID, 0, 0, 0, 0, EXT_NONE)                                                    \
  X ("nosymfollow", MS_NOSYMFOLLOW, 0, 0, 0, 0, EXT_NONE)                                          \
  X ("private", 0, 0, MS_PRIVATE, 0, 0, EXT_NONE)                                                  \
  X ("ratime", 0, 0, 0, MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME, EXT_NONE)                          \
  X ("rbind", MS_BIND | MS_REC, 0, 0, 0, 0, EXT_RBIND)                                             \
  X ("rdev", 0, 0, 0, 0, MOUNT_ATTR_NODEV, EXT_NONE)                                               \
  X ("rdiratime", 0, 0, 0, 0, MOUNT_ATTR_NODIRATIME, EXT_NONE)                                     \
  X ("relatime", MS_RELATIME, 0, 0, 0, 0, EXT_NONE)                                                \
  X ("remount", MS_REMOUNT, 0, 0, 0, 0, EXT_NONE)                                                  \
  X ("rexec", 0, 0, 0, 0, MOUNT_ATTR_NOEXEC, EXT_NONE)                                             \
  X ("ridmap", 0, 0, 0, 0, 0, EXT_RIDMAP)                                                          \
  X ("rnoatime", 0, 0, 0, MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME, EXT_NONE)                         \
  X ("rnodev", 0, 0, 0, MOUNT_ATTR_NODEV, 0, EXT_NONE)                                             \
  X ("rnodiratime", 0, 0, 0, MOUNT_ATTR_NODIRATIME, 0, EXT_NONE)                                   \
  X ("rnoexec", 0, 0, 0, MOUNT_ATTR_NOEXEC, 0, EXT_NONE)                                           \
  X ("rnorelatime", 0, 0, 0, MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME, EXT_NONE)                     \
  X ("rnostrictatime", 0, 0, 0, MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME, EXT_NONE)                  \
  X ("rnosuid", 0, 0, 0, MOUNT_ATTR_NOSUID, 0, EXT_NONE)                                           \
  X ("rnosymfollow", 0, 0, 0, MOUNT_ATTR_NOSYMFOLLOW, 0, EXT_NONE)                                 \
  X ("ro", MS_RDONLY, 0, 0, 0, 0, EXT_NONE)                                                        \
  X ("rprivate", 0, 0, MS_PRIVATE | MS_REC, 0, 0, EXT_NONE)                                        \
  X ("rrelatime", 0, 0, 0, MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME, EXT_NONE)                       \
  X ("rro", 0, 0, 0, MOUNT_ATTR_RDONLY, 0, EXT_NONE)                                               \
  X ("rrw", 0, 0, 0, 0, MOUNT_ATTR_RDONLY, EXT_NONE)                                               \
  X ("rshared", 0, 0, MS_SHARED | MS_REC, 0, 0, EXT_NONE)                                          \
  X ("rslave", 0, 0, MS_SLAVE | MS_REC, 0, 0, EXT_NONE)                                            \
  X ("rstrictatime", 0, 0, 0, MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME, EXT_NONE)                 \
  X ("rsuid", 0, 0, 0, 0, MOUNT_ATTR_NOSUID, EXT_NONE)                                             \
  X ("rsymfollow", 0, 0, 0, 0, MOUNT_ATTR_NOSYMFOLLOW, EXT_NONE)                                   \
  X ("runbindable", 0, 0, MS_UNBINDABLE | MS_REC, 0, 0, EXT_NONE)                                  \
  X ("rw", 0, MS_RDONLY, 0, 0, 0, EXT_NONE)                                                        \
  X ("shared", 0, 0, MS_SHARED, 0, 0, EXT_NONE)                                                    \
  X ("silent", MS_SILENT, 0, 0, 0, 0, EXT_NONE)                                                    \
  X ("slave", 0, 0, MS_SLAVE, 0, 0, EXT_NONE)                                                      \
  X ("strictatime", MS_STRICTATIME, 0, 0, 0, 0, EXT_NONE)                                          \
  X ("suid", 0, MS_NOSUID, 0, 0, 0, EXT_NONE)                                                      \
  X ("symfollow", 0, MS_NOSYMFOLLOW, 0, 0, 0, EXT_NONE)                                            \
  X ("sync", MS_SYNCHRONOUS, 0, 0, 0, 0, EXT_NONE)                                                 \
  X ("tmpcopyup", 0, 0, 0, 0, 0, EXT_TMPCOPYUP)                                                    \
  X ("unbindable", 0, 0, MS_UNBINDABLE, 0, 0, EXT_NONE)

#define OPTION_DEF(name, set, clr, prop, aset, aclr, ext) { name, set, clr, prop, aset, aclr, ext },
#define OPTION_NAME(name, ...) name,

static const struct option_def options[] = { OPTION_TABLE (OPTION_DEF) };

#define N_OPTIONS (sizeof options / sizeof options[0])

const char *const mount_option_names[] = { OPTION_TABLE (OPTION_NAME) NULL };

static int
compare_name (const void *key, const void *elem)
{
  return strcmp (key, ((const struct option_def *) elem)->name);
}

static const struct option_def *
lookup (const char *name)
{
  return bsearch (name, options, N_OPTIONS, sizeof options[0], compare_name);
}

static void
append_data (char **data, size_t *len, const char *opt)
{
  size_t n = strlen (opt);

  *data = xrealloc (*data, *len + n + 2);
  if (*len > 0)
    (*data)[(*len)++] = ',';
  memcpy (*data + *len, opt, n + 1);
  *len += n;
}

/* Later options win over earlier ones ("ro" then "rw" is rw), so each one
 * both sets its bits and removes them from the opposite mask. */
static void
apply (const struct option_def *d, struct mount_options *o)
{
  o->flags = (o->flags & ~d->clr) | d->set;
  o->clear = (o->clear & ~d->set) | d->clr;
  if (d->propagation)
    o->propagation = d->propagation;
  if (d->attr_clr & MOUNT_ATTR__ATIME)
    o->attr_set &= ~(uint64_t) MOUNT_ATTR__ATIME;
  o->attr_set = (o->attr_set & ~d->attr_clr) | d->attr_set;
  o->attr_clr = (o->attr_clr & ~d->attr_set) | d->attr_clr;
  switch (d->ext)
    {
    case EXT_RBIND:
      o->recursive_bind = true;
      /* fall through */
    case EXT_BIND:
      o->bind = true;
      break;
    case EXT_RIDMAP:
      o->recursive_idmap = true;
      /* fall through */
    case EXT_IDMAP:
      o->idmap = true;
      break;
    case EXT_TMPCOPYUP:
      o->tmpcopyup = true;
      break;
    case EXT_NONE:
      break;
    }
}

void
mount_options_parse (char **opts, struct mount_options *out)
{
  size_t data_len = 0;
  size_t i;

  memset (out, 0, sizeof *out);
  for (i = 0; opts && opts[i]; i++)
    {
      const struct option_def *d = lookup (opts[i]);

      if (d != NULL)
        apply (d, out);
      else if (opts[i][0] != '\0')
        append_data (&out->data, &data_len, opts[i]);
    }
}

void
mount_options_free (struct mount_options *o)
{
  free (o->data);
  o->data = NULL;
}

/* Per-mount flags that a bind remount (or mount_setattr) can change; the
 * others (sync, dirsync, lazytime, iversion, mand, silent) belong to the
 * superblock, which a bind mount shares with its source. */
void
mount_options_bind_attrs (const struct mount_options *o, uint64_t *set, uint64_t *clr)
{
  static const struct
  {
    unsigned long ms;
    uint64_t attr;
  } map[] = {
    { MS_RDONLY, MOUNT_ATTR_RDONLY },         { MS_NOSUID, MOUNT_ATTR_NOSUID },
    { MS_NODEV, MOUNT_ATTR_NODEV },           { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
    { MS_NODIRATIME, MOUNT_ATTR_NODIRATIME }, { MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW },
  };
  size_t i;

  *set = *clr = 0;
  for (i = 0; i < sizeof map / sizeof map[0]; i++)
    {
      if (o->flags & map[i].ms)
        *set |= map[i].attr;
      if (o->clear & map[i].ms)
        *clr |= map[i].attr;
    }
  /* One atime mode, noatime winning as in mount(2); clearing noatime or
   * strictatime means the default, relatime. */
  if (o->flags & MS_NOATIME)
    *set |= MOUNT_ATTR_NOATIME;
  else if (o->flags & MS_STRICTATIME)
    *set |= MOUNT_ATTR_STRICTATIME;
  if (o->flags & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME)
      || o->clear & (MS_NOATIME | MS_STRICTATIME))
    *clr |= MOUNT_ATTR__ATIME;
}
