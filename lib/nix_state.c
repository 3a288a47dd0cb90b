#include "nix_state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nix_clock.h"

void nix_boot_id(char out[64])
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	out[0] = '\0';
	if (!f)
		return;
	if (fgets(out, 64, f))
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

static bool plain_name(const char *s)
{
	return s[0] && strcmp(s, ".") && strcmp(s, "..") && !strchr(s, '/');
}

int nix_state_job_path(const char *state_dir, const char *node, uint32_t jobid,
		       char *out, size_t outlen, struct nix_err *err)
{
	if (!plain_name(node))
		return nix_err_set(err, "bad node name '%s'", node);
	if ((size_t)snprintf(out, outlen, "%s/%s/job.%u", state_dir, node, jobid) >= outlen)
		return nix_err_set(err, "state path too long");
	return 0;
}

static int mkdir_root_only(const char *path, struct nix_err *err)
{
	struct stat st;

	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return nix_err_errno(err, errno, "cannot create %s", path);
	if (lstat(path, &st) < 0)
		return nix_err_errno(err, errno, "cannot stat %s", path);
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0)
		return nix_err_set(err, "%s must be a directory owned by root", path);
	/* Pins and locks are root's business alone. */
	if ((st.st_mode & 077) && chmod(path, 0700) < 0)
		return nix_err_errno(err, errno, "cannot chmod 0700 %s", path);
	return 0;
}

static int mkdir_parents(const char *path, struct nix_err *err)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return nix_err_errno(err, errno, "cannot create %s", buf);
		*p = '/';
	}
	return 0;
}

/* Unmount and unlink everything in a job directory but keep_name. */
static void empty_job_dir(const char *path, const char *keep_name)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char file[PATH_MAX + NAME_MAX + 2];

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (keep_name && !strcmp(de->d_name, keep_name))
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, de->d_name);
		/* A pin may be stacked more than once; EINVAL: not a mount. */
		while (umount2(file, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
			;
		unlink(file);
	}
	closedir(d);
}

static void write_owner(const char *path, uid_t uid)
{
	char file[PATH_MAX + 16], boot[64];
	FILE *f;

	nix_boot_id(boot);
	snprintf(file, sizeof(file), "%s/owner", path);
	f = fopen(file, "we");
	if (!f)
		return;
	fprintf(f, "uid=%u boot=%s\n", (unsigned)uid, boot);
	fclose(f);
}

/* Does the owner record say uid, this boot? */
static bool owner_matches(const char *path, uid_t uid)
{
	char file[PATH_MAX + 16], line[160], want[160], boot[64];
	FILE *f;
	bool ok = false;

	snprintf(file, sizeof(file), "%s/owner", path);
	f = fopen(file, "re");
	if (!f)
		return false;
	nix_boot_id(boot);
	snprintf(want, sizeof(want), "uid=%u boot=%s\n", (unsigned)uid, boot);
	if (fgets(line, sizeof(line), f))
		ok = !strcmp(line, want);
	fclose(f);
	return ok;
}

/* flock, but only until the deadline: the holder may be a creator that a
 * user keeps stopped, and root must not wait on it for ever. */
static int lock_until(int fd, int64_t deadline_ms)
{
	int pause_ms = 1;

	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		if (nix_ms_left(deadline_ms) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		nix_sleep_ms(pause_ms);
		if (pause_ms < 16)
			pause_ms *= 2;
	}
}

int nix_state_lock_job(const char *state_dir, const char *node, uint32_t jobid,
		       uid_t uid, int64_t deadline_ms, struct nix_job_dir *jd,
		       struct nix_err *err)
{
	char node_dir[PATH_MAX + NAME_MAX + 2], lock[PATH_MAX + 8];

	*jd = (struct nix_job_dir)NIX_JOB_DIR_INIT;
	if (nix_state_job_path(state_dir, node, jobid, jd->path, sizeof(jd->path), err) < 0)
		return -1;
	snprintf(node_dir, sizeof(node_dir), "%s/%s", state_dir, node);
	if (mkdir_parents(state_dir, err) < 0 || mkdir_root_only(state_dir, err) < 0 ||
	    mkdir_root_only(node_dir, err) < 0 || mkdir_root_only(jd->path, err) < 0)
		return -1;

	snprintf(lock, sizeof(lock), "%s/lock", jd->path);
	jd->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (jd->lock_fd < 0)
		return nix_err_errno(err, errno, "cannot open %s", lock);
	if (lock_until(jd->lock_fd, deadline_ms) < 0) {
		if (errno == ETIMEDOUT)
			nix_err_set(err, "another step of this job held %s past the time limit", lock);
		else
			nix_err_errno(err, errno, "cannot lock %s", lock);
		nix_state_unlock_job(jd);
		return -1;
	}
	if (!owner_matches(jd->path, uid)) {
		empty_job_dir(jd->path, "lock");
		write_owner(jd->path, uid);
	}
	return 0;
}

void nix_state_unlock_job(struct nix_job_dir *jd)
{
	if (jd->lock_fd >= 0)
		close(jd->lock_fd); /* releases the flock */
	jd->lock_fd = -1;
}

void nix_state_file(const struct nix_job_dir *jd, const char *key,
		    const char *suffix, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/%s%s", jd->path, key, suffix);
}

int nix_state_remove_job(const char *state_dir, const char *node,
			 uint32_t jobid, struct nix_err *err)
{
	char path[PATH_MAX];

	if (nix_state_job_path(state_dir, node, jobid, path, sizeof(path), err) < 0)
		return -1;
	empty_job_dir(path, NULL);
	if (rmdir(path) < 0 && errno != ENOENT)
		return nix_err_errno(err, errno, "cannot remove %s", path);
	return 0;
}

int nix_state_sweep_node(const char *state_dir, const char *node,
			 struct nix_err *err)
{
	char node_dir[PATH_MAX], job[PATH_MAX + NAME_MAX + 2], file[PATH_MAX * 2];
	char line[160], boot[64], want[80];
	struct dirent *de;
	DIR *d;
	int removed = 0;

	if (!plain_name(node))
		return nix_err_set(err, "bad node name '%s'", node);
	snprintf(node_dir, sizeof(node_dir), "%s/%s", state_dir, node);
	d = opendir(node_dir);
	if (!d)
		return errno == ENOENT ? 0 : nix_err_errno(err, errno, "cannot open %s", node_dir);
	nix_boot_id(boot);
	snprintf(want, sizeof(want), "boot=%s\n", boot);
	while ((de = readdir(d))) {
		unsigned id;
		char tail;
		bool current = false;
		FILE *f;
		int lock_fd;

		if (sscanf(de->d_name, "job.%u%c", &id, &tail) != 1)
			continue;
		snprintf(job, sizeof(job), "%s/%s", node_dir, de->d_name);
		snprintf(file, sizeof(file), "%s/lock", job);
		/* A creator at work holds the lock: leave that job alone. */
		lock_fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (lock_fd >= 0 && flock(lock_fd, LOCK_EX | LOCK_NB) < 0) {
			close(lock_fd);
			continue;
		}
		/* No owner record yet: a creator between mkdir and lock. */
		snprintf(file, sizeof(file), "%s/owner", job);
		f = fopen(file, "re");
		current = !f;
		if (f) {
			const char *b = fgets(line, sizeof(line), f) ? strstr(line, "boot=") : NULL;

			current = b && !strcmp(b, want);
			fclose(f);
		}
		if (!current) {
			empty_job_dir(job, NULL);
			if (rmdir(job) == 0)
				removed++;
		}
		if (lock_fd >= 0)
			close(lock_fd);
	}
	closedir(d);
	return removed;
}
