/* Unit tests for lib/closure_spec.c: the SPEC parser and the list / closureInfo
 * readers, hostile inputs included. */
#include "closure_fixture.h"
#include "check_main.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>


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

static Suite *closure_spec_suite(void)
{
	Suite *s = suite_create("closure_spec");
	TCase *tc;

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

	tc = tcase_create("files");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_info_dir);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(closure_spec_suite());
}
