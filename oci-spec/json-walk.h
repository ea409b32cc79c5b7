/* The table-driven JSON walker: a JSON object is described once as a field
 * table, and the functions below parse a yajl tree into the struct, free the
 * struct, and emit it again, all from that one description.  Private to
 * oci-spec/. */
#ifndef COVE_JSON_WALK_H
#define COVE_JSON_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

enum jw_kind
{
  JW_STRING,       /* char * */
  JW_BOOL,         /* bool */
  JW_INT32,        /* int32_t (also `int`) */
  JW_UINT32,       /* uint32_t */
  JW_UINT16,       /* uint16_t */
  JW_INT64,        /* int64_t */
  JW_UINT64,       /* uint64_t */
  JW_STRV,         /* char **, NULL-terminated; [] gives a non-NULL empty vector */
  JW_UINT32_ARRAY, /* uint32_t * + size_t count */
  JW_ENUM,         /* string stored as its index in `names` (an int-sized enum) */
  JW_CHAR,         /* one-letter string from `names`, stored as a char */
  JW_OBJECT,       /* pointer to a child struct, allocated */
  JW_INLINE,       /* child struct embedded at `offset` (offset 0 = same struct) */
  JW_OBJECT_ARRAY, /* T * + size_t count */
  JW_MAP,          /* struct oci_map: object of strings */
  JW_OBJECT_MAP,   /* object of objects, stored as T * + count, key in T */
};

enum
{
  JW_REQUIRED = 1 << 0,  /* absent (or null) is an error; always emitted */
  JW_NONEMPTY = 1 << 1,  /* arrays: at least one element */
  JW_OMIT_ZERO = 1 << 2, /* emitter: leave a number out when it is 0 */
};

struct jw_ctx;

/* A list of accepted names; `what` names the thing in messages
 * ("unknown <what> \"foo\""). */
struct jw_names
{
  const char *what;
  const char *const *names; /* NULL-terminated */
};

struct jw_object;

struct jw_field
{
  const char *name; /* JSON property name; NULL ends the table */
  enum jw_kind kind;
  unsigned flags;
  size_t offset; /* of the value in the struct */
  size_t has;    /* offset + 1 of the has_ flag; 0 when there is none */
  size_t count;  /* offset of the size_t element count (arrays, maps of objects) */
  const struct jw_object *child;
  /* Accepted values: of a string, of each string of a vector, of the keys
   * of an object map, of a JW_ENUM/JW_CHAR. */
  const struct jw_names *names;
  /* Extra check on the parsed value, run with the path at the field. */
  int (*check) (struct jw_ctx *ctx, const void *value);
};

struct jw_object
{
  size_t size; /* sizeof the struct */
  size_t key;  /* JW_OBJECT_MAP elements: offset + 1 of the char * key */
  const struct jw_field *fields;
  /* Checks across the fields, run after they are all parsed, with the path
   * at the object. */
  int (*check) (struct jw_ctx *ctx, void *obj);
};

#define JW_HAS(type, member) (offsetof (type, member) + 1)
#define JW_AT(p, off, type) ((type *) ((char *) (p) + (off)))

/* Errors: one line "<file>: <path>: <problem>" kept in the context. */
int jw_error (struct jw_ctx *ctx, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* Same, with `suffix` (".type", "[2]") appended to the current path. */
int jw_error_at (struct jw_ctx *ctx, const char *suffix, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
/* Move the current path down (".name" or ["odd.key"], "[i]") and back up;
 * push returns the mark to pop to. */
size_t jw_path_push (struct jw_ctx *ctx, const char *name);
size_t jw_path_push_index (struct jw_ctx *ctx, size_t i);
void jw_path_pop (struct jw_ctx *ctx, size_t mark);
/* Collecting mode (jw_parse_document_all): whether the walk goes on after
 * an error, to look for the next one.  Always false in first-error mode,
 * so a check written as
 *   if (a) ret = jw_error (...);
 *   if (jw_more (ctx, ret) && b) ret = jw_error (...);
 * reports the first problem there and every problem here. */
bool jw_more (struct jw_ctx *ctx, int ret);
/* For object checks: whether the field `name` of the object being checked
 * parsed without error.  Only collecting mode runs a check on an object
 * with bad fields (their values then absent or partial), so a check that
 * reads a field asks first; first-error mode always answers true. */
bool jw_ok (struct jw_ctx *ctx, const char *name);
/* The names[] index of `s`, or -1. */
int jw_name_index (const struct jw_names *names, const char *s);

/* Parse a whole document described by `t`: returns a calloc'd struct or
 * NULL with *errmsg set (malloc'd). */
void *jw_parse_document (const struct jw_object *t, const char *json, size_t len, const char *file,
                         char **errmsg);
void *jw_parse_file (const struct jw_object *t, const char *path, const char *file, char **errmsg);
/* Collecting mode: every error (up to `max`, at least 1) goes to *problems
 * (struct oci_problems, oci-spec.h), sorted into document order.  Returns
 * the struct, partial when there are problems (see oci-spec.h), or NULL
 * when the text is not a JSON object. */
struct oci_problems;
void *jw_parse_document_all (const struct jw_object *t, const char *json, size_t len,
                             const char *file, size_t max, struct oci_problems *problems);

/* Free what the struct owns (not the struct itself).  NULL-safe, and safe
 * on a partly parsed struct. */
void jw_free_fields (const struct jw_object *t, void *obj);
/* jw_free_fields, then free (obj). */
void jw_free (const struct jw_object *t, void *obj);

/* Emit `obj` as a JSON object; returns a yajl_gen_status. */
int jw_emit_object (yajl_gen g, const struct jw_object *t, const void *obj);
/* A whole document as a malloc'd string, or NULL. */
char *jw_emit_document (const struct jw_object *t, const void *obj, bool pretty, size_t *len);

/* The document tables (oci-tables.c). */
extern const struct jw_object ot_config;
extern const struct jw_object ot_process;
extern const struct jw_object ot_resources;
extern const struct jw_object ot_state;
extern const struct jw_object ot_features;

/* Checks from oci-validate.c that the tables in oci-tables.c refer to.
 * Field checks get a pointer to the field; object checks the struct. */
int ov_absolute_path (struct jw_ctx *ctx, const void *value);
int ov_nonempty_string (struct jw_ctx *ctx, const void *value);
int ov_oci_version (struct jw_ctx *ctx, const void *value);
int ov_device_access (struct jw_ctx *ctx, const void *value);
int ov_hook_timeout (struct jw_ctx *ctx, const void *value);
int ov_io_priority_level (struct jw_ctx *ctx, const void *value);
int ov_nice (struct jw_ctx *ctx, const void *value);
int ov_config (struct jw_ctx *ctx, void *obj);
int ov_linux (struct jw_ctx *ctx, void *obj);
int ov_process (struct jw_ctx *ctx, void *obj);
int ov_rlimit (struct jw_ctx *ctx, void *obj);
int ov_mount (struct jw_ctx *ctx, void *obj);
int ov_device (struct jw_ctx *ctx, void *obj);
int ov_device_cgroup (struct jw_ctx *ctx, void *obj);
int ov_seccomp (struct jw_ctx *ctx, void *obj);
int ov_seccomp_syscall (struct jw_ctx *ctx, void *obj);
int ov_state (struct jw_ctx *ctx, void *obj);

#endif
