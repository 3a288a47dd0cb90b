/* closure_parts: where a --nix-closure view's time goes, part by part, and
 * the physical floor it is compared with. Outside Slurm, on this machine.
 *
 *   closure_parts N RUNS [STORE_ROOT SPEC]
 *
 * Each run, in its own child process and fresh user+mount namespace each,
 * the order rotating from run to run:
 *   the floor: N read-only bind mounts (N directories of a tmpfs made
 *       read-only once, bound onto N directories of a ramfs made
 *       beforehand, untimed)
 *       and nothing else; and, to compare, the same N binds with their
 *       mount points made in the loop, with open_tree+move_mount per path,
 *       and from a read-write source made read-only afterwards with one
 *       recursive mount_setattr;
 *   with STORE_ROOT and SPEC (run it as the store's owner): the library's
 *       own steps, as the helper runs them: open the store, resolve the
 *       closure and describe each path (then each of the two again, alone,
 *       to split the time), create the user+mount namespace,
 *       plan, then apply the plan in one call, as the helper does; then
 *       detach the view (what the job's end pays); and, in another run,
 *       the same plan applied op by op, summed per kind of op (one op at
 *       a time: what the library overlaps in one call is not split).
 * Prints "part NAME median q1 q3" in ms, and the per-run ratios of the view
 * (resolve + describe, plan, apply) to the floor, without and with its
 * mount points. */
#include "closure.h"
#include "closure_view.h"
#include "mount_plan.h"
#include "nix_store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PARTS 24
#define MAX_RUNS 101

struct parts {
	int n;
	const char *name[MAX_PARTS];
	double ms[MAX_PARTS];
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void die(const char *what)
{
	fprintf(stderr, "closure_parts: %s: %s\n", what, strerror(errno));
	_exit(1);
}

static void add(struct parts *p, const char *name, double ms)
{
	for (int i = 0; i < p->n; i++)
		if (!strcmp(p->name[i], name)) {
			p->ms[i] += ms;
			return;
		}
	p->name[p->n] = name;
	p->ms[p->n++] = ms;
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		die(path);
	close(fd);
}

/* A user namespace mapping our own uid and gid, and a mount namespace. */
static void enter_namespaces(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		die("unshare");
	snprintf(map, sizeof(map), "%u %u 1\n", uid, uid);
	write_file("/proc/self/uid_map", map);
	write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "%u %u 1\n", gid, gid);
	write_file("/proc/self/gid_map", map);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("make-rprivate /");
}

/* ---------------------------------------------------------------- floor */

static int open_tree_(int dfd, const char *path, unsigned flags)
{
	return (int)syscall(SYS_open_tree, dfd, path, flags);
}

static int move_mount_(int from_dfd, const char *from, int to_dfd, const char *to,
		       unsigned flags)
{
	return (int)syscall(SYS_move_mount, from_dfd, from, to_dfd, to, flags);
}

/* The floor's variants, each in its own fresh namespace with nothing else
 * mounted: N source directories on a tmpfs made read-only (untimed). */
enum floor_variant { FLOOR_BIND, FLOOR_MKDIR_BIND, FLOOR_OPEN_TREE, FLOOR_RW_SETATTR, N_FLOOR };
static const char *const floor_name[N_FLOOR] = {
	"floor:bind-only(mount points made before)",
	"floor:mkdir+bind",
	"floor:mkdirat+open_tree+move_mount",
	"floor:mkdir+bind-rw+mount_setattr-once",
};

static void floor_run(const char *dir, int n, enum floor_variant v, struct parts *p)
{
	char src[PATH_MAX], dst[PATH_MAX], s[PATH_MAX + 32], d[PATH_MAX + 32];
	int sfd, dfd;
	double t0;

	enter_namespaces();
	snprintf(src, sizeof(src), "%s/src", dir);
	snprintf(dst, sizeof(dst), "%s/dst", dir);
	if (mount("tmpfs", dir, "tmpfs", 0, "mode=0755") < 0 || mkdir(src, 0755) < 0 ||
	    mkdir(dst, 0755) < 0 || mount("tmpfs", src, "tmpfs", 0, "mode=0755") < 0 ||
	    mount("ramfs", dst, "ramfs", 0, "mode=0755") < 0)
		die("tmpfs");
	for (int i = 0; i < n; i++) {
		snprintf(s, sizeof(s), "%s/p%05d", src, i);
		if (mkdir(s, 0755) < 0)
			die(s);
	}
	if (v != FLOOR_RW_SETATTR &&
	    mount(NULL, src, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
		die("ro remount");
	t0 = now_ms();
	if (v == FLOOR_BIND)
		for (int i = 0; i < n; i++) {
			snprintf(d, sizeof(d), "%s/a%05d", dst, i);
			if (mkdir(d, 0755) < 0)
				die(d);
		}
	add(p, "floor:mkdir-only(before bind-only)", v == FLOOR_BIND ? now_ms() - t0 : 0);
	sfd = open(src, O_PATH | O_DIRECTORY | O_CLOEXEC);
	dfd = open(dst, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0 || dfd < 0)
		die("open");
	t0 = now_ms();
	for (int i = 0; i < n; i++) {
		char name[16], to[16];
		int m;

		snprintf(s, sizeof(s), "%s/p%05d", src, i);
		snprintf(d, sizeof(d), "%s/a%05d", dst, i);
		snprintf(name, sizeof(name), "p%05d", i);
		snprintf(to, sizeof(to), "a%05d", i);
		switch (v) {
		case FLOOR_BIND:
			if (mount(s, d, NULL, MS_BIND, NULL) < 0)
				die("bind");
			break;
		case FLOOR_MKDIR_BIND:
		case FLOOR_RW_SETATTR:
			if (mkdir(d, 0755) < 0 || mount(s, d, NULL, MS_BIND, NULL) < 0)
				die("mkdir+bind");
			break;
		case FLOOR_OPEN_TREE:
			if (mkdirat(dfd, to, 0755) < 0)
				die("mkdirat");
			m = open_tree_(sfd, name, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
			if (m < 0 || move_mount_(m, "", dfd, to, MOVE_MOUNT_F_EMPTY_PATH) < 0)
				die("open_tree/move_mount");
			close(m);
			break;
		default:
			break;
		}
	}
	if (v == FLOOR_RW_SETATTR) {
		struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
						     MOUNT_ATTR_NODEV };

		if (syscall(SYS_mount_setattr, AT_FDCWD, dst, AT_RECURSIVE, &a, sizeof(a)) < 0)
			die("mount_setattr");
	}
	add(p, floor_name[v], now_ms() - t0);
	t0 = now_ms();
	if (umount2(dir, MNT_DETACH) < 0)
		die("umount");
	add(p, "floor:detach-all(after bind-only)", v == FLOOR_BIND ? now_ms() - t0 : 0);
}

/* ---------------------------------------------------------------- view */

/* The part an op belongs to, by the first word of its description (not by
 * its kind, so that this file builds against older libraries too, for
 * side-by-side comparisons). */
static const char *op_part(const struct mount_op *op)
{
	static const struct { const char *word, *part; } parts[] = {
		{ "tmpfs", "apply:tmpfs/ramfs" }, { "ramfs", "apply:tmpfs/ramfs" },
		{ "mkdir", "apply:mount-points" }, { "mkfile", "apply:mount-points" },
		{ "symlink", "apply:mount-points" }, { "bind", "apply:bind-per-path" },
		{ "restrict", "apply:restrict" }, { "umount", "apply:staging-umount" },
		{ "rmdir", "apply:staging-umount" },
	};
	char text[PATH_MAX * 3];
	size_t len;

	mount_op_format(op, text, sizeof(text));
	len = strcspn(text, " ");
	if (!strncmp(text, "bind fd", 7))
		return "apply:staging-bind";
	for (size_t i = 0; i < sizeof(parts) / sizeof(*parts); i++)
		if (strlen(parts[i].word) == len && !strncmp(text, parts[i].word, len))
			return parts[i].part;
	return "apply:other";
}

static int emit_nothing(void *ectx, const struct host_entry *e)
{
	(void)ectx;
	(void)e;
	return 0;
}

/* The MIRROR op, op by op as a plan without it would have them: each
 * entry's mount point, then its bind, each timed to its part. */
static int apply_mirror_split(const struct mount_op *mirror, const struct host_entry *e,
			      size_t n, struct parts *p, struct nix_err *err)
{
	static const enum mount_op_kind point[] = {
		[HOST_DIR] = MOUNT_OP_MKDIR, [HOST_FILE] = MOUNT_OP_MKFILE,
		[HOST_SYMLINK] = MOUNT_OP_SYMLINK,
	};
	char target[PATH_MAX * 2], source[PATH_MAX * 2];

	for (size_t i = 0; i < n; i++) {
		struct mount_op ops[2] = {
			{ .kind = point[e[i].type], .source = e[i].link, .target = target },
			{ .kind = MOUNT_OP_BIND, .source = source, .target = target },
		};

		snprintf(target, sizeof(target), "%s/%s", mirror->target, e[i].name);
		snprintf(source, sizeof(source), "%s/%s", mirror->source, e[i].name);
		for (int k = 0; k < (e[i].type == HOST_SYMLINK ? 1 : 2); k++) {
			struct mount_plan one = { .ops = &ops[k], .len = 1, .cap = 1 };
			double t0 = now_ms();

			if (mount_plan_apply(&one, err) < 0)
				return -1;
			add(p, op_part(&ops[k]), now_ms() - t0);
		}
	}
	return 0;
}

/* split: apply the plan op by op, summed per kind of op (its parts);
 * else in one call, as the helper does (apply(total)), and the rest. */
static void view_run(const char *store_root, const char *spec, const char *mnt,
		     bool split, struct parts *p)
{
	struct nix_store store = NIX_STORE_INIT;
	struct closure_spec_list specs = { 0 };
	struct nix_path_set paths = { 0 };
	struct mount_plan plan = { 0 };
	struct host_entry *entries = NULL;
	struct closure_view cv;
	struct mount_entry_source source;
	size_t n = 0;
	struct nix_err err;
	char store_dir[PATH_MAX];
	double t0;

	snprintf(store_dir, sizeof(store_dir), "/nix/store");
	t0 = now_ms();
	if (nix_store_open(store_root, geteuid(), &store, &err) < 0)
		goto fail;
	if (split) {
		if (closure_view_entries(&store, store_dir, spec, &entries, &n, &err) < 0 ||
		    closure_view_open(&store, store_dir, spec, &cv, &err) < 0)
			goto fail;
		closure_view_source(&cv, &source);
		enter_namespaces();
		if (nix_store_reopen(store_root, &store, &err) < 0 ||
		    mount_plan_user_closure(store.store_fd, mnt, &source, &plan, &err) < 0)
			goto fail;
		goto apply;
	}
	add(p, "store-open", now_ms() - t0);
	/* What the helper does before the plan (read the SPECs, open the DB);
	 * the walk it leaves to the apply, here alone; then each part of the
	 * walk again on its own: the DB query, and describe's fstatat (and
	 * readlinkat) per path. */
	t0 = now_ms();
	if (closure_view_open(&store, store_dir, spec, &cv, &err) < 0)
		goto fail;
	closure_view_source(&cv, &source);
	add(p, "resolve+describe(library)", now_ms() - t0);
	t0 = now_ms();
	if (source.run(source.ctx, emit_nothing, NULL, &err) < 0)
		goto fail;
	add(p, "  walk(library), alone", now_ms() - t0);
	t0 = now_ms();
	if (closure_spec_parse(spec, store_dir, &specs, &err) < 0 ||
	    closure_resolve(store.root_fd, store_dir, &specs, &paths, &err) < 0)
		goto fail;
	add(p, "  resolve(DB), again", now_ms() - t0);
	t0 = now_ms();
	for (size_t i = 0; i < paths.len; i++) {
		const char *name = paths.paths[i] + strlen(store_dir) + 1;
		struct stat st;
		char link[PATH_MAX];

		if (fstatat(store.store_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			die(name);
		if (S_ISLNK(st.st_mode) && readlinkat(store.store_fd, name, link, sizeof(link)) < 0)
			die(name);
	}
	add(p, "  describe(fstatat), again", now_ms() - t0);
	t0 = now_ms();
	enter_namespaces();
	add(p, "unshare+maps", now_ms() - t0);
	t0 = now_ms();
	if (nix_store_reopen(store_root, &store, &err) < 0 ||
	    mount_plan_user_closure(store.store_fd, mnt, &source, &plan, &err) < 0)
		goto fail;
	add(p, "reopen+plan", now_ms() - t0);
apply:
	if (split) {
		for (size_t i = 0; i < plan.len; i++) {
			struct mount_plan one = { .ops = &plan.ops[i], .len = 1, .cap = 1 };

			if (plan.ops[i].kind == MOUNT_OP_MIRROR) {
				if (apply_mirror_split(&plan.ops[i], entries, n, p, &err) < 0)
					goto fail;
				continue;
			}
			t0 = now_ms();
			if (mount_plan_apply(&one, &err) < 0)
				goto fail;
			add(p, op_part(&plan.ops[i]), now_ms() - t0);
		}
		return;
	}
	t0 = now_ms();
	if (mount_plan_apply(&plan, &err) < 0)
		goto fail;
	add(p, "apply(total)", now_ms() - t0);
	t0 = now_ms();
	if (umount2(mnt, MNT_DETACH) < 0)
		die("umount view");
	add(p, "teardown(detach)", now_ms() - t0);
	return;
fail:
	fprintf(stderr, "closure_parts: %s\n", err.msg);
	_exit(1);
}

/* The library's knob: CLOSURE_PARTS_OVERLAP=1 always a second process
 * walking the closure and making the mount points, -1 never, unset as the
 * helper decides. */
extern int mount_apply_second_process __attribute__((weak));

static void set_overlap(void)
{
	const char *v = getenv("CLOSURE_PARTS_OVERLAP");

	if (v && &mount_apply_second_process)
		mount_apply_second_process = atoi(v);
}

/* ---------------------------------------------------------------- main */

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double part_of(const struct parts *p, const char *name)
{
	for (int i = 0; i < p->n; i++)
		if (!strcmp(p->name[i], name))
			return p->ms[i];
	return 0;
}

/* What the view costs the step: resolve + describe, plan, apply. */
static double view_ms(const struct parts *p)
{
	return part_of(p, "resolve+describe(library)") + part_of(p, "reopen+plan") +
	       part_of(p, "apply(total)");
}

int main(int argc, char **argv)
{
	static struct parts runs[MAX_RUNS];
	char dir[] = "/tmp/closure_parts.XXXXXX";
	int n = argc >= 3 ? atoi(argv[1]) : 0, nruns = argc >= 3 ? atoi(argv[2]) : 0;
	bool view = argc == 5;

	if ((argc != 3 && argc != 5) || n < 1 || nruns < 1 || nruns > MAX_RUNS) {
		fprintf(stderr, "usage: closure_parts N RUNS [STORE_ROOT SPEC]\n");
		return 2;
	}
	set_overlap();
	if (!mkdtemp(dir))
		die("mkdtemp");
	for (int r = 0; r < nruns; r++) {
		struct parts *shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
					    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		int kinds = N_FLOOR + (view ? 2 : 0);

		if (shared == MAP_FAILED)
			die("mmap");
		memset(shared, 0, sizeof(*shared));
		/* Every variant in its own process and namespaces, the order
		 * rotating from run to run: side by side, as far as a shared
		 * machine allows. */
		for (int k = 0; k < kinds; k++) {
			int which = (k + r) % kinds, st;
			pid_t pid = fork();

			if (pid < 0)
				die("fork");
			if (pid == 0) {
				if (which < N_FLOOR)
					floor_run(dir, n, which, shared);
				else
					view_run(argv[3], argv[4], dir, which > N_FLOOR, shared);
				_exit(0);
			}
			if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
				return 1;
		}
		if (view)
			add(shared, "ratio:view/floor(bind-only)",
			    view_ms(shared) / part_of(shared, floor_name[FLOOR_BIND]));
		if (view)
			add(shared, "ratio:view/floor(mkdir+bind)",
			    view_ms(shared) / part_of(shared, floor_name[FLOOR_MKDIR_BIND]));
		runs[r] = *shared;
		munmap(shared, sizeof(*shared));
	}
	rmdir(dir);
	printf("# closure_parts N=%d, %d runs: part, median, first and third quartile (ms)\n", n, nruns);
	for (int i = 0; i < runs[0].n; i++) {
		double v[MAX_RUNS];

		for (int r = 0; r < nruns; r++)
			v[r] = part_of(&runs[r], runs[0].name[i]);
		qsort(v, nruns, sizeof(double), cmp_d);
		printf("part %-44s %8.2f %8.2f %8.2f\n", runs[0].name[i], v[nruns / 2],
		       v[nruns / 4], v[(3 * nruns) / 4]);
	}
	return 0;
}
