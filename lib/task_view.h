/* A task and its view, once acquired: joining a view that has no user
 * namespace (as root), the working directory only the view has, the
 * profiles the view must show, what to say when joining fails, and the
 * once-per-node notice of a refused user namespace. Plain data in. */
#ifndef SPANK_NIX_TASK_VIEW_H
#define SPANK_NIX_TASK_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "nix_namespace.h"

/* Join a view without a user namespace, as root, then set no_new_privs
 * and close ns. 0, or -1 with err set. */
int nix_view_join_as_root(struct nix_ns *ns, struct nix_err *err);

/* pwd (the submitting shell's $PWD, the user's value) when Slurm could not
 * go there on the host and fell back to /tmp: the directory to go to in
 * the view. NULL when Slurm's choice stands. */
const char *nix_dir_only_in_view(const char *pwd);

/* Every profile of the comma-separated list must be there, seen from the
 * view (run as the user, inside it). 0, or -1 with err
 * "--nix-profile: P: reason in the job's view". */
int nix_profiles_check_in_view(const char *profiles, struct nix_err *err);

/* The line to log when joining failed with msg: names --nix-hide, the
 * working directory cwd and what to do when hide covers it; else msg. */
void nix_join_error_message(const char *hide, const char *cwd, const char *msg,
			    char *out, size_t outlen);

/* Whether this is the node's first view built without a user namespace
 * that userns=auto wanted (a marker in root's state_dir): say so once. */
bool nix_userns_refusal_is_new(const char *state_dir, const char *node);

#endif
