/* Unit tests of the mount option table (src/core/mount-options.c).
 * TAP by plain printf: tests/unit/tap.h was not written yet. */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "mount-options.h"

#ifndef MOUNT_ATTR__ATIME
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NOEXEC 0x00000008
#define MOUNT_ATTR__ATIME 0x00000070
#define MOUNT_ATTR_NOATIME 0x00000010
#define MOUNT_ATTR_STRICTATIME 0x00000020
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif

static int n_test;
static int n_failed;

static void __attribute__ ((format (printf, 2, 3))) ok (int cond, const char *fmt, ...)
{
  va_list ap;

  printf ("%s %d - ", cond ? "ok" : "not ok", ++n_test);
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  putchar ('\n');
  if (!cond)
    n_failed++;
}

/* Parse a NULL-terminated literal list. */
#define PARSE(o, ...)                                                                              \
  do                                                                                               \
    {                                                                                              \
      char *v_[] = { __VA_ARGS__, NULL };                                                          \
      mount_options_parse (v_, (o));                                                               \
    }                                                                                              \
  while (0)

static void
test_table (void)
{
  size_t i, n = 0;
  int sorted = 1, known = 1;

  for (i = 0; mount_option_names[i]; i++)
    {
      struct mount_options o;
      char *v[] = { (char *) mount_option_names[i], NULL };

      if (i > 0 && strcmp (mount_option_names[i - 1], mount_option_names[i]) >= 0)
        sorted = 0;
      mount_options_parse (v, &o);
      if (o.data != NULL)
        {
          known = 0;
          printf ("# `%s` went to data\n", mount_option_names[i]);
        }
      mount_options_free (&o);
      n++;
    }
  ok (sorted, "option names are sorted (the lookup is a bsearch)");
  ok (known, "every listed name is understood, none goes to data");
  ok (n == 62, "62 option names (spec MUST + SHOULD + MAY), got %zu", n);
}

static void
test_flags (void)
{
  struct mount_options o;

  mount_options_parse (NULL, &o);
  ok (o.flags == 0 && o.clear == 0 && o.propagation == 0 && !o.bind && o.data == NULL,
      "no options: nothing set");

  PARSE (&o, "ro", "nosuid", "nodev", "noexec");
  ok (o.flags == (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC) && o.clear == 0,
      "ro nosuid nodev noexec set their MS_ flags");
  mount_options_free (&o);

  PARSE (&o, "ro", "rw");
  ok (o.flags == 0 && o.clear == MS_RDONLY, "rw after ro: cleared, the last one wins");
  mount_options_free (&o);

  PARSE (&o, "rw", "ro");
  ok (o.flags == MS_RDONLY && o.clear == 0, "ro after rw: set");
  mount_options_free (&o);

  PARSE (&o, "suid", "dev", "exec", "async", "atime", "loud", "symfollow");
  ok (o.flags == 0
          && o.clear
                 == (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS | MS_NOATIME | MS_SILENT
                     | MS_NOSYMFOLLOW),
      "the negative options only clear");
  mount_options_free (&o);

  PARSE (&o, "sync", "dirsync", "mand", "iversion", "lazytime", "silent", "strictatime", "relatime",
         "noatime", "nodiratime", "nosymfollow", "remount", "defaults");
  ok (o.flags
          == (MS_SYNCHRONOUS | MS_DIRSYNC | MS_MANDLOCK | MS_I_VERSION | MS_LAZYTIME | MS_SILENT
              | MS_STRICTATIME | MS_RELATIME | MS_NOATIME | MS_NODIRATIME | MS_NOSYMFOLLOW
              | MS_REMOUNT),
      "every positive MS_ option, defaults adds nothing");
  mount_options_free (&o);
}

static void
test_bind_and_propagation (void)
{
  struct mount_options o;

  PARSE (&o, "bind");
  ok (o.bind && !o.recursive_bind && o.flags == MS_BIND, "bind: MS_BIND, not recursive");
  mount_options_free (&o);

  PARSE (&o, "rbind", "ro");
  ok (o.bind && o.recursive_bind && o.flags == (MS_BIND | MS_REC | MS_RDONLY),
      "rbind: MS_BIND|MS_REC");
  mount_options_free (&o);

  PARSE (&o, "rbind", "bind");
  ok (o.recursive_bind && (o.flags & MS_REC), "bind after rbind stays recursive");
  mount_options_free (&o);

  PARSE (&o, "rprivate");
  ok (o.propagation == (MS_PRIVATE | MS_REC) && o.flags == 0,
      "rprivate: propagation only, not in flags");
  mount_options_free (&o);

  PARSE (&o, "shared", "rslave");
  ok (o.propagation == (MS_SLAVE | MS_REC), "the last propagation option wins");
  mount_options_free (&o);

  PARSE (&o, "unbindable");
  ok (o.propagation == MS_UNBINDABLE, "unbindable");
  mount_options_free (&o);

  PARSE (&o, "runbindable");
  ok (o.propagation == (MS_UNBINDABLE | MS_REC), "runbindable");
  mount_options_free (&o);

  PARSE (&o, "private");
  ok (o.propagation == MS_PRIVATE, "private");
  mount_options_free (&o);

  PARSE (&o, "rshared");
  ok (o.propagation == (MS_SHARED | MS_REC), "rshared");
  mount_options_free (&o);
}

static void
test_recursive_attrs (void)
{
  struct mount_options o;

  PARSE (&o, "rro", "rnosuid", "rnoexec");
  ok (o.attr_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC) && o.attr_clr == 0
          && o.flags == 0,
      "rro rnosuid rnoexec: recursive attributes, not MS_ flags");
  mount_options_free (&o);

  PARSE (&o, "rro", "rrw");
  ok (o.attr_set == 0 && o.attr_clr == MOUNT_ATTR_RDONLY, "rrw after rro clears");
  mount_options_free (&o);

  PARSE (&o, "rnoatime");
  ok (o.attr_set == MOUNT_ATTR_NOATIME && o.attr_clr == MOUNT_ATTR__ATIME,
      "rnoatime replaces the whole atime field");
  mount_options_free (&o);

  PARSE (&o, "rnoatime", "ratime");
  ok (o.attr_set == 0 && o.attr_clr == MOUNT_ATTR__ATIME, "ratime after rnoatime: relatime");
  mount_options_free (&o);

  PARSE (&o, "rstrictatime", "rnostrictatime");
  ok (o.attr_set == 0 && o.attr_clr == MOUNT_ATTR__ATIME, "rnostrictatime: relatime");
  mount_options_free (&o);

  PARSE (&o, "rnoatime", "rstrictatime");
  ok (o.attr_set == MOUNT_ATTR_STRICTATIME && o.attr_clr == MOUNT_ATTR__ATIME,
      "one atime mode at a time");
  mount_options_free (&o);

  PARSE (&o, "rnosymfollow", "rsuid");
  ok (o.attr_set == MOUNT_ATTR_NOSYMFOLLOW && o.attr_clr == MOUNT_ATTR_NOSUID,
      "rnosymfollow sets, rsuid clears");
  mount_options_free (&o);
}

static void
test_extensions_and_data (void)
{
  struct mount_options o;

  PARSE (&o, "idmap");
  ok (o.idmap && !o.recursive_idmap && o.data == NULL, "idmap is never passed to mount(2)");
  mount_options_free (&o);

  PARSE (&o, "ridmap");
  ok (o.idmap && o.recursive_idmap && o.data == NULL, "ridmap");
  mount_options_free (&o);

  PARSE (&o, "tmpcopyup", "mode=755");
  ok (o.tmpcopyup && o.data && strcmp (o.data, "mode=755") == 0, "tmpcopyup");
  mount_options_free (&o);

  PARSE (&o, "nosuid", "newinstance", "", "ptmxmode=0666", "mode=0620", "gid=5");
  ok (o.data && strcmp (o.data, "newinstance,ptmxmode=0666,mode=0620,gid=5") == 0,
      "unknown options joined into data in order, empty ones dropped: %s",
      o.data ? o.data : "(null)");
  ok (o.flags == MS_NOSUID, "known options stay out of data");
  mount_options_free (&o);
  ok (o.data == NULL, "mount_options_free resets data");
  mount_options_free (&o);
  ok (1, "mount_options_free twice is harmless");

  PARSE (&o, "RO");
  ok (o.flags == 0 && o.data && strcmp (o.data, "RO") == 0, "names are case-sensitive");
  mount_options_free (&o);
}

static void
test_bind_attrs (void)
{
  struct mount_options o;
  uint64_t set, clr;

  PARSE (&o, "rbind", "ro", "nosuid", "noatime", "sync");
  mount_options_bind_attrs (&o, &set, &clr);
  ok (set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOATIME)
          && clr == MOUNT_ATTR__ATIME,
      "ro nosuid noatime as attributes, sync (superblock) dropped");
  mount_options_free (&o);

  PARSE (&o, "bind", "rw", "exec");
  mount_options_bind_attrs (&o, &set, &clr);
  ok (set == 0 && clr == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOEXEC), "rw exec clear");
  mount_options_free (&o);

  PARSE (&o, "bind");
  mount_options_bind_attrs (&o, &set, &clr);
  ok (set == 0 && clr == 0, "a plain bind needs no remount");
  mount_options_free (&o);

  PARSE (&o, "bind", "atime");
  mount_options_bind_attrs (&o, &set, &clr);
  ok (set == 0 && clr == MOUNT_ATTR__ATIME, "atime: back to relatime");
  mount_options_free (&o);
}

int
main (void)
{
  printf ("TAP version 13\n");
  test_table ();
  test_flags ();
  test_bind_and_propagation ();
  test_recursive_attrs ();
  test_extensions_and_data ();
  test_bind_attrs ();
  printf ("1..%d\n", n_test);
  return n_failed ? 1 : 0;
}
