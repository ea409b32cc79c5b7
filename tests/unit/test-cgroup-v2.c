/* Unit tests of the cgroup v2 back end's pure parts: the v1 → v2 value
 * conversions (cpu shares → cpu.weight, blkio weight → io.weight, swap →
 * memory.swap.max) and the device program generator.  The kernel cannot
 * test-run a cgroup device program (BPF_PROG_TEST_RUN does not support the
 * type), so the generated instructions are run here by a small interpreter
 * of the opcodes the generator uses, and compared with a reference written
 * from the rule semantics; when bpf(2) is allowed, the kernel verifier is
 * also asked to load each program. */
#include <config.h>

#include <errno.h>
#include <linux/bpf.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cgroup-v2-bpf.h"
#include "tap.h"

/* ------------------------------------------------------------------ */
/* Conversions */

/* The published formula, with libm, for comparison. */
static uint64_t
libm_weight (uint64_t shares, double *raw)
{
  double l = log2 ((double) shares);
  double v = pow (10.0, (l * l + 125.0 * l) / 612.0 - 7.0 / 34.0);

  *raw = v;
  return (uint64_t) ceil (v);
}

static void
test_shares (void)
{
  static const struct
  {
    uint64_t shares, weight;
  } cases[] = {
    { 0, 0 },       { 1, 1 },       { 2, 1 },        { 3, 2 },
    { 10, 4 },      { 100, 17 },    { 512, 59 },     { 1024, 100 },
    { 2048, 174 },  { 4096, 303 },  { 262143, 10000 }, { 262144, 10000 },
    { 1 << 20, 10000 },
  };
  uint64_t s, prev = 1, bad_mono = 0, bad_libm = 0;
  size_t i;

  for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
    is_int (cg_shares_to_weight (cases[i].shares), cases[i].weight, "cpu shares %llu -> weight",
            (unsigned long long) cases[i].shares);

  /* Every value of the v1 range: monotonic, in [1, 10000], and equal to
   * the libm evaluation except where that lands within rounding error of
   * an integer (1024: 100 exactly in real numbers). */
  for (s = 2; s <= 262144; s++)
    {
      uint64_t w = cg_shares_to_weight (s);
      double raw;
      uint64_t ref = libm_weight (s, &raw);

      if (w < prev || w < 1 || w > 10000)
        bad_mono = s;
      prev = w;
      if (w != ref && fabs (raw - nearbyint (raw)) > 1e-9 * raw)
        bad_libm = s;
    }
  is_int (bad_mono, 0, "weights are monotonic and within [1, 10000]");
  is_int (bad_libm, 0, "weights match the libm evaluation of the formula");
}

static void
test_blkio (void)
{
  is_int (cg_blkio_to_io_weight (0), 0, "blkio weight 0 stays unset");
  is_int (cg_blkio_to_io_weight (5), 1, "blkio weight below 10 -> 1");
  is_int (cg_blkio_to_io_weight (10), 1, "blkio weight 10 -> 1");
  is_int (cg_blkio_to_io_weight (100), 910, "blkio weight 100 -> 910");
  is_int (cg_blkio_to_io_weight (500), 4950, "blkio weight 500 -> 4950");
  is_int (cg_blkio_to_io_weight (1000), 10000, "blkio weight 1000 -> 10000");
  is_int (cg_blkio_to_io_weight (65535), 10000, "blkio weight above 1000 -> 10000");
}

static int
swap_of (bool has_limit, int64_t limit, bool has_swap, int64_t swap, int64_t *out, char **msg)
{
  struct oci_memory m = { .has_limit = has_limit, .limit = limit, .has_swap = has_swap,
                          .swap = swap };
  rt_error_t err = NULL;
  int ret;

  *out = 12345;
  ret = cg_v2_swap_max (&m, out, &err);
  *msg = err ? strdup (err->msg) : NULL;
  rt_error_free (&err);
  return ret;
}

static void
test_swap (void)
{
  int64_t out;
  char *msg;

  is_int (swap_of (true, 100 << 20, true, 300 << 20, &out, &msg), 1,
          "swap 300M, limit 100M: written");
  is_int (out, 200 << 20, "  memory.swap.max = swap - limit");
  free (msg);
  is_int (swap_of (true, 100 << 20, true, 100 << 20, &out, &msg), 1, "swap == limit: written");
  is_int (out, 0, "  memory.swap.max = 0 (no swap)");
  free (msg);
  is_int (swap_of (true, 100 << 20, true, -1, &out, &msg), 1, "swap -1: written");
  is_int (out, -1, "  memory.swap.max = max");
  free (msg);
  is_int (swap_of (false, 0, true, -1, &out, &msg), 1, "swap -1 without a limit: written as max");
  free (msg);
  is_int (swap_of (true, 100 << 20, false, 0, &out, &msg), 0, "swap absent: nothing written");
  free (msg);
  is_int (swap_of (true, 100 << 20, true, 0, &out, &msg), 0, "swap 0: unset, nothing written");
  free (msg);
  is_int (swap_of (false, 0, true, 100 << 20, &out, &msg), -1, "swap without a limit: error");
  ok (msg && strstr (msg, "needs a memory limit"), "  message: %s", msg);
  free (msg);
  is_int (swap_of (true, 200 << 20, true, 100 << 20, &out, &msg), -1, "swap below limit: error");
  ok (msg && strstr (msg, "below the memory limit"), "  message: %s", msg);
  free (msg);
  is_int (swap_of (true, -1, true, 100 << 20, &out, &msg), -1, "swap with unlimited memory: error");
  free (msg);
  is_int (cg_v2_swap_max (NULL, &out, NULL), 0, "no memory section: nothing written");
}

/* ------------------------------------------------------------------ */
/* The device program */

/* Runs the subset of eBPF the generator emits over one request; -1 when
 * the program does something else (unknown opcode, bad load, runs off). */
static int
interp (const struct cg_bpf_prog *p, int type, int access, uint32_t major, uint32_t minor)
{
  uint32_t ctx[3] = { ((uint32_t) access << 16) | (uint32_t) type, major, minor };
  uint64_t r[11] = { 0 };
  bool r1_is_ctx = true;
  size_t pc = 0, steps = 0;

  while (pc < p->len && steps++ < 100000)
    {
      const struct bpf_insn *i = &p->insns[pc++];
      uint64_t imm64 = (uint64_t) (int64_t) i->imm;

      switch (i->code)
        {
        case BPF_LDX | BPF_MEM | BPF_W:
          if (i->src_reg != BPF_REG_1 || !r1_is_ctx || i->off < 0 || i->off > 8 || i->off % 4)
            return -1;
          r[i->dst_reg] = ctx[i->off / 4];
          break;
        case BPF_ALU | BPF_MOV | BPF_X:
          r[i->dst_reg] = (uint32_t) r[i->src_reg];
          break;
        case BPF_ALU | BPF_AND | BPF_K:
          r[i->dst_reg] = (uint32_t) (r[i->dst_reg] & (uint32_t) i->imm);
          break;
        case BPF_ALU | BPF_RSH | BPF_K:
          r[i->dst_reg] = (uint32_t) r[i->dst_reg] >> i->imm;
          break;
        case BPF_ALU64 | BPF_MOV | BPF_K:
          r[i->dst_reg] = imm64;
          break;
        case BPF_JMP | BPF_JNE | BPF_K:
          if (r[i->dst_reg] != imm64)
            pc += i->off;
          break;
        case BPF_JMP | BPF_JEQ | BPF_K:
          if (r[i->dst_reg] == imm64)
            pc += i->off;
          break;
        case BPF_JMP | BPF_EXIT:
          return (int) r[0];
        default:
          return -1;
        }
      if (i->dst_reg == BPF_REG_1 && i->code != (BPF_LDX | BPF_MEM | BPF_W))
        r1_is_ctx = false;
    }
  return -1;
}

/* The rule semantics, as cgroup-v2-bpf.h states them. */
static int
reference (const struct oci_device_cgroup *rules, size_t n, int type, int access, int64_t major,
           int64_t minor)
{
  size_t i = n;

  while (i-- > 0)
    {
      const struct oci_device_cgroup *r = &rules[i];
      const char *a = r->access ? r->access : "rwm";
      int mask = (strchr (a, 'r') ? BPF_DEVCG_ACC_READ : 0)
                 | (strchr (a, 'w') ? BPF_DEVCG_ACC_WRITE : 0)
                 | (strchr (a, 'm') ? BPF_DEVCG_ACC_MKNOD : 0);

      if (r->type == 'c' && type != BPF_DEVCG_DEV_CHAR)
        continue;
      if (r->type == 'b' && type != BPF_DEVCG_DEV_BLOCK)
        continue;
      if (r->has_major && r->major >= 0 && r->major != major)
        continue;
      if (r->has_minor && r->minor >= 0 && r->minor != minor)
        continue;
      if (r->allow ? (access & ~mask) != 0 : (access & mask) == 0)
        continue;
      return r->allow ? 1 : 0;
    }
  return 0;
}

/* Structure the verifier insists on: jumps forward and inside, the last
 * instruction an exit, nothing unreachable. */
static bool
well_formed (const struct cg_bpf_prog *p)
{
  bool *reach = calloc (p->len + 1, 1);
  bool good = p->len > 0 && p->insns[p->len - 1].code == (BPF_JMP | BPF_EXIT);
  size_t i;

  reach[0] = true;
  for (i = 0; good && i < p->len; i++)
    {
      const struct bpf_insn *in = &p->insns[i];

      if (!reach[i])
        good = false;
      else if (BPF_CLASS (in->code) == BPF_JMP && BPF_OP (in->code) == BPF_EXIT)
        continue;
      else if (BPF_CLASS (in->code) == BPF_JMP)
        {
          if (in->off < 0 || i + 1 + in->off >= p->len)
            good = false;
          else
            reach[i + 1 + in->off] = reach[i + 1] = true;
        }
      else
        reach[i + 1] = true;
    }
  free (reach);
  return good;
}

/* bpf(BPF_PROG_LOAD): 1 loaded, 0 refused (verifier log in diag), -1 the
 * kernel does not let this process load programs. */
static int
kernel_load (const struct cg_bpf_prog *p)
{
  static char log[16384];
  union bpf_attr attr;
  int fd;

  memset (&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t) (uintptr_t) p->insns;
  attr.insn_cnt = (uint32_t) p->len;
  attr.license = (uint64_t) (uintptr_t) "Apache-2.0";
  attr.log_buf = (uint64_t) (uintptr_t) log;
  attr.log_size = sizeof log;
  attr.log_level = 1;
  log[0] = '\0';
  fd = (int) syscall (SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
  if (fd >= 0)
    {
      close (fd);
      return 1;
    }
  if (errno == EPERM || errno == ENOSYS)
    return -1;
  diag ("verifier: %s", log);
  return 0;
}

static int kernel_ok = 1; /* -1 once the kernel refused us as a loader */

static const int types[] = { BPF_DEVCG_DEV_CHAR, BPF_DEVCG_DEV_BLOCK };
static const int64_t numbers[] = { 0, 1, 3, 5, 240 };

/* Build, check structure, compare interpreter and reference over every
 * request of a small domain, and let the kernel verify.  Returns the
 * number of mismatches (or -1 when the build failed). */
static int
check_program (const struct oci_device_cgroup *rules, size_t n, bool with_defaults,
               struct cg_bpf_prog *out)
{
  struct cg_bpf_prog p = { 0 };
  struct oci_device_cgroup all[64];
  size_t n_all = 0, i, t, ma, mi;
  rt_error_t err = NULL;
  int access, bad = 0;

  if (cg_bpf_dev_build (rules, n, with_defaults, &p, &err) < 0)
    {
      diag ("build: %s", err->msg);
      rt_error_free (&err);
      return -1;
    }
  for (i = 0; i < n; i++)
    all[n_all++] = rules[i];
  for (i = 0; with_defaults && i < cg_bpf_n_default_rules; i++)
    all[n_all++] = cg_bpf_default_rules[i];
  if (!well_formed (&p))
    bad++;
  for (t = 0; t < 2; t++)
    for (ma = 0; ma < sizeof numbers / sizeof numbers[0]; ma++)
      for (mi = 0; mi < sizeof numbers / sizeof numbers[0]; mi++)
        for (access = 1; access <= 7; access++)
          {
            int got = interp (&p, types[t], access, numbers[ma], numbers[mi]);
            int want = reference (all, n_all, types[t], access, numbers[ma], numbers[mi]);

            if (got != want && bad++ < 3)
              diag ("  %c %lld:%lld access %d: program %d, reference %d",
                    types[t] == BPF_DEVCG_DEV_CHAR ? 'c' : 'b', (long long) numbers[ma],
                    (long long) numbers[mi], access, got, want);
          }
  if (kernel_ok > 0)
    {
      int k = kernel_load (&p);

      if (k < 0)
        kernel_ok = -1;
      else if (k == 0)
        bad++;
    }
  if (out)
    *out = p;
  else
    cg_bpf_prog_clear (&p);
  return bad;
}

#define RULE(allow_, type_, maj, min, acc)                                                         \
  {                                                                                                \
    .allow = (allow_), .type = (type_), .has_major = (maj) >= 0, .major = (maj),                   \
    .has_minor = (min) >= 0, .minor = (min), .access = (char *) (acc)                              \
  }

/* What one request gets from the program built for rules. */
static int
decide (const struct oci_device_cgroup *rules, size_t n, bool with_defaults, char type,
        int64_t major, int64_t minor, const char *acc)
{
  struct cg_bpf_prog p = { 0 };
  rt_error_t err = NULL;
  int access = (strchr (acc, 'r') ? BPF_DEVCG_ACC_READ : 0)
               | (strchr (acc, 'w') ? BPF_DEVCG_ACC_WRITE : 0)
               | (strchr (acc, 'm') ? BPF_DEVCG_ACC_MKNOD : 0);
  int ret;

  if (cg_bpf_dev_build (rules, n, with_defaults, &p, &err) < 0)
    {
      rt_error_free (&err);
      return -2;
    }
  ret = interp (&p, type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK, access,
                (uint32_t) major, (uint32_t) minor);
  cg_bpf_prog_clear (&p);
  return ret;
}

static void
test_bpf_examples (void)
{
  struct cg_bpf_prog p = { 0 };
  rt_error_t err = NULL;

  /* No rule: deny everything; the prologue and "return 0" only. */
  ok (cg_bpf_dev_build (NULL, 0, false, &p, &err) == 0 && p.len == 8,
      "no rules: 8 instructions (prologue, deny)");
  is_int (interp (&p, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_READ, 1, 3), 0, "  denies c 1:3 r");
  cg_bpf_prog_clear (&p);

  {
    /* runc's default spec: deny all, nothing else. */
    struct oci_device_cgroup r[] = { RULE (false, 'a', -1, -1, "rwm") };

    is_int (decide (r, 1, true, 'c', 1, 3, "rw"), 1, "deny-all + defaults: /dev/null rw allowed");
    is_int (decide (r, 1, true, 'c', 1, 5, "r"), 1, "deny-all + defaults: /dev/zero allowed");
    is_int (decide (r, 1, true, 'c', 136, 7, "rw"), 1, "deny-all + defaults: /dev/pts/7 allowed");
    is_int (decide (r, 1, true, 'c', 1, 11, "w"), 0, "deny-all + defaults: /dev/kmsg denied");
    is_int (decide (r, 1, true, 'b', 8, 0, "r"), 0, "deny-all + defaults: block 8:0 read denied");
    is_int (decide (r, 1, true, 'b', 8, 0, "m"), 1, "deny-all + defaults: mknod of 8:0 allowed");
    is_int (decide (r, 1, false, 'c', 1, 3, "r"), 0, "deny-all alone: /dev/null denied");
  }
  {
    struct oci_device_cgroup r[]
        = { RULE (false, 'a', -1, -1, "rwm"), RULE (true, 'c', 1, 3, "rwm") };

    is_int (decide (r, 2, false, 'c', 1, 3, "rw"), 1, "deny all, allow null: null allowed");
    is_int (decide (r, 2, false, 'c', 1, 5, "r"), 0, "deny all, allow null: zero denied");
  }
  {
    struct oci_device_cgroup r[]
        = { RULE (true, 'c', 240, -1, "rwm"), RULE (false, 'c', 240, 0, "rwm") };
    struct oci_device_cgroup rev[]
        = { RULE (false, 'c', 240, 0, "rwm"), RULE (true, 'c', 240, -1, "rwm") };

    is_int (decide (r, 2, false, 'c', 240, 0, "r"), 0, "later deny overrides earlier allow");
    is_int (decide (r, 2, false, 'c', 240, 1, "r"), 1, "  the rest of the wildcard stays allowed");
    is_int (decide (rev, 2, false, 'c', 240, 0, "r"), 1, "later allow overrides earlier deny");
  }
  {
    struct oci_device_cgroup r[] = { RULE (true, 'c', 240, 0, "r") };
    struct oci_device_cgroup d[]
        = { RULE (true, 'a', -1, -1, "rwm"), RULE (false, 'c', 240, 0, "w") };

    is_int (decide (r, 1, false, 'c', 240, 0, "r"), 1, "allow r: read allowed");
    is_int (decide (r, 1, false, 'c', 240, 0, "w"), 0, "allow r: write denied");
    is_int (decide (r, 1, false, 'c', 240, 0, "rw"), 0, "allow r: read-write denied");
    is_int (decide (d, 2, false, 'c', 240, 0, "r"), 1, "deny w: read allowed");
    is_int (decide (d, 2, false, 'c', 240, 0, "rw"), 0, "deny w: read-write denied");
  }
  {
    struct oci_device_cgroup b[] = { RULE (true, 'b', -1, -1, "rwm") };
    struct oci_device_cgroup a[] = { RULE (true, 'a', 240, -1, "rwm") };
    struct oci_device_cgroup absent_access[] = { RULE (true, 'c', 240, 0, NULL) };

    is_int (decide (b, 1, false, 'b', 8, 0, "rw"), 1, "type b: block allowed");
    is_int (decide (b, 1, false, 'c', 8, 0, "rw"), 0, "type b: char denied");
    is_int (decide (a, 1, false, 'b', 240, 1, "r"), 1, "type a with a major: block of it allowed");
    is_int (decide (a, 1, false, 'c', 240, 1, "r"), 1, "type a with a major: char of it allowed");
    is_int (decide (a, 1, false, 'c', 241, 1, "r"), 0, "type a with a major: other major denied");
    is_int (decide (absent_access, 1, false, 'c', 240, 0, "rwm"), 1, "absent access means rwm");
  }
  {
    /* A rule matching everything ends the program: what is before it can
     * never be reached, and the verifier refuses unreachable code. */
    struct oci_device_cgroup r[]
        = { RULE (false, 'c', 1, 3, "rwm"), RULE (true, 'a', -1, -1, "rwm") };

    ok (cg_bpf_dev_build (r, 2, false, &p, &err) == 0 && p.len == 8,
        "an unconditional last rule ends the program (8 instructions)");
    ok (well_formed (&p), "  well formed");
    is_int (interp (&p, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_READ, 1, 3), 1, "  allows c 1:3");
    cg_bpf_prog_clear (&p);
  }
  {
    struct oci_device_cgroup r[] = { RULE (true, 'c', 1, 3, "rwm") };

    /* prologue 6 + type, major, minor, mov, exit + deny 2 */
    ok (cg_bpf_dev_build (r, 1, false, &p, &err) == 0 && p.len == 13,
        "one rule c 1:3 rwm: 13 instructions");
    cg_bpf_prog_clear (&p);
  }
}

static void
test_bpf_errors (void)
{
  static const struct
  {
    struct oci_device_cgroup rule;
    const char *msg;
  } cases[] = {
    { RULE (true, 'x', 1, 3, "rwm"), "invalid type" },
    { RULE (true, 'c', 1, 3, "rwx"), "invalid access" },
    { RULE (true, 'c', 1, 3, ""), "empty access" },
    { RULE (true, 'c', 1LL << 33, 3, "rwm"), "out of range" },
  };
  size_t i;

  for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      struct oci_device_cgroup r[2] = { RULE (true, 'a', -1, -1, "rwm"), cases[i].rule };
      struct cg_bpf_prog p = { 0 };
      rt_error_t err = NULL;
      int ret = cg_bpf_dev_build (r, 2, true, &p, &err);

      ok (ret < 0 && err && strstr (err->msg, cases[i].msg)
              && strstr (err->msg, "linux.resources.devices[1]"),
          "bad rule refused: %s", err ? err->msg : "(no error)");
      ok (p.insns == NULL, "  nothing built");
      rt_error_free (&err);
    }
}

/* Random rule lists over a small domain of numbers, so rules overlap. */
static void
test_bpf_random (void)
{
  static const char *const accesses[] = { "r", "w", "m", "rw", "rm", "wm", "rwm", NULL };
  static const char kinds[] = { 'a', 'c', 'b' };
  static const int64_t rand_majors[] = { 1, 5, 240 }, rand_minors[] = { 0, 3, 5 };
  unsigned seed = 12345;
  int round, bad = 0, failed_builds = 0, kernel_before;

  kernel_before = kernel_ok;
  for (round = 0; round < 300; round++)
    {
      struct oci_device_cgroup r[10];
      size_t n = (size_t) (rand_r (&seed) % 10), i;
      int b;

      for (i = 0; i < n; i++)
        {
          int maj = rand_r (&seed) % 4, min = rand_r (&seed) % 4;

          r[i] = (struct oci_device_cgroup) {
            .allow = rand_r (&seed) % 2,
            .type = kinds[rand_r (&seed) % 3],
            .has_major = maj != 3,
            .major = maj == 3 ? 0 : rand_majors[maj],
            .has_minor = min != 3,
            .minor = min == 3 ? 0 : rand_minors[min],
            .access = (char *) accesses[rand_r (&seed) % 8],
          };
        }
      b = check_program (r, n, round % 3 == 0, NULL);
      if (b < 0)
        failed_builds++;
      else
        bad += b;
    }
  is_int (failed_builds, 0, "300 random rule lists build");
  is_int (bad, 0, "300 random rule lists: program == reference on every request");
  if (kernel_before > 0 && kernel_ok > 0)
    ok (1, "the kernel verifier loads every program");
  else
    skip (1, "bpf(BPF_PROG_LOAD) not permitted here");
}

static void
test_bpf_fixed_programs (void)
{
  struct oci_device_cgroup deny_all[] = { RULE (false, 'a', -1, -1, "rwm") };
  struct oci_device_cgroup mixed[] = {
    RULE (false, 'a', -1, -1, "rwm"), RULE (true, 'c', 240, -1, "rw"),
    RULE (false, 'c', 240, 0, "w"),   RULE (true, 'b', 8, 0, "r"),
  };

  is_int (check_program (NULL, 0, true, NULL), 0, "defaults alone: program == reference");
  is_int (check_program (deny_all, 1, true, NULL), 0, "deny-all + defaults: program == reference");
  is_int (check_program (mixed, 4, false, NULL), 0, "mixed rules: program == reference");
  is_int (check_program (mixed, 4, true, NULL), 0, "mixed rules + defaults: program == reference");
}

int
main (void)
{
  test_shares ();
  test_blkio ();
  test_swap ();
  test_bpf_examples ();
  test_bpf_errors ();
  test_bpf_fixed_programs ();
  test_bpf_random ();
  return done_testing ();
}
