/* The portable checkpoint archive (migrate-archive.h): a ustar writer for
 * export and a strict reader for import.
 *
 * Why cove writes and reads the tar itself instead of running tar(1):
 * import must treat the archive as hostile, and the checks that makes
 * safe are easiest to hold when cove creates every entry itself: each one
 * relative to a directory fd opened with O_NOFOLLOW (so a symlink from an
 * earlier entry can never redirect a later one), with O_EXCL, after the
 * name, type, size and total are checked, and with setuid bits dropped.
 * GNU tar protects against some of these only with the right options
 * and version, and would accept hardlinks, devices and sparse files we
 * never write.  The subset here (ustar + pax path/linkpath/size/uid/gid
 * records, types 0/5/2) stays readable by any tar for inspection.
 *
 * The manifest is this module's own small document, read with yajl here
 * rather than through oci-spec's tables (which describe OCI documents). */
#include <config.h>
#include "migrate-archive.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "oci-spec.h"
#include "util.h"

#define BLOCK 512
#define MAX_DEPTH 256        /* path components of an entry, directory depth */
#define MAX_PAX (64u << 10)  /* one pax extended header */
#define MAX_VOLUMES 64

/* ---- common ------------------------------------------------------------- */

struct volume
{
  char *destination; /* in the container */
  char *source;      /* export: the host directory (absolute) */
};

static void
volumes_free (struct volume *v, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    {
      free (v[i].destination);
      free (v[i].source);
    }
  free (v);
}

static bool
mount_is_bind (const struct oci_mount *m)
{
  size_t i;

  if (m->type != NULL && strcmp (m->type, "bind") == 0)
    return true;
  for (i = 0; m->options != NULL && m->options[i] != NULL; i++)
    if (strcmp (m->options[i], "bind") == 0 || strcmp (m->options[i], "rbind") == 0)
      return true;
  return false;
}

/* The last mount at `dest`: the one the container sees. */
static struct oci_mount *
find_mount (const struct oci_config *c, const char *dest)
{
  size_t i;

  for (i = c->n_mounts; i-- > 0;)
    if (strcmp (c->mounts[i].destination, dest) == 0)
      return &c->mounts[i];
  return NULL;
}

/* The annotation's destinations, each checked to be a bind mount of c;
 * sources resolved against bundle (NULL: left NULL). */
static int
marked_volumes (const struct oci_config *c, const char *bundle, struct volume **out, size_t *n,
                rt_error_t *err)
{
  const char *list = oci_map_get (&c->annotations, MIGRATE_VOLUMES_ANNOTATION);
  cleanup_free char *copy = NULL;
  struct volume *v = NULL;
  size_t nv = 0, i;
  char *tok, *save = NULL;

  *out = NULL;
  *n = 0;
  if (list == NULL)
    return 0;
  copy = xstrdup (list);
  for (tok = strtok_r (copy, ",", &save); tok != NULL; tok = strtok_r (NULL, ",", &save))
    {
      const struct oci_mount *m;
      char *end;

      tok += strspn (tok, " \t");
      end = tok + strlen (tok);
      while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
        *--end = '\0';
      if (*tok == '\0')
        continue;
      for (i = 0; i < nv; i++)
        if (strcmp (v[i].destination, tok) == 0)
          break;
      if (i < nv || nv == MAX_VOLUMES)
        {
          volumes_free (v, nv);
          return rt_error_set (err, 0, "annotation `%s`: %s `%s`", MIGRATE_VOLUMES_ANNOTATION,
                               i < nv ? "duplicate volume" : "too many volumes at", tok);
        }
      m = find_mount (c, tok);
      if (m == NULL || !mount_is_bind (m) || m->source == NULL)
        {
          volumes_free (v, nv);
          return rt_error_set (err, 0, "annotation `%s`: `%s` is not a bind mount of the config",
                               MIGRATE_VOLUMES_ANNOTATION, tok);
        }
      v = xrealloc (v, (nv + 1) * sizeof *v);
      v[nv].destination = xstrdup (tok);
      v[nv].source = NULL;
      if (bundle != NULL)
        v[nv].source = m->source[0] == '/' ? xstrdup (m->source)
                                           : xasprintf ("%s/%s", bundle, m->source);
      nv++;
    }
  *out = v;
  *n = nv;
  return 0;
}

/* ---- writing ------------------------------------------------------------ */

struct tar_out
{
  int fd;
  const char *file; /* for messages */
};

static void
put_octal (char *field, size_t size, uint64_t v)
{
  snprintf (field, size, "%0*" PRIo64, (int) size - 1, v);
}

static bool
fits_octal (size_t size, uint64_t v)
{
  return size - 1 >= 22 || v < ((uint64_t) 1 << (3 * (size - 1)));
}

static int
out_write (struct tar_out *o, const void *buf, size_t len, rt_error_t *err)
{
  if (write_all (o->fd, buf, len) < 0)
    return rt_error_set (err, errno, "write `%s`", o->file);
  return 0;
}

static int
out_pad (struct tar_out *o, uint64_t size, rt_error_t *err)
{
  static const char zero[BLOCK];
  size_t rest = (BLOCK - size % BLOCK) % BLOCK;

  return rest ? out_write (o, zero, rest, err) : 0;
}

/* "LEN key=value\n" where LEN counts the whole record, itself included. */
static void
pax_record (char **buf, size_t *len, const char *key, const char *value)
{
  size_t body = strlen (key) + strlen (value) + 3; /* ' ', '=', '\n' */
  size_t total = body + 1, digits;
  char *rec;

  for (;;)
    {
      digits = (size_t) snprintf (NULL, 0, "%zu", total);
      if (body + digits == total)
        break;
      total = body + digits;
    }
  rec = xasprintf ("%zu %s=%s\n", total, key, value);
  *buf = xrealloc (*buf, *len + total + 1);
  memcpy (*buf + *len, rec, total);
  *len += total;
  free (rec);
}

static void
fill_header (char h[BLOCK], const char *name, char type, mode_t mode, uint64_t uid, uint64_t gid,
             uint64_t size, int64_t mtime, const char *link)
{
  unsigned sum = 0;
  size_t i;

  memset (h, 0, BLOCK);
  strncpy (h, name, 99);
  put_octal (h + 100, 8, mode & 07777);
  put_octal (h + 108, 8, fits_octal (8, uid) ? uid : 0);
  put_octal (h + 116, 8, fits_octal (8, gid) ? gid : 0);
  put_octal (h + 124, 12, fits_octal (12, size) ? size : 0);
  put_octal (h + 136, 12, mtime > 0 && fits_octal (12, (uint64_t) mtime) ? (uint64_t) mtime : 0);
  h[156] = type;
  if (link != NULL)
    strncpy (h + 157, link, 99);
  memcpy (h + 257, "ustar", 6);
  memcpy (h + 263, "00", 2);
  memset (h + 148, ' ', 8);
  for (i = 0; i < BLOCK; i++)
    sum += (unsigned char) h[i];
  snprintf (h + 148, 8, "%06o", sum);
}

/* One entry's header, preceded by a pax header when a value does not fit
 * ustar's fields. */
static int
out_header (struct tar_out *o, const char *name, char type, const struct stat *st, uint64_t size,
            const char *link, rt_error_t *err)
{
  cleanup_free char *pax = NULL;
  size_t pax_len = 0;
  char h[BLOCK], num[32];

  if (strlen (name) > 99)
    pax_record (&pax, &pax_len, "path", name);
  if (link != NULL && strlen (link) > 99)
    pax_record (&pax, &pax_len, "linkpath", link);
  if (!fits_octal (8, st->st_uid))
    snprintf (num, sizeof num, "%u", (unsigned) st->st_uid), pax_record (&pax, &pax_len, "uid", num);
  if (!fits_octal (8, st->st_gid))
    snprintf (num, sizeof num, "%u", (unsigned) st->st_gid), pax_record (&pax, &pax_len, "gid", num);
  if (!fits_octal (12, size))
    snprintf (num, sizeof num, "%" PRIu64, size), pax_record (&pax, &pax_len, "size", num);
  if (pax != NULL)
    {
      struct stat none = { .st_mode = 0644 };
      fill_header (h, "././@PaxHeader", 'x', none.st_mode, 0, 0, pax_len, 0, NULL);
      if (out_write (o, h, BLOCK, err) < 0 || out_write (o, pax, pax_len, err) < 0
          || out_pad (o, pax_len, err) < 0)
        return -1;
    }
  fill_header (h, name, type, st->st_mode, st->st_uid, st->st_gid, size, st->st_mtime, link);
  return out_write (o, h, BLOCK, err);
}

static int
out_memory (struct tar_out *o, const char *name, const void *data, size_t len, rt_error_t *err)
{
  struct stat st = { .st_mode = 0644, .st_mtime = time (NULL) };

  if (out_header (o, name, '0', &st, len, NULL, err) < 0 || out_write (o, data, len, err) < 0)
    return -1;
  return out_pad (o, len, err);
}

static int
out_dir_entry (struct tar_out *o, const char *name, const struct stat *st, rt_error_t *err)
{
  cleanup_free char *slashed = xasprintf ("%s/", name);

  return out_header (o, slashed, '5', st, 0, NULL, err);
}

static int
out_file (struct tar_out *o, const char *name, int fd, const struct stat *st, rt_error_t *err)
{
  char buf[65536];
  uint64_t left = (uint64_t) st->st_size;

  if (out_header (o, name, '0', st, left, NULL, err) < 0)
    return -1;
  while (left > 0)
    {
      ssize_t n = read (fd, buf, left < sizeof buf ? left : sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return rt_error_set (err, errno, "read `%s`", name);
      if (n == 0)
        return rt_error_set (err, 0, "`%s` shrank while it was archived", name);
      if (out_write (o, buf, n, err) < 0)
        return -1;
      left -= n;
    }
  return out_pad (o, (uint64_t) st->st_size, err);
}

static int
name_cmp (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The names in dirfd, sorted (a stable archive is easier to check). */
static char **
list_dir (int dirfd, size_t *n, rt_error_t *err)
{
  DIR *d;
  struct dirent *de;
  char **names = NULL;
  int fd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  *n = 0;
  if (fd < 0 || (d = fdopendir (fd)) == NULL)
    {
      rt_error_set (err, errno, "read a directory");
      if (fd >= 0)
        close (fd);
      return NULL;
    }
  while ((errno = 0, de = readdir (d)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      names = xrealloc (names, (*n + 2) * sizeof *names);
      names[(*n)++] = xstrdup (de->d_name);
      names[*n] = NULL;
    }
  closedir (d);
  if (names == NULL)
    names = xzalloc (sizeof *names);
  qsort (names, *n, sizeof *names, name_cmp);
  return names;
}

static void
strv_free (char **v, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    free (v[i]);
  free (v);
}

/* The contents of dirfd under archive name `prefix`.  images: only
 * directories and regular files, plus CRIU's `parent` link to the previous
 * pre-dump, followed and carried as a directory; volumes: symlinks too. */
static int
out_tree (struct tar_out *o, int dirfd, const char *prefix, bool images, unsigned depth,
          rt_error_t *err)
{
  size_t n, i;
  char **names;
  int ret = 0;

  if (depth > MAX_DEPTH)
    return rt_error_set (err, ELOOP, "`%s`: nested too deep", prefix);
  names = list_dir (dirfd, &n, err);
  if (names == NULL)
    return rt_error_wrap (err, "`%s`", prefix);
  for (i = 0; i < n && ret == 0; i++)
    {
      cleanup_free char *name = xasprintf ("%s/%s", prefix, names[i]);
      cleanup_close int fd = -1;
      struct stat st;

      if (fstatat (dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
        {
          ret = rt_error_set (err, errno, "stat `%s`", name);
          break;
        }
      if (S_ISLNK (st.st_mode) && images && strcmp (names[i], "parent") == 0)
        {
          /* Followed once, here, on purpose: CRIU opens images/parent
           * the same way whether it is a link or a directory. */
          fd = openat (dirfd, names[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
          if (fd < 0 || fstat (fd, &st) < 0)
            ret = rt_error_set (err, errno, "open the parent images `%s`", name);
          else
            ret = out_dir_entry (o, name, &st, err);
          if (ret == 0)
            ret = out_tree (o, fd, name, images, depth + 1, err);
        }
      else if (S_ISDIR (st.st_mode))
        {
          fd = openat (dirfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (fd < 0)
            ret = rt_error_set (err, errno, "open `%s`", name);
          else
            ret = out_dir_entry (o, name, &st, err);
          if (ret == 0)
            ret = out_tree (o, fd, name, images, depth + 1, err);
        }
      else if (S_ISREG (st.st_mode))
        {
          fd = openat (dirfd, names[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
          if (fd < 0 || fstat (fd, &st) < 0)
            ret = rt_error_set (err, errno, "open `%s`", name);
          else
            ret = out_file (o, name, fd, &st, err);
        }
      else if (S_ISLNK (st.st_mode) && !images)
        {
          char target[PATH_MAX];
          ssize_t len = readlinkat (dirfd, names[i], target, sizeof target - 1);
          if (len < 0)
            ret = rt_error_set (err, errno, "readlink `%s`", name);
          else
            {
              target[len] = '\0';
              ret = out_header (o, name, '2', &st, 0, target, err);
            }
        }
      else if (S_ISSOCK (st.st_mode) && !images)
        continue; /* bound by a process: it rebinds it after restore */
      else
        ret = rt_error_set (err, 0, "`%s`: %s cannot be carried", name,
                            S_ISLNK (st.st_mode) ? "a symlink in the images"
                                                 : "a device, fifo or socket");
    }
  strv_free (names, n);
  return ret;
}

static char *
json_quote (const char *s)
{
  size_t len = strlen (s), i, o = 0;
  char *q = xmalloc (len * 6 + 3);

  q[o++] = '"';
  for (i = 0; i < len; i++)
    {
      unsigned char c = (unsigned char) s[i];
      if (c == '"' || c == '\\')
        q[o++] = '\\', q[o++] = (char) c;
      else if (c < 0x20)
        o += (size_t) sprintf (q + o, "\\u%04x", c);
      else
        q[o++] = (char) c;
    }
  q[o++] = '"';
  q[o] = '\0';
  return q;
}

static char *
manifest_json (const struct volume *v, size_t n)
{
  char *json = xstrdup ("{\"version\":1,\"volumes\":[");
  size_t i;

  for (i = 0; i < n; i++)
    {
      cleanup_free char *dest = json_quote (v[i].destination);
      char *next = xasprintf ("%s%s{\"destination\":%s,\"dir\":\"%s/%zu\"}", json, i ? "," : "",
                              dest, MIGRATE_VOLUMES_DIR, i);
      free (json);
      json = next;
    }
  {
    char *next = xasprintf ("%s]}\n", json);
    free (json);
    json = next;
  }
  return json;
}

static int
write_archive (struct tar_out *o, const char *config, size_t config_len, int image_fd,
               const struct volume *v, size_t nv, rt_error_t *err)
{
  cleanup_free char *manifest = manifest_json (v, nv);
  static const char zero[2 * BLOCK];
  struct stat st;
  size_t i;

  if (out_memory (o, MIGRATE_MANIFEST, manifest, strlen (manifest), err) < 0
      || out_memory (o, "config.json", config, config_len, err) < 0)
    return -1;
  if (fstat (image_fd, &st) < 0)
    return rt_error_set (err, errno, "stat the image dir");
  if (out_dir_entry (o, "images", &st, err) < 0 || out_tree (o, image_fd, "images", true, 0, err) < 0)
    return -1;
  st.st_mode = S_IFDIR | 0755;
  if (nv > 0 && out_dir_entry (o, MIGRATE_VOLUMES_DIR, &st, err) < 0)
    return -1;
  for (i = 0; i < nv; i++)
    {
      cleanup_free char *name = xasprintf ("%s/%zu", MIGRATE_VOLUMES_DIR, i);
      cleanup_close int fd
          = open (v[i].source, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

      if (fd < 0 || fstat (fd, &st) < 0)
        return rt_error_set (err, errno, "volume `%s`: open the source `%s`", v[i].destination,
                             v[i].source);
      if (out_dir_entry (o, name, &st, err) < 0 || out_tree (o, fd, name, false, 0, err) < 0)
        return rt_error_wrap (err, "volume `%s`", v[i].destination);
    }
  return out_write (o, zero, sizeof zero, err);
}


int
migrate_export (const char *bundle, const char *image_dir, const char *file, rt_error_t *err)
{
  cleanup_free char *abs_bundle = realpath (bundle, NULL);
  cleanup_free char *config_path = NULL;
  cleanup_free char *config = NULL;
  cleanup_free char *tmp = NULL;
  cleanup_free char *errmsg = NULL;
  cleanup_close int image_fd = -1;
  struct oci_config *c;
  struct volume *v = NULL;
  struct tar_out o = { -1, file };
  size_t config_len, nv = 0, i;
  int ret;

  if (abs_bundle == NULL)
    return rt_error_set (err, errno, "bundle `%s`", bundle);
  config_path = xasprintf ("%s/config.json", abs_bundle);
  if (read_file_at (AT_FDCWD, config_path, &config, &config_len, err) < 0)
    return -1;
  c = oci_config_parse_data (config, config_len, "config.json", &errmsg);
  if (c == NULL)
    return rt_error_set (err, 0, "bundle `%s`: %s", bundle, errmsg);
  ret = marked_volumes (c, abs_bundle, &v, &nv, err);
  oci_config_free (c);
  if (ret < 0)
    return -1;
  for (i = 0; i < nv; i++)
    {
      struct stat st;
      int e = stat (v[i].source, &st) < 0 ? errno : S_ISDIR (st.st_mode) ? 0 : ENOTDIR;
      if (e != 0)
        {
          ret = rt_error_set (err, e, "volume `%s`: source `%s`", v[i].destination, v[i].source);
          volumes_free (v, nv);
          return ret;
        }
    }
  image_fd = open (image_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (image_fd < 0)
    {
      volumes_free (v, nv);
      return rt_error_set (err, errno, "image dir `%s`", image_dir);
    }
  tmp = xasprintf ("%s.tmp-%d", file, (int) getpid ());
  o.fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (o.fd < 0)
    {
      volumes_free (v, nv);
      return rt_error_set (err, errno, "create `%s`", tmp);
    }
  ret = write_archive (&o, config, config_len, image_fd, v, nv, err);
  volumes_free (v, nv);
  /* The archive may be the only copy of the container once the source
   * is gone: on disk before it gets its name. */
  if (ret == 0 && fsync (o.fd) < 0)
    ret = rt_error_set (err, errno, "fsync `%s`", tmp);
  if (close (o.fd) < 0 && ret == 0)
    ret = rt_error_set (err, errno, "close `%s`", tmp);
  if (ret == 0 && rename (tmp, file) < 0)
    ret = rt_error_set (err, errno, "rename `%s` to `%s`", tmp, file);
  if (ret < 0)
    {
      (void) unlink (tmp);
      return rt_error_wrap (err, "export `%s`", file);
    }
  return 0;
}

/* ---- reading ------------------------------------------------------------ */

struct tar_in
{
  int fd;
  const char *file;
  uint64_t entries;
  uint64_t bytes; /* file data so far */
};

struct tar_entry
{
  char *path; /* checked (see check_name), no trailing slash */
  char *link; /* symlinks */
  char type;  /* '0', '5' or '2' */
  mode_t mode;
  uid_t uid;
  gid_t gid;
  uint64_t size;
  int64_t mtime;
};

static void
entry_clear (struct tar_entry *e)
{
  free (e->path);
  free (e->link);
  memset (e, 0, sizeof *e);
}

static int
in_read (struct tar_in *in, void *buf, size_t len, rt_error_t *err)
{
  ssize_t n = read_all (in->fd, buf, len);

  if (n < 0)
    return rt_error_set (err, errno, "read `%s`", in->file);
  if ((size_t) n < len)
    return rt_error_set (err, 0, "`%s`: truncated archive", in->file);
  return 0;
}

static int
in_skip_pad (struct tar_in *in, uint64_t size, rt_error_t *err)
{
  char pad[BLOCK];
  size_t rest = (BLOCK - size % BLOCK) % BLOCK;

  return rest ? in_read (in, pad, rest, err) : 0;
}

/* A NUL- or space-terminated octal field; base-256 is not accepted. */
static bool
parse_octal (const char *f, size_t size, uint64_t *out)
{
  uint64_t v = 0;
  size_t i = 0;

  while (i < size && f[i] == ' ')
    i++;
  if (i == size || f[i] < '0' || f[i] > '7')
    return false;
  for (; i < size && f[i] >= '0' && f[i] <= '7'; i++)
    {
      if (v >> 61)
        return false;
      v = v * 8 + (uint64_t) (f[i] - '0');
    }
  for (; i < size; i++)
    if (f[i] != ' ' && f[i] != '\0')
      return false;
  *out = v;
  return true;
}

static bool
parse_decimal (const char *s, uint64_t max, uint64_t *out)
{
  char *end;
  unsigned long long v;

  if (*s < '0' || *s > '9')
    return false;
  errno = 0;
  v = strtoull (s, &end, 10);
  if (errno != 0 || *end != '\0' || v > max)
    return false;
  *out = v;
  return true;
}

/* A relative name of at most MAX_DEPTH components, none empty, `.` or
 * `..`: what can be created component by component under a directory
 * fd without ever leaving it. */
static const char *
check_name (const char *path)
{
  const char *p = path;
  unsigned depth = 0;

  if (*path == '\0')
    return "empty name";
  if (*path == '/')
    return "absolute name";
  if (strlen (path) >= PATH_MAX)
    return "name too long";
  while (*p != '\0')
    {
      size_t len = strcspn (p, "/");
      if (len == 0)
        return "empty component";
      if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
        return "`.` or `..` component";
      if (++depth > MAX_DEPTH)
        return "nested too deep";
      p += len;
      if (*p == '/')
        p++;
    }
  return NULL;
}

struct pax
{
  char *path, *link;
  bool has_size, has_uid, has_gid;
  uint64_t size, uid, gid;
};

static void
pax_clear (struct pax *x)
{
  free (x->path);
  free (x->link);
  memset (x, 0, sizeof *x);
}

/* Records "LEN key=value\n"; unknown keys (atime, comments...) are
 * ignored, GNU sparse files refused. */
static int
parse_pax (struct tar_in *in, char *buf, size_t len, struct pax *x, rt_error_t *err)
{
  size_t off = 0;

  while (off < len)
    {
      char *rec = buf + off, *sp, *eq, *value;
      uint64_t rlen;
      size_t vlen;

      sp = memchr (rec, ' ', len - off);
      if (sp == NULL)
        return rt_error_set (err, 0, "`%s`: bad pax header", in->file);
      *sp = '\0';
      if (!parse_decimal (rec, len - off, &rlen) || rlen <= (uint64_t) (sp - rec) + 2
          || rec[rlen - 1] != '\n')
        return rt_error_set (err, 0, "`%s`: bad pax record length", in->file);
      rec[rlen - 1] = '\0';
      eq = strchr (sp + 1, '=');
      if (eq == NULL)
        return rt_error_set (err, 0, "`%s`: bad pax record", in->file);
      *eq = '\0';
      value = eq + 1;
      vlen = (size_t) (rec + rlen - 1 - value);
      if (memchr (value, '\0', vlen) != NULL)
        return rt_error_set (err, 0, "`%s`: pax record `%s` holds a NUL", in->file, sp + 1);
      if (strcmp (sp + 1, "path") == 0)
        free (x->path), x->path = xstrdup (value);
      else if (strcmp (sp + 1, "linkpath") == 0)
        free (x->link), x->link = xstrdup (value);
      else if (strcmp (sp + 1, "size") == 0)
        x->has_size = parse_decimal (value, UINT64_MAX, &x->size);
      else if (strcmp (sp + 1, "uid") == 0)
        x->has_uid = parse_decimal (value, UINT32_MAX - 1, &x->uid);
      else if (strcmp (sp + 1, "gid") == 0)
        x->has_gid = parse_decimal (value, UINT32_MAX - 1, &x->gid);
      else if (str_has_prefix (sp + 1, "GNU.sparse"))
        return rt_error_set (err, 0, "`%s`: sparse files are not accepted", in->file);
      off += rlen;
    }
  return 0;
}

static char *
field_string (const char *f, size_t size)
{
  size_t len = strnlen (f, size);
  char *s = xmalloc (len + 1);

  memcpy (s, f, len);
  s[len] = '\0';
  return s;
}

/* The next entry: 1, or 0 at the end of the archive, -1 on error.  File
 * data, if any, is to be consumed with in_data/in_skip before the next
 * call. */
static int
tar_next (struct tar_in *in, struct tar_entry *e, rt_error_t *err)
{
  struct pax x = { 0 };
  unsigned char h[BLOCK];
  int ret = -1;

  entry_clear (e);
  for (;;)
    {
      uint64_t sum, size, v;
      unsigned calc = 0;
      size_t i;
      char type;
      const char *why;

      if (in_read (in, h, BLOCK, err) < 0)
        goto out;
      for (i = 0; i < BLOCK && h[i] == 0; i++)
        ;
      if (i == BLOCK)
        {
          if (x.path || x.link || x.has_size)
            rt_error_set (err, 0, "`%s`: a pax header without its entry", in->file);
          else
            ret = 0;
          goto out;
        }
      for (i = 0; i < BLOCK; i++)
        calc += (i >= 148 && i < 156) ? ' ' : h[i];
      if (!parse_octal ((char *) h + 148, 8, &sum) || sum != calc
          || memcmp (h + 257, "ustar", 5) != 0)
        {
          rt_error_set (err, 0, "`%s`: entry %" PRIu64 ": not a ustar header (corrupt archive?)",
                        in->file, in->entries + 1);
          goto out;
        }
      if (++in->entries > MIGRATE_MAX_ENTRIES)
        {
          rt_error_set (err, 0, "`%s`: more than %d entries", in->file, MIGRATE_MAX_ENTRIES);
          goto out;
        }
      type = (char) h[156];
      if (!parse_octal ((char *) h + 124, 12, &size))
        {
          rt_error_set (err, 0, "`%s`: entry %" PRIu64 ": bad size", in->file, in->entries);
          goto out;
        }
      if (type == 'x')
        {
          cleanup_free char *buf = NULL;
          if (size > MAX_PAX)
            {
              rt_error_set (err, 0, "`%s`: pax header over %u bytes", in->file, MAX_PAX);
              goto out;
            }
          buf = xmalloc (size + 1);
          if (in_read (in, buf, size, err) < 0 || in_skip_pad (in, size, err) < 0
              || parse_pax (in, buf, size, &x, err) < 0)
            goto out;
          continue;
        }

      if (x.path != NULL)
        e->path = steal_ptr (&x.path);
      else if (h[345] != '\0')
        {
          cleanup_free char *prefix = field_string ((char *) h + 345, 155);
          cleanup_free char *name = field_string ((char *) h, 100);
          e->path = xasprintf ("%s/%s", prefix, name);
        }
      else
        e->path = field_string ((char *) h, 100);
      i = strlen (e->path);
      if (i > 1 && e->path[i - 1] == '/')
        e->path[i - 1] = '\0';
      e->type = type == '\0' ? '0' : type;
      if (e->type != '0' && e->type != '5' && e->type != '2')
        {
          rt_error_set (err, 0, "archive entry `%s`: type `%c` is not accepted (only files, "
                                "directories and symlinks)",
                        e->path, type >= 0x20 && type < 0x7f ? type : '?');
          goto out;
        }
      why = check_name (e->path);
      if (why != NULL)
        {
          rt_error_set (err, 0, "archive entry `%s`: %s", e->path, why);
          goto out;
        }
      e->size = x.has_size ? x.size : size;
      if (e->type != '0' && e->size != 0)
        {
          rt_error_set (err, 0, "archive entry `%s`: data on a directory or symlink", e->path);
          goto out;
        }
      if (!parse_octal ((char *) h + 100, 8, &v))
        v = 0;
      e->mode = (mode_t) (v & 07777);
      e->uid = x.has_uid ? (uid_t) x.uid : (parse_octal ((char *) h + 108, 8, &v) ? (uid_t) v : 0);
      e->gid = x.has_gid ? (gid_t) x.gid : (parse_octal ((char *) h + 116, 8, &v) ? (gid_t) v : 0);
      e->mtime = parse_octal ((char *) h + 136, 12, &v) ? (int64_t) v : 0;
      if (e->type == '2')
        {
          e->link = x.link ? steal_ptr (&x.link) : field_string ((char *) h + 157, 100);
          if (e->link[0] == '\0' || strlen (e->link) >= PATH_MAX)
            {
              rt_error_set (err, 0, "archive entry `%s`: bad symlink target", e->path);
              goto out;
            }
        }
      in->bytes += e->size;
      if (e->size > MIGRATE_MAX_BYTES || in->bytes > MIGRATE_MAX_BYTES)
        {
          rt_error_set (err, 0, "archive entry `%s`: the archive holds more than %llu bytes",
                        e->path, (unsigned long long) MIGRATE_MAX_BYTES);
          goto out;
        }
      ret = 1;
      goto out;
    }
out:
  pax_clear (&x);
  return ret;
}

/* Copy the entry's data to fd (-1: skip it). */
static int
in_data (struct tar_in *in, const struct tar_entry *e, int fd, rt_error_t *err)
{
  char buf[65536];
  uint64_t left = e->size;

  while (left > 0)
    {
      size_t n = left < sizeof buf ? (size_t) left : sizeof buf;
      if (in_read (in, buf, n, err) < 0)
        return -1;
      if (fd >= 0 && write_all (fd, buf, n) < 0)
        return rt_error_set (err, errno, "archive entry `%s`: write", e->path);
      left -= n;
    }
  return in_skip_pad (in, e->size, err);
}

/* The next entry, which must be the regular file `name` of at most max
 * bytes, read into memory (NUL-terminated, no NUL inside). */
static int
in_small_file (struct tar_in *in, struct tar_entry *e, const char *name, size_t max, char **out,
               rt_error_t *err)
{
  char *buf;
  int ret = tar_next (in, e, err);

  if (ret < 0)
    return -1;
  if (ret == 0 || e->type != '0' || strcmp (e->path, name) != 0)
    return rt_error_set (err, 0, "`%s`: not a cove checkpoint archive (`%s` does not come %s)",
                         in->file, name, strcmp (name, MIGRATE_MANIFEST) == 0 ? "first" : "second");
  if (e->size > max)
    return rt_error_set (err, 0, "archive entry `%s`: over %zu bytes", name, max);
  buf = xmalloc (e->size + 1);
  if (in_read (in, buf, e->size, err) < 0 || in_skip_pad (in, e->size, err) < 0)
    {
      free (buf);
      return -1;
    }
  buf[e->size] = '\0';
  if (strlen (buf) != e->size)
    {
      free (buf);
      return rt_error_set (err, 0, "archive entry `%s`: holds a NUL", name);
    }
  *out = buf;
  return 0;
}

/* ---- import ------------------------------------------------------------- */

static int
parse_manifest (const char *json, struct volume **out, size_t *n, rt_error_t *err)
{
  static const char *const version_path[] = { "version", NULL };
  static const char *const volumes_path[] = { "volumes", NULL };
  static const char *const dest_path[] = { "destination", NULL };
  static const char *const dir_path[] = { "dir", NULL };
  char errbuf[256] = "";
  yajl_val root = yajl_tree_parse (json, errbuf, sizeof errbuf);
  yajl_val version, volumes;
  struct volume *v = NULL;
  size_t i, nv;

  *out = NULL;
  *n = 0;
  if (root == NULL)
    return rt_error_set (err, 0, "archive entry `%s`: %s", MIGRATE_MANIFEST,
                         errbuf[0] ? errbuf : "not JSON");
  version = yajl_tree_get (root, (const char **) version_path, yajl_t_number);
  volumes = yajl_tree_get (root, (const char **) volumes_path, yajl_t_array);
  if (!YAJL_IS_OBJECT (root) || version == NULL || !YAJL_IS_INTEGER (version)
      || YAJL_GET_INTEGER (version) != 1 || volumes == NULL
      || YAJL_GET_ARRAY (volumes)->len > MAX_VOLUMES)
    {
      yajl_tree_free (root);
      return rt_error_set (err, 0, "archive entry `%s`: not version 1 with a `volumes` list",
                           MIGRATE_MANIFEST);
    }
  nv = YAJL_GET_ARRAY (volumes)->len;
  v = xzalloc ((nv + 1) * sizeof *v);
  for (i = 0; i < nv; i++)
    {
      yajl_val item = YAJL_GET_ARRAY (volumes)->values[i];
      yajl_val dest = yajl_tree_get (item, (const char **) dest_path, yajl_t_string);
      yajl_val dir = yajl_tree_get (item, (const char **) dir_path, yajl_t_string);
      cleanup_free char *want = xasprintf ("%s/%zu", MIGRATE_VOLUMES_DIR, i);

      const char *dest_s = dest ? YAJL_GET_STRING (dest) : NULL;
      const char *dir_s = dir ? YAJL_GET_STRING (dir) : NULL;

      if (dest_s == NULL || dir_s == NULL || dest_s[0] != '/' || strcmp (dir_s, want) != 0)
        {
          volumes_free (v, i);
          yajl_tree_free (root);
          return rt_error_set (err, 0, "archive entry `%s`: volumes[%zu] is not "
                                       "{\"destination\": \"/...\", \"dir\": \"%s\"}",
                               MIGRATE_MANIFEST, i, want);
        }
      v[i].destination = xstrdup (dest_s);
    }
  yajl_tree_free (root);
  *out = v;
  *n = nv;
  return 0;
}

/* An O_PATH fd of the directory holding rel's last component, reached
 * from base one component at a time, never through a symlink: a
 * directory must have come from an earlier entry.  *last points into rel. */
static int
open_parent (int base, const char *rel, const char *entry, const char **last, rt_error_t *err)
{
  cleanup_free char *copy = xstrdup (rel);
  char *p = copy, *slash;
  int fd = dup (base);

  if (fd < 0)
    return rt_error_set (err, errno, "dup");
  while ((slash = strchr (p, '/')) != NULL)
    {
      int next;
      *slash = '\0';
      next = openat (fd, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      close (fd);
      if (next < 0)
        return rt_error_set (err, errno == ELOOP ? 0 : errno,
                             "archive entry `%s`: `%s` is not a directory of the archive%s", entry,
                             p, errno == ELOOP || errno == ENOTDIR ? " (a symlink or file)" : "");
      fd = next;
      p = slash + 1;
    }
  *last = rel + (p - copy);
  return fd;
}

/* Ownership is kept only where we may give it (root); setuid and setgid
 * bits are dropped from files (whoever can reach the bundle must not get
 * a privileged binary out of an archive). */
static int
set_attrs (int fd, const struct tar_entry *e, mode_t mode, rt_error_t *err)
{
  if (geteuid () == 0 && fchown (fd, e->uid, e->gid) < 0)
    return rt_error_set (err, errno, "archive entry `%s`: chown", e->path);
  if (fchmod (fd, mode) < 0)
    return rt_error_set (err, errno, "archive entry `%s`: chmod", e->path);
  return 0;
}

static int
extract (struct tar_in *in, int base, const char *rel, const struct tar_entry *e, bool images,
         rt_error_t *err)
{
  const char *last = rel;
  cleanup_close int pfd = open_parent (base, rel, e->path, &last, err);
  cleanup_close int fd = -1;
  struct timespec ts[2] = { { 0, UTIME_OMIT }, { e->mtime, 0 } };

  if (pfd < 0)
    return -1;
  switch (e->type)
    {
    case '5':
      if (mkdirat (pfd, last, 0700) < 0)
        return rt_error_set (err, errno, "archive entry `%s`: mkdir", e->path);
      fd = openat (pfd, last, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        return rt_error_set (err, errno, "archive entry `%s`: open", e->path);
      /* Not root: keep the right to fill it. */
      return set_attrs (fd, e, (e->mode & 03777) | (geteuid () ? S_IRWXU : 0), err);
    case '0':
      fd = openat (pfd, last, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd < 0)
        return rt_error_set (err, errno, "archive entry `%s`: create", e->path);
      if (in_data (in, e, fd, err) < 0 || set_attrs (fd, e, e->mode & 01777, err) < 0)
        return -1;
      (void) futimens (fd, ts);
      return 0;
    default: /* '2' */
      if (images)
        return rt_error_set (err, 0, "archive entry `%s`: a symlink in the images", e->path);
      if (symlinkat (e->link, pfd, last) < 0)
        return rt_error_set (err, errno, "archive entry `%s`: symlink", e->path);
      if (geteuid () == 0 && fchownat (pfd, last, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
        return rt_error_set (err, errno, "archive entry `%s`: chown", e->path);
      (void) utimensat (pfd, last, ts, AT_SYMLINK_NOFOLLOW);
      return 0;
    }
}

/* "volumes/<n>" and below: n must be a volume of the manifest, written
 * as export writes it (no sign, no leading zero). */
static int
volume_rel (const char *path, size_t nv, const char **rel)
{
  const char *p = path + strlen (MIGRATE_VOLUMES_DIR) + 1;
  size_t len = strcspn (p, "/");
  uint64_t n;
  char num[24];

  if (len == 0 || len >= sizeof num || (len > 1 && p[0] == '0'))
    return -1;
  memcpy (num, p, len);
  num[len] = '\0';
  if (!parse_decimal (num, nv, &n) || n >= nv)
    return -1;
  *rel = p;
  return 0;
}

static void
remove_children (int dirfd, unsigned depth)
{
  size_t n, i;
  rt_error_t err = NULL;
  char **names = list_dir (dirfd, &n, &err);

  rt_error_free (&err);
  if (names == NULL)
    return;
  for (i = 0; i < n; i++)
    if (unlinkat (dirfd, names[i], 0) < 0 && (errno == EISDIR || errno == EPERM))
      {
        int fd = openat (dirfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0 && depth < MAX_DEPTH + 2)
          remove_children (fd, depth + 1);
        if (fd >= 0)
          close (fd);
        (void) unlinkat (dirfd, names[i], AT_REMOVEDIR);
      }
  strv_free (names, n);
}

struct import
{
  struct tar_in in;
  char *bundle; /* absolute */
  int bundle_fd;
  int volumes_fd; /* bundle/volumes, -1 until made */
  int image_fd;
  bool image_created;
  const char *image_dir;
  struct volume *v;
  size_t nv;
  struct oci_config *config;
};

/* The config from the archive, checked against the manifest and the new
 * bundle, with the volume sources moved into it: as JSON. */
static char *
rewrite_config (struct import *im, const char *json, rt_error_t *err)
{
  cleanup_free char *errmsg = NULL;
  struct volume *cv = NULL;
  size_t ncv = 0, i, len;
  struct stat st;
  char *out;

  im->config = oci_config_parse_data (json, strlen (json), "config.json", &errmsg);
  if (im->config == NULL)
    return rt_error_set (err, 0, "archive entry `config.json`: %s", errmsg), NULL;
  if (im->config->root == NULL || im->config->root->path == NULL)
    return rt_error_set (err, 0, "archive entry `config.json`: no root.path"), NULL;
  if (fstatat (im->bundle_fd, im->config->root->path, &st, 0) < 0 || !S_ISDIR (st.st_mode))
    return rt_error_set (err, 0,
                         "bundle `%s` has no rootfs `%s`: the archive does not carry the rootfs, "
                         "put the image there first",
                         im->bundle, im->config->root->path),
           NULL;
  if (marked_volumes (im->config, NULL, &cv, &ncv, err) < 0)
    return rt_error_wrap (err, "archive entry `config.json`"), NULL;
  for (i = 0; i < ncv && ncv == im->nv; i++)
    if (strcmp (cv[i].destination, im->v[i].destination) != 0)
      break;
  volumes_free (cv, ncv);
  if (ncv != im->nv || i != ncv)
    return rt_error_set (err, 0, "archive: the volumes of `%s` and `config.json` differ",
                         MIGRATE_MANIFEST),
           NULL;
  for (i = 0; i < im->nv; i++)
    {
      struct oci_mount *m = find_mount (im->config, im->v[i].destination);
      free (m->source);
      m->source = xasprintf ("%s/%s/%zu", im->bundle, MIGRATE_VOLUMES_DIR, i);
    }
  out = oci_config_to_json (im->config, true, &len);
  if (out == NULL)
    oom ();
  return out;
}

static int
open_targets (struct import *im, rt_error_t *err)
{
  size_t n;
  char **names;

  if (mkdirat (im->bundle_fd, MIGRATE_VOLUMES_DIR, 0755) < 0)
    return rt_error_set (err, errno, "create `%s/%s`", im->bundle, MIGRATE_VOLUMES_DIR);
  im->volumes_fd = openat (im->bundle_fd, MIGRATE_VOLUMES_DIR,
                           O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (im->volumes_fd < 0)
    return rt_error_set (err, errno, "open `%s/%s`", im->bundle, MIGRATE_VOLUMES_DIR);
  if (mkdir (im->image_dir, 0700) == 0)
    im->image_created = true;
  else if (errno != EEXIST)
    return rt_error_set (err, errno, "create the image dir `%s`", im->image_dir);
  im->image_fd = open (im->image_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (im->image_fd < 0)
    return rt_error_set (err, errno, "open the image dir `%s`", im->image_dir);
  names = list_dir (im->image_fd, &n, err);
  if (names == NULL)
    return rt_error_wrap (err, "image dir `%s`", im->image_dir);
  strv_free (names, n);
  if (n > 0 && !im->image_created)
    {
      close (im->image_fd);
      im->image_fd = -1; /* not ours to clean */
      return rt_error_set (err, ENOTEMPTY, "image dir `%s`", im->image_dir);
    }
  return 0;
}

static int
extract_all (struct import *im, rt_error_t *err)
{
  struct tar_entry e = { 0 };
  size_t vlen = strlen (MIGRATE_VOLUMES_DIR);
  int ret;

  while ((ret = tar_next (&im->in, &e, err)) > 0)
    {
      const char *rel;

      if (strcmp (e.path, "images") == 0 && e.type == '5')
        continue;
      if (strcmp (e.path, MIGRATE_VOLUMES_DIR) == 0 && e.type == '5')
        continue;
      if (str_has_prefix (e.path, "images/"))
        ret = extract (&im->in, im->image_fd, e.path + 7, &e, true, err);
      else if (strncmp (e.path, MIGRATE_VOLUMES_DIR, vlen) == 0 && e.path[vlen] == '/'
               && volume_rel (e.path, im->nv, &rel) == 0)
        ret = extract (&im->in, im->volumes_fd, rel, &e, false, err);
      else
        ret = rt_error_set (err, 0, "archive entry `%s`: unexpected (not in images/ or in a "
                                    "volume of the manifest)",
                            e.path);
      if (ret < 0)
        break;
    }
  entry_clear (&e);
  return ret;
}

int
migrate_import (const char *file, const char *new_bundle, const char *image_dir,
                rt_error_t *err)
{
  struct import im = { .in = { -1, file, 0, 0 }, .bundle_fd = -1, .volumes_fd = -1,
                       .image_fd = -1, .image_dir = image_dir };
  struct tar_entry e = { 0 };
  cleanup_free char *manifest = NULL;
  cleanup_free char *config = NULL;
  cleanup_free char *json = NULL;
  int ret = -1;

  im.bundle = realpath (new_bundle, NULL);
  if (im.bundle == NULL)
    return rt_error_set (err, errno, "bundle `%s`", new_bundle);
  im.bundle_fd = open (im.bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
  im.in.fd = open (file, O_RDONLY | O_CLOEXEC);
  if (im.bundle_fd < 0)
    rt_error_set (err, errno, "bundle `%s`", new_bundle);
  else if (im.in.fd < 0)
    rt_error_set (err, errno, "open `%s`", file);
  else if (faccessat (im.bundle_fd, MIGRATE_VOLUMES_DIR, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    rt_error_set (err, EEXIST, "`%s/%s` (import into a bundle without it)", im.bundle,
                  MIGRATE_VOLUMES_DIR);
  else if (in_small_file (&im.in, &e, MIGRATE_MANIFEST, MIGRATE_MAX_MANIFEST, &manifest, err) == 0
           && parse_manifest (manifest, &im.v, &im.nv, err) == 0
           && in_small_file (&im.in, &e, "config.json", MIGRATE_MAX_CONFIG, &config, err) == 0
           && (json = rewrite_config (&im, config, err)) != NULL
           && open_targets (&im, err) == 0 && extract_all (&im, err) == 0)
    ret = write_file_atomic_at (im.bundle_fd, "config.json", json, strlen (json), 0644, err);

  if (ret < 0)
    {
      if (im.volumes_fd >= 0)
        {
          remove_children (im.volumes_fd, 0);
          (void) unlinkat (im.bundle_fd, MIGRATE_VOLUMES_DIR, AT_REMOVEDIR);
        }
      if (im.image_fd >= 0)
        remove_children (im.image_fd, 0);
      if (im.image_created)
        (void) rmdir (image_dir);
      rt_error_wrap (err, "import `%s`", file);
    }
  entry_clear (&e);
  volumes_free (im.v, im.nv);
  oci_config_free (im.config);
  free (im.bundle);
  if (im.bundle_fd >= 0)
    close (im.bundle_fd);
  if (im.volumes_fd >= 0)
    close (im.volumes_fd);
  if (im.image_fd >= 0)
    close (im.image_fd);
  if (im.in.fd >= 0)
    close (im.in.fd);
  return ret;
}
