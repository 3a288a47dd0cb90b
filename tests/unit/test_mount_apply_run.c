/* mount_plan_apply on a closure view's plan, for real, in a private mount
 * namespace (run as root): a MIRROR of hundreds of entries is applied with
 * a second process running the source and making the mount points; the
 * result, and the error when something fails, must be those of each entry
 * made and bound in turn by one process. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "mount_plan.h"

#define N_ENTRIES 600

static char top[] = "/tmp/spank-nix-apply.XXXXXX";

/* In the child: a private mount namespace and a tmpfs on top. */
static void private_top(void)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", top, "tmpfs", 0, "mode=0755") < 0)
		_exit(90);
}

static void make_source(int n)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/src", top);
	mkdir(path, 0755);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/src/e%04d", top, i);
		if (i % 3 == 0) {
			if (mkdir(path, 0755) < 0)
				_exit(91);
		} else if (i % 3 == 1) {
			int fd = open(path, O_WRONLY | O_CREAT, 0644);

			if (fd < 0)
				_exit(92);
			close(fd);
		} else if (symlink("target-of-link", path) < 0) {
			_exit(93);
		}
	}
}

/* Entries for e0000..e<n-1>, typed as make_source made them. */
static struct host_entry *entries_for(int n)
{
	struct host_entry *e = calloc(n, sizeof(*e));

	for (int i = 0; i < n; i++) {
		char name[16];

		snprintf(name, sizeof(name), "e%04d", i);
		e[i].name = strdup(name);
		e[i].type = i % 3 == 0 ? HOST_DIR : i % 3 == 1 ? HOST_FILE : HOST_SYMLINK;
		e[i].link = e[i].type == HOST_SYMLINK ? strdup("target-of-link") : NULL;
	}
	return e;
}

/* How a test applies the plan: in one call with or without the second
 * process, or op by op (the reference). */
enum how { WITH_SECOND = 1, WITHOUT_SECOND = -1, ONE_BY_ONE = 0 };

/* A source that fails on its own (as a closure's database can) once it
 * has emitted fail_at entries of inner. */
struct failing_source {
	struct host_entry_array *inner;
	int fail_at;
};

static int failing_run(void *ctx, int (*emit)(void *ectx, const struct host_entry *e),
		       void *ectx, struct nix_err *err)
{
	struct failing_source *f = ctx;

	for (int i = 0; i < (int)f->inner->n; i++) {
		if (i == f->fail_at)
			return nix_err_set(err, "the source failed after %d entries", i);
		if (emit(ectx, &f->inner->entries[i]))
			return -1;
	}
	return 0;
}

/* Apply the closure plan of entries on top/view (the source failing after
 * fail_at entries, unless -1). The error message, "" when it worked. */
static void apply_view(struct host_entry *e, int n, int fail_at, enum how how,
		       char *msg, size_t len)
{
	char src[256], view[256];
	struct mount_plan plan = { 0 };
	struct nix_err err = { 0 };
	struct host_entry_array array = { .entries = e, .n = (size_t)n };
	struct failing_source failing = { .inner = &array, .fail_at = fail_at };
	struct mount_entry_source source;
	int fd, rc = 0;

	mount_entries_of_array(&source, &array);
	if (fail_at >= 0)
		source = (struct mount_entry_source){ .run = failing_run, .ctx = &failing };

	snprintf(src, sizeof(src), "%s/src", top);
	snprintf(view, sizeof(view), "%s/view", top);
	mkdir(view, 0755);
	fd = open(src, O_PATH | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(mount_plan_user_closure(fd, view, &source, &plan, &err), 0);
	if (how == ONE_BY_ONE) {
		mount_apply_second_process = WITHOUT_SECOND;
		for (size_t i = 0; i < plan.len && rc == 0; i++) {
			struct mount_plan one = { .ops = &plan.ops[i], .len = 1, .cap = 1 };

			rc = mount_plan_apply(&one, &err);
		}
	} else {
		mount_apply_second_process = how; /* whatever the machine's load */
		rc = mount_plan_apply(&plan, &err);
	}
	if (rc < 0) /* whose error: the caller names the source's option for its own */
		snprintf(msg, len, "%s%s", source.source_failed ? "[source] " : "", err.msg);
	else
		snprintf(msg, len, "%s", source.made == (size_t)n ? "" : "wrong count of entries made");
	mount_plan_free(&plan);
	close(fd);
}

/* Run apply_view in a fresh namespace; its message through a pipe. */
static void apply_in_child(struct host_entry *e, int n, int make, int fail_at,
			   enum how how, char *msg, size_t len)
{
	int p[2], st;
	ssize_t got;

	ck_assert_int_eq(pipe(p), 0);
	pid_t pid = fork();

	if (pid == 0) {
		char m[1024];

		close(p[0]);
		private_top();
		make_source(make);
		apply_view(e, n, fail_at, how, m, sizeof(m));
		if (!m[0]) { /* check every entry of the view */
			for (int i = 0; i < n; i++) {
				char path[256], link[64];
				struct stat st_view, st_src;
				ssize_t l;

				snprintf(path, sizeof(path), "%s/view/store/%s", top, e[i].name);
				if (lstat(path, &st_view) < 0)
					_exit(94);
				if (e[i].type == HOST_SYMLINK) {
					l = readlink(path, link, sizeof(link) - 1);
					if (l < 0 || (link[l] = '\0', strcmp(link, e[i].link)))
						_exit(95);
					continue;
				}
				snprintf(path, sizeof(path), "%s/src/%s", top, e[i].name);
				if (lstat(path, &st_src) < 0 || st_src.st_ino != st_view.st_ino ||
				    st_src.st_dev != st_view.st_dev)
					_exit(96); /* not the source bound there */
			}
		}
		_exit(write(p[1], m, strlen(m) + 1) > 0 ? 0 : 97);
	}
	close(p[1]);
	got = read(p[0], msg, len - 1);
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child failed: %d", st);
	ck_assert_int_gt(got, 0);
	msg[got] = '\0';
}

#define MSG_LEN 1024

/* Each test's entries, fresh (a test may change them), and the error
 * messages of its runs. */
static struct host_entry *entries;
static char all[MSG_LEN], one[MSG_LEN];

static void fresh_entries(void)
{
	entries = entries_for(N_ENTRIES);
}

/* Apply the plan of all the entries with the second process (message in
 * all) and op by op (in one), the source holding only the first make. */
static void apply_with_second_and_one_by_one(int make)
{
	apply_in_child(entries, N_ENTRIES, make, -1, WITH_SECOND, all, sizeof(all));
	apply_in_child(entries, N_ENTRIES, make, -1, ONE_BY_ONE, one, sizeof(one));
}

START_TEST(many_entries_are_made_and_bound_as_one_by_one)
{
	apply_with_second_and_one_by_one(N_ENTRIES);
	ck_assert_str_eq(all, "");
	ck_assert_str_eq(one, "");
	apply_in_child(entries, N_ENTRIES, N_ENTRIES, -1, WITHOUT_SECOND, all, sizeof(all));
	ck_assert_str_eq(all, "");
}
END_TEST

/* An entry missing from the source: its bind fails, and that op is named. */
START_TEST(a_failed_bind_is_the_error_of_one_by_one)
{
	apply_with_second_and_one_by_one(400); /* e0400 is missing */
	ck_assert_str_eq(all, one);
	ck_assert_ptr_nonnull(strstr(all, "/view/.all/e0400"));
	ck_assert_ptr_nonnull(strstr(all, strerror(ENOENT)));
	ck_assert_ptr_null(strstr(all, "[source]")); /* a bind's error, not the source's */
}
END_TEST

/* A mount point that cannot be made (a second symlink of the same name):
 * the op named is that symlink, even though later binds would work. */
START_TEST(a_failed_mount_point_is_the_error_of_one_by_one)
{
	free(entries[302].name);
	entries[302].name = strdup("e0299"); /* both symlinks: EEXIST */
	apply_with_second_and_one_by_one(N_ENTRIES);
	ck_assert_str_eq(all, one);
	ck_assert_ptr_nonnull(strstr(all, "symlink"));
	ck_assert_ptr_nonnull(strstr(all, strerror(EEXIST)));
	ck_assert_ptr_null(strstr(all, "[source]"));
}
END_TEST

/* The same when the failing mount point comes first: a file where a
 * directory is expected fails at the bind (ENOTDIR), before any later
 * mount point's failure. */
START_TEST(the_first_failure_in_plan_order_wins)
{
	entries[301].type = HOST_DIR; /* a file in the source: bind dir <- file fails */
	free(entries[500].name);
	entries[500].name = strdup("e0497"); /* a later EEXIST */
	apply_with_second_and_one_by_one(N_ENTRIES);
	ck_assert_str_eq(all, one);
	ck_assert_ptr_nonnull(strstr(all, "/view/.all/e0301"));
	apply_in_child(entries, N_ENTRIES, N_ENTRIES, -1, WITHOUT_SECOND, all, sizeof(all));
	ck_assert_str_eq(all, one);
}
END_TEST

/* The source's own failure, after 450 entries: the view reports it, and
 * what came before it is made and bound, with or without the second
 * process. */
START_TEST(the_source_failing_is_reported_after_what_it_gave)
{
	char what[MSG_LEN];

	apply_in_child(entries, N_ENTRIES, N_ENTRIES, 450, WITH_SECOND, all, sizeof(all));
	apply_in_child(entries, N_ENTRIES, N_ENTRIES, 450, ONE_BY_ONE, one, sizeof(one));
	ck_assert_str_eq(all, "[source] the source failed after 450 entries");
	ck_assert_str_eq(all, one);
	/* and the first 450 were there: the same run, checked up to them */
	apply_in_child(entries, 450, N_ENTRIES, -1, WITH_SECOND, what, sizeof(what));
	ck_assert_str_eq(what, "");
}
END_TEST

/* Where the store's mount is shared (systemd makes / shared), a mount
 * made there after the view is built must not reach the view's entries:
 * in the child, top is made shared, the view built, and a tmpfs holding
 * a marker mounted on the source of entry e0000. */
START_TEST(the_entries_take_no_mount_events_from_the_store)
{
	char m[MSG_LEN], marker[256];
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		private_top();
		if (mount(NULL, top, NULL, MS_SHARED, NULL) < 0)
			_exit(90);
		make_source(6);
		apply_view(entries, 6, -1, WITH_SECOND, m, sizeof(m));
		if (m[0])
			_exit(91);
		snprintf(marker, sizeof(marker), "%s/src/e0000", top);
		if (mount("tmpfs", marker, "tmpfs", 0, "mode=0755") < 0)
			_exit(92);
		snprintf(marker, sizeof(marker), "%s/src/e0000/marker", top);
		if (mkdir(marker, 0755) < 0)
			_exit(93);
		snprintf(marker, sizeof(marker), "%s/view/store/e0000/marker", top);
		_exit(access(marker, F_OK) == 0 ? 94 : 0); /* 94: it reached the view */
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child failed: %d", st);
}
END_TEST

static void make_top(void)
{
	ck_assert_ptr_nonnull(mkdtemp(top));
}

static void remove_top(void)
{
	rmdir(top);
}

int main(void)
{
	Suite *s = suite_create("mount_apply_run");
	TCase *tc = tcase_create("kernel");

	tcase_add_unchecked_fixture(tc, make_top, remove_top);
	tcase_add_checked_fixture(tc, fresh_entries, NULL);
	tcase_add_test(tc, many_entries_are_made_and_bound_as_one_by_one);
	tcase_add_test(tc, a_failed_bind_is_the_error_of_one_by_one);
	tcase_add_test(tc, a_failed_mount_point_is_the_error_of_one_by_one);
	tcase_add_test(tc, the_first_failure_in_plan_order_wins);
	tcase_add_test(tc, the_source_failing_is_reported_after_what_it_gave);
	tcase_add_test(tc, the_entries_take_no_mount_events_from_the_store);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
