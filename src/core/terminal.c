/* Pseudo-terminals for process.terminal, the --console-socket protocol,
 * and passing fds over unix sockets (SCM_RIGHTS). */
#include <config.h>
#include "terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "util.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO ('T', 0x41)
#endif
#ifndef DEVPTS_SUPER_MAGIC
#define DEVPTS_SUPER_MAGIC 0x1cd1
#endif

/* Every ptmx, /dev/ptmx or /dev/pts/ptmx, is char 5:2, and every slave
 * lives on a devpts.  Checking both keeps a hostile rootfs from handing us
 * another file through a /dev/ptmx or /dev/pts symlink (the /dev/console
 * attack class of CVE-2025-52565). */
static int
check_ptmx (int fd, rt_error_t *err)
{
  struct stat st;

  if (fstat (fd, &st) < 0)
    return rt_error_set (err, errno, "fstat `/dev/ptmx`");
  if (!S_ISCHR (st.st_mode) || major (st.st_rdev) != 5 || minor (st.st_rdev) != 2)
    return rt_error_set (err, 0, "`/dev/ptmx` is not the pty multiplexer");
  return 0;
}

static int
check_slave (int fd, rt_error_t *err)
{
  struct statfs sfs;

  if (fstatfs (fd, &sfs) < 0)
    return rt_error_set (err, errno, "fstatfs the pty slave");
  if (sfs.f_type != DEVPTS_SUPER_MAGIC)
    return rt_error_set (err, 0, "the pty slave is not on a devpts filesystem");
  return 0;
}

/* Fallback for kernels before 4.13 (no TIOCGPTPEER): open the slave by the
 * name the master reports. */
static int
open_slave_by_name (int master, rt_error_t *err)
{
  char name[64];
  int fd;

  if (ptsname_r (master, name, sizeof name) != 0)
    return rt_error_set (err, errno, "ptsname");
  fd = open (name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return rt_error_set (err, errno, "open `%s`", name);
  return fd;
}

int
term_open_pty (int *master, int *slave, rt_error_t *err)
{
  cleanup_close int m = -1;
  cleanup_close int s = -1;
  int unlock = 0;
  int ret;

  m = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0)
    return rt_error_set (err, errno, "open `/dev/ptmx`");
  ret = check_ptmx (m, err);
  if (ret < 0)
    return ret;
  if (ioctl (m, TIOCSPTLCK, &unlock) < 0)
    return rt_error_set (err, errno, "unlock the pty");
  /* TIOCGPTPEER opens the slave from the master's own devpts instance, with
   * no path lookup in between. */
  s = ioctl (m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (s < 0 && (errno == EINVAL || errno == ENOTTY))
    s = open_slave_by_name (m, err);
  else if (s < 0)
    return rt_error_set (err, errno, "open the pty slave");
  if (s < 0)
    return -1;
  ret = check_slave (s, err);
  if (ret < 0)
    return ret;
  *master = steal_fd (&m);
  *slave = steal_fd (&s);
  return 0;
}

int
term_setup_slave (int slave, bool has_size, uint32_t rows, uint32_t cols, rt_error_t *err)
{
  int fd;

  /* A process group leader cannot setsid(); one that already leads its
   * session is fine as it is. */
  if (setsid () < 0 && getsid (0) != getpid ())
    return rt_error_set (err, errno, "setsid");
  if (ioctl (slave, TIOCSCTTY, 0) < 0)
    return rt_error_set (err, errno, "make the pty the controlling terminal");
  if (has_size)
    {
      struct winsize ws = { .ws_row = rows, .ws_col = cols };
      if (ioctl (slave, TIOCSWINSZ, &ws) < 0)
        return rt_error_set (err, errno, "set the terminal size to %ux%u", (unsigned) rows,
                             (unsigned) cols);
    }
  for (fd = 0; fd <= 2; fd++)
    if (slave != fd && dup2 (slave, fd) < 0)
      return rt_error_set (err, errno, "dup2 the pty onto fd %d", fd);
  return 0;
}

/* Send `len` bytes and, when fd >= 0, fd as SCM_RIGHTS, in one sendmsg.
 * A zero-length payload becomes one NUL byte: stream sockets do not carry
 * control data without data, and on SEQPACKET an empty message would read
 * as EOF. */
static int
send_with_fd (int sock, int fd, const void *data, size_t len)
{
  char zero = '\0';
  struct iovec iov = { .iov_base = len ? (void *) data : &zero, .iov_len = len ? len : 1 };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } ctl;
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
  ssize_t n;

  memset (&ctl, 0, sizeof ctl);
  if (fd >= 0)
    {
      struct cmsghdr *c;
      msg.msg_control = ctl.buf;
      msg.msg_controllen = sizeof ctl.buf;
      c = CMSG_FIRSTHDR (&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (c), &fd, sizeof (int));
    }
  do
    n = sendmsg (sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return -1;
  if ((size_t) n != iov.iov_len)
    {
      errno = EMSGSIZE;
      return -1;
    }
  return 0;
}

int
fd_send (int sock, int fd, const void *data, size_t len, rt_error_t *err)
{
  if (send_with_fd (sock, fd, data, len) < 0)
    return rt_error_set (err, errno, "send fd %d over the socket", fd);
  return 0;
}

/* Returns the payload length (>= 0); *fd is the received fd or -1 when the
 * message carried none.  Received fds are close-on-exec.  Extra fds, which
 * our peers never send, are closed. */
int
fd_recv (int sock, int *fd, void *data, size_t len, rt_error_t *err)
{
  char dummy;
  struct iovec iov = { .iov_base = len ? data : &dummy, .iov_len = len ? len : 1 };
  union
  {
    char buf[CMSG_SPACE (sizeof (int) * 4)];
    struct cmsghdr align;
  } ctl;
  struct msghdr msg = {
    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf
  };
  struct cmsghdr *c;
  ssize_t n;

  *fd = -1;
  do
    n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return rt_error_set (err, errno, "receive an fd from the socket");
  for (c = CMSG_FIRSTHDR (&msg); c; c = CMSG_NXTHDR (&msg, c))
    {
      size_t i, nfds;
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
        continue;
      nfds = (c->cmsg_len - CMSG_LEN (0)) / sizeof (int);
      for (i = 0; i < nfds; i++)
        {
          int got;
          memcpy (&got, CMSG_DATA (c) + i * sizeof (int), sizeof (int));
          if (*fd < 0)
            *fd = got;
          else
            close (got);
        }
    }
  if (msg.msg_flags & MSG_CTRUNC)
    {
      if (*fd >= 0)
        close (*fd);
      *fd = -1;
      return rt_error_set (err, 0, "receive an fd from the socket: control data truncated");
    }
  if (n == 0 && *fd < 0)
    return rt_error_set (err, 0, "receive an fd from the socket: the peer closed it");
  return len ? (int) n : 0;
}

/* Connect to a unix socket by path.  sun_path holds 108 bytes; a longer
 * path is reached through its directory opened O_PATH, as
 * /proc/self/fd/<dirfd>/<name>, which fits. */
static int
connect_unix (const char *path, int type, rt_error_t *err)
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
      char *b = basename (base);

      dirfd = open (dirname (dir), O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (dirfd < 0)
        return rt_error_set (err, errno, "open the directory of console socket `%s`", path);
      ret = snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", dirfd, b);
      if (ret < 0 || (size_t) ret >= sizeof addr.sun_path)
        return rt_error_set (err, ENAMETOOLONG, "console socket `%s`", path);
    }
  sock = socket (AF_UNIX, type | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return rt_error_set (err, errno, "socket");
  do
    ret = connect (sock, (struct sockaddr *) &addr, sizeof addr);
  while (ret < 0 && errno == EINTR);
  if (ret < 0)
    return rt_error_set (err, errno, "connect to console socket `%s`", path);
  return steal_fd (&sock);
}

/* The protocol runc speaks, which conmon, containerd and podman expect:
 * one message, the pty name as payload, the master as SCM_RIGHTS, and no
 * reply.  Listeners are SOCK_STREAM in practice; a SEQPACKET listener
 * makes connect fail with EPROTOTYPE, and we retry with that type. */
int
term_send_to_socket (const char *path, int fd, const char *name, rt_error_t *err)
{
  cleanup_close int sock = -1;
  rt_error_t first = NULL;
  const char *payload = name && *name ? name : " ";

  sock = connect_unix (path, SOCK_STREAM, &first);
  if (sock < 0 && first->errnum == EPROTOTYPE)
    {
      rt_error_free (&first);
      sock = connect_unix (path, SOCK_SEQPACKET, err);
      if (sock < 0)
        return -1;
    }
  else if (sock < 0)
    {
      *err = first;
      return -1;
    }
  if (send_with_fd (sock, fd, payload, strlen (payload)) < 0)
    return rt_error_set (err, errno, "send the pty master to console socket `%s`", path);
  return 0;
}
