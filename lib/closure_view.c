#include "closure_view.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "closure.h"

/* read store/ whole up to this many entries (estimated) per path */
#define STORE_ENTRIES_PER_PATH_MAX 8

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

/* Whether reading all of store/ costs less than an fstatat per path: a
 * directory entry read costs about a quarter of an fstatat (ext4,
 * bench/closure_parts), so not when the store holds many more entries
 * than the closure, as a big store and a small closure. The number of
 * entries is bounded by the directory's size / 20 (tmpfs counts 20 bytes
 * an entry, ext4, xfs and btrfs more): only speed depends on it. */
static bool store_small_enough(int store_fd, size_t n)
{
	struct stat st;

	if (fstatat(store_fd, "", &st, AT_EMPTY_PATH) < 0 || st.st_size < 0)
		return false;
	return (uint64_t)st.st_size / 20 <= (uint64_t)n * STORE_ENTRIES_PER_PATH_MAX;
}

/* The d_type of each path as read from store/ in one pass of getdents,
 * DT_UNKNOWN for those not seen (or if store/ is not read: describe()
 * then finds out, path by path, as it does for DT_UNKNOWN). */
static void read_store_types(int store_fd, const struct nix_path_set *paths,
			     size_t prefix, unsigned char *types)
{
	char buf[64 * 1024] __attribute__((aligned(8)));
	char path[CLOSURE_PATH_MAX + 1]; /* the store dir and '/', then each entry's name */
	int fd;
	ssize_t len;

	memset(types, DT_UNKNOWN, paths->len);
	if (!paths->len || prefix >= sizeof(path) || !store_small_enough(store_fd, paths->len))
		return;
	memcpy(path, paths->paths[0], prefix);
	fd = openat(store_fd, ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	while ((len = getdents64(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t o = 0; o < len;) {
			const struct dirent64 *d = (const struct dirent64 *)(buf + o);
			size_t nlen = strlen(d->d_name);
			ssize_t i = -1;

			if (prefix + nlen < sizeof(path)) {
				memcpy(path + prefix, d->d_name, nlen + 1);
				i = nix_path_set_index(paths, path);
			}
			if (i >= 0)
				types[i] = d->d_type;
			o += d->d_reclen;
		}
	}
	close(fd);
}

/* One entry, from its d_type where that says enough. */
static int describe_typed(int store_fd, const char *name, unsigned char type,
			  struct host_entry *e, struct nix_err *err)
{
	if (type != DT_DIR && type != DT_REG)
		return describe(store_fd, name, e, err); /* symlinks, unknowns */
	e->type = type == DT_DIR ? HOST_DIR : HOST_FILE;
	e->name = strdup(name);
	return e->name ? 0 : nix_err_set(err, "out of memory");
}

int closure_view_entries(const struct nix_store *store, const char *store_dir,
			 const char *spec_arg, struct host_entry **entries,
			 size_t *n, struct nix_err *err)
{
	struct closure_spec_list specs = { 0 };
	struct nix_path_set paths = { 0 };
	size_t prefix = strlen(store_dir) + 1;
	unsigned char *types = NULL;
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
	types = malloc(paths.len ? paths.len : 1);
	if (!types) {
		nix_err_set(err, "out of memory");
		goto out;
	}
	read_store_types(store->store_fd, &paths, prefix, types);
	for (size_t i = 0; i < paths.len; i++) {
		if (describe_typed(store->store_fd, paths.paths[i] + prefix, types[i],
				   &(*entries)[i], err) < 0) {
			closure_view_entries_free(*entries, i + 1);
			*entries = NULL;
			goto out;
		}
	}
	*n = paths.len;
	rc = 0;
out:
	free(types);
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
