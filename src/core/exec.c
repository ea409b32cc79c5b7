/* `cove exec`: the runtime builds the process, an intermediate joins the
 * container's namespaces and forks the process (so it lands in the pid
 * namespace), the runtime puts it in the cgroup and lets it run.  The
 * sync socket is O_CLOEXEC in the process: EOF means execve succeeded. */
#include <config.h>
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "container-internal.h"
#include "init.h"
#include "log.h"
#include "lsm.h"
#include "namespaces.h"
#include "ns-spawn.h"
#include "process-attrs.h"
#include "seccomp-bpf.h"
#include "sealed-exe.h"
#include "sync.h"
#include "terminal.h"
#include "tty-proxy.h"
#include "util.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* ---- building the process ---------------------------------------------- */

static char **
strv_dup (char **v)
{
  size_t n = strv_len (v), i;
  char **r = xmalloc ((n + 1) * sizeof *r);

  for (i = 0; i < n; i++)
    r[i] = xstrdup (v[i]);
  r[n] = NULL;
  return r;
}

static void
strv_free (char **v)
{
  size_t i;
  for (i = 0; v && v[i]; i++)
    free (v[i]);
  free (v);
}

/* New array: a's strings then b's, all copied. */
static char **
strv_concat (char **a, char **b)
{
  size_t na = strv_len (a), nb = strv_len (b), i;
  char **r = xmalloc ((na + nb + 1) * sizeof *r);

  for (i = 0; i < na; i++)
    r[i] = xstrdup (a[i]);
  for (i = 0; i < nb; i++)
    r[na + i] = xstrdup (b[i]);
  r[na + nb] = NULL;
  return r;
}

/* Set NAME=VALUE in a malloc'd environment: -e replaces the config's
 * value of the same name, as runc does, rather than adding a second. */
static void
env_set (char ***env, const char *entry)
{
  size_t klen = strchr (entry, '=') - entry + 1;
  size_t n = strv_len (*env), i;

  for (i = 0; i < n; i++)
    if (strncmp ((*env)[i], entry, klen) == 0)
      {
        free ((*env)[i]);
        (*env)[i] = xstrdup (entry);
        return;
      }
  *env = xrealloc (*env, (n + 2) * sizeof **env);
  (*env)[n] = xstrdup (entry);
  (*env)[n + 1] = NULL;
}

static int
parse_u32 (const char *s, uint32_t *out)
{
  char *end;
  unsigned long v;

  errno = 0;
  v = strtoul (s, &end, 10);
  if (errno || end == s || *end || v > UINT32_MAX || *s == '-')
    return -1;
  *out = (uint32_t) v;
  return 0;
}

static void
add_caps (char ***set, char **caps)
{
  char **merged = strv_concat (*set, caps);
  strv_free (*set);
  *set = merged;
}

int
exec_apply_overrides (struct oci_process *p, const struct exec_overrides *ov, rt_error_t *err)
{
  size_t i;

  if (ov->args && ov->args[0])
    {
      strv_free (p->args);
      p->args = strv_dup (ov->args);
    }
  for (i = 0; ov->env && ov->env[i]; i++)
    env_set (&p->env, ov->env[i]);
  if (ov->cwd)
    {
      if (ov->cwd[0] != '/')
        return rt_error_set (err, 0, "exec: --cwd `%s`: must be an absolute path", ov->cwd);
      free (p->cwd);
      p->cwd = xstrdup (ov->cwd);
    }
  if (ov->user)
    {
      cleanup_free char *u = xstrdup (ov->user);
      char *colon = strchr (u, ':');

      if (colon)
        *colon = '\0';
      if (parse_u32 (u, &p->user.uid) < 0 || (colon && parse_u32 (colon + 1, &p->user.gid) < 0))
        return rt_error_set (err, 0, "exec: --user `%s`: expected uid[:gid] in decimal", ov->user);
    }
  if (ov->additional_gids && ov->additional_gids[0])
    {
      size_t n = strv_len (ov->additional_gids);
      uint32_t *g = xmalloc (n * sizeof *g);

      for (i = 0; i < n; i++)
        if (parse_u32 (ov->additional_gids[i], &g[i]) < 0)
          {
            free (g);
            return rt_error_set (err, 0, "exec: --additional-gids `%s`: not a gid",
                                 ov->additional_gids[i]);
          }
      free (p->user.additional_gids);
      p->user.additional_gids = g;
      p->user.n_additional_gids = n;
    }
  if (ov->caps && ov->caps[0])
    {
      for (i = 0; ov->caps[i]; i++)
        if (caps_from_name (ov->caps[i]) < 0)
          return rt_error_set (err, 0, "exec: --cap `%s`: unknown capability", ov->caps[i]);
      if (p->capabilities == NULL)
        p->capabilities = xzalloc (sizeof *p->capabilities);
      add_caps (&p->capabilities->bounding, ov->caps);
      add_caps (&p->capabilities->effective, ov->caps);
      add_caps (&p->capabilities->permitted, ov->caps);
      add_caps (&p->capabilities->inheritable, ov->caps);
    }
  if (ov->no_new_privs)
    p->no_new_privileges = true;
  if (ov->apparmor)
    {
      free (p->apparmor_profile);
      p->apparmor_profile = xstrdup (ov->apparmor);
    }
  if (ov->label)
    {
      free (p->selinux_label);
      p->selinux_label = xstrdup (ov->label);
    }
  p->terminal = ov->tty;
  return 0;
}

/* The process to run: a --process file as given, or a deep copy of the
 * saved config's process (through its JSON) with the overrides. */
static struct oci_process *
build_process (const struct exec_opts *o, const struct oci_config *c, rt_error_t *err)
{
  struct oci_process *p;
  char *msg = NULL;

  if (o->process_file)
    {
      p = oci_process_parse_file (o->process_file, "process.json", &msg);
      if (p == NULL)
        {
          rt_error_set (err, 0, "%s", msg ? msg : "process.json: invalid");
          free (msg);
        }
      return p;
    }
  if (o->ov.args == NULL || o->ov.args[0] == NULL)
    return rt_error_set (err, 0, "exec: a command or --process is required"), NULL;
  if (c->process)
    {
      cleanup_free char *json = oci_process_to_json (c->process, false, NULL);
      size_t len = json ? strlen (json) : 0;

      /* The saved process may lack args, which a process.json requires:
       * the overrides supply them, so parse with a placeholder. */
      p = json ? oci_process_parse_data (json, len, "config.json .process", &msg) : NULL;
      if (p == NULL)
        {
          rt_error_set (err, 0, "%s", msg ? msg : "config.json: .process: invalid");
          free (msg);
          return NULL;
        }
    }
  else
    {
      p = xzalloc (sizeof *p);
      p->cwd = xstrdup ("/");
    }
  if (exec_apply_overrides (p, &o->ov, err) < 0)
    {
      oci_process_free (p);
      return NULL;
    }
  return p;
}

/* ---- the process side --------------------------------------------------- */

struct exec_child
{
  const struct oci_process *p;
  const struct seccomp_filter *seccomp; /* the container's, NULL = none */
  int sync_fd;
  int preserve_fds;
  bool join_userns;
};

/* In the container's namespaces (setns of the mount namespace made its
 * root our root).  Mirrors init's tail: same confinement, same order. */
__attribute__ ((noreturn)) static void
exec_child_main (const struct exec_child *ec)
{
  const struct oci_process *p = ec->p;
  rt_error_t err = NULL;
  cleanup_free char *exe = NULL;
  char buf[4096];
  int keep[1] = { ec->sync_fd };

  if (close_fds_from (3 + ec->preserve_fds, keep, 1) < 0)
    {
      rt_error_set (&err, errno, "close inherited fds");
      sync_die (ec->sync_fd, &err);
    }
  /* We are in the container's pid namespace: keep its processes out of
   * our /proc entries until execve resets this. */
  (void) prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (sync_expect (ec->sync_fd, SYNC_GO, &err) < 0)
    sync_die (ec->sync_fd, &err);
  if (ec->join_userns && (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0))
    {
      rt_error_set (&err, errno, "become root of the container's user namespace");
      sync_die (ec->sync_fd, &err);
    }
  if (chdir (p->cwd) < 0)
    {
      rt_error_set (&err, errno, "chdir to cwd `%s`", p->cwd);
      sync_die (ec->sync_fd, &err);
    }
  if (getcwd (buf, sizeof buf) == NULL || buf[0] != '/')
    {
      rt_error_set (&err, EPERM, "cwd `%s` is outside the container's root", p->cwd);
      sync_die (ec->sync_fd, &err);
    }
  if (p->terminal && init_setup_terminal (ec->sync_fd, p, false, &err) < 0)
    sync_die (ec->sync_fd, &err);
  if (attrs_set_rlimits (p, &err) < 0 || attrs_set_oom_score_adj (p, &err) < 0)
    sync_die (ec->sync_fd, &err);
  if (p->scheduler && attrs_set_scheduler (p->scheduler, &err) < 0)
    sync_die (ec->sync_fd, &err);
  if (p->io_priority && attrs_set_io_priority (p->io_priority, &err) < 0)
    sync_die (ec->sync_fd, &err);
  exe = init_find_executable (p->args[0], p->env, &err);
  if (exe == NULL)
    sync_die (ec->sync_fd, &err);
  if (lsm_set_exec_labels (p->selinux_label, p->apparmor_profile, &err) < 0)
    sync_die (ec->sync_fd, &err);
  /* The same placements as init's (init.c), for the same reasons. */
  if (ec->seccomp && ec->seccomp->listener
      && init_load_seccomp_notify (ec->sync_fd, ec->seccomp, &err) < 0)
    sync_die (ec->sync_fd, &err);
  if (ec->seccomp && !ec->seccomp->listener && !p->no_new_privileges
      && seccomp_load_bpf (ec->seccomp, NULL, &err) < 0)
    sync_die (ec->sync_fd, &err);
  if (caps_drop_bounding (p->capabilities, &err) < 0 || attrs_set_user (&p->user, &err) < 0
      || caps_apply (p->capabilities, &err) < 0)
    sync_die (ec->sync_fd, &err);
  if (p->no_new_privileges && attrs_set_no_new_privs (&err) < 0)
    sync_die (ec->sync_fd, &err);
  if (ec->seccomp && !ec->seccomp->listener && p->no_new_privileges
      && seccomp_load_bpf (ec->seccomp, NULL, &err) < 0)
    sync_die (ec->sync_fd, &err);
  execve (exe, p->args, p->env ? p->env : (char *[]){ NULL });
  rt_error_set (&err, errno, "exec: \"%s\"", exe);
  sync_die (ec->sync_fd, &err);
}

/* ---- the runtime side --------------------------------------------------- */

/* Open init's namespaces of every type the container has.  Our own user
 * namespace cannot be joined (EINVAL), so it is skipped when shared. */
static int
open_container_namespaces (const struct oci_config *c, pid_t pid, int fds[OCI_NS_COUNT],
                           bool *join_userns, rt_error_t *err)
{
  size_t i;

  *join_userns = false;
  for (i = 0; i < OCI_NS_COUNT; i++)
    fds[i] = -1;
  for (i = 0; c->linux_ && i < c->linux_->n_namespaces; i++)
    {
      enum oci_ns_type t = c->linux_->namespaces[i].type;
      char path[64], self[64];
      struct stat a, b;

      snprintf (path, sizeof path, "/proc/%d/ns/%s", (int) pid, ns_proc_name (t));
      snprintf (self, sizeof self, "/proc/self/ns/%s", ns_proc_name (t));
      if (stat (path, &a) == 0 && stat (self, &b) == 0 && a.st_ino == b.st_ino
          && a.st_dev == b.st_dev)
        continue;
      fds[t] = open (path, O_RDONLY | O_CLOEXEC);
      if (fds[t] < 0)
        return rt_error_set (err, errno, "open namespace `%s`", path);
      if (t == OCI_NS_USER)
        *join_userns = true;
    }
  return 0;
}

static void
close_ns_fds (int fds[OCI_NS_COUNT])
{
  int i;
  for (i = 0; i < OCI_NS_COUNT; i++)
    if (fds[i] >= 0)
      {
        close (fds[i]);
        fds[i] = -1;
      }
}

/* --cgroup: runc's plain form, a sub-cgroup of the container's that
 * exists already; no `..`, so it stays below.  The v1 `controller:path`
 * form is refused rather than half supported. */
static int
check_cgroup_sub (const char *sub, const struct cstate *st, rt_error_t *err)
{
  const char *p;

  if (st->cgroup_path == NULL || st->cgroup_path[0] == '\0')
    return rt_error_set (err, 0, "exec: --cgroup: the container has no cgroup");
  if (strchr (sub, ':'))
    return rt_error_set (err, 0, "exec: --cgroup `%s`: the controller:path form is not supported",
                         sub);
  for (p = sub; *p; p = strchrnul (p, '/') + (*strchrnul (p, '/') ? 1 : 0))
    if (strncmp (p, "..", 2) == 0 && (p[2] == '/' || p[2] == '\0'))
      return rt_error_set (err, 0, "exec: --cgroup `%s`: `..` is not allowed", sub);
  if (*sub == '\0' || *sub == '/')
    return rt_error_set (err, 0, "exec: --cgroup `%s`: expected a relative sub-cgroup path", sub);
  return 0;
}

static void
run_exec_child (void *arg)
{
  exec_child_main (arg);
}

/* Drive the process until it execs (EOF on the sync socket). */
static int
drive_exec (const struct exec_opts *o, int sock, pid_t pid, const struct oci_config *c,
            int *console_master, rt_error_t *err)
{
  for (;;)
    {
      struct sync_msg m;
      int fd = -1;
      int n = sync_recv (sock, &m, &fd, err);

      if (n < 0)
        return n;
      if (n == 0)
        return 0;
      if (m.type == SYNC_ERROR)
        return rt_error_set (err, 0, "%s", m.text);
      if (m.type == SYNC_SECCOMP && fd >= 0)
        {
          const struct oci_seccomp *sc = c->linux_->seccomp;
          struct oci_state st = { .oci_version = (char *) OCI_VERSION, .id = (char *) o->id,
                                  .status = (char *) "running", .pid = pid };
          cleanup_free char *json = oci_state_to_json (&st, false, NULL);
          cleanup_free char *msg = seccomp_listener_message (pid, sc->listener_metadata, json);
          int ret = seccomp_send_to_listener (sc->listener_path, fd, msg, err);

          close (fd);
          if (ret < 0 || sync_send (sock, SYNC_SECCOMP_DONE, err) < 0)
            return -1;
          continue;
        }
      if (m.type != SYNC_CONSOLE || fd < 0)
        {
          if (fd >= 0)
            close (fd);
          return rt_error_set (err, 0, "exec: unexpected message %u", m.type);
        }
      if (o->console_socket)
        {
          int ret = term_send_to_socket (o->console_socket, fd, "/dev/pts/ptmx", err);
          close (fd);
          if (ret < 0)
            return ret;
        }
      else
        {
          /* Sized before the process can run and look. */
          tty_proxy_copy_size (fd);
          *console_master = fd;
        }
      if (sync_send (sock, SYNC_CONSOLE_DONE, err) < 0)
        return -1;
    }
}


static volatile pid_t exec_forward_pid;

static void
exec_forward_signal (int sig)
{
  if (sig == SIGWINCH)
    tty_proxy_winch ();
  else if (exec_forward_pid > 0)
    kill (exec_forward_pid, sig);
}

static int
wait_exec (pid_t pid, int master, int *status_out)
{
  static const int forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
  struct sigaction sa = { .sa_handler = exec_forward_signal, .sa_flags = SA_RESTART };
  int status = 0;
  size_t i;

  exec_forward_pid = pid;
  sigemptyset (&sa.sa_mask);
  for (i = 0; i < sizeof forwarded / sizeof *forwarded; i++)
    sigaction (forwarded[i], &sa, NULL);
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
  exec_forward_pid = 0;
  *status_out = WIFEXITED (status) ? WEXITSTATUS (status)
                : WIFSIGNALED (status) ? 128 + WTERMSIG (status) : 255;
  return 0;
}

int
container_exec (const struct runtime_opts *rt, const struct exec_opts *o, int *status,
                rt_error_t *err)
{
  struct handle h;
  struct oci_config *c = NULL;
  struct oci_process *p = NULL;
  struct exec_child ec = { 0 };
  cleanup_seccomp_filter struct seccomp_filter *filter = NULL;
  enum cstatus st;
  int fds[OCI_NS_COUNT];
  int sv[2] = { -1, -1 };
  int master = -1;
  pid_t pid = -1;
  int ret = -1;

  for (int i = 0; i < OCI_NS_COUNT; i++)
    fds[i] = -1;
  /* The process runs cove code inside the container until its execve. */
  if (!sealed_exe_active () && sealed_exe_reexec (err) < 0)
    return -1;
  if (handle_open (rt, o->id, &h, err) < 0)
    return -1;
  st = container_status (h.dirfd, &h.st);
  if (st == CSTATUS_STOPPED)
    {
      rt_error_set (err, 0, "cannot exec in container `%s`: it is stopped", o->id);
      goto out;
    }
  if (st == CSTATUS_PAUSED && !o->ignore_paused)
    {
      rt_error_set (err, 0, "cannot exec in container `%s`: it is paused (--ignore-paused)",
                    o->id);
      goto out;
    }
  c = saved_config (h.dirfd, err);
  if (c == NULL)
    goto out;
  p = build_process (o, c, err);
  if (p == NULL)
    goto out;
  if (c->linux_ && seccomp_compile (c->linux_->seccomp, &filter, err) < 0)
    goto out;
  ec.seccomp = filter;
  if (p->terminal && o->detach && o->console_socket == NULL)
    {
      rt_error_set (err, 0, "exec: --tty with --detach requires --console-socket");
      goto out;
    }
  if (lsm_check (p->selinux_label, p->apparmor_profile, err) < 0)
    goto out;
  if (o->cgroup_sub && check_cgroup_sub (o->cgroup_sub, &h.st, err) < 0)
    goto out;
  if (open_container_namespaces (c, h.st.pid, fds, &ec.join_userns, err) < 0)
    goto out;
  /* The pids must still be the container's: check after opening. */
  if (!state_pid_alive (&h.st))
    {
      rt_error_set (err, 0, "cannot exec in container `%s`: it is stopped", o->id);
      goto out;
    }
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    {
      rt_error_set (err, errno, "socketpair");
      goto out;
    }
  ec.p = p;
  ec.sync_fd = sv[1];
  ec.preserve_fds = o->preserve_fds;
  if (!o->detach)
    (void) prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  /* The child inherits our fd of the state dir, and flock belongs to the
   * open file: in a paused container it may freeze before closing it and
   * hold the lock for ever.  Everything needed is read: unlock now. */
  (void) flock (h.dirfd, LOCK_UN);
  pid = ns_spawn (fds, 0, run_exec_child, &ec, sv[0], err);
  close (sv[1]);
  sv[1] = -1;
  close_ns_fds (fds);
  if (pid < 0)
    goto out;
  if (h.st.cgroup_path && h.st.cgroup_path[0])
    {
      struct cgroup cg;
      cleanup_free char *path = o->cgroup_sub
                                    ? xasprintf ("%s/%s", h.st.cgroup_path, o->cgroup_sub)
                                    : xstrdup (h.st.cgroup_path);
      int r = cg_open (path, &cg, err);
      if (r == 0)
        {
          r = cg_enter (&cg, pid, err);
          cg_close (&cg);
        }
      if (r < 0)
        goto fail_kill;
    }
  /* Release the lock: a long exec must not block state or delete. */
  handle_close (&h);
  h.rootfd = h.dirfd = -1;
  if (o->pid_file && write_pid_file (o->pid_file, pid, err) < 0)
    goto fail_kill;
  if (sync_send (sv[0], SYNC_GO, err) < 0 || drive_exec (o, sv[0], pid, c, &master, err) < 0)
    goto fail_kill;
  close (sv[0]);
  sv[0] = -1;
  ret = 0;
  if (o->detach)
    *status = 0;
  else
    ret = wait_exec (pid, master, status);
  goto out;

fail_kill:
  kill (pid, SIGKILL);
  if (!o->detach)
    while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
      ;
  if (master >= 0)
    close (master);
out:
  close_ns_fds (fds);
  if (sv[0] >= 0)
    close (sv[0]);
  if (sv[1] >= 0)
    close (sv[1]);
  if (p)
    oci_process_free (p);
  if (c)
    oci_config_free (c);
  handle_close (&h);
  return ret;
}
