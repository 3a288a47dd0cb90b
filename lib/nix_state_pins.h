/* A job's views in its state directory (nix_state.h's layout): the .view
 * records written and compared, the pins counted against max_views, and
 * the pins unmounted and the directory removed at the job's end. */
#ifndef SPANK_NIX_STATE_PINS_H
#define SPANK_NIX_STATE_PINS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nix_error.h"
#include "nix_state.h"

/* Does the .view file at path hold exactly desc (len bytes)? */
bool nix_state_view_matches(const char *path, const char *desc, size_t len);

/* Write a .view file; at most NIX_STATE_VIEW_MAX bytes. */
int nix_state_write_view(const char *path, const char *desc, size_t len,
			 struct nix_err *err);

/* May the job (locked) build one more view on this node? An error naming
 * the site's max_views when it has max_views already. */
int nix_state_room_for_view(const struct nix_job_dir *jd, int max_views,
			    struct nix_err *err);

/* Unmount and unlink everything in a job directory but keep_name (NULL:
 * everything), then end the image FUSE servers recorded there. */
void nix_state_empty_job_dir(const char *path, const char *keep_name);

/* Unmount the pins and remove a job's directory: at job end and before a
 * job starts. A job without a directory is not an error. */
int nix_state_remove_job(const char *state_dir, const char *node,
			 uint32_t jobid, struct nix_err *err);

#endif
