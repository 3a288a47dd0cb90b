/* srun, sbatch and salloc: check what we can before the job is queued. The
 * process runs as the user, so the store is opened with the user's own
 * rights. The login node may not see the compute nodes' file systems: the
 * node checks again, and an admin can turn this check off. */
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nix_store.h"
#include "plugin.h"

int nix_client_check(spank_t sp)
{
	struct nix_view view;
	struct nix_store store;
	struct nix_err err;
	struct passwd *pw;
	int rc;

	(void)sp;
	if (!nix_plugin.config_ok) {
		if (!nix_plugin.options_used)
			return 0;
		slurm_error("nix: spank-nix is disabled on this cluster: %s",
			    nix_plugin.config_error);
		return -1;
	}
	pw = getpwuid(getuid());
	rc = nix_request_resolve(&nix_plugin.cfg, &nix_plugin.req,
				 pw ? pw->pw_dir : NULL, pw ? pw->pw_name : NULL,
				 &view, &err);
	if (rc < 0) {
		slurm_error("nix: %s", err.msg);
		return -1;
	}
	if (rc == 0 || !nix_plugin.cfg.check_on_submit)
		return 0;
	if (nix_store_open(view.store, getuid(), &store, &err) < 0) {
		/* A default the user never asked for must not stop a job. */
		if (!nix_plugin.req.store_given)
			return 0;
		slurm_error("nix: %s: %s", view.origin, err.msg);
		return -1;
	}
	nix_store_close(&store);
	return 0;
}
