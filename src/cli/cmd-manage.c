/* pause, resume, ps, update, events: commands on a running container's
 * cgroup. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "manage.h"
#include "util.h"

/* Only an ID, and --help. */
static int
only_id (const char *cmd, int argc, char **argv, const char **id)
{
  if (argc == 2 && (strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "--help") == 0))
    {
      printf ("usage: cove %s ID\n  -h, --help  this help\n", cmd);
      exit (0);
    }
  if (argc != 2 || argv[1][0] == '-')
    return cli_usage (cmd, argc == 2 ? "unknown option `%s`" : "expects exactly one container ID",
                      argv[argc > 1 ? 1 : 0]);
  *id = argv[1];
  return 0;
}

int
cmd_pause (struct global_opts *g, int argc, char **argv)
{
  const char *id;
  rt_error_t err = NULL;

  if (only_id ("pause", argc, argv, &id) != 0)
    return 1;
  return container_pause (&g->rt, id, &err) < 0 ? cli_fail (&err) : 0;
}

int
cmd_resume (struct global_opts *g, int argc, char **argv)
{
  const char *id;
  rt_error_t err = NULL;

  if (only_id ("resume", argc, argv, &id) != 0)
    return 1;
  return container_resume (&g->rt, id, &err) < 0 ? cli_fail (&err) : 0;
}

static bool
pid_in (pid_t pid, const pid_t *pids, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    if (pids[i] == pid)
      return true;
  return false;
}

/* runc's table form: run ps(1) with the given arguments and keep the
 * header and the lines whose PID column is one of the container's. */
static int
ps_table (char **ps_args, const pid_t *pids, size_t n)
{
  cleanup_free char *cmd = xstrdup ("ps");
  char line[8192];
  int pid_col = -1;
  FILE *f;
  size_t i;

  for (i = 0; ps_args && ps_args[i]; i++)
    {
      char *next;
      if (strspn (ps_args[i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=,:%")
          != strlen (ps_args[i]))
        {
          fprintf (stderr, "cove: ps: unsupported character in argument `%s`\n", ps_args[i]);
          return 1;
        }
      next = xasprintf ("%s %s", cmd, ps_args[i]);
      free (cmd);
      cmd = next;
    }
  if (ps_args == NULL || ps_args[0] == NULL)
    {
      free (cmd);
      cmd = xstrdup ("ps -ef");
    }
  f = popen (cmd, "r");
  if (f == NULL)
    {
      fprintf (stderr, "cove: ps: run `%s`: %s\n", cmd, strerror (errno));
      return 1;
    }
  while (fgets (line, sizeof line, f))
    {
      if (pid_col < 0)
        {
          cleanup_free char *hdr = xstrdup (line);
          char *save = NULL, *tok;
          int col = 0;

          for (tok = strtok_r (hdr, " \t\n", &save); tok; tok = strtok_r (NULL, " \t\n", &save))
            {
              if (strcmp (tok, "PID") == 0)
                pid_col = col;
              col++;
            }
          fputs (line, stdout);
          if (pid_col < 0)
            {
              pclose (f);
              fputs ("cove: ps: no PID column in ps output\n", stderr);
              return 1;
            }
          continue;
        }
      {
        cleanup_free char *copy = xstrdup (line);
        char *save = NULL, *tok = strtok_r (copy, " \t\n", &save);
        int col = 0;

        while (tok && col < pid_col)
          {
            tok = strtok_r (NULL, " \t\n", &save);
            col++;
          }
        if (tok && pid_in ((pid_t) atoi (tok), pids, n))
          fputs (line, stdout);
      }
    }
  return pclose (f) == 0 ? 0 : 1;
}

int
cmd_ps (struct global_opts *g, int argc, char **argv)
{
  static const struct option o[] = { { "format", required_argument, NULL, 'f' },
                                     { "help", no_argument, NULL, 'h' },
                                     { NULL, 0, NULL, 0 } };
  const char *format = "table";
  cleanup_free pid_t *pids = NULL;
  rt_error_t err = NULL;
  size_t n, i;
  int c;

  while ((c = getopt_long (argc, argv, "+f:h", o, NULL)) != -1)
    switch (c)
      {
      case 'f':
        if (strcmp (optarg, "table") && strcmp (optarg, "json"))
          return cli_usage ("ps", "--format: `%s` is not table or json", optarg);
        format = optarg;
        break;
      case 'h':
        puts ("usage: cove ps [options] ID [PS ARGS...]\n"
              "  -f, --format FORMAT  table (ps(1) output, ps -ef by default) or json (pids)\n"
              "  -h, --help           this help");
        return 0;
      default:
        return cli_usage ("ps", "unknown option or missing value `%s`", argv[optind - 1]);
      }
  if (optind >= argc)
    return cli_usage ("ps", "expects a container ID");
  if (container_pids (&g->rt, argv[optind], &pids, &n, &err) < 0)
    return cli_fail (&err);
  if (strcmp (format, "json") == 0)
    {
      if (optind + 1 < argc)
        return cli_usage ("ps", "ps arguments are only for --format table");
      putchar ('[');
      for (i = 0; i < n; i++)
        printf ("%s%d", i ? "," : "", (int) pids[i]);
      puts ("]");
      return 0;
    }
  return ps_table (argv + optind + 1, pids, n);
}

/* ---- update -------------------------------------------------------------- */

/* "512m", "1G", "100000", "-1": bytes, binary multiples, as runc takes. */
static int
parse_bytes (const char *s, int64_t *out)
{
  char *end;
  double v;
  int64_t mult = 1;

  errno = 0;
  v = strtod (s, &end);
  if (errno || end == s)
    return -1;
  if (v == -1 && *end == '\0')
    {
      *out = -1;
      return 0;
    }
  switch (*end)
    {
    case '\0':
      break;
    case 'k':
    case 'K':
      mult = 1LL << 10;
      break;
    case 'm':
    case 'M':
      mult = 1LL << 20;
      break;
    case 'g':
    case 'G':
      mult = 1LL << 30;
      break;
    case 't':
    case 'T':
      mult = 1LL << 40;
      break;
    default:
      return -1;
    }
  if (*end && end[1] != '\0' && !((end[1] == 'b' || end[1] == 'B') && end[2] == '\0'))
    return -1;
  if (v < 0)
    return -1;
  *out = (int64_t) (v * mult);
  return 0;
}

static int
parse_i64 (const char *s, int64_t *out)
{
  char *end;
  errno = 0;
  *out = strtoll (s, &end, 10);
  return errno || end == s || *end ? -1 : 0;
}

enum
{
  U_BLKIO_WEIGHT = 256,
  U_CPU_PERIOD,
  U_CPU_QUOTA,
  U_CPU_BURST,
  U_CPU_RT_PERIOD,
  U_CPU_RT_RUNTIME,
  U_CPU_SHARE,
  U_CPUSET_CPUS,
  U_CPUSET_MEMS,
  U_MEMORY,
  U_MEMORY_RESERVATION,
  U_MEMORY_SWAP,
  U_PIDS_LIMIT,
  U_L3,
  U_MEMBW,
};

static struct oci_memory *
mem (struct oci_resources *r)
{
  if (r->memory == NULL)
    r->memory = xzalloc (sizeof *r->memory);
  return r->memory;
}

static struct oci_cpu *
cpu (struct oci_resources *r)
{
  if (r->cpu == NULL)
    r->cpu = xzalloc (sizeof *r->cpu);
  return r->cpu;
}

/* One flag into the resources; returns -1 on a bad value. */
static int
update_flag (struct oci_resources *r, int opt, const char *v)
{
  int64_t n;

  switch (opt)
    {
    case U_MEMORY:
    case U_MEMORY_RESERVATION:
    case U_MEMORY_SWAP:
      if (parse_bytes (v, &n) < 0)
        return -1;
      if (opt == U_MEMORY)
        mem (r)->has_limit = true, mem (r)->limit = n;
      else if (opt == U_MEMORY_RESERVATION)
        mem (r)->has_reservation = true, mem (r)->reservation = n;
      else
        mem (r)->has_swap = true, mem (r)->swap = n;
      return 0;
    case U_CPUSET_CPUS:
      free (cpu (r)->cpus);
      cpu (r)->cpus = xstrdup (v);
      return 0;
    case U_CPUSET_MEMS:
      free (cpu (r)->mems);
      cpu (r)->mems = xstrdup (v);
      return 0;
    case U_L3:
    case U_MEMBW:
      return -2;
    }
  if (parse_i64 (v, &n) < 0)
    return -1;
  switch (opt)
    {
    case U_BLKIO_WEIGHT:
      if (n < 0 || n > 1000)
        return -1;
      if (r->block_io == NULL)
        r->block_io = xzalloc (sizeof *r->block_io);
      r->block_io->has_weight = true;
      r->block_io->weight = (uint16_t) n;
      break;
    case U_CPU_PERIOD:
      cpu (r)->has_period = true, cpu (r)->period = (uint64_t) n;
      break;
    case U_CPU_QUOTA:
      cpu (r)->has_quota = true, cpu (r)->quota = n;
      break;
    case U_CPU_BURST:
      cpu (r)->has_burst = true, cpu (r)->burst = (uint64_t) n;
      break;
    case U_CPU_RT_PERIOD:
      cpu (r)->has_realtime_period = true, cpu (r)->realtime_period = (uint64_t) n;
      break;
    case U_CPU_RT_RUNTIME:
      cpu (r)->has_realtime_runtime = true, cpu (r)->realtime_runtime = n;
      break;
    case U_CPU_SHARE:
      cpu (r)->has_shares = true, cpu (r)->shares = (uint64_t) n;
      break;
    case U_PIDS_LIMIT:
      if (r->pids == NULL)
        r->pids = xzalloc (sizeof *r->pids);
      r->pids->limit = n;
      break;
    }
  return 0;
}

static struct oci_resources *
read_resources (const char *path, rt_error_t *err)
{
  cleanup_free char *data = NULL;
  struct oci_resources *r;
  char *msg = NULL;
  size_t len;

  if (read_file_at (AT_FDCWD, strcmp (path, "-") == 0 ? "/dev/stdin" : path, &data, &len, err)
      < 0)
    return NULL;
  r = oci_resources_parse_data (data, len, "resources", &msg);
  if (r == NULL)
    {
      rt_error_set (err, 0, "%s", msg ? msg : "resources: invalid");
      free (msg);
    }
  return r;
}

int
cmd_update (struct global_opts *g, int argc, char **argv)
{
  static const struct option o[] = {
    { "resources", required_argument, NULL, 'r' },
    { "blkio-weight", required_argument, NULL, U_BLKIO_WEIGHT },
    { "cpu-period", required_argument, NULL, U_CPU_PERIOD },
    { "cpu-quota", required_argument, NULL, U_CPU_QUOTA },
    { "cpu-burst", required_argument, NULL, U_CPU_BURST },
    { "cpu-rt-period", required_argument, NULL, U_CPU_RT_PERIOD },
    { "cpu-rt-runtime", required_argument, NULL, U_CPU_RT_RUNTIME },
    { "cpu-share", required_argument, NULL, U_CPU_SHARE },
    { "cpuset-cpus", required_argument, NULL, U_CPUSET_CPUS },
    { "cpuset-mems", required_argument, NULL, U_CPUSET_MEMS },
    { "memory", required_argument, NULL, U_MEMORY },
    { "memory-reservation", required_argument, NULL, U_MEMORY_RESERVATION },
    { "memory-swap", required_argument, NULL, U_MEMORY_SWAP },
    { "pids-limit", required_argument, NULL, U_PIDS_LIMIT },
    { "l3-cache-schema", required_argument, NULL, U_L3 },
    { "mem-bw-schema", required_argument, NULL, U_MEMBW },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct oci_resources *r = NULL;
  const char *file = NULL;
  rt_error_t err = NULL;
  int c, ret = 0, n_flags = 0;

  r = xzalloc (sizeof *r);
  while (ret == 0 && (c = getopt_long (argc, argv, "r:h", o, NULL)) != -1)
    switch (c)
      {
      case 'r':
        file = optarg;
        break;
      case 'h':
        puts ("usage: cove update [options] ID\n"
              "  -r, --resources FILE         linux.resources JSON (- for stdin)\n"
              "      --blkio-weight N         block I/O weight (10 to 1000)\n"
              "      --cpu-period US          CFS period\n"
              "      --cpu-quota US           CFS quota (-1: none)\n"
              "      --cpu-burst US           CFS burst\n"
              "      --cpu-rt-period US       realtime period\n"
              "      --cpu-rt-runtime US      realtime runtime\n"
              "      --cpu-share N            CPU shares\n"
              "      --cpuset-cpus LIST       CPUs (0-3,5)\n"
              "      --cpuset-mems LIST       memory nodes\n"
              "      --memory BYTES           memory limit (512m, -1: none)\n"
              "      --memory-reservation BYTES  soft limit\n"
              "      --memory-swap BYTES      memory plus swap limit\n"
              "      --pids-limit N           process limit (-1: none)\n"
              "      --l3-cache-schema S      not supported (refused)\n"
              "      --mem-bw-schema S        not supported (refused)\n"
              "  -h, --help                   this help");
        oci_resources_free (r);
        return 0;
      case '?':
        ret = cli_usage ("update", "unknown option or missing value `%s`", argv[optind - 1]);
        break;
      default:
        n_flags++;
        switch (update_flag (r, c, optarg))
          {
          case -1:
            {
              const struct option *e = o;
              while (e->name && e->val != c)
                e++;
              ret = cli_usage ("update", "--%s: invalid value `%s`", e->name, optarg);
              break;
            }
          case -2:
            ret = cli_usage ("update", "Intel RDT is not supported");
            break;
          }
      }
  if (ret == 0 && optind != argc - 1)
    ret = cli_usage ("update", "expects exactly one container ID");
  if (ret == 0 && file && n_flags)
    ret = cli_usage ("update", "--resources and the individual flags are mutually exclusive");
  if (ret != 0)
    {
      oci_resources_free (r);
      return ret;
    }
  if (file)
    {
      oci_resources_free (r);
      r = read_resources (file, &err);
      if (r == NULL)
        return cli_fail (&err);
    }
  ret = container_update (&g->rt, argv[optind], r, &err);
  oci_resources_free (r);
  return ret < 0 ? cli_fail (&err) : 0;
}

/* ---- events -------------------------------------------------------------- */

static void
print_stats (const char *id, const struct cg_stats *s)
{
  printf ("{\"type\":\"stats\",\"id\":\"%s\",\"data\":{"
          "\"cpu\":{\"usage\":{\"total\":%llu,\"kernel\":%llu,\"user\":%llu},"
          "\"throttling\":{\"throttledPeriods\":%llu,\"throttledTime\":%llu}},"
          "\"memory\":{\"usage\":{\"usage\":%llu,\"max\":%llu,\"limit\":%llu},"
          "\"swap\":{\"usage\":%llu,\"limit\":%llu},\"cache\":%llu},"
          "\"pids\":{\"current\":%llu,\"limit\":%llu},"
          "\"blkio\":{\"ioServiceBytesRecursive\":[{\"op\":\"Read\",\"value\":%llu},"
          "{\"op\":\"Write\",\"value\":%llu}]},\"hugetlb\":{}}}\n",
          id, (unsigned long long) s->cpu_usage_total, (unsigned long long) s->cpu_usage_kernel,
          (unsigned long long) s->cpu_usage_user, (unsigned long long) s->cpu_throttled_periods,
          (unsigned long long) s->cpu_throttled_time, (unsigned long long) s->memory_usage,
          (unsigned long long) s->memory_max_usage, (unsigned long long) s->memory_limit,
          (unsigned long long) s->memory_swap_usage, (unsigned long long) s->memory_swap_limit,
          (unsigned long long) s->memory_cache, (unsigned long long) s->pids_current,
          (unsigned long long) s->pids_limit, (unsigned long long) s->blkio_read_bytes,
          (unsigned long long) s->blkio_write_bytes);
  fflush (stdout);
}

/* "5s", "500ms", "1m", or plain seconds. */
static int
parse_interval (const char *s, struct timespec *ts)
{
  char *end;
  double v = strtod (s, &end);
  double sec;

  if (end == s || v <= 0)
    return -1;
  if (*end == '\0' || strcmp (end, "s") == 0)
    sec = v;
  else if (strcmp (end, "ms") == 0)
    sec = v / 1000;
  else if (strcmp (end, "m") == 0)
    sec = v * 60;
  else
    return -1;
  ts->tv_sec = (time_t) sec;
  ts->tv_nsec = (long) ((sec - (double) ts->tv_sec) * 1e9);
  return 0;
}

int
cmd_events (struct global_opts *g, int argc, char **argv)
{
  static const struct option o[] = { { "stats", no_argument, NULL, 's' },
                                     { "interval", required_argument, NULL, 'i' },
                                     { "help", no_argument, NULL, 'h' },
                                     { NULL, 0, NULL, 0 } };
  struct timespec interval = { 5, 0 };
  bool stats_once = false, running = true;
  uint64_t ooms = 0;
  bool first = true;
  rt_error_t err = NULL;
  const char *id;
  int c;

  while ((c = getopt_long (argc, argv, "h", o, NULL)) != -1)
    switch (c)
      {
      case 's':
        stats_once = true;
        break;
      case 'i':
        if (parse_interval (optarg, &interval) < 0)
          return cli_usage ("events", "--interval: `%s` is not a duration (5s, 500ms)", optarg);
        break;
      case 'h':
        puts ("usage: cove events [options] ID\n"
              "      --stats        print the statistics once and exit\n"
              "      --interval D   time between statistics (default 5s; 500ms, 1m)\n"
              "  -h, --help         this help");
        return 0;
      default:
        return cli_usage ("events", "unknown option or missing value `%s`", argv[optind - 1]);
      }
  if (optind != argc - 1)
    return cli_usage ("events", "expects exactly one container ID");
  id = argv[optind];
  for (;;)
    {
      struct cg_stats s;

      if (container_stats (&g->rt, id, &s, &running, &err) < 0)
        {
          /* The container went away while we watched: a normal end. */
          if (!first)
            {
              rt_error_free (&err);
              return 0;
            }
          return cli_fail (&err);
        }
      if (!first && s.memory_oom_kills > ooms)
        printf ("{\"type\":\"oom\",\"id\":\"%s\"}\n", id);
      ooms = s.memory_oom_kills;
      if (stats_once || first || running)
        print_stats (id, &s);
      if (stats_once || !running)
        return 0;
      first = false;
      nanosleep (&interval, NULL);
    }
}
