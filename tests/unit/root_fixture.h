/* What the unit tests that run as root share (they fail, never skip,
 * without root, as slurmstepd has it): a directory of their own under /tmp,
 * made once per run and removed at its end with whatever is mounted below
 * it, a store in it owned by the user, and a state dir. */
#ifndef SPANK_NIX_ROOT_FIXTURE_H
#define SPANK_NIX_ROOT_FIXTURE_H

#include <stdint.h>
#include <sys/types.h>

#include "nix_config.h"
#include "nix_job.h"
#include "nix_request.h"

#define USER_ID 65534 /* nobody */
#define USER_GROUP 65533 /* a supplementary group of the user's (nogroup) */

extern char top[64];
extern char store_dir[128]; /* <top>/nix */
extern char state_dir[128]; /* <top>/state */

/* Once per run, in the parent (tcase_add_unchecked_fixture). */
void make_top(void);
void remove_top(void);

/* Before each test that needs it: a fresh store owned by the user. */
void fresh_user_store(void);

/* Run fmt with every %s replaced by arg; the test fails if it fails. */
void sh(const char *fmt, const char *arg);

int64_t far_deadline(void);

/* A job jobid of the user ids on node, views copied from the caller's own
 * mount namespace, with far_deadline(); callers set the outputs they read.
 * cfg may be filled in after (not const: it is not read here). */
struct nix_job test_job(struct nix_config *cfg, const char *node, uint32_t jobid,
			const struct nix_ids *ids);

void plain_view(struct nix_config *cfg, struct nix_view *v);

struct nix_view view_of(const char *store, const char *closure, const char *hide);

/* The inode number of a namespace fd. */
ino_t ns_ino(int fd);

#endif
