/* The state directory as the admin command (spank-nix-admin) lists it. */
#ifndef SPANK_NIX_STATE_LIST_H
#define SPANK_NIX_STATE_LIST_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "nix_error.h"

/* What the admin command lists: a job's directory on a node, its owner
 * record and views. Read-only: nothing is locked or changed. */
#define NIX_STATE_LIST_VIEWS 64

struct nix_state_view {
	char key[17];
	bool pinned;          /* the .mnt file holds a mount namespace */
	bool closure;         /* a --nix-closure view */
	char writable[4];     /* "1" or "0" */
	char store[PATH_MAX];
	char hide[256];       /* cut */
};

struct nix_state_job {
	char node[NAME_MAX + 1];
	char path[PATH_MAX + NAME_MAX + 2];
	uint32_t jobid;
	bool has_owner;       /* an owner record: uid= boot= */
	uid_t uid;
	bool this_boot;
	time_t since;         /* when the first view was started (the owner record) */
	int in_use;           /* 1: a process is in or holds its namespaces; 0: none; -1: unknown */
	int nviews;
	struct nix_state_view views[NIX_STATE_LIST_VIEWS];
};

typedef void (*nix_state_list_cb)(const struct nix_state_job *job, void *arg);

/* Call cb for each job directory of each node under state_dir. */
int nix_state_list(const char *state_dir, nix_state_list_cb cb, void *arg,
		   struct nix_err *err);

#endif
