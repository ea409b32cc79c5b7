/* recvtty: the receiving end of --console-socket for the terminal tests.
   Listens on a unix socket path, accepts one connection, takes the pty
   master passed with SCM_RIGHTS and then either relays it or holds it:

       recvtty [-i TEXT] [-t SECONDS] PATH      relay (the default)
       recvtty -w SECONDS [-t SECONDS] PATH     hold

   On stderr it prints the message payload (the pty name the runtime sent)
   on one line, then `ptn=N`, the number of the pty (its slave is
   /dev/pts/N of the devpts the master came from), so a test can compare it
   with the /dev/console it sees inside.

   Relay: TEXT (if given; `\n` in it is taken as a newline) is written to
   the master, then everything the master outputs is copied to stdout until
   the last slave is closed (EIO), EOF or a hangup.  Hold: the fd is kept,
   unread, for SECONDS, then recvtty exits.

   The socket appears at PATH only once it is listening (it is bound under
   a temporary name, then renamed), so a test may connect as soon as the
   file exists.  A PATH longer than sun_path is fine: the socket is bound
   relative to its directory.  -t gives up after SECONDS (default 60) with
   exit status 1.  Exit status: 0 on success, 1 on a failure, 2 on bad
   usage.  */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

static const char *sock_path;
static char tmp_name[64];

static void
usage (void)
{
  fprintf (stderr, "usage: recvtty [-i TEXT | -w SECONDS] [-t SECONDS] PATH\n");
  exit (2);
}

static void
die (const char *what)
{
  fprintf (stderr, "recvtty: %s: %s\n", what, strerror (errno));
  exit (1);
}

static void
on_alarm (int sig)
{
  static const char msg[] = "recvtty: timed out\n";

  (void) sig;
  (void) !write (STDERR_FILENO, msg, sizeof msg - 1);
  _exit (1);
}

static long
parse_seconds (const char *s)
{
  char *end;
  long n;

  errno = 0;
  n = strtol (s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || n < 0 || n > 86400)
    {
      fprintf (stderr, "recvtty: not a number of seconds: `%s`\n", s);
      exit (2);
    }
  return n;
}

/* `\n` (backslash, n) becomes a newline, so a test can pass a line of
   input without quoting tricks; everything else is copied.  */
static char *
unescape (const char *s)
{
  char *out = malloc (strlen (s) + 1), *o = out;

  if (out == NULL)
    die ("malloc");
  for (; *s; s++)
    {
      if (s[0] == '\\' && s[1] == 'n')
        {
          *o++ = '\n';
          s++;
        }
      else
        *o++ = *s;
    }
  *o = '\0';
  return out;
}

/* Binds in the socket's own directory (chdir), under a temporary name,
   and renames it to its final name once it listens.  */
static int
listen_at (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  char *copy = strdup (path), *slash, *base;
  int fd;

  if (copy == NULL)
    die ("strdup");
  slash = strrchr (copy, '/');
  if (slash != NULL)
    {
      *slash = '\0';
      if (chdir (slash == copy ? "/" : copy) < 0)
        die ("chdir to the socket's directory");
      base = slash + 1;
    }
  else
    base = copy;
  if (*base == '\0' || strlen (base) >= sizeof addr.sun_path)
    {
      fprintf (stderr, "recvtty: bad socket name `%s`\n", path);
      exit (2);
    }
  snprintf (tmp_name, sizeof tmp_name, ".recvtty-%d", (int) getpid ());
  strcpy (addr.sun_path, tmp_name);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    die ("socket");
  unlink (tmp_name);
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    die ("bind");
  if (listen (fd, 1) < 0)
    die ("listen");
  if (rename (tmp_name, base) < 0)
    die ("rename the socket into place");
  sock_path = base;
  tmp_name[0] = '\0';
  free (copy);
  return fd;
}

/* Receives one message; returns the fd it carried and puts the payload,
   NUL-terminated, in `buf`.  */
static int
receive_fd (int conn, char *buf, size_t size)
{
  union
  {
    char b[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } ctl;
  struct iovec iov = { .iov_base = buf, .iov_len = size - 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
                        .msg_controllen = sizeof ctl.b };
  struct cmsghdr *c;
  ssize_t n;
  int fd = -1;

  do
    n = recvmsg (conn, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    die ("recvmsg");
  buf[n] = '\0';
  for (c = CMSG_FIRSTHDR (&msg); c != NULL; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS
        && c->cmsg_len >= CMSG_LEN (sizeof (int)))
      memcpy (&fd, CMSG_DATA (c), sizeof fd);
  if (fd < 0)
    {
      fprintf (stderr, "recvtty: the message (%zd bytes) carried no fd\n", n);
      exit (1);
    }
  return fd;
}

static void
write_all (int fd, const char *buf, size_t len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, buf, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        die ("write");
      buf += n;
      len -= n;
    }
}

/* Copies the master's output to stdout until no slave is left open.  */
static void
relay (int master)
{
  char buf[4096];

  for (;;)
    {
      struct pollfd pfd = { .fd = master, .events = POLLIN };
      ssize_t n;

      if (poll (&pfd, 1, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          die ("poll");
        }
      n = read (master, buf, sizeof buf);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      /* EIO is how a master reports that every slave fd is closed.  */
      if (n < 0 && errno == EIO)
        return;
      if (n < 0)
        die ("read the master");
      if (n == 0)
        return;
      write_all (STDOUT_FILENO, buf, n);
    }
}

int
main (int argc, char **argv)
{
  const char *input = NULL;
  long hold = -1, limit = 60;
  char payload[PATH_MAX + 1];
  int opt, lfd, conn, master;
  unsigned ptn = 0;

  while ((opt = getopt (argc, argv, "i:w:t:")) != -1)
    switch (opt)
      {
      case 'i':
        input = optarg;
        break;
      case 'w':
        hold = parse_seconds (optarg);
        break;
      case 't':
        limit = parse_seconds (optarg);
        break;
      default:
        usage ();
      }
  if (optind != argc - 1 || (input != NULL && hold >= 0))
    usage ();

  signal (SIGALRM, on_alarm);
  signal (SIGPIPE, SIG_IGN);
  alarm ((unsigned) limit);

  lfd = listen_at (argv[optind]);
  do
    conn = accept4 (lfd, NULL, NULL, SOCK_CLOEXEC);
  while (conn < 0 && errno == EINTR);
  if (conn < 0)
    die ("accept");
  close (lfd);
  master = receive_fd (conn, payload, sizeof payload);
  close (conn);
  /* One connection only: later connects fail instead of hanging.  */
  unlink (sock_path);

  fprintf (stderr, "%s\n", payload);
  if (ioctl (master, TIOCGPTN, &ptn) < 0)
    die ("the received fd is not a pty master (TIOCGPTN)");
  fprintf (stderr, "ptn=%u\n", ptn);

  if (hold >= 0)
    {
      /* The hold is bounded by itself.  */
      alarm (0);
      sleep ((unsigned) hold);
      return 0;
    }
  if (input != NULL)
    {
      char *text = unescape (input);
      write_all (master, text, strlen (text));
      free (text);
    }
  relay (master);
  return 0;
}
