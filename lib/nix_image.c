#include "nix_image.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/loop.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nix_namespace.h"

int nix_squashfs_parse(const char *s)
{
	if (!strcmp(s, "off"))
		return NIX_SQUASHFS_OFF;
	if (!strcmp(s, "kernel"))
		return NIX_SQUASHFS_KERNEL;
	if (!strcmp(s, "fuse"))
		return NIX_SQUASHFS_FUSE;
	return -1;
}

const char *nix_squashfs_name(enum nix_squashfs mode)
{
	return mode == NIX_SQUASHFS_KERNEL ? "kernel" : mode == NIX_SQUASHFS_FUSE ? "fuse" : "off";
}

static uint64_t le(const unsigned char *p, int bytes)
{
	uint64_t v = 0;

	for (int i = bytes - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

int nix_image_check_super(const unsigned char *buf, size_t len, uint64_t file_size,
			  struct nix_err *err)
{
	uint64_t block_size, block_log, bytes_used, compression;

	if (len < NIX_SQUASHFS_SUPER_SIZE || memcmp(buf, "hsqs", 4) != 0)
		return nix_err_set(err, "not a squashfs image (no 'hsqs' magic; make one with mksquashfs)");
	if (le(buf + 28, 2) != 4)
		return nix_err_set(err, "squashfs version %u.%u, not 4.x",
				   (unsigned)le(buf + 28, 2), (unsigned)le(buf + 30, 2));
	block_size = le(buf + 12, 4);
	block_log = le(buf + 22, 2);
	compression = le(buf + 20, 2);
	bytes_used = le(buf + 40, 8);
	if (block_log < 12 || block_log > 20 || block_size != (1ULL << block_log))
		return nix_err_set(err, "a corrupt squashfs superblock (block size)");
	if (compression < 1 || compression > 6)
		return nix_err_set(err, "a corrupt squashfs superblock (compression %u)",
				   (unsigned)compression);
	if (bytes_used < NIX_SQUASHFS_SUPER_SIZE)
		return nix_err_set(err, "a corrupt squashfs superblock (size)");
	if (bytes_used > file_size)
		return nix_err_set(err, "truncated: the image says %llu bytes, the file has %llu",
				   (unsigned long long)bytes_used, (unsigned long long)file_size);
	/* every table the kernel or squashfuse seeks to lies in the image */
	for (int off = 48; off < 96; off += 8) {
		uint64_t start = le(buf + off, 8);

		if (start != UINT64_MAX && start > bytes_used)
			return nix_err_set(err, "a corrupt squashfs superblock (a table past its end)");
	}
	return 0;
}

/* The image's owner and mode, as for a store directory: another user who
 * could write to it could change what the job runs. */
static int check_image_file(const struct stat *st, uid_t uid, struct nix_err *err)
{
	if (st->st_uid != uid)
		return nix_err_set(err, "the image is owned by uid %u, not by the job's user (uid %u)",
				   (unsigned)st->st_uid, (unsigned)uid);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return nix_err_set(err, "the image is group- or world-writable (chmod go-w)");
	return 0;
}

int nix_image_open(const char *path, uid_t uid, int *fd, struct nix_err *err)
{
	unsigned char super[NIX_SQUASHFS_SUPER_SIZE];
	char self[64];
	struct nix_err ignored;
	struct stat st;
	ssize_t n;
	int pfd = nix_open_nofollow(path, &ignored);

	*fd = -1;
	if (pfd < 0)
		return 0; /* the directory checks say why, in their words */
	if (fstat(pfd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(pfd);
		return 0;
	}
	if (check_image_file(&st, uid, err) < 0) {
		close(pfd);
		return -1;
	}
	/* Reopen the very file found, for reading, with our (the user's)
	 * rights: O_PATH needed none. */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	*fd = open(self, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	close(pfd);
	if (*fd < 0)
		return errno == EACCES ? nix_err_set(err, "the image is not readable by the job's user")
				       : nix_err_errno(err, errno, "cannot open the image");
	n = pread(*fd, super, sizeof(super), 0);
	if (n < 0 || nix_image_check_super(super, n < 0 ? 0 : (size_t)n, st.st_size, err) < 0) {
		if (n < 0)
			nix_err_errno(err, errno, "cannot read the image");
		else if (n < 4 || memcmp(super, "hsqs", 4)) /* a file given by mistake */
			nix_err_set(err, "%s is not a directory nor a squashfs image (no 'hsqs' "
				    "magic; make one with mksquashfs)", path);
		close(*fd);
		*fd = -1;
		return -1;
	}
	return 1;
}

/* Open path with the user's rights from a root helper: the effective and
 * file-system ids only, root's again after (real and saved stay root's). */
static int open_as_user(const char *path, const struct nix_ids *ids, int *fd,
			struct nix_err *err)
{
	pid_t parent = getppid();
	int rc;

	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (setgroups(ids->ngroups, ids->groups) < 0 || setresgid(-1, ids->gid, -1) < 0 ||
	    setresuid(-1, ids->uid, -1) < 0)
		return nix_err_errno(err, errno, "cannot become uid %u", (unsigned)ids->uid);
	if (nix_after_id_change(parent) < 0) /* the open may hang on a store that stops answering */
		_exit(1);
	rc = nix_image_open(path, ids->uid, fd, err);
	if (setresuid(-1, 0, -1) < 0 || setresgid(-1, 0, -1) < 0 || setgroups(0, NULL) < 0) {
		if (*fd >= 0)
			close(*fd);
		_exit(1); /* a helper stuck between ids must not go on */
	}
	if (nix_after_id_change(parent) < 0)
		_exit(1);
	return rc;
}

/* A free loop device bound read-only to fd, autoclear; its fd or -1. */
static int loop_attach(int fd, char *dev, size_t devlen, struct nix_err *err)
{
	struct loop_config cfg = { .fd = (uint32_t)fd };
	int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);

	if (ctl < 0)
		return nix_err_errno(err, errno, "squashfs=kernel: cannot open /dev/loop-control");
	cfg.info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR;
	for (int tries = 0; tries < 16; tries++) {
		int n = ioctl(ctl, LOOP_CTL_GET_FREE), lfd;

		if (n < 0)
			break;
		snprintf(dev, devlen, "/dev/loop%d", n);
		lfd = open(dev, O_RDONLY | O_CLOEXEC);
		if (lfd < 0)
			continue;
		if (ioctl(lfd, LOOP_CONFIGURE, &cfg) == 0) {
			close(ctl);
			return lfd;
		}
		close(lfd);
		if (errno != EBUSY) /* EBUSY: another process took it first */
			break;
	}
	nix_err_errno(err, errno, "squashfs=kernel: cannot set up a loop device");
	close(ctl);
	return -1;
}

static int kernel_mount(int fd, const char *mountpoint, struct nix_err *err)
{
	char dev[32];
	int lfd = loop_attach(fd, dev, sizeof(dev), err), rc = 0;

	if (lfd < 0)
		return -1;
	if (mount(dev, mountpoint, "squashfs", MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
		rc = nix_err_errno(err, errno, "the kernel cannot mount the image (corrupt?)");
	close(lfd); /* autoclear: the mount holds the device, or nothing does */
	return rc;
}

int nix_image_host_stage(const char *path, enum nix_squashfs mode,
			 const struct nix_ids *ids, const char *mountpoint,
			 struct nix_image *img, struct nix_err *err)
{
	int rc = open_as_user(path, ids, &img->fd, err);

	if (rc <= 0)
		return rc;
	img->mode = mode;
	if (mode == NIX_SQUASHFS_OFF)
		return nix_image_mode_check(mode, true, err);
	if (mode == NIX_SQUASHFS_KERNEL && kernel_mount(img->fd, mountpoint, err) < 0)
		return -1;
	return 1;
}

/* ---- squashfs=fuse ----------------------------------------------------- */

#ifndef SERVER_LOG
#define SERVER_LOG "/dev/null"
#endif

/* The server, forked from the helper inside the user namespace: in a mount
 * namespace of its own without the image's mount (else it would keep the
 * view's mounts alive, and they it), its own session (out of the task's
 * process group), fully the user (the helper's real id is root's), then
 * squashfuse on the /dev/fuse fd the helper mounted. */
static _Noreturn void server_main(const char *server, int fuse_fd, int image_fd,
				  const char *mountpoint, const struct nix_ids *ids)
{
	char image[32], dev[32];
	char *const envp[] = { "PATH=/usr/bin:/bin", NULL };

	if (setsid() < 0 || unshare(CLONE_NEWNS) < 0 ||
	    umount2(mountpoint, MNT_DETACH) < 0 || chdir("/") < 0)
		_exit(127);
	if (setresgid(ids->gid, ids->gid, ids->gid) < 0 ||
	    setresuid(ids->uid, ids->uid, ids->uid) < 0)
		_exit(127);
	/* out of the way first: either may be 3 or 4 */
	fuse_fd = fcntl(fuse_fd, F_DUPFD_CLOEXEC, 10);
	image_fd = fcntl(image_fd, F_DUPFD_CLOEXEC, 10);
	if (fuse_fd < 0 || image_fd < 0 || dup2(fuse_fd, 3) < 0 || dup2(image_fd, 4) < 0)
		_exit(127);
	close_range(5, ~0U, 0);
	int null = open(SERVER_LOG, O_RDWR | O_CLOEXEC);

	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	snprintf(image, sizeof(image), "/dev/fd/4");
	snprintf(dev, sizeof(dev), "/dev/fd/3");
	execve(server, (char *const[]){ "squashfuse", "-f", image, dev, NULL }, envp);
	_exit(127);
}

const char *nix_squashfuse_pick(const char *const *candidates)
{
	for (; *candidates; candidates++)
		if (access(*candidates, X_OK) == 0)
			return *candidates;
	return NULL;
}

static int fuse_mount(struct nix_image *img, const char *mountpoint,
		      const struct nix_ids *ids, struct nix_err *err)
{
	static const char *const servers[] = { NIX_SQUASHFUSE_LL, NIX_SQUASHFUSE, NULL };
	const char *server = nix_squashfuse_pick(servers);
	char opts[128];
	int fuse_fd;
	pid_t pid;

	if (!server)
		return nix_err_errno(err, errno, "squashfs=fuse: %s is not on this node", NIX_SQUASHFUSE);
	fuse_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fuse_fd < 0)
		return nix_err_errno(err, errno, "squashfs=fuse: cannot open /dev/fuse");
	/* allow_other, on a mount of a user namespace, lets in the processes
	 * of that namespace only (the job's; root's outside never wait on a
	 * user's server), among them this helper, whose real id is root's;
	 * default_permissions: the image's modes apply, as on a disk. Without
	 * a user namespace the mount is the initial namespace's: no
	 * allow_other, so that only processes with all the user's ids use it
	 * and root's (slurmstepd joining the view, a tool walking
	 * /proc/PID/root) get EACCES rather than wait on a server the user
	 * can stop. */
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=%u,group_id=%u,%s"
		 "default_permissions",
		 fuse_fd, (unsigned)ids->uid, (unsigned)ids->gid,
		 img->no_userns ? "" : "allow_other,");
	if (mount("squashfuse", mountpoint, "fuse.squashfuse",
		  MS_RDONLY | MS_NOSUID | MS_NODEV, opts) < 0) {
		close(fuse_fd);
		return nix_err_errno(err, errno, "squashfs=fuse: cannot mount FUSE in the job's "
				     "user namespace");
	}
	pid = fork();
	if (pid == 0)
		server_main(server, fuse_fd, img->fd, mountpoint, ids);
	/* Only the server holds the connection: when it dies, the view
	 * answers ENOTCONN at once rather than waiting for it. */
	close(fuse_fd);
	if (pid < 0)
		return nix_err_errno(err, errno, "squashfs=fuse: fork");
	img->server = pid;
	return 0;
}

/* The image's root as a store: IMAGE/store or IMAGE/nix/store. */
int nix_image_layout(const char *mountpoint, struct nix_store *store, struct nix_err *err)
{
	struct stat st;
	int e;

	*store = (struct nix_store)NIX_STORE_INIT;
	snprintf(store->real, sizeof(store->real), "%s", mountpoint);
	store->root_fd = open(mountpoint, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (store->root_fd < 0)
		return nix_err_errno(err, errno, "cannot open the image's root");
	/* squashfuse_ll mounts before it reads the image's root inode (the
	 * kernel and squashfuse read it first, and fail the mount or end):
	 * a root it cannot stat is an image it cannot read */
	if (fstat(store->root_fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		nix_store_close(store);
		return nix_err_set(err, "squashfuse cannot read the image (corrupt?)");
	}
	store->store_fd = openat(store->root_fd, "store", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (store->store_fd < 0 && errno == ENOENT) {
		int nix_fd = openat(store->root_fd, "nix", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (nix_fd >= 0) {
			close(store->root_fd);
			store->root_fd = nix_fd;
			snprintf(store->real, sizeof(store->real), "%s/nix", mountpoint);
			store->store_fd = openat(nix_fd, "store", O_PATH | O_DIRECTORY |
						 O_NOFOLLOW | O_CLOEXEC);
		}
		errno = ENOENT;
	}
	if (store->store_fd < 0) {
		e = errno;
		nix_store_close(store);
		if (e == ENOENT || e == ENOTDIR)
			return nix_err_set(err, "the image has no store/ directory (make it from DIR, "
					   "which holds store/, or from DIR holding nix/store/)");
		if (e == ENOTCONN) /* the server ended: it could not read it */
			return nix_err_set(err, "squashfuse cannot read the image (corrupt?)");
		return nix_err_errno(err, e, "cannot read the image");
	}
	store->has_db = fstatat(store->root_fd, "var/nix/db/db.sqlite", &st,
				AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
	return 0;
}

int nix_image_user_stage(struct nix_image *img, const char *mountpoint,
			 const struct nix_ids *ids, struct nix_store *store,
			 struct nix_err *err)
{
	if (nix_image_mount(img, mountpoint, ids, err) < 0)
		return -1;
	return nix_image_layout(mountpoint, store, err);
}

int nix_image_mount(struct nix_image *img, const char *mountpoint,
		    const struct nix_ids *ids, struct nix_err *err)
{
	if (img->mode == NIX_SQUASHFS_FUSE)
		return fuse_mount(img, mountpoint, ids, err);
	return 0;
}

int nix_image_mode_check(enum nix_squashfs mode, bool privileged, struct nix_err *err)
{
	if (mode == NIX_SQUASHFS_OFF)
		return nix_err_set(err, "is a file: squashfs images are turned off on this cluster "
				   "(plugstack.conf squashfs=off); give a store directory");
	if (mode == NIX_SQUASHFS_KERNEL && !privileged)
		return nix_err_set(err, "squashfs=kernel (the site's plugstack.conf) mounts images "
				   "as root, which spank-nix, unprivileged, cannot: run it in a job "
				   "(srun), or give a store directory");
	return 0;
}

void nix_image_close(struct nix_image *img)
{
	if (img->fd >= 0)
		close(img->fd);
	img->fd = -1;
}
