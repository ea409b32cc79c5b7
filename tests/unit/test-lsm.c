/* lsm.c: label writes go only to procfs; AppArmor asked without AppArmor
 * is an error; SELinux without SELinux is a no-op. */
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
  return strstr (err->msg, "is not on procfs") ? 0 : 1;
}

int
main (void)
{
  rt_error_t err = NULL;
  int status;
  pid_t pid;

  plan (9);

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
    ok (lsm_check (NULL, "unconfined", &err) == 0, "apparmor enabled: a profile is accepted");
  else
    {
      int r = lsm_check (NULL, "docker-default", &err);
      ok (r < 0 && err && strstr (err->msg, ".process.apparmorProfile")
              && strstr (err->msg, "AppArmor is not enabled"),
          "apparmor disabled: a profile is a one-line error naming the field");
      rt_error_free (&err);
    }
  ok (lsm_check ("system_u:system_r:container_t:s0", NULL, &err) == 0,
      "an SELinux label never fails the check (a no-op without SELinux)");

  if (lsm_selinux_enabled ())
    skip (1, "SELinux is enabled here: the no-op case does not apply");
  else
    ok (lsm_set_exec_labels ("system_u:system_r:container_t:s0", NULL, &err) == 0,
        "SELinux disabled: setting the exec label is a clean no-op");
  rt_error_free (&err);

  if (geteuid () != 0)
    {
      skip (2, "needs root for a private mount namespace");
      return done_testing ();
    }
  pid = fork ();
  if (pid == 0)
    _exit (attr_redirect_child ());
  waitpid (pid, &status, 0);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 2)
    skip (1, "could not mount over the attr directory here");
  else
    ok (WIFEXITED (status) && WEXITSTATUS (status) == 0,
        "a label write into a non-procfs file (mounted over attr/) is refused");

  /* On the real procfs the write is attempted: with no LSM the kernel
   * refuses it, but not with our "not on procfs" refusal. */
  {
    int r = lsm_write_proc_attr ("exec", "x", &err);
    ok (r == 0 || (err && strstr (err->msg, "is not on procfs") == NULL),
        "the real procfs attr file passes the procfs check");
    rt_error_free (&err);
  }
  return done_testing ();
}
