/* Loading a bundle: config.json through oci-spec, plus the checks that
 * need the host (bundle and rootfs exist).  No side effects. */
#ifndef COVE_SPEC_H
#define COVE_SPEC_H

#include <stddef.h>

#include "error.h"
#include "oci-spec.h"

struct bundle
{
  struct oci_config *config;
  char *raw; /* config.json bytes, saved in the state dir */
  size_t raw_len;
  char *path;   /* absolute, symlinks resolved */
  char *rootfs; /* absolute, symlinks resolved */
  int rootfs_fd; /* O_PATH of the rootfs as validated: what gets mounted */
};

/* `path` NULL means the current directory; `config_name` NULL means
 * config.json. */
int spec_load_bundle (const char *path, struct bundle *b, rt_error_t *err);
void spec_bundle_clear (struct bundle *b);

/* Checks a container needs beyond oci-spec's: a process, a mount
 * namespace (pivot_root must never touch the host's). */
int spec_check_runnable (const struct oci_config *c, rt_error_t *err);

/* config.json written by `cove spec` (rootless: user namespace, no
 * devices bind, ...). */
const char *spec_default_config (int rootless);

#endif
