/* A set of store paths: sorted (strcmp), unique. */
#ifndef SPANK_NIX_PATH_SET_H
#define SPANK_NIX_PATH_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CLOSURE_PATHS_MAX 1000000        /* store paths per list / closure */

/* Zero-initialise. */
struct nix_path_set {
	char **paths;
	size_t len;
	size_t cap;
};

void nix_path_set_free(struct nix_path_set *set);
/* Insert a copy of path, keeping the set sorted and unique (adding a path
 * already there is a no-op).  No validation.  Appending in sorted order is
 * O(1).  Returns 0, or -1 with errno set (ENOMEM). */
int nix_path_set_add(struct nix_path_set *set, const char *path);
bool nix_path_set_contains(const struct nix_path_set *set, const char *path);
/* The index of path in the set, or -1. */
ssize_t nix_path_set_index(const struct nix_path_set *set, const char *path);

/* Building a set in bulk: push unsorted, then normalise once. */
/* Append a copy of p[0..len), unsorted.  Skips an exact repeat of the last
 * element (cheap dedup of repeated lines). */
int ps_push(struct nix_path_set *s, const char *p, size_t len);
/* Sort and drop duplicates. */
void ps_normalize(struct nix_path_set *s);
/* Move all of src into dst (both sorted/unique), src ends empty.  On
 * failure both are unchanged. */
int ps_merge(struct nix_path_set *dst, struct nix_path_set *src);

#endif
