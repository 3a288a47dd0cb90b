/* Opening a path the job's user gave, component by component with
 * O_PATH|O_NOFOLLOW (lib/path_walk.c): used for stores, images and
 * profiles alike. */
#ifndef SPANK_NIX_PATH_WALK_H
#define SPANK_NIX_PATH_WALK_H

#include <stdbool.h>

#include "nix_error.h"

/* Open path component by component with O_PATH|O_NOFOLLOW. A symlink is
 * followed only when no user but root could change it (root's link in
 * root's directory that nobody else may write, or under the sticky bit):
 * sites reach homes through /home -> /gpfs/home. Returns an O_PATH fd or -1
 * with err set ("/a/b is a symlink a user could change ...", ...). */
int nix_open_nofollow(const char *path, struct nix_err *err);

/* The same walk; root's links followed only when follow_roots; real, if
 * not NULL (PATH_MAX bytes), gets the path walked: no symlink in it. */
int nix_open_walk(const char *path, bool follow_roots, char *real,
		  struct nix_err *err);

/* err says why opening sofar failed with errno e, in words a user can act
 * on ("does not exist", ...); returns -1. */
int nix_explain_open_errno(struct nix_err *err, int e, const char *sofar);

#endif
