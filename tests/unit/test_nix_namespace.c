/* nix_namespace (through nix_job) on the real kernel: a view of a store
 * owned by an unprivileged user built, pinned, reused, joined, refused to
 * another user and removed; its helper out of the user's reach, a stuck
 * helper bounded, the job's groups kept. Needs root, as slurmstepd has: it
 * fails (never skips) without. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/file.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "nix_clock.h"
#include "nix_job.h"
#include "nix_state.h"
#include "nix_state_pins.h"
#include "nix_store.h"
#include "root_fixture.h"

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
	struct nix_job job = test_job(&cfg, "node1", 42, &ids);
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

	ck_assert_int_eq(nix_state_lock_job(state_dir, "node1", 42, USER_ID, far_deadline(), &jd, &err), 0);
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

/* A helper of ours is a child of `creator` (other than us) whose effective
 * uid is the user's; *ruid gets its real uid. */
static pid_t find_helper(pid_t creator, unsigned *ruid)
{
	char path[64], line[256];
	pid_t child, found = 0;
	FILE *list;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", creator, creator);
	list = fopen(path, "re");
	if (!list)
		return 0;
	while (!found && fscanf(list, "%d", &child) == 1) {
		unsigned r = 0, e = 0;
		FILE *f;

		if (child == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/status", child);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "Uid: %u %u", &r, &e) == 2 && e == USER_ID) {
				found = child;
				*ruid = r;
			}
		fclose(f);
	}
	fclose(list);
	return found;
}

/* The attack of issue 10: the job's user stops the helper (a fork of
 * root's process) and reads its memory, or signals it to hold root's task.
 * A watcher, as the user, tries both on every helper it sees while views are
 * built; it must see helpers and get nowhere with any of them. */
START_TEST(helper_is_beyond_the_users_reach)
{
	struct nix_config cfg;
	struct nix_view v = { 0 };
	struct nix_ns ns;
	struct nix_err err;
	struct nix_ids ids = { .uid = USER_ID, .gid = USER_ID };
	int pipefd[2];
	pid_t creator = getpid();

	plain_view(&cfg, &v);
	ck_assert_int_eq(pipe(pipefd), 0);
	pid_t watcher = fork();

	if (watcher == 0) {
		int seen = 0, reached = 0, root_real = 1;

		close(pipefd[0]);
		if (setgroups(0, NULL) || setresgid(USER_ID, USER_ID, USER_ID) ||
		    setresuid(USER_ID, USER_ID, USER_ID))
			_exit(2);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (int64_t end = nix_clock_ms() + 20000; nix_clock_ms() < end && seen < 20;) {
			unsigned ruid = 0;
			pid_t h = find_helper(creator, &ruid);
			char mem[64];

			if (!h)
				continue;
			seen++;
			root_real &= ruid == 0;
			snprintf(mem, sizeof(mem), "/proc/%d/mem", h);
			int fd = open(mem, O_RDONLY);

			if (fd >= 0)
				reached++;
			if (fd >= 0)
				close(fd);
			/* and no ptrace, which would let it write too */
			if (ptrace(PTRACE_SEIZE, h, NULL, NULL) == 0) {
				reached++;
				ptrace(PTRACE_DETACH, h, NULL, NULL);
			}
		}
		char report[64];
		int n = snprintf(report, sizeof(report), "%d %d %d", seen, reached, root_real);

		_exit(write(pipefd[1], report, n) == n ? 0 : 3);
	}
	close(pipefd[1]);
	for (uint32_t job = 100; job < 400; job++) {
		struct nix_job j = test_job(&cfg, "node1", job, &ids);
		int status;

		ck_assert_msg(nix_job_acquire_view(&j, &v, &ns, &err) == 0, "%s", err.msg);
		nix_ns_close(&ns);
		ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", job, &err), 0);
		if (waitpid(watcher, &status, WNOHANG) == watcher)
			break;
	}
	kill(watcher, SIGKILL);
	waitpid(watcher, NULL, 0);
	char report[64] = "";
	int seen = 0, reached = -1, root_real = 0;

	ck_assert_int_gt(read(pipefd[0], report, sizeof(report) - 1), 0);
	close(pipefd[0]);
	ck_assert_int_eq(sscanf(report, "%d %d %d", &seen, &reached, &root_real), 3);
	ck_assert_msg(seen > 0, "the watcher never saw a helper");
	ck_assert_msg(reached == 0, "the user reached %d of %d helpers", reached, seen);
	ck_assert_msg(root_real, "a helper's real uid was the user's");
}
END_TEST

/* Stopped, not a zombie that took the signal after its end. */
static bool is_stopped(pid_t pid)
{
	char path[64], state = '?';
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (int i = 0; i < 100 && state != 'T'; i++) {
		f = fopen(path, "re");
		if (!f || fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
			state = '?';
		if (f)
			fclose(f);
		if (state == 'Z' || state == '?')
			return false;
		if (state != 'T')
			nix_sleep_ms(1);
	}
	return state == 'T';
}

/* A helper stuck for good (here: stopped by root, as a hung file system
 * would hold it) costs the task its time budget, not more. */
START_TEST(stuck_helper_costs_the_budget_only)
{
	struct nix_config cfg;
	struct nix_view v = { 0 };
	struct nix_ns ns;
	struct nix_err err;
	struct nix_ids ids = { .uid = USER_ID, .gid = USER_ID };
	pid_t creator = getpid();

	plain_view(&cfg, &v);
	pid_t stopper = fork();

	if (stopper == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;) {
			unsigned ruid;
			pid_t h = find_helper(creator, &ruid);

			if (h && kill(h, SIGSTOP) == 0 && is_stopped(h))
				_exit(0);
		}
	}
	bool stopped = false;
	int held = 0;

	for (uint32_t job = 500; job < 800 && !stopped; job++) {
		struct nix_job j = { .cfg = &cfg, .node = "node1", .jobid = job, .ids = &ids,
				     .base_mntns_fd = -1 };
		int64_t t0 = nix_clock_ms();

		j.deadline_ms = t0 + 1500;
		int rc = nix_job_acquire_view(&j, &v, &ns, &err);
		int64_t took = nix_clock_ms() - t0;

		stopped = waitpid(stopper, NULL, WNOHANG) == stopper;
		/* Stopped before the view was ready, the build fails at the
		 * deadline; after it, the pin is made and the helper killed. */
		if (rc < 0)
			ck_assert_msg(strstr(err.msg, "time limit"), "%s", err.msg);
		else
			nix_ns_close(&ns);
		if (stopped) {
			ck_assert_msg(took >= 1400 && took < 1500 + 2500, "took %lld ms", (long long)took);
			held = 1;
		} else {
			ck_assert_int_eq(rc, 0);
		}
		ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", job, &err), 0);
	}
	kill(stopper, SIGKILL);
	waitpid(stopper, NULL, 0);
	ck_assert_msg(held, "the stopper never caught a helper");
}
END_TEST

/* setgroups is denied in the job's user namespace: a task can't drop a
 * supplementary group to read what that group is denied. */
static int try_to_drop_groups(const struct nix_ns *ns)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		gid_t groups[] = { USER_GROUP };
		struct nix_err err;

		if (setgroups(1, groups) || setresgid(USER_ID, USER_ID, USER_ID) ||
		    setresuid(USER_ID, USER_ID, USER_ID))
			_exit(10);
		if (nix_ns_join(ns, NULL, &err) < 0)
			_exit(11);
		if (getgroups(1, groups) != 1 || groups[0] != USER_GROUP)
			_exit(12); /* the task keeps its group */
		if (setgroups(0, NULL) == 0)
			_exit(13);
		_exit(errno == EPERM ? 0 : 14);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WEXITSTATUS(status);
}

START_TEST(groups_cannot_be_dropped_in_the_job_namespace)
{
	struct nix_config cfg;
	struct nix_view v = { 0 };
	struct nix_ns ns;
	struct nix_err err;
	gid_t groups[] = { USER_GROUP };
	struct nix_ids ids = { .uid = USER_ID, .gid = USER_ID, .groups = groups, .ngroups = 1 };
	struct nix_job job = test_job(&cfg, "node1", 44, &ids);

	plain_view(&cfg, &v);
	ck_assert_msg(nix_job_acquire_view(&job, &v, &ns, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(try_to_drop_groups(&ns), 0);
	nix_ns_close(&ns);
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", 44, &err), 0);
}
END_TEST

/* issue 10, item 8 on the kernel: a newline in a path, one namespace */
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

int main(void)
{
	Suite *s = suite_create("nix_namespace");
	TCase *tc = tcase_create("kernel");

	tcase_add_unchecked_fixture(tc, make_top, remove_top);
	tcase_add_checked_fixture(tc, fresh_user_store, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, view_is_built_pinned_reused_and_removed);
	tcase_add_test(tc, helper_is_beyond_the_users_reach);
	tcase_add_test(tc, stuck_helper_costs_the_budget_only);
	tcase_add_test(tc, groups_cannot_be_dropped_in_the_job_namespace);
	tcase_add_test(tc, a_view_with_newlines_is_reused);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
