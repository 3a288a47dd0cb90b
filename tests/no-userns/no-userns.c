/* no-userns CMD [ARG...]: run CMD (a slurmd) where the kernel refuses user
 * namespaces, it and every process it starts, as on a node with
 * user.max_user_namespaces=0 or Ubuntu's AppArmor restriction, without
 * changing the machine-wide sysctl (other clusters share this kernel).
 * Must run as root. tests/cluster/cluster starts the NIXC_NO_USERNS_NODES
 * slurmds under it. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "deny_userns.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: no-userns CMD [ARG...]\n");
		return 2;
	}
	if (deny_user_namespaces() < 0) {
		perror("no-userns: seccomp");
		return 1;
	}
	/* Prove the filter holds before handing over. */
	if (unshare(CLONE_NEWUSER) == 0 || errno != EPERM) {
		fprintf(stderr, "no-userns: unshare(CLONE_NEWUSER) was not refused with EPERM\n");
		return 1;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "no-userns: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
