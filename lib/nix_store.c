#include "nix_store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nix_path.h"
#include "path_walk.h"

static int check_symlink_free(int fd, const char *what, struct nix_err *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return nix_err_errno(err, errno, "cannot stat %s", what);
	if (S_ISLNK(st.st_mode))
		return nix_err_set(err, "%s is a symlink", what);
	return 0;
}

/* "ann (uid 1005)", or "uid 1005" when passwd does not know it. */
static const char *user_name(uid_t uid, char *out, size_t outlen)
{
	struct passwd pw, *res = NULL;
	char buf[2048];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(out, outlen, "%.40s (uid %u)", pw.pw_name, (unsigned)uid);
	else
		snprintf(out, outlen, "uid %u", (unsigned)uid);
	return out;
}

/* A directory the job's user owns and nobody else may write to: another
 * user who could write there could swap what the job's view shows. */
static int check_owner_and_mode(int fd, const char *what, uid_t uid,
				struct nix_err *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return nix_err_errno(err, errno, "cannot stat %s", what);
	if (S_ISLNK(st.st_mode))
		return nix_err_set(err, "%s is a symlink", what);
	if (!S_ISDIR(st.st_mode))
		return nix_err_set(err, "%s is not a directory", what);
	if (st.st_uid != uid) {
		char owner[64], user[64];

		if (uid == 0) /* a site store (site_stores=) */
			return nix_err_set(err, "%s is owned by %s, not by root as a site store must be",
					   what, user_name(st.st_uid, owner, sizeof(owner)));
		return nix_err_set(err, "%s is owned by %s, not by the job's user %s",
				   what, user_name(st.st_uid, owner, sizeof(owner)),
				   user_name(uid, user, sizeof(user)));
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return nix_err_set(err, "%s is group- or world-writable (chmod go-w)", what);
	return 0;
}

/* Check that an O_PATH fd is a directory owned by uid, not writable by
 * group or others, and readable by us. */
static int check_owned_dir(int fd, const char *what, uid_t uid,
			   struct nix_err *err)
{
	int rfd;

	if (check_owner_and_mode(fd, what, uid, err) < 0)
		return -1;
	/* O_PATH needs no read permission: prove we can list it. */
	rfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0) {
		if (errno == EACCES)
			return nix_err_set(err, "%s is not readable by the job's user", what);
		return nix_err_errno(err, errno, "cannot read %s", what);
	}
	close(rfd);
	return 0;
}

/* DIR/var/nix/db, when there is one, answers for the closures a view
 * shows: the job's user's alone, like DIR and store/. */
static int check_db_dir(int root_fd, uid_t uid, struct nix_err *err)
{
	static const char *const parts[] = { "var", "nix", "db" };
	static const char *const names[] = { "var/", "var/nix/", "var/nix/db/" };
	int fd = root_fd, rc = 0;

	for (int i = 0; i < 3 && rc == 0; i++) {
		int next = openat(fd, parts[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;

		if (fd != root_fd)
			close(fd);
		if (next < 0)
			return e == ENOENT ? 0 : nix_explain_open_errno(err, e, names[i]);
		fd = next;
		/* var/ and var/nix/ may be shared with a profile setup: only
		 * the database's own directory must be the user's alone. */
		if (i == 2)
			rc = check_owner_and_mode(fd, names[i], uid, err);
		else
			rc = check_symlink_free(fd, names[i], err);
	}
	close(fd);
	return rc;
}

/* `nix --store DIR` keeps its store in DIR/nix/store (a chroot store),
 * nix-user-chroot in DIR/store: take DIR/nix as the root when only it has
 * a store/, so that either layout shows /nix/store and /nix/var. */
static int open_chroot_layout(struct nix_store *store, uid_t uid, struct nix_err *err)
{
	static const char no_store[] = "has no store/ directory (expected DIR/store as "
		"nix-user-chroot makes, or DIR/nix/store as `nix --store DIR` makes)";
	int nix_fd = openat(store->root_fd, "nix", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	size_t len = strlen(store->real);
	struct stat st;

	if (nix_fd < 0 || fstatat(nix_fd, "store", &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (nix_fd >= 0)
			close(nix_fd);
		return nix_err_set(err, "%s", no_store);
	}
	if (len + sizeof("/nix") > sizeof(store->real)) {
		close(nix_fd);
		return nix_err_set(err, "path too long");
	}
	if (check_owned_dir(nix_fd, "nix/", uid, err) < 0) {
		close(nix_fd);
		return -1;
	}
	close(store->root_fd);
	store->root_fd = nix_fd;
	memcpy(store->real + len, strcmp(store->real, "/") ? "/nix" : "nix", 5);
	return 0;
}

int nix_store_open(const char *path, uid_t uid, struct nix_store *store,
		   struct nix_err *err)
{
	struct stat st;

	*store = (struct nix_store)NIX_STORE_INIT;

	store->root_fd = nix_open_walk(path, true, store->real, err);
	if (store->root_fd < 0)
		return -1;
	if (check_owned_dir(store->root_fd, path, uid, err) < 0)
		goto fail;

	store->store_fd = openat(store->root_fd, "store",
				 O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (store->store_fd < 0 && errno == ENOENT) {
		if (open_chroot_layout(store, uid, err) < 0)
			goto fail;
		store->store_fd = openat(store->root_fd, "store",
					 O_PATH | O_NOFOLLOW | O_CLOEXEC);
	}
	if (store->store_fd < 0) {
		nix_explain_open_errno(err, errno, "store/");
		goto fail;
	}
	if (check_owner_and_mode(store->store_fd, "store/", uid, err) < 0 ||
	    check_db_dir(store->root_fd, uid, err) < 0)
		goto fail;
	store->has_db = fstatat(store->root_fd, "var/nix/db/db.sqlite", &st,
				AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
	return 0;
fail:
	nix_store_close(store);
	return -1;
}

void nix_store_close(struct nix_store *store)
{
	if (store->root_fd >= 0)
		close(store->root_fd);
	if (store->store_fd >= 0)
		close(store->store_fd);
	*store = (struct nix_store)NIX_STORE_INIT;
}

int nix_store_reopen(const char *path, struct nix_store *store,
		     struct nix_err *err)
{
	struct stat before, after;
	int fd;

	if (fstat(store->root_fd, &before) < 0)
		return nix_err_errno(err, errno, "cannot stat the directory");
	/* The path found the first time, without symlinks: in a user
	 * namespace root's links show as nobody's and cannot be told from
	 * others'. Same directory or nothing, as below. */
	(void)path;
	fd = nix_open_walk(store->real, false, NULL, err);
	if (fd < 0)
		return -1;
	if (fstat(fd, &after) < 0 || after.st_dev != before.st_dev ||
	    after.st_ino != before.st_ino) {
		close(fd);
		return nix_err_set(err, "the directory was replaced while being mounted");
	}
	close(store->root_fd);
	store->root_fd = fd;

	if (fstat(store->store_fd, &before) < 0)
		return nix_err_errno(err, errno, "cannot stat store/");
	fd = openat(store->root_fd, "store", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &after) < 0 || after.st_dev != before.st_dev ||
	    after.st_ino != before.st_ino) {
		if (fd >= 0)
			close(fd);
		return nix_err_set(err, "store/ was replaced while being mounted");
	}
	close(store->store_fd);
	store->store_fd = fd;
	return 0;
}

int nix_store_check_profiles(const struct nix_store *store, const char *mountpoint,
			     const char *profiles, struct nix_err *err)
{
	size_t mlen = strlen(mountpoint);
	char dir[PATH_MAX];
	struct stat st;

	for (const char *p = profiles; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
		size_t len = strcspn(p, ",");
		bool in_store;
		int rc;

		if (!len || len >= sizeof(dir))
			continue;
		memcpy(dir, p, len);
		dir[len] = '\0';
		/* below the mount point: where it is in DIR (not followed:
		 * a profile link's target is only there inside the view) */
		in_store = nix_path_has_prefix(dir, mountpoint) && dir[mlen] == '/';
		rc = in_store ? fstatat(store->root_fd, dir + mlen + 1, &st, AT_SYMLINK_NOFOLLOW)
			      : lstat(dir, &st);
		if (rc < 0 && errno == ENOENT)
			return nix_err_set(err, "%s does not exist%s", dir,
					   in_store ? " in the store" : "");
	}
	return 0;
}
