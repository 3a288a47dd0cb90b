/* slurmstepd: every task of the batch step and of each srun step.
 *
 * task_init_privileged runs as root in the forked task, after Slurm has put
 * it into any job_container namespace (so a view built from here keeps the
 * job's private /tmp and /dev/shm) and single-threaded (so the helper can
 * be forked and namespaces joined). There we find or build the view; the
 * first task of the first step on a node builds it, under a lock, and every
 * later step finds it pinned; a step's other tasks take it (or the error)
 * from its first task. task_init, as the user, joins it.
 * Errors wait for task_init: reported there they fail the task with the
 * message on its stderr, while a failed user_init would drain a batch
 * job's node and leave srun's exit code at 0 (Slurm bug 7573). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "job_container.h"
#include "job_user.h"
#include "nix_clock.h"
#include "nix_db_lock.h"
#include "nix_profile.h"
#include "nix_share.h"
#include "task_job.h"
#include "task_view.h"
#include "plugin.h"

static void task_fail(const char *fmt, const char *msg)
{
	snprintf(nix_plugin.task_error, sizeof(nix_plugin.task_error), fmt, msg);
}

/* The job's ids and size, from Slurm; only the tasks that resolve the
 * request look the user up in passwd (nix_job_user_find_passwd). */
static int get_job_ids(spank_t sp, struct nix_job_user *out)
{
	struct nix_job_user u = { .jobid = 0 };

	if (spank_get_item(sp, S_JOB_UID, &u.uid) != ESPANK_SUCCESS ||
	    spank_get_item(sp, S_JOB_GID, &u.gid) != ESPANK_SUCCESS ||
	    spank_get_item(sp, S_JOB_ID, &u.jobid) != ESPANK_SUCCESS)
		return -1;
	if (spank_get_item(sp, S_JOB_SUPPLEMENTARY_GIDS, &u.groups, &u.ngroups) != ESPANK_SUCCESS) {
		u.groups = NULL;
		u.ngroups = 0;
	}
	if (spank_get_item(sp, S_JOB_NNODES, &u.nnodes) != ESPANK_SUCCESS)
		u.nnodes = 1;
	*out = u;
	return 0;
}

/* --nix-writable is per job: S_JOB_NNODES is only the step's count. The
 * batch step's SLURM_JOB_NUM_NODES is Slurm's own (slurmstepd sets it from
 * the launch message, over the user's); an srun step's comes from srun, the
 * user's to change. It only ever makes us refuse, and the store's lock,
 * taken in task_init, stops two nodes writing at once whatever it says. */
static uint32_t job_nnodes(spank_t sp, uint32_t step_nnodes)
{
	char value[32];

	if (spank_getenv(sp, "SLURM_JOB_NUM_NODES", value, sizeof(value)) != ESPANK_SUCCESS)
		return step_nnodes;
	return nix_job_nnodes(value, step_nnodes);
}

/* Who finds a task's view. A step's tasks share the sockets that
 * nix_step_begin made: local task 0 finds it (reused, or built) and
 * passes it, with its outcome, to the others, which wait for it rather
 * than each looking up the user, resolving the request, taking the job's
 * lock and opening the pin in turn. Without the sockets, or alone, a task
 * finds it itself. */
enum task_role { TASK_ALONE, TASK_FIRST, TASK_SIBLING };

static enum task_role task_role(spank_t sp, int *siblings)
{
	uint32_t ntasks = 1;
	int taskid = 0;

	if (nix_plugin.share.fd[0] < 0 ||
	    spank_get_item(sp, S_JOB_LOCAL_TASK_COUNT, &ntasks) != ESPANK_SUCCESS ||
	    spank_get_item(sp, S_TASK_ID, &taskid) != ESPANK_SUCCESS || ntasks < 2)
		return TASK_ALONE;
	*siblings = (int)ntasks - 1;
	return taskid == 0 ? TASK_FIRST : TASK_SIBLING;
}

/* What task 0 found, as its siblings take it: with the view's fds, every
 * outcome their task_init needs (the error or warning line to print, the
 * profiles for PATH, the store to lock). All as the user, or in messages. */
static const struct nix_share_text task_outcome[] = {
	{ nix_plugin.task_error, sizeof(nix_plugin.task_error) },
	{ nix_plugin.task_warning, sizeof(nix_plugin.task_warning) },
	{ nix_plugin.profile, sizeof(nix_plugin.profile) },
	{ nix_plugin.writer, sizeof(nix_plugin.writer) },
	{ nix_plugin.mountpoint, sizeof(nix_plugin.mountpoint) },
	{ nix_plugin.hide, sizeof(nix_plugin.hide) },
};
#define TASK_OUTCOME_N ((int)(sizeof(task_outcome) / sizeof(task_outcome[0])))

/* Task 0's own budget, and the time to reap a stuck helper. */
#define SHARE_GRACE_MS 3000

static void pass_outcome_to_siblings(int siblings, int64_t deadline_ms)
{
	struct nix_err err;
	const struct nix_ns *ns = nix_plugin.task_error[0] ? NULL : &nix_plugin.ns;

	if (nix_share_send(&nix_plugin.share, siblings, ns, task_outcome, TASK_OUTCOME_N,
			   deadline_ms + SHARE_GRACE_MS, &err) < 0)
		slurm_error("nix: %s", err.msg);
}

static int take_first_tasks_outcome(uid_t uid, int64_t deadline_ms, struct nix_err *err)
{
	return nix_share_receive(&nix_plugin.share, uid, deadline_ms + SHARE_GRACE_MS,
				 &nix_plugin.ns, task_outcome, TASK_OUTCOME_N, err);
}

/* The view, reused or built; a sibling that task 0 never told (it died,
 * or missed the deadline) has that as its reason. */
static int acquire_view(struct nix_job *job, const struct nix_view *view,
			const struct nix_err *untold, struct nix_err *err)
{
	if (untold) {
		*err = *untold;
		return -1;
	}
	return nix_job_container_acquire_view(job, view, &nix_plugin.ns, err);
}

#ifndef SLURM_BATCH_SCRIPT
#define SLURM_BATCH_SCRIPT 0xfffffffbU /* slurm/slurm.h, the same 22.05 to 26.05 */
#endif

static bool is_batch_step(spank_t sp)
{
	uint32_t step;

	return spank_get_item(sp, S_JOB_STEPID, &step) == ESPANK_SUCCESS &&
	       step == SLURM_BATCH_SCRIPT;
}

/* The site's default store cannot be used: the job runs without it, told
 * so on its stderr (exists: a store that is there but broken), unless the
 * user asked for something only a store gives: then the task fails. */
static void default_store_unusable(const struct nix_view *view, const char *why,
				   bool exists)
{
	char opt[NIX_QUOTE_MAX + 32], origin[NIX_QUOTE_MAX], store[NIX_QUOTE_MAX];
	size_t olen = strlen(view->origin);

	/* the helper's reasons start with the option already */
	if (!strncmp(why, view->origin, olen) && !strncmp(why + olen, ": ", 2))
		why += olen + 2;
	nix_quote(view->origin, origin);
	nix_quote(view->store, store);
	if (nix_request_needs_store(&nix_plugin.req, opt, sizeof(opt))) {
		snprintf(nix_plugin.task_error, sizeof(nix_plugin.task_error),
			 "%s: needs a store, and the site's %s cannot be used: %s%s%s "
			 "(give --nix-store=DIR)", opt, origin, exists ? "" : store,
			 exists ? "" : " ", why);
		return;
	}
	if (!exists)
		return;
	slurm_info("nix: %s: not used: %s", origin, why);
	snprintf(nix_plugin.task_warning, sizeof(nix_plugin.task_warning),
		 "%s: %s; the job runs without %.256s", origin, why, view->mountpoint);
}

/* slurmd's log, one line per view built, as an admin greps for it; where:
 * "" in a step, " in=prolog" in the job prolog. */
static void log_view_built(const struct nix_job_user *u, const char *node,
			   const struct nix_view *view, size_t npaths, int64_t ms,
			   const char *where)
{
	char name[sizeof(u->name)], paths[32] = "all";
	const char *kind = view->closure[0] ? "closure" : view->writable ? "writable" : "store";

	nix_escape(u->name, name, sizeof(name));
	if (view->closure[0])
		snprintf(paths, sizeof(paths), "%zu", npaths);
	slurm_info("nix: view built: job=%u user=%s uid=%u node=%s kind=%s%s paths=%s ms=%lld%s",
		   u->jobid, name, (unsigned)u->uid, node, kind, view->hide[0] ? "+hide" : "",
		   paths, (long long)ms, where);
}

/* userns=auto fell back: said once per node in slurmd's log (a marker in
 * the state dir, root's), not once per job. */
static void log_userns_fallback(const char *node, int refused)
{
	if (!nix_userns_refusal_is_new(nix_plugin.cfg.state_dir, node))
		return;
	slurm_info("nix: node %s: the kernel refuses user namespaces (%s): views are built "
		   "as root (userns=never)", node, strerror(refused));
}

void nix_log_view_acquired(const struct nix_task_job *tj, const struct nix_job_user *u,
			   const char *node, const struct nix_view *view, int64_t started_ms,
			   const char *where)
{
	if (tj->userns_refused)
		log_userns_fallback(node, tj->userns_refused);
	if (tj->built)
		log_view_built(u, node, view, tj->npaths, nix_clock_ms() - started_ms, where);
}

/* A view without a user namespace is root's to join, here, before Slurm
 * drops privileges (task_view.h). */
static int join_as_root(struct nix_err *err)
{
	if (nix_view_join_as_root(&nix_plugin.ns, err) < 0)
		return -1;
	nix_plugin.joined_as_root = true;
	return 0;
}

/* The view is to be had within the site's create_timeout. */
static int64_t view_deadline(int64_t started_ms)
{
	return started_ms + 1000LL * nix_plugin.cfg.create_timeout_s;
}

/* The view the step's tasks ask for, from the request alone (no path is
 * looked at): 1; 0 when they ask for none; -1 with err. */
static int resolve_view(spank_t sp, const struct nix_job_user *u, struct nix_view *view,
			struct nix_err *err)
{
	int rc = nix_request_resolve(&nix_plugin.cfg, &nix_plugin.req,
				     u->home[0] ? u->home : NULL, u->name[0] ? u->name : NULL,
				     view, err);

	if (rc <= 0)
		return rc;
	/* The batch script is the user's glue to Slurm (#!/bin/bash, srun,
	 * scontrol): its step keeps the host's directories, and --nix-hide (or
	 * the site's hide=) applies to the srun steps it launches. */
	if (is_batch_step(sp))
		view->hide[0] = '\0';
	if (view->writable && job_nnodes(sp, u->nnodes) > 1)
		return nix_err_set(err, "--nix-writable: a writable store is for one-node jobs "
				   "(its database must not be shared)");
	return 1;
}

/* What task_init needs of the view besides its fds. */
static void keep_view_outcome(const struct nix_view *view, const struct nix_job_user *u,
			      const char *node)
{
	if (view->writable)
		snprintf(nix_plugin.writer, sizeof(nix_plugin.writer), "job %u on node %s",
			 u->jobid, node);
	snprintf(nix_plugin.mountpoint, sizeof(nix_plugin.mountpoint), "%s", view->mountpoint);
	snprintf(nix_plugin.hide, sizeof(nix_plugin.hide), "%s", view->hide);
	snprintf(nix_plugin.profile, sizeof(nix_plugin.profile), "%s", view->profile);
}

/* This task's view, found or built, or the reason it has none in
 * nix_plugin.task_error (or .task_warning). untold: see acquire_view. */
static void find_view(spank_t sp, const struct nix_job_user *u, const char *node,
		      int64_t started_ms, const struct nix_err *untold)
{
	struct nix_view view;
	struct nix_err err;
	struct nix_task_job tj;
	struct stat st;
	int rc = resolve_view(sp, u, &view, &err);

	if (rc < 0)
		task_fail("%s", err.msg);
	if (rc <= 0)
		return;
	/* The site's default store applies to those who have one. */
	bool is_default = !nix_plugin.req.store_given;

	if (is_default && lstat(view.store, &st) < 0 && errno == ENOENT) {
		default_store_unusable(&view, "does not exist", false);
		return;
	}
	nix_task_job_init(&tj, &nix_plugin.cfg, node, u, view_deadline(started_ms));

	/* A profile reaches its store path through /nix/var, which a closure
	 * view does not show: that store path joins the closure (read as the
	 * user, before the view is built) and goes on PATH. */
	if (nix_view_resolve_profiles_as(&tj.ids, &view, tj.job.deadline_ms, &err) < 0) {
		if (is_default)
			default_store_unusable(&view, err.msg, true);
		else
			task_fail("%s", err.msg);
		return;
	}
	keep_view_outcome(&view, u, node);
	/* Only --nix-hide needs them: spare every other task reading slurm.conf. */
	if (view.hide[0])
		nix_task_job_keep_slurm_paths(&tj, &nix_plugin);
	if (acquire_view(&tj.job, &view, untold, &err) < 0) {
		if (is_default)
			default_store_unusable(&view, err.msg, true);
		else
			task_fail("%s", err.msg);
		return;
	}
	nix_log_view_acquired(&tj, u, node, &view, started_ms, "");
}

/* The raw call changes this thread's ids alone (glibc's changes every
 * thread's); 32-bit systems have a 16-bit setresuid beside this one. */
#ifdef SYS_setresuid32
#define SYS_SETRESUID SYS_setresuid32
#else
#define SYS_SETRESUID SYS_setresuid
#endif

/* Root for this thread alone (slurmstepd's others stay the user's): the
 * real and saved uid are still root's in user_init. */
static int thread_euid(uid_t uid)
{
	return syscall(SYS_SETRESUID, -1, uid, -1) == 0 ? 0 : -1;
}

/* In slurmstepd (user_init: many threads, as the user): the view the step
 * asks for if this job has it pinned on this node, for all its tasks. No
 * path of the user's is looked at here (one on the user's own FUSE mount
 * could hold slurmstepd's main thread): the request is resolved from its
 * strings, and only the state directory (root's) is read, as root. A
 * default store pinned by this job existed when it was pinned. Whatever
 * this does not settle (a view to build, a profile to resolve, an error to
 * report) is left to the tasks, which say why. */
static bool find_pinned_view(spank_t sp)
{
	struct nix_job_user u = { .jobid = 0 };
	struct nix_view view;
	struct nix_task_job tj;
	struct nix_err err;
	char node[256];
	uint32_t step;
	int rc;

	if (get_job_ids(sp, &u) < 0 || nix_node_name(node, sizeof(node)) < 0 ||
	    nix_request_asks_nothing(&nix_plugin.cfg, &nix_plugin.req))
		return false;
	nix_job_user_find_passwd(&u);
	if (resolve_view(sp, &u, &view, &err) != 1 ||
	    (view.closure[0] && view.profile[0]))
		return false;
	nix_task_job_init(&tj, &nix_plugin.cfg, node, &u, view_deadline(nix_clock_ms()));
	if (thread_euid(0) < 0)
		return false;
	rc = nix_job_find_view(&tj.job, &view, &nix_plugin.ns, &err);
	if (thread_euid(u.uid) < 0) {
		slurm_error("nix: cannot return to uid %u after reading the job's state", (unsigned)u.uid);
		nix_ns_close(&nix_plugin.ns);
		return false;
	}
	if (rc != 1)
		return false;
	keep_view_outcome(&view, &u, node);
	nix_plugin.view_from_stepd = true;
	if (spank_get_item(sp, S_JOB_STEPID, &step) != ESPANK_SUCCESS)
		step = 0;
	slurm_debug("nix: step %u.%u: the view, pinned, found before the tasks were forked",
		    u.jobid, step);
	return true;
}

/* slurmstepd, before it forks the tasks: a view of the job already pinned
 * on this node for what the step asks is found once, here, and the tasks
 * inherit its fds; otherwise the pair of sockets through which the step's
 * first task passes the view it finds or builds to the others. */
int nix_step_begin(spank_t sp)
{
	struct nix_err err;

	if (spank_context() != S_CTX_REMOTE || !nix_plugin.config_ok)
		return 0;
	/* SlurmdParameters=contain_spank (24.05 on) runs user_init in a clone
	 * of slurmstepd that shares its memory, not its fds: none opened here
	 * would be the tasks'. Each task then finds the view itself. */
	if (getpid() != nix_plugin.stepd_pid)
		return 0;
	if (find_pinned_view(sp))
		return 0;
	if (nix_share_open(&nix_plugin.share, &err) < 0)
		slurm_info("nix: %s: each task finds the view itself", err.msg);
	return 0;
}

/* The task's view, from task 0, or found or built here; why not in
 * nix_plugin.task_error. */
static void find_task_view(spank_t sp, struct nix_job_user *u, char *node, size_t nodelen)
{
	int64_t started_ms = nix_clock_ms();
	int64_t deadline_ms = view_deadline(started_ms);
	struct nix_err err, *untold = NULL;
	enum task_role role;
	int siblings = 0;

	if (!nix_plugin.config_ok) {
		if (nix_plugin.options_used)
			task_fail("spank-nix is disabled on this cluster: %s",
				  nix_plugin.config_error);
		return;
	}
	if (get_job_ids(sp, u) < 0) {
		task_fail("%s", "cannot read the job's user from Slurm");
		return;
	}
	if (nix_node_name(node, nodelen) < 0) {
		nix_job_user_find_passwd(u); /* the admin's line names the user */
		task_fail("%s", "this node's name (SLURMD_NODENAME of slurmstepd) is not a plain name");
		return;
	}
	if (nix_request_asks_nothing(&nix_plugin.cfg, &nix_plugin.req))
		return;
	/* A sibling takes what task 0 found. One that task 0 never told
	 * finds out itself, to say why as task 0 would have. */
	role = task_role(sp, &siblings);
	if (role == TASK_SIBLING && take_first_tasks_outcome(u->uid, deadline_ms, &err) < 0)
		untold = &err;
	if (role != TASK_SIBLING || untold) {
		nix_job_user_find_passwd(u);
		find_view(sp, u, node, started_ms, untold);
	}
	if (role == TASK_FIRST)
		pass_outcome_to_siblings(siblings, deadline_ms);
}

static void prepare_task(spank_t sp, struct nix_job_user *u, char *node, size_t nodelen)
{
	struct nix_err err;

	if (!nix_plugin.view_from_stepd) /* else slurmstepd found it for every task */
		find_task_view(sp, u, node, nodelen);
	if (!nix_plugin.task_error[0] && nix_plugin.ns.no_userns && join_as_root(&err) < 0)
		task_fail("%s", err.msg);
}

int nix_task_prepare(spank_t sp)
{
	struct nix_job_user u = { .jobid = 0 };
	char node[256] = "?", name[sizeof(u.name)];
	uint32_t local_id = 0;

	if (spank_context() != S_CTX_REMOTE)
		return 0;
	prepare_task(sp, &u, node, sizeof(node));
	/* The task needs the step's sockets no more (and exec closes them). */
	nix_share_close(&nix_plugin.share);
	/* A user's mistake, for the admin: at info level (the node is
	 * fine), once per node and step, naming the job and the user. */
	spank_get_item(sp, S_TASK_ID, &local_id);
	if (nix_plugin.task_error[0] && local_id == 0) {
		if (nix_plugin.view_from_stepd && get_job_ids(sp, &u) == 0) {
			nix_node_name(node, sizeof(node));
			nix_job_user_find_passwd(&u);
		}
		nix_escape(u.name, name, sizeof(name));
		slurm_info("nix: job %u user %s node %s: refused: %s", u.jobid,
			   name[0] ? name : "?", node, nix_plugin.task_error);
	}
	return 0;
}

/* --nix-profile: PATH/bin in front of the task's PATH, in the given order.
 * Slurm looks the command up in this PATH after task_init. The profiles
 * were resolved with the view, from the job's user as Slurm knows it. */
static int prepend_profiles(spank_t sp)
{
	static char path[128 * 1024], out[NIX_LIST_ARG_MAX + sizeof(path)];
	struct nix_err err;

	if (!nix_plugin.profile[0])
		return 0;
	if (nix_profiles_check_in_view(nix_plugin.profile, &err) < 0) {
		slurm_error("nix: %s", err.msg);
		return -1;
	}
	if (spank_getenv(sp, "PATH", path, sizeof(path)) != ESPANK_SUCCESS)
		path[0] = '\0';
	if (nix_profile_task_path(nix_plugin.profile, path, out, sizeof(out)) < 0) {
		slurm_error("nix: --nix-profile: the task's PATH would be too long");
		return -1;
	}
	return spank_setenv(sp, "PATH", out, 1) == ESPANK_SUCCESS ? 0 : -1;
}

/* --nix-writable: one writer per store. The task, as the user and inside
 * the view, holds the store's big-lock shared until it exits (the fd stays
 * open across exec); another job's or another node's task is refused. */
static int hold_store_lock(void)
{
	struct nix_err err;

	if (!nix_plugin.writer[0])
		return 0;
	if (nix_db_lock_writable(nix_plugin.mountpoint, nix_plugin.writer, &err) < 0) {
		slurm_error("nix: --nix-writable: %s", err.msg);
		return -1;
	}
	return 0;
}

/* A directory only the view has, from the submitting shell's PWD (the
 * user's value, only ever used as the user), or NULL (task_view.h). */
static const char *dir_only_in_view(spank_t sp, char *buf, size_t len)
{
	if (spank_getenv(sp, "PWD", buf, len) != ESPANK_SUCCESS)
		return NULL;
	return nix_dir_only_in_view(buf);
}

/* One line per step, not one per task. */
static bool is_first_task(spank_t sp)
{
	uint32_t id;

	return spank_get_item(sp, S_TASK_GLOBAL_ID, &id) == ESPANK_SUCCESS && id == 0;
}

/* Joining failed: usually a working directory --nix-hide covers. */
static void report_join_error(const char *cwd, const char *msg)
{
	char line[NIX_ERR_MAX * 2];

	nix_join_error_message(nix_plugin.hide, cwd, msg, line, sizeof(line));
	slurm_error("nix: %s", line);
}

int nix_task_enter(spank_t sp)
{
	struct nix_err err;
	char pwd[PATH_MAX], cwd[PATH_MAX];
	int rc = 0;

	if (spank_context() != S_CTX_REMOTE)
		return 0;
	if (nix_options_export(sp) < 0)
		return -1;
	if (nix_plugin.task_error[0]) {
		slurm_error("nix: %s", nix_plugin.task_error);
		return -1;
	}
	if (nix_plugin.task_warning[0] && is_first_task(sp))
		dprintf(STDERR_FILENO, "nix: warning: %s\n", nix_plugin.task_warning);
	if (nix_plugin.ns.mnt_fd < 0 && !nix_plugin.joined_as_root)
		return 0;
	if (!getcwd(cwd, sizeof(cwd)))
		cwd[0] = '\0';
	if (!nix_plugin.joined_as_root &&
	    nix_ns_join(&nix_plugin.ns, dir_only_in_view(sp, pwd, sizeof(pwd)), &err) < 0) {
		report_join_error(cwd, err.msg);
		rc = -1;
	} else if (hold_store_lock() < 0) {
		rc = -1;
	} else if (prepend_profiles(sp) < 0) {
		rc = -1;
	}
	nix_ns_close(&nix_plugin.ns);
	return rc;
}

void nix_task_release(void)
{
	nix_share_close(&nix_plugin.share);
	nix_ns_close(&nix_plugin.ns);
}
