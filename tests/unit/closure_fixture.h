/* Fixtures shared by the unit tests of the closure modules. */
#ifndef SPANK_NIX_CLOSURE_FIXTURE_H
#define SPANK_NIX_CLOSURE_FIXTURE_H

#include <stddef.h>
#include <string.h>

#include "closure.h"

#define SD "/nix/store"

#define ASSERT_ERR(rc, err, sub) do { \
	ck_assert_int_eq((rc), -1); \
	ck_assert_msg(strstr((err).msg, (sub)) != NULL, "error '%s' lacks '%s'", (err).msg, (sub)); \
	ck_assert_ptr_null(strchr((err).msg, '\n')); \
	ck_assert_msg(strncmp((err).msg, "nix:", 4) != 0, "error has nix: prefix"); \
} while (0)

/* A deterministic valid 32-char hash for n. */
void hash_of(unsigned long n, char out[33]);
/* Store path number n with a name under sd; static ring of 16 buffers. */
const char *spn(const char *sd, unsigned long n, const char *name);
/* spn(SD, n, "pkg-<n>") */
const char *sp(unsigned long n);
/* A memfd holding data, at offset 0. */
int memfd_with(const char *data, size_t len);
/* closure_read_list of the string s, store dir SD. */
int read_str(const char *s, struct nix_path_set *out, struct nix_err *err);

/* A temp dir per test (a checked fixture), and paths in it. */
extern char tmpdir[64];
void tmp_setup(void);
void tmp_teardown(void);
const char *tpath(const char *rel);
void write_file(const char *path, const char *data);

/* A DB with paths sp(1..n) (ids 1..n) and edges (a -> b) given as pairs
 * of path numbers, left in WAL mode as Nix leaves it. */
void make_db(const char *file, unsigned long n, const unsigned long (*edges)[2],
	     size_t nedges);

/*
 * Graph used by the DB tests (1..9):
 *   1 -> 2, 1 -> 3, 2 -> 4, 3 -> 4 (diamond), 4 -> 4 (self), 4 -> 5,
 *   5 -> 6, 6 -> 5 (cycle), 7 -> 8, 8 -> 8; 9 isolated.
 */
#define NGRAPH 10
extern const unsigned long graph[NGRAPH][2];

/* The set of sp(ids[i]). */
void set_of(struct nix_path_set *s, const unsigned long *ids, size_t n);
void assert_set_eq(const struct nix_path_set *a, const unsigned long *ids, size_t n);
void assert_sorted_unique(const struct nix_path_set *s);

#endif
