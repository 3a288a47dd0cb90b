/* Unit tests for lib/nix_db.c: opening small real Nix DBs (good, hostile,
 * read-only), and validity. */
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

static Suite *nix_db_suite(void)
{
	Suite *s = suite_create("nix_db");
	TCase *tc;

	tc = tcase_create("db");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_db_check_valid);
	tcase_add_test(tc, test_db_bad_files);
	tcase_add_test(tc, test_db_readonly_wal);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(nix_db_suite());
}
