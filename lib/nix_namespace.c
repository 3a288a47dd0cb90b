#include "nix_namespace.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nix_clock.h"
#include "nix_fuse_server.h"
#include "nix_ns_helper.h"

/* Receive one message within the deadline: its length, 0 on EOF, -1 on
 * timeout or error. */
static ssize_t recv_msg(int sock, char *buf, size_t len, int64_t deadline_ms)
{
	for (;;) {
		struct pollfd p = { .fd = sock, .events = POLLIN };
		int left = nix_ms_left(deadline_ms);
		int r;

		if (left <= 0)
			return -1;
		r = poll(&p, 1, left);
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

static int write_proc_file(int proc_dir, const char *name, const char *text,
			   struct nix_err *err)
{
	int fd = openat(proc_dir, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return nix_err_errno(err, errno, "cannot open the helper's %s", name);
	n = write(fd, text, strlen(text));
	if (n < 0 || (size_t)n != strlen(text)) {
		int e = n < 0 ? errno : EIO;

		close(fd);
		return nix_err_errno(err, e, "cannot write the helper's %s", name);
	}
	close(fd);
	return 0;
}

/* uid -> same uid, gid and each supplementary gid -> itself. setgroups is
 * denied first: the tasks keep the groups they have, and no process of the
 * user in this namespace may drop one to get past a file that denies
 * access by group. proc_dir was opened when the helper was still root's. */
static int write_id_maps(int proc_dir, const struct nix_ids *ids, struct nix_err *err)
{
	char map[340 * 32] = "";
	size_t len = 0;
	int lines = 0;

	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)ids->uid, (unsigned)ids->uid);
	if (write_proc_file(proc_dir, "uid_map", map, err) < 0 ||
	    write_proc_file(proc_dir, "setgroups", "deny", err) < 0)
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
	return write_proc_file(proc_dir, "gid_map", map, err);
}

/* Bind the helper's mount namespace onto pin_path. */
static int pin_namespace(int proc_dir, const char *pin_path, struct nix_err *err)
{
	char ns[64];
	int fd, ns_fd;

	fd = open(pin_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return nix_err_errno(err, errno, "cannot create %s", pin_path);
	close(fd);
	ns_fd = openat(proc_dir, "ns/mnt", O_RDONLY | O_CLOEXEC);
	snprintf(ns, sizeof(ns), "/proc/self/fd/%d", ns_fd);
	if (ns_fd < 0 || mount(ns, pin_path, NULL, MS_BIND, NULL) < 0) {
		int e = errno;

		nix_err_errno(err, e, "cannot pin the namespace at %s", pin_path);
		if (ns_fd >= 0)
			close(ns_fd);
		unlink(pin_path);
		errno = e;
		return -1;
	}
	close(ns_fd);
	return 0;
}

/* Wait for the helper to end. At the deadline it is killed; a helper that
 * even SIGKILL cannot end (stuck in a file system) is given up after a
 * grace, so that root's task never waits without a bound. */
#define REAP_GRACE_MS 2000

static void reap(pid_t pid, bool kill_now, int64_t deadline_ms)
{
	bool killed = kill_now;
	int pause_ms = 1;

	if (kill_now)
		kill(pid, SIGKILL);
	for (;;) {
		pid_t r = waitpid(pid, NULL, WNOHANG);

		if (r == pid || (r < 0 && errno != EINTR))
			return;
		if (nix_ms_left(deadline_ms) == 0) {
			if (killed)
				return;
			kill(pid, SIGKILL);
			killed = true;
			deadline_ms = nix_clock_ms() + REAP_GRACE_MS;
		}
		nix_sleep_ms(pause_ms);
		if (pause_ms < 16)
			pause_ms *= 2;
	}
}

/* An image's FUSE server must live as long as the view, not the step:
 * moved into the job's cgroups and recorded next to the pin, for the
 * job's end (nix_fuse_server.h). */
static int adopt_server(const char *pid_text, uid_t uid, const char *pin_path,
			struct nix_err *err)
{
	char record[PATH_MAX + 8];
	long pid = strtol(pid_text, NULL, 10);

	if (pid <= 1)
		return nix_err_set(err, "the namespace helper sent a bad server pid");
	snprintf(record, sizeof(record), "%s" NIX_FUSE_RECORD_SUFFIX, pin_path);
	return nix_fuse_server_adopt((pid_t)pid, uid, record, err);
}

int nix_ns_create(const struct nix_ns_request *req, struct nix_err *err)
{
	int sv[2], proc_dir = -1;
	char msg[NIX_ERR_MAX + 1], proc_path[32];
	uint64_t pinner_id = nix_own_mntns_id();
	pid_t self = getpid(), pid;
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
		nix_ns_helper_main(sv[1], req, self, pinner_id);
	}
	close(sv[1]);
	/* The helper is root's until it reads its first message's answer:
	 * this handle on its /proc directory is taken while it is. */
	snprintf(proc_path, sizeof(proc_path), "/proc/%d", (int)pid);
	proc_dir = open(proc_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (proc_dir < 0) {
		nix_err_errno(err, errno, "cannot open %s", proc_path);
		goto fail;
	}

	for (;;) {
		n = recv_msg(sv[0], msg, sizeof(msg) - 1, req->deadline_ms);
		if (n <= 0) {
			nix_err_set(err, n < 0 ? "building the namespace took longer than the time limit"
					       : "the namespace helper died");
			goto fail;
		}
		msg[n] = '\0';
		if (msg[0] == MSG_ERROR) {
			nix_err_set(err, "%s", msg + 1);
			goto fail;
		}
		if (msg[0] == MSG_NEED_MAPS) {
			if (write_id_maps(proc_dir, req->ids, err) < 0)
				goto fail;
			nix_ns_send_msg(sv[0], MSG_MAPS_DONE, NULL);
			continue;
		}
		if (msg[0] == MSG_SERVER) {
			if (adopt_server(msg + 1, req->ids->uid, req->pin_path, err) < 0)
				goto fail;
			continue;
		}
		if (msg[0] == MSG_READY) {
			char *end;
			size_t paths = strtoul(msg + 1, &end, 10);
			int refused = (int)strtol(end, NULL, 10);

			if (req->npaths)
				*req->npaths = paths;
			if (req->userns_refused)
				*req->userns_refused = refused;
			break;
		}
	}
	if (pin_namespace(proc_dir, req->pin_path, err) < 0)
		goto fail;
	close(proc_dir);
	close(sv[0]); /* lets the helper exit */
	reap(pid, false, req->deadline_ms);
	return 0;
fail:
	if (proc_dir >= 0)
		close(proc_dir);
	close(sv[0]);
	reap(pid, true, req->deadline_ms);
	return -1;
}

/* fd is the user namespace this process is in. */
static bool is_own_userns(int fd)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat("/proc/self/ns/user", &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int nix_ns_from_mnt(int mnt_fd, uid_t uid, const char *what, struct nix_ns *ns,
		    struct nix_err *err)
{
	uid_t owner;

	*ns = (struct nix_ns)NIX_NS_INIT;
	ns->mnt_fd = mnt_fd;
	ns->user_fd = ioctl(ns->mnt_fd, NS_GET_USERNS);
	if (ns->user_fd < 0) {
		nix_err_errno(err, errno, "cannot get the user namespace of %s", what);
		goto fail;
	}
	fcntl(ns->user_fd, F_SETFD, FD_CLOEXEC);
	/* Built without a user namespace (root's, in the initial one): only
	 * root, in task_init_privileged, can join it. */
	if (is_own_userns(ns->user_fd)) {
		ns->no_userns = true;
		return 1;
	}
	if (ioctl(ns->user_fd, NS_GET_OWNER_UID, &owner) < 0) {
		nix_err_errno(err, errno, "cannot get the owner of %s", what);
		goto fail;
	}
	if (owner != uid) {
		nix_err_set(err, "%s belongs to uid %u, not to the job's user (uid %u)",
			    what, (unsigned)owner, (unsigned)uid);
		goto fail;
	}
	return 1;
fail:
	nix_ns_close(ns);
	return -1;
}

int nix_ns_open_pin(const char *pin_path, uid_t uid, struct nix_ns *ns,
		    struct nix_err *err)
{
	int fd = open(pin_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	*ns = (struct nix_ns)NIX_NS_INIT;
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return nix_err_errno(err, errno, "cannot open %s", pin_path);
	}
	/* An unmounted pin is an empty file: not a namespace. */
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNS) {
		close(fd);
		return 0;
	}
	return nix_ns_from_mnt(fd, uid, pin_path, ns, err);
}

int nix_ns_join(const struct nix_ns *ns, const char *dir, struct nix_err *err)
{
	char cwd[PATH_MAX];
	bool have_cwd = getcwd(cwd, sizeof(cwd)) != NULL;

	if (!ns->no_userns && setns(ns->user_fd, CLONE_NEWUSER) < 0)
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
