#include "job_user.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>

void nix_job_user_find_passwd(struct nix_job_user *u)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwuid_r(u->uid, &pw, buf, sizeof(buf), &res) == 0 && res) {
		snprintf(u->home, sizeof(u->home), "%s", pw.pw_dir);
		snprintf(u->name, sizeof(u->name), "%s", pw.pw_name);
	}
}

uint32_t nix_job_nnodes(const char *value, uint32_t step_nnodes)
{
	char *end;
	unsigned long n;

	if (!value)
		return step_nnodes;
	n = strtoul(value, &end, 10);
	if (end == value || *end || n > UINT32_MAX)
		return step_nnodes;
	return n > step_nnodes ? (uint32_t)n : step_nnodes;
}
