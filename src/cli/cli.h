/* The command table and what every command handler shares. */
#ifndef COVE_CLI_H
#define COVE_CLI_H

#include "container.h"

/* Global options, parsed by main before the command. */
struct global_opts
{
  struct runtime_opts rt;
  const char *log;
  const char *log_format;
  int debug;
};

/* A handler gets argv starting at the command name; returns the exit
 * status, after printing its own errors through log_error. */
typedef int (*command_fn) (struct global_opts *g, int argc, char **argv);

int cmd_create (struct global_opts *g, int argc, char **argv);
int cmd_start (struct global_opts *g, int argc, char **argv);
int cmd_run (struct global_opts *g, int argc, char **argv);
int cmd_kill (struct global_opts *g, int argc, char **argv);
int cmd_exec (struct global_opts *g, int argc, char **argv);
int cmd_pause (struct global_opts *g, int argc, char **argv);
int cmd_resume (struct global_opts *g, int argc, char **argv);
int cmd_ps (struct global_opts *g, int argc, char **argv);
int cmd_update (struct global_opts *g, int argc, char **argv);
int cmd_events (struct global_opts *g, int argc, char **argv);
int cmd_delete (struct global_opts *g, int argc, char **argv);
int cmd_state (struct global_opts *g, int argc, char **argv);
int cmd_list (struct global_opts *g, int argc, char **argv);
int cmd_spec (struct global_opts *g, int argc, char **argv);
int cmd_features (struct global_opts *g, int argc, char **argv);
int cmd_checkpoint (struct global_opts *g, int argc, char **argv);
int cmd_restore (struct global_opts *g, int argc, char **argv);

/* Prints "cove: <error>" (and to --log) and returns 1. */
int cli_fail (rt_error_t *err);
/* Usage error naming the command: "cove create: <msg>"; returns 1. */
int cli_usage (const char *cmd, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

#endif
