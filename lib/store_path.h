/* Store-path syntax: what a Nix store path looks like, and error lines that
 * say what is wrong with one.  Every input is hostile (it comes from the
 * user): lengths are capped, and error lines quote user text escaped
 * (printable ASCII only) and truncated. */
#ifndef SPANK_NIX_STORE_PATH_H
#define SPANK_NIX_STORE_PATH_H

#include <stddef.h>

/* Limits. */
#define CLOSURE_STORE_DIR_MAX 256        /* strlen(store_dir) */
#define CLOSURE_NAME_MAX 211             /* Nix's limit on the <name> part */
#define CLOSURE_PATH_MAX 4095            /* strlen of any path we accept */

#define QUOTE_MAX 96            /* chars of user text quoted in an error */
#define QBUF (QUOTE_MAX * 4 + 8)

/* Quote user text for an error line: printable ASCII kept, the rest as
 * \xNN, truncated with "...".  Returns buf (QBUF bytes fit any input). */
const char *sp_quote(char *buf, size_t n, const char *s, size_t len);
/* sp_quote of a C string (NULL quotes as ""). */
const char *sp_quotes(char *buf, size_t n, const char *s);

/* 0 if sd is a usable store_dir (absolute, no trailing '/', no
 * empty/"."/".." component, no control characters, not "/"), its length
 * in *lenp; else -1. */
int store_dir_check(const char *sd, size_t *lenp);

enum sp_problem {
	SP_OK,
	SP_TOO_LONG,
	SP_DOTDOT,
	SP_OUTSIDE,
	SP_STORE_DIR,
	SP_HASH,
	SP_NO_NAME,
	SP_NAME_LONG,
	SP_NAME_CHAR,
	SP_NAME_DOT,
	SP_BELOW,
};

/* What is wrong with p[0..len) as a store path under sd (sdlen bytes). */
enum sp_problem store_path_problem(const char *p, size_t len,
				   const char *sd, size_t sdlen);
/* "'<p>' <what is wrong>" into out. */
void store_path_describe(char *out, size_t n, enum sp_problem pb,
			 const char *p, size_t len, const char *sd);

/* 0 if path is store_dir "/" <32 chars of nix base32> "-" <name>, name of
 * 1..211 chars of [A-Za-z0-9+-._?=] and not "." or "..", else -1.
 * store_dir must be absolute, normalised, without a trailing "/". */
int nix_store_path_valid(const char *path, const char *store_dir);

#endif
