/* Site configuration: the plugstack.conf arguments an admin gives the plugin,
 *   required spank_nix.so mountpoint=/nix state_dir=/run/spank-nix ...
 * parsed once per process into plain data. */
#ifndef SPANK_NIX_CONFIG_H
#define SPANK_NIX_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "nix_error.h"

#define NIX_MAX_ALLOWED_STORES 16
#define NIX_MAX_SITE_STORES 16

/* Whether a view gets a user namespace (userns=): always (the kernel must
 * allow unprivileged ones), never (root builds the view in a mount namespace
 * of the initial user namespace), auto (always, and never where the kernel
 * refuses a user namespace). */
enum nix_userns_mode { NIX_USERNS_AUTO, NIX_USERNS_ALWAYS, NIX_USERNS_NEVER };

struct nix_config {
	char mountpoint[PATH_MAX];    /* where the store appears; "/nix" */
	char state_dir[PATH_MAX];     /* root-only pins and locks; "/run/spank-nix" */
	char default_store[PATH_MAX]; /* used when a job names no store; "" = none */
	char allowed_stores[NIX_MAX_ALLOWED_STORES][PATH_MAX]; /* path prefixes */
	int n_allowed_stores;         /* 0 = any directory the user owns */
	/* Root's stores any user may select, read-only (site_stores=). */
	char site_stores[NIX_MAX_SITE_STORES][PATH_MAX]; /* normalized, absolute */
	int n_site_stores;
	bool allow_writable;          /* may users ask for --nix-writable? */
	bool check_on_submit;         /* validate --nix-store in srun/sbatch too */
	/* Build the view a job declares at sbatch/salloc in slurmd's job
	 * prolog (build_in_prolog=yes), so that its first step finds it. */
	bool build_in_prolog;
	char hide_default[PATH_MAX];  /* host paths hidden by default, "a,b" */
	int create_timeout_s;         /* bound on building one namespace */
	int max_views;                /* views (mount namespaces) per job per node */
	char gpu_libs[PATH_MAX * 2];  /* auto, none or PATH[,PATH...] (gpu_libs.h) */
	char gpu_ld_cache[PATH_MAX];  /* ldconfig's cache, for gpu_libs=auto */
	enum nix_userns_mode userns;  /* userns=auto|always|never; "auto" */
	int squashfs;                 /* --nix-store=IMAGE: enum nix_squashfs (nix_image.h) */
};

void nix_config_defaults(struct nix_config *cfg);

/* "auto", "always" or "never". */
const char *nix_userns_mode_name(enum nix_userns_mode mode);

/* Parse "key=value" arguments over the defaults. An unknown key or a bad
 * value is an error naming the argument. */
int nix_config_parse(struct nix_config *cfg, int argc, char **argv,
		     struct nix_err *err);

/* Is the (normalized, absolute) store path inside an allowed prefix? The
 * prefixes may use %h and %u, expanded with the job user's home and name. */
/* The allowed prefixes for a message, expanded for this user:
 * "/home/ann, /scratch/ann" (cut to outlen). */
void nix_config_allowed_list(const struct nix_config *cfg, const char *home,
			     const char *user, char *out, size_t outlen);

bool nix_config_store_allowed(const struct nix_config *cfg, const char *path,
			      const char *home, const char *user);

/* Is the (normalized, absolute) store path one of the site's stores? Only
 * the exact directory counts, not a path below it. */
bool nix_config_is_site_store(const struct nix_config *cfg, const char *path);

#endif
