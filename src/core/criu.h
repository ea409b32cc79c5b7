/* Running the criu binary (CLI, not RPC): finding it, building its
 * argument vector, running it with its output collected and its first
 * error extracted, the criu config file a bundle names, and `criu
 * check`.  Knows nothing of containers. */
#ifndef COVE_CRIU_H
#define COVE_CRIU_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "oci-spec.h"

/* A NULL-terminated argument vector being built; owns its strings. */
struct criu_args
{
  char **v;
  size_t n, cap;
};

/* Appends s (taken over, malloc'd). */
void criu_args_push (struct criu_args *a, char *s);
void criu_args_pushf (struct criu_args *a, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
/* Frees the strings and the vector; a is empty afterwards. */
void criu_args_clear (struct criu_args *a);

/* 0 when mode is NULL or one of the modes criu's --manage-cgroups knows,
 * else -1 naming --manage-cgroups-mode. */
int criu_check_cgroups_mode (const char *mode, rt_error_t *err);

/* The criu binary in $PATH (malloc'd), or NULL with err saying it is
 * not installed. */
char *criu_find (rt_error_t *err);

/* Appends --config FILE: the bundle's org.criu.config annotation (runc's),
 * else /etc/criu/cove.conf if present; an empty annotation turns the
 * default off. */
void criu_push_config (struct criu_args *a, const struct oci_config *c);

/* Runs in the child between fork and exec; < 0 ends the child (after
 * printing why on fd 2). */
typedef int (*criu_child_setup_fn) (void *arg);

/* Runs criu argv (argv[0] the binary), stdin /dev/null, its output
 * collected (it logs to log_path, which may be NULL).  setup, if any,
 * runs in the child before exec.  0 when criu exited 0, else -1 with
 * "criu VERB failed: <its first error> (log: LOG)". */
int criu_run (char **argv, const char *verb, const char *log_path, criu_child_setup_fn setup,
              void *arg, rt_error_t *err);

/* *why NULL when `criu check` passes, else a malloc'd one-line reason
 * (criu missing, kernel refused).  Always 0. */
int criu_probe (char **why, rt_error_t *err);

#endif
