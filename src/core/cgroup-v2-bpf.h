/* The cgroup v2 device filter: linux.resources.devices compiled by hand
 * into a BPF_PROG_TYPE_CGROUP_DEVICE program, and its installation on a
 * cgroup (v2 has no devices.allow/deny files; the kernel asks the
 * programs attached to the cgroup and its ancestors instead). */
#ifndef COVE_CGROUP_V2_BPF_H
#define COVE_CGROUP_V2_BPF_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "oci-spec.h"

/* A program as plain instructions (no kernel object yet). */
struct cg_bpf_prog
{
  struct bpf_insn *insns; /* owned */
  size_t len;
  size_t cap;
};

/* The devices every container may use whatever the rules say, in the
 * order they are appended after the rules (so they win, as with runc and
 * crun): mknod of any char or block node, null, zero, full, random,
 * urandom, tty, console, ptmx, /dev/pts/<n> and the tun clone device. */
extern const struct oci_device_cgroup cg_bpf_default_rules[];
extern const size_t cg_bpf_n_default_rules;

/* Compile `rules` (spec order; n may be 0) followed by the default rules
 * when with_defaults.  Semantics, which the program implements by testing
 * the rules from the last to the first and returning at the first match:
 *  - a later rule overrides an earlier one; no rule matches => deny;
 *  - type 'a' matches char and block devices; an absent or negative
 *    major/minor matches any number;
 *  - an allow rule matches a request whose access bits (r, w, m) are all
 *    in its access; a deny rule matches a request sharing any bit with
 *    it (so "deny w" refuses an O_RDWR open that "allow rwm" let in).
 * Fails on a bad type, an access that is empty or not made of r, w, m, a
 * number above INT32_MAX.  Messages name linux.resources.devices[i]. */
int cg_bpf_dev_build (const struct oci_device_cgroup *rules, size_t n, bool with_defaults,
                      struct cg_bpf_prog *prog, rt_error_t *err);
void cg_bpf_prog_clear (struct cg_bpf_prog *prog); /* frees insns; idempotent */

/* Load the program and attach it to cgroup_fd (a directory opened for
 * reading, not O_PATH) with BPF_F_ALLOW_MULTI, then detach the device
 * programs that were attached to that cgroup before: an update replaces
 * the filter, and there is no moment without one.  Root only (bpf(2)). */
int cg_bpf_dev_install (int cgroup_fd, const struct cg_bpf_prog *prog, rt_error_t *err);

/* How many device programs are attached directly to cgroup_fd, or -1. */
int cg_bpf_dev_count (int cgroup_fd, rt_error_t *err);

#endif
