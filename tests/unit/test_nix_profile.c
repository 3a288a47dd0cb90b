/* Unit tests for lib/nix_profile.c: a profile's chain of links (a home's
 * link, /nix/var/nix/profiles, a generation link) walked with paths below
 * the mount point looked up in the store's directory, ending in a store
 * path that then joins a closure view (issue 11, item 6). */
#include "nix_profile.h"

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "nix_clock.h"

#define ENV "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-env"
#define LIB "/nix/store/zyxwvsrqpnmlkjihgfdcba9876543210-lib"

static char tmp[64];

static const char *tp(const char *rel)
{
	static char bufs[8][PATH_MAX];
	static int k;
	char *b = bufs[k++ % 8];

	snprintf(b, PATH_MAX, "%s/%s", tmp, rel);
	return b;
}

static void sh(const char *fmt, const char *arg)
{
	char cmd[4 * PATH_MAX];

	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg, arg);
	ck_assert_msg(system(cmd) == 0, "%s", cmd);
}

/* tmp/root: the store's directory (shown at /nix) with ENV -> LIB in its
 * DB and a profile's links in var/; tmp/home: the user's links. */
static void setup(void)
{
	sqlite3 *db;

	snprintf(tmp, sizeof(tmp), "/tmp/test_profile.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	sh("cd %s && mkdir -p root/store/0123456789abcdfghijklmnpqrsvwxyz-env/bin "
	   "root/store/zyxwvsrqpnmlkjihgfdcba9876543210-lib root/var/nix/db "
	   "root/var/nix/profiles/dir home/hostdir", tmp);
	sh("cd %s/root/var/nix/profiles && ln -s profile-2-link profile && "
	   "ln -s " ENV " profile-2-link && ln -s loop loop && ln -s ../../../store/../var/nix/db up && "
	   "ln -s /nix/store/0123456789abcdfghijklmnpqrsvwxyz-en~ bad", tmp);
	sh("cd %s/home && ln -s /nix/var/nix/profiles/profile .nix-profile && "
	   "ln -s ../home/.nix-profile rel && ln -s hostdir tohost && "
	   "ln -s /nix/var/nix/profiles/dir todir && ln -s /nix/var/nix/profiles/loop toloop && "
	   "ln -s /nix/var/nix/profiles/bad tobad", tmp);
	ck_assert_int_eq(sqlite3_open(tp("root/var/nix/db/db.sqlite"), &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db,
		"CREATE TABLE ValidPaths (id integer primary key, path text unique not null,"
		" hash text not null, registrationTime integer not null, deriver text,"
		" narSize integer, ultimate integer, sigs text, ca text);"
		"CREATE TABLE Refs (referrer integer not null, reference integer not null,"
		" primary key (referrer, reference));"
		"INSERT INTO ValidPaths VALUES (1, '" ENV "', 'x', 1, NULL, NULL, NULL, NULL, NULL);"
		"INSERT INTO ValidPaths VALUES (2, '" LIB "', 'x', 1, NULL, NULL, NULL, NULL, NULL);"
		"INSERT INTO Refs VALUES (1, 2);", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}

static void teardown(void)
{
	sh("rm -rf '%s'", tmp);
}

static int root_fd(void)
{
	int fd = open(tp("root"), O_PATH | O_DIRECTORY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	return fd;
}

static int resolve(const char *path, char *out, char *sp, struct nix_err *err)
{
	int fd = root_fd(), rc;

	rc = nix_profile_resolve(fd, "/nix", path, out, PATH_MAX, sp, PATH_MAX, err);
	close(fd);
	return rc;
}

START_TEST(test_home_link_through_var)
{
	char out[PATH_MAX], sp[PATH_MAX];
	struct nix_err err = { "" };

	/* the host's /nix is never looked at: the store's directory is */
	ck_assert_msg(resolve(tp("home/.nix-profile"), out, sp, &err) == 1, "%s", err.msg);
	ck_assert_str_eq(out, ENV);
	ck_assert_str_eq(sp, ENV);
	ck_assert_int_eq(resolve("/nix/var/nix/profiles/profile", out, sp, &err), 1);
	ck_assert_str_eq(out, ENV);
	ck_assert_int_eq(resolve(ENV, out, sp, &err), 1);
	ck_assert_str_eq(out, ENV);
}
END_TEST

START_TEST(test_below_and_relative)
{
	char out[PATH_MAX], sp[PATH_MAX];
	struct nix_err err = { "" };

	ck_assert_msg(resolve(tp("home/.nix-profile/bin"), out, sp, &err) == 1, "%s", err.msg);
	ck_assert_str_eq(out, ENV "/bin");
	ck_assert_str_eq(sp, ENV);
	ck_assert_msg(resolve(tp("home/rel"), out, sp, &err) == 1, "%s", err.msg);
	ck_assert_str_eq(out, ENV);
}
END_TEST

START_TEST(test_host_directory_kept)
{
	char out[PATH_MAX], sp[PATH_MAX];
	struct nix_err err = { "" };

	ck_assert_int_eq(resolve(tp("home/tohost"), out, sp, &err), 0);
	ck_assert_str_eq(out, tp("home/hostdir"));
}
END_TEST

START_TEST(test_refused)
{
	char out[PATH_MAX], sp[PATH_MAX];
	struct nix_err err = { "" };

	ck_assert_int_eq(resolve(tp("home/todir"), out, sp, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "leads to /nix/var/nix/profiles/dir, not a store path"));
	ck_assert_int_eq(resolve("/nix/var/nix/profiles/up", out, sp, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "leads to /nix/var/nix/db, not a store path"));
	ck_assert_int_eq(resolve(tp("home/toloop"), out, sp, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "more than 40 symbolic links"));
	ck_assert_int_eq(resolve(tp("home/missing"), out, sp, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "No such file or directory"));
	ck_assert_int_eq(resolve(tp("home/tobad"), out, sp, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "No such file"));
	ck_assert_int_eq(resolve("/nix/store", out, sp, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a store path"));
}
END_TEST

static void open_store(struct nix_store *s)
{
	*s = (struct nix_store)NIX_STORE_INIT;
	s->root_fd = root_fd();
	s->store_fd = open(tp("root/store"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	s->has_db = true;
	ck_assert_int_ge(s->store_fd, 0);
}

static void view_with(struct nix_view *v, const char *closure, const char *profile)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->mountpoint, sizeof(v->mountpoint), "/nix");
	snprintf(v->store, sizeof(v->store), "%s", tp("root"));
	snprintf(v->closure, sizeof(v->closure), "%s", closure);
	snprintf(v->profile, sizeof(v->profile), "%s", profile);
}

START_TEST(test_view_closure_gets_profile)
{
	struct nix_store s;
	struct nix_view v;
	struct nix_err err = { "" };
	char profiles[2 * PATH_MAX];

	open_store(&s);
	snprintf(profiles, sizeof(profiles), "%s,%s", tp("home/.nix-profile"), tp("home/tohost"));
	view_with(&v, LIB, profiles);
	ck_assert_msg(nix_view_resolve_profiles(&s, &v, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(v.closure, LIB "," ENV);
	/* resolved into the store; a host link kept as given */
	snprintf(profiles, sizeof(profiles), "%s,%s", ENV, tp("home/tohost"));
	ck_assert_str_eq(v.profile, profiles);

	/* no closure: nothing to do, the profile is left alone */
	view_with(&v, "", tp("home/.nix-profile"));
	ck_assert_int_eq(nix_view_resolve_profiles(&s, &v, &err), 0);
	ck_assert_str_eq(v.profile, tp("home/.nix-profile"));
	nix_store_close(&s);
}
END_TEST

START_TEST(test_view_errors_name_the_option)
{
	struct nix_store s;
	struct nix_view v;
	struct nix_err err = { "" };

	open_store(&s);
	view_with(&v, LIB, tp("home/todir"));
	ck_assert_int_eq(nix_view_resolve_profiles(&s, &v, &err), -1);
	ck_assert_msg(!strncmp(err.msg, "--nix-profile=", 14), "%s", err.msg);
	ck_assert_str_eq(v.closure, LIB); /* unchanged on error */
	/* a store path the DB does not know */
	sh("mkdir %s/root/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-ghost", tmp);
	view_with(&v, LIB, "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-ghost");
	ck_assert_int_eq(nix_view_resolve_profiles(&s, &v, &err), -1);
	ck_assert_msg(strstr(err.msg, "leads to /nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-ghost: "),
		      "%s", err.msg);
	nix_store_close(&s);
}
END_TEST

/* From root: a child with the user's ids does the work. Run as root, the
 * ids are root's own here; what is checked is the round trip. */
START_TEST(test_as_user_round_trip)
{
	struct nix_view v;
	struct nix_err err = { "" };
	struct nix_ids ids = { .uid = getuid(), .gid = getgid() };

	view_with(&v, LIB, tp("home/.nix-profile"));
	snprintf(v.origin, sizeof(v.origin), "--nix-store=%s", tp("root"));
	ck_assert_msg(nix_view_resolve_profiles_as(&ids, &v, nix_clock_ms() + 10000, &err) == 0,
		      "%s", err.msg);
	ck_assert_str_eq(v.closure, LIB "," ENV);
	ck_assert_str_eq(v.profile, ENV);
	view_with(&v, LIB, tp("home/todir"));
	snprintf(v.origin, sizeof(v.origin), "--nix-store=%s", tp("root"));
	ck_assert_int_eq(nix_view_resolve_profiles_as(&ids, &v, nix_clock_ms() + 10000, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a store path"));
}
END_TEST

/* An image is mounted only when its view is built: a profile under a
 * closure cannot be resolved in it first, and is refused naming the option
 * and what to do instead; without a closure or a profile, nothing to say. */
START_TEST(test_image_refusal)
{
	struct nix_view v;
	struct nix_err err = { "" };
	char want[PATH_MAX + 64];

	view_with(&v, LIB, tp("home/.nix-profile"));
	ck_assert_int_eq(nix_view_profiles_image_refused(&v, &err), -1);
	snprintf(want, sizeof(want), "--nix-profile=%s: not supported with --nix-closure on a "
		 "squashfs image (", tp("home/.nix-profile"));
	ck_assert_msg(!strncmp(err.msg, want, strlen(want)), "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(err.msg, "drop --nix-closure (the whole image is then at /nix"));
	ck_assert_ptr_null(strchr(err.msg, '\n'));
	view_with(&v, "", tp("home/.nix-profile"));
	ck_assert_int_eq(nix_view_profiles_image_refused(&v, &err), 0);
	view_with(&v, LIB, "");
	ck_assert_int_eq(nix_view_profiles_image_refused(&v, &err), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nix_profile");
	TCase *tc = tcase_create("profile");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_home_link_through_var);
	tcase_add_test(tc, test_below_and_relative);
	tcase_add_test(tc, test_host_directory_kept);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_view_closure_gets_profile);
	tcase_add_test(tc, test_view_errors_name_the_option);
	tcase_add_test(tc, test_as_user_round_trip);
	tcase_add_test(tc, test_image_refusal);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
