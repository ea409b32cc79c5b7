/* SELinux and AppArmor exec labels, written through verified procfs fds. */
#include <config.h>
#include "lsm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
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

int
lsm_check (const char *selinux_label, const char *apparmor_profile, rt_error_t *err)
{
  (void) selinux_label;
  if (apparmor_profile && *apparmor_profile && !lsm_apparmor_enabled ())
    return rt_error_set (err, 0,
                         "config.json: .process.apparmorProfile: profile \"%s\" requested but "
                         "AppArmor is not enabled on this host",
                         apparmor_profile);
  return 0;
}

/* Open /proc/thread-self/attr/<name> for writing and prove it is procfs:
 * a container that mounted something over /proc must not receive the
 * label write (the CVE-2019-16884 and CVE-2025-52881 classes). */
static int
open_proc_attr (const char *name, rt_error_t *err)
{
  cleanup_free char *path = xasprintf ("/proc/thread-self/attr/%s", name);
  struct statfs sfs;
  int was = prctl (PR_GET_DUMPABLE, 0, 0, 0, 0);
  int fd, saved;

  /* A non-dumpable process's /proc files belong to root of the initial
   * user namespace: become dumpable just for the open. */
  if (was == 0)
    (void) prctl (PR_SET_DUMPABLE, 1, 0, 0, 0);
  fd = open (path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  saved = errno;
  if (was == 0)
    (void) prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (fd < 0)
    return rt_error_set (err, saved, "open `%s`", path);
  if (fstatfs (fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
    {
      close (fd);
      return rt_error_set (err, EPERM, "`%s` is not on procfs: refusing to write a label", path);
    }
  return fd;
}

int
lsm_write_proc_attr (const char *name, const char *value, rt_error_t *err)
{
  int fd = open_proc_attr (name, err);
  ssize_t n;

  if (fd < 0)
    return -1;
  n = write (fd, value, strlen (value));
  close (fd);
  if (n < 0)
    return rt_error_set (err, errno, "write label `%s` to attr/%s", value, name);
  return 0;
}

int
lsm_set_exec_labels (const char *selinux_label, const char *apparmor_profile, rt_error_t *err)
{
  if (selinux_label && *selinux_label && lsm_selinux_enabled ()
      && lsm_write_proc_attr ("exec", selinux_label, err) < 0)
    return rt_error_wrap (err, "process.selinuxLabel");
  if (apparmor_profile && *apparmor_profile && lsm_apparmor_enabled ())
    {
      cleanup_free char *v = xasprintf ("exec %s", apparmor_profile);
      /* The stacked interface first (Linux >= 5.8), then the legacy one. */
      if (access ("/proc/thread-self/attr/apparmor/exec", F_OK) == 0)
        {
          if (lsm_write_proc_attr ("apparmor/exec", v, err) < 0)
            return rt_error_wrap (err, "process.apparmorProfile");
        }
      else if (lsm_write_proc_attr ("exec", v, err) < 0)
        return rt_error_wrap (err, "process.apparmorProfile");
    }
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
