/* Attributes init applies to itself before execve: hostname, sysctl,
 * rlimits, oom_score_adj, personality, scheduler, I/O priority, user and
 * groups, no_new_privs.  Capabilities live in caps.c. */
#include <config.h>
#include "process-attrs.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/* ---- uts ---------------------------------------------------------------- */

int
attrs_set_uts (const struct oci_config *c, rt_error_t *err)
{
  if (c->hostname && sethostname (c->hostname, strlen (c->hostname)) < 0)
    return rt_error_set (err, errno, "set hostname `%s`", c->hostname);
  if (c->domainname && setdomainname (c->domainname, strlen (c->domainname)) < 0)
    return rt_error_set (err, errno, "set domainname `%s`", c->domainname);
  return 0;
}

/* ---- sysctl ------------------------------------------------------------- */

/* A key is dot-separated words.  '/' is refused although sysctl(8) uses it
 * to escape dots in interface names ("net.ipv4.conf.eth0/100.forwarding"):
 * accepting it would let a key name any path below /proc/sys, or above it
 * with "..". */
static bool
sysctl_key_ok (const char *key)
{
  const char *p;

  if (*key == '\0' || *key == '.' || strchr (key, '/') != NULL)
    return false;
  for (p = key; *p; p++)
    if (*p == '.' && (p[1] == '.' || p[1] == '\0'))
      return false;
  return true;
}

static bool
fd_on_procfs (int fd)
{
  struct statfs sfs;
  return fstatfs (fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

/* Open below /proc/sys without following any symlink, and check that we
 * really landed on procfs: the container's /proc is its own mount by now,
 * and a rootfs could have put something else there (CVE-2025-52881
 * redirected such writes to a fake file). */
static int
open_sysctl (int procsys, const char *rel)
{
  struct open_how how = {
    .flags = O_WRONLY | O_CLOEXEC | O_NOCTTY,
    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };
  int fd = syscall (SYS_openat2, procsys, rel, &how, sizeof how);

  if (fd < 0 && errno == ENOSYS)
    fd = openat (procsys, rel, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
  if (fd >= 0 && !fd_on_procfs (fd))
    {
      close (fd);
      errno = EXDEV;
      return -1;
    }
  return fd;
}

int
attrs_set_sysctl (const struct oci_map *sysctl, rt_error_t *err)
{
  cleanup_close int procsys = -1;
  size_t i;

  if (sysctl == NULL || sysctl->len == 0)
    return 0;
  procsys = open ("/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (procsys < 0)
    return rt_error_set (err, errno, "linux.sysctl: open `/proc/sys`");
  if (!fd_on_procfs (procsys))
    return rt_error_set (err, 0, "linux.sysctl: `/proc/sys` is not on procfs");
  for (i = 0; i < sysctl->len; i++)
    {
      const char *key = sysctl->keys[i];
      const char *value = sysctl->values[i];
      cleanup_free char *rel = NULL;
      cleanup_close int fd = -1;
      char *p;

      if (!sysctl_key_ok (key))
        return rt_error_set (err, 0, "linux.sysctl: invalid key \"%s\"", key);
      rel = xstrdup (key);
      for (p = rel; *p; p++)
        if (*p == '.')
          *p = '/';
      fd = open_sysctl (procsys, rel);
      if (fd < 0 && errno == ENOENT)
        return rt_error_set (err, 0, "linux.sysctl: \"%s\": no such sysctl in this kernel", key);
      if (fd < 0)
        return rt_error_set (err, errno, "linux.sysctl: open `/proc/sys/%s`", rel);
      if (write_all (fd, value, strlen (value)) < 0)
        return rt_error_set (err, errno, "linux.sysctl: write \"%s\" = \"%s\"", key, value);
    }
  return 0;
}

/* ---- rlimits ------------------------------------------------------------ */

static const struct
{
  const char *name;
  int resource;
} rlimit_table[] = {
  { "RLIMIT_AS", RLIMIT_AS },
  { "RLIMIT_CORE", RLIMIT_CORE },
  { "RLIMIT_CPU", RLIMIT_CPU },
  { "RLIMIT_DATA", RLIMIT_DATA },
  { "RLIMIT_FSIZE", RLIMIT_FSIZE },
  { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
  { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
  { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_NOFILE", RLIMIT_NOFILE },
  { "RLIMIT_NPROC", RLIMIT_NPROC },
  { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
  { "RLIMIT_RTTIME", RLIMIT_RTTIME },
  { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_STACK", RLIMIT_STACK },
};

static int
rlimit_resource (const char *name)
{
  size_t i;
  for (i = 0; i < sizeof rlimit_table / sizeof rlimit_table[0]; i++)
    if (strcmp (rlimit_table[i].name, name) == 0)
      return rlimit_table[i].resource;
  return -1;
}

static const char *
rlim_str (uint64_t v, char buf[24])
{
  if (v == (uint64_t) RLIM_INFINITY)
    return "unlimited";
  snprintf (buf, 24, "%" PRIu64, v);
  return buf;
}

static int
set_one_rlimit (const struct oci_rlimit *rl, int resource, rt_error_t *err)
{
  struct rlimit want = { .rlim_cur = rl->soft, .rlim_max = rl->hard };
  struct rlimit old;
  char s[24], h[24], o[24];

  if (setrlimit (resource, &want) == 0)
    return 0;
  /* Raising a hard limit needs CAP_SYS_RESOURCE, which the runtime itself
   * may lack (some hosts and nested containers drop it from the bounding
   * set): say so instead of a bare "Operation not permitted". */
  if (errno == EPERM && getrlimit (resource, &old) == 0 && rl->hard > (uint64_t) old.rlim_max)
    return rt_error_set (err, EPERM,
                         "process.rlimits: set %s to soft %s, hard %s: raising the hard limit "
                         "above the current %s needs CAP_SYS_RESOURCE",
                         rl->type, rlim_str (rl->soft, s), rlim_str (rl->hard, h),
                         rlim_str (old.rlim_max, o));
  return rt_error_set (err, errno, "process.rlimits: set %s to soft %s, hard %s", rl->type,
                       rlim_str (rl->soft, s), rlim_str (rl->hard, h));
}

int
attrs_set_rlimits (const struct oci_process *p, rt_error_t *err)
{
  uint32_t done = 0; /* bit per resource: duplicates are an error */
  size_t i;

  for (i = 0; i < p->n_rlimits; i++)
    {
      const struct oci_rlimit *rl = &p->rlimits[i];
      int resource = rlimit_resource (rl->type ? rl->type : "");
      int ret;

      if (resource < 0)
        return rt_error_set (err, 0, "process.rlimits: unknown type \"%s\"", rl->type);
      if (done & (UINT32_C (1) << resource))
        return rt_error_set (err, 0, "process.rlimits: duplicate type \"%s\"", rl->type);
      done |= UINT32_C (1) << resource;
      ret = set_one_rlimit (rl, resource, err);
      if (ret < 0)
        return ret;
    }
  return 0;
}

/* ---- oom_score_adj ------------------------------------------------------ */

/* Open /proc/self/<name> for writing.  A non-dumpable process (init makes
 * itself one, and any uid change inside a user namespace does too) sees
 * its /proc/self files owned by the host's root, which is unmapped in a
 * container user namespace: even our root gets EACCES.  Being dumpable for
 * the open() is enough, the fd stays valid after. */
int
proc_self_open_write (const char *name)
{
  cleanup_free char *path = xasprintf ("/proc/self/%s", name);
  int was = prctl (PR_GET_DUMPABLE, 0, 0, 0, 0);
  int fd, saved;

  if (was == 0)
    (void) prctl (PR_SET_DUMPABLE, 1, 0, 0, 0);
  fd = open (path, O_WRONLY | O_CLOEXEC);
  saved = errno;
  if (was == 0)
    (void) prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  errno = saved;
  return fd;
}

int
attrs_set_oom_score_adj (const struct oci_process *p, rt_error_t *err)
{
  cleanup_close int fd = -1;
  char buf[16];
  int len;

  if (!p->has_oom_score_adj)
    return 0;
  len = snprintf (buf, sizeof buf, "%d", (int) p->oom_score_adj);
  fd = proc_self_open_write ("oom_score_adj");
  if (fd < 0)
    return rt_error_set (err, errno, "process.oomScoreAdj: open `/proc/self/oom_score_adj`");
  if (write_all (fd, buf, len) < 0)
    {
      /* The kernel refuses values below the lowest one a privileged
       * writer set (0 at first) unless we have CAP_SYS_RESOURCE. */
      if (errno == EACCES)
        return rt_error_set (err, EACCES,
                             "process.oomScoreAdj: set %d: lowering oom_score_adj needs "
                             "CAP_SYS_RESOURCE",
                             (int) p->oom_score_adj);
      return rt_error_set (err, errno, "process.oomScoreAdj: set %d", (int) p->oom_score_adj);
    }
  return 0;
}

/* ---- personality -------------------------------------------------------- */

int
attrs_set_personality (const struct oci_personality *pers, rt_error_t *err)
{
  unsigned long domain;

  if (pers == NULL)
    return 0;
  if (pers->domain && strcmp (pers->domain, "LINUX") == 0)
    domain = PER_LINUX;
  else if (pers->domain && strcmp (pers->domain, "LINUX32") == 0)
    domain = PER_LINUX32;
  else
    return rt_error_set (err, 0, "linux.personality: unknown domain \"%s\"",
                         pers->domain ? pers->domain : "");
  /* The spec defines no flags yet: an unknown value must be an error. */
  if (pers->flags && pers->flags[0])
    return rt_error_set (err, 0, "linux.personality: unsupported flag \"%s\"", pers->flags[0]);
  if (personality (domain) < 0)
    return rt_error_set (err, errno, "linux.personality: set domain %s", pers->domain);
  return 0;
}

/* ---- scheduler ---------------------------------------------------------- */

/* The kernel's struct sched_attr (sched_setattr(2)), declared here because
 * glibc before 2.41 has no wrapper and <linux/sched/types.h> is not always
 * safe to mix with <sched.h>.  `size` tells the kernel which version. */
struct kernel_sched_attr
{
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};

struct name_value
{
  const char *name;
  uint64_t value;
};

/* Policy numbers and flag bits from <linux/sched.h>; SCHED_ISO (4) is
 * reserved upstream and makes the kernel return EINVAL. */
static const struct name_value sched_policies[] = {
  { "SCHED_OTHER", 0 }, { "SCHED_FIFO", 1 },  { "SCHED_RR", 2 },       { "SCHED_BATCH", 3 },
  { "SCHED_ISO", 4 },   { "SCHED_IDLE", 5 },  { "SCHED_DEADLINE", 6 },
};

static const struct name_value sched_flags[] = {
  { "SCHED_FLAG_RESET_ON_FORK", 0x01 }, { "SCHED_FLAG_RECLAIM", 0x02 },
  { "SCHED_FLAG_DL_OVERRUN", 0x04 },    { "SCHED_FLAG_KEEP_POLICY", 0x08 },
  { "SCHED_FLAG_KEEP_PARAMS", 0x10 },   { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
  { "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 },
};

static int
lookup (const struct name_value *t, size_t n, const char *name, uint64_t *out)
{
  size_t i;
  for (i = 0; name && i < n; i++)
    if (strcmp (t[i].name, name) == 0)
      {
        *out = t[i].value;
        return 0;
      }
  return -1;
}

int
attrs_set_scheduler (const struct oci_scheduler *s, rt_error_t *err)
{
  struct kernel_sched_attr attr = { .size = sizeof attr };
  uint64_t v;
  size_t i;

  if (s == NULL)
    return 0;
  if (lookup (sched_policies, sizeof sched_policies / sizeof sched_policies[0], s->policy, &v) < 0)
    return rt_error_set (err, 0, "process.scheduler: unknown policy \"%s\"",
                         s->policy ? s->policy : "");
  attr.sched_policy = v;
  for (i = 0; s->flags && s->flags[i]; i++)
    {
      if (lookup (sched_flags, sizeof sched_flags / sizeof sched_flags[0], s->flags[i], &v) < 0)
        return rt_error_set (err, 0, "process.scheduler: unknown flag \"%s\"", s->flags[i]);
      attr.sched_flags |= v;
    }
  /* Absent values are 0, as the spec says for nice and priority. */
  attr.sched_nice = s->has_nice ? s->nice : 0;
  attr.sched_priority = s->has_priority ? (uint32_t) s->priority : 0;
  attr.sched_runtime = s->has_runtime ? s->runtime : 0;
  attr.sched_deadline = s->has_deadline ? s->deadline : 0;
  attr.sched_period = s->has_period ? s->period : 0;
  if (syscall (SYS_sched_setattr, 0, &attr, 0) < 0)
    return rt_error_set (err, errno, "process.scheduler: sched_setattr policy %s (nice %d, priority %d)",
                         s->policy, (int) attr.sched_nice, (int) attr.sched_priority);
  return 0;
}

/* ---- ioPriority --------------------------------------------------------- */

#define IOPRIO_WHO_PROCESS_ 1
#define IOPRIO_CLASS_SHIFT_ 13

static const struct name_value ioprio_classes[] = {
  { "IOPRIO_CLASS_RT", 1 },
  { "IOPRIO_CLASS_BE", 2 },
  { "IOPRIO_CLASS_IDLE", 3 },
};

int
attrs_set_io_priority (const struct oci_io_priority *io, rt_error_t *err)
{
  uint64_t klass;
  int value;

  if (io == NULL)
    return 0;
  if (lookup (ioprio_classes, sizeof ioprio_classes / sizeof ioprio_classes[0], io->class_, &klass)
      < 0)
    return rt_error_set (err, 0, "process.ioPriority: unknown class \"%s\"",
                         io->class_ ? io->class_ : "");
  if (io->priority < 0 || io->priority > 7)
    return rt_error_set (err, 0, "process.ioPriority: priority %d is not in 0..7",
                         (int) io->priority);
  value = (int) (klass << IOPRIO_CLASS_SHIFT_) | io->priority;
  if (syscall (SYS_ioprio_set, IOPRIO_WHO_PROCESS_, 0, value) < 0)
    return rt_error_set (err, errno, "process.ioPriority: ioprio_set %s %d", io->class_,
                         (int) io->priority);
  return 0;
}

/* ---- user --------------------------------------------------------------- */

#ifndef DEVPTS_SUPER_MAGIC
#define DEVPTS_SUPER_MAGIC 0x1cd1
#endif

/* Give the container user its terminal, as runc does, so that it can reopen
 * it (/proc/self/fd/0, tty(1) users).  Only pty slaves on a devpts are
 * touched: with terminal:false, stdio is whatever the caller passed, maybe
 * a file of the host, and chown'ing that is not ours to do.  Best effort:
 * the uid may be unmapped in the devpts' user namespace. */
static void
give_terminal_to (uid_t uid)
{
  int fd;

  for (fd = 0; fd <= 2; fd++)
    {
      struct stat st;
      struct statfs sfs;

      if (fstat (fd, &st) < 0 || !S_ISCHR (st.st_mode) || st.st_uid == uid)
        continue;
      if (fstatfs (fd, &sfs) < 0 || sfs.f_type != DEVPTS_SUPER_MAGIC)
        continue;
      if (fchown (fd, uid, (gid_t) -1) < 0)
        log_debug ("chown the terminal (fd %d) to uid %u: %s", fd, (unsigned) uid,
                   strerror (errno));
    }
}

static bool
setgroups_denied (void)
{
  cleanup_free char *s = NULL;
  rt_error_t tmp = NULL;

  if (read_file_at (AT_FDCWD, "/proc/self/setgroups", &s, NULL, &tmp) < 0)
    {
      rt_error_free (&tmp);
      return false;
    }
  return strncmp (s, "deny", 4) == 0;
}

_Static_assert (sizeof (gid_t) == sizeof (uint32_t), "additionalGids are passed as gid_t");

/*
 * Order matters: groups, then gid, then uid, since the uid change takes
 * away CAP_SETGID.  PR_SET_KEEPCAPS keeps the permitted set across the uid
 * change so that caps_apply can still grant the configured capabilities;
 * it is cleared again right after (execve would clear it anyway).
 */
int
attrs_set_user (const struct oci_user *u, rt_error_t *err)
{
  give_terminal_to (u->uid);

  if (setgroups (u->n_additional_gids, (const gid_t *) u->additional_gids) < 0)
    {
      /* In a user namespace whose setgroups is "deny" even an empty list
       * is refused; nothing was asked, so nothing is lost. */
      if (errno == EPERM && setgroups_denied ())
        {
          if (u->n_additional_gids > 0)
            return rt_error_set (err, EPERM,
                                 "process.user.additionalGids: setgroups is denied in this "
                                 "user namespace");
        }
      else if (errno == EINVAL)
        return rt_error_set (err, EINVAL,
                             "process.user.additionalGids: setgroups: a gid is not mapped in "
                             "the user namespace");
      else
        return rt_error_set (err, errno, "process.user.additionalGids: setgroups");
    }
  if (setresgid (u->gid, u->gid, u->gid) < 0)
    return rt_error_set (err, errno, "setgid %" PRIu32 "%s", u->gid,
                         errno == EINVAL ? " (not mapped in the user namespace)" : "");
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return rt_error_set (err, errno, "prctl PR_SET_KEEPCAPS");
  if (setresuid (u->uid, u->uid, u->uid) < 0)
    return rt_error_set (err, errno, "setuid %" PRIu32 "%s", u->uid,
                         errno == EINVAL ? " (not mapped in the user namespace)" : "");
  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return rt_error_set (err, errno, "prctl PR_SET_KEEPCAPS");
  /* runc sets 0022 when no umask is given, whatever the runtime had. */
  umask (u->has_umask ? (mode_t) u->umask : 0022);
  return 0;
}

/* ---- no_new_privs ------------------------------------------------------- */

int
attrs_set_no_new_privs (rt_error_t *err)
{
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return rt_error_set (err, errno, "prctl PR_SET_NO_NEW_PRIVS");
  return 0;
}
