/* The container's init process: one straight sequence from the clone to
 * execve.  Everything that can fail runs before READY so that `create`
 * reports it; after `start` only the privilege drop and exec remain. */
#include <config.h>
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hooks.h"
#include "log.h"
#include "lsm.h"
#include "namespaces.h"
#include "process-attrs.h"
#include "rootfs.h"
#include "sync.h"
#include "terminal.h"
#include "util.h"

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

static int sync_fd = -1;

/* Report the error to the runtime and die: core/ never exits, init does. */
__attribute__ ((noreturn)) static void
die_with_error (rt_error_t *err)
{
  sync_die (sync_fd, err);
}

/* Before GO the runtime may send idmapped mount trees (SYNC_MOUNT_FD):
 * collect them, indexed like config.mounts. */
static int
receive_until_go (const struct oci_config *c, int **mount_fds, rt_error_t *err)
{
  for (;;)
    {
      struct sync_msg msg;
      uint32_t idx;
      int fd = -1;
      int n = fd_recv (sync_fd, &fd, &msg, sizeof msg, err);

      if (n < 0)
        return n;
      if (n == 0)
        _exit (EXIT_FAILURE); /* the runtime died */
      if (msg.type == SYNC_GO)
        return 0;
      memcpy (&idx, msg.text, sizeof idx);
      if (msg.type != SYNC_MOUNT_FD || fd < 0 || idx >= c->n_mounts)
        return rt_error_set (err, 0, "sync: unexpected message %u before GO", msg.type);
      if (*mount_fds == NULL)
        {
          size_t i;
          *mount_fds = xmalloc (c->n_mounts * sizeof **mount_fds);
          for (i = 0; i < c->n_mounts; i++)
            (*mount_fds)[i] = -1;
        }
      (*mount_fds)[idx] = fd;
    }
}

static void
close_mount_fds (int *fds, size_t n)
{
  size_t i;
  for (i = 0; fds && i < n; i++)
    if (fds[i] >= 0)
      close (fds[i]);
}

/* The notify fd must reach listenerPath on the host, which only the
 * runtime can connect to, and only until READY: load before READY. */
int
init_load_seccomp_notify (int sock, const struct seccomp_filter *f, rt_error_t *err)
{
  struct sync_msg msg = { .type = SYNC_SECCOMP };
  cleanup_close int nfd = -1;
  int ret = seccomp_load_bpf (f, &nfd, err);

  if (ret == 0)
    ret = fd_send (sock, nfd, &msg, sizeof msg.type, err);
  return ret < 0 ? ret : sync_expect (sock, SYNC_SECCOMP_DONE, err);
}

static char *
state_json_for_hooks (const struct init_ctx *ctx, const char *status)
{
  struct oci_state st = {
    .oci_version = (char *) OCI_VERSION,
    .id = (char *) ctx->id,
    .status = (char *) status,
    .pid = getpid (),
    .bundle = ctx->bundle->path,
    .annotations = ctx->bundle->config->annotations,
  };
  char *json = oci_state_to_json (&st, false, NULL);
  if (json == NULL)
    oom ();
  return json;
}

static bool
has_new_ns (const struct oci_config *c, enum oci_ns_type t)
{
  const struct oci_namespace *ns = oci_config_namespace (c, t);
  return ns != NULL && ns->path == NULL;
}

int
init_setup_terminal (int sock, const struct oci_process *p, bool bind_console, rt_error_t *err)
{
  struct sync_msg msg = { .type = SYNC_CONSOLE };
  cleanup_close int master = -1;
  cleanup_close int slave = -1;
  int ret;

  ret = term_open_pty (&master, &slave, err);
  if (ret < 0)
    return ret;
  ret = fd_send (sock, master, &msg, sizeof msg.type, err);
  if (ret < 0)
    return ret;
  ret = sync_expect (sock, SYNC_CONSOLE_DONE, err);
  if (ret < 0)
    return ret;
  if (bind_console && rootfs_bind_console (slave, err) < 0)
    return -1;
  return term_setup_slave (slave, p->has_console_size, p->console_height, p->console_width, err);
}

/* chdir to process.cwd and prove we are inside the rootfs: a leaked host fd
 * named as cwd (/proc/self/fd/N, CVE-2024-21626) would land outside. */
static int
enter_cwd (const char *cwd, rt_error_t *err)
{
  char buf[4096];

  if (chdir (cwd) < 0)
    return rt_error_set (err, errno, "chdir to cwd `%s` set in config.json", cwd);
  if (getcwd (buf, sizeof buf) == NULL || buf[0] != '/')
    return rt_error_set (err, EPERM, "cwd `%s` is outside the container's root", cwd);
  return 0;
}

static const char *
env_path (char **env)
{
  for (; env && *env; env++)
    if (str_has_prefix (*env, "PATH="))
      return *env + 5;
  return NULL;
}

static int
check_exec (const char *path, rt_error_t *err)
{
  struct stat st;

  if (stat (path, &st) < 0)
    return -errno;
  if (S_ISDIR (st.st_mode))
    return -EACCES;
  if (access (path, X_OK) < 0)
    return -errno;
  return 0;
}

char *
init_find_executable (const char *arg0, char **env, rt_error_t *err)
{
  const char *path;
  bool saw_eacces = false;
  int r;

  if (arg0 == NULL || *arg0 == '\0')
    return rt_error_set (err, 0, "exec: empty process.args[0]"), NULL;
  if (strchr (arg0, '/'))
    {
      r = check_exec (arg0, err);
      if (r == 0)
        return xstrdup (arg0);
      if (r == -ENOENT || r == -ENOTDIR)
        rt_error_set (err, 0, "exec: \"%s\": stat %s: no such file or directory", arg0, arg0);
      else
        rt_error_set (err, 0, "exec: \"%s\": permission denied", arg0);
      return NULL;
    }
  path = env_path (env);
  if (path == NULL)
    path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  while (*path)
    {
      const char *end = strchrnul (path, ':');
      cleanup_free char *cand = xasprintf ("%.*s/%s", (int) (end - path), end == path ? "." : path,
                                           arg0);
      r = check_exec (cand, err);
      if (r == 0)
        return steal_ptr (&cand);
      if (r == -EACCES)
        saw_eacces = true;
      path = *end ? end + 1 : end;
    }
  if (saw_eacces)
    rt_error_set (err, 0, "exec: \"%s\": permission denied", arg0);
  else
    rt_error_set (err, 0, "exec: \"%s\": executable file not found in $PATH", arg0);
  return NULL;
}

/* Block until `start` writes to the exec fifo.  The fifo was opened
 * O_RDONLY|O_NONBLOCK before pivot_root; poll() only wakes for data. */
static int
wait_for_start (int fifo_fd, rt_error_t *err)
{
  struct pollfd pfd = { .fd = fifo_fd, .events = POLLIN };
  char c;

  for (;;)
    {
      int n = poll (&pfd, 1, -1);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return rt_error_set (err, errno, "wait for start");
      if (read (fifo_fd, &c, 1) == 1)
        break;
    }
  /* fifo_fd stays open (close-on-exec): `start` waits for it to close, so
   * poststart hooks run after the process is executed. */
  return 0;
}

/* Socket activation: the fds the caller passed come with LISTEN_FDS and
 * LISTEN_PID (our pid, which sd_listen_fds() compares with its own). */
static char **
env_with_listen_fds (char **env, int n)
{
  size_t len = strv_len (env), i, k = 0;
  char **out = xmalloc ((len + 3) * sizeof *out);

  for (i = 0; i < len; i++)
    if (!str_has_prefix (env[i], "LISTEN_FDS=") && !str_has_prefix (env[i], "LISTEN_PID="))
      out[k++] = env[i];
  out[k++] = xasprintf ("LISTEN_FDS=%d", n);
  out[k++] = xasprintf ("LISTEN_PID=%d", (int) getpid ());
  out[k] = NULL;
  return out;
}

static void
join_session_keyring (const char *id)
{
  cleanup_free char *name = xasprintf ("_ses.%s", id);
  /* Not fatal: keyrings may be unavailable (ENOSYS) or denied by seccomp. */
  (void) syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0);
}

__attribute__ ((noreturn)) void
init_main (const struct init_ctx *ctx)
{
  const struct oci_config *c = ctx->bundle->config;
  const struct oci_process *p = c->process;
  rt_error_t err = NULL;
  int root_mnt_fd = -1;
  struct rootfs_ctx rctx = {
    .config = c,
    .bundle = ctx->bundle->path,
    .rootfs = ctx->bundle->rootfs,
    .userns = ctx->userns,
    .no_pivot = ctx->no_pivot,
    .rootfs_fd = ctx->bundle->rootfs_fd,
    .root_mnt_fd = &root_mnt_fd,
  };
  cleanup_free char *exe = NULL;
  cleanup_free int *mount_fds = NULL;
  int keep[3] = { ctx->sync_fd, ctx->fifo_fd, ctx->bundle->rootfs_fd };
  bool has_start_hooks = c->hooks && c->hooks->n_start_container > 0;
  char **envp;

  sync_fd = ctx->sync_fd;
  /* No fd of the runtime may reach the container; preserved ones excepted. */
  if (close_fds_from (3 + ctx->preserve_fds, keep, ctx->bundle->rootfs_fd >= 0 ? 3 : 2) < 0)
    {
      rt_error_set (&err, errno, "close inherited fds");
      die_with_error (&err);
    }
  if (receive_until_go (c, &mount_fds, &err) < 0)
    die_with_error (&err);
  rctx.mount_fds = mount_fds;
  /* Non-dumpable: container processes cannot open /proc/<us>/exe, the
   * runtime binary, while we run it; execve resets this.  Only after GO:
   * until then an unprivileged runtime must still open our uid_map, and
   * nothing of the container runs yet. */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    {
      rt_error_set (&err, errno, "prctl PR_SET_DUMPABLE");
      die_with_error (&err);
    }
  if (ctx->userns && (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0))
    {
      rt_error_set (&err, errno, "become root of the user namespace");
      die_with_error (&err);
    }
  /* Now in its cgroup: a new cgroup namespace is rooted there. */
  if (has_new_ns (c, OCI_NS_CGROUP) && unshare (CLONE_NEWCGROUP) < 0)
    {
      rt_error_set (&err, errno, "unshare the cgroup namespace");
      die_with_error (&err);
    }
  if (has_new_ns (c, OCI_NS_TIME) && ns_enter_time (c->linux_, &err) < 0)
    die_with_error (&err);
  if (attrs_set_uts (c, &err) < 0)
    die_with_error (&err);
  if (has_new_ns (c, OCI_NS_NETWORK) && ns_loopback_up (&err) < 0)
    die_with_error (&err);
  if (rootfs_prepare (&rctx, &err) < 0)
    die_with_error (&err);
  /* Mounted: the host-side fd of the rootfs is not needed any more. */
  if (rctx.rootfs_fd >= 0)
    close (rctx.rootfs_fd);
  close_mount_fds (mount_fds, c->n_mounts);
  if (sync_send (sync_fd, SYNC_PREPARED, &err) < 0 || sync_expect (sync_fd, SYNC_HOOKS_DONE, &err) < 0)
    die_with_error (&err);
  if (c->hooks && c->hooks->n_create_container > 0)
    {
      cleanup_free char *state = state_json_for_hooks (ctx, "created");
      if (hooks_run (c->hooks->create_container, c->hooks->n_create_container, "createContainer",
                     state, &err)
          < 0)
        die_with_error (&err);
    }
  if (rootfs_pivot (&rctx, &err) < 0)
    die_with_error (&err);
  if (c->linux_ && c->linux_->sysctl.len > 0 && attrs_set_sysctl (&c->linux_->sysctl, &err) < 0)
    die_with_error (&err);
  if (p->terminal && init_setup_terminal (sync_fd, p, true, &err) < 0)
    die_with_error (&err);
  /* Without a terminal, lead a session of our own too (the terminal path
   * does it to take the pty): the container's processes stay out of the
   * caller's session and process group (run forwards signals), and CRIU
   * can dump a tree whose session leader is inside it. */
  if (!p->terminal && setsid () < 0 && getsid (0) != getpid ())
    {
      rt_error_set (&err, errno, "setsid");
      die_with_error (&err);
    }
  if (rootfs_finalize (&rctx, &err) < 0)
    die_with_error (&err);
  if (enter_cwd (p->cwd, &err) < 0)
    die_with_error (&err);
  if (attrs_set_rlimits (p, &err) < 0 || attrs_set_oom_score_adj (p, &err) < 0)
    die_with_error (&err);
  if (c->linux_ && c->linux_->personality && attrs_set_personality (c->linux_->personality, &err) < 0)
    die_with_error (&err);
  /* A SCHED_DEADLINE task cannot fork: with startContainer hooks the
   * policy waits until they ran. */
  if (p->scheduler && !has_start_hooks && attrs_set_scheduler (p->scheduler, &err) < 0)
    die_with_error (&err);
  if (p->io_priority && attrs_set_io_priority (p->io_priority, &err) < 0)
    die_with_error (&err);
  if (!ctx->no_new_keyring)
    join_session_keyring (ctx->id);
  exe = init_find_executable (p->args[0], p->env, &err);
  if (exe == NULL)
    die_with_error (&err);
  if (ctx->seccomp && ctx->seccomp->listener
      && init_load_seccomp_notify (sync_fd, ctx->seccomp, &err) < 0)
    die_with_error (&err);
  if (sync_send (sync_fd, SYNC_READY, &err) < 0)
    die_with_error (&err);
  close (sync_fd);
  sync_fd = -1;

  if (wait_for_start (ctx->fifo_fd, &err) < 0)
    die_with_error (&err);
  if (has_start_hooks)
    {
      /* The process is not executed yet: runc reports "created" too. */
      cleanup_free char *state = state_json_for_hooks (ctx, "created");
      if (hooks_run (c->hooks->start_container, c->hooks->n_start_container, "startContainer",
                     state, &err)
          < 0)
        die_with_error (&err);
    }
  if (p->scheduler && has_start_hooks && attrs_set_scheduler (p->scheduler, &err) < 0)
    die_with_error (&err);
  if (lsm_set_exec_labels (p->selinux_label, p->apparmor_profile, &err) < 0)
    die_with_error (&err);
  /* Without no_new_privs the kernel wants CAP_SYS_ADMIN to load a filter:
   * load while init still has it. */
  if (ctx->seccomp && !ctx->seccomp->listener && !p->no_new_privileges
      && seccomp_load_bpf (ctx->seccomp, NULL, &err) < 0)
    die_with_error (&err);
  if (caps_drop_bounding (p->capabilities, &err) < 0)
    die_with_error (&err);
  if (attrs_set_user (&p->user, &err) < 0)
    die_with_error (&err);
  if (caps_apply (p->capabilities, &err) < 0)
    die_with_error (&err);
  if (p->no_new_privileges && attrs_set_no_new_privs (&err) < 0)
    die_with_error (&err);
  envp = ctx->listen_fds > 0 ? env_with_listen_fds (p->env, ctx->listen_fds)
         : p->env ? p->env : (char *[]){ NULL };
  /* Last, so the profile only has to allow execve itself. */
  if (ctx->seccomp && !ctx->seccomp->listener && p->no_new_privileges
      && seccomp_load_bpf (ctx->seccomp, NULL, &err) < 0)
    die_with_error (&err);
  execve (exe, p->args, envp);
  rt_error_set (&err, errno, "exec: \"%s\"", exe);
  die_with_error (&err);
}
