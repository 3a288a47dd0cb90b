/* shared-fs-reader LIST: the file-heavy program of bench/shared-fs, as a
 * Python import chain is: for each path in LIST (one a line), stat it,
 * open it, read it whole, close it. Built static and copied into the
 * benchmark's store, so that it runs from the store like the program it
 * stands for. Prints "reader files=N bytes=B ms=T", T from the first stat
 * to the last close (the job's launch is not in it). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One "import": -1 when the file cannot be read. */
static long read_one(const char *path)
{
	char buf[65536];
	struct stat st;
	long total = 0;
	ssize_t n;
	int fd;

	if (stat(path, &st) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	close(fd);
	return n < 0 ? -1 : total;
}

int main(int argc, char **argv)
{
	char line[4096];
	long files = 0, bytes = 0;
	double t0;
	FILE *list;

	if (argc != 2) {
		fprintf(stderr, "usage: %s LIST\n", argv[0]);
		return 2;
	}
	list = fopen(argv[1], "r");
	if (!list) {
		perror(argv[1]);
		return 1;
	}
	t0 = now_ms();
	while (fgets(line, sizeof(line), list)) {
		long n;

		line[strcspn(line, "\n")] = '\0';
		if (!line[0])
			continue;
		n = read_one(line);
		if (n < 0) {
			perror(line);
			return 1;
		}
		files++;
		bytes += n;
	}
	printf("reader files=%ld bytes=%ld ms=%.1f\n", files, bytes, now_ms() - t0);
	return 0;
}
