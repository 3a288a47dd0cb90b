/* The state dir as a mount of its own that propagates nothing.
 *
 * A pin is a mount namespace file bound in the state dir, and the kernel
 * will not copy one into another mount namespace: where the mount holding
 * the state dir propagates (systemd makes /run shared, and each of its
 * sandboxed services holds a copy of it), every pin fails with EINVAL. So
 * the state dir is bound onto itself and made private, once per boot, as
 * Slurm's job_container/tmpfs does with its BasePath. That mount stays
 * until the node reboots.
 *
 * Not while anything is mounted below it (the pins of running jobs, made
 * by an earlier version of the plugin): the new mount would hide them and
 * the mount they are on would keep their namespaces for ever. Whoever
 * makes pins holds the state dir's flock shared, so none is made while
 * the mount is. */
#ifndef SPANK_NIX_STATE_MOUNT_H
#define SPANK_NIX_STATE_MOUNT_H

#include <stdint.h>

#include "nix_error.h"

/* Make state_dir (which exists) a private mount if it is not one yet and
 * nothing is below it, then hold its flock shared (waiting at most until
 * deadline_ms, nix_clock_ms): *fd, to close when done with pins. */
int nix_state_dir_hold(const char *state_dir, int64_t deadline_ms, int *fd,
		       struct nix_err *err);

#endif
