/* The node's Slurm paths a task must still reach when --nix-hide hides the
 * prefix they sit under: slurm.conf's directory (srun inside a batch
 * script), the munge socket's directory (AuthInfo=socket=...), SlurmdSpoolDir
 * (PMIx's shared memory, the batch script), TmpFS, PluginDir, and the
 * directories of PlugStackConfig, TaskProlog and TaskEpilog (which run in
 * the task, after the plugin), read from slurm.conf with %n and %h
 * expanded. Plain text in, paths out. */
#ifndef SPANK_NIX_SLURM_PATHS_H
#define SPANK_NIX_SLURM_PATHS_H

#include <limits.h>

#define SLURM_PATHS_MAX 16
#define SLURM_CONF_MAX (1 << 20) /* a bigger slurm.conf is not read */

struct slurm_paths {
	char path[SLURM_PATHS_MAX][PATH_MAX];
	int n;
};

/* Collect from slurm.conf text (conf_path is its own path) for node. */
void slurm_paths_from_conf(const char *conf_text, const char *conf_path,
			   const char *node, const char *host,
			   struct slurm_paths *out);

/* The same, reading conf_path (a regular file of at most SLURM_CONF_MAX
 * bytes, else only the defaults are used); paths Slurm defaults to when the file does
 * not set them (/var/run/munge, /var/spool/slurmd, /tmp) are added too. */
void slurm_paths_read(const char *conf_path, const char *node,
		      const char *host, struct slurm_paths *out);

/* Add a path, or the directory holding a file (normalized, no duplicates). */
void slurm_paths_add(struct slurm_paths *out, const char *path);
void slurm_paths_add_dir_of(struct slurm_paths *out, const char *file);

#endif
