/* --nix-closure, the Slurm-free part: resolve parsed SPECs (closure_spec.h)
 * into a closure, from `nix-store -qR` lists and closureInfo directories and
 * from the store's Nix DB (nix_db.h).  Includes the headers of the parts, so
 * callers need only this one.
 *
 * Every function here treats its input as hostile (it comes from the user):
 * lengths and counts are capped, bytes are checked, and error lines quote
 * user text escaped (printable ASCII only) and truncated.  Errors follow
 * lib/nix_error.h: one line in *err, return -1. */
#ifndef SPANK_NIX_CLOSURE_H
#define SPANK_NIX_CLOSURE_H

#include <stdbool.h>
#include <stddef.h>

#include "closure_spec.h"   /* SPECs, list files, closureInfo dirs */
#include "nix_db.h"         /* the Nix database */
#include "nix_error.h"
#include "path_set.h"       /* struct nix_path_set */
#include "store_path.h"     /* store-path syntax */

/* Resolve specs into the union of their closures: store paths through the
 * DB at <store_root>/var/nix/db/db.sqlite; list files and closureInfo dirs
 * (opened with open(O_RDONLY|O_NOFOLLOW|O_NONBLOCK|O_CLOEXEC), so the
 * caller must run as the user; kind decided by fstat) taken as they are,
 * each path checked to be valid in the DB.  store_root_fd: an
 * O_PATH|O_DIRECTORY fd of the user's store root (holding store/ and
 * var/nix/db/db.sqlite).  Errors start with the SPEC they concern.  Adds to
 * *out; on error *out is unchanged. */
int closure_resolve(int store_root_fd, const char *store_dir,
		    const struct closure_spec_list *specs,
		    struct nix_path_set *out, struct nix_err *err);

/* A closure to walk: the SPECs read and checked (as the user: list files,
 * links), the store's database open. Zeroed by closure_walk_close. */
struct closure_walk {
	struct db d;
	int has_db;
	struct nix_path_set roots;   /* store paths, their closure still to walk */
	struct nix_path_set listed;  /* paths of lists: closures already, checked */
};

/* Read specs for closure_walk_each: the part of closure_resolve that opens
 * the user's files. Errors as closure_resolve's. */
int closure_walk_open(int store_root_fd, const char *store_dir,
		      const struct closure_spec_list *specs, struct closure_walk *w,
		      struct nix_err *err);

/* Each path of the closure to fn, as soon as it is known (the listed
 * paths, then the roots' closure as the database yields it): a path may
 * come more than once. Reads only the database, which w holds open: it
 * may run in a process forked after closure_walk_open. fn's nonzero
 * return stops the walk (-1, fn's err kept). */
int closure_walk_each(struct closure_walk *w,
		      int (*fn)(void *ctx, const char *path, struct nix_err *err),
		      void *ctx, struct nix_err *err);

void closure_walk_close(struct closure_walk *w);

/* What srun checks before a job is queued, without the cost of the whole
 * closure: the SPECs resolve and every path named is valid in the DB (the
 * node computes the closure once, when it builds the view). */
int closure_check(int store_root_fd, const char *store_dir,
		  const struct closure_spec_list *specs, struct nix_err *err);

#endif
