/* The OCI documents described as data: one field table per JSON object of
 * runtime-spec v1.2.1 + v1.3.0 (config.md, config-linux.md, runtime.md), the
 * name lists the values are checked against, and the public parse/free/emit
 * entry points built on json-walk.c. */
#include <config.h>

#include "oci-spec.h"

#include <stdlib.h>
#include <string.h>

#include "json-walk.h"

/* Name lists.  Each is the spec's list (or the kernel's, where the spec
 * defers to it), in the spec's order. */

static const char *const ns_type_names[] = {
  "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time", NULL,
};

const char *const oci_rlimit_names[] = {
  "RLIMIT_CPU",
  "RLIMIT_FSIZE",
  "RLIMIT_DATA",
  "RLIMIT_STACK",
  "RLIMIT_CORE",
  "RLIMIT_RSS",
  "RLIMIT_NPROC",
  "RLIMIT_NOFILE",
  "RLIMIT_MEMLOCK",
  "RLIMIT_AS",
  "RLIMIT_LOCKS",
  "RLIMIT_SIGPENDING",
  "RLIMIT_MSGQUEUE",
  "RLIMIT_NICE",
  "RLIMIT_RTPRIO",
  "RLIMIT_RTTIME",
  NULL,
};

const char *const oci_seccomp_action_names[] = {
  "SCMP_ACT_KILL",        "SCMP_ACT_KILL_PROCESS",
  "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
  "SCMP_ACT_ERRNO",       "SCMP_ACT_TRACE",
  "SCMP_ACT_ALLOW",       "SCMP_ACT_LOG",
  "SCMP_ACT_NOTIFY",      NULL,
};

const char *const oci_seccomp_op_names[] = {
  "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
  "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};

const char *const oci_seccomp_arch_names[] = {
  "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
  "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
  "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
  "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
  "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
  "SCMP_ARCH_M68K",    "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",        NULL,
};

const char *const oci_seccomp_flag_names[] = {
  "SECCOMP_FILTER_FLAG_TSYNC",
  "SECCOMP_FILTER_FLAG_LOG",
  "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
  "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
  NULL,
};

const char *const oci_mempolicy_mode_names[] = {
  "MPOL_DEFAULT",   "MPOL_BIND",           "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
  "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL",      NULL,
};

const char *const oci_mempolicy_flag_names[] = {
  "MPOL_F_NUMA_BALANCING",
  "MPOL_F_RELATIVE_NODES",
  "MPOL_F_STATIC_NODES",
  NULL,
};

const char *const oci_hook_names[] = {
  "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop", NULL,
};

static const char *const sched_policy_names[] = {
  "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR",       "SCHED_BATCH",
  "SCHED_ISO",   "SCHED_IDLE", "SCHED_DEADLINE", NULL,
};

static const char *const sched_flag_names[] = {
  "SCHED_FLAG_RESET_ON_FORK",  "SCHED_FLAG_RECLAIM",
  "SCHED_FLAG_DL_OVERRUN",     "SCHED_FLAG_KEEP_POLICY",
  "SCHED_FLAG_KEEP_PARAMS",    "SCHED_FLAG_UTIL_CLAMP_MIN",
  "SCHED_FLAG_UTIL_CLAMP_MAX", NULL,
};

static const char *const ioprio_class_names[] = {
  "IOPRIO_CLASS_RT",
  "IOPRIO_CLASS_BE",
  "IOPRIO_CLASS_IDLE",
  NULL,
};

static const char *const device_type_names[] = { "c", "b", "u", "p", NULL };
static const char *const device_cgroup_type_names[] = { "a", "c", "b", NULL };
static const char *const clock_names[] = { "monotonic", "boottime", NULL };
static const char *const personality_names[] = { "LINUX", "LINUX32", NULL };
static const char *const state_status_names[] = {
  "creating", "created", "running", "stopped", "paused", NULL,
};
static const char *const propagation_names[] = {
  "shared", "slave", "private", "unbindable", "rshared", "rslave", "rprivate", "runbindable", NULL,
};

#define NAMES(var, list, what_) static const struct jw_names var = { .what = what_, .names = list }
NAMES (ns_types, ns_type_names, "namespace type");
NAMES (rlimit_types, oci_rlimit_names, "rlimit type");
NAMES (seccomp_actions, oci_seccomp_action_names, "seccomp action");
NAMES (seccomp_ops, oci_seccomp_op_names, "seccomp operator");
NAMES (seccomp_archs, oci_seccomp_arch_names, "seccomp architecture");
NAMES (seccomp_flags, oci_seccomp_flag_names, "seccomp flag");
NAMES (mempolicy_modes, oci_mempolicy_mode_names, "memory policy mode");
NAMES (mempolicy_flags, oci_mempolicy_flag_names, "memory policy flag");
NAMES (sched_policies, sched_policy_names, "scheduler policy");
NAMES (sched_flags, sched_flag_names, "scheduler flag");
NAMES (ioprio_classes, ioprio_class_names, "I/O priority class");
NAMES (device_types, device_type_names, "device type");
NAMES (device_cgroup_types, device_cgroup_type_names, "device type");
NAMES (clocks, clock_names, "clock");
NAMES (personalities, personality_names, "personality domain");
NAMES (state_statuses, state_status_names, "status");
NAMES (propagations, propagation_names, "rootfs propagation");

/* Field tables.  CUR names the struct the next table describes; the
 * emitter writes fields in table order, which follows `runc spec`. */
#define FIELD(json, k, member, ...)                                                                \
  {                                                                                                \
    .name = json, .kind = k, .offset = offsetof (CUR, member), __VA_ARGS__                         \
  }
#define HAS(member) .has = offsetof (CUR, member) + 1
#define COUNT(member) .count = offsetof (CUR, member)
#define REQ .flags = JW_REQUIRED
#define END                                                                                        \
  {                                                                                                \
    .name = NULL                                                                                   \
  }
#define OBJECT(var, ...) static const struct jw_object var = { .size = sizeof (CUR), __VA_ARGS__ }
/* The document tables are shared with oci-emit.c. */
#define DOCUMENT(var, ...) const struct jw_object var = { .size = sizeof (CUR), __VA_ARGS__ }

/* Shared pieces */

#define CUR struct oci_id_mapping
static const struct jw_field id_mapping_fields[] = {
  FIELD ("containerID", JW_UINT32, container_id, REQ),
  FIELD ("hostID", JW_UINT32, host_id, REQ),
  FIELD ("size", JW_UINT32, size, REQ),
  END,
};
OBJECT (id_mapping_obj, .fields = id_mapping_fields);
#undef CUR

/* Mounts, root, hooks */

#define CUR struct oci_mount
static const struct jw_field mount_fields[] = {
  FIELD ("destination", JW_STRING, destination, REQ, .check = ov_nonempty_string),
  FIELD ("type", JW_STRING, type),
  FIELD ("source", JW_STRING, source),
  FIELD ("options", JW_STRV, options),
  FIELD ("uidMappings", JW_OBJECT_ARRAY, uid_mappings, COUNT (n_uid_mappings),
         .child = &id_mapping_obj),
  FIELD ("gidMappings", JW_OBJECT_ARRAY, gid_mappings, COUNT (n_gid_mappings),
         .child = &id_mapping_obj),
  END,
};
OBJECT (mount_obj, .fields = mount_fields, .check = ov_mount);
#undef CUR

#define CUR struct oci_root
static const struct jw_field root_fields[] = {
  FIELD ("path", JW_STRING, path, REQ, .check = ov_nonempty_string),
  FIELD ("readonly", JW_BOOL, readonly),
  END,
};
OBJECT (root_obj, .fields = root_fields);
#undef CUR

#define CUR struct oci_hook
static const struct jw_field hook_fields[] = {
  FIELD ("path", JW_STRING, path, REQ, .check = ov_absolute_path),
  FIELD ("args", JW_STRV, args),
  FIELD ("env", JW_STRV, env),
  FIELD ("timeout", JW_INT32, timeout, HAS (has_timeout), .check = ov_hook_timeout),
  END,
};
OBJECT (hook_obj, .fields = hook_fields);
#undef CUR

#define CUR struct oci_hooks
#define HOOK(json, member)                                                                         \
  FIELD (json, JW_OBJECT_ARRAY, member, COUNT (n_##member), .child = &hook_obj)
static const struct jw_field hooks_fields[] = {
  HOOK ("prestart", prestart),
  HOOK ("createRuntime", create_runtime),
  HOOK ("createContainer", create_container),
  HOOK ("startContainer", start_container),
  HOOK ("poststart", poststart),
  HOOK ("poststop", poststop),
  END,
};
#undef HOOK
OBJECT (hooks_obj, .fields = hooks_fields);
#undef CUR

/* process */

#define CUR struct oci_process
/* consoleSize lives flat in struct oci_process: an inline child at offset 0
 * whose offsets are the process's own. */
static const struct jw_field console_size_fields[] = {
  FIELD ("height", JW_UINT32, console_height, REQ),
  FIELD ("width", JW_UINT32, console_width, REQ),
  END,
};
OBJECT (console_size_obj, .fields = console_size_fields);
#undef CUR

#define CUR struct oci_user
static const struct jw_field user_fields[] = {
  FIELD ("uid", JW_UINT32, uid),
  FIELD ("gid", JW_UINT32, gid),
  FIELD ("umask", JW_UINT32, umask, HAS (has_umask)),
  FIELD ("additionalGids", JW_UINT32_ARRAY, additional_gids, COUNT (n_additional_gids)),
  FIELD ("username", JW_STRING, username),
  END,
};
OBJECT (user_obj, .fields = user_fields);
#undef CUR

#define CUR struct oci_capabilities
static const struct jw_field capabilities_fields[] = {
  FIELD ("bounding", JW_STRV, bounding),       FIELD ("effective", JW_STRV, effective),
  FIELD ("inheritable", JW_STRV, inheritable), FIELD ("permitted", JW_STRV, permitted),
  FIELD ("ambient", JW_STRV, ambient),         END,
};
OBJECT (capabilities_obj, .fields = capabilities_fields);
#undef CUR

#define CUR struct oci_rlimit
static const struct jw_field rlimit_fields[] = {
  FIELD ("type", JW_STRING, type, REQ, .names = &rlimit_types),
  FIELD ("hard", JW_UINT64, hard, REQ),
  FIELD ("soft", JW_UINT64, soft, REQ),
  END,
};
OBJECT (rlimit_obj, .fields = rlimit_fields, .check = ov_rlimit);
#undef CUR

#define CUR struct oci_scheduler
static const struct jw_field scheduler_fields[] = {
  FIELD ("policy", JW_STRING, policy, REQ, .names = &sched_policies),
  FIELD ("nice", JW_INT32, nice, HAS (has_nice), .check = ov_nice),
  FIELD ("priority", JW_INT32, priority, HAS (has_priority)),
  FIELD ("flags", JW_STRV, flags, .names = &sched_flags),
  FIELD ("runtime", JW_UINT64, runtime, HAS (has_runtime)),
  FIELD ("deadline", JW_UINT64, deadline, HAS (has_deadline)),
  FIELD ("period", JW_UINT64, period, HAS (has_period)),
  END,
};
OBJECT (scheduler_obj, .fields = scheduler_fields);
#undef CUR

#define CUR struct oci_io_priority
static const struct jw_field io_priority_fields[] = {
  FIELD ("class", JW_STRING, class_, REQ, .names = &ioprio_classes),
  FIELD ("priority", JW_INT32, priority, REQ, .check = ov_io_priority_level),
  END,
};
OBJECT (io_priority_obj, .fields = io_priority_fields);
#undef CUR

#define CUR struct oci_exec_cpu_affinity
static const struct jw_field exec_cpu_affinity_fields[] = {
  FIELD ("initial", JW_STRING, initial),
  FIELD ("final", JW_STRING, final),
  END,
};
OBJECT (exec_cpu_affinity_obj, .fields = exec_cpu_affinity_fields);
#undef CUR

#define CUR struct oci_process
static const struct jw_field process_fields[] = {
  FIELD ("terminal", JW_BOOL, terminal),
  { .name = "consoleSize",
    .kind = JW_INLINE,
    .offset = 0,
    HAS (has_console_size),
    .child = &console_size_obj },
  FIELD ("user", JW_INLINE, user, .child = &user_obj),
  FIELD ("args", JW_STRV, args, .flags = JW_REQUIRED | JW_NONEMPTY),
  FIELD ("commandLine", JW_STRING, command_line),
  FIELD ("env", JW_STRV, env),
  FIELD ("cwd", JW_STRING, cwd, REQ, .check = ov_absolute_path),
  FIELD ("capabilities", JW_OBJECT, capabilities, .child = &capabilities_obj),
  FIELD ("rlimits", JW_OBJECT_ARRAY, rlimits, COUNT (n_rlimits), .child = &rlimit_obj),
  FIELD ("noNewPrivileges", JW_BOOL, no_new_privileges),
  FIELD ("apparmorProfile", JW_STRING, apparmor_profile),
  FIELD ("oomScoreAdj", JW_INT32, oom_score_adj, HAS (has_oom_score_adj)),
  FIELD ("selinuxLabel", JW_STRING, selinux_label),
  FIELD ("scheduler", JW_OBJECT, scheduler, .child = &scheduler_obj),
  FIELD ("ioPriority", JW_OBJECT, io_priority, .child = &io_priority_obj),
  FIELD ("execCPUAffinity", JW_OBJECT, exec_cpu_affinity, .child = &exec_cpu_affinity_obj),
  END,
};
DOCUMENT (ot_process, .fields = process_fields, .check = ov_process);
#undef CUR

/* linux.resources */

#define CUR struct oci_device_cgroup
static const struct jw_field device_cgroup_fields[] = {
  FIELD ("allow", JW_BOOL, allow, REQ),
  FIELD ("type", JW_CHAR, type, .names = &device_cgroup_types),
  FIELD ("major", JW_INT64, major, HAS (has_major)),
  FIELD ("minor", JW_INT64, minor, HAS (has_minor)),
  FIELD ("access", JW_STRING, access, .check = ov_device_access),
  END,
};
OBJECT (device_cgroup_obj, .fields = device_cgroup_fields, .check = ov_device_cgroup);
#undef CUR

#define CUR struct oci_memory
static const struct jw_field memory_fields[] = {
  FIELD ("limit", JW_INT64, limit, HAS (has_limit)),
  FIELD ("reservation", JW_INT64, reservation, HAS (has_reservation)),
  FIELD ("swap", JW_INT64, swap, HAS (has_swap)),
  FIELD ("kernel", JW_INT64, kernel, HAS (has_kernel)),
  FIELD ("kernelTCP", JW_INT64, kernel_tcp, HAS (has_kernel_tcp)),
  FIELD ("swappiness", JW_UINT64, swappiness, HAS (has_swappiness)),
  FIELD ("disableOOMKiller", JW_BOOL, disable_oom_killer, HAS (has_disable_oom_killer)),
  FIELD ("useHierarchy", JW_BOOL, use_hierarchy, HAS (has_use_hierarchy)),
  FIELD ("checkBeforeUpdate", JW_BOOL, check_before_update, HAS (has_check_before_update)),
  END,
};
OBJECT (memory_obj, .fields = memory_fields);
#undef CUR

#define CUR struct oci_cpu
static const struct jw_field cpu_fields[] = {
  FIELD ("shares", JW_UINT64, shares, HAS (has_shares)),
  FIELD ("quota", JW_INT64, quota, HAS (has_quota)),
  FIELD ("burst", JW_UINT64, burst, HAS (has_burst)),
  FIELD ("period", JW_UINT64, period, HAS (has_period)),
  FIELD ("realtimeRuntime", JW_INT64, realtime_runtime, HAS (has_realtime_runtime)),
  FIELD ("realtimePeriod", JW_UINT64, realtime_period, HAS (has_realtime_period)),
  FIELD ("cpus", JW_STRING, cpus),
  FIELD ("mems", JW_STRING, mems),
  FIELD ("idle", JW_INT64, idle, HAS (has_idle)),
  END,
};
OBJECT (cpu_obj, .fields = cpu_fields);
#undef CUR

#define CUR struct oci_pids
static const struct jw_field pids_fields[] = {
  FIELD ("limit", JW_INT64, limit, REQ),
  END,
};
OBJECT (pids_obj, .fields = pids_fields);
#undef CUR

#define CUR struct oci_weight_device
static const struct jw_field weight_device_fields[] = {
  FIELD ("major", JW_INT64, major, REQ),
  FIELD ("minor", JW_INT64, minor, REQ),
  FIELD ("weight", JW_UINT16, weight, HAS (has_weight)),
  FIELD ("leafWeight", JW_UINT16, leaf_weight, HAS (has_leaf_weight)),
  END,
};
OBJECT (weight_device_obj, .fields = weight_device_fields);
#undef CUR

#define CUR struct oci_throttle_device
static const struct jw_field throttle_device_fields[] = {
  FIELD ("major", JW_INT64, major, REQ),
  FIELD ("minor", JW_INT64, minor, REQ),
  FIELD ("rate", JW_UINT64, rate, REQ),
  END,
};
OBJECT (throttle_device_obj, .fields = throttle_device_fields);
#undef CUR

#define CUR struct oci_block_io
#define THROTTLE(json, member)                                                                     \
  FIELD (json, JW_OBJECT_ARRAY, member, COUNT (n_##member), .child = &throttle_device_obj)
static const struct jw_field block_io_fields[] = {
  FIELD ("weight", JW_UINT16, weight, HAS (has_weight)),
  FIELD ("leafWeight", JW_UINT16, leaf_weight, HAS (has_leaf_weight)),
  FIELD ("weightDevice", JW_OBJECT_ARRAY, weight_device, COUNT (n_weight_device),
         .child = &weight_device_obj),
  THROTTLE ("throttleReadBpsDevice", throttle_read_bps_device),
  THROTTLE ("throttleWriteBpsDevice", throttle_write_bps_device),
  THROTTLE ("throttleReadIOPSDevice", throttle_read_iops_device),
  THROTTLE ("throttleWriteIOPSDevice", throttle_write_iops_device),
  END,
};
#undef THROTTLE
OBJECT (block_io_obj, .fields = block_io_fields);
#undef CUR

#define CUR struct oci_hugepage_limit
static const struct jw_field hugepage_limit_fields[] = {
  FIELD ("pageSize", JW_STRING, page_size, REQ),
  FIELD ("limit", JW_UINT64, limit, REQ),
  END,
};
OBJECT (hugepage_limit_obj, .fields = hugepage_limit_fields);
#undef CUR

#define CUR struct oci_net_priority
static const struct jw_field net_priority_fields[] = {
  FIELD ("name", JW_STRING, name, REQ),
  FIELD ("priority", JW_UINT32, priority, REQ),
  END,
};
OBJECT (net_priority_obj, .fields = net_priority_fields);
#undef CUR

#define CUR struct oci_network
static const struct jw_field network_fields[] = {
  FIELD ("classID", JW_UINT32, class_id, HAS (has_class_id)),
  FIELD ("priorities", JW_OBJECT_ARRAY, priorities, COUNT (n_priorities),
         .child = &net_priority_obj),
  END,
};
OBJECT (network_obj, .fields = network_fields);
#undef CUR

#define CUR struct oci_rdma
static const struct jw_field rdma_fields[] = {
  FIELD ("hcaHandles", JW_UINT32, hca_handles, HAS (has_hca_handles)),
  FIELD ("hcaObjects", JW_UINT32, hca_objects, HAS (has_hca_objects)),
  END,
};
OBJECT (rdma_obj, .fields = rdma_fields, .key = offsetof (CUR, device) + 1);
#undef CUR

#define CUR struct oci_resources
static const struct jw_field resources_fields[] = {
  FIELD ("devices", JW_OBJECT_ARRAY, devices, COUNT (n_devices), .child = &device_cgroup_obj),
  FIELD ("memory", JW_OBJECT, memory, .child = &memory_obj),
  FIELD ("cpu", JW_OBJECT, cpu, .child = &cpu_obj),
  FIELD ("pids", JW_OBJECT, pids, .child = &pids_obj),
  FIELD ("blockIO", JW_OBJECT, block_io, .child = &block_io_obj),
  FIELD ("hugepageLimits", JW_OBJECT_ARRAY, hugepage_limits, COUNT (n_hugepage_limits),
         .child = &hugepage_limit_obj),
  FIELD ("network", JW_OBJECT, network, .child = &network_obj),
  FIELD ("rdma", JW_OBJECT_MAP, rdma, COUNT (n_rdma), .child = &rdma_obj),
  FIELD ("unified", JW_MAP, unified),
  END,
};
DOCUMENT (ot_resources, .fields = resources_fields);
#undef CUR

/* linux.seccomp */

#define CUR struct oci_seccomp_arg
static const struct jw_field seccomp_arg_fields[] = {
  FIELD ("index", JW_UINT32, index, REQ),
  FIELD ("value", JW_UINT64, value, REQ),
  FIELD ("valueTwo", JW_UINT64, value_two, HAS (has_value_two)),
  FIELD ("op", JW_STRING, op, REQ, .names = &seccomp_ops),
  END,
};
OBJECT (seccomp_arg_obj, .fields = seccomp_arg_fields);
#undef CUR

#define CUR struct oci_seccomp_syscall
static const struct jw_field seccomp_syscall_fields[] = {
  FIELD ("names", JW_STRV, names, .flags = JW_REQUIRED | JW_NONEMPTY),
  FIELD ("action", JW_STRING, action, REQ, .names = &seccomp_actions),
  FIELD ("errnoRet", JW_UINT32, errno_ret, HAS (has_errno_ret)),
  FIELD ("args", JW_OBJECT_ARRAY, args, COUNT (n_args), .child = &seccomp_arg_obj),
  END,
};
OBJECT (seccomp_syscall_obj, .fields = seccomp_syscall_fields, .check = ov_seccomp_syscall);
#undef CUR

#define CUR struct oci_seccomp
static const struct jw_field seccomp_fields[] = {
  FIELD ("defaultAction", JW_STRING, default_action, REQ, .names = &seccomp_actions),
  FIELD ("defaultErrnoRet", JW_UINT32, default_errno_ret, HAS (has_default_errno_ret)),
  FIELD ("architectures", JW_STRV, architectures, .names = &seccomp_archs),
  FIELD ("flags", JW_STRV, flags, .names = &seccomp_flags),
  FIELD ("listenerPath", JW_STRING, listener_path),
  FIELD ("listenerMetadata", JW_STRING, listener_metadata),
  FIELD ("syscalls", JW_OBJECT_ARRAY, syscalls, COUNT (n_syscalls), .child = &seccomp_syscall_obj),
  END,
};
OBJECT (seccomp_obj, .fields = seccomp_fields, .check = ov_seccomp);
#undef CUR

/* The rest of linux */

#define CUR struct oci_namespace
static const struct jw_field namespace_fields[] = {
  FIELD ("type", JW_ENUM, type, REQ, .names = &ns_types),
  FIELD ("path", JW_STRING, path),
  END,
};
OBJECT (namespace_obj, .fields = namespace_fields);
#undef CUR

#define CUR struct oci_device
static const struct jw_field device_fields[] = {
  FIELD ("path", JW_STRING, path, REQ, .check = ov_absolute_path),
  FIELD ("type", JW_CHAR, type, REQ, .names = &device_types),
  FIELD ("major", JW_INT64, major, HAS (has_major)),
  FIELD ("minor", JW_INT64, minor, HAS (has_minor)),
  FIELD ("fileMode", JW_UINT32, file_mode, HAS (has_file_mode)),
  FIELD ("uid", JW_UINT32, uid, HAS (has_uid)),
  FIELD ("gid", JW_UINT32, gid, HAS (has_gid)),
  END,
};
OBJECT (device_obj, .fields = device_fields, .check = ov_device);
#undef CUR

#define CUR struct oci_net_device
static const struct jw_field net_device_fields[] = {
  FIELD ("name", JW_STRING, name),
  END,
};
OBJECT (net_device_obj, .fields = net_device_fields, .key = offsetof (CUR, host_name) + 1);
#undef CUR

#define CUR struct oci_time_offset
static const struct jw_field time_offset_fields[] = {
  FIELD ("secs", JW_INT64, secs),
  FIELD ("nanosecs", JW_UINT32, nanosecs),
  END,
};
OBJECT (time_offset_obj, .fields = time_offset_fields, .key = offsetof (CUR, clock) + 1);
#undef CUR

#define CUR struct oci_intel_rdt
static const struct jw_field intel_rdt_fields[] = {
  FIELD ("closID", JW_STRING, clos_id),
  FIELD ("l3CacheSchema", JW_STRING, l3_cache_schema),
  FIELD ("memBwSchema", JW_STRING, mem_bw_schema),
  FIELD ("schemata", JW_STRV, schemata),
  FIELD ("enableMonitoring", JW_BOOL, enable_monitoring),
  END,
};
OBJECT (intel_rdt_obj, .fields = intel_rdt_fields);
#undef CUR

#define CUR struct oci_personality
static const struct jw_field personality_fields[] = {
  FIELD ("domain", JW_STRING, domain, REQ, .names = &personalities),
  FIELD ("flags", JW_STRV, flags),
  END,
};
OBJECT (personality_obj, .fields = personality_fields);
#undef CUR

#define CUR struct oci_memory_policy
static const struct jw_field memory_policy_fields[] = {
  FIELD ("mode", JW_STRING, mode, REQ, .names = &mempolicy_modes),
  FIELD ("nodes", JW_STRING, nodes),
  FIELD ("flags", JW_STRV, flags, .names = &mempolicy_flags),
  END,
};
OBJECT (memory_policy_obj, .fields = memory_policy_fields);
#undef CUR

#define CUR struct oci_linux
static const struct jw_field linux_fields[] = {
  FIELD ("uidMappings", JW_OBJECT_ARRAY, uid_mappings, COUNT (n_uid_mappings),
         .child = &id_mapping_obj),
  FIELD ("gidMappings", JW_OBJECT_ARRAY, gid_mappings, COUNT (n_gid_mappings),
         .child = &id_mapping_obj),
  FIELD ("sysctl", JW_MAP, sysctl),
  FIELD ("resources", JW_OBJECT, resources, .child = &ot_resources),
  FIELD ("cgroupsPath", JW_STRING, cgroups_path),
  FIELD ("namespaces", JW_OBJECT_ARRAY, namespaces, COUNT (n_namespaces), .child = &namespace_obj),
  FIELD ("devices", JW_OBJECT_ARRAY, devices, COUNT (n_devices), .child = &device_obj),
  FIELD ("netDevices", JW_OBJECT_MAP, net_devices, COUNT (n_net_devices), .child = &net_device_obj),
  FIELD ("seccomp", JW_OBJECT, seccomp, .child = &seccomp_obj),
  FIELD ("rootfsPropagation", JW_STRING, rootfs_propagation, .names = &propagations),
  FIELD ("maskedPaths", JW_STRV, masked_paths),
  FIELD ("readonlyPaths", JW_STRV, readonly_paths),
  FIELD ("mountLabel", JW_STRING, mount_label),
  FIELD ("intelRdt", JW_OBJECT, intel_rdt, .child = &intel_rdt_obj),
  FIELD ("personality", JW_OBJECT, personality, .child = &personality_obj),
  FIELD ("timeOffsets", JW_OBJECT_MAP, time_offsets, COUNT (n_time_offsets),
         .child = &time_offset_obj, .names = &clocks),
  FIELD ("memoryPolicy", JW_OBJECT, memory_policy, .child = &memory_policy_obj),
  END,
};
OBJECT (linux_obj, .fields = linux_fields, .check = ov_linux);
#undef CUR

/* The documents */

#define CUR struct oci_config
static const struct jw_field config_fields[] = {
  FIELD ("ociVersion", JW_STRING, oci_version, REQ, .check = ov_oci_version),
  FIELD ("process", JW_OBJECT, process, .child = &ot_process),
  FIELD ("root", JW_OBJECT, root, .child = &root_obj),
  FIELD ("hostname", JW_STRING, hostname),
  FIELD ("domainname", JW_STRING, domainname),
  FIELD ("mounts", JW_OBJECT_ARRAY, mounts, COUNT (n_mounts), .child = &mount_obj),
  FIELD ("hooks", JW_OBJECT, hooks, .child = &hooks_obj),
  FIELD ("annotations", JW_MAP, annotations),
  FIELD ("linux", JW_OBJECT, linux_, .child = &linux_obj),
  END,
};
DOCUMENT (ot_config, .fields = config_fields, .check = ov_config);
#undef CUR

#define CUR struct oci_state
static const struct jw_field state_fields[] = {
  FIELD ("ociVersion", JW_STRING, oci_version, REQ),
  FIELD ("id", JW_STRING, id, REQ),
  FIELD ("status", JW_STRING, status, REQ, .names = &state_statuses),
  FIELD ("pid", JW_INT32, pid, .flags = JW_OMIT_ZERO),
  FIELD ("bundle", JW_STRING, bundle, REQ),
  FIELD ("rootfs", JW_STRING, rootfs),
  FIELD ("created", JW_STRING, created),
  FIELD ("owner", JW_STRING, owner),
  FIELD ("annotations", JW_MAP, annotations),
  END,
};
DOCUMENT (ot_state, .fields = state_fields, .check = ov_state);
#undef CUR

/* The features document: emitted only.  Its small {enabled} objects are
 * flat in struct oci_features_linux, so they are inline children at offset
 * 0, written when their has_ flag is set, with every member always written. */

#define CUR struct oci_features_linux
#define BOOL_MEMBER(json, member) FIELD (json, JW_BOOL, member, REQ)
#define ENABLED_OBJECT(var, member)                                                                \
  static const struct jw_field var##_fields[] = { BOOL_MEMBER ("enabled", member), END };          \
  OBJECT (var, .fields = var##_fields)
static const struct jw_field feat_cgroup_fields[] = {
  BOOL_MEMBER ("v1", cgroup_v1),           BOOL_MEMBER ("v2", cgroup_v2),
  BOOL_MEMBER ("systemd", cgroup_systemd), BOOL_MEMBER ("systemdUser", cgroup_systemd_user),
  BOOL_MEMBER ("rdma", cgroup_rdma),       END,
};
OBJECT (feat_cgroup_obj, .fields = feat_cgroup_fields);
static const struct jw_field feat_seccomp_fields[] = {
  BOOL_MEMBER ("enabled", seccomp_enabled),
  FIELD ("actions", JW_STRV, seccomp_actions),
  FIELD ("operators", JW_STRV, seccomp_operators),
  FIELD ("archs", JW_STRV, seccomp_archs),
  FIELD ("knownFlags", JW_STRV, seccomp_known_flags),
  FIELD ("supportedFlags", JW_STRV, seccomp_supported_flags),
  END,
};
OBJECT (feat_seccomp_obj, .fields = feat_seccomp_fields);
ENABLED_OBJECT (feat_apparmor_obj, apparmor_enabled);
ENABLED_OBJECT (feat_selinux_obj, selinux_enabled);
static const struct jw_field feat_intel_rdt_fields[] = {
  BOOL_MEMBER ("enabled", intel_rdt_enabled),
  BOOL_MEMBER ("schemata", intel_rdt_schemata),
  BOOL_MEMBER ("monitoring", intel_rdt_monitoring),
  END,
};
OBJECT (feat_intel_rdt_obj, .fields = feat_intel_rdt_fields);
static const struct jw_field feat_memory_policy_fields[] = {
  FIELD ("modes", JW_STRV, memory_policy_modes),
  FIELD ("flags", JW_STRV, memory_policy_flags),
  END,
};
OBJECT (feat_memory_policy_obj, .fields = feat_memory_policy_fields);
ENABLED_OBJECT (feat_idmap_obj, idmap_enabled);
static const struct jw_field feat_mount_ext_fields[] = {
  { .name = "idmap", .kind = JW_INLINE, .offset = 0, .child = &feat_idmap_obj },
  END,
};
OBJECT (feat_mount_ext_obj, .fields = feat_mount_ext_fields);
ENABLED_OBJECT (feat_net_devices_obj, net_devices_enabled);

#define FLAT(json, hasm, obj)                                                                      \
  {                                                                                                \
    .name = json, .kind = JW_INLINE, .offset = 0, HAS (hasm), .child = &obj                        \
  }
static const struct jw_field feat_linux_fields[] = {
  FIELD ("namespaces", JW_STRV, namespaces),
  FIELD ("capabilities", JW_STRV, capabilities),
  FLAT ("cgroup", has_cgroup, feat_cgroup_obj),
  FLAT ("seccomp", has_seccomp, feat_seccomp_obj),
  FLAT ("apparmor", has_apparmor, feat_apparmor_obj),
  FLAT ("selinux", has_selinux, feat_selinux_obj),
  FLAT ("intelRdt", has_intel_rdt, feat_intel_rdt_obj),
  FLAT ("memoryPolicy", has_memory_policy, feat_memory_policy_obj),
  FLAT ("mountExtensions", has_mount_extensions, feat_mount_ext_obj),
  FLAT ("netDevices", has_net_devices, feat_net_devices_obj),
  END,
};
#undef FLAT
#undef ENABLED_OBJECT
#undef BOOL_MEMBER
OBJECT (feat_linux_obj, .fields = feat_linux_fields);
#undef CUR

#define CUR struct oci_features
static const struct jw_field features_fields[] = {
  FIELD ("ociVersionMin", JW_STRING, oci_version_min, REQ),
  FIELD ("ociVersionMax", JW_STRING, oci_version_max, REQ),
  FIELD ("hooks", JW_STRV, hooks),
  FIELD ("mountOptions", JW_STRV, mount_options),
  FIELD ("annotations", JW_MAP, annotations),
  FIELD ("potentiallyUnsafeConfigAnnotations", JW_STRV, potentially_unsafe_config_annotations),
  FIELD ("linux", JW_OBJECT, linux_, .child = &feat_linux_obj),
  END,
};
DOCUMENT (ot_features, .fields = features_fields);
#undef CUR

_Static_assert(sizeof (int) == sizeof (int32_t), "state.pid is walked as an int32");
_Static_assert(sizeof (enum oci_ns_type) == sizeof (int), "namespace type is walked as an int");

/* Public entry points */

struct oci_config *
oci_config_parse_file (const char *path, const char *file, char **errmsg)
{
  return jw_parse_file (&ot_config, path, file, errmsg);
}

struct oci_config *
oci_config_parse_data (const char *json, size_t len, const char *file, char **errmsg)
{
  return jw_parse_document (&ot_config, json, len, file, errmsg);
}

struct oci_config *
oci_config_parse_data_all (const char *json, size_t len, const char *file, size_t max,
                           struct oci_problems *problems)
{
  return jw_parse_document_all (&ot_config, json, len, file, max, problems);
}

void
oci_problems_clear (struct oci_problems *p)
{
  for (size_t i = 0; i < p->len; i++)
    {
      free (p->items[i].line);
      free (p->items[i].path);
    }
  free (p->items);
  memset (p, 0, sizeof *p);
}

/* Whether `a` is `b` or a path above it ("" and "." are above all). */
static bool
path_within (const char *a, const char *b)
{
  size_t n = strlen (a);

  if (n == 0 || strcmp (a, ".") == 0)
    return true;
  return strncmp (a, b, n) == 0 && (b[n] == '\0' || b[n] == '.' || b[n] == '[');
}

bool
oci_problems_affect (const struct oci_problems *p, const char *path)
{
  /* The walk stopped at the cap: what it had not reached is absent. */
  if (p->truncated)
    return true;
  for (size_t i = 0; i < p->len; i++)
    if (path_within (p->items[i].path, path) || path_within (path, p->items[i].path))
      return true;
  return false;
}

struct oci_process *
oci_process_parse_data (const char *json, size_t len, const char *file, char **errmsg)
{
  return jw_parse_document (&ot_process, json, len, file, errmsg);
}

struct oci_process *
oci_process_parse_file (const char *path, const char *file, char **errmsg)
{
  return jw_parse_file (&ot_process, path, file, errmsg);
}

struct oci_resources *
oci_resources_parse_data (const char *json, size_t len, const char *file, char **errmsg)
{
  return jw_parse_document (&ot_resources, json, len, file, errmsg);
}

struct oci_state *
oci_state_parse_data (const char *json, size_t len, const char *file, char **errmsg)
{
  return jw_parse_document (&ot_state, json, len, file, errmsg);
}

void
oci_config_free (struct oci_config *c)
{
  jw_free (&ot_config, c);
}

void
oci_process_free (struct oci_process *p)
{
  jw_free (&ot_process, p);
}

void
oci_resources_free (struct oci_resources *r)
{
  jw_free (&ot_resources, r);
}

void
oci_state_free (struct oci_state *s)
{
  jw_free (&ot_state, s);
}

const char *
oci_ns_type_name (enum oci_ns_type t)
{
  if ((unsigned) t >= OCI_NS_COUNT)
    return NULL;
  return ns_type_names[t];
}

int
oci_ns_type_from_name (const char *name)
{
  return jw_name_index (&ns_types, name);
}

const char *
oci_map_get (const struct oci_map *m, const char *key)
{
  for (size_t i = 0; i < m->len; i++)
    if (strcmp (m->keys[i], key) == 0)
      return m->values[i];
  return NULL;
}

const struct oci_namespace *
oci_config_namespace (const struct oci_config *c, enum oci_ns_type t)
{
  if (c->linux_ == NULL)
    return NULL;
  for (size_t i = 0; i < c->linux_->n_namespaces; i++)
    if (c->linux_->namespaces[i].type == t)
      return &c->linux_->namespaces[i];
  return NULL;
}
