/* nix_ns_helper on the real kernel: a user's mistake comes back from the
 * helper with its origin, the helper's namespace is pinnable whatever CPU
 * made the node's, and its messages are cut to size. Needs root: it fails
 * (never skips) without. */
#include <check.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
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
#include "nix_ns_helper.h"
#include "nix_state_pins.h"
#include "root_fixture.h"

START_TEST(user_errors_come_back_from_the_helper)
{
	struct nix_config cfg;
	struct nix_view v = { 0 };
	struct nix_ns ns;
	struct nix_err err;
	struct nix_ids ids = { .uid = USER_ID, .gid = USER_ID };
	struct nix_job job = test_job(&cfg, "node1", 43, &ids);

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

#ifndef NS_GET_MNTNS_ID
#define NS_GET_MNTNS_ID _IOR(0xb7, 0x5, uint64_t)
#endif

static void run_on_cpu(int cpu)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	ck_assert_int_eq(sched_setaffinity(0, sizeof(one), &one), 0);
}

/* The id a mount namespace made now on this CPU gets. */
static uint64_t probe_mntns_id(int cpu)
{
	uint64_t id = 0;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	if (fork() == 0) {
		int fd;

		run_on_cpu(cpu);
		if (unshare(CLONE_NEWNS) < 0)
			_exit(1);
		fd = open("/proc/self/ns/mnt", O_RDONLY);
		if (fd < 0 || ioctl(fd, NS_GET_MNTNS_ID, &id) < 0)
			id = 0;
		_exit(write(p[1], &id, sizeof(id)) == sizeof(id) ? 0 : 1);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &id, sizeof(id)), sizeof(id));
	close(p[0]);
	wait(NULL);
	return id;
}

/* Linux 6.x hands out mount namespace ids in per-CPU batches and refuses to
 * pin a namespace from one with a higher id. Here the node's namespace is
 * made on the CPU with the newer batch and the task runs on the other one,
 * whose namespaces get lower ids: every view must still be pinned. */
START_TEST(views_pin_whatever_cpu_made_the_node_namespace)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	ck_assert_msg(ncpu >= 2, "this test needs 2 CPUs to place namespaces on");
	uint64_t id0 = probe_mntns_id(0), id1 = probe_mntns_id(1);

	ck_assert_msg(id0 && id1, "the kernel gives no mount namespace ids");
	int newer = id0 > id1 ? 0 : 1;
	pid_t pid = fork();

	if (pid == 0) {
		struct nix_config cfg;
		struct nix_view v = { 0 };
		struct nix_ns ns;
		struct nix_err err;
		struct nix_ids ids = { .uid = USER_ID, .gid = USER_ID };

		run_on_cpu(newer);
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(2);
		run_on_cpu(!newer);
		plain_view(&cfg, &v);
		for (uint32_t job = 900; job < 910; job++) {
			struct nix_job j = test_job(&cfg, "node1", job, &ids);

			if (nix_job_acquire_view(&j, &v, &ns, &err) < 0) {
				fprintf(stderr, "job %u: %s\n", job, err.msg);
				_exit(3);
			}
			nix_ns_close(&ns);
			nix_state_remove_job(state_dir, "node1", job, &err);
		}
		_exit(0);
	}
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

START_TEST(messages_are_cut_to_one_datagram)
{
	char text[2 * NIX_ERR_MAX], buf[4 * NIX_ERR_MAX];
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	nix_ns_send_msg(sv[1], MSG_ERROR, text);
	ck_assert_int_eq(recv(sv[0], buf, sizeof(buf), 0), NIX_ERR_MAX + 1);
	ck_assert_int_eq(buf[0], MSG_ERROR);
	nix_ns_send_msg(sv[1], MSG_MAPS_DONE, NULL);
	ck_assert_int_eq(recv(sv[0], buf, sizeof(buf), 0), 1);
	ck_assert_int_eq(buf[0], MSG_MAPS_DONE);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(own_mount_namespace_id_is_the_kernels)
{
	uint64_t id = 0;
	int fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	if (ioctl(fd, NS_GET_MNTNS_ID, &id) < 0)
		id = 0; /* before Linux 6.10: no ids, and 0 says so */
	close(fd);
	ck_assert_uint_eq(nix_own_mntns_id(), id);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nix_ns_helper");
	TCase *tc = tcase_create("kernel");

	tcase_add_unchecked_fixture(tc, make_top, remove_top);
	tcase_add_checked_fixture(tc, fresh_user_store, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, messages_are_cut_to_one_datagram);
	tcase_add_test(tc, own_mount_namespace_id_is_the_kernels);
	tcase_add_test(tc, user_errors_come_back_from_the_helper);
	tcase_add_test(tc, views_pin_whatever_cpu_made_the_node_namespace);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
