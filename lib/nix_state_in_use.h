/* Is a job still in use on this host? The namespaces its pins hold, and
 * every user and mount namespace a process on the host is in or holds an
 * fd of, as sets of inode numbers: the sweep removes the jobs whose pinned
 * namespaces nobody uses, and the admin command lists which are. */
#ifndef SPANK_NIX_STATE_IN_USE_H
#define SPANK_NIX_STATE_IN_USE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct ino_set {
	ino_t *v;
	size_t n, cap;
	bool failed; /* out of memory: the set is incomplete */
};

/* Is ino in the set (sorted, as nix_namespaces_in_use leaves it)? */
bool nix_ino_set_has(const struct ino_set *set, ino_t ino);

/* Add the namespaces the pins of the job directory hold to out. */
void nix_state_pinned_namespaces(const char *job, struct ino_set *out);

/* Every user and mount namespace in use on this host, sorted; -1 if /proc
 * cannot be read or memory ran out (then every job counts as alive). */
int nix_namespaces_in_use(struct ino_set *out);

#endif
