#include "nix_ns_helper.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gpu_libs.h"
#include "nix_credentials.h"
#include "nix_image.h"
#include "mount_plan.h"
#include "nix_store.h"
#include "view_plan.h"

#ifndef NS_GET_MNTNS_ID /* Linux 6.10 */
#define NS_GET_MNTNS_ID _IOR(0xb7, 0x5, uint64_t)
#endif

void nix_ns_send_msg(int sock, char kind, const char *text)
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
	nix_ns_send_msg(sock, MSG_ERROR, msg);
	_exit(1);
}

/* The id of the mount namespace we are in; 0 where the kernel has no ids
 * (before 6.x, where its sequence numbers follow creation order). */
uint64_t nix_own_mntns_id(void)
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

	if (!pinner_id || nix_own_mntns_id() > pinner_id)
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
		if (nix_own_mntns_id() > pinner_id)
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
			nix_ns_send_msg(sock, MSG_NEED_MAPS, NULL);
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
	if (nix_mount_as_root_with_user_files(req->ids, creator) < 0 || unshare(CLONE_NEWNS) < 0) {
		nix_err_errno(&err, errno, "cannot make the view's mount namespace as root");
		helper_fail(sock, NULL, err.msg);
	}
	return refused;
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
		nix_ns_send_msg(sock, MSG_SERVER, pid);
		if (store->root_fd < 0) /* after the pid: root adopts and ends it */
			helper_fail(sock, req->view->origin, err.msg);
	}
}

/* What the helper opens and finds on its way to the user stage. */
struct helper_view {
	struct nix_store store;
	struct nix_image img;
	int is_image;
	struct closure_view closure;
	struct mount_entry_source entries; /* the closure's, walked as mounted */
	bool has_closure;
	char closure_origin[NIX_LIST_ARG_MAX + 32]; /* "--nix-closure=SPEC" */
	struct gpu_libs gpu;
};

/* The closure's SPECs, read as the user; its entries come from the
 * store's DB as the user stage mounts them. */
static void closure_open_or_fail(int sock, const struct nix_view *view,
				 struct helper_view *hv)
{
	struct nix_err err;

	if (view_closure_open(view, &hv->store, &hv->closure, hv->closure_origin,
			      sizeof(hv->closure_origin), &err) < 0)
		helper_fail(sock, hv->closure_origin, err.msg);
	closure_view_source(&hv->closure, &hv->entries);
	hv->has_closure = true;
}

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

	if (nix_assume_user(req->ids, creator) < 0) {
		nix_err_errno(&err, errno, "cannot become uid %u", (unsigned)req->ids->uid);
		helper_fail(sock, NULL, err.msg);
	}
	if (!hv->is_image &&
	    nix_store_open(view->store, nix_view_store_owner(view, req->ids->uid), &hv->store, &err) < 0)
		helper_fail(sock, view->origin, err.msg);
	if (gpu_libs_find(req->gpu_libs, req->gpu_ld_cache, &hv->gpu, &err) < 0)
		helper_fail(sock, NULL, err.msg);
	if (!hv->is_image && view->closure[0])
		closure_open_or_fail(sock, view, hv);
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
			closure_open_or_fail(sock, view, hv);
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
		.closure = hv->has_closure ? &hv->entries : NULL,
		.gpu = &hv->gpu, .keep = req->keep, .nkeep = req->nkeep,
	};
	struct mount_plan plan = { 0 };
	struct nix_err err;
	int run_fd;

	if (view_plan_user(&parts, &plan, &run_fd, &err) < 0 ||
	    mount_plan_apply(&plan, &err) < 0)
		helper_fail(sock, hv->entries.source_failed ? hv->closure_origin
				  : view_plan_origin(req->view, &err), err.msg);
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
	if (nix_become_user_with_mount_cap(req->ids, creator) < 0) {
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
	nix_ns_send_msg(sock, MSG_READY, ready);
	while (recv(sock, &c, 1, 0) > 0)
		;
	_exit(0);
}

/* The helper: runs in a fresh process forked by nix_ns_create. */
_Noreturn void nix_ns_helper_main(int sock, const struct nix_ns_request *req,
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
	report_ready(sock, hv.entries.made, refused);
}
