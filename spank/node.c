/* slurmd's prolog and epilog for the job, as root, once per job per node.
 * Neither may fail for anything a user did: a failing prolog or epilog
 * drains the node. Problems are logged and the job goes on. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nix_state.h"
#include "plugin.h"

/* The Slurm node name: per-node state is keyed by it, as several slurmd may
 * share one host. In a task it is in the job's environment; in the prolog
 * and epilog, in ours. */
void nix_node_name(spank_t sp, char *out, size_t len)
{
	const char *env;

	if (spank_getenv(sp, "SLURMD_NODENAME", out, len) == ESPANK_SUCCESS && *out)
		return;
	env = getenv("SLURMD_NODENAME");
	if (env && *env) {
		snprintf(out, len, "%s", env);
		return;
	}
	if (gethostname(out, len) < 0)
		snprintf(out, len, "localhost");
	out[strcspn(out, ".")] = '\0';
}

/* Remove the job's state on this node; at its start as well as its end: a
 * slurmctld started afresh hands out job ids again, so whatever a job of the
 * same id left here (a crashed slurmd, a killed step) is not ours. */
static int remove_job_state(spank_t sp, bool sweep)
{
	struct nix_err err;
	uint32_t jobid;
	char node[256];

	if (!nix_plugin.config_ok || spank_get_item(sp, S_JOB_ID, &jobid) != ESPANK_SUCCESS)
		return 0;
	nix_node_name(sp, node, sizeof(node));
	if (nix_state_remove_job(nix_plugin.cfg.state_dir, node, jobid, &err) < 0)
		slurm_error("nix: job %u: %s", jobid, err.msg);
	if (sweep && nix_state_sweep_node(nix_plugin.cfg.state_dir, node, &err) < 0)
		slurm_error("nix: %s", err.msg);
	return 0;
}

int nix_node_job_start(spank_t sp)
{
	return remove_job_state(sp, true);
}

int nix_node_job_end(spank_t sp)
{
	return remove_job_state(sp, false);
}
