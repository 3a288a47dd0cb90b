/* spank-nix: a user's own Nix store at /nix for every task of a job.
 *
 * The life of a job, in the order Slurm calls us:
 *
 *   srun / sbatch / salloc, as the user          (client.c, options.c)
 *     init            register --nix-store, --nix-writable, --nix-closure,
 *                     --nix-profile and --nix-hide; SLURM_NIX_* variables
 *                     become options Slurm reads before the command line
 *     init_post_opt   check the options and the store; refuse bad input
 *                     with one "nix: ..." line before the job is queued
 *   slurmd, as root, once per job per node        (node.c, prolog.c)
 *     job_prolog      clear what an earlier job with this id left behind;
 *                     with build_in_prolog=yes, build the view the job
 *                     declared at sbatch/salloc for its first step to find
 *   slurmstepd, for the batch step and every srun step   (task.c)
 *     init            register the options (their values arrive next)
 *     init_post_opt   pick the options up from the environment when the
 *                     batch step was started with --export=NONE
 *     user_init       before the tasks are forked: the job's namespace
 *                     for this view, if pinned on this node already, for
 *                     every task to inherit; else the sockets through which
 *                     the step's first task passes the view to the others
 *     task_init_privileged   as root, inside any job_container namespace:
 *                     unless slurmstepd found it, the step's first task
 *                     finds the job's pinned namespace for this view on
 *                     this node, or builds and pins it (one per job per
 *                     node), and passes it on
 *     task_init       as the user: join it and put --nix-profile on PATH;
 *                     an error is reported here so that it fails the
 *                     task, never the node
 *     exit            close what we held
 *   slurmd, as root, once per job per node        (node.c)
 *     job_epilog      unpin and remove everything made for the job
 */
#include <slurm/spank.h>
#include <unistd.h>

#include "nix_clock.h"
#include "plugin.h"

SPANK_PLUGIN(nix, 1);

struct plugin nix_plugin = {
	.share = NIX_SHARE_INIT,
	.ns = NIX_NS_INIT,
};

int slurm_spank_init(spank_t sp, int ac, char **av)
{
	switch (spank_context()) {
	case S_CTX_REMOTE:
		nix_plugin.stepd_pid = getpid();
		/* fall through */
	case S_CTX_LOCAL:
	case S_CTX_ALLOCATOR:
		nix_plugin_configure(ac, av);
		if (spank_context() == S_CTX_LOCAL)
			nix_options_from_user_env(true); /* srun: before its options */
		return nix_options_register(sp);
	default:
		return 0;
	}
}

int slurm_spank_init_post_opt(spank_t sp, int ac, char **av)
{
	(void)ac;
	(void)av;
	switch (spank_context()) {
	case S_CTX_ALLOCATOR:
		nix_options_from_user_env(false); /* sbatch, salloc: after theirs */
		return nix_client_check(sp);
	case S_CTX_LOCAL:
		return nix_client_check(sp);
	case S_CTX_REMOTE:
		nix_options_from_job_env(sp);
		return 0;
	default:
		return 0;
	}
}

int slurm_spank_user_init(spank_t sp, int ac, char **av)
{
	(void)ac;
	(void)av;
	return nix_step_begin(sp);
}

/* The time each task of a step with a view spends in the plugin, on its
 * own clock, logged at debug level: bench/tasks-per-node sums it up per
 * number of tasks on the node. */
static int64_t task_plugin_ns;

static void log_task_plugin_time(spank_t sp)
{
	uint32_t job = 0, step = 0, task = 0, local_tasks = 0;

	spank_get_item(sp, S_JOB_ID, &job);
	spank_get_item(sp, S_JOB_STEPID, &step);
	spank_get_item(sp, S_TASK_GLOBAL_ID, &task);
	spank_get_item(sp, S_JOB_LOCAL_TASK_COUNT, &local_tasks);
	slurm_debug("nix: step %u.%u task %u of %u on this node: %.3f ms in the plugin",
		    job, step, task, local_tasks, task_plugin_ns / 1e6);
}

int slurm_spank_task_init_privileged(spank_t sp, int ac, char **av)
{
	int64_t start = nix_clock_ns();
	int rc;

	(void)ac;
	(void)av;
	rc = nix_task_prepare(sp);
	task_plugin_ns += nix_clock_ns() - start;
	return rc;
}

int slurm_spank_task_init(spank_t sp, int ac, char **av)
{
	int64_t start = nix_clock_ns();
	bool has_view = nix_plugin.ns.mnt_fd >= 0 || nix_plugin.joined_as_root;
	int rc;

	(void)ac;
	(void)av;
	rc = nix_task_enter(sp);
	task_plugin_ns += nix_clock_ns() - start;
	if (has_view)
		log_task_plugin_time(sp);
	return rc;
}

int slurm_spank_exit(spank_t sp, int ac, char **av)
{
	(void)sp;
	(void)ac;
	(void)av;
	nix_task_release();
	return 0;
}

int slurm_spank_job_prolog(spank_t sp, int ac, char **av)
{
	nix_plugin_configure(ac, av);
	return nix_node_job_start(sp);
}

int slurm_spank_job_epilog(spank_t sp, int ac, char **av)
{
	nix_plugin_configure(ac, av);
	return nix_node_job_end(sp);
}
