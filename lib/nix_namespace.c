#include "nix_namespace.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "closure_view.h"
#include "mount_plan.h"
#include "nix_store.h"

/* Helper <-> creator messages, one datagram each. */
#define MSG_NEED_MAPS 'U' /* helper: my user namespace needs id maps */
#define MSG_MAPS_DONE 'M' /* creator: written */
#define MSG_READY     'R' /* helper: view built, pin me */
#define MSG_ERROR     'E' /* helper: followed by the reason */

static void send_msg(int sock, char kind, const char *text)
{
	char buf[NIX_ERR_MAX + 1];
	size_t n = 1;

	buf[0] = kind;
	if (text) {
		n += strlen(text);
		if (n > sizeof(buf))
			n = sizeof(buf);
		memcpy(buf + 1, text, n - 1);
	}
	while (send(sock, buf, n, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

/* Receive one message within the deadline: its length, 0 on EOF, -1 on
 * timeout or error. */
static ssize_t recv_msg(int sock, char *buf, size_t len, time_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = sock, .events = POLLIN };
		int left = (int)(deadline - time(NULL));
		int r;

		if (left <= 0)
			return -1;
		r = poll(&p, 1, left * 1000);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		ssize_t n = recv(sock, buf, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		return n;
	}
}

static void close_all_fds_but(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	if (lo < 0)
		lo = hi;
	/* close_range(first, last): everything from 3 except lo and hi */
	if (lo > 3)
		close_range(3, lo - 1, 0);
	if (hi > lo + 1)
		close_range(lo + 1, hi - 1, 0);
	close_range(hi + 1, ~0U, 0);
}

static _Noreturn void helper_fail(int sock, const char *origin, const char *why)
{
	char msg[NIX_ERR_MAX];

	if (origin)
		snprintf(msg, sizeof(msg), "%s: %s", origin, why);
	else
		snprintf(msg, sizeof(msg), "%s", why);
	send_msg(sock, MSG_ERROR, msg);
	_exit(1);
}

static int become_user(const struct nix_ids *ids)
{
	if (setgroups(ids->ngroups, ids->groups) < 0 ||
	    setresgid(ids->gid, ids->gid, ids->gid) < 0 ||
	    setresuid(ids->uid, ids->uid, ids->uid) < 0)
		return -1;
	/* setresuid cleared it; the creator opens our /proc files. */
	return prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

/* The helper: runs in a fresh process forked by nix_ns_create. */
static _Noreturn void helper_main(int sock, const struct nix_ns_request *req)
{
	const struct nix_view *view = req->view;
	struct mount_plan plan = { 0 };
	struct host_root root;
	struct nix_store store;
	struct host_entry *entries = NULL;
	size_t n_entries = 0;
	struct nix_err err;
	int rc;
	char c;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (req->base_mntns_fd >= 0 && setns(req->base_mntns_fd, CLONE_NEWNS) < 0)
		helper_fail(sock, NULL, "cannot enter the job's mount namespace");
	close_all_fds_but(sock, req->join_userns_fd);

	/* Host stage, as root. */
	if (unshare(CLONE_NEWNS) < 0)
		helper_fail(sock, NULL, "unshare(CLONE_NEWNS) failed");
	if (host_root_scan(view->mountpoint, &root, &err) < 0 ||
	    mount_plan_host(&root, view->mountpoint, req->state_dir, &plan, &err) < 0 ||
	    mount_plan_apply(&plan, &err) < 0)
		helper_fail(sock, NULL, err.msg);
	mount_plan_free(&plan);
	host_root_free(&root);

	/* From here on, the job user's credentials. */
	if (become_user(req->ids) < 0) {
		nix_err_errno(&err, errno, "cannot become uid %u", (unsigned)req->ids->uid);
		helper_fail(sock, NULL, err.msg);
	}
	if (nix_store_open(view->store, req->ids->uid, &store, &err) < 0)
		helper_fail(sock, view->origin, err.msg);
	if (view->closure[0]) {
		char store_dir[PATH_MAX + 8], origin[NIX_LIST_ARG_MAX + 32];

		nix_view_store_dir(view, store_dir, sizeof(store_dir));
		snprintf(origin, sizeof(origin), "--nix-closure=%s", view->closure);
		if (closure_view_entries(&store, store_dir, view->closure,
					 &entries, &n_entries, &err) < 0)
			helper_fail(sock, origin, err.msg);
	}

	if (req->join_userns_fd >= 0) {
		if (setns(req->join_userns_fd, CLONE_NEWUSER) < 0 ||
		    unshare(CLONE_NEWNS) < 0) {
			nix_err_errno(&err, errno, "cannot enter the job's user namespace");
			helper_fail(sock, NULL, err.msg);
		}
	} else {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
			nix_err_errno(&err, errno, "cannot create a user namespace (is user.max_user_namespaces 0?)");
			helper_fail(sock, NULL, err.msg);
		}
		send_msg(sock, MSG_NEED_MAPS, NULL);
		if (recv(sock, &c, 1, 0) != 1 || c != MSG_MAPS_DONE)
			_exit(1);
	}

	/* A bind mount's source must be in our own mount namespace: open the
	 * directory again and make sure it is the one checked as the user. */
	if (nix_store_reopen(view->store, &store, &err) < 0)
		helper_fail(sock, view->origin, err.msg);

	/* User stage, inside the job's user namespace. */
	if (view->closure[0])
		rc = mount_plan_user_closure(store.store_fd, view->mountpoint,
					     entries, n_entries, &plan, &err);
	else
		rc = mount_plan_user(store.root_fd, view->mountpoint, view->writable,
				     &plan, &err);
	if (rc == 0 && view->hide[0])
		rc = mount_plan_hide(view->hide, req->keep, req->nkeep, &plan, &err);
	if (rc < 0 || mount_plan_apply(&plan, &err) < 0)
		helper_fail(sock, view->origin, err.msg);

	send_msg(sock, MSG_READY, NULL);
	/* Stay until pinned: the creator closes its end when done. */
	while (recv(sock, &c, 1, 0) > 0)
		;
	_exit(0);
}

static int write_file(const char *path, const char *text, struct nix_err *err)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return nix_err_errno(err, errno, "cannot open %s", path);
	n = write(fd, text, strlen(text));
	if (n < 0 || (size_t)n != strlen(text)) {
		int e = n < 0 ? errno : EIO;

		close(fd);
		return nix_err_errno(err, e, "cannot write %s", path);
	}
	close(fd);
	return 0;
}

/* uid -> same uid, gid and each supplementary gid -> itself. */
static int write_id_maps(pid_t pid, const struct nix_ids *ids, struct nix_err *err)
{
	char path[64], map[340 * 32] = "";
	size_t len = 0;
	int lines = 0;

	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)ids->uid, (unsigned)ids->uid);
	if (write_file(path, map, err) < 0)
		return -1;

	len = snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)ids->gid, (unsigned)ids->gid);
	lines = 1;
	for (int i = 0; i < ids->ngroups && lines < 340; i++) {
		bool dup = ids->groups[i] == ids->gid;

		for (int j = 0; j < i && !dup; j++)
			dup = ids->groups[j] == ids->groups[i];
		if (dup)
			continue;
		len += snprintf(map + len, sizeof(map) - len, "%u %u 1\n",
				(unsigned)ids->groups[i], (unsigned)ids->groups[i]);
		lines++;
	}
	snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
	return write_file(path, map, err);
}

/* Bind the helper's mount namespace onto pin_path. */
static int pin_namespace(pid_t pid, const char *pin_path, struct nix_err *err)
{
	char ns[64];
	int fd;

	fd = open(pin_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return nix_err_errno(err, errno, "cannot create %s", pin_path);
	close(fd);
	snprintf(ns, sizeof(ns), "/proc/%d/ns/mnt", pid);
	if (mount(ns, pin_path, NULL, MS_BIND, NULL) < 0) {
		int e = errno;

		nix_err_errno(err, e, "cannot pin the namespace at %s", pin_path);
		unlink(pin_path);
		errno = e;
		return -1;
	}
	return 0;
}

static void reap(pid_t pid, bool kill_it)
{
	if (kill_it)
		kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static int create_once(const struct nix_ns_request *req, struct nix_err *err);

/* Linux refuses to bind a mount namespace file from a namespace whose id is
 * not lower than the pinned one's (mnt_ns_loop, its guard against reference
 * loops). Ids should follow creation order, yet on kernel 6.18 under
 * job_container/tmpfs a fresh helper namespace sometimes got a lower id than
 * the namespace pinning it (NS_GET_MNTNS_ID: 556 vs 4770), and the bind
 * failed with EINVAL. A new helper gets a new namespace and a new id: try
 * again, a bounded number of times. */
#define PIN_TRIES 8

int nix_ns_create(const struct nix_ns_request *req, struct nix_err *err)
{
	int rc = -1;

	for (int i = 0; i < PIN_TRIES; i++) {
		errno = 0;
		rc = create_once(req, err);
		if (rc == 0 || errno != EINVAL)
			break;
	}
	return rc;
}

static int create_once(const struct nix_ns_request *req, struct nix_err *err)
{
	int sv[2];
	char msg[NIX_ERR_MAX + 1];
	time_t deadline = time(NULL) + req->timeout_s;
	pid_t pid;
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return nix_err_errno(err, errno, "socketpair");
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return nix_err_errno(err, errno, "fork");
	}
	if (pid == 0) {
		close(sv[0]);
		helper_main(sv[1], req);
	}
	close(sv[1]);

	for (;;) {
		n = recv_msg(sv[0], msg, sizeof(msg) - 1, deadline);
		if (n <= 0) {
			nix_err_set(err, n < 0 ? "building the namespace took longer than %d s"
					       : "the namespace helper died", req->timeout_s);
			goto fail;
		}
		msg[n] = '\0';
		if (msg[0] == MSG_ERROR) {
			nix_err_set(err, "%s", msg + 1);
			goto fail;
		}
		if (msg[0] == MSG_NEED_MAPS) {
			if (write_id_maps(pid, req->ids, err) < 0)
				goto fail;
			send_msg(sv[0], MSG_MAPS_DONE, NULL);
			continue;
		}
		if (msg[0] == MSG_READY)
			break;
	}
	if (pin_namespace(pid, req->pin_path, err) < 0) {
		int e = errno;

		close(sv[0]);
		reap(pid, true);
		errno = e;
		return -1;
	}
	close(sv[0]); /* lets the helper exit */
	reap(pid, false);
	return 0;
fail:
	close(sv[0]);
	reap(pid, true);
	return -1;
}

int nix_ns_open_pin(const char *pin_path, uid_t uid, struct nix_ns *ns,
		    struct nix_err *err)
{
	uid_t owner;

	*ns = (struct nix_ns)NIX_NS_INIT;
	ns->mnt_fd = open(pin_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (ns->mnt_fd < 0) {
		if (errno == ENOENT)
			return 0;
		return nix_err_errno(err, errno, "cannot open %s", pin_path);
	}
	/* An unmounted pin is an empty file: not a namespace. */
	if (ioctl(ns->mnt_fd, NS_GET_NSTYPE) != CLONE_NEWNS) {
		nix_ns_close(ns);
		return 0;
	}
	ns->user_fd = ioctl(ns->mnt_fd, NS_GET_USERNS);
	if (ns->user_fd < 0) {
		nix_err_errno(err, errno, "cannot get the user namespace of %s", pin_path);
		goto fail;
	}
	fcntl(ns->user_fd, F_SETFD, FD_CLOEXEC);
	if (ioctl(ns->user_fd, NS_GET_OWNER_UID, &owner) < 0) {
		nix_err_errno(err, errno, "cannot get the owner of %s", pin_path);
		goto fail;
	}
	if (owner != uid) {
		nix_err_set(err, "%s belongs to uid %u, not to the job's user (uid %u)",
			    pin_path, (unsigned)owner, (unsigned)uid);
		goto fail;
	}
	return 1;
fail:
	nix_ns_close(ns);
	return -1;
}

int nix_ns_join(const struct nix_ns *ns, const char *dir, struct nix_err *err)
{
	char cwd[PATH_MAX];
	bool have_cwd = getcwd(cwd, sizeof(cwd)) != NULL;

	if (setns(ns->user_fd, CLONE_NEWUSER) < 0)
		return nix_err_errno(err, errno, "cannot join the job's user namespace");
	if (setns(ns->mnt_fd, CLONE_NEWNS) < 0)
		return nix_err_errno(err, errno, "cannot join the job's mount namespace");
	/* Joining a mount namespace moves us to its root. */
	if (dir && chdir(dir) == 0)
		return 0;
	if (have_cwd && chdir(cwd) < 0)
		return nix_err_errno(err, errno, "cannot return to %s", cwd);
	return 0;
}

void nix_ns_close(struct nix_ns *ns)
{
	if (ns->user_fd >= 0)
		close(ns->user_fd);
	if (ns->mnt_fd >= 0)
		close(ns->mnt_fd);
	*ns = (struct nix_ns)NIX_NS_INIT;
}
