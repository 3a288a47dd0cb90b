#include "nix_fuse_server.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nix_clock.h"

#define CGROUP_ROOT "/sys/fs/cgroup"
#define MAX_CGROUPS 16
/* Bounds on the epilog's waits (the server's end, the steps' own cgroup
 * removal), each: on a loaded node both take seconds, and a job cgroup
 * left behind would be there for good. */
#define END_WAIT_MS 8000

size_t nix_fuse_job_cgroup(const char *path)
{
	for (const char *p = strstr(path, "/job_"); p; p = strstr(p + 1, "/job_")) {
		const char *q = p + 5;

		if (!isdigit((unsigned char)*q))
			continue;
		while (isdigit((unsigned char)*q))
			q++;
		if (*q == '\0' || *q == '/')
			return (size_t)(q - path);
	}
	return 0;
}

/* The process's start time (field 22 of /proc/PID/stat): a pid that comes
 * back later is another process. 0 when it is gone, or a zombie (out of
 * its cgroup already, and not ours to reap). */
static unsigned long long start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the name may hold anything */
	if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return 0;
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (p)
		t = strtoull(p + 1, NULL, 10);
	return t;
}

static int write_pid(const char *dir, pid_t pid)
{
	char file[PATH_MAX + 16];
	int fd, rc = 0;

	snprintf(file, sizeof(file), "%s/cgroup.procs", dir);
	fd = open(file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	if (dprintf(fd, "%d\n", (int)pid) < 0)
		rc = -1;
	if (close(fd) < 0)
		rc = -1;
	return rc;
}

/* The directory of a /proc/self/cgroup line's job cgroup: v1
 * "N:ctrl,ctrl:/path" -> /sys/fs/cgroup/ctrl,ctrl/<job>; v2 "0::/path" ->
 * the job's extern step (a v2 job cgroup holds no processes of its own).
 * 0, or -1 when the line is not a job's. */
static int job_dir_of(char *line, char *dir, size_t dirlen, bool *v2)
{
	char *ctrl = strchr(line, ':'), *path;
	size_t len;

	if (!ctrl || !(path = strchr(ctrl + 1, ':')))
		return -1;
	*ctrl++ = '\0';
	*path++ = '\0';
	path[strcspn(path, "\n")] = '\0';
	len = nix_fuse_job_cgroup(path);
	if (!len)
		return -1;
	path[len] = '\0';
	*v2 = ctrl[0] == '\0';
	if (!strncmp(ctrl, "name=", 5))
		ctrl += 5;
	if (*v2)
		snprintf(dir, dirlen, CGROUP_ROOT "%s/step_extern/slurm", path);
	else
		snprintf(dir, dirlen, CGROUP_ROOT "/%s%s", ctrl, path);
	return 0;
}

/* Whether every uid of pid (real, effective, saved, file system) is uid. */
static bool runs_as(pid_t pid, uid_t uid)
{
	char path[64], line[256];
	unsigned long ids[4];
	bool ok = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Uid: %lu %lu %lu %lu", &ids[0], &ids[1], &ids[2], &ids[3]) == 4) {
			ok = ids[0] == uid && ids[1] == uid && ids[2] == uid && ids[3] == uid;
			break;
		}
	if (f)
		fclose(f);
	return ok;
}

int nix_fuse_server_adopt(pid_t pid, uid_t uid, const char *record, struct nix_err *err)
{
	char line[PATH_MAX], dirs[MAX_CGROUPS][PATH_MAX];
	int ndirs = 0, rc = 0;
	bool v2;
	FILE *f, *out;

	/* The pid comes from the helper, which reads the user's files: only a
	 * process of the job's user is moved, recorded and killed at job end. */
	if (!runs_as(pid, uid))
		return nix_err_set(err, "squashfs=fuse: pid %d is not a process of uid %u",
				   (int)pid, (unsigned)uid);

	/* a record of a creator killed half-way: its server goes first */
	nix_fuse_server_end(record);
	unlink(record);
	f = fopen("/proc/self/cgroup", "re");

	while (f && ndirs < MAX_CGROUPS && fgets(line, sizeof(line), f)) {
		if (job_dir_of(line, dirs[ndirs], sizeof(dirs[ndirs]), &v2) < 0)
			continue;
		if (write_pid(dirs[ndirs], pid) < 0) {
			rc = nix_err_errno(err, errno, "squashfs=fuse: cannot move the server into %s%s",
					   dirs[ndirs], v2 ? " (cgroup v2 needs PrologFlags=contain)" : "");
			break;
		}
		if (!v2) /* the extern step's Slurm removes itself */
			ndirs++;
	}
	if (f)
		fclose(f);
	out = fopen(record, "wex");
	if (!out)
		return nix_err_errno(err, errno, "cannot write %s", record);
	fprintf(out, "%d %llu\n", (int)pid, start_time(pid));
	for (int i = 0; i < ndirs; i++)
		fprintf(out, "%s\n", dirs[i]);
	if (fclose(out) != 0)
		return nix_err_errno(err, errno, "cannot write %s", record);
	return rc;
}

/* /sys/fs/cgroup/.../job_<digits>, nothing else: the record is root's,
 * and still only ever a job's directory is removed. */
static bool is_job_cgroup(const char *dir)
{
	const char *base = strrchr(dir, '/');

	if (strncmp(dir, CGROUP_ROOT "/", sizeof(CGROUP_ROOT)) || strstr(dir, "/..") ||
	    !base || strncmp(base, "/job_", 5) || !base[5])
		return false;
	return strspn(base + 5, "0123456789") == strlen(base + 5);
}

void nix_fuse_server_end(const char *record)
{
	char line[PATH_MAX];
	unsigned long long t;
	int pid;
	FILE *f = fopen(record, "re");

	if (!f)
		return;
	if (fgets(line, sizeof(line), f) && sscanf(line, "%d %llu", &pid, &t) == 2 &&
	    pid > 1 && t && start_time(pid) == t) {
		int64_t deadline = nix_clock_ms() + END_WAIT_MS;

		kill(pid, SIGKILL);
		while (start_time(pid) == t && nix_ms_left(deadline) > 0)
			nix_sleep_ms(5);
	}
	/* The job's cgroups Slurm could not remove while the server was in
	 * them. A step's slurmstepd may still be removing its own below
	 * (it reports done before): a bounded wait for it. */
	int64_t deadline = nix_clock_ms() + END_WAIT_MS;

	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!is_job_cgroup(line))
			continue;
		while (rmdir(line) < 0 && (errno == EBUSY || errno == ENOTEMPTY) &&
		       nix_ms_left(deadline) > 0)
			nix_sleep_ms(10);
	}
	fclose(f);
}

bool nix_fuse_is_record(const char *name)
{
	size_t n = strlen(name), s = strlen(NIX_FUSE_RECORD_SUFFIX);

	return n > s && !strcmp(name + n - s, NIX_FUSE_RECORD_SUFFIX);
}
