/* The pty relay of a foreground `cove run` with a terminal. */
#include <config.h>
#include "tty-proxy.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "util.h"

static volatile sig_atomic_t winch_pending = 1;

void
tty_proxy_winch (void)
{
  winch_pending = 1;
}

static void
copy_winsize (int master)
{
  struct winsize ws;

  winch_pending = 0;
  if (ioctl (0, TIOCGWINSZ, &ws) == 0)
    (void) ioctl (master, TIOCSWINSZ, &ws);
}

void
tty_proxy_copy_size (int master)
{
  copy_winsize (master);
  winch_pending = 1; /* the relay checks again once it runs */
}

/* One read, one full write; false on EOF or a hard error of `from`. */
static bool
relay (int from, int to)
{
  char buf[8192];
  ssize_t n = read (from, buf, sizeof buf);

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return true;
  if (n <= 0)
    return false;
  return write_all (to, buf, n) >= 0;
}

void
tty_proxy_run (int master, int pidfd)
{
  struct termios saved, raw;
  bool is_tty = tcgetattr (0, &saved) == 0;
  struct pollfd pfd[3] = {
    { .fd = master, .events = POLLIN },
    { .fd = 0, .events = POLLIN },
    { .fd = pidfd, .events = POLLIN },
  };
  bool exited = false;

  if (is_tty)
    {
      raw = saved;
      cfmakeraw (&raw);
      (void) tcsetattr (0, TCSANOW, &raw);
    }
  while (pfd[0].fd >= 0)
    {
      int n;

      if (is_tty && winch_pending)
        copy_winsize (master);
      /* Once init is gone, drain what is buffered and stop. */
      n = poll (pfd, 3, exited ? 0 : -1);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
        if (!relay (master, 1))
          pfd[0].fd = -1;
      if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
        if (!relay (0, master))
          pfd[1].fd = -1; /* stdin closed: keep showing output */
      if (pfd[2].revents & POLLIN)
        {
          exited = true;
          pfd[2].fd = -1;
        }
    }
  if (is_tty)
    (void) tcsetattr (0, TCSANOW, &saved);
  close (master);
}
