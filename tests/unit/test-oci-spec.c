/* Unit tests for oci-spec/: parsing every field, the exact error messages,
 * round trips through the emitter, process.json, resources and state. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci-spec.h"
#include "tap.h"

/* JSON in C strings is easier to read with 'single' quotes: J() turns them
 * into double quotes (no test document needs a literal '). */
static char *
J (const char *s)
{
  char *r = strdup (s);
  for (char *c = r; *c; c++)
    if (*c == '\'')
      *c = '"';
  return r;
}

static struct oci_config *
parse_config (const char *json_sq, char **err)
{
  char *json = J (json_sq);
  struct oci_config *c = oci_config_parse_data (json, strlen (json), "config.json", err);
  free (json);
  return c;
}

/* Fixtures live next to this file; automake exports $srcdir. */
static char *
fixture (const char *name)
{
  const char *srcdir = getenv ("srcdir");
  char *path;
  if (srcdir != NULL)
    {
      if (asprintf (&path, "%s/tests/unit/fixtures/%s", srcdir, name) < 0)
        abort ();
    }
  else
    {
      const char *slash = strrchr (__FILE__, '/');
      int dirlen = slash ? (int) (slash - __FILE__) : 1;
      if (asprintf (&path, "%.*s/fixtures/%s", dirlen, slash ? __FILE__ : ".", name) < 0)
        abort ();
    }
  return path;
}

static struct oci_config *
parse_fixture (const char *name, char **err)
{
  char *path = fixture (name);
  struct oci_config *c = oci_config_parse_file (path, name, err);
  free (path);
  return c;
}

static void
test_minimal (void)
{
  char *err = NULL;
  struct oci_config *c = parse_config (
      "{'ociVersion':'1.0.2','root':{'path':'rootfs'},'process':{'args':['sh'],'cwd':'/'}}", &err);
  if (!ok (c != NULL, "minimal config parses"))
    {
      diag ("%s", err);
      free (err);
      return;
    }
  is_str (c->oci_version, "1.0.2", "minimal: ociVersion");
  is_str (c->root->path, "rootfs", "minimal: root.path");
  ok (!c->root->readonly, "minimal: root.readonly defaults to false");
  is_str (c->process->args[0], "sh", "minimal: args[0]");
  ok (c->process->args[1] == NULL, "minimal: args is NULL-terminated");
  is_str (c->process->cwd, "/", "minimal: cwd");
  ok (c->process->env == NULL && c->process->capabilities == NULL && c->process->n_rlimits == 0,
      "minimal: absent optional fields stay empty");
  ok (c->process->user.uid == 0 && c->process->user.gid == 0 && !c->process->user.has_umask,
      "minimal: user defaults to 0:0 without umask");
  ok (c->linux_ == NULL && c->hooks == NULL && c->n_mounts == 0 && c->annotations.len == 0,
      "minimal: no linux, hooks, mounts, annotations");
  ok (oci_config_namespace (c, OCI_NS_PID) == NULL, "minimal: no namespaces");
  oci_config_free (c);
}

static bool
strv_equal3 (char **v, const char *a, const char *b, const char *c)
{
  return v && v[0] && v[1] && v[2] && !v[3] && strcmp (v[0], a) == 0 && strcmp (v[1], b) == 0
         && strcmp (v[2], c) == 0;
}

/* Every value of fixtures/full.json; run on the parsed file and again on
 * the result of a round trip. */
static void
check_full (const struct oci_config *c, const char *tag)
{
  const struct oci_process *p = c->process;
  const struct oci_linux *l = c->linux_;
  const struct oci_resources *r = l->resources;
  const struct oci_seccomp *s = l->seccomp;

  is_str (c->oci_version, "1.3.0", "%s: ociVersion", tag);
  ok (p->terminal && p->has_console_size && p->console_height == 25 && p->console_width == 80,
      "%s: terminal and consoleSize", tag);
  ok (p->user.uid == 1000 && p->user.gid == 1001 && p->user.has_umask && p->user.umask == 18,
      "%s: user uid/gid/umask", tag);
  ok (p->user.n_additional_gids == 3 && p->user.additional_gids[2] == 4294967295u,
      "%s: additionalGids up to UINT32_MAX", tag);
  is_str (p->user.username, "ignored-on-linux", "%s: username", tag);
  ok (strv_equal3 (p->args, "/bin/sh", "-c", "echo hello"), "%s: args", tag);
  is_str (p->command_line, "windows only", "%s: commandLine", tag);
  is_str (p->env[2], "EMPTY=", "%s: env", tag);
  is_str (p->cwd, "/srv", "%s: cwd", tag);
  ok (p->capabilities->inheritable != NULL && p->capabilities->inheritable[0] == NULL,
      "%s: an empty capability set is kept, not dropped", tag);
  is_str (p->capabilities->ambient[0], "CAP_NET_BIND_SERVICE", "%s: ambient", tag);
  ok (p->n_rlimits == 3 && p->rlimits[0].soft == 1024 && p->rlimits[0].hard == 4096,
      "%s: rlimit soft/hard", tag);
  ok (p->rlimits[1].hard == UINT64_MAX && p->rlimits[1].soft == UINT64_MAX,
      "%s: rlimit of 2^64-1 (RLIM_INFINITY) survives", tag);
  ok (p->no_new_privileges, "%s: noNewPrivileges", tag);
  is_str (p->apparmor_profile, "acme_secure_profile", "%s: apparmorProfile", tag);
  ok (p->has_oom_score_adj && p->oom_score_adj == -500, "%s: oomScoreAdj", tag);
  is_str (p->selinux_label, "system_u:system_r:svirt_lxc_net_t:s0:c124,c675", "%s: selinuxLabel",
          tag);
  ok (p->scheduler && strcmp (p->scheduler->policy, "SCHED_DEADLINE") == 0 && p->scheduler->has_nice
          && p->scheduler->nice == -5 && p->scheduler->has_priority && p->scheduler->priority == 0
          && p->scheduler->runtime == 10000000 && p->scheduler->deadline == 20000000
          && p->scheduler->has_period && p->scheduler->period == 30000000,
      "%s: scheduler", tag);
  is_str (p->scheduler->flags[1], "SCHED_FLAG_UTIL_CLAMP_MAX", "%s: scheduler flags", tag);
  ok (strcmp (p->io_priority->class_, "IOPRIO_CLASS_BE") == 0 && p->io_priority->priority == 4,
      "%s: ioPriority", tag);
  ok (strcmp (p->exec_cpu_affinity->initial, "0-1") == 0
          && strcmp (p->exec_cpu_affinity->final, "2,3") == 0,
      "%s: execCPUAffinity", tag);

  ok (c->root->readonly, "%s: root.readonly", tag);
  is_str (c->hostname, "box", "%s: hostname", tag);
  is_str (c->domainname, "example.org", "%s: domainname", tag);
  ok (c->n_mounts == 3, "%s: 3 mounts", tag);
  ok (c->mounts[1].n_uid_mappings == 1 && c->mounts[1].uid_mappings[0].host_id == 100000
          && c->mounts[1].gid_mappings[0].host_id == 200000
          && c->mounts[1].gid_mappings[0].size == 65536,
      "%s: mount idmap", tag);
  is_str (c->mounts[1].options[2], "idmap", "%s: mount options", tag);
  is_str (c->mounts[2].destination, "relative/dest", "%s: relative mount destination accepted",
          tag);
  ok (c->mounts[2].options != NULL && c->mounts[2].options[0] == NULL, "%s: empty options", tag);
  ok (c->hooks->n_prestart == 1 && c->hooks->n_create_runtime == 1
          && c->hooks->n_create_container == 1 && c->hooks->n_start_container == 1
          && c->hooks->n_poststart == 1 && c->hooks->n_poststop == 1,
      "%s: one hook of each kind", tag);
  ok (c->hooks->create_runtime[0].has_timeout && c->hooks->create_runtime[0].timeout == 5
          && !c->hooks->prestart[0].has_timeout,
      "%s: hook timeout", tag);
  is_str (c->hooks->prestart[0].args[1], "arg1", "%s: hook args", tag);
  is_str (c->hooks->prestart[0].env[0], "key1=value1", "%s: hook env", tag);
  is_str (oci_map_get (&c->annotations, "org.opencontainers.image.stopSignal"), "SIGTERM",
          "%s: annotations", tag);

  ok (l->n_uid_mappings == 2 && l->uid_mappings[1].container_id == 1000 && l->n_gid_mappings == 1,
      "%s: linux id mappings", tag);
  ok (l->sysctl.len == 5, "%s: 5 sysctls", tag);
  is_str (oci_map_get (&l->sysctl, "net/core/somaxconn"), "256", "%s: sysctl with slashes", tag);
  ok (r->n_devices == 3 && !r->devices[0].allow && r->devices[0].type == 'a'
          && !r->devices[0].has_major,
      "%s: device rule type defaults to a", tag);
  ok (r->devices[1].type == 'c' && r->devices[1].major == 10 && r->devices[1].minor == 229
          && strcmp (r->devices[1].access, "rw") == 0,
      "%s: device rule c 10:229 rw", tag);
  ok (r->devices[2].has_major && !r->devices[2].has_minor,
      "%s: device rule without minor (wildcard)", tag);
  ok (r->memory->has_limit && r->memory->limit == 536870912 && r->memory->reservation == -1
          && r->memory->kernel == -1 && r->memory->has_swappiness && r->memory->swappiness == 0,
      "%s: memory numbers, -1 accepted", tag);
  ok (r->memory->has_disable_oom_killer && !r->memory->disable_oom_killer
          && r->memory->use_hierarchy && r->memory->check_before_update,
      "%s: memory bools", tag);
  ok (r->cpu->shares == 1024 && r->cpu->quota == 100000 && r->cpu->burst == 5000
          && r->cpu->period == 100000 && r->cpu->realtime_runtime == 950000
          && r->cpu->realtime_period == 1000000 && r->cpu->has_idle && r->cpu->idle == 0,
      "%s: cpu numbers", tag);
  ok (strcmp (r->cpu->cpus, "2-3") == 0 && strcmp (r->cpu->mems, "0-7") == 0, "%s: cpuset", tag);
  is_int (r->pids->limit, 32771, "%s: pids.limit", tag);
  ok (r->block_io->weight == 10 && r->block_io->leaf_weight == 10
          && r->block_io->n_weight_device == 2 && r->block_io->weight_device[0].leaf_weight == 300
          && !r->block_io->weight_device[1].has_leaf_weight,
      "%s: blockIO weights", tag);
  ok (r->block_io->throttle_read_bps_device[0].rate == 600
          && r->block_io->throttle_write_bps_device[0].rate == 700
          && r->block_io->throttle_read_iops_device[0].rate == 300
          && r->block_io->throttle_write_iops_device[0].minor == 16,
      "%s: blockIO throttles", tag);
  ok (r->n_hugepage_limits == 2 && strcmp (r->hugepage_limits[1].page_size, "64KB") == 0,
      "%s: hugepageLimits", tag);
  ok (r->network->class_id == 1048577 && r->network->n_priorities == 2
          && r->network->priorities[1].priority == 1000,
      "%s: network", tag);
  ok (r->n_rdma == 2 && strcmp (r->rdma[0].device, "mlx5_1") == 0 && r->rdma[0].hca_handles == 3
          && !r->rdma[1].has_hca_handles && r->rdma[1].hca_objects == 1000,
      "%s: rdma map keyed by device", tag);
  is_str (oci_map_get (&r->unified, "memory.high"), "max", "%s: unified", tag);
  is_str (l->cgroups_path, "/myRuntime/myContainer", "%s: cgroupsPath", tag);
  ok (l->n_namespaces == 8, "%s: all 8 namespaces", tag);
  is_str (oci_config_namespace (c, OCI_NS_NETWORK)->path, "/var/run/netns/neta",
          "%s: namespace path", tag);
  ok (oci_config_namespace (c, OCI_NS_TIME) != NULL, "%s: time namespace", tag);
  ok (l->n_devices == 3 && l->devices[0].type == 'c' && l->devices[0].file_mode == 438
          && l->devices[0].has_uid && l->devices[1].type == 'b' && !l->devices[1].has_uid
          && l->devices[2].type == 'p' && !l->devices[2].has_major,
      "%s: devices", tag);
  ok (l->n_net_devices == 2 && strcmp (l->net_devices[0].host_name, "eth1") == 0
          && strcmp (l->net_devices[0].name, "ctr0") == 0 && l->net_devices[1].name == NULL,
      "%s: netDevices", tag);
  ok (strcmp (s->default_action, "SCMP_ACT_ERRNO") == 0 && s->has_default_errno_ret
          && s->default_errno_ret == 1,
      "%s: seccomp default", tag);
  is_str (s->architectures[2], "SCMP_ARCH_X32", "%s: seccomp architectures", tag);
  is_str (s->flags[1], "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "%s: seccomp flags", tag);
  is_str (s->listener_path, "/run/seccomp-agent.socket", "%s: listenerPath", tag);
  is_str (s->listener_metadata, "{\"k\": \"v\"}", "%s: listenerMetadata", tag);
  ok (s->n_syscalls == 4 && s->syscalls[2].has_errno_ret && s->syscalls[2].errno_ret == 38
          && !s->syscalls[0].has_errno_ret,
      "%s: syscall errnoRet", tag);
  ok (s->syscalls[3].n_args == 2 && s->syscalls[3].args[1].index == 1
          && s->syscalls[3].args[1].value == UINT64_MAX && s->syscalls[3].args[1].has_value_two
          && s->syscalls[3].args[1].value_two == 4
          && strcmp (s->syscalls[3].args[1].op, "SCMP_CMP_MASKED_EQ") == 0
          && !s->syscalls[3].args[0].has_value_two,
      "%s: syscall args", tag);
  is_str (l->rootfs_propagation, "rslave", "%s: rootfsPropagation", tag);
  is_str (l->masked_paths[1], "/proc/keys", "%s: maskedPaths", tag);
  is_str (l->readonly_paths[1], "/proc/sysrq-trigger", "%s: readonlyPaths", tag);
  is_str (l->mount_label, "system_u:object_r:svirt_sandbox_file_t:s0:c715,c811", "%s: mountLabel",
          tag);
  ok (strcmp (l->intel_rdt->clos_id, "guaranteed_group") == 0
          && strcmp (l->intel_rdt->mem_bw_schema, "MB:0=20;1=70") == 0
          && strcmp (l->intel_rdt->schemata[1], "L2CODE:0=f") == 0
          && l->intel_rdt->enable_monitoring,
      "%s: intelRdt", tag);
  is_str (l->intel_rdt->l3_cache_schema, "L3:0=7f0;1=1f", "%s: l3CacheSchema", tag);
  ok (strcmp (l->personality->domain, "LINUX32") == 0 && l->personality->flags
          && !l->personality->flags[0],
      "%s: personality", tag);
  ok (l->n_time_offsets == 2 && strcmp (l->time_offsets[0].clock, "monotonic") == 0
          && l->time_offsets[0].secs == -86400 && l->time_offsets[0].nanosecs == 500
          && l->time_offsets[1].secs == 172800,
      "%s: timeOffsets", tag);
  ok (strcmp (l->memory_policy->mode, "MPOL_INTERLEAVE") == 0
          && strcmp (l->memory_policy->nodes, "0-3") == 0
          && strcmp (l->memory_policy->flags[0], "MPOL_F_STATIC_NODES") == 0,
      "%s: memoryPolicy", tag);
}

/* emit(parse(emit(x))) must equal emit(x), and the reparsed struct must
 * still hold the values (checked by the caller). */
static struct oci_config *
round_trip (const struct oci_config *c, const char *tag)
{
  char *err = NULL;
  size_t len1 = 0, len2 = 0;
  char *j1 = oci_config_to_json (c, false, &len1);
  struct oci_config *c2 = j1 ? oci_config_parse_data (j1, len1, "emitted.json", &err) : NULL;
  char *j2 = c2 ? oci_config_to_json (c2, true, &len2) : NULL;
  struct oci_config *c3 = j2 ? oci_config_parse_data (j2, len2, "pretty.json", &err) : NULL;
  char *j3 = c3 ? oci_config_to_json (c3, false, NULL) : NULL;

  ok (c2 != NULL, "%s: emitted JSON parses again", tag);
  if (err)
    diag ("%s", err);
  ok (j2 != NULL && strchr (j2, '\n') != NULL && j1 && strchr (j1, '\n') == NULL,
      "%s: pretty output is indented, compact is one line", tag);
  is_str (j3, j1, "%s: config -> JSON -> config -> JSON is stable", tag);
  free (err);
  free (j1);
  free (j2);
  free (j3);
  oci_config_free (c3);
  return c2;
}

static void
test_full (void)
{
  char *err = NULL;
  struct oci_config *c = parse_fixture ("full.json", &err), *c2;
  if (!ok (c != NULL, "full.json (every field) parses"))
    {
      diag ("%s", err);
      free (err);
      return;
    }
  check_full (c, "full");
  c2 = round_trip (c, "full");
  if (c2)
    check_full (c2, "full round trip");
  oci_config_free (c2);
  oci_config_free (c);
}

static void
test_fixture_round_trip (const char *name)
{
  char *err = NULL;
  struct oci_config *c = parse_fixture (name, &err);
  if (!ok (c != NULL, "%s parses", name))
    {
      diag ("%s", err);
      free (err);
      skip (3, "no config");
      return;
    }
  oci_config_free (round_trip (c, name));
  oci_config_free (c);
}

static void
test_runc_spec (void)
{
  char *err = NULL;
  struct oci_config *c = parse_fixture ("runc-spec.json", &err);
  if (!ok (c != NULL, "runc-spec.json parses"))
    {
      free (err);
      return;
    }
  ok (c->n_mounts == 7 && strcmp (c->mounts[6].type, "cgroup") == 0, "runc spec: 7 mounts");
  ok (c->linux_->n_namespaces == 6 && oci_config_namespace (c, OCI_NS_USER) == NULL,
      "runc spec: 6 namespaces, no user");
  ok (c->linux_->resources->n_devices == 1 && !c->linux_->resources->devices[0].allow,
      "runc spec: deny-all device rule");
  is_str (c->linux_->masked_paths[10], "/proc/scsi", "runc spec: maskedPaths");
  oci_config_free (c);
}

static void
test_podman (void)
{
  char *err = NULL;
  struct oci_config *c = parse_fixture ("podman-config.json", &err);
  size_t names = 0;
  if (!ok (c != NULL, "podman-config.json parses (unknown top-level key ignored)"))
    {
      diag ("%s", err);
      free (err);
      return;
    }
  for (size_t i = 0; i < c->linux_->seccomp->n_syscalls; i++)
    for (char **n = c->linux_->seccomp->syscalls[i].names; *n; n++)
      names++;
  ok (names > 300, "podman: seccomp profile with %zu syscall names", names);
  is_str (c->oci_version, "1.0.2-dev", "podman: pre-release ociVersion accepted");
  is_str (c->linux_->cgroups_path, "machine.slice:libpod:3f1e2c7a9b",
          "podman: systemd cgroupsPath");
  is_int (c->process->user.n_additional_gids, 11, "podman: additionalGids");
  ok (c->linux_->seccomp->syscalls[7].args[0].has_value_two
          && c->linux_->seccomp->syscalls[7].args[0].value_two == 0,
      "podman: valueTwo of 0 is kept as set");
  oci_config_free (c);
}

static void
test_unknown_ignored (void)
{
  char *err = NULL;
  struct oci_config *plain = parse_config (
      "{'ociVersion':'1.2.0','root':{'path':'rootfs'},'process':{'args':['sh'],'cwd':'/'},"
      "'linux':{'namespaces':[{'type':'mount'}],'resources':{'memory':{'limit':1}}}}",
      &err);
  struct oci_config *extra = parse_config (
      "{'ociVersion':'1.2.0','x':1,'root':{'path':'rootfs','future':[1,{}]},"
      "'process':{'args':['sh'],'cwd':'/','user':{'uid':0,'gid':0,'sid':'S-1'},'newThing':null},"
      "'windows':{'layerFolders':['C:']},'solaris':{},'vm':{'kernel':{'path':'/k'}},"
      "'linux':{'namespaces':[{'type':'mount','flags':7}],'resources':{'memory':{'limit':1,'x':'y'}"
      ",'zfs':{}}},"
      "'hostname':null}",
      &err);
  char *a = plain ? oci_config_to_json (plain, false, NULL) : NULL;
  char *b = extra ? oci_config_to_json (extra, false, NULL) : NULL;

  ok (extra != NULL, "unknown properties at every level are ignored");
  if (err)
    diag ("%s", err);
  is_str (b, a, "unknown properties leave no trace; null means absent");
  free (a);
  free (b);
  free (err);
  oci_config_free (plain);
  oci_config_free (extra);
}

/* Accepted edge cases */
static const char *const valid_configs[] = {
  /* a user namespace joined by path brings its own mappings */
  "{'ociVersion':'1.0.0','root':{'path':'r'},'linux':{'namespaces':[{'type':'user','path':'/proc/1/"
  "ns/user'}]}}",
  /* hostname in a joined UTS namespace (podman pods) */
  "{'ociVersion':'1.1.0','root':{'path':'r'},'hostname':'h','linux':{'namespaces':[{'type':'uts','"
  "path':'/x'}]}}",
  /* an empty hostname needs nothing */
  "{'ociVersion':'1.1.0','root':{'path':'r'},'hostname':''}",
  "{'ociVersion':'1.3.0-rc.1+build.5','root':{'path':'r'}}",
  "{'ociVersion':'1.2.1','root':{'path':'r'},'linux':{'resources':{'memory':{'limit':-1,'swap':-1},"
  "'pids':{'limit':-1},'cpu':{'quota':-1}}}}",
  "{'ociVersion':'1.2.1','root':{'path':'r'},'linux':{'resources':{'memory':{'limit':"
  "9223372036854775807}}}}",
  "{'ociVersion':'1.2.1','root':{'path':'r'},'linux':{'resources':{'blockIO':{'weight':65535}}}}",
  "{'ociVersion':'1.2.1','root':{'path':'r'},'linux':{'namespaces':[{'type':'ipc'}],'sysctl':{'"
  "kernel/sem':'1 2 3 4'}}}",
  "{'ociVersion':'1.2.1','root':{'path':'r'},'linux':{'resources':{'devices':[{'allow':true,'"
  "access':''}]}}}",
  "{'ociVersion':'1.2.1','root':{'path':'r'},'linux':{'seccomp':{'defaultAction':'SCMP_ACT_TRACE','"
  "defaultErrnoRet':5}}}",
  "{'ociVersion':'1.2.1','root':{'path':'r'},'process':{'args':['a'],'cwd':'/','oomScoreAdj':-1000,"
  "'rlimits':[{'type':'RLIMIT_AS','soft':0,'hard':0}]}}",
  "{'ociVersion':'1.2.1','root':{'path':'r'},'mounts':[{'destination':'/a','options':null}]}",
  /* comments: yajl_tree_parse allows them, as runc's decoder does not; harmless */
  "{'ociVersion':'1.2.1', /* c */ 'root':{'path':'r'}}",
};

static void
test_valid_edge_cases (void)
{
  for (size_t i = 0; i < sizeof valid_configs / sizeof valid_configs[0]; i++)
    {
      char *err = NULL;
      struct oci_config *c = parse_config (valid_configs[i], &err);
      ok (c != NULL, "valid edge case %zu", i);
      if (c == NULL)
        diag ("%s", err);
      free (err);
      oci_config_free (c);
    }
}

#define V "{'ociVersion':'1.2.1','root':{'path':'rootfs'},"
#define P V "'process':{'cwd':'/','args':['sh'],"
#define L V "'linux':{"
#define R L "'resources':{"
#define S L "'seccomp':{"

static const struct
{
  const char *json;
  const char *msg;
} broken[] = {
  { "{'root':{'path':'r'}}", ".ociVersion: missing required field" },
  { "{'ociVersion':1,'root':{'path':'r'}}", ".ociVersion: expected a string, got number" },
  { "{'ociVersion':'2.0.0','root':{'path':'r'}}",
    ".ociVersion: unsupported version \"2.0.0\" (supported: 1.0.0 to 1.3.0)" },
  { "{'ociVersion':'1.4.0','root':{'path':'r'}}",
    ".ociVersion: unsupported version \"1.4.0\" (supported: 1.0.0 to 1.3.0)" },
  { "{'ociVersion':'1.0','root':{'path':'r'}}", ".ociVersion: \"1.0\" is not a SemVer version" },
  { "{'ociVersion':'1.0.0'}", ".root: missing required field" },
  { "{'ociVersion':'1.0.0','root':{}}", ".root.path: missing required field" },
  { "{'ociVersion':'1.0.0','root':{'path':''}}", ".root.path: must not be empty" },
  { "{'ociVersion':'1.0.0','root':{'path':'r','readonly':'yes'}}",
    ".root.readonly: expected a boolean, got string" },
  { "[]", ".: expected an object, got array" },
  { "{'ociVersion':'1.0.0','root':'rootfs'}", ".root: expected an object, got string" },
  { V "'process':{'cwd':'/','args':[]}}", ".process.args: must be a non-empty array" },
  { V "'process':{'cwd':'/'}}", ".process.args: missing required field" },
  { V "'process':{'cwd':'/','args':'sh'}}",
    ".process.args: expected an array of strings, got string" },
  { V "'process':{'cwd':'/','args':['sh',1]}}", ".process.args[1]: expected a string, got number" },
  { V "'process':{'args':['sh']}}", ".process.cwd: missing required field" },
  { V "'process':{'args':['sh'],'cwd':'srv'}}",
    ".process.cwd: must be an absolute path, got \"srv\"" },
  { P "'user':{'uid':'0'}}}", ".process.user.uid: expected an unsigned integer, got string" },
  { P "'user':{'uid':-1}}}", ".process.user.uid: expected an unsigned integer, got -1" },
  { P "'user':{'gid':4294967296}}}",
    ".process.user.gid: value 4294967296 is out of range (0 to 4294967295)" },
  { P "'user':{'uid':1.5}}}", ".process.user.uid: expected an unsigned integer, got 1.5" },
  { P "'user':{'additionalGids':[1,-2]}}}",
    ".process.user.additionalGids[1]: expected an unsigned integer, got -2" },
  { P "'terminal':1}}", ".process.terminal: expected a boolean, got number" },
  { P "'consoleSize':{'height':1}}}", ".process.consoleSize.width: missing required field" },
  { P "'oomScoreAdj':2147483648}}",
    ".process.oomScoreAdj: value 2147483648 is out of range (-2147483648 to 2147483647)" },
  { P "'rlimits':[{'type':'RLIMIT_FOO','soft':1,'hard':1}]}}",
    ".process.rlimits[0].type: unknown rlimit type \"RLIMIT_FOO\"" },
  { P "'rlimits':[{'type':'RLIMIT_CORE','soft':1}]}}",
    ".process.rlimits[0].hard: missing required field" },
  { P "'rlimits':[{'type':'RLIMIT_CORE','soft':10,'hard':5}]}}",
    ".process.rlimits[0].soft: soft limit 10 exceeds hard limit 5" },
  { P "'rlimits':[{'type':'RLIMIT_NOFILE','soft':1,'hard':1},{'type':'RLIMIT_NOFILE','soft':2,'"
      "hard':2}]}}",
    ".process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\"" },
  { P "'capabilities':{'bounding':'CAP_KILL'}}}",
    ".process.capabilities.bounding: expected an array of strings, got string" },
  { P "'scheduler':{'policy':'SCHED_FAST'}}}",
    ".process.scheduler.policy: unknown scheduler policy \"SCHED_FAST\"" },
  { P "'scheduler':{'nice':1}}}", ".process.scheduler.policy: missing required field" },
  { P "'scheduler':{'policy':'SCHED_OTHER','flags':['SCHED_FLAG_FAST']}}}",
    ".process.scheduler.flags[0]: unknown scheduler flag \"SCHED_FLAG_FAST\"" },
  { P "'scheduler':{'policy':'SCHED_OTHER','nice':20}}}",
    ".process.scheduler.nice: must be between -20 and 19, got 20" },
  { P "'ioPriority':{'class':'IOPRIO_CLASS_NONE','priority':0}}}",
    ".process.ioPriority.class: unknown I/O priority class \"IOPRIO_CLASS_NONE\"" },
  { P "'ioPriority':{'class':'IOPRIO_CLASS_RT','priority':8}}}",
    ".process.ioPriority.priority: must be between 0 and 7, got 8" },
  { V "'hostname':'h'}", ".hostname: requires a UTS namespace" },
  { V "'domainname':'d','linux':{'namespaces':[{'type':'pid'}]}}",
    ".domainname: requires a UTS namespace" },
  { V "'mounts':[{'type':'tmpfs'}]}", ".mounts[0].destination: missing required field" },
  { V "'mounts':[{'destination':'/a'},{'destination':''}]}",
    ".mounts[1].destination: must not be empty" },
  { V "'mounts':[{'destination':'/a','options':'ro'}]}",
    ".mounts[0].options: expected an array of strings, got string" },
  { V "'mounts':[{'destination':'/a','uidMappings':[{'containerID':0,'hostID':1,'size':1}]}]}",
    ".mounts[0].gidMappings: uidMappings and gidMappings must be given together" },
  { V "'mounts':[{'destination':'/"
      "a','uidMappings':[{'containerID':0,'hostID':1}],'gidMappings':[]}]}",
    ".mounts[0].uidMappings[0].size: missing required field" },
  { V "'mounts':{'destination':'/a'}}", ".mounts: expected an array, got object" },
  { V "'hooks':{'prestart':[{'path':'hook'}]}}",
    ".hooks.prestart[0].path: must be an absolute path, got \"hook\"" },
  { V "'hooks':{'poststop':[{'path':'/h','timeout':0}]}}",
    ".hooks.poststop[0].timeout: must be greater than 0" },
  { V "'hooks':{'createRuntime':[{'args':['x']}]}}",
    ".hooks.createRuntime[0].path: missing required field" },
  { V "'annotations':{'com.example':1}}",
    ".annotations[\"com.example\"]: expected a string, got number" },
  { V "'annotations':[]}", ".annotations: expected an object, got array" },
  { L "'namespaces':[{'type':'pid'},{'type':'uts'},{'type':'foo'}]}}",
    ".linux.namespaces[2].type: unknown namespace type \"foo\"" },
  { L "'namespaces':[{'type':'pid'},{'type':'pid','path':'/x'}]}}",
    ".linux.namespaces[1].type: duplicate namespace type \"pid\"" },
  { L "'namespaces':[{'path':'/x'}]}}", ".linux.namespaces[0].type: missing required field" },
  { L "'namespaces':{'pid':{}}}}", ".linux.namespaces: expected an array, got object" },
  { L "'uidMappings':[{'containerID':0,'hostID':1000,'size':1}]}}",
    ".linux.uidMappings: requires a user namespace" },
  { L "'namespaces':[{'type':'user'}],'uidMappings':[{'containerID':0,'hostID':1000,'size':1}]}}",
    ".linux.namespaces[0]: a new user namespace needs uidMappings and gidMappings" },
  { L "'sysctl':{'net.ipv4.ip_forward':'1'}}}",
    ".linux.sysctl[\"net.ipv4.ip_forward\"]: requires a network namespace" },
  { L "'namespaces':[{'type':'network'}],'sysctl':{'kernel.shmmax':'1'}}}",
    ".linux.sysctl[\"kernel.shmmax\"]: requires an IPC namespace" },
  { L "'sysctl':{'fs/mqueue/msg_max':'1'}}}",
    ".linux.sysctl[\"fs/mqueue/msg_max\"]: requires an IPC namespace" },
  { L "'sysctl':{'kernel.hostname':'h'}}}",
    ".linux.sysctl[\"kernel.hostname\"]: requires a UTS namespace" },
  { L "'namespaces':[{'type':'ipc'}],'sysctl':{'vm.swappiness':'1'}}}",
    ".linux.sysctl[\"vm.swappiness\"]: not a namespaced sysctl" },
  { L "'sysctl':{'net.core.somaxconn':128}}}",
    ".linux.sysctl[\"net.core.somaxconn\"]: expected a string, got number" },
  { L "'timeOffsets':{'monotonic':{'secs':1}}}}", ".linux.timeOffsets: requires a time namespace" },
  { L "'namespaces':[{'type':'time'}],'timeOffsets':{'realtime':{'secs':1}}}}",
    ".linux.timeOffsets.realtime: unknown clock \"realtime\"" },
  { L "'namespaces':[{'type':'time'}],'timeOffsets':{'boottime':{'nanosecs':-1}}}}",
    ".linux.timeOffsets.boottime.nanosecs: expected an unsigned integer, got -1" },
  { L "'devices':[{'path':'/dev/x','type':'x'}]}}",
    ".linux.devices[0].type: unknown device type \"x\"" },
  { L "'devices':[{'path':'dev/x','type':'c','major':1,'minor':1}]}}",
    ".linux.devices[0].path: must be an absolute path, got \"dev/x\"" },
  { L "'devices':[{'path':'/dev/x','type':'c','minor':1}]}}",
    ".linux.devices[0].major: required for device type \"c\"" },
  { L "'devices':[{'path':'/dev/x','type':'b','major':8}]}}",
    ".linux.devices[0].minor: required for device type \"b\"" },
  { L "'devices':[{'path':'/dev/x'}]}}", ".linux.devices[0].type: missing required field" },
  { L "'netDevices':{'eth0':'eth1'}}}", ".linux.netDevices.eth0: expected an object, got string" },
  { L "'rootfsPropagation':'bogus'}}",
    ".linux.rootfsPropagation: unknown rootfs propagation \"bogus\"" },
  { L "'personality':{'domain':'LINUX64'}}}",
    ".linux.personality.domain: unknown personality domain \"LINUX64\"" },
  { L "'memoryPolicy':{'mode':'MPOL_RANDOM'}}}",
    ".linux.memoryPolicy.mode: unknown memory policy mode \"MPOL_RANDOM\"" },
  { L "'memoryPolicy':{'mode':'MPOL_BIND','nodes':'0','flags':['MPOL_F_X']}}}",
    ".linux.memoryPolicy.flags[0]: unknown memory policy flag \"MPOL_F_X\"" },
  { L "'maskedPaths':[null]}}", ".linux.maskedPaths[0]: expected a string, got null" },
  { L "'intelRdt':{'enableMonitoring':'true'}}}",
    ".linux.intelRdt.enableMonitoring: expected a boolean, got string" },
  { R "'devices':[{'allow':true,'type':'x'}]}}}",
    ".linux.resources.devices[0].type: unknown device type \"x\"" },
  { R "'devices':[{'allow':true,'access':'rwx'}]}}}",
    ".linux.resources.devices[0].access: invalid access \"rwx\" (expected letters from \"rwm\")" },
  { R "'devices':[{'access':'rwm'}]}}}",
    ".linux.resources.devices[0].allow: missing required field" },
  { R "'memory':{'limit':'1G'}}}}",
    ".linux.resources.memory.limit: expected an integer, got string" },
  { R "'memory':{'limit':9223372036854775808}}}}",
    ".linux.resources.memory.limit: value 9223372036854775808 is out of range "
    "(-9223372036854775808 to 9223372036854775807)" },
  { R "'memory':{'swappiness':-1}}}}",
    ".linux.resources.memory.swappiness: expected an unsigned integer, got -1" },
  { R "'cpu':{'shares':18446744073709551616}}}}",
    ".linux.resources.cpu.shares: value 18446744073709551616 is out of range (0 to "
    "18446744073709551615)" },
  { R "'blockIO':{'weight':65536}}}}",
    ".linux.resources.blockIO.weight: value 65536 is out of range (0 to 65535)" },
  { R "'blockIO':{'throttleReadBpsDevice':[{'major':8,'minor':0}]}}}}",
    ".linux.resources.blockIO.throttleReadBpsDevice[0].rate: missing required field" },
  { R "'pids':{}}}}", ".linux.resources.pids.limit: missing required field" },
  { R "'hugepageLimits':[{'limit':1}]}}}",
    ".linux.resources.hugepageLimits[0].pageSize: missing required field" },
  { R "'rdma':{'mlx5_1':{'hcaHandles':-3}}}}}",
    ".linux.resources.rdma.mlx5_1.hcaHandles: expected an unsigned integer, got -3" },
  { R "'unified':{'memory.max':1}}}}",
    ".linux.resources.unified[\"memory.max\"]: expected a string, got number" },
  { S "'syscalls':[]}}}", ".linux.seccomp.defaultAction: missing required field" },
  { S "'defaultAction':'SCMP_ACT_FOO'}}}",
    ".linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_FOO\"" },
  { S "'defaultAction':'SCMP_ACT_KILL','defaultErrnoRet':1}}}",
    ".linux.seccomp.defaultErrnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not "
    "SCMP_ACT_KILL" },
  { S "'defaultAction':'SCMP_ACT_ALLOW','architectures':['SCMP_ARCH_Z80']}}}",
    ".linux.seccomp.architectures[0]: unknown seccomp architecture \"SCMP_ARCH_Z80\"" },
  { S "'defaultAction':'SCMP_ACT_ALLOW','flags':['SECCOMP_FILTER_FLAG_NEW_LISTENER']}}}",
    ".linux.seccomp.flags[0]: unknown seccomp flag \"SECCOMP_FILTER_FLAG_NEW_LISTENER\"" },
  { S "'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':[],'action':'SCMP_ACT_ERRNO'}]}}}",
    ".linux.seccomp.syscalls[0].names: must be a non-empty array" },
  { S
    "'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],'action':'SCMP_ACT_MAYBE'}]}}}",
    ".linux.seccomp.syscalls[0].action: unknown seccomp action \"SCMP_ACT_MAYBE\"" },
  { S "'defaultAction':'SCMP_ACT_ERRNO','syscalls':[{'names':['read'],'action':'SCMP_ACT_ALLOW','"
      "errnoRet':1}]}}}",
    ".linux.seccomp.syscalls[0].errnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not "
    "SCMP_ACT_ALLOW" },
  { S "'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],'action':'SCMP_ACT_ERRNO',"
      "'args':[{'index':0,'value':1,'op':'SCMP_CMP_IN'}]}]}}}",
    ".linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator \"SCMP_CMP_IN\"" },
  { S "'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],'action':'SCMP_ACT_ERRNO',"
      "'args':[{'index':0,'op':'SCMP_CMP_EQ'}]}]}}}",
    ".linux.seccomp.syscalls[0].args[0].value: missing required field" },
  { S "'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['mkdir'],'action':'SCMP_ACT_NOTIFY'}]"
      "}}}",
    ".linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used" },
  { S "'defaultAction':'SCMP_ACT_NOTIFY','listenerPath':'/s'}}}",
    ".linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action" },
};

static void
test_broken (void)
{
  for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++)
    {
      char *err = NULL, *want;
      struct oci_config *c = parse_config (broken[i].json, &err);
      if (asprintf (&want, "config.json: %s", broken[i].msg) < 0)
        abort ();
      ok (c == NULL, "broken %zu is rejected", i);
      is_str (err, want, "broken %zu: message", i);
      oci_config_free (c);
      free (err);
      free (want);
    }
}

static void
test_malformed (void)
{
  static const struct
  {
    const char *json;
    const char *msg;
  } cases[] = {
    { "", "config.json: malformed JSON: parse error: premature EOF" },
    { "{\"ociVersion\":", "config.json: malformed JSON: parse error: premature EOF" },
    { "{\"a\":}",
      "config.json: malformed JSON: parse error: unallowed token at this point in JSON text" },
    { "{} {}", "config.json: malformed JSON: parse error: trailing garbage" },
    { "{\"a\":\"\\x\"}", "config.json: malformed JSON: lexical error: inside a string, '\\' occurs "
                         "before a character which it may not." },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      char *err = NULL;
      struct oci_config *c
          = oci_config_parse_data (cases[i].json, strlen (cases[i].json), "config.json", &err);
      ok (c == NULL && err && strchr (err, '\n') == NULL, "malformed %zu: rejected with one line",
          i);
      is_str (err, cases[i].msg, "malformed %zu: message", i);
      oci_config_free (c);
      free (err);
    }

  char *err = NULL;
  ok (oci_config_parse_data ("{}\0{}", 5, "config.json", &err) == NULL,
      "NUL byte inside the document rejected");
  free (err);
  err = NULL;
  ok (oci_config_parse_file ("/nonexistent/config.json", "config.json", &err) == NULL,
      "missing file");
  is_str (err, "config.json: open: No such file or directory", "missing file: message");
  free (err);
}

static void
test_process (void)
{
  char *err = NULL;
  char *json = J (
      "{'args':['/bin/ls','-l'],'cwd':'/tmp','env':['A=1'],'terminal':true,"
      "'user':{'uid':5,'gid':6,'additionalGids':[7]},'capabilities':{'effective':['CAP_KILL']},"
      "'noNewPrivileges':true,'execCPUAffinity':{'initial':'0'},'apparmorProfile':'p'}");
  struct oci_process *p = oci_process_parse_data (json, strlen (json), "process.json", &err);
  char *out;
  free (json);
  if (!ok (p != NULL, "process.json parses"))
    {
      diag ("%s", err);
      free (err);
      return;
    }
  ok (strcmp (p->args[1], "-l") == 0 && strcmp (p->cwd, "/tmp") == 0 && p->terminal
          && p->user.uid == 5 && p->user.additional_gids[0] == 7 && p->no_new_privileges
          && strcmp (p->exec_cpu_affinity->initial, "0") == 0
          && p->exec_cpu_affinity->final == NULL,
      "process.json: values");
  out = oci_process_to_json (p, false, NULL);
  is_str (
      out,
      "{\"terminal\":true,\"user\":{\"uid\":5,\"gid\":6,\"additionalGids\":[7]},\"args\":[\"/bin/"
      "ls\",\"-l\"],"
      "\"env\":[\"A=1\"],\"cwd\":\"/tmp\",\"capabilities\":{\"effective\":[\"CAP_KILL\"]},"
      "\"noNewPrivileges\":true,\"apparmorProfile\":\"p\",\"execCPUAffinity\":{\"initial\":\"0\"}}",
      "process.json: emitted back");
  free (out);
  oci_process_free (p);

  static const struct
  {
    const char *json, *msg;
  } bad[] = {
    { "{'args':[],'cwd':'/'}", "process.json: .args: must be a non-empty array" },
    { "{'args':['a'],'cwd':'x'}", "process.json: .cwd: must be an absolute path, got \"x\"" },
    { "{'args':['a'],'cwd':'/','user':{'uid':'root'}}",
      "process.json: .user.uid: expected an unsigned integer, got string" },
    { "{'args':['a'],'cwd':'/"
      "','rlimits':[{'type':'RLIMIT_NOFILE','soft':1,'hard':1},{'type':'RLIMIT_NOFILE','soft':1,'"
      "hard':1}]}",
      "process.json: .rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\"" },
    { "['a']", "process.json: .: expected an object, got array" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      char *j = J (bad[i].json);
      err = NULL;
      p = oci_process_parse_data (j, strlen (j), "process.json", &err);
      ok (p == NULL, "bad process.json %zu rejected", i);
      is_str (err, bad[i].msg, "bad process.json %zu: message", i);
      oci_process_free (p);
      free (err);
      free (j);
    }
}

static void
test_resources (void)
{
  char *err = NULL;
  char *json = J ("{'memory':{'limit':1048576,'swap':-1},'cpu':{'cpus':'0'},'pids':{'limit':0},"
                  "'devices':[{'allow':true,'type':'c','major':1,'minor':3,'access':'rwm'}],"
                  "'unified':{'pids.max':'10'}}");
  struct oci_resources *r = oci_resources_parse_data (json, strlen (json), "resources", &err);
  free (json);
  ok (r != NULL && r->memory->limit == 1048576 && r->memory->swap == -1 && r->pids->limit == 0
          && strcmp (r->cpu->cpus, "0") == 0 && r->n_devices == 1 && r->devices[0].minor == 3
          && strcmp (oci_map_get (&r->unified, "pids.max"), "10") == 0,
      "resources parse (pids.limit 0 is a value)");
  oci_resources_free (r);
  free (err);
  err = NULL;
  json = J ("{'memory':{'limit':true}}");
  r = oci_resources_parse_data (json, strlen (json), "-", &err);
  free (json);
  is_str (err, "-: .memory.limit: expected an integer, got boolean",
          "resources: error path from its own root");
  oci_resources_free (r);
  free (err);
}

static void
test_state (void)
{
  char *err = NULL;
  char *json = J ("{'ociVersion':'1.2.1','id':'c1','status':'running','pid':4422,'bundle':'/b',"
                  "'rootfs':'/b/rootfs','created':'2024-01-02T03:04:05.123456789Z','owner':'',"
                  "'annotations':{'a':'b'},'extra':{'ignored':true}}");
  struct oci_state *s = oci_state_parse_data (json, strlen (json), "state.json", &err);
  char *out;
  free (json);
  if (!ok (s != NULL, "state parses"))
    {
      diag ("%s", err);
      free (err);
      return;
    }
  ok (strcmp (s->id, "c1") == 0 && strcmp (s->status, "running") == 0 && s->pid == 4422
          && strcmp (s->bundle, "/b") == 0 && strcmp (s->owner, "") == 0
          && strcmp (oci_map_get (&s->annotations, "a"), "b") == 0,
      "state: values");
  out = oci_state_to_json (s, false, NULL);
  is_str (out,
          "{\"ociVersion\":\"1.2.1\",\"id\":\"c1\",\"status\":\"running\",\"pid\":4422,\"bundle\":"
          "\"/b\","
          "\"rootfs\":\"/b/rootfs\",\"created\":\"2024-01-02T03:04:05.123456789Z\",\"owner\":\"\","
          "\"annotations\":{\"a\":\"b\"}}",
          "state: emitted in order");
  free (out);
  oci_state_free (s);

  struct oci_state st
      = { .oci_version = "1.3.0", .id = "x", .status = "stopped", .bundle = "/bundle" };
  out = oci_state_to_json (&st, false, NULL);
  is_str (out,
          "{\"ociVersion\":\"1.3.0\",\"id\":\"x\",\"status\":\"stopped\",\"bundle\":\"/bundle\"}",
          "state: pid 0 and empty annotations left out");
  s = out ? oci_state_parse_data (out, strlen (out), "state.json", &err) : NULL;
  ok (s != NULL && s->pid == 0, "state: a stopped state without pid parses back");
  oci_state_free (s);
  free (out);
  out = oci_state_to_json (&st, true, NULL);
  ok (out && strstr (out, "\n\t\"id\": \"x\",\n") != NULL, "state: pretty output");
  free (out);

  static const struct
  {
    const char *json, *msg;
  } bad[] = {
    { "{'id':'c','status':'created','pid':1,'bundle':'/b'}",
      "state.json: .ociVersion: missing required field" },
    { "{'ociVersion':'1.0.0','status':'created','pid':1,'bundle':'/b'}",
      "state.json: .id: missing required field" },
    { "{'ociVersion':'1.0.0','id':'c','status':'zombie','pid':1,'bundle':'/b'}",
      "state.json: .status: unknown status \"zombie\"" },
    { "{'ociVersion':'1.0.0','id':'c','status':'running','bundle':'/b'}",
      "state.json: .pid: missing required field" },
    { "{'ociVersion':'1.0.0','id':'c','status':'running','pid':-5,'bundle':'/b'}",
      "state.json: .pid: must not be negative" },
    { "{'ociVersion':'1.0.0','id':'c','status':'created','pid':1}",
      "state.json: .bundle: missing required field" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      char *j = J (bad[i].json);
      err = NULL;
      s = oci_state_parse_data (j, strlen (j), "state.json", &err);
      ok (s == NULL, "bad state %zu rejected", i);
      is_str (err, bad[i].msg, "bad state %zu: message", i);
      oci_state_free (s);
      free (err);
      free (j);
    }
}

static void
test_names (void)
{
  static const char *const all[]
      = { "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time" };
  bool good = true;
  for (int t = 0; t < OCI_NS_COUNT; t++)
    good
        = good && strcmp (oci_ns_type_name (t), all[t]) == 0 && oci_ns_type_from_name (all[t]) == t;
  ok (good, "namespace names map both ways");
  ok (oci_ns_type_from_name ("net") == -1 && oci_ns_type_name (OCI_NS_COUNT) == NULL,
      "unknown namespace names");
  ok (strcmp (oci_rlimit_names[15], "RLIMIT_RTTIME") == 0 && oci_rlimit_names[16] == NULL,
      "16 rlimits");
  ok (strcmp (oci_hook_names[5], "poststop") == 0, "hook names");
}

static void
test_emit_default (void)
{
  /* What `cove spec` builds: emitting a hand-made struct. */
  char *args[] = { "sh", NULL };
  struct oci_process proc = { .terminal = true, .args = args, .cwd = "/" };
  struct oci_root root = { .path = "rootfs", .readonly = true };
  struct oci_namespace ns[] = { { .type = OCI_NS_PID }, { .type = OCI_NS_MOUNT } };
  struct oci_device_cgroup deny = { .allow = false, .type = 'a', .access = "rwm" };
  struct oci_resources res = { .devices = &deny, .n_devices = 1 };
  struct oci_linux lin = { .namespaces = ns, .n_namespaces = 2, .resources = &res };
  struct oci_config c
      = { .oci_version = OCI_VERSION, .process = &proc, .root = &root, .linux_ = &lin };
  char *out = oci_config_to_json (&c, false, NULL);
  is_str (out,
          "{\"ociVersion\":\"1.3.0\",\"process\":{\"terminal\":true,\"user\":{\"uid\":0,\"gid\":0},"
          "\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
          "\"linux\":{\"resources\":{\"devices\":[{\"allow\":false,\"type\":\"a\",\"access\":"
          "\"rwm\"}]},"
          "\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"}]}}",
          "emit a hand-built config (false required bools are written)");
  free (out);
}

static void
test_duplicate_keys (void)
{
  char *err = NULL;
  struct oci_config *c
      = parse_config ("{'ociVersion':'9','ociVersion':'1.1.0','root':{'path':'r'},"
                      "'annotations':{'a':'1','b':'2','a':'3'},"
                      "'linux':{'namespaces':[{'type':'time'}],"
                      "'timeOffsets':{'boottime':{'secs':1},'boottime':{'secs':2}}}}",
                      &err);
  ok (c != NULL, "duplicate keys: the last one wins");
  if (c == NULL)
    diag ("%s", err);
  ok (c && strcmp (c->oci_version, "1.1.0") == 0 && c->annotations.len == 2
          && strcmp (oci_map_get (&c->annotations, "a"), "3") == 0 && c->linux_->n_time_offsets == 1
          && c->linux_->time_offsets[0].secs == 2,
      "duplicate keys: maps keep one entry per key");
  free (err);
  oci_config_free (c);
}

static void
test_features (void)
{
  char *hooks[] = { "prestart", "poststop", NULL };
  char *ns[] = { "pid", "user", NULL };
  char *modes[] = { "MPOL_BIND", NULL };
  struct oci_features_linux fl = { .namespaces = ns,
                                   .has_cgroup = true,
                                   .cgroup_v1 = true,
                                   .has_apparmor = true,
                                   .has_memory_policy = true,
                                   .memory_policy_modes = modes,
                                   .has_mount_extensions = true,
                                   .idmap_enabled = true };
  struct oci_features f = {
    .oci_version_min = "1.0.0", .oci_version_max = OCI_VERSION_MAX, .hooks = hooks, .linux_ = &fl
  };
  char *out = oci_features_to_json (&f, false, NULL);
  is_str (out,
          "{\"ociVersionMin\":\"1.0.0\",\"ociVersionMax\":\"1.3.0\",\"hooks\":[\"prestart\","
          "\"poststop\"],"
          "\"linux\":{\"namespaces\":[\"pid\",\"user\"],\"cgroup\":{\"v1\":true,\"v2\":false,"
          "\"systemd\":false,"
          "\"systemdUser\":false,\"rdma\":false},\"apparmor\":{\"enabled\":false},"
          "\"memoryPolicy\":{\"modes\":[\"MPOL_BIND\"]},\"mountExtensions\":{\"idmap\":{"
          "\"enabled\":true}}}}",
          "features document");
  free (out);

  struct oci_namespace bad = { .type = (enum oci_ns_type) 42 };
  struct oci_linux lin = { .namespaces = &bad, .n_namespaces = 1 };
  struct oci_config c = { .oci_version = "1.0.0", .linux_ = &lin };
  out = oci_config_to_json (&c, false, NULL);
  is_str (out, "{\"ociVersion\":\"1.0.0\",\"linux\":{\"namespaces\":[{\"type\":null}]}}",
          "an out-of-range enum is written as null");
  free (out);
}

/* Collecting mode (`spec --validate`) */

static struct oci_config *
collect (const char *json_sq, size_t max, struct oci_problems *p)
{
  char *json = J (json_sq);
  struct oci_config *c = oci_config_parse_data_all (json, strlen (json), "config.json", max, p);
  free (json);
  return c;
}

/* The problems' lines, joined by newlines, for one comparison. */
static char *
joined (const struct oci_problems *p)
{
  size_t n = 1;
  char *s;

  for (size_t i = 0; i < p->len; i++)
    n += strlen (p->items[i].line) + 1;
  s = calloc (1, n);
  for (size_t i = 0; i < p->len; i++)
    {
      strcat (s, p->items[i].line);
      strcat (s, "\n");
    }
  return s;
}

static void
test_collect_several (void)
{
  /* Members out of the table's order (linux first, root last), so that
   * document order and walk order differ. */
  const char *doc
      = "{'ociVersion':'1.2.1','linux':{'namespaces':[{'type':'pid'},{'type':'bogus'}]},"
        "'process':{'terminal':'yes','args':['sh',1,'-c'],'user':{'uid':0}},"
        "'mounts':[{'destination':'/a'},{'destination':'/b','options':'ro'}],"
        "'root':{'path':'rootfs'}}";
  struct oci_problems p;
  char *err = NULL, *all;
  struct oci_config *c = collect (doc, OCI_PROBLEMS_MAX, &p);
  struct oci_config *first = parse_config (doc, &err);

  all = joined (&p);
  is_str (all,
          "config.json: .linux.namespaces[1].type: unknown namespace type \"bogus\"\n"
          "config.json: .process.terminal: expected a boolean, got string\n"
          "config.json: .process.args[1]: expected a string, got number\n"
          "config.json: .process.cwd: missing required field\n"
          "config.json: .mounts[1].options: expected an array of strings, got string\n",
          "collect: every problem, in document order, missing fields after present ones");
  ok (p.len == 5 && !p.truncated, "collect: 5 problems, not truncated");
  ok (p.len == 5 && strcmp (p.items[0].path, ".linux.namespaces[1].type") == 0
          && strcmp (p.items[3].path, ".process.cwd") == 0,
      "collect: each problem's path");
  ok (first == NULL && err && strstr (all, err) != NULL,
      "collect: the first-error message is one of them");
  is_str (err, "config.json: .process.terminal: expected a boolean, got string",
          "collect: first-error mode still stops at the first in table order");
  ok (c != NULL, "collect: the partial config is returned");
  if (c)
    {
      ok (c->root && strcmp (c->root->path, "rootfs") == 0 && c->n_mounts == 2
              && strcmp (c->mounts[0].destination, "/a") == 0,
          "collect: the good parts are parsed");
      ok (c->process->args && strcmp (c->process->args[0], "sh") == 0
              && strcmp (c->process->args[1], "-c") == 0 && c->process->args[2] == NULL,
          "collect: a bad string element is skipped, the vector stays NULL-terminated");
    }
  ok (!oci_problems_affect (&p, ".root") && !oci_problems_affect (&p, ".mounts[0]")
          && oci_problems_affect (&p, ".mounts[1]") && oci_problems_affect (&p, ".mounts")
          && oci_problems_affect (&p, ".process.args[1]") && oci_problems_affect (&p, ".linux")
          && !oci_problems_affect (&p, ".linux.namespaces[0]")
          && !oci_problems_affect (&p, ".process.user"),
      "collect: oci_problems_affect: at, under and above a problem, not beside it");
  free (all);
  free (err);
  oci_config_free (c);
  oci_problems_clear (&p);
  ok (p.len == 0 && p.items == NULL, "oci_problems_clear empties");
}

static void
test_collect_one (void)
{
  static const char *const one[] = {
    "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":",  /* truncated */
    "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}} {}", /* trailing garbage */
    "[{\"ociVersion\":1}]",                           /* not an object */
    "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"a\\u0000\"}}",
  };
  for (size_t i = 0; i < sizeof one / sizeof one[0]; i++)
    {
      struct oci_problems p;
      char *err = NULL;
      struct oci_config *c
          = oci_config_parse_data_all (one[i], strlen (one[i]), "config.json", 100, &p);
      oci_config_free (oci_config_parse_data (one[i], strlen (one[i]), "config.json", &err));
      ok (c == NULL && p.len == 1 && !p.truncated, "collect: unparsable %zu gives one problem", i);
      is_str (p.len ? p.items[0].line : NULL, err, "collect: unparsable %zu: today's message", i);
      free (err);
      oci_problems_clear (&p);
    }

  struct oci_problems p;
  struct oci_config *c = collect ("{'ociVersion':'1.2.1','root':{'path':'r'},"
                                  "'process':{'args':['sh'],'cwd':'/'}}",
                                  OCI_PROBLEMS_MAX, &p);
  ok (c != NULL && p.len == 0 && p.items == NULL && !p.truncated,
      "collect: a valid config has no problem");
  oci_config_free (c);
  oci_problems_clear (&p);
}

static void
test_collect_cap (void)
{
  const char *doc = "{'ociVersion':'1.2.1','root':{'path':'r'},"
                    "'process':{'cwd':'/','args':[1,2,3,4,5,6,7,8,9,10]}}";
  struct oci_problems p;
  struct oci_config *c = collect (doc, 3, &p);

  ok (p.len == 3 && p.truncated, "cap: 3 kept, truncated");
  ok (oci_problems_affect (&p, ".root"),
      "cap: after truncation every part counts as affected (the walk stopped)");
  is_str (p.len == 3 ? p.items[2].line : NULL,
          "config.json: .process.args[2]: expected a string, got number", "cap: the first three");
  oci_config_free (c);
  oci_problems_clear (&p);
  c = collect (doc, 10, &p);
  ok (p.len == 10 && !p.truncated, "cap: exactly at the cap is not truncated");
  oci_config_free (c);
  oci_problems_clear (&p);
  c = collect (doc, 0, &p);
  ok (p.len == 1 && p.truncated, "cap: 0 means 1");
  oci_config_free (c);
  oci_problems_clear (&p);
}

/* Checks across fields neither invent a problem from a skipped value nor
 * stop at their first one. */
static void
test_collect_checks (void)
{
  static const struct
  {
    const char *json, *want;
  } cases[] = {
    { P "'rlimits':[{'type':'RLIMIT_CORE','soft':10,'hard':'5'}]}}",
      "config.json: .process.rlimits[0].hard: expected an unsigned integer, got string\n" },
    { P "'rlimits':[{'type':'RLIMIT_CORE','soft':2,'hard':1},{'type':'RLIMIT_CORE','soft':1,'hard':1},"
        "{'type':'RLIMIT_CORE','soft':1,'hard':1}]}}",
      "config.json: .process.rlimits[0].soft: soft limit 2 exceeds hard limit 1\n" },
    { P "'rlimits':[{'type':'RLIMIT_CORE','soft':1,'hard':1},{'type':'RLIMIT_CORE','soft':1,'hard':1},"
        "{'type':'RLIMIT_CORE','soft':1,'hard':1}]}}",
      "config.json: .process.rlimits[1].type: duplicate rlimit \"RLIMIT_CORE\"\n"
      "config.json: .process.rlimits[2].type: duplicate rlimit \"RLIMIT_CORE\"\n" },
    { L "'devices':[{'path':'/dev/x','type':'c','major':'1'}]}}",
      "config.json: .linux.devices[0].major: expected an integer, got string\n"
      "config.json: .linux.devices[0].minor: required for device type \"c\"\n" },
    { L "'devices':[{'path':'/dev/x','type':'c'}]}}",
      "config.json: .linux.devices[0].major: required for device type \"c\"\n"
      "config.json: .linux.devices[0].minor: required for device type \"c\"\n" },
    { V "'mounts':[{'destination':'/a','uidMappings':[{'containerID':0,'hostID':1,'size':1}],"
        "'gidMappings':[{'containerID':0,'hostID':1}]}]}",
      "config.json: .mounts[0].gidMappings[0].size: missing required field\n" },
    { S "'syscalls':[{'names':['read'],'action':'SCMP_ACT_NOTIFY'}]}}}",
      "config.json: .linux.seccomp.defaultAction: missing required field\n"
      "config.json: .linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used\n" },
    { S "'defaultAction':'SCMP_ACT_NOTIFY','defaultErrnoRet':1}}}",
      "config.json: .linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action\n"
      "config.json: .linux.seccomp.defaultErrnoRet: only valid with SCMP_ACT_ERRNO or "
      "SCMP_ACT_TRACE, not SCMP_ACT_NOTIFY\n" },
    { L "'namespaces':[{'type':'pid'},{'type':'pid'},{'type':'pid'}],"
        "'uidMappings':[{'containerID':0,'hostID':1,'size':1}],'timeOffsets':{'boottime':{}}}}",
      "config.json: .linux.namespaces[1].type: duplicate namespace type \"pid\"\n"
      "config.json: .linux.namespaces[2].type: duplicate namespace type \"pid\"\n"
      "config.json: .linux.uidMappings: requires a user namespace\n"
      "config.json: .linux.timeOffsets: requires a time namespace\n" },
    /* A bad namespace list: nothing said about what needs one. */
    { V "'hostname':'h','linux':{'namespaces':[{'type':'utsx'}],"
        "'sysctl':{'kernel.hostname':'h'},'uidMappings':[{'containerID':0,'hostID':1,'size':1}]}}",
      "config.json: .linux.namespaces[0].type: unknown namespace type \"utsx\"\n" },
    { L "'namespaces':[{'type':'ipc'}],'sysctl':{'vm.a':'1','kernel.hostname':'h','x':1}}}",
      "config.json: .linux.sysctl.x: expected a string, got number\n" },
    { L "'namespaces':[{'type':'ipc'}],'sysctl':{'vm.a':'1','kernel.hostname':'h'}}}",
      "config.json: .linux.sysctl[\"vm.a\"]: not a namespaced sysctl\n"
      "config.json: .linux.sysctl[\"kernel.hostname\"]: requires a UTS namespace\n" },
    { "{'ociVersion':'1.2.1','hostname':'h','domainname':'d','annotations':{'a':1,'b':2}}",
      "config.json: .hostname: requires a UTS namespace\n"
      "config.json: .domainname: requires a UTS namespace\n"
      "config.json: .annotations.a: expected a string, got number\n"
      "config.json: .annotations.b: expected a string, got number\n"
      "config.json: .root: missing required field\n" },
    { L "'timeOffsets':{'realtime':{},'boottime':{'secs':'1'}},'namespaces':[{'type':'time'}]}}",
      "config.json: .linux.timeOffsets.realtime: unknown clock \"realtime\"\n"
      "config.json: .linux.timeOffsets.boottime.secs: expected an integer, got string\n" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      struct oci_problems p;
      struct oci_config *c = collect (cases[i].json, OCI_PROBLEMS_MAX, &p);
      char *all = joined (&p);
      is_str (all, cases[i].want, "collect checks %zu", i);
      free (all);
      oci_config_free (c);
      oci_problems_clear (&p);
    }
}

/* Every broken document of test_broken: collecting finds its problem. */
static void
test_collect_broken (void)
{
  bool good = true;

  for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++)
    {
      struct oci_problems p;
      struct oci_config *c = collect (broken[i].json, OCI_PROBLEMS_MAX, &p);
      char *err = NULL;
      bool found = false;

      oci_config_free (parse_config (broken[i].json, &err));
      for (size_t j = 0; j < p.len && err; j++)
        found = found || strcmp (p.items[j].line, err) == 0;
      if (!found)
        diag ("broken %zu: %s not among %zu collected problems", i, err, p.len);
      good = good && found;
      free (err);
      oci_config_free (c);
      oci_problems_clear (&p);
    }
  ok (good, "collect: each broken document's first-error message is among its problems");
}

int
main (void)
{
  test_minimal ();
  test_full ();
  test_runc_spec ();
  test_fixture_round_trip ("runc-spec.json");
  test_podman ();
  test_fixture_round_trip ("podman-config.json");
  test_unknown_ignored ();
  test_valid_edge_cases ();
  test_broken ();
  test_malformed ();
  test_process ();
  test_resources ();
  test_state ();
  test_names ();
  test_emit_default ();
  test_duplicate_keys ();
  test_features ();
  test_collect_several ();
  test_collect_one ();
  test_collect_cap ();
  test_collect_checks ();
  test_collect_broken ();
  return done_testing ();
}
