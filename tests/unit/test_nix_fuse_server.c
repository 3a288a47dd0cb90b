/* The FUSE server's record: its job cgroup, killed at job end only while it
 * is the same process. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "nix_fuse_server.h"

START_TEST(job_cgroup_of_a_step)
{
	const char *v1 = "/slurm_n1/uid_5/job_12/step_0";
	const char *v2 = "/system.slice/slurmstepd.scope/job_7/step_batch/user/task_0";

	ck_assert_uint_eq(nix_fuse_job_cgroup(v1), strlen("/slurm_n1/uid_5/job_12"));
	ck_assert_uint_eq(nix_fuse_job_cgroup(v2), strlen("/system.slice/slurmstepd.scope/job_7"));
	ck_assert_uint_eq(nix_fuse_job_cgroup("/user.slice/user-0.slice"), 0);
	ck_assert_uint_eq(nix_fuse_job_cgroup("/slurm/job_/step_0"), 0);
	ck_assert_uint_eq(nix_fuse_job_cgroup("/slurm/job_12x/step_0"), 0);
	/* a task not yet in its step's cgroup: the job's is where it is */
	ck_assert_uint_eq(nix_fuse_job_cgroup("/slurm/uid_5/job_12"), strlen("/slurm/uid_5/job_12"));
	ck_assert(nix_fuse_is_record("abc.mnt" NIX_FUSE_RECORD_SUFFIX));
	ck_assert(!nix_fuse_is_record("abc.mnt"));
	ck_assert(!nix_fuse_is_record(NIX_FUSE_RECORD_SUFFIX));
}
END_TEST

static pid_t start_sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		pause();
		_exit(0);
	}
	ck_assert_int_gt(pid, 0);
	return pid;
}

/* Job end kills the recorded server, and only while the pid is still the
 * process recorded (a pid the kernel gave to another process is spared). */
START_TEST(job_end_kills_the_recorded_server_only)
{
	char record[] = "/tmp/test_image_record.XXXXXX";
	int status, fd = mkstemp(record);
	pid_t server = start_sleeper(), other = start_sleeper();
	struct nix_err err;
	FILE *f;

	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(record);
	ck_assert_int_eq(nix_fuse_server_adopt(server, record, &err), 0);
	nix_fuse_server_end(record);
	ck_assert_int_eq(waitpid(server, &status, 0), server);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	f = fopen(record, "w");
	fprintf(f, "%d 1\n/sys/fs/cgroup/freezer/not_a_job\n", (int)other); /* wrong start time */
	fclose(f);
	nix_fuse_server_end(record);
	ck_assert_int_eq(waitpid(other, &status, WNOHANG), 0);
	kill(other, SIGKILL);
	waitpid(other, &status, 0);
	unlink(record);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nix_fuse_server");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, job_cgroup_of_a_step);
	tcase_add_test(tc, job_end_kills_the_recorded_server_only);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
