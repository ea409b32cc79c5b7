/* The UDP relay: one flow per client address, each a connected socket
 * inside the container's network namespace.  Datagrams from the client go
 * out on the flow's socket; what the container answers goes back from the
 * host socket, from the address the client sent to.  Flows end after
 * PX_UDP_IDLE_SEC without traffic, or when the container's namespace
 * changes. */
#include <config.h>
#include "proxy-internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "util.h"

/* Datagrams handled per event, so one busy flow does not starve the rest. */
#define UDP_BATCH 64

/* One buffer for every datagram: the shim is single-threaded and a
 * datagram is relayed before the next is read.  Untouched pages of it cost
 * no memory until UDP is used. */
static char udp_buf[65536];

/* ---- the flow table --------------------------------------------------------------------- */

static size_t
flow_hash (const struct px_listener *ln, const union px_addr *a)
{
  const unsigned char *p;
  size_t i, n, h = (size_t) (uintptr_t) ln * 31u;

  if (a->sa.sa_family == AF_INET)
    {
      p = (const unsigned char *) &a->in.sin_addr;
      n = 4;
      h ^= a->in.sin_port;
    }
  else
    {
      p = (const unsigned char *) &a->in6.sin6_addr;
      n = 16;
      h ^= a->in6.sin6_port;
    }
  for (i = 0; i < n; i++)
    h = (h ^ p[i]) * 16777619u; /* FNV-1a's prime */
  return h % PX_FLOW_BUCKETS;
}

static bool
addr_equal (const union px_addr *a, const union px_addr *b)
{
  if (a->sa.sa_family != b->sa.sa_family)
    return false;
  if (a->sa.sa_family == AF_INET)
    return a->in.sin_port == b->in.sin_port && a->in.sin_addr.s_addr == b->in.sin_addr.s_addr;
  return a->in6.sin6_port == b->in6.sin6_port
         && memcmp (&a->in6.sin6_addr, &b->in6.sin6_addr, 16) == 0;
}

static struct px_flow *
flow_find (struct proxy *px, struct px_listener *ln, const union px_addr *client)
{
  struct px_flow *f;

  if (px->flow_buckets == NULL)
    return NULL;
  for (f = px->flow_buckets[flow_hash (ln, client)]; f != NULL; f = f->hnext)
    if (f->ln == ln && addr_equal (&f->client, client))
      return f;
  return NULL;
}

static void
lru_unlink (struct proxy *px, struct px_flow *f)
{
  if (f->lprev != NULL)
    f->lprev->lnext = f->lnext;
  else
    px->lru_head = f->lnext;
  if (f->lnext != NULL)
    f->lnext->lprev = f->lprev;
  else
    px->lru_tail = f->lprev;
  f->lprev = f->lnext = NULL;
}

static void
lru_append (struct proxy *px, struct px_flow *f)
{
  f->lprev = px->lru_tail;
  f->lnext = NULL;
  if (px->lru_tail != NULL)
    px->lru_tail->lnext = f;
  else
    px->lru_head = f;
  px->lru_tail = f;
}

/* Traffic either way keeps a flow alive; the LRU list stays in `last`
 * order, so expiry only ever looks at its head. */
static void
flow_touch (struct proxy *px, struct px_flow *f)
{
  f->last = px_now ();
  if (px->lru_tail != f)
    {
      lru_unlink (px, f);
      lru_append (px, f);
    }
}

static void
flow_kill (struct proxy *px, struct px_flow *f)
{
  struct px_flow **pp = &px->flow_buckets[flow_hash (f->ln, &f->client)];

  while (*pp != f)
    pp = &(*pp)->hnext;
  *pp = f->hnext;
  lru_unlink (px, f);
  if (f->src.fd >= 0)
    {
      loop_del (px->loop, &f->src);
      close (f->src.fd);
      f->src.fd = -1;
    }
  free (f->unconfirmed);
  f->unconfirmed = NULL;
  f->is_dead = true;
  px->n_flows--;
  px_bury (px, &f->dead);
}

void
px_udp_expire (struct proxy *px, bool all)
{
  time_t now = px_now ();

  while (px->lru_head != NULL && (all || now - px->lru_head->last >= PX_UDP_IDLE_SEC))
    flow_kill (px, px->lru_head);
}

/* ---- the container side ----------------------------------------------------------------- */

static void on_flow (struct loop_source *src, uint32_t events);

/* A socket in the container's namespace connected to its loopback: ::1 for
 * an IPv6 client (IPv4-mapped ones count as IPv4), else, or on fallback,
 * 127.0.0.1. */
static int
flow_socket (struct proxy *px, struct px_flow *f)
{
  int family = f->client.sa.sa_family;
  union px_addr to;
  socklen_t len;
  int fd;

  if (f->v4_fallback)
    family = AF_INET;
  fd = px_socket_in_netns (px, family, SOCK_DGRAM);
  if (fd < 0)
    return -1;
  len = px_loopback (family, false, f->ln->pub.container_port, &to);
  if (connect (fd, &to.sa, len) < 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

/* Where the client sent to: the address from its datagram's PKTINFO on a
 * wildcard socket, else the one the socket is bound to; the port is the
 * published one either way. */
static void
flow_dst (const struct px_flow *f, union px_addr *dst)
{
  *dst = f->ln->bound;
  if (!f->has_local)
    return;
  *dst = f->local;
  if (dst->sa.sa_family == AF_INET)
    dst->in.sin_port = htons (f->ln->pub.host_port);
  else
    dst->in6.sin6_port = htons (f->ln->pub.host_port);
}

/* One datagram to the container.  With --proxy-protocol a PROXY v2 header
 * (transport DGRAM) comes first, in every datagram and in one piece: a
 * datagram carries no connection the receiver could remember it by, so
 * the spec has it parse the header of each one.  A datagram that no longer
 * fits with the header fails (EMSGSIZE) and is dropped. */
static ssize_t
flow_out (struct proxy *px, struct px_flow *f, const void *buf, size_t len)
{
  uint8_t hdr[PX_PROXY_HDR_MAX];
  struct iovec iov[2];
  struct msghdr mh = { .msg_iov = iov };
  union px_addr dst;

  if (px->proxy_protocol)
    {
      flow_dst (f, &dst);
      iov[mh.msg_iovlen].iov_base = hdr;
      iov[mh.msg_iovlen++].iov_len = px_proxy_header (hdr, SOCK_DGRAM, &f->client, &dst);
    }
  iov[mh.msg_iovlen].iov_base = (void *) buf;
  iov[mh.msg_iovlen++].iov_len = len;
  return sendmsg (f->src.fd, &mh, MSG_DONTWAIT);
}

/* ::1 refused: from now on this flow goes to 127.0.0.1, and the datagram
 * that was refused is sent again there. */
static void
flow_fall_back (struct proxy *px, struct px_flow *f)
{
  int fd;

  if (f->v4_fallback || f->confirmed || f->client.sa.sa_family != AF_INET6)
    return;
  f->v4_fallback = true;
  fd = flow_socket (px, f);
  if (fd < 0)
    return;
  loop_del (px->loop, &f->src);
  close (f->src.fd);
  f->src.fd = fd;
  if (loop_add (px->loop, &f->src, EPOLLIN) < 0)
    {
      flow_kill (px, f);
      return;
    }
  if (f->unconfirmed != NULL)
    (void) flow_out (px, f, f->unconfirmed, f->unconfirmed_len);
  free (f->unconfirmed);
  f->unconfirmed = NULL;
}

static struct px_flow *
flow_new (struct proxy *px, struct px_listener *ln, const union px_addr *client)
{
  struct px_flow *f;
  size_t h;

  if (px->n_flows >= px->max_flows)
    flow_kill (px, px->lru_head);
  if (px->flow_buckets == NULL)
    px->flow_buckets = xzalloc (PX_FLOW_BUCKETS * sizeof *px->flow_buckets);

  f = xzalloc (sizeof *f);
  f->ln = ln;
  f->client = *client;
  px_unmap (&f->client); /* one key per client, and the family to connect with */
  f->src.on_event = on_flow;
  f->src.fd = flow_socket (px, f);
  if (f->src.fd < 0 && f->client.sa.sa_family == AF_INET6)
    {
      /* No ::1 at all in there (IPv6 disabled). */
      f->v4_fallback = true;
      f->src.fd = flow_socket (px, f);
    }
  if (f->src.fd < 0 || loop_add (px->loop, &f->src, EPOLLIN) < 0)
    {
      if (f->src.fd >= 0)
        close (f->src.fd);
      free (f);
      return NULL;
    }
  h = flow_hash (ln, &f->client);
  f->hnext = px->flow_buckets[h];
  px->flow_buckets[h] = f;
  lru_append (px, f);
  px->n_flows++;
  return f;
}

/* ---- datagrams -------------------------------------------------------------------------- */

/* Where the client sent to, from IP_PKTINFO / IPV6_PKTINFO. */
static void
note_local (struct px_flow *f, struct msghdr *mh)
{
  struct cmsghdr *cm;

  for (cm = CMSG_FIRSTHDR (mh); cm != NULL; cm = CMSG_NXTHDR (mh, cm))
    {
      if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO)
        {
          struct in_pktinfo pi;
          memcpy (&pi, CMSG_DATA (cm), sizeof pi);
          memset (&f->local, 0, sizeof f->local);
          f->local.in.sin_family = AF_INET;
          f->local.in.sin_addr = pi.ipi_addr;
          f->local_ifindex = 0;
          f->has_local = true;
        }
      else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO)
        {
          struct in6_pktinfo pi;
          memcpy (&pi, CMSG_DATA (cm), sizeof pi);
          memset (&f->local, 0, sizeof f->local);
          f->local.in6.sin6_family = AF_INET6;
          f->local.in6.sin6_addr = pi.ipi6_addr;
          /* A link-local address needs its interface; an IPv4-mapped one
           * would pin the route, so it goes without. */
          f->local_ifindex = IN6_IS_ADDR_V4MAPPED (&pi.ipi6_addr) ? 0 : (int) pi.ipi6_ifindex;
          f->has_local = true;
        }
    }
}

static void
flow_send (struct proxy *px, struct px_flow *f, const void *buf, size_t len)
{
  /* Until ::1 answers, keep the datagram: if it is refused, 127.0.0.1
   * gets it (flow_fall_back). */
  if (f->client.sa.sa_family == AF_INET6 && !f->v4_fallback && !f->confirmed)
    {
      free (f->unconfirmed);
      f->unconfirmed = xmalloc (len ? len : 1);
      memcpy (f->unconfirmed, buf, len);
      f->unconfirmed_len = len;
    }
  /* A full socket buffer or a refusal drops the datagram, as UDP may. */
  if (flow_out (px, f, buf, len) < 0 && errno == ECONNREFUSED)
    flow_fall_back (px, f);
}

void
px_udp_on_datagram (struct loop_source *src, uint32_t events)
{
  struct px_listener *ln = px_container_of (src, struct px_listener, src);
  struct proxy *px = ln->px;
  int i;

  (void) events;
  /* Held by a handler earlier in this batch: the datagrams wait. */
  if (px->held)
    return;
  for (i = 0; i < UDP_BATCH; i++)
    {
      union
      {
        char buf[CMSG_SPACE (sizeof (struct in6_pktinfo))];
        struct cmsghdr align;
      } ctl;
      union px_addr client;
      struct iovec iov = { .iov_base = udp_buf, .iov_len = sizeof udp_buf };
      struct msghdr mh = {
        .msg_name = &client,
        .msg_namelen = sizeof client,
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = ln->wildcard ? ctl.buf : NULL,
        .msg_controllen = ln->wildcard ? sizeof ctl.buf : 0,
      };
      struct px_flow *f;
      union px_addr key;
      ssize_t n;

      n = recvmsg (src->fd, &mh, MSG_DONTWAIT);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return;
        }
      /* The container is down: nobody to give it to. */
      if (px->ct_netns < 0)
        continue;
      key = client;
      px_unmap (&key);
      f = flow_find (px, ln, &key);
      if (f == NULL)
        f = flow_new (px, ln, &key);
      if (f == NULL)
        continue;
      if (ln->wildcard)
        note_local (f, &mh);
      flow_touch (px, f);
      flow_send (px, f, udp_buf, (size_t) n);
    }
}

/* A reply goes to the client from the host socket; on a wildcard socket
 * with the source address the client sent to. */
static void
reply (struct px_flow *f, const void *buf, size_t len)
{
  struct px_listener *ln = f->ln;
  union
  {
    char buf[CMSG_SPACE (sizeof (struct in6_pktinfo))];
    struct cmsghdr align;
  } ctl;
  union px_addr to = f->client;
  struct iovec iov = { .iov_base = (void *) buf, .iov_len = len };
  struct msghdr mh = { .msg_name = &to, .msg_iov = &iov, .msg_iovlen = 1 };

  /* The host socket's family: IPv4 clients of a dual-stack socket are
   * IPv4-mapped there. */
  if (ln->family == AF_INET6 && to.sa.sa_family == AF_INET)
    {
      struct sockaddr_in in = to.in;
      memset (&to, 0, sizeof to);
      to.in6.sin6_family = AF_INET6;
      to.in6.sin6_port = in.sin_port;
      to.in6.sin6_addr.s6_addr[10] = 0xff;
      to.in6.sin6_addr.s6_addr[11] = 0xff;
      memcpy (&to.in6.sin6_addr.s6_addr[12], &in.sin_addr, 4);
    }
  mh.msg_namelen = px_addr_len (&to);

  if (f->has_local)
    {
      struct cmsghdr *cm;
      memset (&ctl, 0, sizeof ctl);
      mh.msg_control = ctl.buf;
      cm = (struct cmsghdr *) ctl.buf;
      if (f->local.sa.sa_family == AF_INET)
        {
          struct in_pktinfo pi = { .ipi_spec_dst = f->local.in.sin_addr };
          cm->cmsg_level = IPPROTO_IP;
          cm->cmsg_type = IP_PKTINFO;
          cm->cmsg_len = CMSG_LEN (sizeof pi);
          memcpy (CMSG_DATA (cm), &pi, sizeof pi);
          mh.msg_controllen = CMSG_SPACE (sizeof pi);
        }
      else
        {
          struct in6_pktinfo pi = { .ipi6_addr = f->local.in6.sin6_addr,
                                    .ipi6_ifindex = (unsigned) f->local_ifindex };
          cm->cmsg_level = IPPROTO_IPV6;
          cm->cmsg_type = IPV6_PKTINFO;
          cm->cmsg_len = CMSG_LEN (sizeof pi);
          memcpy (CMSG_DATA (cm), &pi, sizeof pi);
          mh.msg_controllen = CMSG_SPACE (sizeof pi);
        }
    }
  /* Dropped when the host socket's buffer is full: UDP may. */
  (void) sendmsg (ln->src.fd, &mh, MSG_DONTWAIT);
}

static void
on_flow (struct loop_source *src, uint32_t events)
{
  struct px_flow *f = px_container_of (src, struct px_flow, src);
  struct proxy *px = f->ln->px;
  int i;

  /* Expired earlier in this batch: see px_bury. */
  if (f->is_dead)
    return;
  (void) events;
  for (i = 0; i < UDP_BATCH; i++)
    {
      ssize_t n = recv (src->fd, udp_buf, sizeof udp_buf, MSG_DONTWAIT);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          /* An ICMP port unreachable from the container, reported here
           * (and as EPOLLERR) on a connected socket. */
          if (errno == ECONNREFUSED)
            {
              flow_fall_back (px, f);
              if (f->is_dead)
                return;
              continue;
            }
          return;
        }
      if (!f->confirmed)
        {
          f->confirmed = true;
          free (f->unconfirmed);
          f->unconfirmed = NULL;
        }
      flow_touch (px, f);
      reply (f, udp_buf, (size_t) n);
    }
}
