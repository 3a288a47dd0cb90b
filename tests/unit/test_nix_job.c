/* nix_job_acquire_view with userns=auto|always|never: views built without
 * a user namespace on the real kernel (root builds them in the initial user
 * namespace; auto falls back to that where the kernel refuses one, which a
 * seccomp filter makes it do here, in one process tree only). Needs root:
 * fails (never skips) without. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../no-userns/deny_userns.h"
#include "check_main.h"
#include "nix_config.h"
#include "nix_job.h"
#include "nix_state.h"
#include "nix_state_list.h"
#include "nix_state_pins.h"
#include "nix_state_sweep.h"
#include "root_fixture.h"

/* Once per run, after make_top: the user's store, with a set-user-ID root
 * program in it (nosuid makes it plain). */
static void user_store_with_setuid_program(void)
{
	fresh_user_store();
	sh("cp /usr/bin/id %s/store/abc-hello/id && chown 0:0 %s/store/abc-hello/id", store_dir);
	sh("chmod 4755 %s/store/abc-hello/id", store_dir);
}

/* The test store's plain view (root_fixture's) with the given userns mode. */
static void view_of_test_store(struct nix_config *cfg, struct nix_view *v,
			       enum nix_userns_mode mode)
{
	plain_view(cfg, v);
	cfg->userns = mode;
}

static ino_t own_userns(void)
{
	struct stat st;

	ck_assert_int_eq(stat("/proc/self/ns/user", &st), 0);
	return st.st_ino;
}

/* In a child: join as root (what task_init_privileged does), drop to the
 * user as Slurm does, then look. 0 when the view is what never promises. */
static int join_as_root_and_look(const struct nix_ns *ns)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		struct nix_err err;
		struct statvfs vfs;
		struct stat st;

		if (nix_ns_join(ns, "/", &err) < 0) {
			fprintf(stderr, "join: %s\n", err.msg);
			_exit(10);
		}
		if (setgroups(0, NULL) || setresgid(USER_ID, USER_ID, USER_ID) ||
		    setresuid(USER_ID, USER_ID, USER_ID))
			_exit(11);
		if (access("/nix/store/abc-hello/greeting", R_OK))
			_exit(12);
		if (statvfs("/nix/store", &vfs) ||
		    (vfs.f_flag & (ST_RDONLY | ST_NOSUID | ST_NODEV)) != (ST_RDONLY | ST_NOSUID | ST_NODEV))
			_exit(13);
		if (stat("/etc/passwd", &st) || st.st_uid != 0)
			_exit(14); /* real owners, no nobody */
		if (open("/nix/store/new", O_CREAT | O_WRONLY, 0644) >= 0 || errno != EROFS)
			_exit(15);
		/* the set-user-ID root program in the store runs as the user */
		if (system("test \"$(/nix/store/abc-hello/id -u)\" = 65534"))
			_exit(16);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

START_TEST(never_builds_the_view_in_the_initial_user_namespace)
{
	struct nix_config cfg;
	struct nix_view v = { 0 }, rw;
	struct nix_ns ns1, ns2, ns3;
	struct nix_err err;
	gid_t groups[] = { USER_ID };
	struct nix_ids ids = { .uid = USER_ID, .gid = USER_ID, .groups = groups, .ngroups = 1 };
	int refused = -1;
	struct nix_job job = test_job(&cfg, "node1", 51, &ids);

	job.userns_refused = &refused;
	view_of_test_store(&cfg, &v, NIX_USERNS_NEVER);
	ck_assert_msg(nix_job_acquire_view(&job, &v, &ns1, &err) == 0, "%s", err.msg);
	ck_assert(ns1.no_userns);
	ck_assert_int_eq(refused, 0);
	ck_assert_int_eq(ns_ino(ns1.user_fd), own_userns());
	ck_assert_int_eq(join_as_root_and_look(&ns1), 0);

	/* a later step finds the same pinned view */
	ck_assert_int_eq(nix_job_acquire_view(&job, &v, &ns2, &err), 0);
	ck_assert(ns2.no_userns);
	ck_assert_int_eq(ns_ino(ns1.mnt_fd), ns_ino(ns2.mnt_fd));

	/* another view of the same job: no user namespace either, even if the
	 * site's setting changed meanwhile (all tasks share the initial one) */
	rw = v;
	rw.writable = true;
	cfg.userns = NIX_USERNS_ALWAYS;
	ck_assert_msg(nix_job_acquire_view(&job, &rw, &ns3, &err) == 0, "%s", err.msg);
	ck_assert(ns3.no_userns);
	ck_assert_int_ne(ns_ino(ns1.mnt_fd), ns_ino(ns3.mnt_fd));

	nix_ns_close(&ns1);
	nix_ns_close(&ns2);
	nix_ns_close(&ns3);
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", 51, &err), 0);
}
END_TEST

/* Root mounts, but every path is looked up with the user's rights: a
 * --nix-hide below a directory only root may enter fails as it does in a
 * user namespace (root's own lookup would reach it). */
START_TEST(never_looks_paths_up_with_the_users_rights)
{
	struct nix_config cfg;
	struct nix_view v = { 0 };
	struct nix_ns ns;
	struct nix_err err;
	struct nix_ids ids = { .uid = USER_ID, .gid = USER_ID };
	struct nix_job job = test_job(&cfg, "node1", 54, &ids);

	sh("mkdir -p %s/private/secret && chmod 700 %s/private", top);
	view_of_test_store(&cfg, &v, NIX_USERNS_NEVER);
	snprintf(v.hide, sizeof(v.hide), "%s/private/secret", top);
	ck_assert_int_eq(nix_job_acquire_view(&job, &v, &ns, &err), -1);
	ck_assert_msg(strstr(err.msg, "Permission denied"), "%s", err.msg);
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", 54, &err), 0);
}
END_TEST

/* In a child where the kernel refuses user namespaces: build a view with
 * mode; 0 built without one (auto), 1 refused with the expected line. */
static int build_where_userns_are_refused(enum nix_userns_mode mode, uint32_t jobid)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		struct nix_config cfg;
		struct nix_view v = { 0 };
		struct nix_ns ns;
		struct nix_err err;
		struct nix_ids ids = { .uid = USER_ID, .gid = USER_ID };
		int refused = 0;
		struct nix_job job = test_job(&cfg, "node1", jobid, &ids);

		job.userns_refused = &refused;
		if (deny_user_namespaces() < 0)
			_exit(20);
		view_of_test_store(&cfg, &v, mode);
		if (nix_job_acquire_view(&job, &v, &ns, &err) < 0) {
			fprintf(stderr, "refused: %s\n", err.msg);
			_exit(strstr(err.msg, "cannot create a user namespace") &&
			      strstr(err.msg, "Operation not permitted") &&
			      strstr(err.msg, "userns=auto") ? 1 : 21);
		}
		if (!ns.no_userns || refused != EPERM)
			_exit(22);
		_exit(join_as_root_and_look(&ns) == 0 ? 0 : 23);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

START_TEST(auto_falls_back_where_the_kernel_refuses)
{
	struct nix_err err;

	ck_assert_int_eq(build_where_userns_are_refused(NIX_USERNS_AUTO, 52), 0);
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", 52, &err), 0);
}
END_TEST

START_TEST(always_fails_where_the_kernel_refuses)
{
	struct nix_err err;

	ck_assert_int_eq(build_where_userns_are_refused(NIX_USERNS_ALWAYS, 53), 1);
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", 53, &err), 0);
}
END_TEST

/* slurmstepd's look before it forks the tasks: a finished view of this job
 * on this node, the user's, for this very request; nothing else, and
 * nothing made. */
START_TEST(find_view_finds_only_a_finished_view_of_the_user)
{
	struct nix_config cfg;
	struct nix_view v = { 0 }, rw;
	struct nix_ns built, found;
	struct nix_err err;
	gid_t groups[] = { USER_ID };
	struct nix_ids ids = { .uid = USER_ID, .gid = USER_ID, .groups = groups, .ngroups = 1 };
	struct nix_ids other_ids = ids;
	struct nix_job job = test_job(&cfg, "node1", 55, &ids), other;
	struct nix_job_dir jd = NIX_JOB_DIR_INIT;
	char key[17], pin[PATH_MAX + 32], desc[PATH_MAX + 32];

	view_of_test_store(&cfg, &v, NIX_USERNS_ALWAYS);
	ck_assert_int_eq(nix_job_find_view(&job, &v, &found, &err), 0);
	ck_assert_int_eq(nix_state_job_path(state_dir, "node1", 55, jd.path, sizeof(jd.path), &err), 0);
	ck_assert_int_eq(access(jd.path, F_OK), -1); /* nothing made */

	ck_assert_msg(nix_job_acquire_view(&job, &v, &built, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(nix_job_find_view(&job, &v, &found, &err), 1);
	ck_assert_int_eq(ns_ino(found.mnt_fd), ns_ino(built.mnt_fd));
	ck_assert_int_eq(ns_ino(found.user_fd), ns_ino(built.user_fd));
	ck_assert(fcntl(found.mnt_fd, F_GETFD) & FD_CLOEXEC);
	nix_ns_close(&found);

	/* another request of the same job: not built yet */
	rw = v;
	rw.writable = true;
	ck_assert_int_eq(nix_job_find_view(&job, &rw, &found, &err), 0);
	/* the same job id, another user (a stale directory): refused */
	other_ids.uid = 4242;
	other = test_job(&cfg, "node1", 55, &other_ids);
	ck_assert_int_eq(nix_job_find_view(&other, &v, &found, &err), -1);
	ck_assert_msg(strstr(err.msg, "belongs to uid 65534"), "%s", err.msg);
	/* half-built: a pin without its description, or the reverse */
	nix_view_key(&v, key);
	nix_state_file(&jd, key, ".mnt", pin, sizeof(pin));
	nix_state_file(&jd, key, ".view", desc, sizeof(desc));
	sh("mv %s %s.kept", desc);
	ck_assert_int_eq(nix_job_find_view(&job, &v, &found, &err), 0);
	sh("mv %s.kept %s", desc); /* the same argument twice */
	ck_assert_int_eq(umount2(pin, MNT_DETACH), 0);
	ck_assert_int_eq(nix_job_find_view(&job, &v, &found, &err), 0);

	nix_ns_close(&built);
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", 55, &err), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nix_job");
	TCase *tc = tcase_create("userns");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, never_builds_the_view_in_the_initial_user_namespace);
	tcase_add_test(tc, never_looks_paths_up_with_the_users_rights);
	tcase_add_test(tc, auto_falls_back_where_the_kernel_refuses);
	tcase_add_test(tc, always_fails_where_the_kernel_refuses);
	tcase_add_test(tc, find_view_finds_only_a_finished_view_of_the_user);
	tcase_add_unchecked_fixture(tc, make_top, remove_top);
	tcase_add_unchecked_fixture(tc, user_store_with_setuid_program, NULL);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
