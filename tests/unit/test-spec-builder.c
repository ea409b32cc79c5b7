/* Unit tests of spec-builder.c: the flag parsers, the config spec_build
 * makes from the flags (checked field by field, and round-tripped through
 * the emitter and the parser), the default seccomp profile (compiled as
 * create would), and the /etc files. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci-spec.h"
#include "seccomp-bpf.h"
#include "spec-builder.h"
#include "tap.h"
#include "util.h"

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
                             "# a comment\n"
                             "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
                             "bob:x:1001:100::/home/bob:/bin/sh\n";
static const char group[] = "root:x:0:\n"
                            "users:x:100:\n"
                            "alice:x:1000:\n"
                            "audio:x:29:alice,bob\n"
                            "video:x:44:bob\n"
                            "staff:x:50:alice\n";

static char *v_args[] = { "/probe", "pid", NULL };

static bool
strv_contains (char **v, const char *s)
{
  for (; v && *v; v++)
    if (strcmp (*v, s) == 0)
      return true;
  return false;
}

static char *
strv_join (char **v)
{
  char *out = xstrdup ("");
  for (; v && *v; v++)
    {
      char *n = xasprintf ("%s%s%s", out, out[0] ? "," : "", *v);
      free (out);
      out = n;
    }
  return out;
}

static struct oci_config *
build (const struct spec_flags *f, char **errmsg)
{
  rt_error_t err = NULL;
  struct oci_config *c = spec_build (f, &err);

  *errmsg = NULL;
  if (c == NULL)
    {
      *errmsg = rt_error_text (err);
      rt_error_free (&err);
    }
  return c;
}

/* Builds and expects a failure whose message contains `word`. */
static void
build_fails (const struct spec_flags *f, const char *word, const char *name)
{
  char *msg;
  struct oci_config *c = build (f, &msg);

  ok (c == NULL && msg && strstr (msg, word), "%s fails naming `%s`", name, word);
  if (msg && !strstr (msg, word))
    diag ("  message: %s", msg);
  if (c)
    oci_config_free (c);
  free (msg);
}

static const struct oci_mount *
mount_at (const struct oci_config *c, const char *dest)
{
  for (size_t i = 0; i < c->n_mounts; i++)
    if (strcmp (c->mounts[i].destination, dest) == 0)
      return &c->mounts[i];
  return NULL;
}

static const struct oci_seccomp_syscall *
rule_for (const struct oci_seccomp *s, const char *name)
{
  for (size_t i = 0; s && i < s->n_syscalls; i++)
    if (strv_contains (s->syscalls[i].names, name))
      return &s->syscalls[i];
  return NULL;
}

static void
test_bytes_cpus_caps (void)
{
  int64_t n = 0, q = 0;
  uint64_t p = 0;
  char *s;

  ok (spec_parse_bytes ("512m", &n) == 0 && n == 512LL << 20, "512m");
  ok (spec_parse_bytes ("1G", &n) == 0 && n == 1LL << 30, "1G");
  ok (spec_parse_bytes ("10kb", &n) == 0 && n == 10240, "10kb");
  ok (spec_parse_bytes ("4096", &n) == 0 && n == 4096, "plain bytes");
  ok (spec_parse_bytes ("100b", &n) == 0 && n == 100, "b suffix");
  ok (spec_parse_bytes ("1.5g", &n) < 0, "fractions refused");
  ok (spec_parse_bytes ("-1", &n) < 0, "negative refused");
  ok (spec_parse_bytes ("m", &n) < 0 && spec_parse_bytes ("", &n) < 0, "no number refused");
  ok (spec_parse_bytes ("12x", &n) < 0, "unknown suffix refused");
  ok (spec_parse_bytes ("99999999999999t", &n) < 0, "overflow refused");

  ok (spec_parse_cpus ("1.5", &q, &p) == 0 && q == 150000 && p == 100000, "--cpus 1.5");
  ok (spec_parse_cpus ("2", &q, &p) == 0 && q == 200000, "--cpus 2");
  ok (spec_parse_cpus ("0.01", &q, &p) == 0 && q == 1000, "--cpus 0.01: the 1 ms minimum");
  ok (spec_parse_cpus ("0.001", &q, &p) < 0, "--cpus below 1 ms refused");
  ok (spec_parse_cpus ("0", &q, &p) < 0 && spec_parse_cpus ("x", &q, &p) < 0
          && spec_parse_cpus ("1c", &q, &p) < 0 && spec_parse_cpus ("-1", &q, &p) < 0,
      "bad --cpus refused");

  s = spec_cap_canonical ("net_admin");
  is_str (s, "CAP_NET_ADMIN", "capability without CAP_, lower case");
  free (s);
  s = spec_cap_canonical ("CAP_SYS_ADMIN");
  is_str (s, "CAP_SYS_ADMIN", "capability with CAP_");
  free (s);
  s = spec_cap_canonical ("all");
  is_str (s, "ALL", "ALL");
  free (s);
  s = spec_cap_canonical ("CAP_BOGUS");
  ok (s == NULL, "unknown capability");
  free (s);
}

static void
test_user (void)
{
  struct oci_user u;
  rt_error_t err = NULL;

  ok (spec_parse_user ("1000", passwd, group, &u, &err) == 0 && u.uid == 1000 && u.gid == 1000,
      "numeric uid takes its primary group from passwd");
  ok (u.n_additional_gids == 2 && u.additional_gids[0] == 29 && u.additional_gids[1] == 50,
      "and its groups from /etc/group");
  free (u.additional_gids);
  ok (spec_parse_user ("bob", passwd, group, &u, &err) == 0 && u.uid == 1001 && u.gid == 100
          && u.n_additional_gids == 2,
      "user name");
  free (u.additional_gids);
  ok (spec_parse_user ("alice:video", passwd, group, &u, &err) == 0 && u.uid == 1000
          && u.gid == 44 && u.n_additional_gids == 0,
      "user:group names; an explicit group replaces the user's groups");
  ok (spec_parse_user ("5:7", NULL, NULL, &u, &err) == 0 && u.uid == 5 && u.gid == 7,
      "uid:gid without a passwd");
  ok (spec_parse_user ("4242", passwd, group, &u, &err) == 0 && u.uid == 4242 && u.gid == 0,
      "unknown uid: gid 0");
  ok (spec_parse_user ("carol", passwd, group, &u, &err) < 0 && strstr (err->msg, "carol"),
      "unknown user name");
  rt_error_free (&err);
  ok (spec_parse_user ("alice", NULL, NULL, &u, &err) < 0 && strstr (err->msg, "passwd"),
      "a name without the rootfs's passwd");
  rt_error_free (&err);
  ok (spec_parse_user ("1:nogroup", passwd, group, &u, &err) < 0, "unknown group");
  rt_error_free (&err);
  ok (spec_parse_user (":5", passwd, group, &u, &err) < 0
          && spec_parse_user ("5:", passwd, group, (rt_error_free (&err), &u), &err) < 0,
      "empty parts");
  rt_error_free (&err);
  ok (spec_parse_user ("4294967295", NULL, NULL, &u, &err) < 0, "uid -1 refused");
  rt_error_free (&err);
}

static void
clear_mount (struct oci_mount *m)
{
  free (m->source);
  free (m->destination);
  free (m->type);
  for (size_t i = 0; m->options && m->options[i]; i++)
    free (m->options[i]);
  free (m->options);
}

static void
test_mounts (void)
{
  struct oci_mount m;
  rt_error_t err = NULL;
  char *opts;

  ok (spec_parse_mount ("/srv/data:/data", NULL, &m, &err) == 0, "-v HOST:CONTAINER");
  opts = strv_join (m.options);
  ok (strcmp (m.source, "/srv/data") == 0 && strcmp (m.destination, "/data") == 0
          && strcmp (m.type, "bind") == 0 && strcmp (opts, "rbind,rprivate") == 0,
      "a recursive private bind (%s)", opts);
  free (opts);
  clear_mount (&m);

  ok (spec_parse_mount ("data:/data:ro,rslave,nosuid", "/home/me", &m, &err) == 0,
      "relative source and options");
  opts = strv_join (m.options);
  is_str (m.source, "/home/me/data", "relative source taken from the working directory");
  is_str (opts, "rbind,nosuid,rslave,ro", "options");
  free (opts);
  clear_mount (&m);

  ok (spec_parse_mount ("type=bind,source=/a,target=/b,readonly", NULL, &m, &err) == 0
          && strcmp (m.source, "/a") == 0 && strcmp (m.destination, "/b") == 0
          && strv_contains (m.options, "ro"),
      "--mount type=bind,source=,target=,readonly");
  clear_mount (&m);

  ok (spec_parse_mount ("type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=700", NULL, &m, &err) == 0
          && strcmp (m.type, "tmpfs") == 0 && strv_contains (m.options, "size=1048576")
          && strv_contains (m.options, "mode=700"),
      "--mount type=tmpfs");
  clear_mount (&m);

  ok (spec_parse_mount ("/a", NULL, &m, &err) < 0 && strstr (err->msg, "HOST:CONTAINER"),
      "no container path");
  rt_error_free (&err);
  ok (spec_parse_mount ("/a:b", NULL, &m, &err) < 0 && strstr (err->msg, "absolute"),
      "relative container path");
  rt_error_free (&err);
  ok (spec_parse_mount ("a:/b", NULL, &m, &err) < 0, "relative source without a working dir");
  rt_error_free (&err);
  ok (spec_parse_mount ("/a:/b:bogus", NULL, &m, &err) < 0 && strstr (err->msg, "bogus"),
      "unknown option");
  rt_error_free (&err);
  ok (spec_parse_mount ("type=volume,target=/b", NULL, &m, &err) < 0, "volumes refused");
  rt_error_free (&err);
  ok (spec_parse_mount ("type=bind,target=/b", NULL, &m, &err) < 0, "bind without a source");
  rt_error_free (&err);

  ok (spec_parse_tmpfs ("/run", &m, &err) == 0, "--tmpfs PATH");
  opts = strv_join (m.options);
  is_str (opts, "nosuid,nodev,noexec", "tmpfs defaults");
  free (opts);
  clear_mount (&m);
  ok (spec_parse_tmpfs ("/run:exec,size=1m,mode=1777", &m, &err) == 0, "--tmpfs PATH:OPTS");
  opts = strv_join (m.options);
  is_str (opts, "nosuid,nodev,exec,size=1m,mode=1777", "exec drops the noexec default");
  free (opts);
  clear_mount (&m);
  ok (spec_parse_tmpfs ("run", &m, &err) < 0, "relative tmpfs path");
  rt_error_free (&err);
  ok (spec_parse_tmpfs ("/run:bind", &m, &err) < 0 && strstr (err->msg, "bind"),
      "tmpfs option that makes no sense");
  rt_error_free (&err);
}

static void
test_devices (void)
{
  struct spec_device d;
  rt_error_t err = NULL;

  ok (spec_device_parse ("/dev/null", &d, &err) == 0 && strcmp (d.path, "/dev/null") == 0
          && strcmp (d.access, "rwm") == 0,
      "--device HOST");
  spec_device_clear (&d);
  ok (spec_device_parse ("/dev/null:/dev/x", &d, &err) == 0 && strcmp (d.host, "/dev/null") == 0
          && strcmp (d.path, "/dev/x") == 0,
      "--device HOST:CONTAINER");
  spec_device_clear (&d);
  ok (spec_device_parse ("/dev/null:rw", &d, &err) == 0 && strcmp (d.path, "/dev/null") == 0
          && strcmp (d.access, "rw") == 0,
      "--device HOST:rw");
  spec_device_clear (&d);
  ok (spec_device_parse ("/dev/null:/dev/x:r", &d, &err) == 0 && strcmp (d.access, "r") == 0,
      "--device HOST:CONTAINER:r");
  spec_device_clear (&d);
  ok (spec_device_parse ("/dev/null:/dev/x:rwx", &d, &err) < 0, "bad access");
  rt_error_free (&err);
  ok (spec_device_parse ("/dev/null:/dev/x:rr", &d, &err) < 0, "repeated access letter");
  rt_error_free (&err);
  ok (spec_device_parse ("dev/null", &d, &err) < 0, "relative host path");
  rt_error_free (&err);

  ok (spec_device_parse ("/dev/null", &d, &err) == 0 && spec_device_stat (&d, &err) == 0
          && d.type == 'c' && d.major == 1 && d.minor == 3,
      "stat of /dev/null: c 1:3");
  spec_device_clear (&d);
  ok (spec_device_parse ("/", &d, &err) == 0 && spec_device_stat (&d, &err) < 0
          && strstr (err->msg, "not a character or block device"),
      "a directory is not a device");
  rt_error_free (&err);
  spec_device_clear (&d);
}

static void
test_default_template (void)
{
  struct spec_flags f = { 0 };
  struct oci_config *c;
  char *msg;

  ok (!spec_flags_docker (&f), "no flag: not Docker-style");
  c = build (&f, &msg);
  ok (c != NULL, "the default builds");
  if (c == NULL)
    return;
  ok (c->process->terminal && strcmp (c->process->args[0], "sh") == 0 && c->root->readonly,
      "runc's default: sh on a terminal, read-only rootfs");
  ok (strv_len (c->process->capabilities->bounding) == 3, "runc's three capabilities");
  ok (c->linux_->seccomp == NULL && mount_at (c, "/etc/hosts") == NULL,
      "no seccomp, no /etc binds");
  oci_config_free (c);

  f.rootless = true;
  f.host_uid = 1234;
  f.host_gid = 5678;
  c = build (&f, &msg);
  ok (c && c->linux_->n_uid_mappings == 1 && c->linux_->uid_mappings[0].host_id == 1234
          && c->linux_->gid_mappings[0].host_id == 5678,
      "--rootless maps the caller");
  if (c)
    oci_config_free (c);
}

static void
test_docker_defaults (void)
{
  struct spec_flags f = { .args = v_args };
  struct oci_config *c;
  const struct oci_mount *m;
  char *msg, *json;
  size_t len, i;
  bool term = false;

  ok (spec_flags_docker (&f), "--args makes it Docker-style");
  c = build (&f, &msg);
  ok (c != NULL, "builds");
  if (c == NULL)
    return;
  ok (!c->process->terminal && !c->root->readonly, "no terminal, writable rootfs");
  is_str (c->process->args[1], "pid", "args");
  for (i = 0; c->process->env[i]; i++)
    term |= str_has_prefix (c->process->env[i], "TERM=");
  ok (!term, "no TERM without a terminal");
  ok (strv_len (c->process->capabilities->bounding) == 14
          && strv_contains (c->process->capabilities->permitted, "CAP_CHOWN"),
      "Docker's 14 capabilities");
  ok (c->linux_->seccomp && strcmp (c->linux_->seccomp->default_action, "SCMP_ACT_ERRNO") == 0,
      "the default seccomp profile");
  m = mount_at (c, "/etc/resolv.conf");
  ok (m && strcmp (m->source, SPEC_ETC_RESOLV) == 0 && !strv_contains (m->options, "ro"),
      "resolv.conf bound writable from the bundle");
  ok (mount_at (c, "/etc/hosts") && mount_at (c, "/etc/hostname"), "hosts and hostname too");
  ok (strcmp (c->mounts[c->n_mounts - 1].destination, "/etc/resolv.conf") == 0,
      "the /etc binds come last");

  json = oci_config_to_json (c, true, &len);
  oci_config_free (c);
  c = json ? oci_config_parse_data (json, len, "config.json", &msg) : NULL;
  ok (c != NULL, "the emitted config parses again%s%s", c ? "" : ": ", c ? "" : msg);
  ok (c && c->linux_->seccomp && c->linux_->seccomp->n_syscalls >= 3,
      "with its seccomp profile");
  free (json);
  if (c)
    oci_config_free (c);
}

static void
test_flags_applied (void)
{
  char *env[] = { "FOO=bar", "PATH=/opt/bin", NULL };
  char *mounts[] = { "/srv:/srv:ro", NULL };
  char *tmpfs[] = { "/run:size=1m", NULL };
  struct spec_device dev = { .host = "/dev/null", .path = "/dev/mynull", .access = "rw",
                             .type = 'c', .major = 1, .minor = 3, .file_mode = 0666 };
  struct spec_flags f = { .args = v_args, .env = env, .cwd = "/tmp", .user = "alice",
                          .rootfs_passwd = passwd, .rootfs_group = group, .hostname = "box",
                          .mounts = mounts, .tmpfs = tmpfs, .devices = &dev, .n_devices = 1,
                          .read_only = true, .tty = true, .memory = "64m",
                          .pids_limit = "10", .cpus = "0.5", .network = "host" };
  struct oci_config *c;
  const struct oci_resources *r;
  char *msg;

  c = build (&f, &msg);
  ok (c != NULL, "every flag at once builds%s%s", c ? "" : ": ", c ? "" : msg);
  if (c == NULL)
    return;
  ok (strv_contains (c->process->env, "FOO=bar") && strv_contains (c->process->env, "PATH=/opt/bin")
          && strv_len (c->process->env) == 3,
      "--env adds FOO and replaces PATH (TERM kept with --tty)");
  is_str (c->process->cwd, "/tmp", "--cwd");
  ok (c->process->user.uid == 1000 && c->process->user.gid == 1000
          && c->process->user.n_additional_gids == 2,
      "--user alice");
  is_str (c->hostname, "box", "--hostname");
  ok (c->root->readonly && c->process->terminal, "--read-only, --tty");
  ok (mount_at (c, "/srv") && strv_contains (mount_at (c, "/srv")->options, "ro"), "-v");
  ok (mount_at (c, "/run") && strcmp (mount_at (c, "/run")->type, "tmpfs") == 0, "--tmpfs");
  ok (c->linux_->n_devices == 1 && strcmp (c->linux_->devices[0].path, "/dev/mynull") == 0
          && c->linux_->devices[0].type == 'c' && c->linux_->devices[0].major == 1
          && c->linux_->devices[0].minor == 3 && c->linux_->devices[0].file_mode == 0666,
      "--device: linux.devices");
  r = c->linux_->resources;
  ok (r && r->n_devices == 2 && r->devices[1].allow && r->devices[1].major == 1
          && r->devices[1].minor == 3 && strcmp (r->devices[1].access, "rw") == 0
          && !r->devices[0].allow,
      "--device: the cgroup rule after the template's deny-all");
  ok (r && r->memory && r->memory->limit == 64LL << 20, "--memory");
  ok (r && r->pids && r->pids->limit == 10, "--pids-limit");
  ok (r && r->cpu && r->cpu->quota == 50000 && r->cpu->period == 100000, "--cpus");
  ok (oci_config_namespace (c, OCI_NS_NETWORK) == NULL, "--network host: no network namespace");
  oci_config_free (c);

  f.network = "none";
  f.rootless = true;
  f.user = NULL;
  f.n_devices = 0;
  c = build (&f, &msg);
  ok (c && oci_config_namespace (c, OCI_NS_NETWORK) != NULL,
      "--network none adds a network namespace to the rootless template");
  if (c)
    oci_config_free (c);
  f.user = "alice";
  build_fails (&f, "rootless", "--rootless --user alice");
  f.user = NULL;
  f.n_devices = 1;
  build_fails (&f, "/dev/mynull", "--rootless --device with another container path");
}

static void
test_caps (void)
{
  char *add_all[] = { "ALL", NULL }, *drop_mknod[] = { "mknod", NULL };
  char *drop_all[] = { "all", NULL }, *add_net[] = { "NET_ADMIN", NULL };
  char *drop_chown[] = { "CAP_CHOWN", NULL }, *add_chown[] = { "chown", NULL };
  char *bogus[] = { "FLY", NULL };
  struct spec_flags f = { .args = v_args };
  struct oci_config *c;
  char *msg;

  f.cap_add = add_all;
  f.cap_drop = drop_mknod;
  c = build (&f, &msg);
  ok (c && strv_contains (c->process->capabilities->bounding, "CAP_SYS_ADMIN")
          && !strv_contains (c->process->capabilities->bounding, "CAP_MKNOD")
          && strv_len (c->process->capabilities->bounding) > 30,
      "--cap-add=ALL --cap-drop=MKNOD");
  ok (c && rule_for (c->linux_->seccomp, "mount") && rule_for (c->linux_->seccomp, "clone3")
          && strcmp (rule_for (c->linux_->seccomp, "clone3")->action, "SCMP_ACT_ALLOW") == 0,
      "with CAP_SYS_ADMIN the profile allows mount and clone3");
  if (c)
    oci_config_free (c);

  f.cap_add = add_net;
  f.cap_drop = drop_all;
  c = build (&f, &msg);
  ok (c && strv_len (c->process->capabilities->effective) == 1
          && strcmp (c->process->capabilities->effective[0], "CAP_NET_ADMIN") == 0,
      "--cap-drop=ALL --cap-add=NET_ADMIN: only NET_ADMIN");
  if (c)
    oci_config_free (c);

  f.cap_add = add_chown;
  f.cap_drop = drop_chown;
  c = build (&f, &msg);
  ok (c && !strv_contains (c->process->capabilities->permitted, "CAP_CHOWN")
          && strv_len (c->process->capabilities->permitted) == 13,
      "added and dropped: dropped");
  ok (c && rule_for (c->linux_->seccomp, "mount") == NULL
          && rule_for (c->linux_->seccomp, "clone")
          && rule_for (c->linux_->seccomp, "clone")->n_args == 1
          && strcmp (rule_for (c->linux_->seccomp, "clone")->args[0].op, "SCMP_CMP_MASKED_EQ") == 0,
      "without CAP_SYS_ADMIN: no mount, clone without namespace flags");
  if (c)
    oci_config_free (c);

  f.cap_add = bogus;
  f.cap_drop = NULL;
  build_fails (&f, "FLY", "--cap-add FLY");
}

static void
test_seccomp (void)
{
  static const char profile[]
      = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
        "[{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\"}]}";
  static const char bad[] = "{\"defaultAction\": \"SCMP_ACT_FLY\"}";
  struct spec_flags f = { .args = v_args };
  struct seccomp_filter *filter = NULL;
  struct oci_config *c;
  rt_error_t err = NULL;
  char *msg;
  char *all[] = { "ALL", NULL };

  c = build (&f, &msg);
  ok (c && seccomp_compile (c->linux_->seccomp, &filter, &err) == 0 && filter,
      "the default profile compiles");
  seccomp_filter_free (filter);
  filter = NULL;
  ok (c && rule_for (c->linux_->seccomp, "read") && rule_for (c->linux_->seccomp, "keyctl") == NULL
          && rule_for (c->linux_->seccomp, "kexec_load") == NULL,
      "read allowed, keyctl and kexec_load not");
  if (c)
    oci_config_free (c);
  f.cap_add = all;
  c = build (&f, &msg);
  ok (c && seccomp_compile (c->linux_->seccomp, &filter, &err) == 0,
      "the profile with every capability compiles");
  seccomp_filter_free (filter);
  if (c)
    oci_config_free (c);
  f.cap_add = NULL;

  f.seccomp = "unconfined";
  c = build (&f, &msg);
  ok (c && c->linux_->seccomp == NULL, "--seccomp unconfined");
  if (c)
    oci_config_free (c);

  f.seccomp = "profile.json";
  f.seccomp_text = profile;
  f.seccomp_len = strlen (profile);
  c = build (&f, &msg);
  ok (c && c->linux_->seccomp && strcmp (c->linux_->seccomp->default_action, "SCMP_ACT_ALLOW") == 0
          && rule_for (c->linux_->seccomp, "mkdir"),
      "--seccomp FILE");
  if (c)
    oci_config_free (c);
  f.seccomp_text = bad;
  f.seccomp_len = strlen (bad);
  build_fails (&f, "profile.json", "a bad profile: its file");
  build_fails (&f, "defaultAction", "a bad profile: its field");
  f.seccomp_text = "[1";
  f.seccomp_len = 2;
  build_fails (&f, "malformed", "a profile that is not JSON");
}

static void
test_refusals (void)
{
  char *empty_env[] = { "=x", NULL }, *no_eq[] = { "FOO", NULL };
  char *bad_dns[] = { "1.2.3", NULL }, *bad_host[] = { "db", NULL };
  char *bad_host2[] = { "d b:1.2.3.4", NULL };
  struct spec_flags f = { .args = v_args };

  f.env = empty_env;
  build_fails (&f, "=x", "--env =x");
  f.env = no_eq;
  build_fails (&f, "NAME=VALUE", "--env without =");
  f.env = NULL;
  f.cwd = "tmp";
  build_fails (&f, "--cwd", "relative --cwd");
  f.cwd = NULL;
  f.hostname = "bad host";
  build_fails (&f, "--hostname", "bad --hostname");
  f.hostname = NULL;
  f.memory = "lots";
  build_fails (&f, "--memory", "bad --memory");
  f.memory = NULL;
  f.pids_limit = "-2";
  build_fails (&f, "--pids-limit", "bad --pids-limit");
  f.pids_limit = NULL;
  f.cpus = "0";
  build_fails (&f, "--cpus", "bad --cpus");
  f.cpus = NULL;
  f.network = "bridge";
  build_fails (&f, "bridge", "--network bridge");
  f.network = NULL;
  f.dns = bad_dns;
  build_fails (&f, "1.2.3", "bad --dns");
  f.dns = NULL;
  f.add_hosts = bad_host;
  build_fails (&f, "NAME:IP", "--add-host without IP");
  f.add_hosts = bad_host2;
  build_fails (&f, "NAME:IP", "--add-host with a bad name");
}

static void
test_etc_files (void)
{
  static const char host_resolv[] = "# generated\n"
                                    "nameserver 127.0.0.53\n"
                                    "nameserver 10.0.0.1\n"
                                    "search corp.example\n"
                                    "options edns0 trust-ad\n";
  char *hosts[] = { "db:10.1.2.3", "v6=fd00::1", NULL };
  char *dns[] = { "9.9.9.9", NULL }, *search[] = { "a.example", "b.example", NULL };
  char *dot[] = { ".", NULL };
  char *etc_mount[] = { "/srv/hosts:/etc/hosts", NULL };
  struct spec_flags f = { .args = v_args, .hostname = "box", .add_hosts = hosts,
                          .host_resolv = host_resolv, .host_hosts = "1.1.1.1 hosty" };
  struct spec_etc_files e;
  struct oci_config *c;
  rt_error_t err = NULL;
  char *msg;

  c = build (&f, &msg);
  ok (c && spec_etc_files (&f, c, &e, &err) == 0, "etc files");
  if (c == NULL)
    return;
  ok (strstr (e.hosts, "127.0.0.1\tlocalhost\n") && strstr (e.hosts, "127.0.1.1\tbox\n")
          && strstr (e.hosts, "10.1.2.3\tdb\n") && strstr (e.hosts, "fd00::1\tv6\n")
          && !strstr (e.hosts, "hosty"),
      "hosts: localhost, the hostname, --add-host (NAME:IP and NAME=IP)");
  is_str (e.hostname, "box\n", "hostname");
  is_str (e.resolv, "nameserver 10.0.0.1\nsearch corp.example\noptions edns0 trust-ad\n",
          "resolv.conf: the host's, without its loopback nameserver");
  spec_etc_files_clear (&e);
  oci_config_free (c);

  f.network = "host";
  c = build (&f, &msg);
  ok (c && spec_etc_files (&f, c, &e, &err) == 0, "etc files, host network");
  ok (c && strncmp (e.hosts, "1.1.1.1 hosty\n", 14) == 0 && strstr (e.hosts, "10.1.2.3\tdb\n"),
      "hosts: the host's, then --add-host");
  ok (c && strstr (e.resolv, "nameserver 127.0.0.53\n"),
      "resolv.conf keeps a loopback nameserver on the host network");
  spec_etc_files_clear (&e);
  if (c)
    oci_config_free (c);

  f.network = NULL;
  f.dns = dns;
  f.dns_search = search;
  c = build (&f, &msg);
  ok (c && spec_etc_files (&f, c, &e, &err) == 0, "etc files, --dns");
  if (c)
    is_str (e.resolv, "nameserver 9.9.9.9\nsearch a.example b.example\noptions edns0 trust-ad\n",
            "resolv.conf: --dns and --dns-search replace, options stay");
  spec_etc_files_clear (&e);
  if (c)
    oci_config_free (c);

  f.dns = NULL;
  f.dns_search = dot;
  f.host_resolv = NULL;
  c = build (&f, &msg);
  ok (c && spec_etc_files (&f, c, &e, &err) == 0 && strcmp (e.resolv, "") == 0,
      "--dns-search . and no host resolv.conf: empty");
  spec_etc_files_clear (&e);
  if (c)
    oci_config_free (c);

  f.dns_search = NULL;
  f.mounts = etc_mount;
  c = build (&f, &msg);
  ok (c && mount_at (c, "/etc/hosts")
          && strcmp (mount_at (c, "/etc/hosts")->source, "/srv/hosts") == 0
          && mount_at (c, "/etc/hostname"),
      "a -v onto /etc/hosts replaces the bundle's");
  if (c)
    oci_config_free (c);
}

int
main (void)
{
  test_bytes_cpus_caps ();
  test_user ();
  test_mounts ();
  test_devices ();
  test_default_template ();
  test_docker_defaults ();
  test_flags_applied ();
  test_caps ();
  test_seccomp ();
  test_refusals ();
  test_etc_files ();
  return done_testing ();
}
