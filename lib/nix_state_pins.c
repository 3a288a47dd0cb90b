#include "nix_state_pins.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nix_fuse_server.h"

/* An image's FUSE servers (nix_fuse_server.h), once the pins are gone. */
static void end_fuse_servers(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char file[PATH_MAX + NAME_MAX + 2];

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!nix_fuse_is_record(de->d_name))
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, de->d_name);
		nix_fuse_server_end(file);
		unlink(file);
	}
	closedir(d);
}

/* Unmount and unlink everything in a job directory but keep_name. */
void nix_state_empty_job_dir(const char *path, const char *keep_name)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char file[PATH_MAX + NAME_MAX + 2];

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if ((keep_name && !strcmp(de->d_name, keep_name)) || nix_fuse_is_record(de->d_name))
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, de->d_name);
		/* A pin may be stacked more than once; EINVAL: not a mount. */
		while (umount2(file, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
			;
		unlink(file);
	}
	closedir(d);
	end_fuse_servers(path);
}

bool nix_state_view_matches(const char *path, const char *desc, size_t len)
{
	char buf[NIX_STATE_VIEW_MAX];
	struct stat st;
	bool same = false;
	int fd;

	if (len > sizeof(buf))
		return false;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return false;
	/* Compared in full: same size, same bytes. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len)
		same = read(fd, buf, len) == (ssize_t)len && !memcmp(buf, desc, len);
	close(fd);
	return same;
}

int nix_state_write_view(const char *path, const char *desc, size_t len,
			 struct nix_err *err)
{
	int fd, e;
	ssize_t n;

	if (len > NIX_STATE_VIEW_MAX)
		return nix_err_set(err, "the view's description is longer than %d bytes",
				   NIX_STATE_VIEW_MAX);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return nix_err_errno(err, errno, "cannot write %s", path);
	n = write(fd, desc, len);
	e = n < 0 ? errno : EIO;
	if (close(fd) != 0 && n == (ssize_t)len) {
		e = errno;
		n = -1;
	}
	if (n != (ssize_t)len) {
		unlink(path);
		return nix_err_errno(err, e, "cannot write %s", path);
	}
	return 0;
}

/* How many views (pins) the job has in this directory. */
static int count_views(const struct nix_job_dir *jd)
{
	DIR *d = opendir(jd->path);
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len > 4 && !strcmp(de->d_name + len - 4, ".mnt"))
			n++;
	}
	closedir(d);
	return n;
}

int nix_state_room_for_view(const struct nix_job_dir *jd, int max_views,
			    struct nix_err *err)
{
	int n = count_views(jd);

	if (n < max_views)
		return 0;
	return nix_err_set(err, "this job already has %d views (sets of --nix-* options) on this node, the most this site allows (max_views=%d): give its steps the same options",
			   n, max_views);
}

int nix_state_remove_job(const char *state_dir, const char *node,
			 uint32_t jobid, struct nix_err *err)
{
	char path[PATH_MAX];

	if (nix_state_job_path(state_dir, node, jobid, path, sizeof(path), err) < 0)
		return -1;
	nix_state_empty_job_dir(path, NULL);
	if (rmdir(path) < 0 && errno != ENOENT)
		return nix_err_errno(err, errno, "cannot remove %s", path);
	return 0;
}
