/* The user's options. Registered with spank_option_register() (a static
 * spank_options table is ignored by sbatch and salloc). Slurm may call a
 * callback more than once - from the environment an sbatch job passes to
 * its sruns, then from the command line - so each one just overwrites:
 * the last writer wins, and an srun option overrides its job's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"

static int set_store(int val, const char *optarg, int remote)
{
	(void)val;
	(void)remote;
	/* Checked later, where the user's home is known: srun/sbatch check
	 * it in init_post_opt, the node in task_init_privileged. */
	snprintf(nix_plugin.req.store, sizeof(nix_plugin.req.store), "%s",
		 optarg ? optarg : "");
	nix_plugin.req.store_given = true;
	nix_plugin.options_used = true;
	return 0;
}

static int set_writable(int val, const char *optarg, int remote)
{
	(void)val;
	(void)optarg;
	(void)remote;
	nix_plugin.req.writable = true;
	nix_plugin.options_used = true;
	return 0;
}

static int set_closure(int val, const char *optarg, int remote)
{
	(void)val;
	(void)remote;
	snprintf(nix_plugin.req.closure, sizeof(nix_plugin.req.closure), "%s",
		 optarg ? optarg : "");
	nix_plugin.req.closure_given = true;
	nix_plugin.options_used = true;
	return 0;
}

static int set_profile(int val, const char *optarg, int remote)
{
	(void)val;
	(void)remote;
	snprintf(nix_plugin.req.profile, sizeof(nix_plugin.req.profile), "%s",
		 optarg ? optarg : "");
	nix_plugin.options_used = true;
	return 0;
}

static int set_hide(int val, const char *optarg, int remote)
{
	(void)val;
	(void)remote;
	snprintf(nix_plugin.req.hide, sizeof(nix_plugin.req.hide), "%s",
		 optarg && *optarg ? optarg : "none");
	nix_plugin.options_used = true;
	return 0;
}

static struct spank_option options[] = {
	{
		"nix-store", "DIR",
		"[nix] Show the Nix store in DIR (holding store/ and var/nix/db, "
		"as made by `nix --store DIR`) at /nix for every task, read-only. "
		"DIR=none: no store, even the site's default.",
		1, 0, set_store,
	},
	{
		"nix-writable", NULL,
		"[nix] Mount the --nix-store read-write, to build or install "
		"into it (one-node jobs: a Nix database must not be shared).",
		0, 0, set_writable,
	},
	{
		"nix-closure", "SPEC[,SPEC...]",
		"[nix] Show only these closures under /nix/store, read-only (and "
		"not the store's var/). SPEC: a store path, a `nix-store -qR` list "
		"file, or a closureInfo directory.",
		1, 0, set_closure,
	},
	{
		"nix-profile", "PATH[,PATH...]",
		"[nix] Put PATH/bin at the front of the tasks' PATH (a store path "
		"or a profile such as ~/.nix-profile), first PATH first.",
		1, 0, set_profile,
	},
	{
		"nix-hide", "PATH[,PATH...]",
		"[nix] Hide these host directories (e.g. /usr,/opt) behind empty "
		"read-only ones, so that only the store's software runs. "
		"none: hide nothing, not even the site's default.",
		1, 0, set_hide,
	},
};

int nix_options_register(spank_t sp)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		spank_err_t rc = spank_option_register(sp, &options[i]);

		if (rc != ESPANK_SUCCESS) {
			slurm_error("nix: cannot register --%s: %s", options[i].name,
				    spank_strerror(rc));
			return -1;
		}
	}
	return 0;
}

/* The batch step gets options only through its environment, and
 * --export=NONE drops all but the SLURM_SPANK_ copies: read those. */
void nix_options_from_job_env(spank_t sp)
{
	static char big[NIX_LIST_ARG_MAX];
	char buf[NIX_ARG_MAX];

	if (nix_plugin.options_used)
		return;
	if (spank_getenv(sp, "SLURM_SPANK__SLURM_SPANK_OPTION_nix_nix_store",
			 buf, sizeof(buf)) == ESPANK_SUCCESS)
		set_store(0, buf, 1);
	if (spank_getenv(sp, "SLURM_SPANK__SLURM_SPANK_OPTION_nix_nix_writable",
			 buf, sizeof(buf)) == ESPANK_SUCCESS)
		set_writable(0, NULL, 1);
	if (spank_getenv(sp, "SLURM_SPANK__SLURM_SPANK_OPTION_nix_nix_closure",
			 big, sizeof(big)) == ESPANK_SUCCESS)
		set_closure(0, big, 1);
	if (spank_getenv(sp, "SLURM_SPANK__SLURM_SPANK_OPTION_nix_nix_profile",
			 big, sizeof(big)) == ESPANK_SUCCESS)
		set_profile(0, big, 1);
	if (spank_getenv(sp, "SLURM_SPANK__SLURM_SPANK_OPTION_nix_nix_hide",
			 buf, sizeof(buf)) == ESPANK_SUCCESS)
		set_hide(0, buf, 1);
}
