/* A task and its view (lib/task_view.c): joining a view without a user
 * namespace (no_new_privs after), the directory only the view has, the
 * profiles it must show, the message for a hidden working directory, and
 * the once-per-node notice. Needs root, as slurmstepd has. */
#include <check.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "task_view.h"

/* In a mount namespace of our own, join it as a view without a user
 * namespace would be: exit codes say which check failed. */
static int join_own_namespace(void)
{
	struct nix_ns ns = NIX_NS_INIT;
	struct nix_err err;

	if (unshare(CLONE_NEWNS) < 0)
		return 10;
	ns.no_userns = true;
	ns.mnt_fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (ns.mnt_fd < 0 || prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0)
		return 11;
	if (nix_view_join_as_root(&ns, &err) < 0)
		return 12;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 13;
	return ns.mnt_fd == -1 ? 0 : 14; /* closed */
}

START_TEST(join_as_root_sets_no_new_privs)
{
	int status;
	pid_t pid;

	ck_assert_msg(geteuid() == 0, "test_task_view must run as root");
	pid = fork();
	if (pid == 0)
		_exit(join_own_namespace());
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

START_TEST(join_as_root_fails_with_a_closed_view)
{
	struct nix_ns ns = NIX_NS_INIT;
	struct nix_err err;

	ns.no_userns = true;
	ck_assert_int_eq(nix_view_join_as_root(&ns, &err), -1);
	ck_assert_str_eq(err.msg, "cannot join the job's mount namespace: Bad file descriptor");
	ck_assert_int_eq(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
}
END_TEST

/* Only when Slurm fell back to /tmp and the host has no such directory. */
START_TEST(dir_only_in_view)
{
	const char *gone = "/nix/store/no-such-dir-spank-nix-test";

	ck_assert_int_eq(chdir("/tmp"), 0);
	ck_assert_str_eq(nix_dir_only_in_view(gone), gone);
	ck_assert_ptr_null(nix_dir_only_in_view("/tmp"));
	ck_assert_ptr_null(nix_dir_only_in_view("/"));       /* the host has it */
	ck_assert_ptr_null(nix_dir_only_in_view("relative")); /* not a path */
	ck_assert_ptr_null(nix_dir_only_in_view(""));
	ck_assert_int_eq(chdir("/"), 0);
	ck_assert_ptr_null(nix_dir_only_in_view(gone));      /* Slurm got there */
}
END_TEST

START_TEST(profiles_must_be_in_the_view)
{
	struct nix_err err;

	ck_assert_int_eq(nix_profiles_check_in_view("", &err), 0);
	ck_assert_int_eq(nix_profiles_check_in_view("/,/tmp", &err), 0);
	ck_assert_int_eq(nix_profiles_check_in_view(",/", &err), 0); /* empty items skipped */
	ck_assert_int_eq(nix_profiles_check_in_view("/,/no/such/profile,/tmp", &err), -1);
	ck_assert_str_eq(err.msg,
			 "--nix-profile: /no/such/profile: No such file or directory in the job's view");
}
END_TEST

START_TEST(join_error_names_the_hidden_directory)
{
	char line[NIX_ERR_MAX * 2];

	nix_join_error_message("/home,/opt", "/home/ann/work", "cannot return to /home/ann/work",
			       line, sizeof(line));
	ck_assert_str_eq(line, "--nix-hide: the working directory /home/ann/work is in the "
			       "hidden /home: start the step in a directory that is not hidden "
			       "(srun --chdir=DIR), or hide less");
	nix_join_error_message("/opt", "/home/ann", "cannot join: EPERM", line, sizeof(line));
	ck_assert_str_eq(line, "cannot join: EPERM");
	nix_join_error_message("/home", "", "no cwd", line, sizeof(line));
	ck_assert_str_eq(line, "no cwd");
}
END_TEST

START_TEST(userns_refusal_said_once_per_node)
{
	char dir[] = "/tmp/task-view-XXXXXX", marker[64];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert(nix_userns_refusal_is_new(dir, "n1"));
	ck_assert(!nix_userns_refusal_is_new(dir, "n1"));
	ck_assert(nix_userns_refusal_is_new(dir, "n2"));
	snprintf(marker, sizeof(marker), "%s/userns-refused.n1", dir);
	ck_assert_int_eq(unlink(marker), 0);
	snprintf(marker, sizeof(marker), "%s/userns-refused.n2", dir);
	ck_assert_int_eq(unlink(marker), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("task_view");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, join_as_root_sets_no_new_privs);
	tcase_add_test(tc, join_as_root_fails_with_a_closed_view);
	tcase_add_test(tc, dir_only_in_view);
	tcase_add_test(tc, profiles_must_be_in_the_view);
	tcase_add_test(tc, join_error_names_the_hidden_directory);
	tcase_add_test(tc, userns_refusal_said_once_per_node);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
