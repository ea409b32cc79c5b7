/* lsm.c: label writes go only to the kernel's own attr file (not to a
 * file mounted over it, on procfs or not); AppArmor asked without AppArmor
 * is an error, and with AppArmor a profile the kernel does not know is one
 * too; SELinux without SELinux is a no-op.  (Real confinement is tested in
 * a VM with AppArmor: tests/integration/t-apparmor.sh, which runs this
 * file there too.) */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lsm.h"
#include "tap.h"
#include "util.h"

/* In a private mount namespace, cover this thread's attr directory with a
 * tmpfs holding an `exec` file: the CVE-2019-16884 / CVE-2025-52881 shape,
 * where the label write would land somewhere that is not procfs.  Exit
 * status: 0 refused as expected, 1 written, 2 setup failed. */
static int
attr_redirect_child (void)
{
  char dir[128];
  rt_error_t err = NULL;
  int fd, ret;

  if (unshare (CLONE_NEWNS) < 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return 2;
  snprintf (dir, sizeof dir, "/proc/%d/task/%ld/attr", (int) getpid (), (long) syscall (SYS_gettid));
  if (mount ("tmpfs", dir, "tmpfs", 0, "size=16k") < 0)
    return 2;
  fd = open ("/proc/thread-self/attr/exec", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return 2;
  close (fd);
  ret = lsm_write_proc_attr ("exec", "system_u:system_r:spc_t:s0", &err);
  if (ret == 0)
    return 1;
  printf ("# refused: %s\n", err->msg);
  return strstr (err->msg, "refusing to write a label") ? 0 : 1;
}

/* The CVE-2025-52881 shape: another procfs file (this thread's comm, which
 * is harmless to write) bind-mounted over attr/exec.  It is on procfs, so
 * only the mount gives it away.  Exit status: 0 refused and comm unchanged,
 * 1 written, 2 setup failed. */
static int
attr_bind_procfs_child (void)
{
  char dir[128], comm[160], exec[160], name[32] = "";
  rt_error_t err = NULL;
  int fd, ret;
  ssize_t n;

  if (unshare (CLONE_NEWNS) < 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return 2;
  snprintf (dir, sizeof dir, "/proc/%d/task/%ld", (int) getpid (), (long) syscall (SYS_gettid));
  snprintf (comm, sizeof comm, "%s/comm", dir);
  snprintf (exec, sizeof exec, "%s/attr/exec", dir);
  if (mount (comm, exec, NULL, MS_BIND, NULL) < 0)
    return 2;
  ret = lsm_write_proc_attr ("exec", "redirected", &err);
  fd = open (comm, O_RDONLY | O_CLOEXEC);
  n = fd >= 0 ? read (fd, name, sizeof name - 1) : -1;
  if (fd >= 0)
    close (fd);
  if (n > 0)
    name[n] = '\0';
  printf ("# comm after the attempt: %s", name);
  if (ret == 0 || strncmp (name, "redirected", 10) == 0)
    return 1;
  printf ("# refused: %s\n", err->msg);
  return strstr (err->msg, "refusing to write a label") ? 0 : 1;
}

static void
run_child (int (*fn) (void), const char *what)
{
  int status;
  pid_t pid;

  fflush (stdout);
  pid = fork ();
  if (pid == 0)
    {
      int r = fn ();
      fflush (stdout);
      _exit (r);
    }
  waitpid (pid, &status, 0);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 2)
    skip (1, "could not mount over the attr files here");
  else
    ok (WIFEXITED (status) && WEXITSTATUS (status) == 0, "%s", what);
}

int
main (void)
{
  rt_error_t err = NULL;

  plan (11);

  {
    cleanup_free char *a = lsm_mount_data_with_label ("size=64k,mode=755", "system_u:object_r:c_t:s0:c1,c2");
    cleanup_free char *b = lsm_mount_data_with_label (NULL, "x_t");
    is_str (a, "size=64k,mode=755,context=\"system_u:object_r:c_t:s0:c1,c2\"",
            "mountLabel appended to data, quoted (the label has commas)");
    is_str (b, "context=\"x_t\"", "mountLabel alone when there is no data");
    ok (lsm_type_takes_mount_label ("tmpfs") && lsm_type_takes_mount_label ("mqueue"),
        "tmpfs and mqueue take the mount label");
    ok (!lsm_type_takes_mount_label ("proc") && !lsm_type_takes_mount_label ("bind"),
        "proc and bind mounts do not");
  }
  /* AppArmor: this check needs no privilege. */
  if (lsm_apparmor_enabled ())
    {
      int r;

      ok (lsm_check (NULL, "unconfined", &err) == 0,
          "apparmor enabled: a loaded profile is accepted");
      rt_error_free (&err);
      r = lsm_check (NULL, "cove-unit-test-no-such-profile", &err);
      ok (r < 0 && err && strstr (err->msg, "\"cove-unit-test-no-such-profile\" is not loaded"),
          "apparmor enabled: a profile the kernel does not know is an error naming it");
      if (err)
        printf ("# %s\n", err->msg);
      rt_error_free (&err);
    }
  else
    {
      int r = lsm_check (NULL, "docker-default", &err);
      ok (r < 0 && err && strstr (err->msg, ".process.apparmorProfile")
              && strstr (err->msg, "AppArmor is not enabled"),
          "apparmor disabled: a profile is a one-line error naming the field");
      rt_error_free (&err);
      skip (1, "AppArmor is not enabled: no profile can be loaded or unknown");
    }
  if (lsm_selinux_enabled ())
    skip (2, "SELinux is enabled here: the no-op cases do not apply");
  else
    {
      ok (lsm_check ("system_u:system_r:container_t:s0", NULL, &err) == 0,
          "SELinux disabled: an SELinux label never fails the check");
      ok (lsm_set_exec_labels ("system_u:system_r:container_t:s0", NULL, &err) == 0,
          "SELinux disabled: setting the exec label is a clean no-op");
    }
  rt_error_free (&err);

  if (geteuid () != 0)
    {
      skip (3, "needs root for a private mount namespace");
      return done_testing ();
    }
  run_child (attr_redirect_child,
             "a label write into a non-procfs file (mounted over attr/) is refused");
  run_child (attr_bind_procfs_child,
             "a label write into another procfs file (bind-mounted over attr/exec) is refused");

  /* On the real procfs the write is attempted: with no LSM the kernel
   * refuses it (and AppArmor refuses "x"), but not with our refusal. */
  {
    int r = lsm_write_proc_attr ("exec", "x", &err);
    ok (r == 0 || (err && strstr (err->msg, "refusing") == NULL),
        "the real procfs attr file passes the procfs check");
    if (err)
      printf ("# %s\n", err->msg);
    rt_error_free (&err);
  }
  return done_testing ();
}
