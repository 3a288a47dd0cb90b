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
};

/* Whether an op of kind makes a mount point (an entry to mount on, or a
 * symlink in its place): what mount_point_make_at makes, and what a run of
 * mount points and binds (mount_apply_run.c) counts as one. */
static inline bool mount_op_is_mount_point(enum mount_op_kind kind)
{
	return kind == MOUNT_OP_MKDIR || kind == MOUNT_OP_MKFILE ||
	       kind == MOUNT_OP_SYMLINK;
}

struct mount_op {
	enum mount_op_kind kind;
	char *source;  /* RBIND: host path; SYMLINK: link text */
	char *target;
	int fd;        /* BIND_FD */
	bool readonly; /* RESTRICT */
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
 * the given store entries (names below store_fd), each bound read-only
 * from the store, on a read-only tmpfs; the store's var/ stays out. */
int mount_plan_user_closure(int store_fd, const char *mountpoint,
			    const struct host_entry *entries, size_t n,
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
 * Hundreds of mount points and binds in one directory (a closure view):
 * a second process makes the mount points while this one binds, when a
 * CPU is to spare; the same result and the same first error. */
int mount_plan_apply(const struct mount_plan *plan, struct nix_err *err);

/* For tests: 1 always that second process, -1 never, 0 (default) when a
 * CPU is to spare. */
extern int mount_apply_second_process;

/* For tests and logs: one op as a line, "rbind /usr -> /stage/usr". */
void mount_op_format(const struct mount_op *op, char *out, size_t outlen);

#endif
