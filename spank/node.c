/* slurmd's prolog and epilog for the job, as root, once per job per node.
 * Neither may fail for anything a user did: a failing prolog or epilog
 * drains the node. Problems are logged and the job goes on. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nix_state.h"
#include "plugin.h"

static int job_and_node(spank_t sp, uint32_t *jobid, char *node, size_t len)
{
	const char *env = getenv("SLURMD_NODENAME");

	if (spank_get_item(sp, S_JOB_ID, jobid) != ESPANK_SUCCESS)
		return -1;
	if (env && *env) {
		snprintf(node, len, "%s", env);
	} else {
		if (gethostname(node, len) < 0)
			return -1;
		node[strcspn(node, ".")] = '\0';
	}
	return 0;
}

/* A slurmctld started afresh hands out job ids again: whatever a job of
 * the same id left here (a crashed slurmd, a killed step) is not ours. */
int nix_node_job_start(spank_t sp)
{
	struct nix_err err;
	uint32_t jobid;
	char node[256];

	if (!nix_plugin.config_ok || job_and_node(sp, &jobid, node, sizeof(node)) < 0)
		return 0;
	if (nix_state_remove_job(nix_plugin.cfg.state_dir, node, jobid, &err) < 0)
		slurm_error("nix: job %u: %s", jobid, err.msg);
	if (nix_state_sweep_node(nix_plugin.cfg.state_dir, node, &err) < 0)
		slurm_error("nix: %s", err.msg);
	return 0;
}

int nix_node_job_end(spank_t sp)
{
	struct nix_err err;
	uint32_t jobid;
	char node[256];

	if (!nix_plugin.config_ok || job_and_node(sp, &jobid, node, sizeof(node)) < 0)
		return 0;
	if (nix_state_remove_job(nix_plugin.cfg.state_dir, node, jobid, &err) < 0)
		slurm_error("nix: job %u: %s", jobid, err.msg);
	return 0;
}
