/* What a view contains, as mount plans of plain data (mount_plan.h): the
 * decisions of a view, apart from the namespace lifecycle that applies them
 * (nix_ns_helper.c).
 *
 * host stage - as root: the host's root as the view's mounts need it;
 * user stage - as the job user, from what was opened as the user (the
 *              resolved view): the whole store, or a closure's entries;
 *              then the GPU driver libraries; then --nix-hide on top.
 * Nothing here forks or enters a namespace: each plan can be built and
 * checked in a unit test. */
#ifndef SPANK_NIX_VIEW_PLAN_H
#define SPANK_NIX_VIEW_PLAN_H

#include <stddef.h>

#include "closure_view.h"
#include "gpu_libs.h"
#include "mount_plan.h"
#include "nix_error.h"
#include "nix_request.h"
#include "nix_store.h"

/* A view resolved as the user: its options, the store it opened, and what
 * it found there and on the node. */
struct view_parts {
	const struct nix_view *view;
	const struct nix_store *store;     /* root_fd, store_fd */
	struct mount_entry_source *closure; /* --nix-closure: its store entries */
	const struct gpu_libs *gpu;        /* n == 0: none */
	const char *const *keep;           /* what --nix-hide leaves reachable */
	int nkeep;
};

/* The host stage: scan the host's "/" and plan the root the view needs.
 * state_dir: a root-only directory to build a new root in. */
int view_plan_host(const char *mountpoint, const char *state_dir,
		   struct mount_plan *plan, struct nix_err *err);

/* The closure's SPECs, read as the user (closure_view_open): its entries
 * are read from the store as the user stage mounts them.  On error, origin
 * (origin_len bytes) names the option: "--nix-closure=<SPEC>". */
int view_closure_open(const struct nix_view *view, const struct nix_store *store,
		      struct closure_view *cv, char *origin, size_t origin_len,
		      struct nix_err *err);

/* The user stage.  *run_fd: /run, opened for the GPU libraries' plan, to be
 * closed after the plan is applied; -1 without GPU libraries. */
int view_plan_user(const struct view_parts *parts, struct mount_plan *plan,
		   int *run_fd, struct nix_err *err);

/* The option an error of the user stage (planning or applying) concerns:
 * --nix-hide for its own ops, else the view's origin. */
const char *view_plan_origin(const struct nix_view *view, const struct nix_err *err);

#endif
