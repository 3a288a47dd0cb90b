/* One step's tasks share the view that the first of them found or built.
 *
 * slurmstepd makes a socket pair before it forks the step's tasks, so that
 * every task holds both ends. Local task 0 resolves the request and
 * acquires the view (lock, pin or build), and sends each sibling a copy of
 * its namespace fds, or none, with the outcome as texts (its error line,
 * the view's profile...); the siblings wait for that message instead of
 * each looking up the user, resolving the request, taking the job's lock
 * and opening the pin in turn (64 tasks: 63 fewer). A message is
 * never trusted more than the task that got it: the fds must be namespaces
 * of the job's user (a user who ptraces a sibling after it dropped root
 * could send one, but only of their own), or a mount namespace of the
 * siblings' own user namespace, a view built without one (userns=never):
 * such an fd the user can only have from their own processes, whose
 * namespaces root's sibling then joins for them. */
#ifndef SPANK_NIX_SHARE_H
#define SPANK_NIX_SHARE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "nix_error.h"
#include "nix_namespace.h"

struct nix_share {
	int fd[2];
};

#define NIX_SHARE_INIT { .fd = { -1, -1 } }

int nix_share_open(struct nix_share *share, struct nix_err *err);
void nix_share_close(struct nix_share *share);

/* What task 0 tells its siblings besides the view: texts for each
 * sibling's own task (its error or warning line, what its PATH and lock
 * need), so that they need not resolve the request again. Never a path
 * that root opens: a sibling uses them as the user, or in messages. */
struct nix_share_text {
	char *buf;
	size_t size;
};

/* Task 0: tell `copies` siblings what it got: ns NULL or closed, no view;
 * and the ntexts texts (each shorter than its size). Until deadline_ms. */
int nix_share_send(const struct nix_share *share, int copies, const struct nix_ns *ns,
		   const struct nix_share_text *texts, int ntexts, int64_t deadline_ms,
		   struct nix_err *err);

/* A sibling: wait for task 0's message until deadline_ms. Returns 1 with ns
 * open on the view, 0 for no view, the texts filled either way; -1 with
 * err set (a message that is not what task 0 sends, or the deadline). */
int nix_share_receive(const struct nix_share *share, uid_t uid, int64_t deadline_ms,
		      struct nix_ns *ns, const struct nix_share_text *texts, int ntexts,
		      struct nix_err *err);

#endif
