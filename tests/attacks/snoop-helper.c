/* Attack (issue 10, item 1): the job's user watches the node for
 * spank-nix's namespace helper -- a fork of a root task, so it holds a copy
 * of slurmstepd's heap -- and tries to read its memory and ptrace it.
 *
 *   snoop-helper SECONDS            as the user: try every helper seen
 *   snoop-helper SECONDS UID stop   as root, for fault tests: SIGSTOP the
 *                                   first helper of UID (a helper stuck as
 *                                   in a hung file system) and print its pid;
 *                                   needs proctrack/cgroup to tell UID's
 *
 * A helper is a process named slurmstepd whose parent and grandparent are
 * slurmstepd too (stepd -> task -> helper; a task's own parent is the step's
 * slurmstepd, whose parent is slurmd) with our effective uid. Prints
 * "seen N reached M": M must be 0. Runs as the job's user. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <time.h>
#include <unistd.h>

static bool read_status(pid_t pid, char comm[32], pid_t *ppid, unsigned *ruid, unsigned *euid)
{
	char path[64], line[256];
	FILE *f;
	int got = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Name: %31s", comm) == 1)
			got |= 1;
		else if (sscanf(line, "PPid: %d", ppid) == 1)
			got |= 2;
		else if (sscanf(line, "Uid: %u %u", ruid, euid) == 2)
			got |= 4;
	}
	fclose(f);
	return got == 7;
}

static bool is_stepd(pid_t pid, pid_t *ppid)
{
	char comm[32];
	unsigned r, e;

	return read_status(pid, comm, ppid, &r, &e) && !strcmp(comm, "slurmstepd");
}

/* proctrack/cgroup keeps a job's processes in .../uid_<uid>/job_<id>/... */
static bool in_users_job(pid_t pid, unsigned uid)
{
	char path[64], line[512], want[32];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	snprintf(want, sizeof(want), "/uid_%u/job_", uid);
	f = fopen(path, "re");
	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, want) != NULL;
	if (f)
		fclose(f);
	return found;
}

/* Held: stopped, or waiting on a file system that does not answer (it
 * stops when that wait ends); not a zombie that took the signal after its
 * end. */
static bool is_held(pid_t pid)
{
	char path[64], state = '?';

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (int i = 0; i < 200 && state != 'T' && state != 'D'; i++) {
		FILE *f = fopen(path, "re");

		if (!f || fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
			state = '?';
		if (f)
			fclose(f);
		if (state == 'Z' || state == '?')
			return false;
		if (state != 'T' && state != 'D')
			usleep(500);
	}
	return state == 'T' || state == 'D';
}

static bool reach(pid_t pid)
{
	char path[64];
	bool reached = false;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		reached = true;
		close(fd);
	}
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) == 0) {
		reached = true;
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
	}
	return reached;
}

int main(int argc, char **argv)
{
	time_t end = time(NULL) + (argc > 1 ? atoi(argv[1]) : 10);
	unsigned me = argc > 2 ? (unsigned)atoi(argv[2]) : geteuid();
	bool stop = argc > 3 && !strcmp(argv[3], "stop");
	int seen = 0, reached = 0;
	pid_t last = 0;

	while (time(NULL) < end) {
		DIR *d = opendir("/proc");
		struct dirent *de;

		while (d && (de = readdir(d))) {
			pid_t pid = atoi(de->d_name), ppid, gppid, x;
			char comm[32];
			unsigned r, e;

			if (pid <= 0 || pid == last || !read_status(pid, comm, &ppid, &r, &e))
				continue;
			/* root, in stop mode, takes the helper from its start:
			 * of this user's jobs only (their cgroup says) */
			if ((e != me && !(stop && e == 0 && in_users_job(pid, me))) ||
			    strcmp(comm, "slurmstepd") || !is_stepd(ppid, &gppid) ||
			    !is_stepd(gppid, &x))
				continue;
			last = pid;
			if (stop) {
				if (kill(pid, SIGSTOP) == 0 && is_held(pid)) {
					printf("%d\n", pid);
					return 0;
				}
				continue;
			}
			seen++;
			reached += reach(pid);
		}
		if (d)
			closedir(d);
		usleep(200); /* leave the node's CPUs to the jobs */
	}
	if (stop)
		return 1;
	printf("seen %d reached %d\n", seen, reached);
	return 0;
}
