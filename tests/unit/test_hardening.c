/* What a hostile user could do with the values lib/ quotes, keys and
 * reads (issue 10, items 2, 4, 7, 8, 9, 10, 11): control characters in
 * messages, views that used to share a description, stores other users
 * may write to, and a slurm.conf that is not a regular file (the state
 * dir's limits and sweep: test_state*.c). Needs root, as slurmstepd has: it
 * fails (never skips) without. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "nix_clock.h"
#include "nix_config.h"
#include "nix_error.h"
#include "nix_job.h"
#include "nix_request.h"
#include "nix_state.h"
#include "nix_state_pins.h"
#include "nix_store.h"
#include "root_fixture.h"
#include "slurm_paths.h"

/* ---- item 7: control characters in messages --------------------------- */

START_TEST(escape_writes_control_characters_as_text)
{
	char out[64];

	ck_assert_int_eq(nix_escape("a\nb\x1b[31mc\x7f\x01\t\r", out, sizeof(out)), 23);
	ck_assert_str_eq(out, "a\\nb\\e[31mc\\x7f\\x01\\t\\r");
	/* UTF-8 and ordinary punctuation stay as they are */
	nix_escape("/home/\xc3\xa9t\xc3\xa9/nix \\ %", out, sizeof(out));
	ck_assert_str_eq(out, "/home/\xc3\xa9t\xc3\xa9/nix \\ %");
	/* cut short, never inside an escape */
	ck_assert_int_eq(nix_escape("ab\ncd", out, 4), 2);
	ck_assert_str_eq(out, "ab");
	ck_assert(nix_has_control("x\ny"));
	ck_assert(!nix_has_control("x y"));
}
END_TEST

START_TEST(messages_quoting_user_values_stay_one_line)
{
	struct nix_err err, outer;
	const char *forged = "/home/u/nix\n[2026-01-01T00:00:00.000] error: FAKE";

	nix_err_set(&err, "--nix-store=%s: %s does not exist", forged, forged);
	ck_assert_ptr_null(strchr(err.msg, '\n'));
	ck_assert_ptr_nonnull(strstr(err.msg, "/home/u/nix\\n[2026-01-01T00:00:00.000] error: FAKE"));
	nix_err_errno(&err, ENOENT, "cannot open %s\x1b]0;title\x07", forged);
	ck_assert(!nix_has_control(err.msg));
	ck_assert_ptr_nonnull(strstr(err.msg, "\\e]0;title\\x07: No such file or directory"));
	/* a message quoting a message is not escaped twice */
	nix_err_set(&outer, "--nix-store=x: %s", err.msg);
	ck_assert_str_eq(outer.msg + strlen("--nix-store=x: "), err.msg);
}
END_TEST

/* ---- item 8: view descriptions ---------------------------------------- */

static void assert_views_differ(const struct nix_view *a, const struct nix_view *b)
{
	static char da[NIX_VIEW_DESC_MAX], db[NIX_VIEW_DESC_MAX];
	char ka[17], kb[17];
	int la = nix_view_describe(a, da, sizeof(da));
	int lb = nix_view_describe(b, db, sizeof(db));

	ck_assert_int_gt(la, 0);
	ck_assert_int_gt(lb, 0);
	ck_assert_msg(la != lb || memcmp(da, db, la), "same description: %s", da);
	nix_view_key(a, ka);
	nix_view_key(b, kb);
	ck_assert_str_ne(ka, kb);
}

START_TEST(views_that_used_to_collide_differ)
{
	/* "store=%s mountpoint=%s writable=%d closure=%s hide=%s" made one
	 * line of each pair: the step got the other view (and lost a hide). */
	struct nix_view a = view_of("/a", "", "/b mountpoint=/nix writable=0 closure= hide=/c");
	struct nix_view b = view_of("/a mountpoint=/nix writable=0 closure= hide=/b", "", "/c");
	struct nix_view c = view_of("/s", "/nix/store/x hide=/opt", "");
	struct nix_view d = view_of("/s", "/nix/store/x", "/opt hide=");

	assert_views_differ(&a, &b);
	assert_views_differ(&c, &d);
}
END_TEST

START_TEST(equal_views_equal_descriptions)
{
	struct nix_view a = view_of("/h/ni\nx", "", "/op\nt");
	struct nix_view b = a;
	char da[NIX_VIEW_DESC_MAX], db[NIX_VIEW_DESC_MAX], ka[17], kb[17];
	int la, lb;

	strcpy(b.origin, "--nix-store=other spelling"); /* not part of the view */
	la = nix_view_describe(&a, da, sizeof(da));
	lb = nix_view_describe(&b, db, sizeof(db));
	ck_assert_int_eq(la, lb);
	ck_assert_int_eq(memcmp(da, db, la), 0);
	nix_view_key(&a, ka);
	nix_view_key(&b, kb);
	ck_assert_str_eq(ka, kb);
	/* too small a buffer: no cut description that could equal another */
	ck_assert_int_eq(nix_view_describe(&a, da, 20), -1);
}
END_TEST

/* ---- item 4: views per job, size of state files ------------------------ */

START_TEST(max_views_is_a_site_setting)
{
	struct nix_config cfg;
	struct nix_err err;
	char *ok[] = { "max_views=4" }, *zero[] = { "max_views=0" }, *junk[] = { "max_views=4x" };
	char *timeout[] = { "create_timeout=0" };

	nix_config_defaults(&cfg);
	ck_assert_int_eq(cfg.max_views, 16);
	ck_assert_int_eq(nix_config_parse(&cfg, 1, ok, &err), 0);
	ck_assert_int_eq(cfg.max_views, 4);
	ck_assert_int_eq(nix_config_parse(&cfg, 1, zero, &err), -1);
	ck_assert_str_eq(err.msg, "max_views=0: expected a count, 1 to 1024");
	ck_assert_int_eq(nix_config_parse(&cfg, 1, junk, &err), -1);
	ck_assert_int_eq(nix_config_parse(&cfg, 1, timeout, &err), -1);
	ck_assert_str_eq(err.msg, "create_timeout=0: expected seconds, 1 to 3600");
}
END_TEST

/* ---- item 8 on the kernel: a newline in a path, one namespace ---------- */

START_TEST(a_view_with_newlines_is_reused)
{
	struct nix_config cfg;
	struct nix_view v;
	struct nix_ns ns1, ns2;
	struct nix_err err;
	gid_t groups[] = { USER_ID };
	struct nix_ids ids = { .uid = USER_ID, .gid = USER_ID, .groups = groups, .ngroups = 1 };
	struct nix_job job = { .cfg = &cfg, .node = "node1", .jobid = 12, .ids = &ids,
			       .base_mntns_fd = -1, .deadline_ms = nix_clock_ms() + 30000 };
	char store[256], hide[256];

	snprintf(store, sizeof(store), "%s/ni\nx", top);
	snprintf(hide, sizeof(hide), "%s/hid\nden", top);
	sh("mkdir -p '%s/store/abc-hello' '%s' && chown -R 65534:65534 '%s' && chmod 755 '%s'", store);
	sh("mkdir -p '%s'", hide);
	nix_config_defaults(&cfg);
	strcpy(cfg.state_dir, state_dir);
	v = view_of(store, "", hide);

	ck_assert_msg(nix_job_acquire_view(&job, &v, &ns1, &err) == 0, "%s", err.msg);
	ck_assert_msg(nix_job_acquire_view(&job, &v, &ns2, &err) == 0, "%s", err.msg);
	/* the second task joins the first one's namespaces: one per job */
	ck_assert_int_eq(ns_ino(ns1.mnt_fd), ns_ino(ns2.mnt_fd));
	ck_assert_int_eq(ns_ino(ns1.user_fd), ns_ino(ns2.user_fd));
	nix_ns_close(&ns1);
	nix_ns_close(&ns2);
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", 12, &err), 0);
}
END_TEST

/* ---- item 9: the sweep ------------------------------------------------ */

/* ---- item 10: store/ and var/nix/db ----------------------------------- */

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

/* ---- item 2: slurm.conf ----------------------------------------------- */

START_TEST(slurm_conf_must_be_a_small_regular_file)
{
	struct slurm_paths sp;
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/fifo.conf", top);
	ck_assert_int_eq(mkfifo(p, 0600), 0);
	slurm_paths_read(p, "n1", "h1", &sp); /* no writer: must not block */
	for (int i = 0; i < sp.n; i++)
		ck_assert_str_ne(sp.path[i], "/opt");

	snprintf(p, sizeof(p), "%s/big.conf", top);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs("SlurmdSpoolDir=/opt\n", f);
	for (int i = 0; i < SLURM_CONF_MAX / 64 + 1; i++)
		fprintf(f, "# %061d\n", i);
	fclose(f);
	slurm_paths_read(p, "n1", "h1", &sp);
	for (int i = 0; i < sp.n; i++)
		ck_assert_str_ne(sp.path[i], "/opt");

	snprintf(p, sizeof(p), "%s/small.conf", top);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs("SlurmdSpoolDir=/opt/spool\n", f);
	fclose(f);
	slurm_paths_read(p, "n1", "h1", &sp);
	ck_assert_str_eq(sp.path[1], "/opt/spool");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hardening");
	TCase *tc = tcase_create("hostile input");

	tcase_add_unchecked_fixture(tc, make_top, remove_top);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, escape_writes_control_characters_as_text);
	tcase_add_test(tc, messages_quoting_user_values_stay_one_line);
	tcase_add_test(tc, views_that_used_to_collide_differ);
	tcase_add_test(tc, equal_views_equal_descriptions);
	tcase_add_test(tc, max_views_is_a_site_setting);
	tcase_add_test(tc, a_view_with_newlines_is_reused);
	tcase_add_test(tc, store_and_db_are_the_users_alone);
	tcase_add_test(tc, slurm_conf_must_be_a_small_regular_file);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
