/* nix_state_in_use: which namespaces processes on this host are in or hold,
 * and which a job's pins hold. Needs root: it fails (never skips) without. */
#include <check.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>

#include "check_main.h"
#include "nix_job.h"
#include "nix_state.h"
#include "nix_state_in_use.h"
#include "nix_state_pins.h"
#include "root_fixture.h"

static ino_t ino_of(const char *path)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_ino;
}

START_TEST(our_own_namespaces_are_in_use)
{
	struct ino_set used = { 0 };

	ck_assert_int_eq(nix_namespaces_in_use(&used), 0);
	ck_assert(!used.failed);
	ck_assert(nix_ino_set_has(&used, ino_of("/proc/self/ns/mnt")));
	ck_assert(nix_ino_set_has(&used, ino_of("/proc/self/ns/user")));
	ck_assert(!nix_ino_set_has(&used, 1));
	free(used.v);
}
END_TEST

/* A task between building its view and joining it holds the namespace
 * only by an fd: that counts as in use. */
START_TEST(a_namespace_held_by_an_fd_is_in_use)
{
	struct ino_set used = { 0 };
	char path[64];
	int go[2], fd;
	pid_t child;
	char c;

	ck_assert_int_eq(pipe(go), 0);
	child = fork();
	if (child == 0) {
		close(go[0]);
		if (unshare(CLONE_NEWNS) < 0)
			_exit(1);
		close(go[1]); /* in its own namespace */
		pause();
		_exit(0);
	}
	close(go[1]);
	ck_assert_int_eq(read(go[0], &c, 1), 0);
	close(go[0]);
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)child);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	kill(child, SIGKILL);
	ck_assert_int_eq(waitpid(child, NULL, 0), child);
	ck_assert_int_eq(nix_namespaces_in_use(&used), 0);
	struct stat st;

	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert(nix_ino_set_has(&used, st.st_ino));
	close(fd);
	free(used.v);
}
END_TEST

START_TEST(a_views_pin_holds_its_mount_and_user_namespace)
{
	struct nix_config cfg;
	struct nix_view v = { 0 };
	struct nix_ns ns;
	struct nix_err err;
	struct nix_ids ids = { .uid = USER_ID, .gid = USER_ID };
	struct nix_job job = test_job(&cfg, "node6", 61, &ids);
	struct ino_set pinned = { 0 };
	char dir[256];

	plain_view(&cfg, &v);
	ck_assert_msg(nix_job_acquire_view(&job, &v, &ns, &err) == 0, "%s", err.msg);
	snprintf(dir, sizeof(dir), "%s/node6/job.61", state_dir);
	nix_state_pinned_namespaces(dir, &pinned);
	ck_assert_uint_eq(pinned.n, 2);
	ck_assert(pinned.v[0] == ns_ino(ns.mnt_fd) || pinned.v[1] == ns_ino(ns.mnt_fd));
	ck_assert(pinned.v[0] == ns_ino(ns.user_fd) || pinned.v[1] == ns_ino(ns.user_fd));
	free(pinned.v);
	nix_ns_close(&ns);
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node6", 61, &err), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nix_state_in_use");
	TCase *tc = tcase_create("namespaces");

	tcase_add_unchecked_fixture(tc, make_top, remove_top);
	tcase_add_checked_fixture(tc, fresh_user_store, NULL);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, our_own_namespaces_are_in_use);
	tcase_add_test(tc, a_namespace_held_by_an_fd_is_in_use);
	tcase_add_test(tc, a_views_pin_holds_its_mount_and_user_namespace);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
