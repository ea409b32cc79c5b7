/* seccomp-listener: the agent at linux.seccomp.listenerPath for the
   seccomp tests.

       seccomp-listener [-e ERRNO] [-t SECONDS] SOCKET STATE

   Listens on the unix stream socket SOCKET, accepts one connection and
   reads what the runtime sends: the container process state, one JSON
   object, and exactly one fd with SCM_RIGHTS, the seccomp notify fd.  The
   JSON is written to the file STATE (complete once it exists: it is
   written under another name and renamed), for the test to check with jq.
   Then it waits up to 2 s for the runtime to close the connection, waits
   for one notification on the fd, answers it with the error ERRNO
   (default EPERM), prints `nr=N pid=P closed=yes|no|extra-data` (the
   syscall number, the caller's pid as seen here, whether the runtime
   closed the connection after the state as it must) on stdout, and exits.
   Closing the fd makes the kernel fail the later notifications of the
   filter with ENOSYS.

   The socket appears at SOCKET only once it is listening (bound under a
   temporary name, then renamed), so a runtime may connect as soon as the
   file exists.  -t gives up after SECONDS (default 60).  Exit status: 0
   on success, 1 on a failure (the message says what), 2 on bad usage.  */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static void
die (const char *what)
{
  fprintf (stderr, "seccomp-listener: %s: %s\n", what, strerror (errno));
  exit (1);
}

static void
die_msg (const char *what)
{
  fprintf (stderr, "seccomp-listener: %s\n", what);
  exit (1);
}

static void
on_alarm (int sig)
{
  (void) sig;
  static const char msg[] = "seccomp-listener: timed out\n";
  if (write (2, msg, sizeof msg - 1) < 0)
    {
      /* Lost; the exit status still tells (a (void) cast does not
         silence warn_unused_result). */
    }
  _exit (1);
}

/* Bind next to `path` under a temporary name, listen, then rename: the
   socket is never visible before it accepts connections.  The directory
   is entered so long paths fit sun_path. */
static int
listen_at (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  const char *slash = strrchr (path, '/');
  const char *base = slash ? slash + 1 : path;
  char *dir = slash ? strndup (path, slash == path ? 1 : (size_t) (slash - path)) : NULL;
  char tmp[64];
  int sock;

  if (dir && chdir (dir) < 0)
    die ("chdir to the socket's directory");
  free (dir);
  snprintf (tmp, sizeof tmp, ".seccomp-listener.%d", (int) getpid ());
  strcpy (addr.sun_path, tmp);
  sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    die ("socket");
  unlink (tmp);
  if (bind (sock, (struct sockaddr *) &addr, sizeof addr) < 0)
    die ("bind");
  if (listen (sock, 1) < 0)
    die ("listen");
  if (rename (tmp, base) < 0)
    die ("rename the socket into place");
  return sock;
}

/* Whether text[0..n) holds one whole JSON object: braces are counted
   outside strings.  Enough for a document a runtime wrote. */
static bool
json_complete (const char *text, size_t n)
{
  bool in_str = false, esc = false, started = false;
  int depth = 0;
  size_t i;

  for (i = 0; i < n; i++)
    {
      char c = text[i];
      if (in_str)
        {
          if (esc)
            esc = false;
          else if (c == '\\')
            esc = true;
          else if (c == '"')
            in_str = false;
        }
      else if (c == '"')
        in_str = true;
      else if (c == '{' || c == '[')
        {
          depth++;
          started = true;
        }
      else if (c == '}' || c == ']')
        depth--;
    }
  return started && depth == 0;
}

/* The first message carries the fd; the rest of the text follows until
   the object is complete (runc 1.1 keeps the connection open while its
   `run` lives, so EOF cannot be the end). */
static char *
receive (int conn, int *fd, size_t *len)
{
  char cbuf[CMSG_SPACE (sizeof (int) * 4)];
  size_t cap = 4096, n = 0;
  char *text = malloc (cap + 1);
  struct iovec iov = { .iov_base = text, .iov_len = cap };
  struct msghdr mh
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *cm;
  ssize_t r;

  if (text == NULL)
    die ("malloc");
  *fd = -1;
  r = recvmsg (conn, &mh, MSG_CMSG_CLOEXEC);
  if (r < 0)
    die ("recvmsg");
  if (mh.msg_flags & MSG_CTRUNC)
    die_msg ("more fds than expected (control data truncated)");
  for (cm = CMSG_FIRSTHDR (&mh); cm; cm = CMSG_NXTHDR (&mh, cm))
    {
      if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
        continue;
      if (cm->cmsg_len != CMSG_LEN (sizeof (int)) || *fd >= 0)
        die_msg ("expected exactly one fd");
      memcpy (fd, CMSG_DATA (cm), sizeof (int));
    }
  if (*fd < 0)
    die_msg ("no fd came with the first message");
  while (r > 0)
    {
      n += r;
      if (json_complete (text, n))
        break;
      if (n == cap)
        {
          cap *= 2;
          text = realloc (text, cap + 1);
          if (text == NULL)
            die ("realloc");
        }
      r = read (conn, text + n, cap - n);
    }
  if (r < 0)
    die ("read");
  if (r == 0)
    die_msg ("connection closed before the state was complete");
  text[n] = '\0';
  *len = n;
  return text;
}

/* The runtime MUST close the connection after the state: wait up to 2 s
   for EOF.  Anything more on it is a protocol error too. */
static const char *
peer_closed (int conn)
{
  struct pollfd pfd = { .fd = conn, .events = POLLIN };
  char c;

  if (poll (&pfd, 1, 2000) <= 0)
    return "no";
  return read (conn, &c, 1) == 0 ? "yes" : "extra-data";
}

static void
write_state (const char *path, const char *text, size_t len)
{
  char tmp[4096];
  FILE *f;

  snprintf (tmp, sizeof tmp, "%s.tmp", path);
  f = fopen (tmp, "w");
  if (f == NULL || fwrite (text, 1, len, f) != len || fclose (f) != 0)
    die ("write the state file");
  if (rename (tmp, path) < 0)
    die ("rename the state file");
}

int
main (int argc, char **argv)
{
  struct seccomp_notif req;
  struct seccomp_notif_resp resp;
  char *state_path, *text, *cwd;
  const char *closed;
  int err_ret = EPERM, secs = 60, opt, lsock, conn, fd;
  size_t len;

  while ((opt = getopt (argc, argv, "e:t:")) != -1)
    switch (opt)
      {
      case 'e':
        err_ret = atoi (optarg);
        break;
      case 't':
        secs = atoi (optarg);
        break;
      default:
        fprintf (stderr, "usage: seccomp-listener [-e ERRNO] [-t SECONDS] SOCKET STATE\n");
        return 2;
      }
  if (argc - optind != 2)
    {
      fprintf (stderr, "usage: seccomp-listener [-e ERRNO] [-t SECONDS] SOCKET STATE\n");
      return 2;
    }
  signal (SIGALRM, on_alarm);
  alarm (secs);
  /* listen_at changes directory: keep STATE's meaning. */
  state_path = argv[optind + 1];
  if (state_path[0] != '/')
    {
      cwd = getcwd (NULL, 0);
      if (cwd == NULL || asprintf (&state_path, "%s/%s", cwd, argv[optind + 1]) < 0)
        die ("getcwd");
    }

  lsock = listen_at (argv[optind]);
  conn = accept4 (lsock, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    die ("accept");
  text = receive (conn, &fd, &len);
  write_state (state_path, text, len);
  free (text);
  closed = peer_closed (conn);
  close (conn);
  close (lsock);

  memset (&req, 0, sizeof req);
  while (ioctl (fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
    {
      if (errno != EINTR)
        die ("SECCOMP_IOCTL_NOTIF_RECV (is it a seccomp notify fd?)");
      memset (&req, 0, sizeof req);
    }
  memset (&resp, 0, sizeof resp);
  resp.id = req.id;
  resp.error = -err_ret;
  /* ENOENT: the caller died meanwhile; nothing to answer. */
  if (ioctl (fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
    die ("SECCOMP_IOCTL_NOTIF_SEND");
  printf ("nr=%d pid=%d closed=%s\n", req.data.nr, (int) req.pid, closed);
  return 0;
}
