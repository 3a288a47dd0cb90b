/* Unit tests for lib/closure.c: store path syntax, path sets, the SPEC
 * parser, list / closureInfo readers (hostile inputs included), closures
 * from small real Nix DBs, closure_resolve, and a 5,000-path timing. */
#include "closure.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SD "/nix/store"

static const char b32[] = "0123456789abcdfghijklmnpqrsvwxyz";

/* A deterministic valid 32-char hash for n. */
static void hash_of(unsigned long n, char out[33])
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
static const char *spn(const char *sd, unsigned long n, const char *name)
{
	static char bufs[16][512];
	static int k;
	char h[33];
	char *b = bufs[k++ % 16];

	hash_of(n, h);
	snprintf(b, 512, "%s/%s-%s", sd, h, name);
	return b;
}

static const char *sp(unsigned long n)
{
	char name[32];

	snprintf(name, sizeof(name), "pkg-%lu", n);
	return spn(SD, n, name);
}

static int memfd_with(const char *data, size_t len)
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

static int read_str(const char *s, struct nix_path_set *out, struct nix_err *err)
{
	int fd = memfd_with(s, strlen(s));
	int rc = closure_read_list(fd, SD, out, err);

	close(fd);
	return rc;
}

#define ASSERT_ERR(rc, err, sub) do { \
	ck_assert_int_eq((rc), -1); \
	ck_assert_msg(strstr((err).msg, (sub)) != NULL, "error '%s' lacks '%s'", (err).msg, (sub)); \
	ck_assert_ptr_null(strchr((err).msg, '\n')); \
	ck_assert_msg(strncmp((err).msg, "nix:", 4) != 0, "error has nix: prefix"); \
} while (0)

/* ---- temp dirs and DBs ---- */

static char tmpdir[64];

static void tmp_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_closure.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void tmp_teardown(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
}

static const char *tpath(const char *rel)
{
	static char bufs[8][PATH_MAX];
	static int k;
	char *b = bufs[k++ % 8];

	snprintf(b, PATH_MAX, "%s/%s", tmpdir, rel);
	return b;
}

static void write_file(const char *path, const char *data)
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
static void make_db(const char *file, unsigned long n, const unsigned long (*edges)[2],
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
static const unsigned long graph[][2] = {
	{1, 2}, {1, 3}, {2, 4}, {3, 4}, {4, 4}, {4, 5}, {5, 6}, {6, 5}, {7, 8}, {8, 8},
};
#define NGRAPH (sizeof(graph) / sizeof(graph[0]))

static void set_of(struct nix_path_set *s, const unsigned long *ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(nix_path_set_add(s, sp(ids[i])), 0);
}

static void assert_set_eq(const struct nix_path_set *a, const unsigned long *ids, size_t n)
{
	struct nix_path_set want = {0};

	set_of(&want, ids, n);
	ck_assert_uint_eq(a->len, want.len);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(a->paths[i], want.paths[i]);
	nix_path_set_free(&want);
}

static void assert_sorted_unique(const struct nix_path_set *s)
{
	for (size_t i = 1; i < s->len; i++)
		ck_assert_int_lt(strcmp(s->paths[i - 1], s->paths[i]), 0);
}

/* ---- store path syntax ---- */

START_TEST(test_valid)
{
	char h[33], p[600], name[300];

	hash_of(1, h);
	ck_assert_int_eq(nix_store_path_valid(sp(1), SD), 0);
	snprintf(p, sizeof(p), SD "/%s-a+b-c._?=Z9", h);
	ck_assert_int_eq(nix_store_path_valid(p, SD), 0);
	snprintf(p, sizeof(p), "/gpfs/u/nix/store/%s-hello-2.12", h);
	ck_assert_int_eq(nix_store_path_valid(p, "/gpfs/u/nix/store"), 0);
	ck_assert_int_eq(nix_store_path_valid(p, SD), -1);
	/* name of 211 ok, 212 not */
	memset(name, 'x', 211);
	name[211] = '\0';
	snprintf(p, sizeof(p), SD "/%s-%s", h, name);
	ck_assert_int_eq(nix_store_path_valid(p, SD), 0);
	snprintf(p, sizeof(p), SD "/%s-%sx", h, name);
	ck_assert_int_eq(nix_store_path_valid(p, SD), -1);
}
END_TEST

START_TEST(test_invalid)
{
	char h[33], p[600];
	const char *bad_names[] = {"", ".", "..", "a/b", "a b", "a\nb", "é", "a:b", "a*b"};

	hash_of(1, h);
	ck_assert_int_eq(nix_store_path_valid(SD, SD), -1);
	ck_assert_int_eq(nix_store_path_valid(SD "/", SD), -1);
	ck_assert_int_eq(nix_store_path_valid("/etc/passwd", SD), -1);
	ck_assert_int_eq(nix_store_path_valid("", SD), -1);
	ck_assert_int_eq(nix_store_path_valid(NULL, SD), -1);
	snprintf(p, sizeof(p), "/nix/storex/%s-a", h);
	ck_assert_int_eq(nix_store_path_valid(p, SD), -1);
	snprintf(p, sizeof(p), SD "/%s", h);          /* no name */
	ck_assert_int_eq(nix_store_path_valid(p, SD), -1);
	snprintf(p, sizeof(p), SD "/%s-a/", h);       /* trailing slash */
	ck_assert_int_eq(nix_store_path_valid(p, SD), -1);
	snprintf(p, sizeof(p), SD "/%s-a/bin", h);    /* below */
	ck_assert_int_eq(nix_store_path_valid(p, SD), -1);
	snprintf(p, sizeof(p), SD "/%.31s-a", h);     /* short hash */
	ck_assert_int_eq(nix_store_path_valid(p, SD), -1);
	snprintf(p, sizeof(p), SD "/%sx-a", h);       /* long hash */
	ck_assert_int_eq(nix_store_path_valid(p, SD), -1);
	for (const char *c = "eotuE_-."; *c; c++) {   /* not nix base32 */
		snprintf(p, sizeof(p), SD "/%c%.31s-a", *c, h);
		ck_assert_int_eq(nix_store_path_valid(p, SD), -1);
	}
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(*bad_names); i++) {
		snprintf(p, sizeof(p), SD "/%s-%s", h, bad_names[i]);
		ck_assert_msg(nix_store_path_valid(p, SD) == -1, "%s", p);
	}
	snprintf(p, sizeof(p), SD "/../%s-a", h);
	ck_assert_int_eq(nix_store_path_valid(p, SD), -1);
	/* bad store dirs */
	ck_assert_int_eq(nix_store_path_valid(sp(1), "nix/store"), -1);
	ck_assert_int_eq(nix_store_path_valid(sp(1), "/"), -1);
	ck_assert_int_eq(nix_store_path_valid(sp(1), "/nix/store/"), -1);
	ck_assert_int_eq(nix_store_path_valid(sp(1), "/nix//store"), -1);
	ck_assert_int_eq(nix_store_path_valid(sp(1), "/nix/../store"), -1);
	ck_assert_int_eq(nix_store_path_valid(sp(1), NULL), -1);
}
END_TEST

/* ---- path sets ---- */

START_TEST(test_path_set)
{
	struct nix_path_set s = {0};
	const char *in[] = {"d", "b", "a", "c", "b", "e", "a", "e", "0"};

	for (size_t i = 0; i < sizeof(in) / sizeof(*in); i++)
		ck_assert_int_eq(nix_path_set_add(&s, in[i]), 0);
	ck_assert_uint_eq(s.len, 6);
	ck_assert_str_eq(s.paths[0], "0");
	ck_assert_str_eq(s.paths[5], "e");
	assert_sorted_unique(&s);
	ck_assert(nix_path_set_contains(&s, "c"));
	ck_assert(!nix_path_set_contains(&s, "f"));
	ck_assert(!nix_path_set_contains(&s, ""));
	nix_path_set_free(&s);
	ck_assert_uint_eq(s.len, 0);
	ck_assert_ptr_null(s.paths);
	nix_path_set_free(&s);
	ck_assert(!nix_path_set_contains(&s, "a"));
}
END_TEST

/* ---- SPEC parser ---- */

START_TEST(test_spec_ok)
{
	struct closure_spec_list l;
	struct nix_err err = {""};
	char arg[2048];

	snprintf(arg, sizeof(arg), "%s,/home/u/list,%s/bin/hello,/home//u/./ci/,%s/",
		 sp(1), sp(2), sp(3));
	ck_assert_int_eq(closure_spec_parse(arg, SD, &l, &err), 0);
	ck_assert_uint_eq(l.len, 5);
	ck_assert_int_eq(l.items[0].kind, CLOSURE_SPEC_STORE_PATH);
	ck_assert_str_eq(l.items[0].arg, sp(1));
	ck_assert_int_eq(l.items[1].kind, CLOSURE_SPEC_LIST_FILE);
	ck_assert_str_eq(l.items[1].arg, "/home/u/list");
	ck_assert_int_eq(l.items[2].kind, CLOSURE_SPEC_STORE_PATH);
	ck_assert_str_eq(l.items[2].arg, sp(2));            /* reduced */
	ck_assert_int_eq(l.items[3].kind, CLOSURE_SPEC_LIST_FILE);
	ck_assert_str_eq(l.items[3].arg, "/home/u/ci");      /* normalised */
	ck_assert_str_eq(l.items[4].arg, sp(3));
	closure_spec_list_free(&l);
	ck_assert_uint_eq(l.len, 0);

	/* store-like paths outside the store dir are files */
	ck_assert_int_eq(closure_spec_parse("/nix/storefoo/x,/nix", SD, &l, &err), 0);
	ck_assert_int_eq(l.items[0].kind, CLOSURE_SPEC_LIST_FILE);
	ck_assert_int_eq(l.items[1].kind, CLOSURE_SPEC_LIST_FILE);
	closure_spec_list_free(&l);

	/* custom store dir */
	snprintf(arg, sizeof(arg), "%s/share", spn("/gpfs/nix/store", 5, "x"));
	ck_assert_int_eq(closure_spec_parse(arg, "/gpfs/nix/store", &l, &err), 0);
	ck_assert_int_eq(l.items[0].kind, CLOSURE_SPEC_STORE_PATH);
	ck_assert_str_eq(l.items[0].arg, spn("/gpfs/nix/store", 5, "x"));
	closure_spec_list_free(&l);
}
END_TEST

START_TEST(test_spec_bad)
{
	static const struct { const char *arg, *err; } cases[] = {
		{"", "no SPEC given"},
		{",", "SPEC 1 is empty"},
		{"/a,", "SPEC 2 is empty"},
		{",/a", "SPEC 1 is empty"},
		{"/a,,/b", "SPEC 2 is empty"},
		{"a/b", "is not an absolute path"},
		{"./x", "is not an absolute path"},
		{"~/x", "is not an absolute path"},
		{"/a/../b", "'..' component"},
		{"/..", "'..' component"},
		{"/a/..", "'..' component"},
		{"/a/b\n", "control character"},
		{"/a/\x1b[31m", "control character"},
		{SD, "is the store directory"},
		{SD "/", "is the store directory"},
		{SD "//./", "is the store directory"},
		{SD "/foo", "32-character nix-base32 hash"},
		{SD "/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-x", "32-character nix-base32 hash"},
		{SD "/00000000000000000000000000000000", "no '-<name>'"},
		{SD "/00000000000000000000000000000000-", "no '-<name>'"},
		{SD "/00000000000000000000000000000000-a b", "not allowed"},
		{SD "/00000000000000000000000000000000-..", "'.' or '..'"},
	};
	struct closure_spec_list l;
	struct nix_err err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		l.len = 99;
		int rc = closure_spec_parse(cases[i].arg, SD, &l, &err);

		ASSERT_ERR(rc, err, cases[i].err);
		ck_assert_uint_eq(l.len, 0);
		ck_assert_ptr_null(l.items);
	}
	ASSERT_ERR(closure_spec_parse(NULL, SD, &l, &err), err, "no SPEC given");
	ASSERT_ERR(closure_spec_parse("/a", "relative", &l, &err), err, "invalid store directory");
}
END_TEST

START_TEST(test_spec_limits)
{
	struct closure_spec_list l;
	struct nix_err err;
	char *arg = malloc(CLOSURE_ARG_MAX + 2);
	size_t o = 0;

	/* one item too long */
	arg[o++] = '/';
	memset(arg + o, 'a', CLOSURE_PATH_MAX);
	arg[CLOSURE_PATH_MAX + 1] = '\0';
	ASSERT_ERR(closure_spec_parse(arg, SD, &l, &err), err, "longer than");
	/* exactly the limit is fine */
	arg[CLOSURE_PATH_MAX] = '\0';
	ck_assert_int_eq(closure_spec_parse(arg, SD, &l, &err), 0);
	closure_spec_list_free(&l);
	/* whole argument too long */
	memset(arg, '/', CLOSURE_ARG_MAX + 1);
	arg[CLOSURE_ARG_MAX + 1] = '\0';
	ASSERT_ERR(closure_spec_parse(arg, SD, &l, &err), err, "longer than 65536");
	/* too many items */
	o = 0;
	for (int i = 0; i <= CLOSURE_SPECS_MAX; i++) {
		memcpy(arg + o, "/a,", 3);
		o += 3;
	}
	arg[o - 1] = '\0';
	ASSERT_ERR(closure_spec_parse(arg, SD, &l, &err), err, "more than 1024 SPECs");
	/* the limit itself is fine */
	arg[o - 4] = '\0';
	ck_assert_int_eq(closure_spec_parse(arg, SD, &l, &err), 0);
	ck_assert_uint_eq(l.len, CLOSURE_SPECS_MAX);
	closure_spec_list_free(&l);
	free(arg);
}
END_TEST

/* ---- list files ---- */

START_TEST(test_list_ok)
{
	struct nix_path_set s = {0};
	struct nix_err err = {""};
	char buf[4096];

	/* unsorted, duplicates, blank lines, CRLF, blanks around, no final newline */
	snprintf(buf, sizeof(buf), "%s\n\n%s\r\n  %s\t\n\r\n%s\n%s\n   \n%s",
		 sp(3), sp(1), sp(2), sp(1), sp(3), sp(4));
	ck_assert_int_eq(read_str(buf, &s, &err), 0);
	{
		unsigned long want[] = {1, 2, 3, 4};
		assert_set_eq(&s, want, 4);
	}
	/* appending to a non-empty set merges */
	snprintf(buf, sizeof(buf), "%s\n%s\n", sp(5), sp(1));
	ck_assert_int_eq(read_str(buf, &s, &err), 0);
	{
		unsigned long want[] = {1, 2, 3, 4, 5};
		assert_set_eq(&s, want, 5);
	}
	nix_path_set_free(&s);
}
END_TEST

START_TEST(test_list_pipe)
{
	struct nix_path_set s = {0};
	struct nix_err err;
	int p[2];
	char buf[256];

	ck_assert_int_eq(pipe(p), 0);
	snprintf(buf, sizeof(buf), "%s\n", sp(7));
	ck_assert_int_eq(write(p[1], buf, strlen(buf)), (ssize_t)strlen(buf));
	close(p[1]);
	ck_assert_int_eq(closure_read_list(p[0], SD, &s, &err), 0);
	close(p[0]);
	ck_assert_uint_eq(s.len, 1);
	ck_assert_str_eq(s.paths[0], sp(7));
	nix_path_set_free(&s);
}
END_TEST

START_TEST(test_list_bad)
{
	static const struct { const char *fmt, *err; } cases[] = {
		{"", "contains no store paths"},
		{"\n\n  \r\n\t\n", "contains no store paths"},
		{"%s\n/etc/passwd\n", "line 2: '/etc/passwd' is not in the store (/nix/store)"},
		{"%s\n\n" SD "/../etc/shadow\n", "line 3: '/nix/store/../etc/shadow' has a '..' component"},
		{"%s\n%s/bin/sh\n", "line 2: "},
		{"%s\nrelative\n", "line 2: 'relative' is not in the store"},
		{"%s\n" SD "\n", "line 2: '/nix/store' is the store directory"},
		{"%s\n" SD "/zzzz-x\n", "line 2: '/nix/store/zzzz-x' does not start with a 32-character"},
		{"%s %s\n", "line 1: "},
		{"\x7f" "ELF\x02\x01\x01\n", "line 1: '\\x7fELF\\x02\\x01\\x01' is not in the store"},
		{"%s\n\xff\xfe/\x01\n", "line 2: '\\xff\\xfe/\\x01'"},
	};
	struct nix_err err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct nix_path_set s = {0};
		char buf[1024];

		snprintf(buf, sizeof(buf), cases[i].fmt, sp(1), sp(1));
		ASSERT_ERR(read_str(buf, &s, &err), err, cases[i].err);
		ck_assert_uint_eq(s.len, 0);
	}
}
END_TEST

START_TEST(test_list_below)
{
	struct nix_path_set s = {0};
	struct nix_err err;
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s/bin/sh\n", sp(1));
	ASSERT_ERR(read_str(buf, &s, &err), err, "is below a store path");
	snprintf(buf, sizeof(buf), "%s/\n", sp(1));
	ASSERT_ERR(read_str(buf, &s, &err), err, "is below a store path");
}
END_TEST

START_TEST(test_list_unchanged_on_error)
{
	struct nix_path_set s = {0};
	struct nix_err err;
	char buf[1024];

	ck_assert_int_eq(nix_path_set_add(&s, sp(9)), 0);
	snprintf(buf, sizeof(buf), "%s\n%s\njunk\n", sp(1), sp(2));
	ASSERT_ERR(read_str(buf, &s, &err), err, "line 3:");
	ck_assert_uint_eq(s.len, 1);
	ck_assert_str_eq(s.paths[0], sp(9));
	nix_path_set_free(&s);
}
END_TEST

START_TEST(test_list_nul)
{
	struct nix_path_set s = {0};
	struct nix_err err;
	char buf[1024];
	size_t n;
	int fd;

	n = (size_t)snprintf(buf, sizeof(buf), "%s\n%s\n", sp(1), sp(2));
	buf[n - 5] = '\0';   /* inside line 2 */
	fd = memfd_with(buf, n);
	ASSERT_ERR(closure_read_list(fd, SD, &s, &err), err, "line 2: contains a NUL byte");
	close(fd);
	ck_assert_uint_eq(s.len, 0);
}
END_TEST

START_TEST(test_list_long_line)
{
	struct nix_path_set s = {0};
	struct nix_err err;
	size_t n = 1 << 20;
	char *buf = malloc(n + 200);
	size_t o;
	int fd;

	o = (size_t)sprintf(buf, "%s\n", sp(1));
	memset(buf + o, 'a', n);
	buf[o + n] = '\n';
	fd = memfd_with(buf, o + n + 1);
	ASSERT_ERR(closure_read_list(fd, SD, &s, &err), err, "line 2: longer than 4096 bytes");
	close(fd);
	/* a line of exactly CLOSURE_LINE_MAX bytes is read (and rejected as too
	 * long for a store path), one more byte is not */
	memset(buf, 'a', CLOSURE_LINE_MAX);
	buf[CLOSURE_LINE_MAX] = '\n';
	fd = memfd_with(buf, CLOSURE_LINE_MAX + 1);
	ASSERT_ERR(closure_read_list(fd, SD, &s, &err), err, "line 1: 'aaaa");
	close(fd);
	buf[CLOSURE_LINE_MAX] = 'a';
	fd = memfd_with(buf, CLOSURE_LINE_MAX + 1);
	ASSERT_ERR(closure_read_list(fd, SD, &s, &err), err, "line 1: longer than");
	close(fd);
	free(buf);
	ck_assert_uint_eq(s.len, 0);
}
END_TEST

/* Write `line` count times to a memfd. */
static int memfd_repeat(const char *line, size_t count)
{
	size_t ll = strlen(line), per = 65536 / ll, o = 0;
	char *chunk = malloc(per * ll);
	int fd = memfd_create("big", MFD_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	for (size_t i = 0; i < per; i++, o += ll)
		memcpy(chunk + o, line, ll);
	while (count) {
		size_t k = count < per ? count : per;

		ck_assert_int_eq(write(fd, chunk, k * ll), (ssize_t)(k * ll));
		count -= k;
	}
	free(chunk);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

START_TEST(test_list_million)
{
	struct nix_path_set s = {0};
	struct nix_err err;
	char line[256];
	int fd;

	/* a million lines of one path: fine, deduplicated */
	snprintf(line, sizeof(line), "%s\n", sp(1));
	fd = memfd_repeat(line, CLOSURE_PATHS_MAX);
	ck_assert_int_eq(closure_read_list(fd, SD, &s, &err), 0);
	close(fd);
	ck_assert_uint_eq(s.len, 1);
	nix_path_set_free(&s);
	/* one more: capped with a clear error */
	fd = memfd_repeat(line, CLOSURE_PATHS_MAX + 1);
	ASSERT_ERR(closure_read_list(fd, SD, &s, &err), err, "line 1000001: more than 1000000 store paths");
	close(fd);
	ck_assert_uint_eq(s.len, 0);
	/* a million blank lines are no paths */
	fd = memfd_repeat("\r\n", CLOSURE_PATHS_MAX);
	ASSERT_ERR(closure_read_list(fd, SD, &s, &err), err, "contains no store paths");
	close(fd);
}
END_TEST

START_TEST(test_list_too_big)
{
	struct nix_path_set s = {0};
	struct nix_err err;
	int fd = memfd_repeat("\n", CLOSURE_FILE_MAX + 1);

	ASSERT_ERR(closure_read_list(fd, SD, &s, &err), err, "larger than 128 MiB");
	close(fd);
}
END_TEST

START_TEST(test_list_errors)
{
	struct nix_path_set s = {0};
	struct nix_err err;
	int fd = open("/", O_RDONLY | O_DIRECTORY);

	ASSERT_ERR(closure_read_list(fd, SD, &s, &err), err, "cannot read: Is a directory");
	close(fd);
	ASSERT_ERR(closure_read_list(-1, SD, &s, &err), err, "Bad file descriptor");
	ASSERT_ERR(closure_read_list(0, "x", &s, &err), err, "invalid store directory");
}
END_TEST

/* ---- closureInfo directories ---- */

START_TEST(test_info_dir)
{
	struct nix_path_set s = {0};
	struct nix_err err;
	char buf[1024];
	int dfd;

	ck_assert_int_eq(mkdir(tpath("ci"), 0755), 0);
	dfd = open(tpath("ci"), O_PATH | O_DIRECTORY);
	ASSERT_ERR(closure_read_info_dir(dfd, SD, &s, &err), err, "has no store-paths file");
	snprintf(buf, sizeof(buf), "%s\n%s\n", sp(2), sp(1));
	write_file(tpath("ci/store-paths"), buf);
	write_file(tpath("ci/registration"), "junk\n");
	ck_assert_int_eq(closure_read_info_dir(dfd, SD, &s, &err), 0);
	{
		unsigned long want[] = {1, 2};
		assert_set_eq(&s, want, 2);
	}
	nix_path_set_free(&s);
	close(dfd);

	/* store-paths bad: errors say so */
	ck_assert_int_eq(mkdir(tpath("ci2"), 0755), 0);
	write_file(tpath("ci2/store-paths"), "/etc/passwd\n");
	dfd = open(tpath("ci2"), O_RDONLY | O_DIRECTORY);
	ASSERT_ERR(closure_read_info_dir(dfd, SD, &s, &err), err, "store-paths: line 1: '/etc/passwd'");
	close(dfd);

	/* a symlink or a directory named store-paths */
	ck_assert_int_eq(mkdir(tpath("ci3"), 0755), 0);
	ck_assert_int_eq(symlink(tpath("ci/store-paths"), tpath("ci3/store-paths")), 0);
	dfd = open(tpath("ci3"), O_PATH | O_DIRECTORY);
	ASSERT_ERR(closure_read_info_dir(dfd, SD, &s, &err), err, "symbolic link");
	close(dfd);
	ck_assert_int_eq(mkdir(tpath("ci4"), 0755), 0);
	ck_assert_int_eq(mkdir(tpath("ci4/store-paths"), 0755), 0);
	dfd = open(tpath("ci4"), O_PATH | O_DIRECTORY);
	ASSERT_ERR(closure_read_info_dir(dfd, SD, &s, &err), err, "not a regular file");
	close(dfd);
	/* a FIFO does not block */
	ck_assert_int_eq(mkdir(tpath("ci5"), 0755), 0);
	ck_assert_int_eq(mkfifo(tpath("ci5/store-paths"), 0644), 0);
	dfd = open(tpath("ci5"), O_PATH | O_DIRECTORY);
	ASSERT_ERR(closure_read_info_dir(dfd, SD, &s, &err), err, "not a regular file");
	close(dfd);
	ck_assert_uint_eq(s.len, 0);
}
END_TEST

/* ---- the DB ---- */

static const char *db_file(void)
{
	return tpath("db.sqlite");
}

START_TEST(test_db_closure)
{
	struct nix_path_set roots = {0}, out = {0};
	struct nix_err err = {""};

	make_db(db_file(), 9, graph, NGRAPH);
	/* diamond + self-reference + cycle */
	set_of(&roots, (unsigned long[]){1}, 1);
	ck_assert_msg(closure_from_db(db_file(), &roots, &out, &err) == 0, "%s", err.msg);
	assert_set_eq(&out, (unsigned long[]){1, 2, 3, 4, 5, 6}, 6);
	nix_path_set_free(&out);
	nix_path_set_free(&roots);
	/* entering a cycle */
	set_of(&roots, (unsigned long[]){6}, 1);
	ck_assert_int_eq(closure_from_db(db_file(), &roots, &out, &err), 0);
	assert_set_eq(&out, (unsigned long[]){5, 6}, 2);
	nix_path_set_free(&out);
	nix_path_set_free(&roots);
	/* several roots, overlapping, isolated path */
	set_of(&roots, (unsigned long[]){7, 4, 9, 8}, 4);
	ck_assert_int_eq(closure_from_db(db_file(), &roots, &out, &err), 0);
	assert_set_eq(&out, (unsigned long[]){4, 5, 6, 7, 8, 9}, 6);
	/* adding to a non-empty out merges */
	nix_path_set_free(&roots);
	set_of(&roots, (unsigned long[]){2}, 1);
	ck_assert_int_eq(closure_from_db(db_file(), &roots, &out, &err), 0);
	assert_set_eq(&out, (unsigned long[]){2, 4, 5, 6, 7, 8, 9}, 7);
	nix_path_set_free(&out);
	nix_path_set_free(&roots);
}
END_TEST

START_TEST(test_db_invalid_root)
{
	struct nix_path_set roots = {0}, out = {0};
	struct nix_err err;
	char want[600];

	make_db(db_file(), 9, graph, NGRAPH);
	set_of(&roots, (unsigned long[]){1, 100}, 2);
	snprintf(want, sizeof(want), "%s is not a valid path in the store", sp(100));
	ASSERT_ERR(closure_from_db(db_file(), &roots, &out, &err), err, want);
	ck_assert_uint_eq(out.len, 0);
	nix_path_set_free(&roots);
	/* not a store path at all */
	ck_assert_int_eq(nix_path_set_add(&roots, "/etc/passwd"), 0);
	ASSERT_ERR(closure_from_db(db_file(), &roots, &out, &err), err, "is not a store path");
	nix_path_set_free(&roots);
	ASSERT_ERR(closure_from_db(db_file(), &roots, &out, &err), err, "no store paths given");
}
END_TEST

START_TEST(test_db_check_valid)
{
	struct nix_path_set paths = {0};
	struct nix_err err;
	char want[600];

	make_db(db_file(), 9, graph, NGRAPH);
	ck_assert_int_eq(closure_check_valid(db_file(), &paths, &err), 0);
	set_of(&paths, (unsigned long[]){9, 1, 5}, 3);
	ck_assert_int_eq(closure_check_valid(db_file(), &paths, &err), 0);
	set_of(&paths, (unsigned long[]){11, 12}, 2);
	/* the first invalid one in sorted order */
	snprintf(want, sizeof(want), "%s is not a valid path in the store",
		 strcmp(sp(11), sp(12)) < 0 ? sp(11) : sp(12));
	ASSERT_ERR(closure_check_valid(db_file(), &paths, &err), err, want);
	nix_path_set_free(&paths);
}
END_TEST

START_TEST(test_db_bad_files)
{
	struct nix_path_set roots = {0}, out = {0};
	struct nix_err err;
	sqlite3 *db;

	set_of(&roots, (unsigned long[]){1}, 1);
	ASSERT_ERR(closure_from_db(tpath("missing.sqlite"), &roots, &out, &err), err, "cannot open");
	write_file(tpath("junk.sqlite"), "\x7f" "ELF this is not a database, not at all, no no no no no no no no no no no no no no no no no no no no no no no no no\n");
	ASSERT_ERR(closure_from_db(tpath("junk.sqlite"), &roots, &out, &err), err, "not a database");
	ASSERT_ERR(closure_check_valid(tpath("junk.sqlite"), &roots, &err), err, "not a database");
	ck_assert_int_eq(sqlite3_open(tpath("other.sqlite"), &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE ValidPaths(id, path)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ASSERT_ERR(closure_from_db(tpath("other.sqlite"), &roots, &out, &err), err, "not a Nix store database");
	/* a hostile DB: a view named Refs, a bad path in ValidPaths */
	ck_assert_int_eq(sqlite3_open(tpath("view.sqlite"), &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE ValidPaths(id integer primary key, path text);"
				      "CREATE VIEW Refs AS SELECT 1 AS referrer, 1 AS reference;",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ASSERT_ERR(closure_from_db(tpath("view.sqlite"), &roots, &out, &err), err, "not a Nix store database");
	make_db(tpath("evil.sqlite"), 2, (const unsigned long[][2]){{1, 2}}, 1);
	ck_assert_int_eq(sqlite3_open(tpath("evil.sqlite"), &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "UPDATE ValidPaths SET path = '/etc/shadow' WHERE id = 2",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ASSERT_ERR(closure_from_db(tpath("evil.sqlite"), &roots, &out, &err), err,
		   "invalid path in ValidPaths: '/etc/shadow' is not in the store");
	ck_assert_uint_eq(out.len, 0);
	nix_path_set_free(&roots);
}
END_TEST

/* WAL mode, read-only directory and file: immutable=1 still opens it. */
START_TEST(test_db_readonly_wal)
{
	struct nix_path_set roots = {0}, out = {0};
	struct nix_err err = {""};
	char path[PATH_MAX];

	ck_assert_int_eq(mkdir(tpath("ro"), 0755), 0);
	snprintf(path, sizeof(path), "%s", tpath("ro/db.sqlite"));
	make_db(path, 9, graph, NGRAPH);
	ck_assert_int_eq(chmod(path, 0444), 0);
	ck_assert_int_eq(chmod(tpath("ro"), 0555), 0);
	set_of(&roots, (unsigned long[]){7}, 1);
	ck_assert_msg(closure_from_db(path, &roots, &out, &err) == 0, "%s", err.msg);
	assert_set_eq(&out, (unsigned long[]){7, 8}, 2);
	ck_assert_int_eq(access(tpath("ro/db.sqlite-shm"), F_OK), -1);
	ck_assert_int_eq(chmod(tpath("ro"), 0755), 0);
	nix_path_set_free(&roots);
	nix_path_set_free(&out);
}
END_TEST

/* ---- closure_resolve ---- */

/* <tmp>/root/{store,var/nix/db/db.sqlite}; returns an O_PATH fd. */
static int make_store_root(unsigned long n, const unsigned long (*edges)[2], size_t nedges)
{
	int fd;

	ck_assert_int_eq(mkdir(tpath("root"), 0755), 0);
	ck_assert_int_eq(mkdir(tpath("root/store"), 0755), 0);
	ck_assert_int_eq(mkdir(tpath("root/var"), 0755), 0);
	ck_assert_int_eq(mkdir(tpath("root/var/nix"), 0755), 0);
	ck_assert_int_eq(mkdir(tpath("root/var/nix/db"), 0755), 0);
	make_db(tpath("root/var/nix/db/db.sqlite"), n, edges, nedges);
	fd = open(tpath("root"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	return fd;
}

static int resolve_str(int rootfd, const char *arg, struct nix_path_set *out,
		       struct nix_err *err)
{
	struct closure_spec_list l;
	int rc;

	ck_assert_msg(closure_spec_parse(arg, SD, &l, err) == 0, "%s", err->msg);
	rc = closure_resolve(rootfd, SD, &l, out, err);
	closure_spec_list_free(&l);
	return rc;
}

START_TEST(test_resolve)
{
	struct nix_path_set out = {0};
	struct nix_err err = {""};
	char arg[4096], buf[1024];
	int root = make_store_root(9, graph, NGRAPH);

	/* store path (below one, reduced) + list file + closureInfo dir */
	snprintf(buf, sizeof(buf), "%s\n%s\n", sp(9), sp(5));
	write_file(tpath("list"), buf);
	ck_assert_int_eq(mkdir(tpath("ci"), 0755), 0);
	snprintf(buf, sizeof(buf), "%s\n", sp(8));
	write_file(tpath("ci/store-paths"), buf);
	snprintf(arg, sizeof(arg), "%s/bin/x,%s,%s", sp(2), tpath("list"), tpath("ci"));
	ck_assert_msg(resolve_str(root, arg, &out, &err) == 0, "%s", err.msg);
	/* list paths are taken as listed (a -qR list is already a closure) */
	assert_set_eq(&out, (unsigned long[]){2, 4, 5, 6, 8, 9}, 6);
	nix_path_set_free(&out);
	close(root);
}
END_TEST

START_TEST(test_resolve_errors)
{
	struct nix_path_set out = {0};
	struct nix_err err;
	char arg[4096], buf[1024], want[1024];
	int root = make_store_root(9, graph, NGRAPH);

	/* list naming a path not in the DB */
	snprintf(buf, sizeof(buf), "%s\n%s\n", sp(1), sp(42));
	write_file(tpath("list"), buf);
	snprintf(want, sizeof(want), "%s: %s is not a valid path in the store", tpath("list"), sp(42));
	ASSERT_ERR(resolve_str(root, tpath("list"), &out, &err), err, want);
	/* store path not in the DB */
	snprintf(want, sizeof(want), "%s is not a valid path in the store", sp(43));
	snprintf(arg, sizeof(arg), "%s,%s", sp(1), sp(43));
	ASSERT_ERR(resolve_str(root, arg, &out, &err), err, want);
	/* empty file, missing file, symlink, FIFO, device, closureInfo dir without store-paths */
	write_file(tpath("empty"), "");
	snprintf(want, sizeof(want), "%s: contains no store paths", tpath("empty"));
	ASSERT_ERR(resolve_str(root, tpath("empty"), &out, &err), err, want);
	ASSERT_ERR(resolve_str(root, tpath("missing"), &out, &err), err, "No such file or directory");
	ck_assert_int_eq(symlink(tpath("list"), tpath("link")), 0);
	ASSERT_ERR(resolve_str(root, tpath("link"), &out, &err), err, "a symbolic link to");
	ck_assert_int_eq(mkfifo(tpath("fifo"), 0644), 0);
	ASSERT_ERR(resolve_str(root, tpath("fifo"), &out, &err), err, "not a regular file or a directory");
	ASSERT_ERR(resolve_str(root, "/dev/zero", &out, &err), err, "not a regular file or a directory");
	ck_assert_int_eq(mkdir(tpath("emptydir"), 0755), 0);
	ASSERT_ERR(resolve_str(root, tpath("emptydir"), &out, &err), err, "has no store-paths file");
	ck_assert_uint_eq(out.len, 0);
	/* a store root without a DB */
	close(root);
	root = open(tpath("emptydir"), O_PATH | O_DIRECTORY);
	snprintf(arg, sizeof(arg), "%s", sp(1));
	ASSERT_ERR(resolve_str(root, arg, &out, &err), err, "has no var/nix/db/db.sqlite");
	close(root);
}
END_TEST

/* issue 11, item 4: the result link nix-build leaves is its store path. */
START_TEST(test_resolve_result_link)
{
	struct nix_path_set out = {0}, want = {0};
	struct nix_err err = {""};
	char buf[1024], exp[1024];
	int root = make_store_root(9, graph, NGRAPH);

	ck_assert_msg(resolve_str(root, sp(2), &want, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(symlink(sp(2), tpath("result")), 0);
	ck_assert_msg(resolve_str(root, tpath("result"), &out, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(out.len, want.len);
	for (size_t i = 0; i < out.len; i++)
		ck_assert_str_eq(out.paths[i], want.paths[i]);
	nix_path_set_free(&out);
	/* a link below a store path means that store path */
	snprintf(buf, sizeof(buf), "%s/bin/x", sp(2));
	ck_assert_int_eq(symlink(buf, tpath("result-bin")), 0);
	ck_assert_msg(resolve_str(root, tpath("result-bin"), &out, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(out.len, want.len);
	nix_path_set_free(&out);
	/* a link anywhere else is refused, saying where it points */
	write_file(tpath("list"), "");
	ck_assert_int_eq(symlink(tpath("list"), tpath("tolist")), 0);
	snprintf(exp, sizeof(exp), "%s: a symbolic link to %s, not to a store path in /nix/store",
		 tpath("tolist"), tpath("list"));
	ASSERT_ERR(resolve_str(root, tpath("tolist"), &out, &err), err, exp);
	ck_assert_int_eq(symlink("relative", tpath("rel")), 0);
	ASSERT_ERR(resolve_str(root, tpath("rel"), &out, &err), err, "a symbolic link to relative, not to");
	/* a link to an invalid store path is checked like the path */
	ck_assert_int_eq(symlink(sp(43), tpath("bad")), 0);
	ASSERT_ERR(resolve_str(root, tpath("bad"), &out, &err), err, "is not a valid path in the store");
	nix_path_set_free(&want);
	close(root);
}
END_TEST

/* issue 11, item 5: a list is a closure already: without a database, its
 * paths are checked against store/. */
START_TEST(test_resolve_list_without_db)
{
	struct nix_path_set out = {0};
	struct nix_err err = {""};
	char buf[1024], exp[1024];
	int root;

	ck_assert_int_eq(mkdir(tpath("nodb"), 0755), 0);
	ck_assert_int_eq(mkdir(tpath("nodb/store"), 0755), 0);
	snprintf(buf, sizeof(buf), "nodb%s", sp(1) + strlen(SD) - 6);
	ck_assert_int_eq(mkdir(tpath(buf), 0755), 0);
	snprintf(buf, sizeof(buf), "nodb%s", sp(5) + strlen(SD) - 6);
	write_file(tpath(buf), "");
	root = open(tpath("nodb"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(root, 0);

	snprintf(buf, sizeof(buf), "%s\n%s\n", sp(1), sp(5));
	write_file(tpath("list"), buf);
	ck_assert_int_eq(mkdir(tpath("ci"), 0755), 0);
	write_file(tpath("ci/store-paths"), buf);
	snprintf(buf, sizeof(buf), "%s,%s", tpath("list"), tpath("ci"));
	ck_assert_msg(resolve_str(root, buf, &out, &err) == 0, "%s", err.msg);
	assert_set_eq(&out, (unsigned long[]){1, 5}, 2);
	nix_path_set_free(&out);

	snprintf(buf, sizeof(buf), "%s\n%s\n", sp(1), sp(6));
	write_file(tpath("list2"), buf);
	snprintf(exp, sizeof(exp), "%s: %s is not in the store", tpath("list2"), sp(6));
	ASSERT_ERR(resolve_str(root, tpath("list2"), &out, &err), err, exp);
	/* a store path's closure still needs the database */
	ASSERT_ERR(resolve_str(root, sp(1), &out, &err), err,
		   "has no var/nix/db/db.sqlite (give a `nix-store -qR` list or a closureInfo dir)");
	close(root);
}
END_TEST

START_TEST(test_check_names_without_closing)
{
	struct closure_spec_list l;
	struct nix_err err = {""};
	char arg[4096], want[1024];
	int root = make_store_root(9, graph, NGRAPH);

	snprintf(arg, sizeof(arg), "%s,%s", sp(2), sp(9));
	ck_assert_int_eq(closure_spec_parse(arg, SD, &l, &err), 0);
	ck_assert_msg(closure_check(root, SD, &l, &err) == 0, "%s", err.msg);
	closure_spec_list_free(&l);

	snprintf(arg, sizeof(arg), "%s,%s", sp(2), sp(43));
	ck_assert_int_eq(closure_spec_parse(arg, SD, &l, &err), 0);
	snprintf(want, sizeof(want), "%s is not a valid path in the store", sp(43));
	ASSERT_ERR(closure_check(root, SD, &l, &err), err, want);
	closure_spec_list_free(&l);
	close(root);
}
END_TEST

/* ---- timing: a 5,000-path closure ---- */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

START_TEST(test_perf_5000)
{
	/* 20,000 paths; path i (i <= 5000) references up to 8 random paths in
	 * (i, 5000], plus itself; paths > 5000 reference each other only.  The
	 * closure of path 1 is then (nearly all of) 1..5000: force it with a
	 * chain i -> i+1. */
	enum { N = 20000, C = 5000, FAN = 8 };
	unsigned long (*edges)[2] = malloc(sizeof(*edges) * (N * (FAN + 2)));
	size_t ne = 0;
	struct nix_path_set out = {0};
	struct nix_err err = {""};
	double best_store = 1e9, best_list = 1e9;
	char buf[4096];
	int root;
	FILE *f;

	srand(42);
	for (unsigned long i = 1; i <= N; i++) {
		unsigned long lo = i <= C ? i : C + 1, hi = i <= C ? C : N;

		edges[ne][0] = i;
		edges[ne++][1] = i;
		if (i != C && i != N) {
			edges[ne][0] = i;
			edges[ne++][1] = i + 1;
		}
		for (int k = 0; k < FAN && hi > i; k++) {
			edges[ne][0] = i;
			edges[ne++][1] = i + 1 + (unsigned long)rand() % (hi - i);
		}
		(void)lo;
	}
	root = make_store_root(N, (const unsigned long (*)[2])edges, ne);
	free(edges);
	f = fopen(tpath("list"), "w");
	for (unsigned long i = 1; i <= C; i++)
		fprintf(f, "%s\n", sp(i));
	fclose(f);

	for (int rep = 0; rep < 10; rep++) {
		double t0 = now_ms(), t;

		ck_assert_msg(resolve_str(root, sp(1), &out, &err) == 0, "%s", err.msg);
		t = now_ms() - t0;
		ck_assert_uint_eq(out.len, C);
		nix_path_set_free(&out);
		if (t < best_store)
			best_store = t;
		t0 = now_ms();
		ck_assert_msg(resolve_str(root, tpath("list"), &out, &err) == 0, "%s", err.msg);
		t = now_ms() - t0;
		ck_assert_uint_eq(out.len, C);
		assert_sorted_unique(&out);
		nix_path_set_free(&out);
		if (t < best_list)
			best_list = t;
	}
	snprintf(buf, sizeof(buf),
		 "closure_resolve, %d-path closure in a %d-path DB: store path %.2f ms, "
		 "-qR list %.2f ms (best of 10)\n", C, N, best_store, best_list);
	/* Reported, not asserted: a wall-clock bound fails on a loaded machine
	 * (speed targets live in bench/, as ratios measured side by side). */
	fputs(buf, stderr);
	close(root);
}
END_TEST

static Suite *closure_suite(void)
{
	Suite *s = suite_create("closure");
	TCase *tc;

	tc = tcase_create("syntax");
	tcase_add_test(tc, test_valid);
	tcase_add_test(tc, test_invalid);
	tcase_add_test(tc, test_path_set);
	suite_add_tcase(s, tc);

	tc = tcase_create("spec");
	tcase_add_test(tc, test_spec_ok);
	tcase_add_test(tc, test_spec_bad);
	tcase_add_test(tc, test_spec_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("list");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_list_ok);
	tcase_add_test(tc, test_list_pipe);
	tcase_add_test(tc, test_list_bad);
	tcase_add_test(tc, test_list_below);
	tcase_add_test(tc, test_list_unchanged_on_error);
	tcase_add_test(tc, test_list_nul);
	tcase_add_test(tc, test_list_long_line);
	tcase_add_test(tc, test_list_million);
	tcase_add_test(tc, test_list_too_big);
	tcase_add_test(tc, test_list_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("files_db");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_info_dir);
	tcase_add_test(tc, test_db_closure);
	tcase_add_test(tc, test_db_invalid_root);
	tcase_add_test(tc, test_db_check_valid);
	tcase_add_test(tc, test_db_bad_files);
	tcase_add_test(tc, test_db_readonly_wal);
	tcase_add_test(tc, test_resolve);
	tcase_add_test(tc, test_resolve_errors);
	tcase_add_test(tc, test_resolve_result_link);
	tcase_add_test(tc, test_resolve_list_without_db);
	tcase_add_test(tc, test_check_names_without_closing);
	tcase_add_test(tc, test_perf_5000);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(closure_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
