/* The config.json that `cove spec` writes: a shell in a busybox-style
 * rootfs with the usual namespaces, mounts and a conservative capability
 * set; the rootless form maps the caller into a user namespace. */
#include <config.h>
#include "spec.h"

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
  "\"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]}\n"
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
  "\"options\": [\"rbind\", \"nosuid\", \"noexec\", \"nodev\", \"ro\"]}\n"
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
