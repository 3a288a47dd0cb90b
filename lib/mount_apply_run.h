/* Between mount_apply.c (a plan's ops, one by one) and mount_apply_run.c
 * (a MIRROR: a source's entries made and bound, two processes at a time):
 * what each needs of the other. Not for callers of mount_plan.h. */
#ifndef SPANK_NIX_MOUNT_APPLY_RUN_H
#define SPANK_NIX_MOUNT_APPLY_RUN_H

#include "mount_plan.h"

/* One op, as one syscall (or two); -1 with errno. */
int mount_op_apply(const struct mount_op *op);

/* The mount point for e (a directory, an empty file, or e's symlink
 * itself) at e->name below dfd; -1 with errno. */
int mount_point_make_entry(int dfd, const struct host_entry *e);

/* err names the op that failed with errno e; returns -1. */
int mount_op_failed(const struct mount_op *op, int e, struct nix_err *err);

/* A MOUNT_OP_MIRROR: 0, or -1 with err naming the first failure (the
 * source's, a mount point's or a bind's, in the source's order). */
int mount_mirror_apply(const struct mount_op *op, struct nix_err *err);

#endif
