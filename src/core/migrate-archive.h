/* The portable checkpoint: one tar archive holding a checkpoint's image
 * files, the bundle's config.json and the data of the volumes the config
 * marks for migration, so a container can move to a host that has its
 * image (the rootfs is not carried, as after a registry pull).
 *
 * Archive layout (POSIX ustar, pax records for long names and big ids),
 * in this order:
 *   manifest.json        {"version":1,"volumes":[{"destination":"/data",
 *                         "dir":"volumes/0"}, ...]}
 *   config.json          the bundle's config.json, byte for byte
 *   images/...           the image dir (directories and regular files; a
 *                        pre-dump's `parent` symlink is carried as the
 *                        directory it points to)
 *   volumes/<n>/...      the source directory of the n-th marked volume
 *                        (directories, regular files, symlinks; sockets
 *                        are skipped, devices and fifos refused)
 * The file is written 0600: it holds the process's memory. */
#ifndef COVE_MIGRATE_ARCHIVE_H
#define COVE_MIGRATE_ARCHIVE_H

#include <stdint.h>

#include "error.h"

/* Comma-separated mount destinations whose (bind mount) source
 * directories travel with the container, e.g. "/data,/var/lib/app". */
#define MIGRATE_VOLUMES_ANNOTATION "dev.cove.migrate.volumes"
#define MIGRATE_MANIFEST "manifest.json"
#define MIGRATE_VOLUMES_DIR "volumes"

/* Limits import enforces on an archive (it is treated as hostile). */
#define MIGRATE_MAX_BYTES (64ULL << 30) /* file data in all */
#define MIGRATE_MAX_ENTRIES 1000000
#define MIGRATE_MAX_CONFIG (4u << 20)   /* config.json */
#define MIGRATE_MAX_MANIFEST (1u << 20) /* manifest.json */

/* Write `file` (atomically: a temporary name beside it, renamed over)
 * from the image dir, bundle/config.json and the marked volumes.  Every
 * marked destination must be a bind mount of the config whose source
 * (relative to the bundle when not absolute) is a directory; the last
 * mount at a destination is the one taken, as it is the one the
 * container sees.  Nothing is left behind on failure. */
int migrate_export (const char *bundle, const char *image_dir, const char *file, rt_error_t *err);

/* Unpack `file` into new_bundle: the volumes into new_bundle/volumes/<n>
 * (which must not exist yet), the images into image_dir (created if
 * missing, else it must be empty), and config.json (replaced) with each
 * marked volume's bind source pointing at new_bundle/volumes/<n>.
 * new_bundle must already hold the config's root.path.  Only what export
 * writes is accepted: entries are created relative to directory fds,
 * never through a symlink, with no absolute names, no `..`, no
 * hardlinks, devices or fifos, setuid/setgid bits dropped, within the
 * MIGRATE_MAX_* limits; errors name the entry.  On failure what import
 * created is removed and config.json is untouched. */
int migrate_import (const char *file, const char *new_bundle, const char *image_dir,
                    rt_error_t *err);

#endif
