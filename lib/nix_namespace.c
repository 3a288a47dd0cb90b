#include "nix_namespace.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
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
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gpu_libs.h"
#include "nix_clock.h"
#include "nix_fuse_server.h"
#include "nix_image.h"
#include "mount_plan.h"
#include "nix_store.h"
#include "view_plan.h"

#ifndef NS_GET_MNTNS_ID /* Linux 6.10 */
#define NS_GET_MNTNS_ID _IOR(0xb7, 0x5, uint64_t)
#endif

/* Helper <-> creator messages, one datagram each. */
#define MSG_NEED_MAPS 'U' /* helper: my user namespace needs id maps */
#define MSG_MAPS_DONE 'M' /* creator: written */
#define MSG_READY     'R' /* helper: view built, pin me */
#define MSG_ERROR     'E' /* helper: followed by the reason */
#define MSG_SERVER    'S' /* helper: an image's FUSE server, its pid */

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

int nix_after_id_change(pid_t parent)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return -1;
	if (getppid() != parent)
		_exit(1); /* the parent died before the death signal was set again */
	return 0;
}

/* The helper's credentials for the user stage: the job user's effective
 * and file-system ids, so that the store is opened with the user's rights
 * and the user namespace it creates is the user's (the tasks may join it);
 * real and saved ids stay root's. That, and never being dumpable, keeps the
 * helper out of the user's reach while root waits on it: the user can
 * neither ptrace it, nor read its memory (a fork of slurmstepd's heap), nor
 * open its /proc files. */
static int assume_user(const struct nix_ids *ids, pid_t creator)
{
	if (setgroups(ids->ngroups, ids->groups) < 0 ||
	    setresgid(0, ids->gid, 0) < 0 ||
	    setresuid(0, ids->uid, 0) < 0)
		return -1;
	return nix_after_id_change(creator);
}

/* The id of the mount namespace we are in; 0 where the kernel has no ids
 * (before 6.x, where its sequence numbers follow creation order). */
static uint64_t own_mntns_id(void)
{
	uint64_t id = 0;
	int fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);

	if (fd >= 0 && ioctl(fd, NS_GET_MNTNS_ID, &id) < 0)
		id = 0;
	if (fd >= 0)
		close(fd);
	return id;
}

/* The kernel pins a mount namespace only from a namespace with a lower id
 * (mnt_ns_loop, its guard against reference loops). Since 6.x these ids
 * come from per-CPU batches, so a namespace made now on one CPU can get a
 * lower id than an older one made on another. Within one CPU they only
 * grow, and the CPU that made the pinner's namespace is past its id: make
 * ours again on each CPU we may use until its id is above the pinner's. */
static int make_pinnable(uint64_t pinner_id)
{
	cpu_set_t allowed, one;
	int rc = -1;

	if (!pinner_id || own_mntns_id() > pinner_id)
		return 0;
	/* Every CPU the kernel lets us on (the cpuset's), not just the task's
	 * affinity: the helper's placement does not matter to the job. */
	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		return -1;
	for (int cpu = 0; cpu < CPU_SETSIZE && rc < 0; cpu++) {
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one) < 0 || unshare(CLONE_NEWNS) < 0)
			continue;
		if (own_mntns_id() > pinner_id)
			rc = 0;
	}
	sched_setaffinity(0, sizeof(allowed), &allowed);
	return rc;
}

/* The errnos with which a kernel refuses an unprivileged user namespace:
 * EPERM (AppArmor, seccomp, kernel.unprivileged_userns_clone=0), ENOSPC
 * (user.max_user_namespaces=0), EACCES, EINVAL (built without them, or
 * user_namespace.enable=0 on RHEL 7). */
static bool userns_refused(int e)
{
	return e == EPERM || e == ENOSPC || e == EACCES || e == EINVAL;
}

/* Without a user namespace the view's mounts must be root's: take root's
 * capabilities back (the saved uid is 0) but keep the user's file rights,
 * fsuid and fsgid, so that every path the view's plan looks up or creates
 * is reached as the user, as it is inside a user namespace. */
static int mount_as_root_with_user_files(const struct nix_ids *ids, pid_t creator)
{
	if (setresuid(-1, 0, -1) < 0)
		return -1;
	setfsuid(ids->uid); /* also drops CAP_DAC_OVERRIDE & co. */
	setfsgid(ids->gid);
	if ((uid_t)setfsuid(-1) != ids->uid || (gid_t)setfsgid(-1) != ids->gid)
		return -1;
	return nix_after_id_change(creator);
}

/* squashfs=fuse without a user namespace: the FUSE mount (no allow_other)
 * admits only processes whose real, effective and saved ids are all the
 * user's, and the view is built from it. So the helper becomes the user
 * entirely, keeping only CAP_SYS_ADMIN (in the initial user namespace) to
 * mount: no DAC override, no other capability; the user may signal it (a
 * stopped helper is killed at the deadline: the user's own job fails), but
 * neither ptrace it (not dumpable, and a capability the user has not) nor
 * read its memory. The server it forks loses the capability at its execve
 * (a uid other than 0, no file capabilities). */
static int become_user_with_mount_cap(const struct nix_ids *ids, pid_t creator)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct caps[2] = { { 0 } };

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 ||
	    setresgid(ids->gid, ids->gid, ids->gid) < 0 ||
	    setresuid(ids->uid, ids->uid, ids->uid) < 0 ||
	    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return -1;
	caps[0].permitted = caps[0].effective = 1u << CAP_SYS_ADMIN;
	if (syscall(SYS_capset, &hdr, caps) < 0)
		return -1;
	return nix_after_id_change(creator);
}

/* Create, join or skip the user namespace: the step between the opens made
 * as the user and the view's mounts. Leaves the helper in a new mount
 * namespace where it may mount: inside the job's user namespace as its
 * owner, or (userns=never, or auto where the kernel refuses one) in the
 * initial user namespace with root's capabilities and the user's file
 * rights (*in_userns false). Returns the errno auto fell back on, 0
 * otherwise. */
static int enter_view_namespaces(int sock, const struct nix_ns_request *req, pid_t creator,
				 bool *in_userns)
{
	struct nix_err err;
	int refused = 0;
	char c;

	*in_userns = true;
	if (req->join_userns_fd >= 0) {
		if (setns(req->join_userns_fd, CLONE_NEWUSER) < 0 ||
		    unshare(CLONE_NEWNS) < 0) {
			nix_err_errno(&err, errno, "cannot enter the job's user namespace");
			helper_fail(sock, NULL, err.msg);
		}
		return 0;
	}
	if (req->userns != NIX_USERNS_NEVER) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0) {
			send_msg(sock, MSG_NEED_MAPS, NULL);
			if (recv(sock, &c, 1, 0) != 1 || c != MSG_MAPS_DONE)
				_exit(1);
			return 0;
		}
		refused = errno;
		if (req->userns == NIX_USERNS_ALWAYS || !userns_refused(refused)) {
			nix_err_errno(&err, refused, "cannot create a user namespace%s",
				      userns_refused(refused) ? " (the kernel refuses them on this node: "
				      "the site may set userns=auto or userns=never)" : "");
			helper_fail(sock, NULL, err.msg);
		}
	}
	*in_userns = false;
	if (mount_as_root_with_user_files(req->ids, creator) < 0 || unshare(CLONE_NEWNS) < 0) {
		nix_err_errno(&err, errno, "cannot make the view's mount namespace as root");
		helper_fail(sock, NULL, err.msg);
	}
	return refused;
}

/* The closure's store entries, read as the user from the store's DB. */
static void closure_entries_or_fail(int sock, const struct nix_view *view,
				    struct nix_store *store, struct host_entry **entries,
				    size_t *n_entries)
{
	char origin[NIX_LIST_ARG_MAX + 32];
	struct nix_err err;

	if (view_closure_entries(view, store, entries, n_entries, origin,
				 sizeof(origin), &err) < 0)
		helper_fail(sock, origin, err.msg);
}

/* --nix-store=IMAGE, in the view's mount namespace: mounted (fuse), its
 * server handed to root to keep for the job, its layout as the store. */
static void image_store_or_fail(int sock, const struct nix_ns_request *req,
				struct nix_image *img, struct nix_store *store)
{
	struct nix_err err;
	char pid[32];

	if (nix_image_user_stage(img, req->view->mountpoint, req->ids, store, &err) < 0 &&
	    !img->server)
		helper_fail(sock, req->view->origin, err.msg);
	if (img->server) {
		snprintf(pid, sizeof(pid), "%d", (int)img->server);
		send_msg(sock, MSG_SERVER, pid);
		if (store->root_fd < 0) /* after the pid: root adopts and ends it */
			helper_fail(sock, req->view->origin, err.msg);
	}
}

/* What the helper opens and finds on its way to the user stage. */
struct helper_view {
	struct nix_store store;
	struct nix_image img;
	int is_image;
	struct host_entry *entries;
	size_t n_entries;
	struct gpu_libs gpu;
};

/* Die with the creator, enter the mount namespace the view copies, and
 * keep no fd but the socket and the user namespace to join. */
static void enter_base(int sock, const struct nix_ns_request *req, pid_t creator)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != creator)
		_exit(1);
	if (req->base_mntns_fd >= 0 && setns(req->base_mntns_fd, CLONE_NEWNS) < 0)
		helper_fail(sock, NULL, "cannot enter the job's mount namespace");
	close_all_fds_but(sock, req->join_userns_fd);
}

/* Host stage, as root, in a mount namespace of our own. */
static void apply_host_stage(int sock, const struct nix_ns_request *req,
			     struct helper_view *hv)
{
	const struct nix_view *view = req->view;
	struct mount_plan plan = { 0 };
	struct nix_err err;

	if (unshare(CLONE_NEWNS) < 0)
		helper_fail(sock, NULL, "unshare(CLONE_NEWNS) failed");
	if (view_plan_host(view->mountpoint, req->state_dir, &plan, &err) < 0 ||
	    mount_plan_apply(&plan, &err) < 0)
		helper_fail(sock, NULL, err.msg);
	mount_plan_free(&plan);
	/* An image is opened as the user; squashfs=kernel mounts it now. */
	hv->is_image = nix_image_host_stage(view->store, req->squashfs, req->ids,
					    view->mountpoint, &hv->img, &err);
	if (hv->is_image < 0)
		helper_fail(sock, view->origin, err.msg);
}

/* From here on, the job user's credentials: open what the view shows. */
static void become_user(int sock, const struct nix_ns_request *req, pid_t creator,
			struct helper_view *hv)
{
	const struct nix_view *view = req->view;
	struct nix_err err;

	if (assume_user(req->ids, creator) < 0) {
		nix_err_errno(&err, errno, "cannot become uid %u", (unsigned)req->ids->uid);
		helper_fail(sock, NULL, err.msg);
	}
	if (!hv->is_image &&
	    nix_store_open(view->store, nix_view_store_owner(view, req->ids->uid), &hv->store, &err) < 0)
		helper_fail(sock, view->origin, err.msg);
	if (gpu_libs_find(req->gpu_libs, req->gpu_ld_cache, &hv->gpu, &err) < 0)
		helper_fail(sock, NULL, err.msg);
	if (!hv->is_image && view->closure[0])
		closure_entries_or_fail(sock, view, &hv->store, &hv->entries, &hv->n_entries);
}

/* A bind mount's source must be in our own mount namespace: open the
 * directory again and make sure it is the one checked as the user.
 * An image is read from its mount here, which nobody else can change. */
static void reopen_store(int sock, const struct nix_ns_request *req,
			 struct helper_view *hv)
{
	const struct nix_view *view = req->view;
	struct nix_err err;

	if (hv->is_image) {
		image_store_or_fail(sock, req, &hv->img, &hv->store);
		nix_image_close(&hv->img);
		if (view->closure[0])
			closure_entries_or_fail(sock, view, &hv->store, &hv->entries,
						&hv->n_entries);
	} else if (nix_store_reopen(view->store, &hv->store, &err) < 0) {
		helper_fail(sock, view->origin, err.msg);
	}
}

/* User stage, inside the job's user namespace. */
static void apply_user_stage(int sock, const struct nix_ns_request *req,
			     struct helper_view *hv)
{
	const struct view_parts parts = {
		.view = req->view, .store = &hv->store,
		.entries = hv->entries, .n_entries = hv->n_entries,
		.gpu = &hv->gpu, .keep = req->keep, .nkeep = req->nkeep,
	};
	struct mount_plan plan = { 0 };
	struct nix_err err;
	int run_fd;

	if (view_plan_user(&parts, &plan, &run_fd, &err) < 0 ||
	    mount_plan_apply(&plan, &err) < 0)
		helper_fail(sock, view_plan_origin(req->view, &err), err.msg);
	if (run_fd >= 0)
		close(run_fd);
}

/* squashfs=fuse without a user namespace: the mount is made without
 * allow_other, which admits only processes of the user's ids (never root's,
 * which the user's server could stall), so the helper becomes the user,
 * keeping only CAP_SYS_ADMIN to mount. */
static void become_image_server_owner(int sock, const struct nix_ns_request *req,
				      pid_t creator, struct helper_view *hv)
{
	struct nix_err err;

	hv->img.no_userns = true;
	if (become_user_with_mount_cap(req->ids, creator) < 0) {
		nix_err_errno(&err, errno, "cannot become uid %u keeping CAP_SYS_ADMIN",
			      (unsigned)req->ids->uid);
		helper_fail(sock, NULL, err.msg);
	}
}

/* Tell the creator the view is built, and stay until pinned: the creator
 * closes its end when done. */
static _Noreturn void report_ready(int sock, size_t n_entries, int refused)
{
	char ready[48], c;

	/* for slurmd's log: the paths shown, and what auto fell back on */
	snprintf(ready, sizeof(ready), "%zu %d", n_entries, refused);
	send_msg(sock, MSG_READY, ready);
	while (recv(sock, &c, 1, 0) > 0)
		;
	_exit(0);
}

/* The helper: runs in a fresh process forked by nix_ns_create. */
static _Noreturn void helper_main(int sock, const struct nix_ns_request *req,
				   pid_t creator, uint64_t pinner_id)
{
	struct helper_view hv = {
		.store = NIX_STORE_INIT, .img = NIX_IMAGE_INIT,
	};
	bool in_userns;
	int refused;

	enter_base(sock, req, creator);
	apply_host_stage(sock, req, &hv);
	become_user(sock, req, creator, &hv);
	refused = enter_view_namespaces(sock, req, creator, &in_userns);
	if (hv.is_image && hv.img.mode == NIX_SQUASHFS_FUSE && !in_userns)
		become_image_server_owner(sock, req, creator, &hv);
	if (make_pinnable(pinner_id) < 0)
		helper_fail(sock, NULL, "no CPU of this task makes a mount namespace the kernel "
			    "lets the node pin (namespace ids per CPU; see README)");
	reopen_store(sock, req, &hv);
	apply_user_stage(sock, req, &hv);
	report_ready(sock, hv.n_entries, refused);
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
static int adopt_server(const char *pid_text, const char *pin_path, struct nix_err *err)
{
	char record[PATH_MAX + 8];
	long pid = strtol(pid_text, NULL, 10);

	if (pid <= 1)
		return nix_err_set(err, "the namespace helper sent a bad server pid");
	snprintf(record, sizeof(record), "%s" NIX_FUSE_RECORD_SUFFIX, pin_path);
	return nix_fuse_server_adopt((pid_t)pid, record, err);
}

int nix_ns_create(const struct nix_ns_request *req, struct nix_err *err)
{
	int sv[2], proc_dir = -1;
	char msg[NIX_ERR_MAX + 1], proc_path[32];
	uint64_t pinner_id = own_mntns_id();
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
		helper_main(sv[1], req, self, pinner_id);
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
			send_msg(sv[0], MSG_MAPS_DONE, NULL);
			continue;
		}
		if (msg[0] == MSG_SERVER) {
			if (adopt_server(msg + 1, req->pin_path, err) < 0)
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
