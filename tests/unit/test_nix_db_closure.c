/* Unit tests for lib/nix_db_closure.c: closures from small real Nix DBs,
 * by the recursive query and by one pass over Refs. */
#include "closure_fixture.h"
#include "check_main.h"
#include "nix_db.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* db_closure with scan_min chosen: 0 reads all of Refs from the first
 * path on, SIZE_MAX never (the recursive query alone). */
static int closure_with(const char *file, size_t scan_min, const struct nix_path_set *roots,
			struct nix_path_set *out, struct nix_err *err)
{
	struct db d;
	int rc;

	if (db_open(&d, file, "'test db'", err) < 0)
		return -1;
	d.scan_min = scan_min;
	rc = db_closure(&d, roots, out, err);
	db_close(&d);
	return rc;
}

/* The closure of roots by the query and by the scan: the same paths. */
static void assert_scan_same_as_query(const char *file, const struct nix_path_set *roots,
				      size_t scan_min)
{
	struct nix_path_set q = {0}, s = {0};
	struct nix_err err = {""};

	ck_assert_msg(closure_with(file, SIZE_MAX, roots, &q, &err) == 0, "%s", err.msg);
	ck_assert_msg(closure_with(file, scan_min, roots, &s, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(q.len, s.len);
	for (size_t i = 0; i < q.len; i++)
		ck_assert_str_eq(q.paths[i], s.paths[i]);
	assert_sorted_unique(&s);
	nix_path_set_free(&q);
	nix_path_set_free(&s);
}

START_TEST(test_db_closure_scan)
{
	struct nix_path_set roots = {0}, out = {0};
	struct nix_err err = {""};

	make_db(db_file(), 9, graph, NGRAPH);
	set_of(&roots, (unsigned long[]){1}, 1);
	ck_assert_msg(closure_with(db_file(), 0, &roots, &out, &err) == 0, "%s", err.msg);
	assert_set_eq(&out, (unsigned long[]){1, 2, 3, 4, 5, 6}, 6);
	nix_path_set_free(&out);
	for (unsigned long r = 1; r <= 9; r++) {
		nix_path_set_free(&roots);
		set_of(&roots, &r, 1);
		assert_scan_same_as_query(db_file(), &roots, 0);
	}
	nix_path_set_free(&roots);
	set_of(&roots, (unsigned long[]){7, 4, 9, 8}, 4);
	assert_scan_same_as_query(db_file(), &roots, 0);
	nix_path_set_free(&roots);
}
END_TEST

/* A store of 3,000 paths with random references, some to ids that are
 * not in ValidPaths (followed by the query, so by the scan too), and
 * references the scan cannot hold (a negative id: back to the query). */
START_TEST(test_db_closure_scan_big)
{
	enum { N = 3000, E = 4 * N };
	static unsigned long edges[E + 3][2];
	struct nix_path_set roots = {0};
	unsigned long x = 12345;
	sqlite3 *db;

	for (size_t i = 0; i < E; i++) {
		x = x * 6364136223846793005ul + 1442695040888963407ul;
		edges[i][0] = 1 + (x >> 33) % N;
		edges[i][1] = 1 + (x >> 13) % N;
	}
	edges[E][0] = 2, edges[E][1] = 5000;    /* not in ValidPaths */
	edges[E + 1][0] = 5000, edges[E + 1][1] = N; /* reached through it */
	edges[E + 2][0] = N - 1, edges[E + 2][1] = N - 1;
	make_db(db_file(), N, (const unsigned long (*)[2])edges, E + 3);
	set_of(&roots, (unsigned long[]){1}, 1);
	assert_scan_same_as_query(db_file(), &roots, 0);
	assert_scan_same_as_query(db_file(), &roots, DB_SCAN_MIN);
	nix_path_set_free(&roots);
	set_of(&roots, (unsigned long[]){17, N - 1, 2}, 3);
	assert_scan_same_as_query(db_file(), &roots, 0);
	ck_assert_int_eq(sqlite3_open(db_file(), &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO Refs VALUES (1, -7)", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_scan_same_as_query(db_file(), &roots, 0);
	nix_path_set_free(&roots);
}
END_TEST

/* The scan checks the paths it returns as the query does, and only those. */
START_TEST(test_db_closure_scan_bad_path)
{
	struct nix_path_set roots = {0}, out = {0};
	struct nix_err err;
	sqlite3 *db;

	make_db(db_file(), 9, graph, NGRAPH);
	ck_assert_int_eq(sqlite3_open(db_file(), &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "UPDATE ValidPaths SET path = '/etc/shadow' WHERE id = 5",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	set_of(&roots, (unsigned long[]){1}, 1);
	ASSERT_ERR(closure_with(db_file(), 0, &roots, &out, &err), err,
		   "invalid path in ValidPaths: '/etc/shadow' is not in the store");
	ck_assert_uint_eq(out.len, 0);
	nix_path_set_free(&roots);
	set_of(&roots, (unsigned long[]){7}, 1); /* 5 is not in its closure */
	assert_scan_same_as_query(db_file(), &roots, 0);
	nix_path_set_free(&roots);
}
END_TEST

static Suite *nix_db_closure_suite(void)
{
	Suite *s = suite_create("nix_db_closure");
	TCase *tc;

	tc = tcase_create("closure");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_db_closure);
	tcase_add_test(tc, test_db_invalid_root);
	tcase_add_test(tc, test_db_closure_scan);
	tcase_add_test(tc, test_db_closure_scan_big);
	tcase_add_test(tc, test_db_closure_scan_bad_path);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(nix_db_closure_suite());
}
