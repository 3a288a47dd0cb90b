/* The credentials of the plugin's helper processes: which ids they act
 * with, and what every one of them must redo after a change of ids.
 * Each step keeps the helper out of the user's reach (never dumpable, dies
 * with its parent) while it acts for the user. */
#ifndef SPANK_NIX_CREDENTIALS_H
#define SPANK_NIX_CREDENTIALS_H

#include <sys/types.h>

struct nix_ids {
	uid_t uid;
	gid_t gid;
	const gid_t *groups; /* supplementary, may include gid */
	int ngroups;
};

/* After a change of effective or file-system ids, which makes the kernel
 * reset the dumpable flag and clear the parent-death signal: not dumpable,
 * SIGKILL when parent dies, and _exit(1) if it already has. -1 if prctl
 * fails. Every helper process of the plugin calls it after each change. */
int nix_after_id_change(pid_t parent);

/* The user's groups, effective and file-system ids; real and saved ids
 * stay root's (the user stage's opens, the user namespace it creates). */
int nix_assume_user(const struct nix_ids *ids, pid_t creator);

/* Root's capabilities back (saved uid 0), the user's fsuid and fsgid kept:
 * a view's mounts without a user namespace, its paths reached as the user. */
int nix_mount_as_root_with_user_files(const struct nix_ids *ids, pid_t creator);

/* All the user's ids, keeping only CAP_SYS_ADMIN: squashfs=fuse without a
 * user namespace, whose mount admits only the user's processes. */
int nix_become_user_with_mount_cap(const struct nix_ids *ids, pid_t creator);

#endif
