/* One task's request for its view (struct nix_job), assembled from plain
 * data: the job's user, the node, the deadline; with the storage its
 * pointers point to (the ids, the paths --nix-hide keeps, the out values).
 * Not to be copied: job points into it. */
#ifndef SPANK_NIX_TASK_JOB_H
#define SPANK_NIX_TASK_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "job_user.h"
#include "nix_job.h"
#include "slurm_paths.h"

struct nix_task_job {
	struct nix_ids ids;
	struct slurm_paths keep;
	const char *keep_ptrs[SLURM_PATHS_MAX];
	bool built;            /* out: this task built the view */
	size_t npaths;         /* out: the store paths a closure view shows */
	int userns_refused;    /* out: errno of a refused user namespace, or 0 */
	struct nix_job job;
};

/* The job of user u on node, to be done by deadline_ms (nix_clock_ms()),
 * keeping no paths yet. */
void nix_task_job_init(struct nix_task_job *tj, const struct nix_config *cfg,
		       const char *node, const struct nix_job_user *u, int64_t deadline_ms);

/* Keep the node's Slurm paths (slurm_paths_for_task) reachable: only
 * --nix-hide needs them. */
void nix_task_job_keep_slurm_paths(struct nix_task_job *tj, const void *plugin_symbol);

#endif
