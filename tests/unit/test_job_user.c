/* The job's user and size as plain data (lib/job_user.c): the passwd
 * entry of the job's uid, and the job's node count from a value its user
 * may have chosen. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "job_user.h"

START_TEST(passwd_fills_home_and_name)
{
	struct nix_job_user u;

	memset(&u, 0, sizeof(u));
	u.uid = 0;
	nix_job_user_find_passwd(&u);
	ck_assert_str_eq(u.name, "root");
	ck_assert_str_eq(u.home, "/root");
}
END_TEST

/* A uid without a passwd entry (a job of a user the node does not know
 * by name): home and name stay empty, and the caller goes on without. */
START_TEST(no_passwd_entry_leaves_them_empty)
{
	struct nix_job_user u;

	memset(&u, 0, sizeof(u));
	u.uid = 3999999999U;
	nix_job_user_find_passwd(&u);
	ck_assert_str_eq(u.name, "");
	ck_assert_str_eq(u.home, "");
}
END_TEST

/* SLURM_JOB_NUM_NODES only ever raises the step's count. */
START_TEST(job_nnodes_from_the_environment)
{
	ck_assert_uint_eq(nix_job_nnodes(NULL, 2), 2);
	ck_assert_uint_eq(nix_job_nnodes("4", 1), 4);
	ck_assert_uint_eq(nix_job_nnodes("1", 3), 3);
	ck_assert_uint_eq(nix_job_nnodes("", 1), 1);
	ck_assert_uint_eq(nix_job_nnodes("4x", 1), 1);
	ck_assert_uint_eq(nix_job_nnodes("x", 1), 1);
	ck_assert_uint_eq(nix_job_nnodes("99999999999", 1), 1);
	ck_assert_uint_eq(nix_job_nnodes("4294967295", 1), 4294967295U);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("job_user");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, passwd_fills_home_and_name);
	tcase_add_test(tc, no_passwd_entry_leaves_them_empty);
	tcase_add_test(tc, job_nnodes_from_the_environment);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
