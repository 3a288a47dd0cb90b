/* nix_store, nix_state, nix_namespace and nix_job on the real kernel: a
 * store owned by an unprivileged user, its view built, pinned, reused,
 * joined, refused to another user and removed. Needs root, as slurmstepd
 * has: it fails (never skips) without. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/file.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "nix_clock.h"
#include "nix_job.h"
#include "nix_state.h"
#include "nix_state_list.h"
#include "nix_state_pins.h"
#include "nix_state_sweep.h"
#include "nix_store.h"

#define USER_ID 65534 /* nobody */
#define USER_GROUP 65533 /* a supplementary group of the user's (nogroup) */

static int64_t far_deadline(void)
{
	return nix_clock_ms() + 30000;
}

static char top[64];
static char store_dir[128];
static char state_dir[128];

static void sh(const char *fmt, const char *arg)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg);
	ck_assert_int_eq(system(cmd), 0);
}

/* Once per run, in the parent: a failing test exits its forked child
 * before any per-test teardown could run. */
static void make_top(void)
{
	ck_assert_msg(geteuid() == 0, "test_namespace must run as root");
	strcpy(top, "/tmp/spank-nix-unit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(top));
	chmod(top, 0755);
	snprintf(store_dir, sizeof(store_dir), "%s/nix", top);
	snprintf(state_dir, sizeof(state_dir), "%s/state", top);
}

static void remove_top(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "findmnt -rno TARGET | grep '^%s' | sort -r | xargs -r umount -l; rm -rf %s",
		 top, top);
	ck_assert_int_eq(system(cmd), 0);
}

/* Before each test: a fresh store owned by the user. */
static void setup(void)
{
	sh("rm -rf %s && mkdir -p %s/store/abc-hello && echo hi > %s/store/abc-hello/greeting", store_dir);
	sh("chown -R 65534:65534 %s && chmod 755 %s", store_dir);
}

START_TEST(store_checks_explain_themselves)
{
	struct nix_store st;
	struct nix_err err;
	char p[256];

	ck_assert_int_eq(nix_store_open(store_dir, USER_ID, &st, &err), 0);
	ck_assert(!st.has_db);
	nix_store_close(&st);

	snprintf(p, sizeof(p), "%s/missing", top);
	ck_assert_int_eq(nix_store_open(p, USER_ID, &st, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "does not exist"));

	ck_assert_int_eq(nix_store_open(store_dir, 4242, &st, &err), -1);
	ck_assert_msg(strstr(err.msg, " is owned by nobody (uid 65534), not by the job's user uid 4242"), "%s", err.msg);

	/* a link the user owns: they could point it anywhere */
	snprintf(p, sizeof(p), "%s/link", top);
	ck_assert_int_eq(symlink(store_dir, p), 0);
	ck_assert_int_eq(lchown(p, USER_ID, USER_ID), 0);
	ck_assert_int_eq(nix_store_open(p, USER_ID, &st, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "is a symlink"));
	snprintf(p, sizeof(p), "%s/link/store", top);
	ck_assert_int_eq(nix_store_open(p, USER_ID, &st, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "/link is a symlink"));
	snprintf(p, sizeof(p), "%s/link", top);
	unlink(p);

	chmod(store_dir, 0775);
	ck_assert_int_eq(nix_store_open(store_dir, USER_ID, &st, &err), -1);
	ck_assert_msg(strstr(err.msg, "/nix is group- or world-writable (chmod go-w)"), "%s", err.msg);
	chmod(store_dir, 0755);

	snprintf(p, sizeof(p), "%s/store/abc-hello/greeting", store_dir);
	ck_assert_int_eq(nix_store_open(p, USER_ID, &st, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "is not a directory"));

	snprintf(p, sizeof(p), "%s/store/abc-hello", store_dir);
	ck_assert_int_eq(nix_store_open(p, USER_ID, &st, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "has no store/ directory"));
}
END_TEST

/* Sites reach homes through links only root controls (/home -> /gpfs/home):
 * those are followed; a link a user could replace is still refused. */
START_TEST(roots_symlinks_are_followed)
{
	struct nix_store st;
	struct nix_err err;
	char p[256], q[256];

	/* absolute target, the store itself a root link */
	snprintf(p, sizeof(p), "%s/rootlink", top);
	ck_assert_int_eq(symlink(store_dir, p), 0);
	ck_assert_msg(nix_store_open(p, USER_ID, &st, &err) == 0, "%s", err.msg);
	nix_store_close(&st);

	/* relative target with "..", then more of the path after the link */
	sh("mkdir -p %s/site && ln -sfn ../ %s/site/home", top);
	snprintf(p, sizeof(p), "%s/site/home/nix", top);
	ck_assert_msg(nix_store_open(p, USER_ID, &st, &err) == 0, "%s", err.msg);
	nix_store_close(&st);

	/* a root link in a directory the user may write: they could swap it */
	sh("mkdir -p %s/userdir && chown 65534 %s/userdir", top);
	snprintf(p, sizeof(p), "%s/userdir/link", top);
	ck_assert_int_eq(symlink(store_dir, p), 0);
	ck_assert_int_eq(nix_store_open(p, USER_ID, &st, &err), -1);
	ck_assert_msg(strstr(err.msg, "/userdir/link is a symlink a user could change"), "%s", err.msg);

	/* ... or in a group-writable one */
	sh("mkdir -p %s/gwdir && chmod 775 %s/gwdir", top);
	snprintf(p, sizeof(p), "%s/gwdir/link", top);
	ck_assert_int_eq(symlink(store_dir, p), 0);
	ck_assert_int_eq(nix_store_open(p, USER_ID, &st, &err), -1);
	ck_assert_msg(strstr(err.msg, "/gwdir/link is a symlink"), "%s", err.msg);

	/* a loop of root links ends */
	snprintf(p, sizeof(p), "%s/loop1", top);
	snprintf(q, sizeof(q), "%s/loop2", top);
	ck_assert_int_eq(symlink(q, p), 0);
	ck_assert_int_eq(symlink(p, q), 0);
	ck_assert_int_eq(nix_store_open(p, USER_ID, &st, &err), -1);
	ck_assert_msg(strstr(err.msg, "too many levels of symlinks"), "%s", err.msg);
	sh("rm -rf %s/rootlink %s/site %s/userdir", top);
	sh("rm -rf %s/gwdir %s/loop1 %s/loop2", top);
}
END_TEST

/* issue 11, item 10: a --nix-profile that is not there is refused. */
START_TEST(profiles_must_exist)
{
	struct nix_store st;
	struct nix_err err;
	char ok[512];

	ck_assert_msg(nix_store_open(store_dir, USER_ID, &st, &err) == 0, "%s", err.msg);
	snprintf(ok, sizeof(ok), "/nix/store/abc-hello,%s", top);
	ck_assert_msg(nix_store_check_profiles(&st, "/nix", ok, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(nix_store_check_profiles(&st, "/nix", "/nix/store/abc-hello,/nix/store/gone", &err), -1);
	ck_assert_str_eq(err.msg, "/nix/store/gone does not exist in the store");
	ck_assert_int_eq(nix_store_check_profiles(&st, "/nix", "/nonexistent-profile", &err), -1);
	ck_assert_str_eq(err.msg, "/nonexistent-profile does not exist");
	nix_store_close(&st);
}
END_TEST

/* `nix --store DIR` makes DIR/nix/store; nix-user-chroot DIR/store. */
START_TEST(chroot_store_layout_is_accepted)
{
	struct nix_store st;
	struct nix_err err;
	struct stat a, b;
	char p[256], want[256];

	sh("rm -rf %s/chroot && mkdir -p %s/chroot/nix/store/abc-x %s/chroot/nix/var/nix/db", top);
	sh("touch %s/chroot/nix/var/nix/db/db.sqlite && chown -R 65534:65534 %s/chroot", top);
	snprintf(p, sizeof(p), "%s/chroot", top);
	ck_assert_msg(nix_store_open(p, USER_ID, &st, &err) == 0, "%s", err.msg);
	snprintf(want, sizeof(want), "%s/chroot/nix", top);
	ck_assert_str_eq(st.real, want);
	ck_assert(st.has_db);
	snprintf(p, sizeof(p), "%s/chroot/nix/store", top);
	ck_assert_int_eq(stat(p, &a), 0);
	ck_assert_int_eq(fstat(st.store_fd, &b), 0);
	ck_assert(a.st_ino == b.st_ino);
	/* and again, as the helper does in its own namespace */
	ck_assert_msg(nix_store_reopen("unused", &st, &err) == 0, "%s", err.msg);
	nix_store_close(&st);

	/* DIR/nix must be the user's alone too */
	sh("chmod 775 %s/chroot/nix", top);
	snprintf(p, sizeof(p), "%s/chroot", top);
	ck_assert_int_eq(nix_store_open(p, USER_ID, &st, &err), -1);
	ck_assert_msg(strstr(err.msg, "nix/ is group- or world-writable"), "%s", err.msg);
	sh("rm -rf %s/chroot/nix/store", top);
	ck_assert_int_eq(nix_store_open(p, USER_ID, &st, &err), -1);
	ck_assert_msg(strstr(err.msg, "or DIR/nix/store as `nix --store DIR` makes"), "%s", err.msg);
	sh("rm -rf %s/chroot", top);
}
END_TEST

START_TEST(store_is_opened_with_the_users_rights)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		struct nix_store st;
		struct nix_err err;

		chmod(store_dir, 0311); /* the user may traverse, not list */
		if (setgroups(0, NULL) || setresgid(USER_ID, USER_ID, USER_ID) ||
		    setresuid(USER_ID, USER_ID, USER_ID))
			_exit(2);
		if (nix_store_open(store_dir, USER_ID, &st, &err) == 0)
			_exit(3);
		_exit(strstr(err.msg, "/nix is not readable by the job's user") ? 0 : 4);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

START_TEST(state_dirs_are_root_only_and_removed)
{
	struct nix_job_dir jd;
	struct nix_err err;
	struct stat st;
	char p[PATH_MAX + 16];

	ck_assert_int_eq(nix_state_lock_job(state_dir, "node1", 7, USER_ID, far_deadline(), &jd, &err), 0);
	ck_assert_int_eq(stat(jd.path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	ck_assert_int_eq(st.st_uid, 0);
	snprintf(p, sizeof(p), "%s/stale.mnt", jd.path);
	ck_assert_int_ge(creat(p, 0600), 0);
	nix_state_unlock_job(&jd);

	/* the same id for another user: what was there is emptied */
	ck_assert_int_eq(nix_state_lock_job(state_dir, "node1", 7, 4242, far_deadline(), &jd, &err), 0);
	ck_assert_int_eq(access(p, F_OK), -1);
	nix_state_unlock_job(&jd);

	ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", 7, &err), 0);
	snprintf(p, sizeof(p), "%s/node1/job.7", state_dir);
	ck_assert_int_eq(access(p, F_OK), -1);
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", 7, &err), 0);
	ck_assert_int_eq(nix_state_lock_job(state_dir, "../x", 7, USER_ID, far_deadline(), &jd, &err), -1);
}
END_TEST

static ino_t ns_ino(int fd)
{
	struct stat st;

	ck_assert_int_eq(fstat(fd, &st), 0);
	return st.st_ino;
}

/* In a child, as the user: join ns, then check what the view shows. */
static int join_and_look(const struct nix_ns *ns, bool writable)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		struct nix_err err;
		char cwd[256];
		int fd;

		if (chdir(top) || setgroups(0, NULL) ||
		    setresgid(USER_ID, USER_ID, USER_ID) || setresuid(USER_ID, USER_ID, USER_ID))
			_exit(10);
		if (nix_ns_join(ns, NULL, &err) < 0) {
			fprintf(stderr, "join: %s\n", err.msg);
			_exit(11);
		}
		if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, top))
			_exit(12); /* back where it was */
		if (access("/nix/store/abc-hello/greeting", R_OK))
			_exit(13);
		fd = open("/nix/store/new", O_CREAT | O_WRONLY, 0644);
		if (writable ? fd < 0 : (fd >= 0 || errno != EROFS))
			_exit(14);
		if (access("/proc/self/ns/mnt", F_OK) || access("/etc/passwd", R_OK))
			_exit(15); /* the rest of the host is still there */
		if (getuid() != USER_ID || getgid() != USER_ID)
			_exit(16); /* ids mapped to themselves */
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WEXITSTATUS(status);
}

START_TEST(view_is_built_pinned_reused_and_removed)
{
	struct nix_config cfg;
	struct nix_view ro = { 0 }, rw;
	struct nix_ns ns1, ns2, ns3, other;
	struct nix_err err;
	gid_t groups[] = { USER_ID };
	struct nix_ids ids = { .uid = USER_ID, .gid = USER_ID, .groups = groups, .ngroups = 1 };
	struct nix_job job = { .cfg = &cfg, .node = "node1", .jobid = 42, .ids = &ids,
			       .base_mntns_fd = -1, .deadline_ms = far_deadline() };
	char pin[PATH_MAX + 32];

	nix_config_defaults(&cfg);
	strcpy(cfg.state_dir, state_dir);
	strcpy(ro.origin, "--nix-store=test");
	strcpy(ro.store, store_dir);
	strcpy(ro.mountpoint, "/nix");
	rw = ro;
	rw.writable = true;

	ck_assert_msg(nix_job_acquire_view(&job, &ro, &ns1, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(join_and_look(&ns1, false), 0);

	/* a later step: the same namespaces */
	ck_assert_int_eq(nix_job_acquire_view(&job, &ro, &ns2, &err), 0);
	ck_assert_int_eq(ns_ino(ns1.mnt_fd), ns_ino(ns2.mnt_fd));
	ck_assert_int_eq(ns_ino(ns1.user_fd), ns_ino(ns2.user_fd));

	/* another view: its own mount namespace, the job's one user namespace */
	ck_assert_int_eq(nix_job_acquire_view(&job, &rw, &ns3, &err), 0);
	ck_assert_int_ne(ns_ino(ns1.mnt_fd), ns_ino(ns3.mnt_fd));
	ck_assert_int_eq(ns_ino(ns1.user_fd), ns_ino(ns3.user_fd));
	ck_assert_int_eq(join_and_look(&ns3, true), 0);

	/* nobody else may open the pin as theirs */
	struct nix_job_dir jd;
	char key[17];

	ck_assert_int_eq(nix_state_lock_job(state_dir, "node1", 42, USER_ID, far_deadline(), &jd, &err), 0);
	nix_view_key(&ro, key);
	nix_state_file(&jd, key, ".mnt", pin, sizeof(pin));
	nix_state_unlock_job(&jd);
	ck_assert_int_eq(nix_ns_open_pin(pin, 4242, &other, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "belongs to uid 65534"));

	nix_ns_close(&ns1);
	nix_ns_close(&ns2);
	nix_ns_close(&ns3);
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", 42, &err), 0);
	ck_assert_int_eq(access(pin, F_OK), -1);
}
END_TEST

START_TEST(user_errors_come_back_from_the_helper)
{
	struct nix_config cfg;
	struct nix_view v = { 0 };
	struct nix_ns ns;
	struct nix_err err;
	struct nix_ids ids = { .uid = USER_ID, .gid = USER_ID };
	struct nix_job job = { .cfg = &cfg, .node = "node1", .jobid = 43, .ids = &ids,
			       .base_mntns_fd = -1, .deadline_ms = far_deadline() };

	nix_config_defaults(&cfg);
	strcpy(cfg.state_dir, state_dir);
	strcpy(v.origin, "--nix-store=/x");
	snprintf(v.store, sizeof(v.store), "%s/nope", top);
	strcpy(v.mountpoint, "/nix");
	ck_assert_int_eq(nix_job_acquire_view(&job, &v, &ns, &err), -1);
	ck_assert_msg(strstr(err.msg, "--nix-store=/x: ") == err.msg, "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(err.msg, "does not exist"));
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", 43, &err), 0);
}
END_TEST


/* The site's defaults with our state dir, and a view of the test store. */
static void plain_view(struct nix_config *cfg, struct nix_view *v)
{
	nix_config_defaults(cfg);
	strcpy(cfg->state_dir, state_dir);
	strcpy(v->origin, "--nix-store=test");
	strcpy(v->store, store_dir);
	strcpy(v->mountpoint, "/nix");
}

START_TEST(lock_wait_is_bounded)
{
	struct nix_job_dir jd, held;
	struct nix_err err;
	int64_t t0;

	ck_assert_int_eq(nix_state_lock_job(state_dir, "node1", 8, USER_ID, far_deadline(), &held, &err), 0);
	pid_t pid = fork();

	if (pid == 0) {
		/* another process: the held lock is not ours */
		t0 = nix_clock_ms();
		if (nix_state_lock_job(state_dir, "node1", 8, USER_ID, t0 + 300, &jd, &err) == 0)
			_exit(2);
		if (!strstr(err.msg, "past the time limit"))
			_exit(3);
		_exit(nix_clock_ms() - t0 < 2000 ? 0 : 4);
	}
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	nix_state_unlock_job(&held);
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", 8, &err), 0);
}
END_TEST

/* A helper of ours is a child of `creator` (other than us) whose effective
 * uid is the user's; *ruid gets its real uid. */
static pid_t find_helper(pid_t creator, unsigned *ruid)
{
	char path[64], line[256];
	pid_t child, found = 0;
	FILE *list;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", creator, creator);
	list = fopen(path, "re");
	if (!list)
		return 0;
	while (!found && fscanf(list, "%d", &child) == 1) {
		unsigned r = 0, e = 0;
		FILE *f;

		if (child == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/status", child);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "Uid: %u %u", &r, &e) == 2 && e == USER_ID) {
				found = child;
				*ruid = r;
			}
		fclose(f);
	}
	fclose(list);
	return found;
}

/* The attack of issue 10: the job's user stops the helper (a fork of
 * root's process) and reads its memory, or signals it to hold root's task.
 * A watcher, as the user, tries both on every helper it sees while views are
 * built; it must see helpers and get nowhere with any of them. */
START_TEST(helper_is_beyond_the_users_reach)
{
	struct nix_config cfg;
	struct nix_view v = { 0 };
	struct nix_ns ns;
	struct nix_err err;
	struct nix_ids ids = { .uid = USER_ID, .gid = USER_ID };
	int pipefd[2];
	pid_t creator = getpid();

	plain_view(&cfg, &v);
	ck_assert_int_eq(pipe(pipefd), 0);
	pid_t watcher = fork();

	if (watcher == 0) {
		int seen = 0, reached = 0, root_real = 1;

		close(pipefd[0]);
		if (setgroups(0, NULL) || setresgid(USER_ID, USER_ID, USER_ID) ||
		    setresuid(USER_ID, USER_ID, USER_ID))
			_exit(2);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (int64_t end = nix_clock_ms() + 20000; nix_clock_ms() < end && seen < 20;) {
			unsigned ruid = 0;
			pid_t h = find_helper(creator, &ruid);
			char mem[64];

			if (!h)
				continue;
			seen++;
			root_real &= ruid == 0;
			snprintf(mem, sizeof(mem), "/proc/%d/mem", h);
			int fd = open(mem, O_RDONLY);

			if (fd >= 0)
				reached++;
			if (fd >= 0)
				close(fd);
			/* and no ptrace, which would let it write too */
			if (ptrace(PTRACE_SEIZE, h, NULL, NULL) == 0) {
				reached++;
				ptrace(PTRACE_DETACH, h, NULL, NULL);
			}
		}
		char report[64];
		int n = snprintf(report, sizeof(report), "%d %d %d", seen, reached, root_real);

		_exit(write(pipefd[1], report, n) == n ? 0 : 3);
	}
	close(pipefd[1]);
	for (uint32_t job = 100; job < 400; job++) {
		struct nix_job j = { .cfg = &cfg, .node = "node1", .jobid = job, .ids = &ids,
				     .base_mntns_fd = -1, .deadline_ms = far_deadline() };
		int status;

		ck_assert_msg(nix_job_acquire_view(&j, &v, &ns, &err) == 0, "%s", err.msg);
		nix_ns_close(&ns);
		ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", job, &err), 0);
		if (waitpid(watcher, &status, WNOHANG) == watcher)
			break;
	}
	kill(watcher, SIGKILL);
	waitpid(watcher, NULL, 0);
	char report[64] = "";
	int seen = 0, reached = -1, root_real = 0;

	ck_assert_int_gt(read(pipefd[0], report, sizeof(report) - 1), 0);
	close(pipefd[0]);
	ck_assert_int_eq(sscanf(report, "%d %d %d", &seen, &reached, &root_real), 3);
	ck_assert_msg(seen > 0, "the watcher never saw a helper");
	ck_assert_msg(reached == 0, "the user reached %d of %d helpers", reached, seen);
	ck_assert_msg(root_real, "a helper's real uid was the user's");
}
END_TEST

/* Stopped, not a zombie that took the signal after its end. */
static bool is_stopped(pid_t pid)
{
	char path[64], state = '?';
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (int i = 0; i < 100 && state != 'T'; i++) {
		f = fopen(path, "re");
		if (!f || fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
			state = '?';
		if (f)
			fclose(f);
		if (state == 'Z' || state == '?')
			return false;
		if (state != 'T')
			nix_sleep_ms(1);
	}
	return state == 'T';
}

/* A helper stuck for good (here: stopped by root, as a hung file system
 * would hold it) costs the task its time budget, not more. */
START_TEST(stuck_helper_costs_the_budget_only)
{
	struct nix_config cfg;
	struct nix_view v = { 0 };
	struct nix_ns ns;
	struct nix_err err;
	struct nix_ids ids = { .uid = USER_ID, .gid = USER_ID };
	pid_t creator = getpid();

	plain_view(&cfg, &v);
	pid_t stopper = fork();

	if (stopper == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;) {
			unsigned ruid;
			pid_t h = find_helper(creator, &ruid);

			if (h && kill(h, SIGSTOP) == 0 && is_stopped(h))
				_exit(0);
		}
	}
	bool stopped = false;
	int held = 0;

	for (uint32_t job = 500; job < 800 && !stopped; job++) {
		struct nix_job j = { .cfg = &cfg, .node = "node1", .jobid = job, .ids = &ids,
				     .base_mntns_fd = -1 };
		int64_t t0 = nix_clock_ms();

		j.deadline_ms = t0 + 1500;
		int rc = nix_job_acquire_view(&j, &v, &ns, &err);
		int64_t took = nix_clock_ms() - t0;

		stopped = waitpid(stopper, NULL, WNOHANG) == stopper;
		/* Stopped before the view was ready, the build fails at the
		 * deadline; after it, the pin is made and the helper killed. */
		if (rc < 0)
			ck_assert_msg(strstr(err.msg, "time limit"), "%s", err.msg);
		else
			nix_ns_close(&ns);
		if (stopped) {
			ck_assert_msg(took >= 1400 && took < 1500 + 2500, "took %lld ms", (long long)took);
			held = 1;
		} else {
			ck_assert_int_eq(rc, 0);
		}
		ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", job, &err), 0);
	}
	kill(stopper, SIGKILL);
	waitpid(stopper, NULL, 0);
	ck_assert_msg(held, "the stopper never caught a helper");
}
END_TEST

/* setgroups is denied in the job's user namespace: a task can't drop a
 * supplementary group to read what that group is denied. */
static int try_to_drop_groups(const struct nix_ns *ns)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		gid_t groups[] = { USER_GROUP };
		struct nix_err err;

		if (setgroups(1, groups) || setresgid(USER_ID, USER_ID, USER_ID) ||
		    setresuid(USER_ID, USER_ID, USER_ID))
			_exit(10);
		if (nix_ns_join(ns, NULL, &err) < 0)
			_exit(11);
		if (getgroups(1, groups) != 1 || groups[0] != USER_GROUP)
			_exit(12); /* the task keeps its group */
		if (setgroups(0, NULL) == 0)
			_exit(13);
		_exit(errno == EPERM ? 0 : 14);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WEXITSTATUS(status);
}

START_TEST(groups_cannot_be_dropped_in_the_job_namespace)
{
	struct nix_config cfg;
	struct nix_view v = { 0 };
	struct nix_ns ns;
	struct nix_err err;
	gid_t groups[] = { USER_GROUP };
	struct nix_ids ids = { .uid = USER_ID, .gid = USER_ID, .groups = groups, .ngroups = 1 };
	struct nix_job job = { .cfg = &cfg, .node = "node1", .jobid = 44, .ids = &ids,
			       .base_mntns_fd = -1, .deadline_ms = far_deadline() };

	plain_view(&cfg, &v);
	ck_assert_msg(nix_job_acquire_view(&job, &v, &ns, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(try_to_drop_groups(&ns), 0);
	nix_ns_close(&ns);
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", 44, &err), 0);
}
END_TEST

#ifndef NS_GET_MNTNS_ID
#define NS_GET_MNTNS_ID _IOR(0xb7, 0x5, uint64_t)
#endif

static void run_on_cpu(int cpu)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	ck_assert_int_eq(sched_setaffinity(0, sizeof(one), &one), 0);
}

/* The id a mount namespace made now on this CPU gets. */
static uint64_t probe_mntns_id(int cpu)
{
	uint64_t id = 0;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	if (fork() == 0) {
		int fd;

		run_on_cpu(cpu);
		if (unshare(CLONE_NEWNS) < 0)
			_exit(1);
		fd = open("/proc/self/ns/mnt", O_RDONLY);
		if (fd < 0 || ioctl(fd, NS_GET_MNTNS_ID, &id) < 0)
			id = 0;
		_exit(write(p[1], &id, sizeof(id)) == sizeof(id) ? 0 : 1);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &id, sizeof(id)), sizeof(id));
	close(p[0]);
	wait(NULL);
	return id;
}

/* Linux 6.x hands out mount namespace ids in per-CPU batches and refuses to
 * pin a namespace from one with a higher id. Here the node's namespace is
 * made on the CPU with the newer batch and the task runs on the other one,
 * whose namespaces get lower ids: every view must still be pinned. */
START_TEST(views_pin_whatever_cpu_made_the_node_namespace)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	ck_assert_msg(ncpu >= 2, "this test needs 2 CPUs to place namespaces on");
	uint64_t id0 = probe_mntns_id(0), id1 = probe_mntns_id(1);

	ck_assert_msg(id0 && id1, "the kernel gives no mount namespace ids");
	int newer = id0 > id1 ? 0 : 1;
	pid_t pid = fork();

	if (pid == 0) {
		struct nix_config cfg;
		struct nix_view v = { 0 };
		struct nix_ns ns;
		struct nix_err err;
		struct nix_ids ids = { .uid = USER_ID, .gid = USER_ID };

		run_on_cpu(newer);
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(2);
		run_on_cpu(!newer);
		plain_view(&cfg, &v);
		for (uint32_t job = 900; job < 910; job++) {
			struct nix_job j = { .cfg = &cfg, .node = "node1", .jobid = job, .ids = &ids,
					     .base_mntns_fd = -1, .deadline_ms = far_deadline() };

			if (nix_job_acquire_view(&j, &v, &ns, &err) < 0) {
				fprintf(stderr, "job %u: %s\n", job, err.msg);
				_exit(3);
			}
			nix_ns_close(&ns);
			nix_state_remove_job(state_dir, "node1", job, &err);
		}
		_exit(0);
	}
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("namespace");
	TCase *tc = tcase_create("kernel");

	tcase_add_unchecked_fixture(tc, make_top, remove_top);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, store_checks_explain_themselves);
	tcase_add_test(tc, roots_symlinks_are_followed);
	tcase_add_test(tc, chroot_store_layout_is_accepted);
	tcase_add_test(tc, profiles_must_exist);
	tcase_add_test(tc, store_is_opened_with_the_users_rights);
	tcase_add_test(tc, state_dirs_are_root_only_and_removed);
	tcase_add_test(tc, view_is_built_pinned_reused_and_removed);
	tcase_add_test(tc, user_errors_come_back_from_the_helper);
	tcase_add_test(tc, lock_wait_is_bounded);
	tcase_add_test(tc, helper_is_beyond_the_users_reach);
	tcase_add_test(tc, stuck_helper_costs_the_budget_only);
	tcase_add_test(tc, groups_cannot_be_dropped_in_the_job_namespace);
	tcase_add_test(tc, views_pin_whatever_cpu_made_the_node_namespace);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
