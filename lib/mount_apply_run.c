#include "mount_apply_run.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* A closure view is thousands of (mount point, bind) pairs in one
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

/* The end of the run of mount points and plain binds from start on whose
 * targets are all entries of one directory (the first target's). */
size_t mount_run_end(const struct mount_plan *plan, size_t start, size_t *dir_len)
{
	const char *first = plan->ops[start].target, *slash = strrchr(first, '/');
	size_t i;

	*dir_len = slash ? (size_t)(slash - first) : 0;
	if (*dir_len == 0)
		return start;
	for (i = start; i < plan->len; i++) {
		const struct mount_op *op = &plan->ops[i];

		if (!mount_op_is_mount_point(op->kind) && op->kind != MOUNT_OP_BIND)
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

		if (!mount_op_is_mount_point(op->kind))
			continue;
		if (mount_point_make_at(dfd, op->target + dir_len + 1, op) < 0) {
			p.error = errno ? errno : EIO;
			break;
		}
		if (++p.made % PROGRESS_EVERY == 0 &&
		    write(out, &p, sizeof(p)) != (ssize_t)sizeof(p))
			_exit(1);
	}
	_exit(write(out, &p, sizeof(p)) == (ssize_t)sizeof(p) && !p.error ? 0 : 1);
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
		if (mount_op_is_mount_point(plan->ops[i].kind) && k-- == 0)
			return i;
}

static int bind_siblings(const struct mount_plan *plan, size_t start, size_t end,
			 size_t dir_len, int in, struct nix_err *err)
{
	struct progress p = { 0, 0 };
	uint32_t points = 0;

	for (size_t i = start; i < end; i++) {
		const struct mount_op *op = &plan->ops[i];

		if (mount_op_is_mount_point(op->kind)) {
			points++;
			continue;
		}
		if (await_points(in, &p, points) < 0)
			return nix_err_set(err, "the process making mount points in %.*s died",
					   (int)dir_len, op->target);
		if (p.made < points)
			return mount_op_failed(&plan->ops[nth_point(plan, start, p.made)], p.error, err);
		if (mount_op_apply(op) < 0)
			return mount_op_failed(op, errno, err);
	}
	if (await_points(in, &p, points) < 0)
		return nix_err_set(err, "the process making mount points died");
	if (p.made < points)
		return mount_op_failed(&plan->ops[nth_point(plan, start, p.made)], p.error, err);
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
int mount_run_apply(const struct mount_plan *plan, size_t start, size_t end,
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
