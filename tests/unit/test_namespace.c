/* nix_store, nix_state, nix_namespace and nix_job on the real kernel: a
 * store owned by an unprivileged user, its view built, pinned, reused,
 * joined, refused to another user and removed. Needs root, as slurmstepd
 * has: it fails (never skips) without. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "nix_job.h"
#include "nix_state.h"
#include "nix_store.h"

#define USER_ID 65534 /* nobody */

static char top[64];
static char store_dir[128];
static char state_dir[128];

static void sh(const char *fmt, const char *arg)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg);
	ck_assert_int_eq(system(cmd), 0);
}

/* Once per run, in the parent: a failing test exits its forked child
 * before any per-test teardown could run. */
static void make_top(void)
{
	ck_assert_msg(geteuid() == 0, "test_namespace must run as root");
	strcpy(top, "/tmp/spank-nix-unit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(top));
	chmod(top, 0755);
	snprintf(store_dir, sizeof(store_dir), "%s/nix", top);
	snprintf(state_dir, sizeof(state_dir), "%s/state", top);
}

static void remove_top(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "findmnt -rno TARGET | grep '^%s' | sort -r | xargs -r umount -l; rm -rf %s",
		 top, top);
	ck_assert_int_eq(system(cmd), 0);
}

/* Before each test: a fresh store owned by the user. */
static void setup(void)
{
	sh("rm -rf %s && mkdir -p %s/store/abc-hello && echo hi > %s/store/abc-hello/greeting", store_dir);
	sh("chown -R 65534:65534 %s && chmod 755 %s", store_dir);
}

START_TEST(store_checks_explain_themselves)
{
	struct nix_store st;
	struct nix_err err;
	char p[256];

	ck_assert_int_eq(nix_store_open(store_dir, USER_ID, &st, &err), 0);
	ck_assert(!st.has_db);
	nix_store_close(&st);

	snprintf(p, sizeof(p), "%s/missing", top);
	ck_assert_int_eq(nix_store_open(p, USER_ID, &st, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "does not exist"));

	ck_assert_int_eq(nix_store_open(store_dir, 4242, &st, &err), -1);
	ck_assert_msg(strstr(err.msg, " is owned by uid 65534, not by the job's user (uid 4242)"), "%s", err.msg);

	snprintf(p, sizeof(p), "%s/link", top);
	ck_assert_int_eq(symlink(store_dir, p), 0);
	ck_assert_int_eq(nix_store_open(p, USER_ID, &st, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "is a symlink"));
	snprintf(p, sizeof(p), "%s/link/store", top);
	ck_assert_int_eq(nix_store_open(p, USER_ID, &st, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "/link is a symlink"));

	chmod(store_dir, 0775);
	ck_assert_int_eq(nix_store_open(store_dir, USER_ID, &st, &err), -1);
	ck_assert_msg(strstr(err.msg, "/nix is group- or world-writable (chmod go-w)"), "%s", err.msg);
	chmod(store_dir, 0755);

	snprintf(p, sizeof(p), "%s/store/abc-hello/greeting", store_dir);
	ck_assert_int_eq(nix_store_open(p, USER_ID, &st, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "is not a directory"));

	snprintf(p, sizeof(p), "%s/store/abc-hello", store_dir);
	ck_assert_int_eq(nix_store_open(p, USER_ID, &st, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "has no store/ directory"));
}
END_TEST

START_TEST(store_is_opened_with_the_users_rights)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		struct nix_store st;
		struct nix_err err;

		chmod(store_dir, 0311); /* the user may traverse, not list */
		if (setgroups(0, NULL) || setresgid(USER_ID, USER_ID, USER_ID) ||
		    setresuid(USER_ID, USER_ID, USER_ID))
			_exit(2);
		if (nix_store_open(store_dir, USER_ID, &st, &err) == 0)
			_exit(3);
		_exit(strstr(err.msg, "/nix is not readable by the job's user") ? 0 : 4);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

START_TEST(state_dirs_are_root_only_and_removed)
{
	struct nix_job_dir jd;
	struct nix_err err;
	struct stat st;
	char p[PATH_MAX + 16];

	ck_assert_int_eq(nix_state_lock_job(state_dir, "node1", 7, USER_ID, &jd, &err), 0);
	ck_assert_int_eq(stat(jd.path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	ck_assert_int_eq(st.st_uid, 0);
	snprintf(p, sizeof(p), "%s/stale.mnt", jd.path);
	ck_assert_int_ge(creat(p, 0600), 0);
	nix_state_unlock_job(&jd);

	/* the same id for another user: what was there is emptied */
	ck_assert_int_eq(nix_state_lock_job(state_dir, "node1", 7, 4242, &jd, &err), 0);
	ck_assert_int_eq(access(p, F_OK), -1);
	nix_state_unlock_job(&jd);

	ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", 7, &err), 0);
	snprintf(p, sizeof(p), "%s/node1/job.7", state_dir);
	ck_assert_int_eq(access(p, F_OK), -1);
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", 7, &err), 0);
	ck_assert_int_eq(nix_state_lock_job(state_dir, "../x", 7, USER_ID, &jd, &err), -1);
}
END_TEST

static ino_t ns_ino(int fd)
{
	struct stat st;

	ck_assert_int_eq(fstat(fd, &st), 0);
	return st.st_ino;
}

/* In a child, as the user: join ns, then check what the view shows. */
static int join_and_look(const struct nix_ns *ns, bool writable)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		struct nix_err err;
		char cwd[256];
		int fd;

		if (chdir(top) || setgroups(0, NULL) ||
		    setresgid(USER_ID, USER_ID, USER_ID) || setresuid(USER_ID, USER_ID, USER_ID))
			_exit(10);
		if (nix_ns_join(ns, NULL, &err) < 0) {
			fprintf(stderr, "join: %s\n", err.msg);
			_exit(11);
		}
		if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, top))
			_exit(12); /* back where it was */
		if (access("/nix/store/abc-hello/greeting", R_OK))
			_exit(13);
		fd = open("/nix/store/new", O_CREAT | O_WRONLY, 0644);
		if (writable ? fd < 0 : (fd >= 0 || errno != EROFS))
			_exit(14);
		if (access("/proc/self/ns/mnt", F_OK) || access("/etc/passwd", R_OK))
			_exit(15); /* the rest of the host is still there */
		if (getuid() != USER_ID || getgid() != USER_ID)
			_exit(16); /* ids mapped to themselves */
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WEXITSTATUS(status);
}

START_TEST(view_is_built_pinned_reused_and_removed)
{
	struct nix_config cfg;
	struct nix_view ro = { 0 }, rw;
	struct nix_ns ns1, ns2, ns3, other;
	struct nix_err err;
	gid_t groups[] = { USER_ID };
	struct nix_ids ids = { .uid = USER_ID, .gid = USER_ID, .groups = groups, .ngroups = 1 };
	struct nix_job job = { .cfg = &cfg, .node = "node1", .jobid = 42, .ids = &ids,
			       .base_mntns_fd = -1 };
	char pin[PATH_MAX + 32];

	nix_config_defaults(&cfg);
	strcpy(cfg.state_dir, state_dir);
	strcpy(ro.origin, "--nix-store=test");
	strcpy(ro.store, store_dir);
	strcpy(ro.mountpoint, "/nix");
	rw = ro;
	rw.writable = true;

	ck_assert_msg(nix_job_acquire_view(&job, &ro, &ns1, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(join_and_look(&ns1, false), 0);

	/* a later step: the same namespaces */
	ck_assert_int_eq(nix_job_acquire_view(&job, &ro, &ns2, &err), 0);
	ck_assert_int_eq(ns_ino(ns1.mnt_fd), ns_ino(ns2.mnt_fd));
	ck_assert_int_eq(ns_ino(ns1.user_fd), ns_ino(ns2.user_fd));

	/* another view: its own mount namespace, the job's one user namespace */
	ck_assert_int_eq(nix_job_acquire_view(&job, &rw, &ns3, &err), 0);
	ck_assert_int_ne(ns_ino(ns1.mnt_fd), ns_ino(ns3.mnt_fd));
	ck_assert_int_eq(ns_ino(ns1.user_fd), ns_ino(ns3.user_fd));
	ck_assert_int_eq(join_and_look(&ns3, true), 0);

	/* nobody else may open the pin as theirs */
	struct nix_job_dir jd;
	char key[17];

	ck_assert_int_eq(nix_state_lock_job(state_dir, "node1", 42, USER_ID, &jd, &err), 0);
	nix_view_key(&ro, key);
	nix_state_file(&jd, key, ".mnt", pin, sizeof(pin));
	nix_state_unlock_job(&jd);
	ck_assert_int_eq(nix_ns_open_pin(pin, 4242, &other, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "belongs to uid 65534"));

	nix_ns_close(&ns1);
	nix_ns_close(&ns2);
	nix_ns_close(&ns3);
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", 42, &err), 0);
	ck_assert_int_eq(access(pin, F_OK), -1);
}
END_TEST

START_TEST(user_errors_come_back_from_the_helper)
{
	struct nix_config cfg;
	struct nix_view v = { 0 };
	struct nix_ns ns;
	struct nix_err err;
	struct nix_ids ids = { .uid = USER_ID, .gid = USER_ID };
	struct nix_job job = { .cfg = &cfg, .node = "node1", .jobid = 43, .ids = &ids,
			       .base_mntns_fd = -1 };

	nix_config_defaults(&cfg);
	strcpy(cfg.state_dir, state_dir);
	strcpy(v.origin, "--nix-store=/x");
	snprintf(v.store, sizeof(v.store), "%s/nope", top);
	strcpy(v.mountpoint, "/nix");
	ck_assert_int_eq(nix_job_acquire_view(&job, &v, &ns, &err), -1);
	ck_assert_msg(strstr(err.msg, "--nix-store=/x: ") == err.msg, "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(err.msg, "does not exist"));
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", 43, &err), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("namespace");
	TCase *tc = tcase_create("kernel");

	tcase_add_unchecked_fixture(tc, make_top, remove_top);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, store_checks_explain_themselves);
	tcase_add_test(tc, store_is_opened_with_the_users_rights);
	tcase_add_test(tc, state_dirs_are_root_only_and_removed);
	tcase_add_test(tc, view_is_built_pinned_reused_and_removed);
	tcase_add_test(tc, user_errors_come_back_from_the_helper);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
