/* The shim's one event loop: epoll over sources that carry their own
 * handler, so the supervisor, the control socket, the log relay and the
 * port proxy share one thread without knowing about each other. */
#ifndef COVE_SHIM_LOOP_H
#define COVE_SHIM_LOOP_H

#include <stdint.h>

struct loop_source;
typedef void (*loop_handler) (struct loop_source *src, uint32_t events);

/* Embed this in your own struct and recover it with container_of-style
 * casts; `fd` is what epoll watches. */
struct loop_source
{
  int fd;
  loop_handler on_event;
};

struct loop
{
  int epfd;
  int stop; /* set to leave loop_run */
};

int loop_init (struct loop *l);
int loop_add (struct loop *l, struct loop_source *s, uint32_t events);
int loop_mod (struct loop *l, struct loop_source *s, uint32_t events);
void loop_del (struct loop *l, struct loop_source *s);
/* Dispatch events until l->stop or timeout_ms passes (-1: no timeout);
 * returns the number of events handled, -1 on error. */
int loop_run_once (struct loop *l, int timeout_ms);
void loop_close (struct loop *l);

#endif
