/* mount_apply: a plan's ops applied one by one, the first failure named in
 * the error, and mount points that may already be there. Mount points
 * only (no mount): runs in a /tmp directory of its own, no namespace.
 * (Runs of hundreds of ops in two processes: test_mount_apply_run.c.) */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "mount_apply_run.h"
#include "mount_plan.h"

static char dir[] = "/tmp/spank-nix-mount-apply.XXXXXX";
static char path[8][256];

static void make_dir(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* path[i]: <dir>/<name> */
static char *in_dir(int i, const char *name)
{
	snprintf(path[i], sizeof(path[i]), "%s/%s", dir, name);
	return path[i];
}

static mode_t type_of(const char *p)
{
	struct stat st;

	return lstat(p, &st) < 0 ? 0 : st.st_mode & S_IFMT;
}

START_TEST(plan_makes_mount_points_in_order_and_stops_at_the_first_failure)
{
	struct mount_op ops[] = {
		{ .kind = MOUNT_OP_MKDIR, .target = in_dir(0, "d") },
		{ .kind = MOUNT_OP_MKFILE, .target = in_dir(1, "f") },
		{ .kind = MOUNT_OP_SYMLINK, .source = "target-of-link", .target = in_dir(2, "l") },
		{ .kind = MOUNT_OP_MKDIR, .target = in_dir(3, "missing/d") },
		{ .kind = MOUNT_OP_MKDIR, .target = in_dir(4, "after") },
	};
	struct mount_plan plan = { .ops = ops, .len = 5, .cap = 5 };
	struct nix_err err = { "" };
	char want[400], link[64];
	ssize_t n;

	ck_assert_int_eq(mount_plan_apply(&plan, &err), -1);
	ck_assert_uint_eq(type_of(path[0]), S_IFDIR);
	ck_assert_uint_eq(type_of(path[1]), S_IFREG);
	ck_assert_uint_eq(type_of(path[2]), S_IFLNK);
	n = readlink(path[2], link, sizeof(link) - 1);
	ck_assert_int_gt(n, 0);
	link[n] = '\0';
	ck_assert_str_eq(link, "target-of-link");
	snprintf(want, sizeof(want), "mkdir %s: No such file or directory", path[3]);
	ck_assert_str_eq(err.msg, want);
	ck_assert_uint_eq(type_of(path[4]), 0); /* never reached */

	/* alone, the op after the failure works: it was not tried */
	plan.ops = &ops[4];
	plan.len = 1;
	ck_assert_msg(mount_plan_apply(&plan, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(type_of(path[4]), S_IFDIR);
}
END_TEST

START_TEST(mount_points_already_there_are_kept_other_kinds_refused)
{
	struct host_entry d2 = { .name = "d2", .type = HOST_DIR };
	struct host_entry f2 = { .name = "f2", .type = HOST_FILE };
	struct host_entry l2 = { .name = "l2", .type = HOST_SYMLINK, .link = "x" };
	struct host_entry b2 = { .name = "b2", .type = (enum host_entry_type)42 };
	int dfd = open(dir, O_PATH | O_DIRECTORY);

	ck_assert_int_ge(dfd, 0);
	ck_assert_int_eq(mount_point_make_entry(dfd, &d2), 0);
	ck_assert_int_eq(mount_point_make_entry(dfd, &d2), 0);
	ck_assert_int_eq(mount_point_make_entry(dfd, &f2), 0);
	ck_assert_int_eq(mount_point_make_entry(dfd, &f2), 0);
	ck_assert_uint_eq(type_of(in_dir(5, "d2")), S_IFDIR);
	ck_assert_uint_eq(type_of(in_dir(6, "f2")), S_IFREG);
	/* a symlink is made, never replaced */
	ck_assert_int_eq(mount_point_make_entry(dfd, &l2), 0);
	errno = 0;
	ck_assert_int_eq(mount_point_make_entry(dfd, &l2), -1);
	ck_assert_int_eq(errno, EEXIST);
	/* no type, no mount point */
	errno = 0;
	ck_assert_int_eq(mount_point_make_entry(dfd, &b2), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(type_of(in_dir(7, "b2")), 0);
	close(dfd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mount_apply");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, make_dir, remove_dir);
	tcase_add_test(tc, plan_makes_mount_points_in_order_and_stops_at_the_first_failure);
	tcase_add_test(tc, mount_points_already_there_are_kept_other_kinds_refused);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
