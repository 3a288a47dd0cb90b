/* The node's Slurm paths a task must still reach when --nix-hide hides the
 * prefix they sit under: slurm.conf's directory (srun inside a batch
 * script), the munge socket's directory (AuthInfo=socket=...), SlurmdSpoolDir
 * (PMIx's shared memory, the batch script), TmpFS, PluginDir, and the
 * directories of PlugStackConfig, TaskProlog and TaskEpilog (which run in
 * the task, after the plugin), read from slurm.conf with %n and %h
 * expanded; and the job namespace plugin's BasePath and private Dirs
 * (JobContainerType/NamespaceType, slurm_ns_conf.h). Plain text in, paths
 * out. */
#ifndef SPANK_NIX_SLURM_PATHS_H
#define SPANK_NIX_SLURM_PATHS_H

#include <limits.h>
#include <sys/types.h>

#include "slurm_ns_conf.h"

#define SLURM_PATHS_MAX 24
#define SLURM_CONF_MAX (1 << 20) /* a bigger slurm.conf is not read */

struct slurm_paths {
	char path[SLURM_PATHS_MAX][PATH_MAX];
	int n;
	enum slurm_ns_type ns_type; /* slurm.conf's JobContainerType/NamespaceType */
};

/* Collect from slurm.conf text (conf_path is its own path) for node. */
void slurm_paths_from_conf(const char *conf_text, const char *conf_path,
			   const char *node, const char *host,
			   struct slurm_paths *out);

/* The namespace plugin's BasePath and Dirs for node (out->ns_type, from
 * slurm_paths_from_conf), read from the file next to conf_path. */
void slurm_paths_add_ns(struct slurm_paths *out, const char *conf_path,
			const char *node, const char *host);

/* The same, reading conf_path (a regular file of at most SLURM_CONF_MAX
 * bytes, else only the defaults are used); paths Slurm defaults to when the file does
 * not set them (/var/run/munge, /var/spool/slurmd, /tmp) are added too. */
void slurm_paths_read(const char *conf_path, const char *node,
		      const char *host, struct slurm_paths *out);

/* For a task of slurmstepd on node: slurm_paths_read of slurmstepd's own
 * SLURM_CONF (set by slurmd; else /etc/slurm/slurm.conf), never the job's,
 * plus the directory of the shared object holding plugin_symbol (srun
 * inside a batch script loads the plugin from there). */
void slurm_paths_for_task(const char *node, const void *plugin_symbol,
			  struct slurm_paths *out);

/* Add a path, or the directory holding a file (normalized, no duplicates). */
void slurm_paths_add(struct slurm_paths *out, const char *path);
void slurm_paths_add_dir_of(struct slurm_paths *out, const char *file);

/* "%n" -> node, "%h" -> host in a Slurm path; anything else is copied. */
void slurm_conf_expand(const char *in, const char *node, const char *host,
		       char *out, size_t outlen);

/* A regular file's text of at most max bytes (opened O_NONBLOCK: a FIFO
 * does not hang), NUL-terminated and malloc'ed; NULL otherwise. */
char *slurm_conf_read_text(const char *path, off_t max);

#endif
