/* pause, resume, ps, update and events: each opens the container, checks
 * its status, and acts on its cgroup. */
#include <config.h>
#include "manage.h"

#include <errno.h>
#include <string.h>

#include "container-internal.h"
#include "procs.h"
#include "util.h"

/* Open the container (locked) and its cgroup; fails when it has none. */
static int
open_with_cgroup (const struct runtime_opts *rt, const char *id, struct handle *h,
                  struct cgroup *cg, enum cstatus *status, rt_error_t *err)
{
  if (handle_open (rt, id, h, err) < 0)
    return -1;
  *status = container_status (h->dirfd, &h->st);
  if (h->st.cgroup_path == NULL || h->st.cgroup_path[0] == '\0')
    {
      handle_close (h);
      return rt_error_set (err, 0, "container `%s` has no cgroup (none usable on this host)", id);
    }
  if (cg_open (h->st.cgroup_path, cg, err) < 0)
    {
      handle_close (h);
      return rt_error_wrap (err, "container `%s`", id);
    }
  return 0;
}

static int
set_frozen (const struct runtime_opts *rt, const char *id, bool freeze, rt_error_t *err)
{
  struct handle h;
  struct cgroup cg;
  enum cstatus status;
  int ret;

  if (open_with_cgroup (rt, id, &h, &cg, &status, err) < 0)
    return -1;
  if (freeze && status != CSTATUS_RUNNING)
    ret = rt_error_set (err, 0, "cannot pause container `%s`: it is %s", id, cstatus_name (status));
  else if (!freeze && status != CSTATUS_PAUSED)
    ret = rt_error_set (err, 0, "cannot resume container `%s`: it is %s, not paused", id,
                        cstatus_name (status));
  else
    ret = cg_freeze (&cg, freeze, err);
  cg_close (&cg);
  handle_close (&h);
  return ret;
}

int
container_pause (const struct runtime_opts *rt, const char *id, rt_error_t *err)
{
  return set_frozen (rt, id, true, err);
}

int
container_resume (const struct runtime_opts *rt, const char *id, rt_error_t *err)
{
  return set_frozen (rt, id, false, err);
}

int
container_pids (const struct runtime_opts *rt, const char *id, pid_t **pids, size_t *n,
                rt_error_t *err)
{
  struct handle h;
  struct cgroup cg;
  int ret;

  *pids = NULL;
  *n = 0;
  if (handle_open (rt, id, &h, err) < 0)
    return -1;
  if (h.st.cgroup_path == NULL || h.st.cgroup_path[0] == '\0')
    {
      /* No cgroup: the processes sharing the container's mount namespace. */
      ret = procs_of_container (&(struct mntns_id){ h.st.mntns_dev, h.st.mntns_ino, h.st.root_dev,
                                                    h.st.root_ino },
                                pids, n);
      if (ret < 0)
        ret = rt_error_set (err, errno, "list the processes of `%s`", id);
    }
  else if ((ret = cg_open (h.st.cgroup_path, &cg, err)) == 0)
    {
      ret = cg_pids (&cg, pids, n, err);
      cg_close (&cg);
    }
  handle_close (&h);
  return ret;
}

int
container_update (const struct runtime_opts *rt, const char *id, const struct oci_resources *res,
                  rt_error_t *err)
{
  struct handle h;
  struct cgroup cg;
  enum cstatus status;
  int ret;

  if (open_with_cgroup (rt, id, &h, &cg, &status, err) < 0)
    return -1;
  if (status == CSTATUS_STOPPED)
    ret = rt_error_set (err, 0, "cannot update container `%s`: it is stopped", id);
  else
    ret = cg_update (&cg, res, err);
  cg_close (&cg);
  handle_close (&h);
  return ret;
}

int
container_stats (const struct runtime_opts *rt, const char *id, struct cg_stats *st,
                 bool *running, rt_error_t *err)
{
  struct handle h;
  struct cgroup cg;
  enum cstatus status;
  int ret;

  memset (st, 0, sizeof *st);
  if (open_with_cgroup (rt, id, &h, &cg, &status, err) < 0)
    return -1;
  *running = status == CSTATUS_RUNNING || status == CSTATUS_PAUSED || status == CSTATUS_CREATED;
  ret = cg_stats (&cg, st, err);
  cg_close (&cg);
  handle_close (&h);
  return ret;
}
