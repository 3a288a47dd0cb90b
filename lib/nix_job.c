#include "nix_job.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "nix_state.h"
#include "nix_state_pins.h"

/* The job's user namespace, from any view pinned so far: -1 if none, or
 * if its views have none (*no_userns: a later view must not make one
 * either, so that all of the job's tasks share the initial one). */
static int job_userns(const struct nix_job_dir *jd, uid_t uid, bool *no_userns)
{
	DIR *d = opendir(jd->path);
	struct dirent *de;
	char pin[PATH_MAX + NAME_MAX + 2];
	int fd = -1;

	if (!d)
		return -1;
	while (fd < 0 && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		struct nix_ns ns;

		if (n < 5 || strcmp(de->d_name + n - 4, ".mnt"))
			continue;
		snprintf(pin, sizeof(pin), "%s/%s", jd->path, de->d_name);
		if (nix_ns_open_pin(pin, uid, &ns, NULL) == 1) {
			*no_userns = ns.no_userns;
			if (!ns.no_userns) {
				fd = ns.user_fd;
				ns.user_fd = -1;
			}
			nix_ns_close(&ns);
			if (*no_userns)
				break;
		}
	}
	closedir(d);
	return fd;
}

/* A view's files in its job's directory (its pin and its description)
 * and the description they must hold. */
struct view_files {
	char pin[PATH_MAX + 32], desc[PATH_MAX + 32];
	char line[NIX_VIEW_DESC_MAX];
	int len; /* < 0: the description is too long */
};

static void view_files(const struct nix_job_dir *jd, const struct nix_view *view,
		       struct view_files *f)
{
	char key[17];

	nix_view_key(view, key);
	nix_state_file(jd, key, ".mnt", f->pin, sizeof(f->pin));
	nix_state_file(jd, key, ".view", f->desc, sizeof(f->desc));
}

/* The view's namespaces if they are pinned under this very description
 * (written last when a view is built): 1, 0 if not, -1 with err. */
static int open_described_pin(const struct view_files *f, uid_t uid, struct nix_ns *ns,
			      struct nix_err *err)
{
	if (!nix_state_view_matches(f->desc, f->line, f->len))
		return 0;
	return nix_ns_open_pin(f->pin, uid, ns, err);
}

int nix_job_find_view(const struct nix_job *job, const struct nix_view *view,
		      struct nix_ns *ns, struct nix_err *err)
{
	struct nix_job_dir jd = NIX_JOB_DIR_INIT;
	struct view_files f;

	*ns = (struct nix_ns)NIX_NS_INIT;
	f.len = nix_view_describe(view, f.line, sizeof(f.line));
	if (f.len < 0)
		return 0; /* nix_job_acquire_view says why */
	if (nix_state_job_path(job->cfg->state_dir, job->node, job->jobid, jd.path,
			       sizeof(jd.path), err) < 0)
		return -1;
	view_files(&jd, view, &f);
	return open_described_pin(&f, job->ids->uid, ns, err);
}

int nix_job_acquire_view(const struct nix_job *job, const struct nix_view *view,
			 struct nix_ns *ns, struct nix_err *err)
{
	struct nix_job_dir jd;
	struct view_files f;
	int rc, userns;

	f.len = nix_view_describe(view, f.line, sizeof(f.line));
	if (f.len < 0)
		return nix_err_set(err, "%s: the view's description is too long", view->origin);

	if (nix_state_lock_job(job->cfg->state_dir, job->node, job->jobid,
			       job->ids->uid, job->deadline_ms, &jd, err) < 0)
		return -1;
	view_files(&jd, view, &f);
	rc = open_described_pin(&f, job->ids->uid, ns, err);
	if (rc != 0)
		goto out; /* reused, or an error */
	/* Not built yet (or half-built by a creator that was killed). */
	unlink(f.desc);
	while (umount2(f.pin, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
		;
	unlink(f.pin);
	if (nix_state_room_for_view(&jd, job->cfg->max_views, err) < 0) {
		rc = -1;
		goto out;
	}

	bool no_userns = false;

	userns = job_userns(&jd, job->ids->uid, &no_userns);
	struct nix_ns_request req = {
		.view = view,
		.ids = job->ids,
		.state_dir = job->cfg->state_dir,
		.join_userns_fd = userns,
		.base_mntns_fd = job->base_mntns_fd,
		.keep = job->keep,
		.nkeep = job->nkeep,
		.deadline_ms = job->deadline_ms,
		.pin_path = f.pin,
		.npaths = job->npaths,
		.gpu_libs = job->cfg->gpu_libs,
		.gpu_ld_cache = job->cfg->gpu_ld_cache,
		.userns = no_userns ? NIX_USERNS_NEVER : job->cfg->userns,
		.userns_refused = job->userns_refused,
		.squashfs = job->cfg->squashfs,
	};
	rc = nix_ns_create(&req, err);
	if (userns >= 0)
		close(userns);
	if (rc < 0)
		goto out;
	if (nix_state_write_view(f.desc, f.line, f.len, err) < 0) {
		rc = -1;
		goto out;
	}
	rc = nix_ns_open_pin(f.pin, job->ids->uid, ns, err);
	if (rc == 0)
		rc = nix_err_set(err, "the namespace pinned at %s vanished", f.pin);
	if (rc > 0 && job->built)
		*job->built = true;
out:
	nix_state_unlock_job(&jd);
	return rc < 0 ? -1 : 0;
}
