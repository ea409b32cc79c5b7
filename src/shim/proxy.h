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
  int family;         /* AF_INET or AF_INET6 */
  int proto;          /* IPPROTO_TCP or IPPROTO_UDP */
  char host_ip[64];   /* "" = all addresses ("0.0.0.0"/"::") */
  uint16_t host_port;
  uint16_t container_port;
};

/* "[HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp]", IPv6 host addresses in
 * brackets, ranges "8000-8010:8000-8010" (same length).  Appends to
 * *out (realloc'd). Pure. */
int proxy_parse_publish (const char *spec, struct publish **out, size_t *n, rt_error_t *err);

struct proxy;

/* Bind every host socket now (a busy port fails here, before any
 * container exists) and register them with the loop. */
struct proxy *proxy_new (struct loop *l, const struct publish *p, size_t n, bool proxy_protocol,
                         rt_error_t *err);
/* The container's network namespace (an fd of /proc/<pid>/ns/net, dup'd
 * by the proxy), or -1 while the container is down: new connections are
 * then closed at once (a clean refusal), UDP datagrams dropped. */
int proxy_set_netns (struct proxy *px, int netns_fd, rt_error_t *err);
/* UDP flows expire: the loop calls this about once a second. */
void proxy_tick (struct proxy *px);
/* The published ports as a JSON array for the status file (malloc'd). */
char *proxy_ports_json (const struct proxy *px);
void proxy_free (struct proxy *px);

#endif
