/* --nix-profile under --nix-closure.
 *
 * A Nix profile reaches its store path through the store's var/:
 *   ~/.nix-profile -> /nix/var/nix/profiles/per-user/ann/profile
 *                  -> profile-7-link -> /nix/store/<hash>-user-environment
 * A closure view shows /nix/store's closure paths only, so the profile's
 * links are not there. The profile is therefore resolved before the view is
 * built, and its store path joins the closure and goes on PATH.
 *
 * Resolution runs with the job user's credentials (the links are the
 * user's): every component is looked at with lstat, never followed by the
 * kernel; a link's target is read and walked in its turn, with paths below
 * the mount point looked up in the selected store's directory (what the
 * view shows there, not the host's /nix). The chain must end in a valid
 * store path of that store (or below one); one that ends outside the mount
 * point is a host directory and is left as it is. */
#ifndef SPANK_NIX_PROFILE_H
#define SPANK_NIX_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "nix_error.h"
#include "nix_namespace.h"
#include "nix_request.h"
#include "nix_store.h"

#define NIX_PROFILE_HOPS_MAX 40 /* symlinks per profile, as the kernel's ELOOP */

/* Resolve one normalized absolute path. Returns 1 with out the resolved
 * path, below "<mountpoint>/store" (store_path: its store path, may be
 * NULL); 0 with out the resolved path when the chain ends outside the
 * mount point; -1 with err ("/a/b does not exist", "... is not a store
 * path"). */
int nix_profile_resolve(int store_root_fd, const char *mountpoint, const char *path,
			char *out, size_t outlen, char *store_path, size_t splen,
			struct nix_err *err);

/* For a view with both a closure and profiles: each profile of
 * view->profile is replaced by its resolved path, and the store paths they
 * lead to are added to view->closure (checked against the store as a
 * closure SPEC would be). Views without a closure or a profile are left as
 * they are. Run as the user. err reads "--nix-profile=P: reason". */
int nix_view_resolve_profiles(const struct nix_store *store, struct nix_view *view,
			      struct nix_err *err);

/* A squashfs image's profiles cannot be resolved before its view is built
 * (it is mounted by the view's helper): with a closure and profiles, -1
 * with err "--nix-profile=P: not supported ... drop --nix-closure ...";
 * else 0. For srun's check and the node's, the same line. */
int nix_view_profiles_image_refused(const struct nix_view *view, struct nix_err *err);

/* The same from root: a child that becomes the job user (all its ids)
 * opens the store and resolves, within deadline_ms (nix_clock_ms()); it
 * is killed past it. A store that is an image: refused as
 * nix_view_profiles_image_refused says. */
int nix_view_resolve_profiles_as(const struct nix_ids *ids, struct nix_view *view,
				 int64_t deadline_ms, struct nix_err *err);

#endif
