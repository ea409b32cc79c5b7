/* The templates of `cove spec`: the config.json it writes (a shell in a
 * busybox-style rootfs with the usual namespaces, mounts and a conservative
 * capability set; the rootless form maps the caller into a user
 * namespace), Docker's default capability set, and the built-in default
 * seccomp profile of the Docker-style flags. */
#include <config.h>
#include "spec.h"

#include <stdint.h>
#include <string.h>

#include "spec-builder.h"
#include "util.h"

#define CAPS                                                                                       \
  "\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\""

#define PROCESS                                                                                    \
  "  \"process\": {\n"                                                                             \
  "    \"terminal\": true,\n"                                                                      \
  "    \"user\": {\"uid\": 0, \"gid\": 0},\n"                                                      \
  "    \"args\": [\"sh\"],\n"                                                                      \
  "    \"env\": [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\", "         \
  "\"TERM=xterm\"],\n"                                                                             \
  "    \"cwd\": \"/\",\n"                                                                          \
  "    \"capabilities\": {\n"                                                                      \
  "      \"bounding\": [" CAPS "],\n"                                                              \
  "      \"effective\": [" CAPS "],\n"                                                             \
  "      \"permitted\": [" CAPS "]\n"                                                              \
  "    },\n"                                                                                       \
  "    \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024}],\n"            \
  "    \"noNewPrivileges\": true\n"                                                                \
  "  },\n"

#define MASKED                                                                                     \
  "    \"maskedPaths\": [\"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\", "      \
  "\"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/timer_stats\", \"/proc/sched_debug\", "  \
  "\"/sys/firmware\", \"/proc/scsi\", \"/sys/devices/virtual/powercap\"],\n"                       \
  "    \"readonlyPaths\": [\"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\", "            \
  "\"/proc/sysrq-trigger\"]\n"

/* The container's own cgroups, read-only, as runc's default has them. */
#define CGROUP_MOUNT                                                                               \
  "    {\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\", "   \
  "\"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"]}\n"

static const char default_config[] =
  "{\n"
  "  \"ociVersion\": \"" OCI_VERSION "\",\n" PROCESS
  "  \"root\": {\"path\": \"rootfs\", \"readonly\": true},\n"
  "  \"hostname\": \"cove\",\n"
  "  \"mounts\": [\n"
  "    {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},\n"
  "    {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", "
  "\"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},\n"
  "    {\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\", "
  "\"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\", "
  "\"gid=5\"]},\n"
  "    {\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\", "
  "\"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]},\n"
  "    {\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\", "
  "\"options\": [\"nosuid\", \"noexec\", \"nodev\"]},\n"
  "    {\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\", "
  "\"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]},\n" CGROUP_MOUNT
  "  ],\n"
  "  \"linux\": {\n"
  "    \"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]},\n"
  "    \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}, {\"type\": \"ipc\"}, "
  "{\"type\": \"uts\"}, {\"type\": \"mount\"}, {\"type\": \"cgroup\"}],\n" MASKED "  }\n"
  "}\n";

/* Rootless: a user namespace mapping uid/gid 0 to the caller (filled in by
 * `cove spec --rootless` via printf-style %u placeholders), /sys bound from
 * the host (sysfs cannot be mounted without owning the netns' userns). */
static const char rootless_config[] =
  "{\n"
  "  \"ociVersion\": \"" OCI_VERSION "\",\n" PROCESS
  "  \"root\": {\"path\": \"rootfs\", \"readonly\": true},\n"
  "  \"hostname\": \"cove\",\n"
  "  \"mounts\": [\n"
  "    {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},\n"
  "    {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", "
  "\"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},\n"
  "    {\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\", "
  "\"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\"]},\n"
  "    {\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\", "
  "\"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]},\n"
  "    {\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\", "
  "\"options\": [\"nosuid\", \"noexec\", \"nodev\"]},\n"
  "    {\"destination\": \"/sys\", \"type\": \"none\", \"source\": \"/sys\", "
  "\"options\": [\"rbind\", \"nosuid\", \"noexec\", \"nodev\", \"ro\"]},\n" CGROUP_MOUNT
  "  ],\n"
  "  \"linux\": {\n"
  "    \"uidMappings\": [{\"containerID\": 0, \"hostID\": %u, \"size\": 1}],\n"
  "    \"gidMappings\": [{\"containerID\": 0, \"hostID\": %u, \"size\": 1}],\n"
  "    \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"ipc\"}, {\"type\": \"uts\"}, "
  "{\"type\": \"mount\"}, {\"type\": \"cgroup\"}, {\"type\": \"user\"}],\n" MASKED "  }\n"
  "}\n";

const char *
spec_default_config (int rootless)
{
  return rootless ? rootless_config : default_config;
}

/* ---- Docker's defaults --------------------------------------------------- */

/* What `docker run` grants without --cap-add (moby's oci/caps defaults):
 * enough to install packages and run daemons that drop privileges. */
const char *const spec_docker_caps[] = {
  "CAP_AUDIT_WRITE", "CAP_CHOWN",      "CAP_DAC_OVERRIDE", "CAP_FOWNER",
  "CAP_FSETID",      "CAP_KILL",       "CAP_MKNOD",        "CAP_NET_BIND_SERVICE",
  "CAP_NET_RAW",     "CAP_SETFCAP",    "CAP_SETGID",       "CAP_SETPCAP",
  "CAP_SETUID",      "CAP_SYS_CHROOT", NULL,
};

/* The default seccomp profile.  Its shape is the engines': deny with EPERM
 * by default, allow the calls ordinary programs make, and allow the calls
 * that only matter with a capability when the container has it, so that
 * --cap-add keeps working.  What is never allowed is what has been an
 * attack surface without being namespaced (keyrings, the kernel's
 * module, kexec and swap interfaces without their capabilities, new mount
 * API and namespaces without CAP_SYS_ADMIN, io_uring, userfaultfd without
 * CAP_SYS_PTRACE).  The list names calls of every architecture; the
 * compiler skips the names a filter's architectures do not have. */
static const char *const sc_allowed[] = {
  "_llseek", "_newselect", "accept", "accept4", "access", "adjtimex", "alarm", "arch_prctl",
  "arm_fadvise64_64", "arm_sync_file_range", "bind", "breakpoint", "brk", "cacheflush",
  "cachestat", "capget", "capset", "chdir", "chmod", "chown", "chown32", "chroot",
  "clock_getres", "clock_gettime", "clock_gettime64", "clock_nanosleep",
  "clock_nanosleep_time64", "close", "close_range", "connect", "copy_file_range", "creat", "dup",
  "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_pwait2",
  "epoll_wait", "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat",
  "faccessat2", "fadvise64", "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat",
  "fchmodat2", "fchown", "fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr",
  "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64",
  "fstatfs", "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex", "futex_requeue",
  "futex_time64", "futex_wait", "futex_waitv", "futex_wake", "futimesat", "get_mempolicy",
  "get_robust_list", "get_thread_area", "getcpu", "getcwd", "getdents", "getdents64", "getegid",
  "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32",
  "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority",
  "getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "getrusage",
  "getsid", "getsockname", "getsockopt", "gettid", "gettimeofday", "getuid", "getuid32",
  "getxattr", "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch",
  "io_cancel", "io_destroy", "io_getevents", "io_pgetevents", "io_setup", "io_submit", "ioctl",
  "ioprio_get", "ioprio_set", "ipc", "kill", "landlock_add_rule", "landlock_create_ruleset",
  "landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen",
  "listxattr", "llistxattr", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise",
  "map_shadow_stack", "membarrier", "memfd_create", "mincore", "mkdir", "mkdirat", "mknod",
  "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect", "mq_getsetattr",
  "mq_notify", "mq_open", "mq_timedreceive", "mq_timedsend", "mq_unlink", "mremap", "msgctl",
  "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap", "nanosleep",
  "newfstatat", "open", "openat", "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe",
  "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl",
  "pread64", "preadv", "preadv2", "prlimit64", "process_madvise", "process_mrelease",
  "process_vm_readv", "process_vm_writev", "pselect6", "pselect6_time64", "ptrace", "pwrite64",
  "pwritev", "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "recv",
  "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr",
  "rename", "renameat", "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction",
  "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend",
  "rt_sigtimedwait", "rt_tgsigqueueinfo", "sched_get_priority_max", "sched_get_priority_min",
  "sched_getaffinity", "sched_getattr", "sched_getparam", "sched_getscheduler",
  "sched_rr_get_interval", "sched_setaffinity", "sched_setattr", "sched_setparam",
  "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl", "semget", "semop",
  "semtimedop", "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg",
  "sendto", "set_robust_list", "set_thread_area", "set_tid_address", "set_tls", "setfsgid",
  "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32",
  "setitimer", "setpgid", "setpriority", "setregid", "setregid32", "setresgid", "setresgid32",
  "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit", "setsid", "setsockopt",
  "setuid", "setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown",
  "sigaction", "sigaltstack", "signalfd", "signalfd4", "sigprocmask", "sigreturn", "socket",
  "socketcall", "socketpair", "splice", "stat", "stat64", "statfs", "statfs64", "statx",
  "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill",
  "time", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64",
  "timer_settime", "timer_settime64", "timerfd_create", "timerfd_gettime", "timerfd_gettime64",
  "timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate", "truncate64",
  "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "utime", "utimensat", "utimensat_time64",
  "utimes", "vfork", "vmsplice", "wait4", "waitid", "waitpid", "write", "writev",
  NULL,
};

#define NAMES(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Calls allowed only with a capability in the bounding set. */
static const struct
{
  const char *cap;
  const char *const *names;
} sc_by_cap[] = {
  { "CAP_SYS_ADMIN",
    NAMES ("bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
           "lookup_dcookie", "mount", "mount_setattr", "move_mount", "open_tree",
           "perf_event_open", "pivot_root", "quotactl", "quotactl_fd", "setdomainname",
           "sethostname", "setns", "syslog", "umount", "umount2", "unshare") },
  { "CAP_SYS_BOOT", NAMES ("kexec_file_load", "kexec_load", "reboot") },
  { "CAP_SYS_MODULE", NAMES ("delete_module", "finit_module", "init_module") },
  { "CAP_SYS_PACCT", NAMES ("acct") },
  { "CAP_SYS_PTRACE", NAMES ("kcmp", "pidfd_getfd", "userfaultfd") },
  { "CAP_SYS_RAWIO", NAMES ("ioperm", "iopl") },
  { "CAP_SYS_TIME", NAMES ("clock_adjtime", "clock_adjtime64", "clock_settime", "clock_settime64",
                           "settimeofday", "stime") },
  { "CAP_SYS_TTY_CONFIG", NAMES ("vhangup") },
  { "CAP_SYS_NICE", NAMES ("mbind", "move_pages", "set_mempolicy", "set_mempolicy_home_node") },
  { "CAP_SYSLOG", NAMES ("syslog") },
  { "CAP_BPF", NAMES ("bpf") },
  { "CAP_PERFMON", NAMES ("perf_event_open") },
  { "CAP_DAC_READ_SEARCH", NAMES ("name_to_handle_at", "open_by_handle_at") },
};

/* The namespace flags of clone(2): without CAP_SYS_ADMIN, clone is allowed
 * only when none is set (CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|
 * NEWPID|NEWNET). */
#define SC_CLONE_NS_FLAGS 0x7E020000ULL

/* personality(2) values programs use: PER_LINUX, PER_LINUX32,
 * UNAME26, UNAME26|PER_LINUX32 and 0xffffffff (query). */
static const uint64_t sc_personalities[] = { 0x0, 0x8, 0x20000, 0x20008, 0xffffffffULL };

/* The architectures a filter covers: the native one and those whose
 * binaries the kernel also runs (32-bit compat), as the engines do. */
static const char *const sc_arches[] = {
#if defined(__x86_64__)
  "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
#elif defined(__aarch64__)
  "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM",
#endif
  NULL,
};

static bool
strv_has (char *const *v, const char *s)
{
  for (; v && *v; v++)
    if (strcmp (*v, s) == 0)
      return true;
  return false;
}

/* Appends s (copied) to the NULL-terminated *v unless it is there. */
static void
strv_add_unique (char ***v, size_t *n, const char *s)
{
  if (strv_has (*v, s))
    return;
  *v = xrealloc (*v, (*n + 2) * sizeof **v);
  (*v)[(*n)++] = xstrdup (s);
  (*v)[*n] = NULL;
}

static struct oci_seccomp_syscall *
sc_rule (struct oci_seccomp *s, const char *name, const char *action)
{
  struct oci_seccomp_syscall *r;

  s->syscalls = xrealloc (s->syscalls, (s->n_syscalls + 1) * sizeof *s->syscalls);
  r = &s->syscalls[s->n_syscalls++];
  memset (r, 0, sizeof *r);
  r->names = xzalloc (2 * sizeof *r->names);
  r->names[0] = xstrdup (name);
  r->action = xstrdup (action);
  return r;
}

static void
sc_rule_arg (struct oci_seccomp_syscall *r, uint64_t value, uint64_t value_two, const char *op)
{
  struct oci_seccomp_arg *a;

  r->args = xrealloc (r->args, (r->n_args + 1) * sizeof *r->args);
  a = &r->args[r->n_args++];
  memset (a, 0, sizeof *a);
  a->index = 0;
  a->value = value;
  a->op = xstrdup (op);
  if (strcmp (op, "SCMP_CMP_MASKED_EQ") == 0)
    {
      a->has_value_two = true;
      a->value_two = value_two;
    }
}

struct oci_seccomp *
spec_default_seccomp (char *const *caps)
{
  struct oci_seccomp *s = xzalloc (sizeof *s);
  struct oci_seccomp_syscall *allow;
  struct oci_seccomp_syscall *r;
  bool sys_admin = strv_has (caps, "CAP_SYS_ADMIN");
  char **names = NULL;
  size_t n = 0, i, k;

  s->default_action = xstrdup ("SCMP_ACT_ERRNO");
  s->has_default_errno_ret = true;
  s->default_errno_ret = 1; /* EPERM */
  for (i = 0, n = 0; sc_arches[i]; i++)
    strv_add_unique (&s->architectures, &n, sc_arches[i]);

  n = 0;
  for (i = 0; sc_allowed[i]; i++)
    strv_add_unique (&names, &n, sc_allowed[i]);
  for (i = 0; i < sizeof sc_by_cap / sizeof *sc_by_cap; i++)
    if (strv_has (caps, sc_by_cap[i].cap))
      for (k = 0; sc_by_cap[i].names[k]; k++)
        strv_add_unique (&names, &n, sc_by_cap[i].names[k]);
  allow = sc_rule (s, "-", "SCMP_ACT_ALLOW");
  free (allow->names[0]);
  free (allow->names);
  allow->names = names;

  /* Each value its own argument rule: rules on one argument are OR-ed. */
  r = sc_rule (s, "personality", "SCMP_ACT_ALLOW");
  for (i = 0; i < sizeof sc_personalities / sizeof *sc_personalities; i++)
    sc_rule_arg (r, sc_personalities[i], 0, "SCMP_CMP_EQ");
  if (!sys_admin)
    {
      r = sc_rule (s, "clone", "SCMP_ACT_ALLOW");
      sc_rule_arg (r, SC_CLONE_NS_FLAGS, 0, "SCMP_CMP_MASKED_EQ");
      /* clone3 passes its flags in memory a filter cannot read: ENOSYS
       * makes the C libraries fall back to clone, which is checked. */
      r = sc_rule (s, "clone3", "SCMP_ACT_ERRNO");
      r->has_errno_ret = true;
      r->errno_ret = 38; /* ENOSYS */
    }
  return s;
}
