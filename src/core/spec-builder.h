/* `cove spec` with Docker-style flags: the flags, parsed into a struct
 * oci_config that starts from the default template, and the contents of
 * the bundle's /etc/hosts, /etc/hostname and /etc/resolv.conf.
 *
 * Everything here is pure (no syscalls) except spec_device_stat: what the
 * builder needs to know about the host (its resolv.conf, the rootfs's
 * /etc/passwd, the device nodes) is read by the caller and handed in, so
 * the unit tests can feed any host they like. */
#ifndef COVE_SPEC_BUILDER_H
#define COVE_SPEC_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "oci-spec.h"

/* --device HOST[:CONTAINER[:rwm]]: spec_device_parse fills host, path and
 * access; spec_device_stat the rest from the host's node. */
struct spec_device
{
  char *host;     /* owned */
  char *path;     /* owned; in the container */
  char access[4]; /* subset of "rwm", NUL-terminated */
  char type;      /* 'c' or 'b' */
  int64_t major;
  int64_t minor;
  uint32_t file_mode; /* permission bits of the host's node */
};

/* The command line of `cove spec`, as given (strings are borrowed; the
 * vectors are NULL-terminated, NULL when the flag was not given). */
struct spec_flags
{
  bool rootless;
  uint32_t host_uid; /* mapped to root by --rootless */
  uint32_t host_gid;

  char **args; /* --args / after `--` */
  char **env;  /* NAME=VALUE (a bare NAME is resolved by the caller) */
  const char *cwd;
  const char *user; /* uid[:gid] or names from the rootfs */
  const char *hostname;
  char **cap_add;
  char **cap_drop;
  const struct spec_device *devices; /* resolved by spec_device_stat */
  size_t n_devices;
  char **mounts; /* -v / --mount */
  char **tmpfs;
  bool read_only;
  bool tty;
  const char *memory;
  const char *pids_limit;
  const char *cpus;
  const char *network; /* none or host */
  char **add_hosts;
  char **dns;
  char **dns_search;
  const char *seccomp; /* default, unconfined, or a file (its text below) */
  const char *seccomp_text;
  size_t seccomp_len;

  /* Host facts, read by the caller; NULL when not available. */
  const char *work_dir;      /* relative mount sources are taken from here */
  const char *rootfs_passwd; /* the rootfs's /etc/passwd, for --user names */
  const char *rootfs_group;  /* the rootfs's /etc/group */
  const char *host_resolv;   /* the host's /etc/resolv.conf */
  const char *host_hosts;    /* the host's /etc/hosts (--network host) */
};

/* Whether any Docker-style flag is set.  Without one, spec_build gives the
 * runc-compatible default unchanged; with one, the config takes docker
 * run's defaults: no terminal unless --tty, a writable rootfs unless
 * --read-only, Docker's capability set, the default seccomp profile, and
 * /etc/hosts, /etc/hostname and /etc/resolv.conf bound from the bundle. */
bool spec_flags_docker (const struct spec_flags *f);

/* The config for `f`: the template parsed with oci_config_parse_data, then
 * each flag applied.  Errors name the flag and the value at fault. */
struct oci_config *spec_build (const struct spec_flags *f, rt_error_t *err);

/* The bundle files the Docker-style config binds into the container, by
 * their names in the bundle (SPEC_ETC_*).  Built from the flags and from
 * the config spec_build made (its hostname). */
#define SPEC_ETC_HOSTS "hosts"
#define SPEC_ETC_HOSTNAME "hostname"
#define SPEC_ETC_RESOLV "resolv.conf"
struct spec_etc_files
{
  char *hosts;    /* owned */
  char *hostname; /* owned */
  char *resolv;   /* owned */
};
int spec_etc_files (const struct spec_flags *f, const struct oci_config *c,
                    struct spec_etc_files *out, rt_error_t *err);
void spec_etc_files_clear (struct spec_etc_files *e);

/* Parsers of single flag values, exposed for the unit tests. */
/* "512m", "1g", "100000": bytes (b, k, m, g, t; binary multiples). */
int spec_parse_bytes (const char *s, int64_t *out);
/* "1.5" → quota 150000 for the period 100000. */
int spec_parse_cpus (const char *s, int64_t *quota, uint64_t *period);
/* "net_admin", "CAP_NET_ADMIN", "ALL" → "CAP_NET_ADMIN" or "ALL"
 * (malloc'd), NULL when unknown. */
char *spec_cap_canonical (const char *name);
/* uid[:gid], names looked up in passwd/group (either may be NULL).  A uid
 * without a gid takes the user's primary group from passwd, else 0; the
 * groups that list the user become additionalGids. */
int spec_parse_user (const char *s, const char *passwd, const char *group, struct oci_user *out,
                     rt_error_t *err);
/* -v HOST:CONTAINER[:OPTS] or --mount type=bind,source=..,target=..[,readonly]
 * (also type=tmpfs); relative sources are made absolute from work_dir.
 * Fills a mount whose strings are malloc'd. */
int spec_parse_mount (const char *s, const char *work_dir, struct oci_mount *out,
                      rt_error_t *err);
/* --tmpfs PATH[:OPTS] */
int spec_parse_tmpfs (const char *s, struct oci_mount *out, rt_error_t *err);

int spec_device_parse (const char *s, struct spec_device *out, rt_error_t *err);
/* The one host-facing call: type, numbers and mode of d->host (stat(2),
 * following symlinks as /dev/disk/by-id links need). */
int spec_device_stat (struct spec_device *d, rt_error_t *err);
void spec_device_clear (struct spec_device *d);

/* Templates (spec-default.c). */
/* Docker's default capability set, NULL-terminated. */
extern const char *const spec_docker_caps[];
/* The built-in default seccomp profile: an allow-list comparable to
 * Docker's, widened for the capabilities in `caps` (the bounding set,
 * NULL-terminated) as Docker widens it.  Malloc'd; free with the config. */
struct oci_seccomp *spec_default_seccomp (char *const *caps);

#endif
