/* The TCP relay: accept on the host, connect inside the container's
 * network namespace, then move bytes both ways with splice() through one
 * pipe per direction, keeping half-closes and applying backpressure.
 *
 * A connection's life:
 *
 *   accept --> CONNECTING --connected--> RELAYING --both ways shut--> closed
 *                  |  (::1 failed: once more to 127.0.0.1)  |
 *                  +--refused, container down--> reset <----+--error, reset by a peer
 *
 * "reset" closes both sockets with SO_LINGER 0, so each peer sees a RST:
 * an error on one side is passed on as one, and a client is told at once
 * that nobody is there. */
#include <config.h>
#include "proxy-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/* Splice rounds per event: bounds what one busy connection takes from the
 * others before the loop polls again (8 pipes of PX_PIPE_SIZE). */
#define PUMP_ROUNDS 8

static void on_end (struct loop_source *src, uint32_t events);

static void
reset_close (int fd)
{
  struct linger lg = { .l_onoff = 1, .l_linger = 0 };

  (void) setsockopt (fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close (fd);
}

/* ---- pipes ------------------------------------------------------------------------------ */

static int
pipe_get (struct proxy *px, struct px_pipe *p)
{
  int size;

  if (px->n_spare_pipes > 0)
    {
      *p = px->spare_pipes[--px->n_spare_pipes];
      return 0;
    }
  if (pipe2 (p->fd, O_NONBLOCK | O_CLOEXEC) < 0)
    {
      p->fd[0] = p->fd[1] = -1;
      return -1;
    }
  /* Best effort: a smaller pipe only means more splice calls. */
  size = fcntl (p->fd[1], F_SETPIPE_SZ, PX_PIPE_SIZE);
  if (size < 0)
    size = fcntl (p->fd[1], F_GETPIPE_SZ);
  p->cap = size > 0 ? (size_t) size : 4096;
  return 0;
}

/* An empty pipe is kept for the next connection; one that may hold bytes
 * (an aborted connection) is closed. */
static void
pipe_put (struct proxy *px, struct px_pipe *p, bool empty)
{
  if (p->fd[0] < 0)
    return;
  if (empty && px->n_spare_pipes < PX_SPARE_PIPES)
    px->spare_pipes[px->n_spare_pipes++] = *p;
  else
    {
      close (p->fd[0]);
      close (p->fd[1]);
    }
  p->fd[0] = p->fd[1] = -1;
}

/* ---- connection bookkeeping ------------------------------------------------------------- */

static int
end_register (struct px_conn *c, struct px_end *e, uint32_t mask)
{
  if (loop_add (c->px->loop, &e->src, mask) < 0)
    return -1;
  e->registered = true;
  e->mask = mask;
  return 0;
}

/* An end joins the loop at its first mask (the client once the container
 * side is connected), except one taken out after a hangup. */
static int
end_set_mask (struct px_conn *c, struct px_end *e, uint32_t mask)
{
  if (!e->registered)
    return e->hup ? 0 : end_register (c, e, mask);
  if (e->mask != mask)
    {
      if (loop_mod (c->px->loop, &e->src, mask) < 0)
        return -1;
      e->mask = mask;
    }
  return 0;
}

static void
end_close (struct px_conn *c, struct px_end *e, bool reset)
{
  if (e->src.fd < 0)
    return;
  /* Explicitly: close() alone leaves the fd in the epoll set while a
   * forked child of the shim still holds the socket. */
  if (e->registered)
    loop_del (c->px->loop, &e->src);
  e->registered = false;
  if (reset)
    reset_close (e->src.fd);
  else
    close (e->src.fd);
  e->src.fd = -1;
}

static void
conn_release (struct px_conn *c, bool reset)
{
  struct proxy *px = c->px;

  c->is_dead = true;
  end_close (c, &c->client, reset);
  end_close (c, &c->server, reset);
  pipe_put (px, &c->up.pipe, !reset && c->up.bytes == 0);
  pipe_put (px, &c->down.pipe, !reset && c->down.bytes == 0);
  if (c->prev != NULL)
    c->prev->next = c->next;
  else
    px->conns = c->next;
  if (c->next != NULL)
    c->next->prev = c->prev;
  px->n_conns--;
  px_bury (px, &c->dead);
  px_resume_listeners (px);
}

static void
conn_abort (struct px_conn *c)
{
  conn_release (c, true);
}

static void
listener_pause (struct px_listener *ln)
{
  struct proxy *px = ln->px;

  if (ln->paused)
    return;
  ln->paused = true;
  px->any_paused = true;
  (void) px_listener_sync (ln); /* taking out cannot fail */
}

/* Out of fds: this client is reset, and accepting waits until a
 * connection ends (or the next proxy_tick) rather than reset every
 * client in the backlog the same way. */
static void
conn_out_of_fds (struct px_conn *c)
{
  struct px_listener *ln = c->ln;
  bool no_fds = errno == EMFILE || errno == ENFILE;

  conn_abort (c);
  if (no_fds)
    listener_pause (ln);
}

/* Poll each end for what its directions need now: input while its pipe is
 * empty (the backpressure), output while the pipe toward it holds bytes.
 * -1: the loop refused (the caller resets the connection). */
static int
conn_update (struct px_conn *c)
{
  uint32_t cm = 0, sm = 0;

  if (c->up.bytes == 0 && !c->up.eof)
    cm |= EPOLLIN;
  if (c->down.bytes == 0 && !c->down.eof)
    sm |= EPOLLIN;
  /* An end out of the loop after a hangup is read from as the other end
   * takes its bytes; writability of that other end drives it. */
  if (c->down.bytes > 0 || (c->server.hup && !c->down.eof))
    cm |= EPOLLOUT;
  if (c->up.bytes > 0 || (c->client.hup && !c->up.eof))
    sm |= EPOLLOUT;
  if (end_set_mask (c, &c->client, cm) < 0 || end_set_mask (c, &c->server, sm) < 0)
    return -1;
  return 0;
}

/* ---- the relay -------------------------------------------------------------------------- */

/* Move what is there along one direction: write out the pipe, refill it
 * once empty, again, up to PUMP_ROUNDS.  Passes an EOF on as shutdown()
 * once the pipe is empty, unless the other direction is done too: then
 * the close that follows sends the FIN.  -1: the connection is broken. */
static int
pump (struct px_half *h, int from, int to, bool other_done)
{
  ssize_t r;
  int i;

  for (i = 0; i < PUMP_ROUNDS; i++)
    {
      if (h->bytes > 0)
        {
          r = splice (h->pipe.fd[0], NULL, to, NULL, h->bytes, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
          if (r < 0)
            return errno == EAGAIN || errno == EINTR ? 0 : -1;
          h->bytes -= (size_t) r;
          if (h->bytes > 0)
            return 0; /* `to` is full: wait until it is writable */
        }
      if (h->eof)
        break;
      /* Only into an empty pipe, so EAGAIN here means the socket has
       * nothing, never that the pipe ran out of slots. */
      r = splice (from, NULL, h->pipe.fd[1], NULL, h->pipe.cap, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (r < 0)
        {
          if (errno == EAGAIN || errno == EINTR)
            break;
          return -1;
        }
      /* Reading on after a short read finds a FIN that came with the
       * data (a server answering and closing) in the same event. */
      if (r == 0)
        h->eof = true;
      h->bytes = (size_t) r;
    }
  if (h->eof && h->bytes == 0 && !h->shut)
    {
      if (!other_done && shutdown (to, SHUT_WR) < 0 && errno != ENOTCONN)
        return -1;
      h->shut = true;
    }
  return 0;
}

static void
relay_event (struct px_conn *c, struct px_end *e, uint32_t events)
{
  bool is_client = e == &c->client;
  struct px_end *other = is_client ? &c->server : &c->client;
  struct px_half *rd = is_client ? &c->up : &c->down; /* what e reads for */
  struct px_half *wr = is_client ? &c->down : &c->up; /* what is written to e */

  if (events & EPOLLERR)
    {
      conn_abort (c);
      return;
    }
  if ((events & (EPOLLIN | EPOLLHUP)) && pump (rd, e->src.fd, other->src.fd, wr->shut) < 0)
    {
      conn_abort (c);
      return;
    }
  /* Also when e is the hung-up one's partner: see conn_update. */
  if ((events & EPOLLOUT) && pump (wr, other->src.fd, e->src.fd, rd->shut) < 0)
    {
      conn_abort (c);
      return;
    }
  if (events & EPOLLHUP)
    {
      /* Both ways shut on e.  If we did not shut its sending side, it was
       * reset: nothing more can be written to it. */
      if (!wr->shut)
        {
          conn_abort (c);
          return;
        }
      /* Level-triggered EPOLLHUP cannot be masked: take e out of the loop
       * while what it sent still waits behind a full pipe. */
      if (!rd->eof && e->registered)
        {
          loop_del (c->px->loop, &e->src);
          e->registered = false;
          e->hup = true;
        }
    }
  if (c->up.shut && c->down.shut)
    {
      conn_release (c, false);
      return;
    }
  if (conn_update (c) < 0)
    conn_abort (c);
}

/* PROXY protocol v2: the client's address and the one it connected to,
 * before any of its bytes. */
static int
send_proxy_header (struct px_conn *c)
{
  uint8_t buf[PX_PROXY_HDR_MAX];
  size_t len = px_proxy_header (buf, SOCK_STREAM, &c->peer, &c->local);

  /* The socket has just connected: its send buffer is empty. */
  return send (c->server.src.fd, buf, len, MSG_NOSIGNAL) == (ssize_t) len ? 0 : -1;
}

static void conn_connect (struct px_conn *c);

static void
conn_connected (struct px_conn *c)
{
  struct proxy *px = c->px;

  c->state = PX_RELAYING;
  if (px->proxy_protocol && send_proxy_header (c) < 0)
    {
      conn_abort (c);
      return;
    }
  if (pipe_get (px, &c->up.pipe) < 0 || pipe_get (px, &c->down.pipe) < 0)
    {
      conn_out_of_fds (c);
      return;
    }
  /* The client has usually sent its request by now: relay it without
   * waiting for the loop to say so. */
  if (pump (&c->up, c->client.src.fd, c->server.src.fd, false) < 0 || conn_update (c) < 0)
    conn_abort (c);
}

static int
conn_target_family (const struct px_conn *c)
{
  if (c->v4_fallback || c->peer.sa.sa_family == AF_INET)
    return AF_INET;
  return IN6_IS_ADDR_V4MAPPED (&c->peer.in6.sin6_addr) ? AF_INET : AF_INET6;
}

static void
conn_connect_failed (struct px_conn *c)
{
  /* An IPv6 client goes to ::1 first; many servers listen on IPv4 only,
   * so 127.0.0.1 gets a second chance. */
  if (conn_target_family (c) == AF_INET6 && c->px->ct_netns >= 0)
    {
      end_close (c, &c->server, false);
      c->v4_fallback = true;
      conn_connect (c);
      return;
    }
  conn_abort (c);
}

static void
conn_connect (struct px_conn *c)
{
  int family = conn_target_family (c);
  union px_addr to;
  socklen_t len = px_loopback (family, false, c->ln->pub.container_port, &to);
  int fd;

  fd = px_socket_in_netns (c->px, family, SOCK_STREAM);
  if (fd < 0 && (errno == EMFILE || errno == ENFILE))
    {
      conn_out_of_fds (c);
      return;
    }
  if (fd < 0)
    {
      conn_connect_failed (c);
      return;
    }
  c->server.src.fd = fd;
  if (connect (fd, &to.sa, len) == 0)
    {
      conn_connected (c);
      return;
    }
  /* On the loopback the handshake has usually completed by the time
   * connect() returns EINPROGRESS: asking again saves a trip through the
   * loop (0 or EISCONN: connected). */
  if (errno == EINPROGRESS && (connect (fd, &to.sa, len) == 0 || errno == EISCONN))
    {
      conn_connected (c);
      return;
    }
  if (errno != EINPROGRESS && errno != EALREADY)
    {
      conn_connect_failed (c);
      return;
    }
  if (end_register (c, &c->server, EPOLLOUT) < 0)
    conn_abort (c);
}

/* Only the container side is in the loop while connecting: writable
 * means connected, and a failed connect always sets EPOLLERR. */
static void
connecting_event (struct px_conn *c, uint32_t events)
{
  if (events & (EPOLLERR | EPOLLHUP))
    conn_connect_failed (c);
  else if (events & EPOLLOUT)
    conn_connected (c);
}

static void
on_end (struct loop_source *src, uint32_t events)
{
  struct px_end *e = px_container_of (src, struct px_end, src);
  struct px_conn *c = e->conn;

  /* Killed earlier in this batch by its other end: see px_bury. */
  if (c->is_dead)
    return;
  if (c->state == PX_CONNECTING)
    connecting_event (c, events);
  else
    relay_event (c, e, events);
}

/* ---- accepting -------------------------------------------------------------------------- */

static void
conn_start (struct px_listener *ln, int fd, const union px_addr *peer)
{
  struct proxy *px = ln->px;
  struct px_conn *c = xzalloc (sizeof *c);
  socklen_t len = sizeof c->local;

  c->px = px;
  c->ln = ln;
  c->state = PX_CONNECTING;
  c->peer = *peer;
  c->client.conn = c->server.conn = c;
  c->client.src.fd = fd;
  c->server.src.fd = -1;
  c->client.src.on_event = c->server.src.on_event = on_end;
  c->up.pipe.fd[0] = c->up.pipe.fd[1] = -1;
  c->down.pipe.fd[0] = c->down.pipe.fd[1] = -1;
  c->next = px->conns;
  if (px->conns != NULL)
    px->conns->prev = c;
  px->conns = c;
  px->n_conns++;

  if (px->proxy_protocol && getsockname (fd, &c->local.sa, &len) < 0)
    {
      conn_abort (c);
      return;
    }
  /* TCP_NODELAY came with the listener.  The client joins the loop once
   * the container side is connected (a client that gives up meanwhile is
   * noticed then). */
  conn_connect (c);
}

void
px_tcp_on_accept (struct loop_source *src, uint32_t events)
{
  struct px_listener *ln = px_container_of (src, struct px_listener, src);
  struct proxy *px = ln->px;
  int i, fd;

  (void) events;
  /* Held or paused by a handler earlier in this batch. */
  if (px->held || ln->paused)
    return;
  for (i = 0; i < 64; i++)
    {
      union px_addr peer;
      socklen_t len = sizeof peer;

      if (px->n_conns >= px->max_conns)
        {
          /* The rest wait in the backlog until a connection ends. */
          listener_pause (ln);
          return;
        }
      fd = accept4 (src->fd, &peer.sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0)
        {
          switch (errno)
            {
            case EAGAIN:
              return;
            case EMFILE:
            case ENFILE:
            case ENOBUFS:
            case ENOMEM:
              log_warn ("accept on port %u: %s; pausing", ln->pub.host_port, strerror (errno));
              listener_pause (ln);
              return;
            default:
              /* ECONNABORTED, EINTR and the network errors of one pending
               * connection: the next one may be fine. */
              continue;
            }
        }
      /* The container is down (restarting): refuse at once. */
      if (px->ct_netns < 0)
        {
          reset_close (fd);
          continue;
        }
      conn_start (ln, fd, &peer);
    }
}

void
px_tcp_free_all (struct proxy *px)
{
  struct px_conn *c = px->conns;

  while (c != NULL)
    {
      struct px_conn *next = c->next;
      end_close (c, &c->client, false);
      end_close (c, &c->server, false);
      pipe_put (px, &c->up.pipe, false);
      pipe_put (px, &c->down.pipe, false);
      free (c);
      c = next;
    }
  px->conns = NULL;
  px->n_conns = 0;
}
