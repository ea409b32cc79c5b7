/* connrate: new TCP connections per second, for the port-proxy benchmark
 * (tests/bench/proxy.sh).  Compiled into the temp dir at each run, like
 * bench-exec.c.
 *
 *   connrate HOST PORT CONCURRENCY SECONDS
 *
 * Keeps CONCURRENCY connections in flight from one thread (epoll): each
 * connects, sends "GET / HTTP/1.0", reads to EOF, closes, and starts over.
 * Prints one line: "<completed> <errors> <seconds> <completed per second>".
 * A connection that fails (refused, reset, no bytes) counts as an error and
 * its slot starts over.
 *
 *   connrate serve PORT
 *
 * The other end: one thread, no fork, on 127.0.0.1:PORT; reads a request,
 * answers a fixed 6-byte HTTP/1.0 response and closes.  It costs far less
 * per connection than a forking server, so what the proxy adds shows. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char request[] = "GET / HTTP/1.0\r\n\r\n";

struct slot
{
  int fd;
  int sent;
  size_t got;
};

static struct sockaddr_storage target;
static socklen_t target_len;
static unsigned long long completed, errors;

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
slot_start (int ep, struct slot *s)
{
  struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = s };

  for (;;)
    {
      s->fd = socket (target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (s->fd < 0)
        {
          perror ("connrate: socket");
          exit (1);
        }
      s->sent = 0;
      s->got = 0;
      if (connect (s->fd, (struct sockaddr *) &target, target_len) == 0 || errno == EINPROGRESS)
        break;
      /* EADDRNOTAVAIL: out of ephemeral ports for a moment. */
      errors++;
      close (s->fd);
    }
  if (epoll_ctl (ep, EPOLL_CTL_ADD, s->fd, &ev) < 0)
    {
      perror ("connrate: epoll_ctl");
      exit (1);
    }
}

static void
slot_end (int ep, struct slot *s, int ok)
{
  if (ok)
    completed++;
  else
    errors++;
  close (s->fd);
  slot_start (ep, s);
}

static void
slot_event (int ep, struct slot *s, uint32_t events)
{
  char buf[16384];
  ssize_t n;

  if (!s->sent)
    {
      int soerr = 0;
      socklen_t len = sizeof soerr;
      struct epoll_event ev = { .events = EPOLLIN, .data.ptr = s };
      getsockopt (s->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
      if (soerr != 0 || (events & EPOLLERR)
          || write (s->fd, request, sizeof request - 1) != (ssize_t) (sizeof request - 1))
        {
          slot_end (ep, s, 0);
          return;
        }
      s->sent = 1;
      epoll_ctl (ep, EPOLL_CTL_MOD, s->fd, &ev);
      return;
    }
  for (;;)
    {
      n = read (s->fd, buf, sizeof buf);
      if (n > 0)
        {
          s->got += (size_t) n;
          continue;
        }
      if (n < 0 && errno == EAGAIN)
        return;
      slot_end (ep, s, n == 0 && s->got > 0);
      return;
    }
}

static void __attribute__ ((noreturn))
serve (int port)
{
  static const char answer[] = "HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nhello\n";
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port),
                           .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  struct epoll_event ev, evs[256];
  int lfd, ep, one = 1, i, n;

  lfd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  setsockopt (lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind (lfd, (struct sockaddr *) &a, sizeof a) < 0 || listen (lfd, 4096) < 0)
    {
      perror ("connrate: bind");
      exit (1);
    }
  ep = epoll_create1 (EPOLL_CLOEXEC);
  ev.events = EPOLLIN;
  ev.data.fd = lfd;
  epoll_ctl (ep, EPOLL_CTL_ADD, lfd, &ev);
  printf ("listening %d\n", port);
  fflush (stdout);
  for (;;)
    {
      n = epoll_wait (ep, evs, 256, -1);
      for (i = 0; i < n; i++)
        {
          int fd = evs[i].data.fd;
          char buf[4096];
          if (fd == lfd)
            {
              int c;
              while ((c = accept4 (lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
                {
                  ev.events = EPOLLIN;
                  ev.data.fd = c;
                  epoll_ctl (ep, EPOLL_CTL_ADD, c, &ev);
                }
              continue;
            }
          /* The request fits one read; answer and close (HTTP/1.0). */
          if (read (fd, buf, sizeof buf) > 0)
            (void) !write (fd, answer, sizeof answer - 1);
          close (fd);
        }
    }
}

int
main (int argc, char **argv)
{
  struct sockaddr_in *a4 = (struct sockaddr_in *) &target;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *) &target;
  struct epoll_event evs[256];
  struct slot *slots;
  double t0, t1, secs;
  int ep, conc, i, n;

  if (argc == 3 && strcmp (argv[1], "serve") == 0)
    serve (atoi (argv[2]));
  if (argc != 5)
    {
      fprintf (stderr, "usage: connrate HOST PORT CONCURRENCY SECONDS | connrate serve PORT\n");
      return 2;
    }
  if (inet_pton (AF_INET, argv[1], &a4->sin_addr) == 1)
    {
      a4->sin_family = AF_INET;
      a4->sin_port = htons ((uint16_t) atoi (argv[2]));
      target_len = sizeof *a4;
    }
  else if (inet_pton (AF_INET6, argv[1], &a6->sin6_addr) == 1)
    {
      a6->sin6_family = AF_INET6;
      a6->sin6_port = htons ((uint16_t) atoi (argv[2]));
      target_len = sizeof *a6;
    }
  else
    {
      fprintf (stderr, "connrate: bad address %s\n", argv[1]);
      return 2;
    }
  conc = atoi (argv[3]);
  secs = atof (argv[4]);
  if (conc < 1 || secs <= 0)
    return 2;

  ep = epoll_create1 (EPOLL_CLOEXEC);
  slots = calloc ((size_t) conc, sizeof *slots);
  t0 = now ();
  for (i = 0; i < conc; i++)
    slot_start (ep, &slots[i]);
  while ((t1 = now ()) - t0 < secs)
    {
      n = epoll_wait (ep, evs, 256, 100);
      for (i = 0; i < n; i++)
        slot_event (ep, evs[i].data.ptr, evs[i].events);
    }
  printf ("%llu %llu %.3f %.0f\n", completed, errors, t1 - t0, (double) completed / (t1 - t0));
  return 0;
}
