/* One writer per Nix store: a writable view's tasks hold Nix's own
 * var/nix/db/big-lock shared, as every Nix process does, and the first
 * task of a job on a node only starts when nobody else holds it at all.
 * So two jobs (or two nodes of one job) never write one store at once,
 * while Nix inside the job still gets its shared lock.
 *
 * Which job owns the store is written in var/nix/db/spank-nix.lock, which
 * also serializes the check (flock, held for a moment). Everything runs as
 * the job's user: these are the user's files. */
#ifndef SPANK_NIX_DB_LOCK_H
#define SPANK_NIX_DB_LOCK_H

#include "nix_error.h"

/* In the store directory dir (e.g. "/nix" inside the view), take big-lock
 * shared for owner ("job 12 on node n1"), creating var/nix/db if missing.
 * Returns the fd holding the lock (not close-on-exec: the task keeps it
 * until it exits), or -1 with err set, e.g. "the store is in use by job 11
 * on node n2 (or by a nix process)". */
int nix_db_lock_writable(const char *dir, const char *owner, struct nix_err *err);

#endif
