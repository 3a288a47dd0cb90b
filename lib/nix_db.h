/* The Nix database (var/nix/db/db.sqlite), read-only: which paths are
 * valid, and the closure of store paths over Refs.  The file is the
 * user's: its schema is not trusted, each query has a wall-time limit,
 * paths read from it are validated.  Errors follow lib/nix_error.h.
 * Opening and lookups: nix_db.c; closures: nix_db_closure.c. */
#ifndef SPANK_NIX_DB_H
#define SPANK_NIX_DB_H

#include <stdbool.h>
#include <time.h>

#include <sqlite3.h>

#include "nix_error.h"
#include "path_set.h"
#include "store_path.h"

#define CLOSURE_DB_TIMEOUT_MS 10000      /* wall time per DB query */

/* An open database; zero-initialise (db_close of a zeroed one is a no-op). */
struct db {
	sqlite3 *h;
	const char *name;       /* for errors */
	struct timespec deadline;
	size_t scan_min;        /* db_closure reads all of Refs from this many
				 * paths on (DB_SCAN_MIN; SIZE_MAX never) */
	/* When set, db_closure hands each path (checked) to emit as soon as
	 * the DB yields it, and adds nothing to its out set: a path may then
	 * come more than once; a nonzero return stops it (-1, err kept). */
	int (*emit)(void *ctx, const char *path, struct nix_err *err);
	void *emit_ctx;
	bool scanning;          /* db_closure reads all of Refs: the closure
				 * is a quarter of the DB's paths or more */
};

#define DB_SCAN_MIN 256

/* Open db_path (absolute; a path the caller guarantees is safe to open,
 * e.g. /proc/self/fd/N/...) read-only as "file:<db_path>?immutable=1&mode=ro",
 * through a VFS that does not resolve symlinks itself; name is used in
 * errors.  Fails unless it has the ValidPaths and Refs tables. */
int db_open(struct db *d, const char *db_path, const char *name,
	    struct nix_err *err);
void db_close(struct db *d);
/* 0 if every path is in ValidPaths, else an error naming the first one
 * (in sorted order) that is not. */
int db_check_valid(struct db *d, const struct nix_path_set *paths,
		   struct nix_err *err);
/* The closure (roots included) of roots, added to *out; see
 * closure_from_db. */
int db_closure(struct db *d, const struct nix_path_set *roots,
	       struct nix_path_set *out, struct nix_err *err);

/* The closure (roots included) of roots in the Nix DB at db_path, opened
 * read-only as "file:<db_path>?immutable=1&mode=ro" (Nix leaves the DB in
 * WAL mode; a plain read-only open fails on read-only media).  Note that
 * immutable=1 ignores a -wal file: paths registered while a Nix process
 * holds the DB open may not be seen yet.  roots: valid store paths, all in
 * one store dir (that of the first root); a root not in ValidPaths is an
 * error "<root> is not a valid path in the store".  Paths read from the DB
 * are validated too.  Adds to *out; on error *out is unchanged.
 * db_path: a path the caller guarantees is safe to open. */
int closure_from_db(const char *db_path, const struct nix_path_set *roots,
		    struct nix_path_set *out, struct nix_err *err);
/* db_check_valid on the DB at db_path. */
int closure_check_valid(const char *db_path, const struct nix_path_set *paths,
			struct nix_err *err);

#endif
