/* The user's options. Registered with spank_option_register() (a static
 * spank_options table is ignored by sbatch and salloc). Slurm may call a
 * callback more than once - from the environment an sbatch job passes to
 * its sruns, then from the command line - so each one just overwrites:
 * the last writer wins, and an srun option overrides its job's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"

enum option_id { OPT_STORE, OPT_WRITABLE, OPT_CLOSURE, OPT_PROFILE, OPT_HIDE };

/* Values are checked later, where the user's home is known: srun/sbatch
 * check them in init_post_opt, the node in task_init_privileged. */
static int set_option(int id, const char *optarg, int remote)
{
	struct nix_request *req = &nix_plugin.req;
	const char *arg = optarg ? optarg : "";

	(void)remote;
	switch (id) {
	case OPT_STORE:
		snprintf(req->store, sizeof(req->store), "%s", arg);
		req->store_given = true;
		break;
	case OPT_WRITABLE:
		req->writable = true;
		break;
	case OPT_CLOSURE:
		snprintf(req->closure, sizeof(req->closure), "%s", arg);
		req->closure_given = true;
		break;
	case OPT_PROFILE:
		snprintf(req->profile, sizeof(req->profile), "%s", arg);
		break;
	case OPT_HIDE:
		snprintf(req->hide, sizeof(req->hide), "%s", *arg ? arg : "none");
		break;
	}
	nix_plugin.options_used = true;
	return 0;
}

static struct spank_option options[] = {
	{
		"nix-store", "DIR",
		"[nix] The Nix store in DIR (as made by `nix --store DIR`) at "
		"/nix, read-only, for every task. none: no store.",
		1, OPT_STORE, set_option,
	},
	{
		"nix-writable", NULL,
		"[nix] The store read-write (one-node jobs only).",
		0, OPT_WRITABLE, set_option,
	},
	{
		"nix-closure", "SPEC[,SPEC...]",
		"[nix] Only these closures in /nix/store. SPEC: a store path, "
		"a `nix-store -qR` list or a closureInfo dir.",
		1, OPT_CLOSURE, set_option,
	},
	{
		"nix-profile", "PATH[,PATH...]",
		"[nix] Put PATH/bin (a store path or a profile) first "
		"in the tasks' PATH.",
		1, OPT_PROFILE, set_option,
	},
	{
		"nix-hide", "PATH[,PATH...]",
		"[nix] Hide these host directories (e.g. /usr,/opt) behind "
		"empty ones. none: hide nothing.",
		1, OPT_HIDE, set_option,
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
	static char value[NIX_LIST_ARG_MAX];
	char name[96];

	if (nix_plugin.options_used)
		return;
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		snprintf(name, sizeof(name), "SLURM_SPANK__SLURM_SPANK_OPTION_nix_%s",
			 options[i].name);
		for (char *c = name; *c; c++)
			if (*c == '-')
				*c = '_';
		if (spank_getenv(sp, name, value, sizeof(value)) == ESPANK_SUCCESS)
			set_option(options[i].val, value, 1);
	}
}
