/* A mount plan as text, one op per line (mount_op_format), for tests that
 * compare a whole plan with what they expect. */
#ifndef SPANK_NIX_PLAN_FORMAT_H
#define SPANK_NIX_PLAN_FORMAT_H

#include <stdio.h>

#include "mount_plan.h"

static inline void format_plan(const struct mount_plan *plan, char *out, size_t len)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < plan->len && o < len; i++) {
		char line[512];

		mount_op_format(&plan->ops[i], line, sizeof(line));
		o += snprintf(out + o, len - o, "%s\n", line);
	}
}

#endif
