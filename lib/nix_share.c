#include "nix_share.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "nix_clock.h"

#define MSG_VIEW  'V' /* with the user and mount namespace fds */
#define MSG_NONE  'N' /* no view for this step */
#define MSG_ERROR 'E' /* followed by the reason */

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

static int send_one(int sock, const char *text, const int *fds, int nfds)
{
	char control[CMSG_SPACE(2 * sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)text, .iov_len = strlen(text) };
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

int nix_share_send(const struct nix_share *share, int copies, const struct nix_ns *ns,
		   const char *error, int64_t deadline_ms, struct nix_err *err)
{
	char text[NIX_ERR_MAX + 2];
	int fds[2], nfds = 0;

	if (error) {
		snprintf(text, sizeof(text), "%c%s", MSG_ERROR, error);
	} else if (ns && ns->mnt_fd >= 0) {
		snprintf(text, sizeof(text), "%c", MSG_VIEW);
		fds[0] = ns->user_fd;
		fds[1] = ns->mnt_fd;
		nfds = 2;
	} else {
		snprintf(text, sizeof(text), "%c", MSG_NONE);
	}
	for (int i = 0; i < copies; i++) {
		/* a full socket drains as the siblings read */
		while (send_one(share->fd[0], text, fds, nfds) < 0) {
			if (errno != EAGAIN && errno != ENOBUFS)
				return nix_err_errno(err, errno, "cannot pass the view to the step's other tasks");
			if (wait_for(share->fd[0], POLLOUT, deadline_ms) < 0)
				return nix_err_set(err, "the step's other tasks did not take the view in time");
		}
	}
	return 0;
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

int nix_share_receive(const struct nix_share *share, uid_t uid, int64_t deadline_ms,
		      struct nix_ns *ns, struct nix_err *err)
{
	char text[NIX_ERR_MAX + 2], control[CMSG_SPACE(4 * sizeof(int))];
	struct iovec iov = { .iov_base = text, .iov_len = sizeof(text) - 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control, .msg_controllen = sizeof(control),
	};
	int fds[4], nfds = 0, rc;
	ssize_t n;

	*ns = (struct nix_ns)NIX_NS_INIT;
	for (;;) {
		if (wait_for(share->fd[1], POLLIN, deadline_ms) < 0)
			return nix_err_set(err, "the step's first task did not pass its view in time");
		n = recvmsg(share->fd[1], &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n > 0)
			break;
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			return nix_err_errno(err, n == 0 ? EPIPE : errno, "cannot read the step's view");
	}
	text[n] = '\0';
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		for (int i = 0; i < k && nfds < 4; i++)
			memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	}
	if (text[0] == MSG_VIEW)
		rc = check_view(fds, nfds, uid, ns, err);
	else if (text[0] == MSG_NONE && nfds == 0)
		rc = 0;
	else if (text[0] == MSG_ERROR && nfds == 0)
		rc = nix_err_set(err, "%s", text + 1);
	else
		rc = nix_err_set(err, "the step's first task sent something else than a view");
	if (rc < 0)
		for (int i = 0; i < nfds; i++)
			if (fds[i] >= 0)
				close(fds[i]);
	return rc;
}
