/* The log relay: container stdout/stderr (pipes or a pty master) into a
 * CRI-format log file with size-based rotation, without ever blocking the
 * loop on the container: each readiness event reads one bounded chunk.
 *
 * Every loop source here is embedded in struct logs and never freed while
 * the loop runs: an event already fetched for a source closed earlier in
 * the same batch then finds fd -1 (or a new fd, where a non-blocking read
 * finds nothing); handlers act on what the syscalls return, not on the
 * event flags alone. */
#include <config.h>
#include "logs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* One read per event: a flooding container costs the loop one chunk per
 * turn, and the other sources (ctl, proxy) get their turn in between. */
#define CHUNK 65536
/* Entries are gathered here and written together. */
#define OUTBUF 65536
/* logs_drain reads at most this much per stream. */
#define DRAIN_MAX (4u << 20)

struct log_stream
{
  struct loop_source src; /* first: the loop hands us this pointer */
  struct logs *lg;
  const char *name; /* "stdout" or "stderr" */
  bool tty;         /* a pty master: strip the \r of \r\n, EIO means the end */
};

struct console_conn
{
  struct loop_source src;
  struct logs *lg;
};

struct logs
{
  struct loop *loop;
  char *path;
  int fd;
  uint64_t size; /* of the current file */
  uint64_t max_size;
  struct log_stream out, err;
  int out_w, err_w;           /* the container's ends */
  struct log_stream pty;      /* the current instance's pty master, fd -1 = none */
  struct loop_source console; /* listening socket, fd -1 = no terminal */
  struct console_conn conn;   /* cove create, sending the master; fd -1 = none */
  char *console_path;
  char *console_tmpdir; /* made when dir/console.sock is too long */
  size_t pending;
};

/* Shared by every stream: the shim is single-threaded and a chunk is
 * formatted completely before the next read. */
static char inbuf[CHUNK];
static char outbuf[OUTBUF];

static void on_console_conn (struct loop_source *src, uint32_t events);

static void
now_stamp (char *buf, size_t size)
{
  struct timespec ts;
  struct tm tm;
  char sec[32];

  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (sec, sizeof sec, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (buf, size, "%s.%09ldZ", sec, ts.tv_nsec);
}

static int
open_log (const char *path, bool truncate)
{
  return open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0640);
}

/* A full disk or a removed file must not stop the container: what cannot
 * be written is dropped. */
static void
flush (struct logs *lg)
{
  if (lg->pending == 0)
    return;
  if (lg->fd >= 0 && write_all (lg->fd, outbuf, lg->pending) >= 0)
    lg->size += lg->pending;
  lg->pending = 0;
}

/* The old file becomes path.1 (replacing the previous one); a rename
 * that fails still truncates, so the size limit holds. */
static void
rotate (struct logs *lg)
{
  cleanup_free char *old = xasprintf ("%s.1", lg->path);

  (void) rename (lg->path, old);
  if (lg->fd >= 0)
    close (lg->fd);
  lg->fd = open_log (lg->path, true);
  lg->size = 0;
}

/* prefix: "<timestamp> <stream> ", the same for a whole chunk. */
static void
put_entry (struct logs *lg, const char *prefix, size_t prefix_len, char tag, const char *text,
           size_t len)
{
  size_t need = prefix_len + 2 + len + 1;
  char *p;

  /* Entries never straddle two files. */
  if (lg->max_size > 0 && lg->size + lg->pending + need > lg->max_size)
    {
      flush (lg);
      if (lg->size > 0)
        rotate (lg);
    }
  if (lg->pending + need > OUTBUF)
    flush (lg);
  p = outbuf + lg->pending;
  memcpy (p, prefix, prefix_len);
  p += prefix_len;
  *p++ = tag;
  *p++ = ' ';
  memcpy (p, text, len);
  p += len;
  *p++ = '\n';
  lg->pending = p - outbuf;
}

/* One chunk as it was read: complete lines are F entries, a line longer
 * than LOGS_MAX_LINE and a trailing piece without its newline are P
 * entries, which CRI readers join with what follows. */
static void
log_chunk (struct log_stream *st, const char *data, size_t len)
{
  char prefix[96];
  size_t prefix_len;

  now_stamp (prefix, sizeof prefix - 16);
  prefix_len = strlen (prefix);
  prefix_len += snprintf (prefix + prefix_len, sizeof prefix - prefix_len, " %s ", st->name);
  while (len > 0)
    {
      const char *nl = memchr (data, '\n', len < LOGS_MAX_LINE ? len : LOGS_MAX_LINE + 1);
      size_t text_len, used;
      char tag;

      if (nl != NULL && (size_t) (nl - data) <= LOGS_MAX_LINE)
        {
          text_len = nl - data;
          used = text_len + 1;
          tag = 'F';
          if (st->tty && text_len > 0 && data[text_len - 1] == '\r')
            text_len--;
        }
      else
        {
          text_len = len < LOGS_MAX_LINE ? len : LOGS_MAX_LINE;
          used = text_len;
          tag = 'P';
        }
      put_entry (st->lg, prefix, prefix_len, tag, data, text_len);
      data += used;
      len -= used;
    }
  flush (st->lg);
}

static void
stream_close (struct log_stream *st)
{
  if (st->src.fd < 0)
    return;
  loop_del (st->lg->loop, &st->src);
  close (st->src.fd);
  st->src.fd = -1;
}

/* Reads one chunk; returns its size, 0 when nothing was there, -1 at the
 * end of a pty (all its slaves closed: EIO). */
static ssize_t
stream_read_once (struct log_stream *st)
{
  ssize_t n;

  if (st->src.fd < 0)
    return -1;
  n = read (st->src.fd, inbuf, sizeof inbuf);

  if (n > 0)
    {
      log_chunk (st, inbuf, n);
      return n;
    }
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return 0;
  return -1;
}

static void
on_stream (struct loop_source *src, uint32_t events)
{
  struct log_stream *st = (struct log_stream *) src;

  /* A pipe never ends (the shim holds its write end); a pty ends with EIO
   * once the container's last process has closed it. */
  if (stream_read_once (st) < 0)
    stream_close (st);
}

static void
drain_stream (struct log_stream *st)
{
  size_t total = 0;
  ssize_t n = 0;

  while (st->src.fd >= 0 && total < DRAIN_MAX && (n = stream_read_once (st)) > 0)
    total += n;
  if (n < 0)
    stream_close (st);
}

static int
stream_init (struct logs *lg, struct log_stream *st, const char *name, int fd, bool tty,
             rt_error_t *err)
{
  int fl = fcntl (fd, F_GETFL);

  st->lg = lg;
  st->name = name;
  st->tty = tty;
  st->src.fd = fd;
  st->src.on_event = on_stream;
  /* Only our end: the container's end of a pipe stays blocking. */
  if (fl < 0 || fcntl (fd, F_SETFL, fl | O_NONBLOCK) < 0)
    return rt_error_set (err, errno, "log %s: set O_NONBLOCK", name);
  if (loop_add (lg->loop, &st->src, EPOLLIN) < 0)
    return rt_error_set (err, errno, "log %s: epoll", name);
  return 0;
}

static int
make_pipe (struct logs *lg, struct log_stream *st, const char *name, int *w, rt_error_t *err)
{
  int p[2];

  if (pipe2 (p, O_CLOEXEC) < 0)
    return rt_error_set (err, errno, "log %s: pipe", name);
  *w = p[1];
  return stream_init (lg, st, name, p[0], false, err);
}

struct logs *
logs_new (struct loop *l, const char *path, uint64_t max_size, rt_error_t *err)
{
  struct logs *lg = xzalloc (sizeof *lg);
  struct stat sb;

  lg->loop = l;
  lg->path = xstrdup (path);
  lg->max_size = max_size;
  lg->out.src.fd = lg->err.src.fd = lg->pty.src.fd = -1;
  lg->out_w = lg->err_w = -1;
  lg->console.fd = -1;
  lg->conn.lg = lg;
  lg->conn.src.fd = -1;
  lg->conn.src.on_event = on_console_conn;
  lg->fd = open_log (path, false);
  if (lg->fd < 0 || fstat (lg->fd, &sb) < 0)
    {
      rt_error_set (err, errno, "--log-path `%s`", path);
      logs_free (lg);
      return NULL;
    }
  lg->size = sb.st_size;
  if (make_pipe (lg, &lg->out, "stdout", &lg->out_w, err) < 0
      || make_pipe (lg, &lg->err, "stderr", &lg->err_w, err) < 0)
    {
      logs_free (lg);
      return NULL;
    }
  return lg;
}

int
logs_stdout_fd (const struct logs *lg)
{
  return lg->out_w;
}

int
logs_stderr_fd (const struct logs *lg)
{
  return lg->err_w;
}

/* ---- terminal: the console socket ---------------------------------------- */

/* The master arrives as SCM_RIGHTS with any payload (runc sends the pty
 * name; receivers ignore it). */
static int
recv_fd (int sock)
{
  char payload[256], cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { payload, sizeof payload };
  struct msghdr msg
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *c;
  int fd = -1;
  ssize_t n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);

  if (n < 0)
    return errno == EAGAIN || errno == EINTR ? -2 : -1;
  for (c = CMSG_FIRSTHDR (&msg); c != NULL; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS
        && c->cmsg_len >= CMSG_LEN (sizeof (int)))
      memcpy (&fd, CMSG_DATA (c), sizeof fd);
  return fd;
}

static void
conn_close (struct logs *lg)
{
  if (lg->conn.src.fd < 0)
    return;
  loop_del (lg->loop, &lg->conn.src);
  close (lg->conn.src.fd);
  lg->conn.src.fd = -1;
}

static void
on_console_conn (struct loop_source *src, uint32_t events)
{
  struct console_conn *cc = (struct console_conn *) src;
  struct logs *lg = cc->lg;
  rt_error_t err = NULL;
  int fd;

  if (cc->src.fd < 0)
    return;
  fd = recv_fd (cc->src.fd);
  if (fd == -2)
    return; /* connected, nothing sent yet */
  conn_close (lg);
  if (fd < 0)
    return;
  /* A restart brings a new pty: whatever the old one still holds is
   * logged first. */
  drain_stream (&lg->pty);
  stream_close (&lg->pty);
  if (stream_init (lg, &lg->pty, "stdout", fd, true, &err) < 0)
    {
      rt_error_free (&err);
      close (fd);
      lg->pty.src.fd = -1;
    }
}

static void
on_console_accept (struct loop_source *src, uint32_t events)
{
  struct logs *lg = (struct logs *) ((char *) src - offsetof (struct logs, console));
  int fd = accept4 (src->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

  if (fd < 0)
    return;
  /* One create at a time: a newer connection replaces an older one. */
  conn_close (lg);
  lg->conn.src.fd = fd;
  if (loop_add (lg->loop, &lg->conn.src, EPOLLIN) < 0)
    conn_close (lg);
}

const char *
logs_console_listen (struct logs *lg, const char *dir, rt_error_t *err)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  cleanup_close int fd = -1;
  char *path = xasprintf ("%s/console.sock", dir);

  if (strlen (path) >= sizeof sa.sun_path)
    {
      /* cove connects by path, so the path itself must be short. */
      free (path);
      lg->console_tmpdir = xstrdup ("/tmp/cove-shim-XXXXXX");
      if (mkdtemp (lg->console_tmpdir) == NULL)
        {
          free (steal_ptr (&lg->console_tmpdir));
          return rt_error_set (err, errno, "console socket: mkdtemp"), NULL;
        }
      path = xasprintf ("%s/console.sock", lg->console_tmpdir);
    }
  lg->console_path = path;
  strcpy (sa.sun_path, path);
  (void) unlink (path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0 || bind (fd, (struct sockaddr *) &sa, sizeof sa) < 0 || listen (fd, 4) < 0)
    return rt_error_set (err, errno, "console socket `%s`", path), NULL;
  lg->console.fd = fd;
  lg->console.on_event = on_console_accept;
  if (loop_add (lg->loop, &lg->console, EPOLLIN) < 0)
    {
      lg->console.fd = -1;
      return rt_error_set (err, errno, "console socket: epoll"), NULL;
    }
  steal_fd (&fd);
  return path;
}

/* ---- end of an instance, end of the shim ------------------------------- */

void
logs_drain (struct logs *lg)
{
  drain_stream (&lg->out);
  drain_stream (&lg->err);
  drain_stream (&lg->pty);
}

void
logs_free (struct logs *lg)
{
  if (lg == NULL)
    return;
  stream_close (&lg->pty);
  conn_close (lg);
  if (lg->console.fd >= 0)
    {
      loop_del (lg->loop, &lg->console);
      close (lg->console.fd);
    }
  if (lg->console_path)
    (void) unlink (lg->console_path);
  if (lg->console_tmpdir)
    (void) rmdir (lg->console_tmpdir);
  stream_close (&lg->out);
  stream_close (&lg->err);
  if (lg->out_w >= 0)
    close (lg->out_w);
  if (lg->err_w >= 0)
    close (lg->err_w);
  flush (lg);
  if (lg->fd >= 0)
    close (lg->fd);
  free (lg->console_path);
  free (lg->console_tmpdir);
  free (lg->path);
  free (lg);
}
