/* Seccomp: linux.seccomp compiled to classic BPF with libseccomp in the
 * runtime, loaded with a bare seccomp(2) in the container's init, and the
 * notification fd handed to the agent at listenerPath.
 *
 * Why compile in the runtime: libseccomp allocates, reads /proc and probes
 * the kernel; none of that should run inside the container or after the
 * privilege drop, and a bad profile should fail `create` before anything
 * exists.  clone(2) without CLONE_VM gives init a copy of the program, so
 * loading it there is one syscall. */
#include <config.h>
#include "seccomp-bpf.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#ifdef HAVE_SECCOMP
#include <seccomp.h>
#endif

#include "log.h"
#include "util.h"

#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* runtime-spec names → seccomp(2) flags.  The values are the kernel's, so
 * a flag this libseccomp predates (WAIT_KILLABLE_RECV is 2.6) still works:
 * we pass flags to seccomp(2) ourselves. */
static const struct
{
  const char *name;
  unsigned int flag;
} flag_table[] = {
  { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
  { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
  { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
  { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
};

static unsigned int
flag_value (const char *name)
{
  size_t i;
  for (i = 0; i < sizeof flag_table / sizeof *flag_table; i++)
    if (strcmp (flag_table[i].name, name) == 0)
      return flag_table[i].flag;
  return 0;
}

/* The kernel validates flags before it reads the program: a known flag
 * with a NULL program fails with EFAULT, an unknown one with EINVAL.  This
 * installs nothing.  WAIT_KILLABLE_RECV is only valid with NEW_LISTENER. */
static bool
kernel_has_flag (unsigned int flag)
{
  if (flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
    flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  return syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

bool
seccomp_flag_supported (const char *name)
{
  unsigned int flag = flag_value (name);
  return flag != 0 && kernel_has_flag (flag);
}

void
seccomp_filter_free (struct seccomp_filter *f)
{
  if (f == NULL)
    return;
  free (f->insns);
  free (f);
}

#ifdef HAVE_SECCOMP

/* Every action that takes a value (ERRNO, TRACE) defaults it to EPERM
 * (runtime-spec: "If not specified its default value is EPERM"). */
static int
action_value (const char *name, bool has_ret, uint32_t ret, uint32_t *out)
{
  uint32_t v = has_ret ? ret : EPERM;

  if (strcmp (name, "SCMP_ACT_KILL") == 0 || strcmp (name, "SCMP_ACT_KILL_THREAD") == 0)
    *out = SCMP_ACT_KILL_THREAD;
  else if (strcmp (name, "SCMP_ACT_KILL_PROCESS") == 0)
    *out = SCMP_ACT_KILL_PROCESS;
  else if (strcmp (name, "SCMP_ACT_TRAP") == 0)
    *out = SCMP_ACT_TRAP;
  else if (strcmp (name, "SCMP_ACT_ERRNO") == 0)
    *out = SCMP_ACT_ERRNO (v);
  else if (strcmp (name, "SCMP_ACT_TRACE") == 0)
    *out = SCMP_ACT_TRACE (v);
  else if (strcmp (name, "SCMP_ACT_ALLOW") == 0)
    *out = SCMP_ACT_ALLOW;
  else if (strcmp (name, "SCMP_ACT_LOG") == 0)
    *out = SCMP_ACT_LOG;
  else if (strcmp (name, "SCMP_ACT_NOTIFY") == 0)
    *out = SCMP_ACT_NOTIFY;
  else
    return -1;
  return 0;
}

/* errnoRet is 16 bits in the filter: libseccomp would silently truncate a
 * larger value, turning 65536 into "return 0 without running the call". */
static int
checked_action (const char *name, bool has_ret, uint32_t ret, uint32_t *out, rt_error_t *err)
{
  if (has_ret && ret > 0xffff)
    return rt_error_set (err, 0, "errno return %u is out of range (0 to 65535)", ret);
  if (action_value (name, has_ret, ret, out) < 0)
    return rt_error_set (err, 0, "unknown seccomp action `%s`", name);
  return 0;
}

static int
op_value (const char *name, enum scmp_compare *out)
{
  static const struct
  {
    const char *name;
    enum scmp_compare op;
  } ops[] = {
    { "SCMP_CMP_NE", SCMP_CMP_NE },
    { "SCMP_CMP_LT", SCMP_CMP_LT },
    { "SCMP_CMP_LE", SCMP_CMP_LE },
    { "SCMP_CMP_EQ", SCMP_CMP_EQ },
    { "SCMP_CMP_GE", SCMP_CMP_GE },
    { "SCMP_CMP_GT", SCMP_CMP_GT },
    { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
  };
  size_t i;

  for (i = 0; i < sizeof ops / sizeof *ops; i++)
    if (strcmp (ops[i].name, name) == 0)
      {
        *out = ops[i].op;
        return 0;
      }
  return -1;
}

/* "SCMP_ARCH_X86_64" → libseccomp's token "x86_64"; 0 when this
 * libseccomp does not know it (loongarch64, m68k, sh before 2.6). */
static uint32_t
arch_token (const char *name)
{
  char buf[32];
  size_t i;

  if (!str_has_prefix (name, "SCMP_ARCH_") || strlen (name + 10) >= sizeof buf)
    return 0;
  for (i = 0; name[10 + i]; i++)
    buf[i] = (name[10 + i] >= 'A' && name[10 + i] <= 'Z') ? name[10 + i] - 'A' + 'a' : name[10 + i];
  buf[i] = '\0';
  return seccomp_arch_resolve_name (buf);
}

static int
add_arches (scmp_filter_ctx ctx, char **arches, rt_error_t *err)
{
  for (; arches && *arches; arches++)
    {
      uint32_t token = arch_token (*arches);
      int r;

      if (token == 0)
        {
          log_debug ("seccomp: architecture %s unknown to libseccomp %u.%u, skipped", *arches,
                     seccomp_version ()->major, seccomp_version ()->minor);
          continue;
        }
      r = seccomp_arch_add (ctx, token);
      /* EEXIST: the native architecture is there from seccomp_init. */
      if (r < 0 && r != -EEXIST)
        return rt_error_set (err, -r, "linux.seccomp.architectures: add %s", *arches);
    }
  return 0;
}

static int
add_flags (const struct oci_seccomp *s, struct seccomp_filter *f, rt_error_t *err)
{
  char **n;

  /* No "flags" at all: SPEC_ALLOW, as crun and runc >= 1.2 do (the SSB
   * mitigation seccomp would force on costs much and protects little
   * inside one container).  An explicit [] means none. */
  if (s->flags == NULL)
    {
      if (kernel_has_flag (SECCOMP_FILTER_FLAG_SPEC_ALLOW))
        f->flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
      return 0;
    }
  for (n = s->flags; *n; n++)
    {
      unsigned int flag = flag_value (*n);

      if (flag == 0)
        return rt_error_set (err, 0, "linux.seccomp.flags: unknown flag `%s`", *n);
      if (!kernel_has_flag (flag))
        return rt_error_set (err, 0, "linux.seccomp.flags: %s is not supported by this kernel", *n);
      f->flags |= flag;
    }
  return 0;
}

/* Flags that depend on whether a rule notifies.  TSYNC is meaningless for
 * the single-threaded init and the kernel refuses it with NEW_LISTENER
 * (unless TSYNC_ESRCH, 5.7+): drop it there.  WAIT_KILLABLE_RECV without a
 * listener is refused by the kernel and would change nothing: drop it. */
static void
finish_flags (struct seccomp_filter *f)
{
  if (f->listener)
    {
      f->flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
      f->flags &= ~SECCOMP_FILTER_FLAG_TSYNC;
    }
  else if (f->flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
    {
      log_debug (
          "seccomp: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV ignored: no SCMP_ACT_NOTIFY rule");
      f->flags &= ~SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
    }
}

/* One entry of syscalls[] for one syscall number.  libseccomp ANDs the
 * comparisons of a rule and refuses two on the same argument.  runc's
 * answer, which profiles in the wild rely on: when no argument repeats,
 * one rule with all comparisons (AND); when one does, one rule per
 * comparison (OR).  Docker's profile uses the latter for personality. */
static int
add_rule (scmp_filter_ctx ctx, const struct oci_seccomp_syscall *sc, size_t i, const char *name,
          int nr, uint32_t action, rt_error_t *err)
{
  size_t k, n = sc->n_args;
  cleanup_free struct scmp_arg_cmp *cmps = xzalloc ((n ? n : 1) * sizeof *cmps);
  unsigned int seen = 0;
  bool repeated = false;
  int r = 0;

  for (k = 0; k < n; k++)
    {
      const struct oci_seccomp_arg *a = &sc->args[k];

      if (a->index > 5)
        return rt_error_set (err, 0,
                             "linux.seccomp.syscalls[%zu].args[%zu].index: %u is out of range "
                             "(0 to 5)",
                             i, k, a->index);
      if (op_value (a->op, &cmps[k].op) < 0)
        return rt_error_set (err, 0, "linux.seccomp.syscalls[%zu].args[%zu].op: unknown `%s`", i, k,
                             a->op);
      cmps[k].arg = a->index;
      /* MASKED_EQ: (arg & value) == valueTwo.  The others compare with
       * value alone; valueTwo is ignored, as in runc. */
      cmps[k].datum_a = a->value;
      cmps[k].datum_b = cmps[k].op == SCMP_CMP_MASKED_EQ ? a->value_two : 0;
      repeated = repeated || (seen & (1u << a->index));
      seen |= 1u << a->index;
    }
  if (!repeated)
    r = seccomp_rule_add_array (ctx, action, nr, n, n ? cmps : NULL);
  else
    for (k = 0; k < n && r == 0; k++)
      r = seccomp_rule_add_array (ctx, action, nr, 1, &cmps[k]);
  if (r == -EEXIST)
    return rt_error_set (err, 0,
                         "linux.seccomp.syscalls[%zu]: rule for `%s` conflicts with an earlier "
                         "rule with the same arguments",
                         i, name);
  if (r < 0)
    return rt_error_set (err, -r, "linux.seccomp.syscalls[%zu]: add rule for `%s`", i, name);
  return 0;
}

static int
add_syscalls (scmp_filter_ctx ctx, const struct oci_seccomp *s, uint32_t default_action,
              struct seccomp_filter *f, rt_error_t *err)
{
  size_t i;

  for (i = 0; i < s->n_syscalls; i++)
    {
      const struct oci_seccomp_syscall *sc = &s->syscalls[i];
      uint32_t action;
      char **name;
      int ret;

      ret = checked_action (sc->action, sc->has_errno_ret, sc->errno_ret, &action, err);
      if (ret < 0)
        return rt_error_wrap (err, "linux.seccomp.syscalls[%zu]", i);
      /* libseccomp refuses (EACCES) a rule that repeats the default; it
       * would change nothing anyway. */
      if (action == default_action)
        {
          log_debug ("seccomp: syscalls[%zu] has the default action, skipped", i);
          continue;
        }
      for (name = sc->names; name && *name; name++)
        {
          /* Names of other architectures resolve to libseccomp's pseudo
           * numbers (< 0, not __NR_SCMP_ERROR) and are kept: they apply
           * where the call exists.  Only names nobody knows are skipped. */
          int nr = seccomp_syscall_resolve_name (*name);
          if (nr == __NR_SCMP_ERROR)
            {
              log_debug ("seccomp: unknown syscall `%s` skipped", *name);
              continue;
            }
          ret = add_rule (ctx, sc, i, *name, nr, action, err);
          if (ret < 0)
            return ret;
        }
      /* Even when no name of the rule exists here: the agent at
       * listenerPath expects its connection for this container. */
      if (action == SCMP_ACT_NOTIFY)
        f->listener = true;
    }
  return 0;
}

/* libseccomp 2.5 exports only to an fd; read it back into memory. */
static int
export_bpf (scmp_filter_ctx ctx, struct seccomp_filter *f, rt_error_t *err)
{
  cleanup_close int fd = memfd_create ("cove-seccomp", MFD_CLOEXEC);
  off_t size;
  int r;

  if (fd < 0)
    return rt_error_set (err, errno, "seccomp: memfd_create");
  r = seccomp_export_bpf (ctx, fd);
  if (r < 0)
    return rt_error_set (err, -r, "seccomp: export the filter");
  size = lseek (fd, 0, SEEK_END);
  if (size < 0)
    return rt_error_set (err, errno, "seccomp: read the filter back");
  if (size == 0 || size % sizeof (struct sock_filter) != 0)
    return rt_error_set (err, 0, "seccomp: libseccomp exported %lld bytes, not a BPF program",
                         (long long) size);
  if ((size_t) size / sizeof (struct sock_filter) > BPF_MAXINSNS)
    return rt_error_set (err, 0, "seccomp: the filter has %zu instructions, the kernel takes %d",
                         (size_t) size / sizeof (struct sock_filter), BPF_MAXINSNS);
  f->insns = xmalloc (size);
  if (pread (fd, f->insns, size, 0) != size)
    return rt_error_set (err, errno, "seccomp: read the filter back");
  f->len = size / sizeof (struct sock_filter);
  return 0;
}

static void
release_ctx (scmp_filter_ctx *ctx)
{
  if (*ctx)
    seccomp_release (*ctx);
}

int
seccomp_compile (const struct oci_seccomp *s, struct seccomp_filter **out, rt_error_t *err)
{
  __attribute__ ((cleanup (release_ctx))) scmp_filter_ctx ctx = NULL;
  struct seccomp_filter *f;
  uint32_t default_action;
  int ret;

  *out = NULL;
  if (s == NULL)
    return 0;
  ret = checked_action (s->default_action, s->has_default_errno_ret, s->default_errno_ret,
                        &default_action, err);
  if (ret < 0)
    return rt_error_wrap (err, "linux.seccomp.defaultAction");
  /* The validator refuses it already: every syscall of init, sending the
   * notify fd included, would wait for an agent that has no fd yet. */
  if (default_action == SCMP_ACT_NOTIFY)
    return rt_error_set (err, 0,
                         "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default");
  ctx = seccomp_init (default_action);
  if (ctx == NULL)
    return rt_error_set (err, 0, "linux.seccomp.defaultAction: %s is not supported by this kernel",
                         s->default_action);
  /* A binary tree of syscall numbers instead of a linear scan.  Since
   * Linux 5.11 the kernel skips the filter for calls it always allows, but
   * the rest (denied, argument checks) still run it: with a 350-name
   * allow-list a denied call costs ~120 ns instead of ~300.  Best effort:
   * the attribute needs libseccomp 2.5. */
  (void) seccomp_attr_set (ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  f = xzalloc (sizeof *f);
  ret = add_arches (ctx, s->architectures, err);
  if (ret == 0)
    ret = add_flags (s, f, err);
  if (ret == 0)
    ret = add_syscalls (ctx, s, default_action, f, err);
  if (ret == 0)
    ret = export_bpf (ctx, f, err);
  if (ret < 0)
    {
      seccomp_filter_free (f);
      return ret;
    }
  finish_flags (f);
  *out = f;
  return 0;
}

#else /* !HAVE_SECCOMP */

int
seccomp_compile (const struct oci_seccomp *s, struct seccomp_filter **out, rt_error_t *err)
{
  *out = NULL;
  if (s == NULL)
    return 0;
  return rt_error_set (err, 0, "linux.seccomp: cove was built without libseccomp");
}

#endif

/* Runs in init, possibly as one of its last syscalls: no allocation
 * before the call, and nothing after it on success. */
int
seccomp_load_bpf (const struct seccomp_filter *f, int *notify_fd, rt_error_t *err)
{
  struct sock_fprog prog = { .len = f->len, .filter = f->insns };
  int ret;

  if (notify_fd)
    *notify_fd = -1;
  if (f->listener && notify_fd == NULL)
    return rt_error_set (err, EINVAL,
                         "seccomp: a filter with a listener needs somewhere for its fd");
  ret = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, f->flags, &prog);
  /* Before Linux 3.17 there is only prctl, which takes no flags. */
  if (ret < 0 && errno == ENOSYS && f->flags == 0)
    ret = prctl (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
  if (ret < 0 && errno == EACCES)
    return rt_error_set (err, errno,
                         "load the seccomp filter (without no_new_privs it needs CAP_SYS_ADMIN)");
  if (ret < 0)
    return rt_error_set (err, errno, "load the seccomp filter");
  if (f->listener)
    *notify_fd = ret;
  return 0;
}

/* ---- the listener (runtime side) -------------------------------------- */

/* s as a JSON string literal: the metadata is opaque text from config.json,
 * valid UTF-8 since the parser accepted it, so only quotes, backslashes and
 * control characters need escaping. */
static char *
json_quote (const char *s)
{
  size_t n = 2;
  const unsigned char *p;
  char *out, *o;

  for (p = (const unsigned char *) s; *p; p++)
    n += (*p < 0x20) ? 6 : (*p == '"' || *p == '\\') ? 2 : 1;
  o = out = xmalloc (n + 1);
  *o++ = '"';
  for (p = (const unsigned char *) s; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        {
          *o++ = '\\';
          *o++ = *p;
        }
      else if (*p < 0x20)
        o += sprintf (o, "\\u%04x", *p);
      else
        *o++ = *p;
    }
  *o++ = '"';
  *o = '\0';
  return out;
}

char *
seccomp_listener_message (pid_t pid, const char *metadata, const char *state_json)
{
  cleanup_free char *meta = metadata ? json_quote (metadata) : NULL;

  return xasprintf ("{\"ociVersion\":\"%s\",\"fds\":[\"seccompFd\"],\"pid\":%d%s%s,\"state\":%s}",
                    OCI_VERSION, (int) pid, meta ? ",\"metadata\":" : "", meta ? meta : "",
                    state_json);
}

/* sun_path holds 108 bytes; a longer path is reached through its directory
 * opened O_PATH, as /proc/self/fd/<dirfd>/<name>. */
static int
connect_listener (const char *path, rt_error_t *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  cleanup_close int dirfd = -1;
  cleanup_close int sock = -1;
  int ret;

  if (strlen (path) < sizeof addr.sun_path)
    strcpy (addr.sun_path, path);
  else
    {
      cleanup_free char *dir = xstrdup (path);
      cleanup_free char *base = xstrdup (path);

      dirfd = open (dirname (dir), O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (dirfd < 0)
        return rt_error_set (err, errno, "open the directory of seccomp listener `%s`", path);
      ret = snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", dirfd,
                      basename (base));
      if (ret < 0 || (size_t) ret >= sizeof addr.sun_path)
        return rt_error_set (err, ENAMETOOLONG, "seccomp listener `%s`", path);
    }
  sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return rt_error_set (err, errno, "socket");
  do
    ret = connect (sock, (struct sockaddr *) &addr, sizeof addr);
  while (ret < 0 && errno == EINTR);
  if (ret < 0)
    return rt_error_set (err, errno, "connect to seccomp listener `%s`", path);
  return steal_fd (&sock);
}

int
seccomp_send_to_listener (const char *path, int notify_fd, const char *message, rt_error_t *err)
{
  cleanup_close int sock = connect_listener (path, err);
  char cbuf[CMSG_SPACE (sizeof (int))] = { 0 };
  size_t len = strlen (message);
  struct iovec iov = { .iov_base = (void *) message, .iov_len = len };
  struct msghdr mh
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *cm = CMSG_FIRSTHDR (&mh);
  ssize_t n;

  if (sock < 0)
    return -1;
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (cm), &notify_fd, sizeof (int));
  /* The fd goes with the first sendmsg only; a stream socket may take
   * part of a long state document, and the rest follows plainly. */
  do
    n = sendmsg (sock, &mh, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return rt_error_set (err, errno, "send the seccomp fd to listener `%s`", path);
  while ((size_t) n < len)
    {
      ssize_t m = send (sock, message + n, len - n, MSG_NOSIGNAL);
      if (m < 0 && errno == EINTR)
        continue;
      if (m < 0)
        return rt_error_set (err, errno, "send the container state to seccomp listener `%s`", path);
      n += m;
    }
  return 0;
}
