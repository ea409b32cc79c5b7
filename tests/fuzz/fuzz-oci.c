/* libFuzzer target for the oci-spec parser and emitter.  One binary per
 * document, chosen when compiling with -DFUZZ_DOC=<n> (tests/fuzz/run.sh
 * builds all four): config.json, process.json, state.json and the
 * resources object of `update -r`.
 *
 * Every input is parsed.  A rejected input must come with a message naming
 * the document.  An accepted one is emitted, compact and pretty; each
 * emission must parse again into a struct equal, field by field (walking
 * the same tables as the parser, json-walk.h), to the first one, and emit
 * the very same compact text.  So an emission the parser refuses, a field
 * the emitter drops or changes, or an unstable emission aborts like a
 * crash.  A string holding \u0000 must be refused, not cut at the NUL.
 * Collecting mode (`spec --validate`) parses every input again: it must
 * find a problem exactly when the normal parse rejects, list that
 * rejection's message among its own, respect its cap, and give back an
 * accepted document unchanged; its partial structs must free cleanly.
 * ASan, UBSan and LeakSanitizer do the rest.  */
#include <config.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci-spec.h"
#include "json-walk.h"

#define FUZZ_CONFIG 1
#define FUZZ_PROCESS 2
#define FUZZ_STATE 3
#define FUZZ_RESOURCES 4

#if FUZZ_DOC == FUZZ_CONFIG
#define DOC_FILE "config.json"
#define DOC_TABLE ot_config
#elif FUZZ_DOC == FUZZ_PROCESS
#define DOC_FILE "process.json"
#define DOC_TABLE ot_process
#elif FUZZ_DOC == FUZZ_STATE
#define DOC_FILE "state.json"
#define DOC_TABLE ot_state
#elif FUZZ_DOC == FUZZ_RESOURCES
#define DOC_FILE "resources"
#define DOC_TABLE ot_resources
#else
#error "build with -DFUZZ_DOC=1 (config), 2 (process), 3 (state) or 4 (resources)"
#endif

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void __attribute__ ((noreturn, format (printf, 1, 2)))
fuzz_fail (const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  fputs ("fuzz-oci: ", stderr);
  vfprintf (stderr, fmt, ap);
  fputc ('\n', stderr);
  va_end (ap);
  /* libFuzzer takes SIGABRT as a crash and saves the input. */
  abort ();
}

/* The public entry points cove calls. */
static void *
doc_parse (const char *json, size_t len, char **errmsg)
{
#if FUZZ_DOC == FUZZ_CONFIG
  return oci_config_parse_data (json, len, DOC_FILE, errmsg);
#elif FUZZ_DOC == FUZZ_PROCESS
  return oci_process_parse_data (json, len, DOC_FILE, errmsg);
#elif FUZZ_DOC == FUZZ_STATE
  return oci_state_parse_data (json, len, DOC_FILE, errmsg);
#else
  return oci_resources_parse_data (json, len, DOC_FILE, errmsg);
#endif
}

static char *
doc_emit (const void *doc, bool pretty)
{
  char *out;

#if FUZZ_DOC == FUZZ_CONFIG
  out = oci_config_to_json (doc, pretty, NULL);
#elif FUZZ_DOC == FUZZ_PROCESS
  out = oci_process_to_json (doc, pretty, NULL);
#elif FUZZ_DOC == FUZZ_STATE
  out = oci_state_to_json (doc, pretty, NULL);
#else
  /* No public emitter (update -r only reads it); the config emitter
     writes linux.resources with the same table. */
  out = jw_emit_document (&ot_resources, doc, pretty, NULL);
#endif
  if (out == NULL)
    fuzz_fail ("the emitter failed");
  return out;
}

/* ---------------------------------------------------------------------
 * Field-by-field comparison of two parsed structs. */

static bool
str_eq (const char *a, const char *b)
{
  return a == b || (a != NULL && b != NULL && strcmp (a, b) == 0);
}

static bool
strv_eq (char *const *a, char *const *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  for (; *a != NULL && *b != NULL; a++, b++)
    if (strcmp (*a, *b) != 0)
      return false;
  return *a == NULL && *b == NULL;
}

static void compare_object (const struct jw_object *t, const void *a, const void *b,
                            const char *path);

static void __attribute__ ((noreturn))
differ (const char *path, const char *name)
{
  fuzz_fail ("the round trip changed %s.%s", path, name);
}

static void
compare_field (const struct jw_field *f, const void *a, const void *b, const char *path)
{
  const void *pa = JW_AT (a, f->offset, const void);
  const void *pb = JW_AT (b, f->offset, const void);
  size_t na = f->count ? *JW_AT (a, f->count, const size_t) : 0;
  size_t nb = f->count ? *JW_AT (b, f->count, const size_t) : 0;
  char sub[512];

  snprintf (sub, sizeof sub, "%s.%s", path, f->name);
  switch (f->kind)
    {
    case JW_STRING:
      if (!str_eq (*(char *const *) pa, *(char *const *) pb))
        differ (path, f->name);
      return;
    case JW_BOOL:
      if (*(const bool *) pa != *(const bool *) pb)
        differ (path, f->name);
      return;
    case JW_CHAR:
      if (*(const char *) pa != *(const char *) pb)
        differ (path, f->name);
      return;
    case JW_UINT16:
      if (memcmp (pa, pb, sizeof (uint16_t)) != 0)
        differ (path, f->name);
      return;
    case JW_INT32:
    case JW_UINT32:
    case JW_ENUM:
      if (memcmp (pa, pb, sizeof (uint32_t)) != 0)
        differ (path, f->name);
      return;
    case JW_INT64:
    case JW_UINT64:
      if (memcmp (pa, pb, sizeof (uint64_t)) != 0)
        differ (path, f->name);
      return;
    case JW_STRV:
      if (!strv_eq (*(char **const *) pa, *(char **const *) pb))
        differ (path, f->name);
      return;
    case JW_UINT32_ARRAY:
      if (na != nb
          || (na > 0 && memcmp (*(uint32_t *const *) pa, *(uint32_t *const *) pb, na * 4) != 0))
        differ (path, f->name);
      return;
    case JW_OBJECT:
      if ((*(void *const *) pa == NULL) != (*(void *const *) pb == NULL))
        differ (path, f->name);
      if (*(void *const *) pa != NULL)
        compare_object (f->child, *(void *const *) pa, *(void *const *) pb, sub);
      return;
    case JW_INLINE:
      compare_object (f->child, pa, pb, sub);
      return;
    case JW_OBJECT_ARRAY:
    case JW_OBJECT_MAP:
      if (na != nb)
        differ (path, f->name);
      for (size_t i = 0; i < na; i++)
        {
          const char *ea = *(const char *const *) pa + i * f->child->size;
          const char *eb = *(const char *const *) pb + i * f->child->size;
          if (f->kind == JW_OBJECT_MAP
              && !str_eq (*JW_AT (ea, f->child->key - 1, char *const),
                          *JW_AT (eb, f->child->key - 1, char *const)))
            differ (path, f->name);
          snprintf (sub, sizeof sub, "%s.%s[%zu]", path, f->name, i);
          compare_object (f->child, ea, eb, sub);
        }
      return;
    case JW_MAP:
      {
        const struct oci_map *ma = pa, *mb = pb;
        if (ma->len != mb->len)
          differ (path, f->name);
        for (size_t i = 0; i < ma->len; i++)
          if (!str_eq (ma->keys[i], mb->keys[i]) || !str_eq (ma->values[i], mb->values[i]))
            differ (path, f->name);
        return;
      }
    }
  fuzz_fail ("%s: field kind %d unknown to the fuzzer", sub, (int) f->kind);
}

static void
compare_object (const struct jw_object *t, const void *a, const void *b, const char *path)
{
  for (const struct jw_field *f = t->fields; f->name != NULL; f++)
    {
      if (f->has)
        {
          bool ha = *JW_AT (a, f->has - 1, const bool), hb = *JW_AT (b, f->has - 1, const bool);
          if (ha != hb)
            differ (path, f->name);
          if (!ha)
            continue;
        }
      compare_field (f, a, b, path);
    }
}

/* ---------------------------------------------------------------------
 * The checks. */

/* Whether valid JSON text (yajl_tree allows comments) holds the escape
 * \u0000 in a string. */
static bool
has_nul_escape (const char *text, size_t len)
{
  enum { CODE, STRING, LINE_COMMENT, BLOCK_COMMENT } st = CODE;

  for (size_t i = 0; i < len; i++)
    {
      char c = text[i], next = i + 1 < len ? text[i + 1] : '\0';
      switch (st)
        {
        case CODE:
          if (c == '"')
            st = STRING;
          else if (c == '/' && next == '/')
            {
              st = LINE_COMMENT;
              i++;
            }
          else if (c == '/' && next == '*')
            {
              st = BLOCK_COMMENT;
              i++;
            }
          break;
        case STRING:
          if (c == '\\')
            {
              if (len - i >= 6 && memcmp (text + i + 1, "u0000", 5) == 0)
                return true;
              i++; /* the escaped character */
            }
          else if (c == '"')
            st = CODE;
          break;
        case LINE_COMMENT:
          if (c == '\n')
            st = CODE;
          break;
        case BLOCK_COMMENT:
          if (c == '*' && next == '/')
            {
              st = CODE;
              i++;
            }
          break;
        }
    }
  return false;
}

/* Parses an emission of `doc`, which must give back the same struct. */
static void *
reparse (const void *doc, const char *text, bool pretty)
{
  char *err = NULL;
  void *again = doc_parse (text, strlen (text), &err);

  if (again == NULL)
    fuzz_fail ("the %s emission does not parse: %s\n--- emitted:\n%s", pretty ? "pretty" : "compact",
               err ? err : "(no message)", text);
  free (err);
  compare_object (&DOC_TABLE, doc, again, "");
  return again;
}

/* A small cap, so that truncation is exercised too. */
#define FUZZ_MAX_PROBLEMS 8

static void
check_collecting (const char *json, size_t size, const void *doc, const char *err)
{
  struct oci_problems p;
  void *all = jw_parse_document_all (&DOC_TABLE, json, size, DOC_FILE, FUZZ_MAX_PROBLEMS, &p);
  bool found = false;

  if ((doc == NULL) != (p.len > 0))
    fuzz_fail ("collecting mode found %zu problems, the normal parse %s", p.len,
               doc ? "accepted" : err);
  if (p.len > FUZZ_MAX_PROBLEMS || (p.truncated && p.len != FUZZ_MAX_PROBLEMS))
    fuzz_fail ("collecting mode kept %zu problems (cap %d, truncated %d)", p.len,
               FUZZ_MAX_PROBLEMS, (int) p.truncated);
  for (size_t i = 0; i < p.len; i++)
    {
      const char *line = p.items[i].line;
      if (strncmp (line, DOC_FILE ": ", strlen (DOC_FILE ": ")) != 0 || strchr (line, '\n'))
        fuzz_fail ("collecting mode: a bad line: %s", line);
      if (p.items[i].path == NULL || !oci_problems_affect (&p, p.items[i].path))
        fuzz_fail ("collecting mode: a problem without its path: %s", line);
      found = found || (err != NULL && strcmp (line, err) == 0);
    }
  if (doc == NULL && !found)
    fuzz_fail ("collecting mode lost the normal parse's message: %s", err);
  if (doc != NULL)
    {
      if (all == NULL)
        fuzz_fail ("collecting mode refused a valid document");
      compare_object (&DOC_TABLE, doc, all, "");
    }
  jw_free (&DOC_TABLE, all);
  oci_problems_clear (&p);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *json = (const char *) data;
  char *err = NULL;
  void *doc = doc_parse (json, size, &err);
  void *again;
  char *compact, *pretty, *compact2;

  check_collecting (json, size, doc, err);
  if (doc == NULL)
    {
      /* "<file>: <json path>: <problem>" (oci-spec.h). */
      if (err == NULL || strncmp (err, DOC_FILE ": ", strlen (DOC_FILE ": ")) != 0)
        fuzz_fail ("rejected with a bad message: %s", err ? err : "(none)");
      free (err);
      return 0;
    }
  if (err != NULL)
    fuzz_fail ("accepted, with a message: %s", err);
  if (has_nul_escape (json, size))
    fuzz_fail ("accepted a string holding \\u0000: its value was cut at the NUL");

  compact = doc_emit (doc, false);
  again = reparse (doc, compact, false);
  compact2 = doc_emit (again, false);
  if (strcmp (compact, compact2) != 0)
    fuzz_fail ("the emission is not stable\n--- first:\n%s\n--- second:\n%s", compact, compact2);
  jw_free (&DOC_TABLE, again);
  free (compact2);

  pretty = doc_emit (doc, true);
  again = reparse (doc, pretty, true);
  compact2 = doc_emit (again, false);
  if (strcmp (compact, compact2) != 0)
    fuzz_fail ("the pretty emission reads back differently\n--- compact:\n%s\n--- "
               "pretty, re-read:\n%s",
               compact, compact2);
  jw_free (&DOC_TABLE, again);
  free (compact2);
  free (pretty);
  free (compact);
  jw_free (&DOC_TABLE, doc);
  return 0;
}
