/* The OCI runtime-spec data model (v1.2.1 plus the v1.3.0 fields) for
 * config.json, process.json, state.json and the features document.
 *
 * Conventions shared by every struct here:
 *  - `char *` is NULL when the property is absent;
 *  - `char **` string arrays are NULL-terminated, NULL when absent;
 *  - arrays of objects are `T *name; size_t n_name;` (NULL/0 when absent);
 *  - optional scalars carry a `has_<field>` flag;
 *  - optional sub-objects are pointers, NULL when absent.
 * This library does no syscalls beyond reading the file it is asked to parse.
 */
#ifndef COVE_OCI_SPEC_H
#define COVE_OCI_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OCI_VERSION "1.3.0"
#define OCI_VERSION_MIN "1.0.0"
#define OCI_VERSION_MAX "1.3.0"

/* string → string map, insertion order kept */
struct oci_map {
  char **keys;
  char **values;
  size_t len;
};

struct oci_id_mapping {
  uint32_t container_id;
  uint32_t host_id;
  uint32_t size;
};

struct oci_mount {
  char *destination; /* required */
  char *type;
  char *source;
  char **options;
  struct oci_id_mapping *uid_mappings;
  size_t n_uid_mappings;
  struct oci_id_mapping *gid_mappings;
  size_t n_gid_mappings;
};

struct oci_rlimit {
  char *type; /* "RLIMIT_NOFILE", ... */
  uint64_t soft;
  uint64_t hard;
};

struct oci_capabilities {
  char **bounding;
  char **effective;
  char **inheritable;
  char **permitted;
  char **ambient;
};

struct oci_user {
  uint32_t uid;
  uint32_t gid;
  bool has_umask;
  uint32_t umask;
  uint32_t *additional_gids;
  size_t n_additional_gids;
  char *username;
};

struct oci_scheduler {
  char *policy; /* required: SCHED_OTHER ... */
  bool has_nice;
  int32_t nice;
  bool has_priority;
  int32_t priority;
  char **flags;
  bool has_runtime;
  uint64_t runtime;
  bool has_deadline;
  uint64_t deadline;
  bool has_period;
  uint64_t period;
};

struct oci_io_priority {
  char *class_; /* required: IOPRIO_CLASS_RT|BE|IDLE */
  int32_t priority;
};

struct oci_exec_cpu_affinity {
  char *initial;
  char *final;
};

struct oci_process {
  bool terminal;
  bool has_console_size;
  uint32_t console_height;
  uint32_t console_width;
  struct oci_user user;
  char **args; /* required, non-empty */
  char *command_line;
  char **env;
  char *cwd; /* required, absolute */
  struct oci_capabilities *capabilities;
  struct oci_rlimit *rlimits;
  size_t n_rlimits;
  bool no_new_privileges;
  char *apparmor_profile;
  bool has_oom_score_adj;
  int32_t oom_score_adj;
  char *selinux_label;
  struct oci_scheduler *scheduler;
  struct oci_io_priority *io_priority;
  struct oci_exec_cpu_affinity *exec_cpu_affinity;
};

struct oci_hook {
  char *path; /* required, absolute */
  char **args;
  char **env;
  bool has_timeout;
  int32_t timeout; /* seconds, > 0 */
};

struct oci_hooks {
  struct oci_hook *prestart;
  size_t n_prestart;
  struct oci_hook *create_runtime;
  size_t n_create_runtime;
  struct oci_hook *create_container;
  size_t n_create_container;
  struct oci_hook *start_container;
  size_t n_start_container;
  struct oci_hook *poststart;
  size_t n_poststart;
  struct oci_hook *poststop;
  size_t n_poststop;
};

struct oci_root {
  char *path; /* required */
  bool readonly;
};

enum oci_ns_type {
  OCI_NS_PID,
  OCI_NS_NETWORK,
  OCI_NS_MOUNT,
  OCI_NS_IPC,
  OCI_NS_UTS,
  OCI_NS_USER,
  OCI_NS_CGROUP,
  OCI_NS_TIME,
  OCI_NS_COUNT
};

struct oci_namespace {
  enum oci_ns_type type;
  char *path;
};

struct oci_device {
  char type; /* 'c', 'b', 'u' or 'p' */
  char *path; /* required, absolute */
  bool has_major;
  int64_t major;
  bool has_minor;
  int64_t minor;
  bool has_file_mode;
  uint32_t file_mode;
  bool has_uid;
  uint32_t uid;
  bool has_gid;
  uint32_t gid;
};

struct oci_device_cgroup {
  bool allow;
  char type; /* 'a', 'c' or 'b'; 'a' when absent */
  bool has_major;
  int64_t major;
  bool has_minor;
  int64_t minor;
  char *access; /* "rwm" subset, NULL = all */
};

struct oci_memory {
  bool has_limit;
  int64_t limit;
  bool has_reservation;
  int64_t reservation;
  bool has_swap;
  int64_t swap;
  bool has_kernel;
  int64_t kernel;
  bool has_kernel_tcp;
  int64_t kernel_tcp;
  bool has_swappiness;
  uint64_t swappiness;
  bool has_disable_oom_killer;
  bool disable_oom_killer;
  bool has_use_hierarchy;
  bool use_hierarchy;
  bool has_check_before_update;
  bool check_before_update;
};

struct oci_cpu {
  bool has_shares;
  uint64_t shares;
  bool has_quota;
  int64_t quota;
  bool has_burst;
  uint64_t burst;
  bool has_period;
  uint64_t period;
  bool has_realtime_runtime;
  int64_t realtime_runtime;
  bool has_realtime_period;
  uint64_t realtime_period;
  char *cpus;
  char *mems;
  bool has_idle;
  int64_t idle;
};

struct oci_pids {
  int64_t limit;
};

struct oci_weight_device {
  int64_t major;
  int64_t minor;
  bool has_weight;
  uint16_t weight;
  bool has_leaf_weight;
  uint16_t leaf_weight;
};

struct oci_throttle_device {
  int64_t major;
  int64_t minor;
  uint64_t rate;
};

struct oci_block_io {
  bool has_weight;
  uint16_t weight;
  bool has_leaf_weight;
  uint16_t leaf_weight;
  struct oci_weight_device *weight_device;
  size_t n_weight_device;
  struct oci_throttle_device *throttle_read_bps_device;
  size_t n_throttle_read_bps_device;
  struct oci_throttle_device *throttle_write_bps_device;
  size_t n_throttle_write_bps_device;
  struct oci_throttle_device *throttle_read_iops_device;
  size_t n_throttle_read_iops_device;
  struct oci_throttle_device *throttle_write_iops_device;
  size_t n_throttle_write_iops_device;
};

struct oci_hugepage_limit {
  char *page_size; /* "2MB" */
  uint64_t limit;
};

struct oci_net_priority {
  char *name;
  uint32_t priority;
};

struct oci_network {
  bool has_class_id;
  uint32_t class_id;
  struct oci_net_priority *priorities;
  size_t n_priorities;
};

struct oci_rdma {
  char *device; /* map key */
  bool has_hca_handles;
  uint32_t hca_handles;
  bool has_hca_objects;
  uint32_t hca_objects;
};

struct oci_resources {
  struct oci_device_cgroup *devices;
  size_t n_devices;
  struct oci_memory *memory;
  struct oci_cpu *cpu;
  struct oci_pids *pids;
  struct oci_block_io *block_io;
  struct oci_hugepage_limit *hugepage_limits;
  size_t n_hugepage_limits;
  struct oci_network *network;
  struct oci_rdma *rdma;
  size_t n_rdma;
  struct oci_map unified;
};

struct oci_seccomp_arg {
  uint32_t index;
  uint64_t value;
  bool has_value_two;
  uint64_t value_two;
  char *op; /* SCMP_CMP_* */
};

struct oci_seccomp_syscall {
  char **names; /* required, non-empty */
  char *action; /* required, SCMP_ACT_* */
  bool has_errno_ret;
  uint32_t errno_ret;
  struct oci_seccomp_arg *args;
  size_t n_args;
};

struct oci_seccomp {
  char *default_action; /* required */
  bool has_default_errno_ret;
  uint32_t default_errno_ret;
  char **architectures;
  char **flags;
  char *listener_path;
  char *listener_metadata;
  struct oci_seccomp_syscall *syscalls;
  size_t n_syscalls;
};

struct oci_time_offset {
  char *clock; /* map key: "monotonic" or "boottime" */
  int64_t secs;
  uint32_t nanosecs;
};

struct oci_intel_rdt {
  char *clos_id;
  char *l3_cache_schema;
  char *mem_bw_schema;
  char **schemata;
  bool enable_monitoring;
};

struct oci_personality {
  char *domain; /* "LINUX" or "LINUX32" */
  char **flags;
};

struct oci_net_device {
  char *host_name; /* map key */
  char *name;
};

struct oci_memory_policy {
  char *mode; /* MPOL_* */
  char *nodes;
  char **flags;
};

struct oci_linux {
  struct oci_namespace *namespaces;
  size_t n_namespaces;
  struct oci_id_mapping *uid_mappings;
  size_t n_uid_mappings;
  struct oci_id_mapping *gid_mappings;
  size_t n_gid_mappings;
  struct oci_time_offset *time_offsets;
  size_t n_time_offsets;
  struct oci_device *devices;
  size_t n_devices;
  struct oci_net_device *net_devices;
  size_t n_net_devices;
  char *cgroups_path;
  struct oci_resources *resources;
  char *rootfs_propagation;
  struct oci_seccomp *seccomp;
  struct oci_map sysctl;
  char **masked_paths;
  char **readonly_paths;
  char *mount_label;
  struct oci_intel_rdt *intel_rdt;
  struct oci_personality *personality;
  struct oci_memory_policy *memory_policy;
};

struct oci_config {
  char *oci_version; /* required */
  struct oci_root *root;
  struct oci_mount *mounts;
  size_t n_mounts;
  struct oci_process *process;
  char *hostname;
  char *domainname;
  struct oci_hooks *hooks;
  struct oci_map annotations;
  struct oci_linux *linux_;
};

/* The state document (runtime.md) with the extras runc and crun print. */
struct oci_state {
  char *oci_version;
  char *id;
  char *status; /* creating|created|running|stopped|paused */
  int pid; /* 0 when absent */
  char *bundle;
  char *rootfs;
  char *created; /* RFC 3339 */
  char *owner;
  struct oci_map annotations;
};

/* The features document (features.md, features-linux.md) that `features`
 * prints.  Every list is NULL-terminated and left out when NULL; the
 * optional objects below are written only when their has_ flag is set. */
struct oci_features_linux {
  char **namespaces;
  char **capabilities;
  bool has_cgroup; /* "cgroup": {v1, v2, systemd, systemdUser, rdma} */
  bool cgroup_v1;
  bool cgroup_v2;
  bool cgroup_systemd;
  bool cgroup_systemd_user;
  bool cgroup_rdma;
  bool has_seccomp; /* "seccomp": {enabled, actions, operators, archs, knownFlags, supportedFlags} */
  bool seccomp_enabled;
  char **seccomp_actions;
  char **seccomp_operators;
  char **seccomp_archs;
  char **seccomp_known_flags;
  char **seccomp_supported_flags;
  bool has_apparmor; /* "apparmor": {enabled} */
  bool apparmor_enabled;
  bool has_selinux; /* "selinux": {enabled} */
  bool selinux_enabled;
  bool has_intel_rdt; /* "intelRdt": {enabled, schemata, monitoring} */
  bool intel_rdt_enabled;
  bool intel_rdt_schemata;
  bool intel_rdt_monitoring;
  bool has_memory_policy; /* "memoryPolicy": {modes, flags} */
  char **memory_policy_modes;
  char **memory_policy_flags;
  bool has_mount_extensions; /* "mountExtensions": {idmap: {enabled}} */
  bool idmap_enabled;
  bool has_net_devices; /* "netDevices": {enabled} */
  bool net_devices_enabled;
};

struct oci_features {
  char *oci_version_min; /* required */
  char *oci_version_max; /* required */
  char **hooks;
  char **mount_options;
  struct oci_map annotations;
  char **potentially_unsafe_config_annotations;
  struct oci_features_linux *linux_;
};

/* Parsing.  On failure, NULL is returned and *errmsg receives a malloc'd
 * one-line message of the form "<file>: <json path>: <problem>", e.g.
 * "config.json: .linux.namespaces[2].type: unknown namespace type \"foo\"".
 * `file` only names the document in messages. */
struct oci_config *oci_config_parse_file (const char *path, const char *file, char **errmsg);
struct oci_config *oci_config_parse_data (const char *json, size_t len, const char *file, char **errmsg);
/* process.json as given to `exec --process`. */
struct oci_process *oci_process_parse_data (const char *json, size_t len, const char *file, char **errmsg);
struct oci_process *oci_process_parse_file (const char *path, const char *file, char **errmsg);
/* linux.resources as given to `update --resources`. */
struct oci_resources *oci_resources_parse_data (const char *json, size_t len, const char *file, char **errmsg);
struct oci_state *oci_state_parse_data (const char *json, size_t len, const char *file, char **errmsg);

/* Collecting mode, for `cove spec --validate`: instead of stopping at the
 * first error, the parser records it, skips the offending value and goes
 * on with the next member or element, up to `max` problems (at least 1).
 * Each line is the message first-error parsing gives for that problem,
 * and the message oci_config_parse_data would return is always one of
 * them.  Malformed JSON is one problem, as there is nothing to walk. */
#define OCI_PROBLEMS_MAX 100

struct oci_problem {
  char *line; /* "<file>: <json path>: <problem>" */
  char *path; /* the path alone: ".process.args"; "." the document; "" malformed */
};

struct oci_problems {
  /* In document order; a problem about an absent property comes after
   * those of the present ones of the object that lacks it. */
  struct oci_problem *items;
  size_t len;
  bool truncated; /* there were more than `max` */
};

/* Returns the config, or NULL when the text is not a JSON object (one
 * problem then).  When problems->len > 0 the config is partial: a part is
 * whole (parsed and checked) only when oci_problems_affect says no; any
 * other part may hold absent or half-parsed values.  Free both with
 * oci_config_free and oci_problems_clear. */
struct oci_config *oci_config_parse_data_all (const char *json, size_t len, const char *file,
                                              size_t max, struct oci_problems *problems);
void oci_problems_clear (struct oci_problems *p);
/* Whether a problem lies at `path`, under it or above it: ".mounts[1]" is
 * affected by ".mounts[1].source" and by ".mounts", not by ".mounts[10]".
 * After truncation everything is (the walk stopped early). */
bool oci_problems_affect (const struct oci_problems *p, const char *path);

void oci_config_free (struct oci_config *c);
void oci_process_free (struct oci_process *p);
void oci_resources_free (struct oci_resources *r);
void oci_state_free (struct oci_state *s);

/* Emitting.  Return a malloc'd, NUL-terminated JSON text (compact unless
 * `pretty`), or NULL on allocation failure. */
char *oci_config_to_json (const struct oci_config *c, bool pretty, size_t *len);
char *oci_state_to_json (const struct oci_state *s, bool pretty, size_t *len);

/* Name tables, shared by the parser, the runtime and `features`. */
const char *oci_ns_type_name (enum oci_ns_type t); /* "pid", "network", ... */
int oci_ns_type_from_name (const char *name); /* -1 when unknown */

char *oci_features_to_json (const struct oci_features *f, bool pretty, size_t *len);
/* process.json, e.g. for `exec --process` round trips (same rules as above). */
char *oci_process_to_json (const struct oci_process *p, bool pretty, size_t *len);

/* NULL-terminated lists of the names the parser accepts; `features` prints
 * them. */
extern const char *const oci_rlimit_names[];
extern const char *const oci_seccomp_action_names[];
extern const char *const oci_seccomp_op_names[];
extern const char *const oci_seccomp_arch_names[];
extern const char *const oci_seccomp_flag_names[];
extern const char *const oci_mempolicy_mode_names[];
extern const char *const oci_mempolicy_flag_names[];
extern const char *const oci_hook_names[]; /* "prestart", "createRuntime", ... */

/* Finding things. */
const char *oci_map_get (const struct oci_map *m, const char *key);
const struct oci_namespace *oci_config_namespace (const struct oci_config *c, enum oci_ns_type t);

#endif
