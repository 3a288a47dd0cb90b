/* nix_state_pins: a job's views in its directory, counted against
 * max_views, their .view records bounded and compared in full, and the
 * directory emptied. Needs root: it fails (never skips) without. */
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
#include "nix_clock.h"
#include "nix_state.h"
#include "nix_state_pins.h"
#include "root_fixture.h"

START_TEST(views_per_job_are_capped)
{
	struct nix_job_dir jd;
	struct nix_err err;
	char p[PATH_MAX + 32];

	ck_assert_int_eq(nix_state_lock_job(state_dir, "node1", 11, USER_ID, nix_clock_ms() + 30000, &jd, &err), 0);
	ck_assert_int_eq(nix_state_room_for_view(&jd, 2, &err), 0);
	for (int i = 0; i < 2; i++) {
		char key[8];

		snprintf(key, sizeof(key), "k%d", i);
		nix_state_file(&jd, key, ".mnt", p, sizeof(p));
		ck_assert_int_ge(creat(p, 0600), 0);
	}
	ck_assert_int_eq(nix_state_room_for_view(&jd, 3, &err), 0);
	ck_assert_int_eq(nix_state_room_for_view(&jd, 2, &err), -1);
	ck_assert_msg(strstr(err.msg, "this job already has 2 views") &&
		      strstr(err.msg, "(max_views=2)"), "%s", err.msg);
	nix_state_unlock_job(&jd);
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", 11, &err), 0);
}
END_TEST

START_TEST(view_files_are_bounded_and_compared_in_full)
{
	static char big[NIX_STATE_VIEW_MAX + 2];
	const char *desc = "store=7:/h/ni\nx mountpoint=4:/nix ";
	size_t len = strlen(desc);
	struct nix_err err;
	char p[256], link[256];

	snprintf(p, sizeof(p), "%s/a.view", top);
	ck_assert_int_eq(nix_state_write_view(p, desc, len, &err), 0);
	ck_assert(nix_state_view_matches(p, desc, len));
	ck_assert(!nix_state_view_matches(p, desc, len - 1)); /* a prefix */
	ck_assert(!nix_state_view_matches(p, "store=7:/h/ni\n", 14)); /* what fgets saw */
	snprintf(link, sizeof(link), "%s/b.view", top);
	ck_assert_int_eq(symlink(p, link), 0);
	ck_assert(!nix_state_view_matches(link, desc, len)); /* never followed */

	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(nix_state_write_view(p, big, sizeof(big), &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "longer than"));
}
END_TEST

START_TEST(emptying_a_job_dir_keeps_what_is_asked)
{
	char dir[256], p[300];

	snprintf(dir, sizeof(dir), "%s/empty", top);
	sh("mkdir -p '%s' && touch '%s/lock' '%s/k.mnt' '%s/k.view'", dir);
	nix_state_empty_job_dir(dir, "lock");
	snprintf(p, sizeof(p), "%s/lock", dir);
	ck_assert_int_eq(access(p, F_OK), 0);
	snprintf(p, sizeof(p), "%s/k.mnt", dir);
	ck_assert_int_eq(access(p, F_OK), -1);
	snprintf(p, sizeof(p), "%s/k.view", dir);
	ck_assert_int_eq(access(p, F_OK), -1);
	nix_state_empty_job_dir(dir, NULL);
	ck_assert_int_eq(rmdir(dir), 0); /* nothing left in it */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nix_state_pins");
	TCase *tc = tcase_create("views");

	tcase_add_unchecked_fixture(tc, make_top, remove_top);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, views_per_job_are_capped);
	tcase_add_test(tc, view_files_are_bounded_and_compared_in_full);
	tcase_add_test(tc, emptying_a_job_dir_keeps_what_is_asked);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
