#include "view_plan.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>


int view_plan_host(const char *mountpoint, const char *state_dir,
		   struct mount_plan *plan, struct nix_err *err)
{
	struct host_root root;
	int rc;

	if (host_root_scan(mountpoint, &root, err) < 0)
		return -1;
	rc = mount_plan_host(&root, mountpoint, state_dir, plan, err);
	host_root_free(&root);
	return rc;
}

int view_closure_open(const struct nix_view *view, const struct nix_store *store,
		      struct closure_view *cv, char *origin, size_t origin_len,
		      struct nix_err *err)
{
	char store_dir[PATH_MAX + 8];

	nix_view_store_dir(view, store_dir, sizeof(store_dir));
	snprintf(origin, origin_len, "--nix-closure=%s", view->closure);
	return closure_view_open(store, store_dir, view->closure, cv, err);
}

int view_plan_user(const struct view_parts *parts, struct mount_plan *plan,
		   int *run_fd, struct nix_err *err)
{
	const struct nix_view *view = parts->view;
	int rc;

	*run_fd = -1;
	if (view->closure[0])
		rc = mount_plan_user_closure(parts->store->store_fd, view->mountpoint,
					     parts->closure, plan, err);
	else
		rc = mount_plan_user(parts->store->root_fd, view->mountpoint,
				     view->writable, plan, err);
	if (rc == 0)
		rc = gpu_plan_view(parts->gpu, run_fd, plan, err); /* before --nix-hide covers them */
	if (rc == 0 && view->hide[0])
		rc = mount_plan_hide(view->hide, parts->keep, parts->nkeep, plan, err);
	return rc;
}

const char *view_plan_origin(const struct nix_view *view, const struct nix_err *err)
{
	return strncmp(err->msg, "hide ", 5) ? view->origin : "--nix-hide";
}
