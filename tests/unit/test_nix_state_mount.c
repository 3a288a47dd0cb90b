/* nix_state_mount: the state dir made a private mount of its own, so that
 * a pin (a mount namespace file) can be made however the mount holding it
 * propagates; never over pins already there, never while another step
 * holds the state dir. Each test runs in a child of its own, on a tmpfs
 * of its own (root: fails, never skips, without). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "nix_state.h"
#include "nix_state_mount.h"
#include "root_fixture.h"

/* A tmpfs of the test's own, top/<name> (shared: copies made later in
 * other namespaces are its peers, that a mount on it propagates to), and
 * the state dir in it. In the tests' own mount namespace: the pins made
 * here are of namespaces made later (peer_namespace). */
static char dir[256], state[300];

static void own_tmpfs(const char *name, bool shared)
{
	snprintf(dir, sizeof(dir), "%s/%s", top, name);
	snprintf(state, sizeof(state), "%s/state", dir);
	if (mkdir(dir, 0755) < 0 || mount("tmpfs", dir, "tmpfs", 0, "mode=0755") < 0 ||
	    (shared && mount(NULL, dir, NULL, MS_SHARED, NULL) < 0) ||
	    mkdir(state, 0700) < 0)
		_exit(90);
}

/* The tmpfs, and all that is mounted on it, gone. */
static void drop_tmpfs(void)
{
	if (umount2(dir, MNT_DETACH) < 0)
		_exit(89);
}

/* The kernel's id of a mount namespace (NS_GET_MNTNS_ID, Linux 6.8 on);
 * 0 when it has none (ids are then in the order namespaces are made). */
static uint64_t mntns_id(pid_t pid)
{
	char path[64];
	uint64_t id = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && ioctl(fd, _IOR(0xb7, 0x5, uint64_t), &id) < 0)
		id = 0;
	if (fd >= 0)
		close(fd);
	return id;
}

/* A process in a new mount namespace made on cpu (copied from ours: its
 * mounts are peers of our shared ones), waiting until killed. */
static pid_t new_namespace_on(int cpu)
{
	int p[2];
	char c;
	pid_t pid;

	if (pipe(p) < 0)
		_exit(91);
	pid = fork();
	if (pid == 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set); /* where allowed */
		if (unshare(CLONE_NEWNS) < 0)
			_exit(1);
		close(p[0]);
		(void)!write(p[1], "r", 1);
		pause();
		_exit(0);
	}
	close(p[1]);
	if (pid < 0 || read(p[0], &c, 1) != 1)
		_exit(92);
	close(p[0]);
	return pid;
}

static void end(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* One that ours can pin: the kernel pins only a newer namespace, and ids
 * come from per-CPU batches, so a namespace made now on the other CPU may
 * have a lower one than ours (tests/cluster/cluster, start_node_mntns). */
static pid_t peer_namespace(void)
{
	uint64_t ours = mntns_id(getpid());

	for (int tries = 0; tries < 16; tries++) {
		pid_t pid = new_namespace_on(tries % 2);

		if (mntns_id(pid) > ours || ours == 0)
			return pid;
		end(pid);
	}
	_exit(88);
}

/* Pin pid's mount namespace at dir/name: 0 or errno. */
static int pin(const char *dir, const char *name, pid_t pid)
{
	char file[512], ns[64];
	int fd;

	snprintf(file, sizeof(file), "%s/%s", dir, name);
	snprintf(ns, sizeof(ns), "/proc/%d/ns/mnt", (int)pid);
	fd = open(file, O_WRONLY | O_CREAT, 0600);
	if (fd < 0)
		return errno;
	close(fd);
	return mount(ns, file, NULL, MS_BIND, NULL) < 0 ? errno : 0;
}

static bool is_mount_point(const char *path)
{
	return mount(NULL, path, NULL, MS_PRIVATE, NULL) == 0; /* EINVAL if not */
}

/* What a step building a view does to the state dir: the job's directory
 * locked (the state dir held), then let go. Exits with code if it fails. */
static void lock_and_let_go(uint32_t jobid, int code)
{
	struct nix_job_dir jd;
	struct nix_err err;

	if (nix_state_lock_job(state, "node1", jobid, USER_ID, far_deadline(), &jd, &err) < 0)
		_exit(code);
	nix_state_unlock_job(&jd);
}

static void run_in_child(void (*body)(void))
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		body();
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child exit %d",
		      WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st));
}

/* Where the mount holding the state dir is shared with another namespace
 * (systemd's /run), a pin in a job's directory is made all the same. */
static void shared_holder(void)
{
	struct nix_job_dir jd;
	struct nix_err err;
	pid_t other, pinned;
	int e;

	own_tmpfs("shared", true);
	other = peer_namespace();
	pinned = peer_namespace();
	if (nix_state_lock_job(state, "node1", 1, USER_ID, far_deadline(), &jd, &err) < 0)
		_exit(93);
	e = pin(jd.path, "v.mnt", pinned);
	nix_state_unlock_job(&jd);
	end(other);
	end(pinned);
	drop_tmpfs();
	_exit(e == 0 ? 0 : e == EINVAL ? 94 : 95); /* 94: the kernel refused to copy it */
}

START_TEST(a_pin_is_made_where_the_state_dir_s_mount_propagates)
{
	run_in_child(shared_holder);
}
END_TEST

/* A pin already there (an earlier plugin's, on the mount holding the
 * state dir): no mount over it, which would hide it; once it is gone, the
 * state dir becomes a mount of its own. */
static void pin_below(void)
{
	char node[320], file[340];
	pid_t pinned;
	bool made;

	own_tmpfs("below", false);
	pinned = peer_namespace();
	snprintf(node, sizeof(node), "%s/node1", state);
	if (mkdir(node, 0700) < 0 || pin(node, "old.mnt", pinned) != 0)
		_exit(93);
	lock_and_let_go(2, 94);
	snprintf(file, sizeof(file), "%s/old.mnt", node);
	if (is_mount_point(state) || !is_mount_point(file))
		_exit(95); /* made a mount over the pin, or the pin is gone */
	if (umount2(file, MNT_DETACH) < 0)
		_exit(96);
	lock_and_let_go(2, 97);
	end(pinned);
	made = is_mount_point(state);
	drop_tmpfs();
	_exit(made ? 0 : 98);
}

START_TEST(no_mount_is_made_over_pins_already_there)
{
	run_in_child(pin_below);
}
END_TEST

/* Another step holds the state dir (it may be making a pin): the lock is
 * taken, the mount left for a later step. */
static void held(void)
{
	bool made;
	int fd;

	own_tmpfs("held", false);
	fd = open(state, O_RDONLY | O_DIRECTORY);
	if (fd < 0 || flock(fd, LOCK_SH) < 0)
		_exit(93);
	lock_and_let_go(3, 94);
	if (is_mount_point(state))
		_exit(95);
	close(fd);
	lock_and_let_go(3, 96);
	made = is_mount_point(state);
	drop_tmpfs();
	_exit(made ? 0 : 97);
}

START_TEST(a_held_state_dir_waits_for_a_later_step)
{
	run_in_child(held);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nix_state_mount");
	TCase *tc = tcase_create("state dir");

	tcase_add_unchecked_fixture(tc, make_top, remove_top);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, a_pin_is_made_where_the_state_dir_s_mount_propagates);
	tcase_add_test(tc, no_mount_is_made_over_pins_already_there);
	tcase_add_test(tc, a_held_state_dir_waits_for_a_later_step);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
