/* srun, sbatch and salloc: check what we can before the job is queued. The
 * process runs as the user, so the store is opened with the user's own
 * rights. The login node may not see the compute nodes' file systems: the
 * node checks again, and an admin can turn this check off. */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "closure_view.h"
#include "nix_profile.h"
#include "nix_image.h"
#include "nix_store.h"
#include "plugin.h"

/* The closures must resolve in the store. The node computes them once per
 * job; here only what the SPECs name is checked, and not at all for an srun
 * that inherits its allocation's --nix-closure unchanged (checked already,
 * when the allocation was submitted). */
static int check_closure(const struct nix_view *view, const struct nix_store *store)
{
	struct nix_err err;
	char store_dir[PATH_MAX + 8], q[NIX_QUOTE_MAX];

	if (!view->closure[0])
		return 0;
	if (spank_context() == S_CTX_LOCAL && getenv("SLURM_JOB_ID") &&
	    nix_plugin.req.inherited[NIX_OPT_CLOSURE])
		return 0;
	nix_view_store_dir(view, store_dir, sizeof(store_dir));
	if (closure_view_check(store, store_dir, view->closure, &err) < 0) {
		slurm_error("nix: --nix-closure=%s: %s%s", nix_quote(nix_plugin.req.closure, q), err.msg,
			    nix_options_env_hint("--nix-closure="));
		return -1;
	}
	return 0;
}

/* A writable store is for one-node jobs: an srun in a bigger allocation is
 * refused before it starts (the node checks again, per job). */
static int check_writable(const struct nix_view *view)
{
	const char *nodes = getenv("SLURM_JOB_NUM_NODES");

	if (!view->writable || spank_context() != S_CTX_LOCAL || !getenv("SLURM_JOB_ID") ||
	    !nodes || strtoul(nodes, NULL, 10) <= 1)
		return 0;
	slurm_error("nix: --nix-writable: a writable store is for one-node jobs "
		    "(its database must not be shared); job %s has %s nodes",
		    getenv("SLURM_JOB_ID"), nodes);
	return -1;
}

/* The site's default store cannot be used (why): the job runs without
 * /nix, but what the user asked of a store fails now rather than being
 * dropped silently. A user without the store at all is told nothing. */
static int default_store_unusable(const struct nix_view *view, const char *why)
{
	char opt[NIX_QUOTE_MAX + 32], q[sizeof(view->origin)];
	struct stat st;

	nix_escape(view->origin, q, sizeof(q)); /* one line, whatever it holds */
	if (nix_request_needs_store(&nix_plugin.req, opt, sizeof(opt))) {
		slurm_error("nix: %s: needs a store, and the site's %s cannot be used: %s "
			    "(give --nix-store=DIR)", opt, q, why);
		return -1;
	}
	/* srun's tasks say it on the job's stderr (the node may see more) */
	if (lstat(view->store, &st) == 0 && spank_context() == S_CTX_ALLOCATOR)
		slurm_info("nix: warning: %s: %s; the job runs without %s", q, why,
			   view->mountpoint);
	return 0;
}

/* A path to hide that this host does not have will fail the job on a
 * node that does not have it either: say so now (the login node may
 * differ from the nodes, so a warning). */
static void warn_missing_hidden(const struct nix_view *view)
{
	char dir[PATH_MAX], q[NIX_QUOTE_MAX], qh[NIX_QUOTE_MAX], cwd[PATH_MAX];
	struct stat st;

	/* The steps start in this directory (unless --chdir says otherwise,
	 * which a plugin cannot see): hidden, they cannot. */
	if (getcwd(cwd, sizeof(cwd)) && nix_hide_covers(view->hide, cwd, dir, sizeof(dir)))
		slurm_info("nix: warning: --nix-hide: the working directory %s is in the hidden %s; "
			   "the job's steps cannot use it (start them elsewhere: srun --chdir=DIR)",
			   nix_quote(cwd, q), nix_quote(dir, qh));

	for (const char *p = view->hide; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
		snprintf(dir, sizeof(dir), "%.*s", (int)strcspn(p, ","), p);
		if (stat(dir, &st) < 0 && errno == ENOENT)
			slurm_info("nix: warning: --nix-hide: %s does not exist on this host; "
				   "the job fails on a node without it", nix_quote(dir, q));
	}
}

/* --nix-store=IMAGE: the file as the node will see it (the user's, a
 * squashfs superblock that fits it), and images allowed on this cluster.
 * What is inside (a closure, profiles) only the node sees, mounted (so a
 * profile under --nix-closure, resolved before the view, is refused).
 * Returns 0 for a directory store (checked as one), 1 for a good image,
 * -1 with the error line said. */
static int check_image(const struct nix_view *view)
{
	struct nix_err err;
	char origin[sizeof(view->origin)];
	int fd, rc = nix_image_open(view->store, getuid(), &fd, &err);

	if (rc == 0)
		return 0;
	if (fd >= 0)
		close(fd);
	if (rc > 0 && nix_plugin.cfg.squashfs == NIX_SQUASHFS_OFF) {
		nix_err_set(&err, "is a file: squashfs images are turned off on this cluster "
			    "(plugstack.conf squashfs=off); give a store directory");
		rc = -1;
	}
	if (rc > 0)
		return 1;
	if (!nix_plugin.req.store_given)
		return default_store_unusable(view, err.msg) < 0 ? -1 : 1;
	nix_escape(view->origin, origin, sizeof(origin)); /* one line, whatever it holds */
	slurm_error("nix: %s: %s%s", origin, err.msg, nix_options_env_hint(origin));
	return -1;
}

int nix_client_check(spank_t sp)
{
	struct nix_view view;
	struct nix_store store;
	struct nix_err err;
	struct passwd *pw;
	char q[NIX_QUOTE_MAX];
	int rc;

	(void)sp;
	if (nix_plugin.env_error[0]) {
		slurm_error("nix: %s", nix_plugin.env_error);
		return -1;
	}
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
		slurm_error("nix: %s%s", err.msg, nix_options_env_hint(err.msg));
		return -1;
	}
	if (rc == 1 && check_writable(&view) < 0)
		return -1;
	if (rc == 0 || !nix_plugin.cfg.check_on_submit)
		return 0;
	rc = check_image(&view);
	if (rc > 0 && nix_view_profiles_image_refused(&view, &err) < 0) {
		slurm_error("nix: %s%s", err.msg, nix_options_env_hint("--nix-profile="));
		return -1;
	}
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (nix_store_open(view.store, nix_view_store_owner(&view, getuid()), &store, &err) < 0) {
		/* A default the user never asked for must not stop a job. */
		if (!nix_plugin.req.store_given)
			return default_store_unusable(&view, err.msg);
		char origin[sizeof(view.origin)];

		nix_escape(view.origin, origin, sizeof(origin)); /* one line, whatever it holds */
		slurm_error("nix: %s: %s%s", origin, err.msg, nix_options_env_hint(origin));
		return -1;
	}
	warn_missing_hidden(&view);
	rc = check_closure(&view, &store);
	if (rc == 0 && nix_store_check_profiles(&store, view.mountpoint, view.profile, &err) < 0) {
		slurm_error("nix: --nix-profile=%s: %s", nix_quote(nix_plugin.req.profile, q), err.msg);
		rc = -1;
	}
	/* under --nix-closure, what the node will do: the profile's links
	 * lead to a store path of this store, which joins the closure */
	if (rc == 0 && nix_view_resolve_profiles(&store, &view, &err) < 0) {
		slurm_error("nix: %s%s", err.msg, nix_options_env_hint("--nix-profile="));
		rc = -1;
	}
	nix_store_close(&store);
	return rc;
}
