/* list, features: commands that print. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint.h"
#include "cli.h"
#include "git-version.h"
#include "mount-options.h"
#include "oci-spec.h"
#include "process-attrs.h"
#include "seccomp-bpf.h"
#include "spec.h"
#include "util.h"

static void
print_json_string (const char *s)
{
  putchar ('"');
  for (; *s; s++)
    {
      if (*s == '"' || *s == '\\')
        putchar ('\\');
      putchar (*s);
    }
  putchar ('"');
}

int
cmd_list (struct global_opts *g, int argc, char **argv)
{
  static const struct option o[] = { { "format", required_argument, NULL, 'f' },
                                     { "quiet", no_argument, NULL, 'q' },
                                     { "help", no_argument, NULL, 'h' },
                                     { NULL, 0, NULL, 0 } };
  const char *format = "table";
  bool quiet = false;
  struct container_info *v;
  rt_error_t err = NULL;
  size_t n, i;
  int c;

  while ((c = getopt_long (argc, argv, "f:qh", o, NULL)) != -1)
    switch (c)
      {
      case 'f':
        if (strcmp (optarg, "table") && strcmp (optarg, "json"))
          return cli_usage ("list", "--format: `%s` is not table or json", optarg);
        format = optarg;
        break;
      case 'q':
        quiet = true;
        break;
      case 'h':
        puts ("usage: cove list [options]\n"
              "  -q, --quiet          print only the ids\n"
              "  -f, --format FORMAT  table or json\n"
              "  -h, --help           this help");
        return 0;
      default:
        return cli_usage (argv[0], "unknown option or missing value `%s`", argv[optind - 1]);
      }
  if (optind != argc)
    return cli_usage ("list", "takes no arguments");
  if (container_list (&g->rt, &v, &n, &err) < 0)
    return cli_fail (&err);
  if (quiet)
    for (i = 0; i < n; i++)
      puts (v[i].id);
  else if (strcmp (format, "json") == 0)
    {
      putchar ('[');
      for (i = 0; i < n; i++)
        {
          printf ("%s{\"ociVersion\":\"%s\",\"id\":", i ? "," : "", OCI_VERSION);
          print_json_string (v[i].id);
          printf (",\"pid\":%d,\"status\":\"%s\",\"bundle\":", v[i].pid, v[i].status);
          print_json_string (v[i].bundle);
          fputs (",\"created\":", stdout);
          print_json_string (v[i].created);
          fputs (",\"owner\":", stdout);
          print_json_string (v[i].owner);
          putchar ('}');
        }
      puts ("]");
    }
  else
    {
      printf ("%-20s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
              "OWNER");
      for (i = 0; i < n; i++)
        printf ("%-20s %-8d %-10s %-40s %-30s %s\n", v[i].id, v[i].pid, v[i].status, v[i].bundle,
                v[i].created, v[i].owner);
    }
  container_info_free (v, n);
  return 0;
}

int
cmd_features (struct global_opts *g, int argc, char **argv)
{
  char *ns[OCI_NS_COUNT + 1];
  char *caps[65];
  char *ann_keys[] = { "io.github.cove.version", "io.github.cove.commit",
                       "io.github.cove.checkpoint.enabled", "io.github.cove.checkpoint.reason" };
  char *ann_values[] = { (char *) PACKAGE_VERSION, (char *) GIT_COMMIT, NULL, NULL };
  cleanup_free char *criu_why = NULL;
  rt_error_t criu_err = NULL;
  char *none[] = { NULL };
  char *supported[8] = { NULL };
  /* Decided at compile time, as the features document requires. */
  struct oci_features_linux l = {
    .namespaces = ns,
    .capabilities = caps,
    .has_cgroup = true,
    .has_seccomp = true,
#ifdef HAVE_SECCOMP
    .seccomp_enabled = true,
    .seccomp_actions = (char **) oci_seccomp_action_names,
    .seccomp_operators = (char **) oci_seccomp_op_names,
    .seccomp_archs = (char **) oci_seccomp_arch_names,
    .seccomp_known_flags = (char **) oci_seccomp_flag_names,
    .seccomp_supported_flags = supported,
#endif
    .has_apparmor = true,
    .apparmor_enabled = true, /* writes attr files: needs no library */
    .has_selinux = true,
#ifdef HAVE_SELINUX
    .selinux_enabled = true,
#endif
    .has_intel_rdt = true,
    .has_mount_extensions = true,
    .idmap_enabled = true,
    .has_net_devices = true,
  };
  struct oci_features f = {
    .oci_version_min = (char *) OCI_VERSION_MIN,
    .oci_version_max = (char *) OCI_VERSION_MAX,
    .hooks = (char **) oci_hook_names,
    .mount_options = (char **) mount_option_names,
    .annotations = { .keys = ann_keys, .values = ann_values, .len = 3 },
    .potentially_unsafe_config_annotations = none,
    .linux_ = &l,
  };
  cleanup_free char *json = NULL;
  int i, k = 0;

  if (argc > 1)
    {
      if (strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "--help") == 0)
        {
          puts ("usage: cove features\n  -h, --help  this help");
          return 0;
        }
      return cli_usage ("features", "takes no options or arguments, got `%s`", argv[1]);
    }
#ifdef HAVE_SECCOMP
  for (i = 0; oci_seccomp_flag_names[i] && k < 7; i++)
    if (seccomp_flag_supported (oci_seccomp_flag_names[i]))
      supported[k++] = (char *) oci_seccomp_flag_names[i];
  k = 0;
#endif
  /* Checkpoint works when criu is installed and accepts this kernel:
   * asked of `criu check` itself, with its refusal as the reason. */
  if (checkpoint_probe (&criu_why, &criu_err) < 0)
    {
      criu_why = xstrdup (criu_err->msg);
      rt_error_free (&criu_err);
    }
  ann_values[2] = (char *) (criu_why ? "false" : "true");
  if (criu_why)
    {
      ann_values[3] = criu_why;
      f.annotations.len = 4;
    }
  for (i = 0; i < OCI_NS_COUNT; i++)
    ns[i] = (char *) oci_ns_type_name (i);
  ns[OCI_NS_COUNT] = NULL;
  for (i = 0; i < 64; i++)
    if (caps_name (i))
      caps[k++] = (char *) caps_name (i);
  caps[k] = NULL;
  json = oci_features_to_json (&f, true, NULL);
  if (json == NULL)
    oom ();
  puts (json);
  return 0;
}
