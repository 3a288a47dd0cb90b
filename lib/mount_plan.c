#include "mount_plan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gpu_libs.h"
#include "nix_path.h"

static int plan_add(struct mount_plan *plan, enum mount_op_kind kind,
		    const char *source, const char *target, int fd,
		    bool readonly, struct nix_err *err)
{
	struct mount_op *op;

	if (plan->len == plan->cap) {
		size_t cap = plan->cap ? plan->cap * 2 : 16;
		struct mount_op *ops = realloc(plan->ops, cap * sizeof(*ops));

		if (!ops)
			return nix_err_set(err, "out of memory");
		plan->ops = ops;
		plan->cap = cap;
	}
	op = &plan->ops[plan->len];
	*op = (struct mount_op){ .kind = kind, .fd = fd, .readonly = readonly };
	op->source = source ? strdup(source) : NULL;
	op->target = strdup(target);
	if ((source && !op->source) || !op->target) {
		free(op->source);
		free(op->target);
		return nix_err_set(err, "out of memory");
	}
	plan->len++;
	return 0;
}

static int array_run(void *ctx, int (*emit)(void *ectx, const struct host_entry *e),
		     void *ectx, struct nix_err *err)
{
	const struct host_entry_array *a = ctx;

	(void)err;
	for (size_t i = 0; i < a->n; i++) {
		int rc = emit(ectx, &a->entries[i]);

		if (rc)
			return rc;
	}
	return 0;
}

void mount_entries_of_array(struct mount_entry_source *src, struct host_entry_array *a)
{
	*src = (struct mount_entry_source){ .run = array_run, .ctx = a };
}

void mount_plan_free(struct mount_plan *plan)
{
	for (size_t i = 0; i < plan->len; i++) {
		free(plan->ops[i].source);
		free(plan->ops[i].target);
	}
	free(plan->ops);
	*plan = (struct mount_plan){ 0 };
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct host_entry *)a)->name,
		      ((const struct host_entry *)b)->name);
}

int host_root_scan(const char *mountpoint, struct host_root *root,
		   struct nix_err *err)
{
	DIR *dir;
	struct dirent *de;
	struct stat st;
	size_t cap = 0;

	*root = (struct host_root){ 0 };
	root->mountpoint_exists = lstat(mountpoint, &st) == 0;

	dir = opendir("/");
	if (!dir)
		return nix_err_errno(err, errno, "cannot list /");
	while ((de = readdir(dir))) {
		struct host_entry e = { 0 };

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* vanished meanwhile */
		if (S_ISDIR(st.st_mode)) {
			e.type = HOST_DIR;
		} else if (S_ISLNK(st.st_mode)) {
			char buf[PATH_MAX];
			ssize_t n = readlinkat(dirfd(dir), de->d_name, buf, sizeof(buf) - 1);

			if (n < 0)
				continue;
			buf[n] = '\0';
			e.type = HOST_SYMLINK;
			e.link = strdup(buf);
		} else {
			e.type = HOST_FILE;
		}
		e.name = strdup(de->d_name);
		if (root->len == cap) {
			cap = cap ? cap * 2 : 32;
			struct host_entry *n = realloc(root->entries, cap * sizeof(*n));

			if (!n) {
				free(e.name);
				free(e.link);
				closedir(dir);
				host_root_free(root);
				return nix_err_set(err, "out of memory");
			}
			root->entries = n;
		}
		root->entries[root->len++] = e;
	}
	closedir(dir);
	if (root->len)
		qsort(root->entries, root->len, sizeof(*root->entries), entry_cmp);
	return 0;
}

void host_root_free(struct host_root *root)
{
	for (size_t i = 0; i < root->len; i++) {
		free(root->entries[i].name);
		free(root->entries[i].link);
	}
	free(root->entries);
	*root = (struct host_root){ 0 };
}

/* Make entry e of from_dir appear in to_dir: a mount point of its type with
 * from_dir/name bound on it (bind_kind: RBIND or BIND), or the same
 * symlink (nothing to bind). */
static int plan_mirror_entry(struct mount_plan *plan, const struct host_entry *e,
			     const char *from_dir, const char *to_dir,
			     enum mount_op_kind bind_kind, struct nix_err *err)
{
	char target[PATH_MAX * 2], source[PATH_MAX * 2];

	snprintf(target, sizeof(target), "%s/%s", to_dir, e->name);
	snprintf(source, sizeof(source), "%s/%s", from_dir, e->name);
	switch (e->type) {
	case HOST_SYMLINK:
		return plan_add(plan, MOUNT_OP_SYMLINK, e->link, target, -1, false, err);
	case HOST_DIR:
		if (plan_add(plan, MOUNT_OP_MKDIR, NULL, target, -1, false, err) < 0)
			return -1;
		break;
	case HOST_FILE:
		if (plan_add(plan, MOUNT_OP_MKFILE, NULL, target, -1, false, err) < 0)
			return -1;
		break;
	}
	return plan_add(plan, bind_kind, source, target, -1, false, err);
}

/* "/nix" -> "nix"; NULL when the path is not directly below "/". */
static const char *top_level_name(const char *path)
{
	if (path[0] != '/' || path[1] == '\0' || strchr(path + 1, '/'))
		return NULL;
	return path + 1;
}

int mount_plan_host(const struct host_root *root, const char *mountpoint,
		    const char *state_dir, struct mount_plan *plan,
		    struct nix_err *err)
{
	char target[PATH_MAX * 2];
	const char *name;

	/* Host mounts made later (autofs homes, CVMFS) propagate in; nothing
	 * we mount propagates out. */
	if (plan_add(plan, MOUNT_OP_MAKE_RSLAVE, NULL, "/", -1, false, err) < 0)
		return -1;
	/* Except into the mount holding the state dir: other jobs' pins made
	 * later must not enter (they would keep those namespaces alive as long
	 * as this one), and the kernel fails a pin (EINVAL) rather than copy a
	 * mount namespace file into a slave. The copy of the pins that exist
	 * now goes too. */
	if (plan_add(plan, MOUNT_OP_MAKE_PRIVATE, NULL, state_dir, -1, false, err) < 0 ||
	    plan_add(plan, MOUNT_OP_DETACH_BELOW, NULL, state_dir, -1, false, err) < 0)
		return -1;
	if (root->mountpoint_exists)
		return 0;

	name = top_level_name(mountpoint);
	if (!name)
		return nix_err_set(err, "mount point %s does not exist on this node and is not directly below /",
				   mountpoint);

	/* A new root: a tmpfs holding the host's top-level entries plus the
	 * mount point, so everything else of the host stays where it was. */
	if (plan_add(plan, MOUNT_OP_TMPFS, NULL, state_dir, -1, false, err) < 0)
		return -1;
	for (size_t i = 0; i < root->len; i++)
		if (plan_mirror_entry(plan, &root->entries[i], "", state_dir,
				      MOUNT_OP_RBIND, err) < 0)
			return -1;
	/* The entry holding the state dir brought a copy of the half-built
	 * root along: drop it, leaving the plain (root-only) directory. */
	snprintf(target, sizeof(target), "%s%s", state_dir, state_dir);
	if (plan_add(plan, MOUNT_OP_DETACH_BELOW, NULL, target, -1, false, err) < 0)
		return -1;
	snprintf(target, sizeof(target), "%s/%s", state_dir, name);
	if (plan_add(plan, MOUNT_OP_MKDIR, NULL, target, -1, false, err) < 0)
		return -1;
	if (plan_add(plan, MOUNT_OP_RESTRICT, NULL, state_dir, -1, true, err) < 0)
		return -1;
	return plan_add(plan, MOUNT_OP_PIVOT, NULL, state_dir, -1, false, err);
}

int mount_plan_user(int store_root_fd, const char *mountpoint, bool writable,
		    struct mount_plan *plan, struct nix_err *err)
{
	if (plan_add(plan, MOUNT_OP_BIND_FD, NULL, mountpoint, store_root_fd, false, err) < 0)
		return -1;
	return plan_add(plan, MOUNT_OP_RESTRICT, NULL, mountpoint, -1, !writable, err);
}

int mount_plan_user_closure(int store_fd, const char *mountpoint,
			    struct mount_entry_source *entries,
			    struct mount_plan *plan, struct nix_err *err)
{
	char store[PATH_MAX], all[PATH_MAX];

	snprintf(store, sizeof(store), "%s/store", mountpoint);
	/* The whole store, read-only, at a staging point: each entry is bound
	 * from there and so inherits ro,nosuid,nodev with one mount call.
	 * The mount points go on a ramfs: it makes them faster than a tmpfs
	 * does, and nothing is written to it once it is read-only. */
	snprintf(all, sizeof(all), "%s/.all", mountpoint);
	/* The staging point is made private before anything is bound from it,
	 * so the entries are too: as slaves of the node's mount of the store
	 * (shared where systemd runs the node), each would take that mount's
	 * later mount events, and every one of those events would visit every
	 * entry of every view on the node. */
	if (plan_add(plan, MOUNT_OP_RAMFS, NULL, mountpoint, -1, false, err) < 0 ||
	    plan_add(plan, MOUNT_OP_MKDIR, NULL, store, -1, false, err) < 0 ||
	    plan_add(plan, MOUNT_OP_MKDIR, NULL, all, -1, false, err) < 0 ||
	    plan_add(plan, MOUNT_OP_BIND_FD, NULL, all, store_fd, false, err) < 0 ||
	    plan_add(plan, MOUNT_OP_MAKE_PRIVATE, NULL, all, -1, false, err) < 0 ||
	    plan_add(plan, MOUNT_OP_RESTRICT, NULL, all, -1, true, err) < 0)
		return -1;
	if (plan_add(plan, MOUNT_OP_MIRROR, all, store, -1, false, err) < 0)
		return -1;
	plan->ops[plan->len - 1].entries = entries;
	if (plan_add(plan, MOUNT_OP_UMOUNT, NULL, all, -1, false, err) < 0 ||
	    plan_add(plan, MOUNT_OP_RMDIR, NULL, all, -1, false, err) < 0)
		return -1;
	return plan_add(plan, MOUNT_OP_RESTRICT, NULL, mountpoint, -1, true, err);
}

int mount_plan_hide(const char *hide_list, const char *const *keep, int nkeep,
		    struct mount_plan *plan, struct nix_err *err)
{
	char list[PATH_MAX * 4], keeps[PATH_MAX * 8];
	char *save = NULL;

	if (strlen(hide_list) >= sizeof(list))
		return nix_err_set(err, "--nix-hide: list too long");
	strcpy(list, hide_list);
	for (char *h = strtok_r(list, ",", &save); h; h = strtok_r(NULL, ",", &save)) {
		size_t o = 0;
		bool kept_whole = false;

		keeps[0] = '\0';
		for (int i = 0; i < nkeep; i++)
			kept_whole |= !strcmp(keep[i], h);
		if (kept_whole)
			continue; /* Slurm needs all of it */
		for (int i = 0; i < nkeep; i++)
			if (nix_path_has_prefix(keep[i], h) && o < sizeof(keeps))
				o += snprintf(keeps + o, sizeof(keeps) - o, "%s\n", keep[i]);
		if (plan_add(plan, MOUNT_OP_HIDE, keeps, h, -1, true, err) < 0)
			return -1;
	}
	return 0;
}

/* Kept apart from the store's stages: only nodes with GPU libraries run it. */
int mount_plan_gpu(const struct gpu_libs *libs, const char *old_run,
		   const struct host_root *run, struct mount_plan *plan,
		   struct nix_err *err)
{
	static const char *const dirs[2] = { "/run/opengl-driver", "/run/opengl-driver-32" };
	char target[PATH_MAX * 2];
	bool need[2] = { false, false };

	for (size_t i = 0; i < libs->n; i++)
		need[libs->v[i].lib32] = true;
	if (plan_add(plan, MOUNT_OP_TMPFS, NULL, "/run", -1, false, err) < 0)
		return -1;
	for (size_t i = 0; i < run->len; i++) {
		/* what the host may have there is replaced, not merged */
		if (!strcmp(run->entries[i].name, "opengl-driver") ||
		    !strcmp(run->entries[i].name, "opengl-driver-32"))
			continue;
		if (plan_mirror_entry(plan, &run->entries[i], old_run, "/run",
				      MOUNT_OP_RBIND, err) < 0)
			return -1;
	}
	for (int d = 0; d < 2; d++) {
		if (!need[d])
			continue;
		snprintf(target, sizeof(target), "%s/lib", dirs[d]);
		if (plan_add(plan, MOUNT_OP_MKDIR, NULL, dirs[d], -1, false, err) < 0 ||
		    plan_add(plan, MOUNT_OP_MKDIR, NULL, target, -1, false, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < libs->n; i++) {
		snprintf(target, sizeof(target), "%s/lib/%s", dirs[libs->v[i].lib32],
			 libs->v[i].name);
		if (plan_add(plan, MOUNT_OP_MKFILE, NULL, target, -1, false, err) < 0 ||
		    plan_add(plan, MOUNT_OP_BIND, libs->v[i].path, target, -1, false, err) < 0 ||
		    plan_add(plan, MOUNT_OP_RESTRICT, NULL, target, -1, true, err) < 0)
			return -1;
	}
	return plan_add(plan, MOUNT_OP_RESTRICT, NULL, "/run", -1, true, err);
}

void mount_op_format(const struct mount_op *op, char *out, size_t outlen)
{
	switch (op->kind) {
	case MOUNT_OP_MAKE_RSLAVE:
		snprintf(out, outlen, "make-rslave %s", op->target);
		break;
	case MOUNT_OP_MAKE_PRIVATE:
		snprintf(out, outlen, "make-private mount of %s", op->target);
		break;
	case MOUNT_OP_DETACH_BELOW:
		snprintf(out, outlen, "detach-below %s", op->target);
		break;
	case MOUNT_OP_TMPFS:
		snprintf(out, outlen, "tmpfs %s", op->target);
		break;
	case MOUNT_OP_RAMFS:
		snprintf(out, outlen, "ramfs %s", op->target);
		break;
	case MOUNT_OP_MKDIR:
		snprintf(out, outlen, "mkdir %s", op->target);
		break;
	case MOUNT_OP_MKFILE:
		snprintf(out, outlen, "mkfile %s", op->target);
		break;
	case MOUNT_OP_SYMLINK:
		snprintf(out, outlen, "symlink %s -> %s", op->target, op->source);
		break;
	case MOUNT_OP_RBIND:
		snprintf(out, outlen, "rbind %s -> %s", op->source, op->target);
		break;
	case MOUNT_OP_BIND_FD:
		snprintf(out, outlen, "bind fd -> %s", op->target);
		break;
	case MOUNT_OP_RESTRICT:
		snprintf(out, outlen, "restrict %s%s", op->target,
			 op->readonly ? " ro" : " rw");
		break;
	case MOUNT_OP_PIVOT:
		snprintf(out, outlen, "pivot %s", op->target);
		break;
	case MOUNT_OP_BIND:
		snprintf(out, outlen, "bind %s -> %s", op->source, op->target);
		break;
	case MOUNT_OP_UMOUNT:
		snprintf(out, outlen, "umount %s", op->target);
		break;
	case MOUNT_OP_RMDIR:
		snprintf(out, outlen, "rmdir %s", op->target);
		break;
	case MOUNT_OP_MIRROR:
		snprintf(out, outlen, "mirror %s -> %s", op->source, op->target);
		break;
	case MOUNT_OP_HIDE: {
		char keeps[1024];
		size_t n = snprintf(keeps, sizeof(keeps), "%s", op->source ? op->source : "");

		for (size_t i = 0; i < n && i < sizeof(keeps); i++)
			if (keeps[i] == '\n')
				keeps[i] = i + 1 == n ? '\0' : ',';
		snprintf(out, outlen, "hide %s%s%s", op->target, keeps[0] ? " keeping " : "", keeps);
		break;
	}
	}
}
