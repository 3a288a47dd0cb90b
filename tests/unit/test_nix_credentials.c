/* nix_credentials: the ids and capabilities each helper step acts with,
 * and that after every change it is not dumpable and dies with its parent.
 * Each check runs in a child forked as root. Needs root: it fails (never
 * skips) without. */
#include <check.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "nix_credentials.h"
#include "root_fixture.h"

static const gid_t user_groups[] = { USER_GROUP };
static const struct nix_ids ids = {
	.uid = USER_ID, .gid = USER_ID, .groups = user_groups, .ngroups = 1,
};

/* Run step in a child of ours; its exit status (0: as expected). */
static int in_child(int (*step)(void))
{
	pid_t pid = fork();
	int status;

	if (pid == 0)
		_exit(step());
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* The kernel clears the death signal on a change of ids (the check that
 * fails without nix_after_id_change); dumpable it resets to
 * fs.suid_dumpable, 0 on most hosts. */
static int not_dumpable_and_dies_with_parent(void)
{
	int sig = 0;

	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		return 20;
	if (prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) < 0 || sig != SIGKILL)
		return 21;
	return 0;
}

/* The effective capabilities, from /proc/self/status. */
static unsigned long long cap_eff(void)
{
	char line[128];
	unsigned long long caps = ~0ULL;
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "CapEff: %llx", &caps);
	if (f)
		fclose(f);
	return caps;
}

static int after_id_change(void)
{
	if (setresuid(-1, USER_ID, -1) < 0) /* the kernel resets both */
		return 10;
	if (nix_after_id_change(getppid()) < 0)
		return 11;
	return not_dumpable_and_dies_with_parent();
}

static int after_id_change_with_another_parent(void)
{
	nix_after_id_change(getppid() + 1);
	return 30; /* not reached: _exit(1) */
}

START_TEST(after_a_change_of_ids_the_helper_stays_out_of_reach)
{
	ck_assert_int_eq(in_child(after_id_change), 0);
	ck_assert_int_eq(in_child(after_id_change_with_another_parent), 1);
}
END_TEST

static int assume_user(void)
{
	uid_t r, e, s;
	gid_t gr, ge, gs, groups[4];

	if (nix_assume_user(&ids, getppid()) < 0)
		return 10;
	if (getresuid(&r, &e, &s) < 0 || r != 0 || e != USER_ID || s != 0)
		return 11; /* real and saved stay root's */
	if (getresgid(&gr, &ge, &gs) < 0 || gr != 0 || ge != USER_ID || gs != 0)
		return 12;
	if (getgroups(4, groups) != 1 || groups[0] != USER_GROUP)
		return 13;
	if ((uid_t)setfsuid(-1) != USER_ID)
		return 14;
	return not_dumpable_and_dies_with_parent();
}

START_TEST(the_user_stage_has_the_users_effective_ids)
{
	ck_assert_int_eq(in_child(assume_user), 0);
}
END_TEST

static char root_only[256];

static int mount_as_root(void)
{
	if (nix_assume_user(&ids, getppid()) < 0 ||
	    nix_mount_as_root_with_user_files(&ids, getppid()) < 0)
		return 10;
	if (geteuid() != 0)
		return 11;
	if ((uid_t)setfsuid(-1) != USER_ID || (gid_t)setfsgid(-1) != USER_ID)
		return 12;
	if (open(root_only, O_RDONLY) >= 0)
		return 13; /* files are reached with the user's rights */
	return not_dumpable_and_dies_with_parent();
}

START_TEST(without_userns_mounts_are_roots_files_the_users)
{
	snprintf(root_only, sizeof(root_only), "%s/root-only", top);
	sh("echo secret > %s && chmod 600 %s", root_only);
	ck_assert_int_eq(in_child(mount_as_root), 0);
}
END_TEST

static int mount_cap_only(void)
{
	uid_t r, e, s;

	if (nix_become_user_with_mount_cap(&ids, getppid()) < 0)
		return 10;
	if (getresuid(&r, &e, &s) < 0 || r != USER_ID || e != USER_ID || s != USER_ID)
		return 11;
	if (cap_eff() != 1ULL << 21) /* CAP_SYS_ADMIN alone */
		return 12;
	return not_dumpable_and_dies_with_parent();
}

START_TEST(a_fuse_helper_without_userns_keeps_only_the_mount_cap)
{
	ck_assert_int_eq(in_child(mount_cap_only), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nix_credentials");
	TCase *tc = tcase_create("ids");

	tcase_add_unchecked_fixture(tc, make_top, remove_top);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, after_a_change_of_ids_the_helper_stays_out_of_reach);
	tcase_add_test(tc, the_user_stage_has_the_users_effective_ids);
	tcase_add_test(tc, without_userns_mounts_are_roots_files_the_users);
	tcase_add_test(tc, a_fuse_helper_without_userns_keeps_only_the_mount_cap);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
