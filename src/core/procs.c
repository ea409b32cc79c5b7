/* The processes of a container, found by mount namespace. */
#include <config.h>
#include "procs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

int
procs_mntns_of (pid_t pid, struct mntns_id *id)
{
  char path[64];
  struct stat st;

  snprintf (path, sizeof path, "/proc/%d/ns/mnt", (int) pid);
  if (stat (path, &st) < 0)
    return -1;
  id->dev = st.st_dev;
  id->ino = st.st_ino;
  snprintf (path, sizeof path, "/proc/%d/root", (int) pid);
  if (stat (path, &st) < 0)
    return -1;
  id->root_dev = st.st_dev;
  id->root_ino = st.st_ino;
  return 0;
}

int
procs_of_container (const struct mntns_id *want, pid_t **out, size_t *n)
{
  struct mntns_id got;
  struct dirent *de;
  size_t cap = 16;
  DIR *d;

  *out = NULL;
  *n = 0;
  if (want->ino == 0)
    return 0;
  d = opendir ("/proc");
  if (d == NULL)
    return -1;
  *out = xmalloc (cap * sizeof **out);
  while ((de = readdir (d)) != NULL)
    {
      char *end;
      long pid = strtol (de->d_name, &end, 10);

      if (*end != '\0' || pid <= 0)
        continue;
      if (procs_mntns_of (pid, &got) < 0 || got.ino != want->ino || got.dev != want->dev
          || got.root_ino != want->root_ino || got.root_dev != want->root_dev)
        continue;
      if (*n == cap)
        *out = xrealloc (*out, (cap *= 2) * sizeof **out);
      (*out)[(*n)++] = (pid_t) pid;
    }
  closedir (d);
  return 0;
}

int
procs_signal_all (const struct mntns_id *id, int sig)
{
  cleanup_free pid_t *pids = NULL;
  size_t n, i;
  int count = 0;

  if (procs_of_container (id, &pids, &n) < 0)
    return -1;
  for (i = 0; i < n; i++)
    if (kill (pids[i], sig) == 0)
      count++;
  return count;
}
