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

#include "name_table.h"

/* One walk of the closure: what it has seen, and what it knows of store/. */
struct walk_run {
	const struct closure_view *cv;
	int (*emit)(void *ectx, const struct host_entry *e);
	void *ectx;
	struct name_table seen;    /* entries emitted */
	struct name_table types;   /* d_type of each entry of store/, once read */
	bool types_read;
	size_t stats;              /* entries described by an fstatat */
	size_t store_entries;      /* an upper bound of store/'s entries */
};

/* An upper bound of the entries of store/ (tmpfs counts 20 bytes an entry
 * in a directory's size, ext4, xfs and btrfs more); SIZE_MAX if unknown. */
static size_t store_entries_bound(int store_fd)
{
	struct stat st;

	if (fstatat(store_fd, "", &st, AT_EMPTY_PATH) < 0 || st.st_size < 0)
		return SIZE_MAX;
	return (size_t)st.st_size / 20;
}

/* store/'s entries and their d_type, in one pass of getdents. */
static void read_store_types(int store_fd, struct name_table *types)
{
	char buf[64 * 1024] __attribute__((aligned(8)));
	ssize_t len;
	int fd = openat(store_fd, ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return;
	while ((len = getdents64(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t o = 0; o < len;) {
			const struct dirent64 *d = (const struct dirent64 *)(buf + o);

			if (d->d_type != DT_UNKNOWN &&
			    name_table_add(types, d->d_name, strlen(d->d_name), d->d_type) < 0)
				break;
			o += d->d_reclen;
		}
	}
	close(fd);
}

/* Whether to read store/ whole rather than go on with an fstatat per path
 * (an entry read costs about a quarter of an fstatat, bench/closure_parts):
 * when the lists given hold an eighth of its entries or more (as before a
 * closure view could stream), when the database finds the closure to be a
 * quarter of its paths or more, or once the fstatats made so far have cost
 * what reading it costs, as in renting skis until their price is paid (at
 * most twice the cheaper of the two). */
static bool store_worth_reading(const struct walk_run *r)
{
	if (r->store_entries == SIZE_MAX)
		return false;
	return r->cv->walk.listed.len >= r->store_entries / 8 ||
	       r->cv->walk.d.scanning || r->stats >= r->store_entries / 4;
}

/* The d_type of name, DT_UNKNOWN when not known. */
static unsigned char known_type(struct walk_run *r, const char *name)
{
	unsigned char t;

	if (!r->types_read && store_worth_reading(r)) {
		read_store_types(r->cv->store->store_fd, &r->types);
		r->types_read = true;
	}
	return r->types_read && name_table_find(&r->types, name, strlen(name), &t) ? t : DT_UNKNOWN;
}

static int describe(struct walk_run *r, const char *name, struct host_entry *e,
		    char *link, struct nix_err *err)
{
	int store_fd = r->cv->store->store_fd;
	unsigned char t = known_type(r, name);
	struct stat st;

	e->name = (char *)name;
	e->link = NULL;
	if (t == DT_DIR || t == DT_REG) {
		e->type = t == DT_DIR ? HOST_DIR : HOST_FILE;
		return 0;
	}
	r->stats++;
	if (fstatat(store_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return nix_err_errno(err, errno, "%s is in the database but not in store/", name);
	if (S_ISDIR(st.st_mode)) {
		e->type = HOST_DIR;
	} else if (S_ISREG(st.st_mode)) {
		e->type = HOST_FILE;
	} else if (S_ISLNK(st.st_mode)) {
		ssize_t len = readlinkat(store_fd, name, link, PATH_MAX - 1);

		if (len < 0)
			return nix_err_errno(err, errno, "cannot read the symlink %s", name);
		link[len] = '\0';
		e->type = HOST_SYMLINK;
		e->link = link;
	} else {
		return nix_err_set(err, "%s is neither a file, a directory nor a symlink", name);
	}
	return 0;
}

/* A path of the walk: described and emitted the first time it comes. */
static int take_path(void *ctx, const char *path, struct nix_err *err)
{
	struct walk_run *r = ctx;
	const char *name = path + r->cv->prefix;
	char link[PATH_MAX];
	struct host_entry e;
	int added = name_table_add(&r->seen, name, strlen(name), 0);

	if (added < 0)
		return nix_err_errno(err, errno, "out of memory");
	if (!added)
		return 0;
	if (r->seen.len > CLOSURE_PATHS_MAX)
		return nix_err_set(err, "the closure has more than %d paths", CLOSURE_PATHS_MAX);
	if (describe(r, name, &e, link, err) < 0)
		return -1;
	return r->emit(r->ectx, &e) ? -1 : 0;
}

static int walk(void *ctx, int (*emit)(void *ectx, const struct host_entry *e),
		void *ectx, struct nix_err *err)
{
	struct closure_view *cv = ctx;
	struct walk_run r = {
		.cv = cv, .emit = emit, .ectx = ectx,
		.store_entries = store_entries_bound(cv->store->store_fd),
	};
	int rc = closure_walk_each(&cv->walk, take_path, &r, err);

	name_table_free(&r.seen);
	name_table_free(&r.types);
	return rc;
}

int closure_view_open(const struct nix_store *store, const char *store_dir,
		      const char *spec_arg, struct closure_view *cv, struct nix_err *err)
{
	struct closure_spec_list specs = { 0 };
	int rc;

	*cv = (struct closure_view){ .store = store, .prefix = strlen(store_dir) + 1 };
	if (closure_spec_parse(spec_arg, store_dir, &specs, err) < 0)
		return -1;
	rc = closure_walk_open(store->root_fd, store_dir, &specs, &cv->walk, err);
	closure_spec_list_free(&specs);
	return rc;
}

void closure_view_source(struct closure_view *cv, struct mount_entry_source *src)
{
	*src = (struct mount_entry_source){ .run = walk, .ctx = cv };
}

void closure_view_close(struct closure_view *cv)
{
	closure_walk_close(&cv->walk);
}

void closure_view_entries_free(struct host_entry *entries, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(entries[i].name);
		free(entries[i].link);
	}
	free(entries);
}

struct collected {
	struct host_entry *v;
	size_t n, cap;
};

static int collect(void *ectx, const struct host_entry *e)
{
	struct collected *c = ectx;

	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		struct host_entry *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return -1;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n] = (struct host_entry){ .name = strdup(e->name), .type = e->type,
					  .link = e->link ? strdup(e->link) : NULL };
	c->n++;
	return !c->v[c->n - 1].name || (e->link && !c->v[c->n - 1].link) ? -1 : 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct host_entry *)a)->name, ((const struct host_entry *)b)->name);
}

int closure_view_entries(const struct nix_store *store, const char *store_dir,
			 const char *spec_arg, struct host_entry **entries,
			 size_t *n, struct nix_err *err)
{
	struct collected c = { 0 };
	struct closure_view cv;
	int rc;

	*entries = NULL;
	*n = 0;
	if (closure_view_open(store, store_dir, spec_arg, &cv, err) < 0)
		return -1;
	nix_err_set(err, "out of memory"); /* what a failed collect leaves */
	rc = walk(&cv, collect, &c, err);
	closure_view_close(&cv);
	if (rc) {
		closure_view_entries_free(c.v, c.n);
		return -1;
	}
	qsort(c.v, c.n, sizeof(*c.v), by_name);
	*entries = c.v;
	*n = c.n;
	return 0;
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
