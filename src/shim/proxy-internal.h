/* What proxy.c, proxy-tcp.c and proxy-udp.c share: the proxy object, its
 * listeners, TCP connections and UDP flows, and the few helpers every
 * protocol needs (sockets inside the container's netns, deferred frees). */
#ifndef COVE_SHIM_PROXY_INTERNAL_H
#define COVE_SHIM_PROXY_INTERNAL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "loop.h"
#include "proxy.h"

/* Concurrent TCP connections, lowered at proxy_new when RLIMIT_NOFILE is
 * too small for this many (each connection holds 6 fds: 2 sockets, 2
 * pipes).  Past the cap the listeners stop accepting, so clients wait in
 * the kernel's backlog instead of being refused; the same happens for a
 * while after running out of fds anyway. */
#define PX_MAX_CONNS 4096
#define PX_FDS_PER_CONN 6
/* Concurrent UDP flows (one socket each), lowered like PX_MAX_CONNS; a
 * new client past the cap takes the place of the least recently used
 * flow. */
#define PX_MAX_FLOWS 1024
#define PX_UDP_IDLE_SEC 30
/* Bytes a pipe holds per direction of a TCP connection: larger chunks mean
 * fewer splice calls per GB (1 MiB measured ~20 % less CPU per GB than
 * 256 KiB), and the pipe's pages are only held while a slow reader leaves
 * data in it.  1 MiB is also the default fs.pipe-max-size. */
#define PX_PIPE_SIZE (1024 * 1024)
/* Emptied pipes of closed connections kept for the next ones. */
#define PX_SPARE_PIPES 32
/* Unconnected TCP sockets created per trip into the container's network
 * namespace (see px_socket_in_netns). */
#define PX_SOCK_POOL 16

#define px_container_of(ptr, type, member) ((type *) ((char *) (ptr) - offsetof (type, member)))

union px_addr
{
  struct sockaddr sa;
  struct sockaddr_in in;
  struct sockaddr_in6 in6;
};

/* First member of every object that owns loop sources: freed only two
 * dispatch rounds after it died (see px_bury), because an event for one of
 * its fds may still wait in the batch being dispatched. */
struct px_dead
{
  struct px_dead *next;
};

struct px_listener
{
  struct loop_source src;
  struct proxy *px;
  struct publish pub; /* host_port is the bound one (an ephemeral port resolved) */
  int family;         /* of the socket: a dual-stack wildcard is AF_INET6 */
  bool wildcard;      /* bound to any address: UDP replies need IP(V6)_PKTINFO */
  union px_addr bound; /* getsockname: the address (or wildcard) and port */
  bool registered; /* in the loop: neither held nor paused */
  bool paused;     /* not accepting: at the connection cap or out of fds */
};

struct px_end
{
  struct loop_source src;
  struct px_conn *conn;
  uint32_t mask;   /* the epoll interest set now */
  bool registered; /* in the loop */
  bool hup;        /* taken out of the loop after EPOLLHUP (see on_end) */
};

struct px_pipe
{
  int fd[2]; /* read end, write end; -1 when none */
  size_t cap;
};

/* One direction of a TCP connection.  Bytes read from one end wait in the
 * pipe until written to the other; the pipe is refilled only once empty,
 * so a reader that does not keep up stops us reading from the writer and
 * the kernel's socket buffers (then TCP's window) hold the rest. */
struct px_half
{
  struct px_pipe pipe;
  size_t bytes; /* in the pipe now */
  bool eof;     /* the reading end said EOF */
  bool shut;    /* EOF passed on: shutdown(SHUT_WR) on the writing end */
};

enum px_conn_state
{
  PX_CONNECTING,
  PX_RELAYING,
};

struct px_conn
{
  struct px_dead dead; /* first */
  bool is_dead;
  enum px_conn_state state;
  struct proxy *px;
  struct px_listener *ln;
  struct px_conn *prev, *next; /* every live connection, for proxy_free */
  struct px_end client, server;
  struct px_half up;   /* client -> server */
  struct px_half down; /* server -> client */
  bool v4_fallback;    /* the ::1 attempt failed, now trying 127.0.0.1 */
  union px_addr peer;  /* the client, as accepted */
  union px_addr local; /* the address the client connected to */
};

struct px_flow
{
  struct px_dead dead; /* first */
  bool is_dead;
  struct loop_source src; /* the connected socket in the container's netns */
  struct px_listener *ln;
  struct px_flow *hnext;       /* hash chain */
  struct px_flow *lprev, *lnext; /* LRU list, oldest first */
  union px_addr client;
  union px_addr local; /* where the client sent to: replies come from here */
  int local_ifindex;
  bool has_local;
  bool v4_fallback; /* ::1 refused: the flow goes to 127.0.0.1 now */
  bool confirmed;   /* the container answered: no fallback any more */
  void *unconfirmed; /* the last datagram sent to ::1 before an answer, sent
                        again to 127.0.0.1 if ::1 refuses it */
  size_t unconfirmed_len;
  time_t last; /* CLOCK_MONOTONIC seconds of the last datagram either way */
};

struct proxy
{
  struct loop *loop;
  struct px_listener *listeners;
  size_t n_listeners;
  bool proxy_protocol;
  bool held;      /* proxy_hold: listeners out of the loop */
  int self_netns; /* the shim's own network namespace */
  int ct_netns;   /* the container's, -1 while it is down */
  /* TCP sockets made ahead in the container's namespace, [0] IPv4, [1]
   * IPv6: one setns() there and back per PX_SOCK_POOL connections instead
   * of per connection. */
  int sock_pool[2][PX_SOCK_POOL];
  size_t n_sock_pool[2];

  struct px_conn *conns;
  size_t n_conns, max_conns;
  bool any_paused;
  struct px_pipe spare_pipes[PX_SPARE_PIPES];
  size_t n_spare_pipes;

  struct px_flow **flow_buckets; /* PX_FLOW_BUCKETS, allocated with the first flow */
  struct px_flow *lru_head, *lru_tail;
  size_t n_flows, max_flows;

  /* Deferred frees: see px_bury. */
  struct loop_source reaper;
  bool reaper_armed;
  struct px_dead *dead, *dead_prev;
};

#define PX_FLOW_BUCKETS 1024

/* proxy.c */
/* A socket of `family`/`type` (non-blocking, close-on-exec) created inside
 * the container's network namespace; -1 with errno set.  TCP sockets come
 * from sock_pool, refilled PX_SOCK_POOL at a time, with TCP_NODELAY set. */
int px_socket_in_netns (struct proxy *px, int family, int type);
void px_set_nodelay (int fd);
/* 127.0.0.1 or ::1 (or ::ffff:127.0.0.1 with v4_mapped) at port. */
socklen_t px_loopback (int family, bool v4_mapped, uint16_t port, union px_addr *out);
socklen_t px_addr_len (const union px_addr *a);
/* An IPv4-mapped IPv6 address turned into the IPv4 one, in place. */
void px_unmap (union px_addr *a);
/* The PROXY protocol v2 header (haproxy's proxy-protocol.txt, 2.2) saying
 * that `src` (the client) sent to `dst`, over TCP (SOCK_STREAM) or UDP
 * (SOCK_DGRAM); IPv4-mapped addresses count as IPv4, and a mix of
 * families is sent as UNSPEC (the receiver then uses the connection's own
 * addresses).  Returns its length. */
#define PX_PROXY_HDR_MAX (16 + 36)
size_t px_proxy_header (uint8_t buf[PX_PROXY_HDR_MAX], int type, const union px_addr *src,
                        const union px_addr *dst);
/* Hand over an object whose fds are closed and out of the loop. */
void px_bury (struct proxy *px, struct px_dead *d);
/* Into the loop or out of it, as the proxy's hold and the listener's
 * pause say; -1 if the loop refused. */
int px_listener_sync (struct px_listener *ln);
/* A connection closed: accepting may resume. */
void px_resume_listeners (struct proxy *px);
time_t px_now (void);

/* proxy-tcp.c */
void px_tcp_on_accept (struct loop_source *src, uint32_t events);
void px_tcp_free_all (struct proxy *px);

/* proxy-udp.c */
void px_udp_on_datagram (struct loop_source *src, uint32_t events);
/* Close flows idle for PX_UDP_IDLE_SEC, or all of them. */
void px_udp_expire (struct proxy *px, bool all);

#endif
