#include "closure.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DB_REL "var/nix/db/db.sqlite"

/* Without a database, a list's paths (already a closure) are checked
 * against store/ itself: each must be there. */
static int store_check_present(int store_root_fd, size_t sdlen,
			       const struct nix_path_set *paths, struct nix_err *err)
{
	char rel[CLOSURE_PATH_MAX + 8], q[QBUF];
	struct stat st;

	for (size_t i = 0; i < paths->len; i++) {
		snprintf(rel, sizeof(rel), "store%s", paths->paths[i] + sdlen);
		if (fstatat(store_root_fd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return nix_err_errno(err, errno, "%s is not in the store",
					     sp_quotes(q, sizeof(q), paths->paths[i]));
	}
	return 0;
}

/* A SPEC that is a symlink, as the `result` link nix-build leaves: read as
 * the user (we run as them), and taken as its target, which must be a
 * store path (or below one). 1: it was a link, its store path added to
 * roots; 0: not a link (the caller opens it); -1: error. */
static int spec_through_link(const char *arg, const char *store_dir, size_t sdlen,
			     struct nix_path_set *roots, struct nix_err *err)
{
	char target[CLOSURE_PATH_MAX + 1], q[QBUF], qt[QBUF];
	struct closure_spec item = { 0 };
	struct nix_err e;
	ssize_t len = readlink(arg, target, sizeof(target) - 1);
	int rc;

	if (len < 0)
		return 0; /* not a link (EINVAL), or open() will say why */
	target[len] = '\0';
	sp_quotes(q, sizeof(q), arg);
	sp_quotes(qt, sizeof(qt), target);
	if (closure_spec_parse_one(target, (size_t)len, 0, store_dir, sdlen,
				   &item, &e) < 0 ||
	    item.kind != CLOSURE_SPEC_STORE_PATH) {
		free(item.arg);
		return nix_err_set(err, "%s: a symbolic link to %s, not to a store path in %s",
				   q, qt, store_dir);
	}
	rc = nix_path_set_add(roots, item.arg);
	free(item.arg);
	return rc < 0 ? nix_err_errno(err, errno, "%s", q) : 1;
}

/* A -qR list file or a closureInfo dir, opened as the user. */
static int read_list_spec(const char *arg, const char *store_dir,
			  struct nix_path_set *list, struct nix_err *e)
{
	struct stat st;
	int fd, rc;

	fd = open(arg, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return nix_err_set(e, "%s", strerror(errno));
	if (fstat(fd, &st) < 0)
		rc = nix_err_set(e, "%s", strerror(errno));
	else if (S_ISREG(st.st_mode))
		rc = closure_read_list(fd, store_dir, list, e);
	else if (S_ISDIR(st.st_mode))
		rc = closure_read_info_dir(fd, store_dir, list, e);
	else
		rc = nix_err_set(e, "is not a regular file or a directory");
	close(fd);
	return rc;
}

/* The store's database, if it has one: 1 opened, 0 none, -1 error. */
static int open_store_db(int store_root_fd, struct db *d, struct nix_err *err)
{
	char db_path[64];
	struct stat st;

	if (fstatat(store_root_fd, DB_REL, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return nix_err_errno(err, errno, "the store's database " DB_REL);
	}
	if (!S_ISREG(st.st_mode))
		return nix_err_set(err, "the store's " DB_REL " is not a regular file");
	snprintf(db_path, sizeof(db_path), "/proc/self/fd/%d/" DB_REL, store_root_fd);
	return db_open(d, db_path, "the store database " DB_REL, err) < 0 ? -1 : 1;
}

void closure_walk_close(struct closure_walk *w)
{
	db_close(&w->d);
	nix_path_set_free(&w->roots);
	nix_path_set_free(&w->listed);
	memset(w, 0, sizeof(*w));
}

/* A list is a closure already: checked against the database when there
 * is one, else against store/. A store path's closure needs the
 * database: checked to be there; its roots are closed over later. */
int closure_walk_open(int store_root_fd, const char *store_dir,
		      const struct closure_spec_list *specs, struct closure_walk *w,
		      struct nix_err *err)
{
	struct nix_path_set list = {0};
	struct nix_err e;
	char q[QBUF];
	size_t sdlen;
	int rc;

	memset(w, 0, sizeof(*w));
	if (store_dir_check(store_dir, &sdlen) < 0)
		return nix_err_set(err, "invalid store directory '%s'",
				   sp_quotes(q, sizeof(q), store_dir));
	if (!specs->len)
		return nix_err_set(err, "no SPEC given");
	w->has_db = open_store_db(store_root_fd, &w->d, err);
	if (w->has_db < 0)
		return -1;

	for (size_t i = 0; i < specs->len; i++) {
		const struct closure_spec *s = &specs->items[i];

		sp_quotes(q, sizeof(q), s->arg);
		if (s->kind == CLOSURE_SPEC_STORE_PATH) {
			if (nix_store_path_valid(s->arg, store_dir) < 0) {
				nix_err_set(err, "'%s' is not a store path in %s", q, store_dir);
				goto fail;
			}
			if (nix_path_set_add(&w->roots, s->arg) < 0) {
				nix_err_errno(err, errno, "%s", q);
				goto fail;
			}
			continue;
		}
		rc = spec_through_link(s->arg, store_dir, sdlen, &w->roots, err);
		if (rc < 0)
			goto fail;
		if (rc == 1)
			continue;
		rc = read_list_spec(s->arg, store_dir, &list, &e);
		if (rc == 0)
			rc = w->has_db ? db_check_valid(&w->d, &list, &e)
				       : store_check_present(store_root_fd, sdlen, &list, &e);
		if (rc == 0)
			rc = ps_merge(&w->listed, &list) < 0 ? nix_err_errno(&e, errno, "out of memory") : 0;
		nix_path_set_free(&list);
		if (rc < 0) {
			nix_err_set(err, "%s: %s", q, e.msg);
			goto fail;
		}
	}
	if (w->roots.len && !w->has_db) {
		nix_err_set(err, "a store path's closure comes from the store's database, and it "
			    "has no " DB_REL " (give a `nix-store -qR` list or a closureInfo dir)");
		goto fail;
	}
	if (w->listed.len > CLOSURE_PATHS_MAX) {
		nix_err_set(err, "the closure has more than %d paths", CLOSURE_PATHS_MAX);
		goto fail;
	}
	return 0;
fail:
	nix_path_set_free(&list);
	closure_walk_close(w);
	return -1;
}

int closure_walk_each(struct closure_walk *w,
		      int (*fn)(void *ctx, const char *path, struct nix_err *err),
		      void *ctx, struct nix_err *err)
{
	struct nix_path_set unused = {0};
	int rc;

	for (size_t i = 0; i < w->listed.len; i++)
		if (fn(ctx, w->listed.paths[i], err))
			return -1;
	if (!w->roots.len)
		return 0;
	w->d.emit = fn;
	w->d.emit_ctx = ctx;
	rc = db_closure(&w->d, &w->roots, &unused, err);
	w->d.emit = NULL;
	nix_path_set_free(&unused);
	return rc;
}

int closure_resolve(int store_root_fd, const char *store_dir,
		    const struct closure_spec_list *specs,
		    struct nix_path_set *out, struct nix_err *err)
{
	struct closure_walk w;
	struct nix_path_set all = {0};
	int rc = -1;

	if (closure_walk_open(store_root_fd, store_dir, specs, &w, err) < 0)
		return -1;
	if (ps_merge(&all, &w.listed) < 0) {
		nix_err_errno(err, errno, "out of memory");
		goto out;
	}
	if (w.roots.len && db_closure(&w.d, &w.roots, &all, err) < 0)
		goto out;
	if (all.len > CLOSURE_PATHS_MAX) {
		nix_err_set(err, "the closure has more than %d paths", CLOSURE_PATHS_MAX);
		goto out;
	}
	if (ps_merge(out, &all) < 0) {
		nix_err_errno(err, errno, "out of memory");
		goto out;
	}
	rc = 0;
out:
	nix_path_set_free(&all);
	closure_walk_close(&w);
	return rc;
}

int closure_check(int store_root_fd, const char *store_dir,
		  const struct closure_spec_list *specs, struct nix_err *err)
{
	struct closure_walk w;
	int rc;

	if (closure_walk_open(store_root_fd, store_dir, specs, &w, err) < 0)
		return -1;
	rc = w.roots.len ? db_check_valid(&w.d, &w.roots, err) : 0;
	closure_walk_close(&w);
	return rc;
}
