/* Between mount_apply.c (a plan's ops, one by one) and mount_apply_run.c
 * (a run of mount points and binds in one directory, two processes at a
 * time): what each needs of the other. Not for callers of mount_plan.h. */
#ifndef SPANK_NIX_MOUNT_APPLY_RUN_H
#define SPANK_NIX_MOUNT_APPLY_RUN_H

#include <stddef.h>

#include "mount_plan.h"

/* One op, as one syscall (or two); -1 with errno. */
int mount_op_apply(const struct mount_op *op);

/* A mount point (MKDIR, MKFILE, SYMLINK) at name below dfd; -1 with errno. */
int mount_point_make_at(int dfd, const char *name, const struct mount_op *op);

/* err names the op that failed with errno e; returns -1. */
int mount_op_failed(const struct mount_op *op, int e, struct nix_err *err);

/* The end of the run from start on: mount points and plain binds whose
 * targets are all entries of one directory (dir_len: that directory's
 * length in the first target). start when there is no run. */
size_t mount_run_end(const struct mount_plan *plan, size_t start, size_t *dir_len);

/* ops[start, end), a run: 1 applied, -1 failed (err), 0 not done (too
 * short, or no CPU to spare: the caller applies them one by one). */
int mount_run_apply(const struct mount_plan *plan, size_t start, size_t end,
		    size_t dir_len, struct nix_err *err);

#endif
