/* Error reporting for lib/: every fallible function fills a struct nix_err
 * with one human-readable line (no "nix:" prefix, no newline: control
 * characters in the values it quotes are escaped) and returns -1.
 * The SPANK glue adds the "nix: --option=value: " prefix and decides where
 * the line goes (srun's stderr, the task's stderr, slurmd's log). */
#ifndef SPANK_NIX_ERROR_H
#define SPANK_NIX_ERROR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

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

/* Copy in to out with every control character (newline, ESC, DEL...)
 * written as text ("\n", "\e", "\x01"), so that a value a user chose
 * cannot forge a log line or drive a terminal. Truncates to outlen - 1
 * bytes, never inside an escape; returns the length written. Messages made
 * by nix_err_set and nix_err_errno are escaped this way already; use it
 * for user values that reach a log by another road. */
size_t nix_escape(const char *in, char *out, size_t outlen);

/* Does s hold a control character? */
bool nix_has_control(const char *s);

#endif
