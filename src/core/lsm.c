/* SELinux and AppArmor exec labels: written only into the kernel's own
 * attr files (no mount over them), and tried out before create does
 * anything, so a profile the kernel does not know fails early. */
#include <config.h>
#include "lsm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

#ifdef HAVE_SELINUX
#include <selinux/selinux.h>
#endif

bool
lsm_selinux_enabled (void)
{
#ifdef HAVE_SELINUX
  static int enabled = -1;
  if (enabled < 0)
    enabled = is_selinux_enabled () > 0;
  return enabled;
#else
  return false;
#endif
}

bool
lsm_apparmor_enabled (void)
{
  static int enabled = -1;
  char c = 0;

  if (enabled < 0)
    {
      int fd = open ("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
      enabled = fd >= 0 && read (fd, &c, 1) == 1 && c == 'Y';
      if (fd >= 0)
        close (fd);
    }
  return enabled;
}

/* Procfs gives its root directory this inode number (PROC_ROOT_INO). */
#define PROC_ROOT_INODE 1

/* Open /proc/thread-self/attr/<name> for writing and prove it is the
 * kernel's own attr file: a container that mounted something over /proc,
 * over attr/ or over the file itself must not receive the label write
 * (CVE-2019-16884: a fake attr file; CVE-2025-52881: a bind mount of
 * another procfs file, e.g. sysrq-trigger, over it).  /proc must be a
 * procfs root, and the lookup below it may not cross any mount. */
static int
open_proc_attr (const char *name, rt_error_t *err)
{
  cleanup_free char *rel = xasprintf ("thread-self/attr/%s", name);
  cleanup_close int procfd = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct open_how how = {
    .flags = O_WRONLY | O_CLOEXEC | O_NOFOLLOW,
    .resolve = RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS,
  };
  struct statfs sfs;
  struct stat st;
  int was, fd, saved;

  if (procfd < 0)
    return rt_error_set (err, errno, "open `/proc`");
  if (fstatfs (procfd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC || fstat (procfd, &st) < 0
      || st.st_ino != PROC_ROOT_INODE)
    return rt_error_set (err, EPERM, "`/proc` is not a procfs root: refusing to write a label");
  /* A non-dumpable process's /proc files belong to root of the initial
   * user namespace: become dumpable just for the open. */
  was = prctl (PR_GET_DUMPABLE, 0, 0, 0, 0);
  if (was == 0)
    (void) prctl (PR_SET_DUMPABLE, 1, 0, 0, 0);
  fd = syscall (SYS_openat2, procfd, rel, &how, sizeof how);
  /* Before Linux 5.6 only the file system can be checked. */
  if (fd < 0 && errno == ENOSYS)
    fd = openat (procfd, rel, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  saved = errno;
  if (was == 0)
    (void) prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (fd < 0 && saved == EXDEV)
    return rt_error_set (err, EPERM,
                         "`/proc/%s` is covered by a mount: refusing to write a label", rel);
  if (fd < 0)
    return rt_error_set (err, saved, "open `/proc/%s`", rel);
  if (fstatfs (fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
    {
      close (fd);
      return rt_error_set (err, EPERM, "`/proc/%s` is not on procfs: refusing to write a label",
                           rel);
    }
  return fd;
}

int
lsm_write_proc_attr (const char *name, const char *value, rt_error_t *err)
{
  cleanup_close int fd = open_proc_attr (name, err);
  ssize_t n;

  if (fd < 0)
    return -1;
  n = write (fd, value, strlen (value));
  if (n < 0)
    return rt_error_set (err, errno, "write label `%s` to attr/%s", value, name);
  return 0;
}

/* `exec PROFILE` makes the kernel switch profiles at the next execve.  It
 * refuses a profile it does not know with ENOENT: say that plainly. */
static int
apparmor_set_exec (const char *profile, rt_error_t *err)
{
  cleanup_free char *v = xasprintf ("exec %s", profile);
  /* The stacked interface first (Linux >= 5.8), then the legacy one. */
  const char *name = "apparmor/exec";
  cleanup_close int fd = open_proc_attr (name, err);

  if (fd < 0 && (*err)->errnum == ENOENT)
    {
      rt_error_free (err);
      name = "exec";
      fd = open_proc_attr (name, err);
    }
  if (fd < 0)
    return -1;
  if (write (fd, v, strlen (v)) >= 0)
    return 0;
  if (errno == ENOENT)
    return rt_error_set (err, 0,
                         "AppArmor profile \"%s\" is not loaded "
                         "(see /sys/kernel/security/apparmor/profiles)",
                         profile);
  return rt_error_set (err, errno, "AppArmor profile \"%s\": write `%s` to attr/%s", profile, v,
                       name);
}

int
lsm_set_exec_labels (const char *selinux_label, const char *apparmor_profile, rt_error_t *err)
{
  if (selinux_label && *selinux_label && lsm_selinux_enabled ()
      && lsm_write_proc_attr ("exec", selinux_label, err) < 0)
    return rt_error_wrap (err, "process.selinuxLabel");
  if (apparmor_profile && *apparmor_profile && lsm_apparmor_enabled ()
      && apparmor_set_exec (apparmor_profile, err) < 0)
    return rt_error_wrap (err, "process.apparmorProfile");
  return 0;
}

/* Try the label writes in a throw-away child: the same writes init makes
 * just before execve, so a profile the kernel does not know (or a label
 * it refuses) fails here, before create has a side effect, and not later
 * at start.  The child's error comes back through a pipe; nothing back
 * means it succeeded (even if waitpid cannot tell, e.g. SIGCHLD ignored). */
static int
try_exec_labels (const char *selinux_label, const char *apparmor_profile, rt_error_t *err)
{
  cleanup_close int rfd = -1;
  cleanup_close int wfd = -1;
  char buf[1024];
  int fds[2], errnum = 0;
  ssize_t n;
  pid_t pid;

  if (pipe2 (fds, O_CLOEXEC) < 0)
    return rt_error_set (err, errno, "pipe");
  rfd = fds[0];
  wfd = fds[1];
  pid = fork ();
  if (pid < 0)
    return rt_error_set (err, errno, "fork to check the security labels");
  if (pid == 0)
    {
      rt_error_t e = NULL;

      if (lsm_set_exec_labels (selinux_label, apparmor_profile, &e) < 0)
        {
          (void) write_all (wfd, &e->errnum, sizeof e->errnum);
          (void) write_all (wfd, e->msg, strlen (e->msg));
          _exit (1);
        }
      _exit (0);
    }
  close (steal_fd (&wfd));
  /* The child's report: its errno, then its message. */
  n = read_all (rfd, buf, sizeof buf - 1);
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
  if (n == 0)
    return 0;
  if (n < (ssize_t) sizeof errnum)
    return rt_error_set (err, 0, "checking the security labels failed");
  buf[n] = '\0';
  memcpy (&errnum, buf, sizeof errnum);
  return rt_error_set (err, errnum, "%s", buf + sizeof errnum);
}

int
lsm_check (const char *selinux_label, const char *apparmor_profile, rt_error_t *err)
{
  bool selinux = selinux_label && *selinux_label && lsm_selinux_enabled ();
  bool apparmor = apparmor_profile && *apparmor_profile;

  if (apparmor && !lsm_apparmor_enabled ())
    return rt_error_set (err, 0,
                         "config.json: .process.apparmorProfile: profile \"%s\" requested but "
                         "AppArmor is not enabled on this host",
                         apparmor_profile);
  if (selinux || apparmor)
    return try_exec_labels (selinux ? selinux_label : NULL, apparmor_profile, err);
  return 0;
}

char *
lsm_mount_data_with_label (const char *data, const char *label)
{
  if (data == NULL || *data == '\0')
    return xasprintf ("context=\"%s\"", label);
  return xasprintf ("%s,context=\"%s\"", data, label);
}

bool
lsm_type_takes_mount_label (const char *type)
{
  static const char *const types[] = { "tmpfs", "devpts", "mqueue", "ramfs", NULL };
  size_t i;

  for (i = 0; type && types[i]; i++)
    if (strcmp (type, types[i]) == 0)
      return true;
  return false;
}
