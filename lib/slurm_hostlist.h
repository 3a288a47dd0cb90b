/* Slurm host lists ("n1,n[2-4,07]-ib"), as NodeName= in job_container.conf
 * and nodes: in namespace.yaml write them. Plain text in; no Slurm. */
#ifndef SPANK_NIX_SLURM_HOSTLIST_H
#define SPANK_NIX_SLURM_HOSTLIST_H

#include <stdbool.h>

/* Whether node is in a Slurm host list ("n1,n[2-4,07]"). */
bool slurm_hostlist_has(const char *list, const char *node);

#endif
