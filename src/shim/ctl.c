/* The control socket (server in the loop, and the `ctl` client).  Client
 * slots are embedded in struct ctl and never freed while the loop runs,
 * so a closed slot's stale event finds fd -1 or a fresh connection whose
 * non-blocking read finds nothing. */
#include <config.h>
#include "ctl.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "migrate.h"
#include "util.h"

/* More at once are turned away: the socket is root's, in a 0700 dir. */
#define CTL_MAX_CLIENTS 16
/* migrate carries two paths. */
#define CTL_MAX_REQUEST (2 * 4096 + 256)
#define CTL_MAX_WORDS 16

enum ctl_wait
{
  WAIT_NONE,
  WAIT_STOP,    /* until the supervisor is done */
  WAIT_RESTART, /* until a newer instance runs */
  WAIT_MIGRATE, /* until the migration asked for is over */
};

struct ctl_client
{
  struct loop_source src;
  struct ctl *ctl;
  char buf[CTL_MAX_REQUEST];
  size_t len;
  enum ctl_wait wait;
  unsigned generation; /* WAIT_RESTART: the instance count when asked;
                          WAIT_MIGRATE: the migration's number */
};

struct ctl
{
  struct loop *loop;
  struct supervisor *sup;
  struct loop_source listener;
  int dirfd;
  struct ctl_client clients[CTL_MAX_CLIENTS];
};

static void
sock_addr (int dirfd, struct sockaddr_un *sa)
{
  memset (sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  snprintf (sa->sun_path, sizeof sa->sun_path, "/proc/self/fd/%d/%s", dirfd, CTL_SOCKET);
}

static void
client_close (struct ctl_client *cl)
{
  if (cl->src.fd < 0)
    return;
  loop_del (cl->ctl->loop, &cl->src);
  close (cl->src.fd);
  cl->src.fd = -1;
  cl->wait = WAIT_NONE;
  cl->len = 0;
}

/* Replies are short and the client reads at once; what does not fit in
 * the socket buffer is dropped rather than waited for. */
static void
reply (struct ctl_client *cl, const char *fmt, ...)
{
  cleanup_free char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    oom ();
  va_end (ap);
  (void) send (cl->src.fd, msg, strlen (msg), MSG_DONTWAIT | MSG_NOSIGNAL);
  client_close (cl);
}

/* "migrate<TAB>word<TAB>word...": see migrate_req_parse. */
static void
handle_migrate (struct ctl_client *cl)
{
  struct ctl *c = cl->ctl;
  struct migrate_req req;
  rt_error_t err = NULL;
  char *words[CTL_MAX_WORDS];
  size_t n = migrate_split (cl->buf, words, CTL_MAX_WORDS);

  if (migrate_req_parse (words + 1, n - 1, &req, &err) < 0
      || sup_migrate (c->sup, &req, &err) < 0)
    {
      cleanup_free char *text = rt_error_text (err);
      rt_error_free (&err);
      migrate_req_clear (&req);
      reply (cl, "error: %s\n", text);
      return;
    }
  cl->wait = WAIT_MIGRATE;
  cl->generation = sup_migrations_started (c->sup);
  ctl_notify (c);
}

static void
handle_request (struct ctl_client *cl)
{
  struct ctl *c = cl->ctl;
  rt_error_t err = NULL;

  cl->buf[strcspn (cl->buf, "\r\n")] = '\0';
  if (c->sup == NULL)
    reply (cl, "error: the shim is starting\n");
  else if (strcmp (cl->buf, "status") == 0)
    {
      cleanup_free char *json = sup_status_json (c->sup);
      reply (cl, "%s", json);
    }
  else if (strcmp (cl->buf, "stop") == 0)
    {
      /* Set first: sup_stop may finish at once (during a restart delay)
       * and ctl_notify answer this very client. */
      cl->wait = WAIT_STOP;
      sup_stop (c->sup);
      ctl_notify (c);
    }
  else if (strcmp (cl->buf, "restart") == 0)
    {
      cl->wait = WAIT_RESTART;
      cl->generation = sup_generation (c->sup);
      if (sup_restart (c->sup, &err) < 0)
        {
          cleanup_free char *text = rt_error_text (err);
          rt_error_free (&err);
          reply (cl, "error: %s\n", text);
        }
      else
        ctl_notify (c);
    }
  else if (str_has_prefix (cl->buf, "migrate") && (cl->buf[7] == '\0' || cl->buf[7] == '\t'))
    handle_migrate (cl);
  else
    reply (cl, "error: unknown command `%s` (status, stop, restart, migrate)\n", cl->buf);
}

static void
on_client (struct loop_source *src, uint32_t events)
{
  struct ctl_client *cl = (struct ctl_client *) src;
  ssize_t n;

  if (cl->src.fd < 0)
    return;
  if (cl->wait != WAIT_NONE)
    {
      char dummy[64];
      /* Only a hang-up matters now: the client gave up waiting. */
      n = recv (cl->src.fd, dummy, sizeof dummy, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
        client_close (cl);
      return;
    }
  n = recv (cl->src.fd, cl->buf + cl->len, sizeof cl->buf - 1 - cl->len, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n <= 0)
    {
      client_close (cl);
      return;
    }
  cl->len += n;
  cl->buf[cl->len] = '\0';
  if (memchr (cl->buf, '\n', cl->len) == NULL && cl->len < sizeof cl->buf - 1)
    return;
  handle_request (cl);
}

static void
on_accept (struct loop_source *src, uint32_t events)
{
  struct ctl *c = (struct ctl *) ((char *) src - offsetof (struct ctl, listener));
  int fd = accept4 (src->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  size_t i;

  if (fd < 0)
    return;
  for (i = 0; i < CTL_MAX_CLIENTS; i++)
    if (c->clients[i].src.fd < 0)
      break;
  if (i == CTL_MAX_CLIENTS)
    {
      (void) send (fd, "error: busy\n", 12, MSG_DONTWAIT | MSG_NOSIGNAL);
      close (fd);
      return;
    }
  c->clients[i].src.fd = fd;
  c->clients[i].len = 0;
  c->clients[i].wait = WAIT_NONE;
  if (loop_add (c->loop, &c->clients[i].src, EPOLLIN) < 0)
    {
      close (fd);
      c->clients[i].src.fd = -1;
    }
}

struct ctl *
ctl_new (struct loop *l, int dirfd, rt_error_t *err)
{
  struct ctl *c = xzalloc (sizeof *c);
  struct sockaddr_un sa;
  size_t i;
  int fd;

  c->loop = l;
  c->dirfd = dirfd;
  for (i = 0; i < CTL_MAX_CLIENTS; i++)
    {
      c->clients[i].src.fd = -1;
      c->clients[i].src.on_event = on_client;
      c->clients[i].ctl = c;
    }
  sock_addr (dirfd, &sa);
  (void) unlinkat (dirfd, CTL_SOCKET, 0);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0 || bind (fd, (struct sockaddr *) &sa, sizeof sa) < 0 || listen (fd, 16) < 0)
    {
      rt_error_set (err, errno, "control socket `%s`", CTL_SOCKET);
      if (fd >= 0)
        close (fd);
      free (c);
      return NULL;
    }
  c->listener.fd = fd;
  c->listener.on_event = on_accept;
  if (loop_add (l, &c->listener, EPOLLIN) < 0)
    {
      rt_error_set (err, errno, "control socket: epoll");
      close (fd);
      free (c);
      return NULL;
    }
  return c;
}

void
ctl_attach (struct ctl *c, struct supervisor *s)
{
  c->sup = s;
}

void
ctl_notify (void *arg)
{
  struct ctl *c = arg;
  enum sup_phase phase;
  size_t i;

  if (c == NULL || c->sup == NULL)
    return;
  phase = sup_phase (c->sup);
  for (i = 0; i < CTL_MAX_CLIENTS; i++)
    {
      struct ctl_client *cl = &c->clients[i];

      if (cl->src.fd < 0 || cl->wait == WAIT_NONE)
        continue;
      if (cl->wait == WAIT_STOP && phase == SUP_DONE)
        reply (cl, "ok\n");
      else if (cl->wait == WAIT_RESTART && phase == SUP_RUNNING
               && sup_generation (c->sup) > cl->generation)
        reply (cl, "ok\n");
      else if (cl->wait == WAIT_MIGRATE && sup_migrations_finished (c->sup) >= cl->generation)
        {
          bool good;
          cleanup_free char *text = sup_migration_result (c->sup, &good);
          reply (cl, "%s%s\n", good ? "" : "error: ", text);
        }
      else if (cl->wait == WAIT_MIGRATE && phase == SUP_DONE)
        reply (cl, "error: the shim ended during the migration: %s\n",
               sup_error (c->sup) ? sup_error (c->sup) : "stopped");
      else if (cl->wait == WAIT_RESTART && phase == SUP_DONE)
        reply (cl, "error: the container did not restart: %s\n",
               sup_error (c->sup) ? sup_error (c->sup) : "it was stopped");
    }
}

void
ctl_free (struct ctl *c)
{
  size_t i;

  if (c == NULL)
    return;
  ctl_notify (c);
  for (i = 0; i < CTL_MAX_CLIENTS; i++)
    client_close (&c->clients[i]);
  loop_del (c->loop, &c->listener);
  close (c->listener.fd);
  (void) unlinkat (c->dirfd, CTL_SOCKET, 0);
  free (c);
}

/* ---- the client ------------------------------------------------------- */

static int
ctl_connect (int dirfd, rt_error_t *err)
{
  struct sockaddr_un sa;
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return rt_error_set (err, errno, "socket");
  sock_addr (dirfd, &sa);
  if (connect (fd, (struct sockaddr *) &sa, sizeof sa) < 0)
    {
      int saved = errno;
      close (fd);
      return rt_error_set (err, saved, "connect to `%s`", CTL_SOCKET);
    }
  return fd;
}

char *
ctl_request (int dirfd, const char *cmd, rt_error_t *err)
{
  cleanup_close int fd = ctl_connect (dirfd, err);
  cleanup_free char *line = NULL;
  char *out = NULL;
  size_t len = 0;
  char buf[4096];
  ssize_t n;

  if (fd < 0)
    return NULL;
  line = xasprintf ("%s\n", cmd);
  if (write_all (fd, line, strlen (line)) < 0)
    return rt_error_set (err, errno, "send `%s`", cmd), NULL;
  while ((n = read (fd, buf, sizeof buf)) != 0)
    {
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          free (out);
          return rt_error_set (err, errno, "read the reply"), NULL;
        }
      out = xrealloc (out, len + n + 1);
      memcpy (out + len, buf, n);
      len += n;
      out[len] = '\0';
    }
  if (out == NULL)
    return rt_error_set (err, 0, "the shim closed the connection without a reply"), NULL;
  while (len > 0 && out[len - 1] == '\n')
    out[--len] = '\0';
  return out;
}
