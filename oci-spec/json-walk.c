/* The one walker behind every OCI document: parses a yajl tree into a struct
 * by following its field table (json-walk.h) and frees it again, naming
 * the JSON path of whatever is wrong.  The emitter is oci-emit.c. */
#include <config.h>

#include "json-walk.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci-spec.h"

/* Parsing state: the document name, the JSON path of the value being looked
 * at (grown and cut back as the walk descends), and the first error or, in
 * collecting mode, all of them.  Collecting costs first-error mode (create
 * and run parse every config) no allocation and only a few branches. */
struct jw_ctx
{
  const char *file;
  char *path;
  size_t len;
  size_t cap;
  char *errmsg; /* first-error mode */
  struct oci_problems *problems; /* collecting mode when non-NULL */
  size_t max;
  size_t problems_cap;
  /* For jw_ok: the object whose check runs, and which of its fields
   * failed (bit i: field i; fields past 63 share bit 63). */
  const struct jw_object *checking;
  uint64_t failed;
};

/* liboci does not link libcore, so it carries its own abort-on-OOM. */
static void *
jw_xmalloc (size_t n)
{
  void *p = malloc (n ? n : 1);
  if (p == NULL)
    abort ();
  return p;
}

static void *
jw_xcalloc (size_t n, size_t size)
{
  void *p = calloc (n ? n : 1, size ? size : 1);
  if (p == NULL)
    abort ();
  return p;
}

static char *
jw_xstrdup (const char *s)
{
  size_t n = strlen (s) + 1;
  return memcpy (jw_xmalloc (n), s, n);
}

static char *
jw_vasprintf (const char *fmt, va_list ap)
{
  char *s = NULL;
  if (vasprintf (&s, fmt, ap) < 0)
    abort ();
  return s;
}

static void
path_append (struct jw_ctx *ctx, const char *s, size_t n)
{
  if (ctx->len + n + 1 > ctx->cap)
    {
      size_t cap = ctx->cap ? ctx->cap : 128;
      while (ctx->len + n + 1 > cap)
        cap *= 2;
      ctx->path = realloc (ctx->path, cap);
      if (ctx->path == NULL)
        abort ();
      ctx->cap = cap;
    }
  memcpy (ctx->path + ctx->len, s, n);
  ctx->len += n;
  ctx->path[ctx->len] = '\0';
}

size_t
jw_path_push (struct jw_ctx *ctx, const char *name)
{
  size_t mark = ctx->len;
  bool ident = name[0] != '\0' && strchr ("0123456789", name[0]) == NULL;
  for (const char *c = name; *c && ident; c++)
    ident = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')
            || *c == '_';
  if (ident)
    {
      path_append (ctx, ".", 1);
      path_append (ctx, name, strlen (name));
      return mark;
    }
  /* jq's notation for keys that are not identifiers: .sysctl["net.ipv4.ip_forward"] */
  path_append (ctx, "[\"", 2);
  for (const char *c = name; *c; c++)
    {
      if (*c == '"' || *c == '\\')
        path_append (ctx, "\\", 1);
      path_append (ctx, c, 1);
    }
  path_append (ctx, "\"]", 2);
  return mark;
}

size_t
jw_path_push_index (struct jw_ctx *ctx, size_t i)
{
  char buf[32];
  size_t mark = ctx->len;
  int n = snprintf (buf, sizeof buf, "[%zu]", i);
  path_append (ctx, buf, (size_t) n);
  return mark;
}

void
jw_path_pop (struct jw_ctx *ctx, size_t mark)
{
  ctx->len = mark;
  if (ctx->path)
    ctx->path[mark] = '\0';
}

/* Messages are one line whatever the input holds: control characters that
 * came from the document (a key with a newline) become spaces. */
static void
one_line (char *s)
{
  for (; *s; s++)
    if ((unsigned char) *s < 0x20)
      *s = ' ';
}

static void
add_problem (struct jw_ctx *ctx, char *line, char *path)
{
  struct oci_problems *p = ctx->problems;

  if (p->len == ctx->problems_cap)
    {
      ctx->problems_cap = ctx->problems_cap ? 2 * ctx->problems_cap : 8;
      p->items = realloc (p->items, ctx->problems_cap * sizeof *p->items);
      if (p->items == NULL)
        abort ();
    }
  p->items[p->len].line = line;
  p->items[p->len].path = path;
  p->len++;
}

static int
error_v (struct jw_ctx *ctx, const char *suffix, const char *fmt, va_list ap)
{
  const char *path;
  char *problem, *line;

  if (ctx->problems == NULL && ctx->errmsg != NULL)
    return -1;
  /* One more than the cap only says there were more. */
  if (ctx->problems != NULL && ctx->problems->len >= ctx->max)
    {
      ctx->problems->truncated = true;
      return -1;
    }
  problem = jw_vasprintf (fmt, ap);
  path = ctx->len > 0 ? ctx->path : "";
  if (suffix == NULL)
    suffix = "";
  /* The document itself is "." as in jq. */
  if (*path == '\0' && *suffix == '\0')
    path = ".";
  if (asprintf (&line, "%s: %s%s: %s", ctx->file, path, suffix, problem) < 0)
    abort ();
  free (problem);
  one_line (line);
  if (ctx->problems == NULL)
    {
      ctx->errmsg = line;
      return -1;
    }
  if (asprintf (&problem, "%s%s", path, suffix) < 0)
    abort ();
  add_problem (ctx, line, problem);
  return -1;
}

bool
jw_more (struct jw_ctx *ctx, int ret)
{
  return ret == 0 || (ctx->problems != NULL && !ctx->problems->truncated);
}

static uint64_t
field_bit (size_t i)
{
  return (uint64_t) 1 << (i < 63 ? i : 63);
}

bool
jw_ok (struct jw_ctx *ctx, const char *name)
{
  size_t i = 0;

  if (ctx->failed == 0)
    return true;
  for (const struct jw_field *f = ctx->checking->fields; f->name; f++, i++)
    if (strcmp (f->name, name) == 0)
      return (ctx->failed & field_bit (i)) == 0;
  abort (); /* a check asked about a field its table does not have */
}

int
jw_error (struct jw_ctx *ctx, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  error_v (ctx, NULL, fmt, ap);
  va_end (ap);
  return -1;
}

int
jw_error_at (struct jw_ctx *ctx, const char *suffix, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  error_v (ctx, suffix, fmt, ap);
  va_end (ap);
  return -1;
}

int
jw_name_index (const struct jw_names *names, const char *s)
{
  for (size_t i = 0; names->names[i]; i++)
    if (strcmp (names->names[i], s) == 0)
      return (int) i;
  return -1;
}

static const char *
type_name (yajl_val v)
{
  switch (v->type)
    {
    case yajl_t_string:
      return "string";
    case yajl_t_number:
      return "number";
    case yajl_t_object:
      return "object";
    case yajl_t_array:
      return "array";
    case yajl_t_true:
    case yajl_t_false:
      return "boolean";
    default:
      return "null";
    }
}

/* The last value of `key`: duplicate keys resolve like most JSON decoders. */
static yajl_val
object_get (yajl_val v, const char *key)
{
  for (size_t i = v->u.object.len; i > 0; i--)
    if (strcmp (v->u.object.keys[i - 1], key) == 0)
      return v->u.object.values[i - 1];
  return NULL;
}

static int
expect (struct jw_ctx *ctx, yajl_val v, yajl_type type, const char *what)
{
  bool ok = v->type == type || (type == yajl_t_true && v->type == yajl_t_false);
  if (!ok)
    return jw_error (ctx, "expected %s, got %s", what, type_name (v));
  return 0;
}

/* Numbers are read from yajl's raw text, not its long long, so that uint64
 * values above INT64_MAX (RLIM_INFINITY) survive and fractions are caught. */
static int
parse_integer (struct jw_ctx *ctx, yajl_val v, enum jw_kind kind, void *dest)
{
  bool is_signed = kind == JW_INT32 || kind == JW_INT64;
  const char *what = is_signed ? "an integer" : "an unsigned integer";
  const char *raw;
  char *end;

  if (v->type != yajl_t_number)
    return jw_error (ctx, "expected %s, got %s", what, type_name (v));
  raw = v->u.number.r;
  if (strpbrk (raw, ".eE") != NULL || (!is_signed && raw[0] == '-'))
    return jw_error (ctx, "expected %s, got %s", what, raw);

  errno = 0;
  if (is_signed)
    {
      long long min = kind == JW_INT32 ? INT32_MIN : INT64_MIN;
      long long max = kind == JW_INT32 ? INT32_MAX : INT64_MAX;
      long long n = strtoll (raw, &end, 10);
      if (errno == ERANGE || *end != '\0' || n < min || n > max)
        return jw_error (ctx, "value %s is out of range (%lld to %lld)", raw, min, max);
      if (kind == JW_INT32)
        *(int32_t *) dest = (int32_t) n;
      else
        *(int64_t *) dest = (int64_t) n;
      return 0;
    }

  unsigned long long max = kind == JW_UINT16   ? UINT16_MAX
                           : kind == JW_UINT32 ? UINT32_MAX
                                               : UINT64_MAX;
  unsigned long long n = strtoull (raw, &end, 10);
  if (errno == ERANGE || *end != '\0' || n > max)
    return jw_error (ctx, "value %s is out of range (0 to %llu)", raw, max);
  if (kind == JW_UINT16)
    *(uint16_t *) dest = (uint16_t) n;
  else if (kind == JW_UINT32)
    *(uint32_t *) dest = (uint32_t) n;
  else
    *(uint64_t *) dest = (uint64_t) n;
  return 0;
}

static int
check_name (struct jw_ctx *ctx, const struct jw_names *names, const char *s)
{
  if (names != NULL && jw_name_index (names, s) < 0)
    return jw_error (ctx, "unknown %s \"%s\"", names->what, s);
  return 0;
}

static int parse_object (struct jw_ctx *ctx, const struct jw_object *t, yajl_val v, void *out);

/* In collecting mode the loops below go on after a bad element (its value
 * is skipped) and report the failure at the end. */
static int
parse_strv (struct jw_ctx *ctx, const struct jw_field *f, yajl_val v, char ***dest)
{
  size_t n, kept = 0;
  bool failed = false;
  int ret = expect (ctx, v, yajl_t_array, "an array of strings");
  if (ret < 0)
    return ret;
  n = v->u.array.len;
  *dest = jw_xcalloc (n + 1, sizeof (char *));
  for (size_t i = 0; i < n; i++)
    {
      yajl_val e = v->u.array.values[i];
      size_t mark = jw_path_push_index (ctx, i);
      ret = expect (ctx, e, yajl_t_string, "a string");
      if (ret == 0)
        ret = check_name (ctx, f->names, e->u.string);
      jw_path_pop (ctx, mark);
      if (ret < 0 && !jw_more (ctx, ret))
        return ret;
      /* Kept packed: the vector ends at the first NULL. */
      if (ret < 0)
        failed = true;
      else
        (*dest)[kept++] = jw_xstrdup (e->u.string);
    }
  return failed ? -1 : 0;
}

static int
parse_uint32_array (struct jw_ctx *ctx, yajl_val v, uint32_t **dest, size_t *count)
{
  int ret = expect (ctx, v, yajl_t_array, "an array of unsigned integers");
  if (ret < 0)
    return ret;
  bool failed = false;
  *dest = jw_xcalloc (v->u.array.len, sizeof (uint32_t));
  *count = v->u.array.len;
  for (size_t i = 0; i < v->u.array.len; i++)
    {
      size_t mark = jw_path_push_index (ctx, i);
      ret = parse_integer (ctx, v->u.array.values[i], JW_UINT32, &(*dest)[i]);
      jw_path_pop (ctx, mark);
      if (ret < 0 && !jw_more (ctx, ret))
        return ret;
      failed = failed || ret < 0;
    }
  return failed ? -1 : 0;
}

static int
parse_object_array (struct jw_ctx *ctx, const struct jw_field *f, yajl_val v, void *obj)
{
  const struct jw_object *t = f->child;
  bool failed = false;
  char *elems;
  int ret = expect (ctx, v, yajl_t_array, "an array");
  if (ret < 0)
    return ret;
  if (v->u.array.len == 0)
    return 0;
  /* Stored before the elements are parsed, so a failure frees them all. */
  elems = jw_xcalloc (v->u.array.len, t->size);
  *JW_AT (obj, f->offset, void *) = elems;
  *JW_AT (obj, f->count, size_t) = v->u.array.len;
  for (size_t i = 0; i < v->u.array.len; i++)
    {
      size_t mark = jw_path_push_index (ctx, i);
      ret = parse_object (ctx, t, v->u.array.values[i], elems + i * t->size);
      jw_path_pop (ctx, mark);
      if (ret < 0 && !jw_more (ctx, ret))
        return ret;
      failed = failed || ret < 0;
    }
  return failed ? -1 : 0;
}

static int
parse_map (struct jw_ctx *ctx, yajl_val v, struct oci_map *m)
{
  size_t n;
  bool failed = false;
  int ret = expect (ctx, v, yajl_t_object, "an object");
  if (ret < 0)
    return ret;
  n = v->u.object.len;
  m->keys = jw_xcalloc (n, sizeof (char *));
  m->values = jw_xcalloc (n, sizeof (char *));
  for (size_t i = 0; i < n; i++)
    {
      const char *key = v->u.object.keys[i];
      yajl_val e = v->u.object.values[i];
      size_t j;

      if (e->type != yajl_t_string)
        {
          size_t mark = jw_path_push (ctx, key);
          ret = jw_error (ctx, "expected a string, got %s", type_name (e));
          jw_path_pop (ctx, mark);
          if (!jw_more (ctx, ret))
            return -1;
          failed = true;
          continue;
        }
      for (j = 0; j < m->len; j++)
        if (strcmp (m->keys[j], key) == 0)
          break;
      if (j == m->len)
        m->keys[m->len++] = jw_xstrdup (key);
      free (m->values[j]);
      m->values[j] = jw_xstrdup (e->u.string);
    }
  return failed ? -1 : 0;
}

static int
parse_object_map (struct jw_ctx *ctx, const struct jw_field *f, yajl_val v, void *obj)
{
  const struct jw_object *t = f->child;
  size_t *count = JW_AT (obj, f->count, size_t);
  bool failed = false;
  char *elems;
  int ret = expect (ctx, v, yajl_t_object, "an object");
  if (ret < 0)
    return ret;
  if (v->u.object.len == 0)
    return 0;
  elems = jw_xcalloc (v->u.object.len, t->size);
  *JW_AT (obj, f->offset, void *) = elems;
  for (size_t i = 0; i < v->u.object.len; i++)
    {
      const char *key = v->u.object.keys[i];
      size_t mark = jw_path_push (ctx, key);
      char *elem = NULL;

      ret = check_name (ctx, f->names, key);
      for (size_t j = 0; ret == 0 && j < *count && elem == NULL; j++)
        if (strcmp (*JW_AT (elems + j * t->size, t->key - 1, char *), key) == 0)
          {
            /* A repeated key replaces the earlier value. */
            elem = elems + j * t->size;
            jw_free_fields (t, elem);
            memset (elem, 0, t->size);
          }
      if (ret == 0 && elem == NULL)
        elem = elems + (*count)++ * t->size;
      if (ret == 0)
        {
          *JW_AT (elem, t->key - 1, char *) = jw_xstrdup (key);
          ret = parse_object (ctx, t, v->u.object.values[i], elem);
        }
      jw_path_pop (ctx, mark);
      if (ret < 0 && !jw_more (ctx, ret))
        return ret;
      failed = failed || ret < 0;
    }
  return failed ? -1 : 0;
}

static int
parse_field (struct jw_ctx *ctx, const struct jw_field *f, yajl_val v, void *obj)
{
  void *dest = JW_AT (obj, f->offset, void);
  int ret = 0;

  switch (f->kind)
    {
    case JW_STRING:
      ret = expect (ctx, v, yajl_t_string, "a string");
      if (ret == 0)
        ret = check_name (ctx, f->names, v->u.string);
      if (ret == 0)
        *(char **) dest = jw_xstrdup (v->u.string);
      break;
    case JW_BOOL:
      ret = expect (ctx, v, yajl_t_true, "a boolean");
      if (ret == 0)
        *(bool *) dest = v->type == yajl_t_true;
      break;
    case JW_INT32:
    case JW_UINT32:
    case JW_UINT16:
    case JW_INT64:
    case JW_UINT64:
      ret = parse_integer (ctx, v, f->kind, dest);
      break;
    case JW_STRV:
      ret = parse_strv (ctx, f, v, (char ***) dest);
      if (ret == 0 && (f->flags & JW_NONEMPTY) && v->u.array.len == 0)
        ret = jw_error (ctx, "must be a non-empty array");
      break;
    case JW_UINT32_ARRAY:
      ret = parse_uint32_array (ctx, v, (uint32_t **) dest, JW_AT (obj, f->count, size_t));
      break;
    case JW_ENUM:
    case JW_CHAR:
      ret = expect (ctx, v, yajl_t_string, "a string");
      if (ret == 0)
        ret = check_name (ctx, f->names, v->u.string);
      if (ret == 0 && f->kind == JW_ENUM)
        *(int *) dest = jw_name_index (f->names, v->u.string);
      else if (ret == 0)
        *(char *) dest = v->u.string[0];
      break;
    case JW_OBJECT:
      *(void **) dest = jw_xcalloc (1, f->child->size);
      ret = parse_object (ctx, f->child, v, *(void **) dest);
      break;
    case JW_INLINE:
      ret = parse_object (ctx, f->child, v, dest);
      break;
    case JW_OBJECT_ARRAY:
      ret = parse_object_array (ctx, f, v, obj);
      if (ret == 0 && (f->flags & JW_NONEMPTY) && v->u.array.len == 0)
        ret = jw_error (ctx, "must be a non-empty array");
      break;
    case JW_MAP:
      ret = parse_map (ctx, v, (struct oci_map *) dest);
      break;
    case JW_OBJECT_MAP:
      ret = parse_object_map (ctx, f, v, obj);
      break;
    }
  if (ret < 0)
    return ret;
  if (f->has)
    *JW_AT (obj, f->has - 1, bool) = true;
  if (f->check)
    return f->check (ctx, dest);
  return 0;
}

static int
parse_object (struct jw_ctx *ctx, const struct jw_object *t, yajl_val v, void *out)
{
  uint64_t failed = 0;
  size_t i = 0;
  int ret = expect (ctx, v, yajl_t_object, "an object");
  if (ret < 0)
    return ret;

  for (const struct jw_field *f = t->fields; f->name; f++, i++)
    {
      /* Properties the table does not name are ignored, as the spec asks. */
      yajl_val fv = object_get (v, f->name);
      size_t mark = jw_path_push (ctx, f->name);

      /* null counts as absent, as Go-based engines treat it. */
      if (fv == NULL || fv->type == yajl_t_null)
        ret = (f->flags & JW_REQUIRED) ? jw_error (ctx, "missing required field") : 0;
      else
        ret = parse_field (ctx, f, fv, out);
      jw_path_pop (ctx, mark);
      if (ret < 0 && !jw_more (ctx, ret))
        return ret;
      if (ret < 0)
        failed |= field_bit (i);
    }
  if (t->check == NULL)
    return failed ? -1 : 0;
  /* With bad fields (collecting mode only) the check still runs, for the
   * problems among the good ones: it asks jw_ok before reading a field. */
  ctx->checking = t;
  ctx->failed = failed;
  ret = t->check (ctx, out);
  ctx->failed = 0;
  return failed ? -1 : ret;
}

/* yajl's verbose message spans lines (the reason, then a snippet with an
 * arrow); keep the reason only. */
static char *
yajl_reason (const char *errbuf)
{
  size_t n = strcspn (errbuf, "\n");
  char *s;
  while (n > 0 && (errbuf[n - 1] == ' ' || errbuf[n - 1] == '\t'))
    n--;
  if (n == 0)
    return jw_xstrdup ("unknown error");
  s = jw_xmalloc (n + 1);
  memcpy (s, errbuf, n);
  s[n] = '\0';
  one_line (s);
  return s;
}

/* Whether `text`, which yajl has parsed (comments allowed), holds the
 * escape \u0000 in a string: yajl_tree ends its strings at the NUL, so
 * "/proc\u0000/x" would silently become "/proc". */
static bool
has_nul_escape (const char *text)
{
  enum { CODE, STRING, LINE_COMMENT, BLOCK_COMMENT } st = CODE;

  for (const char *p = text; *p != '\0'; p++)
    switch (st)
      {
      case CODE:
        if (*p == '"')
          st = STRING;
        else if (p[0] == '/' && p[1] == '/')
          st = LINE_COMMENT;
        else if (p[0] == '/' && p[1] == '*')
          {
            st = BLOCK_COMMENT;
            p++; /* this '*' cannot also close the comment */
          }
        break;
      case STRING:
        if (*p == '"')
          st = CODE;
        else if (*p == '\\')
          {
            if (strncmp (p + 1, "u0000", 5) == 0)
              return true;
            if (p[1] != '\0') /* never, in valid JSON */
              p++;              /* the escaped character */
          }
        break;
      case LINE_COMMENT:
        if (*p == '\n')
          st = CODE;
        break;
      case BLOCK_COMMENT:
        if (p[0] == '*' && p[1] == '/')
          {
            st = CODE;
            p++;
          }
        break;
      }
  return false;
}

/* The yajl tree of a document, or NULL with *errmsg set: malformed JSON, a
 * NUL byte, or a \u0000 escape. */
static yajl_val
load_tree (const char *json, size_t len, const char *file, char **errmsg)
{
  char errbuf[1024] = "";
  char *text;
  yajl_val tree;

  if (json == NULL)
    json = "";
  if (memchr (json, '\0', len) != NULL)
    {
      if (asprintf (errmsg, "%s: malformed JSON: NUL byte in the document", file) < 0)
        abort ();
      return NULL;
    }
  /* yajl_tree_parse wants a NUL-terminated string. */
  text = jw_xmalloc (len + 1);
  memcpy (text, json, len);
  text[len] = '\0';
  tree = yajl_tree_parse (text, errbuf, sizeof errbuf);
  if (tree == NULL)
    {
      char *reason = yajl_reason (errbuf);
      free (text);
      if (asprintf (errmsg, "%s: malformed JSON: %s", file, reason) < 0)
        abort ();
      free (reason);
      return NULL;
    }
  if (has_nul_escape (text))
    {
      free (text);
      yajl_tree_free (tree);
      if (asprintf (errmsg, "%s: a string holds a NUL character (\\u0000)", file) < 0)
        abort ();
      return NULL;
    }
  free (text);
  return tree;
}

void *
jw_parse_document (const struct jw_object *t, const char *json, size_t len, const char *file,
                   char **errmsg)
{
  struct jw_ctx ctx = { .file = file };
  yajl_val tree;
  void *obj;

  *errmsg = NULL;
  tree = load_tree (json, len, file, errmsg);
  if (tree == NULL)
    return NULL;
  obj = jw_xcalloc (1, t->size);
  if (parse_object (&ctx, t, tree, obj) < 0)
    {
      jw_free (t, obj);
      obj = NULL;
      *errmsg = ctx.errmsg;
    }
  yajl_tree_free (tree);
  free (ctx.path);
  return obj;
}

/* Document order of the problems.  Each path is turned back into where it
 * points in the tree: per step, the index of the member (its last
 * occurrence, the one that counts) or of the element.  A property that is
 * absent gets the object's length, after the present ones. */
struct placed
{
  struct oci_problem item;
  size_t *pos;
  size_t n;
  size_t seq; /* walk order, for ties */
};

static size_t
member_index (yajl_val v, const char *key)
{
  for (size_t i = v->u.object.len; i > 0; i--)
    if (strcmp (v->u.object.keys[i - 1], key) == 0)
      return i - 1;
  return v->u.object.len;
}

/* Parses one step of a path as jw_path_push wrote it: .name, ["key"] or
 * [i].  Returns the rest, or NULL at the end or on anything else. */
static const char *
path_step (const char *p, char *key, bool *is_index, size_t *index)
{
  size_t n = 0;

  *is_index = false;
  if (p[0] == '.' && p[1] != '\0')
    {
      for (p++; *p && *p != '.' && *p != '['; p++)
        key[n++] = *p;
    }
  else if (p[0] == '[' && p[1] == '"')
    {
      for (p += 2; *p && !(p[0] == '"' && p[1] == ']'); p++)
        {
          if (*p == '\\' && p[1] != '\0')
            p++;
          key[n++] = *p;
        }
      if (*p == '\0')
        return NULL;
      p += 2;
    }
  else if (p[0] == '[' && p[1] >= '0' && p[1] <= '9')
    {
      char *end;
      *index = strtoul (p + 1, &end, 10);
      if (*end != ']')
        return NULL;
      *is_index = true;
      p = end + 1;
    }
  else
    return NULL;
  key[n] = '\0';
  return p;
}

static void
place (yajl_val v, struct placed *pl)
{
  const char *p = pl->item.path;
  size_t cap = strlen (p) + 1;
  char *key = jw_xmalloc (cap);
  bool is_index;
  size_t index = 0;

  pl->pos = jw_xcalloc (cap, sizeof (size_t));
  pl->n = 0;
  while (*p != '\0' && (p = path_step (p, key, &is_index, &index)) != NULL)
    {
      size_t at = SIZE_MAX;
      if (!is_index && v != NULL && v->type == yajl_t_object)
        at = member_index (v, key);
      else if (is_index)
        at = index;
      if (v != NULL && v->type == yajl_t_object && !is_index && at < v->u.object.len)
        v = v->u.object.values[at];
      else if (v != NULL && v->type == yajl_t_array && is_index && at < v->u.array.len)
        v = v->u.array.values[at];
      else
        v = NULL;
      pl->pos[pl->n++] = at;
    }
  free (key);
}

static int
placed_cmp (const void *a_, const void *b_)
{
  const struct placed *a = a_, *b = b_;

  for (size_t i = 0; i < a->n && i < b->n; i++)
    if (a->pos[i] != b->pos[i])
      return a->pos[i] < b->pos[i] ? -1 : 1;
  /* An object before what is in it, then the walk's order. */
  if (a->n != b->n)
    return a->n < b->n ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq ? 1 : 0;
}

static void
sort_problems (yajl_val tree, struct oci_problems *p)
{
  struct placed *pl;

  if (p->len < 2)
    return;
  pl = jw_xcalloc (p->len, sizeof *pl);
  for (size_t i = 0; i < p->len; i++)
    {
      pl[i].item = p->items[i];
      pl[i].seq = i;
      place (tree, &pl[i]);
    }
  qsort (pl, p->len, sizeof *pl, placed_cmp);
  for (size_t i = 0; i < p->len; i++)
    {
      p->items[i] = pl[i].item;
      free (pl[i].pos);
    }
  free (pl);
}

void *
jw_parse_document_all (const struct jw_object *t, const char *json, size_t len, const char *file,
                       size_t max, struct oci_problems *problems)
{
  struct jw_ctx ctx = { .file = file, .problems = problems, .max = max ? max : 1 };
  char *msg = NULL;
  yajl_val tree;
  void *obj;

  memset (problems, 0, sizeof *problems);
  tree = load_tree (json, len, file, &msg);
  if (tree == NULL)
    {
      add_problem (&ctx, msg, jw_xstrdup (""));
      return NULL;
    }
  obj = jw_xcalloc (1, t->size);
  (void) parse_object (&ctx, t, tree, obj);
  if (tree->type != yajl_t_object)
    {
      jw_free (t, obj);
      obj = NULL;
    }
  sort_problems (tree, problems);
  yajl_tree_free (tree);
  free (ctx.path);
  return obj;
}

/* Reading the file is the only syscall this library makes. */
void *
jw_parse_file (const struct jw_object *t, const char *path, const char *file, char **errmsg)
{
  size_t len = 0, cap = 16384;
  char *buf;
  void *obj;
  int fd;

  *errmsg = NULL;
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      if (asprintf (errmsg, "%s: open: %s", file, strerror (errno)) < 0)
        abort ();
      return NULL;
    }
  buf = jw_xmalloc (cap);
  for (;;)
    {
      ssize_t n;
      if (len == cap)
        {
          cap *= 2;
          buf = realloc (buf, cap);
          if (buf == NULL)
            abort ();
        }
      n = read (fd, buf + len, cap - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          close (fd);
          free (buf);
          if (asprintf (errmsg, "%s: read: %s", file, strerror (saved)) < 0)
            abort ();
          return NULL;
        }
      if (n == 0)
        break;
      len += (size_t) n;
    }
  close (fd);
  obj = jw_parse_document (t, buf, len, file, errmsg);
  free (buf);
  return obj;
}

void
jw_free_fields (const struct jw_object *t, void *obj)
{
  if (obj == NULL)
    return;
  for (const struct jw_field *f = t->fields; f->name; f++)
    {
      void *p = JW_AT (obj, f->offset, void);
      switch (f->kind)
        {
        case JW_STRING:
        case JW_UINT32_ARRAY:
          free (*(void **) p);
          break;
        case JW_STRV:
          for (char **s = *(char ***) p; s && *s; s++)
            free (*s);
          free (*(char ***) p);
          break;
        case JW_OBJECT:
          jw_free (f->child, *(void **) p);
          break;
        case JW_INLINE:
          jw_free_fields (f->child, p);
          break;
        case JW_OBJECT_ARRAY:
        case JW_OBJECT_MAP:
          {
            char *elems = *(char **) p;
            size_t n = *JW_AT (obj, f->count, size_t);
            for (size_t i = 0; elems && i < n; i++)
              jw_free_fields (f->child, elems + i * f->child->size);
            free (elems);
            break;
          }
        case JW_MAP:
          {
            struct oci_map *m = p;
            for (size_t i = 0; i < m->len; i++)
              {
                free (m->keys[i]);
                free (m->values[i]);
              }
            free (m->keys);
            free (m->values);
            break;
          }
        default:
          break;
        }
    }
  if (t->key)
    free (*JW_AT (obj, t->key - 1, char *));
}

void
jw_free (const struct jw_object *t, void *obj)
{
  jw_free_fields (t, obj);
  free (obj);
}
