/* From a --nix-closure argument to the entries a closure view mounts: the
 * union of the closures, each store path with its type (a mount point must
 * have the type of what is bound on it; a symlink is recreated). Runs as the
 * job user: list files and the Nix database are opened with their rights.
 *
 * closure_view_open reads the SPECs (the user's files) and opens the
 * database; the walk itself is a mount_entry_source (mount_plan.h): the
 * view's first entries are mounted while the database is still being read,
 * in the process that applies the plan or in one forked from it. */
#ifndef SPANK_NIX_CLOSURE_VIEW_H
#define SPANK_NIX_CLOSURE_VIEW_H

#include <stddef.h>

#include "closure.h"
#include "mount_plan.h"
#include "nix_error.h"
#include "nix_store.h"

struct closure_view {
	struct closure_walk walk;
	const struct nix_store *store; /* its store_fd at the time of the walk */
	size_t prefix;                 /* the store dir and '/' */
};

/* Parse spec_arg and read it as the user. store must outlive cv (its
 * fds may be reopened in between: they are read when the walk runs). */
int closure_view_open(const struct nix_store *store, const char *store_dir,
		      const char *spec_arg, struct closure_view *cv, struct nix_err *err);

/* src walks the closure: each store entry once, with its type. */
void closure_view_source(struct closure_view *cv, struct mount_entry_source *src);

void closure_view_close(struct closure_view *cv);

/* All the entries at once, sorted by name (the walk, collected). */
int closure_view_entries(const struct nix_store *store, const char *store_dir,
			 const char *spec_arg, struct host_entry **entries,
			 size_t *n, struct nix_err *err);

void closure_view_entries_free(struct host_entry *entries, size_t n);

/* Parse spec_arg and check it against the store (closure_check). */
int closure_view_check(const struct nix_store *store, const char *store_dir,
		       const char *spec_arg, struct nix_err *err);

#endif
