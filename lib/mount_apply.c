/* Carrying out a mount plan with mount(2). One syscall per op: views with
 * thousands of binds must stay fast, so no mount(8) and no re-reading of
 * mountinfo except where an op needs it (DETACH_BELOW, via libmount). */
#include "mount_plan.h"

#include <errno.h>
#include <fcntl.h>
#include <libmount.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

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
 * mount on the longest mount point that is a prefix of path). */
static int make_holder_private(const char *path)
{
	struct libmnt_table *tb = mnt_new_table();
	struct libmnt_fs *fs;
	int rc = -1;

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

/* A mount point (MKDIR, MKFILE, SYMLINK) at name below dfd. */
static int make_point_at(int dfd, const char *name, const struct mount_op *op)
{
	switch (op->kind) {
	case MOUNT_OP_MKDIR:
		return mkdirat(dfd, name, 0755) < 0 && errno != EEXIST ? -1 : 0;
	case MOUNT_OP_MKFILE:
		return make_file_at(dfd, name);
	case MOUNT_OP_SYMLINK:
		return symlinkat(op->source, dfd, name);
	default:
		errno = EINVAL;
		return -1;
	}
}

static int apply_op(const struct mount_op *op)
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
	case MOUNT_OP_SYMLINK:
		return make_point_at(AT_FDCWD, op->target, op);
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
	}
	return 0;
}

/* ------------------------------------------------------------------
 * A closure view is thousands of (mount point, bind) pairs in one
 * directory. Making a mount point and binding on it take different locks
 * (the directory's inode, the namespace's), so a second process (same
 * mount namespace, same credentials) makes the mount points, in plan
 * order, while this one binds on those already made, in plan order: each
 * bind waits for every mount point the plan puts before it, and the first
 * op to fail in plan order is the one reported, as when applied one by one.
 * A process, not a thread: the caller stays single-threaded for whatever
 * setns/unshare comes next (waitpid returns only once the child is gone). */

enum { SIBLINGS_MIN = 256, PROGRESS_EVERY = 32 };

int mount_apply_second_process;

struct progress {
	uint32_t made;  /* mount points made so far, in plan order */
	int32_t error;  /* errno making mount point number `made`, or 0 */
};

static bool is_mount_point_op(enum mount_op_kind kind)
{
	return kind == MOUNT_OP_MKDIR || kind == MOUNT_OP_MKFILE ||
	       kind == MOUNT_OP_SYMLINK;
}

/* The end of the run of mount points and plain binds from start on whose
 * targets are all entries of one directory (the first target's). */
static size_t siblings_end(const struct mount_plan *plan, size_t start, size_t *dir_len)
{
	const char *first = plan->ops[start].target, *slash = strrchr(first, '/');
	size_t i;

	*dir_len = slash ? (size_t)(slash - first) : 0;
	if (*dir_len == 0)
		return start;
	for (i = start; i < plan->len; i++) {
		const struct mount_op *op = &plan->ops[i];

		if (!is_mount_point_op(op->kind) && op->kind != MOUNT_OP_BIND)
			break;
		if (strncmp(op->target, first, *dir_len + 1) ||
		    !op->target[*dir_len + 1] || strchr(op->target + *dir_len + 1, '/'))
			break;
	}
	return i;
}

/* The second process: only async-signal-safe calls. */
static _Noreturn void make_points(const struct mount_plan *plan, size_t start,
				  size_t end, size_t dir_len, int dfd, int out, pid_t parent)
{
	struct progress p = { 0, 0 };

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1); /* nothing made after the helper is gone */
	for (size_t i = start; i < end; i++) {
		const struct mount_op *op = &plan->ops[i];

		if (!is_mount_point_op(op->kind))
			continue;
		if (make_point_at(dfd, op->target + dir_len + 1, op) < 0) {
			p.error = errno ? errno : EIO;
			break;
		}
		if (++p.made % PROGRESS_EVERY == 0 &&
		    write(out, &p, sizeof(p)) != (ssize_t)sizeof(p))
			_exit(1);
	}
	_exit(write(out, &p, sizeof(p)) == (ssize_t)sizeof(p) && !p.error ? 0 : 1);
}

static int op_failed(const struct mount_op *op, int e, struct nix_err *err)
{
	char what[PATH_MAX * 2 + 32];

	mount_op_format(op, what, sizeof(what));
	return nix_err_errno(err, e, "%s", what);
}

/* Wait until the second process has made `need` mount points, or failed
 * (p->error). -1: it ended without reporting either. */
static int await_points(int in, struct progress *p, uint32_t need)
{
	while (p->made < need && !p->error) {
		ssize_t n = read(in, p, sizeof(*p));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(*p))
			return -1;
	}
	return 0;
}

/* The index of mount point number k of the run. */
static size_t nth_point(const struct mount_plan *plan, size_t start, uint32_t k)
{
	for (size_t i = start;; i++)
		if (is_mount_point_op(plan->ops[i].kind) && k-- == 0)
			return i;
}

static int bind_siblings(const struct mount_plan *plan, size_t start, size_t end,
			 size_t dir_len, int in, struct nix_err *err)
{
	struct progress p = { 0, 0 };
	uint32_t points = 0;

	for (size_t i = start; i < end; i++) {
		const struct mount_op *op = &plan->ops[i];

		if (is_mount_point_op(op->kind)) {
			points++;
			continue;
		}
		if (await_points(in, &p, points) < 0)
			return nix_err_set(err, "the process making mount points in %.*s died",
					   (int)dir_len, op->target);
		if (p.made < points)
			return op_failed(&plan->ops[nth_point(plan, start, p.made)], p.error, err);
		if (apply_op(op) < 0)
			return op_failed(op, errno, err);
	}
	if (await_points(in, &p, points) < 0)
		return nix_err_set(err, "the process making mount points died");
	if (p.made < points)
		return op_failed(&plan->ops[nth_point(plan, start, p.made)], p.error, err);
	return 0;
}

/* Whether a second process would run beside this one: at least two CPUs
 * this process may run on, and fewer tasks runnable on the machine right
 * now (/proc/loadavg, this one included) than it has CPUs. On a busy node
 * the two would only take turns, and pay for the fork and the pipe. */
static bool cpu_to_spare(void)
{
	cpu_set_t allowed;
	char buf[128];
	unsigned running = 0;
	ssize_t n;
	int fd;

	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0 || CPU_COUNT(&allowed) < 2)
		return false;
	fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true; /* cannot tell: the CPUs are there */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	/* "0.50 0.40 0.30 RUNNING/TOTAL LASTPID" */
	if (sscanf(buf, "%*s %*s %*s %u/", &running) != 1)
		return true;
	return running < (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
}

/* ops[start, end): 1 applied (or failed: -1), 0 not done (the caller
 * applies them one by one). */
static int apply_siblings(const struct mount_plan *plan, size_t start, size_t end,
			  size_t dir_len, struct nix_err *err)
{
	char dir[PATH_MAX];
	int pipefd[2], dfd, rc, st;
	pid_t pid, parent;

	if (end - start < SIBLINGS_MIN || dir_len >= sizeof(dir) ||
	    mount_apply_second_process < 0 ||
	    (mount_apply_second_process == 0 && !cpu_to_spare()))
		return 0;
	memcpy(dir, plan->ops[start].target, dir_len);
	dir[dir_len] = '\0';
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0;
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		close(dfd);
		return 0;
	}
	parent = getpid();
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		make_points(plan, start, end, dir_len, dfd, pipefd[1], parent);
	}
	close(pipefd[1]);
	close(dfd);
	if (pid < 0) {
		close(pipefd[0]);
		return 0;
	}
	rc = bind_siblings(plan, start, end, dir_len, pipefd[0], err);
	if (rc < 0)
		kill(pid, SIGKILL);
	close(pipefd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return rc < 0 ? -1 : 1;
}

/* ops[start, end) one by one. */
static int apply_each(const struct mount_plan *plan, size_t start, size_t end,
		      struct nix_err *err)
{
	for (size_t i = start; i < end; i++) {
		const struct mount_op *op = &plan->ops[i];

		if (op->kind == MOUNT_OP_DETACH_BELOW) {
			if (detach_below(op->target, err) < 0)
				return -1;
			continue;
		}
		if (apply_op(op) < 0)
			return op_failed(op, errno, err);
	}
	return 0;
}

int mount_plan_apply(const struct mount_plan *plan, struct nix_err *err)
{
	/* A run is applied whole, one way or the other: looking for a run
	 * again at each of its ops would be quadratic. */
	for (size_t i = 0, end; i < plan->len; i = end) {
		size_t dir_len;
		int done = 0;

		end = siblings_end(plan, i, &dir_len);
		if (end > i)
			done = apply_siblings(plan, i, end, dir_len, err);
		else
			end = i + 1; /* an op in no run */
		if (done < 0 || (!done && apply_each(plan, i, end, err) < 0))
			return -1;
	}
	return 0;
}
