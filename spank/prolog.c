/* slurmd's job prolog, as root, once per job per node: with
 * build_in_prolog=yes, the view a job declared at sbatch or salloc is built
 * here, so that its first step on this node finds it pinned as later steps
 * do. With PrologFlags=Alloc the prolog runs at allocation, on all the
 * job's nodes at once, before any step; without, just before the first.
 *
 * Only what is plainly the build a step would make is made here: a
 * read-only store (its closure, hide and profile), in the node's mount
 * namespace. A job namespace plugin (job_container/tmpfs, namespace/tmpfs,
 * namespace/linux) gives the job its own namespace after this prolog, and
 * the view must be a copy of it; a writable store is locked by its tasks;
 * an image's server must run in the job's cgroup. All of those, and every
 * error, are left to the first step, which builds the view or tells the
 * user why on the task's stderr. Nothing here fails the prolog: that would
 * drain the node. */
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job_user.h"
#include "nix_clock.h"
#include "nix_image.h"
#include "nix_profile.h"
#include "task_job.h"
#include "plugin.h"

#define PROLOG_GROUPS_MAX 1024

/* The job's user, as slurmstepd will have it: ids from Slurm, groups from
 * the group database (Slurm's own lookup, as the prolog has no list). */
static int job_user(spank_t sp, struct nix_job_user *u, gid_t *groups)
{
	int n = PROLOG_GROUPS_MAX;

	if (spank_get_item(sp, S_JOB_UID, &u->uid) != ESPANK_SUCCESS ||
	    spank_get_item(sp, S_JOB_GID, &u->gid) != ESPANK_SUCCESS ||
	    spank_get_item(sp, S_JOB_ID, &u->jobid) != ESPANK_SUCCESS)
		return -1;
	nix_job_user_find_passwd(u);
	if (!u->name[0] || getgrouplist(u->name, u->gid, groups, &n) < 0)
		return -1;
	u->groups = groups;
	u->ngroups = n;
	return 0;
}

/* Why this job's view is left to its first step; NULL: build it here. */
static const char *left_to_the_step(const struct nix_view *view,
				    const struct nix_task_job *tj)
{
	if (tj->keep.ns_type != SLURM_NS_NONE)
		return "a job namespace plugin is configured: the view is a copy of the job's namespace";
	if (view->writable)
		return "--nix-writable: the tasks hold the store's lock";
	return NULL;
}

void nix_prolog_build_view(spank_t sp)
{
	struct nix_job_user u = { .jobid = 0 };
	struct nix_config cfg = nix_plugin.cfg;
	gid_t groups[PROLOG_GROUPS_MAX];
	struct nix_task_job tj;
	struct nix_view view;
	struct nix_ns ns = NIX_NS_INIT;
	struct nix_err err;
	int64_t started_ms = nix_clock_ms();
	const char *why;
	char node[256];

	if (!nix_plugin.config_ok || !cfg.build_in_prolog)
		return;
	nix_options_from_prolog_env();
	if (!nix_plugin.options_used || nix_node_name(node, sizeof(node)) < 0 ||
	    job_user(sp, &u, groups) < 0)
		return;
	/* An image's server would run outside the job's cgroup: refused
	 * here as images are where the site turned them off. */
	cfg.squashfs = NIX_SQUASHFS_OFF;
	if (nix_request_resolve(&cfg, &nix_plugin.req, u.home[0] ? u.home : NULL, u.name,
				&view, &err) != 1)
		return; /* nothing to build, or the user's error: the step says it */
	nix_task_job_init(&tj, &cfg, node, &u, started_ms + 1000LL * cfg.create_timeout_s);
	nix_task_job_keep_slurm_paths(&tj, &nix_plugin);
	why = left_to_the_step(&view, &tj);
	if (!why && nix_view_resolve_profiles_as(&tj.ids, &view, tj.job.deadline_ms, &err) == 0 &&
	    nix_job_acquire_view(&tj.job, &view, &ns, &err) == 0) {
		nix_log_view_acquired(&tj, &u, node, &view, started_ms, " in=prolog");
		nix_ns_close(&ns);
		return;
	}
	slurm_info("nix: job %u node %s: the view is left to the first step: %s", u.jobid,
		   node, why ? why : err.msg);
}
