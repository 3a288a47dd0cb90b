#include "nix_share.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "nix_clock.h"

/* A message: its kind, then the texts, each ending in a NUL. */
#define MSG_VIEW  'V' /* with the user and mount namespace fds */
#define MSG_NONE  'N' /* no view for this task */

int nix_share_open(struct nix_share *share, struct nix_err *err)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, share->fd) < 0) {
		share->fd[0] = share->fd[1] = -1;
		return nix_err_errno(err, errno, "cannot make the step's socket pair");
	}
	return 0;
}

void nix_share_close(struct nix_share *share)
{
	for (int i = 0; i < 2; i++) {
		if (share->fd[i] >= 0)
			close(share->fd[i]);
		share->fd[i] = -1;
	}
}

static int wait_for(int fd, short events, int64_t deadline_ms)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		int left = nix_ms_left(deadline_ms), r;

		if (left == 0)
			return -1;
		r = poll(&p, 1, left);
		if (r > 0)
			return 0;
		if (r == 0 || errno != EINTR)
			return -1;
	}
}

/* A step's siblings all wait on one socket for task 0's copies. poll()
 * would wake every waiter for each copy (and all but one then find none:
 * 64 tasks, some 2,000 wake-ups); an exclusive epoll wait wakes one. */
static int exclusive_waiter(int sock)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, sock, &ev) < 0) {
		close(ep);
		return -1;
	}
	return ep;
}

/* Wait until sock is readable: through ep if there is one, else poll(). */
static int wait_readable(int ep, int sock, int64_t deadline_ms)
{
	struct epoll_event ev;

	if (ep < 0)
		return wait_for(sock, POLLIN, deadline_ms);
	for (;;) {
		int left = nix_ms_left(deadline_ms), r;

		if (left == 0)
			return -1;
		r = epoll_wait(ep, &ev, 1, left);
		if (r > 0)
			return 0;
		if (r == 0 || errno != EINTR)
			return -1;
	}
}

static int send_one(int sock, const char *msg_text, size_t len, const int *fds, int nfds)
{
	char control[CMSG_SPACE(2 * sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)msg_text, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds > 0) {
		struct cmsghdr *c;

		msg.msg_control = control;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	while (sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

/* The room a message with these texts takes at most: its kind, then each
 * text with its terminating NUL. */
static size_t message_max(const struct nix_share_text *texts, int ntexts)
{
	size_t size = 1;

	for (int i = 0; i < ntexts; i++)
		size += texts[i].size;
	return size;
}

/* kind, then the texts one after the other, each with its NUL. */
static size_t put_message(char *out, char kind, const struct nix_share_text *texts, int ntexts)
{
	size_t o = 1;

	out[0] = kind;
	for (int i = 0; i < ntexts; i++) {
		size_t len = strnlen(texts[i].buf, texts[i].size - 1);

		memcpy(out + o, texts[i].buf, len);
		out[o + len] = '\0';
		o += len + 1;
	}
	return o;
}

int nix_share_send(const struct nix_share *share, int copies, const struct nix_ns *ns,
		   const struct nix_share_text *texts, int ntexts, int64_t deadline_ms,
		   struct nix_err *err)
{
	char *text = malloc(message_max(texts, ntexts));
	int fds[2], nfds = 0, rc = 0;
	size_t len;

	if (!text)
		return nix_err_errno(err, ENOMEM, "cannot pass the view to the step's other tasks");
	if (ns && ns->mnt_fd >= 0) {
		fds[0] = ns->user_fd;
		fds[1] = ns->mnt_fd;
		nfds = 2;
	}
	len = put_message(text, nfds ? MSG_VIEW : MSG_NONE, texts, ntexts);
	for (int i = 0; i < copies && rc == 0; i++) {
		/* a full socket drains as the siblings read */
		while (send_one(share->fd[0], text, len, fds, nfds) < 0) {
			if (errno != EAGAIN && errno != ENOBUFS) {
				rc = nix_err_errno(err, errno, "cannot pass the view to the step's other tasks");
				break;
			}
			if (wait_for(share->fd[0], POLLOUT, deadline_ms) < 0) {
				rc = nix_err_set(err, "the step's other tasks did not take the view in time");
				break;
			}
		}
	}
	free(text);
	return rc;
}

/* fd is a namespace of this type (nsfs: no ioctl reaches another driver). */
static bool is_namespace(int fd, int type)
{
	struct statfs fs;

	return fstatfs(fd, &fs) == 0 && fs.f_type == NSFS_MAGIC &&
	       ioctl(fd, NS_GET_NSTYPE) == type;
}

/* The view's user namespace is derived from its mount namespace, as from
 * a pin, and must be the job user's and the one that was sent with it. */
static int check_view(int *fds, int nfds, uid_t uid, struct nix_ns *ns,
		      struct nix_err *err)
{
	struct nix_err why;
	struct stat derived, sent;
	int mnt = fds[1];

	if (nfds != 2 || !is_namespace(fds[0], CLONE_NEWUSER) || !is_namespace(mnt, CLONE_NEWNS))
		return nix_err_set(err, "the step's first task sent something else than a view");
	fds[1] = -1; /* nix_ns_from_mnt has it now */
	if (nix_ns_from_mnt(mnt, uid, "the view passed by the step's first task", ns, &why) < 0)
		return nix_err_set(err, "the view passed by the step's first task is not the job user's (%s)",
				   why.msg);
	if (fstat(ns->user_fd, &derived) < 0 || fstat(fds[0], &sent) < 0 ||
	    derived.st_ino != sent.st_ino || derived.st_dev != sent.st_dev) {
		nix_ns_close(ns);
		return nix_err_set(err, "the view passed by the step's first task is not the job user's");
	}
	close(fds[0]);
	return 1;
}

/* The texts after the kind, each within its size; false when the message
 * holds fewer, more, or longer ones. */
static bool take_texts(const char *msg_text, size_t len, const struct nix_share_text *texts,
		       int ntexts)
{
	size_t o = 1;

	for (int i = 0; i < ntexts; i++) {
		const char *end = memchr(msg_text + o, '\0', len - o);
		size_t n;

		if (!end || (n = (size_t)(end - (msg_text + o))) >= texts[i].size)
			return false;
		memcpy(texts[i].buf, msg_text + o, n + 1);
		o += n + 1;
	}
	return o == len;
}

/* recvmsg, waiting while there is nothing: the bytes read, or -1 with
 * errno (ETIMEDOUT at the deadline). */
static ssize_t receive_waiting(int sock, struct msghdr *msg, int64_t deadline_ms)
{
	int ep = -1, saved;
	bool waited = false;
	ssize_t n;

	for (;;) {
		n = recvmsg(sock, msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n >= 0 || (errno != EINTR && errno != EAGAIN))
			break;
		if (!waited)
			ep = exclusive_waiter(sock); /* not before: task 0 may have sent */
		waited = true;
		if (wait_readable(ep, sock, deadline_ms) < 0) {
			errno = ETIMEDOUT;
			break;
		}
	}
	saved = errno;
	if (ep >= 0)
		close(ep);
	errno = saved;
	return n;
}

/* Wait for one message; its fds (up to 4) in fds. Returns its length. */
static ssize_t receive_one(int sock, char *buf, size_t size, int64_t deadline_ms, int *fds,
			   int *nfds, struct nix_err *err)
{
	char control[CMSG_SPACE(4 * sizeof(int))];
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control, .msg_controllen = sizeof(control),
	};
	ssize_t n = receive_waiting(sock, &msg, deadline_ms);

	if (n < 0 && errno == ETIMEDOUT)
		return nix_err_set(err, "the step's first task did not pass its view in time");
	if (n <= 0)
		return nix_err_errno(err, n == 0 ? EPIPE : errno, "cannot read the step's view");
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		for (int i = 0; i < k && *nfds < 4; i++)
			memcpy(&fds[(*nfds)++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	}
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return 0; /* more than task 0 ever sends: refused by the caller */
	return n;
}

int nix_share_receive(const struct nix_share *share, uid_t uid, int64_t deadline_ms,
		      struct nix_ns *ns, const struct nix_share_text *texts, int ntexts,
		      struct nix_err *err)
{
	size_t size = message_max(texts, ntexts);
	char *text = malloc(size);
	int fds[4], nfds = 0, rc;
	ssize_t n;

	*ns = (struct nix_ns)NIX_NS_INIT;
	if (!text)
		return nix_err_errno(err, ENOMEM, "cannot read the step's view");
	n = receive_one(share->fd[1], text, size, deadline_ms, fds, &nfds, err);
	if (n < 0)
		rc = -1;
	else if (n == 0 || !take_texts(text, (size_t)n, texts, ntexts))
		rc = nix_err_set(err, "the step's first task sent something else than a view");
	else if (text[0] == MSG_VIEW)
		rc = check_view(fds, nfds, uid, ns, err);
	else if (text[0] == MSG_NONE && nfds == 0)
		rc = 0;
	else
		rc = nix_err_set(err, "the step's first task sent something else than a view");
	free(text);
	if (rc < 0) {
		for (int i = 0; i < nfds; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		for (int i = 0; i < ntexts; i++)
			texts[i].buf[0] = '\0';
	}
	return rc;
}
