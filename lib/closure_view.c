#include "closure_view.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "closure.h"

void closure_view_entries_free(struct host_entry *entries, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(entries[i].name);
		free(entries[i].link);
	}
	free(entries);
}

static int describe(int store_fd, const char *name, struct host_entry *e,
		    struct nix_err *err)
{
	struct stat st;

	if (fstatat(store_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return nix_err_errno(err, errno, "%s is in the database but not in store/", name);
	e->name = strdup(name);
	if (S_ISDIR(st.st_mode)) {
		e->type = HOST_DIR;
	} else if (S_ISLNK(st.st_mode)) {
		char buf[PATH_MAX];
		ssize_t len = readlinkat(store_fd, name, buf, sizeof(buf) - 1);

		if (len < 0)
			return nix_err_errno(err, errno, "cannot read the symlink %s", name);
		buf[len] = '\0';
		e->type = HOST_SYMLINK;
		e->link = strdup(buf);
		if (!e->link)
			return nix_err_set(err, "out of memory");
	} else if (S_ISREG(st.st_mode)) {
		e->type = HOST_FILE;
	} else {
		return nix_err_set(err, "%s is neither a file, a directory nor a symlink", name);
	}
	return e->name ? 0 : nix_err_set(err, "out of memory");
}

int closure_view_entries(const struct nix_store *store, const char *store_dir,
			 const char *spec_arg, struct host_entry **entries,
			 size_t *n, struct nix_err *err)
{
	struct closure_spec_list specs = { 0 };
	struct nix_path_set paths = { 0 };
	size_t prefix = strlen(store_dir) + 1;
	int rc = -1;

	*entries = NULL;
	*n = 0;
	if (closure_spec_parse(spec_arg, store_dir, &specs, err) < 0)
		return -1;
	if (closure_resolve(store->root_fd, store_dir, &specs, &paths, err) < 0)
		goto out;
	*entries = calloc(paths.len ? paths.len : 1, sizeof(**entries));
	if (!*entries) {
		nix_err_set(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < paths.len; i++) {
		if (describe(store->store_fd, paths.paths[i] + prefix, &(*entries)[i], err) < 0) {
			closure_view_entries_free(*entries, i + 1);
			*entries = NULL;
			goto out;
		}
	}
	*n = paths.len;
	rc = 0;
out:
	nix_path_set_free(&paths);
	closure_spec_list_free(&specs);
	return rc;
}

int closure_view_check(const struct nix_store *store, const char *store_dir,
		       const char *spec_arg, struct nix_err *err)
{
	struct closure_spec_list specs = { 0 };
	int rc;

	if (closure_spec_parse(spec_arg, store_dir, &specs, err) < 0)
		return -1;
	rc = closure_check(store->root_fd, store_dir, &specs, err);
	closure_spec_list_free(&specs);
	return rc;
}
