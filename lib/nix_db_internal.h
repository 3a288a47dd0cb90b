/* Between nix_db.c (opening the database, looking paths up) and
 * nix_db_closure.c (closures): what the second needs of the first. Not
 * for callers of nix_db.h. */
#ifndef SPANK_NIX_DB_INTERNAL_H
#define SPANK_NIX_DB_INTERNAL_H

#include "nix_db.h"

/* Start a query's wall-time limit (CLOSURE_DB_TIMEOUT_MS). */
void db_arm(struct db *d);
/* err from SQLite's last error on d, "what" failed; returns -1. */
int db_fail(struct db *d, struct nix_err *err, const char *what);
/* Path -> id with st ("SELECT id FROM ValidPaths WHERE path = ?1"):
 * 1 found, 0 not, -1 error. */
int db_lookup(struct db *d, sqlite3_stmt *st, const char *path, sqlite3_int64 *id,
	      struct nix_err *err);
/* sqlite3_exec without rows; -1 (err) on failure. */
int db_exec(struct db *d, const char *sql, struct nix_err *err);

#endif
