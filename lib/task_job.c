#include "task_job.h"

void nix_task_job_init(struct nix_task_job *tj, const struct nix_config *cfg,
		       const char *node, const struct nix_job_user *u, int64_t deadline_ms)
{
	tj->ids = (struct nix_ids){
		.uid = u->uid, .gid = u->gid,
		.groups = u->groups, .ngroups = u->ngroups,
	};
	tj->keep.n = 0;
	tj->built = false;
	tj->npaths = 0;
	tj->userns_refused = 0;
	tj->job = (struct nix_job){
		.cfg = cfg, .node = node, .jobid = u->jobid, .ids = &tj->ids,
		.base_mntns_fd = -1, .keep = tj->keep_ptrs, .nkeep = tj->keep.n,
		.deadline_ms = deadline_ms,
		.built = &tj->built, .npaths = &tj->npaths,
		.userns_refused = &tj->userns_refused,
	};
}

void nix_task_job_keep_slurm_paths(struct nix_task_job *tj, const void *plugin_symbol)
{
	slurm_paths_for_task(tj->job.node, plugin_symbol, &tj->keep);
	for (int i = 0; i < tj->keep.n; i++)
		tj->keep_ptrs[i] = tj->keep.path[i];
	tj->job.nkeep = tj->keep.n;
}
