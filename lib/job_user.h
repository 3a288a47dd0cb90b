/* The job's user and size, as plain data: the ids and counts slurmstepd
 * gives (the SPANK glue reads them from Slurm), completed from the passwd
 * database. */
#ifndef SPANK_NIX_JOB_USER_H
#define SPANK_NIX_JOB_USER_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

struct nix_job_user {
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	int ngroups;
	uint32_t jobid;
	uint32_t nnodes;
	char home[PATH_MAX];
	char name[256];
};

/* u->home and u->name from the passwd entry of u->uid; left as they are
 * (the caller's zeroes) when there is none. */
void nix_job_user_find_passwd(struct nix_job_user *u);

/* --nix-writable is per job: the step's node count (step_nnodes) is not
 * the job's. value: SLURM_JOB_NUM_NODES, NULL when unset. The larger of
 * the two; step_nnodes when value is not a number. It only ever makes the
 * caller refuse a view, never grant one. */
uint32_t nix_job_nnodes(const char *value, uint32_t step_nnodes);

#endif
