/* --nix-closure, the Slurm-free part: parse SPEC lists, read `nix-store -qR`
 * lists and closureInfo directories, compute closures from a Nix DB.
 *
 * Every function here treats its input as hostile (it comes from the user):
 * lengths and counts are capped, bytes are checked, and error lines quote
 * user text escaped (printable ASCII only) and truncated.  Errors follow
 * lib/nix_error.h: one line in *err, return -1. */
#ifndef SPANK_NIX_CLOSURE_H
#define SPANK_NIX_CLOSURE_H

#include <stdbool.h>
#include <stddef.h>

#include "nix_error.h"

/* Limits. */
#define CLOSURE_STORE_DIR_MAX 256        /* strlen(store_dir) */
#define CLOSURE_NAME_MAX 211             /* Nix's limit on the <name> part */
#define CLOSURE_PATH_MAX 4095            /* strlen of any path we accept */
#define CLOSURE_LINE_MAX 4096            /* bytes per line of a list file */
#define CLOSURE_PATHS_MAX 1000000        /* store paths per list / closure */
#define CLOSURE_FILE_MAX (128u << 20)    /* bytes per list file */
#define CLOSURE_ARG_MAX 65536            /* strlen of a SPEC[,SPEC...] */
#define CLOSURE_SPECS_MAX 1024           /* SPECs per argument */
#define CLOSURE_DB_TIMEOUT_MS 10000      /* wall time per DB query */

/* A set of store paths: sorted (strcmp), unique.  Zero-initialise. */
struct nix_path_set {
	char **paths;
	size_t len;
	size_t cap;
};

void nix_path_set_free(struct nix_path_set *set);
/* Insert a copy of path, keeping the set sorted and unique (adding a path
 * already there is a no-op).  No validation.  Appending in sorted order is
 * O(1).  Returns 0, or -1 with errno set (ENOMEM). */
int nix_path_set_add(struct nix_path_set *set, const char *path);
bool nix_path_set_contains(const struct nix_path_set *set, const char *path);

enum closure_spec_kind {
	CLOSURE_SPEC_STORE_PATH,  /* arg is a valid store path */
	CLOSURE_SPEC_LIST_FILE,   /* arg is a file or directory; closure_resolve
	                             decides list file vs closureInfo dir by fstat */
	CLOSURE_SPEC_CLOSURE_INFO,
};

struct closure_spec {
	enum closure_spec_kind kind;
	char *arg;
};

struct closure_spec_list {
	struct closure_spec *items;
	size_t len;
};

/* Split "SPEC[,SPEC...]".  Each SPEC must be non-empty, absolute, without
 * ".." components or control characters; "//", "/./" and a trailing "/" are
 * normalised away.  A SPEC below store_dir becomes a CLOSURE_SPEC_STORE_PATH
 * (a path below a store path is reduced to the store path; it must be a
 * valid store path); anything else is a CLOSURE_SPEC_LIST_FILE.  *out is
 * overwritten (not freed first); on error it is left empty. */
int closure_spec_parse(const char *arg, const char *store_dir,
		       struct closure_spec_list *out, struct nix_err *err);
void closure_spec_list_free(struct closure_spec_list *list);

/* 0 if path is store_dir "/" <32 chars of nix base32> "-" <name>, name of
 * 1..211 chars of [A-Za-z0-9+-._?=] and not "." or "..", else -1.
 * store_dir must be absolute, normalised, without a trailing "/". */
int nix_store_path_valid(const char *path, const char *store_dir);

/* Read a `nix-store -qR` list (one store path per line) from fd until EOF.
 * Blank lines and surrounding blanks (space, tab, CR: CRLF files) are
 * ignored, duplicates dropped.  Errors name the line: a NUL byte, a line of
 * more than CLOSURE_LINE_MAX bytes, anything but a store path (outside the
 * store, "..", below a store path, bad hash or name); also more than
 * CLOSURE_PATHS_MAX paths, more than CLOSURE_FILE_MAX bytes, no path at all
 * ("contains no store paths").  On success the paths are added to *out
 * (kept sorted/unique); on error *out is unchanged. */
int closure_read_list(int fd, const char *store_dir, struct nix_path_set *out,
		      struct nix_err *err);

/* A closureInfo directory: read its store-paths file (openat, O_NOFOLLOW,
 * a regular file) as closure_read_list does.  Missing: "has no store-paths
 * file".  dirfd: an fd of the directory (O_RDONLY or O_PATH). */
int closure_read_info_dir(int dirfd, const char *store_dir,
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
/* 0 if every path is in ValidPaths, else an error naming the first one
 * (in sorted order) that is not. */
int closure_check_valid(const char *db_path, const struct nix_path_set *paths,
			struct nix_err *err);

/* Resolve specs into the union of their closures: store paths through the
 * DB at <store_root>/var/nix/db/db.sqlite; list files and closureInfo dirs
 * (opened with open(O_RDONLY|O_NOFOLLOW|O_NONBLOCK|O_CLOEXEC), so the
 * caller must run as the user; kind decided by fstat) taken as they are,
 * each path checked to be valid in the DB.  store_root_fd: an
 * O_PATH|O_DIRECTORY fd of the user's store root (holding store/ and
 * var/nix/db/db.sqlite).  Errors start with the SPEC they concern.  Adds to
 * *out; on error *out is unchanged. */
int closure_resolve(int store_root_fd, const char *store_dir,
		    const struct closure_spec_list *specs,
		    struct nix_path_set *out, struct nix_err *err);

/* What srun checks before a job is queued, without the cost of the whole
 * closure: the SPECs resolve and every path named is valid in the DB (the
 * node computes the closure once, when it builds the view). */
int closure_check(int store_root_fd, const char *store_dir,
		  const struct closure_spec_list *specs, struct nix_err *err);

#endif
