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
 * table), and a .view file is at most NIX_STATE_VIEW_MAX bytes. */
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
};

#define NIX_JOB_DIR_INIT { .path = "", .lock_fd = -1 }

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

/* Does the .view file at path hold exactly desc (len bytes)? */
bool nix_state_view_matches(const char *path, const char *desc, size_t len);

/* Write a .view file; at most NIX_STATE_VIEW_MAX bytes. */
int nix_state_write_view(const char *path, const char *desc, size_t len,
			 struct nix_err *err);

/* May the job (locked) build one more view on this node? An error naming
 * the site's max_views when it has max_views already. */
int nix_state_room_for_view(const struct nix_job_dir *jd, int max_views,
			    struct nix_err *err);

/* Unmount the pins and remove a job's directory: at job end and before a
 * job starts. A job without a directory is not an error. */
int nix_state_remove_job(const char *state_dir, const char *node,
			 uint32_t jobid, struct nix_err *err);

/* Remove the directories of dead jobs: of another boot, without an owner
 * record (a creator killed half-way), or whose namespaces no process on
 * the host is in or holds (a job that ended while slurmd was down, so its
 * epilog never ran). A directory whose lock is held is left alone.
 * Returns how many were removed. */
int nix_state_sweep_node(const char *state_dir, const char *node,
			 struct nix_err *err);

/* What the admin command lists: a job's directory on a node, its owner
 * record and views. Read-only: nothing is locked or changed. */
#define NIX_STATE_LIST_VIEWS 64

struct nix_state_view {
	char key[17];
	bool pinned;          /* the .mnt file holds a mount namespace */
	bool closure;         /* a --nix-closure view */
	char writable[4];     /* "1" or "0" */
	char store[PATH_MAX];
	char hide[256];       /* cut */
};

struct nix_state_job {
	char node[NAME_MAX + 1];
	char path[PATH_MAX + NAME_MAX + 2];
	uint32_t jobid;
	bool has_owner;       /* an owner record: uid= boot= */
	uid_t uid;
	bool this_boot;
	time_t since;         /* when the first view was started (the owner record) */
	int in_use;           /* 1: a process is in or holds its namespaces; 0: none; -1: unknown */
	int nviews;
	struct nix_state_view views[NIX_STATE_LIST_VIEWS];
};

typedef void (*nix_state_list_cb)(const struct nix_state_job *job, void *arg);

/* Call cb for each job directory of each node under state_dir. */
int nix_state_list(const char *state_dir, nix_state_list_cb cb, void *arg,
		   struct nix_err *err);

/* This boot's id (/proc/sys/kernel/random/boot_id), "" if unknown. */
void nix_boot_id(char out[64]);

#endif
