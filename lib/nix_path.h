/* Path strings as users write them: expansion of ~, %h and %u, and
 * normalization to one canonical absolute form. Pure string work: nothing
 * here touches the file system. */
#ifndef SPANK_NIX_PATH_H
#define SPANK_NIX_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include "nix_error.h"

/* Copy an absolute path to out, collapsing "//" and "/." and dropping a
 * trailing "/". Relative or empty paths and ".." components are errors:
 * a ".." could walk out of an allowed prefix. */
int nix_path_normalize(const char *in, char *out, size_t outlen,
		       struct nix_err *err);

/* Expand a leading "~" or "~/" and every "%h" to home, "%u" to user, "%%"
 * to "%", then normalize. */
int nix_path_expand(const char *in, const char *home, const char *user,
		    char *out, size_t outlen, struct nix_err *err);

/* Walk a path's components: returns the next one (not NUL-terminated) and
 * its length in *len, advancing *p past it; NULL when there are no more.
 * Runs of '/' are skipped. */
const char *nix_path_next(const char **p, size_t *len);

/* Is normalized path equal to prefix or below it ("/a/bc" is not below "/a/b")? */
bool nix_path_has_prefix(const char *path, const char *prefix);

#endif
