/* --nix-closure's input: the SPEC list, and the `nix-store -qR` lists and
 * closureInfo directories a SPEC may name.  Every input is hostile (it
 * comes from the user).  Errors follow lib/nix_error.h: one line in *err,
 * return -1. */
#ifndef SPANK_NIX_CLOSURE_SPEC_H
#define SPANK_NIX_CLOSURE_SPEC_H

#include <stddef.h>

#include "nix_error.h"
#include "path_set.h"
#include "store_path.h"

/* Limits. */
#define CLOSURE_LINE_MAX 4096            /* bytes per line of a list file */
#define CLOSURE_FILE_MAX (128u << 20)    /* bytes per list file */
#define CLOSURE_ARG_MAX 65536            /* strlen of a SPEC[,SPEC...] */
#define CLOSURE_SPECS_MAX 1024           /* SPECs per argument */

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
/* One SPEC s[0..len), number idx (from 0, for errors), into *item (its arg
 * malloc'ed).  sd: a store_dir that passed store_dir_check, sdlen long. */
int closure_spec_parse_one(const char *s, size_t len, size_t idx,
			   const char *sd, size_t sdlen,
			   struct closure_spec *item, struct nix_err *err);

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

#endif
