/* The site's plugstack.conf arguments. A bad one turns the plugin off and
 * says so in the daemon's log; users who ask for a store are told why. */
#include <stdio.h>

#include "plugin.h"

void nix_plugin_configure(int ac, char **av)
{
	struct nix_err err;

	nix_config_defaults(&nix_plugin.cfg);
	nix_plugin.config_ok = nix_config_parse(&nix_plugin.cfg, ac, av, &err) == 0;
	if (nix_plugin.config_ok)
		return;
	snprintf(nix_plugin.config_error, sizeof(nix_plugin.config_error),
		 "plugstack.conf: %s", err.msg);
	switch (spank_context()) {
	case S_CTX_LOCAL:
	case S_CTX_ALLOCATOR:
		break; /* users hear of it only if they use the plugin */
	default:
		slurm_error("nix: %s; spank-nix is off", nix_plugin.config_error);
	}
}
