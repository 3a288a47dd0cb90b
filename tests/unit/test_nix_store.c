/* nix_store on the real kernel: a store owned by an unprivileged user,
 * opened with the user's rights, and what is refused, with the reason.
 * Needs root, as slurmstepd has: it fails (never skips) without. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "nix_store.h"
#include "root_fixture.h"

START_TEST(store_checks_explain_themselves)
{
	struct nix_store st;
	struct nix_err err;
	char p[256];

	ck_assert_int_eq(nix_store_open(store_dir, USER_ID, &st, &err), 0);
	ck_assert(!st.has_db);
	nix_store_close(&st);

	snprintf(p, sizeof(p), "%s/missing", top);
	ck_assert_int_eq(nix_store_open(p, USER_ID, &st, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "does not exist"));

	ck_assert_int_eq(nix_store_open(store_dir, 4242, &st, &err), -1);
	ck_assert_msg(strstr(err.msg, " is owned by nobody (uid 65534), not by the job's user uid 4242"), "%s", err.msg);

	/* a link the user owns: they could point it anywhere */
	snprintf(p, sizeof(p), "%s/link", top);
	ck_assert_int_eq(symlink(store_dir, p), 0);
	ck_assert_int_eq(lchown(p, USER_ID, USER_ID), 0);
	ck_assert_int_eq(nix_store_open(p, USER_ID, &st, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "is a symlink"));
	snprintf(p, sizeof(p), "%s/link/store", top);
	ck_assert_int_eq(nix_store_open(p, USER_ID, &st, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "/link is a symlink"));
	snprintf(p, sizeof(p), "%s/link", top);
	unlink(p);

	chmod(store_dir, 0775);
	ck_assert_int_eq(nix_store_open(store_dir, USER_ID, &st, &err), -1);
	ck_assert_msg(strstr(err.msg, "/nix is group- or world-writable (chmod go-w)"), "%s", err.msg);
	chmod(store_dir, 0755);

	snprintf(p, sizeof(p), "%s/store/abc-hello/greeting", store_dir);
	ck_assert_int_eq(nix_store_open(p, USER_ID, &st, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "is not a directory"));

	snprintf(p, sizeof(p), "%s/store/abc-hello", store_dir);
	ck_assert_int_eq(nix_store_open(p, USER_ID, &st, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "has no store/ directory"));
}
END_TEST

/* Sites reach homes through links only root controls (/home -> /gpfs/home):
 * those are followed; a link a user could replace is still refused. */
START_TEST(roots_symlinks_are_followed)
{
	struct nix_store st;
	struct nix_err err;
	char p[256], q[256];

	/* absolute target, the store itself a root link */
	snprintf(p, sizeof(p), "%s/rootlink", top);
	ck_assert_int_eq(symlink(store_dir, p), 0);
	ck_assert_msg(nix_store_open(p, USER_ID, &st, &err) == 0, "%s", err.msg);
	nix_store_close(&st);

	/* relative target with "..", then more of the path after the link */
	sh("mkdir -p %s/site && ln -sfn ../ %s/site/home", top);
	snprintf(p, sizeof(p), "%s/site/home/nix", top);
	ck_assert_msg(nix_store_open(p, USER_ID, &st, &err) == 0, "%s", err.msg);
	nix_store_close(&st);

	/* a root link in a directory the user may write: they could swap it */
	sh("mkdir -p %s/userdir && chown 65534 %s/userdir", top);
	snprintf(p, sizeof(p), "%s/userdir/link", top);
	ck_assert_int_eq(symlink(store_dir, p), 0);
	ck_assert_int_eq(nix_store_open(p, USER_ID, &st, &err), -1);
	ck_assert_msg(strstr(err.msg, "/userdir/link is a symlink a user could change"), "%s", err.msg);

	/* ... or in a group-writable one */
	sh("mkdir -p %s/gwdir && chmod 775 %s/gwdir", top);
	snprintf(p, sizeof(p), "%s/gwdir/link", top);
	ck_assert_int_eq(symlink(store_dir, p), 0);
	ck_assert_int_eq(nix_store_open(p, USER_ID, &st, &err), -1);
	ck_assert_msg(strstr(err.msg, "/gwdir/link is a symlink"), "%s", err.msg);

	/* a loop of root links ends */
	snprintf(p, sizeof(p), "%s/loop1", top);
	snprintf(q, sizeof(q), "%s/loop2", top);
	ck_assert_int_eq(symlink(q, p), 0);
	ck_assert_int_eq(symlink(p, q), 0);
	ck_assert_int_eq(nix_store_open(p, USER_ID, &st, &err), -1);
	ck_assert_msg(strstr(err.msg, "too many levels of symlinks"), "%s", err.msg);
	sh("rm -rf %s/rootlink %s/site %s/userdir", top);
	sh("rm -rf %s/gwdir %s/loop1 %s/loop2", top);
}
END_TEST

/* issue 11, item 10: a --nix-profile that is not there is refused. */
START_TEST(profiles_must_exist)
{
	struct nix_store st;
	struct nix_err err;
	char ok[512];

	ck_assert_msg(nix_store_open(store_dir, USER_ID, &st, &err) == 0, "%s", err.msg);
	snprintf(ok, sizeof(ok), "/nix/store/abc-hello,%s", top);
	ck_assert_msg(nix_store_check_profiles(&st, "/nix", ok, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(nix_store_check_profiles(&st, "/nix", "/nix/store/abc-hello,/nix/store/gone", &err), -1);
	ck_assert_str_eq(err.msg, "/nix/store/gone does not exist in the store");
	ck_assert_int_eq(nix_store_check_profiles(&st, "/nix", "/nonexistent-profile", &err), -1);
	ck_assert_str_eq(err.msg, "/nonexistent-profile does not exist");
	nix_store_close(&st);
}
END_TEST

/* `nix --store DIR` makes DIR/nix/store; nix-user-chroot DIR/store. */
START_TEST(chroot_store_layout_is_accepted)
{
	struct nix_store st;
	struct nix_err err;
	struct stat a, b;
	char p[256], want[256];

	sh("rm -rf %s/chroot && mkdir -p %s/chroot/nix/store/abc-x %s/chroot/nix/var/nix/db", top);
	sh("touch %s/chroot/nix/var/nix/db/db.sqlite && chown -R 65534:65534 %s/chroot", top);
	snprintf(p, sizeof(p), "%s/chroot", top);
	ck_assert_msg(nix_store_open(p, USER_ID, &st, &err) == 0, "%s", err.msg);
	snprintf(want, sizeof(want), "%s/chroot/nix", top);
	ck_assert_str_eq(st.real, want);
	ck_assert(st.has_db);
	snprintf(p, sizeof(p), "%s/chroot/nix/store", top);
	ck_assert_int_eq(stat(p, &a), 0);
	ck_assert_int_eq(fstat(st.store_fd, &b), 0);
	ck_assert(a.st_ino == b.st_ino);
	/* and again, as the helper does in its own namespace */
	ck_assert_msg(nix_store_reopen("unused", &st, &err) == 0, "%s", err.msg);
	nix_store_close(&st);

	/* DIR/nix must be the user's alone too */
	sh("chmod 775 %s/chroot/nix", top);
	snprintf(p, sizeof(p), "%s/chroot", top);
	ck_assert_int_eq(nix_store_open(p, USER_ID, &st, &err), -1);
	ck_assert_msg(strstr(err.msg, "nix/ is group- or world-writable"), "%s", err.msg);
	sh("rm -rf %s/chroot/nix/store", top);
	ck_assert_int_eq(nix_store_open(p, USER_ID, &st, &err), -1);
	ck_assert_msg(strstr(err.msg, "or DIR/nix/store as `nix --store DIR` makes"), "%s", err.msg);
	sh("rm -rf %s/chroot", top);
}
END_TEST

START_TEST(store_is_opened_with_the_users_rights)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		struct nix_store st;
		struct nix_err err;

		chmod(store_dir, 0311); /* the user may traverse, not list */
		if (setgroups(0, NULL) || setresgid(USER_ID, USER_ID, USER_ID) ||
		    setresuid(USER_ID, USER_ID, USER_ID))
			_exit(2);
		if (nix_store_open(store_dir, USER_ID, &st, &err) == 0)
			_exit(3);
		_exit(strstr(err.msg, "/nix is not readable by the job's user") ? 0 : 4);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

/* issue 10, item 10: store/ and var/nix/db */
static int open_store(const char *dir, struct nix_err *err)
{
	struct nix_store st;
	int rc = nix_store_open(dir, USER_ID, &st, err);

	if (rc == 0)
		nix_store_close(&st);
	return rc;
}

START_TEST(store_and_db_are_the_users_alone)
{
	struct nix_err err;
	char dir[256];

	snprintf(dir, sizeof(dir), "%s/s10", top);
	sh("rm -rf %s && mkdir -p %s/store %s/var/nix/db && chown -R 65534:65534 %s", dir);
	sh("chmod -R 755 %s", dir);
	ck_assert_msg(open_store(dir, &err) == 0, "%s", err.msg);

	sh("chmod 775 %s/store", dir);
	ck_assert_int_eq(open_store(dir, &err), -1);
	ck_assert_str_eq(err.msg, "store/ is group- or world-writable (chmod go-w)");
	sh("chmod 757 %s/store", dir);
	ck_assert_int_eq(open_store(dir, &err), -1);
	sh("chmod 755 %s/store", dir);

	sh("chmod 777 %s/var/nix/db", dir);
	ck_assert_int_eq(open_store(dir, &err), -1);
	ck_assert_str_eq(err.msg, "var/nix/db/ is group- or world-writable (chmod go-w)");
	sh("chmod 755 %s/var/nix/db && chown 4242 %s/var/nix/db", dir);
	ck_assert_int_eq(open_store(dir, &err), -1);
	ck_assert_str_eq(err.msg, "var/nix/db/ is owned by uid 4242, not by the job's user nobody (uid 65534)");

	/* redirected elsewhere: refused, never followed */
	sh("rm -rf %s/var/nix/db && mkdir %s/elsewhere && ln -s ../../elsewhere %s/var/nix/db", dir);
	ck_assert_int_eq(open_store(dir, &err), -1);
	ck_assert_str_eq(err.msg, "var/nix/db/ is a symlink");

	/* no database at all is fine */
	sh("rm -rf %s/var", dir);
	ck_assert_msg(open_store(dir, &err) == 0, "%s", err.msg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nix_store");
	TCase *tc = tcase_create("kernel");

	tcase_add_unchecked_fixture(tc, make_top, remove_top);
	tcase_add_checked_fixture(tc, fresh_user_store, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, store_checks_explain_themselves);
	tcase_add_test(tc, roots_symlinks_are_followed);
	tcase_add_test(tc, chroot_store_layout_is_accepted);
	tcase_add_test(tc, profiles_must_exist);
	tcase_add_test(tc, store_is_opened_with_the_users_rights);
	tcase_add_test(tc, store_and_db_are_the_users_alone);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
