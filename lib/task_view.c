#include "task_view.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nix_request.h"

/* A view without a user namespace is root's to join: here, before Slurm
 * drops privileges, which it then does inside the view, going to the
 * job's working directory there (one only the view has included). Back to
 * our directory first: one the view hides fails the task with its name,
 * as in a user namespace. no_new_privs: no set-user-ID program gains
 * anything in a view whose /nix (or hidden paths) the user chose. */
int nix_view_join_as_root(struct nix_ns *ns, struct nix_err *err)
{
	if (nix_ns_join(ns, NULL, err) < 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return nix_err_errno(err, errno, "cannot set no_new_privs");
	nix_ns_close(ns);
	return 0;
}

/* Slurm goes to the job's working directory before task_init, in the
 * host's mount namespace: one only the view has (`cd /nix/store/x && srun`)
 * fails there, and Slurm goes to /tmp instead. The submitting shell's PWD
 * names it: returned when we are in /tmp and the host has no such
 * directory. It is the user's value, and only ever used as the user. */
const char *nix_dir_only_in_view(const char *pwd)
{
	char cwd[PATH_MAX];
	struct stat st;

	if (pwd[0] != '/')
		return NULL;
	if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, "/tmp") || !strcmp(pwd, "/tmp"))
		return NULL;
	if (stat(pwd, &st) == 0)
		return NULL; /* the host has it: Slurm's choice stands */
	return pwd;
}

/* Each profile must be there, seen from the view, as the user: a typo, or
 * a host directory --nix-hide covers, would else end in a bare
 * "execve(): No such file or directory". (Under --nix-closure a profile
 * was resolved to its store path, which the closure holds.) */
int nix_profiles_check_in_view(const char *profiles, struct nix_err *err)
{
	const char *p = profiles;
	char dir[PATH_MAX], q[NIX_QUOTE_MAX];
	struct stat st;

	for (size_t len; *p; p += len + (p[len] == ',')) {
		len = strcspn(p, ",");
		snprintf(dir, sizeof(dir), "%.*s", (int)len, p);
		if (!len || stat(dir, &st) == 0)
			continue;
		return nix_err_set(err, "--nix-profile: %s: %s in the job's view",
				   nix_quote(dir, q), strerror(errno));
	}
	return 0;
}

/* Joining failed. The usual reason is the user's: a working directory
 * that --nix-hide (or the site's hide=) covers. Say which and what to do. */
void nix_join_error_message(const char *hide, const char *cwd, const char *msg,
			    char *out, size_t outlen)
{
	char hidden[PATH_MAX], q[NIX_QUOTE_MAX], qh[NIX_QUOTE_MAX];

	if (cwd[0] && nix_hide_covers(hide, cwd, hidden, sizeof(hidden))) {
		snprintf(out, outlen, "--nix-hide: the working directory %s is in the hidden %s: "
			 "start the step in a directory that is not hidden (srun --chdir=DIR), "
			 "or hide less", nix_quote(cwd, q), nix_quote(hidden, qh));
		return;
	}
	snprintf(out, outlen, "%s", msg);
}

/* userns=auto fell back: said once per node in slurmd's log (a marker in
 * the state dir, root's), not once per job. */
bool nix_userns_refusal_is_new(const char *state_dir, const char *node)
{
	char marker[PATH_MAX + 300];
	int fd;

	snprintf(marker, sizeof(marker), "%s/userns-refused.%s", state_dir, node);
	fd = open(marker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno == EEXIST)
		return false;
	if (fd >= 0)
		close(fd);
	return true;
}
