/* The main() every unit test shares: run one suite, exit 1 on a failure. */
#ifndef SPANK_NIX_CHECK_MAIN_H
#define SPANK_NIX_CHECK_MAIN_H

#include <check.h>

static inline int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

#endif
