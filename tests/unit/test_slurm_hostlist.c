/* Slurm host lists (lib/slurm_hostlist.c): ranges, zero-padded widths,
 * suffixes, and lists that are not well formed. */
#include <check.h>

#include "check_main.h"
#include "slurm_hostlist.h"

START_TEST(host_lists)
{
	ck_assert(slurm_hostlist_has("n1", "n1"));
	ck_assert(!slurm_hostlist_has("n1", "n10"));
	ck_assert(slurm_hostlist_has("a,n[1-3,7]", "n2"));
	ck_assert(slurm_hostlist_has("a,n[1-3,7]", "n7"));
	ck_assert(!slurm_hostlist_has("a,n[1-3,7]", "n4"));
	ck_assert(slurm_hostlist_has("node[01-04]-ib", "node03-ib"));
	ck_assert(!slurm_hostlist_has("node[01-04]-ib", "node3-ib"));
	ck_assert(!slurm_hostlist_has("n[1-3", "n1"));
	ck_assert(!slurm_hostlist_has("", "n1"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("slurm_hostlist");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, host_lists);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
