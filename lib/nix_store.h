/* Opening a user's store directory safely. Must run with the job user's
 * credentials: the kernel then applies the user's own permissions (a
 * root-squashed NFS home, a directory of someone else), and every component
 * is opened with O_NOFOLLOW so no symlink can redirect the mount. The
 * resulting O_PATH fds are what gets mounted, never the path string. */
#ifndef SPANK_NIX_STORE_H
#define SPANK_NIX_STORE_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "nix_error.h"
#include "path_walk.h"

struct nix_store {
	int root_fd;  /* O_PATH fd of DIR (holds store/ and usually var/) */
	int store_fd; /* O_PATH fd of DIR/store */
	bool has_db;  /* DIR/var/nix/db/db.sqlite exists */
	char real[PATH_MAX]; /* DIR as opened: root's symlinks resolved */
};

#define NIX_STORE_INIT { .root_fd = -1, .store_fd = -1, .has_db = false }

/* Open and check a normalized absolute path as the current user; uid must
 * own DIR and DIR/store: the job's user, or root for a site store
 * (nix_view_store_owner). On error, err says why in words
 * a user can act on ("does not exist", "is group- or world-writable", ...). */
int nix_store_open(const char *path, uid_t uid, struct nix_store *store,
		   struct nix_err *err);

void nix_store_close(struct nix_store *store);

/* Open the store's real path and its store/ again (after joining another
 * mount namespace) and replace the fds, failing unless they are the same
 * directories. path is not used: store->real, without symlinks, is. */
int nix_store_reopen(const char *path, struct nix_store *store,
		     struct nix_err *err);

/* --nix-profile's paths (comma-separated, normalized) must exist, as the
 * user sees them: those below mountpoint in the store's directory, the
 * others on this host. Symlinks are not followed. Only ENOENT is an error
 * ("/nix/store/x does not exist in the store"): the node checks again. */
int nix_store_check_profiles(const struct nix_store *store, const char *mountpoint,
			     const char *profiles, struct nix_err *err);

#endif
