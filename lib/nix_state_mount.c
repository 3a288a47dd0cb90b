#include "nix_state_mount.h"

#include <errno.h>
#include <fcntl.h>
#include <libmount.h>
#include <stdbool.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <unistd.h>

#include "nix_clock.h"
#include "nix_path.h"

/* Is anything mounted below dir (per /proc/self/mountinfo)? -1: unknown. */
static int mounted_below(const char *dir)
{
	struct libmnt_table *tb = mnt_new_table();
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	int below = -1;

	if (tb && it && mnt_table_parse_file(tb, "/proc/self/mountinfo") == 0) {
		below = 0;
		while (!below && mnt_table_next_fs(tb, it, &fs) == 0) {
			const char *t = mnt_fs_get_target(fs);

			below = t && strcmp(t, dir) && nix_path_has_prefix(t, dir);
		}
	}
	mnt_free_iter(it);
	mnt_unref_table(tb);
	return below;
}

/* With the flock held exclusive: make state_dir a private mount. It may
 * be one already (EINVAL from MS_PRIVATE: it is not a mount point). */
static int make_private_mount(const char *state_dir, struct nix_err *err)
{
	int below;

	if (mount(NULL, state_dir, NULL, MS_PRIVATE, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return nix_err_errno(err, errno, "cannot make %s a private mount", state_dir);
	below = mounted_below(state_dir);
	if (below < 0)
		return nix_err_set(err, "cannot read /proc/self/mountinfo");
	if (below) /* the pins of running jobs: not now */
		return 0;
	if (mount(state_dir, state_dir, NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, state_dir, NULL, MS_PRIVATE, NULL) < 0)
		return nix_err_errno(err, errno, "cannot make %s a private mount", state_dir);
	return 0;
}

int nix_state_dir_hold(const char *state_dir, int64_t deadline_ms, int *fd,
		       struct nix_err *err)
{
	*fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0)
		return nix_err_errno(err, errno, "cannot open %s", state_dir);
	/* Exclusive only when no one holds it: a step building a view holds
	 * it shared for as long as that takes, and the mount can wait for the
	 * next step. */
	if (flock(*fd, LOCK_EX | LOCK_NB) == 0 && make_private_mount(state_dir, err) < 0)
		goto fail;
	if (nix_flock_until(*fd, LOCK_SH, deadline_ms) < 0) {
		nix_err_errno(err, errno, "cannot lock %s", state_dir);
		goto fail;
	}
	return 0;
fail:
	close(*fd);
	*fd = -1;
	return -1;
}
