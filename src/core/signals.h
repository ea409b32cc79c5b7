/* Signal names: "TERM", "SIGTERM", "15", "RTMIN+3". Pure code. */
#ifndef COVE_SIGNALS_H
#define COVE_SIGNALS_H

/* Returns the signal number or -1. */
int signal_parse (const char *s);
const char *signal_name (int sig); /* "SIGTERM", NULL when unknown */

#endif
