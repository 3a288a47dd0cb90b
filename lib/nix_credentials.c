#include "nix_credentials.h"

#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int nix_after_id_change(pid_t parent)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return -1;
	if (getppid() != parent)
		_exit(1); /* the parent died before the death signal was set again */
	return 0;
}

/* The helper's credentials for the user stage: the job user's effective
 * and file-system ids, so that the store is opened with the user's rights
 * and the user namespace it creates is the user's (the tasks may join it);
 * real and saved ids stay root's. That, and never being dumpable, keeps the
 * helper out of the user's reach while root waits on it: the user can
 * neither ptrace it, nor read its memory (a fork of slurmstepd's heap), nor
 * open its /proc files. */
int nix_assume_user(const struct nix_ids *ids, pid_t creator)
{
	if (setgroups(ids->ngroups, ids->groups) < 0 ||
	    setresgid(0, ids->gid, 0) < 0 ||
	    setresuid(0, ids->uid, 0) < 0)
		return -1;
	return nix_after_id_change(creator);
}

/* Without a user namespace the view's mounts must be root's: take root's
 * capabilities back (the saved uid is 0) but keep the user's file rights,
 * fsuid and fsgid, so that every path the view's plan looks up or creates
 * is reached as the user, as it is inside a user namespace. */
int nix_mount_as_root_with_user_files(const struct nix_ids *ids, pid_t creator)
{
	if (setresuid(-1, 0, -1) < 0)
		return -1;
	setfsuid(ids->uid); /* also drops CAP_DAC_OVERRIDE & co. */
	setfsgid(ids->gid);
	if ((uid_t)setfsuid(-1) != ids->uid || (gid_t)setfsgid(-1) != ids->gid)
		return -1;
	return nix_after_id_change(creator);
}

/* squashfs=fuse without a user namespace: the FUSE mount (no allow_other)
 * admits only processes whose real, effective and saved ids are all the
 * user's, and the view is built from it. So the helper becomes the user
 * entirely, keeping only CAP_SYS_ADMIN (in the initial user namespace) to
 * mount: no DAC override, no other capability; the user may signal it (a
 * stopped helper is killed at the deadline: the user's own job fails), but
 * neither ptrace it (not dumpable, and a capability the user has not) nor
 * read its memory. The server it forks loses the capability at its execve
 * (a uid other than 0, no file capabilities). */
int nix_become_user_with_mount_cap(const struct nix_ids *ids, pid_t creator)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct caps[2] = { { 0 } };

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 ||
	    setresgid(ids->gid, ids->gid, ids->gid) < 0 ||
	    setresuid(ids->uid, ids->uid, ids->uid) < 0 ||
	    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return -1;
	caps[0].permitted = caps[0].effective = 1u << CAP_SYS_ADMIN;
	if (syscall(SYS_capset, &hdr, caps) < 0)
		return -1;
	return nix_after_id_change(creator);
}
