/* One job on one node: find the pinned namespace of a view, or build it.
 * Every step of the job (batch script, srun steps, concurrent or not) comes
 * through here and gets the same namespaces for the same view; a different
 * view gets its own mount namespace inside the job's one user namespace. */
#ifndef SPANK_NIX_JOB_H
#define SPANK_NIX_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nix_config.h"
#include "nix_namespace.h"
#include "nix_request.h"

struct nix_job {
	const struct nix_config *cfg;
	const char *node;
	uint32_t jobid;
	const struct nix_ids *ids;
	/* The mount namespace views are copied from (a job_container's, with
	 * the job's private /tmp), when the caller keeps the state elsewhere;
	 * -1: the caller's own. */
	int base_mntns_fd;
	const char *const *keep; /* paths --nix-hide must leave reachable */
	int nkeep;
	/* nix_clock_ms() by which everything must be done, lock wait included */
	int64_t deadline_ms;
	/* out, may be NULL: whether this call built the view (not found it
	 * pinned), and how many store paths a closure view shows */
	bool *built;
	size_t *npaths;
	/* out, may be NULL: the errno with which the kernel refused a user
	 * namespace when userns=auto built this view without one, else 0 */
	int *userns_refused;
};

/* Returns 0 with ns open on the view's namespaces (reused or built), -1
 * with err set. Must run as root, single-threaded. */
int nix_job_acquire_view(const struct nix_job *job, const struct nix_view *view,
			 struct nix_ns *ns, struct nix_err *err);

/* The view's namespaces if this job has them pinned on this node already:
 * 1 with ns open, 0 if not (or not finished: a step building it holds the
 * job's lock, and writes the view's description last), -1 with err (one
 * not the job user's). Read-only and without the job's lock: nothing is
 * made or waited for. Root, any number of threads. */
int nix_job_find_view(const struct nix_job *job, const struct nix_view *view,
		      struct nix_ns *ns, struct nix_err *err);

#endif
