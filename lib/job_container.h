/* Acquiring a job's view from inside a job container (job_container/tmpfs,
 * namespace/tmpfs, namespace/linux): the task is in the job's mount
 * namespace while slurmstepd, its parent, stays in the node's. */
#ifndef SPANK_NIX_JOB_CONTAINER_H
#define SPANK_NIX_JOB_CONTAINER_H

#include "nix_job.h"

/* nix_job_acquire_view, run in the parent's (slurmstepd's) mount
 * namespace when ours differs, with the view copied from ours
 * (job->base_mntns_fd is set to it); back in ours after. 0 with ns open,
 * -1 with err set. Must run as root, single-threaded. */
int nix_job_container_acquire_view(struct nix_job *job, const struct nix_view *view,
				   struct nix_ns *ns, struct nix_err *err);

#endif
