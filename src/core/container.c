/* Host-side lifecycle of a container: create (spawn init and drive the
 * sync protocol), start, run, kill, delete, state and list.  Every
 * operation either completes or leaves the host as it found it. */
#include <config.h>
#include "container.h"
#include "container-internal.h"
#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hooks.h"
#include "init.h"
#include "log.h"
#include "lsm.h"
#include "namespaces.h"
#include "ns-spawn.h"
#include "procs.h"
#include "rootfs.h"
#include "seccomp-bpf.h"
#include "sealed-exe.h"
#include "spec.h"
#include "state.h"
#include "sync.h"
#include "terminal.h"
#include "tty-proxy.h"
#include "util.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/* ---- spawning init ---------------------------------------------------- */

/* fork(2) with namespace flags: clone3 when the kernel has it.  No
 * CLONE_VM, so the child gets a private copy like after fork. */
static pid_t
clone_with_flags (int flags)
{
  struct clone_args args = { .flags = (unsigned) flags, .exit_signal = SIGCHLD };
  pid_t pid = syscall (SYS_clone3, &args, sizeof args);

  if (pid < 0 && errno == ENOSYS)
    pid = syscall (SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
  return pid;
}

/* The same, born inside the cgroup behind cgroup_fd (cgroup v2): the
 * child never runs a cycle outside it.  Returns -1 with errno when the
 * kernel cannot (no clone3, no CLONE_INTO_CGROUP): the caller then moves
 * it with cg_enter. */
static pid_t
clone_into_cgroup (int flags, int cgroup_fd)
{
  struct clone_args args = { .flags = (unsigned) flags | CLONE_INTO_CGROUP,
                             .exit_signal = SIGCHLD,
                             .cgroup = (unsigned) cgroup_fd };

  return syscall (SYS_clone3, &args, sizeof args);
}

struct spawn
{
  pid_t pid;
  int sync_fd;    /* runtime end */
  bool in_cgroup; /* born in the container's cgroup */
};

static bool
any_ns_path (int fds[OCI_NS_COUNT])
{
  int i;
  for (i = 0; i < OCI_NS_COUNT; i++)
    if (fds[i] >= 0)
      return true;
  return false;
}

static void
run_init (void *arg)
{
  init_main (arg);
}

/* sp->in_cgroup tells whether init was born in cg (CLONE_INTO_CGROUP). */
static int
spawn_init (struct init_ctx *ictx, int ns_fds[OCI_NS_COUNT], const struct cgroup *cg,
            struct spawn *sp, rt_error_t *err)
{
  const struct oci_config *c = ictx->bundle->config;
  /* A cgroup namespace takes the cgroup of its creator as root: init
   * unshares it itself once it is in its cgroup (init.c). */
  int flags = ns_new_flags (c) & ~CLONE_NEWCGROUP;
  int sv[2];
  pid_t pid = -1;

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return rt_error_set (err, errno, "socketpair");
  ictx->sync_fd = sv[1];
  ictx->userns = (flags & CLONE_NEWUSER) != 0;
  if (any_ns_path (ns_fds))
    pid = ns_spawn (ns_fds, flags, run_init, ictx, sv[0], err);
  else
    {
      if (cg && cg->v2_fd >= 0)
        {
          pid = clone_into_cgroup (flags, cg->v2_fd);
          sp->in_cgroup = pid >= 0;
        }
      if (pid < 0)
        pid = clone_with_flags (flags);
      if (pid == 0)
        {
          close (sv[0]);
          init_main (ictx);
        }
      if (pid < 0)
        rt_error_set (err, errno, "clone the container's init");
    }
  close (sv[1]);
  if (pid < 0)
    {
      close (sv[0]);
      return -1;
    }
  sp->pid = pid;
  sp->sync_fd = sv[0];
  return 0;
}

/* ---- the runtime side of the sync protocol ---------------------------- */

static char *
state_json (const char *id, const char *status, pid_t pid, const struct bundle *b)
{
  struct oci_state st = {
    .oci_version = (char *) OCI_VERSION,
    .id = (char *) id,
    .status = (char *) status,
    .pid = pid,
    .bundle = b->path,
    .annotations = b->config->annotations,
  };
  char *json = oci_state_to_json (&st, false, NULL);
  if (json == NULL)
    oom ();
  return json;
}

static int
run_runtime_hooks (const struct oci_config *c, const char *id, pid_t pid, const struct bundle *b,
                   rt_error_t *err)
{
  cleanup_free char *json = NULL;
  int ret;

  if (c->hooks == NULL || (c->hooks->n_prestart == 0 && c->hooks->n_create_runtime == 0))
    return 0;
  json = state_json (id, "creating", pid, b);
  ret = hooks_run (c->hooks->prestart, c->hooks->n_prestart, "prestart", json, err);
  if (ret < 0)
    return ret;
  return hooks_run (c->hooks->create_runtime, c->hooks->n_create_runtime, "createRuntime", json,
                    err);
}

static bool
mount_wants_idmap (const struct oci_mount *m)
{
  char **o;

  if (m->n_uid_mappings > 0 || m->n_gid_mappings > 0)
    return true;
  for (o = m->options; o && *o; o++)
    if (strcmp (*o, "idmap") == 0 || strcmp (*o, "ridmap") == 0)
      return true;
  return false;
}

/* Inside its user namespace init may not id-map host filesystems: the
 * runtime makes the detached idmapped trees and hands them over. */
static int
send_idmapped_mounts (const struct bundle *b, struct spawn *sp, rt_error_t *err)
{
  const struct oci_config *c = b->config;
  struct rootfs_ctx rctx = {
    .config = c, .bundle = b->path, .rootfs = b->rootfs, .userns = true, .rootfs_fd = -1,
  };
  cleanup_free int *fds = NULL;
  size_t i;
  int ret = 0;

  for (i = 0; i < c->n_mounts && !mount_wants_idmap (&c->mounts[i]); i++)
    ;
  if (i == c->n_mounts)
    return 0;
  fds = xmalloc (c->n_mounts * sizeof *fds);
  for (i = 0; i < c->n_mounts; i++)
    fds[i] = -1;
  ret = rootfs_open_idmapped_mounts (&rctx, sp->pid, fds, err);
  for (i = 0; i < c->n_mounts; i++)
    {
      struct sync_msg m = { .type = SYNC_MOUNT_FD };
      uint32_t idx = i;

      if (fds[i] < 0)
        continue;
      memcpy (m.text, &idx, sizeof idx);
      if (ret == 0)
        ret = fd_send (sp->sync_fd, fds[i], &m, sizeof m.type + sizeof idx, err);
      close (fds[i]);
    }
  return ret;
}

/* console_master: where a foreground `run` keeps the pty master when no
 * --console-socket is given (NULL otherwise). */
static int
drive_init (const struct create_opts *o, const struct bundle *b, struct spawn *sp,
            const struct cgroup *cg, int *console_master, rt_error_t *err)
{
  const struct oci_config *c = b->config;
  struct sync_msg m;
  int fd, ret;

  /* Before GO: init runs nothing of the container outside its cgroup. */
  if (cg && !sp->in_cgroup)
    {
      ret = cg_enter (cg, sp->pid, err);
      if (ret < 0)
        return ret;
    }

  if (oci_config_namespace (c, OCI_NS_USER) && !oci_config_namespace (c, OCI_NS_USER)->path)
    {
      ret = ns_write_id_maps (sp->pid, c->linux_, err);
      if (ret == 0)
        ret = send_idmapped_mounts (b, sp, err);
      if (ret < 0)
        return ret;
    }
  ret = sync_send (sp->sync_fd, SYNC_GO, err);
  if (ret < 0)
    return ret;
  for (;;)
    {
      ret = sync_recv (sp->sync_fd, &m, &fd, err);
      if (ret < 0)
        return ret;
      if (ret == 0)
        return rt_error_set (err, 0, "the container's init exited during setup");
      switch (m.type)
        {
        case SYNC_PREPARED:
          ret = run_runtime_hooks (c, o->id, sp->pid, b, err);
          if (ret < 0)
            return ret;
          ret = sync_send (sp->sync_fd, SYNC_HOOKS_DONE, err);
          break;
        case SYNC_CONSOLE:
          if (fd < 0)
            return rt_error_set (err, 0, "console: no pty received from init");
          if (o->console_socket == NULL)
            *console_master = steal_fd (&fd);
          else
            {
              ret = term_send_to_socket (o->console_socket, fd, "/dev/pts/ptmx", err);
              close (fd);
              if (ret < 0)
                return ret;
            }
          ret = sync_send (sp->sync_fd, SYNC_CONSOLE_DONE, err);
          break;
        case SYNC_SECCOMP:
          if (fd < 0)
            return rt_error_set (err, 0, "seccomp: no notify fd received from init");
          {
            const struct oci_seccomp *sc = c->linux_->seccomp;
            cleanup_free char *st = state_json (o->id, "creating", sp->pid, b);
            cleanup_free char *msg = seccomp_listener_message (sp->pid, sc->listener_metadata, st);
            ret = seccomp_send_to_listener (sc->listener_path, fd, msg, err);
          }
          if (ret == 0)
            ret = sync_send (sp->sync_fd, SYNC_SECCOMP_DONE, err);
          break;
        case SYNC_READY:
          return 0;
        case SYNC_ERROR:
          return rt_error_set (err, 0, "%s", m.text);
        default:
          return rt_error_set (err, 0, "sync: unexpected message %u from init", m.type);
        }
      if (fd >= 0)
        close (fd);
      if (ret < 0)
        return ret;
    }
}


static void
kill_and_reap (pid_t pid)
{
  int status;

  kill (pid, SIGKILL);
  /* Init is our child unless an intermediate cloned it. */
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
}

/* Whether code of the container can run while init is still cove: with
 * startContainer hooks (their binaries come from the image), or when init
 * shares a pid namespace with other processes (joined by path, or the
 * host's).  Then init must run from a sealed copy (sealed-exe.c). */
static bool
container_code_meets_init (const struct oci_config *c)
{
  const struct oci_namespace *pidns = oci_config_namespace (c, OCI_NS_PID);

  if (c->hooks && c->hooks->n_start_container > 0)
    return true;
  return pidns == NULL || pidns->path != NULL;
}

static uint32_t
map_to_host (const struct oci_id_mapping *m, size_t n, uint32_t id)
{
  size_t i;

  for (i = 0; i < n; i++)
    if (id >= m[i].container_id && id - m[i].container_id < m[i].size)
      return m[i].host_id + (id - m[i].container_id);
  return id;
}

/* runtime-spec cgroup ownership (v2): with a new cgroup namespace and
 * /sys/fs/cgroup mounted read-write, the container's user owns its
 * cgroup, so it can manage its own subtree. */
static int
maybe_chown_cgroup (const struct oci_config *c, const struct cgroup *cg, rt_error_t *err)
{
  const struct oci_namespace *cgns = oci_config_namespace (c, OCI_NS_CGROUP);
  const struct oci_linux *l = c->linux_;
  const struct oci_user *u = &c->process->user;
  bool rw_mount = false;
  size_t i;

  if (cgns == NULL || cgns->path != NULL || cg->mode != CG_MODE_V2)
    return 0;
  for (i = 0; i < c->n_mounts; i++)
    {
      const struct oci_mount *m = &c->mounts[i];
      char **o;

      if (strcmp (m->destination, "/sys/fs/cgroup") != 0 || m->type == NULL
          || (strcmp (m->type, "cgroup") != 0 && strcmp (m->type, "cgroup2") != 0))
        continue;
      rw_mount = true;
      for (o = m->options; o && *o; o++)
        if (strcmp (*o, "ro") == 0)
          rw_mount = false;
    }
  if (!rw_mount)
    return 0;
  return cg_v2_chown (cg, map_to_host (l->uid_mappings, l->n_uid_mappings, u->uid),
                      map_to_host (l->gid_mappings, l->n_gid_mappings, u->gid), err);
}

/* Without linux.cgroupsPath the cgroup is named after the id; under a
 * --root other than the default, a hash of the root keeps two state roots
 * with the same id apart (engines always give cgroupsPath). */
static char *
default_cgroup_name (const char *root, const char *id)
{
  uint32_t h = 2166136261u; /* FNV-1a */
  const char *p;

  if (strcmp (root, RUNTIME_DEFAULT_ROOT) == 0)
    return xstrdup (id);
  for (p = root; *p; p++)
    h = (h ^ (unsigned char) *p) * 16777619u;
  return xasprintf ("%s-%08x", id, h);
}

/* ---- rootless cgroups -------------------------------------------------- */

/*
 * An unprivileged caller usually may not write the cgroup hierarchy (here
 * it cannot mkdir in /sys/fs/cgroup).  What runc does in rootless mode, and
 * cove with it (runc tests/integration/cgroups.bats):
 *  - no linux.cgroupsPath, no limits: run without a cgroup, with one
 *    warning.  kill --all and delete then find the processes by mount
 *    namespace (procs.h); pause, update and stats have nothing to act on.
 *  - no linux.cgroupsPath, limits asked: error naming the limit.  A limit
 *    that silently does not apply is worse than a container that does not
 *    start; the caller drops the limit or delegates a cgroup.
 *  - linux.cgroupsPath given: the cgroup is a demand of the engine (it
 *    accounts and kills by it): any failure is an error, as for root.
 * "May not write" is EACCES, EPERM or EROFS from cg_create; any other
 * failure is an error in every case.  A delegated subtree the caller owns
 * works like any cgroup: name it in cgroupsPath, or on v2 leave
 * cgroupsPath out and the container goes next to the caller's own cgroup
 * (rootless_v2_default), which is where a delegated subtree puts it.
 */

/* The first entry of linux.resources that needs a cgroup, by JSON name.
 * Device rules are left out, as runc does when rootless: in a user
 * namespace no device node can be made, and a bound host node keeps the
 * host's permissions. */
static const char *
rootless_first_limit (const struct oci_resources *r)
{
  if (r == NULL)
    return NULL;
  if (r->memory)
    return "memory";
  if (r->cpu)
    return "cpu";
  if (r->pids)
    return "pids";
  if (r->block_io)
    return "blockIO";
  if (r->n_hugepage_limits > 0)
    return "hugepageLimits";
  if (r->network)
    return "network";
  if (r->n_rdma > 0)
    return "rdma";
  if (r->unified.len > 0)
    return "unified";
  return NULL;
}

/* On cgroup v2 without cgroupsPath: "<parent of our cgroup>/<name>", the
 * place runc gives a relative path.  Our own cgroup has processes (us), so
 * a child of it could not get controllers; its parent is the delegated
 * dir when we run in one (a systemd user service or scope).  NULL when
 * /proc/self/cgroup has no v2 line. */
static char *
rootless_v2_default (const char *name)
{
  cleanup_free char *data = NULL;
  rt_error_t tmp = NULL;
  char *line, *end, *slash;

  if (read_file_at (AT_FDCWD, "/proc/self/cgroup", &data, NULL, &tmp) < 0)
    {
      rt_error_free (&tmp);
      return NULL;
    }
  for (line = data; line && *line; line = end ? end + 1 : NULL)
    {
      end = strchr (line, '\n');
      if (end)
        *end = '\0';
      if (!str_has_prefix (line, "0::/"))
        continue;
      line += 3;
      slash = strrchr (line, '/');
      *slash = '\0';
      return xasprintf ("%s/%s", line, name);
    }
  return NULL;
}

/* The cgroup path create uses, NULL (with *err) on a bad cgroupsPath. */
char *
container_cgroup_path (const struct runtime_opts *rt, const struct oci_config *c, const char *id,
                       rt_error_t *err)
{
  const char *given = c->linux_ ? c->linux_->cgroups_path : NULL;
  cleanup_free char *name = default_cgroup_name (rt->root, id);
  cleanup_free char *own = NULL;

  if (rt->rootless && (given == NULL || given[0] == '\0') && !rt->systemd_cgroup
      && cg_detect_mode () == CG_MODE_V2)
    given = own = rootless_v2_default (name);
  return cg_resolve_path (given, name, rt->systemd_cgroup, err);
}

/* The resources cg_create gets: without device rules when rootless and
 * unprivileged.  Programming the devices controller (v1 devices.deny, the
 * v2 eBPF program) needs CAP_SYS_ADMIN on the host, and runc ignores the
 * devices controller when rootless: the container cannot mknod in its user
 * namespace and can reach only host nodes the caller may open anyway.
 * *copy is the storage for the trimmed copy. */
static const struct oci_resources *
rootless_resources (const struct runtime_opts *rt, const struct oci_resources *r,
                    struct oci_resources *copy)
{
  if (r == NULL || !rt->rootless || geteuid () == 0 || r->n_devices == 0)
    return r;
  *copy = *r;
  copy->devices = NULL;
  copy->n_devices = 0;
  log_debug ("rootless: linux.resources.devices is not applied");
  return copy;
}

/* After cg_create failed with *err: 0 (and *err cleared) when a rootless
 * container may go on without a cgroup, else -1 with a clearer *err. */
static int
rootless_without_cgroup (const struct runtime_opts *rt, const struct oci_config *c,
                         rt_error_t *err)
{
  const struct oci_linux *l = c->linux_;
  int e = *err ? (*err)->errnum : 0;
  const char *limit;

  if (!rt->rootless || (e != EACCES && e != EPERM && e != EROFS))
    return -1;
  if (l && l->cgroups_path && l->cgroups_path[0])
    return rt_error_wrap (err, "rootless: cannot use linux.cgroupsPath `%s`", l->cgroups_path);
  limit = rootless_first_limit (l ? l->resources : NULL);
  if (limit)
    return rt_error_wrap (err,
                          "rootless: cannot apply linux.resources.%s without a writable cgroup "
                          "(remove the limit, or delegate a cgroup and name it in "
                          "linux.cgroupsPath)",
                          limit);
  {
    cleanup_free char *text = rt_error_text (*err);
    log_warn ("rootless: running without a cgroup (%s)", text);
  }
  rt_error_free (err);
  return 0;
}

/* Create; on success *init_pid is the host pid of the waiting init.  With
 * console_master non-NULL a terminal needs no --console-socket: the
 * master is returned there (foreground `run`). */
static int
create_internal (const struct runtime_opts *rt, const struct create_opts *o, pid_t *init_pid,
                 int *console_master, rt_error_t *err)
{
  struct bundle b;
  struct init_ctx ictx = { 0 };
  struct spawn sp = { .pid = -1, .sync_fd = -1 };
  struct cstate st = { 0 };
  struct cgroup cg = { .v2_fd = -1 };
  cleanup_free char *cg_path = NULL;
  cleanup_seccomp_filter struct seccomp_filter *filter = NULL;
  bool have_cg = false;
  int ns_fds[OCI_NS_COUNT];
  cleanup_close int rootfd = -1;
  cleanup_close int dirfd = -1;
  cleanup_close int fifo = -1;
  int ret, i;

  for (i = 0; i < OCI_NS_COUNT; i++)
    ns_fds[i] = -1;
  ret = state_validate_id (o->id, err);
  if (ret < 0)
    return ret;
  ret = spec_load_bundle (o->bundle, &b, err);
  if (ret < 0)
    return ret;
  ret = spec_check_runnable (b.config, err);
  if (ret == 0 && container_code_meets_init (b.config) && !sealed_exe_active ())
    {
      spec_bundle_clear (&b);
      return sealed_exe_reexec (err);
    }
  if (ret == 0 && b.config->process->terminal && o->console_socket == NULL
      && console_master == NULL)
    ret = rt_error_set (err, 0,
                        "config.json: .process.terminal: true requires --console-socket");
  if (ret == 0)
    ret = lsm_check (b.config->process->selinux_label, b.config->process->apparmor_profile, err);
  /* Compiled here, before any side effect: a bad profile fails cleanly,
   * and init only has to load the program. */
  if (ret == 0 && b.config->linux_)
    ret = seccomp_compile (b.config->linux_->seccomp, &filter, err);
  if (ret == 0)
    ret = ns_open_paths (b.config, ns_fds, err);
  if (ret == 0 && cg_detect_mode () != CG_MODE_NONE)
    {
      cg_path = container_cgroup_path (rt, b.config, o->id, err);
      if (cg_path == NULL)
        ret = -1;
    }
  if (ret == 0)
    ret = rootfd = state_root_open (rt->root, true, err);
  if (ret < 0)
    goto fail_bundle;

  /* First side effect: the state dir.  Everything below undoes itself. */
  dirfd = state_dir_create (rootfd, o->id, err);
  if (dirfd < 0)
    {
      ret = -1;
      goto fail_bundle;
    }
  /* Held until create returns: other commands wait, and a create killed
   * half way is recognised by `creating` without a holder. */
  ret = state_lock (dirfd, err);
  if (ret == 0)
    ret = write_file_atomic_at (dirfd, STATE_CONFIG, b.raw, b.raw_len, 0600, err);
  if (ret == 0 && mkfifoat (dirfd, STATE_FIFO, 0600) < 0)
    ret = rt_error_set (err, errno, "create exec fifo");
  if (ret == 0)
    {
      fifo = openat (dirfd, STATE_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      if (fifo < 0)
        ret = rt_error_set (err, errno, "open exec fifo");
    }
  /* Provisional state first: if we die from here on, `delete -f` finds
   * the cgroup (and, once written below, init) to clean up. */
  st.id = (char *) o->id;
  st.bundle = b.path;
  st.rootfs = b.rootfs;
  st.created = state_now_rfc3339 ();
  st.owner = (char *) "";
  st.own_pidns = oci_config_namespace (b.config, OCI_NS_PID) != NULL;
  st.creating = true;
  st.cgroup_path = cg_path;
  st.cgroup_created_depth = cg_path ? 1 : 0;
  if (ret == 0)
    ret = state_write (dirfd, &st, err);
  if (ret == 0 && cg_path)
    {
      const struct oci_linux *l = b.config->linux_;
      struct oci_resources trimmed;
      ret = cg_create (cg_path, rootless_resources (rt, l ? l->resources : NULL, &trimmed), &cg,
                       err);
      have_cg = ret == 0;
      if (ret < 0)
        ret = rootless_without_cgroup (rt, b.config, err);
      else
        ret = maybe_chown_cgroup (b.config, &cg, err);
    }
  if (ret < 0)
    goto fail_state_dir;

  ictx.bundle = &b;
  ictx.id = o->id;
  ictx.fifo_fd = fifo;
  ictx.preserve_fds = o->preserve_fds;
  ictx.listen_fds = o->listen_fds;
  ictx.no_pivot = o->no_pivot;
  ictx.no_new_keyring = o->no_new_keyring;
  ictx.seccomp = filter;
  ret = spawn_init (&ictx, ns_fds, have_cg ? &cg : NULL, &sp, err);
  if (ret < 0)
    goto fail_cgroup;
  st.pid = sp.pid;
  st.start_time = proc_start_time (sp.pid);
  st.cgroup_path = have_cg ? cg.path : NULL;
  st.cgroup_created_depth = have_cg && cg.created ? cg.created_depth : 0;
  ret = state_write (dirfd, &st, err);
  if (ret < 0)
    goto fail_kill_init;
  ret = drive_init (o, &b, &sp, have_cg ? &cg : NULL, console_master, err);
  if (ret < 0)
    goto fail_kill_init;

  st.creating = false;
  {
    struct mntns_id mid = { 0 };
    (void) procs_mntns_of (sp.pid, &mid);
    st.mntns_dev = mid.dev;
    st.mntns_ino = mid.ino;
    st.root_dev = mid.root_dev;
    st.root_ino = mid.root_ino;
  }
  ret = state_write (dirfd, &st, err);
  if (ret == 0 && o->pid_file)
    ret = write_pid_file (o->pid_file, sp.pid, err);
  if (ret < 0)
    goto fail_kill_init;

  close (sp.sync_fd);
  for (i = 0; i < OCI_NS_COUNT; i++)
    if (ns_fds[i] >= 0)
      close (ns_fds[i]);
  if (have_cg)
    cg_close (&cg);
  spec_bundle_clear (&b);
  free (st.created);
  *init_pid = sp.pid;
  return 0;

fail_kill_init:
  /* Kill first: init seeing EOF would report a second, confusing error. */
  kill_and_reap (sp.pid);
  close (sp.sync_fd);
fail_cgroup:
  if (have_cg)
    {
      rt_error_t tmp = NULL;
      if (cg_destroy (&cg, &tmp) < 0)
        rt_error_free (&tmp);
      cg_close (&cg);
    }
fail_state_dir:
  {
    rt_error_t tmp = NULL;
    if (state_dir_remove (rootfd, o->id, &tmp) < 0)
      rt_error_free (&tmp);
  }
fail_bundle:
  for (i = 0; i < OCI_NS_COUNT; i++)
    if (ns_fds[i] >= 0)
      close (ns_fds[i]);
  spec_bundle_clear (&b);
  free (st.created);
  return -1;
}

int
container_create (const struct runtime_opts *rt, const struct create_opts *o, rt_error_t *err)
{
  pid_t pid;
  return create_internal (rt, o, &pid, NULL, err);
}

/* ---- commands on an existing container -------------------------------- */

void
handle_close (struct handle *h)
{
  if (h->dirfd >= 0)
    close (h->dirfd);
  if (h->rootfd >= 0)
    close (h->rootfd);
  cstate_clear (&h->st);
}

/* Open and lock a container's state; reading state.json comes after the
 * lock so a concurrent create or delete is seen whole. */
int
handle_open (const struct runtime_opts *rt, const char *id, struct handle *h, rt_error_t *err)
{
  h->rootfd = h->dirfd = -1;
  memset (&h->st, 0, sizeof h->st);
  if (state_validate_id (id, err) < 0)
    return -1;
  h->rootfd = state_root_open (rt->root, false, err);
  if (h->rootfd < 0)
    {
      if ((*err)->errnum == ENOENT)
        {
          rt_error_free (err);
          rt_error_set (err, 0, "container `%s` does not exist", id);
        }
      return -1;
    }
  h->dirfd = state_dir_open (h->rootfd, id, err);
  if (h->dirfd < 0 || state_lock (h->dirfd, err) < 0)
    goto fail;
  if (state_read (h->dirfd, &h->st, err) < 0)
    {
      if ((*err)->errnum == ENOENT)
        {
          rt_error_free (err);
          rt_error_set (err, 0, "container `%s` is still being created", id);
        }
      goto fail;
    }
  return 0;
fail:
  handle_close (h);
  return -1;
}

struct oci_config *
saved_config (int dirfd, rt_error_t *err)
{
  cleanup_free char *raw = NULL;
  char *msg = NULL;
  size_t len;
  struct oci_config *c;

  if (read_file_at (dirfd, STATE_CONFIG, &raw, &len, err) < 0)
    return NULL;
  c = oci_config_parse_data (raw, len, "config.json", &msg);
  if (c == NULL)
    {
      rt_error_set (err, 0, "saved %s", msg ? msg : "config.json");
      free (msg);
    }
  return c;
}

static int
hooks_with_state (const struct oci_hook *hooks, size_t n, const char *stage, struct handle *h,
                  const struct oci_config *c, const char *status, rt_error_t *err)
{
  struct bundle b = { .config = (struct oci_config *) c, .path = h->st.bundle };
  cleanup_free char *json = NULL;

  if (n == 0)
    return 0;
  json = state_json (h->st.id, status, h->st.pid, &b);
  return hooks_run (hooks, n, stage, json, err);
}

/* The processes of a container: see procs.h. */
#define CSTATE_MNTNS(s) { (s)->mntns_dev, (s)->mntns_ino, (s)->root_dev, (s)->root_ino }

enum cstatus
container_status (int dirfd, const struct cstate *st)
{
  enum cstatus status = state_status (dirfd, st);
  struct cgroup cg;
  rt_error_t tmp = NULL;

  if (status != CSTATUS_RUNNING || st->cgroup_path == NULL || st->cgroup_path[0] == '\0')
    return status;
  if (cg_open (st->cgroup_path, &cg, &tmp) < 0)
    {
      rt_error_free (&tmp);
      return status;
    }
  if (cg_is_frozen (&cg))
    status = CSTATUS_PAUSED;
  cg_close (&cg);
  return status;
}

/* Signal every process of the container: through its cgroup, or, without
 * one, by mount namespace (procs.h). */
static int
signal_all (const struct cstate *st, int sig, rt_error_t *err)
{
  struct cgroup cg;
  int ret;

  if (st->cgroup_path == NULL || st->cgroup_path[0] == '\0')
    {
      (void) procs_signal_all (&(struct mntns_id) CSTATE_MNTNS (st), sig);
      return 0;
    }
  if (cg_open (st->cgroup_path, &cg, err) < 0)
    return -1;
  ret = cg_kill_all (&cg, sig, err);
  cg_close (&cg);
  return ret;
}

/* Remove the container's cgroup, killing what is left in it. */
static int
destroy_cgroup (const struct cstate *st, rt_error_t *err)
{
  struct cgroup cg;
  int ret;

  if (st->cgroup_path == NULL || st->cgroup_path[0] == '\0')
    return 0;
  if (cg_open (st->cgroup_path, &cg, err) < 0)
    {
      /* Already gone (removed from outside, or a repeated delete). */
      if (*err && (*err)->errnum == ENOENT)
        {
          rt_error_free (err);
          return 0;
        }
      return -1;
    }
  /* Remove only what create made: the depth it recorded. */
  cg.created = st->cgroup_created_depth > 0;
  cg.created_depth = st->cgroup_created_depth;
  ret = cg_destroy (&cg, err);
  cg_close (&cg);
  return ret;
}

/* poststop failures are warnings only and the remaining hooks still run
 * (runtime-spec lifecycle step 13). */
static void
run_poststop (struct handle *h, const struct oci_config *c)
{
  struct bundle b = { .config = (struct oci_config *) c, .path = h->st.bundle };
  cleanup_free char *json = state_json (h->st.id, "stopped", h->st.pid, &b);
  size_t i;

  for (i = 0; i < c->hooks->n_poststop; i++)
    {
      rt_error_t tmp = NULL;
      if (hooks_run_one (&c->hooks->poststop[i], "poststop", i, json, &tmp) < 0)
        {
          cleanup_free char *t = rt_error_text (tmp);
          log_warn ("%s", t);
          rt_error_free (&tmp);
        }
    }
}

/* A pidfd for the container's init, proven to be the process we started. */
int
open_init_pidfd (const struct cstate *s, rt_error_t *err)
{
  int fd = syscall (SYS_pidfd_open, s->pid, 0);

  if (fd < 0)
    return rt_error_set (err, errno, "pidfd_open %d", (int) s->pid);
  if (proc_start_time (s->pid) != s->start_time)
    {
      close (fd);
      return rt_error_set (err, ESRCH, "container process %d", (int) s->pid);
    }
  return fd;
}

static int
signal_init (const struct cstate *s, int sig, rt_error_t *err)
{
  cleanup_close int pfd = open_init_pidfd (s, err);

  if (pfd < 0)
    return -1;
  if (syscall (SYS_pidfd_send_signal, pfd, sig, NULL, 0) < 0)
    return rt_error_set (err, errno, "kill container process %d", (int) s->pid);
  return 0;
}

/* Rootless: an unprivileged runtime cannot read /proc/<init>/ns/mnt at
 * create, init being non-dumpable (owned by the host's root) until its
 * execve; create then saved no mount namespace.  Once init has exec'd it
 * is readable: save it now, so kill --all and delete still find the
 * container's processes without a cgroup.  Best effort. */
static void
save_late_mntns (struct handle *h)
{
  struct mntns_id mid = { 0 };
  rt_error_t tmp = NULL;

  if (h->st.mntns_ino != 0 || procs_mntns_of (h->st.pid, &mid) < 0 || !state_pid_alive (&h->st))
    return;
  h->st.mntns_dev = mid.dev;
  h->st.mntns_ino = mid.ino;
  h->st.root_dev = mid.root_dev;
  h->st.root_ino = mid.root_ino;
  if (state_write (h->dirfd, &h->st, &tmp) < 0)
    rt_error_free (&tmp);
}

static int
start_locked (struct handle *h, const char *id, rt_error_t *err)
{
  cleanup_close int fifo = -1;
  struct oci_config *c = NULL;
  enum cstatus status = state_status (h->dirfd, &h->st);
  int ret = 0;

  if (status != CSTATUS_CREATED)
    return rt_error_set (err, 0, "cannot start container `%s`: it is %s, not created", id,
                         cstatus_name (status));
  fifo = openat (h->dirfd, STATE_FIFO, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fifo < 0)
    return rt_error_set (err, errno == ENXIO ? 0 : errno,
                         "cannot start container `%s`: its init is gone", id);
  if (write (fifo, "0", 1) != 1)
    return rt_error_set (err, errno, "start container `%s`", id);
  (void) unlinkat (h->dirfd, STATE_FIFO, 0);
  /* Init holds the read end until its execve closes it (close-on-exec):
   * POLLERR on our end means the process runs (or init died). */
  {
    struct pollfd pfd = { .fd = fifo, .events = 0 };
    while (poll (&pfd, 1, -1) < 0 && errno == EINTR)
      ;
  }
  save_late_mntns (h);

  c = saved_config (h->dirfd, err);
  if (c == NULL)
    return -1;
  if (c->hooks && c->hooks->n_poststart > 0)
    {
      ret = hooks_with_state (c->hooks->poststart, c->hooks->n_poststart, "poststart", h, c,
                              "running", err);
      /* runtime-spec 1.3: a failing poststart hook is an error and stops
       * the container. */
      if (ret < 0)
        {
          rt_error_t tmp = NULL;
          if (signal_init (&h->st, SIGKILL, &tmp) < 0)
            rt_error_free (&tmp);
        }
    }
  oci_config_free (c);
  return ret;
}

int
container_start (const struct runtime_opts *rt, const char *id, rt_error_t *err)
{
  struct handle h;
  int ret;

  if (handle_open (rt, id, &h, err) < 0)
    return -1;
  ret = start_locked (&h, id, err);
  handle_close (&h);
  return ret;
}

int
container_kill (const struct runtime_opts *rt, const char *id, int sig, bool all, rt_error_t *err)
{
  struct handle h;
  enum cstatus status;
  int ret;

  if (handle_open (rt, id, &h, err) < 0)
    return -1;
  status = container_status (h.dirfd, &h.st);
  if (status != CSTATUS_CREATED && status != CSTATUS_RUNNING && status != CSTATUS_PAUSED)
    ret = rt_error_set (err, 0, "cannot kill container `%s`: it is %s", id, cstatus_name (status));
  else if (all)
    ret = signal_all (&h.st, sig, err);
  else
    ret = signal_init (&h.st, sig, err);
  /* A frozen task dies only once thawed (v1 freezer): SIGKILL of a paused
   * container thaws it, as runc does. */
  if (ret == 0 && sig == SIGKILL && status == CSTATUS_PAUSED)
    {
      struct cgroup cg;
      if (cg_open (h.st.cgroup_path, &cg, err) == 0)
        {
          ret = cg_freeze (&cg, false, err);
          cg_close (&cg);
        }
      else
        ret = -1;
    }
  handle_close (&h);
  return ret;
}

/* Wait up to timeout_ms for the process behind pidfd to exit. */
static bool
wait_pidfd (int pidfd, int timeout_ms)
{
  struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
  int n;

  do
    n = poll (&pfd, 1, timeout_ms);
  while (n < 0 && errno == EINTR);
  return n > 0;
}

int
container_delete (const struct runtime_opts *rt, const char *id, bool force, rt_error_t *err)
{
  struct handle h;
  enum cstatus status;
  struct oci_config *c;
  rt_error_t tmp = NULL;
  int ret = 0;

  if (handle_open (rt, id, &h, err) < 0)
    {
      /* A dir without state.json is a create that died half way: let
       * --force clean it up. */
      if (force && *err && strstr ((*err)->msg, "still being created"))
        {
          int rootfd = state_root_open (rt->root, false, &tmp);
          rt_error_free (err);
          if (rootfd >= 0)
            {
              ret = state_dir_remove (rootfd, id, err);
              close (rootfd);
            }
          rt_error_free (&tmp);
          return ret;
        }
      return -1;
    }
  status = container_status (h.dirfd, &h.st);
  if (status == CSTATUS_RUNNING || status == CSTATUS_PAUSED)
    {
      if (!force)
        {
          handle_close (&h);
          return rt_error_set (err, 0, "cannot delete container `%s`: it is %s (use --force)", id,
                               cstatus_name (status));
        }
    }
  if (status == CSTATUS_PAUSED)
    {
      /* Frozen tasks die only once thawed. */
      struct cgroup cg;
      if (cg_open (h.st.cgroup_path, &cg, &tmp) == 0)
        {
          (void) cg_kill_all (&cg, SIGKILL, &tmp);
          rt_error_free (&tmp);
          (void) cg_freeze (&cg, false, &tmp);
          cg_close (&cg);
        }
      rt_error_free (&tmp);
    }
  if (status != CSTATUS_STOPPED || h.st.creating)
    {
      /* created (never started), forced, or left by a create that died
       * half way: kill and wait for it. */
      int pfd = open_init_pidfd (&h.st, &tmp);
      if (pfd >= 0)
        {
          syscall (SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0);
          if (!wait_pidfd (pfd, 10000))
            log_warn ("container `%s`: init %d did not exit after SIGKILL", id, (int) h.st.pid);
          close (pfd);
        }
      rt_error_free (&tmp);
    }
  /* Without a private pid namespace the container's other processes
   * outlive init; the cgroup (or, without one, the mount namespace)
   * still finds them. */
  if (h.st.cgroup_path && h.st.cgroup_path[0])
    {
      if (destroy_cgroup (&h.st, err) < 0)
        {
          handle_close (&h);
          return rt_error_wrap (err, "delete container `%s`", id);
        }
    }
  else if (!h.st.own_pidns)
    (void) procs_signal_all (&(struct mntns_id) CSTATE_MNTNS (&h.st), SIGKILL);
  c = saved_config (h.dirfd, &tmp);
  rt_error_free (&tmp);
  ret = state_dir_remove (h.rootfd, id, err);
  if (ret == 0 && c && c->hooks && c->hooks->n_poststop > 0)
    run_poststop (&h, c);
  if (c)
    oci_config_free (c);
  handle_close (&h);
  return ret;
}

int
container_state (const struct runtime_opts *rt, const char *id, char **json, rt_error_t *err)
{
  struct handle h;
  struct oci_config *c;
  rt_error_t tmp = NULL;
  enum cstatus status;
  struct oci_state st = { 0 };
  cleanup_free char *owner = NULL;

  if (handle_open (rt, id, &h, err) < 0)
    return -1;
  status = container_status (h.dirfd, &h.st);
  c = saved_config (h.dirfd, &tmp);
  rt_error_free (&tmp);
  /* The state complies with our spec version, whatever the config's. */
  st.oci_version = (char *) OCI_VERSION;
  st.id = h.st.id;
  st.status = (char *) cstatus_name (status);
  st.pid = status == CSTATUS_STOPPED ? 0 : h.st.pid;
  st.bundle = h.st.bundle;
  st.rootfs = h.st.rootfs;
  st.created = h.st.created;
  st.owner = owner = state_owner (h.dirfd);
  if (c)
    st.annotations = c->annotations;
  *json = oci_state_to_json (&st, true, NULL);
  if (c)
    oci_config_free (c);
  handle_close (&h);
  if (*json == NULL)
    oom ();
  return 0;
}

int
container_list (const struct runtime_opts *rt, struct container_info **out, size_t *n,
                rt_error_t *err)
{
  int rootfd = state_root_open (rt->root, false, err);
  char **ids;
  size_t i, k = 0;

  *out = NULL;
  *n = 0;
  if (rootfd < 0)
    {
      if ((*err)->errnum == ENOENT)
        {
          rt_error_free (err);
          return 0;
        }
      return -1;
    }
  ids = state_list_ids (rootfd);
  *out = xzalloc ((strv_len (ids) + 1) * sizeof **out);
  for (i = 0; ids[i]; i++)
    {
      rt_error_t tmp = NULL;
      struct cstate st;
      int dfd = state_dir_open (rootfd, ids[i], &tmp);
      enum cstatus status;

      if (dfd < 0 || state_read (dfd, &st, &tmp) < 0)
        {
          rt_error_free (&tmp);
          if (dfd >= 0)
            close (dfd);
          free (ids[i]);
          continue;
        }
      status = container_status (dfd, &st);
      free (st.owner);
      st.owner = state_owner (dfd);
      close (dfd);
      (*out)[k].id = ids[i];
      (*out)[k].pid = status == CSTATUS_STOPPED ? 0 : st.pid;
      (*out)[k].status = cstatus_name (status);
      (*out)[k].bundle = steal_ptr (&st.bundle);
      (*out)[k].created = steal_ptr (&st.created);
      (*out)[k].owner = steal_ptr (&st.owner);
      cstate_clear (&st);
      k++;
    }
  free (ids);
  close (rootfd);
  *n = k;
  return 0;
}

void
container_info_free (struct container_info *v, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    {
      free (v[i].id);
      free (v[i].bundle);
      free (v[i].created);
      free (v[i].owner);
    }
  free (v);
}

/* ---- run: create + start + wait ---------------------------------------- */

static volatile pid_t forward_pid;

static void
forward_signal (int sig)
{
  if (sig == SIGWINCH)
    tty_proxy_winch ();
  else if (forward_pid > 0)
    kill (forward_pid, sig);
}

int
container_run (const struct runtime_opts *rt, const struct create_opts *o, bool detach, bool keep,
               int *exit_status, rt_error_t *err)
{
  static const int forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
  struct sigaction sa = { .sa_handler = forward_signal };
  pid_t pid;
  int status = 0;
  int master = -1;
  size_t i;

  *exit_status = 0;
  /* Init may be cloned by an intermediate: be the one that reaps it. */
  if (!detach)
    (void) prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  if (create_internal (rt, o, &pid, detach ? NULL : &master, err) < 0)
    return -1;
  if (!detach)
    {
      forward_pid = pid;
      sigemptyset (&sa.sa_mask);
      sa.sa_flags = SA_RESTART;
      for (i = 0; i < sizeof forwarded / sizeof *forwarded; i++)
        sigaction (forwarded[i], &sa, NULL);
    }
  if (master >= 0)
    tty_proxy_copy_size (master);
  if (container_start (rt, o->id, err) < 0)
    {
      rt_error_t tmp = NULL;
      if (container_delete (rt, o->id, true, &tmp) < 0)
        rt_error_free (&tmp);
      if (!detach)
        while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
          ;
      if (master >= 0)
        close (master);
      return -1;
    }
  if (detach)
    return 0;
  if (master >= 0)
    {
      int pfd = syscall (SYS_pidfd_open, pid, 0);
      tty_proxy_run (master, pfd);
      if (pfd >= 0)
        close (pfd);
    }
  for (;;)
    {
      pid_t w = waitpid (-1, &status, 0);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0 || w == pid)
        break;
    }
  forward_pid = 0;
  if (WIFEXITED (status))
    *exit_status = WEXITSTATUS (status);
  else if (WIFSIGNALED (status))
    *exit_status = 128 + WTERMSIG (status);
  if (!keep)
    return container_delete (rt, o->id, true, err);
  return 0;
}
