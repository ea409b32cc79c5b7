/* The userland port proxy: host sockets bound in the host network
 * namespace, connections relayed into the container's network namespace
 * (its loopback), so no bridge, veth or iptables is needed. */
#ifndef COVE_SHIM_PROXY_H
#define COVE_SHIM_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "loop.h"

/* One published port (a range expands into several). */
struct publish
{
  int family;         /* AF_INET or AF_INET6; AF_UNSPEC with host_ip "": every
                         address, one dual-stack socket (IPv4 only on a host
                         without IPv6) */
  int proto;          /* IPPROTO_TCP or IPPROTO_UDP */
  char host_ip[64];   /* canonical ("::1", not "0::1"); "" = all addresses */
  uint16_t host_port; /* 0: the kernel picks one (see proxy_ports_json) */
  uint16_t container_port;
};

/* "[HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp]", IPv6 host addresses in
 * brackets, ranges "8000-8010:8000-8010" (same length).  As in Docker, the
 * host port may be left out ("127.0.0.1::80", "80"): any free port.
 * "0.0.0.0" is IPv4's wildcard, "[::]" IPv6's, no address both.  Appends to
 * *out (realloc'd); on error *out and *n are unchanged and the message
 * names the spec ("publish `x`: bad port `x` (expected 1-65535)"). Pure. */
int proxy_parse_publish (const char *spec, struct publish **out, size_t *n, rt_error_t *err);

struct proxy;

/* Bind every host socket now (a busy port fails here, before any
 * container exists: "bind `127.0.0.1:8080/tcp`: Address already in use")
 * and register them with the loop.  Process-wide effects: SIGPIPE is
 * ignored if it was at its default (splice cannot say MSG_NOSIGNAL), and
 * the soft RLIMIT_NOFILE is raised toward what 4096 connections need
 * (6 fds each); children inherit both, so reset SIGPIPE before exec. */
struct proxy *proxy_new (struct loop *l, const struct publish *p, size_t n, bool proxy_protocol,
                         rt_error_t *err);
/* The container's network namespace (an fd of /proc/<pid>/ns/net, dup'd
 * by the proxy), or -1 while the container is down: new connections are
 * then closed at once (a clean refusal), UDP datagrams dropped.  Brings the
 * namespace's `lo` up if it is down (the proxy only talks to the loopback);
 * UDP flows into the previous namespace end here. */
int proxy_set_netns (struct proxy *px, int netns_fd, rt_error_t *err);
/* Stop taking new clients for a while (live migration: the container's
 * namespace goes away and comes back elsewhere) without refusing them.
 * While held, the host sockets stay bound but are out of the loop: TCP
 * clients complete their handshake and wait in the listen backlog (4096,
 * capped by net.core.somaxconn; past it the kernel drops their SYNs and
 * they retry), UDP datagrams wait in the socket's receive buffer (dropped
 * by the kernel once it is full).  Nothing already accepted is touched:
 * established connections go on relaying, UDP flows go on answering until
 * proxy_set_netns ends them.  proxy_set_netns (px, -1) while held closes
 * nothing waiting in a backlog.  Releasing (hold false) puts the sockets
 * back into the loop, and the waiting clients are served at the next
 * dispatch, into the namespace set at that time: set the new one first, as
 * with -1 they would be refused then.  Holding twice is holding once;
 * held or not, a TCP listener at the connection cap stays paused until a
 * connection ends.  Safe inside a loop handler: an event of the batch being
 * dispatched does not accept while held. */
void proxy_hold (struct proxy *px, bool hold);
/* UDP flows expire: the loop calls this about once a second. */
void proxy_tick (struct proxy *px);
/* The published ports as a JSON array for the status file (malloc'd), one
 * object per port, with the bound port when the kernel picked it:
 * [{"proto":"tcp","host_ip":"127.0.0.1","host_port":8080,"container_port":80}]
 * (host_ip "0.0.0.0" or "::" for a wildcard). */
char *proxy_ports_json (const struct proxy *px);
/* Closes everything at once, so call it outside the loop's dispatch or set
 * l->stop in the same handler.  NULL-safe. */
void proxy_free (struct proxy *px);

#endif
