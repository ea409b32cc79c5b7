/* Unit tests for the port proxy's -p parser (proxy_parse_publish), and for
 * what proxy_new does before any container exists: binding, a busy port's
 * message, the status-file JSON.  No root needed. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
  return done_testing ();
}
