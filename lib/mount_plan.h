/* Mount plans: the mounts that make a view, as plain data.
 *
 * A view is built in two stages by a helper process (see nix_namespace.h):
 *   host stage - as root, in a fresh mount namespace, a slave of the
 *                node's (mounts made on the node later, autofs or CVMFS,
 *                appear in the view): forget the pins of other jobs and, when the mount point does not exist
 *                on the node, build a root that has it (a tmpfs with every
 *                top-level entry of the host bound in, then pivot_root);
 *   user stage - as the job user, inside the job's user namespace: bind the
 *                user's store onto the mount point, read-only, nosuid, nodev.
 * Building a plan touches nothing: the host's top-level entries come in as
 * data, so each plan can be checked in a unit test and applied elsewhere. */
#ifndef SPANK_NIX_MOUNT_PLAN_H
#define SPANK_NIX_MOUNT_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "nix_error.h"

enum mount_op_kind {
	MOUNT_OP_MAKE_RSLAVE,   /* "/" and everything below: receive the host's
	                           mounts, send nothing back */
	MOUNT_OP_MAKE_PRIVATE,  /* the one mount holding target: no propagation */
	MOUNT_OP_DETACH_BELOW,  /* lazily unmount every mount at/below target */
	MOUNT_OP_TMPFS,         /* a fresh tmpfs (mode 0755) on target */
	MOUNT_OP_RAMFS,         /* a fresh ramfs (mode 0755) on target: for
	                           thousands of mount points, made ~40 % faster
	                           than on tmpfs (bench/closure_parts) */
	MOUNT_OP_MKDIR,         /* mount point: an empty directory */
	MOUNT_OP_MKFILE,        /* mount point: an empty file (mknod, one call) */
	MOUNT_OP_SYMLINK,       /* a symlink at target pointing to source */
	MOUNT_OP_RBIND,         /* bind source (and its submounts) on target */
	MOUNT_OP_BIND_FD,       /* bind the directory behind fd on target */
	MOUNT_OP_RESTRICT,      /* target: nosuid,nodev, and ro if readonly */
	MOUNT_OP_PIVOT,         /* target becomes "/", the old root goes away */
	MOUNT_OP_BIND,          /* bind source (alone) on target: keeps its flags */
	MOUNT_OP_UMOUNT,        /* lazily unmount target */
	MOUNT_OP_RMDIR,         /* remove the (empty) directory target */
	MOUNT_OP_HIDE,          /* an empty read-only tmpfs on target, with the
	                           paths in source (one per line) bound back in */
	MOUNT_OP_MIRROR,        /* for each entry of op->entries, as they come:
	                           a mount point of its type in target and the
	                           entry of that name in source bound on it (a
	                           symlink is made, not bound) */
};

struct mount_entry_source;

struct mount_op {
	enum mount_op_kind kind;
	char *source;  /* RBIND: host path; SYMLINK: link text */
	char *target;
	int fd;        /* BIND_FD */
	bool readonly; /* RESTRICT */
	struct mount_entry_source *entries; /* MIRROR (not owned) */
};

struct mount_plan {
	struct mount_op *ops;
	size_t len;
	size_t cap;
};

/* An entry of a directory: of the host's root, or of a store. */
enum host_entry_type { HOST_DIR, HOST_FILE, HOST_SYMLINK };

struct host_entry {
	char *name;
	enum host_entry_type type;
	char *link; /* HOST_SYMLINK: its target */
};

/* Where a MOUNT_OP_MIRROR's entries come from: run hands each entry to
 * emit as soon as it knows it, and stops at emit's first nonzero return
 * (returning it). -1 with err for its own failure. A closure view walks
 * the Nix database here, so that its first binds are made while the rest
 * of the closure is still being read; run may be called in a process
 * forked from the one that built the plan. */
struct mount_entry_source {
	int (*run)(void *ctx, int (*emit)(void *ectx, const struct host_entry *e),
		   void *ectx, struct nix_err *err);
	void *ctx;
	size_t made;        /* set by mount_plan_apply: the entries mounted, */
	bool source_failed; /* and whether its error was run's own (the
	                       caller names the option the source reads) */
};

/* A source that emits entries[0..n), in order (tests, and lists known
 * beforehand). The array must outlive src. */
struct host_entry_array {
	const struct host_entry *entries;
	size_t n;
};
void mount_entries_of_array(struct mount_entry_source *src, struct host_entry_array *a);

struct host_root {
	struct host_entry *entries;
	size_t len;
	bool mountpoint_exists;
};

/* Read the top-level entries of "/" and whether mountpoint exists. */
int host_root_scan(const char *mountpoint, struct host_root *root,
		   struct nix_err *err);
void host_root_free(struct host_root *root);

/* The host stage. staging: a root-only directory to build a new root in
 * (the state dir: its mounts are detached first anyway). */
int mount_plan_host(const struct host_root *root, const char *mountpoint,
		    const char *state_dir, struct mount_plan *plan,
		    struct nix_err *err);

/* The user stage: bind store_root_fd on mountpoint. */
int mount_plan_user(int store_root_fd, const char *mountpoint, bool writable,
		    struct mount_plan *plan, struct nix_err *err);

/* The user stage of a closure view: under mountpoint only store/ holding
 * the store entries (names below store_fd) that entries yields, each bound
 * read-only from the store, on a read-only ramfs; the store's var/ stays
 * out. entries must outlive the plan. */
int mount_plan_user_closure(int store_fd, const char *mountpoint,
			    struct mount_entry_source *entries,
			    struct mount_plan *plan, struct nix_err *err);

/* --nix-hide: hide each path of the comma-separated list (normalized,
 * checked by nix_request) behind an empty read-only directory, keeping
 * reachable those of keep[] below it (Slurm's conf, spool, munge socket). */
int mount_plan_hide(const char *hide_list, const char *const *keep, int nkeep,
		    struct mount_plan *plan, struct nix_err *err);

/* GPU driver libraries (gpu_libs.h) at /run/opengl-driver/lib and
 * /run/opengl-driver-32/lib: /run becomes a tmpfs with each of its entries
 * (run, from gpu_run_scan) bound back from old_run, a path that still
 * reaches the old /run once covered ("/proc/self/fd/N" of a directory fd
 * opened before), and each library bound read-only, nosuid, nodev. */
struct gpu_libs;
int mount_plan_gpu(const struct gpu_libs *libs, const char *old_run,
		   const struct host_root *run, struct mount_plan *plan,
		   struct nix_err *err);

void mount_plan_free(struct mount_plan *plan);

/* Apply the ops in order; stop at the first failure, naming it in err.
 * A MIRROR (a closure view's thousands of entries): when this process may
 * run on two CPUs, a second process runs its source and makes the mount
 * points while this one binds; the same result and the same first error. */
int mount_plan_apply(const struct mount_plan *plan, struct nix_err *err);

/* For tests: 1 always that second process, -1 never, 0 (default) when
 * this process may run on two CPUs. */
extern int mount_apply_second_process;

/* For tests and logs: one op as a line, "rbind /usr -> /stage/usr". */
void mount_op_format(const struct mount_op *op, char *out, size_t outlen);

#endif
