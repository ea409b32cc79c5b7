/* epoll dispatch for the shim. */
#include <config.h>
#include "loop.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

int
loop_init (struct loop *l)
{
  l->stop = 0;
  l->epfd = epoll_create1 (EPOLL_CLOEXEC);
  return l->epfd < 0 ? -1 : 0;
}

int
loop_add (struct loop *l, struct loop_source *s, uint32_t events)
{
  struct epoll_event ev = { .events = events, .data.ptr = s };
  return epoll_ctl (l->epfd, EPOLL_CTL_ADD, s->fd, &ev);
}

int
loop_mod (struct loop *l, struct loop_source *s, uint32_t events)
{
  struct epoll_event ev = { .events = events, .data.ptr = s };
  return epoll_ctl (l->epfd, EPOLL_CTL_MOD, s->fd, &ev);
}

void
loop_del (struct loop *l, struct loop_source *s)
{
  (void) epoll_ctl (l->epfd, EPOLL_CTL_DEL, s->fd, NULL);
}

int
loop_run_once (struct loop *l, int timeout_ms)
{
  struct epoll_event evs[64];
  int n, i;

  n = epoll_wait (l->epfd, evs, 64, timeout_ms);
  if (n < 0)
    return errno == EINTR ? 0 : -1;
  /* A handler may free other sources: they must loop_del themselves and
   * defer the free (see the callers), so later events stay valid. */
  for (i = 0; i < n && !l->stop; i++)
    {
      struct loop_source *s = evs[i].data.ptr;
      s->on_event (s, evs[i].events);
    }
  return n;
}

void
loop_close (struct loop *l)
{
  if (l->epfd >= 0)
    close (l->epfd);
  l->epfd = -1;
}
