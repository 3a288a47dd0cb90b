/* The job namespace plugin's settings for one node: its BasePath and the
 * job's private directories (Dirs, default /tmp and /dev/shm), from
 * job_container.conf (job_container/tmpfs, namespace/tmpfs from 25.11) or
 * namespace.yaml (namespace/linux, 25.11+). --nix-hide keeps them reachable,
 * as it keeps Slurm's other paths. Plain text in, paths out; no Slurm.
 *
 * namespace.yaml is read with the small reader of yaml_reader.h: what it
 * skips, never guessed at, leaves Slurm's defaults. */
#ifndef SPANK_NIX_SLURM_NS_CONF_H
#define SPANK_NIX_SLURM_NS_CONF_H

#include <limits.h>
#include <stdbool.h>

#define SLURM_NS_DIRS_MAX 8
#define SLURM_NS_CONF_MAX (1 << 18) /* a bigger namespace file is not read */

enum slurm_ns_type {
	SLURM_NS_NONE,  /* no job namespace plugin */
	SLURM_NS_TMPFS, /* job_container/tmpfs or namespace/tmpfs: job_container.conf */
	SLURM_NS_LINUX, /* namespace/linux: namespace.yaml */
};

struct slurm_ns_conf {
	bool enabled;                /* a BasePath for this node, not "none" */
	char base_path[PATH_MAX];    /* %n and %h expanded */
	char dirs[SLURM_NS_DIRS_MAX][PATH_MAX]; /* the job's private directories */
	int ndirs;
};

/* The plugin slurm.conf's value names (JobContainerType or NamespaceType),
 * e.g. "namespace/linux"; SLURM_NS_NONE for anything else. */
enum slurm_ns_type slurm_ns_type_of(const char *plugin);

/* From job_container.conf text ("NodeName=n[1-4] BasePath=/x Dirs=/tmp"). */
void slurm_ns_conf_from_jc(const char *text, const char *node, const char *host,
			   struct slurm_ns_conf *out);

/* From namespace.yaml text (defaults:, node_confs: [{nodes:, options:}]). */
void slurm_ns_conf_from_yaml(const char *text, const char *node, const char *host,
			     struct slurm_ns_conf *out);

/* Read conf_dir's file for type (a regular file of at most
 * SLURM_NS_CONF_MAX bytes; else not enabled). */
void slurm_ns_conf_read(enum slurm_ns_type type, const char *conf_dir,
			const char *node, const char *host, struct slurm_ns_conf *out);

#endif
