/* From a --nix-closure argument to the entries a closure view mounts: the
 * union of the closures, each store path with its type (a mount point must
 * have the type of what is bound on it; a symlink is recreated). Runs as the
 * job user: list files and the Nix database are opened with their rights. */
#ifndef SPANK_NIX_CLOSURE_VIEW_H
#define SPANK_NIX_CLOSURE_VIEW_H

#include <stddef.h>

#include "mount_plan.h"
#include "nix_error.h"
#include "nix_store.h"

int closure_view_entries(const struct nix_store *store, const char *store_dir,
			 const char *spec_arg, struct host_entry **entries,
			 size_t *n, struct nix_err *err);

void closure_view_entries_free(struct host_entry *entries, size_t n);

/* Parse spec_arg and check it against the store (closure_check). */
int closure_view_check(const struct nix_store *store, const char *store_dir,
		       const char *spec_arg, struct nix_err *err);

#endif
