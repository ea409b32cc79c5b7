/* Unit tests for the shim's migration helpers (src/shim/migrate.c): the
 * request words (parse, join for the control socket, split on the other
 * side), the "migration" record added to the status document, and the
 * removal of a migration's directory (never through a symlink). */
#include <config.h>

#include "migrate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "util.h"

/* Parses the NULL-terminated words; on failure *msg is the error text
 * (malloc'd), else NULL. */
static int
parse (const char *const *w, struct migrate_req *r, char **msg)
{
  rt_error_t err = NULL;
  size_t n = 0;
  int ret;

  while (w[n])
    n++;
  *msg = NULL;
  ret = migrate_req_parse ((char *const *) w, n, r, &err);
  if (ret < 0)
    {
      *msg = xstrdup (err ? err->msg : "(no error set)");
      rt_error_free (&err);
    }
  return ret;
}

static void
test_parse_ok (void)
{
  static const struct
  {
    const char *w[6];
    unsigned pre_dumps;
    const char *export_file, *to_bundle;
  } cases[] = {
    { { NULL }, 1, NULL, NULL }, /* one pre-dump unless told */
    { { "--pre-dumps", "0", NULL }, 0, NULL, NULL },
    { { "--pre-dumps", "8", NULL }, 8, NULL, NULL },
    { { "--export", "/var/tmp/a b.tar", NULL }, 1, "/var/tmp/a b.tar", NULL },
    { { "--to", "/srv/bundle", "--pre-dumps", "2", NULL }, 2, NULL, "/srv/bundle" },
    { { "--pre-dumps", "3", "--pre-dumps", "4", NULL }, 4, NULL, NULL }, /* the last wins */
  };
  size_t i;

  for (i = 0; i < sizeof cases / sizeof *cases; i++)
    {
      struct migrate_req r;
      char *msg;
      int ret = parse (cases[i].w, &r, &msg);

      is_int (ret, 0, "parse case %zu", i);
      if (msg)
        diag ("  %s", msg);
      is_int (r.pre_dumps, cases[i].pre_dumps, "case %zu: pre_dumps", i);
      is_str (r.export_file, cases[i].export_file, "case %zu: export_file", i);
      is_str (r.to_bundle, cases[i].to_bundle, "case %zu: to_bundle", i);
      migrate_req_clear (&r);
      ok (r.export_file == NULL && r.to_bundle == NULL, "case %zu: clear resets", i);
      free (msg);
    }
}

static void
test_parse_refused (void)
{
  static const struct
  {
    const char *w[6];
    const char *mention;
  } cases[] = {
    { { "--pre-dumps", "9", NULL }, "--pre-dumps `9`" },
    { { "--pre-dumps", "-1", NULL }, "--pre-dumps `-1`" },
    { { "--pre-dumps", "", NULL }, "--pre-dumps ``" },
    { { "--pre-dumps", "2x", NULL }, "--pre-dumps `2x`" },
    { { "--pre-dumps", NULL }, "`--pre-dumps`" },
    { { "--export", NULL }, "`--export`" },
    { { "--export", "rel.tar", NULL }, "not an absolute path" },
    { { "--to", "bundle", NULL }, "--to `bundle`" },
    { { "--export", "/a.tar", "--to", "/b", NULL }, "exclude each other" },
    { { "--to", "/b", "--to", "/c", NULL }, "exclude each other" },
    { { "--bogus", NULL }, "`--bogus`" },
    { { "/a.tar", NULL }, "`/a.tar`" },
  };
  size_t i;

  for (i = 0; i < sizeof cases / sizeof *cases; i++)
    {
      struct migrate_req r;
      char *msg;
      int ret = parse (cases[i].w, &r, &msg);

      is_int (ret, -1, "refused case %zu (%s)", i, cases[i].mention);
      ok (msg && strstr (msg, cases[i].mention), "case %zu: the error mentions %s", i,
          cases[i].mention);
      if (msg && !strstr (msg, cases[i].mention))
        diag ("  error: %s", msg);
      /* A refused request owns nothing: no leak, nothing half set. */
      ok (r.export_file == NULL && r.to_bundle == NULL, "case %zu: nothing left set", i);
      free (msg);
    }
}

static void
test_join_split (void)
{
  char *const words[] = { (char *) "--export", (char *) "/tmp/with space/x.tar",
                          (char *) "--pre-dumps", (char *) "" };
  char *const bad[] = { (char *) "--to", (char *) "/a\tb" };
  char *const bad_nl[] = { (char *) "/a\nb" };
  rt_error_t err = NULL;
  char *line, *got[8];
  size_t n, i;

  line = migrate_join (words, 4, &err);
  is_str (line, "--export\t/tmp/with space/x.tar\t--pre-dumps\t", "join: words joined by tabs");
  n = migrate_split (line, got, 8);
  is_int (n, 4, "split: as many words as joined, an empty last one too");
  for (i = 0; i < n && i < 4; i++)
    is_str (got[i], words[i], "split: word %zu comes back", i);
  free (line);

  line = migrate_join (words, 0, &err);
  is_str (line, "", "join of no words: an empty line");
  n = migrate_split (line, got, 8);
  ok (n == 1 && got[0][0] == '\0', "split of an empty line: one empty word");
  free (line);

  line = migrate_join (bad, 2, &err);
  ok (line == NULL && err && strstr (err->msg, "`/a\tb`"), "join refuses a word with a tab");
  rt_error_free (&err);
  line = migrate_join (bad_nl, 1, &err);
  ok (line == NULL && err && strstr (err->msg, "newlines"), "join refuses a word with a newline");
  rt_error_free (&err);

  {
    char text[] = "a\tb c\t\tz";
    n = migrate_split (text, got, 2);
    is_int (n, 2, "split stops at max words");
    is_str (got[0], "a", "split at max: first word");
    is_str (got[1], "b c", "split at max: second word ends at its tab");
  }
}

static void
test_status_json (void)
{
  struct migrate_record m = { .state = "done",
                              .kind = "local",
                              .pre_dumps = 2,
                              .incremental = true,
                              .pre_dump_ms = 120,
                              .dump_ms = 340,
                              .restore_ms = 560,
                              .downtime_ms = 900,
                              .error = NULL };
  char *out;

  out = migrate_status_json (xstrdup ("{\"state\":\"running\",\"shim_pid\":7}\n"), &m);
  is_str (out,
          "{\"state\":\"running\",\"shim_pid\":7,\"migration\":{\"state\":\"done\",\"kind\":"
          "\"local\",\"pre_dumps\":2,\"incremental\":true,\"pre_dump_ms\":120,\"dump_ms\":340,"
          "\"restore_ms\":560,\"downtime_ms\":900,\"error\":null}}\n",
          "status: the record added inside the document, error null");
  free (out);

  m.state = "failed";
  m.kind = "export";
  m.incremental = false;
  m.error = (char *) "criu said \"no\"\n\tat C:\\x";
  out = migrate_status_json (xstrdup ("{\"state\":\"running\"}"), &m);
  is_str (out,
          "{\"state\":\"running\",\"migration\":{\"state\":\"failed\",\"kind\":\"export\","
          "\"pre_dumps\":2,\"incremental\":false,\"pre_dump_ms\":120,\"dump_ms\":340,"
          "\"restore_ms\":560,\"downtime_ms\":900,"
          "\"error\":\"criu said \\\"no\\\"\\u000a\\u0009at C:\\\\x\"}}\n",
          "status: a document without a newline; quotes, backslash, controls escaped");
  free (out);

  m.state = NULL;
  m.kind = NULL;
  m.error = NULL;
  m.pre_dump_ms = 18446744073709551615ULL;
  out = migrate_status_json (xstrdup ("{\"state\":\"stopped\"}\n"), &m);
  ok (out
          && str_has_prefix (out, "{\"state\":\"stopped\",\"migration\":{\"state\":null,"
                                  "\"kind\":null,")
          && strstr (out, "\"pre_dump_ms\":18446744073709551615,"),
      "status: no state or kind is null; the largest duration printed whole");
  if (out == NULL || !strstr (out, "18446744073709551615"))
  diag ("  %s", out ? out : "(null)");
  free (out);
}

static void
test_remove_dir (void)
{
  char base[] = "/tmp/test-shim-migrate.XXXXXX";
  cleanup_free char *dir = NULL;
  cleanup_free char *outside = NULL;
  cleanup_free char *keep = NULL;
  struct stat st;
  int fd;

  if (mkdtemp (base) == NULL)
    {
      skip (3, "mkdtemp failed");
      return;
    }
  dir = xasprintf ("%s/migrate", base);
  outside = xasprintf ("%s/outside", base);
  keep = xasprintf ("%s/outside/keep", base);
  (void) mkdir (dir, 0700);
  (void) mkdir (outside, 0700);
  fd = open (keep, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0)
    close (fd);
  {
    cleanup_free char *a = xasprintf ("%s/images", dir);
    cleanup_free char *b = xasprintf ("%s/images/deep", dir);
    cleanup_free char *c = xasprintf ("%s/images/deep/pages-1.img", dir);
    cleanup_free char *l = xasprintf ("%s/images/link", dir);
    cleanup_free char *p = xasprintf ("%s/images/parent", dir);
    (void) mkdir (a, 0700);
    (void) mkdir (b, 0700);
    fd = open (c, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0)
      close (fd);
    if (symlink (outside, l) < 0 || symlink ("../images", p) < 0)
      diag ("symlink: %s", strerror (errno));
  }
  migrate_remove_dir (dir);
  ok (lstat (dir, &st) < 0, "remove_dir: the directory and all below it are gone");
  ok (stat (keep, &st) == 0, "remove_dir: a symlink inside is removed, not followed");
  migrate_remove_dir (dir); /* gone already: nothing happens */
  ok (stat (outside, &st) == 0, "remove_dir of a missing directory does nothing");
  (void) unlink (keep);
  (void) rmdir (outside);
  (void) rmdir (base);
}

int
main (void)
{
  test_parse_ok ();
  test_parse_refused ();
  test_join_split ();
  test_status_json ();
  test_remove_dir ();
  return done_testing ();
}
