/* nix_db_lock: one writer per store (issue 9, bug 8). Two open file
 * descriptions in one process conflict under flock like two processes do,
 * so "tasks" of several "jobs" can be played here. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "nix_db_lock.h"

static char dir[64];

static void make_store(void)
{
	strcpy(dir, "/tmp/nix-db-lock-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_store(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void read_file(const char *name, char *out, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/var/nix/db/%s", dir, name);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	out[fread(out, 1, len - 1, f)] = '\0';
	fclose(f);
}

START_TEST(one_job_at_a_time)
{
	struct nix_err err;
	char owner[64];
	int t1, t2, other;

	make_store();
	/* a fresh store: var/nix/db is made; the task keeps the fd over exec */
	t1 = nix_db_lock_writable(dir, "job 1 on n1", &err);
	ck_assert_msg(t1 >= 0, "%s", err.msg);
	ck_assert_int_eq(fcntl(t1, F_GETFD) & FD_CLOEXEC, 0);
	read_file("spank-nix.lock", owner, sizeof(owner));
	ck_assert_str_eq(owner, "job 1 on n1\n");
	/* another task or step of the same job on the same node joins */
	t2 = nix_db_lock_writable(dir, "job 1 on n1", &err);
	ck_assert_msg(t2 >= 0, "%s", err.msg);
	/* another job, or the same job on another node, is refused */
	ck_assert_int_eq(nix_db_lock_writable(dir, "job 2 on n2", &err), -1);
	ck_assert_str_eq(err.msg, "the store is in use by job 1 on n1 (or by a nix process): "
				  "one writer at a time");
	ck_assert_int_eq(nix_db_lock_writable(dir, "job 1 on n2", &err), -1);
	/* Nix inside the job takes big-lock shared, as it does */
	char big[128];

	snprintf(big, sizeof(big), "%s/var/nix/db/big-lock", dir);
	other = open(big, O_RDWR);
	ck_assert_int_ge(other, 0);
	ck_assert_int_eq(flock(other, LOCK_SH | LOCK_NB), 0);
	close(other);
	/* once the job's tasks are gone, the next job may write */
	close(t1);
	ck_assert_int_eq(nix_db_lock_writable(dir, "job 2 on n2", &err), -1);
	close(t2);
	t1 = nix_db_lock_writable(dir, "job 2 on n2", &err);
	ck_assert_msg(t1 >= 0, "%s", err.msg);
	read_file("spank-nix.lock", owner, sizeof(owner));
	ck_assert_str_eq(owner, "job 2 on n2\n");
	close(t1);
	remove_store();
}
END_TEST

START_TEST(a_nix_process_or_a_symlink_refuses)
{
	struct nix_err err;
	char path[256];
	int nix, fd;

	make_store();
	/* a nix process elsewhere holds the store (shared, as Nix does) */
	fd = nix_db_lock_writable(dir, "job 1 on n1", &err);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/var/nix/db/big-lock", dir);
	nix = open(path, O_RDWR);
	ck_assert_int_eq(flock(nix, LOCK_SH), 0);
	ck_assert_int_eq(nix_db_lock_writable(dir, "job 2 on n2", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "in use by job 1 on n1"));
	/* a nix migrating the database holds it exclusively */
	ck_assert_int_eq(flock(nix, LOCK_EX), 0);
	ck_assert_int_eq(nix_db_lock_writable(dir, "job 1 on n1", &err), -1);
	ck_assert_str_eq(err.msg, "the store is locked by a nix process (var/nix/db/big-lock)");
	close(nix);
	/* never through a symlink */
	snprintf(path, sizeof(path), "rm -rf '%s/var' && ln -s /tmp '%s/var'", dir, dir);
	ck_assert_int_eq(system(path), 0);
	ck_assert_int_eq(nix_db_lock_writable(dir, "job 1 on n1", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot open"));
	remove_store();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nix_db_lock");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, one_job_at_a_time);
	tcase_add_test(tc, a_nix_process_or_a_symlink_refuses);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
