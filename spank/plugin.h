/* State shared by the SPANK callbacks of one process (srun, sbatch, salloc,
 * a slurmstepd, or a prolog/epilog run). Slurm loads the plugin once per
 * process and calls it from one thread, so one static instance does. */
#ifndef SPANK_NIX_PLUGIN_H
#define SPANK_NIX_PLUGIN_H

#include <slurm/spank.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "nix_config.h"
#include "nix_namespace.h"
#include "nix_request.h"
#include "nix_share.h"

struct plugin {
	struct nix_config cfg;
	bool config_ok;                 /* false: plugstack.conf was bad */
	char config_error[NIX_ERR_MAX + 32];
	struct nix_request req;         /* filled by the option callbacks */
	bool options_used;
	char env_error[NIX_ERR_MAX];    /* a bad SLURM_NIX_* variable */
	/* slurmstepd, per task: */
	pid_t stepd_pid;                /* slurmstepd's own (init), not a clone's */
	bool view_from_stepd;           /* found pinned before the fork, for all */
	struct nix_share share;         /* the step's tasks pass the view */
	struct nix_ns ns;               /* the view to join, if any */
	bool joined_as_root;            /* a view without a user namespace, joined */
	char profile[NIX_LIST_ARG_MAX]; /* the view's --nix-profile, resolved */
	char writer[320];               /* --nix-writable: "job J on node N" */
	char mountpoint[PATH_MAX];      /* where the view shows the store */
	char hide[NIX_ARG_MAX];         /* what the view hides (for messages) */
	char task_error[NIX_ERR_MAX * 2]; /* reported by task_init */
	char task_warning[NIX_ERR_MAX * 2]; /* printed by task 0, not a failure */
};

extern struct plugin nix_plugin;

/* options.c */
int nix_options_register(spank_t sp);
void nix_options_from_job_env(spank_t sp);
void nix_options_from_prolog_env(void);
void nix_options_from_user_env(bool before_options);
const char *nix_options_env_hint(const char *msg);
int nix_options_export(spank_t sp);

/* client.c: srun, sbatch, salloc */
int nix_client_check(spank_t sp);

/* task.c: slurmstepd */
struct nix_job_user;
struct nix_task_job;
/* After a view was found or built for tj, slurmd's log lines for an
 * admin: the userns=auto fallback (once per node) and the view built
 * (where: "" in a step, " in=prolog" in the job prolog). */
void nix_log_view_acquired(const struct nix_task_job *tj, const struct nix_job_user *u,
			   const char *node, const struct nix_view *view, int64_t started_ms,
			   const char *where);
int nix_step_begin(spank_t sp);
int nix_task_prepare(spank_t sp);
int nix_task_enter(spank_t sp);
void nix_task_release(void);

/* node.c: slurmd's prolog and epilog */
int nix_node_job_start(spank_t sp);
/* prolog.c: build_in_prolog=yes */
void nix_prolog_build_view(spank_t sp);
int nix_node_job_end(spank_t sp);
int nix_node_name(char *out, size_t len);

/* Parse the plugstack arguments into nix_plugin.cfg, logging a bad one. */
void nix_plugin_configure(int ac, char **av);

#endif
