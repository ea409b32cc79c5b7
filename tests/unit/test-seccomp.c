/* Unit tests for src/core/seccomp-bpf.c: filters compiled from parsed
 * config.json, loaded in a forked child under no_new_privs (no root
 * needed) and judged by what the child's syscalls return; the error
 * messages; the listener message and its delivery with the notify fd. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci-spec.h"
#include "seccomp-bpf.h"
#include "tap.h"
#include "util.h"

#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif

/* JSON in C strings reads better with 'single' quotes: J() turns them into
 * double quotes. */
static char *
J (const char *s)
{
  char *r = xstrdup (s);
  for (char *c = r; *c; c++)
    if (*c == '\'')
      *c = '"';
  return r;
}

/* Compile linux.seccomp given as JSON (single quotes).  NULL on failure,
 * with the parser's or the compiler's message in *msg. */
static struct seccomp_filter *
compile (const char *seccomp_sq, char **msg)
{
  cleanup_free char *sc = J (seccomp_sq);
  cleanup_free char *json = xasprintf (
      "{\"ociVersion\":\"1.2.1\",\"root\":{\"path\":\"rootfs\"},\"linux\":{\"seccomp\":%s}}", sc);
  struct oci_config *c = oci_config_parse_data (json, strlen (json), "config.json", msg);
  struct seccomp_filter *f = NULL;
  rt_error_t err = NULL;

  if (c == NULL)
    return NULL;
  if (seccomp_compile (c->linux_->seccomp, &f, &err) < 0)
    {
      *msg = rt_error_text (err);
      rt_error_free (&err);
    }
  /* The filter must not borrow from the config: free it now. */
  oci_config_free (c);
  return f;
}

/* compile() that must succeed; logs the message otherwise. */
static struct seccomp_filter *
must_compile (const char *seccomp_sq, const char *what)
{
  cleanup_free char *msg = NULL;
  struct seccomp_filter *f = compile (seccomp_sq, &msg);

  ok (f != NULL, "%s: compiles", what);
  if (f == NULL)
    diag ("  %s", msg ? msg : "(no message)");
  return f;
}

/* The message compile() fails with ("" if it succeeded). */
static char *
compile_error (const char *seccomp_sq)
{
  char *msg = NULL;
  struct seccomp_filter *f = compile (seccomp_sq, &msg);

  seccomp_filter_free (f);
  return msg ? msg : xstrdup ("");
}

#define CHILD_LOAD_FAILED 1000
#define CHILD_KILLED      2000

/* Fork; the child sets no_new_privs, loads f and makes one syscall.
 * Returns 0 when the call succeeded, its errno when it failed,
 * CHILD_KILLED + signal when the filter killed the child, or
 * CHILD_LOAD_FAILED.  Errnos used here are < 256, so they fit the exit
 * status. */
static int
run_call (const struct seccomp_filter *f, long nr, long a0, long a1, long a2)
{
  int status;
  pid_t pid;

  fflush (stdout);
  pid = fork ();
  if (pid < 0)
    abort ();
  if (pid == 0)
    {
      rt_error_t err = NULL;
      long r;

      /* Not dumpable: a SIGSYS death leaves no core file. */
      if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0
          || seccomp_load_bpf (f, NULL, &err) < 0)
        _exit (255);
      r = syscall (nr, a0, a1, a2);
      /* Not _exit: under ASan its interceptor makes syscalls (sigaltstack,
         mmap) that a default-deny filter refuses, and the child then
         exits 1 instead of reporting. */
      syscall (SYS_exit_group, r < 0 ? errno : 0);
      _exit (254); /* not reached */
    }
  if (waitpid (pid, &status, 0) != pid)
    abort ();
  if (WIFSIGNALED (status))
    return CHILD_KILLED + WTERMSIG (status);
  if (WEXITSTATUS (status) == 255)
    return CHILD_LOAD_FAILED;
  return WEXITSTATUS (status);
}

/* A default-deny profile must let the child exit. */
#define ALLOW_EXIT "{'names':['exit_group','exit'],'action':'SCMP_ACT_ALLOW'}"

static void
test_none (void)
{
  cleanup_seccomp_filter struct seccomp_filter *f = (struct seccomp_filter *) 1;
  rt_error_t err = NULL;

  ok (seccomp_compile (NULL, &f, &err) == 0 && f == NULL && err == NULL,
      "no linux.seccomp: no filter, no error");
}

static void
test_actions (void)
{
  struct seccomp_filter *f;

  f = must_compile ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
                    "{'names':['getppid'],'action':'SCMP_ACT_ERRNO'}]}",
                    "ERRNO without errnoRet");
  if (f)
    {
      is_int (run_call (f, SYS_getppid, 0, 0, 0), EPERM, "ERRNO defaults to EPERM");
      is_int (run_call (f, SYS_getpid, 0, 0, 0), 0, "other syscalls follow the default (ALLOW)");
    }
  seccomp_filter_free (f);

  f = must_compile ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
                    "{'names':['getppid'],'action':'SCMP_ACT_ERRNO','errnoRet':38}]}",
                    "ERRNO errnoRet 38");
  if (f)
    is_int (run_call (f, SYS_getppid, 0, 0, 0), ENOSYS, "errnoRet is returned");
  seccomp_filter_free (f);

  f = must_compile ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
                    "{'names':['getppid'],'action':'SCMP_ACT_KILL_PROCESS'}]}",
                    "KILL_PROCESS");
  if (f)
    is_int (run_call (f, SYS_getppid, 0, 0, 0), CHILD_KILLED + SIGSYS, "KILL_PROCESS: SIGSYS");
  seccomp_filter_free (f);

  f = must_compile ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
                    "{'names':['getppid'],'action':'SCMP_ACT_KILL'}]}",
                    "KILL");
  if (f)
    is_int (run_call (f, SYS_getppid, 0, 0, 0), CHILD_KILLED + SIGSYS,
            "KILL (= KILL_THREAD) of the only thread: SIGSYS");
  seccomp_filter_free (f);

  f = must_compile ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
                    "{'names':['getppid'],'action':'SCMP_ACT_TRAP'}]}",
                    "TRAP");
  if (f)
    is_int (run_call (f, SYS_getppid, 0, 0, 0), CHILD_KILLED + SIGSYS,
            "TRAP: SIGSYS, not handled here");
  seccomp_filter_free (f);

  f = must_compile ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
                    "{'names':['getppid'],'action':'SCMP_ACT_LOG'}]}",
                    "LOG");
  if (f)
    is_int (run_call (f, SYS_getppid, 0, 0, 0), 0, "LOG: the call runs");
  seccomp_filter_free (f);

  f = must_compile ("{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':13,'syscalls':[" ALLOW_EXIT
                    ",{'names':['getpid'],'action':'SCMP_ACT_ALLOW'}]}",
                    "default ERRNO with defaultErrnoRet");
  if (f)
    {
      is_int (run_call (f, SYS_getppid, 0, 0, 0), EACCES, "defaultErrnoRet is returned");
      is_int (run_call (f, SYS_getpid, 0, 0, 0), 0, "allow-listed call runs");
    }
  seccomp_filter_free (f);
}

static void
test_skipped (void)
{
  struct seccomp_filter *f;

  /* libseccomp refuses these rules (EACCES): they change nothing. */
  f = must_compile ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
                    "{'names':['getppid'],'action':'SCMP_ACT_ALLOW'}]}",
                    "rule ALLOW under default ALLOW");
  seccomp_filter_free (f);

  f = must_compile ("{'defaultAction':'SCMP_ACT_ERRNO','syscalls':[" ALLOW_EXIT ","
                    "{'names':['getppid'],'action':'SCMP_ACT_ERRNO'},"
                    "{'names':['getppid'],'action':'SCMP_ACT_ERRNO','errnoRet':1},"
                    "{'names':['getpid'],'action':'SCMP_ACT_ERRNO','errnoRet':38}]}",
                    "rules equal to default ERRNO(EPERM), explicit or implied");
  if (f)
    {
      is_int (run_call (f, SYS_getppid, 0, 0, 0), EPERM, "  skipped rule: default applies");
      is_int (run_call (f, SYS_getpid, 0, 0, 0), ENOSYS,
              "  ERRNO(38) differs from the default and is kept");
    }
  seccomp_filter_free (f);

  f = must_compile ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
                    "{'names':['cove_no_such_syscall','getppid'],'action':'SCMP_ACT_ERRNO'}]}",
                    "unknown syscall name");
  if (f)
    is_int (run_call (f, SYS_getppid, 0, 0, 0), EPERM, "  the known names of the rule still apply");
  seccomp_filter_free (f);

  /* socketcall/ipc exist on 32-bit x86 only: libseccomp gives pseudo
   * numbers that apply where the call exists. */
  f = must_compile ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
                    "{'names':['socketcall','ipc','getppid'],'action':'SCMP_ACT_ERRNO'}]}",
                    "syscalls of another architecture");
  seccomp_filter_free (f);

  /* LOONGARCH64, M68K, SH(EB) came with libseccomp 2.6: skipped before. */
  f = must_compile (
      "{'defaultAction':'SCMP_ACT_ALLOW','architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_X86',"
      "'SCMP_ARCH_X32','SCMP_ARCH_AARCH64','SCMP_ARCH_ARM','SCMP_ARCH_LOONGARCH64',"
      "'SCMP_ARCH_M68K','SCMP_ARCH_SH','SCMP_ARCH_SHEB'],'syscalls':["
      "{'names':['getppid'],'action':'SCMP_ACT_ERRNO'}]}",
      "every architecture, native and unknown ones included");
  if (f)
    is_int (run_call (f, SYS_getppid, 0, 0, 0), EPERM, "  the multi-arch filter works natively");
  seccomp_filter_free (f);
}

static void
test_args (void)
{
  struct seccomp_filter *f;

  /* lseek on fds that are not open: EBADF from the kernel, 77 from us. */
  f = must_compile ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
                    "{'names':['lseek'],'action':'SCMP_ACT_ERRNO','errnoRet':77,'args':["
                    "{'index':0,'value':1000,'op':'SCMP_CMP_EQ'},"
                    "{'index':2,'value':2,'op':'SCMP_CMP_EQ'}]}]}",
                    "two arguments: one rule, AND");
  if (f)
    {
      is_int (run_call (f, SYS_lseek, 1000, 0, 2), 77, "  both match");
      is_int (run_call (f, SYS_lseek, 1000, 0, 0), EBADF, "  first only");
      is_int (run_call (f, SYS_lseek, 1001, 0, 2), EBADF, "  second only");
    }
  seccomp_filter_free (f);

  f = must_compile ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
                    "{'names':['lseek'],'action':'SCMP_ACT_ERRNO','errnoRet':77,'args':["
                    "{'index':0,'value':1000,'op':'SCMP_CMP_EQ'},"
                    "{'index':0,'value':1001,'op':'SCMP_CMP_EQ'}]}]}",
                    "same argument twice: one rule each, OR (runc)");
  if (f)
    {
      is_int (run_call (f, SYS_lseek, 1000, 0, 0), 77, "  first value");
      is_int (run_call (f, SYS_lseek, 1001, 0, 0), 77, "  second value");
      is_int (run_call (f, SYS_lseek, 1002, 0, 0), EBADF, "  neither");
    }
  seccomp_filter_free (f);

  f = must_compile ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
                    "{'names':['lseek'],'action':'SCMP_ACT_ERRNO','errnoRet':77,'args':["
                    "{'index':2,'value':2,'valueTwo':2,'op':'SCMP_CMP_MASKED_EQ'}]}]}",
                    "MASKED_EQ");
  if (f)
    {
      is_int (run_call (f, SYS_lseek, 1000, 0, 3), 77, "  (3 & 2) == 2");
      is_int (run_call (f, SYS_lseek, 1000, 0, 1), EBADF, "  (1 & 2) != 2");
    }
  seccomp_filter_free (f);

  f = must_compile ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
                    "{'names':['lseek'],'action':'SCMP_ACT_ERRNO','errnoRet':77,'args':["
                    "{'index':0,'value':1000,'op':'SCMP_CMP_GE'},"
                    "{'index':2,'value':1,'op':'SCMP_CMP_NE'}]}]}",
                    "GE and NE");
  if (f)
    {
      is_int (run_call (f, SYS_lseek, 1005, 0, 0), 77, "  1005 >= 1000 and 0 != 1");
      is_int (run_call (f, SYS_lseek, 999, 0, 0), EBADF, "  999 < 1000");
      is_int (run_call (f, SYS_lseek, 1005, 0, 1), EBADF, "  whence 1");
    }
  seccomp_filter_free (f);
}

static void
test_flags (void)
{
  struct seccomp_filter *f;
  bool spec = seccomp_flag_supported ("SECCOMP_FILTER_FLAG_SPEC_ALLOW");

  ok (seccomp_flag_supported ("SECCOMP_FILTER_FLAG_LOG"),
      "this kernel has SECCOMP_FILTER_FLAG_LOG");
  ok (!seccomp_flag_supported ("SECCOMP_FILTER_FLAG_BOGUS"), "unknown flag is not supported");

  f = must_compile ("{'defaultAction':'SCMP_ACT_ALLOW'}", "no flags");
  if (f)
    is_int (f->flags, spec ? SECCOMP_FILTER_FLAG_SPEC_ALLOW : 0,
            "  no flags: SPEC_ALLOW when the kernel has it");
  seccomp_filter_free (f);

  f = must_compile ("{'defaultAction':'SCMP_ACT_ALLOW','flags':[]}", "flags: []");
  if (f)
    is_int (f->flags, 0, "  flags: [] means none");
  seccomp_filter_free (f);

  f = must_compile ("{'defaultAction':'SCMP_ACT_ALLOW','flags':['SECCOMP_FILTER_FLAG_LOG',"
                    "'SECCOMP_FILTER_FLAG_TSYNC'],'syscalls':["
                    "{'names':['getppid'],'action':'SCMP_ACT_ERRNO'}]}",
                    "flags LOG and TSYNC");
  if (f)
    {
      is_int (f->flags, SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_TSYNC, "  both set");
      is_int (run_call (f, SYS_getppid, 0, 0, 0), EPERM, "  the filter loads with them");
    }
  seccomp_filter_free (f);

  if (seccomp_flag_supported ("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"))
    {
      f = must_compile ("{'defaultAction':'SCMP_ACT_ALLOW','flags':["
                        "'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV']}",
                        "WAIT_KILLABLE_RECV without a notify rule");
      if (f)
        is_int (f->flags, 0, "  dropped: the kernel takes it only with a listener");
      seccomp_filter_free (f);
    }
  else
    skip (2, "kernel without SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");

  /* oci-spec rejects unknown names; a hand-made struct reaches us. */
  {
    char *flags[] = { (char *) "SECCOMP_FILTER_FLAG_BOGUS", NULL };
    struct oci_seccomp s = { .default_action = (char *) "SCMP_ACT_ALLOW", .flags = flags };
    rt_error_t err = NULL;
    cleanup_free char *msg = NULL;

    f = NULL;
    ok (seccomp_compile (&s, &f, &err) < 0 && f == NULL, "unknown flag: error");
    msg = err ? rt_error_text (err) : NULL;
    is_str (msg, "linux.seccomp.flags: unknown flag `SECCOMP_FILTER_FLAG_BOGUS`",
            "  unknown flag: message");
    rt_error_free (&err);
  }
}

static void
test_errors (void)
{
  cleanup_free char *e1 = NULL, *e2 = NULL, *e3 = NULL, *e4 = NULL;

  e1 = compile_error ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
                      "{'names':['lseek'],'action':'SCMP_ACT_ERRNO','args':["
                      "{'index':0,'value':1,'op':'SCMP_CMP_EQ'},"
                      "{'index':6,'value':1,'op':'SCMP_CMP_EQ'}]}]}");
  is_str (e1, "linux.seccomp.syscalls[0].args[1].index: 6 is out of range (0 to 5)",
          "argument index 6");

  e2 = compile_error ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
                      "{'names':['getpid'],'action':'SCMP_ACT_LOG'},"
                      "{'names':['getppid'],'action':'SCMP_ACT_ERRNO','errnoRet':65536}]}");
  is_str (e2, "linux.seccomp.syscalls[1]: errno return 65536 is out of range (0 to 65535)",
          "errnoRet 65536 (would be truncated to 0)");

  e3 = compile_error ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
                      "{'names':['lseek'],'action':'SCMP_ACT_ERRNO','args':["
                      "{'index':0,'value':1,'op':'SCMP_CMP_EQ'}]},"
                      "{'names':['lseek'],'action':'SCMP_ACT_LOG','args':["
                      "{'index':0,'value':1,'op':'SCMP_CMP_EQ'}]}]}");
  is_str (e3,
          "linux.seccomp.syscalls[1]: rule for `lseek` conflicts with an earlier rule with the "
          "same arguments",
          "two actions for the same call and arguments");

  /* The validator's check, which the compiler repeats. */
  e4 = compile_error ("{'defaultAction':'SCMP_ACT_ALLOW','defaultErrnoRet':5}");
  ok (strstr (e4, "defaultErrnoRet") != NULL, "defaultErrnoRet with ALLOW: %s", e4);
}

static char *
fixture (const char *name)
{
  const char *srcdir = getenv ("srcdir");
  const char *slash = strrchr (__FILE__, '/');

  if (srcdir != NULL)
    return xasprintf ("%s/tests/unit/fixtures/%s", srcdir, name);
  return xasprintf ("%.*s/fixtures/%s", slash ? (int) (slash - __FILE__) : 1,
                    slash ? __FILE__ : ".", name);
}

/* A real engine profile: default ERRNO(ENOSYS), ~350 allowed names,
 * conditional personality, clone and socket rules. */
static void
test_podman_profile (void)
{
  cleanup_free char *path = fixture ("podman-config.json");
  char *msg = NULL;
  struct oci_config *c = oci_config_parse_file (path, "podman-config.json", &msg);
  struct seccomp_filter *f = NULL;
  rt_error_t err = NULL;

  if (!ok (c != NULL, "podman profile parses"))
    {
      diag ("%s", msg);
      free (msg);
      skip (6, "no profile");
      return;
    }
  ok (seccomp_compile (c->linux_->seccomp, &f, &err) == 0 && f, "podman profile compiles");
  if (err)
    {
      cleanup_free char *t = rt_error_text (err);
      diag ("%s", t);
      rt_error_free (&err);
    }
  oci_config_free (c);
  if (f == NULL)
    {
      skip (5, "no filter");
      return;
    }
  ok (f->len > 100 && !f->listener, "  %u instructions, no listener", f->len);
  is_int (run_call (f, SYS_getppid, 0, 0, 0), 0, "  allow-listed getppid");
  is_int (run_call (f, SYS_personality, 0xffffffff, 0, 0), 0, "  personality query allowed");
  is_int (run_call (f, SYS_personality, 0x1234, 0, 0), ENOSYS,
          "  personality(0x1234): default ERRNO(38)");
  is_int (run_call (f, SYS_add_key, 0, 0, 0), ENOSYS, "  add_key is not listed: ENOSYS");
  seccomp_filter_free (f);
}

static void
test_listener_message (void)
{
  cleanup_free char *m1 = seccomp_listener_message (42, NULL, "{\"id\":\"a\"}");
  cleanup_free char *m2 = seccomp_listener_message (7, "q\"b\\s\n\x01\xc3\xa9", "{}");

  is_str (m1,
          "{\"ociVersion\":\"" OCI_VERSION "\",\"fds\":[\"seccompFd\"],\"pid\":42,"
          "\"state\":{\"id\":\"a\"}}",
          "listener message without metadata");
  is_str (m2,
          "{\"ociVersion\":\"" OCI_VERSION "\",\"fds\":[\"seccompFd\"],\"pid\":7,"
          "\"metadata\":\"q\\\"b\\\\s\\u000a\\u0001\xc3\xa9\",\"state\":{}}",
          "metadata escaped, UTF-8 kept");
}

/* Receives one message and its fd from a connected stream socket, reading
 * the text until EOF. */
static char *
receive_all (int sock, int *fd)
{
  char buf[4096], cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
  struct msghdr mh
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *cm;
  size_t len = 0;
  char *text = xzalloc (1);
  ssize_t n;

  *fd = -1;
  n = recvmsg (sock, &mh, MSG_CMSG_CLOEXEC);
  cm = n > 0 ? CMSG_FIRSTHDR (&mh) : NULL;
  if (cm && cm->cmsg_type == SCM_RIGHTS)
    memcpy (fd, CMSG_DATA (cm), sizeof (int));
  while (n > 0)
    {
      text = xrealloc (text, len + n + 1);
      memcpy (text + len, buf, n);
      len += n;
      text[len] = '\0';
      n = read (sock, buf, sizeof buf);
    }
  return text;
}

/* The whole notify path without a runtime: the child loads a filter that
 * notifies on getppid, sends the fd with seccomp_send_to_listener to a
 * socket we listen on, and calls getppid; we answer EXDEV. */
static void
test_notify (void)
{
  char dir[] = "/tmp/cove-test-seccomp.XXXXXX";
  cleanup_free char *path = NULL;
  cleanup_free char *text = NULL;
  cleanup_free char *want = NULL;
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  struct seccomp_filter *f;
  struct seccomp_notif req;
  struct seccomp_notif_resp resp;
  int lsock, conn, nfd = -1, status;
  pid_t pid;

  f = must_compile ("{'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'/unused',"
                    "'flags':['SECCOMP_FILTER_FLAG_TSYNC'],'syscalls':["
                    "{'names':['getppid'],'action':'SCMP_ACT_NOTIFY'}]}",
                    "NOTIFY rule");
  if (f == NULL)
    {
      skip (7, "no filter");
      return;
    }
  ok (f->listener && (f->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)
          && !(f->flags & SECCOMP_FILTER_FLAG_TSYNC),
      "  listener: NEW_LISTENER set, TSYNC dropped (flags %#x)", f->flags);

  if (mkdtemp (dir) == NULL)
    abort ();
  path = xasprintf ("%s/listener.sock", dir);
  strcpy (addr.sun_path, path);
  lsock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (lsock < 0 || bind (lsock, (struct sockaddr *) &addr, sizeof addr) < 0
      || listen (lsock, 1) < 0)
    abort ();

  fflush (stdout);
  pid = fork ();
  if (pid == 0)
    {
      rt_error_t err = NULL;
      char *msg;
      long r;

      if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_load_bpf (f, &nfd, &err) < 0)
        _exit (250);
      msg = seccomp_listener_message (getpid (), "meta", "{\"status\":\"creating\"}");
      if (seccomp_send_to_listener (path, nfd, msg, &err) < 0)
        _exit (251);
      close (nfd);
      r = syscall (SYS_getppid);
      _exit (r < 0 ? errno : 0);
    }

  conn = accept4 (lsock, NULL, NULL, SOCK_CLOEXEC);
  text = conn >= 0 ? receive_all (conn, &nfd) : NULL;
  want = xasprintf ("{\"ociVersion\":\"%s\",\"fds\":[\"seccompFd\"],\"pid\":%d,"
                    "\"metadata\":\"meta\",\"state\":{\"status\":\"creating\"}}",
                    OCI_VERSION, (int) pid);
  is_str (text, want, "  the listener gets the container process state");
  ok (nfd >= 0, "  and an fd with it");

  memset (&req, 0, sizeof req);
  ok (nfd >= 0 && ioctl (nfd, SECCOMP_IOCTL_NOTIF_RECV, &req) == 0, "  a notification arrives");
  is_int (req.data.nr, SYS_getppid, "  for getppid");
  is_int (req.pid, pid, "  from the child");
  memset (&resp, 0, sizeof resp);
  resp.id = req.id;
  resp.error = -EXDEV;
  ok (nfd >= 0 && ioctl (nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0, "  the answer is taken");
  if (nfd < 0)
    kill (pid, SIGKILL);
  waitpid (pid, &status, 0);
  is_int (WIFEXITED (status) ? WEXITSTATUS (status) : -1, EXDEV, "  the child sees EXDEV");

  if (nfd >= 0)
    close (nfd);
  if (conn >= 0)
    close (conn);
  close (lsock);
  unlink (path);
  rmdir (dir);
  seccomp_filter_free (f);
}

/* A listener path longer than sun_path (108 bytes) is still reached. */
static void
test_long_listener_path (void)
{
  char top[] = "/tmp/cove-test-seccomp.XXXXXX";
  char name[]
      = "a-directory-name-long-enough-to-push-the-socket-path-past-the-108-bytes-of-sun_path";
  struct sockaddr_un addr = { .sun_family = AF_UNIX, .sun_path = "l.sock" };
  cleanup_free char *dir = NULL;
  cleanup_free char *path = NULL;
  cleanup_free char *text = NULL;
  rt_error_t err = NULL;
  int pipefd[2], lsock, conn, fd = -1, cwd;

  if (mkdtemp (top) == NULL || pipe (pipefd) < 0)
    abort ();
  dir = xasprintf ("%s/%s", top, name);
  path = xasprintf ("%s/l.sock", dir);
  cwd = open (".", O_PATH | O_DIRECTORY);
  lsock = socket (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (cwd < 0 || lsock < 0 || mkdir (dir, 0700) < 0 || chdir (dir) < 0
      || bind (lsock, (struct sockaddr *) &addr, sizeof addr) < 0 || listen (lsock, 1) < 0
      || fchdir (cwd) < 0)
    abort ();

  ok (strlen (path) >= sizeof addr.sun_path, "listener path of %zu bytes", strlen (path));
  ok (seccomp_send_to_listener (path, pipefd[1], "{\"x\":1}", &err) == 0, "  sent");
  if (err)
    {
      cleanup_free char *t = rt_error_text (err);
      diag ("%s", t);
      rt_error_free (&err);
    }
  conn = accept4 (lsock, NULL, NULL, SOCK_CLOEXEC);
  text = conn >= 0 ? receive_all (conn, &fd) : NULL;
  is_str (text, "{\"x\":1}", "  received");
  ok (fd >= 0 && write (fd, "z", 1) == 1, "  the fd is the pipe's write end");

  if (fd >= 0)
    close (fd);
  if (conn >= 0)
    close (conn);
  close (lsock);
  close (cwd);
  close (pipefd[0]);
  close (pipefd[1]);
  unlink (path);
  rmdir (dir);
  rmdir (top);
}

static void
test_listener_gone (void)
{
  rt_error_t err = NULL;
  cleanup_free char *msg = NULL;

  ok (seccomp_send_to_listener ("/nonexistent/cove.sock", 0, "{}", &err) < 0,
      "listener that does not exist: error");
  msg = err ? rt_error_text (err) : NULL;
  is_str (msg, "connect to seccomp listener `/nonexistent/cove.sock`: No such file or directory",
          "  message");
  rt_error_free (&err);
}

int
main (void)
{
  signal (SIGPIPE, SIG_IGN);
  test_none ();
  test_actions ();
  test_skipped ();
  test_args ();
  test_flags ();
  test_errors ();
  test_podman_profile ();
  test_listener_message ();
  test_notify ();
  test_long_listener_path ();
  test_listener_gone ();
  return done_testing ();
}
