/* Error reporting for lib/: every fallible function fills a struct nix_err
 * with one human-readable line (no "nix:" prefix, no newline) and returns -1.
 * The SPANK glue adds the "nix: --option=value: " prefix and decides where
 * the line goes (srun's stderr, the task's stderr, slurmd's log). */
#ifndef SPANK_NIX_ERROR_H
#define SPANK_NIX_ERROR_H

#include <stdarg.h>

#define NIX_ERR_MAX 512

struct nix_err {
	char msg[NIX_ERR_MAX];
};

/* Set err->msg (printf-style) and return -1, so callers can write
 * `return nix_err_set(err, "...")`. err may be NULL. */
int nix_err_set(struct nix_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Like nix_err_set, with ": strerror(errnum)" appended. */
int nix_err_errno(struct nix_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
