/* Deadlines on the monotonic clock, in milliseconds: one time budget for
 * everything root does in a task (lock wait, helper, reap), so that no user
 * can hold a root process longer than the site allows. */
#ifndef SPANK_NIX_CLOCK_H
#define SPANK_NIX_CLOCK_H

#include <errno.h>
#include <stdint.h>
#include <sys/file.h>
#include <time.h>

/* Nanoseconds: for timing what takes less than a millisecond. */
static inline int64_t nix_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int64_t nix_clock_ms(void)
{
	return nix_clock_ns() / 1000000;
}

/* Milliseconds left before deadline_ms, 0 when past it. */
static inline int nix_ms_left(int64_t deadline_ms)
{
	int64_t left = deadline_ms - nix_clock_ms();

	return left <= 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int)left;
}

static inline void nix_sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* flock(fd, op), but only until the deadline: the holder may be a process
 * that a user keeps stopped, and root must not wait on it for ever
 * (ETIMEDOUT). */
static inline int nix_flock_until(int fd, int op, int64_t deadline_ms)
{
	int pause_ms = 1;

	while (flock(fd, op | LOCK_NB) < 0) {
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
	return 0;
}

#endif
