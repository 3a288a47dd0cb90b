#include "nix_state_in_use.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static int ino_add(struct ino_set *set, ino_t ino)
{
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 64;
		ino_t *v = realloc(set->v, cap * sizeof(*v));

		if (!v) {
			set->failed = true;
			return -1;
		}
		set->v = v;
		set->cap = cap;
	}
	set->v[set->n++] = ino;
	return 0;
}

static int ino_cmp(const void *a, const void *b)
{
	ino_t x = *(const ino_t *)a, y = *(const ino_t *)b;

	return x < y ? -1 : x > y;
}

bool nix_ino_set_has(const struct ino_set *set, ino_t ino)
{
	return set->n && bsearch(&ino, set->v, set->n, sizeof(ino), ino_cmp);
}

/* The namespaces a job's pins hold: each view's mount namespace and the
 * user namespace owning it. The pins keep them alive, so their inode
 * numbers cannot be reused while we compare. */
void nix_state_pinned_namespaces(const char *job, struct ino_set *out)
{
	char pin[PATH_MAX + NAME_MAX + 2];
	struct dirent *de;
	DIR *d = opendir(job);

	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct stat st;
		int fd, user;

		if (len < 5 || strcmp(de->d_name + len - 4, ".mnt"))
			continue;
		snprintf(pin, sizeof(pin), "%s/%s", job, de->d_name);
		fd = open(pin, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0)
			ino_add(out, st.st_ino);
		user = ioctl(fd, NS_GET_USERNS);
		if (user >= 0 && fstat(user, &st) == 0)
			ino_add(out, st.st_ino);
		if (user >= 0)
			close(user);
		close(fd);
	}
	closedir(d);
}

/* A process's fd on a namespace reads "user:[ino]" or "mnt:[ino]". */
static void add_fd_namespaces(const char *pid, struct ino_set *out)
{
	char dir[16 + NAME_MAX], target[64];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%s/fd", pid);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		unsigned long ino;
		ssize_t n;

		n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (sscanf(target, "user:[%lu]", &ino) == 1 || sscanf(target, "mnt:[%lu]", &ino) == 1)
			ino_add(out, (ino_t)ino);
	}
	closedir(d);
}

/* Every user and mount namespace a process on this host is in, or holds
 * an fd of (a task between building its view and joining it). -1 if /proc
 * cannot be read: then every job counts as alive. */
int nix_namespaces_in_use(struct ino_set *out)
{
	static const char *const kinds[] = { "user", "mnt" };
	struct dirent *de;
	DIR *proc = opendir("/proc");

	if (!proc)
		return -1;
	while ((de = readdir(proc))) {
		char path[64 + NAME_MAX];
		struct stat st;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		/* fds first: a task joins (setns) before it closes them, so
		 * one not holding them any more is already in. */
		add_fd_namespaces(de->d_name, out);
		for (int k = 0; k < 2; k++) {
			snprintf(path, sizeof(path), "/proc/%s/ns/%s", de->d_name, kinds[k]);
			if (stat(path, &st) == 0)
				ino_add(out, st.st_ino);
		}
	}
	closedir(proc);
	if (out->failed)
		return -1;
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), ino_cmp);
	return 0;
}
