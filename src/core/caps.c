/* process.capabilities: capability names (through libcap), dropping the
 * bounding set, and setting the effective, permitted, inheritable and
 * ambient sets of the calling process.  Declared in process-attrs.h. */
#include <config.h>
#include "process-attrs.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#ifdef HAVE_CAP
#include <sys/capability.h>
#endif

#include "log.h"
#include "util.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

/* Capability numbers fit a 64-bit mask: the kernel's ABI has two 32-bit
 * words, and Linux 6.x stops at 40. */
#define CAPS_BITS 64
#define BIT(c) (UINT64_C (1) << (c))

/*
 * What an absent `process.capabilities` means.
 *
 * The spec does not say.  Both runc and crun, observed here, give the
 * process five empty sets: a container never silently inherits the
 * runtime's full capabilities.  So NULL means the same as `{}`: every set
 * empty.  An object that lacks a set (e.g. no "ambient") means that set is
 * empty too.
 */

#ifdef HAVE_CAP

/* "CAP_" followed by upper-case letters, digits or '_': exactly the names
 * the spec and runc use.  libcap alone would also take "cap_chown", "chown"
 * spellings or a bare number, which a config.json must not rely on. */
static bool
name_syntax_ok (const char *name)
{
  const char *p;

  if (name == NULL || strncmp (name, "CAP_", 4) != 0 || name[4] == '\0')
    return false;
  for (p = name + 4; *p; p++)
    if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
      return false;
  return true;
}

int
caps_from_name (const char *name)
{
  cap_value_t v;

  if (!name_syntax_ok (name))
    return -1;
  if (cap_from_name (name, &v) < 0 || v < 0 || v >= CAPS_BITS)
    return -1;
  return v;
}

const char *
caps_name (int cap)
{
  /* Upper-cased copies of libcap's names, built on first use; NULL stays
   * for numbers libcap has no name for. */
  static char *names[CAPS_BITS];
  static bool filled[CAPS_BITS];
  char *s, *p;

  if (cap < 0 || cap >= CAPS_BITS)
    return NULL;
  if (filled[cap])
    return names[cap];
  filled[cap] = true;
  s = cap_to_name (cap);
  if (s == NULL)
    return NULL;
  if (strncmp (s, "cap_", 4) == 0)
    {
      names[cap] = xstrdup (s);
      for (p = names[cap]; *p; p++)
        if (*p >= 'a' && *p <= 'z')
          *p -= 'a' - 'A';
    }
  cap_free (s);
  return names[cap];
}

/* Highest capability number of the running kernel (not of the headers we
 * were built with, nor of libcap). */
static int
kernel_last_cap (void)
{
  static int last = -1;

  if (last < 0)
    {
      last = (int) cap_max_bits () - 1;
      if (last < 0 || last >= CAPS_BITS)
        last = CAPS_BITS - 1;
    }
  return last;
}

static const char *
cap_label (int cap, char buf[16])
{
  const char *n = caps_name (cap);
  if (n)
    return n;
  snprintf (buf, 16, "%d", cap);
  return buf;
}

/* Was `name` already seen in an earlier list, or earlier in this one?  Used
 * to warn once per bad name although configs repeat names in every set. */
static bool
seen_before (char **const lists[], size_t cur, size_t idx, const char *name)
{
  size_t l, i;

  for (l = 0; l <= cur; l++)
    for (i = 0; lists[l] && lists[l][i] && (l < cur || i < idx); i++)
      if (strcmp (lists[l][i], name) == 0)
        return true;
  return false;
}

/* Resolve lists[cur] to a mask.  Unknown names and caps the kernel lacks
 * are skipped with a warning: the spec says a runtime SHOULD NOT fail on
 * capabilities it cannot grant, and MUST log them. */
static uint64_t
resolve_set (char **const lists[], size_t cur)
{
  char **names = lists[cur];
  uint64_t mask = 0;
  size_t i;

  for (i = 0; names && names[i]; i++)
    {
      int c = caps_from_name (names[i]);
      bool warn = !seen_before (lists, cur, i, names[i]);

      if (c < 0)
        {
          if (warn)
            log_warn ("unknown capability \"%s\": ignored", names[i]);
          continue;
        }
      if (c > kernel_last_cap ())
        {
          if (warn)
            log_warn ("capability %s is not supported by the running kernel: ignored", names[i]);
          continue;
        }
      mask |= BIT (c);
    }
  return mask;
}

static void
warn_dropped (uint64_t wanted, uint64_t granted, const char *set, const char *why)
{
  char buf[16];
  int c;

  for (c = 0; c < CAPS_BITS; c++)
    if ((wanted & BIT (c)) && !(granted & BIT (c)))
      log_warn ("capability %s cannot be added to the %s set (%s): ignored", cap_label (c, buf),
                set, why);
}

static uint64_t
current_bounding (void)
{
  uint64_t mask = 0;
  int c;

  for (c = 0; c <= kernel_last_cap (); c++)
    if (prctl (PR_CAPBSET_READ, c, 0, 0, 0) == 1)
      mask |= BIT (c);
  return mask;
}

static uint64_t
flag_mask (cap_t caps, cap_flag_t flag)
{
  uint64_t mask = 0;
  int c;

  for (c = 0; c <= kernel_last_cap (); c++)
    {
      cap_flag_value_t v = CAP_CLEAR;
      if (cap_get_flag (caps, c, flag, &v) == 0 && v == CAP_SET)
        mask |= BIT (c);
    }
  return mask;
}

static int
set_flag_mask (cap_t caps, cap_flag_t flag, uint64_t mask)
{
  int c;

  for (c = 0; c < CAPS_BITS; c++)
    if (mask & BIT (c))
      {
        cap_value_t v = c;
        if (cap_set_flag (caps, flag, 1, &v, CAP_SET) < 0)
          return -1;
      }
  return 0;
}

/* Dropping from the bounding set needs CAP_SETPCAP in the effective set,
 * so this runs while init is still root, before attrs_set_user. */
int
caps_drop_bounding (const struct oci_capabilities *caps, rt_error_t *err)
{
  char **const lists[] = { caps ? caps->bounding : NULL };
  uint64_t want, have;
  char buf[16];
  int c;

  want = resolve_set (lists, 0);
  have = current_bounding ();
  for (c = 0; c <= kernel_last_cap (); c++)
    {
      if (!(have & BIT (c)))
        {
          if (want & BIT (c))
            log_warn ("capability %s is not in the runtime's bounding set: ignored",
                      cap_label (c, buf));
          continue;
        }
      if (want & BIT (c))
        continue;
      if (prctl (PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
        return rt_error_set (err, errno, "drop capability %s from the bounding set",
                             cap_label (c, buf));
    }
  return 0;
}

/* Set the ambient set.  Each cap must be both permitted and inheritable by
 * now; failures only warn, as runc does, since older kernels lack ambient
 * capabilities altogether (EINVAL on CLEAR_ALL). */
static void
apply_ambient (uint64_t want, uint64_t permitted, uint64_t inheritable)
{
  char buf[16];
  int c;

  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
    {
      if (want)
        log_warn ("ambient capabilities are not supported by the running kernel: ignored");
      return;
    }
  /* `runc spec` lists ambient caps without inheritable ones: the kernel
   * refuses them, runc and crun say nothing, so only debug-log it. */
  for (c = 0; c < CAPS_BITS; c++)
    if ((want & BIT (c)) && !(permitted & inheritable & BIT (c)))
      log_debug ("ambient capability %s skipped: not permitted and inheritable",
                 cap_label (c, buf));
  want &= permitted & inheritable;
  for (c = 0; c < CAPS_BITS; c++)
    if ((want & BIT (c)) && prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
      log_warn ("cannot raise ambient capability %s: %s", cap_label (c, buf), strerror (errno));
}

/*
 * Runs after attrs_set_user: with PR_SET_KEEPCAPS the permitted set
 * survived the uid change, the effective set did not.  The kernel's capset
 * rules decide what can be granted:
 *   permitted'   ⊆ permitted
 *   effective'   ⊆ permitted'
 *   inheritable' ⊆ inheritable ∪ bounding, and ⊆ inheritable ∪ permitted
 *                  unless CAP_SETPCAP is effective.
 * Whatever the config asks beyond that is left out with a warning instead
 * of failing the whole capset with EPERM.
 */
int
caps_apply (const struct oci_capabilities *caps, rt_error_t *err)
{
  char **const lists[] = { caps ? caps->bounding : NULL, caps ? caps->effective : NULL,
                           caps ? caps->permitted : NULL, caps ? caps->inheritable : NULL,
                           caps ? caps->ambient : NULL };
  uint64_t want_e, want_p, want_i, want_a;
  uint64_t cur_p, cur_i, cur_e, bnd, allowed_i;
  uint64_t p, i, e;
  cap_t cur, next;
  int ret;

  /* lists[0] (bounding) only feeds seen_before: caps_drop_bounding has
   * warned about its names already. */
  want_e = resolve_set (lists, 1);
  want_p = resolve_set (lists, 2);
  want_i = resolve_set (lists, 3);
  want_a = resolve_set (lists, 4);

  cur = cap_get_proc ();
  if (cur == NULL)
    return rt_error_set (err, errno, "read the process capabilities");
  cur_p = flag_mask (cur, CAP_PERMITTED);
  cur_i = flag_mask (cur, CAP_INHERITABLE);
  cur_e = flag_mask (cur, CAP_EFFECTIVE);
  cap_free (cur);
  bnd = current_bounding ();

  p = want_p & cur_p;
  warn_dropped (want_p, p, "permitted", "not permitted to the runtime");
  e = want_e & p;
  /* Not again for those just reported for the permitted set. */
  warn_dropped (want_e & ~(want_p & ~p), e, "effective", "not in the permitted set");
  allowed_i = cur_i | bnd;
  if (!(cur_e & BIT (CAP_SETPCAP)))
    allowed_i &= cur_i | cur_p;
  i = want_i & allowed_i;
  warn_dropped (want_i, i, "inheritable", "not in the bounding or permitted set");

  next = cap_init ();
  if (next == NULL)
    return rt_error_set (err, errno, "cap_init");
  ret = set_flag_mask (next, CAP_EFFECTIVE, e);
  if (ret == 0)
    ret = set_flag_mask (next, CAP_PERMITTED, p);
  if (ret == 0)
    ret = set_flag_mask (next, CAP_INHERITABLE, i);
  if (ret == 0)
    ret = cap_set_proc (next);
  if (ret < 0)
    {
      int saved = errno;
      cap_free (next);
      return rt_error_set (err, saved, "set the process capabilities");
    }
  cap_free (next);

  apply_ambient (want_a, p, i);
  return 0;
}

#else /* !HAVE_CAP */

int
caps_from_name (const char *name)
{
  return -1;
}

const char *
caps_name (int cap)
{
  return NULL;
}

int
caps_drop_bounding (const struct oci_capabilities *caps, rt_error_t *err)
{
  return rt_error_set (err, ENOTSUP, "process.capabilities: cove was built without libcap");
}

int
caps_apply (const struct oci_capabilities *caps, rt_error_t *err)
{
  return rt_error_set (err, ENOTSUP, "process.capabilities: cove was built without libcap");
}

#endif
