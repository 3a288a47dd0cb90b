/* The job namespace plugin's settings (lib/slurm_ns_conf.c): BasePath and
 * Dirs from job_container.conf and namespace.yaml for one node, and the
 * paths --nix-hide keeps (lib/slurm_paths.c) when slurm.conf names a
 * namespace plugin. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "slurm_ns_conf.h"
#include "slurm_paths.h"

static struct slurm_ns_conf ns;

static void assert_dirs(const struct slurm_ns_conf *c, const char *a, const char *b,
			const char *d)
{
	const char *want[3] = { a, b, d };
	int n = 0;

	for (int i = 0; i < 3; i++)
		if (want[i]) {
			ck_assert_int_gt(c->ndirs, i);
			ck_assert_str_eq(c->dirs[i], want[i]);
			n++;
		}
	ck_assert_int_eq(c->ndirs, n);
}

/* What a node's settings say: BasePath and Dirs (up to three, NULL after). */
static void assert_base_and_dirs(const struct slurm_ns_conf *c, const char *base_path,
				 const char *a, const char *b, const char *d)
{
	ck_assert_str_eq(c->base_path, base_path);
	assert_dirs(c, a, b, d);
}

START_TEST(plugin_names)
{
	ck_assert_int_eq(slurm_ns_type_of("job_container/tmpfs"), SLURM_NS_TMPFS);
	ck_assert_int_eq(slurm_ns_type_of("namespace/tmpfs"), SLURM_NS_TMPFS);
	ck_assert_int_eq(slurm_ns_type_of("namespace/linux"), SLURM_NS_LINUX);
	ck_assert_int_eq(slurm_ns_type_of("job_container/none"), SLURM_NS_NONE);
	ck_assert_int_eq(slurm_ns_type_of(""), SLURM_NS_NONE);
}
END_TEST

START_TEST(jc_conf_global_and_per_node)
{
	const char *text =
		"AutoBasePath=true\n"
		"# BasePath=/commented\n"
		"BasePath=/var/jc Dirs=/tmp,/var/tmp\n"
		"NodeName=n[2-3] BasePath=/scratch/%n/jc Dirs=/tmp,/dev/shm,/local\n";

	slurm_ns_conf_from_jc(text, "n1", "h1", &ns);
	ck_assert(ns.enabled);
	assert_base_and_dirs(&ns, "/var/jc", "/tmp", "/var/tmp", NULL);
	slurm_ns_conf_from_jc(text, "n2", "h2", &ns);
	assert_base_and_dirs(&ns, "/scratch/n2/jc", "/tmp", "/dev/shm", "/local");
}
END_TEST

START_TEST(jc_conf_defaults_and_none)
{
	slurm_ns_conf_from_jc("NodeName=other BasePath=/x\n", "n1", "h", &ns);
	ck_assert(!ns.enabled); /* no BasePath for this node: plugin off here */
	assert_dirs(&ns, "/tmp", "/dev/shm", NULL);
	slurm_ns_conf_from_jc("BasePath=/x\nNodeName=n1 BasePath=none\n", "n1", "h", &ns);
	ck_assert(!ns.enabled);
}
END_TEST

/* What tests/cluster writes, and what namespace.yaml(5) shows. */
START_TEST(yaml_node_confs)
{
	const char *text =
		"---\n"
		"defaults:\n"
		"  auto_base_path: true\n"
		"  clone_ns_flags:\n"
		"    - \"CLONE_NEWUSER\"\n"
		"    - \"CLONE_NEWPID\"\n"
		"node_confs:\n"
		"  - nodes:\n"
		"      - \"n1\"\n"
		"    options:\n"
		"      base_path: \"/var/tmp/c/jc/n1\"\n"
		"  - nodes:\n"
		"      - \"n2\"\n"
		"    options:\n"
		"      base_path: \"/var/tmp/c/jc/n2\"   # per node\n"
		"      dirs: \"/tmp,/dev/shm,/var/tmp\"\n";

	slurm_ns_conf_from_yaml(text, "n1", "h", &ns);
	ck_assert(ns.enabled);
	assert_base_and_dirs(&ns, "/var/tmp/c/jc/n1", "/tmp", "/dev/shm", NULL);
	slurm_ns_conf_from_yaml(text, "n2", "h", &ns);
	assert_base_and_dirs(&ns, "/var/tmp/c/jc/n2", "/tmp", "/dev/shm", "/var/tmp");
	slurm_ns_conf_from_yaml(text, "n3", "h", &ns);
	ck_assert(!ns.enabled);
}
END_TEST

START_TEST(yaml_defaults_flow_lists_and_dir_confs)
{
	const char *text =
		"defaults:\n"
		"  base_path: '/scratch/%h/ns'\n"
		"  dirs: [/tmp, \"/dev/shm\"]\n"
		"node_confs:\n"
		"- nodes: [gpu[1-4], login]\n"
		"  options:\n"
		"    dir_confs:\n"
		"      - path: /tmp\n"
		"        base_path: /nvme/ns\n"
		"      - path: /local/scratch\n"
		"        tmpfs: true\n"
		"    dirs: /ignored\n"
		"- nodes: [off1]\n"
		"  options: {base_path: none}\n"
		"- nodes: [off2]\n"
		"  options:\n"
		"    base_path: none\n";

	slurm_ns_conf_from_yaml(text, "cpu1", "host9", &ns);
	ck_assert(ns.enabled);
	assert_base_and_dirs(&ns, "/scratch/host9/ns", "/tmp", "/dev/shm", NULL);
	slurm_ns_conf_from_yaml(text, "gpu3", "host3", &ns);
	assert_base_and_dirs(&ns, "/scratch/host3/ns", "/tmp", "/local/scratch", NULL); /* dir_confs supersede dirs */
	slurm_ns_conf_from_yaml(text, "off2", "h", &ns);
	ck_assert(!ns.enabled);
}
END_TEST

/* Nothing a broken or hostile-looking file holds is taken for a path. */
START_TEST(yaml_odd_input)
{
	char deep[4096];
	size_t o = 0;

	slurm_ns_conf_from_yaml("defaults:\n\tbase_path: /tab\n", "n1", "h", &ns);
	ck_assert(!ns.enabled);
	slurm_ns_conf_from_yaml("- base_path: /x\n: /y\nbase_path\n", "n1", "h", &ns);
	ck_assert(!ns.enabled);
	slurm_ns_conf_from_yaml("defaults:\n  dirs: \"relative,/ok\"\n  base_path: /b\n", "n1", "h", &ns);
	assert_dirs(&ns, "/ok", NULL, NULL);
	for (int i = 0; i < 40; i++)
		o += (size_t)snprintf(deep + o, sizeof(deep) - o, "%*sk%d:\n", 2 * i, "", i);
	snprintf(deep + o, sizeof(deep) - o, "defaults:\n  base_path: /after\n");
	slurm_ns_conf_from_yaml(deep, "n1", "h", &ns); /* too deep: stops, no crash */
	ck_assert(!ns.enabled);
}
END_TEST

static char dir[64];

static void write_file(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static bool has_path(const struct slurm_paths *sp, const char *p)
{
	for (int i = 0; i < sp->n; i++)
		if (!strcmp(sp->path[i], p))
			return true;
	return false;
}

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ns-conf-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* --nix-hide keeps the namespace plugin's BasePath and Dirs (read next to
 * slurm.conf), under either name of the setting. */
START_TEST(hide_keeps_namespace_paths)
{
	static const char *const confs[] = {
		"NamespaceType=namespace/linux\n",
		"NamespaceType=namespace/tmpfs\n",
		"JobContainerType=job_container/tmpfs\n",
	};
	char conf[128];
	struct slurm_paths sp;

	make_dir();
	snprintf(conf, sizeof(conf), "%s/slurm.conf", dir);
	write_file("namespace.yaml",
		   "defaults:\n  base_path: /var/lib/ns/%n\n  dirs: /tmp,/dev/shm,/var/tmp\n");
	write_file("job_container.conf", "BasePath=/var/lib/jc Dirs=/tmp,/opt/scratch\n");
	for (int i = 0; i < 3; i++) {
		write_file("slurm.conf", confs[i]);
		slurm_paths_read(conf, "n1", "h1", &sp);
		if (i == 0) {
			ck_assert(has_path(&sp, "/var/lib/ns/n1"));
			ck_assert(has_path(&sp, "/var/tmp"));
		} else {
			ck_assert(has_path(&sp, "/var/lib/jc"));
			ck_assert(has_path(&sp, "/opt/scratch"));
		}
		ck_assert(has_path(&sp, "/tmp"));
	}
	/* no namespace plugin: its files say nothing */
	write_file("slurm.conf", "JobContainerType=job_container/none\n");
	slurm_paths_read(conf, "n1", "h1", &sp);
	ck_assert(!has_path(&sp, "/var/lib/jc"));
	ck_assert(!has_path(&sp, "/opt/scratch"));
}
END_TEST

/* A namespace file over the size limit, or not a regular file, is not
 * read (a FIFO must not hang slurmstepd's task). */
START_TEST(namespace_file_limits)
{
	char path[128], *big;
	struct slurm_ns_conf c;

	make_dir();
	big = malloc(SLURM_NS_CONF_MAX + 64);
	ck_assert_ptr_nonnull(big);
	memset(big, '#', SLURM_NS_CONF_MAX + 63);
	memcpy(big + SLURM_NS_CONF_MAX + 20, "\ndefaults:\n  base_path: /b\n", 28);
	big[SLURM_NS_CONF_MAX + 63] = '\0';
	write_file("namespace.yaml", big);
	free(big);
	slurm_ns_conf_read(SLURM_NS_LINUX, dir, "n1", "h", &c);
	ck_assert(!c.enabled);
	snprintf(path, sizeof(path), "%s/job_container.conf", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	alarm(5);
	slurm_ns_conf_read(SLURM_NS_TMPFS, dir, "n1", "h", &c);
	alarm(0);
	ck_assert(!c.enabled);
	write_file("namespace.yaml", "defaults:\n  base_path: /b\n");
	slurm_ns_conf_read(SLURM_NS_LINUX, dir, "n1", "h", &c);
	ck_assert(c.enabled);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("slurm_ns_conf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, plugin_names);
	tcase_add_test(tc, jc_conf_global_and_per_node);
	tcase_add_test(tc, jc_conf_defaults_and_none);
	tcase_add_test(tc, yaml_node_confs);
	tcase_add_test(tc, yaml_defaults_flow_lists_and_dir_confs);
	tcase_add_test(tc, yaml_odd_input);
	tcase_add_test(tc, hide_keeps_namespace_paths);
	tcase_add_test(tc, namespace_file_limits);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
