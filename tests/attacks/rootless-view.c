/* The job's user against a view built without a user namespace
 * (userns=never): run as the user.
 *   rootless-view inside HIDDEN   from a task in the view: try to mount,
 *       unmount (the hiding mount over HIDDEN, /nix), make a new mount or
 *       user namespace and unmount from there, and reach HIDDEN's files by
 *       other paths. HIDDEN/secret must stay out of reach.
 *   rootless-view setns PID   from a process outside the job: join the
 *       mount namespace of the job's task PID.
 * One line per attempt ("blocked: ..." or "ESCAPED: ..."); exit 1 if any
 * attempt got through. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static int escaped;

static void outcome(const char *what, int rc)
{
	if (rc == 0) {
		printf("ESCAPED: %s\n", what);
		escaped = 1;
	} else {
		printf("blocked: %s (%s)\n", what, strerror(errno));
	}
}

/* 0 when PATH/secret can be read: the hidden file is reached. */
static int read_secret(const char *dir)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/secret", dir);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int via(const char *prefix, const char *hidden)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s%s", prefix, hidden);
	return read_secret(path);
}

static int inside(const char *hidden)
{
	char what[4200];

	if (read_secret(hidden) == 0) {
		printf("ESCAPED: %s/secret is readable before any attack (not hidden)\n", hidden);
		return 1;
	}
	outcome("mount a tmpfs on /tmp", mount("tmpfs", "/tmp", "tmpfs", 0, NULL));
	snprintf(what, sizeof(what), "umount %s", hidden);
	outcome(what, umount2(hidden, MNT_DETACH) == 0 ? read_secret(hidden) : -1);
	outcome("umount /nix", umount2("/nix", MNT_DETACH));
	outcome("remount /nix read-write", mount(NULL, "/nix", NULL, MS_REMOUNT | MS_BIND, NULL));
	outcome("unshare a mount namespace", unshare(CLONE_NEWNS));
	outcome("read via /proc/self/root", via("/proc/self/root", hidden));
	outcome("read via /proc/1/root", via("/proc/1/root", hidden));
	/* A user namespace of one's own (where the kernel allows it): the view's
	 * mounts arrive there locked together, none can be taken off alone. */
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0) {
		snprintf(what, sizeof(what), "umount %s from a new user namespace", hidden);
		outcome(what, umount2(hidden, MNT_DETACH) == 0 ? read_secret(hidden) : -1);
	} else {
		printf("blocked: make a user namespace (%s)\n", strerror(errno));
	}
	return escaped;
}

static int from_outside(const char *pid)
{
	char path[64], what[128];
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/ns/mnt", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("blocked: open %s (%s)\n", path, strerror(errno));
		return 0;
	}
	snprintf(what, sizeof(what), "setns into %s", path);
	outcome(what, setns(fd, CLONE_NEWNS));
	return escaped;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "inside"))
		return inside(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "setns"))
		return from_outside(argv[2]);
	fprintf(stderr, "usage: rootless-view inside HIDDEN | setns PID\n");
	return 2;
}
