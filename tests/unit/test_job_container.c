/* A view acquired from inside a job container (lib/job_container.c): in
 * slurmstepd's own mount namespace it is nix_job_acquire_view; from the
 * job's private one (job_container/tmpfs) the pin is made in the parent's
 * namespace, the view copies the job's (its private /tmp), and the task is
 * back in the job's after; a namespace it may not enter fails with one
 * line. Needs root, as slurmstepd has: it fails (never skips) without. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "job_container.h"
#include "nix_clock.h"
#include "nix_state.h"
#include "nix_state_pins.h"

#define USER_ID 65534 /* nobody */

static char top[64], state_dir[128], store[128], scratch[128];
static struct nix_config cfg;
static gid_t groups[] = { USER_ID };
static struct nix_ids ids = { .uid = USER_ID, .gid = USER_ID, .groups = groups, .ngroups = 1 };

static void sh(const char *cmd)
{
	ck_assert_msg(system(cmd) == 0, "%s", cmd);
}

static void make_top(void)
{
	char cmd[512];

	ck_assert_msg(geteuid() == 0, "test_job_container must run as root");
	strcpy(top, "/tmp/spank-nix-jc-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(top));
	chmod(top, 0755);
	snprintf(state_dir, sizeof(state_dir), "%s/state", top);
	snprintf(store, sizeof(store), "%s/nix", top);
	snprintf(scratch, sizeof(scratch), "%s/scratch", top);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/store %s && chown -R %d:%d %s", store, scratch,
		 USER_ID, USER_ID, store);
	sh(cmd);
	nix_config_defaults(&cfg);
	strcpy(cfg.state_dir, state_dir);
}

static void remove_top(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "findmnt -rno TARGET | grep '^%s' | sort -r | xargs -r umount -l; rm -rf %s",
		 top, top);
	ck_assert_int_eq(system(cmd), 0);
}

static struct nix_view view_of_store(void)
{
	struct nix_view v;

	memset(&v, 0, sizeof(v));
	strcpy(v.origin, "--nix-store=test");
	snprintf(v.store, sizeof(v.store), "%s", store);
	strcpy(v.mountpoint, "/nix");
	return v;
}

static struct nix_job job_of(uint32_t jobid)
{
	return (struct nix_job){ .cfg = &cfg, .node = "node1", .jobid = jobid, .ids = &ids,
				 .base_mntns_fd = -1, .deadline_ms = nix_clock_ms() + 30000 };
}

static ino_t mntns_ino(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_ino : 0;
}

/* No job container: the caller's namespace is its parent's. */
START_TEST(same_namespace_is_nix_job_acquire_view)
{
	struct nix_view v = view_of_store();
	struct nix_job job = job_of(31);
	struct nix_ns ns = NIX_NS_INIT;
	struct nix_err err;

	ck_assert_msg(nix_job_container_acquire_view(&job, &v, &ns, &err) == 0, "%s", err.msg);
	ck_assert_int_ge(ns.mnt_fd, 0);
	ck_assert_int_eq(job.base_mntns_fd, -1); /* the view copies ours */
	nix_ns_close(&ns);
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", 31, &err), 0);
}
END_TEST

/* A task of a job container: child exit codes say which check failed. */
static int task_in_job_container(void)
{
	struct nix_view v = view_of_store();
	struct nix_job job = job_of(32);
	struct nix_ns ns = NIX_NS_INIT;
	struct nix_err err;
	char marker[256];
	ino_t job_ns;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", scratch, "tmpfs", 0, "size=1m") < 0)
		return 10;
	snprintf(marker, sizeof(marker), "%s/job-only", scratch);
	if (close(open(marker, O_CREAT | O_WRONLY, 0600)) < 0)
		return 11;
	job_ns = mntns_ino("/proc/self/ns/mnt");
	if (nix_job_container_acquire_view(&job, &v, &ns, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 12;
	}
	if (mntns_ino("/proc/self/ns/mnt") != job_ns)
		return 13; /* not back in the job's namespace */
	if (job.base_mntns_fd < 0)
		return 14;
	if (nix_ns_join(&ns, NULL, &err) < 0 || access(marker, F_OK) < 0)
		return 15; /* the view does not show the job's private directory */
	return 0;
}

START_TEST(job_container_pins_in_the_parents_namespace)
{
	char pin_dir[256], cmd[512];
	int status;
	pid_t task;
	struct nix_err err;

	task = fork();
	if (task == 0)
		_exit(task_in_job_container());
	ck_assert_int_eq(waitpid(task, &status, 0), task);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	/* the pin is a mount of this (slurmstepd's) namespace, and the job's
	 * private tmpfs is not */
	snprintf(pin_dir, sizeof(pin_dir), "%s/node1/job.32/", state_dir);
	snprintf(cmd, sizeof(cmd), "findmnt -rno TARGET | grep -q '^%s'", pin_dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "findmnt -rno TARGET | grep -q '^%s$'", scratch);
	ck_assert_int_ne(system(cmd), 0);
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", 32, &err), 0);
}
END_TEST

/* Without CAP_SYS_ADMIN in the effective set: setns refuses. */
static int drop_sys_admin(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return -1;
	d[0].effective &= ~(1U << CAP_SYS_ADMIN);
	return (int)syscall(SYS_capset, &h, d);
}

/* A task in a job container whose parent's namespace it may not enter:
 * one line, nothing opened. */
static int task_that_cannot_enter(void)
{
	struct nix_view v = view_of_store();
	struct nix_job job = job_of(33);
	struct nix_ns ns = NIX_NS_INIT;
	struct nix_err err;

	if (unshare(CLONE_NEWNS) < 0 || drop_sys_admin() < 0)
		return 10;
	if (nix_job_container_acquire_view(&job, &v, &ns, &err) != -1)
		return 11;
	if (strcmp(err.msg, "cannot enter slurmstepd's mount namespace: Operation not permitted")) {
		fprintf(stderr, "%s\n", err.msg);
		return 12;
	}
	return ns.mnt_fd == -1 && ns.user_fd == -1 && job.base_mntns_fd == -1 ? 0 : 13;
}

START_TEST(a_namespace_it_cannot_enter_fails)
{
	int status;
	pid_t task = fork();

	if (task == 0)
		_exit(task_that_cannot_enter());
	ck_assert_int_eq(waitpid(task, &status, 0), task);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("job_container");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, make_top, remove_top);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, same_namespace_is_nix_job_acquire_view);
	tcase_add_test(tc, job_container_pins_in_the_parents_namespace);
	tcase_add_test(tc, a_namespace_it_cannot_enter_fails);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
