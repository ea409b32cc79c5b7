/* The checkpoint descriptor (CHECKPOINT_DESCRIPTOR in an image dir):
 * text, a magic line then one record a line, fields separated by tabs
 * and %-escaped; and reading mountinfo, whose fields are \ooo-escaped. */
#include <config.h>
#include "checkpoint-descriptor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint.h"
#include "util.h"

#define DESCRIPTOR_MAGIC "cove-descriptor 1"

/* %-escape tabs, newlines and '%' of a descriptor field. */
static void
put_field (FILE *f, const char *s)
{
  putc ('\t', f);
  for (; s && *s; s++)
    if (*s == '%' || *s == '\t' || *s == '\n')
      fprintf (f, "%%%02x", (unsigned char) *s);
    else
      putc (*s, f);
}

static void
put_line (FILE *f, const char *key, const char *value)
{
  fputs (key, f);
  put_field (f, value);
  putc ('\n', f);
}

static char *
unescape_field (const char *s, size_t len)
{
  char *out = xmalloc (len + 1), *o = out;
  size_t i;

  for (i = 0; i < len; i++)
    {
      unsigned v;
      if (s[i] == '%' && i + 2 < len && sscanf (s + i + 1, "%2x", &v) == 1)
        {
          *o++ = (char) v;
          i += 2;
        }
      else
        *o++ = s[i];
    }
  *o = '\0';
  return out;
}

/* mountinfo escapes blanks and backslashes as \ooo. */
static char *
unescape_octal (const char *s)
{
  char *out = xmalloc (strlen (s) + 1), *o = out;

  while (*s)
    {
      if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0'
          && s[3] <= '7')
        {
          *o++ = (char) ((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
          s += 4;
        }
      else
        *o++ = *s++;
    }
  *o = '\0';
  return out;
}


/* ---- mountinfo --------------------------------------------------------- */

void
ckpt_minfo_free (struct ckpt_minfo *m, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    {
      free (m[i].root);
      free (m[i].mnt);
      free (m[i].fstype);
    }
  free (m);
}

int
ckpt_minfo_read (const char *path, struct ckpt_minfo **out, size_t *n, rt_error_t *err)
{
  cleanup_free char *data = NULL;
  struct ckpt_minfo *v = NULL;
  size_t k = 0;
  char *line, *next;

  if (read_file_at (AT_FDCWD, path, &data, NULL, err) < 0)
    return -1;
  for (line = data; line && *line; line = next)
    {
      char root[PATH_MAX * 4], mnt[PATH_MAX * 4], fstype[256];
      struct ckpt_minfo m = { 0 };
      const char *sep;

      next = strchr (line, '\n');
      if (next)
        *next++ = '\0';
      sep = strstr (line, " - ");
      if (sep == NULL
          || sscanf (line, "%d %d %u:%u %4095s %4095s", &m.id, &m.parent, &m.major, &m.minor, root,
                     mnt)
                 != 6
          || sscanf (sep + 3, "%255s", fstype) != 1)
        continue;
      m.root = unescape_octal (root);
      m.mnt = unescape_octal (mnt);
      m.fstype = xstrdup (fstype);
      v = xrealloc (v, (k + 1) * sizeof *v);
      v[k++] = m;
    }
  *out = v;
  *n = k;
  return 0;
}

/* Whether path `p` is `prefix` or below it. */
bool
ckpt_path_under (const char *p, const char *prefix)
{
  size_t l = strlen (prefix);

  if (strcmp (prefix, "/") == 0)
    return true;
  return strncmp (p, prefix, l) == 0 && (p[l] == '\0' || p[l] == '/');
}

/* prefix + (p minus root): where p of a filesystem mounted (root) at
 * prefix is seen. */
char *
ckpt_rebase (const char *prefix, const char *root, const char *p)
{
  const char *rest = strcmp (root, "/") == 0 ? p : p + strlen (root);

  if (*rest == '\0')
    return xstrdup (prefix);
  if (strcmp (prefix, "/") == 0)
    return xstrdup (rest);
  return xasprintf ("%s%s", prefix, rest);
}


/* ---- the descriptor ----------------------------------------------------- */

void
ckpt_descriptor_clear (struct ckpt_descriptor *d)
{
  size_t i;

  free (d->id);
  free (d->bundle);
  free (d->cgroup_path);
  for (i = 0; i < 3; i++)
    free (d->stdio[i]);
  free (d->console);
  free (d->netns_key);
  free (d->pidns_key);
  for (i = 0; i < d->n_mounts; i++)
    {
      free (d->mounts[i].key);
      free (d->mounts[i].dest);
      free (d->mounts[i].fstype);
      free (d->mounts[i].root);
      free (d->mounts[i].host_src);
    }
  free (d->mounts);
  for (i = 0; i < d->n_files; i++)
    {
      free (d->files[i].key);
      free (d->files[i].path);
    }
  free (d->files);
  memset (d, 0, sizeof *d);
}

int
ckpt_descriptor_write (int dirfd, const struct ckpt_descriptor *d, rt_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0, i;
  FILE *f = open_memstream (&buf, &len);

  if (f == NULL)
    oom ();
  fprintf (f, "%s\n", DESCRIPTOR_MAGIC);
  put_line (f, "id", d->id);
  put_line (f, "bundle", d->bundle);
  put_line (f, "cgroup", d->cgroup_path);
  fprintf (f, "flags\t%s%s%s%s%s%s\n", d->shell_job ? "shell-job," : "",
           d->empty_netns ? "empty-netns," : "", d->terminal ? "terminal," : "",
           d->tcp_established ? "tcp-established," : "", d->ext_unix_sk ? "ext-unix-sk," : "",
           d->file_locks ? "file-locks," : "");
  for (i = 0; i < 3; i++)
    if (d->stdio[i])
      {
        fprintf (f, "stdio\t%zu", i);
        put_field (f, d->stdio[i]);
        putc ('\n', f);
      }
  if (d->console)
    put_line (f, "console", d->console);
  if (d->netns_key)
    put_line (f, "netns", d->netns_key);
  if (d->pidns_key)
    put_line (f, "pidns", d->pidns_key);
  for (i = 0; i < d->n_mounts; i++)
    {
      const struct ckpt_ext_mount *m = &d->mounts[i];
      fputs ("mount", f);
      put_field (f, m->key);
      put_field (f, m->dest);
      put_field (f, m->fstype);
      put_field (f, m->root);
      put_field (f, m->host_src);
      fprintf (f, "\t%s%s\n", m->on_root ? "on-root," : "", m->is_dir ? "dir," : "");
    }
  for (i = 0; i < d->n_files; i++)
    {
      fputs ("file", f);
      put_field (f, d->files[i].key);
      put_field (f, d->files[i].path);
      fprintf (f, "\t%o\n", (unsigned) d->files[i].flags);
    }
  if (fclose (f) != 0)
    oom ();
  return write_file_atomic_at (dirfd, CHECKPOINT_DESCRIPTOR, buf, len, 0600, err);
}

/* Splits a descriptor line into at most max %-unescaped fields. */
static size_t
split_fields (char *line, char **fields, size_t max)
{
  size_t n = 0;
  char *p = line;

  while (n < max)
    {
      char *tab = strchr (p, '\t');
      size_t len = tab ? (size_t) (tab - p) : strlen (p);
      fields[n++] = unescape_field (p, len);
      if (tab == NULL)
        break;
      p = tab + 1;
    }
  return n;
}

int
ckpt_descriptor_read (int dirfd, const char *image_path, struct ckpt_descriptor *d,
                      rt_error_t *err)
{
  cleanup_free char *data = NULL;
  char *line, *next;

  memset (d, 0, sizeof *d);
  if (read_file_at (dirfd, CHECKPOINT_DESCRIPTOR, &data, NULL, err) < 0)
    {
      if ((*err)->errnum == ENOENT)
        {
          rt_error_free (err);
          return rt_error_set (err, 0,
                               "--image-path: `%s` holds no checkpoint of cove (no %s)",
                               image_path, CHECKPOINT_DESCRIPTOR);
        }
      return -1;
    }
  if (!str_has_prefix (data, DESCRIPTOR_MAGIC "\n"))
    return rt_error_set (err, 0, "--image-path: `%s/%s` is not a descriptor of this cove",
                         image_path, CHECKPOINT_DESCRIPTOR);
  for (line = strchr (data, '\n') + 1; *line; line = next)
    {
      char *f[7] = { NULL };
      size_t n, i;

      next = strchr (line, '\n');
      if (next)
        *next++ = '\0';
      else
        next = line + strlen (line);
      n = split_fields (line, f, 7);
      if (strcmp (f[0], "id") == 0 && n > 1)
        d->id = steal_ptr (&f[1]);
      else if (strcmp (f[0], "bundle") == 0 && n > 1)
        d->bundle = steal_ptr (&f[1]);
      else if (strcmp (f[0], "cgroup") == 0 && n > 1)
        d->cgroup_path = steal_ptr (&f[1]);
      else if (strcmp (f[0], "flags") == 0 && n > 1)
        {
          d->shell_job = strstr (f[1], "shell-job,") != NULL;
          d->empty_netns = strstr (f[1], "empty-netns,") != NULL;
          d->terminal = strstr (f[1], "terminal,") != NULL;
          d->tcp_established = strstr (f[1], "tcp-established,") != NULL;
          d->ext_unix_sk = strstr (f[1], "ext-unix-sk,") != NULL;
          d->file_locks = strstr (f[1], "file-locks,") != NULL;
        }
      else if (strcmp (f[0], "stdio") == 0 && n > 2 && f[1][0] >= '0' && f[1][0] <= '2')
        d->stdio[f[1][0] - '0'] = steal_ptr (&f[2]);
      else if (strcmp (f[0], "console") == 0 && n > 1)
        d->console = steal_ptr (&f[1]);
      else if (strcmp (f[0], "netns") == 0 && n > 1)
        d->netns_key = steal_ptr (&f[1]);
      else if (strcmp (f[0], "pidns") == 0 && n > 1)
        d->pidns_key = steal_ptr (&f[1]);
      else if (strcmp (f[0], "mount") == 0 && n == 7)
        {
          struct ckpt_ext_mount *m;
          d->mounts = xrealloc (d->mounts, (d->n_mounts + 1) * sizeof *d->mounts);
          m = &d->mounts[d->n_mounts++];
          m->key = steal_ptr (&f[1]);
          m->dest = steal_ptr (&f[2]);
          m->fstype = steal_ptr (&f[3]);
          m->root = steal_ptr (&f[4]);
          m->host_src = steal_ptr (&f[5]);
          m->on_root = strstr (f[6], "on-root,") != NULL;
          m->is_dir = strstr (f[6], "dir,") != NULL;
        }
      else if (strcmp (f[0], "file") == 0 && n == 4)
        {
          struct ckpt_ext_file *e;
          d->files = xrealloc (d->files, (d->n_files + 1) * sizeof *d->files);
          e = &d->files[d->n_files++];
          e->key = steal_ptr (&f[1]);
          e->path = steal_ptr (&f[2]);
          e->flags = (int) strtol (f[3], NULL, 8);
        }
      for (i = 0; i < n; i++)
        free (f[i]);
    }
  if (d->id == NULL)
    return rt_error_set (err, 0, "--image-path: `%s/%s` has no id", image_path,
                         CHECKPOINT_DESCRIPTOR);
  return 0;
}

