/* --nix-store=IMAGE: the superblock check, opening an image as a user
 * would, squashfs= in plugstack.conf, and which FUSE server it runs (the
 * server's record: test_nix_fuse_server.c). */
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "nix_config.h"
#include "nix_fuse_server.h"
#include "nix_image.h"

static void put_le(unsigned char *p, unsigned long long v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* A plausible squashfs 4.0 superblock of an image of `used` bytes. */
static void make_super(unsigned char *b, unsigned long long used)
{
	memset(b, 0, NIX_SQUASHFS_SUPER_SIZE);
	memcpy(b, "hsqs", 4);
	put_le(b + 12, 131072, 4); /* block size */
	put_le(b + 20, 6, 2);      /* zstd */
	put_le(b + 22, 17, 2);     /* block log */
	put_le(b + 28, 4, 2);      /* 4.0 */
	put_le(b + 40, used, 8);
	for (int off = 48; off < 96; off += 8)
		put_le(b + off, used - 8, 8);
	put_le(b + 56, ~0ULL, 8);  /* no xattrs */
}

START_TEST(superblock_checks_say_what_is_wrong)
{
	unsigned char b[NIX_SQUASHFS_SUPER_SIZE];
	struct nix_err err;

	make_super(b, 4096);
	ck_assert_int_eq(nix_image_check_super(b, sizeof(b), 4096, &err), 0);
	ck_assert_int_eq(nix_image_check_super(b, sizeof(b), 8192, &err), 0); /* padded */
	ck_assert_int_eq(nix_image_check_super(b, sizeof(b), 1000, &err), -1);
	ck_assert_str_eq(err.msg, "truncated: the image says 4096 bytes, the file has 1000");
	ck_assert_int_eq(nix_image_check_super(b, 50, 4096, &err), -1);
	ck_assert_pstr_eq(strstr(err.msg, "not a squashfs image"), err.msg);
	memcpy(b, "\x7f" "ELF", 4);
	ck_assert_int_eq(nix_image_check_super(b, sizeof(b), 4096, &err), -1);
	ck_assert_str_eq(err.msg, "not a squashfs image (no 'hsqs' magic; make one with mksquashfs)");
	make_super(b, 4096);
	put_le(b + 28, 3, 2);
	ck_assert_int_eq(nix_image_check_super(b, sizeof(b), 4096, &err), -1);
	ck_assert_str_eq(err.msg, "squashfs version 3.0, not 4.x");
	make_super(b, 4096);
	put_le(b + 22, 16, 2);
	ck_assert_int_eq(nix_image_check_super(b, sizeof(b), 4096, &err), -1);
	ck_assert_str_eq(err.msg, "a corrupt squashfs superblock (block size)");
	make_super(b, 4096);
	put_le(b + 20, 9, 2);
	ck_assert_int_eq(nix_image_check_super(b, sizeof(b), 4096, &err), -1);
	make_super(b, 4096);
	put_le(b + 64, 5000, 8);
	ck_assert_int_eq(nix_image_check_super(b, sizeof(b), 4096, &err), -1);
	ck_assert_str_eq(err.msg, "a corrupt squashfs superblock (a table past its end)");
	make_super(b, 10);
	ck_assert_int_eq(nix_image_check_super(b, sizeof(b), 4096, &err), -1);
}
END_TEST

static char dir[] = "/tmp/test_image.XXXXXX";

static void write_file(const char *name, const void *data, size_t len, mode_t mode)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	fchmod(fd, mode);
	close(fd);
}

static int open_image(const char *name, struct nix_err *err)
{
	char path[PATH_MAX];
	int fd, rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	rc = nix_image_open(path, geteuid(), &fd, err);
	if (fd >= 0)
		close(fd);
	ck_assert_int_eq(rc == 1, fd >= 0);
	return rc;
}

START_TEST(images_are_told_from_directories_and_checked)
{
	unsigned char img[4096];
	struct nix_err err;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	make_super(img, sizeof(img));
	write_file("good.sqsh", img, sizeof(img), 0644);
	write_file("text", "hello\n", 6, 0644);
	write_file("short.sqsh", img, 200, 0644);
	write_file("shared.sqsh", img, sizeof(img), 0664);
	ck_assert_int_eq(open_image("good.sqsh", &err), 1);
	ck_assert_int_eq(open_image(".", &err), 0);       /* a directory store */
	ck_assert_int_eq(open_image("missing", &err), 0); /* the directory checks say why */
	ck_assert_int_eq(open_image("text", &err), -1);
	ck_assert_pstr_eq(strstr(err.msg, "/text is not a directory nor a squashfs image (no 'hsqs'"),
			  err.msg + strlen(dir));
	ck_assert_int_eq(open_image("short.sqsh", &err), -1);
	ck_assert_str_eq(err.msg, "truncated: the image says 4096 bytes, the file has 200");
	ck_assert_int_eq(open_image("shared.sqsh", &err), -1);
	ck_assert_str_eq(err.msg, "the image is group- or world-writable (chmod go-w)");

	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/good.sqsh", dir);
	ck_assert_int_eq(nix_image_open(path, geteuid() + 1, &fd, &err), -1);
	ck_assert_pstr_eq(strstr(err.msg, "the image is owned by uid"), err.msg);
	ck_assert_int_eq(fd, -1);
	for (const char *const *n = (const char *const[]){ "good.sqsh", "text", "short.sqsh",
							   "shared.sqsh", NULL }; *n; n++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *n);
		unlink(path);
	}
	rmdir(dir);
}
END_TEST

START_TEST(squashfs_setting_parses)
{
	struct nix_config cfg;
	struct nix_err err;
	char *kernel[] = { "squashfs=kernel" }, *bad[] = { "squashfs=yes" };

	nix_config_defaults(&cfg);
	ck_assert_int_eq(cfg.squashfs, NIX_SQUASHFS_FUSE); /* the default */
	ck_assert_int_eq(nix_config_parse(&cfg, 1, kernel, &err), 0);
	ck_assert_int_eq(cfg.squashfs, NIX_SQUASHFS_KERNEL);
	ck_assert_int_eq(nix_config_parse(&cfg, 1, bad, &err), -1);
	ck_assert_str_eq(err.msg, "squashfs=yes: expected kernel, fuse or off");
	ck_assert_int_eq(nix_squashfs_parse("off"), NIX_SQUASHFS_OFF);
	ck_assert_str_eq(nix_squashfs_name(NIX_SQUASHFS_FUSE), "fuse");
}
END_TEST

/* The fuse mode's server: the first candidate that can be executed
 * (squashfuse_ll, else squashfuse), none when neither. */
START_TEST(fuse_server_is_the_first_executable_candidate)
{
	char dir[] = "/tmp/test_image_servers.XXXXXX", ll[PATH_MAX], hl[PATH_MAX];
	const char *both[] = { ll, hl, NULL };

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(ll, sizeof(ll), "%s/squashfuse_ll", dir);
	snprintf(hl, sizeof(hl), "%s/squashfuse", dir);
	ck_assert_ptr_null(nix_squashfuse_pick(both));
	close(open(hl, O_CREAT | O_WRONLY, 0755));
	ck_assert_str_eq(nix_squashfuse_pick(both), hl);
	close(open(ll, O_CREAT | O_WRONLY, 0644)); /* there, not executable */
	ck_assert_str_eq(nix_squashfuse_pick(both), hl);
	chmod(ll, 0755);
	ck_assert_str_eq(nix_squashfuse_pick(both), ll);
	unlink(ll);
	unlink(hl);
	rmdir(dir);
	/* the build's choice: squashfuse_ll first */
	ck_assert_str_eq(NIX_SQUASHFUSE_LL, "/usr/bin/squashfuse_ll");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nix_image");
	TCase *tc = tcase_create("image");

	tcase_add_test(tc, superblock_checks_say_what_is_wrong);
	tcase_add_test(tc, images_are_told_from_directories_and_checked);
	tcase_add_test(tc, squashfs_setting_parses);
	tcase_add_test(tc, fuse_server_is_the_first_executable_candidate);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
