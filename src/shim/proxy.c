/* The port proxy's front: the -p parser, binding the host sockets, the
 * container's network namespace, deferred frees, the status-file JSON.
 * The relays themselves are in proxy-tcp.c and proxy-udp.c. */
#include <config.h>
#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"
#include "proxy-internal.h"
#include "util.h"

/* ---- parsing ---------------------------------------------------------------------------- */

#define PUBLISH_SHAPE "[HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp]"

/* 1..65535 in plain decimal: no sign, no spaces, no leading "0x". */
static int
parse_port (const char *s, uint16_t *out)
{
  unsigned long v = 0;
  size_t i;

  if (*s == '\0' || strlen (s) > 5)
    return -1;
  for (i = 0; s[i]; i++)
    {
      if (s[i] < '0' || s[i] > '9')
        return -1;
      v = v * 10 + (unsigned long) (s[i] - '0');
    }
  if (v < 1 || v > 65535)
    return -1;
  *out = (uint16_t) v;
  return 0;
}

/* "N" or "LO-HI" (LO <= HI). */
static int
parse_range (const char *spec, char *s, uint16_t *lo, uint16_t *hi, rt_error_t *err)
{
  char *dash = strchr (s, '-');

  if (dash == NULL)
    {
      if (parse_port (s, lo) < 0)
        return rt_error_set (err, 0, "publish `%s`: bad port `%s` (expected 1-65535)", spec, s);
      *hi = *lo;
      return 0;
    }
  *dash = '\0';
  if (parse_port (s, lo) < 0 || parse_port (dash + 1, hi) < 0 || *lo > *hi)
    {
      *dash = '-';
      return rt_error_set (err, 0, "publish `%s`: bad port range `%s`", spec, s);
    }
  return 0;
}

static int
parse_host_ip (const char *spec, const char *ip, int family, char out[64], rt_error_t *err)
{
  unsigned char bin[sizeof (struct in6_addr)];

  if (inet_pton (family, ip, bin) != 1 || inet_ntop (family, bin, out, 64) == NULL)
    return rt_error_set (err, 0, "publish `%s`: bad host address `%s`", spec, ip);
  return 0;
}

int
proxy_parse_publish (const char *spec, struct publish **out, size_t *n, rt_error_t *err)
{
  cleanup_free char *buf = xstrdup (spec);
  char *rest = buf, *ip = NULL, *hports = NULL, *cports, *slash, *colon;
  char host_ip[64] = "";
  int family = AF_UNSPEC, proto = IPPROTO_TCP;
  uint16_t hlo = 0, hhi = 0, clo, chi;
  size_t colons = 0, i, count;
  char *c;
  int ret;

  slash = strrchr (buf, '/');
  if (slash != NULL)
    {
      *slash = '\0';
      if (strcasecmp (slash + 1, "tcp") == 0)
        proto = IPPROTO_TCP;
      else if (strcasecmp (slash + 1, "udp") == 0)
        proto = IPPROTO_UDP;
      else
        return rt_error_set (err, 0, "publish `%s`: bad protocol `%s` (expected tcp or udp)", spec,
                             slash + 1);
    }

  if (*rest == '[')
    {
      /* [IPV6]:HOST_PORT:CONTAINER_PORT, the host port may be empty. */
      char *close = strchr (rest, ']');
      if (close == NULL || close[1] != ':')
        return rt_error_set (err, 0, "publish `%s`: expected " PUBLISH_SHAPE, spec);
      *close = '\0';
      ip = rest + 1;
      family = AF_INET6;
      rest = close + 2;
      colon = strchr (rest, ':');
      if (colon == NULL || strchr (colon + 1, ':') != NULL)
        return rt_error_set (err, 0, "publish `%s`: expected " PUBLISH_SHAPE, spec);
      *colon = '\0';
      hports = rest;
      cports = colon + 1;
    }
  else
    {
      for (c = rest; *c; c++)
        colons += *c == ':';
      if (colons > 2)
        return rt_error_set (err, 0,
                             "publish `%s`: an IPv6 host address must be in brackets, as in "
                             "[::1]:8080:80",
                             spec);
      cports = rest;
      if (colons >= 1)
        {
          colon = strrchr (rest, ':');
          *colon = '\0';
          cports = colon + 1;
          hports = rest;
        }
      if (colons == 2)
        {
          colon = strchr (rest, ':');
          *colon = '\0';
          ip = rest;
          hports = colon + 1;
          family = AF_INET;
        }
    }

  if (*cports == '\0' || (ip != NULL && *ip == '\0'))
    return rt_error_set (err, 0, "publish `%s`: expected " PUBLISH_SHAPE, spec);
  if (ip != NULL)
    {
      ret = parse_host_ip (spec, ip, family, host_ip, err);
      if (ret < 0)
        return ret;
    }
  ret = parse_range (spec, cports, &clo, &chi, err);
  if (ret < 0)
    return ret;
  /* No host port (as in "127.0.0.1::80" or "80"): the kernel picks one. */
  if (hports != NULL && *hports != '\0')
    {
      ret = parse_range (spec, hports, &hlo, &hhi, err);
      if (ret < 0)
        return ret;
      if (hhi - hlo != chi - clo)
        return rt_error_set (err, 0,
                             "publish `%s`: the host and container port ranges differ in length",
                             spec);
    }

  count = (size_t) (chi - clo) + 1;
  *out = xrealloc (*out, (*n + count) * sizeof **out);
  for (i = 0; i < count; i++)
    {
      struct publish *p = &(*out)[*n + i];
      memset (p, 0, sizeof *p);
      p->family = family;
      p->proto = proto;
      memcpy (p->host_ip, host_ip, sizeof p->host_ip);
      p->host_port = hlo == 0 ? 0 : (uint16_t) (hlo + i);
      p->container_port = (uint16_t) (clo + i);
    }
  *n += count;
  return 0;
}

/* ---- shared helpers --------------------------------------------------------------------- */

time_t
px_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC_COARSE, &ts);
  return ts.tv_sec;
}

socklen_t
px_addr_len (const union px_addr *a)
{
  return a->sa.sa_family == AF_INET ? sizeof a->in : sizeof a->in6;
}

void
px_unmap (union px_addr *a)
{
  struct sockaddr_in in = { .sin_family = AF_INET };

  if (a->sa.sa_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED (&a->in6.sin6_addr))
    return;
  in.sin_port = a->in6.sin6_port;
  memcpy (&in.sin_addr, &a->in6.sin6_addr.s6_addr[12], 4);
  memset (a, 0, sizeof *a);
  a->in = in;
}

socklen_t
px_loopback (int family, bool v4_mapped, uint16_t port, union px_addr *out)
{
  memset (out, 0, sizeof *out);
  if (family == AF_INET)
    {
      out->in.sin_family = AF_INET;
      out->in.sin_port = htons (port);
      out->in.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
      return sizeof out->in;
    }
  out->in6.sin6_family = AF_INET6;
  out->in6.sin6_port = htons (port);
  if (v4_mapped)
    inet_pton (AF_INET6, "::ffff:127.0.0.1", &out->in6.sin6_addr);
  else
    out->in6.sin6_addr = in6addr_loopback;
  return sizeof out->in6;
}

void
px_set_nodelay (int fd)
{
  int one = 1;

  /* Relayed bytes go out as they come: Nagle would hold back the tail of
   * a reply while an earlier segment is unacknowledged. */
  (void) setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

size_t
px_proxy_header (uint8_t buf[PX_PROXY_HDR_MAX], int type, const union px_addr *src_,
                 const union px_addr *dst_)
{
  static const uint8_t sig[12] = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                   0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A };
  /* The low nibble of byte 13: 1 STREAM, 2 DGRAM. */
  uint8_t transport = type == SOCK_DGRAM ? 0x2 : 0x1;
  union px_addr src = *src_, dst = *dst_;
  size_t len = 0;

  px_unmap (&src);
  px_unmap (&dst);
  memset (buf, 0, PX_PROXY_HDR_MAX);
  memcpy (buf, sig, sizeof sig);
  buf[12] = 0x21; /* version 2, command PROXY */
  if (src.sa.sa_family == AF_INET && dst.sa.sa_family == AF_INET)
    {
      buf[13] = (uint8_t) (0x10 | transport);
      memcpy (buf + 16, &src.in.sin_addr, 4);
      memcpy (buf + 20, &dst.in.sin_addr, 4);
      memcpy (buf + 24, &src.in.sin_port, 2);
      memcpy (buf + 26, &dst.in.sin_port, 2);
      len = 12;
    }
  else if (src.sa.sa_family == AF_INET6 && dst.sa.sa_family == AF_INET6)
    {
      buf[13] = (uint8_t) (0x20 | transport);
      memcpy (buf + 16, &src.in6.sin6_addr, 16);
      memcpy (buf + 32, &dst.in6.sin6_addr, 16);
      memcpy (buf + 48, &src.in6.sin6_port, 2);
      memcpy (buf + 50, &dst.in6.sin6_port, 2);
      len = 36;
    }
  else
    buf[13] = 0x00; /* UNSPEC */
  buf[14] = (uint8_t) (len >> 8);
  buf[15] = (uint8_t) len;
  return 16 + len;
}

/* Called inside the container's namespace: `count` sockets of `family`
 * into the pool, as many as the fd limit allows. */
static void
sock_pool_fill (struct proxy *px, int family, size_t count)
{
  size_t k = family == AF_INET ? 0 : 1;

  while (px->n_sock_pool[k] < count)
    {
      int fd = socket (family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0)
        break;
      px_set_nodelay (fd);
      px->sock_pool[k][px->n_sock_pool[k]++] = fd;
    }
}

static void
sock_pool_flush (struct proxy *px)
{
  size_t k;

  for (k = 0; k < 2; k++)
    while (px->n_sock_pool[k] > 0)
      close (px->sock_pool[k][--px->n_sock_pool[k]]);
}

int
px_socket_in_netns (struct proxy *px, int family, int type)
{
  size_t k = family == AF_INET ? 0 : 1;
  int fd, saved;

  if (px->ct_netns < 0)
    {
      errno = ENETDOWN;
      return -1;
    }
  if (type == SOCK_STREAM && px->n_sock_pool[k] > 0)
    return px->sock_pool[k][--px->n_sock_pool[k]];
  /* A socket belongs to the namespace it was created in, whatever thread
   * or namespace uses it later; the shim is single-threaded, so switching
   * there and straight back affects nothing else.  A trip costs two
   * setns() (each a namespace switch of the whole process), so TCP, where
   * connections come in bursts, takes a few sockets along for the next
   * ones; a UDP flow lives long enough not to need that. */
  if (setns (px->ct_netns, CLONE_NEWNET) < 0)
    return -1;
  fd = socket (family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  saved = errno;
  if (fd >= 0 && type == SOCK_STREAM)
    {
      px_set_nodelay (fd);
      sock_pool_fill (px, family, PX_SOCK_POOL);
    }
  /* Staying in the container's namespace would bind every later host
   * socket there; there is no way to carry on safely. */
  if (setns (px->self_netns, CLONE_NEWNET) < 0)
    {
      log_error ("setns back into the shim's network namespace: %s", strerror (errno));
      abort ();
    }
  errno = saved;
  return fd;
}

/* Objects with fds in the loop cannot be freed while the loop dispatches
 * the batch in which they died: a later event of that batch may point at
 * them (their handlers check is_dead).  They wait in `dead`.  The first
 * burial after the reaper ran makes its eventfd readable, which the loop
 * reports in a later batch; the reaper then frees `dead_prev` and moves
 * `dead` there.  So everything it frees was moved by an earlier run, in an
 * earlier batch, and died before that run: its fds were out of the loop
 * before the batch being dispatched was collected.  One write and one
 * read per batch with deaths; the last dead wait for the next ones (or
 * proxy_free). */
void
px_bury (struct proxy *px, struct px_dead *d)
{
  static const uint64_t one = 1;

  d->next = px->dead;
  px->dead = d;
  if (!px->reaper_armed && write (px->reaper.fd, &one, sizeof one) == sizeof one)
    px->reaper_armed = true;
}

static void
free_dead_list (struct px_dead *d)
{
  while (d != NULL)
    {
      struct px_dead *next = d->next;
      free (d);
      d = next;
    }
}

static void
on_reaper (struct loop_source *src, uint32_t events)
{
  struct proxy *px = px_container_of (src, struct proxy, reaper);
  uint64_t v;

  (void) events;
  if (read (src->fd, &v, sizeof v) < 0 && errno != EAGAIN)
    return;
  px->reaper_armed = false;
  free_dead_list (px->dead_prev);
  px->dead_prev = px->dead;
  px->dead = NULL;
}

int
px_listener_sync (struct px_listener *ln)
{
  bool want = !ln->px->held && !ln->paused;

  if (want == ln->registered)
    return 0;
  /* Out of the loop altogether rather than with an empty mask: a held
   * socket must not even report an error or hangup. */
  if (!want)
    {
      loop_del (ln->px->loop, &ln->src);
      ln->registered = false;
      return 0;
    }
  if (loop_add (ln->px->loop, &ln->src, EPOLLIN) < 0)
    return -1;
  ln->registered = true;
  return 0;
}

void
px_resume_listeners (struct proxy *px)
{
  size_t i;

  if (!px->any_paused || px->n_conns >= px->max_conns)
    return;
  px->any_paused = false;
  for (i = 0; i < px->n_listeners; i++)
    {
      struct px_listener *ln = &px->listeners[i];
      if (!ln->paused)
        continue;
      ln->paused = false;
      /* The loop refused: try again at the next tick. */
      if (px_listener_sync (ln) < 0)
        {
          ln->paused = true;
          px->any_paused = true;
        }
    }
}

void
proxy_hold (struct proxy *px, bool hold)
{
  size_t i;

  px->held = hold;
  for (i = 0; i < px->n_listeners; i++)
    {
      struct px_listener *ln = &px->listeners[i];
      if (px_listener_sync (ln) < 0)
        {
          /* The loop refused: paused, so the next proxy_tick tries again. */
          log_warn ("port proxy: cannot watch port %u again: %s", ln->pub.host_port,
                    strerror (errno));
          ln->paused = true;
          px->any_paused = true;
        }
    }
}

/* ---- lifecycle -------------------------------------------------------------------------- */

static const char *
proto_name (int proto)
{
  return proto == IPPROTO_UDP ? "udp" : "tcp";
}

/* "127.0.0.1:8080/tcp", "[::1]:8080/udp", "*:8080/tcp" for messages. */
static char *
listener_name (const struct publish *p)
{
  if (p->host_ip[0] == '\0')
    return xasprintf ("*:%u/%s", p->host_port, proto_name (p->proto));
  if (p->family == AF_INET6)
    return xasprintf ("[%s]:%u/%s", p->host_ip, p->host_port, proto_name (p->proto));
  return xasprintf ("%s:%u/%s", p->host_ip, p->host_port, proto_name (p->proto));
}

static int
listener_open (struct proxy *px, struct px_listener *ln, const struct publish *p, rt_error_t *err)
{
  int type = p->proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
  cleanup_free char *name = listener_name (p);
  cleanup_close int fd = -1;
  union px_addr a;
  socklen_t len;
  int one = 1, off = 0;
  bool dual = p->family == AF_UNSPEC;

  ln->px = px;
  ln->pub = *p;
  ln->src.fd = -1;
  ln->family = dual ? AF_INET6 : p->family;
  ln->wildcard = p->host_ip[0] == '\0';

  fd = socket (ln->family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 && dual && errno == EAFNOSUPPORT)
    {
      /* A host without IPv6: the wildcard is IPv4's. */
      dual = false;
      ln->family = AF_INET;
      fd = socket (AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    }
  if (fd < 0)
    return rt_error_set (err, errno, "socket for `%s`", name);

  memset (&a, 0, sizeof a);
  if (ln->family == AF_INET)
    {
      a.in.sin_family = AF_INET;
      a.in.sin_port = htons (p->host_port);
      if (!ln->wildcard)
        inet_pton (AF_INET, p->host_ip, &a.in.sin_addr);
    }
  else
    {
      a.in6.sin6_family = AF_INET6;
      a.in6.sin6_port = htons (p->host_port);
      if (!ln->wildcard)
        inet_pton (AF_INET6, p->host_ip, &a.in6.sin6_addr);
      /* "[::]" means IPv6 only; no address at all means both. */
      if (setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, dual ? &off : &one, sizeof one) < 0)
        return rt_error_set (err, errno, "set IPV6_V6ONLY on `%s`", name);
    }
  /* TCP only: a restarted shim may rebind a port whose old connections
   * linger in TIME_WAIT; it never lets two sockets listen on one port.  For
   * UDP it would, so a busy UDP port would go unnoticed. */
  if (type == SOCK_STREAM && setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
    return rt_error_set (err, errno, "set SO_REUSEADDR on `%s`", name);
  /* TCP_NODELAY (see px_set_nodelay): an accepted socket inherits it from
   * its listener, which saves a setsockopt per connection. */
  if (type == SOCK_STREAM)
    px_set_nodelay (fd);
  if (type == SOCK_DGRAM && ln->wildcard)
    {
      /* Replies must come from the address the client sent to.  On a
       * dual-stack socket IPV6_PKTINFO also reports IPv4 destinations, as
       * IPv4-mapped addresses, and accepts them back when sending. */
      int lvl = ln->family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
      int opt = ln->family == AF_INET ? IP_PKTINFO : IPV6_RECVPKTINFO;
      if (setsockopt (fd, lvl, opt, &one, sizeof one) < 0)
        return rt_error_set (err, errno, "set PKTINFO on `%s`", name);
    }
  if (bind (fd, &a.sa, px_addr_len (&a)) < 0)
    return rt_error_set (err, errno, "bind `%s`", name);
  if (type == SOCK_STREAM && listen (fd, 4096) < 0)
    return rt_error_set (err, errno, "listen on `%s`", name);
  len = sizeof ln->bound;
  if (getsockname (fd, &ln->bound.sa, &len) < 0)
    return rt_error_set (err, errno, "getsockname of `%s`", name);
  if (p->host_port == 0)
    ln->pub.host_port = ntohs (ln->family == AF_INET ? ln->bound.in.sin_port
                                                     : ln->bound.in6.sin6_port);
  ln->src.fd = steal_fd (&fd);
  ln->src.on_event = type == SOCK_STREAM ? px_tcp_on_accept : px_udp_on_datagram;
  return 0;
}

/* How many TCP connections and UDP flows the fd limit allows.  The soft
 * limit is first raised toward what the caps need (the hard limit
 * permitting), as Go programs like docker-proxy do at start; the
 * supervisor gives cove its original limit back. */
static void
fd_budget (struct proxy *px, size_t n_listeners)
{
  /* The shim's own fds (stdio, epoll, signalfd, timers, the control
   * socket and its clients, logs, namespaces), the listeners, the spare
   * pipes and sockets. */
  rlim_t fixed = 32 + (rlim_t) n_listeners + 2 * PX_SPARE_PIPES + 2 * PX_SOCK_POOL;
  rlim_t want = fixed + PX_MAX_FLOWS + (rlim_t) PX_MAX_CONNS * PX_FDS_PER_CONN;
  rlim_t left, flows, conns;
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) < 0)
    rl.rlim_cur = rl.rlim_max = 1024;
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want)
    {
      struct rlimit raised = rl;
      raised.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
      if (setrlimit (RLIMIT_NOFILE, &raised) == 0)
        rl = raised;
    }
  left = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want ? want - fixed
         : rl.rlim_cur > fixed                              ? rl.rlim_cur - fixed
                                                            : 0;
  /* UDP gets at most an eighth of what is left. */
  flows = left / 8 < PX_MAX_FLOWS ? left / 8 : PX_MAX_FLOWS;
  conns = (left - flows) / PX_FDS_PER_CONN;
  px->max_flows = flows < 4 ? 4 : (size_t) flows;
  px->max_conns = conns < 4 ? 4 : conns > PX_MAX_CONNS ? PX_MAX_CONNS : (size_t) conns;
}

struct proxy *
proxy_new (struct loop *l, const struct publish *p, size_t n, bool proxy_protocol,
           rt_error_t *err)
{
  struct proxy *px = xzalloc (sizeof *px);
  struct sigaction sa;
  size_t i;

  px->loop = l;
  px->proxy_protocol = proxy_protocol;
  px->ct_netns = -1;
  px->reaper.fd = -1;
  px->self_netns = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (px->self_netns < 0)
    {
      rt_error_set (err, errno, "open `/proc/self/ns/net`");
      goto fail_free;
    }

  px->listeners = xzalloc ((n ? n : 1) * sizeof *px->listeners);
  for (i = 0; i < n; i++)
    {
      if (listener_open (px, &px->listeners[i], &p[i], err) < 0)
        goto fail_free;
      px->n_listeners++;
    }

  px->reaper.fd = eventfd (0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (px->reaper.fd < 0)
    {
      rt_error_set (err, errno, "eventfd");
      goto fail_free;
    }
  px->reaper.on_event = on_reaper;
  if (loop_add (l, &px->reaper, EPOLLIN) < 0)
    {
      rt_error_set (err, errno, "epoll_ctl");
      goto fail_free;
    }
  for (i = 0; i < px->n_listeners; i++)
    if (px_listener_sync (&px->listeners[i]) < 0)
      {
        rt_error_set (err, errno, "epoll_ctl");
        goto fail_free;
      }

  fd_budget (px, n);
  /* Writing to a peer that closed raises SIGPIPE, and splice has no
   * MSG_NOSIGNAL: the shim must not die of a client hanging up. */
  if (sigaction (SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
    signal (SIGPIPE, SIG_IGN);
  return px;

fail_free:
  proxy_free (px);
  return NULL;
}

/* Called inside the container's namespace.  runc and crun bring up `lo` in
 * a namespace they create, but a namespace joined by path, or made by a
 * runtime that does not, has it down, and the proxy only ever talks to the
 * loopback.  Without CAP_NET_ADMIN there this fails; connects then do. */
static void
loopback_up (void)
{
  struct ifreq ifr;
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return;
  memset (&ifr, 0, sizeof ifr);
  strcpy (ifr.ifr_name, "lo");
  if (ioctl (fd, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP))
    {
      ifr.ifr_flags |= IFF_UP;
      if (ioctl (fd, SIOCSIFFLAGS, &ifr) < 0)
        log_warn ("port proxy: cannot bring up the container's loopback: %s", strerror (errno));
    }
  close (fd);
}

int
proxy_set_netns (struct proxy *px, int netns_fd, rt_error_t *err)
{
  int fd = -1;

  if (netns_fd >= 0)
    {
      fd = fcntl (netns_fd, F_DUPFD_CLOEXEC, 3);
      if (fd < 0)
        return rt_error_set (err, errno, "dup the container's network namespace fd");
      /* Try it now, so a wrong fd is an error here and not a refused
       * connection later. */
      if (setns (fd, CLONE_NEWNET) < 0)
        {
          int saved = errno;
          close (fd);
          return rt_error_set (err, saved, "setns into the container's network namespace");
        }
      loopback_up ();
      if (setns (px->self_netns, CLONE_NEWNET) < 0)
        {
          log_error ("setns back into the shim's network namespace: %s", strerror (errno));
          abort ();
        }
    }
  /* Flows hold sockets (and so a reference) in the old namespace; TCP
   * connections into it end by themselves when its processes die. */
  px_udp_expire (px, true);
  sock_pool_flush (px);
  if (px->ct_netns >= 0)
    close (px->ct_netns);
  px->ct_netns = fd;
  return 0;
}

void
proxy_tick (struct proxy *px)
{
  px_udp_expire (px, false);
  px_resume_listeners (px);
}

char *
proxy_ports_json (const struct proxy *px)
{
  size_t i, len = 0, cap = 64 + px->n_listeners * 112;
  char *s = xmalloc (cap);

  s[len++] = '[';
  for (i = 0; i < px->n_listeners; i++)
    {
      const struct px_listener *ln = &px->listeners[i];
      const char *ip = ln->pub.host_ip;
      if (ip[0] == '\0')
        ip = ln->family == AF_INET ? "0.0.0.0" : "::";
      len += (size_t) snprintf (s + len, cap - len,
                                "%s{\"proto\":\"%s\",\"host_ip\":\"%s\",\"host_port\":%u,"
                                "\"container_port\":%u}",
                                i ? "," : "", proto_name (ln->pub.proto), ip, ln->pub.host_port,
                                ln->pub.container_port);
    }
  s[len++] = ']';
  s[len] = '\0';
  return s;
}

void
proxy_free (struct proxy *px)
{
  size_t i;

  if (px == NULL)
    return;
  px_tcp_free_all (px);
  px_udp_expire (px, true);
  free (px->flow_buckets);
  sock_pool_flush (px);
  for (i = 0; i < px->n_spare_pipes; i++)
    {
      close (px->spare_pipes[i].fd[0]);
      close (px->spare_pipes[i].fd[1]);
    }
  for (i = 0; i < px->n_listeners; i++)
    {
      if (px->listeners[i].registered)
        loop_del (px->loop, &px->listeners[i].src);
      close (px->listeners[i].src.fd);
    }
  free (px->listeners);
  if (px->reaper.fd >= 0)
    {
      loop_del (px->loop, &px->reaper);
      close (px->reaper.fd);
    }
  free_dead_list (px->dead);
  free_dead_list (px->dead_prev);
  if (px->ct_netns >= 0)
    close (px->ct_netns);
  if (px->self_netns >= 0)
    close (px->self_netns);
  free (px);
}
