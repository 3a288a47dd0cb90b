/* The lifecycle of a view's namespaces.
 *
 * create:  a forked helper builds the view (nix_ns_helper.h, mount_plan.h)
 *          and the caller, root, pins the helper's mount namespace by
 *          bind-mounting /proc/<helper>/ns/mnt onto a file in the state
 *          dir. Only the mount namespace is pinned: it holds its user
 *          namespace, while a pinned user namespace file would be copied
 *          into every mount namespace made later and keep old jobs alive.
 *          The first view of a job gets a new user namespace, created by the
 *          helper *as the job user* (so the user's tasks may join it) with
 *          the user's uid and gids mapped to themselves (PMIx checks the ids
 *          a client reports); later views join that same user namespace, so
 *          MPI's single-copy transfers work between all of them.
 *          Without a user namespace (userns=never, or auto where the kernel
 *          refuses one) root builds the view in a mount namespace of the
 *          initial user namespace, from the handles the user opened, and
 *          the tasks join it while they are still root.
 * open:    from a pin, recover the mount and user namespace fds and check the
 *          user namespace belongs to the job user.
 * join:    what a task does: setns(user), setns(mnt), back to its cwd
 *          (a view without a user namespace: setns(mnt) only, as root).
 *
 * Callers must be single-threaded where they fork or setns (the kernel
 * refuses setns and unshare(CLONE_NEWUSER) in a multithreaded process). */
#ifndef SPANK_NIX_NAMESPACE_H
#define SPANK_NIX_NAMESPACE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "nix_config.h"
#include "nix_credentials.h" /* struct nix_ids, nix_after_id_change */
#include "nix_error.h"
#include "nix_request.h"

struct nix_ns {
	int user_fd;
	int mnt_fd;
	/* The view has no user namespace of its own (user_fd is the caller's,
	 * the initial one): only root can join it. */
	bool no_userns;
};

#define NIX_NS_INIT { .user_fd = -1, .mnt_fd = -1, .no_userns = false }

struct nix_ns_request {
	const struct nix_view *view;
	const struct nix_ids *ids;
	const char *state_dir;
	int join_userns_fd;  /* -1: make a new user namespace (if userns allows) */
	enum nix_userns_mode userns; /* the site's userns= for a new view */
	int base_mntns_fd;   /* mount namespace the view copies; -1: ours */
	const char *const *keep; /* paths --nix-hide must leave reachable */
	int nkeep;
	int64_t deadline_ms;     /* nix_clock_ms(): helper killed past it */
	const char *pin_path;
	size_t *npaths; /* out, may be NULL: the paths a closure view shows */
	/* GPU driver libraries for /run/opengl-driver/lib: the site's
	 * gpu_libs= and gpu_ld_cache= (gpu_libs.h); NULL: none. */
	const char *gpu_libs;
	const char *gpu_ld_cache;
	/* out, may be NULL: the errno with which the kernel refused a user
	 * namespace when userns=auto fell back to none; 0 otherwise */
	int *userns_refused;
	int squashfs; /* --nix-store=IMAGE: enum nix_squashfs (nix_image.h) */
};

/* Build a view and pin it at req->pin_path (created here). Must run as
 * root. err reads "<view origin>: reason" for a user's mistake. */
int nix_ns_create(const struct nix_ns_request *req, struct nix_err *err);

/* A view from its mount namespace fd (taken over, closed on error): its
 * user namespace, which must be uid's, or the caller's own (a view built
 * without one: no_userns). 1, or -1 with err naming `what`. */
int nix_ns_from_mnt(int mnt_fd, uid_t uid, const char *what, struct nix_ns *ns,
		    struct nix_err *err);

/* Open a pinned view. Returns 1 with ns filled, 0 if pin_path is missing or
 * pins nothing, -1 on error (e.g. a namespace of another user). */
int nix_ns_open_pin(const char *pin_path, uid_t uid, struct nix_ns *ns,
		    struct nix_err *err);

/* Enter the namespaces and go to dir when given and reachable there, else
 * return to the current directory. */
int nix_ns_join(const struct nix_ns *ns, const char *dir, struct nix_err *err);

void nix_ns_close(struct nix_ns *ns);

#endif
