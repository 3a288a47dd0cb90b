/* nix_state: a job's directory, root's alone, locked by one creator at a
 * time with a bounded wait, emptied for another user, made again when
 * swept away under a creator. Needs root: it fails (never skips) without. */
#include <check.h>
#include <sys/file.h>
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

START_TEST(state_dirs_are_root_only_and_removed)
{
	struct nix_job_dir jd;
	struct nix_err err;
	struct stat st;
	char p[PATH_MAX + 16];

	ck_assert_int_eq(nix_state_lock_job(state_dir, "node1", 7, USER_ID, far_deadline(), &jd, &err), 0);
	ck_assert_int_eq(stat(jd.path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	ck_assert_int_eq(st.st_uid, 0);
	snprintf(p, sizeof(p), "%s/stale.mnt", jd.path);
	ck_assert_int_ge(creat(p, 0600), 0);
	nix_state_unlock_job(&jd);

	/* the same id for another user: what was there is emptied */
	ck_assert_int_eq(nix_state_lock_job(state_dir, "node1", 7, 4242, far_deadline(), &jd, &err), 0);
	ck_assert_int_eq(access(p, F_OK), -1);
	nix_state_unlock_job(&jd);

	ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", 7, &err), 0);
	snprintf(p, sizeof(p), "%s/node1/job.7", state_dir);
	ck_assert_int_eq(access(p, F_OK), -1);
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", 7, &err), 0);
	ck_assert_int_eq(nix_state_lock_job(state_dir, "../x", 7, USER_ID, far_deadline(), &jd, &err), -1);
}
END_TEST

START_TEST(lock_wait_is_bounded)
{
	struct nix_job_dir jd, held;
	struct nix_err err;
	int64_t t0;

	ck_assert_int_eq(nix_state_lock_job(state_dir, "node1", 8, USER_ID, far_deadline(), &held, &err), 0);
	pid_t pid = fork();

	if (pid == 0) {
		/* another process: the held lock is not ours */
		t0 = nix_clock_ms();
		if (nix_state_lock_job(state_dir, "node1", 8, USER_ID, t0 + 300, &jd, &err) == 0)
			_exit(2);
		if (!strstr(err.msg, "past the time limit"))
			_exit(3);
		_exit(nix_clock_ms() - t0 < 2000 ? 0 : 4);
	}
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	nix_state_unlock_job(&held);
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", 8, &err), 0);
}
END_TEST

START_TEST(a_lock_swept_away_is_taken_again)
{
	struct nix_job_dir jd;
	struct nix_err err;
	char p[PATH_MAX + 32];
	struct stat st;

	/* the sweep removed the directory a creator had created: the next
	 * lock makes it again, with an owner record */
	ck_assert_int_eq(nix_state_lock_job(state_dir, "node3", 31, USER_ID, nix_clock_ms() + 30000, &jd, &err), 0);
	nix_state_unlock_job(&jd);
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node3", 31, &err), 0);
	ck_assert_int_eq(nix_state_lock_job(state_dir, "node3", 31, USER_ID, nix_clock_ms() + 30000, &jd, &err), 0);
	snprintf(p, sizeof(p), "%s/lock", jd.path);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_gt(st.st_nlink, 0);
	snprintf(p, sizeof(p), "%s/owner", jd.path);
	ck_assert_int_eq(access(p, F_OK), 0);
	nix_state_unlock_job(&jd);
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node3", 31, &err), 0);
}
END_TEST

START_TEST(node_names_are_plain_names)
{
	char p[PATH_MAX];
	struct nix_err err;

	ck_assert(nix_state_is_plain_name("node1"));
	ck_assert(nix_state_is_plain_name(".hidden"));
	ck_assert(!nix_state_is_plain_name(""));
	ck_assert(!nix_state_is_plain_name("."));
	ck_assert(!nix_state_is_plain_name(".."));
	ck_assert(!nix_state_is_plain_name("a/b"));
	ck_assert_int_eq(nix_state_job_path("/run/s", "n1", 5, p, sizeof(p), &err), 0);
	ck_assert_str_eq(p, "/run/s/n1/job.5");
	ck_assert_int_eq(nix_state_job_path("/run/s", "..", 5, p, sizeof(p), &err), -1);
	ck_assert_str_eq(err.msg, "bad node name '..'");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nix_state");
	TCase *tc = tcase_create("job directories");

	tcase_add_unchecked_fixture(tc, make_top, remove_top);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, node_names_are_plain_names);
	tcase_add_test(tc, state_dirs_are_root_only_and_removed);
	tcase_add_test(tc, lock_wait_is_bounded);
	tcase_add_test(tc, a_lock_swept_away_is_taken_again);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
