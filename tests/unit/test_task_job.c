/* One task's request for its view (lib/task_job.c): assembled from the
 * job's user, the node and the deadline, pointing into its own storage,
 * and keeping the node's Slurm paths only when asked. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "task_job.h"

static struct nix_task_job tj; /* big: a slurm_paths */

START_TEST(init_assembles_the_job)
{
	struct nix_config cfg;
	gid_t groups[] = { 100, 200 };
	struct nix_job_user u = { .uid = 1000, .gid = 100, .groups = groups, .ngroups = 2,
				  .jobid = 42, .nnodes = 1 };

	nix_config_defaults(&cfg);
	nix_task_job_init(&tj, &cfg, "n1", &u, 12345);
	ck_assert_uint_eq(tj.ids.uid, 1000);
	ck_assert_uint_eq(tj.ids.gid, 100);
	ck_assert_ptr_eq(tj.ids.groups, groups);
	ck_assert_int_eq(tj.ids.ngroups, 2);
	ck_assert_ptr_eq(tj.job.cfg, &cfg);
	ck_assert_str_eq(tj.job.node, "n1");
	ck_assert_uint_eq(tj.job.jobid, 42);
	ck_assert_ptr_eq(tj.job.ids, &tj.ids);
	ck_assert_int_eq(tj.job.base_mntns_fd, -1);
	ck_assert_int_eq(tj.job.nkeep, 0);
	ck_assert_int_eq(tj.job.deadline_ms, 12345);
	ck_assert_ptr_eq(tj.job.built, &tj.built);
	ck_assert_ptr_eq(tj.job.npaths, &tj.npaths);
	ck_assert_ptr_eq(tj.job.userns_refused, &tj.userns_refused);
	ck_assert(!tj.built);
	ck_assert_uint_eq(tj.npaths, 0);
	ck_assert_int_eq(tj.userns_refused, 0);
}
END_TEST

START_TEST(keep_slurm_paths_points_the_job_at_them)
{
	struct nix_config cfg;
	struct nix_job_user u = { .uid = 1000, .gid = 100, .jobid = 43 };
	char dir[] = "/tmp/task-job-XXXXXX", conf[64];
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/slurm.conf", dir);
	f = fopen(conf, "w");
	ck_assert_ptr_nonnull(f);
	fputs("SlurmdSpoolDir=/var/spool/slurm/%n\n", f);
	fclose(f);
	setenv("SLURM_CONF", conf, 1);
	nix_config_defaults(&cfg);
	nix_task_job_init(&tj, &cfg, "n2", &u, 0);
	nix_task_job_keep_slurm_paths(&tj, NULL);
	ck_assert_int_gt(tj.job.nkeep, 0);
	ck_assert_int_eq(tj.job.nkeep, tj.keep.n);
	bool spool = false;

	for (int i = 0; i < tj.job.nkeep; i++) {
		ck_assert_ptr_eq(tj.job.keep[i], tj.keep.path[i]);
		spool |= !strcmp(tj.job.keep[i], "/var/spool/slurm/n2");
	}
	ck_assert(spool);
	unlink(conf);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("task_job");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, init_assembles_the_job);
	tcase_add_test(tc, keep_slurm_paths_points_the_job_at_them);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
