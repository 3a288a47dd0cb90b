/* path_walk: opening a user's path component by component, following only
 * symlinks no user but root could change. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "path_walk.h"

static char top[PATH_MAX];

/* top: a fresh directory with d/ (a directory), f (a file) and open/, a
 * directory any user may write to. */
static void make_tree(void)
{
	char p[PATH_MAX + 32];

	snprintf(top, sizeof(top), "/tmp/spank-nix-walk.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(top));
	snprintf(p, sizeof(p), "%s/d", top);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/f", top);
	ck_assert_int_eq(close(open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)), 0);
	snprintf(p, sizeof(p), "%s/open", top);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	ck_assert_int_eq(chmod(p, 0777), 0); /* no sticky bit: anyone may replace a link */
}

static void remove_tree(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(plain_paths_open_and_errors_name_the_component)
{
	char p[PATH_MAX + 32], real[PATH_MAX];
	struct nix_err err;
	int fd;

	make_tree();
	snprintf(p, sizeof(p), "%s/d", top);
	fd = nix_open_walk(p, true, real, &err);
	ck_assert_int_ge(fd, 0);
	ck_assert_str_eq(real, p);
	close(fd);
	snprintf(p, sizeof(p), "%s/missing/x", top);
	ck_assert_int_eq(nix_open_nofollow(p, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "/missing does not exist"));
	snprintf(p, sizeof(p), "%s/f/x", top);
	ck_assert_int_eq(nix_open_nofollow(p, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "/f is not a directory"));
	ck_assert_int_eq(nix_open_nofollow("relative/path", &err), -1);
	ck_assert_str_eq(err.msg, "not an absolute path");
	remove_tree();
}
END_TEST

START_TEST(a_link_anyone_could_change_is_refused)
{
	char p[PATH_MAX + 32], target[PATH_MAX + 32];
	struct nix_err err;

	make_tree();
	snprintf(target, sizeof(target), "%s/d", top);
	snprintf(p, sizeof(p), "%s/open/l", top);
	ck_assert_int_eq(symlink(target, p), 0);
	ck_assert_int_eq(nix_open_nofollow(p, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "/open/l is a symlink a user could change"));
	remove_tree();
}
END_TEST

/* In top (0700, ours): followed when we are root (root's link in root's
 * directory nobody else may write), refused for anyone else (a user's own
 * link), and never when follow_roots is off. */
START_TEST(roots_link_is_followed_only_for_root)
{
	char p[PATH_MAX + 32], real[PATH_MAX], want[PATH_MAX + 32];
	struct nix_err err;
	int fd;

	make_tree();
	ck_assert_int_eq(symlink("d", (snprintf(p, sizeof(p), "%s/l", top), p)), 0);
	snprintf(p, sizeof(p), "%s/l/", top);
	fd = nix_open_walk(p, true, real, &err);
	if (geteuid() == 0) {
		ck_assert_int_ge(fd, 0);
		snprintf(want, sizeof(want), "%s/d", top);
		ck_assert_str_eq(real, want);
		close(fd);
	} else {
		ck_assert_int_eq(fd, -1);
		ck_assert_ptr_nonnull(strstr(err.msg, "is a symlink a user could change"));
	}
	ck_assert_int_eq(nix_open_walk(p, false, NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "/l is a symlink a user could change"));
	remove_tree();
}
END_TEST

START_TEST(explained_errnos)
{
	struct nix_err err;

	ck_assert_int_eq(nix_explain_open_errno(&err, ENOENT, "/x"), -1);
	ck_assert_str_eq(err.msg, "/x does not exist");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("path_walk");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, plain_paths_open_and_errors_name_the_component);
	tcase_add_test(tc, a_link_anyone_could_change_is_refused);
	tcase_add_test(tc, roots_link_is_followed_only_for_root);
	tcase_add_test(tc, explained_errnos);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
