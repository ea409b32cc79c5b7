/* `cove spec` flags → struct oci_config: the default template parsed, then
 * each Docker-style flag applied in turn; and the /etc files of the bundle.
 * Pure code but for spec_device_stat. */
#include <config.h>
#include "spec-builder.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "process-attrs.h"
#include "spec.h"
#include "util.h"

/* The CFS period docker run uses for --cpus, in microseconds. */
#define CPU_PERIOD 100000

/* ---- string vectors (NULL-terminated, every string owned) --------------- */

static bool
strv_has (char *const *v, const char *s)
{
  for (; v && *v; v++)
    if (strcmp (*v, s) == 0)
      return true;
  return false;
}

static void
strv_push (char ***v, const char *s)
{
  size_t n = *v ? strv_len (*v) : 0;

  *v = xrealloc (*v, (n + 2) * sizeof **v);
  (*v)[n] = xstrdup (s);
  (*v)[n + 1] = NULL;
}

static void
strv_free (char **v)
{
  size_t i;

  for (i = 0; v && v[i]; i++)
    free (v[i]);
  free (v);
}

static char **
strv_copy (char *const *v)
{
  char **out = xzalloc (sizeof *out);
  for (; v && *v; v++)
    strv_push (&out, *v);
  return out;
}

/* A growing text, for the /etc files. */
static void
text_add (char **t, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
static void
text_add (char **t, const char *fmt, ...)
{
  cleanup_free char *piece = NULL;
  char *next;
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&piece, fmt, ap) < 0)
    oom ();
  va_end (ap);
  next = xasprintf ("%s%s", *t ? *t : "", piece);
  free (*t);
  *t = next;
}

/* ---- single values -------------------------------------------------------- */

int
spec_parse_bytes (const char *s, int64_t *out)
{
  char *end;
  unsigned long long v;
  int shift = 0;

  if (s == NULL || !isdigit ((unsigned char) s[0]))
    return -1;
  errno = 0;
  v = strtoull (s, &end, 10);
  if (errno)
    return -1;
  switch (tolower ((unsigned char) *end))
    {
    case '\0':
      break;
    case 'b':
      end++;
      break;
    case 'k':
      shift = 10;
      break;
    case 'm':
      shift = 20;
      break;
    case 'g':
      shift = 30;
      break;
    case 't':
      shift = 40;
      break;
    default:
      return -1;
    }
  if (shift)
    {
      end++;
      /* "512m" and "512mb" alike, as docker run takes them. */
      if (tolower ((unsigned char) *end) == 'b')
        end++;
    }
  if (*end != '\0' || v > (unsigned long long) INT64_MAX >> shift)
    return -1;
  *out = (int64_t) (v << shift);
  return 0;
}

int
spec_parse_cpus (const char *s, int64_t *quota, uint64_t *period)
{
  char *end;
  double v;

  if (s == NULL || !(isdigit ((unsigned char) s[0]) || s[0] == '.'))
    return -1;
  errno = 0;
  v = strtod (s, &end);
  if (errno || *end != '\0' || v <= 0 || v > 1e6)
    return -1;
  *quota = (int64_t) (v * CPU_PERIOD + 0.5);
  *period = CPU_PERIOD;
  /* The kernel takes no quota below 1 ms. */
  return *quota < 1000 ? -1 : 0;
}

char *
spec_cap_canonical (const char *name)
{
  cleanup_free char *up = xstrdup (name);
  char *p;

  for (p = up; *p; p++)
    *p = (char) toupper ((unsigned char) *p);
  if (strcmp (up, "ALL") == 0)
    return steal_ptr (&up);
  if (!str_has_prefix (up, "CAP_"))
    {
      char *full = xasprintf ("CAP_%s", up);
      free (up);
      up = full;
    }
  if (caps_from_name (up) < 0)
    return NULL;
  return steal_ptr (&up);
}

static int
parse_u32 (const char *s, uint32_t *out)
{
  char *end;
  unsigned long v;

  if (!isdigit ((unsigned char) s[0]))
    return -1;
  errno = 0;
  v = strtoul (s, &end, 10);
  /* (uint32_t) -1 means "no change" to the kernel's set*id calls. */
  if (errno || *end != '\0' || v >= UINT32_MAX)
    return -1;
  *out = (uint32_t) v;
  return 0;
}

/* Field `idx` (0-based) of the colon-separated line, malloc'd, or NULL. */
static char *
colon_field (const char *line, int idx)
{
  const char *p = line, *e;

  for (; idx > 0; idx--)
    {
      p = strchr (p, ':');
      if (p == NULL)
        return NULL;
      p++;
    }
  e = strchr (p, ':');
  return e ? strndup (p, e - p) : xstrdup (p);
}

/* Calls fn on every line of an /etc/passwd or /etc/group text until it
 * returns true; returns that line (malloc'd) or NULL. */
static char *
find_line (const char *text, bool (*fn) (const char *line, const void *key), const void *key)
{
  const char *p = text;

  while (p && *p)
    {
      const char *nl = strchr (p, '\n');
      cleanup_free char *line = nl ? strndup (p, nl - p) : xstrdup (p);

      if (line == NULL)
        oom ();
      if (line[0] != '#' && fn (line, key))
        return steal_ptr (&line);
      p = nl ? nl + 1 : NULL;
    }
  return NULL;
}

static bool
line_name_is (const char *line, const void *key)
{
  size_t n = strlen (key);
  return strncmp (line, key, n) == 0 && line[n] == ':';
}

static bool
line_id_is (const char *line, const void *key)
{
  cleanup_free char *f = colon_field (line, 2);
  uint32_t id;
  return f && parse_u32 (f, &id) == 0 && id == *(const uint32_t *) key;
}

/* A group line lists `key` among its members (field 3, comma-separated). */
static bool
line_has_member (const char *line, const void *key)
{
  cleanup_free char *members = colon_field (line, 3);
  char *save = NULL, *m;

  for (m = members ? strtok_r (members, ",", &save) : NULL; m; m = strtok_r (NULL, ",", &save))
    if (strcmp (m, key) == 0)
      return true;
  return false;
}

static void
add_group_memberships (const char *group, const char *name, struct oci_user *u)
{
  const char *p = group;

  while (p && *p)
    {
      const char *nl = strchr (p, '\n');
      cleanup_free char *line = nl ? strndup (p, nl - p) : xstrdup (p);
      cleanup_free char *gid_s = NULL;
      uint32_t gid;

      if (line == NULL)
        oom ();
      p = nl ? nl + 1 : NULL;
      if (line[0] == '#' || !line_has_member (line, name))
        continue;
      gid_s = colon_field (line, 2);
      if (gid_s == NULL || parse_u32 (gid_s, &gid) < 0 || gid == u->gid)
        continue;
      u->additional_gids = xrealloc (u->additional_gids,
                                     (u->n_additional_gids + 1) * sizeof *u->additional_gids);
      u->additional_gids[u->n_additional_gids++] = gid;
    }
}

int
spec_parse_user (const char *s, const char *passwd, const char *group, struct oci_user *out,
                 rt_error_t *err)
{
  cleanup_free char *user = xstrdup (s);
  cleanup_free char *pw_line = NULL;
  cleanup_free char *name = NULL;
  char *grp = strchr (user, ':');
  bool have_gid = false;

  memset (out, 0, sizeof *out);
  if (grp)
    *grp++ = '\0';
  if (user[0] == '\0' || (grp && grp[0] == '\0'))
    return rt_error_set (err, 0, "--user: `%s` is not uid[:gid]", s);

  if (parse_u32 (user, &out->uid) == 0)
    pw_line = passwd ? find_line (passwd, line_id_is, &out->uid) : NULL;
  else
    {
      cleanup_free char *uid_s = NULL;

      if (passwd == NULL)
        return rt_error_set (err, 0, "--user: `%s`: a name needs the rootfs's /etc/passwd", user);
      pw_line = find_line (passwd, line_name_is, user);
      uid_s = pw_line ? colon_field (pw_line, 2) : NULL;
      if (uid_s == NULL || parse_u32 (uid_s, &out->uid) < 0)
        return rt_error_set (err, 0, "--user: no user `%s` in the rootfs's /etc/passwd", user);
    }
  if (pw_line)
    {
      cleanup_free char *gid_s = colon_field (pw_line, 3);
      name = colon_field (pw_line, 0);
      have_gid = gid_s && parse_u32 (gid_s, &out->gid) == 0;
    }

  if (grp && parse_u32 (grp, &out->gid) == 0)
    have_gid = true;
  else if (grp)
    {
      cleanup_free char *gr_line = NULL;
      cleanup_free char *gid_s = NULL;

      if (group == NULL)
        return rt_error_set (err, 0, "--user: `%s`: a name needs the rootfs's /etc/group", grp);
      gr_line = find_line (group, line_name_is, grp);
      gid_s = gr_line ? colon_field (gr_line, 2) : NULL;
      if (gid_s == NULL || parse_u32 (gid_s, &out->gid) < 0)
        return rt_error_set (err, 0, "--user: no group `%s` in the rootfs's /etc/group", grp);
      have_gid = true;
    }
  if (!have_gid)
    out->gid = 0;
  /* An explicit group replaces the user's groups, as with docker run. */
  if (group && name && grp == NULL)
    add_group_memberships (group, name, out);
  return 0;
}

static bool
is_abs (const char *p)
{
  return p && p[0] == '/';
}

static void
mount_clear (struct oci_mount *m)
{
  free (m->destination);
  free (m->type);
  free (m->source);
  strv_free (m->options);
  memset (m, 0, sizeof *m);
}

static const char *const propagations[]
    = { "private", "rprivate", "shared", "rshared", "slave", "rslave", NULL };

/* Options a -v or --tmpfs suffix may carry, beyond ro and rw. */
static const char *const flag_options[]
    = { "nosuid", "suid", "nodev", "dev", "noexec", "exec", "noatime", "relatime", NULL };

static bool
in_list (const char *const *list, const char *s)
{
  for (; *list; list++)
    if (strcmp (*list, s) == 0)
      return true;
  return false;
}

static int
mount_source (const char *src, const char *work_dir, struct oci_mount *m, const char *arg,
              rt_error_t *err)
{
  if (src[0] == '\0')
    return rt_error_set (err, 0, "--mount `%s`: empty source", arg);
  if (is_abs (src))
    m->source = xstrdup (src);
  else if (work_dir)
    m->source = xasprintf ("%s/%s", strcmp (work_dir, "/") == 0 ? "" : work_dir, src);
  else
    return rt_error_set (err, 0, "--mount `%s`: the source must be an absolute path", arg);
  return 0;
}

/* HOST:CONTAINER[:OPTS] */
static int
parse_volume (const char *s, const char *work_dir, struct oci_mount *m, rt_error_t *err)
{
  cleanup_free char *copy = xstrdup (s);
  char *dst = strchr (copy, ':');
  char *opts = NULL, *save = NULL, *o;
  const char *prop = "rprivate";
  bool ro = false;

  if (dst == NULL)
    return rt_error_set (err, 0, "--mount `%s`: expected HOST:CONTAINER[:ro]", s);
  *dst++ = '\0';
  opts = strchr (dst, ':');
  if (opts)
    *opts++ = '\0';
  if (mount_source (copy, work_dir, m, s, err) < 0)
    return -1;
  if (!is_abs (dst))
    return rt_error_set (err, 0, "--mount `%s`: `%s` is not an absolute path", s, dst);
  m->destination = xstrdup (dst);
  m->type = xstrdup ("bind");
  m->options = xzalloc (sizeof *m->options);
  strv_push (&m->options, "rbind");
  for (o = opts ? strtok_r (opts, ",", &save) : NULL; o; o = strtok_r (NULL, ",", &save))
    {
      if (strcmp (o, "ro") == 0 || strcmp (o, "rw") == 0)
        ro = o[1] == 'o';
      else if (in_list (propagations, o))
        prop = o;
      else if (in_list (flag_options, o))
        strv_push (&m->options, o);
      else
        return rt_error_set (err, 0, "--mount `%s`: unknown option `%s`", s, o);
    }
  strv_push (&m->options, prop);
  if (ro)
    strv_push (&m->options, "ro");
  return 0;
}

static bool
bool_value (const char *v, bool *out)
{
  if (v == NULL || strcmp (v, "true") == 0 || strcmp (v, "1") == 0)
    *out = true;
  else if (strcmp (v, "false") == 0 || strcmp (v, "0") == 0)
    *out = false;
  else
    return false;
  return true;
}

/* docker's --mount type=bind,source=/a,target=/b,readonly (and tmpfs). */
static int
parse_mount_keys (const char *s, const char *work_dir, struct oci_mount *m, rt_error_t *err)
{
  cleanup_free char *copy = xstrdup (s);
  cleanup_free char *src = NULL;
  char *save = NULL, *kv;
  const char *type = "bind", *prop = "rprivate";
  char **extra = NULL;
  bool ro = false;
  int ret = 0;

  for (kv = strtok_r (copy, ",", &save); kv && ret == 0; kv = strtok_r (NULL, ",", &save))
    {
      char *v = strchr (kv, '=');
      if (v)
        *v++ = '\0';
      if (strcmp (kv, "type") == 0 && v && (strcmp (v, "bind") == 0 || strcmp (v, "tmpfs") == 0))
        type = strcmp (v, "bind") == 0 ? "bind" : "tmpfs";
      else if (strcmp (kv, "type") == 0)
        ret = rt_error_set (err, 0, "--mount `%s`: type `%s` (bind or tmpfs)", s, v ? v : "");
      else if ((strcmp (kv, "source") == 0 || strcmp (kv, "src") == 0) && v)
        {
          free (src);
          src = xstrdup (v);
        }
      else if ((strcmp (kv, "target") == 0 || strcmp (kv, "destination") == 0
                || strcmp (kv, "dst") == 0)
               && v)
        {
          free (m->destination);
          m->destination = xstrdup (v);
        }
      else if (strcmp (kv, "readonly") == 0 || strcmp (kv, "ro") == 0)
        {
          if (!bool_value (v, &ro))
            ret = rt_error_set (err, 0, "--mount `%s`: readonly=`%s`", s, v);
        }
      else if (strcmp (kv, "bind-propagation") == 0 && v && in_list (propagations, v))
        prop = v;
      else if (strcmp (kv, "tmpfs-size") == 0 && v)
        {
          int64_t n;
          char buf[64];
          if (spec_parse_bytes (v, &n) < 0)
            ret = rt_error_set (err, 0, "--mount `%s`: tmpfs-size `%s` is not a size", s, v);
          else
            {
              snprintf (buf, sizeof buf, "size=%" PRId64, n);
              strv_push (&extra, buf);
            }
        }
      else if (strcmp (kv, "tmpfs-mode") == 0 && v && strspn (v, "01234567") == strlen (v))
        {
          cleanup_free char *mode = xasprintf ("mode=%s", v);
          strv_push (&extra, mode);
        }
      else
        ret = rt_error_set (err, 0, "--mount `%s`: unknown key `%s`", s, kv);
    }
  if (ret == 0 && !is_abs (m->destination))
    ret = rt_error_set (err, 0, "--mount `%s`: target must be an absolute path", s);
  if (ret == 0 && strcmp (type, "bind") == 0)
    {
      if (src == NULL)
        ret = rt_error_set (err, 0, "--mount `%s`: a bind needs a source", s);
      else
        ret = mount_source (src, work_dir, m, s, err);
      m->type = xstrdup ("bind");
      m->options = xzalloc (sizeof *m->options);
      strv_push (&m->options, "rbind");
      strv_push (&m->options, prop);
    }
  else if (ret == 0)
    {
      m->type = xstrdup ("tmpfs");
      m->source = xstrdup ("tmpfs");
      m->options = xzalloc (sizeof *m->options);
      strv_push (&m->options, "nosuid");
      strv_push (&m->options, "nodev");
      strv_push (&m->options, "noexec");
    }
  for (size_t i = 0; ret == 0 && extra && extra[i]; i++)
    strv_push (&m->options, extra[i]);
  strv_free (extra);
  if (ret == 0 && ro)
    strv_push (&m->options, "ro");
  return ret;
}

int
spec_parse_mount (const char *s, const char *work_dir, struct oci_mount *out, rt_error_t *err)
{
  const char *eq = strchr (s, '=');
  const char *colon = strchr (s, ':');
  int ret;

  memset (out, 0, sizeof *out);
  /* type=bind,... names its keys; a host path with '=' still has a ':'
   * before it. */
  if (eq && (colon == NULL || eq < colon))
    ret = parse_mount_keys (s, work_dir, out, err);
  else
    ret = parse_volume (s, work_dir, out, err);
  if (ret < 0)
    mount_clear (out);
  return ret;
}

/* The opposite of a default tmpfs flag, which drops that default. */
static const char *
flag_opposite (const char *o)
{
  if (strcmp (o, "exec") == 0)
    return "noexec";
  if (strcmp (o, "suid") == 0)
    return "nosuid";
  if (strcmp (o, "dev") == 0)
    return "nodev";
  return NULL;
}

int
spec_parse_tmpfs (const char *s, struct oci_mount *out, rt_error_t *err)
{
  static const char *const defaults[] = { "nosuid", "nodev", "noexec", NULL };
  cleanup_free char *copy = xstrdup (s);
  char *opts = strchr (copy, ':');
  char **user = NULL;
  char *save = NULL, *o;
  size_t i;

  memset (out, 0, sizeof *out);
  if (opts)
    *opts++ = '\0';
  if (!is_abs (copy))
    return rt_error_set (err, 0, "--tmpfs `%s`: `%s` is not an absolute path", s, copy);
  for (o = opts ? strtok_r (opts, ",", &save) : NULL; o; o = strtok_r (NULL, ",", &save))
    {
      /* size= and mode= go to the kernel as data; check the size here
       * since docker's suffixes (64m) are the kernel's too. */
      if (str_has_prefix (o, "size=") || str_has_prefix (o, "mode=") || str_has_prefix (o, "uid=")
          || str_has_prefix (o, "gid=") || strcmp (o, "ro") == 0 || strcmp (o, "rw") == 0
          || in_list (flag_options, o))
        strv_push (&user, o);
      else
        {
          strv_free (user);
          return rt_error_set (err, 0, "--tmpfs `%s`: unknown option `%s`", s, o);
        }
    }
  out->destination = xstrdup (copy);
  out->type = xstrdup ("tmpfs");
  out->source = xstrdup ("tmpfs");
  out->options = xzalloc (sizeof *out->options);
  for (i = 0; defaults[i]; i++)
    {
      bool dropped = false;
      for (size_t k = 0; user && user[k]; k++)
        if (flag_opposite (user[k]) && strcmp (flag_opposite (user[k]), defaults[i]) == 0)
          dropped = true;
      if (!dropped && !strv_has (user, defaults[i]))
        strv_push (&out->options, defaults[i]);
    }
  for (i = 0; user && user[i]; i++)
    strv_push (&out->options, user[i]);
  strv_free (user);
  return 0;
}

int
spec_device_parse (const char *s, struct spec_device *out, rt_error_t *err)
{
  cleanup_free char *copy = xstrdup (s);
  char *second = strchr (copy, ':');
  char *third = NULL;
  const char *access = "rwm";

  memset (out, 0, sizeof *out);
  if (second)
    {
      *second++ = '\0';
      third = strchr (second, ':');
      if (third)
        *third++ = '\0';
    }
  /* HOST:rwm names no container path. */
  if (second && third == NULL && second[0] != '/' && second[0] != '\0')
    {
      third = second;
      second = NULL;
    }
  if (!is_abs (copy))
    return rt_error_set (err, 0, "--device `%s`: `%s` is not an absolute path", s, copy);
  if (second && !is_abs (second))
    return rt_error_set (err, 0, "--device `%s`: `%s` is not an absolute path", s, second);
  if (third)
    {
      size_t n = strlen (third);
      if (n == 0 || n > 3 || strspn (third, "rwm") != n || (n > 1 && third[0] == third[1])
          || (n == 3 && (third[0] == third[2] || third[1] == third[2])))
        return rt_error_set (err, 0, "--device `%s`: `%s` is not an access (letters of rwm)", s,
                             third);
      access = third;
    }
  out->host = xstrdup (copy);
  out->path = xstrdup (second ? second : copy);
  snprintf (out->access, sizeof out->access, "%s", access);
  return 0;
}

int
spec_device_stat (struct spec_device *d, rt_error_t *err)
{
  struct stat st;

  if (stat (d->host, &st) < 0)
    return rt_error_set (err, errno, "--device `%s`", d->host);
  if (S_ISCHR (st.st_mode))
    d->type = 'c';
  else if (S_ISBLK (st.st_mode))
    d->type = 'b';
  else
    return rt_error_set (err, 0, "--device `%s`: not a character or block device", d->host);
  d->major = major (st.st_rdev);
  d->minor = minor (st.st_rdev);
  d->file_mode = st.st_mode & 07777;
  return 0;
}

void
spec_device_clear (struct spec_device *d)
{
  free (d->host);
  free (d->path);
  memset (d, 0, sizeof *d);
}

/* ---- applying the flags ------------------------------------------------------ */

bool
spec_flags_docker (const struct spec_flags *f)
{
  return f->args || f->env || f->cwd || f->user || f->hostname || f->cap_add || f->cap_drop
         || f->n_devices || f->mounts || f->tmpfs || f->read_only || f->tty || f->memory
         || f->pids_limit || f->cpus || f->network || f->add_hosts || f->dns || f->dns_search
         || f->seccomp;
}

static struct oci_linux *
linux_of (struct oci_config *c)
{
  if (c->linux_ == NULL)
    c->linux_ = xzalloc (sizeof *c->linux_);
  return c->linux_;
}

static struct oci_resources *
resources_of (struct oci_config *c)
{
  struct oci_linux *l = linux_of (c);
  if (l->resources == NULL)
    l->resources = xzalloc (sizeof *l->resources);
  return l->resources;
}

static void
set_env (struct oci_process *p, const char *kv)
{
  size_t name_len = strcspn (kv, "=");
  size_t i;

  for (i = 0; p->env && p->env[i]; i++)
    if (strncmp (p->env[i], kv, name_len) == 0 && p->env[i][name_len] == '=')
      {
        free (p->env[i]);
        p->env[i] = xstrdup (kv);
        return;
      }
  strv_push (&p->env, kv);
}

static int
apply_process (struct oci_config *c, const struct spec_flags *f, rt_error_t *err)
{
  struct oci_process *p = c->process;
  size_t i;

  if (f->args)
    {
      if (f->args[0] == NULL || f->args[0][0] == '\0')
        return rt_error_set (err, 0, "--args: the command is empty");
      strv_free (p->args);
      p->args = strv_copy (f->args);
    }
  /* TERM describes a terminal: without one, docker run leaves it out. */
  if (!f->tty)
    {
      size_t w = 0;
      for (i = 0; p->env && p->env[i]; i++)
        if (str_has_prefix (p->env[i], "TERM="))
          free (p->env[i]);
        else
          p->env[w++] = p->env[i];
      if (p->env)
        p->env[w] = NULL;
    }
  for (i = 0; f->env && f->env[i]; i++)
    {
      if (f->env[i][0] == '=' || strchr (f->env[i], '=') == NULL)
        return rt_error_set (err, 0, "--env `%s`: expected NAME=VALUE", f->env[i]);
      set_env (p, f->env[i]);
    }
  if (f->cwd)
    {
      if (!is_abs (f->cwd))
        return rt_error_set (err, 0, "--cwd `%s`: not an absolute path", f->cwd);
      free (p->cwd);
      p->cwd = xstrdup (f->cwd);
    }
  if (f->user)
    {
      struct oci_user u;

      if (spec_parse_user (f->user, f->rootfs_passwd, f->rootfs_group, &u, err) < 0)
        return -1;
      /* The rootless template maps only the caller, as root. */
      if (f->rootless && (u.uid != 0 || u.gid != 0))
        {
          free (u.additional_gids);
          return rt_error_set (err, 0, "--user `%s`: --rootless maps only uid and gid 0",
                               f->user);
        }
      free (p->user.additional_gids);
      free (p->user.username);
      p->user = u;
    }
  p->terminal = f->tty;
  return 0;
}

static bool
hostname_ok (const char *h)
{
  size_t n = strlen (h);

  if (n == 0 || n > 64 || h[0] == '-' || h[0] == '.')
    return false;
  for (; *h; h++)
    if (!isalnum ((unsigned char) *h) && *h != '-' && *h != '.')
      return false;
  return true;
}

/* Adds every capability this build knows. */
static void
caps_add_all (char ***set)
{
  int i;

  for (i = 0; i < 64; i++)
    if (caps_name (i) && !strv_has (*set, caps_name (i)))
      strv_push (set, caps_name (i));
}

/* docker run's rules: --cap-drop=ALL starts from nothing and adds; else
 * --cap-add=ALL is everything but the drops; else (defaults + adds) -
 * drops.  A capability both added and dropped stays dropped. */
static int
apply_caps (struct oci_config *c, const struct spec_flags *f, rt_error_t *err)
{
  struct oci_capabilities *caps = c->process->capabilities;
  char **add = NULL, **drop = NULL, **set = NULL;
  int ret = 0;
  size_t i;

  for (i = 0; f->cap_add && f->cap_add[i] && ret == 0; i++)
    {
      cleanup_free char *n = spec_cap_canonical (f->cap_add[i]);
      if (n == NULL)
        ret = rt_error_set (err, 0, "--cap-add: unknown capability `%s`", f->cap_add[i]);
      else
        strv_push (&add, n);
    }
  for (i = 0; f->cap_drop && f->cap_drop[i] && ret == 0; i++)
    {
      cleanup_free char *n = spec_cap_canonical (f->cap_drop[i]);
      if (n == NULL)
        ret = rt_error_set (err, 0, "--cap-drop: unknown capability `%s`", f->cap_drop[i]);
      else
        strv_push (&drop, n);
    }
  if (ret < 0)
    goto out;

  set = xzalloc (sizeof *set);
  if (strv_has (drop, "ALL"))
    ;
  else if (strv_has (add, "ALL"))
    caps_add_all (&set);
  else
    for (i = 0; spec_docker_caps[i]; i++)
      strv_push (&set, spec_docker_caps[i]);
  for (i = 0; add && add[i]; i++)
    if (strcmp (add[i], "ALL") != 0 && !strv_has (set, add[i])
        && (strv_has (drop, "ALL") || !strv_has (drop, add[i])))
      strv_push (&set, add[i]);
  if (!strv_has (drop, "ALL"))
    for (i = 0; drop && drop[i]; i++)
      {
        size_t k, w = 0;
        for (k = 0; set[k]; k++)
          if (strcmp (set[k], drop[i]) == 0)
            free (set[k]);
          else
            set[w++] = set[k];
        set[w] = NULL;
      }

  if (caps == NULL)
    caps = c->process->capabilities = xzalloc (sizeof *caps);
  strv_free (caps->bounding);
  strv_free (caps->effective);
  strv_free (caps->permitted);
  caps->bounding = strv_copy (set);
  caps->effective = strv_copy (set);
  caps->permitted = strv_copy (set);
out:
  strv_free (add);
  strv_free (drop);
  strv_free (set);
  return ret;
}

static void
add_mount (struct oci_config *c, struct oci_mount *m)
{
  c->mounts = xrealloc (c->mounts, (c->n_mounts + 1) * sizeof *c->mounts);
  c->mounts[c->n_mounts++] = *m;
  memset (m, 0, sizeof *m);
}

static bool
has_mount_at (const struct oci_config *c, const char *dest)
{
  size_t i;
  for (i = 0; i < c->n_mounts; i++)
    if (strcmp (c->mounts[i].destination, dest) == 0)
      return true;
  return false;
}

static int
apply_mounts (struct oci_config *c, const struct spec_flags *f, rt_error_t *err)
{
  struct oci_mount m;
  size_t i;

  for (i = 0; f->mounts && f->mounts[i]; i++)
    {
      if (spec_parse_mount (f->mounts[i], f->work_dir, &m, err) < 0)
        return -1;
      add_mount (c, &m);
    }
  for (i = 0; f->tmpfs && f->tmpfs[i]; i++)
    {
      if (spec_parse_tmpfs (f->tmpfs[i], &m, err) < 0)
        return -1;
      add_mount (c, &m);
    }
  return 0;
}

static void
apply_devices (struct oci_config *c, const struct spec_flags *f)
{
  struct oci_linux *l = linux_of (c);
  size_t i;

  for (i = 0; i < f->n_devices; i++)
    {
      const struct spec_device *d = &f->devices[i];
      struct oci_resources *r = resources_of (c);
      struct oci_device *nd;
      struct oci_device_cgroup *rule;

      l->devices = xrealloc (l->devices, (l->n_devices + 1) * sizeof *l->devices);
      nd = &l->devices[l->n_devices++];
      memset (nd, 0, sizeof *nd);
      nd->type = d->type;
      nd->path = xstrdup (d->path);
      nd->has_major = nd->has_minor = true;
      nd->major = d->major;
      nd->minor = d->minor;
      nd->has_file_mode = true;
      nd->file_mode = d->file_mode;
      nd->has_uid = nd->has_gid = true;

      r->devices = xrealloc (r->devices, (r->n_devices + 1) * sizeof *r->devices);
      rule = &r->devices[r->n_devices++];
      memset (rule, 0, sizeof *rule);
      rule->allow = true;
      rule->type = d->type;
      rule->has_major = rule->has_minor = true;
      rule->major = d->major;
      rule->minor = d->minor;
      rule->access = xstrdup (d->access);
    }
}

static int
apply_resources (struct oci_config *c, const struct spec_flags *f, rt_error_t *err)
{
  int64_t n;

  if (f->memory)
    {
      struct oci_resources *r = resources_of (c);
      if (spec_parse_bytes (f->memory, &n) < 0 || n == 0)
        return rt_error_set (err, 0, "--memory: `%s` is not a size (512m, 1g)", f->memory);
      if (r->memory == NULL)
        r->memory = xzalloc (sizeof *r->memory);
      r->memory->has_limit = true;
      r->memory->limit = n;
    }
  if (f->pids_limit)
    {
      struct oci_resources *r = resources_of (c);
      char *end;

      errno = 0;
      n = strtoll (f->pids_limit, &end, 10);
      if (errno || end == f->pids_limit || *end || n < -1)
        return rt_error_set (err, 0, "--pids-limit: `%s` is not a number (-1: no limit)",
                             f->pids_limit);
      if (r->pids == NULL)
        r->pids = xzalloc (sizeof *r->pids);
      r->pids->limit = n;
    }
  if (f->cpus)
    {
      struct oci_resources *r = resources_of (c);
      int64_t quota;
      uint64_t period;

      if (spec_parse_cpus (f->cpus, &quota, &period) < 0)
        return rt_error_set (err, 0, "--cpus: `%s` is not a number of CPUs of at least 0.01",
                             f->cpus);
      if (r->cpu == NULL)
        r->cpu = xzalloc (sizeof *r->cpu);
      r->cpu->has_quota = r->cpu->has_period = true;
      r->cpu->quota = quota;
      r->cpu->period = period;
    }
  return 0;
}

static bool
own_netns (const struct oci_config *c)
{
  const struct oci_namespace *ns = oci_config_namespace (c, OCI_NS_NETWORK);
  return ns && ns->path == NULL;
}

static int
apply_network (struct oci_config *c, const struct spec_flags *f, rt_error_t *err)
{
  struct oci_linux *l = linux_of (c);
  size_t i, w = 0;

  if (f->network == NULL)
    return 0;
  if (strcmp (f->network, "none") == 0)
    {
      if (oci_config_namespace (c, OCI_NS_NETWORK) != NULL)
        return 0;
      l->namespaces = xrealloc (l->namespaces, (l->n_namespaces + 1) * sizeof *l->namespaces);
      l->namespaces[l->n_namespaces].type = OCI_NS_NETWORK;
      l->namespaces[l->n_namespaces++].path = NULL;
      return 0;
    }
  if (strcmp (f->network, "host") != 0)
    return rt_error_set (err, 0,
                         "--network: `%s` is not none or host (cove-shim publishes ports)",
                         f->network);
  for (i = 0; i < l->n_namespaces; i++)
    if (l->namespaces[i].type == OCI_NS_NETWORK)
      free (l->namespaces[i].path);
    else
      l->namespaces[w++] = l->namespaces[i];
  l->n_namespaces = w;
  return 0;
}

static int
apply_seccomp (struct oci_config *c, const struct spec_flags *f, rt_error_t *err)
{
  struct oci_linux *l = linux_of (c);
  cleanup_free char *doc = NULL;
  struct oci_config *wrap;
  char *msg = NULL;

  if (f->seccomp && strcmp (f->seccomp, "unconfined") == 0)
    return 0;
  if (f->seccomp == NULL || strcmp (f->seccomp, "default") == 0)
    {
      char *const *caps = c->process->capabilities ? c->process->capabilities->bounding : NULL;
      l->seccomp = spec_default_seccomp (caps);
      return 0;
    }
  if (f->seccomp_text == NULL)
    return rt_error_set (err, 0, "--seccomp `%s`: the profile was not read", f->seccomp);
  /* The profile is the linux.seccomp object: parsed in place, so oci-spec
   * checks it as it checks any config. */
  doc = xasprintf ("{\"ociVersion\":\"%s\",\"root\":{\"path\":\"rootfs\"},"
                   "\"linux\":{\"seccomp\":%.*s\n}}",
                   OCI_VERSION, (int) f->seccomp_len, f->seccomp_text);
  wrap = oci_config_parse_data (doc, strlen (doc), f->seccomp, &msg);
  if (wrap == NULL)
    {
      rt_error_set (err, 0, "--seccomp: %s", msg ? msg : "invalid profile");
      free (msg);
      return -1;
    }
  if (wrap->linux_ == NULL || wrap->linux_->seccomp == NULL)
    {
      oci_config_free (wrap);
      return rt_error_set (err, 0, "--seccomp `%s`: not a seccomp object", f->seccomp);
    }
  l->seccomp = steal_ptr (&wrap->linux_->seccomp);
  oci_config_free (wrap);
  return 0;
}

/* /etc/hosts, /etc/hostname, /etc/resolv.conf from the bundle, writable,
 * last so that they land on top of any tmpfs; not where a flag already
 * mounts something. */
static void
add_etc_mounts (struct oci_config *c)
{
  static const struct
  {
    const char *dest;
    const char *src;
  } files[] = {
    { "/etc/hosts", SPEC_ETC_HOSTS },
    { "/etc/hostname", SPEC_ETC_HOSTNAME },
    { "/etc/resolv.conf", SPEC_ETC_RESOLV },
  };
  size_t i;

  for (i = 0; i < sizeof files / sizeof *files; i++)
    {
      struct oci_mount m = { 0 };

      if (has_mount_at (c, files[i].dest))
        continue;
      m.destination = xstrdup (files[i].dest);
      m.type = xstrdup ("bind");
      m.source = xstrdup (files[i].src);
      m.options = xzalloc (sizeof *m.options);
      strv_push (&m.options, "rbind");
      strv_push (&m.options, "rprivate");
      add_mount (c, &m);
    }
}

static int
check_names (const struct spec_flags *f, rt_error_t *err)
{
  unsigned char buf[16];
  size_t i;

  if (f->hostname && !hostname_ok (f->hostname))
    return rt_error_set (err, 0, "--hostname: `%s` is not a host name", f->hostname);
  for (i = 0; f->dns && f->dns[i]; i++)
    if (inet_pton (AF_INET, f->dns[i], buf) != 1 && inet_pton (AF_INET6, f->dns[i], buf) != 1)
      return rt_error_set (err, 0, "--dns: `%s` is not an IP address", f->dns[i]);
  for (i = 0; f->dns_search && f->dns_search[i]; i++)
    if (f->dns_search[i][0] == '\0' || strpbrk (f->dns_search[i], " \t\n#;"))
      return rt_error_set (err, 0, "--dns-search: `%s` is not a domain", f->dns_search[i]);
  for (i = 0; f->add_hosts && f->add_hosts[i]; i++)
    {
      const char *h = f->add_hosts[i];
      size_t n = strcspn (h, ":=");
      cleanup_free char *name = strndup (h, n);

      if (name == NULL)
        oom ();
      if (h[n] == '\0' || n == 0 || !hostname_ok (name)
          || (inet_pton (AF_INET, h + n + 1, buf) != 1
              && inet_pton (AF_INET6, h + n + 1, buf) != 1))
        return rt_error_set (err, 0, "--add-host: `%s` is not NAME:IP", h);
    }
  if (f->seccomp && f->seccomp[0] == '\0')
    return rt_error_set (err, 0, "--seccomp: default, unconfined or a file");
  /* In a user namespace no node can be made: the runtime binds the host's
   * node found at the container path, which must then be the same. */
  for (i = 0; f->rootless && i < f->n_devices; i++)
    if (strcmp (f->devices[i].host, f->devices[i].path) != 0)
      return rt_error_set (err, 0,
                           "--device `%s:%s`: with --rootless the path in the container must "
                           "be the host's",
                           f->devices[i].host, f->devices[i].path);
  return 0;
}

struct oci_config *
spec_build (const struct spec_flags *f, rt_error_t *err)
{
  cleanup_free char *text = NULL;
  struct oci_config *c;
  char *msg = NULL;
  int ret;

  if (f->rootless)
    text = xasprintf (spec_default_config (1), (unsigned) f->host_uid, (unsigned) f->host_gid);
  else
    text = xstrdup (spec_default_config (0));
  c = oci_config_parse_data (text, strlen (text), "template", &msg);
  if (c == NULL)
    {
      /* The templates are ours: a failure here is a bug, said plainly. */
      rt_error_set (err, 0, "the built-in template does not parse: %s", msg ? msg : "?");
      free (msg);
      return NULL;
    }
  if (!spec_flags_docker (f))
    return c;

  ret = check_names (f, err);
  if (ret == 0)
    ret = apply_process (c, f, err);
  if (ret == 0 && f->hostname)
    {
      free (c->hostname);
      c->hostname = xstrdup (f->hostname);
    }
  if (ret == 0)
    {
      c->root->readonly = f->read_only;
      ret = apply_caps (c, f, err);
    }
  if (ret == 0)
    {
      apply_devices (c, f);
      ret = apply_mounts (c, f, err);
    }
  if (ret == 0)
    ret = apply_resources (c, f, err);
  if (ret == 0)
    ret = apply_network (c, f, err);
  if (ret == 0)
    ret = apply_seccomp (c, f, err);
  if (ret < 0)
    {
      oci_config_free (c);
      return NULL;
    }
  add_etc_mounts (c);
  return c;
}

/* ---- the /etc files ------------------------------------------------------- */

/* The next line of *p (malloc'd, without its newline), NULL at the end. */
static char *
next_line (const char **p)
{
  const char *nl;
  char *line;

  if (*p == NULL || **p == '\0')
    return NULL;
  nl = strchr (*p, '\n');
  line = nl ? strndup (*p, nl - *p) : xstrdup (*p);
  if (line == NULL)
    oom ();
  *p = nl ? nl + 1 : NULL;
  return line;
}

static bool
line_keyword (const char *line, const char *kw)
{
  size_t n = strlen (kw);
  line += strspn (line, " \t");
  return strncmp (line, kw, n) == 0 && (line[n] == ' ' || line[n] == '\t');
}

/* A nameserver on the host's loopback (systemd-resolved's 127.0.0.53, a
 * local dnsmasq) is unreachable from another network namespace. */
static bool
loopback_nameserver (const char *line)
{
  const char *a = line + strspn (line, " \t") + strlen ("nameserver");
  a += strspn (a, " \t");
  return str_has_prefix (a, "127.") || str_has_prefix (a, "::1");
}

static char *
make_resolv (const struct spec_flags *f, bool netns)
{
  const char *p = f->host_resolv;
  char *out = NULL;
  char *line;
  size_t i;

  text_add (&out, "%s", "");
  for (i = 0; f->dns && f->dns[i]; i++)
    text_add (&out, "nameserver %s\n", f->dns[i]);
  if (f->dns_search)
    {
      if (strcmp (f->dns_search[0], ".") != 0)
        {
          text_add (&out, "search");
          for (i = 0; f->dns_search[i]; i++)
            text_add (&out, " %s", f->dns_search[i]);
          text_add (&out, "\n");
        }
    }
  /* What the host has and no flag replaced: its nameservers (unless --dns),
   * its search list (unless --dns-search), its options. */
  while ((line = next_line (&p)) != NULL)
    {
      bool keep = true;

      if (line_keyword (line, "nameserver"))
        keep = f->dns == NULL && !(netns && loopback_nameserver (line));
      else if (line_keyword (line, "search") || line_keyword (line, "domain"))
        keep = f->dns_search == NULL;
      else if (line[strspn (line, " \t")] == '#' || line[strspn (line, " \t")] == '\0')
        keep = false;
      if (keep)
        text_add (&out, "%s\n", line);
      free (line);
    }
  return out;
}

static char *
make_hosts (const struct spec_flags *f, const struct oci_config *c, bool netns)
{
  char *out = NULL;
  size_t i;

  if (!netns && f->host_hosts)
    {
      size_t n = strlen (f->host_hosts);
      text_add (&out, "%s%s", f->host_hosts, n && f->host_hosts[n - 1] != '\n' ? "\n" : "");
    }
  else
    {
      text_add (&out, "127.0.0.1\tlocalhost\n"
                      "::1\tlocalhost ip6-localhost ip6-loopback\n"
                      "fe00::0\tip6-localnet\n"
                      "ff00::0\tip6-mcastprefix\n"
                      "ff02::1\tip6-allnodes\n"
                      "ff02::2\tip6-allrouters\n");
      /* The container's own name resolves, as on a Debian host. */
      if (c->hostname)
        text_add (&out, "127.0.1.1\t%s\n", c->hostname);
    }
  for (i = 0; f->add_hosts && f->add_hosts[i]; i++)
    {
      const char *h = f->add_hosts[i];
      size_t n = strcspn (h, ":=");
      text_add (&out, "%s\t%.*s\n", h + n + 1, (int) n, h);
    }
  return out;
}

int
spec_etc_files (const struct spec_flags *f, const struct oci_config *c,
                struct spec_etc_files *out, rt_error_t *err)
{
  bool netns = own_netns (c);

  memset (out, 0, sizeof *out);
  if (check_names (f, err) < 0)
    return -1;
  out->hosts = make_hosts (f, c, netns);
  out->hostname = xasprintf ("%s\n", c->hostname ? c->hostname : "");
  out->resolv = make_resolv (f, netns);
  return 0;
}

void
spec_etc_files_clear (struct spec_etc_files *e)
{
  free (e->hosts);
  free (e->hostname);
  free (e->resolv);
  memset (e, 0, sizeof *e);
}
