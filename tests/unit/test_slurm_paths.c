/* The node's Slurm paths --nix-hide keeps (lib/slurm_paths.c), as a task
 * of slurmstepd collects them: from slurmstepd's own SLURM_CONF (an
 * absolute path; else /etc/slurm/slurm.conf), plus the directory of the
 * plugin's shared object. (The namespace plugin's paths: test_slurm_ns_conf.) */
#include <check.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "root_fixture.h"
#include "slurm_paths.h"

static char dir[64], conf[128];

static bool has_path(const struct slurm_paths *sp, const char *p)
{
	for (int i = 0; i < sp->n; i++)
		if (!strcmp(sp->path[i], p))
			return true;
	return false;
}

static void write_conf(const char *text)
{
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/slurm-paths-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/slurm.conf", dir);
	f = fopen(conf, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(task_reads_slurmstepds_slurm_conf)
{
	struct slurm_paths sp = { .n = 0 };

	write_conf("SlurmdSpoolDir=/var/spool/slurm/%n\nTmpFS=/scratch/%h\n");
	setenv("SLURM_CONF", conf, 1);
	slurm_paths_for_task("n7", NULL, &sp);
	ck_assert(has_path(&sp, dir)); /* slurm.conf's own directory */
	ck_assert(has_path(&sp, "/var/spool/slurm/n7"));
	ck_assert(has_path(&sp, "/var/spool/slurmd")); /* Slurm's defaults too */
}
END_TEST

/* A relative SLURM_CONF is not slurmd's: the default path is read. */
START_TEST(relative_slurm_conf_is_ignored)
{
	struct slurm_paths sp = { .n = 0 };

	write_conf("SlurmdSpoolDir=/from/relative\n");
	ck_assert_int_eq(chdir(dir), 0);
	setenv("SLURM_CONF", "slurm.conf", 1);
	slurm_paths_for_task("n7", NULL, &sp);
	ck_assert(!has_path(&sp, "/from/relative"));
	ck_assert(has_path(&sp, "/etc/slurm"));
}
END_TEST

/* srun inside a batch script loads the plugin: its directory stays. */
START_TEST(plugin_directory_is_kept)
{
	struct slurm_paths sp = { .n = 0 };
	Dl_info libc;
	char want[PATH_MAX];

	write_conf("");
	setenv("SLURM_CONF", conf, 1);
	ck_assert(dladdr((const void *)&strlen, &libc) && libc.dli_fname[0] == '/');
	snprintf(want, sizeof(want), "%s", libc.dli_fname);
	*strrchr(want, '/') = '\0';
	slurm_paths_for_task("n7", (const void *)&strlen, &sp);
	ck_assert_msg(has_path(&sp, want), "%s not kept", want);
}
END_TEST

START_TEST(slurm_paths_from_a_conf)
{
	struct slurm_paths sp;
	const char *conf =
		"ClusterName=x\n"
		"# SlurmdSpoolDir=/commented\n"
		"SlurmdSpoolDir=/var/spool/slurm/%n\n"
		"TmpFS=/scratch/%h/tmp\n"
		"AuthInfo=cred_expire=10,socket=/run/m/munge.socket\n"
		"PluginDir=/usr/lib/slurm:/opt/slurm/lib\n"
		"PlugStackConfig=/etc/slurm/plugstack.conf\n"
		"TaskProlog=/opt/site/task-prolog.sh\n"
		"slurmdspooldir=/var/spool/slurm/%n   # again, lower case\n";

	slurm_paths_from_conf(conf, "/etc/slurm/slurm.conf", "n1", "host1", &sp);
	ck_assert_int_eq(sp.n, 7);
	ck_assert_str_eq(sp.path[0], "/etc/slurm");
	ck_assert_str_eq(sp.path[1], "/var/spool/slurm/n1");
	ck_assert_str_eq(sp.path[2], "/scratch/host1/tmp");
	ck_assert_str_eq(sp.path[3], "/run/m");
	ck_assert_str_eq(sp.path[4], "/usr/lib/slurm");
	ck_assert_str_eq(sp.path[5], "/opt/slurm/lib");
	ck_assert_str_eq(sp.path[6], "/opt/site");
}
END_TEST

/* The slurm.conf at p was not read: its SlurmdSpoolDir=/opt is not kept. */
static void assert_opt_not_kept(const char *p)
{
	struct slurm_paths sp;

	slurm_paths_read(p, "n1", "h1", &sp);
	for (int i = 0; i < sp.n; i++)
		ck_assert_str_ne(sp.path[i], "/opt");
}

/* issue 10, item 2: slurm.conf */
START_TEST(slurm_conf_must_be_a_small_regular_file)
{
	struct slurm_paths sp;
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/fifo.conf", top);
	ck_assert_int_eq(mkfifo(p, 0600), 0);
	assert_opt_not_kept(p); /* no writer: must not block */

	snprintf(p, sizeof(p), "%s/big.conf", top);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs("SlurmdSpoolDir=/opt\n", f);
	for (int i = 0; i < SLURM_CONF_MAX / 64 + 1; i++)
		fprintf(f, "# %061d\n", i);
	fclose(f);
	assert_opt_not_kept(p);

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
	Suite *s = suite_create("slurm_paths");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, make_top, remove_top); /* as root */
	tcase_add_test(tc, task_reads_slurmstepds_slurm_conf);
	tcase_add_test(tc, relative_slurm_conf_is_ignored);
	tcase_add_test(tc, plugin_directory_is_kept);
	tcase_add_test(tc, slurm_paths_from_a_conf);
	tcase_add_test(tc, slurm_conf_must_be_a_small_regular_file);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
