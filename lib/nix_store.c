#include "nix_store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nix_path.h"

static int check_symlink_free(int fd, const char *what, struct nix_err *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return nix_err_errno(err, errno, "cannot stat %s", what);
	if (S_ISLNK(st.st_mode))
		return nix_err_set(err, "%s is a symlink", what);
	return 0;
}

static int explain_open_errno(struct nix_err *err, int e, const char *sofar)
{
	switch (e) {
	case ENOENT:
		return nix_err_set(err, "%s does not exist", sofar);
	case ENOTDIR:
		return nix_err_set(err, "%s is not a directory", sofar);
	case EACCES:
		return nix_err_set(err, "permission denied at %s", sofar);
	default:
		return nix_err_errno(err, e, "cannot open %s", sofar);
	}
}

int nix_open_nofollow(const char *path, struct nix_err *err)
{
	char sofar[PATH_MAX];
	size_t n = 0;
	const char *p = path;
	size_t len;
	int fd;

	if (path[0] != '/')
		return nix_err_set(err, "not an absolute path");
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return nix_err_errno(err, errno, "cannot open /");
	sofar[0] = '\0';

	for (const char *c; (c = nix_path_next(&p, &len));) {
		char comp[NAME_MAX + 1];
		struct stat st;

		if (len > NAME_MAX || n + 1 + len >= sizeof(sofar)) {
			close(fd);
			return nix_err_set(err, "path too long");
		}
		memcpy(comp, c, len);
		comp[len] = '\0';
		sofar[n++] = '/';
		memcpy(sofar + n, comp, len + 1);
		n += len;

		int next = openat(fd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;

		close(fd);
		if (next < 0)
			return explain_open_errno(err, e, sofar);
		if (fstat(next, &st) < 0) {
			e = errno;
			close(next);
			return nix_err_errno(err, e, "cannot stat %s", sofar);
		}
		if (S_ISLNK(st.st_mode)) {
			close(next);
			return nix_err_set(err, "%s is a symlink (give the real path, see realpath(1))",
					   sofar);
		}
		if (*p && !S_ISDIR(st.st_mode)) {
			close(next);
			return nix_err_set(err, "%s is not a directory", sofar);
		}
		fd = next;
	}
	return fd;
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
	if (st.st_uid != uid)
		return nix_err_set(err, "%s is owned by uid %u, not by the job's user (uid %u)",
				   what, (unsigned)st.st_uid, (unsigned)uid);
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
			return e == ENOENT ? 0 : explain_open_errno(err, e, names[i]);
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

int nix_store_open(const char *path, uid_t uid, struct nix_store *store,
		   struct nix_err *err)
{
	struct stat st;

	*store = (struct nix_store)NIX_STORE_INIT;

	store->root_fd = nix_open_nofollow(path, err);
	if (store->root_fd < 0)
		return -1;
	if (check_owned_dir(store->root_fd, path, uid, err) < 0)
		goto fail;

	store->store_fd = openat(store->root_fd, "store",
				 O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (store->store_fd < 0) {
		if (errno == ENOENT)
			nix_err_set(err, "has no store/ directory (expected the layout of `nix --store DIR`: DIR/store, DIR/var/nix/db)");
		else
			explain_open_errno(err, errno, "store/");
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
	fd = nix_open_nofollow(path, err);
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
