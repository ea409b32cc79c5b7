/* Unit tests for the port proxy's -p parser (proxy_parse_publish), for
 * what proxy_new does before any container exists (binding, a busy port's
 * message, the status-file JSON), and for proxy_hold.  Root is needed only
 * for the part of the proxy_hold test that relays into "the container",
 * which is this process's own network namespace (setns into it). */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "error.h"
#include "loop.h"
#include "proxy.h"
#include "tap.h"

/* Parses one spec into a fresh array; returns the count or -1, and the
 * error text in *msg (malloc'd) on failure. */
static int
parse1 (const char *spec, struct publish **out, char **msg)
{
  rt_error_t err = NULL;
  size_t n = 0;

  *out = NULL;
  *msg = NULL;
  if (proxy_parse_publish (spec, out, &n, &err) < 0)
    {
      *msg = rt_error_text (err);
      rt_error_free (&err);
      return -1;
    }
  return (int) n;
}

static void
good (const char *spec, int family, int proto, const char *ip, unsigned hport, unsigned cport)
{
  struct publish *p;
  char *msg;
  int n = parse1 (spec, &p, &msg);

  if (!ok (n == 1, "`%s` parses into one port", spec))
    {
      diag ("  n = %d, error: %s", n, msg ? msg : "(none)");
      free (msg);
      free (p);
      return;
    }
  is_int (p->family, family, "`%s`: family", spec);
  is_int (p->proto, proto, "`%s`: protocol", spec);
  is_str (p->host_ip, ip, "`%s`: host address", spec);
  is_int (p->host_port, hport, "`%s`: host port", spec);
  is_int (p->container_port, cport, "`%s`: container port", spec);
  free (p);
}

static void
bad (const char *spec, const char *want)
{
  struct publish *p;
  char *msg;
  int n = parse1 (spec, &p, &msg);

  ok (n < 0, "`%s` is refused", spec);
  is_str (msg, want, "`%s`: message", spec);
  free (msg);
  free (p);
}

static void
test_single (void)
{
  good ("127.0.0.1:8080:80", AF_INET, IPPROTO_TCP, "127.0.0.1", 8080, 80);
  good ("8080:80", AF_UNSPEC, IPPROTO_TCP, "", 8080, 80);
  good ("8080:80/tcp", AF_UNSPEC, IPPROTO_TCP, "", 8080, 80);
  good ("8080:80/udp", AF_UNSPEC, IPPROTO_UDP, "", 8080, 80);
  good ("8080:80/UDP", AF_UNSPEC, IPPROTO_UDP, "", 8080, 80);
  good ("0.0.0.0:53:53/udp", AF_INET, IPPROTO_UDP, "0.0.0.0", 53, 53);
  good ("65535:1", AF_UNSPEC, IPPROTO_TCP, "", 65535, 1);
  good ("192.168.1.10:443:8443", AF_INET, IPPROTO_TCP, "192.168.1.10", 443, 8443);
}

static void
test_ipv6 (void)
{
  good ("[::1]:8080:80", AF_INET6, IPPROTO_TCP, "::1", 8080, 80);
  /* Stored in canonical form, as inet_ntop writes it. */
  good ("[0:0:0::1]:8080:80", AF_INET6, IPPROTO_TCP, "::1", 8080, 80);
  good ("[::]:53:5353/udp", AF_INET6, IPPROTO_UDP, "::", 53, 5353);
  good ("[fe80::1]:80:80", AF_INET6, IPPROTO_TCP, "fe80::1", 80, 80);
  good ("[::ffff:127.0.0.1]:80:80", AF_INET6, IPPROTO_TCP, "::ffff:127.0.0.1", 80, 80);
}

static void
test_any_host_port (void)
{
  /* As in Docker: no host port, the kernel picks one. */
  good ("127.0.0.1::80", AF_INET, IPPROTO_TCP, "127.0.0.1", 0, 80);
  good ("80", AF_UNSPEC, IPPROTO_TCP, "", 0, 80);
  good ("53/udp", AF_UNSPEC, IPPROTO_UDP, "", 0, 53);
  good ("[::1]::80", AF_INET6, IPPROTO_TCP, "::1", 0, 80);
  good (":80", AF_UNSPEC, IPPROTO_TCP, "", 0, 80);
}

static void
test_ranges (void)
{
  struct publish *p;
  char *msg;
  int n, i, same = 1;

  n = parse1 ("127.0.0.1:8000-8010:9000-9010/udp", &p, &msg);
  is_int (n, 11, "a range of 11 ports gives 11 entries");
  for (i = 0; i < n; i++)
    same &= p[i].host_port == 8000 + i && p[i].container_port == 9000 + i
            && p[i].proto == IPPROTO_UDP && p[i].family == AF_INET
            && strcmp (p[i].host_ip, "127.0.0.1") == 0;
  ok (n == 11 && same, "each entry pairs 8000+i with 9000+i, udp on 127.0.0.1");
  free (p);
  free (msg);

  n = parse1 ("80-82", &p, &msg);
  is_int (n, 3, "a container range without host ports gives 3 entries");
  ok (n == 3 && p[0].host_port == 0 && p[2].container_port == 82,
      "host ports left to the kernel, container ports 80..82");
  free (p);
  free (msg);

  n = parse1 ("7-7:9-9", &p, &msg);
  ok (n == 1 && p[0].host_port == 7 && p[0].container_port == 9, "a range of one");
  free (p);
  free (msg);
}

static void
test_appends (void)
{
  struct publish *p = NULL;
  rt_error_t err = NULL;
  size_t n = 0;

  ok (proxy_parse_publish ("8080:80", &p, &n, &err) == 0, "first spec");
  ok (proxy_parse_publish ("[::1]:9000-9001:90-91/udp", &p, &n, &err) == 0, "second spec");
  is_int (n, 3, "the entries accumulate");
  ok (n == 3 && p[0].host_port == 8080 && p[1].host_port == 9000 && p[2].container_port == 91,
      "in order");
  ok (proxy_parse_publish ("nonsense", &p, &n, &err) < 0, "a bad third spec");
  is_int (n, 3, "a bad spec leaves the count alone");
  ok (p != NULL && p[2].host_port == 9001, "and the entries");
  rt_error_free (&err);
  free (p);
}

#define SHAPE "expected [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp]"

static void
test_bad (void)
{
  bad ("", "publish ``: " SHAPE);
  bad ("8080:", "publish `8080:`: " SHAPE);
  bad (":80:80", "publish `:80:80`: " SHAPE);
  bad ("[::1:8080:80", "publish `[::1:8080:80`: " SHAPE);
  bad ("[::1]8080:80", "publish `[::1]8080:80`: " SHAPE);
  bad ("[::1]:80", "publish `[::1]:80`: " SHAPE);
  bad ("[::1]:80:80:80", "publish `[::1]:80:80:80`: " SHAPE);
  bad ("8080:80/sctp", "publish `8080:80/sctp`: bad protocol `sctp` (expected tcp or udp)");
  bad ("8080:80/", "publish `8080:80/`: bad protocol `` (expected tcp or udp)");
  bad ("8080:0", "publish `8080:0`: bad port `0` (expected 1-65535)");
  bad ("70000:80", "publish `70000:80`: bad port `70000` (expected 1-65535)");
  bad ("80a:80", "publish `80a:80`: bad port `80a` (expected 1-65535)");
  bad ("+80:80", "publish `+80:80`: bad port `+80` (expected 1-65535)");
  bad (" 80:80", "publish ` 80:80`: bad port ` 80` (expected 1-65535)");
  bad ("http:80", "publish `http:80`: bad port `http` (expected 1-65535)");
  bad ("8002-8000:80-82", "publish `8002-8000:80-82`: bad port range `8002-8000`");
  bad ("8000-:80", "publish `8000-:80`: bad port range `8000-`");
  bad ("8000-8001:0-1", "publish `8000-8001:0-1`: bad port range `0-1`");
  bad ("1-2-3:1-2-3", "publish `1-2-3:1-2-3`: bad port range `1-2-3`");
  bad ("8000-8002:80-81",
       "publish `8000-8002:80-81`: the host and container port ranges differ in length");
  bad ("8000-8002:80", "publish `8000-8002:80`: the host and container port ranges differ in length");
  bad ("1.2.3:80:80", "publish `1.2.3:80:80`: bad host address `1.2.3`");
  bad ("localhost:80:80", "publish `localhost:80:80`: bad host address `localhost`");
  bad ("[1.2.3.4]:80:80", "publish `[1.2.3.4]:80:80`: bad host address `1.2.3.4`");
  bad ("[::1%lo]:80:80", "publish `[::1%lo]:80:80`: bad host address `::1%lo`");
  bad ("::1:8080:80",
       "publish `::1:8080:80`: an IPv6 host address must be in brackets, as in [::1]:8080:80");
}

/* proxy_new binds at once: an ephemeral port is reported as bound, a busy
 * port is one clear message. */
static void
test_bind (void)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof a;
  struct publish *p = NULL;
  struct proxy *px;
  rt_error_t err = NULL;
  struct loop l;
  size_t n = 0;
  char spec[64], want[128], *json, *text;
  int busy;

  if (loop_init (&l) < 0)
    {
      skip (5, "no epoll");
      return;
    }
  proxy_parse_publish ("127.0.0.1::80", &p, &n, &err);
  proxy_parse_publish ("127.0.0.1::53/udp", &p, &n, &err);
  px = proxy_new (&l, p, n, false, &err);
  ok (px != NULL, "proxy_new binds two kernel-chosen ports");
  if (px != NULL)
    {
      json = proxy_ports_json (px);
      ok (strstr (json, "{\"proto\":\"tcp\",\"host_ip\":\"127.0.0.1\",\"host_port\":") == json + 1
              && strstr (json, "\"host_port\":0,") == NULL,
          "the JSON names the bound ports: %s", json);
      free (json);
    }
  else
    skip (1, "no proxy");
  proxy_free (px);
  free (p);
  p = NULL;
  n = 0;

  /* A port somebody else listens on. */
  busy = socket (AF_INET, SOCK_STREAM, 0);
  if (busy < 0 || bind (busy, (struct sockaddr *) &a, sizeof a) < 0 || listen (busy, 1) < 0
      || getsockname (busy, (struct sockaddr *) &a, &len) < 0)
    {
      skip (3, "cannot listen on 127.0.0.1");
      loop_close (&l);
      return;
    }
  snprintf (spec, sizeof spec, "127.0.0.1:%u:80", ntohs (a.sin_port));
  proxy_parse_publish ("127.0.0.1::81", &p, &n, &err);
  proxy_parse_publish (spec, &p, &n, &err);
  px = proxy_new (&l, p, n, false, &err);
  ok (px == NULL, "proxy_new fails on a busy port");
  is_int (err ? err->errnum : 0, EADDRINUSE, "with EADDRINUSE");
  snprintf (want, sizeof want, "bind `127.0.0.1:%u/tcp`: %s", ntohs (a.sin_port),
            strerror (EADDRINUSE));
  text = rt_error_text (err);
  is_str (text, want, "and one line naming address, port and protocol");
  free (text);
  rt_error_free (&err);
  proxy_free (px);
  free (p);
  close (busy);
  loop_close (&l);
}

/* The Nth "host_port" of proxy_ports_json. */
static uint16_t
nth_host_port (struct proxy *px, int nth)
{
  char *json = proxy_ports_json (px), *p = json;
  unsigned port = 0;

  while (nth-- >= 0 && p != NULL)
    {
      p = strstr (p, "\"host_port\":");
      if (p != NULL)
        p += 12;
    }
  if (p != NULL)
    sscanf (p, "%u", &port);
  free (json);
  return (uint16_t) port;
}

/* A socket bound to 127.0.0.1:port (0: any), listening if TCP. */
static int
local_socket (int type, uint16_t port, uint16_t *bound)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons (port),
                           .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof a;
  int fd = socket (AF_INET, type | SOCK_CLOEXEC, 0);

  if (fd < 0 || bind (fd, (struct sockaddr *) &a, sizeof a) < 0
      || (type == SOCK_STREAM && listen (fd, 16) < 0)
      || getsockname (fd, (struct sockaddr *) &a, &len) < 0)
    {
      if (fd >= 0)
        close (fd);
      return -1;
    }
  if (bound != NULL)
    *bound = ntohs (a.sin_port);
  return fd;
}

static int
connect_local (int type, uint16_t port)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons (port),
                           .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  struct timeval tv = { .tv_sec = 5 };
  int fd = socket (AF_INET, type | SOCK_CLOEXEC, 0);

  if (fd < 0 || connect (fd, (struct sockaddr *) &a, sizeof a) < 0)
    {
      if (fd >= 0)
        close (fd);
      return -1;
    }
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

/* Runs the loop for about `ms` milliseconds. */
static void
spin (struct loop *l, int ms)
{
  int i;

  for (i = 0; i < ms / 10; i++)
    loop_run_once (l, 10);
}

/* errno of a non-blocking receive that found nothing: EAGAIN, or what
 * ended the socket. */
static int
recv_errno (int fd)
{
  char c;
  ssize_t n = recv (fd, &c, 1, MSG_DONTWAIT);

  return n < 0 ? errno : n == 0 ? EPIPE : 0;
}

/* proxy_hold: a held listener accepts nothing and a held UDP socket reads
 * nothing, even with the container down (no netns: an accepted client
 * would be reset at once); released, both are served.  With root, "the
 * container" is this process's network namespace, and the relayed bytes
 * arrive behind their PROXY v2 headers (TCP and UDP). */
static void
test_hold (void)
{
  static const uint8_t sig[12] = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                   0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A };
  struct publish *p = NULL;
  struct proxy *px;
  rt_error_t err = NULL;
  struct loop l;
  size_t n = 0;
  char spec[64];
  uint8_t buf[256];
  uint16_t tport, uport, htcp, hudp, cport;
  int tsrv, usrv, cl, ucl, acc, self, flags;
  bool netns;
  ssize_t r;

  tsrv = local_socket (SOCK_STREAM, 0, &tport);
  usrv = local_socket (SOCK_DGRAM, 0, &uport);
  if (tsrv < 0 || usrv < 0 || loop_init (&l) < 0)
    {
      skip (15, "cannot listen on 127.0.0.1");
      return;
    }
  snprintf (spec, sizeof spec, "127.0.0.1::%u", tport);
  proxy_parse_publish (spec, &p, &n, &err);
  snprintf (spec, sizeof spec, "127.0.0.1::%u/udp", uport);
  proxy_parse_publish (spec, &p, &n, &err);
  px = proxy_new (&l, p, n, true, &err);
  free (p);
  if (!ok (px != NULL, "a proxy with the PROXY protocol, one TCP and one UDP port"))
    {
      rt_error_free (&err);
      loop_close (&l);
      return;
    }
  htcp = nth_host_port (px, 0);
  hudp = nth_host_port (px, 1);
  self = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  netns = self >= 0 && proxy_set_netns (px, self, &err) == 0;
  rt_error_free (&err);
  flags = fcntl (tsrv, F_GETFL);
  fcntl (tsrv, F_SETFL, flags | O_NONBLOCK);

  proxy_hold (px, true);
  proxy_hold (px, true);
  cl = connect_local (SOCK_STREAM, htcp);
  ok (cl >= 0, "held: a client still connects (the kernel's backlog)");
  ucl = connect_local (SOCK_DGRAM, hudp);
  if (cl < 0 || ucl < 0)
    {
      skip (13, "no client");
      goto out;
    }
  send (cl, "x", 1, MSG_NOSIGNAL);
  send (ucl, "dgram", 5, 0);
  spin (&l, 200);
  is_int (recv_errno (cl), EAGAIN, "held: the client waits, neither reset nor closed");
  acc = accept (tsrv, NULL, NULL);
  ok (acc < 0, "held: nothing reached the container's TCP server");
  if (acc >= 0)
    close (acc);
  is_int (recv_errno (usrv), EAGAIN, "held: nothing reached the container's UDP server");

  /* The container goes away and comes back while held. */
  proxy_set_netns (px, -1, &err);
  spin (&l, 100);
  is_int (recv_errno (cl), EAGAIN, "held, no namespace: the client still waits");
  if (netns)
    proxy_set_netns (px, self, &err);
  rt_error_free (&err);

  proxy_hold (px, false);
  spin (&l, 200);
  if (!netns)
    {
      /* No namespace to relay to: accepted and reset, which shows the
       * accept happened only now. */
      is_int (recv_errno (cl), ECONNRESET, "released, no namespace: accepted and refused");
      skip (8, "no setns (not root): no relay to check");
      goto out;
    }
  fcntl (tsrv, F_SETFL, flags);
  acc = accept (tsrv, NULL, NULL);
  ok (acc >= 0, "released: the waiting client reaches the container");
  if (acc >= 0)
    {
      struct timeval tv = { .tv_sec = 2 };
      setsockopt (acc, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
  r = acc >= 0 ? recv (acc, buf, 16 + 12 + 1, MSG_WAITALL) : -1;
  ok (r == 29 && memcmp (buf, sig, 12) == 0 && buf[12] == 0x21 && buf[13] == 0x11
          && buf[15] == 12 && buf[28] == 'x',
      "TCP: a PROXY v2 header (TCP over IPv4, 12 address bytes), then the client's byte");
  cport = r == 29 ? (uint16_t) (buf[26] << 8 | buf[27]) : 0;
  is_int (cport, htcp, "TCP: the header's destination port is the published one");
  /* Held again: what is established goes on. */
  proxy_hold (px, true);
  send (cl, "y", 1, MSG_NOSIGNAL);
  spin (&l, 100);
  r = acc >= 0 ? recv (acc, buf, 1, 0) : -1;
  ok (r == 1 && buf[0] == 'y', "held again: the established connection still relays");
  proxy_hold (px, false);
  if (acc >= 0)
    close (acc);
  r = recv (usrv, buf, sizeof buf, MSG_DONTWAIT);
  ok (r == 16 + 12 + 5, "UDP: the held datagram arrives, %zd bytes: header and payload", r);
  ok (r == 33 && memcmp (buf, sig, 12) == 0 && buf[12] == 0x21 && buf[13] == 0x12
          && buf[14] == 0 && buf[15] == 12 && memcmp (buf + 28, "dgram", 5) == 0,
      "UDP: PROXY v2 with transport DGRAM over IPv4 (0x12), then the payload");
  {
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    getsockname (ucl, (struct sockaddr *) &a, &alen);
    ok (r == 33 && memcmp (buf + 16, &a.sin_addr, 4) == 0 && memcmp (buf + 24, &a.sin_port, 2) == 0,
        "UDP: the source is the client's address and port");
    ok (r == 33 && buf[20] == 127 && buf[23] == 1 && (buf[26] << 8 | buf[27]) == hudp,
        "UDP: the destination is 127.0.0.1 and the published port");
  }
  /* Every datagram carries its own header. */
  send (ucl, "again", 5, 0);
  spin (&l, 100);
  r = recv (usrv, buf, sizeof buf, MSG_DONTWAIT);
  ok (r == 33 && memcmp (buf, sig, 12) == 0 && memcmp (buf + 28, "again", 5) == 0,
      "UDP: the next datagram of the same flow has a header too");

out:
  if (cl >= 0)
    close (cl);
  if (ucl >= 0)
    close (ucl);
  if (self >= 0)
    close (self);
  proxy_free (px);
  close (tsrv);
  close (usrv);
  loop_close (&l);
}

int
main (void)
{
  test_single ();
  test_ipv6 ();
  test_any_host_port ();
  test_ranges ();
  test_appends ();
  test_bad ();
  test_bind ();
  test_hold ();
  return done_testing ();
}
