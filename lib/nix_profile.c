#include "nix_profile.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "closure.h"
#include "closure_view.h"
#include "nix_clock.h"
#include "nix_image.h"
#include "nix_namespace.h"
#include "nix_path.h"

/* path relative to the store's directory when it is below the mount
 * point (the view shows the store there), else NULL (a host path). */
static const char *in_store_dir(const char *path, const char *mountpoint)
{
	if (!nix_path_has_prefix(path, mountpoint))
		return NULL;
	path += strlen(mountpoint);
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

static int lstat_in_view(int root_fd, const char *mountpoint, const char *path,
			 struct stat *st)
{
	const char *rel = in_store_dir(path, mountpoint);

	return rel ? fstatat(root_fd, rel, st, AT_SYMLINK_NOFOLLOW) : lstat(path, st);
}

static ssize_t readlink_in_view(int root_fd, const char *mountpoint, const char *path,
				char *buf, size_t len)
{
	const char *rel = in_store_dir(path, mountpoint);

	return rel ? readlinkat(root_fd, rel, buf, len) : readlink(path, buf, len);
}

static void drop_last(char *path)
{
	char *slash = strrchr(path, '/');

	if (slash)
		*slash = '\0';
}

/* Walk path component by component, reading each symlink and walking its
 * target in turn; cur never holds a link, so ".." is its parent. */
static int walk(int root_fd, const char *mountpoint, const char *path, char *cur,
		size_t curlen, struct nix_err *err)
{
	char rest[PATH_MAX], next[PATH_MAX], target[PATH_MAX];
	const char *p = rest, *c;
	size_t len;
	int hops = 0;

	if ((size_t)snprintf(rest, sizeof(rest), "%s", path) >= sizeof(rest))
		return nix_err_set(err, "%s: path too long", path);
	cur[0] = '\0';
	while ((c = nix_path_next(&p, &len))) {
		size_t cl = strlen(cur);
		struct stat st;
		ssize_t n;

		if (len == 1 && c[0] == '.')
			continue;
		if (len == 2 && !memcmp(c, "..", 2)) {
			drop_last(cur);
			continue;
		}
		if (cl + 1 + len >= curlen)
			return nix_err_set(err, "%s: path too long", path);
		cur[cl] = '/';
		memcpy(cur + cl + 1, c, len);
		cur[cl + 1 + len] = '\0';
		if (lstat_in_view(root_fd, mountpoint, cur, &st) < 0)
			return nix_err_errno(err, errno, "%s", cur);
		if (!S_ISLNK(st.st_mode))
			continue;
		if (++hops > NIX_PROFILE_HOPS_MAX)
			return nix_err_set(err, "%s: more than %d symbolic links", path,
					   NIX_PROFILE_HOPS_MAX);
		n = readlink_in_view(root_fd, mountpoint, cur, target, sizeof(target) - 1);
		if (n <= 0)
			return nix_err_errno(err, n < 0 ? errno : EINVAL, "cannot read the link %s", cur);
		target[n] = '\0';
		drop_last(cur);
		if (target[0] == '/')
			cur[0] = '\0';
		if ((size_t)snprintf(next, sizeof(next), "%s/%s", target, p) >= sizeof(next))
			return nix_err_set(err, "%s: path too long", path);
		memcpy(rest, next, strlen(next) + 1);
		p = rest;
	}
	if (!cur[0])
		snprintf(cur, curlen, "/");
	return 0;
}

int nix_profile_resolve(int store_root_fd, const char *mountpoint, const char *path,
			char *out, size_t outlen, char *store_path, size_t splen,
			struct nix_err *err)
{
	char res[PATH_MAX], store_dir[PATH_MAX + 8];
	size_t sdlen;

	if (walk(store_root_fd, mountpoint, path, res, sizeof(res), err) < 0)
		return -1;
	if ((size_t)snprintf(out, outlen, "%s", res) >= outlen)
		return nix_err_set(err, "%s: path too long", path);
	if (!nix_path_has_prefix(res, mountpoint))
		return 0; /* a host directory, as the view shows it */
	sdlen = (size_t)snprintf(store_dir, sizeof(store_dir), "%s/store",
				 strcmp(mountpoint, "/") ? mountpoint : "");
	if (!nix_path_has_prefix(res, store_dir) || !res[sdlen])
		return nix_err_set(err, "%s leads to %s, not a store path (a --nix-closure "
				   "view shows only store paths)", path, res);
	char sp[PATH_MAX];

	snprintf(sp, sizeof(sp), "%.*s", (int)(sdlen + 1 + strcspn(res + sdlen + 1, "/")), res);
	if (nix_store_path_valid(sp, store_dir) < 0)
		return nix_err_set(err, "%s leads to %s, not a valid store path", path, sp);
	if (store_path && (size_t)snprintf(store_path, splen, "%s", sp) >= splen)
		return nix_err_set(err, "%s: path too long", path);
	return 1;
}

/* Append ",item" (or "item" to an empty list); -1 when it does not fit. */
static int list_add(char *list, size_t size, const char *item)
{
	size_t len = strlen(list);
	int n = snprintf(list + len, size - len, "%s%s", len ? "," : "", item);

	return n < 0 || (size_t)n >= size - len ? -1 : 0;
}

int nix_view_resolve_profiles(const struct nix_store *store, struct nix_view *view,
			      struct nix_err *err)
{
	char *list = NULL, *profiles = NULL, *closure = NULL, *save = NULL;
	char res[PATH_MAX], sp[PATH_MAX], store_dir[PATH_MAX + 8];
	char q[NIX_QUOTE_MAX];
	struct nix_err perr;
	int rc = -1;

	if (!view->closure[0] || !view->profile[0])
		return 0;
	list = strdup(view->profile);
	profiles = calloc(1, sizeof(view->profile));
	closure = calloc(1, sizeof(view->closure));
	if (!list || !profiles || !closure) {
		nix_err_set(err, "out of memory");
		goto out;
	}
	memcpy(closure, view->closure, strlen(view->closure) + 1);
	nix_view_store_dir(view, store_dir, sizeof(store_dir));
	for (char *p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		int kind = nix_profile_resolve(store->root_fd, view->mountpoint, p, res,
					       sizeof(res), sp, sizeof(sp), &perr);

		if (kind < 0) {
			nix_err_set(err, "--nix-profile=%s: %s", nix_quote(p, q), perr.msg);
			goto out;
		}
		if (strchr(res, ',')) {
			nix_err_set(err, "--nix-profile=%s: leads to %s, a path with a comma",
				    nix_quote(p, q), res);
			goto out;
		}
		if (kind == 1 && closure_view_check(store, store_dir, sp, &perr) < 0) {
			nix_err_set(err, "--nix-profile=%s: leads to %s: %s", nix_quote(p, q),
				    sp, perr.msg);
			goto out;
		}
		/* a chain that does not end in the store proves nothing: the
		 * profile stays as given, a host path the view shows as is */
		if (list_add(profiles, sizeof(view->profile), kind == 1 ? res : p) < 0 ||
		    (kind == 1 && list_add(closure, sizeof(view->closure), sp) < 0)) {
			nix_err_set(err, "--nix-profile=%s: the closure and profile lists "
				    "are too long once resolved", nix_quote(view->profile, q));
			goto out;
		}
	}
	memcpy(view->profile, profiles, strlen(profiles) + 1);
	memcpy(view->closure, closure, strlen(closure) + 1);
	rc = 0;
out:
	free(list);
	free(profiles);
	free(closure);
	return rc;
}

int nix_view_profiles_image_refused(const struct nix_view *view, struct nix_err *err)
{
	char q[NIX_QUOTE_MAX];

	if (!view->closure[0] || !view->profile[0])
		return 0;
	return nix_err_set(err, "--nix-profile=%s: not supported with --nix-closure on a squashfs "
			   "image (its links are inside the image, which is mounted only when "
			   "the view is built); drop --nix-closure (the whole image is then "
			   "at %s, its profiles too), or add the profile's store path to "
			   "--nix-closure and give no --nix-profile",
			   nix_quote(view->profile, q), view->mountpoint);
}

/* The store, opened as the user: an image is not a directory to resolve
 * profiles in before the view is built (nix_view_profiles_image_refused). */
static int open_store_for_profiles(const struct nix_view *view, uid_t uid, struct nix_store *store,
				   struct nix_err *err)
{
	int fd = -1, rc = nix_image_open(view->store, uid, &fd, err);

	if (fd >= 0)
		close(fd);
	if (rc > 0)
		return nix_view_profiles_image_refused(view, err);
	if (rc == 0)
		rc = nix_store_open(view->store, nix_view_store_owner(view, uid), store, err);
	if (rc < 0) {
		char msg[NIX_ERR_MAX];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		nix_err_set(err, "%s: %s", view->origin, msg);
	}
	return rc < 0 ? -1 : 0;
}

/* The child: the job user, all ids; reports "P<profile>\0<closure>" or
 * "E<reason>" on fd. */
static _Noreturn void resolve_child(int fd, const struct nix_ids *ids, struct nix_view *view)
{
	struct nix_store store = NIX_STORE_INIT;
	struct nix_err err;
	int ok;

	pid_t parent = getppid();

	if (setgroups(ids->ngroups, ids->groups) < 0 ||
	    setresgid(ids->gid, ids->gid, ids->gid) < 0 ||
	    setresuid(ids->uid, ids->uid, ids->uid) < 0) {
		nix_err_errno(&err, errno, "cannot become uid %u", (unsigned)ids->uid);
		ok = 0;
	} else {
		/* a copy of slurmstepd's memory: never the user's to read; and the
		 * walk may hang on a store that stops answering while the task is
		 * killed */
		if (nix_after_id_change(parent) < 0)
			_exit(1);
		ok = open_store_for_profiles(view, ids->uid, &store, &err) == 0 &&
		     nix_view_resolve_profiles(&store, view, &err) == 0;
	}
	if (ok) {
		(void)!write(fd, "P", 1);
		(void)!write(fd, view->profile, strlen(view->profile) + 1);
		(void)!write(fd, view->closure, strlen(view->closure));
	} else {
		(void)!write(fd, "E", 1);
		(void)!write(fd, err.msg, strlen(err.msg));
	}
	_exit(0);
}

/* Read until EOF within the deadline; the length, or -1. */
static ssize_t read_all(int fd, char *buf, size_t size, int64_t deadline_ms)
{
	size_t got = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, nix_ms_left(deadline_ms));
		ssize_t n;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -1 : (ssize_t)got;
		got += (size_t)n;
		if (got == size)
			return -1; /* more than any answer holds */
	}
}

/* Take the child's answer: both fields NUL-terminated and of a size that
 * fits (it is the user's process: its answer is no more than their own
 * options could say, and is checked again where it is used). */
static int take_answer(char *buf, size_t n, struct nix_view *view, struct nix_err *err)
{
	buf[n] = '\0';
	if (n > 0 && buf[0] == 'E')
		return nix_err_set(err, "%s", buf + 1);
	size_t plen = n > 0 ? strnlen(buf + 1, n - 1) : 0;

	if (n < 2 || buf[0] != 'P' || plen + 1 >= n || plen >= sizeof(view->profile) ||
	    strlen(buf + plen + 2) >= sizeof(view->closure))
		return nix_err_set(err, "--nix-profile: cannot resolve the profiles "
				   "(the process that reads them as the user failed)");
	memcpy(view->profile, buf + 1, plen + 1);
	memcpy(view->closure, buf + plen + 2, strlen(buf + plen + 2) + 1);
	return 0;
}

int nix_view_resolve_profiles_as(const struct nix_ids *ids, struct nix_view *view,
				 int64_t deadline_ms, struct nix_err *err)
{
	size_t size = sizeof(view->profile) + sizeof(view->closure) + NIX_ERR_MAX + 4;
	char *buf;
	int fds[2], rc;
	ssize_t n;
	pid_t pid;

	if (!view->closure[0] || !view->profile[0])
		return 0;
	buf = malloc(size);
	if (!buf || pipe2(fds, O_CLOEXEC) < 0) {
		free(buf);
		return nix_err_errno(err, errno, "--nix-profile: cannot resolve the profiles");
	}
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		resolve_child(fds[1], ids, view);
	}
	close(fds[1]);
	n = pid < 0 ? -1 : read_all(fds[0], buf, size - 1, deadline_ms);
	close(fds[0]);
	if (pid > 0) {
		if (n < 0)
			kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (n < 0)
		rc = nix_err_set(err, "--nix-profile: the profiles were not resolved in time "
				 "(create_timeout)");
	else
		rc = take_answer(buf, (size_t)n, view, err);
	free(buf);
	return rc;
}
