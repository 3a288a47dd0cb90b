/* What a job asks for, in two steps of plain data:
 *   struct nix_request - the option values as the user typed them
 *   struct nix_view    - the resolved view: expanded, normalized, checked
 *                        against the site's config; one mount namespace each.
 * Nothing here touches the file system. */
#ifndef SPANK_NIX_REQUEST_H
#define SPANK_NIX_REQUEST_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "nix_config.h"
#include "nix_error.h"

#define NIX_ARG_MAX 4096
#define NIX_LIST_ARG_MAX 16384 /* --nix-closure, --nix-profile */

struct nix_request {
	bool store_given;        /* --nix-store given, even empty */
	char store[NIX_ARG_MAX]; /* its value */
	bool writable;           /* --nix-writable */
	bool closure_given;
	char closure[NIX_LIST_ARG_MAX]; /* --nix-closure=SPEC[,SPEC...] */
	char profile[NIX_LIST_ARG_MAX]; /* --nix-profile=PATH[,PATH...] */
	char hide[NIX_ARG_MAX];         /* --nix-hide=PATH[,PATH...], "" = the site's */
};

struct nix_view {
	char origin[NIX_ARG_MAX + 32]; /* "--nix-store=~/nix": names the option in errors */
	char store[PATH_MAX];          /* normalized absolute store directory */
	char mountpoint[PATH_MAX];     /* from the config */
	bool writable;
	char closure[NIX_LIST_ARG_MAX]; /* SPEC list; "" = the whole store */
	char hide[NIX_ARG_MAX];         /* normalized, comma-separated; "" = none */
};

/* Resolve a request. Returns 1 and fills view when the job gets a store,
 * 0 when it gets none (no option and no default, or --nix-store=none), -1 on
 * a user error; err then reads "--nix-store=ARG: reason". home and user are
 * the job user's. */
int nix_request_resolve(const struct nix_config *cfg,
			const struct nix_request *req, const char *home,
			const char *user, struct nix_view *view,
			struct nix_err *err);

/* The directory holding the store's paths in the view: "<mountpoint>/store". */
void nix_view_store_dir(const struct nix_view *view, char *out, size_t outlen);

/* Room for any view's description: its fields and their lengths. */
#define NIX_VIEW_DESC_MAX (PATH_MAX * 2 + NIX_LIST_ARG_MAX + NIX_ARG_MAX + 128)

/* The view's canonical description: equal views, equal descriptions, and
 * different views, different ones. Every field is length-prefixed
 * ("store=12:/home/a/nix "), so no value (spaces, "=", newlines) can pass
 * for another field. Returns its length, or -1 if outlen is too small
 * (NIX_VIEW_DESC_MAX always suffices). Compare descriptions in full. */
int nix_view_describe(const struct nix_view *view, char *out, size_t outlen);

/* A file-name-safe key for the view: 16 hex digits of a hash of its
 * description. Only a name: two views are the same when their
 * descriptions are. */
void nix_view_key(const struct nix_view *view, char out[17]);

#endif
