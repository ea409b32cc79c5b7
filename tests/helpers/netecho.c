/* netecho: the servers and clients of the port-proxy tests
 * (tests/integration/t-shim-proxy.sh).  Static, so the servers run inside
 * the test rootfs, which has only busybox (whose nc knows no UDP).
 *
 * Servers listen on every address, IPv4 and IPv6 (one dual-stack socket),
 * or on 127.0.0.1 only with -4; one process per TCP connection:
 *   netecho [-4] tcp-echo PORT       echo; EOF from the client is passed on
 *                                    (shutdown) once everything is echoed
 *   netecho [-4] tcp-wc PORT         read to EOF, then answer "N\n" (bytes)
 *   netecho [-4] tcp-proxyhdr PORT   read a PROXY v2 header, answer
 *                                    "FAM SRC_IP SRC_PORT DST_IP DST_PORT\n"
 *   netecho [-4] udp-echo PORT       echo each datagram to its sender
 *   netecho [-4] udp-proxyhdr PORT   each datagram must start with a PROXY
 *                                    v2 header: answer its sender
 *                                    "FAM SRC_IP SRC_PORT DST_IP DST_PORT
 *                                    PAYLOAD" (FAM UDP4, UDP6, ...)
 * Clients (exit 1 with a message on any mismatch; 60 s alarm):
 *   netecho client [-l] HOST PORT    stdin to the server, then shutdown, and
 *                                    the server's bytes to stdout; -l first
 *                                    prints "local IP PORT" on stderr
 *   netecho many HOST PORT N         N connections open at once, each sends
 *                                    its own line and expects it back; "N ok"
 *   netecho udp-send [-l] HOST PORT TEXT  send TEXT (again every 200 ms)
 *                                    until a datagram comes back, print it
 *                                    and a newline; -l as for client
 *   netecho udp-clients HOST PORT N  N sockets, 3 datagrams each, each must
 *                                    get exactly its own back; "N ok"
 *   netecho stall HOST PORT SECS     write without reading until nothing more
 *                                    goes for 2 s, print the bytes written,
 *                                    hold the connection SECS more
 *   netecho gen BYTES                BYTES pseudo-random bytes (fixed seed) */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int opt_v4;

static void __attribute__ ((noreturn, format (printf, 1, 2)))
die (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  fputs ("netecho: ", stderr);
  vfprintf (stderr, fmt, ap);
  fputc ('\n', stderr);
  va_end (ap);
  exit (1);
}

static int
write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return -1;
      p += n;
      len -= (size_t) n;
    }
  return 0;
}

static uint16_t
parse_port (const char *s)
{
  long v = strtol (s, NULL, 10);
  if (v < 1 || v > 65535)
    die ("bad port %s", s);
  return (uint16_t) v;
}

/* ---- servers ---------------------------------------------------------------------------- */

static int
listen_on (int type, uint16_t port)
{
  struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons (port),
                             .sin6_addr = IN6ADDR_ANY_INIT };
  struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons (port),
                            .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  int one = 1, off = 0, fd = -1;

  if (!opt_v4)
    fd = socket (AF_INET6, type, 0);
  if (fd >= 0)
    {
      setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
      setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (bind (fd, (struct sockaddr *) &a6, sizeof a6) < 0)
        die ("bind [::]:%u: %s", port, strerror (errno));
    }
  else
    {
      fd = socket (AF_INET, type, 0);
      if (fd < 0)
        die ("socket: %s", strerror (errno));
      setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (bind (fd, (struct sockaddr *) &a4, sizeof a4) < 0)
        die ("bind 127.0.0.1:%u: %s", port, strerror (errno));
    }
  if (type == SOCK_STREAM && listen (fd, 1024) < 0)
    die ("listen: %s", strerror (errno));
  return fd;
}

static void
serve_echo (int fd)
{
  static char buf[65536];
  ssize_t n;

  while ((n = read (fd, buf, sizeof buf)) > 0)
    if (write_all (fd, buf, (size_t) n) < 0)
      return;
  shutdown (fd, SHUT_WR);
  /* Wait for the client to close, so our FIN is not followed by a RST. */
  while (read (fd, buf, sizeof buf) > 0)
    ;
}

static void
serve_wc (int fd)
{
  static char buf[65536];
  unsigned long long total = 0;
  char line[32];
  ssize_t n;

  while ((n = read (fd, buf, sizeof buf)) > 0)
    total += (unsigned long long) n;
  snprintf (line, sizeof line, "%llu\n", total);
  write_all (fd, line, strlen (line));
}

static int
read_exact (int fd, void *buf, size_t len)
{
  char *p = buf;
  while (len > 0)
    {
      ssize_t n = read (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return -1;
      p += n;
      len -= (size_t) n;
    }
  return 0;
}

static const unsigned char proxy_sig[12] = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                             0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A };

/* "TCP4 SRC SPORT DST DPORT" from a PROXY v2 header's family/transport
 * byte and address block. */
static void
describe_proxyhdr (unsigned char fam, const unsigned char *body, size_t len, char *line,
                   size_t size)
{
  const char *proto = (fam & 0x0f) == 0x1 ? "TCP" : (fam & 0x0f) == 0x2 ? "UDP" : "?";
  char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];

  if ((fam & 0xf0) == 0x10 && len >= 12)
    {
      inet_ntop (AF_INET, body, src, sizeof src);
      inet_ntop (AF_INET, body + 4, dst, sizeof dst);
      snprintf (line, size, "%s4 %s %u %s %u", proto, src, body[8] << 8 | body[9], dst,
                body[10] << 8 | body[11]);
    }
  else if ((fam & 0xf0) == 0x20 && len >= 36)
    {
      inet_ntop (AF_INET6, body, src, sizeof src);
      inet_ntop (AF_INET6, body + 16, dst, sizeof dst);
      snprintf (line, size, "%s6 %s %u %s %u", proto, src, body[32] << 8 | body[33], dst,
                body[34] << 8 | body[35]);
    }
  else
    snprintf (line, size, "FAMILY 0x%02x", fam);
}

static void
serve_proxyhdr (int fd)
{
  unsigned char h[16], body[216];
  char line[160];
  size_t len;

  if (read_exact (fd, h, sizeof h) < 0 || memcmp (h, proxy_sig, sizeof proxy_sig) != 0)
    {
      write_all (fd, "NOHEADER\n", 9);
      return;
    }
  len = (size_t) h[14] << 8 | h[15];
  if (h[12] != 0x21 || len > sizeof body || read_exact (fd, body, len) < 0)
    {
      write_all (fd, "BADHEADER\n", 10);
      return;
    }
  describe_proxyhdr (h[13], body, len, line, sizeof line - 1);
  strcat (line, "\n");
  write_all (fd, line, strlen (line));
}

static void __attribute__ ((noreturn))
tcp_server (uint16_t port, void (*serve) (int))
{
  int lfd = listen_on (SOCK_STREAM, port);

  signal (SIGCHLD, SIG_IGN); /* no zombies */
  printf ("listening %u\n", port);
  fflush (stdout);
  for (;;)
    {
      int fd = accept (lfd, NULL, NULL);
      if (fd < 0)
        continue;
      if (fork () == 0)
        {
          close (lfd);
          serve (fd);
          _exit (0);
        }
      close (fd);
    }
}

/* Without `proxyhdr` an echo; with it, each datagram's PROXY v2 header
 * described, then its payload. */
static void __attribute__ ((noreturn))
udp_server (uint16_t port, int proxyhdr)
{
  static char buf[65536], out[65536 + 160];
  int fd = listen_on (SOCK_DGRAM, port);

  printf ("listening %u\n", port);
  fflush (stdout);
  for (;;)
    {
      struct sockaddr_storage from;
      socklen_t len = sizeof from;
      unsigned char *h = (unsigned char *) buf;
      ssize_t n = recvfrom (fd, buf, sizeof buf, 0, (struct sockaddr *) &from, &len);
      size_t hlen;
      int k;

      if (n < 0)
        continue;
      if (!proxyhdr)
        {
          sendto (fd, buf, (size_t) n, 0, (struct sockaddr *) &from, len);
          continue;
        }
      if (n < 16 || memcmp (h, proxy_sig, sizeof proxy_sig) != 0 || h[12] != 0x21
          || (hlen = 16 + ((size_t) h[14] << 8 | h[15])) > (size_t) n)
        k = snprintf (out, sizeof out, "NOHEADER");
      else
        {
          describe_proxyhdr (h[13], h + 16, hlen - 16, out, 160);
          k = (int) strlen (out);
          out[k++] = ' ';
          memcpy (out + k, buf + hlen, (size_t) n - hlen);
          k += (int) ((size_t) n - hlen);
        }
      sendto (fd, out, (size_t) k, 0, (struct sockaddr *) &from, len);
    }
}

/* ---- clients ---------------------------------------------------------------------------- */

static socklen_t
resolve (const char *host, uint16_t port, struct sockaddr_storage *ss)
{
  struct sockaddr_in *a4 = (struct sockaddr_in *) ss;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *) ss;

  memset (ss, 0, sizeof *ss);
  if (inet_pton (AF_INET, host, &a4->sin_addr) == 1)
    {
      a4->sin_family = AF_INET;
      a4->sin_port = htons (port);
      return sizeof *a4;
    }
  if (inet_pton (AF_INET6, host, &a6->sin6_addr) == 1)
    {
      a6->sin6_family = AF_INET6;
      a6->sin6_port = htons (port);
      return sizeof *a6;
    }
  die ("bad address %s", host);
}

static int
connect_to (const char *host, uint16_t port, int type)
{
  struct sockaddr_storage ss;
  socklen_t len = resolve (host, port, &ss);
  int fd = socket (ss.ss_family, type, 0);

  if (fd < 0 || connect (fd, (struct sockaddr *) &ss, len) < 0)
    die ("connect %s %u: %s", host, port, strerror (errno));
  return fd;
}

static void
print_local (int fd)
{
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  char ip[INET6_ADDRSTRLEN];
  unsigned port;

  getsockname (fd, (struct sockaddr *) &ss, &len);
  if (ss.ss_family == AF_INET)
    {
      struct sockaddr_in *a = (struct sockaddr_in *) &ss;
      inet_ntop (AF_INET, &a->sin_addr, ip, sizeof ip);
      port = ntohs (a->sin_port);
    }
  else
    {
      struct sockaddr_in6 *a = (struct sockaddr_in6 *) &ss;
      inet_ntop (AF_INET6, &a->sin6_addr, ip, sizeof ip);
      port = ntohs (a->sin6_port);
    }
  fprintf (stderr, "local %s %u\n", ip, port);
}

/* stdin -> socket and socket -> stdout at once, so a large transfer
 * through an echo server cannot deadlock on full buffers. */
static int
client (const char *host, uint16_t port, int show_local)
{
  static char buf[65536];
  int fd = connect_to (host, port, SOCK_STREAM);
  struct pollfd p[2] = { { .fd = 0, .events = POLLIN }, { .fd = fd, .events = POLLIN } };
  int in_open = 1;

  if (show_local)
    print_local (fd);
  for (;;)
    {
      ssize_t n;
      if (poll (p, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          die ("poll: %s", strerror (errno));
        }
      if (in_open && (p[0].revents & (POLLIN | POLLHUP)))
        {
          n = read (0, buf, sizeof buf);
          if (n <= 0)
            {
              in_open = 0;
              p[0].fd = -1;
              shutdown (fd, SHUT_WR);
            }
          else if (write_all (fd, buf, (size_t) n) < 0)
            die ("write: %s", strerror (errno));
        }
      if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
        {
          n = read (fd, buf, sizeof buf);
          if (n < 0)
            die ("read: %s", strerror (errno));
          if (n == 0)
            return 0;
          if (write_all (1, buf, (size_t) n) < 0)
            die ("write stdout: %s", strerror (errno));
        }
    }
}

static int
many (const char *host, uint16_t port, int n)
{
  int *fds = calloc ((size_t) n, sizeof *fds);
  char line[64], got[64];
  int i;

  /* All open first: the proxy must hold n connections at once. */
  for (i = 0; i < n; i++)
    fds[i] = connect_to (host, port, SOCK_STREAM);
  for (i = 0; i < n; i++)
    {
      int len = snprintf (line, sizeof line, "connection %d\n", i);
      if (write_all (fds[i], line, (size_t) len) < 0)
        die ("connection %d: write: %s", i, strerror (errno));
    }
  for (i = 0; i < n; i++)
    {
      int len = snprintf (line, sizeof line, "connection %d\n", i);
      if (read_exact (fds[i], got, (size_t) len) < 0 || memcmp (got, line, (size_t) len) != 0)
        die ("connection %d: wrong or no echo", i);
      close (fds[i]);
    }
  printf ("%d ok\n", n);
  free (fds);
  return 0;
}

static int
udp_clients (const char *host, uint16_t port, int n)
{
  int *fds = calloc ((size_t) n, sizeof *fds);
  int *got = calloc ((size_t) n, sizeof *got);
  char msg[64], buf[128];
  int i, j, done = 0;

  for (i = 0; i < n; i++)
    fds[i] = connect_to (host, port, SOCK_DGRAM);
  /* Datagrams may be lost: resend the missing ones a few times. */
  for (int round = 0; round < 20 && done < n; round++)
    {
      for (i = 0; i < n; i++)
        for (j = got[i]; j < 3; j++)
          {
            int len = snprintf (msg, sizeof msg, "client %d datagram %d", i, j);
            send (fds[i], msg, (size_t) len, 0);
          }
      usleep (100000);
      for (i = 0; i < n; i++)
        for (;;)
          {
            ssize_t r = recv (fds[i], buf, sizeof buf - 1, MSG_DONTWAIT);
            int ci, cj;
            if (r < 0)
              break;
            buf[r] = '\0';
            if (sscanf (buf, "client %d datagram %d", &ci, &cj) != 2 || ci != i)
              die ("client %d got someone else's datagram: %s", i, buf);
            if (cj == got[i] && got[i] < 3 && ++got[i] == 3)
              done++;
          }
    }
  if (done < n)
    die ("only %d of %d clients got their 3 echoes", done, n);
  printf ("%d ok\n", n);
  return 0;
}

static int
udp_send (const char *host, uint16_t port, const char *text, int show_local)
{
  static char buf[65536];
  int fd = connect_to (host, port, SOCK_DGRAM);
  int i;

  if (show_local)
    print_local (fd);
  for (i = 0; i < 50; i++)
    {
      struct pollfd p = { .fd = fd, .events = POLLIN };
      ssize_t n;

      send (fd, text, strlen (text), 0);
      if (poll (&p, 1, 200) <= 0)
        continue;
      n = recv (fd, buf, sizeof buf, 0);
      if (n < 0)
        continue; /* ECONNREFUSED: nobody there yet */
      fwrite (buf, 1, (size_t) n, stdout);
      putchar ('\n');
      return 0;
    }
  die ("no answer from %s %u", host, port);
}

/* A reader that never reads: how much can it push before everything on
 * the way is full? */
static int
stall (const char *host, uint16_t port, int secs)
{
  static char buf[65536];
  int fd = connect_to (host, port, SOCK_STREAM);
  struct pollfd p = { .fd = fd, .events = POLLOUT };
  unsigned long long total = 0;

  memset (buf, 'x', sizeof buf);
  while (poll (&p, 1, 2000) == 1)
    {
      ssize_t n = send (fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n < 0 && errno != EAGAIN && errno != EINTR)
        die ("send: %s", strerror (errno));
      if (n > 0)
        total += (unsigned long long) n;
    }
  printf ("%llu\n", total);
  fflush (stdout);
  sleep ((unsigned) secs);
  close (fd);
  return 0;
}

static int
gen (unsigned long long bytes)
{
  static uint64_t buf[8192];
  uint64_t x = 0x9E3779B97F4A7C15ull;

  while (bytes > 0)
    {
      size_t i, chunk = bytes < sizeof buf ? (size_t) bytes : sizeof buf;
      for (i = 0; i < sizeof buf / sizeof buf[0]; i++)
        {
          x ^= x << 13; /* xorshift64 */
          x ^= x >> 7;
          x ^= x << 17;
          buf[i] = x;
        }
      if (write_all (1, buf, chunk) < 0)
        return 1;
      bytes -= chunk;
    }
  return 0;
}

/* As pid 1 of a container, a signal without a handler is ignored: the
 * servers must stop when the shim stops them. */
static void
on_term (int sig)
{
  _exit (128 + sig);
}

int
main (int argc, char **argv)
{
  int show_local = 0;

  signal (SIGPIPE, SIG_IGN);
  signal (SIGTERM, on_term);
  signal (SIGINT, on_term);
  if (argc > 1 && strcmp (argv[1], "-4") == 0)
    {
      opt_v4 = 1;
      argv++;
      argc--;
    }
  if (argc < 3)
    die ("usage: see the comment at the top of tests/helpers/netecho.c");
  if (strcmp (argv[1], "tcp-echo") == 0)
    tcp_server (parse_port (argv[2]), serve_echo);
  if (strcmp (argv[1], "tcp-wc") == 0)
    tcp_server (parse_port (argv[2]), serve_wc);
  if (strcmp (argv[1], "tcp-proxyhdr") == 0)
    tcp_server (parse_port (argv[2]), serve_proxyhdr);
  if (strcmp (argv[1], "udp-echo") == 0)
    udp_server (parse_port (argv[2]), 0);
  if (strcmp (argv[1], "udp-proxyhdr") == 0)
    udp_server (parse_port (argv[2]), 1);
  if (strcmp (argv[1], "gen") == 0)
    return gen (strtoull (argv[2], NULL, 10));

  alarm (60);
  if (strcmp (argv[1], "client") == 0)
    {
      if (strcmp (argv[2], "-l") == 0)
        {
          show_local = 1;
          argv++;
          argc--;
        }
      if (argc < 4)
        die ("client HOST PORT");
      return client (argv[2], parse_port (argv[3]), show_local);
    }
  if (strcmp (argv[1], "udp-send") == 0)
    {
      if (strcmp (argv[2], "-l") == 0)
        {
          show_local = 1;
          argv++;
          argc--;
        }
      if (argc < 5)
        die ("udp-send [-l] HOST PORT TEXT");
      return udp_send (argv[2], parse_port (argv[3]), argv[4], show_local);
    }
  if (argc < 5)
    die ("%s HOST PORT N", argv[1]);
  if (strcmp (argv[1], "many") == 0)
    return many (argv[2], parse_port (argv[3]), atoi (argv[4]));
  if (strcmp (argv[1], "udp-clients") == 0)
    return udp_clients (argv[2], parse_port (argv[3]), atoi (argv[4]));
  if (strcmp (argv[1], "stall") == 0)
    return stall (argv[2], parse_port (argv[3]), atoi (argv[4]));
  die ("unknown mode %s", argv[1]);
}
