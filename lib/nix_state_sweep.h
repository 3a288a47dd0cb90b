/* The prolog's sweep of a node's state directory: the directories of
 * jobs that are dead. */
#ifndef SPANK_NIX_STATE_SWEEP_H
#define SPANK_NIX_STATE_SWEEP_H

#include "nix_error.h"

/* Remove the directories of dead jobs: of another boot, without an owner
 * record (a creator killed half-way), or whose namespaces no process on
 * the host is in or holds (a job that ended while slurmd was down, so its
 * epilog never ran). A directory whose lock is held is left alone.
 * Returns how many were removed. */
int nix_state_sweep_node(const char *state_dir, const char *node,
			 struct nix_err *err);

#endif
