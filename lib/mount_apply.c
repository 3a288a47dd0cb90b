/* Carrying out a mount plan with mount(2). One syscall per op: views with
 * thousands of binds must stay fast, so no mount(8) and no re-reading of
 * mountinfo except where an op needs it (DETACH_BELOW, via libmount). */
#include "mount_plan.h"

#include <errno.h>
#include <fcntl.h>
#include <libmount.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mount_apply_run.h"
#include "nix_path.h"

static int cmp_len_desc(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);

	return la < lb ? 1 : la > lb ? -1 : 0;
}

/* Every mount point at or below prefix, per /proc/self/mountinfo. */
static int mounts_below(const char *prefix, char ***out, size_t *n,
			struct nix_err *err)
{
	struct libmnt_table *tb = mnt_new_table();
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (!tb || !it || mnt_table_parse_file(tb, "/proc/self/mountinfo") != 0) {
		mnt_free_iter(it);
		mnt_unref_table(tb);
		return nix_err_set(err, "cannot read /proc/self/mountinfo");
	}
	while (mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *t = mnt_fs_get_target(fs);

		if (!t || !nix_path_has_prefix(t, prefix))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			char **v = realloc(*out, cap * sizeof(*v));

			if (!v)
				break;
			*out = v;
		}
		(*out)[(*n)++] = strdup(t);
	}
	mnt_free_iter(it);
	mnt_unref_table(tb);
	return 0;
}

static int detach_below(const char *prefix, struct nix_err *err)
{
	char **targets;
	size_t n;
	int rc = 0;

	if (mounts_below(prefix, &targets, &n, err) < 0)
		return -1;
	/* Deepest first; a lazy unmount of a parent takes its children too,
	 * so EINVAL for an already-gone child is fine. */
	qsort(targets, n, sizeof(*targets), cmp_len_desc);
	for (size_t i = 0; i < n; i++) {
		if (umount2(targets[i], MNT_DETACH) < 0 && errno != EINVAL &&
		    errno != ENOENT && rc == 0)
			rc = nix_err_errno(err, errno, "cannot unmount %s", targets[i]);
		free(targets[i]);
	}
	free(targets);
	return rc;
}

/* Make the one mount holding path private (per mountinfo: the topmost
 * mount on the longest mount point that is a prefix of path). When path
 * is that mount point, the kernel finds it without mountinfo. */
static int make_holder_private(const char *path)
{
	struct libmnt_table *tb;
	struct libmnt_fs *fs;
	int rc = -1;

	if (mount(NULL, path, NULL, MS_PRIVATE, NULL) == 0)
		return 0;
	if (errno != EINVAL) /* EINVAL: path is below a mount point */
		return -1;
	tb = mnt_new_table();
	if (tb && mnt_table_parse_file(tb, "/proc/self/mountinfo") == 0) {
		fs = mnt_table_find_mountpoint(tb, path, MNT_ITER_BACKWARD);
		if (fs && mnt_fs_get_target(fs))
			rc = mount(NULL, mnt_fs_get_target(fs), NULL, MS_PRIVATE, NULL);
		else
			errno = ENOENT;
	}
	mnt_unref_table(tb);
	return rc;
}

/* Flags a bind remount must keep: in a user namespace the kernel refuses
 * to clear flags that came locked from the host mount (EPERM). */
static unsigned long kept_flags(const char *target)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (statvfs(target, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_RDONLY)
		f |= MS_RDONLY;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	if (!(f & (MS_NOATIME | MS_RELATIME)))
		f |= MS_STRICTATIME;
	return f;
}

static int restrict_mount(const char *target, bool readonly)
{
	unsigned long flags = MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV |
			      kept_flags(target);

	if (readonly)
		flags |= MS_RDONLY;
	return mount(NULL, target, NULL, flags, NULL);
}

/* mkdir -p of path's parents (they are in our fresh tmpfs). */
static void make_parents(const char *path)
{
	char buf[PATH_MAX];

	/* A path too long for buf cannot be mounted on either: the mount
	 * fails and says so. */
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(buf, 0755);
		*p = '/';
	}
}

/* An empty read-only tmpfs on dir, with the kept paths below it bound back
 * in: they are opened first, and bound from their fds once covered. */
static int hide_keeping(const char *dir, const char *keeps)
{
	int fds[16], n = 0, rc = -1;
	char paths[16][PATH_MAX];
	const char *p = keeps ? keeps : "";

	while (*p && n < 16) {
		const char *end = strchrnul(p, '\n');

		snprintf(paths[n], sizeof(paths[n]), "%.*s", (int)(end - p), p);
		fds[n] = open(paths[n], O_PATH | O_CLOEXEC);
		if (fds[n] >= 0)
			n++;
		p = *end ? end + 1 : end;
	}
	if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") < 0)
		goto out;
	for (int i = 0; i < n; i++) {
		struct stat st;
		char src[64];

		if (fstat(fds[i], &st) < 0)
			goto out;
		make_parents(paths[i]);
		if (S_ISDIR(st.st_mode)) {
			if (mkdir(paths[i], 0755) < 0 && errno != EEXIST)
				goto out;
		} else {
			int f = open(paths[i], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

			if (f < 0)
				goto out;
			close(f);
		}
		snprintf(src, sizeof(src), "/proc/self/fd/%d", fds[i]);
		if (mount(src, paths[i], NULL, MS_BIND | MS_REC, NULL) < 0)
			goto out;
	}
	rc = restrict_mount(dir, true);
out:
	for (int i = 0; i < n; i++)
		close(fds[i]);
	return rc;
}

static int pivot_into(const char *newroot)
{
	/* pivot_root(".", "."): the old root ends up stacked on the new one
	 * and is then detached, with no directory needed to park it in. */
	if (chdir(newroot) < 0)
		return -1;
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return -1;
	if (umount2(".", MNT_DETACH) < 0)
		return -1;
	return chdir("/");
}

/* An empty file to mount on. One call, not open + close: a closure view
 * makes thousands. An existing file will do, as with O_CREAT. */
static int make_file_at(int dfd, const char *name)
{
	int fd;

	if (mknodat(dfd, name, S_IFREG | 0644, 0) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	return fd < 0 ? -1 : close(fd);
}

int mount_point_make_entry(int dfd, const struct host_entry *e)
{
	switch (e->type) {
	case HOST_DIR:
		return mkdirat(dfd, e->name, 0755) < 0 && errno != EEXIST ? -1 : 0;
	case HOST_FILE:
		return make_file_at(dfd, e->name);
	case HOST_SYMLINK:
		return symlinkat(e->link, dfd, e->name);
	}
	errno = EINVAL;
	return -1;
}

int mount_op_apply(const struct mount_op *op)
{
	char src[64];

	switch (op->kind) {
	case MOUNT_OP_MAKE_RSLAVE:
		return mount(NULL, op->target, NULL, MS_REC | MS_SLAVE, NULL);
	case MOUNT_OP_MAKE_PRIVATE:
		return make_holder_private(op->target);
	case MOUNT_OP_TMPFS:
		return mount("tmpfs", op->target, "tmpfs", MS_NOSUID | MS_NODEV,
			     "mode=0755,size=1m");
	case MOUNT_OP_MKDIR:
	case MOUNT_OP_MKFILE:
	case MOUNT_OP_SYMLINK: {
		struct host_entry e = {
			.name = op->target, .link = op->source,
			.type = op->kind == MOUNT_OP_MKDIR ? HOST_DIR
				: op->kind == MOUNT_OP_MKFILE ? HOST_FILE : HOST_SYMLINK,
		};

		return mount_point_make_entry(AT_FDCWD, &e);
	}
	case MOUNT_OP_RAMFS:
		return mount("ramfs", op->target, "ramfs", MS_NOSUID | MS_NODEV, "mode=0755");
	case MOUNT_OP_RBIND:
		return mount(op->source, op->target, NULL, MS_BIND | MS_REC, NULL);
	case MOUNT_OP_BIND_FD:
		/* Through the fd: the directory opened and checked as the
		 * user, whatever the path names by now. */
		snprintf(src, sizeof(src), "/proc/self/fd/%d", op->fd);
		return mount(src, op->target, NULL, MS_BIND, NULL);
	case MOUNT_OP_RESTRICT:
		return restrict_mount(op->target, op->readonly);
	case MOUNT_OP_PIVOT:
		return pivot_into(op->target);
	case MOUNT_OP_BIND:
		return mount(op->source, op->target, NULL, MS_BIND, NULL);
	case MOUNT_OP_UMOUNT:
		return umount2(op->target, MNT_DETACH);
	case MOUNT_OP_RMDIR:
		return rmdir(op->target);
	case MOUNT_OP_HIDE:
		return hide_keeping(op->target, op->source);
	case MOUNT_OP_DETACH_BELOW:
		break; /* handled by the caller: it reports its own errors */
	case MOUNT_OP_MIRROR:
		errno = EINVAL; /* mount_mirror_apply: it has errors of its own */
		return -1;
	}
	return 0;
}

int mount_op_failed(const struct mount_op *op, int e, struct nix_err *err)
{
	char what[PATH_MAX * 2 + 32];

	mount_op_format(op, what, sizeof(what));
	return nix_err_errno(err, e, "%s", what);
}

int mount_plan_apply(const struct mount_plan *plan, struct nix_err *err)
{
	for (size_t i = 0; i < plan->len; i++) {
		const struct mount_op *op = &plan->ops[i];

		if (op->kind == MOUNT_OP_DETACH_BELOW) {
			if (detach_below(op->target, err) < 0)
				return -1;
		} else if (op->kind == MOUNT_OP_MIRROR) {
			if (mount_mirror_apply(op, err) < 0)
				return -1;
		} else if (mount_op_apply(op) < 0) {
			return mount_op_failed(op, errno, err);
		}
	}
	return 0;
}
