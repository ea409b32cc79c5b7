/* Migration helpers of the shim: the request, the archive work in a
 * child, cleanup of a migration's files, the status record. */
#include <config.h>
#include "migrate.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate-archive.h"
#include "util.h"

int
migrate_req_parse (char *const *words, size_t n, struct migrate_req *r, rt_error_t *err)
{
  size_t i;

  memset (r, 0, sizeof *r);
  r->pre_dumps = 1;
  for (i = 0; i < n; i += 2) /* each word with its value */
    {
      const char *w = words[i], *val = i + 1 < n ? words[i + 1] : NULL;

      if (strcmp (w, "--pre-dumps") == 0 && val != NULL)
        {
          char *end;
          long v = strtol (val, &end, 10);
          if (*val == '\0' || *end != '\0' || v < 0 || v > MIGRATE_MAX_PRE_DUMPS)
            return migrate_req_clear (r),
                   rt_error_set (err, 0, "migrate: --pre-dumps `%s`: 0 to %d", val,
                                 MIGRATE_MAX_PRE_DUMPS);
          r->pre_dumps = (unsigned) v;
        }
      else if ((strcmp (w, "--export") == 0 || strcmp (w, "--to") == 0) && val != NULL)
        {
          if (r->export_file != NULL || r->to_bundle != NULL)
            return migrate_req_clear (r),
                   rt_error_set (err, 0, "migrate: %s: --export and --to exclude each other, and each comes once", w);
          if (val[0] != '/')
            return migrate_req_clear (r),
                   rt_error_set (err, 0, "migrate: %s `%s`: not an absolute path", w, val);
          if (w[2] == 'e')
            r->export_file = xstrdup (val);
          else
            r->to_bundle = xstrdup (val);
        }
      else
        return migrate_req_clear (r),
               rt_error_set (err, 0,
                             "migrate: unknown or incomplete `%s` (--pre-dumps N, "
                             "--export FILE, --to BUNDLE)",
                             w);
    }
  return 0;
}

void
migrate_req_clear (struct migrate_req *r)
{
  free (r->export_file);
  free (r->to_bundle);
  r->export_file = r->to_bundle = NULL;
}

char *
migrate_join (char *const *words, size_t n, rt_error_t *err)
{
  char *line = xstrdup ("");
  size_t i;

  for (i = 0; i < n; i++)
    {
      char *next;
      if (strpbrk (words[i], "\t\n\r") != NULL)
        {
          free (line);
          return rt_error_set (err, 0, "`%s`: tabs and newlines cannot be sent", words[i]), NULL;
        }
      next = xasprintf ("%s%s%s", line, i ? "\t" : "", words[i]);
      free (line);
      line = next;
    }
  return line;
}

size_t
migrate_split (char *line, char **words, size_t max)
{
  size_t n = 0;
  char *p = line;

  while (n < max)
    {
      words[n++] = p;
      p = strchr (p, '\t');
      if (p == NULL)
        break;
      *p++ = '\0';
    }
  return n;
}

/* ---- the archive work in a child ----------------------------------------- */

static void __attribute__ ((noreturn))
child_report (int ret, rt_error_t *err, const char *errlog)
{
  if (ret < 0)
    {
      cleanup_free char *text = rt_error_text (*err);
      cleanup_free char *line = xasprintf ("migrate error: %s\n", text);
      int fd = open (errlog, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
      if (fd >= 0)
        {
          (void) write_all (fd, line, strlen (line));
          close (fd);
        }
      _exit (1);
    }
  _exit (0);
}

/* The child runs with default signals: the shim blocks SIGCHLD and
 * friends for its signalfd. */
static pid_t
fork_child (rt_error_t *err)
{
  pid_t pid = fork ();
  sigset_t none;

  if (pid < 0)
    return rt_error_set (err, errno, "fork");
  if (pid == 0)
    {
      sigemptyset (&none);
      sigprocmask (SIG_SETMASK, &none, NULL);
      signal (SIGPIPE, SIG_DFL);
    }
  return pid;
}

pid_t
migrate_spawn_export (const char *bundle, const char *images, const char *file,
                      const char *errlog, rt_error_t *err)
{
  pid_t pid = fork_child (err);

  if (pid == 0)
    {
      rt_error_t e = NULL;
      child_report (migrate_export (bundle, images, file, &e), &e, errlog);
    }
  return pid;
}

pid_t
migrate_spawn_import (const char *file, const char *bundle, const char *images,
                      const char *errlog, rt_error_t *err)
{
  pid_t pid = fork_child (err);

  if (pid == 0)
    {
      rt_error_t e = NULL;
      child_report (migrate_import (file, bundle, images, &e), &e, errlog);
    }
  return pid;
}

/* ---- cleanup --------------------------------------------------------------- */

static void
remove_below (int dirfd, unsigned depth)
{
  DIR *d;
  struct dirent *de;
  int fd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0 || (d = fdopendir (fd)) == NULL)
    {
      if (fd >= 0)
        close (fd);
      return;
    }
  while ((de = readdir (d)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (unlinkat (dirfd, de->d_name, 0) == 0 || (errno != EISDIR && errno != EPERM))
        continue;
      fd = openat (dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd >= 0)
        {
          if (depth < 512)
            remove_below (fd, depth + 1);
          close (fd);
        }
      (void) unlinkat (dirfd, de->d_name, AT_REMOVEDIR);
    }
  closedir (d);
}

void
migrate_remove_dir (const char *dir)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

  if (fd < 0)
    return;
  remove_below (fd, 0);
  close (fd);
  (void) rmdir (dir);
}

/* ---- status -------------------------------------------------------------- */

static void
put_string (FILE *f, const char *s)
{
  if (s == NULL)
    {
      fputs ("null", f);
      return;
    }
  fputc ('"', f);
  for (; *s; s++)
    {
      unsigned char c = (unsigned char) *s;
      if (c == '"' || c == '\\')
        fprintf (f, "\\%c", c);
      else if (c < 0x20)
        fprintf (f, "\\u%04x", c);
      else
        fputc (c, f);
    }
  fputc ('"', f);
}

char *
migrate_status_json (char *json, const struct migrate_record *m)
{
  char *out = NULL;
  size_t len = 0, jl = strlen (json);
  FILE *f;

  while (jl > 0 && (json[jl - 1] == '\n' || json[jl - 1] == '}'))
    if (json[--jl] == '}')
      break;
  f = open_memstream (&out, &len);
  if (f == NULL)
    oom ();
  fwrite (json, 1, jl, f);
  fputs (",\"migration\":{\"state\":", f);
  put_string (f, m->state);
  fputs (",\"kind\":", f);
  put_string (f, m->kind);
  fprintf (f,
           ",\"pre_dumps\":%u,\"incremental\":%s,\"pre_dump_ms\":%llu,\"dump_ms\":%llu,\"restore_ms\":%llu,"
           "\"downtime_ms\":%llu,\"error\":",
           m->pre_dumps, m->incremental ? "true" : "false", (unsigned long long) m->pre_dump_ms, (unsigned long long) m->dump_ms,
           (unsigned long long) m->restore_ms, (unsigned long long) m->downtime_ms);
  put_string (f, m->error);
  fputs ("}}\n", f);
  if (fclose (f) != 0)
    oom ();
  free (json);
  return out;
}
