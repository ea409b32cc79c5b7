/* Bundle loading and the host-facing checks of a config. */
#include <config.h>
#include "spec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

int
spec_load_bundle (const char *path, struct bundle *b, rt_error_t *err)
{
  cleanup_free char *cfgpath = NULL;
  cleanup_free char *rootpath = NULL;
  char *msg = NULL;
  struct stat st;
  int dfd;

  memset (b, 0, sizeof *b);
  b->path = realpath (path ? path : ".", NULL);
  if (b->path == NULL)
    return rt_error_set (err, errno, "bundle `%s`", path ? path : ".");
  dfd = open (b->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    {
      rt_error_set (err, errno, "bundle `%s`", b->path);
      goto fail;
    }
  if (read_file_at (dfd, "config.json", &b->raw, &b->raw_len, err) < 0)
    {
      close (dfd);
      if ((*err)->errnum == ENOENT)
        {
          rt_error_free (err);
          rt_error_set (err, 0, "bundle `%s`: config.json: no such file", b->path);
        }
      goto fail;
    }
  close (dfd);
  b->config = oci_config_parse_data (b->raw, b->raw_len, "config.json", &msg);
  if (b->config == NULL)
    {
      rt_error_set (err, 0, "%s", msg ? msg : "config.json: invalid");
      free (msg);
      goto fail;
    }
  if (b->config->root == NULL || b->config->root->path == NULL)
    {
      rt_error_set (err, 0, "config.json: .root.path: missing required field");
      goto fail;
    }
  rootpath = b->config->root->path[0] == '/'
                 ? xstrdup (b->config->root->path)
                 : xasprintf ("%s/%s", b->path, b->config->root->path);
  b->rootfs = realpath (rootpath, NULL);
  if (b->rootfs == NULL || stat (b->rootfs, &st) < 0 || !S_ISDIR (st.st_mode))
    {
      rt_error_set (err, b->rootfs ? ENOTDIR : errno, "config.json: .root.path: `%s`", rootpath);
      goto fail;
    }
  return 0;

fail:
  spec_bundle_clear (b);
  return -1;
}

void
spec_bundle_clear (struct bundle *b)
{
  if (b->config)
    oci_config_free (b->config);
  free (b->raw);
  free (b->path);
  free (b->rootfs);
  memset (b, 0, sizeof *b);
}

int
spec_check_runnable (const struct oci_config *c, rt_error_t *err)
{
  if (c->process == NULL)
    return rt_error_set (err, 0, "config.json: .process: missing required field");
  if (oci_config_namespace (c, OCI_NS_MOUNT) == NULL)
    return rt_error_set (err, 0,
                         "config.json: .linux.namespaces: a mount namespace is required");
  return 0;
}
