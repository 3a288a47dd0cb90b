/* view_plan: what a view contains, planned from a resolved view without
 * forking or entering a namespace: a directory store, a closure of it read
 * from a `nix-store -qR` list, GPU libraries (none here) and --nix-hide. */
#include "closure_fixture.h"
#include "check_main.h"
#include "closure_view.h"
#include "plan_format.h"
#include "view_plan.h"

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* <tmp>/nix/store/{<sp(1)>/, <sp(2)>}, a list naming both, and the view. */
static void make_store(struct nix_view *view, struct nix_store *store)
{
	char buf[1024];

	ck_assert_int_eq(mkdir(tpath("nix"), 0755), 0);
	ck_assert_int_eq(mkdir(tpath("nix/store"), 0755), 0);
	snprintf(buf, sizeof(buf), "%s", sp(1) + 1); /* nix/store/... */
	ck_assert_int_eq(mkdir(tpath(buf), 0755), 0);
	snprintf(buf, sizeof(buf), "%s", sp(2) + 1);
	write_file(tpath(buf), "#!/bin/sh\n");
	snprintf(buf, sizeof(buf), "%s\n%s\n", sp(2), sp(1));
	write_file(tpath("list"), buf);

	*view = (struct nix_view){ 0 };
	snprintf(view->origin, sizeof(view->origin), "--nix-store=%s", tpath("nix"));
	snprintf(view->store, sizeof(view->store), "%s", tpath("nix"));
	strcpy(view->mountpoint, "/nix");
	snprintf(view->closure, sizeof(view->closure), "%s", tpath("list"));
	strcpy(view->hide, "/opt,/var/spool");
	store->root_fd = open(tpath("nix"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	store->store_fd = open(tpath("nix/store"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(store->root_fd, 0);
	ck_assert_int_ge(store->store_fd, 0);
	store->has_db = false;
}

START_TEST(closure_view_with_hide_is_planned_from_plain_data)
{
	static const char *const keep[] = { "/var/spool/slurmd" };
	struct nix_view view;
	struct nix_store store = NIX_STORE_INIT;
	struct gpu_libs gpu = { 0 };
	struct closure_view cv;
	struct mount_entry_source source;
	struct mount_plan plan = { 0 };
	struct nix_err err = { "" };
	char origin[NIX_LIST_ARG_MAX + 32], text[8192], want[NIX_LIST_ARG_MAX + 32];
	int run_fd;

	make_store(&view, &store);
	ck_assert_msg(view_closure_open(&view, &store, &cv, origin, sizeof(origin), &err) == 0,
		      "%s", err.msg);
	snprintf(want, sizeof(want), "--nix-closure=%s", tpath("list"));
	ck_assert_str_eq(origin, want);
	closure_view_source(&cv, &source);

	const struct view_parts parts = {
		.view = &view, .store = &store, .closure = &source,
		.gpu = &gpu, .keep = keep, .nkeep = 1,
	};
	ck_assert_msg(view_plan_user(&parts, &plan, &run_fd, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(run_fd, -1); /* no GPU libraries: /run left alone */
	format_plan(&plan, text, sizeof(text));
	const char *head = "ramfs /nix\n"
			   "mkdir /nix/store\n"
			   "mkdir /nix/.all\n"
			   "bind fd -> /nix/.all\n"
			   "make-private mount of /nix/.all\n"
			   "restrict /nix/.all ro\n"
			   "mirror /nix/.all -> /nix/store\n";
	ck_assert_msg(strncmp(text, head, strlen(head)) == 0, "plan:\n%s", text);
	/* the closure's stage binds from the store, not its root */
	ck_assert_int_eq(plan.ops[3].kind, MOUNT_OP_BIND_FD);
	ck_assert_int_eq(plan.ops[3].fd, store.store_fd);
	ck_assert_ptr_eq(plan.ops[6].entries, &source);
	/* --nix-hide comes last, over everything else, keeping Slurm's paths */
	ck_assert_msg(strstr(text, "hide /opt\nhide /var/spool keeping /var/spool/slurmd\n") != NULL &&
		      strcmp(text + strlen(text) - strlen("hide /var/spool keeping /var/spool/slurmd\n"),
			     "hide /var/spool keeping /var/spool/slurmd\n") == 0, "%s", text);
	mount_plan_free(&plan);
	closure_view_close(&cv);
	close(store.root_fd);
	close(store.store_fd);
}
END_TEST

START_TEST(whole_store_view_binds_its_root)
{
	struct nix_view view;
	struct nix_store store = NIX_STORE_INIT;
	struct gpu_libs gpu = { 0 };
	struct mount_plan plan = { 0 };
	struct nix_err err = { "" };
	char text[4096];
	int run_fd;

	make_store(&view, &store);
	view.closure[0] = '\0';
	view.writable = true;
	view.hide[0] = '\0';

	const struct view_parts parts = { .view = &view, .store = &store, .gpu = &gpu };
	ck_assert_msg(view_plan_user(&parts, &plan, &run_fd, &err) == 0, "%s", err.msg);
	format_plan(&plan, text, sizeof(text));
	ck_assert_str_eq(text, "bind fd -> /nix\nrestrict /nix rw\n");
	ck_assert_int_eq(plan.ops[0].fd, store.root_fd);
	mount_plan_free(&plan);
	close(store.root_fd);
	close(store.store_fd);
}
END_TEST

START_TEST(closure_errors_name_the_closure_option)
{
	struct nix_view view;
	struct nix_store store = NIX_STORE_INIT;
	struct closure_view cv;
	struct nix_err err = { "" };
	char origin[NIX_LIST_ARG_MAX + 32], want[NIX_LIST_ARG_MAX + 32];

	make_store(&view, &store);
	write_file(tpath("list"), "/etc/passwd\n");
	ck_assert_int_eq(view_closure_open(&view, &store, &cv, origin, sizeof(origin), &err), -1);
	snprintf(want, sizeof(want), "--nix-closure=%s", tpath("list"));
	ck_assert_str_eq(origin, want);
	ck_assert_msg(strstr(err.msg, "'/etc/passwd' is not in the store") != NULL, "%s", err.msg);
	close(store.root_fd);
	close(store.store_fd);
}
END_TEST

/* ---- closure_view_entries: each path's type, from one read of store/
 * (getdents' d_type) when the store is not much bigger than the closure,
 * else (and for symlinks and unknown types) from fstatat/readlinkat. */

START_TEST(hide_errors_name_nix_hide)
{
	struct nix_view view = { .origin = "--nix-store=/x" };
	struct nix_err hide = { "hide /opt: cannot mount" }, other = { "cannot bind" };

	ck_assert_str_eq(view_plan_origin(&view, &hide), "--nix-hide");
	ck_assert_str_eq(view_plan_origin(&view, &other), "--nix-store=/x");
}
END_TEST

/* The host stage scans this machine's "/": a mount point that exists is
 * only isolated, whatever "/" holds. */
START_TEST(host_stage_for_an_existing_mountpoint)
{
	struct mount_plan plan = { 0 }, want = { 0 };
	struct host_root root = { .mountpoint_exists = true };
	struct nix_err err = { "" };
	char text[4096], want_text[4096];

	ck_assert_msg(view_plan_host("/tmp", "/state", &plan, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(mount_plan_host(&root, "/tmp", "/state", &want, &err), 0);
	format_plan(&plan, text, sizeof(text));
	format_plan(&want, want_text, sizeof(want_text));
	ck_assert_str_eq(text, want_text);
	mount_plan_free(&plan);
	mount_plan_free(&want);
}
END_TEST

static Suite *view_plan_suite(void)
{
	Suite *s = suite_create("view_plan");
	TCase *tc = tcase_create("plan");

	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, closure_view_with_hide_is_planned_from_plain_data);
	tcase_add_test(tc, whole_store_view_binds_its_root);
	tcase_add_test(tc, closure_errors_name_the_closure_option);
	tcase_add_test(tc, hide_errors_name_nix_hide);
	tcase_add_test(tc, host_stage_for_an_existing_mountpoint);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(view_plan_suite());
}
