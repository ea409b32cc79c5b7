/* What the shim needs to move its container: the migration request that
 * `cove-shim ctl ID migrate ...` sends, the archive work run in a child
 * (so the loop keeps turning), the files of one migration under the shim
 * dir, and its record in the status document.  The sequence itself is a
 * part of the supervisor's state machine (supervise.c):
 *
 *   RUNNING -> PREDUMP x N (cove checkpoint --pre-dump, running)
 *           -> hold the proxy; DUMP (cove checkpoint: frozen, then gone)
 *           -> DELETE (cove delete: the id is free again)
 *           -> [--export FILE] EXPORT (archive) -> the shim ends, "migrated"
 *           -> [--to BUNDLE]   EXPORT (temporary archive) -> IMPORT (into BUNDLE)
 *           -> RESTORE (cove restore --detach, same id) -> proxy into the
 *              restored netns, released -> RUNNING, downtime recorded
 * A pre-dump that fails is skipped (the final dump is then a full one); a
 * final dump that criu cannot build on the pre-dumps is done again in
 * full (still frozen); a dump that fails leaves the container running; an
 * export or import that fails restores the container from its images
 * where it was; a restore elsewhere (--to) that fails is tried where it
 * was. */
#ifndef COVE_SHIM_MIGRATE_H
#define COVE_SHIM_MIGRATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define MIGRATE_MAX_PRE_DUMPS 8

struct migrate_req
{
  unsigned pre_dumps; /* memory copies while running, before the final dump (default 1) */
  char *export_file;  /* absolute: checkpoint into this archive and end (another host) */
  char *to_bundle;    /* absolute: restore from this bundle, the volumes copied there */
};

/* The words after `migrate` (client side and server side alike):
 * [--pre-dumps N] [--export FILE | --to BUNDLE].  Paths must be absolute
 * (the shim's cwd is /). */
int migrate_req_parse (char *const *words, size_t n, struct migrate_req *r, rt_error_t *err);
void migrate_req_clear (struct migrate_req *r);

/* The request line sent over the control socket: the words joined by
 * tabs (so paths may hold spaces); tabs and newlines in a word refused. */
char *migrate_join (char *const *words, size_t n, rt_error_t *err);
/* Split a line at tabs, in place; *n words (at most max). */
size_t migrate_split (char *line, char **words, size_t max);

/* The archive work, forked: returns the child's pid; the child exits 0,
 * or 1 after appending "migrate error: <message>" to errlog. */
pid_t migrate_spawn_export (const char *bundle, const char *images, const char *file,
                            const char *errlog, rt_error_t *err);
pid_t migrate_spawn_import (const char *file, const char *bundle, const char *images,
                            const char *errlog, rt_error_t *err);

/* Remove dir and everything below it (best effort; never follows a
 * symlink). */
void migrate_remove_dir (const char *dir);

/* One migration, as the status document shows it under "migration". */
struct migrate_record
{
  const char *state; /* "running", "done", "failed" (literals) */
  const char *kind;  /* "local", "to", "export" */
  unsigned pre_dumps;   /* that worked */
  bool incremental;     /* the final dump built on them (else a full dump) */
  uint64_t pre_dump_ms; /* all pre-dumps, while the container ran */
  uint64_t dump_ms;     /* the final dump: frozen */
  uint64_t restore_ms;  /* from the end of the dump to the proxy released */
  uint64_t downtime_ms; /* proxy held to proxy released: what a client waits */
  char *error;          /* owned */
};

/* `json` (a status document, one line ending "}\n") with
 * ,"migration":{...} added; a new malloc'd string, json is freed. */
char *migrate_status_json (char *json, const struct migrate_record *m);

#endif
