#include "nix_state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nix_clock.h"
#include "nix_fuse_server.h"

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

/* Is the file we locked still the job's lock? The prolog's sweep may have
 * removed the directory between our open and our flock. */
static bool lock_still_linked(int fd, const char *lock)
{
	struct stat held, now;

	return fstat(fd, &held) == 0 && held.st_nlink > 0 &&
	       stat(lock, &now) == 0 && now.st_dev == held.st_dev &&
	       now.st_ino == held.st_ino;
}

static int lock_job_once(const char *state_dir, const char *node,
			 int64_t deadline_ms, struct nix_job_dir *jd, struct nix_err *err)
{
	char node_dir[PATH_MAX + NAME_MAX + 2], lock[PATH_MAX + 8];

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
	if (!lock_still_linked(jd->lock_fd, lock)) {
		nix_state_unlock_job(jd);
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
	for (int tries = 0; rc == 1 && tries < 5; tries++)
		rc = lock_job_once(state_dir, node, deadline_ms, jd, err);
	if (rc == 1)
		return nix_err_set(err, "%s keeps being removed while we lock it", jd->path);
	if (rc < 0)
		return -1;
	if (!owner_matches(jd->path, uid)) {
		empty_job_dir(jd->path, "lock");
		if (write_owner(jd->path, uid, err) < 0) {
			nix_state_unlock_job(jd);
			return -1;
		}
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
	empty_job_dir(path, NULL);
	if (rmdir(path) < 0 && errno != ENOENT)
		return nix_err_errno(err, errno, "cannot remove %s", path);
	return 0;
}

/* ---- the sweep ----------------------------------------------------- */

struct ino_set {
	ino_t *v;
	size_t n, cap;
	bool failed; /* out of memory: the set is incomplete */
};

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

static bool ino_has(const struct ino_set *set, ino_t ino)
{
	return set->n && bsearch(&ino, set->v, set->n, sizeof(ino), ino_cmp);
}

/* The namespaces a job's pins hold: each view's mount namespace and the
 * user namespace owning it. The pins keep them alive, so their inode
 * numbers cannot be reused while we compare. */
static void pinned_namespaces(const char *job, struct ino_set *out)
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
static int namespaces_in_use(struct ino_set *out)
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

	if (namespaces_in_use(&used) == 0) {
		for (int i = 0; i < n; i++) {
			struct ino_set pinned = { 0 };

			if (jobs[i].dead)
				continue;
			pinned_namespaces(jobs[i].path, &pinned);
			jobs[i].dead = !pinned.failed;
			for (size_t k = 0; k < pinned.n; k++)
				if (ino_has(&used, pinned.v[k]))
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

	if (!plain_name(node))
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
			empty_job_dir(jobs[i].path, NULL);
			if (rmdir(jobs[i].path) == 0)
				removed++;
		}
		if (jobs[i].lock_fd >= 0)
			close(jobs[i].lock_fd);
	}
	free(jobs);
	return removed;
}

/* ---- listing, for the admin command -------------------------------- */

/* Is the file at path a pinned mount namespace (a bind of an nsfs)? */
static bool is_pinned(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	bool pinned;

	if (fd < 0)
		return false;
	pinned = ioctl(fd, NS_GET_NSTYPE) == CLONE_NEWNS;
	close(fd);
	return pinned;
}

/* One field of a .view description ("name=<len>:<bytes> "), cut to fit
 * out; "" when absent. */
static void view_field(const char *desc, size_t len, const char *name, char *out,
		       size_t outlen)
{
	size_t nlen = strlen(name), i = 0;

	out[0] = '\0';
	while (i < len) {
		const char *f = desc + i, *colon;
		char *end;
		unsigned long vlen;

		colon = memchr(f, ':', len - i);
		if (!colon || !memchr(f, '=', (size_t)(colon - f)))
			return;
		vlen = strtoul(strchr(f, '=') + 1, &end, 10);
		if (end != colon || vlen > len - (size_t)(colon + 1 - desc))
			return;
		if ((size_t)(strchr(f, '=') - f) == nlen && !strncmp(f, name, nlen)) {
			snprintf(out, outlen, "%.*s", (int)vlen, colon + 1);
			return;
		}
		i = (size_t)(colon + 1 - desc) + vlen + 1;
	}
}

static void read_view(const char *job, const char *name, struct nix_state_view *v)
{
	char path[2 * PATH_MAX + 32], closure[8];
	static char desc[NIX_STATE_VIEW_MAX];
	size_t len = 0;
	FILE *f;

	memset(v, 0, sizeof(*v));
	snprintf(v->key, sizeof(v->key), "%.*s", (int)(strlen(name) - 4), name);
	snprintf(path, sizeof(path), "%s/%s", job, name);
	v->pinned = is_pinned(path);
	snprintf(path, sizeof(path), "%s/%s.view", job, v->key);
	f = fopen(path, "re");
	if (f) {
		len = fread(desc, 1, sizeof(desc), f);
		fclose(f);
	}
	view_field(desc, len, "store", v->store, sizeof(v->store));
	view_field(desc, len, "closure", closure, sizeof(closure));
	view_field(desc, len, "hide", v->hide, sizeof(v->hide));
	view_field(desc, len, "writable", v->writable, sizeof(v->writable));
	v->closure = closure[0] != '\0';
}

/* Owner record: uid and whether it is of this boot. */
static void read_owner(const char *job, struct nix_state_job *out)
{
	char file[PATH_MAX + NAME_MAX + 16], line[160], boot[64];
	unsigned uid;
	struct stat st;
	FILE *f;

	snprintf(file, sizeof(file), "%s/owner", job);
	f = fopen(file, "re");
	if (!f)
		return;
	if (fstat(fileno(f), &st) == 0)
		out->since = st.st_mtime;
	nix_boot_id(boot);
	if (fgets(line, sizeof(line), f) && sscanf(line, "uid=%u ", &uid) == 1) {
		const char *b = strstr(line, "boot=");

		out->has_owner = true;
		out->uid = (uid_t)uid;
		line[strcspn(line, "\n")] = '\0';
		out->this_boot = b && !strcmp(b + 5, boot);
	}
	fclose(f);
}

static void read_job(const char *node, const char *job, uint32_t id,
		     const struct ino_set *used, bool used_ok, struct nix_state_job *out)
{
	struct ino_set pinned = { 0 };
	struct dirent *de;
	DIR *d;

	memset(out, 0, sizeof(*out));
	snprintf(out->node, sizeof(out->node), "%s", node);
	snprintf(out->path, sizeof(out->path), "%s", job);
	out->jobid = id;
	read_owner(job, out);
	d = opendir(job);
	while (d && (de = readdir(d)) && out->nviews < NIX_STATE_LIST_VIEWS) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 4, ".mnt"))
			continue;
		read_view(job, de->d_name, &out->views[out->nviews++]);
	}
	if (d)
		closedir(d);
	out->in_use = -1;
	if (!used_ok)
		return;
	pinned_namespaces(job, &pinned);
	out->in_use = 0;
	for (size_t k = 0; k < pinned.n; k++)
		if (ino_has(used, pinned.v[k]))
			out->in_use = 1;
	free(pinned.v);
}

int nix_state_list(const char *state_dir, nix_state_list_cb cb, void *arg,
		   struct nix_err *err)
{
	static struct nix_state_job job;
	struct ino_set used = { 0 };
	struct dirent *nd, *jd;
	DIR *top = opendir(state_dir);
	bool used_ok;

	if (!top)
		return errno == ENOENT ? 0 : nix_err_errno(err, errno, "cannot open %s", state_dir);
	used_ok = namespaces_in_use(&used) == 0;
	while ((nd = readdir(top))) {
		char node_dir[PATH_MAX];
		DIR *d;

		if (!plain_name(nd->d_name) || nd->d_name[0] == '.')
			continue;
		snprintf(node_dir, sizeof(node_dir), "%s/%s", state_dir, nd->d_name);
		d = opendir(node_dir);
		while (d && (jd = readdir(d))) {
			char path[PATH_MAX + NAME_MAX + 2];
			unsigned id;
			char tail;

			if (sscanf(jd->d_name, "job.%u%c", &id, &tail) != 1)
				continue;
			snprintf(path, sizeof(path), "%s/%s", node_dir, jd->d_name);
			read_job(nd->d_name, path, id, &used, used_ok, &job);
			cb(&job, arg);
		}
		if (d)
			closedir(d);
	}
	closedir(top);
	free(used.v);
	return 0;
}
