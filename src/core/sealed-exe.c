/* Re-executing the runtime from a sealed memfd copy of itself.
 *
 * While a cove process is visible inside a container (init running
 * startContainer hooks from the image, init joining a pid namespace that
 * has other processes, the process of `cove exec` before its execve), a
 * process there with CAP_SYS_PTRACE can open /proc/<pid>/exe, keep the fd
 * and reopen it for writing once cove has exited: the host's binary would
 * be overwritten.  From a memfd sealed against writes there is nothing to
 * overwrite.  The copy costs a few hundred microseconds, so it is made only
 * when container code can run while cove does (see its callers). */
#include <config.h>
#include "sealed-exe.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;
static char **saved_argv;

void
sealed_exe_set_argv (char **argv)
{
  saved_argv = argv;
}

bool
sealed_exe_active (void)
{
  cleanup_close int fd = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  int seals;

  if (fd < 0)
    return false;
  seals = fcntl (fd, F_GET_SEALS);
  return seals >= 0 && (seals & F_SEAL_WRITE);
}

static int
make_sealed_copy (rt_error_t *err)
{
  cleanup_close int src = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  struct stat st;
  off_t off = 0;
  int fd;

  if (src < 0 || fstat (src, &st) < 0)
    return rt_error_set (err, errno, "open /proc/self/exe");
  /* vm.memfd_noexec may require MFD_EXEC; older kernels refuse the flag. */
  fd = memfd_create ("cove", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd < 0 && errno == EINVAL)
    fd = memfd_create ("cove", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0)
    return rt_error_set (err, errno, "memfd_create");
  while (off < st.st_size)
    {
      ssize_t n = sendfile (fd, src, &off, st.st_size - off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          close (fd);
          return rt_error_set (err, n < 0 ? errno : EIO, "copy /proc/self/exe to a memfd");
        }
    }
  if (fcntl (fd, F_ADD_SEALS, SEALS) < 0)
    {
      close (fd);
      return rt_error_set (err, errno, "seal the memfd copy of cove");
    }
  return fd;
}

int
sealed_exe_reexec (rt_error_t *err)
{
  int fd;

  if (saved_argv == NULL)
    return rt_error_set (err, 0, "sealed re-exec: argv unknown");
  fd = make_sealed_copy (err);
  if (fd < 0)
    return -1;
  fexecve (fd, saved_argv, environ);
  close (fd);
  return rt_error_set (err, errno, "re-execute cove from its sealed copy");
}
