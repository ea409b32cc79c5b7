/* The cgroup v2 device filter: compiles linux.resources.devices into
 * BPF_PROG_TYPE_CGROUP_DEVICE instructions and installs them with bpf(2).
 * No libbpf and no clang: the program is a short straight list of
 * compare-and-return blocks, one per rule, written out as struct bpf_insn. */
#include <config.h>
#include "cgroup-v2-bpf.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define R(maj, min, acc)                                                                           \
  {                                                                                                \
    .allow = true, .type = 'c', .has_major = (maj) >= 0, .major = (maj), .has_minor = (min) >= 0, \
    .minor = (min), .access = (char *) (acc)                                                       \
  }

const struct oci_device_cgroup cg_bpf_default_rules[] = {
  R (-1, -1, "m"), /* mknod of any char device ... */
  { .allow = true, .type = 'b', .access = (char *) "m" }, /* ... and any block device */
  R (1, 3, "rwm"),   /* null */
  R (1, 5, "rwm"),   /* zero */
  R (1, 7, "rwm"),   /* full */
  R (1, 8, "rwm"),   /* random */
  R (1, 9, "rwm"),   /* urandom */
  R (5, 0, "rwm"),   /* tty */
  R (5, 1, "rwm"),   /* console */
  R (5, 2, "rwm"),   /* ptmx */
  R (136, -1, "rwm"), /* pts/N */
  R (10, 200, "rwm"), /* net/tun */
};
const size_t cg_bpf_n_default_rules = sizeof cg_bpf_default_rules / sizeof cg_bpf_default_rules[0];

#undef R

/* Registers of the program: r1 holds the context on entry and is scratch
 * after the loads. */
enum
{
  REG_RET = BPF_REG_0,
  REG_CTX = BPF_REG_1,
  REG_TMP = BPF_REG_1,
  REG_ACCESS = BPF_REG_2, /* BPF_DEVCG_ACC_* bits of the request */
  REG_TYPE = BPF_REG_3,   /* BPF_DEVCG_DEV_BLOCK or _CHAR */
  REG_MAJOR = BPF_REG_4,
  REG_MINOR = BPF_REG_5,
};

#define ACC_ALL (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)

static struct bpf_insn
insn (uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
  struct bpf_insn i = { .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
  return i;
}

static void
emit (struct cg_bpf_prog *p, struct bpf_insn i)
{
  if (p->len == p->cap)
    {
      p->cap = p->cap ? p->cap * 2 : 64;
      p->insns = xrealloc (p->insns, p->cap * sizeof *p->insns);
    }
  p->insns[p->len++] = i;
}

void
cg_bpf_prog_clear (struct cg_bpf_prog *prog)
{
  free (prog->insns);
  prog->insns = NULL;
  prog->len = prog->cap = 0;
}

/* One rule, checked and reduced to what the program compares. */
struct dev_rule
{
  bool allow;
  int type;     /* BPF_DEVCG_DEV_*, 0 = any */
  int access;   /* BPF_DEVCG_ACC_* bits, never 0 */
  int64_t major; /* -1 = any */
  int64_t minor;
};

static int
parse_rule (const struct oci_device_cgroup *r, size_t idx, bool is_default, struct dev_rule *out,
            rt_error_t *err)
{
  const char *where = is_default ? "default device rule" : "linux.resources.devices";
  const char *a;

  out->allow = r->allow;
  switch (r->type)
    {
    case 'a':
    case '\0':
      out->type = 0;
      break;
    case 'c':
      out->type = BPF_DEVCG_DEV_CHAR;
      break;
    case 'b':
      out->type = BPF_DEVCG_DEV_BLOCK;
      break;
    default:
      return rt_error_set (err, 0, "%s[%zu]: invalid type `%c` (want a, b or c)", where, idx,
                           r->type);
    }
  out->access = 0;
  for (a = r->access ? r->access : "rwm"; *a; a++)
    {
      if (*a == 'r')
        out->access |= BPF_DEVCG_ACC_READ;
      else if (*a == 'w')
        out->access |= BPF_DEVCG_ACC_WRITE;
      else if (*a == 'm')
        out->access |= BPF_DEVCG_ACC_MKNOD;
      else
        return rt_error_set (err, 0, "%s[%zu]: invalid access `%s` (want a subset of rwm)", where,
                             idx, r->access);
    }
  if (out->access == 0)
    return rt_error_set (err, 0, "%s[%zu]: empty access", where, idx);
  out->major = r->has_major && r->major >= 0 ? r->major : -1;
  out->minor = r->has_minor && r->minor >= 0 ? r->minor : -1;
  /* The compare takes a 32-bit signed immediate; Linux majors and minors
   * are 12 and 20 bits anyway. */
  if (out->major > INT32_MAX || out->minor > INT32_MAX)
    return rt_error_set (err, 0, "%s[%zu]: device number out of range", where, idx);
  return 0;
}

/* Emit the block for one rule: conditional jumps past the block when the
 * request does not match, then "return allow".  Returns whether the block
 * has no condition at all (it matches everything, so the rules before it
 * can never be reached and must not be emitted: the verifier rejects
 * unreachable instructions). */
static bool
emit_rule (struct cg_bpf_prog *p, const struct dev_rule *r)
{
  bool check_type = r->type != 0;
  bool check_access = r->access != ACC_ALL;
  bool check_major = r->major >= 0;
  bool check_minor = r->minor >= 0;
  /* Instructions of the block: the checks, then mov + exit. */
  int16_t left = check_type + 3 * check_access + check_major + check_minor + 2;

  if (check_type)
    emit (p, insn (BPF_JMP | BPF_JNE | BPF_K, REG_TYPE, 0, left -= 1, r->type));
  if (check_access)
    {
      left -= 3;
      emit (p, insn (BPF_ALU | BPF_MOV | BPF_X, REG_TMP, REG_ACCESS, 0, 0));
      if (r->allow)
        {
          /* Skip when the request has a bit the rule does not grant. */
          emit (p, insn (BPF_ALU | BPF_AND | BPF_K, REG_TMP, 0, 0, ACC_ALL & ~r->access));
          emit (p, insn (BPF_JMP | BPF_JNE | BPF_K, REG_TMP, 0, left, 0));
        }
      else
        {
          /* Skip when the request has no bit the rule refuses. */
          emit (p, insn (BPF_ALU | BPF_AND | BPF_K, REG_TMP, 0, 0, r->access));
          emit (p, insn (BPF_JMP | BPF_JEQ | BPF_K, REG_TMP, 0, left, 0));
        }
    }
  if (check_major)
    emit (p, insn (BPF_JMP | BPF_JNE | BPF_K, REG_MAJOR, 0, left -= 1, (int32_t) r->major));
  if (check_minor)
    emit (p, insn (BPF_JMP | BPF_JNE | BPF_K, REG_MINOR, 0, left -= 1, (int32_t) r->minor));
  emit (p, insn (BPF_ALU64 | BPF_MOV | BPF_K, REG_RET, 0, 0, r->allow ? 1 : 0));
  emit (p, insn (BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  return !(check_type || check_access || check_major || check_minor);
}

int
cg_bpf_dev_build (const struct oci_device_cgroup *rules, size_t n, bool with_defaults,
                  struct cg_bpf_prog *prog, rt_error_t *err)
{
  size_t total = n + (with_defaults ? cg_bpf_n_default_rules : 0);
  cleanup_free struct dev_rule *parsed = xmalloc ((total ? total : 1) * sizeof *parsed);
  struct cg_bpf_prog p = { 0 };
  size_t i;
  int ret;

  /* Check every rule before emitting anything. */
  for (i = 0; i < total; i++)
    {
      bool is_default = i >= n;
      const struct oci_device_cgroup *r = is_default ? &cg_bpf_default_rules[i - n] : &rules[i];

      ret = parse_rule (r, is_default ? i - n : i, is_default, &parsed[i], err);
      if (ret < 0)
        return ret;
    }

  /* ctx is struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32
   * minor; } with access_type = (BPF_DEVCG_ACC_* << 16) | BPF_DEVCG_DEV_*. */
  emit (&p, insn (BPF_LDX | BPF_MEM | BPF_W, REG_ACCESS, REG_CTX, 0, 0));
  emit (&p, insn (BPF_ALU | BPF_MOV | BPF_X, REG_TYPE, REG_ACCESS, 0, 0));
  emit (&p, insn (BPF_ALU | BPF_AND | BPF_K, REG_TYPE, 0, 0, 0xffff));
  emit (&p, insn (BPF_ALU | BPF_RSH | BPF_K, REG_ACCESS, 0, 0, 16));
  emit (&p, insn (BPF_LDX | BPF_MEM | BPF_W, REG_MAJOR, REG_CTX, 4, 0));
  emit (&p, insn (BPF_LDX | BPF_MEM | BPF_W, REG_MINOR, REG_CTX, 8, 0));

  /* Last rule first: the first block that matches decides. */
  for (i = total; i-- > 0;)
    if (emit_rule (&p, &parsed[i]))
      {
        *prog = p;
        return 0;
      }
  /* Nothing matched: deny. */
  emit (&p, insn (BPF_ALU64 | BPF_MOV | BPF_K, REG_RET, 0, 0, 0));
  emit (&p, insn (BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  *prog = p;
  return 0;
}

static int
sys_bpf (int cmd, union bpf_attr *attr)
{
  return (int) syscall (SYS_bpf, cmd, attr, sizeof *attr);
}

/* The ids of the device programs attached to the cgroup itself (not its
 * ancestors).  *ids is malloc'd. */
static int
query_attached (int cgroup_fd, uint32_t **ids, uint32_t *n, rt_error_t *err)
{
  uint32_t cap = 16;

  for (;;)
    {
      union bpf_attr attr;
      uint32_t *buf = xzalloc (cap * sizeof *buf);

      memset (&attr, 0, sizeof attr);
      attr.query.target_fd = cgroup_fd;
      attr.query.attach_type = BPF_CGROUP_DEVICE;
      attr.query.prog_ids = (uint64_t) (uintptr_t) buf;
      attr.query.prog_cnt = cap;
      if (sys_bpf (BPF_PROG_QUERY, &attr) == 0)
        {
          *ids = buf;
          *n = attr.query.prog_cnt;
          return 0;
        }
      free (buf);
      if (errno != ENOSPC || cap >= 4096)
        return rt_error_set (err, errno, "bpf: query the device programs of the cgroup");
      cap *= 4;
    }
}

int
cg_bpf_dev_count (int cgroup_fd, rt_error_t *err)
{
  cleanup_free uint32_t *ids = NULL;
  uint32_t n = 0;
  int ret;

  ret = query_attached (cgroup_fd, &ids, &n, err);
  if (ret < 0)
    return ret;
  return (int) n;
}

/* Load; on a verifier refusal, load again with a log to say why (the
 * first attempt has none: the log costs time and the program is ours). */
static int
load_prog (const struct cg_bpf_prog *prog, rt_error_t *err)
{
  static const char license[] = "Apache-2.0";
  union bpf_attr attr;
  char log[4096];
  int fd, saved;
  size_t l;

  memset (&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t) (uintptr_t) prog->insns;
  attr.insn_cnt = (uint32_t) prog->len;
  attr.license = (uint64_t) (uintptr_t) license;
  fd = sys_bpf (BPF_PROG_LOAD, &attr);
  if (fd >= 0)
    return fd;
  saved = errno;
  if (saved != EINVAL && saved != EACCES)
    return rt_error_set (err, saved, "bpf: load the device program");

  log[0] = '\0';
  attr.log_buf = (uint64_t) (uintptr_t) log;
  attr.log_size = sizeof log;
  attr.log_level = 1;
  fd = sys_bpf (BPF_PROG_LOAD, &attr);
  if (fd >= 0)
    return fd;
  /* The verifier's conclusion is on the last non-empty line. */
  for (l = strlen (log); l > 0 && log[l - 1] == '\n'; l--)
    log[l - 1] = '\0';
  return rt_error_set (err, saved, "bpf: the kernel refused the device program (%s)",
                       strrchr (log, '\n') ? strrchr (log, '\n') + 1 : log);
}

int
cg_bpf_dev_install (int cgroup_fd, const struct cg_bpf_prog *prog, rt_error_t *err)
{
  cleanup_free uint32_t *old = NULL;
  cleanup_close int prog_fd = -1;
  union bpf_attr attr;
  uint32_t n_old = 0, i;
  int ret;

  ret = query_attached (cgroup_fd, &old, &n_old, err);
  if (ret < 0)
    return ret;
  prog_fd = load_prog (prog, err);
  if (prog_fd < 0)
    return -1;

  memset (&attr, 0, sizeof attr);
  attr.target_fd = cgroup_fd;
  attr.attach_bpf_fd = prog_fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (sys_bpf (BPF_PROG_ATTACH, &attr) < 0)
    return rt_error_set (err, errno, "bpf: attach the device program to the cgroup");

  /* With several programs attached, a request must pass all of them: the
   * old one goes only once the new one is in place. */
  for (i = 0; i < n_old; i++)
    {
      cleanup_close int old_fd = -1;

      memset (&attr, 0, sizeof attr);
      attr.prog_id = old[i];
      old_fd = sys_bpf (BPF_PROG_GET_FD_BY_ID, &attr);
      if (old_fd < 0)
        {
          if (errno == ENOENT)
            continue; /* detached meanwhile */
          return rt_error_set (err, errno, "bpf: get the device program %u", old[i]);
        }
      memset (&attr, 0, sizeof attr);
      attr.target_fd = cgroup_fd;
      attr.attach_bpf_fd = old_fd;
      attr.attach_type = BPF_CGROUP_DEVICE;
      if (sys_bpf (BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
        return rt_error_set (err, errno, "bpf: detach the old device program %u", old[i]);
      log_debug ("cgroup: replaced device program %u", old[i]);
    }
  return 0;
}
