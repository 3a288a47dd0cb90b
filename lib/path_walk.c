/* Opening a path the job's user gave, component by component, without
 * following a symlink any user could change. */
#include "path_walk.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nix_path.h"

int nix_explain_open_errno(struct nix_err *err, int e, const char *sofar)
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

/* Symlinks followed in one path, as the kernel's limit. */
#define NIX_SYMLINKS_MAX 40

/* May the symlink described by link, in the directory dirfd, be followed?
 * Only when no user but root can change where it points: the link is
 * root's, and so is its directory, which nobody else may write to (or only
 * under the sticky bit, which keeps others from replacing root's link).
 * Sites link /home to /gpfs/home like this; a user's own link, or one in a
 * directory a user can write, is refused. */
static bool link_is_roots(int dirfd, const struct stat *link)
{
	struct stat dir;

	if (link->st_uid != 0 || fstat(dirfd, &dir) < 0 || dir.st_uid != 0)
		return false;
	return !(dir.st_mode & (S_IWGRP | S_IWOTH)) || (dir.st_mode & S_ISVTX);
}

/* Append component c[0..len) to the absolute path out (length *o),
 * resolving "." and ".." by name: what came before is a path without
 * symlinks (each component was opened with O_NOFOLLOW), so its ".." is
 * its parent. */
static int append_component(char *out, size_t *o, size_t outlen, const char *c, size_t len)
{
	if (len == 1 && c[0] == '.')
		return 0;
	if (len == 2 && c[0] == '.' && c[1] == '.') {
		while (*o > 0 && out[*o - 1] != '/')
			(*o)--;
		if (*o > 0)
			(*o)--;
		out[*o] = '\0';
		return 0;
	}
	if (*o + 1 + len >= outlen)
		return -1;
	out[(*o)++] = '/';
	memcpy(out + *o, c, len);
	*o += len;
	out[*o] = '\0';
	return 0;
}

/* The path to walk after following a symlink: its target (relative to the
 * link's directory parent[0..plen)), then what was left of the path. */
static int path_through_link(const char *parent, size_t plen, const char *target,
			     const char *rest, char *out, size_t outlen)
{
	const char *parts[2] = { target, rest };
	size_t o = 0, len;

	if (target[0] != '/') {
		if (plen >= outlen)
			return -1;
		memcpy(out, parent, plen);
		o = plen;
	}
	out[o] = '\0';
	for (int i = 0; i < 2; i++) {
		const char *p = parts[i];

		for (const char *c; (c = nix_path_next(&p, &len));)
			if (append_component(out, &o, outlen, c, len) < 0)
				return -1;
	}
	if (o == 0) {
		out[0] = '/';
		out[1] = '\0';
	}
	return 0;
}

/* Follow the root-owned symlink comp in dirfd: walk becomes the path
 * still to walk, from "/". */
static int follow_roots_link(int dirfd, const char *comp, const char *sofar,
			     size_t plen, const char *rest, char walk[PATH_MAX],
			     struct nix_err *err)
{
	char target[PATH_MAX], next[PATH_MAX];
	ssize_t len = readlinkat(dirfd, comp, target, sizeof(target) - 1);

	if (len < 0)
		return nix_err_errno(err, errno, "cannot read the symlink %s", sofar);
	target[len] = '\0';
	if (path_through_link(sofar, plen, target, rest, next, sizeof(next)) < 0)
		return nix_err_set(err, "%s: path too long through the symlink", sofar);
	memcpy(walk, next, strlen(next) + 1);
	return 0;
}

/* Open path component by component with O_NOFOLLOW, following root's
 * links when follow_roots (a user's are refused either way). real, if not
 * NULL, gets the path walked in the end: no symlink in it. */
int nix_open_walk(const char *path, bool follow_roots, char *real,
		  struct nix_err *err)
{
	char sofar[PATH_MAX], walk[PATH_MAX];
	size_t n = 0;
	const char *p;
	size_t len;
	int fd, links = 0;

	if (path[0] != '/')
		return nix_err_set(err, "not an absolute path");
	if (strlen(path) >= sizeof(walk))
		return nix_err_set(err, "path too long");
	memcpy(walk, path, strlen(path) + 1);
	p = walk;
restart:
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return nix_err_errno(err, errno, "cannot open /");
	sofar[0] = '\0';
	n = 0;

	for (const char *c; (c = nix_path_next(&p, &len));) {
		char comp[NAME_MAX + 1];
		struct stat st;
		size_t parent_len = n;

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

		if (next < 0) {
			close(fd);
			return nix_explain_open_errno(err, e, sofar);
		}
		if (fstat(next, &st) < 0) {
			e = errno;
			close(next);
			close(fd);
			return nix_err_errno(err, e, "cannot stat %s", sofar);
		}
		if (S_ISLNK(st.st_mode)) {
			close(next);
			if (!follow_roots || !link_is_roots(fd, &st)) {
				close(fd);
				return nix_err_set(err, "%s is a symlink a user could change (give the real path, see realpath(1))",
						   sofar);
			}
			if (++links > NIX_SYMLINKS_MAX) {
				close(fd);
				return nix_err_set(err, "%s: too many levels of symlinks", sofar);
			}
			char rest[PATH_MAX];

			snprintf(rest, sizeof(rest), "%s", p);
			int rc = follow_roots_link(fd, comp, sofar, parent_len, rest, walk, err);

			close(fd);
			if (rc < 0)
				return -1;
			p = walk;
			goto restart;
		}
		close(fd);
		if (*p && !S_ISDIR(st.st_mode)) {
			close(next);
			return nix_err_set(err, "%s is not a directory", sofar);
		}
		fd = next;
	}
	if (real)
		memcpy(real, n ? sofar : "/", (n ? n : 1) + 1);
	return fd;
}

int nix_open_nofollow(const char *path, struct nix_err *err)
{
	return nix_open_walk(path, true, NULL, err);
}
