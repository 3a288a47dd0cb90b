/* The node's Slurm paths --nix-hide keeps (lib/slurm_paths.c), as a task
 * of slurmstepd collects them: from slurmstepd's own SLURM_CONF (an
 * absolute path; else /etc/slurm/slurm.conf), plus the directory of the
 * plugin's shared object. (The namespace plugin's paths: test_slurm_ns_conf.) */
#include <check.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
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

int main(void)
{
	Suite *s = suite_create("slurm_paths");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, task_reads_slurmstepds_slurm_conf);
	tcase_add_test(tc, relative_slurm_conf_is_ignored);
	tcase_add_test(tc, plugin_directory_is_kept);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
