#include "mount_apply_run.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* A closure view is thousands of (mount point, bind) pairs in one
 * directory, its entries coming from the Nix database. Reading the
 * database, describing each path and making its mount point take no lock
 * a bind takes (the namespace's), so a second process (same mount
 * namespace, same credentials) runs the source and makes each entry's
 * mount point, while this one binds on those made, in the same order: the
 * binds start with the first entries the source gives, not after the last.
 * The first failure in that order is the one reported, as when each entry
 * is made and bound in turn. A process, not a thread: the caller stays
 * single-threaded for whatever setns/unshare comes next (waitpid returns
 * only once the child is gone).
 *
 * What goes over the pipe, each record a tag and a NUL-terminated text:
 * 'B' and an entry's name (its mount point made: bind it), then 'D' and
 * the number of entries made, or the error line (nothing made after it):
 * 'E' a mount point's, 'S' the source's own. */

enum { FLUSH_EVERY = 32 };

int mount_apply_second_process;

/* What the second process keeps while the source runs. */
struct maker {
	const struct mount_op *op;
	int dfd, out;
	size_t made;
	bool point_failed;
	unsigned pending;
	size_t len;
	char buf[16 * 1024];
	struct nix_err err;
};

static int flush(struct maker *m)
{
	for (size_t o = 0; o < m->len;) {
		ssize_t n = write(m->out, m->buf + o, m->len - o);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		o += (size_t)n;
	}
	m->len = 0;
	return 0;
}

static int put(struct maker *m, char tag, const char *text)
{
	size_t n = strlen(text) + 1;

	if (m->len + 1 + n > sizeof(m->buf) && flush(m) < 0)
		return -1;
	m->buf[m->len++] = tag;
	memcpy(m->buf + m->len, text, n);
	m->len += n;
	return 0;
}

/* The op an entry stands for, to name it in an error as a plan op would. */
static int entry_failed(const struct mount_op *op, const struct host_entry *e,
			bool bind, int errnum, struct nix_err *err)
{
	char target[PATH_MAX], source[PATH_MAX];
	static const enum mount_op_kind point[] = {
		[HOST_DIR] = MOUNT_OP_MKDIR, [HOST_FILE] = MOUNT_OP_MKFILE,
		[HOST_SYMLINK] = MOUNT_OP_SYMLINK,
	};
	struct mount_op one = { .kind = bind ? MOUNT_OP_BIND : point[e->type],
				.source = bind ? source : e->link, .target = target };

	snprintf(target, sizeof(target), "%s/%s", op->target, e->name);
	snprintf(source, sizeof(source), "%s/%s", op->source, e->name);
	return mount_op_failed(&one, errnum, err);
}

static int bind_entry(const struct mount_op *op, const char *name)
{
	char target[PATH_MAX], source[PATH_MAX];

	if (snprintf(target, sizeof(target), "%s/%s", op->target, name) >= (int)sizeof(target) ||
	    snprintf(source, sizeof(source), "%s/%s", op->source, name) >= (int)sizeof(source)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return mount(source, target, NULL, MS_BIND, NULL);
}

static bool valid_name(const char *name)
{
	return name[0] && strlen(name) <= NAME_MAX && !strchr(name, '/') &&
	       strcmp(name, ".") && strcmp(name, "..");
}

/* An entry's mount point in dfd (the op's target); an error names it as
 * the plan op it stands for. */
static int make_entry_point(const struct mount_op *op, int dfd,
			    const struct host_entry *e, struct nix_err *err)
{
	if (!valid_name(e->name))
		return nix_err_set(err, "invalid entry name in %s", op->source);
	if (mount_point_make_entry(dfd, e) < 0)
		return entry_failed(op, e, false, errno, err);
	return 0;
}

/* The second process's emit: the mount point, then the name for the binder. */
static int make_and_tell(void *ectx, const struct host_entry *e)
{
	struct maker *m = ectx;

	m->point_failed = true; /* unless all goes well */
	if (make_entry_point(m->op, m->dfd, e, &m->err) < 0)
		return -1;
	m->made++;
	if (e->type != HOST_SYMLINK && /* a symlink is made, not bound */
	    (put(m, 'B', e->name) < 0 || (++m->pending % FLUSH_EVERY == 0 && flush(m) < 0)))
		return nix_err_errno(&m->err, errno, "cannot reach the binding process");
	m->point_failed = false;
	return 0;
}

static _Noreturn void make_points(const struct mount_op *op, int dfd, int out,
				  pid_t parent)
{
	struct maker m;
	char made[32];
	int rc;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1); /* nothing made after the helper is gone */
	m = (struct maker){ .op = op, .dfd = dfd, .out = out };
	rc = op->entries->run(op->entries->ctx, make_and_tell, &m, &m.err);
	snprintf(made, sizeof(made), "%zu", m.made);
	if (put(&m, !rc ? 'D' : m.point_failed ? 'E' : 'S', rc ? m.err.msg : made) < 0 ||
	    flush(&m) < 0)
		_exit(1);
	_exit(rc ? 1 : 0);
}

/* One record from the second process: 1 done, 0 go on, -1 failed (err). */
static int take_record(const struct mount_op *op, char tag, const char *text,
		       struct nix_err *err)
{
	struct host_entry e = { .name = (char *)text, .type = HOST_DIR };

	switch (tag) {
	case 'D':
		op->entries->made = strtoull(text, NULL, 10);
		return 1;
	case 'S':
		op->entries->source_failed = true;
		/* fall through */
	case 'E':
		snprintf(err->msg, sizeof(err->msg), "%s", text);
		return -1;
	case 'B':
		if (!valid_name(text))
			break;
		return bind_entry(op, text) < 0 ? entry_failed(op, &e, true, errno, err) : 0;
	}
	return nix_err_set(err, "the process making mount points in %s sent garbage",
			   op->target);
}

/* Bind each entry the second process names, until it says it is done. */
static int bind_made(const struct mount_op *op, int in, struct nix_err *err)
{
	char buf[64 * 1024];
	size_t len = 0;

	for (;;) {
		ssize_t n = read(in, buf + len, sizeof(buf) - len);
		size_t o = 0;
		char *end;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return nix_err_set(err, "the process making mount points in %s died",
					   op->target);
		len += (size_t)n;
		while (len - o >= 2 && (end = memchr(buf + o + 1, '\0', len - o - 1))) {
			int rc = take_record(op, buf[o], buf + o + 1, err);

			if (rc)
				return rc > 0 ? 0 : -1;
			o = (size_t)(end - buf) + 1;
		}
		if (o == 0 && len == sizeof(buf))
			return nix_err_set(err, "the process making mount points in %s "
					   "sent garbage", op->target);
		memmove(buf, buf + o, len - o);
		len -= o;
	}
}

/* Whether a second process can run beside this one: this process may run
 * on two CPUs or more (a task bound to one CPU may not). Not whether the
 * other CPU is idle right now: at a step's launch it often is busy for a
 * moment (slurmstepd, the other tasks), which says nothing of the next
 * 50 ms; on a busy node the two processes take turns, at the cost of the
 * fork and a pipe write every FLUSH_EVERY entries. */
static bool two_cpus(void)
{
	cpu_set_t allowed;

	return sched_getaffinity(0, sizeof(allowed), &allowed) == 0 && CPU_COUNT(&allowed) >= 2;
}

/* Without a second process: each entry made and bound as it comes. */
struct inline_ctx {
	const struct mount_op *op;
	int dfd;
	size_t made;
	bool entry_failed;
	struct nix_err *err;
};

static int make_and_bind(void *ectx, const struct host_entry *e)
{
	struct inline_ctx *c = ectx;

	c->entry_failed = true; /* unless all goes well */
	if (make_entry_point(c->op, c->dfd, e, c->err) < 0)
		return -1;
	if (e->type != HOST_SYMLINK && bind_entry(c->op, e->name) < 0)
		return entry_failed(c->op, e, true, errno, c->err);
	c->made++;
	c->entry_failed = false;
	return 0;
}

static int mirror_in_two(const struct mount_op *op, int dfd, struct nix_err *err)
{
	int pipefd[2], rc, st;
	pid_t pid, parent = getpid();

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return nix_err_errno(err, errno, "pipe");
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		make_points(op, dfd, pipefd[1], parent);
	}
	close(pipefd[1]);
	if (pid < 0) {
		close(pipefd[0]);
		return nix_err_errno(err, errno, "fork");
	}
	rc = bind_made(op, pipefd[0], err);
	if (rc < 0)
		kill(pid, SIGKILL);
	close(pipefd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return rc;
}

int mount_mirror_apply(const struct mount_op *op, struct nix_err *err)
{
	struct inline_ctx c = { .op = op, .err = err };
	int rc;

	op->entries->made = 0;
	op->entries->source_failed = false;
	c.dfd = open(op->target, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c.dfd < 0)
		return nix_err_errno(err, errno, "cannot open %s", op->target);
	if (mount_apply_second_process > 0 ||
	    (mount_apply_second_process == 0 && two_cpus())) {
		rc = mirror_in_two(op, c.dfd, err);
	} else {
		rc = op->entries->run(op->entries->ctx, make_and_bind, &c, err) ? -1 : 0;
		op->entries->made = c.made;
		op->entries->source_failed = rc < 0 && !c.entry_failed;
	}
	close(c.dfd);
	return rc;
}
