/* The two ends of the sync protocol declared in sync.h. */
#include <config.h>
#include "sync.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

int
sync_send (int fd, uint32_t type, rt_error_t *err)
{
  struct sync_msg m = { .type = type };
  if (send (fd, &m, sizeof m.type, MSG_NOSIGNAL) < 0)
    return rt_error_set (err, errno, "sync: send");
  return 0;
}

int
sync_recv (int fd, struct sync_msg *m, int *passed_fd, rt_error_t *err)
{
  char cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { .iov_base = m, .iov_len = sizeof *m };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                       .msg_controllen = sizeof cbuf };
  struct cmsghdr *cm;
  ssize_t n;

  *passed_fd = -1;
  do
    n = recvmsg (fd, &mh, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return rt_error_set (err, errno, "sync: receive");
  if (n == 0)
    return 0;
  cm = CMSG_FIRSTHDR (&mh);
  if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
    memcpy (passed_fd, CMSG_DATA (cm), sizeof (int));
  m->text[sizeof m->text - 1] = '\0';
  if ((size_t) n <= sizeof m->type)
    m->text[0] = '\0';
  return (int) n;
}

int
sync_expect (int fd, uint32_t type, rt_error_t *err)
{
  struct sync_msg m;
  int passed;
  int n = sync_recv (fd, &m, &passed, err);

  if (n < 0)
    return n;
  if (passed >= 0)
    close (passed);
  /* The runtime died: nobody would ever continue us. */
  if (n == 0)
    _exit (EXIT_FAILURE);
  if ((size_t) n < sizeof m.type || m.type != type)
    return rt_error_set (err, 0, "sync: unexpected message %u, wanted %u", m.type, type);
  return 0;
}

void
sync_die (int fd, rt_error_t *err)
{
  struct sync_msg m = { .type = SYNC_ERROR };
  cleanup_free char *text = rt_error_text (*err);

  snprintf (m.text, sizeof m.text, "%s", text);
  if (fd < 0 || send (fd, &m, sizeof m.type + strlen (m.text) + 1, MSG_NOSIGNAL) < 0)
    dprintf (2, "cove: %s\n", m.text);
  _exit (EXIT_FAILURE);
}
