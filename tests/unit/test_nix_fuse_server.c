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

#define SERVER_UID 65534

/* A process that waits, as root or (uid > 0) with all its uids uid. */
static pid_t start_sleeper(uid_t uid)
{
	int p[2];
	char c;
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		if (uid && setresuid(uid, uid, uid) < 0)
			_exit(1);
		close(p[0]);
		close(p[1]); /* ready */
		pause();
		_exit(0);
	}
	ck_assert_int_gt(pid, 0);
	close(p[1]);
	ck_assert_int_eq(read(p[0], &c, 1), 0);
	close(p[0]);
	return pid;
}

/* Job end kills the recorded server, and only while the pid is still the
 * process recorded (a pid the kernel gave to another process is spared). */
START_TEST(job_end_kills_the_recorded_server_only)
{
	char record[] = "/tmp/test_image_record.XXXXXX";
	int status, fd = mkstemp(record);
	pid_t server = start_sleeper(SERVER_UID), other = start_sleeper(0);
	struct nix_err err;
	FILE *f;

	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(record);
	ck_assert_int_eq(nix_fuse_server_adopt(server, SERVER_UID, record, &err), 0);
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

/* The pid comes from the namespace helper, which reads the user's files: a
 * process that is not all the job user's (root's here, or another uid's)
 * is neither recorded nor, at job end, killed. */
START_TEST(only_a_process_of_the_user_is_adopted)
{
	char record[] = "/tmp/test_image_record.XXXXXX";
	int status, fd = mkstemp(record);
	pid_t roots = start_sleeper(0), users = start_sleeper(SERVER_UID);
	struct nix_err err = { "" };

	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(record);
	ck_assert_int_eq(nix_fuse_server_adopt(roots, SERVER_UID, record, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "is not a process of uid 65534"));
	ck_assert_int_eq(access(record, F_OK), -1); /* nothing recorded */
	ck_assert_int_eq(nix_fuse_server_adopt(users, SERVER_UID - 1, record, &err), -1);
	ck_assert_int_eq(access(record, F_OK), -1);
	nix_fuse_server_end(record);
	ck_assert_int_eq(waitpid(roots, &status, WNOHANG), 0); /* still alive */
	ck_assert_int_eq(waitpid(users, &status, WNOHANG), 0);
	kill(roots, SIGKILL);
	kill(users, SIGKILL);
	waitpid(roots, &status, 0);
	waitpid(users, &status, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nix_fuse_server");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, job_cgroup_of_a_step);
	tcase_add_test(tc, job_end_kills_the_recorded_server_only);
	tcase_add_test(tc, only_a_process_of_the_user_is_adopted);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
