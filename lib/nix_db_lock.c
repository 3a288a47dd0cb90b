#include "nix_db_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define OWNER_MAX 256

/* dir/var/nix/db, made if missing (a fresh writable store), never through
 * a symlink. */
static int open_db_dir(const char *dir, struct nix_err *err)
{
	static const char *const parts[] = { "var", "nix", "db" };
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return nix_err_errno(err, errno, "cannot open %s", dir);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		int next;

		if (mkdirat(fd, parts[i], 0755) < 0 && errno != EEXIST) {
			nix_err_errno(err, errno, "cannot create %s/var/nix/db", dir);
			close(fd);
			return -1;
		}
		next = openat(fd, parts[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		if (next < 0)
			return nix_err_errno(err, errno, "cannot open %s/var/nix/db", dir);
		fd = next;
	}
	return fd;
}

static int open_file(int dbfd, const char *dir, const char *name, int cloexec,
		     struct nix_err *err)
{
	int fd = openat(dbfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | cloexec, 0600);

	if (fd < 0)
		return nix_err_errno(err, errno, "cannot open %s/var/nix/db/%s", dir, name);
	return fd;
}

static void read_owner(int fd, char *out, size_t len)
{
	ssize_t n = pread(fd, out, len - 1, 0);

	out[n > 0 ? n : 0] = '\0';
	out[strcspn(out, "\n")] = '\0';
}

static int write_owner(int fd, const char *owner)
{
	size_t len = strlen(owner);

	if (ftruncate(fd, 0) < 0 || pwrite(fd, owner, len, 0) != (ssize_t)len ||
	    pwrite(fd, "\n", 1, (off_t)len) != 1)
		return -1;
	return 0;
}

/* With the gate held: join owner's shared hold of big-lock, or become its
 * owner when nobody holds it. */
static int take_big_lock(int gate, int big, const char *owner, struct nix_err *err)
{
	char was[OWNER_MAX];

	read_owner(gate, was, sizeof(was));
	if (strcmp(was, owner) != 0) {
		if (flock(big, LOCK_EX | LOCK_NB) < 0) {
			if (errno != EWOULDBLOCK)
				return nix_err_errno(err, errno, "cannot lock var/nix/db/big-lock");
			return nix_err_set(err, "the store is in use by %s (or by a nix process): "
					   "one writer at a time", was[0] ? was : "another job");
		}
		if (write_owner(gate, owner) < 0)
			return nix_err_errno(err, errno, "cannot write var/nix/db/spank-nix.lock");
	}
	/* Shared, as Nix holds it, so Nix inside the job still runs. */
	if (flock(big, LOCK_SH | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ?
			nix_err_set(err, "the store is locked by a nix process (var/nix/db/big-lock)") :
			nix_err_errno(err, errno, "cannot lock var/nix/db/big-lock");
	return 0;
}

int nix_db_lock_writable(const char *dir, const char *owner, struct nix_err *err)
{
	int dbfd, gate = -1, big = -1, rc = -1;

	dbfd = open_db_dir(dir, err);
	if (dbfd < 0)
		return -1;
	gate = open_file(dbfd, dir, "spank-nix.lock", O_CLOEXEC, err);
	if (gate >= 0)
		big = open_file(dbfd, dir, "big-lock", 0, err);
	if (big >= 0) {
		if (flock(gate, LOCK_EX) < 0)
			nix_err_errno(err, errno, "cannot lock var/nix/db/spank-nix.lock");
		else
			rc = take_big_lock(gate, big, owner, err);
	}
	if (gate >= 0)
		close(gate); /* releases the gate */
	close(dbfd);
	if (rc < 0) {
		if (big >= 0)
			close(big);
		return -1;
	}
	return big;
}
