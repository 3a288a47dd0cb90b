#include "nix_state.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nix_clock.h"
#include "nix_state_mount.h"
#include "nix_state_pins.h"

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

bool nix_state_is_plain_name(const char *s)
{
	return s[0] && strcmp(s, ".") && strcmp(s, "..") && !strchr(s, '/');
}

int nix_state_job_path(const char *state_dir, const char *node, uint32_t jobid,
		       char *out, size_t outlen, struct nix_err *err)
{
	if (!nix_state_is_plain_name(node))
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

static int write_owner(const char *path, uid_t uid, struct nix_err *err)
{
	char file[PATH_MAX + 16], boot[64];
	FILE *f;

	nix_boot_id(boot);
	snprintf(file, sizeof(file), "%s/owner", path);
	f = fopen(file, "we");
	if (!f)
		return nix_err_errno(err, errno, "cannot write %s", file);
	fprintf(f, "uid=%u boot=%s\n", (unsigned)uid, boot);
	if (fclose(f) != 0)
		return nix_err_errno(err, errno, "cannot write %s", file);
	return 0;
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

/* Is the file we locked still the job's lock? The prolog's sweep may have
 * removed the directory between our open and our flock. */
static bool lock_still_linked(int fd, const char *lock)
{
	struct stat held, now;

	return fstat(fd, &held) == 0 && held.st_nlink > 0 &&
	       stat(lock, &now) == 0 && now.st_dev == held.st_dev &&
	       now.st_ino == held.st_ino;
}

/* The job's lock alone (nix_state_unlock_job also lets the state dir go). */
static void close_job_lock(struct nix_job_dir *jd)
{
	if (jd->lock_fd >= 0)
		close(jd->lock_fd);
	jd->lock_fd = -1;
}

static int lock_job_once(const char *state_dir, const char *node,
			 int64_t deadline_ms, struct nix_job_dir *jd, struct nix_err *err)
{
	char node_dir[PATH_MAX + NAME_MAX + 2], lock[PATH_MAX + 8];

	snprintf(node_dir, sizeof(node_dir), "%s/%s", state_dir, node);
	if (mkdir_root_only(node_dir, err) < 0 || mkdir_root_only(jd->path, err) < 0)
		return -1;

	snprintf(lock, sizeof(lock), "%s/lock", jd->path);
	jd->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (jd->lock_fd < 0)
		return nix_err_errno(err, errno, "cannot open %s", lock);
	if (nix_flock_until(jd->lock_fd, LOCK_EX, deadline_ms) < 0) {
		if (errno == ETIMEDOUT)
			nix_err_set(err, "another step of this job held %s past the time limit", lock);
		else
			nix_err_errno(err, errno, "cannot lock %s", lock);
		close_job_lock(jd);
		return -1;
	}
	if (!lock_still_linked(jd->lock_fd, lock)) {
		close_job_lock(jd);
		return 1; /* swept away under us: again */
	}
	return 0;
}

int nix_state_lock_job(const char *state_dir, const char *node, uint32_t jobid,
		       uid_t uid, int64_t deadline_ms, struct nix_job_dir *jd,
		       struct nix_err *err)
{
	int rc = 1;

	*jd = (struct nix_job_dir)NIX_JOB_DIR_INIT;
	if (nix_state_job_path(state_dir, node, jobid, jd->path, sizeof(jd->path), err) < 0)
		return -1;
	/* held shared while the job's pins are made: nix_state_mount.h */
	if (mkdir_parents(state_dir, err) < 0 || mkdir_root_only(state_dir, err) < 0 ||
	    nix_state_dir_hold(state_dir, deadline_ms, &jd->state_fd, err) < 0)
		return -1;
	for (int tries = 0; rc == 1 && tries < 5; tries++)
		rc = lock_job_once(state_dir, node, deadline_ms, jd, err);
	if (rc == 1)
		nix_err_set(err, "%s keeps being removed while we lock it", jd->path);
	if (rc != 0) {
		nix_state_unlock_job(jd);
		return -1;
	}
	if (!owner_matches(jd->path, uid)) {
		nix_state_empty_job_dir(jd->path, "lock");
		if (write_owner(jd->path, uid, err) < 0) {
			nix_state_unlock_job(jd);
			return -1;
		}
	}
	return 0;
}

void nix_state_unlock_job(struct nix_job_dir *jd)
{
	close_job_lock(jd); /* releases the flocks */
	if (jd->state_fd >= 0)
		close(jd->state_fd);
	jd->state_fd = -1;
}

void nix_state_file(const struct nix_job_dir *jd, const char *key,
		    const char *suffix, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/%s%s", jd->path, key, suffix);
}
