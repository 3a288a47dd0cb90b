#include "job_container.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* Under job_container/tmpfs the task is in the job's mount namespace while
 * slurmstepd (its parent) stays in the node's. The pins must live in the
 * node's: every step finds them there, and the kernel refuses to pin a
 * namespace from one whose id is higher, which the job's may well be. So
 * the task does the state work in slurmstepd's namespace, has the helper
 * copy the job's, and comes back. */
int nix_job_container_acquire_view(struct nix_job *job, const struct nix_view *view,
				   struct nix_ns *ns, struct nix_err *err)
{
	char path[64];
	struct stat own, stepd;
	int own_fd, stepd_fd, rc;

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", getppid());
	if (stat("/proc/self/ns/mnt", &own) < 0 || stat(path, &stepd) < 0 ||
	    own.st_ino == stepd.st_ino)
		return nix_job_acquire_view(job, view, ns, err);

	own_fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	stepd_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (own_fd < 0 || stepd_fd < 0 || setns(stepd_fd, CLONE_NEWNS) < 0) {
		rc = nix_err_errno(err, errno, "cannot enter slurmstepd's mount namespace");
		goto out;
	}
	job->base_mntns_fd = own_fd;
	rc = nix_job_acquire_view(job, view, ns, err);
	if (setns(own_fd, CLONE_NEWNS) < 0) {
		nix_ns_close(ns);
		rc = nix_err_errno(err, errno, "cannot return to the job's mount namespace");
	}
out:
	if (own_fd >= 0)
		close(own_fd);
	if (stepd_fd >= 0)
		close(stepd_fd);
	return rc;
}
