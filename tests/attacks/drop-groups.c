/* Attack (issue 10, item 3): in the job's user namespace, drop the
 * supplementary groups to read a file that denies access by group
 * (CVE-2018-7169's class). Prints what setgroups(0, NULL) did and whether
 * FILE is readable afterwards; exits 0 only if the attack failed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int rc = setgroups(0, NULL), e = errno;

	printf("setgroups: %s\n", rc == 0 ? "dropped" : strerror(e));
	if (argc > 1) {
		int fd = open(argv[1], O_RDONLY);

		printf("%s: %s\n", argv[1], fd >= 0 ? "readable" : strerror(errno));
		if (fd >= 0)
			return 1;
	}
	return rc == 0 ? 1 : 0;
}
