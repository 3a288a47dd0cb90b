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
#include <sys/types.h>

#include "nix_config.h"
#include "nix_error.h"

/* The longest values accepted, in bytes (the documented limits). A longer
 * value is refused, never cut: a cut list would silently lose its tail. */
#define NIX_ARG_MAX 4096        /* --nix-store, --nix-hide: up to 4,095 */
#define NIX_LIST_ARG_MAX 65537  /* --nix-closure, --nix-profile: up to 65,536 */
#define NIX_QUOTE_MAX 128       /* a value quoted in an error line, elided */

enum nix_opt { NIX_OPT_STORE, NIX_OPT_WRITABLE, NIX_OPT_CLOSURE, NIX_OPT_PROFILE,
	       NIX_OPT_HIDE, NIX_OPT_COUNT };

struct nix_request {
	bool store_given;        /* --nix-store given, even empty */
	char store[NIX_ARG_MAX]; /* its value */
	bool writable;           /* --nix-writable */
	bool closure_given;
	char closure[NIX_LIST_ARG_MAX]; /* --nix-closure=SPEC[,SPEC...] */
	char profile[NIX_LIST_ARG_MAX]; /* --nix-profile=PATH[,PATH...] */
	char hide[NIX_ARG_MAX];         /* --nix-hide=PATH[,PATH...], "" = the site's */
	/* Passed down from the job (sbatch/salloc or the enclosing step), not
	 * given on this command line: --nix-store=none drops these silently. */
	bool inherited[NIX_OPT_COUNT];
	char error[NIX_ERR_MAX]; /* a value refused while setting it (too long) */
};

struct nix_view {
	char origin[NIX_ARG_MAX + 32]; /* "--nix-store=~/nix": names the option in errors */
	char store[PATH_MAX];          /* normalized absolute store directory */
	char mountpoint[PATH_MAX];     /* from the config */
	bool writable;
	bool site_store;               /* one of the site's (site_stores=): root's, read-only */
	char closure[NIX_LIST_ARG_MAX]; /* SPEC list; "" = the whole store */
	char hide[NIX_ARG_MAX];         /* normalized, comma-separated; "" = none */
	/* --nix-profile, expanded and normalized, comma-separated; "" = none.
	 * Not part of the mount namespace: nix_view_describe leaves it out. */
	char profile[NIX_LIST_ARG_MAX];
};

/* The option's name without "--", e.g. "nix-store". */
const char *nix_opt_name(enum nix_opt opt);

/* Record one option as Slurm hands it to the plugin. inherited: it came
 * from the job's environment rather than this command line. A value
 * longer than the option takes is not stored; req->error says so, and
 * nix_request_resolve refuses the request. */
void nix_request_set(struct nix_request *req, enum nix_opt opt, const char *value,
		     bool inherited);

/* A user's value for an error line: as is when short, else its head and
 * tail around "...", so that the reason after it stays readable. */
const char *nix_quote(const char *value, char out[NIX_QUOTE_MAX]);

/* Resolve a request. Returns 1 and fills view when the job gets a store,
 * 0 when it gets none (no option and no default, or --nix-store=none), -1 on
 * a user error; err then reads "--nix-store=ARG: reason". home and user are
 * the job user's (from Slurm and passwd, never the job's environment): they
 * expand ~, %h and %u in --nix-store and --nix-profile. --nix-store=none
 * drops every inherited option; given on the same command line, the others
 * are refused. --nix-closure=none and --nix-profile=none drop inherited ones. */
int nix_request_resolve(const struct nix_config *cfg,
			const struct nix_request *req, const char *home,
			const char *user, struct nix_view *view,
			struct nix_err *err);

/* Did the user ask for something only a store gives (--nix-closure,
 * --nix-profile, --nix-hide, --nix-writable, given or inherited, not
 * none)? Then opt gets the first such option as "--nix-hide=/opt", for a
 * message: with no usable store, such a request fails rather than being
 * dropped silently. The site's hide= does not count. */
bool nix_request_needs_store(const struct nix_request *req, char *opt, size_t optlen);

/* Does the request ask for nothing: no store (none given, or none, and no
 * site default) and no option that needs one? nix_request_resolve then
 * returns 0 without looking at the user: the step's tasks skip it. */
bool nix_request_asks_nothing(const struct nix_config *cfg, const struct nix_request *req);

/* Is dir (normalized, absolute) one of the comma-separated hide paths or
 * below one? Then out gets that path: a step started there cannot return
 * to its working directory in the view. */
bool nix_hide_covers(const char *hide, const char *dir, char *out, size_t outlen);

/* PATH for a task: "P/bin:" for each P of a view's comma-separated profile
 * list, in order, then path (may be NULL or empty). Returns -1 when out is
 * too small. */
int nix_profile_task_path(const char *profiles, const char *path, char *out,
			  size_t outlen);

/* Who must own the view's store directory: the job's user (user), or root
 * for a site store. */
uid_t nix_view_store_owner(const struct nix_view *view, uid_t user);

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
