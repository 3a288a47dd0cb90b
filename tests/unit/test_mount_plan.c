/* mount_plan: the plans are plain data, checked here without mounting. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "gpu_libs.h"
#include "mount_plan.h"
#include "plan_format.h"

static struct host_entry debian_root[] = {
	{ .name = "bin", .type = HOST_SYMLINK, .link = "usr/bin" },
	{ .name = "etc", .type = HOST_DIR },
	{ .name = "home", .type = HOST_DIR },
	{ .name = "run", .type = HOST_DIR },
	{ .name = "swapfile", .type = HOST_FILE },
	{ .name = "usr", .type = HOST_DIR },
};

/* The text of the host stage's plan for /nix on debian_root. */
static void host_plan_text(bool mountpoint_exists, char *text, size_t len)
{
	struct host_root root = { .entries = debian_root, .len = 6,
				  .mountpoint_exists = mountpoint_exists };
	struct mount_plan plan = { 0 };
	struct nix_err err;

	ck_assert_int_eq(mount_plan_host(&root, "/nix", "/run/spank-nix", &plan, &err), 0);
	format_plan(&plan, text, len);
	mount_plan_free(&plan);
}

START_TEST(host_stage_with_existing_mountpoint_only_isolates)
{
	char text[4096];

	host_plan_text(true, text, sizeof(text));
	ck_assert_str_eq(text,
			 "make-rslave /\n"
			 "make-private mount of /run/spank-nix\n"
			 "detach-below /run/spank-nix\n");
}
END_TEST

START_TEST(host_stage_builds_new_root_with_mountpoint)
{
	char text[4096];

	host_plan_text(false, text, sizeof(text));
	ck_assert_str_eq(text,
			 "make-rslave /\n"
			 "make-private mount of /run/spank-nix\n"
			 "detach-below /run/spank-nix\n"
			 "tmpfs /run/spank-nix\n"
			 "symlink /run/spank-nix/bin -> usr/bin\n"
			 "mkdir /run/spank-nix/etc\n"
			 "rbind /etc -> /run/spank-nix/etc\n"
			 "mkdir /run/spank-nix/home\n"
			 "rbind /home -> /run/spank-nix/home\n"
			 "mkdir /run/spank-nix/run\n"
			 "rbind /run -> /run/spank-nix/run\n"
			 "mkfile /run/spank-nix/swapfile\n"
			 "rbind /swapfile -> /run/spank-nix/swapfile\n"
			 "mkdir /run/spank-nix/usr\n"
			 "rbind /usr -> /run/spank-nix/usr\n"
			 "detach-below /run/spank-nix/run/spank-nix\n"
			 "mkdir /run/spank-nix/nix\n"
			 "restrict /run/spank-nix ro\n"
			 "pivot /run/spank-nix\n");
}
END_TEST

START_TEST(host_stage_refuses_deep_missing_mountpoint)
{
	struct host_root root = { .entries = debian_root, .len = 6, .mountpoint_exists = false };
	struct mount_plan plan = { 0 };
	struct nix_err err;

	ck_assert_int_eq(mount_plan_host(&root, "/opt/nix", "/run/s", &plan, &err), -1);
	ck_assert_str_eq(err.msg, "mount point /opt/nix does not exist on this node and is not directly below /");
	mount_plan_free(&plan);
}
END_TEST

START_TEST(user_stage_binds_store_readonly_unless_writable)
{
	struct mount_plan plan = { 0 };
	struct nix_err err;
	char text[1024];

	ck_assert_int_eq(mount_plan_user(7, "/nix", false, &plan, &err), 0);
	format_plan(&plan, text, sizeof(text));
	ck_assert_str_eq(text, "bind fd -> /nix\nrestrict /nix ro\n");
	ck_assert_int_eq(plan.ops[0].fd, 7);
	mount_plan_free(&plan);

	ck_assert_int_eq(mount_plan_user(7, "/nix", true, &plan, &err), 0);
	format_plan(&plan, text, sizeof(text));
	ck_assert_str_eq(text, "bind fd -> /nix\nrestrict /nix rw\n");
	mount_plan_free(&plan);
}
END_TEST

/* The entries themselves are not in the plan: they come from the source
 * as the plan is applied (test_mount_apply_run). */
START_TEST(closure_stage_mirrors_its_entries_from_a_readonly_store)
{
	struct host_entry entries[] = { { .name = "aaa-glibc", .type = HOST_DIR } };
	struct host_entry_array array = { .entries = entries, .n = 1 };
	struct mount_entry_source source;
	struct mount_plan plan = { 0 };
	struct nix_err err;
	char text[4096];

	mount_entries_of_array(&source, &array);
	ck_assert_int_eq(mount_plan_user_closure(5, "/nix", &source, &plan, &err), 0);
	format_plan(&plan, text, sizeof(text));
	ck_assert_str_eq(text,
			 "ramfs /nix\n"
			 "mkdir /nix/store\n"
			 "mkdir /nix/.all\n"
			 "bind fd -> /nix/.all\n"
			 "make-private mount of /nix/.all\n"
			 "restrict /nix/.all ro\n"
			 "mirror /nix/.all -> /nix/store\n"
			 "umount /nix/.all\n"
			 "rmdir /nix/.all\n"
			 "restrict /nix ro\n");
	ck_assert_ptr_eq(plan.ops[6].entries, &source);
	ck_assert_int_eq(plan.ops[3].fd, 5);
	mount_plan_free(&plan);
}
END_TEST

START_TEST(hide_keeps_slurms_paths_below_each_hidden_one)
{
	const char *keep[] = { "/etc/slurm", "/var/spool/slurmd/n1", "/run/munge", "/opt" };
	struct mount_plan plan = { 0 };
	struct nix_err err;
	char text[1024];

	ck_assert_int_eq(mount_plan_hide("/usr,/var/spool,/run,/opt", keep, 4, &plan, &err), 0);
	format_plan(&plan, text, sizeof(text));
	/* /opt is needed whole: not hidden */
	ck_assert_str_eq(text,
			 "hide /usr\n"
			 "hide /var/spool keeping /var/spool/slurmd/n1\n"
			 "hide /run keeping /run/munge\n");
	mount_plan_free(&plan);
}
END_TEST

START_TEST(host_scan_sees_this_root)
{
	struct host_root root;
	struct nix_err err;
	bool saw_proc = false;

	ck_assert_int_eq(host_root_scan("/proc", &root, &err), 0);
	ck_assert(root.mountpoint_exists);
	for (size_t i = 0; i < root.len; i++) {
		if (!strcmp(root.entries[i].name, "proc")) {
			saw_proc = true;
			ck_assert_int_eq(root.entries[i].type, HOST_DIR);
		}
		if (i)
			ck_assert_int_lt(strcmp(root.entries[i - 1].name, root.entries[i].name), 0);
	}
	ck_assert(saw_proc);
	host_root_free(&root);
}
END_TEST

START_TEST(plan_mirrors_run_and_binds_each_library_readonly)
{
	struct gpu_lib v[] = {
		{ .name = "libcuda.so.1", .path = "/usr/lib/x86_64-linux-gnu/libcuda.so.1" },
		{ .name = "libGLX_nvidia.so.0", .path = "/usr/lib/i386-linux-gnu/libGLX_nvidia.so.0", .lib32 = true },
	};
	struct gpu_libs libs = { .v = v, .n = 2 };
	struct host_entry run_entries[] = {
		{ .name = "munge", .type = HOST_DIR },
		{ .name = "opengl-driver", .type = HOST_SYMLINK, .link = "/nix/store/x-mesa" },
		{ .name = "shm", .type = HOST_SYMLINK, .link = "/dev/shm" },
		{ .name = "utmp", .type = HOST_FILE },
	};
	struct host_root run = { .entries = run_entries, .len = 4 };
	struct mount_plan plan = { 0 };
	struct nix_err err;
	char text[4096];

	ck_assert_int_eq(mount_plan_gpu(&libs, "/proc/self/fd/9", &run, &plan, &err), 0);
	format_plan(&plan, text, sizeof(text));
	ck_assert_str_eq(text,
			 "tmpfs /run\n"
			 "mkdir /run/munge\n"
			 "rbind /proc/self/fd/9/munge -> /run/munge\n"
			 "symlink /run/shm -> /dev/shm\n"
			 "mkfile /run/utmp\n"
			 "rbind /proc/self/fd/9/utmp -> /run/utmp\n"
			 "mkdir /run/opengl-driver\n"
			 "mkdir /run/opengl-driver/lib\n"
			 "mkdir /run/opengl-driver-32\n"
			 "mkdir /run/opengl-driver-32/lib\n"
			 "mkfile /run/opengl-driver/lib/libcuda.so.1\n"
			 "bind /usr/lib/x86_64-linux-gnu/libcuda.so.1 -> /run/opengl-driver/lib/libcuda.so.1\n"
			 "restrict /run/opengl-driver/lib/libcuda.so.1 ro\n"
			 "mkfile /run/opengl-driver-32/lib/libGLX_nvidia.so.0\n"
			 "bind /usr/lib/i386-linux-gnu/libGLX_nvidia.so.0 -> /run/opengl-driver-32/lib/libGLX_nvidia.so.0\n"
			 "restrict /run/opengl-driver-32/lib/libGLX_nvidia.so.0 ro\n"
			 "restrict /run ro\n");
	mount_plan_free(&plan);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mount_plan");
	TCase *tc = tcase_create("plans");

	tcase_add_test(tc, host_stage_with_existing_mountpoint_only_isolates);
	tcase_add_test(tc, host_stage_builds_new_root_with_mountpoint);
	tcase_add_test(tc, host_stage_refuses_deep_missing_mountpoint);
	tcase_add_test(tc, user_stage_binds_store_readonly_unless_writable);
	tcase_add_test(tc, closure_stage_mirrors_its_entries_from_a_readonly_store);
	tcase_add_test(tc, hide_keeps_slurms_paths_below_each_hidden_one);
	tcase_add_test(tc, host_scan_sees_this_root);
	tcase_add_test(tc, plan_mirrors_run_and_binds_each_library_readonly);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
