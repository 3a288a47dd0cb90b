#include "nix_state_sweep.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "nix_state.h"
#include "nix_state_in_use.h"
#include "nix_state_pins.h"

/* Does the owner record say this boot? */
static bool owner_this_boot(const char *job, const char *want)
{
	char file[PATH_MAX + NAME_MAX + 16], line[160];
	bool current = false;
	FILE *f;

	snprintf(file, sizeof(file), "%s/owner", job);
	f = fopen(file, "re");
	if (f) {
		const char *b = fgets(line, sizeof(line), f) ? strstr(line, "boot=") : NULL;

		current = b && !strcmp(b, want);
		fclose(f);
	}
	return current;
}

#define SWEEP_MAX 256 /* job directories looked at per sweep */

struct sweep_job {
	char path[PATH_MAX + NAME_MAX + 2];
	int lock_fd;
	bool dead;
};

/* Lock a job directory without waiting: -2 if a creator holds it. */
static int lock_nowait(const char *job)
{
	char file[PATH_MAX + NAME_MAX + 16];
	int fd;

	snprintf(file, sizeof(file), "%s/lock", job);
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return -2;
	}
	return fd;
}

/* Of the locked jobs of this boot, mark dead those no process is in:
 * none of their pinned namespaces is entered or held by anyone. A job
 * whose steps have all ended (an idle salloc) counts as dead too: its next
 * step builds the view again, and no process is left to share it with. */
static void mark_unused(struct sweep_job *jobs, int n)
{
	struct ino_set used = { 0 };

	if (nix_namespaces_in_use(&used) == 0) {
		for (int i = 0; i < n; i++) {
			struct ino_set pinned = { 0 };

			if (jobs[i].dead)
				continue;
			nix_state_pinned_namespaces(jobs[i].path, &pinned);
			jobs[i].dead = !pinned.failed;
			for (size_t k = 0; k < pinned.n; k++)
				if (nix_ino_set_has(&used, pinned.v[k]))
					jobs[i].dead = false;
			free(pinned.v);
		}
	}
	free(used.v);
}

int nix_state_sweep_node(const char *state_dir, const char *node,
			 struct nix_err *err)
{
	char node_dir[PATH_MAX], boot[64], want[80];
	struct sweep_job *jobs;
	struct dirent *de;
	DIR *d;
	int n = 0, removed = 0;
	bool any_alive = false;

	if (!nix_state_is_plain_name(node))
		return nix_err_set(err, "bad node name '%s'", node);
	snprintf(node_dir, sizeof(node_dir), "%s/%s", state_dir, node);
	d = opendir(node_dir);
	if (!d)
		return errno == ENOENT ? 0 : nix_err_errno(err, errno, "cannot open %s", node_dir);
	jobs = calloc(SWEEP_MAX, sizeof(*jobs));
	if (!jobs) {
		closedir(d);
		return nix_err_errno(err, ENOMEM, "sweep");
	}
	nix_boot_id(boot);
	snprintf(want, sizeof(want), "boot=%s\n", boot);
	/* Every job directory nobody is building, locked until removed. */
	while (n < SWEEP_MAX && (de = readdir(d))) {
		struct sweep_job *j = &jobs[n];
		unsigned id;
		char tail;

		if (sscanf(de->d_name, "job.%u%c", &id, &tail) != 1)
			continue;
		snprintf(j->path, sizeof(j->path), "%s/%s", node_dir, de->d_name);
		j->lock_fd = lock_nowait(j->path);
		if (j->lock_fd == -2)
			continue; /* a creator at work: that job is alive */
		/* Another boot's, or no owner record: a creator killed
		 * half-way, or one between mkdir and flock, which notices the
		 * removal (lock_still_linked) and starts again. */
		j->dead = !owner_this_boot(j->path, want);
		any_alive |= !j->dead;
		n++;
	}
	closedir(d);
	if (any_alive)
		mark_unused(jobs, n);
	for (int i = 0; i < n; i++) {
		if (jobs[i].dead) {
			nix_state_empty_job_dir(jobs[i].path, NULL);
			if (rmdir(jobs[i].path) == 0)
				removed++;
		}
		if (jobs[i].lock_fd >= 0)
			close(jobs[i].lock_fd);
	}
	free(jobs);
	return removed;
}
