/* gpu_libs: which driver libraries a view shows at /run/opengl-driver/lib,
 * from an admin's setting or ldconfig's cache (their plan, mount_plan_gpu:
 * test_mount_plan.c). */
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "gpu_libs.h"

static char dir[64];

static void make_file(const char *name, int elf_class)
{
	char path[PATH_MAX];
	unsigned char elf[64] = { 0x7f, 'E', 'L', 'F', (unsigned char)elf_class };
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fwrite(elf, 1, elf_class ? sizeof(elf) : 4, f);
	fclose(f);
}

static void setup(void)
{
	strcpy(dir, "/tmp/test_gpu.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	make_file("libcuda.so.1", 2);
	make_file("libnvidia-ml.so.1", 2);
	make_file("libGLX_nvidia.so.0", 1); /* a 32-bit one */
	make_file("libcudart.so.12", 2);    /* the runtime comes from the store */
	make_file("README", 0);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static const struct gpu_lib *find(const struct gpu_libs *libs, const char *name)
{
	for (size_t i = 0; i < libs->n; i++)
		if (!strcmp(libs->v[i].name, name))
			return &libs->v[i];
	return NULL;
}

START_TEST(driver_names_are_nvidias_not_the_runtimes)
{
	ck_assert(gpu_lib_is_driver("libcuda.so.1"));
	ck_assert(gpu_lib_is_driver("libnvidia-ml.so.1"));
	ck_assert(gpu_lib_is_driver("libnvidia-ptxjitcompiler.so.1"));
	ck_assert(gpu_lib_is_driver("libEGL_nvidia.so.0"));
	ck_assert(gpu_lib_is_driver("libGLX_nvidia.so.0"));
	ck_assert(!gpu_lib_is_driver("libcudart.so.12"));
	ck_assert(!gpu_lib_is_driver("libc.so.6"));
	ck_assert(!gpu_lib_is_driver("libGL.so.1"));
}
END_TEST

/* A cache in glibc's new format: header, entries, then the strings. */
static void write_cache(const char *path, const char *const *names, int n, uint32_t claim)
{
	char buf[8192] = "glibc-ld.so.cache1.1";
	size_t strings = 48 + (size_t)n * 24, o = strings;
	FILE *f = fopen(path, "w");

	memcpy(buf + 20, &claim, 4);
	for (int i = 0; i < n; i++) {
		uint32_t key = o, value;
		int32_t flags = 0x0303;

		o += snprintf(buf + o, sizeof(buf) - o, "%s", names[i]) + 1;
		value = o;
		o += snprintf(buf + o, sizeof(buf) - o, "%s/%s", dir, names[i]) + 1;
		memcpy(buf + 48 + i * 24, &flags, 4);
		memcpy(buf + 48 + i * 24 + 4, &key, 4);
		memcpy(buf + 48 + i * 24 + 8, &value, 4);
	}
	ck_assert_ptr_nonnull(f);
	fwrite(buf, 1, o, f);
	fclose(f);
}

START_TEST(ld_cache_gives_the_drivers_libraries)
{
	static const char *const names[] = { "libc.so.6", "libcuda.so.1", "libcudart.so.12",
					     "libGLX_nvidia.so.0", "libcuda.so.1", "libnvidia-gone.so.1" };
	char cache[128];
	struct gpu_libs libs;
	struct nix_err err;

	snprintf(cache, sizeof(cache), "%s/ld.so.cache", dir);
	write_cache(cache, names, 6, 6);
	ck_assert_int_eq(gpu_libs_find("auto", cache, &libs, &err), 0);
	ck_assert_uint_eq(libs.n, 2); /* libcuda once; the missing file left out */
	ck_assert_ptr_nonnull(find(&libs, "libcuda.so.1"));
	ck_assert(!find(&libs, "libcuda.so.1")->lib32);
	ck_assert(find(&libs, "libGLX_nvidia.so.0")->lib32);
	gpu_libs_free(&libs);
}
END_TEST

START_TEST(bad_or_missing_caches_give_nothing)
{
	static const char *const names[] = { "libcuda.so.1" };
	char cache[128];
	struct gpu_libs libs;
	struct nix_err err;

	snprintf(cache, sizeof(cache), "%s/ld.so.cache", dir);
	write_cache(cache, names, 1, 0x7fffffff); /* more entries than it holds */
	ck_assert_int_eq(gpu_libs_find("auto", cache, &libs, &err), 0);
	ck_assert_uint_eq(libs.n, 0);
	ck_assert_int_eq(gpu_libs_find("auto", "/nonexistent/ld.so.cache", &libs, &err), 0);
	ck_assert_uint_eq(libs.n, 0);
	snprintf(cache, sizeof(cache), "%s/README", dir); /* not a cache */
	ck_assert_int_eq(gpu_libs_find("auto", cache, &libs, &err), 0);
	ck_assert_uint_eq(libs.n, 0);
}
END_TEST

START_TEST(admin_setting_directories_globs_files_and_none)
{
	char setting[256];
	struct gpu_libs libs;
	struct nix_err err;

	ck_assert_int_eq(gpu_libs_find(dir, NULL, &libs, &err), 0);
	ck_assert_uint_eq(libs.n, 4); /* every lib*.so*, not README */
	gpu_libs_free(&libs);
	snprintf(setting, sizeof(setting), "%s/libnvidia-*,%s/libcuda.so.1,/nonexistent/libx.so",
		 dir, dir);
	ck_assert_int_eq(gpu_libs_find(setting, NULL, &libs, &err), 0);
	ck_assert_uint_eq(libs.n, 2);
	ck_assert_ptr_nonnull(find(&libs, "libnvidia-ml.so.1"));
	gpu_libs_free(&libs);
	ck_assert_int_eq(gpu_libs_find("none", NULL, &libs, &err), 0);
	ck_assert_uint_eq(libs.n, 0);
	ck_assert_int_eq(gpu_libs_setting_check("lib/nvidia", &err), -1);
	ck_assert_str_eq(err.msg, "gpu_libs=lib/nvidia: lib/nvidia is not an absolute path (or say auto or none)");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gpu_libs");
	TCase *tc = tcase_create("gpu");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, driver_names_are_nvidias_not_the_runtimes);
	tcase_add_test(tc, ld_cache_gives_the_drivers_libraries);
	tcase_add_test(tc, bad_or_missing_caches_give_nothing);
	tcase_add_test(tc, admin_setting_directories_globs_files_and_none);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
