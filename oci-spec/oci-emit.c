/* The table-driven emitter: writes any struct described by a field table
 * back as JSON (json-walk.h), plus the public *_to_json entry points. */
#include <config.h>

#include "oci-spec.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-walk.h"

static int
emit_string (yajl_gen g, const char *s)
{
  return yajl_gen_string (g, (const unsigned char *) s, strlen (s));
}

static int
emit_integer (yajl_gen g, enum jw_kind kind, const void *p)
{
  char buf[32];
  int n;
  switch (kind)
    {
    case JW_INT32:
      n = snprintf (buf, sizeof buf, "%" PRId32, *(const int32_t *) p);
      break;
    case JW_UINT32:
      n = snprintf (buf, sizeof buf, "%" PRIu32, *(const uint32_t *) p);
      break;
    case JW_UINT16:
      n = snprintf (buf, sizeof buf, "%" PRIu16, *(const uint16_t *) p);
      break;
    case JW_INT64:
      n = snprintf (buf, sizeof buf, "%" PRId64, *(const int64_t *) p);
      break;
    default:
      n = snprintf (buf, sizeof buf, "%" PRIu64, *(const uint64_t *) p);
      break;
    }
  return yajl_gen_number (g, buf, (size_t) n);
}

static bool
integer_is_zero (enum jw_kind kind, const void *p)
{
  switch (kind)
    {
    case JW_INT32:
    case JW_UINT32:
      return *(const uint32_t *) p == 0;
    case JW_UINT16:
      return *(const uint16_t *) p == 0;
    default:
      return *(const uint64_t *) p == 0;
    }
}

/* Whether a field holds something to write.  Bools without a has_ flag are
 * written only when true (false is their absent value), unless required. */
static bool
field_present (const struct jw_field *f, const void *obj)
{
  const void *p = JW_AT (obj, f->offset, const void);
  if (f->has)
    return *JW_AT (obj, f->has - 1, const bool);
  switch (f->kind)
    {
    case JW_STRING:
    case JW_STRV:
    case JW_OBJECT:
      return *(void *const *) p != NULL;
    case JW_BOOL:
      return *(const bool *) p || (f->flags & JW_REQUIRED);
    case JW_CHAR:
      return *(const char *) p != '\0';
    case JW_UINT32_ARRAY:
    case JW_OBJECT_ARRAY:
    case JW_OBJECT_MAP:
      return *JW_AT (obj, f->count, const size_t) > 0;
    case JW_MAP:
      return ((const struct oci_map *) p)->len > 0;
    case JW_INT32:
    case JW_UINT32:
    case JW_UINT16:
    case JW_INT64:
    case JW_UINT64:
      return !(f->flags & JW_OMIT_ZERO) || !integer_is_zero (f->kind, p);
    default:
      return true;
    }
}

static int
emit_field (yajl_gen g, const struct jw_field *f, const void *obj)
{
  const void *p = JW_AT (obj, f->offset, const void);
  int st = yajl_gen_status_ok;

  switch (f->kind)
    {
    case JW_STRING:
      return emit_string (g, *(char *const *) p);
    case JW_BOOL:
      return yajl_gen_bool (g, *(const bool *) p);
    case JW_INT32:
    case JW_UINT32:
    case JW_UINT16:
    case JW_INT64:
    case JW_UINT64:
      return emit_integer (g, f->kind, p);
    case JW_STRV:
      yajl_gen_array_open (g);
      for (char *const *s = *(char **const *) p; *s && st == yajl_gen_status_ok; s++)
        st = emit_string (g, *s);
      return st != yajl_gen_status_ok ? st : (int) yajl_gen_array_close (g);
    case JW_UINT32_ARRAY:
      yajl_gen_array_open (g);
      for (size_t i = 0; i < *JW_AT (obj, f->count, const size_t) && st == yajl_gen_status_ok; i++)
        st = emit_integer (g, JW_UINT32, *(uint32_t *const *) p + i);
      return st != yajl_gen_status_ok ? st : (int) yajl_gen_array_close (g);
    case JW_ENUM:
      {
        /* A value set by hand may be out of the list: write null, not garbage. */
        int i = *(const int *) p, n = 0;
        while (f->names->names[n] != NULL)
          n++;
        if (i < 0 || i >= n)
          return yajl_gen_null (g);
        return emit_string (g, f->names->names[i]);
      }
    case JW_CHAR:
      {
        char s[2] = { *(const char *) p, '\0' };
        return emit_string (g, s);
      }
    case JW_OBJECT:
      return jw_emit_object (g, f->child, *(void *const *) p);
    case JW_INLINE:
      return jw_emit_object (g, f->child, p);
    case JW_OBJECT_ARRAY:
      {
        const char *elems = *(const char *const *) p;
        yajl_gen_array_open (g);
        for (size_t i = 0; i < *JW_AT (obj, f->count, const size_t) && st == yajl_gen_status_ok;
             i++)
          st = jw_emit_object (g, f->child, elems + i * f->child->size);
        return st != yajl_gen_status_ok ? st : (int) yajl_gen_array_close (g);
      }
    case JW_OBJECT_MAP:
      {
        const char *elems = *(const char *const *) p;
        yajl_gen_map_open (g);
        for (size_t i = 0; i < *JW_AT (obj, f->count, const size_t) && st == yajl_gen_status_ok;
             i++)
          {
            const char *e = elems + i * f->child->size;
            st = emit_string (g, *JW_AT (e, f->child->key - 1, char *const));
            if (st == yajl_gen_status_ok)
              st = jw_emit_object (g, f->child, e);
          }
        return st != yajl_gen_status_ok ? st : (int) yajl_gen_map_close (g);
      }
    case JW_MAP:
      {
        const struct oci_map *m = p;
        yajl_gen_map_open (g);
        for (size_t i = 0; i < m->len && st == yajl_gen_status_ok; i++)
          {
            st = emit_string (g, m->keys[i]);
            if (st == yajl_gen_status_ok)
              st = emit_string (g, m->values[i]);
          }
        return st != yajl_gen_status_ok ? st : (int) yajl_gen_map_close (g);
      }
    }
  return yajl_gen_status_ok;
}

int
jw_emit_object (yajl_gen g, const struct jw_object *t, const void *obj)
{
  int st = yajl_gen_map_open (g);
  for (const struct jw_field *f = t->fields; f->name && st == yajl_gen_status_ok; f++)
    {
      if (!field_present (f, obj))
        continue;
      st = emit_string (g, f->name);
      if (st == yajl_gen_status_ok)
        st = emit_field (g, f, obj);
    }
  return st != yajl_gen_status_ok ? st : (int) yajl_gen_map_close (g);
}

char *
jw_emit_document (const struct jw_object *t, const void *obj, bool pretty, size_t *len)
{
  const unsigned char *buf;
  size_t n;
  char *out = NULL;
  yajl_gen g = yajl_gen_alloc (NULL);

  if (g == NULL)
    return NULL;
  yajl_gen_config (g, yajl_gen_beautify, pretty ? 1 : 0);
  yajl_gen_config (g, yajl_gen_indent_string, "\t");
  if (jw_emit_object (g, t, obj) == yajl_gen_status_ok
      && yajl_gen_get_buf (g, &buf, &n) == yajl_gen_status_ok)
    {
      out = malloc (n + 1);
      if (out != NULL)
        {
          memcpy (out, buf, n);
          out[n] = '\0';
          if (len)
            *len = n;
        }
    }
  yajl_gen_free (g);
  return out;
}

char *
oci_config_to_json (const struct oci_config *c, bool pretty, size_t *len)
{
  return jw_emit_document (&ot_config, c, pretty, len);
}

/* Field order (table order): ociVersion, id, status, pid (left out while
 * 0), bundle, rootfs, created, owner, annotations (left out when empty). */
char *
oci_state_to_json (const struct oci_state *s, bool pretty, size_t *len)
{
  return jw_emit_document (&ot_state, s, pretty, len);
}

char *
oci_process_to_json (const struct oci_process *p, bool pretty, size_t *len)
{
  return jw_emit_document (&ot_process, p, pretty, len);
}

char *
oci_features_to_json (const struct oci_features *f, bool pretty, size_t *len)
{
  return jw_emit_document (&ot_features, f, pretty, len);
}
