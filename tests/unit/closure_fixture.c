/* Fixtures shared by the unit tests of the closure modules (store_path,
 * path_set, closure_spec, nix_db, closure): deterministic store paths,
 * list files in memory, temp dirs and small real Nix DBs. */
#include "closure_fixture.h"

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const char b32[] = "0123456789abcdfghijklmnpqrsvwxyz";

/* A deterministic valid 32-char hash for n. */
void hash_of(unsigned long n, char out[33])
{
	unsigned long long x = n * 0x9E3779B97F4A7C15ull + 12345;

	for (int i = 0; i < 32; i++) {
		x ^= x >> 29;
		x *= 0xBF58476D1CE4E5B9ull;
		x ^= x >> 32;
		out[i] = b32[x & 31];
	}
	out[32] = '\0';
}

/* Store path number n with a name; static ring of buffers. */
const char *spn(const char *sd, unsigned long n, const char *name)
{
	static char bufs[16][512];
	static int k;
	char h[33];
	char *b = bufs[k++ % 16];

	hash_of(n, h);
	snprintf(b, 512, "%s/%s-%s", sd, h, name);
	return b;
}

const char *sp(unsigned long n)
{
	char name[32];

	snprintf(name, sizeof(name), "pkg-%lu", n);
	return spn(SD, n, name);
}

int memfd_with(const char *data, size_t len)
{
	int fd = memfd_create("list", MFD_CLOEXEC);
	size_t off = 0;

	ck_assert_int_ge(fd, 0);
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		ck_assert_int_gt(n, 0);
		off += (size_t)n;
	}
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

int read_str(const char *s, struct nix_path_set *out, struct nix_err *err)
{
	int fd = memfd_with(s, strlen(s));
	int rc = closure_read_list(fd, SD, out, err);

	close(fd);
	return rc;
}

/* ---- temp dirs and DBs ---- */

char tmpdir[64];

void tmp_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_closure.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

void tmp_teardown(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
}

const char *tpath(const char *rel)
{
	static char bufs[8][PATH_MAX];
	static int k;
	char *b = bufs[k++ % 8];

	snprintf(b, PATH_MAX, "%s/%s", tmpdir, rel);
	return b;
}

void write_file(const char *path, const char *data)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(data, f);
	ck_assert_int_eq(fclose(f), 0);
}

static const char schema[] =
	"CREATE TABLE ValidPaths (id integer primary key autoincrement not null,"
	" path text unique not null, hash text not null,"
	" registrationTime integer not null, deriver text, narSize integer,"
	" ultimate integer, sigs text, ca text);"
	"CREATE TABLE Refs (referrer integer not null, reference integer not null,"
	" primary key (referrer, reference));";

/* A DB with paths sp(1..n) (ids 1..n) and edges (a -> b) given as pairs
 * of path numbers. */
void make_db(const char *file, unsigned long n, const unsigned long (*edges)[2],
		    size_t nedges)
{
	sqlite3 *db;
	sqlite3_stmt *ins, *ref;

	ck_assert_int_eq(sqlite3_open(file, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, schema, NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db,
		"INSERT INTO ValidPaths (id, path, hash, registrationTime) VALUES (?1, ?2, 'sha256:x', 1)",
		-1, &ins, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db,
		"INSERT OR IGNORE INTO Refs (referrer, reference) VALUES (?1, ?2)",
		-1, &ref, NULL), SQLITE_OK);
	for (unsigned long i = 1; i <= n; i++) {
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, (sqlite3_int64)i);
		sqlite3_bind_text(ins, 2, sp(i), -1, SQLITE_TRANSIENT);
		ck_assert_int_eq(sqlite3_step(ins), SQLITE_DONE);
	}
	for (size_t i = 0; i < nedges; i++) {
		sqlite3_reset(ref);
		sqlite3_bind_int64(ref, 1, (sqlite3_int64)edges[i][0]);
		sqlite3_bind_int64(ref, 2, (sqlite3_int64)edges[i][1]);
		ck_assert_int_eq(sqlite3_step(ref), SQLITE_DONE);
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(ref);
	ck_assert_int_eq(sqlite3_exec(db, "COMMIT; PRAGMA journal_mode=WAL;", NULL, NULL, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}

/*
 * Graph used by the DB tests (1..9):
 *   1 -> 2, 1 -> 3, 2 -> 4, 3 -> 4 (diamond), 4 -> 4 (self), 4 -> 5,
 *   5 -> 6, 6 -> 5 (cycle), 7 -> 8, 8 -> 8; 9 isolated.
 */
const unsigned long graph[NGRAPH][2] = {
	{1, 2}, {1, 3}, {2, 4}, {3, 4}, {4, 4}, {4, 5}, {5, 6}, {6, 5}, {7, 8}, {8, 8},
};

void set_of(struct nix_path_set *s, const unsigned long *ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(nix_path_set_add(s, sp(ids[i])), 0);
}

void assert_set_eq(const struct nix_path_set *a, const unsigned long *ids, size_t n)
{
	struct nix_path_set want = {0};

	set_of(&want, ids, n);
	ck_assert_uint_eq(a->len, want.len);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(a->paths[i], want.paths[i]);
	nix_path_set_free(&want);
}

void assert_sorted_unique(const struct nix_path_set *s)
{
	for (size_t i = 1; i < s->len; i++)
		ck_assert_int_lt(strcmp(s->paths[i - 1], s->paths[i]), 0);
}

/* ---- store path syntax ---- */
