/* nix_state_list: what the admin command lists, read back from the
 * state dir. Needs root: it fails (never skips) without. */
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
#include "nix_request.h"
#include "nix_state.h"
#include "nix_state_list.h"
#include "nix_state_pins.h"
#include "root_fixture.h"

/* issue 11, item 12: what spank-nix-admin lists, read back from state_dir */
static struct nix_state_job listed[4];
static int nlisted;

static void collect(const struct nix_state_job *job, void *arg)
{
	(void)arg;
	if (nlisted < 4)
		listed[nlisted++] = *job;
}

START_TEST(state_is_listed_for_the_admin)
{
	struct nix_job_dir jd;
	struct nix_view v = { .store = "/h/ann/nix", .mountpoint = "/nix",
			      .closure = "/nix/store/x", .hide = "/opt,/srv" };
	char desc[NIX_VIEW_DESC_MAX], p[PATH_MAX + 32];
	struct nix_err err;
	int len = nix_view_describe(&v, desc, sizeof(desc));

	ck_assert_int_eq(nix_state_lock_job(state_dir, "node3", 31, USER_ID, nix_clock_ms() + 30000, &jd, &err), 0);
	nix_state_file(&jd, "0123456789abcdef", ".view", p, sizeof(p));
	ck_assert_int_eq(nix_state_write_view(p, desc, (size_t)len, &err), 0);
	nix_state_file(&jd, "0123456789abcdef", ".mnt", p, sizeof(p));
	ck_assert_int_ge(creat(p, 0600), 0);
	nix_state_unlock_job(&jd);

	nlisted = 0;
	ck_assert_int_eq(nix_state_list(state_dir, collect, NULL, &err), 0);
	ck_assert_int_eq(nlisted, 1);
	ck_assert_str_eq(listed[0].node, "node3");
	ck_assert_uint_eq(listed[0].jobid, 31);
	ck_assert(listed[0].has_owner && listed[0].this_boot);
	ck_assert_uint_eq(listed[0].uid, USER_ID);
	ck_assert_int_eq(listed[0].in_use, 0); /* no pin, nobody in it */
	ck_assert_int_eq(listed[0].nviews, 1);
	ck_assert_str_eq(listed[0].views[0].key, "0123456789abcdef");
	ck_assert(!listed[0].views[0].pinned); /* a plain file, no namespace */
	ck_assert(listed[0].views[0].closure);
	ck_assert_str_eq(listed[0].views[0].store, "/h/ann/nix");
	ck_assert_str_eq(listed[0].views[0].hide, "/opt,/srv");
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node3", 31, &err), 0);
	nlisted = 0;
	ck_assert_int_eq(nix_state_list(state_dir, collect, NULL, &err), 0);
	ck_assert_int_eq(nlisted, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nix_state_list");
	TCase *tc = tcase_create("listing");

	tcase_add_unchecked_fixture(tc, make_top, remove_top);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, state_is_listed_for_the_admin);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
