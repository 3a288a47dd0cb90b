/* squashfs=fuse: the life of a view's squashfuse server (nix_image.h).
 *
 * The server is forked in the step that builds the view, but the view
 * lives for the job: Slurm kills a step's cgroup (or process group) at the
 * step's end. So root moves the server from the step's cgroups into the
 * job's (adopt) and records it next to the view's pin; at job end, after
 * the pins are gone, the record's server is killed (if it has not ended
 * with its mount) and the job cgroups it kept Slurm from removing go. */
#ifndef SPANK_NIX_FUSE_SERVER_H
#define SPANK_NIX_FUSE_SERVER_H

#include <stdbool.h>
#include <sys/types.h>

#include "nix_error.h"

/* The record's name ends so (next to "<key>.mnt"). */
#define NIX_FUSE_RECORD_SUFFIX ".fuse"

/* The job cgroup of a cgroup path from /proc/PID/cgroup, a step's
 * ("/slurm/uid_5/job_12/step_0/task_1" -> "/slurm/uid_5/job_12") or the
 * job's own (a task that runs before slurmstepd has moved it into the
 * step's): its length, 0 when the path is not a job's. */
size_t nix_fuse_job_cgroup(const char *path);

/* Move pid, a process of uid (every one of its uids; else an error and
 * nothing done), from the caller's step cgroups into their job's, and
 * write the record (pid, start time, the cgroup directories) at record. */
int nix_fuse_server_adopt(pid_t pid, uid_t uid, const char *record, struct nix_err *err);

/* Job end: kill the recorded server if it is still that process, wait for
 * it (a bound of a second or two), remove its job cgroups when empty. */
void nix_fuse_server_end(const char *record);

bool nix_fuse_is_record(const char *name);

#endif
