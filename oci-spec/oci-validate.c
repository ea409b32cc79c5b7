/* Config-intrinsic checks that are more than a type or a name list: the
 * callbacks the field tables of oci-tables.c name.  They run during the
 * walk, with the JSON path at the field or object they check, so every
 * message says where the problem is.  Nothing here looks at the host.
 *
 * In collecting mode (`spec --validate`) an object check also runs when
 * some of its fields were bad: it reads a field only when jw_ok says it
 * parsed, so a skipped value never causes a second, made-up problem, and
 * it goes on after a problem while jw_more says so. */
#include <config.h>

#include "json-walk.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci-spec.h"

/* Field checks */

int
ov_absolute_path (struct jw_ctx *ctx, const void *value)
{
  const char *s = *(char *const *) value;
  if (s[0] != '/')
    return jw_error (ctx, "must be an absolute path, got \"%s\"", s);
  return 0;
}

int
ov_nonempty_string (struct jw_ctx *ctx, const void *value)
{
  if (**(char *const *) value == '\0')
    return jw_error (ctx, "must not be empty");
  return 0;
}

/* MAJOR.MINOR.PATCH with optional -prerelease and +build (semver.org).
 * Returns 0 and the numbers, or -1. */
static int
parse_semver (const char *s, unsigned long v[3], bool *prerelease)
{
  const char *p = s;
  for (int i = 0; i < 3; i++)
    {
      char *end;
      if (*p < '0' || *p > '9')
        return -1;
      v[i] = strtoul (p, &end, 10);
      p = end;
      if (i < 2 && *p++ != '.')
        return -1;
    }
  *prerelease = *p == '-';
  if (*p == '-' || *p == '+')
    {
      if (p[1] == '\0')
        return -1;
      for (p++; *p; p++)
        if (!(strchr ("-+.", *p) || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z')
              || (*p >= 'A' && *p <= 'Z')))
          return -1;
    }
  return *p == '\0' ? 0 : -1;
}

/* Any 1.x release up to the newest spec we implement: older minors are
 * subsets of newer ones, a newer one may carry fields we would silently
 * ignore. */
int
ov_oci_version (struct jw_ctx *ctx, const void *value)
{
  const char *s = *(char *const *) value;
  unsigned long v[3], max[3];
  bool pre, max_pre;
  int cmp = 0;

  if (parse_semver (s, v, &pre) < 0)
    return jw_error (ctx, "\"%s\" is not a SemVer version", s);
  (void) parse_semver (OCI_VERSION_MAX, max, &max_pre);
  for (int i = 0; i < 3 && cmp == 0; i++)
    cmp = v[i] < max[i] ? -1 : v[i] > max[i] ? 1 : 0;
  if (v[0] != 1 || cmp > 0)
    return jw_error (ctx, "unsupported version \"%s\" (supported: %s to %s)", s, OCI_VERSION_MIN,
                     OCI_VERSION_MAX);
  return 0;
}

int
ov_device_access (struct jw_ctx *ctx, const void *value)
{
  const char *s = *(char *const *) value;
  if (s[strspn (s, "rwm")] != '\0')
    return jw_error (ctx, "invalid access \"%s\" (expected letters from \"rwm\")", s);
  return 0;
}

int
ov_hook_timeout (struct jw_ctx *ctx, const void *value)
{
  if (*(const int32_t *) value <= 0)
    return jw_error (ctx, "must be greater than 0");
  return 0;
}

int
ov_io_priority_level (struct jw_ctx *ctx, const void *value)
{
  int32_t v = *(const int32_t *) value;
  if (v < 0 || v > 7)
    return jw_error (ctx, "must be between 0 and 7, got %" PRId32, v);
  return 0;
}

int
ov_nice (struct jw_ctx *ctx, const void *value)
{
  int32_t v = *(const int32_t *) value;
  if (v < -20 || v > 19)
    return jw_error (ctx, "must be between -20 and 19, got %" PRId32, v);
  return 0;
}

/* Object checks: process and its parts */

int
ov_rlimit (struct jw_ctx *ctx, void *obj)
{
  const struct oci_rlimit *r = obj;
  if (!jw_ok (ctx, "soft") || !jw_ok (ctx, "hard"))
    return 0;
  if (r->soft > r->hard)
    return jw_error_at (ctx, ".soft", "soft limit %" PRIu64 " exceeds hard limit %" PRIu64, r->soft,
                        r->hard);
  return 0;
}

int
ov_process (struct jw_ctx *ctx, void *obj)
{
  const struct oci_process *p = obj;
  int ret = 0;

  if (!jw_ok (ctx, "rlimits"))
    return 0;
  for (size_t i = 0; i < p->n_rlimits && jw_more (ctx, ret); i++)
    for (size_t j = 0; j < i; j++)
      if (strcmp (p->rlimits[i].type, p->rlimits[j].type) == 0)
        {
          char at[64];
          snprintf (at, sizeof at, ".rlimits[%zu].type", i);
          ret = jw_error_at (ctx, at, "duplicate rlimit \"%s\"", p->rlimits[i].type);
          break;
        }
  return ret;
}

/* Mounts and devices */

int
ov_mount (struct jw_ctx *ctx, void *obj)
{
  const struct oci_mount *m = obj;
  if (!jw_ok (ctx, "uidMappings") || !jw_ok (ctx, "gidMappings"))
    return 0;
  /* An idmapped mount needs both maps: the kernel takes one user ns. */
  if ((m->n_uid_mappings > 0) != (m->n_gid_mappings > 0))
    return jw_error_at (ctx, m->n_uid_mappings ? ".gidMappings" : ".uidMappings",
                        "uidMappings and gidMappings must be given together");
  return 0;
}

int
ov_device (struct jw_ctx *ctx, void *obj)
{
  const struct oci_device *d = obj;
  int ret = 0;

  /* mknod needs a number for every type but a fifo. */
  if (!jw_ok (ctx, "type") || d->type == 'p')
    return 0;
  if (!d->has_major && jw_ok (ctx, "major"))
    ret = jw_error_at (ctx, ".major", "required for device type \"%c\"", d->type);
  if (jw_more (ctx, ret) && !d->has_minor && jw_ok (ctx, "minor"))
    ret = jw_error_at (ctx, ".minor", "required for device type \"%c\"", d->type);
  return ret;
}

int
ov_device_cgroup (struct jw_ctx *ctx, void *obj)
{
  struct oci_device_cgroup *d = obj;
  /* The spec's default when type is absent: all devices. */
  if (d->type == '\0')
    d->type = 'a';
  return 0;
}

/* Seccomp */

static bool
action_takes_errno (const char *action)
{
  return strcmp (action, "SCMP_ACT_ERRNO") == 0 || strcmp (action, "SCMP_ACT_TRACE") == 0;
}

int
ov_seccomp_syscall (struct jw_ctx *ctx, void *obj)
{
  const struct oci_seccomp_syscall *s = obj;
  if (!jw_ok (ctx, "action"))
    return 0;
  if (s->has_errno_ret && !action_takes_errno (s->action))
    return jw_error_at (ctx, ".errnoRet",
                        "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not %s", s->action);
  return 0;
}

int
ov_seccomp (struct jw_ctx *ctx, void *obj)
{
  const struct oci_seccomp *s = obj;
  bool notify = false;
  int ret = 0;

  if (jw_ok (ctx, "defaultAction"))
    {
      if (s->has_default_errno_ret && !action_takes_errno (s->default_action))
        ret = jw_error_at (ctx, ".defaultErrnoRet",
                           "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not %s",
                           s->default_action);
      /* The notify fd must go somewhere, and a filter that notifies on
       * every syscall would deadlock the process that has to send it. */
      if (jw_more (ctx, ret) && strcmp (s->default_action, "SCMP_ACT_NOTIFY") == 0)
        ret = jw_error_at (ctx, ".defaultAction", "SCMP_ACT_NOTIFY cannot be the default action");
    }
  if (!jw_more (ctx, ret) || !jw_ok (ctx, "syscalls") || !jw_ok (ctx, "listenerPath"))
    return ret;
  for (size_t i = 0; i < s->n_syscalls; i++)
    notify = notify || strcmp (s->syscalls[i].action, "SCMP_ACT_NOTIFY") == 0;
  if (notify && (s->listener_path == NULL || s->listener_path[0] == '\0'))
    ret = jw_error_at (ctx, ".listenerPath", "required when SCMP_ACT_NOTIFY is used");
  return ret;
}

/* linux: the checks across namespaces and what needs them */

static const struct oci_namespace *
find_ns (const struct oci_linux *l, enum oci_ns_type t, size_t *index)
{
  for (size_t i = 0; i < l->n_namespaces; i++)
    if (l->namespaces[i].type == t)
      {
        if (index)
          *index = i;
        return &l->namespaces[i];
      }
  return NULL;
}

static int
check_namespaces (struct jw_ctx *ctx, const struct oci_linux *l)
{
  bool seen[OCI_NS_COUNT] = { false };
  const struct oci_namespace *user;
  bool uid_ok = jw_ok (ctx, "uidMappings"), gid_ok = jw_ok (ctx, "gidMappings");
  char at[64];
  size_t i;
  int ret = 0;

  if (!jw_ok (ctx, "namespaces"))
    return 0;
  for (i = 0; i < l->n_namespaces && jw_more (ctx, ret); i++)
    {
      enum oci_ns_type t = l->namespaces[i].type;
      if (seen[t])
        {
          snprintf (at, sizeof at, ".namespaces[%zu].type", i);
          ret = jw_error_at (ctx, at, "duplicate namespace type \"%s\"", oci_ns_type_name (t));
        }
      seen[t] = true;
    }
  if (!jw_more (ctx, ret))
    return ret;

  user = find_ns (l, OCI_NS_USER, &i);
  if (user == NULL && uid_ok && l->n_uid_mappings > 0)
    ret = jw_error_at (ctx, ".uidMappings", "requires a user namespace");
  if (jw_more (ctx, ret) && user == NULL && gid_ok && l->n_gid_mappings > 0)
    ret = jw_error_at (ctx, ".gidMappings", "requires a user namespace");
  /* A new user namespace without maps leaves every id unmapped (nobody);
   * only a joined one brings its own. */
  if (jw_more (ctx, ret) && user != NULL && user->path == NULL && uid_ok && gid_ok
      && (l->n_uid_mappings == 0 || l->n_gid_mappings == 0))
    {
      snprintf (at, sizeof at, ".namespaces[%zu]", i);
      ret = jw_error_at (ctx, at, "a new user namespace needs uidMappings and gidMappings");
    }
  if (jw_more (ctx, ret) && jw_ok (ctx, "timeOffsets") && l->n_time_offsets > 0
      && find_ns (l, OCI_NS_TIME, NULL) == NULL)
    ret = jw_error_at (ctx, ".timeOffsets", "requires a time namespace");
  return ret;
}

/* Sysctls the kernel scopes to a namespace; anything else would change the
 * host, so it is refused (as runc does). */
static const struct
{
  const char *name;
  bool prefix;
  enum oci_ns_type ns;
} sysctl_scopes[] = {
  { "net.", true, OCI_NS_NETWORK },
  { "kernel.msgmax", false, OCI_NS_IPC },
  { "kernel.msgmnb", false, OCI_NS_IPC },
  { "kernel.msgmni", false, OCI_NS_IPC },
  { "kernel.sem", false, OCI_NS_IPC },
  { "kernel.shmall", false, OCI_NS_IPC },
  { "kernel.shmmax", false, OCI_NS_IPC },
  { "kernel.shmmni", false, OCI_NS_IPC },
  { "kernel.shm_rmid_forced", false, OCI_NS_IPC },
  { "fs.mqueue.", true, OCI_NS_IPC },
  { "kernel.hostname", false, OCI_NS_UTS },
  { "kernel.domainname", false, OCI_NS_UTS },
};

static const char *const ns_pretty[OCI_NS_COUNT] = {
  [OCI_NS_PID] = "a PID",       [OCI_NS_NETWORK] = "a network", [OCI_NS_MOUNT] = "a mount",
  [OCI_NS_IPC] = "an IPC",      [OCI_NS_UTS] = "a UTS",         [OCI_NS_USER] = "a user",
  [OCI_NS_CGROUP] = "a cgroup", [OCI_NS_TIME] = "a time",
};

static int
check_sysctl (struct jw_ctx *ctx, const struct oci_linux *l)
{
  int failed = 0;

  if (!jw_ok (ctx, "sysctl") || !jw_ok (ctx, "namespaces"))
    return 0;
  for (size_t i = 0; i < l->sysctl.len; i++)
    {
      /* "net/ipv4/ip_forward" is the same knob as "net.ipv4.ip_forward". */
      char *key = strdup (l->sysctl.keys[i]);
      size_t k, n = sizeof sysctl_scopes / sizeof sysctl_scopes[0];
      size_t mark;
      int ret = 0;

      if (key == NULL)
        abort ();
      for (char *c = key; *c; c++)
        if (*c == '/')
          *c = '.';
      for (k = 0; k < n; k++)
        if (sysctl_scopes[k].prefix
                ? strncmp (key, sysctl_scopes[k].name, strlen (sysctl_scopes[k].name)) == 0
                : strcmp (key, sysctl_scopes[k].name) == 0)
          break;
      free (key);

      mark = jw_path_push (ctx, "sysctl");
      jw_path_push (ctx, l->sysctl.keys[i]);
      if (k == n)
        ret = jw_error (ctx, "not a namespaced sysctl");
      else if (find_ns (l, sysctl_scopes[k].ns, NULL) == NULL)
        ret = jw_error (ctx, "requires %s namespace", ns_pretty[sysctl_scopes[k].ns]);
      jw_path_pop (ctx, mark);
      if (!jw_more (ctx, ret))
        return ret;
      failed = failed < 0 ? failed : ret;
    }
  return failed;
}

int
ov_linux (struct jw_ctx *ctx, void *obj)
{
  const struct oci_linux *l = obj;
  int ret = check_namespaces (ctx, l);
  if (!jw_more (ctx, ret))
    return ret;
  return check_sysctl (ctx, l) < 0 ? -1 : ret;
}

/* The documents */

int
ov_config (struct jw_ctx *ctx, void *obj)
{
  const struct oci_config *c = obj;
  const struct oci_namespace *uts = oci_config_namespace (c, OCI_NS_UTS);
  int ret = 0;

  /* Set whenever the property is there, whatever is wrong inside it. */
  if (c->root == NULL)
    ret = jw_error_at (ctx, ".root", "missing required field");
  if (!jw_more (ctx, ret) || !jw_ok (ctx, "linux"))
    return ret;
  /* Without its own UTS namespace the container would rename the host
   * (or whatever it shares the namespace with: a joined one is its pod's). */
  if (c->hostname != NULL && c->hostname[0] != '\0' && uts == NULL)
    ret = jw_error_at (ctx, ".hostname", "requires a UTS namespace");
  if (jw_more (ctx, ret) && c->domainname != NULL && c->domainname[0] != '\0' && uts == NULL)
    ret = jw_error_at (ctx, ".domainname", "requires a UTS namespace");
  return ret;
}

int
ov_state (struct jw_ctx *ctx, void *obj)
{
  const struct oci_state *s = obj;
  bool alive;

  if (!jw_ok (ctx, "status") || !jw_ok (ctx, "pid"))
    return 0;
  alive = strcmp (s->status, "created") == 0 || strcmp (s->status, "running") == 0
          || strcmp (s->status, "paused") == 0;

  if (s->pid < 0)
    return jw_error_at (ctx, ".pid", "must not be negative");
  /* runtime.md: pid is required while there is a process. */
  if (s->pid == 0 && alive)
    return jw_error_at (ctx, ".pid", "missing required field");
  return 0;
}
