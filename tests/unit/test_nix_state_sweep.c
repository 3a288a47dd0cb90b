/* nix_state_sweep: the prolog's sweep removes owner-less and ended jobs'
 * directories, and keeps those a creator holds or a process is in (issue
 * 10, items 9 and 11). Needs root: it fails (never skips) without. */
#include <check.h>
#include <sys/file.h>
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
#include "nix_job.h"
#include "nix_state.h"
#include "nix_state_sweep.h"
#include "root_fixture.h"

START_TEST(sweep_removes_job_dirs_without_owner)
{
	struct nix_job_dir live;
	struct nix_err err;
	char p[PATH_MAX + 32];
	int held;

	/* job 21: a creator killed between mkdir and its owner record */
	snprintf(p, sizeof(p), "%s/node2/job.21", state_dir);
	sh("mkdir -p '%s' && touch '%s/lock' '%s/k.mnt'", p);
	/* job 22: an owner record, but no view and no process: ended */
	ck_assert_int_eq(nix_state_lock_job(state_dir, "node2", 22, USER_ID, nix_clock_ms() + 30000, &live, &err), 0);
	nix_state_unlock_job(&live);
	/* job 23: no owner record yet, but a creator holds its lock */
	snprintf(p, sizeof(p), "%s/node2/job.23", state_dir);
	sh("mkdir -p '%s' && touch '%s/lock'", p);
	strcat(p, "/lock");
	held = open(p, O_RDONLY);
	ck_assert_int_eq(flock(held, LOCK_EX), 0);

	ck_assert_int_eq(nix_state_sweep_node(state_dir, "node2", &err), 2);
	snprintf(p, sizeof(p), "%s/node2/job.21", state_dir);
	ck_assert_int_eq(access(p, F_OK), -1);
	snprintf(p, sizeof(p), "%s/node2/job.22", state_dir);
	ck_assert_int_eq(access(p, F_OK), -1);
	snprintf(p, sizeof(p), "%s/node2/job.23", state_dir);
	ck_assert_int_eq(access(p, F_OK), 0);
	close(held);
	sh("rm -rf '%s/node2'", state_dir);
}
END_TEST

/* item 11: a job that ended while slurmd was down (no epilog) */
START_TEST(sweep_keeps_jobs_in_use_and_removes_ended_ones)
{
	struct nix_config cfg;
	struct nix_view v;
	struct nix_ns ns;
	struct nix_err err;
	gid_t groups[] = { USER_ID };
	struct nix_ids ids = { .uid = USER_ID, .gid = USER_ID, .groups = groups, .ngroups = 1 };
	struct nix_job job = { .cfg = &cfg, .node = "node4", .jobid = 41, .ids = &ids,
			       .base_mntns_fd = -1, .deadline_ms = nix_clock_ms() + 30000 };
	char store[256], dir[256], cmd[512];
	int go[2], ready[2], status;
	char c;
	pid_t task;

	snprintf(store, sizeof(store), "%s/s11", top);
	sh("mkdir -p '%s/store' && chown -R 65534:65534 '%s' && chmod 755 '%s'", store);
	nix_config_defaults(&cfg);
	strcpy(cfg.state_dir, state_dir);
	v = view_of(store, "", "");
	snprintf(dir, sizeof(dir), "%s/node4/job.41", state_dir);

	/* built, its fds held (a task about to join): alive */
	ck_assert_msg(nix_job_acquire_view(&job, &v, &ns, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(nix_state_sweep_node(state_dir, "node4", &err), 0);
	ck_assert_int_eq(access(dir, F_OK), 0);

	/* a task inside the namespaces: alive */
	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(ready), 0);
	task = fork();
	if (task == 0) {
		close(go[1]);
		close(ready[0]);
		if (setgroups(0, NULL) || setresgid(USER_ID, USER_ID, USER_ID) ||
		    setresuid(USER_ID, USER_ID, USER_ID) || nix_ns_join(&ns, NULL, &err) < 0)
			_exit(1);
		nix_ns_close(&ns);
		close(ready[1]); /* joined, holding no fd of the namespaces */
		_exit(read(go[0], &c, 1) == 0 ? 0 : 2);
	}
	close(go[0]);
	close(ready[1]);
	nix_ns_close(&ns);
	ck_assert_int_eq(read(ready[0], &c, 1), 0); /* the task joined */
	close(ready[0]);
	ck_assert_int_eq(nix_state_sweep_node(state_dir, "node4", &err), 0);
	ck_assert_int_eq(access(dir, F_OK), 0);

	/* the job ended and no epilog ran: swept, the pin unmounted */
	close(go[1]);
	ck_assert_int_eq(waitpid(task, &status, 0), task);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_int_eq(nix_state_sweep_node(state_dir, "node4", &err), 1);
	ck_assert_int_eq(access(dir, F_OK), -1);
	snprintf(cmd, sizeof(cmd), "findmnt -rno TARGET | grep -q '^%s/node4/'", state_dir);
	ck_assert_int_ne(system(cmd), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nix_state_sweep");
	TCase *tc = tcase_create("sweep");

	tcase_add_unchecked_fixture(tc, make_top, remove_top);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, sweep_removes_job_dirs_without_owner);
	tcase_add_test(tc, sweep_keeps_jobs_in_use_and_removes_ended_ones);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
