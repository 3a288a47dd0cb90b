/* nix_share: how a step's tasks pass the view from task 0 to its siblings,
 * and what a sibling refuses. Runs as root. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "nix_clock.h"
#include "nix_share.h"

#define USER_ID 65534

/* A process of `uid` in its own user and mount namespace; ns gets fds on
 * them. The caller kills it. */
static pid_t namespaces_of(uid_t uid, struct nix_ns *ns)
{
	int p[2];
	char c, path[64];
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid) ||
		    unshare(CLONE_NEWUSER | CLONE_NEWNS))
			_exit(1);
		(void)!write(p[1], "x", 1);
		pause();
		_exit(0);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	close(p[0]);
	snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
	ns->user_fd = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
	ns->mnt_fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert(ns->user_fd >= 0 && ns->mnt_fd >= 0);
	return pid;
}

static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static ino_t ino(int fd)
{
	struct stat st;

	ck_assert_int_eq(fstat(fd, &st), 0);
	return st.st_ino;
}

static int64_t soon(void)
{
	return nix_clock_ms() + 5000;
}

/* The texts a task passes with the view: an error line and a long one. */
static char error_text[64], long_text[70000];
static const struct nix_share_text texts[] = {
	{ error_text, sizeof(error_text) },
	{ long_text, sizeof(long_text) },
};

static int send_view(struct nix_share *share, int copies, const struct nix_ns *ns,
		     struct nix_err *err)
{
	return nix_share_send(share, copies, ns, texts, 2, soon(), err);
}

static int receive_view(struct nix_share *share, uid_t uid, struct nix_ns *ns,
			struct nix_err *err)
{
	return nix_share_receive(share, uid, soon(), ns, texts, 2, err);
}

START_TEST(siblings_get_task_0s_view)
{
	struct nix_share share = NIX_SHARE_INIT;
	struct nix_ns ns, got[3];
	struct nix_err err;
	pid_t holder = namespaces_of(USER_ID, &ns);

	ck_assert_int_eq(nix_share_open(&share, &err), 0);
	ck_assert_int_eq(send_view(&share, 3, &ns, &err), 0);
	for (int i = 0; i < 3; i++) {
		ck_assert_msg(receive_view(&share, USER_ID, &got[i], &err) == 1, "%s", err.msg);
		ck_assert_int_eq(ino(got[i].mnt_fd), ino(ns.mnt_fd));
		ck_assert_int_eq(ino(got[i].user_fd), ino(ns.user_fd));
		ck_assert(fcntl(got[i].mnt_fd, F_GETFD) & FD_CLOEXEC);
		nix_ns_close(&got[i]);
	}
	nix_ns_close(&ns);
	nix_share_close(&share);
	stop(holder);
}
END_TEST

START_TEST(siblings_get_task_0s_texts_with_or_without_a_view)
{
	struct nix_share share = NIX_SHARE_INIT;
	struct nix_ns ns, got;
	struct nix_err err;
	pid_t holder = namespaces_of(USER_ID, &ns);

	ck_assert_int_eq(nix_share_open(&share, &err), 0);
	snprintf(error_text, sizeof(error_text), "--nix-store=x: does not exist");
	long_text[0] = '\0';
	ck_assert_int_eq(send_view(&share, 1, NULL, &err), 0);
	strcpy(error_text, "stale");
	ck_assert_int_eq(receive_view(&share, USER_ID, &got, &err), 0);
	ck_assert_int_eq(got.mnt_fd, -1);
	ck_assert_str_eq(error_text, "--nix-store=x: does not exist");
	ck_assert_str_eq(long_text, "");
	/* a profile list near its limit, with the view */
	error_text[0] = '\0';
	memset(long_text, 'p', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	ck_assert_int_eq(send_view(&share, 2, &ns, &err), 0);
	for (int i = 0; i < 2; i++) {
		memset(long_text, 0, sizeof(long_text));
		strcpy(error_text, "stale");
		ck_assert_msg(receive_view(&share, USER_ID, &got, &err) == 1, "%s", err.msg);
		ck_assert_str_eq(error_text, "");
		ck_assert_uint_eq(strlen(long_text), sizeof(long_text) - 1);
		nix_ns_close(&got);
	}
	nix_ns_close(&ns);
	nix_share_close(&share);
	stop(holder);
}
END_TEST

/* A message that does not hold exactly the texts, each within its size,
 * is refused, and leaves the sibling's texts empty. */
START_TEST(a_sibling_refuses_texts_it_has_no_room_for)
{
	struct nix_share share = NIX_SHARE_INIT;
	static char big[sizeof(error_text) * 2];
	const struct nix_share_text longer[] = {
		{ big, sizeof(big) }, { long_text, sizeof(long_text) },
	};
	struct nix_ns got;
	struct nix_err err;

	ck_assert_int_eq(nix_share_open(&share, &err), 0);
	memset(big, 'e', sizeof(big) - 1);
	long_text[0] = '\0';
	ck_assert_int_eq(nix_share_send(&share, 1, NULL, longer, 2, soon(), &err), 0);
	strcpy(error_text, "stale");
	ck_assert_int_eq(receive_view(&share, USER_ID, &got, &err), -1);
	ck_assert_msg(strstr(err.msg, "something else than a view"), "%s", err.msg);
	ck_assert_str_eq(error_text, "");
	/* one text too many (a short one, then one longer than the whole
	 * room: cut by the socket), then one too few */
	ck_assert_int_eq(nix_share_send(&share, 1, NULL, texts, 2, soon(), &err), 0);
	ck_assert_int_eq(nix_share_receive(&share, USER_ID, soon(), &got, texts, 1, &err), -1);
	memset(long_text, 'p', 1000);
	long_text[1000] = '\0';
	ck_assert_int_eq(nix_share_send(&share, 1, NULL, texts, 2, soon(), &err), 0);
	ck_assert_int_eq(nix_share_receive(&share, USER_ID, soon(), &got, texts, 1, &err), -1);
	ck_assert_msg(strstr(err.msg, "something else than a view"), "%s", err.msg);
	ck_assert_int_eq(nix_share_send(&share, 1, NULL, texts, 1, soon(), &err), 0);
	ck_assert_int_eq(receive_view(&share, USER_ID, &got, &err), -1);
	ck_assert_int_eq(got.mnt_fd, -1);
	nix_share_close(&share);
}
END_TEST

START_TEST(a_sibling_refuses_what_is_not_the_users_view)
{
	struct nix_share share = NIX_SHARE_INIT;
	struct nix_ns mine, pipe_ns, got;
	struct nix_err err;
	int p[2];
	pid_t other = namespaces_of(4242, &mine);

	ck_assert_int_eq(nix_share_open(&share, &err), 0);
	/* another user's namespaces */
	ck_assert_int_eq(send_view(&share, 1, &mine, &err), 0);
	ck_assert_int_eq(receive_view(&share, USER_ID, &got, &err), -1);
	ck_assert_msg(strstr(err.msg, "not the job user's"), "%s", err.msg);
	/* not namespaces at all: no ioctl may reach them */
	ck_assert_int_eq(pipe(p), 0);
	pipe_ns.user_fd = p[0];
	pipe_ns.mnt_fd = p[1];
	ck_assert_int_eq(send_view(&share, 1, &pipe_ns, &err), 0);
	ck_assert_int_eq(receive_view(&share, 4242, &got, &err), -1);
	ck_assert_msg(strstr(err.msg, "something else than a view"), "%s", err.msg);
	close(p[0]);
	close(p[1]);
	/* the user and mount namespaces of two different views */
	struct nix_ns a, b, mixed;
	pid_t pa = namespaces_of(USER_ID, &a), pb = namespaces_of(USER_ID, &b);

	mixed.user_fd = a.user_fd;
	mixed.mnt_fd = b.mnt_fd;
	ck_assert_int_eq(send_view(&share, 1, &mixed, &err), 0);
	ck_assert_int_eq(receive_view(&share, USER_ID, &got, &err), -1);
	nix_ns_close(&a);
	nix_ns_close(&b);
	nix_ns_close(&mine);
	nix_share_close(&share);
	stop(other);
	stop(pa);
	stop(pb);
}
END_TEST

START_TEST(a_sibling_waits_no_longer_than_its_deadline)
{
	struct nix_share share = NIX_SHARE_INIT;
	struct nix_ns got;
	struct nix_err err;
	int64_t t0 = nix_clock_ms();

	ck_assert_int_eq(nix_share_open(&share, &err), 0);
	ck_assert_int_eq(nix_share_receive(&share, USER_ID, t0 + 200, &got, texts, 2, &err), -1);
	ck_assert_msg(strstr(err.msg, "in time"), "%s", err.msg);
	ck_assert_int_lt(nix_clock_ms() - t0, 2000);
	nix_share_close(&share);
}
END_TEST

/* The siblings of a 64-task step wait on one socket. Each copy task 0
 * sends must wake one of them, not all: with poll() every copy woke every
 * waiter (a step's siblings then slept some N^2 / 4 times in all). */
#define WAITERS 32

static long sleeps_receiving(struct nix_share *share)
{
	struct rusage a, b;
	struct nix_ns got;
	struct nix_err err;
	int rc;

	getrusage(RUSAGE_SELF, &a);
	rc = receive_view(share, USER_ID, &got, &err);
	getrusage(RUSAGE_SELF, &b);
	return rc == 1 ? b.ru_nvcsw - a.ru_nvcsw : -1;
}

START_TEST(each_copy_wakes_one_waiting_sibling)
{
	struct nix_share share = NIX_SHARE_INIT;
	struct nix_ns ns;
	struct nix_err err;
	pid_t holder = namespaces_of(USER_ID, &ns), pids[WAITERS];
	long total = 0, got;
	int p[2];

	ck_assert_int_eq(nix_share_open(&share, &err), 0);
	ck_assert_int_eq(pipe(p), 0);
	for (int i = 0; i < WAITERS; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			got = sleeps_receiving(&share);
			_exit(write(p[1], &got, sizeof(got)) == sizeof(got) ? 0 : 1);
		}
	}
	close(p[1]);
	usleep(300 * 1000); /* they wait (one still starting only lowers the count) */
	for (int i = 0; i < WAITERS; i++) { /* one at a time: each finds them waiting */
		ck_assert_int_eq(send_view(&share, 1, &ns, &err), 0);
		usleep(2000);
	}
	for (int i = 0; i < WAITERS; i++) {
		ck_assert_int_eq(read(p[0], &got, sizeof(got)), sizeof(got));
		ck_assert_int_ge(got, 0);
		total += got;
	}
	for (int i = 0; i < WAITERS; i++)
		waitpid(pids[i], NULL, 0);
	ck_assert_msg(total <= 2 * WAITERS, "%d siblings slept %ld times waiting", WAITERS, total);
	close(p[0]);
	nix_ns_close(&ns);
	nix_share_close(&share);
	stop(holder);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nix_share");
	TCase *tc = tcase_create("share");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, siblings_get_task_0s_view);
	tcase_add_test(tc, siblings_get_task_0s_texts_with_or_without_a_view);
	tcase_add_test(tc, a_sibling_refuses_texts_it_has_no_room_for);
	tcase_add_test(tc, a_sibling_refuses_what_is_not_the_users_view);
	tcase_add_test(tc, a_sibling_waits_no_longer_than_its_deadline);
	tcase_add_test(tc, each_copy_wakes_one_waiting_sibling);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
