/* Unit tests for the pure parts of the cgroup code (src/core/cgroup.c):
 * cgroupsPath resolution, the checks of linux.resources, and the value
 * formats and parsers of the control files. */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "cgroup-internal.h"
#include "tap.h"
#include "util.h"

/* ---- path resolution ---- */

static void
resolves (const char *in, const char *want)
{
  rt_error_t err = NULL;
  cleanup_free char *got = cg_resolve_path_for (in, "box", false, false, &err);

  is_str (got, want, "cgroupsPath \"%s\" -> %s", in ? in : "(null)", want);
  if (err)
    diag ("  error: %s", err->msg);
  rt_error_free (&err);
}

/* The error must mention `word`. */
static void
refused (const char *in, const char *word)
{
  rt_error_t err = NULL;
  cleanup_free char *got = cg_resolve_path_for (in, "box", false, false, &err);

  ok (got == NULL && err && strstr (err->msg, word), "cgroupsPath \"%s\" refused naming %s", in,
      word);
  if (err)
    diag ("  message: %s", err->msg);
  rt_error_free (&err);
}

static void
test_paths (void)
{
  resolves (NULL, "/cove/box");
  resolves ("", "/cove/box");
  resolves ("/machine/box", "/machine/box");
  /* Relative paths are taken from the hierarchy root, like absolute. */
  resolves ("machine/box", "/machine/box");
  resolves ("//a///b/", "/a/b");
  resolves ("/a/./b/.", "/a/b");
  resolves ("a:b:c", "/a:b:c");
  resolves ("/..a/b..", "/..a/b..");
  refused ("/a/../b", "..");
  refused ("..", "..");
  refused ("/a/b/..", "..");
  refused ("/", "root cgroup");
  refused ("/./", "root cgroup");
}

static void
test_default_id (void)
{
  rt_error_t err = NULL;
  char *got = cg_resolve_path_for (NULL, "..", false, false, &err);

  ok (got == NULL && err, "a default path from id \"..\" is refused");
  rt_error_free (&err);
  free (got);
  got = cg_resolve_path_for (NULL, "a/b", false, false, &err);
  ok (got == NULL && err, "a default path from an id with '/' is refused");
  rt_error_free (&err);
  free (got);
}

static void
test_systemd (void)
{
  rt_error_t err = NULL;
  char *got = cg_resolve_path_for ("system.slice:cove:box", "box", true, false, &err);

  ok (got == NULL && err && strstr (err->msg, "--systemd-cgroup")
          && strstr (err->msg, "PID 1 is not systemd"),
      "--systemd-cgroup without systemd says PID 1 is not systemd");
  if (err)
    diag ("  message: %s", err->msg);
  rt_error_free (&err);
  free (got);
  got = cg_resolve_path_for ("system.slice:cove:box", "box", true, true, &err);
  ok (got == NULL && err && strstr (err->msg, "not supported yet"),
      "--systemd-cgroup with systemd is not supported yet");
  rt_error_free (&err);
  free (got);
}

/* ---- value formats ---- */

static struct oci_device_cgroup
dev (bool allow, char type, int64_t major, int64_t minor, const char *access)
{
  struct oci_device_cgroup d = { .allow = allow, .type = type };
  d.has_major = major != -2;
  d.major = major;
  d.has_minor = minor != -2;
  d.minor = minor;
  d.access = (char *) access;
  return d;
}

static void
rule_is (struct oci_device_cgroup d, const char *want)
{
  rt_error_t err = NULL;
  cleanup_free char *got = cg_device_rule (&d, "f", &err);

  is_str (got, want, "device rule %s", want ? want : "(refused)");
  if (err && want)
    diag ("  error: %s", err->msg);
  rt_error_free (&err);
}

static void
test_device_rules (void)
{
  /* -2: absent in the config. */
  rule_is (dev (true, 'c', 1, 3, "rwm"), "c 1:3 rwm");
  rule_is (dev (false, 0, -2, -2, NULL), "a *:* rwm");
  rule_is (dev (false, 'a', -2, -2, "rwm"), "a *:* rwm");
  rule_is (dev (true, 'c', -1, -1, "m"), "c *:* m");
  rule_is (dev (true, 'b', 8, -1, "r"), "b 8:* r");
  rule_is (dev (true, 'c', 136, -2, "rw"), "c 136:* rw");
  rule_is (dev (true, 'x', 1, 3, "rwm"), NULL);
  rule_is (dev (true, 'c', 1, 3, "rwx"), NULL);
  rule_is (dev (true, 'c', 1, 3, ""), NULL);
  rule_is (dev (true, 'c', 1, 3, "rr"), NULL);
  rule_is (dev (true, 'c', -5, 3, "r"), NULL);
}

static void
test_small_formats (void)
{
  char *s;
  struct oci_rdma r = { .device = (char *) "mlx5_1", .has_hca_handles = true, .hca_handles = 3 };

  is_str (s = cg_pids_max (-1), "max", "pids -1 -> max");
  free (s);
  is_str (s = cg_pids_max (0), "0", "pids 0 stays 0 (a valid limit)");
  free (s);
  is_str (s = cg_pids_max (5), "5", "pids 5");
  free (s);

  is_str (s = cg_rdma_max (&r), "mlx5_1 hca_handle=3", "rdma: handles only");
  free (s);
  r.has_hca_objects = true;
  r.hca_objects = 10000;
  is_str (s = cg_rdma_max (&r), "mlx5_1 hca_handle=3 hca_object=10000", "rdma: both");
  free (s);

  ok (cg_hugepage_size_valid ("2MB"), "pageSize 2MB");
  ok (cg_hugepage_size_valid ("1GB"), "pageSize 1GB");
  ok (cg_hugepage_size_valid ("64KB"), "pageSize 64KB");
  ok (!cg_hugepage_size_valid ("2M"), "pageSize 2M is refused");
  ok (!cg_hugepage_size_valid ("MB"), "pageSize MB is refused");
  ok (!cg_hugepage_size_valid ("02MB"), "pageSize 02MB is refused");
  ok (!cg_hugepage_size_valid ("2MB/../x"), "pageSize with a path is refused");
  ok (!cg_hugepage_size_valid ("2XB"), "pageSize 2XB is refused");

  is_str (s = cg_unified_controller ("memory.max"), "memory", "unified memory.max");
  free (s);
  is_str (s = cg_unified_controller ("hugetlb.2MB.max"), "hugetlb", "unified hugetlb.2MB.max");
  free (s);
  is_str (s = cg_unified_controller ("cgroup.max.depth"), "cgroup", "unified cgroup.max.depth");
  free (s);
  ok (cg_unified_controller ("../memory.max") == NULL, "unified key with '/' refused");
  ok (cg_unified_controller (".hidden") == NULL, "unified key starting with '.' refused");
  ok (cg_unified_controller ("nodot") == NULL, "unified key without '.' refused");
  ok (cg_unified_controller ("memory.") == NULL, "unified key ending in '.' refused");
}

static void
test_memsw_order (void)
{
  /* New cgroup: memsw is unlimited, the limit can go first. */
  ok (!cg_v1_memsw_first (16 << 20, 9223372036854771712ULL), "new cgroup: limit first");
  /* Raising both above the current memsw: memsw first. */
  ok (cg_v1_memsw_first (64 << 20, 32 << 20), "raising above memsw: memsw first");
  /* Lowering: limit first, memsw after. */
  ok (!cg_v1_memsw_first (8 << 20, 32 << 20), "lowering: limit first");
  ok (cg_v1_memsw_first (-1, 32 << 20), "limit -1 (unlimited): memsw first");
  ok (!cg_v1_memsw_first (32 << 20, 32 << 20), "equal: limit first");
}

static void
test_parsers (void)
{
  const char *stat = "cache 4096\nrss 8192\ntotal_cache 100\n";
  const char *oom = "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n";
  const char *blkio = "254:0 Read 4096\n254:0 Write 512\n254:0 Sync 4608\n254:0 Async 0\n"
                      "254:0 Total 4608\n8:0 Read 1\n8:0 Write 2\nTotal 4611\n";
  uint64_t v = 0, r = 0, w = 0;

  ok (cg_parse_kv (stat, "cache", &v) && v == 4096, "memory.stat cache");
  ok (cg_parse_kv (stat, "total_cache", &v) && v == 100, "memory.stat total_cache");
  ok (!cg_parse_kv (stat, "swap", &v), "memory.stat: a missing key");
  ok (cg_parse_kv (oom, "oom_kill", &v) && v == 3, "oom_control oom_kill (not oom_kill_disable)");
  ok (cg_parse_kv ("max 5\n", "max", &v) && v == 5, "a key named max");
  ok (cg_parse_u64 ("max\n", &v) && v == UINT64_MAX, "\"max\" is UINT64_MAX");
  ok (cg_parse_u64 ("  123\n", &v) && v == 123, "a number with blanks");
  ok (!cg_parse_u64 ("-1\n", &v), "a negative number is not a u64");
  ok (!cg_parse_u64 ("", &v), "an empty file has no number");
  cg_parse_blkio_bytes (blkio, &r, &w);
  is_int (r, 4097, "blkio read bytes summed over devices");
  is_int (w, 514, "blkio write bytes summed over devices");
}

/* ---- validation ---- */

/* res must be refused with a message containing `word`. */
static void
invalid (const struct oci_resources *res, const char *word, const char *what)
{
  rt_error_t err = NULL;
  int ret = cg_validate_resources (res, &err);

  ok (ret < 0 && err && strstr (err->msg, word), "%s refused naming %s", what, word);
  if (err)
    diag ("  message: %s", err->msg);
  rt_error_free (&err);
}

static void
valid (const struct oci_resources *res, const char *what)
{
  rt_error_t err = NULL;
  int ret = cg_validate_resources (res, &err);

  ok (ret == 0, "%s accepted", what);
  if (err)
    diag ("  message: %s", err->msg);
  rt_error_free (&err);
}

static void
test_validate (void)
{
  struct oci_resources res = { 0 };
  struct oci_memory mem = { 0 };
  struct oci_cpu cpu = { 0 };
  struct oci_pids pids = { 0 };
  struct oci_hugepage_limit hp = { .page_size = (char *) "2MB", .limit = 1 };
  struct oci_device_cgroup devs[2] = { dev (false, 0, -2, -2, NULL), dev (true, 'c', 1, 3, "q") };
  char *keys[] = { (char *) "memory.max", (char *) "../x" };
  char *vals[] = { (char *) "1", (char *) "1" };

  valid (NULL, "no resources");
  valid (&res, "empty resources");

  res.memory = &mem;
  mem.has_limit = true;
  mem.limit = 16 << 20;
  mem.has_swap = true;
  mem.swap = 32 << 20;
  valid (&res, "memory limit 16M, swap 32M");
  mem.swap = 8 << 20;
  invalid (&res, "linux.resources.memory.swap", "swap below limit");
  mem.swap = -1;
  valid (&res, "swap -1");
  mem.limit = -1;
  mem.swap = 8 << 20;
  invalid (&res, "linux.resources.memory.swap", "finite swap with unlimited memory");
  mem.has_swap = false;
  mem.limit = -2;
  invalid (&res, "linux.resources.memory.limit", "limit -2");
  mem.limit = 1;
  mem.has_swappiness = true;
  mem.swappiness = 101;
  invalid (&res, "linux.resources.memory.swappiness", "swappiness 101");
  mem.swappiness = 100;
  valid (&res, "swappiness 100");
  res.memory = NULL;

  res.cpu = &cpu;
  cpu.has_quota = true;
  cpu.quota = 50000;
  cpu.has_burst = true;
  cpu.burst = 60000;
  invalid (&res, "linux.resources.cpu.burst", "burst above quota");
  cpu.burst = 50000;
  valid (&res, "burst equal to quota");
  cpu.quota = -1;
  cpu.burst = 60000;
  valid (&res, "burst with quota -1");
  cpu.has_idle = true;
  cpu.idle = 2;
  invalid (&res, "linux.resources.cpu.idle", "idle 2");
  cpu.idle = 1;
  cpu.cpus = (char *) "0-1,3";
  valid (&res, "cpus 0-1,3");
  cpu.cpus = (char *) "0\n1";
  invalid (&res, "linux.resources.cpu.cpus", "cpus with a newline");
  cpu.cpus = NULL;
  cpu.mems = (char *) "all";
  invalid (&res, "linux.resources.cpu.mems", "mems `all`");
  res.cpu = NULL;

  res.pids = &pids;
  pids.limit = 0;
  valid (&res, "pids 0");
  pids.limit = -1;
  valid (&res, "pids -1");
  pids.limit = -2;
  invalid (&res, "linux.resources.pids.limit", "pids -2");
  res.pids = NULL;

  res.hugepage_limits = &hp;
  res.n_hugepage_limits = 1;
  valid (&res, "hugepage 2MB");
  hp.page_size = (char *) "2mb";
  invalid (&res, "linux.resources.hugepageLimits[0].pageSize", "hugepage 2mb");
  res.n_hugepage_limits = 0;

  res.devices = devs;
  res.n_devices = 2;
  invalid (&res, "linux.resources.devices[1]", "a device rule with access q");
  res.n_devices = 1;
  valid (&res, "a deny-all device rule");
  res.n_devices = 0;

  res.unified.keys = keys;
  res.unified.values = vals;
  res.unified.len = 1;
  valid (&res, "unified memory.max");
  res.unified.len = 2;
  invalid (&res, "../x", "unified key ../x");
}

int
main (void)
{
  test_paths ();
  test_default_id ();
  test_systemd ();
  test_device_rules ();
  test_small_formats ();
  test_memsw_order ();
  test_parsers ();
  test_validate ();
  return done_testing ();
}
