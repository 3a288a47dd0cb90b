/* slurmd's prolog and epilog for the job, as root, once per job per node.
 * Neither may fail for anything a user did: a failing prolog or epilog
 * drains the node. Problems are logged and the job goes on. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nix_state_pins.h"
#include "nix_state_sweep.h"
#include "plugin.h"

/* One path component of plain host-name characters: the name becomes a
 * directory of the state dir. */
static bool safe_node_name(const char *s)
{
	return s[0] && s[0] != '.' && s[0] != '-' &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == strlen(s);
}

/* The Slurm node name: per-node state is keyed by it, as several slurmd may
 * share one host. Only slurmd and slurmstepd say it: SLURMD_NODENAME in
 * their own environment (slurmd sets it for slurmstepd and the prolog).
 * Never the job's environment (spank_getenv): in task_init_privileged that
 * is still the user's, or the batch host's name for an srun inside a batch
 * script, and would let a job pick a state directory no epilog looks at.
 * Returns -1 (out empty) when there is no safe name. */
int nix_node_name(char *out, size_t len)
{
	const char *env = getenv("SLURMD_NODENAME");

	if (env && *env) {
		snprintf(out, len, "%s", env);
	} else if (gethostname(out, len) == 0) {
		out[len - 1] = '\0';
		out[strcspn(out, ".")] = '\0';
	} else {
		out[0] = '\0';
	}
	if (strlen(out) + 1 >= len || !safe_node_name(out)) {
		out[0] = '\0';
		return -1;
	}
	return 0;
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
	if (nix_node_name(node, sizeof(node)) < 0) {
		slurm_error("nix: job %u: this node's name (SLURMD_NODENAME) is not a plain name: its state is not touched", jobid);
		return 0;
	}
	if (nix_state_remove_job(nix_plugin.cfg.state_dir, node, jobid, &err) < 0)
		slurm_error("nix: job %u: %s", jobid, err.msg);
	if (sweep && nix_state_sweep_node(nix_plugin.cfg.state_dir, node, &err) < 0)
		slurm_error("nix: %s", err.msg);
	return 0;
}

int nix_node_job_start(spank_t sp)
{
	remove_job_state(sp, true);
	nix_prolog_build_view(sp);
	return 0;
}

int nix_node_job_end(spank_t sp)
{
	return remove_job_state(sp, false);
}
