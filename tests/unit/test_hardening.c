/* What a hostile user could do with the values lib/ quotes, keys and
 * reads (issue 10, items 2, 4, 7, 8, 9, 10, 11): control characters in
 * messages, views that used to share a description, the size and count of
 * what goes into state_dir, owner-less and ended jobs' directories, stores
 * other users may write to, and a slurm.conf that is not a regular file. Needs root, as
 * slurmstepd has: it fails (never skips) without. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "nix_clock.h"
#include "nix_config.h"
#include "nix_error.h"
#include "nix_job.h"
#include "nix_request.h"
#include "nix_state.h"
#include "nix_state_list.h"
#include "nix_state_pins.h"
#include "nix_state_sweep.h"
#include "nix_store.h"
#include "slurm_paths.h"

#define USER_ID 65534 /* nobody */

static char top[64];
static char state_dir[128];

static void sh(const char *fmt, const char *arg)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg, arg);
	ck_assert_msg(system(cmd) == 0, "%s", cmd);
}

static void make_top(void)
{
	ck_assert_msg(geteuid() == 0, "test_hardening must run as root");
	strcpy(top, "/tmp/spank-nix-hard-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(top));
	chmod(top, 0755);
	snprintf(state_dir, sizeof(state_dir), "%s/state", top);
}

static void remove_top(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "findmnt -rno TARGET | grep '^%s' | sort -r | xargs -r umount -l; rm -rf %s",
		 top, top);
	ck_assert_int_eq(system(cmd), 0);
}

/* ---- item 7: control characters in messages --------------------------- */

START_TEST(escape_writes_control_characters_as_text)
{
	char out[64];

	ck_assert_int_eq(nix_escape("a\nb\x1b[31mc\x7f\x01\t\r", out, sizeof(out)), 23);
	ck_assert_str_eq(out, "a\\nb\\e[31mc\\x7f\\x01\\t\\r");
	/* UTF-8 and ordinary punctuation stay as they are */
	nix_escape("/home/\xc3\xa9t\xc3\xa9/nix \\ %", out, sizeof(out));
	ck_assert_str_eq(out, "/home/\xc3\xa9t\xc3\xa9/nix \\ %");
	/* cut short, never inside an escape */
	ck_assert_int_eq(nix_escape("ab\ncd", out, 4), 2);
	ck_assert_str_eq(out, "ab");
	ck_assert(nix_has_control("x\ny"));
	ck_assert(!nix_has_control("x y"));
}
END_TEST

START_TEST(messages_quoting_user_values_stay_one_line)
{
	struct nix_err err, outer;
	const char *forged = "/home/u/nix\n[2026-01-01T00:00:00.000] error: FAKE";

	nix_err_set(&err, "--nix-store=%s: %s does not exist", forged, forged);
	ck_assert_ptr_null(strchr(err.msg, '\n'));
	ck_assert_ptr_nonnull(strstr(err.msg, "/home/u/nix\\n[2026-01-01T00:00:00.000] error: FAKE"));
	nix_err_errno(&err, ENOENT, "cannot open %s\x1b]0;title\x07", forged);
	ck_assert(!nix_has_control(err.msg));
	ck_assert_ptr_nonnull(strstr(err.msg, "\\e]0;title\\x07: No such file or directory"));
	/* a message quoting a message is not escaped twice */
	nix_err_set(&outer, "--nix-store=x: %s", err.msg);
	ck_assert_str_eq(outer.msg + strlen("--nix-store=x: "), err.msg);
}
END_TEST

/* ---- item 8: view descriptions ---------------------------------------- */

static struct nix_view view_of(const char *store, const char *closure, const char *hide)
{
	struct nix_view v;

	memset(&v, 0, sizeof(v));
	strcpy(v.origin, "--nix-store=test");
	snprintf(v.store, sizeof(v.store), "%s", store);
	strcpy(v.mountpoint, "/nix");
	snprintf(v.closure, sizeof(v.closure), "%s", closure);
	snprintf(v.hide, sizeof(v.hide), "%s", hide);
	return v;
}

static void assert_views_differ(const struct nix_view *a, const struct nix_view *b)
{
	static char da[NIX_VIEW_DESC_MAX], db[NIX_VIEW_DESC_MAX];
	char ka[17], kb[17];
	int la = nix_view_describe(a, da, sizeof(da));
	int lb = nix_view_describe(b, db, sizeof(db));

	ck_assert_int_gt(la, 0);
	ck_assert_int_gt(lb, 0);
	ck_assert_msg(la != lb || memcmp(da, db, la), "same description: %s", da);
	nix_view_key(a, ka);
	nix_view_key(b, kb);
	ck_assert_str_ne(ka, kb);
}

START_TEST(views_that_used_to_collide_differ)
{
	/* "store=%s mountpoint=%s writable=%d closure=%s hide=%s" made one
	 * line of each pair: the step got the other view (and lost a hide). */
	struct nix_view a = view_of("/a", "", "/b mountpoint=/nix writable=0 closure= hide=/c");
	struct nix_view b = view_of("/a mountpoint=/nix writable=0 closure= hide=/b", "", "/c");
	struct nix_view c = view_of("/s", "/nix/store/x hide=/opt", "");
	struct nix_view d = view_of("/s", "/nix/store/x", "/opt hide=");

	assert_views_differ(&a, &b);
	assert_views_differ(&c, &d);
}
END_TEST

START_TEST(equal_views_equal_descriptions)
{
	struct nix_view a = view_of("/h/ni\nx", "", "/op\nt");
	struct nix_view b = a;
	char da[NIX_VIEW_DESC_MAX], db[NIX_VIEW_DESC_MAX], ka[17], kb[17];
	int la, lb;

	strcpy(b.origin, "--nix-store=other spelling"); /* not part of the view */
	la = nix_view_describe(&a, da, sizeof(da));
	lb = nix_view_describe(&b, db, sizeof(db));
	ck_assert_int_eq(la, lb);
	ck_assert_int_eq(memcmp(da, db, la), 0);
	nix_view_key(&a, ka);
	nix_view_key(&b, kb);
	ck_assert_str_eq(ka, kb);
	/* too small a buffer: no cut description that could equal another */
	ck_assert_int_eq(nix_view_describe(&a, da, 20), -1);
}
END_TEST

/* ---- item 4: views per job, size of state files ------------------------ */

START_TEST(max_views_is_a_site_setting)
{
	struct nix_config cfg;
	struct nix_err err;
	char *ok[] = { "max_views=4" }, *zero[] = { "max_views=0" }, *junk[] = { "max_views=4x" };
	char *timeout[] = { "create_timeout=0" };

	nix_config_defaults(&cfg);
	ck_assert_int_eq(cfg.max_views, 16);
	ck_assert_int_eq(nix_config_parse(&cfg, 1, ok, &err), 0);
	ck_assert_int_eq(cfg.max_views, 4);
	ck_assert_int_eq(nix_config_parse(&cfg, 1, zero, &err), -1);
	ck_assert_str_eq(err.msg, "max_views=0: expected a count, 1 to 1024");
	ck_assert_int_eq(nix_config_parse(&cfg, 1, junk, &err), -1);
	ck_assert_int_eq(nix_config_parse(&cfg, 1, timeout, &err), -1);
	ck_assert_str_eq(err.msg, "create_timeout=0: expected seconds, 1 to 3600");
}
END_TEST

START_TEST(views_per_job_are_capped)
{
	struct nix_job_dir jd;
	struct nix_err err;
	char p[PATH_MAX + 32];

	ck_assert_int_eq(nix_state_lock_job(state_dir, "node1", 11, USER_ID, nix_clock_ms() + 30000, &jd, &err), 0);
	ck_assert_int_eq(nix_state_room_for_view(&jd, 2, &err), 0);
	for (int i = 0; i < 2; i++) {
		char key[8];

		snprintf(key, sizeof(key), "k%d", i);
		nix_state_file(&jd, key, ".mnt", p, sizeof(p));
		ck_assert_int_ge(creat(p, 0600), 0);
	}
	ck_assert_int_eq(nix_state_room_for_view(&jd, 3, &err), 0);
	ck_assert_int_eq(nix_state_room_for_view(&jd, 2, &err), -1);
	ck_assert_msg(strstr(err.msg, "this job already has 2 views") &&
		      strstr(err.msg, "(max_views=2)"), "%s", err.msg);
	nix_state_unlock_job(&jd);
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", 11, &err), 0);
}
END_TEST

/* issue 11, item 12: what spank-nix-admin lists, read back from state_dir */
static struct nix_state_job listed[4];
static int nlisted;

static void collect(const struct nix_state_job *job, void *arg)
{
	(void)arg;
	if (nlisted < 4)
		listed[nlisted++] = *job;
}

START_TEST(state_is_listed_for_the_admin)
{
	struct nix_job_dir jd;
	struct nix_view v = { .store = "/h/ann/nix", .mountpoint = "/nix",
			      .closure = "/nix/store/x", .hide = "/opt,/srv" };
	char desc[NIX_VIEW_DESC_MAX], p[PATH_MAX + 32];
	struct nix_err err;
	int len = nix_view_describe(&v, desc, sizeof(desc));

	ck_assert_int_eq(nix_state_lock_job(state_dir, "node3", 31, USER_ID, nix_clock_ms() + 30000, &jd, &err), 0);
	nix_state_file(&jd, "0123456789abcdef", ".view", p, sizeof(p));
	ck_assert_int_eq(nix_state_write_view(p, desc, (size_t)len, &err), 0);
	nix_state_file(&jd, "0123456789abcdef", ".mnt", p, sizeof(p));
	ck_assert_int_ge(creat(p, 0600), 0);
	nix_state_unlock_job(&jd);

	nlisted = 0;
	ck_assert_int_eq(nix_state_list(state_dir, collect, NULL, &err), 0);
	ck_assert_int_eq(nlisted, 1);
	ck_assert_str_eq(listed[0].node, "node3");
	ck_assert_uint_eq(listed[0].jobid, 31);
	ck_assert(listed[0].has_owner && listed[0].this_boot);
	ck_assert_uint_eq(listed[0].uid, USER_ID);
	ck_assert_int_eq(listed[0].in_use, 0); /* no pin, nobody in it */
	ck_assert_int_eq(listed[0].nviews, 1);
	ck_assert_str_eq(listed[0].views[0].key, "0123456789abcdef");
	ck_assert(!listed[0].views[0].pinned); /* a plain file, no namespace */
	ck_assert(listed[0].views[0].closure);
	ck_assert_str_eq(listed[0].views[0].store, "/h/ann/nix");
	ck_assert_str_eq(listed[0].views[0].hide, "/opt,/srv");
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node3", 31, &err), 0);
	nlisted = 0;
	ck_assert_int_eq(nix_state_list(state_dir, collect, NULL, &err), 0);
	ck_assert_int_eq(nlisted, 0);
}
END_TEST

START_TEST(view_files_are_bounded_and_compared_in_full)
{
	static char big[NIX_STATE_VIEW_MAX + 2];
	const char *desc = "store=7:/h/ni\nx mountpoint=4:/nix ";
	size_t len = strlen(desc);
	struct nix_err err;
	char p[256], link[256];

	snprintf(p, sizeof(p), "%s/a.view", top);
	ck_assert_int_eq(nix_state_write_view(p, desc, len, &err), 0);
	ck_assert(nix_state_view_matches(p, desc, len));
	ck_assert(!nix_state_view_matches(p, desc, len - 1)); /* a prefix */
	ck_assert(!nix_state_view_matches(p, "store=7:/h/ni\n", 14)); /* what fgets saw */
	snprintf(link, sizeof(link), "%s/b.view", top);
	ck_assert_int_eq(symlink(p, link), 0);
	ck_assert(!nix_state_view_matches(link, desc, len)); /* never followed */

	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(nix_state_write_view(p, big, sizeof(big), &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "longer than"));
}
END_TEST

/* ---- item 8 on the kernel: a newline in a path, one namespace ---------- */

static ino_t ns_ino(int fd)
{
	struct stat st;

	ck_assert_int_eq(fstat(fd, &st), 0);
	return st.st_ino;
}

START_TEST(a_view_with_newlines_is_reused)
{
	struct nix_config cfg;
	struct nix_view v;
	struct nix_ns ns1, ns2;
	struct nix_err err;
	gid_t groups[] = { USER_ID };
	struct nix_ids ids = { .uid = USER_ID, .gid = USER_ID, .groups = groups, .ngroups = 1 };
	struct nix_job job = { .cfg = &cfg, .node = "node1", .jobid = 12, .ids = &ids,
			       .base_mntns_fd = -1, .deadline_ms = nix_clock_ms() + 30000 };
	char store[256], hide[256];

	snprintf(store, sizeof(store), "%s/ni\nx", top);
	snprintf(hide, sizeof(hide), "%s/hid\nden", top);
	sh("mkdir -p '%s/store/abc-hello' '%s' && chown -R 65534:65534 '%s' && chmod 755 '%s'", store);
	sh("mkdir -p '%s'", hide);
	nix_config_defaults(&cfg);
	strcpy(cfg.state_dir, state_dir);
	v = view_of(store, "", hide);

	ck_assert_msg(nix_job_acquire_view(&job, &v, &ns1, &err) == 0, "%s", err.msg);
	ck_assert_msg(nix_job_acquire_view(&job, &v, &ns2, &err) == 0, "%s", err.msg);
	/* the second task joins the first one's namespaces: one per job */
	ck_assert_int_eq(ns_ino(ns1.mnt_fd), ns_ino(ns2.mnt_fd));
	ck_assert_int_eq(ns_ino(ns1.user_fd), ns_ino(ns2.user_fd));
	nix_ns_close(&ns1);
	nix_ns_close(&ns2);
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node1", 12, &err), 0);
}
END_TEST

/* ---- item 9: the sweep ------------------------------------------------ */

START_TEST(sweep_removes_job_dirs_without_owner)
{
	struct nix_job_dir live;
	struct nix_err err;
	char p[PATH_MAX + 32];
	int held;

	/* job 21: a creator killed between mkdir and its owner record */
	snprintf(p, sizeof(p), "%s/node2/job.21", state_dir);
	sh("mkdir -p '%s' && touch '%s/lock' '%s/k.mnt'", p);
	/* job 22: an owner record, but no view and no process: ended */
	ck_assert_int_eq(nix_state_lock_job(state_dir, "node2", 22, USER_ID, nix_clock_ms() + 30000, &live, &err), 0);
	nix_state_unlock_job(&live);
	/* job 23: no owner record yet, but a creator holds its lock */
	snprintf(p, sizeof(p), "%s/node2/job.23", state_dir);
	sh("mkdir -p '%s' && touch '%s/lock'", p);
	strcat(p, "/lock");
	held = open(p, O_RDONLY);
	ck_assert_int_eq(flock(held, LOCK_EX), 0);

	ck_assert_int_eq(nix_state_sweep_node(state_dir, "node2", &err), 2);
	snprintf(p, sizeof(p), "%s/node2/job.21", state_dir);
	ck_assert_int_eq(access(p, F_OK), -1);
	snprintf(p, sizeof(p), "%s/node2/job.22", state_dir);
	ck_assert_int_eq(access(p, F_OK), -1);
	snprintf(p, sizeof(p), "%s/node2/job.23", state_dir);
	ck_assert_int_eq(access(p, F_OK), 0);
	close(held);
	sh("rm -rf '%s/node2'", state_dir);
}
END_TEST

/* item 11: a job that ended while slurmd was down (no epilog) */
START_TEST(sweep_keeps_jobs_in_use_and_removes_ended_ones)
{
	struct nix_config cfg;
	struct nix_view v;
	struct nix_ns ns;
	struct nix_err err;
	gid_t groups[] = { USER_ID };
	struct nix_ids ids = { .uid = USER_ID, .gid = USER_ID, .groups = groups, .ngroups = 1 };
	struct nix_job job = { .cfg = &cfg, .node = "node4", .jobid = 41, .ids = &ids,
			       .base_mntns_fd = -1, .deadline_ms = nix_clock_ms() + 30000 };
	char store[256], dir[256], cmd[512];
	int go[2], ready[2], status;
	char c;
	pid_t task;

	snprintf(store, sizeof(store), "%s/s11", top);
	sh("mkdir -p '%s/store' && chown -R 65534:65534 '%s' && chmod 755 '%s'", store);
	nix_config_defaults(&cfg);
	strcpy(cfg.state_dir, state_dir);
	v = view_of(store, "", "");
	snprintf(dir, sizeof(dir), "%s/node4/job.41", state_dir);

	/* built, its fds held (a task about to join): alive */
	ck_assert_msg(nix_job_acquire_view(&job, &v, &ns, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(nix_state_sweep_node(state_dir, "node4", &err), 0);
	ck_assert_int_eq(access(dir, F_OK), 0);

	/* a task inside the namespaces: alive */
	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(ready), 0);
	task = fork();
	if (task == 0) {
		close(go[1]);
		close(ready[0]);
		if (setgroups(0, NULL) || setresgid(USER_ID, USER_ID, USER_ID) ||
		    setresuid(USER_ID, USER_ID, USER_ID) || nix_ns_join(&ns, NULL, &err) < 0)
			_exit(1);
		nix_ns_close(&ns);
		close(ready[1]); /* joined, holding no fd of the namespaces */
		_exit(read(go[0], &c, 1) == 0 ? 0 : 2);
	}
	close(go[0]);
	close(ready[1]);
	nix_ns_close(&ns);
	ck_assert_int_eq(read(ready[0], &c, 1), 0); /* the task joined */
	close(ready[0]);
	ck_assert_int_eq(nix_state_sweep_node(state_dir, "node4", &err), 0);
	ck_assert_int_eq(access(dir, F_OK), 0);

	/* the job ended and no epilog ran: swept, the pin unmounted */
	close(go[1]);
	ck_assert_int_eq(waitpid(task, &status, 0), task);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_int_eq(nix_state_sweep_node(state_dir, "node4", &err), 1);
	ck_assert_int_eq(access(dir, F_OK), -1);
	snprintf(cmd, sizeof(cmd), "findmnt -rno TARGET | grep -q '^%s/node4/'", state_dir);
	ck_assert_int_ne(system(cmd), 0);
}
END_TEST

START_TEST(a_lock_swept_away_is_taken_again)
{
	struct nix_job_dir jd;
	struct nix_err err;
	char p[PATH_MAX + 32];
	struct stat st;

	/* the sweep removed the directory a creator had created: the next
	 * lock makes it again, with an owner record */
	ck_assert_int_eq(nix_state_lock_job(state_dir, "node3", 31, USER_ID, nix_clock_ms() + 30000, &jd, &err), 0);
	nix_state_unlock_job(&jd);
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node3", 31, &err), 0);
	ck_assert_int_eq(nix_state_lock_job(state_dir, "node3", 31, USER_ID, nix_clock_ms() + 30000, &jd, &err), 0);
	snprintf(p, sizeof(p), "%s/lock", jd.path);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_gt(st.st_nlink, 0);
	snprintf(p, sizeof(p), "%s/owner", jd.path);
	ck_assert_int_eq(access(p, F_OK), 0);
	nix_state_unlock_job(&jd);
	ck_assert_int_eq(nix_state_remove_job(state_dir, "node3", 31, &err), 0);
}
END_TEST

/* ---- item 10: store/ and var/nix/db ----------------------------------- */

static int open_store(const char *dir, struct nix_err *err)
{
	struct nix_store st;
	int rc = nix_store_open(dir, USER_ID, &st, err);

	if (rc == 0)
		nix_store_close(&st);
	return rc;
}

START_TEST(store_and_db_are_the_users_alone)
{
	struct nix_err err;
	char dir[256];

	snprintf(dir, sizeof(dir), "%s/s10", top);
	sh("rm -rf %s && mkdir -p %s/store %s/var/nix/db && chown -R 65534:65534 %s", dir);
	sh("chmod -R 755 %s", dir);
	ck_assert_msg(open_store(dir, &err) == 0, "%s", err.msg);

	sh("chmod 775 %s/store", dir);
	ck_assert_int_eq(open_store(dir, &err), -1);
	ck_assert_str_eq(err.msg, "store/ is group- or world-writable (chmod go-w)");
	sh("chmod 757 %s/store", dir);
	ck_assert_int_eq(open_store(dir, &err), -1);
	sh("chmod 755 %s/store", dir);

	sh("chmod 777 %s/var/nix/db", dir);
	ck_assert_int_eq(open_store(dir, &err), -1);
	ck_assert_str_eq(err.msg, "var/nix/db/ is group- or world-writable (chmod go-w)");
	sh("chmod 755 %s/var/nix/db && chown 4242 %s/var/nix/db", dir);
	ck_assert_int_eq(open_store(dir, &err), -1);
	ck_assert_str_eq(err.msg, "var/nix/db/ is owned by uid 4242, not by the job's user nobody (uid 65534)");

	/* redirected elsewhere: refused, never followed */
	sh("rm -rf %s/var/nix/db && mkdir %s/elsewhere && ln -s ../../elsewhere %s/var/nix/db", dir);
	ck_assert_int_eq(open_store(dir, &err), -1);
	ck_assert_str_eq(err.msg, "var/nix/db/ is a symlink");

	/* no database at all is fine */
	sh("rm -rf %s/var", dir);
	ck_assert_msg(open_store(dir, &err) == 0, "%s", err.msg);
}
END_TEST

/* ---- item 2: slurm.conf ----------------------------------------------- */

START_TEST(slurm_conf_must_be_a_small_regular_file)
{
	struct slurm_paths sp;
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/fifo.conf", top);
	ck_assert_int_eq(mkfifo(p, 0600), 0);
	slurm_paths_read(p, "n1", "h1", &sp); /* no writer: must not block */
	for (int i = 0; i < sp.n; i++)
		ck_assert_str_ne(sp.path[i], "/opt");

	snprintf(p, sizeof(p), "%s/big.conf", top);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs("SlurmdSpoolDir=/opt\n", f);
	for (int i = 0; i < SLURM_CONF_MAX / 64 + 1; i++)
		fprintf(f, "# %061d\n", i);
	fclose(f);
	slurm_paths_read(p, "n1", "h1", &sp);
	for (int i = 0; i < sp.n; i++)
		ck_assert_str_ne(sp.path[i], "/opt");

	snprintf(p, sizeof(p), "%s/small.conf", top);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs("SlurmdSpoolDir=/opt/spool\n", f);
	fclose(f);
	slurm_paths_read(p, "n1", "h1", &sp);
	ck_assert_str_eq(sp.path[1], "/opt/spool");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hardening");
	TCase *tc = tcase_create("hostile input");

	tcase_add_unchecked_fixture(tc, make_top, remove_top);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, escape_writes_control_characters_as_text);
	tcase_add_test(tc, messages_quoting_user_values_stay_one_line);
	tcase_add_test(tc, views_that_used_to_collide_differ);
	tcase_add_test(tc, equal_views_equal_descriptions);
	tcase_add_test(tc, max_views_is_a_site_setting);
	tcase_add_test(tc, views_per_job_are_capped);
	tcase_add_test(tc, view_files_are_bounded_and_compared_in_full);
	tcase_add_test(tc, a_view_with_newlines_is_reused);
	tcase_add_test(tc, sweep_removes_job_dirs_without_owner);
	tcase_add_test(tc, sweep_keeps_jobs_in_use_and_removes_ended_ones);
	tcase_add_test(tc, a_lock_swept_away_is_taken_again);
	tcase_add_test(tc, store_and_db_are_the_users_alone);
	tcase_add_test(tc, slurm_conf_must_be_a_small_regular_file);
	tcase_add_test(tc, state_is_listed_for_the_admin);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
