/* --nix-store=IMAGE: a squashfs image of a store directory at /nix.
 *
 * The image is a user's file: opened with the user's rights, without
 * following a symlink the user could change, and never trusted. How it is
 * read is the site's choice (plugstack.conf squashfs=):
 *   off    - images are refused;
 *   kernel - the kernel's squashfs on a loop device configured from the
 *            user's fd (read-only, autoclear: the device goes with the
 *            last mount of it, that is with the job's view). The kernel
 *            parses the user's bytes as root;
 *   fuse   - squashfuse, as the user, inside the job's user namespace, fed
 *            the user's fd: the parsing stays in the user's own process.
 *            The server outlives the step that built the view (moved out of
 *            the step's cgroup and process group) and ends when the view's
 *            last mount goes, at the latest when the job's pins are removed.
 * Either way the image is mounted once per job per node, at the mount point
 * of the view's own mount namespace, and the view is then built from it as
 * from a directory (both layouts: IMAGE/store or IMAGE/nix/store). */
#ifndef SPANK_NIX_IMAGE_H
#define SPANK_NIX_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "nix_error.h"
#include "nix_store.h"

enum nix_squashfs { NIX_SQUASHFS_OFF, NIX_SQUASHFS_KERNEL, NIX_SQUASHFS_FUSE };

/* "off", "kernel", "fuse" -> mode; -1 for anything else. */
int nix_squashfs_parse(const char *s);
const char *nix_squashfs_name(enum nix_squashfs mode);

/* Where the fuse mode's server is; build options. squashfuse_ll first:
 * FUSE's low-level API, by inode, the kernel caching entries and
 * attributes for good (a read-only image never changes under its mount)
 * and file data across opens; squashfuse (the high-level API: each
 * request resolved again by path from the root, entries cached for 1 s)
 * where a package ships only that. Both are in Debian's squashfuse. */
#ifndef NIX_SQUASHFUSE_LL
#define NIX_SQUASHFUSE_LL "/usr/bin/squashfuse_ll"
#endif
#ifndef NIX_SQUASHFUSE
#define NIX_SQUASHFUSE "/usr/bin/squashfuse"
#endif

/* The first of the candidates (NULL-terminated) this process may execute;
 * NULL when none. */
const char *nix_squashfuse_pick(const char *const *candidates);

/* The squashfs superblock (96 bytes, little-endian) of buf, as read from a
 * file of file_size bytes: 0, or -1 with err saying what is wrong in words
 * a user can act on ("not a squashfs image", "truncated ..."). */
#define NIX_SQUASHFS_SUPER_SIZE 96
int nix_image_check_super(const unsigned char *buf, size_t len, uint64_t file_size,
			  struct nix_err *err);

/* Is path an image? Opened with the current credentials (the user's) and
 * O_NOFOLLOW per component (nix_open_nofollow). Returns 0 when it is not a
 * regular file (a directory store, or nothing: the directory checks say
 * why), 1 with *fd an O_RDONLY fd of a checked image: owned by uid, not
 * group- or world-writable, readable, a squashfs superblock that fits the
 * file; -1 with err for an image that is not fit. */
int nix_image_open(const char *path, uid_t uid, int *fd, struct nix_err *err);

struct nix_image {
	int fd;             /* the user's image, O_RDONLY; -1: not an image */
	enum nix_squashfs mode;
	pid_t server;       /* fuse: the squashfuse process; 0 none */
	/* fuse on a view without a user namespace: the FUSE mount is then in
	 * the initial user namespace, so without allow_other (only the user's
	 * own processes may use it: root's get EACCES, never wait on the
	 * user's server); the builder must then have all the user's ids. */
	bool no_userns;
};

#define NIX_IMAGE_INIT { .fd = -1, .mode = NIX_SQUASHFS_OFF, .server = 0, .no_userns = false }

/* The ids the image is opened with (nix_namespace.h's nix_ids). */
struct nix_ids;

/* The helper's host stage, as root: when path is an image, open it with
 * the user's credentials (then root's again) and, for squashfs=kernel,
 * mount it read-only, nosuid, nodev at mountpoint of our (private) mount
 * namespace. 0: not an image; 1: an image; -1 with err. */
int nix_image_host_stage(const char *path, enum nix_squashfs mode,
			 const struct nix_ids *ids, const char *mountpoint,
			 struct nix_image *img, struct nix_err *err);

/* The user stage, inside the job's user namespace and the view's new mount
 * namespace: squashfs=fuse mounts the image at mountpoint and starts its
 * server (img->server). Then store gets the image's layout as a store (no
 * owner checks: nobody can change a read-only image). -1 with err. */
int nix_image_user_stage(struct nix_image *img, const char *mountpoint,
			 const struct nix_ids *ids, struct nix_store *store,
			 struct nix_err *err);

/* The two halves of the user stage, for a caller that mounts in one
 * process and reads in another (the spank-nix command: the server must not
 * be a child of the user's command, which may wait for all its children).
 * mount: squashfs=fuse mounts the image at mountpoint, starts its server
 * (img->server) and closes the connection's fd; kernel: nothing (the host
 * stage mounted it). layout: the store in what is mounted at mountpoint. */
int nix_image_mount(struct nix_image *img, const char *mountpoint,
		    const struct nix_ids *ids, struct nix_err *err);
int nix_image_layout(const char *mountpoint, struct nix_store *store, struct nix_err *err);

/* Can an image be read with mode by this builder? privileged: it can
 * mount as root (the plugin's helper; not the unprivileged spank-nix
 * command, which has only its own user namespace: fuse). 0, or -1 with
 * err: the reason, to follow "--nix-store=IMAGE: ". */
int nix_image_mode_check(enum nix_squashfs mode, bool privileged, struct nix_err *err);

void nix_image_close(struct nix_image *img);

#endif
