/* The intermediate process that joins namespaces and forks into them. */
#include <config.h>
#include "ns-spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "namespaces.h"
#include "sync.h"
#include "util.h"

pid_t
ns_spawn (int ns_fds[OCI_NS_COUNT], int clone_flags, ns_child_fn child_fn, void *arg,
          int report_fd, rt_error_t *err)
{
  int pidpipe[2];
  pid_t mid, pid = -1;
  int status;

  if (pipe2 (pidpipe, O_CLOEXEC) < 0)
    return rt_error_set (err, errno, "pipe");
  mid = fork ();
  if (mid < 0)
    {
      close (pidpipe[0]);
      close (pidpipe[1]);
      return rt_error_set (err, errno, "fork");
    }
  if (mid == 0)
    {
      rt_error_t cerr = NULL;
      pid_t child;

      close (pidpipe[0]);
      if (ns_join (ns_fds, &cerr) < 0)
        sync_die (report_fd, &cerr);
      child = syscall (SYS_clone, clone_flags | SIGCHLD, NULL, NULL, NULL, NULL);
      if (child == 0)
        {
          close (pidpipe[1]);
          child_fn (arg);
          _exit (EXIT_FAILURE); /* child_fn does not return */
        }
      if (child < 0)
        {
          rt_error_set (&cerr, errno, "fork into the container's namespaces");
          sync_die (report_fd, &cerr);
        }
      (void) write_all (pidpipe[1], &child, sizeof child);
      _exit (0);
    }
  close (pidpipe[1]);
  if (read_all (pidpipe[0], &pid, sizeof pid) != sizeof pid)
    pid = -1;
  close (pidpipe[0]);
  while (waitpid (mid, &status, 0) < 0 && errno == EINTR)
    ;
  if (pid <= 0)
    {
      struct sync_msg m;
      int fd = -1;

      if (sync_recv (report_fd, &m, &fd, err) > 0 && m.type == SYNC_ERROR)
        return rt_error_set (err, 0, "%s", m.text);
      rt_error_free (err);
      return rt_error_set (err, 0, "could not join the namespaces of the container");
    }
  return pid;
}
