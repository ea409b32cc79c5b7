/* migrate-archive.c: a bundle with two marked volumes (nested dirs,
 * symlinks, modes, owners, long names) and a pre-dump chain of images
 * survives export + import; hostile archives (`..`, absolute names,
 * symlink-then-file, devices, hardlinks, stray entries, size bombs,
 * truncation) are refused naming the entry, leaving nothing behind. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "migrate-archive.h"
#include "oci-spec.h"
#include "tap.h"
#include "util.h"

static char T[64];

static char *
P (const char *rel)
{
  return xasprintf ("%s/%s", T, rel);
}

static void
put (const char *rel, const char *data, mode_t mode)
{
  cleanup_free char *p = P (rel);
  int fd = open (p, O_WRONLY | O_CREAT | O_TRUNC, 0600);

  if (fd < 0 || write_all (fd, data, strlen (data)) < 0 || fchmod (fd, mode) < 0)
    {
      perror (p);
      exit (2);
    }
  close (fd);
}

static void
dir (const char *rel)
{
  cleanup_free char *p = P (rel);
  if (mkdir (p, 0755) < 0 && errno != EEXIST)
    {
      perror (p);
      exit (2);
    }
}

static char *
slurp (const char *rel)
{
  cleanup_free char *p = P (rel);
  rt_error_t err = NULL;
  char *out = NULL;

  if (read_file_at (AT_FDCWD, p, &out, NULL, &err) < 0)
    {
      rt_error_free (&err);
      return NULL;
    }
  return out;
}

static bool
exists (const char *rel)
{
  cleanup_free char *p = P (rel);
  struct stat st;
  return lstat (p, &st) == 0;
}

static mode_t
mode_of (const char *rel)
{
  cleanup_free char *p = P (rel);
  struct stat st;
  return lstat (p, &st) == 0 ? st.st_mode : 0;
}

static char *
link_of (const char *rel)
{
  cleanup_free char *p = P (rel);
  char buf[4096];
  ssize_t n = readlink (p, buf, sizeof buf - 1);

  if (n < 0)
    return NULL;
  buf[n] = '\0';
  return xstrdup (buf);
}

static const char *CONFIG_FMT
    = "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
      "\"process\":{\"args\":[\"/probe\"],\"cwd\":\"/\"},"
      "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
      "{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"vol1\",\"options\":[\"rbind\"]},"
      "{\"destination\":\"/logs\",\"source\":\"%s/vol2\",\"options\":[\"bind\",\"rw\"]},"
      "{\"destination\":\"/scratch\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}],"
      "\"annotations\":{\"" MIGRATE_VOLUMES_ANNOTATION "\":\"%s\"}}";

static void
write_config (const char *bundle_rel, const char *volumes)
{
  cleanup_free char *rel = xasprintf ("%s/config.json", bundle_rel);
  cleanup_free char *json = xasprintf (CONFIG_FMT, T, volumes);
  put (rel, json, 0644);
}

/* ---- a raw tar writer for hostile archives ----------------------------- */

static void
raw_header (FILE *f, const char *name, char type, uint64_t size, const char *link)
{
  unsigned char h[512];
  unsigned sum = 0;
  size_t i;

  memset (h, 0, sizeof h);
  snprintf ((char *) h, 100, "%s", name);
  snprintf ((char *) h + 100, 8, "%07o", 0644);
  snprintf ((char *) h + 108, 8, "%07o", 0);
  snprintf ((char *) h + 116, 8, "%07o", 0);
  snprintf ((char *) h + 124, 12, "%011llo", (unsigned long long) (size & 077777777777ULL));
  snprintf ((char *) h + 136, 12, "%011o", 0);
  h[156] = (unsigned char) type;
  if (link)
    snprintf ((char *) h + 157, 100, "%s", link);
  memcpy (h + 257, "ustar", 6);
  memcpy (h + 263, "00", 2);
  memset (h + 148, ' ', 8);
  for (i = 0; i < 512; i++)
    sum += h[i];
  snprintf ((char *) h + 148, 8, "%06o", sum);
  fwrite (h, 1, 512, f);
}

static void
raw_data (FILE *f, const char *data, size_t len)
{
  static const char zero[512];
  fwrite (data, 1, len, f);
  fwrite (zero, 1, (512 - len % 512) % 512, f);
}

static void
raw_file (FILE *f, const char *name, const char *data)
{
  raw_header (f, name, '0', strlen (data), NULL);
  raw_data (f, data, strlen (data));
}

/* A valid start (manifest with one volume /data, config), then the caller's
 * entries; `end` adds the two zero blocks. */
static FILE *
hostile_begin (const char *name)
{
  cleanup_free char *p = P (name);
  cleanup_free char *cfg = xasprintf (CONFIG_FMT, T, "/data");
  FILE *f = fopen (p, "w");

  raw_file (f, MIGRATE_MANIFEST,
            "{\"version\":1,\"volumes\":[{\"destination\":\"/data\",\"dir\":\"volumes/0\"}]}");
  raw_file (f, "config.json", cfg);
  raw_header (f, "images/", '5', 0, NULL);
  raw_header (f, "volumes/", '5', 0, NULL);
  raw_header (f, "volumes/0/", '5', 0, NULL);
  return f;
}

static void
hostile_end (FILE *f, bool end)
{
  static const char zero[1024];
  if (end)
    fwrite (zero, 1, sizeof zero, f);
  fclose (f);
}

/* Import name into bundle "hb" (images "hi"); the error must contain
 * `want`; nothing of the import may remain. */
static void
expect_refused (const char *name, const char *want, const char *what)
{
  cleanup_free char *file = P (name);
  cleanup_free char *nb = P ("hb");
  cleanup_free char *ni = P ("hi");
  rt_error_t err = NULL;
  int ret = migrate_import (file, nb, ni, &err);

  ok (ret < 0 && err && strstr (err->msg, want), "refused: %s", what);
  if (err)
    diag ("  %s", err->msg);
  else
    diag ("  accepted");
  ok (!exists ("hb/volumes") && !exists ("hi") && !exists ("outside/pwned") && !exists ("evil"),
      "  ... and nothing is left (%s)", what);
  rt_error_free (&err);
}

int
main (void)
{
  rt_error_t err = NULL;
  bool root = geteuid () == 0;
  int ret;

  snprintf (T, sizeof T, "/tmp/test-migrate-XXXXXX");
  if (mkdtemp (T) == NULL)
    skip_all ("mkdtemp");

  /* ---- the source: bundle b, volumes vol1 (relative) and vol2 -------- */
  dir ("b");
  dir ("b/rootfs");
  dir ("b/vol1");
  dir ("b/vol1/sub");
  dir ("b/vol1/sub/deeper");
  dir ("b/vol1/empty");
  dir ("vol2");
  dir ("outside");
  write_config ("b", " /data , /logs");
  put ("b/vol1/a.txt", "line 1\nline 2\n", 0640);
  put ("b/vol1/sub/deeper/b.txt", "deep\n", 0600);
  put ("b/vol1/suid", "#!/bin/sh\n", 04755);
  put ("vol2/c.txt", "logs\n", 0644);
  {
    /* Longer than ustar's 100 bytes: a pax path record. */
    char name[200];
    snprintf (name, sizeof name, "b/vol1/sub/%0150d", 7);
    put (name, "long\n", 0644);
  }
  {
    cleanup_free char *big = xmalloc (300000);
    cleanup_free char *p = P ("b/vol1/big.bin");
    int fd = open (p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    for (size_t i = 0; i < 300000; i++)
      big[i] = (char) (i * 7 + i / 511);
    (void) write_all (fd, big, 300000);
    close (fd);
  }
  {
    cleanup_free char *l1 = P ("b/vol1/rel-link");
    cleanup_free char *l2 = P ("b/vol1/sub/abs-link");
    cleanup_free char *own = P ("b/vol1/owned");
    cleanup_free char *sock = P ("b/vol1/app.sock");
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int s = socket (AF_UNIX, SOCK_STREAM, 0);

    (void) !symlink ("a.txt", l1);
    (void) !symlink ("/etc/passwd", l2);
    put ("b/vol1/owned", "x", 0644);
    if (root)
      (void) !chown (own, 1234, 5678);
    snprintf (sa.sun_path, sizeof sa.sun_path, "%s", sock);
    (void) !bind (s, (struct sockaddr *) &sa, sizeof sa);
    close (s);
  }
  /* images: a final dump whose `parent` link points at a pre-dump */
  dir ("img");
  dir ("pre");
  put ("img/core-1.img", "core image", 0600);
  put ("img/pages-1.img", "final pages", 0600);
  put ("pre/pages-1.img", "pre-dump pages", 0600);
  {
    cleanup_free char *l = P ("img/parent");
    (void) !symlink ("../pre", l);
  }

  /* ---- export ------------------------------------------------------------ */
  {
    cleanup_free char *b = P ("b"), *img = P ("img"), *file = P ("ck.tar");
    ret = migrate_export (b, img, file, &err);
    ok (ret == 0, "export a bundle with two volumes");
    if (err)
      diag ("%s", err->msg), rt_error_free (&err);
    is_int (mode_of ("ck.tar") & 07777, 0600, "the archive is 0600 (it holds process memory)");
    if (access ("/usr/bin/tar", X_OK) == 0 || access ("/bin/tar", X_OK) == 0)
      {
        cleanup_free char *cmd = xasprintf ("tar -tf %s >/dev/null 2>&1", file);
        ok (system (cmd) == 0, "tar(1) reads the archive");
      }
    else
      skip (1, "no tar(1)");
  }

  /* ---- import into a new bundle ------------------------------------------ */
  dir ("nb");
  dir ("nb/rootfs");
  {
    cleanup_free char *file = P ("ck.tar"), *nb = P ("nb"), *ni = P ("ni");
    cleanup_free char *cfg = NULL, *errmsg = NULL;
    cleanup_free char *want0 = P ("nb/volumes/0"), *want1 = P ("nb/volumes/1");
    struct oci_config *c;

    ret = migrate_import (file, nb, ni, &err);
    ok (ret == 0, "import into a bundle that has the rootfs");
    if (err)
      diag ("%s", err->msg), rt_error_free (&err);
    cfg = slurp ("nb/config.json");
    c = cfg ? oci_config_parse_data (cfg, strlen (cfg), "config.json", &errmsg) : NULL;
    ok (c != NULL, "the new config.json parses");
    if (c != NULL)
      {
        is_str (c->mounts[1].source, want0, "/data now binds nb/volumes/0");
        is_str (c->mounts[2].source, want1, "/logs now binds nb/volumes/1");
        is_str (c->mounts[3].source, "tmpfs", "an unmarked mount is untouched");
        is_str (c->root->path, "rootfs", "root.path kept");
        is_str (oci_map_get (&c->annotations, MIGRATE_VOLUMES_ANNOTATION), " /data , /logs",
                "the annotation is kept (the container can move on)");
        oci_config_free (c);
      }
    else
      skip (5, "no config");
  }
  {
    cleanup_free char *a = slurp ("nb/volumes/0/a.txt");
    cleanup_free char *d = slurp ("nb/volumes/0/sub/deeper/b.txt");
    cleanup_free char *c = slurp ("nb/volumes/1/c.txt");
    cleanup_free char *big1 = slurp ("b/vol1/big.bin");
    cleanup_free char *l1 = link_of ("nb/volumes/0/rel-link");
    cleanup_free char *l2 = link_of ("nb/volumes/0/sub/abs-link");
    cleanup_free char *img = slurp ("ni/core-1.img");
    cleanup_free char *pre = slurp ("ni/parent/pages-1.img");
    char name[200];
    struct stat st1, st2;
    cleanup_free char *p1 = P ("b/vol1/big.bin"), *p2 = P ("nb/volumes/0/big.bin");
    cleanup_free char *o = P ("nb/volumes/0/owned");

    is_str (a, "line 1\nline 2\n", "file contents");
    is_str (d, "deep\n", "nested directories");
    is_str (c, "logs\n", "the second volume");
    ok (stat (p1, &st1) == 0 && stat (p2, &st2) == 0 && st1.st_size == st2.st_size
            && st2.st_size == 300000,
        "a 300 kB file keeps its size");
    {
      cleanup_free char *big2 = slurp ("nb/volumes/0/big.bin");
      ok (big1 && big2 && memcmp (big1, big2, 300000) == 0, "... and its bytes");
    }
    is_int (mode_of ("nb/volumes/0/a.txt") & 07777, 0640, "file mode kept");
    is_int (mode_of ("nb/volumes/0/sub/deeper/b.txt") & 07777, 0600, "file mode kept (0600)");
    is_int (mode_of ("nb/volumes/0/suid") & 07777, 0755, "setuid bit dropped");
    ok (S_ISDIR (mode_of ("nb/volumes/0/empty")), "an empty directory");
    is_str (l1, "a.txt", "relative symlink kept");
    is_str (l2, "/etc/passwd", "absolute symlink kept as a symlink (not followed)");
    ok (!exists ("nb/volumes/0/app.sock"), "a socket is not carried");
    snprintf (name, sizeof name, "nb/volumes/0/sub/%0150d", 7);
    ok (exists (name), "a name longer than 100 bytes (pax)");
    if (root)
      ok (stat (o, &st1) == 0 && st1.st_uid == 1234 && st1.st_gid == 5678, "owner kept");
    else
      skip (1, "not root");
    is_str (img, "core image", "images extracted into the image dir");
    is_str (pre, "pre-dump pages", "the pre-dump parent carried as a directory");
    ok (S_ISDIR (mode_of ("ni/parent")), "... not as a link");
  }

  /* ---- refusals of import --------------------------------------------------- */
  {
    cleanup_free char *file = P ("ck.tar"), *nb = P ("nb"), *ni = P ("ni2");
    ret = migrate_import (file, nb, ni, &err);
    ok (ret < 0 && strstr (err->msg, "volumes"), "import refuses a bundle that has volumes/");
    if (err)
      diag ("  %s", err->msg), rt_error_free (&err);
    ok (!exists ("ni2"), "... before creating the image dir");
  }
  dir ("norootfs");
  {
    cleanup_free char *file = P ("ck.tar"), *nb = P ("norootfs"), *ni = P ("ni3");
    ret = migrate_import (file, nb, ni, &err);
    ok (ret < 0 && strstr (err->msg, "has no rootfs `rootfs`"),
        "import refuses a bundle without the rootfs");
    if (err)
      diag ("  %s", err->msg), rt_error_free (&err);
    ok (!exists ("norootfs/volumes") && !exists ("ni3") && !exists ("norootfs/config.json"),
        "... leaving nothing");
  }

  /* ---- refusals of export --------------------------------------------------- */
  write_config ("b", "/data,/scratch");
  {
    cleanup_free char *b = P ("b"), *img = P ("img"), *file = P ("bad.tar");
    ret = migrate_export (b, img, file, &err);
    ok (ret < 0 && strstr (err->msg, "`/scratch` is not a bind mount"),
        "export refuses a marked tmpfs");
    if (err)
      diag ("  %s", err->msg), rt_error_free (&err);
    ok (!exists ("bad.tar"), "... and writes no file");
  }
  write_config ("b", "/data");
  put ("b/vol1/dev-like", "", 0644);
  {
    cleanup_free char *b = P ("b"), *img = P ("img"), *file = P ("bad.tar");
    cleanup_free char *fifo = P ("b/vol1/fifo");
    (void) mkfifo (fifo, 0644);
    ret = migrate_export (b, img, file, &err);
    ok (ret < 0 && strstr (err->msg, "fifo"), "export refuses a fifo in a volume");
    if (err)
      diag ("  %s", err->msg), rt_error_free (&err);
    ok (!exists ("bad.tar"), "... and leaves no temporary file");
    unlink (fifo);
  }

  /* ---- hostile archives ------------------------------------------------------ */
  dir ("hb");
  dir ("hb/rootfs");
  {
    FILE *f = hostile_begin ("h1.tar");
    raw_file (f, "images/../../evil", "x");
    hostile_end (f, true);
    expect_refused ("h1.tar", "`..` component", "a `..` name");
  }
  {
    FILE *f = hostile_begin ("h2.tar");
    cleanup_free char *abs = P ("evil");
    raw_file (f, abs, "x");
    hostile_end (f, true);
    expect_refused ("h2.tar", "absolute name", "an absolute name");
  }
  {
    /* The classic: a symlink out, then a file through it. */
    FILE *f = hostile_begin ("h3.tar");
    cleanup_free char *out = P ("outside");
    raw_header (f, "volumes/0/link", '2', 0, out);
    raw_file (f, "volumes/0/link/pwned", "x");
    hostile_end (f, true);
    expect_refused ("h3.tar", "`link` is not a directory of the archive", "symlink then file");
  }
  {
    FILE *f = hostile_begin ("h4.tar");
    raw_header (f, "volumes/0/sda", '4', 0, NULL);
    hostile_end (f, true);
    expect_refused ("h4.tar", "type `4` is not accepted", "a block device");
  }
  {
    FILE *f = hostile_begin ("h5.tar");
    raw_header (f, "volumes/0/hard", '1', 0, "/etc/shadow");
    hostile_end (f, true);
    expect_refused ("h5.tar", "type `1` is not accepted", "a hardlink");
  }
  {
    FILE *f = hostile_begin ("h6.tar");
    raw_header (f, "images/parent", '2', 0, "/");
    hostile_end (f, true);
    expect_refused ("h6.tar", "a symlink in the images", "a symlink in the images");
  }
  {
    FILE *f = hostile_begin ("h7.tar");
    raw_file (f, "etc/passwd", "x");
    hostile_end (f, true);
    expect_refused ("h7.tar", "`etc/passwd`: unexpected", "an entry outside images/ and volumes/");
  }
  {
    FILE *f = hostile_begin ("h8.tar");
    raw_header (f, "volumes/1/", '5', 0, NULL);
    hostile_end (f, true);
    expect_refused ("h8.tar", "`volumes/1`: unexpected", "a volume the manifest does not list");
  }
  {
    /* A pax size of 100 GB: refused before a byte is written. */
    FILE *f = hostile_begin ("h9.tar");
    const char *pax = "21 size=100000000000\n";
    raw_header (f, "././@PaxHeader", 'x', strlen (pax), NULL);
    raw_data (f, pax, strlen (pax));
    raw_header (f, "volumes/0/bomb", '0', 0, NULL);
    hostile_end (f, true);
    expect_refused ("h9.tar", "more than", "a size over the cap");
  }
  {
    FILE *f = hostile_begin ("h10.tar");
    raw_header (f, "volumes/0/cut", '0', 4096, NULL);
    fwrite ("abc", 1, 3, f);
    hostile_end (f, false);
    expect_refused ("h10.tar", "truncated", "a truncated archive");
  }
  {
    FILE *f = hostile_begin ("h11.tar");
    raw_file (f, "volumes/0/twice", "a");
    raw_file (f, "volumes/0/twice", "b");
    hostile_end (f, true);
    expect_refused ("h11.tar", "`volumes/0/twice`: create", "a duplicate entry");
  }
  {
    cleanup_free char *p = P ("h12.tar");
    FILE *f = fopen (p, "w");
    raw_file (f, "config.json", "{}");
    hostile_end (f, true);
    expect_refused ("h12.tar", "not a cove checkpoint archive", "no manifest first");
  }
  {
    cleanup_free char *p = P ("h13.tar");
    FILE *f = fopen (p, "w");
    fputs ("this is not a tar archive at all", f);
    for (int i = 0; i < 600; i++)
      fputc ('x', f);
    hostile_end (f, false);
    expect_refused ("h13.tar", "not a ustar header", "garbage");
  }
  {
    /* A valid archive whose volume goes through a file: `a/b` where
     * `a` is a regular file. */
    FILE *f = hostile_begin ("h14.tar");
    raw_file (f, "volumes/0/a", "x");
    raw_file (f, "volumes/0/a/b", "y");
    hostile_end (f, true);
    expect_refused ("h14.tar", "`a` is not a directory of the archive", "a file used as a dir");
  }
  {
    cleanup_free char *p = P ("h15.tar");
    FILE *f = fopen (p, "w");
    cleanup_free char *cfg = xasprintf (CONFIG_FMT, T, "/data");
    raw_file (f, MIGRATE_MANIFEST,
              "{\"version\":1,\"volumes\":[{\"destination\":\"/data\",\"dir\":\"../x\"}]}");
    raw_file (f, "config.json", cfg);
    hostile_end (f, true);
    expect_refused ("h15.tar", "volumes[0] is not", "a manifest dir that is not volumes/<n>");
  }

  {
    cleanup_free char *cmd = xasprintf ("rm -rf --one-file-system %s", T);
    (void) !system (cmd);
  }
  return done_testing ();
}
