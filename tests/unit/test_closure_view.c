/* closure_view: the entries of a closure's view, typed from the user's
 * store (one read of store/, or path by path in a big store), and the
 * errors of a path in the database but not in store/. */
#include "closure_fixture.h"
#include "check_main.h"
#include "closure_view.h"

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* <tmp>/db/store, empty, and <tmp>/db/var/nix/db/db.sqlite with paths
 * 1..n and the n - 1 edges. */
static void make_store_dirs(unsigned long n, const unsigned long (*edges)[2])
{
	ck_assert_int_eq(mkdir(tpath("db"), 0755), 0);
	ck_assert_int_eq(mkdir(tpath("db/store"), 0755), 0);
	ck_assert_int_eq(mkdir(tpath("db/var"), 0755), 0);
	ck_assert_int_eq(mkdir(tpath("db/var/nix"), 0755), 0);
	ck_assert_int_eq(mkdir(tpath("db/var/nix/db"), 0755), 0);
	make_db(tpath("db/var/nix/db/db.sqlite"), n, edges, n - 1);
}

/* <tmp>/db/{store,var/nix/db/db.sqlite}: paths 1..N_DB in the DB, 1 ->
 * each other; in store/: 1, 3 and 7.. dirs, 2, 5 files, 4 a symlink, 6 as
 * `six` says; and `extra` more directories in store/ (not in the closure).
 * N_DB: enough for a one-block directory not to look big (ext4). */
#define N_DB 30
static void make_db_store(struct nix_store *store, int extra, int six)
{
	unsigned long edges[N_DB - 1][2];
	char rel[512];

	for (unsigned long i = 0; i < N_DB - 1; i++) {
		edges[i][0] = 1;
		edges[i][1] = i + 2;
	}

	make_store_dirs(N_DB, edges);
	for (unsigned long i = 1; i <= N_DB; i++) {
		snprintf(rel, sizeof(rel), "db/store/%s", sp(i) + strlen(SD) + 1);
		if (i == 1 || i == 3 || i > 6)
			ck_assert_int_eq(mkdir(tpath(rel), 0755), 0);
		else if (i == 2 || i == 5)
			write_file(tpath(rel), "x");
		else if (i == 4)
			ck_assert_int_eq(symlink("../some/target", tpath(rel)), 0);
		else if (six == 'f')
			write_file(tpath(rel), "x");
		else if (six == 'p')
			ck_assert_int_eq(mkfifo(tpath(rel), 0644), 0);
		/* else: in the DB, not in store/ */
	}
	for (int i = 0; i < extra; i++) {
		snprintf(rel, sizeof(rel), "db/store/%s", spn(SD, 1000 + i, "extra-entry-of-the-store") + strlen(SD) + 1);
		ck_assert_int_eq(mkdir(tpath(rel), 0755), 0);
	}
	store->root_fd = open(tpath("db"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	store->store_fd = open(tpath("db/store"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(store->store_fd, 0);
	store->has_db = true;
}

static int entries_of_six(int extra, int six, struct host_entry **e, size_t *n,
			  struct nix_err *err)
{
	struct nix_store store = NIX_STORE_INIT;
	int rc;

	make_db_store(&store, extra, six);
	rc = closure_view_entries(&store, SD, sp(1), e, n, err);
	close(store.root_fd);
	close(store.store_fd);
	return rc;
}

/* extra: 0, the store is the closure (read whole); 400, many times the
 * closure (each path looked up alone): the same entries. */
static void check_types(int extra)
{
	struct host_entry *e = NULL;
	struct nix_err err = { "" };
	size_t n = 0;

	ck_assert_msg(entries_of_six(extra, 'f', &e, &n, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(n, N_DB);
	for (size_t i = 0; i < n; i++) {
		unsigned long k = 0;

		for (unsigned long j = 1; j <= N_DB; j++)
			if (!strcmp(e[i].name, sp(j) + strlen(SD) + 1))
				k = j;
		ck_assert_msg(k, "unexpected entry %s", e[i].name);
		ck_assert_int_eq(e[i].type, k == 1 || k == 3 || k > 6 ? HOST_DIR : k == 4 ? HOST_SYMLINK : HOST_FILE);
		if (k == 4)
			ck_assert_str_eq(e[i].link, "../some/target");
		else
			ck_assert_ptr_null(e[i].link);
	}
	closure_view_entries_free(e, n);
}

START_TEST(closure_entries_typed_from_one_read_of_the_store)
{
	check_types(0);
}
END_TEST

START_TEST(closure_entries_typed_path_by_path_in_a_big_store)
{
	check_types(400);
}
END_TEST

static void check_error(int extra, int six, const char *want)
{
	struct host_entry *e = NULL;
	struct nix_err err = { "" };
	char sub[512];
	size_t n = 0;

	snprintf(sub, sizeof(sub), "%s %s", sp(6) + strlen(SD) + 1, want);
	ASSERT_ERR(entries_of_six(extra, six, &e, &n, &err), err, sub);
	ck_assert_ptr_null(e);
	ck_assert_uint_eq(n, 0);
}

START_TEST(closure_path_in_the_db_but_not_in_store_is_an_error)
{
	check_error(0, 0, "is in the database but not in store/: No such file or directory");
	tmp_teardown();
	tmp_setup();
	check_error(400, 0, "is in the database but not in store/: No such file or directory");
}
END_TEST

START_TEST(closure_path_neither_file_dir_nor_symlink_is_an_error)
{
	check_error(0, 'p', "is neither a file, a directory nor a symlink");
	tmp_teardown();
	tmp_setup();
	check_error(400, 'p', "is neither a file, a directory nor a symlink");
}
END_TEST

/* Each entry once, whatever gives it more than once: lists that are part
 * of the closure of a store path given too; and the closure of much of the
 * store, which the database's walk reads from all of Refs after its query
 * gave way (SQLite computes the recursive query before its first row
 * today, so that none comes twice from there; the scan's entries are typed
 * from one read of store/). */
static void check_each_once(const char *spec, size_t want)
{
	struct nix_store store = NIX_STORE_INIT;
	struct host_entry *e = NULL;
	struct nix_err err = { "" };
	size_t n = 0;

	store.root_fd = open(tpath("db"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	store.store_fd = open(tpath("db/store"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	store.has_db = true;
	ck_assert_msg(closure_view_entries(&store, SD, spec, &e, &n, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(n, want);
	for (size_t i = 1; i < n; i++) /* sorted: a repeat would be next to its twin */
		ck_assert_str_ne(e[i - 1].name, e[i].name);
	closure_view_entries_free(e, n);
	close(store.root_fd);
	close(store.store_fd);
}

START_TEST(closure_entries_come_once_from_lists_and_the_db)
{
	char spec[4096];

	make_db_store(&(struct nix_store)NIX_STORE_INIT, 0, 'f');
	snprintf(spec, sizeof(spec), "%s\n%s\n", sp(2), sp(3));
	write_file(tpath("list"), spec);
	snprintf(spec, sizeof(spec), "%s,%s,%s", tpath("list"), sp(1), sp(3));
	check_each_once(spec, N_DB);
}
END_TEST

START_TEST(closure_entries_of_much_of_the_store_come_once)
{
	enum { N = 600 }; /* a closure of all N: the query gives way at N / 4 */
	static unsigned long edges[N - 1][2];
	char rel[512];

	for (unsigned long i = 0; i < N - 1; i++) {
		edges[i][0] = i + 1; /* a chain: 1 -> 2 -> ... -> N */
		edges[i][1] = i + 2;
	}
	make_store_dirs(N, edges);
	for (unsigned long i = 1; i <= N; i++) {
		snprintf(rel, sizeof(rel), "db/store/%s", sp(i) + strlen(SD) + 1);
		ck_assert_int_eq(mkdir(tpath(rel), 0755), 0);
	}
	check_each_once(sp(1), N);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("closure_view");
	TCase *tc = tcase_create("entries");

	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, closure_entries_typed_from_one_read_of_the_store);
	tcase_add_test(tc, closure_entries_typed_path_by_path_in_a_big_store);
	tcase_add_test(tc, closure_path_in_the_db_but_not_in_store_is_an_error);
	tcase_add_test(tc, closure_path_neither_file_dir_nor_symlink_is_an_error);
	tcase_add_test(tc, closure_entries_come_once_from_lists_and_the_db);
	tcase_add_test(tc, closure_entries_of_much_of_the_store_come_once);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
