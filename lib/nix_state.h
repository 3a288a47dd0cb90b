/* Node-local state: where a job's namespaces are pinned between its steps.
 *
 *   <state_dir>/<node>/job.<id>/lock       flock: one creator at a time
 *   <state_dir>/<node>/job.<id>/owner      "uid=<uid> boot=<boot id>"
 *   <state_dir>/<node>/job.<id>/<key>.mnt  bind mount of a view's mount ns
 *   <state_dir>/<node>/job.<id>/<key>.view the view's description
 *
 * Keyed by node name (several slurmd may share a host and its /run) and job
 * id, never by pid. Job ids come back (a slurmctld started afresh counts
 * from 1 again), so the prolog clears its job's directory before the job
 * starts, and the owner record makes anything left by another user or an
 * earlier boot count as stale; every job's prolog also sweeps the node's
 * dead jobs. Everything is root's, mode 0700. A job has
 * at most max_views views per node (each pin is a mount in the node's
 * table), and a .view file is at most NIX_STATE_VIEW_MAX bytes.
 *
 * Here: the layout and a job's directory, made and locked. A job's views
 * there: nix_state_pins.h; the sweep: nix_state_sweep.h (which jobs are in
 * use: nix_state_in_use.h); the admin command's listing: nix_state_list.h. */
#ifndef SPANK_NIX_STATE_H
#define SPANK_NIX_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "nix_error.h"
#include "nix_request.h"

#define NIX_STATE_VIEW_MAX NIX_VIEW_DESC_MAX

struct nix_job_dir {
	char path[PATH_MAX];
	int lock_fd;
	int state_fd; /* the state dir, its flock held shared */
};

#define NIX_JOB_DIR_INIT { .path = "", .lock_fd = -1, .state_fd = -1 }

/* Path of a job's directory (nothing is created). The node name must be a
 * plain name: no '/', not "." or "..". */
int nix_state_job_path(const char *state_dir, const char *node, uint32_t jobid,
		       char *out, size_t outlen, struct nix_err *err);

/* Create (as needed) and lock a job's directory for uid, waiting for the
 * lock until deadline_ms (nix_clock_ms). A directory left by another user
 * or another boot is emptied first. */
int nix_state_lock_job(const char *state_dir, const char *node, uint32_t jobid,
		       uid_t uid, int64_t deadline_ms, struct nix_job_dir *jd,
		       struct nix_err *err);
void nix_state_unlock_job(struct nix_job_dir *jd);

/* "<job dir>/<key><suffix>" */
void nix_state_file(const struct nix_job_dir *jd, const char *key,
		    const char *suffix, char *out, size_t outlen);

/* A name usable as one path component: not empty, ".", ".." nor with '/'. */
bool nix_state_is_plain_name(const char *s);

/* This boot's id (/proc/sys/kernel/random/boot_id), "" if unknown. */
void nix_boot_id(char out[64]);

#endif
