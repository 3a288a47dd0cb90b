/* spank-nix-admin: what spank-nix holds on this node, for an admin.
 *
 *   spank-nix-admin [--state-dir DIR | --plugstack FILE] list
 *   spank-nix-admin [--state-dir DIR | --plugstack FILE] clean [--force] JOBID [NODE]
 *
 * list: one line per view of each job: node, job, user, age, state, view,
 * pinned or not, kind, store. clean: unpin and remove a job's state (what
 * its epilog does), refused while a process is in its namespaces unless
 * --force. The state dir is plugstack.conf's state_dir= (read from
 * /etc/slurm/plugstack.conf by default), else /run/spank-nix. Run as root. */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nix_config.h"
#include "nix_state_list.h"
#include "nix_state_pins.h"

#define DEFAULT_PLUGSTACK "/etc/slurm/plugstack.conf"

static void usage(FILE *to)
{
	fprintf(to, "usage: spank-nix-admin [--state-dir DIR | --plugstack FILE] list\n"
		    "       spank-nix-admin [--state-dir DIR | --plugstack FILE] clean [--force] JOBID [NODE]\n");
}

/* state_dir= from the spank_nix.so line of a plugstack.conf: 1 found,
 * 0 no such line, -1 the file cannot be read (when it was asked for). */
static int state_dir_from_plugstack(const char *file, char *out, size_t outlen)
{
	char line[8192];
	FILE *f = fopen(file, "re");
	int found = 0;

	if (!f)
		return errno == ENOENT ? 0 : -1;
	while (!found && fgets(line, sizeof(line), f)) {
		char *argv[64], *save = NULL, *tok;
		int argc = 0;
		struct nix_config cfg;
		struct nix_err err;

		if (line[0] == '#' || !strstr(line, "spank_nix.so"))
			continue;
		for (tok = strtok_r(line, " \t\n", &save); tok && argc < 64;
		     tok = strtok_r(NULL, " \t\n", &save))
			argv[argc++] = tok;
		/* required|optional PATH arg... */
		nix_config_defaults(&cfg);
		if (argc >= 2 && nix_config_parse(&cfg, argc - 2, argv + 2, &err) < 0) {
			fprintf(stderr, "spank-nix-admin: %s: %s\n", file, err.msg);
			fclose(f);
			return -1;
		}
		snprintf(out, outlen, "%s", cfg.state_dir);
		found = 1;
	}
	fclose(f);
	return found;
}

static void format_age(time_t since, char *out, size_t outlen)
{
	long s = since ? (long)(time(NULL) - since) : -1;

	if (s < 0)
		snprintf(out, outlen, "?");
	else if (s < 3600)
		snprintf(out, outlen, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(out, outlen, "%ldh%02ldm", s / 3600, s / 60 % 60);
}

/* running: a process is in its namespaces; idle: none is (its next step
 * builds the view again; the next job's prolog sweeps it); stale: of
 * another boot or without an owner record. */
static const char *job_state(const struct nix_state_job *job)
{
	if (!job->has_owner)
		return "stale(no-owner)";
	if (!job->this_boot)
		return "stale(old-boot)";
	return job->in_use == 1 ? "running" : job->in_use == 0 ? "idle" : "?";
}

static void print_job(const struct nix_state_job *job, void *arg)
{
	char user[64], age[32];
	struct passwd *pw = job->has_owner ? getpwuid(job->uid) : NULL;

	(void)arg;
	if (pw)
		snprintf(user, sizeof(user), "%s", pw->pw_name);
	else if (job->has_owner)
		snprintf(user, sizeof(user), "uid:%u", (unsigned)job->uid);
	else
		snprintf(user, sizeof(user), "-");
	format_age(job->since, age, sizeof(age));
	if (job->nviews == 0)
		printf("%-12s %-8u %-12s %-8s %-16s %-16s %-6s %-9s %s\n", job->node, job->jobid,
		       user, age, job_state(job), "-", "-", "-", "-");
	for (int i = 0; i < job->nviews; i++) {
		const struct nix_state_view *v = &job->views[i];
		char kind[32];

		snprintf(kind, sizeof(kind), "%s%s",
			 v->closure ? "closure" : !strcmp(v->writable, "1") ? "writable" : "store",
			 v->hide[0] ? "+hide" : "");
		printf("%-12s %-8u %-12s %-8s %-16s %-16s %-6s %-9s %s\n", job->node, job->jobid,
		       user, age, job_state(job), v->key, v->pinned ? "yes" : "no", kind,
		       v->store[0] ? v->store : "?");
	}
}

struct clean {
	unsigned long jobid;
	const char *node;
	bool force;
	const char *state_dir;
	int found, removed, refused;
};

static void clean_job(const struct nix_state_job *job, void *arg)
{
	struct clean *c = arg;
	struct nix_err err;

	if (job->jobid != c->jobid || (c->node && strcmp(job->node, c->node)))
		return;
	c->found++;
	if (job->in_use == 1 && !c->force) {
		fprintf(stderr, "spank-nix-admin: job %u on node %s is running (a process is in its "
			"namespaces): not removed; --force removes its pins anyway (its tasks keep "
			"their view)\n", job->jobid, job->node);
		c->refused++;
		return;
	}
	if (nix_state_remove_job(c->state_dir, job->node, job->jobid, &err) < 0) {
		fprintf(stderr, "spank-nix-admin: job %u on node %s: %s\n", job->jobid, job->node,
			err.msg);
		c->refused++;
		return;
	}
	printf("removed job %u on node %s (%d view%s)\n", job->jobid, job->node, job->nviews,
	       job->nviews == 1 ? "" : "s");
	c->removed++;
}

static int cmd_list(const char *state_dir)
{
	struct nix_err err;

	printf("%-12s %-8s %-12s %-8s %-16s %-16s %-6s %-9s %s\n", "NODE", "JOB", "USER", "AGE",
	       "STATE", "VIEW", "PINNED", "KIND", "STORE");
	if (nix_state_list(state_dir, print_job, NULL, &err) < 0) {
		fprintf(stderr, "spank-nix-admin: %s%s\n", err.msg,
			geteuid() ? " (run as root)" : "");
		return 1;
	}
	return 0;
}

static int cmd_clean(const char *state_dir, int argc, char **argv, bool force)
{
	struct clean c = { .force = force, .state_dir = state_dir };
	struct nix_err err;
	char *end;

	if (argc < 1 || argc > 2) {
		usage(stderr);
		return 2;
	}
	c.jobid = strtoul(argv[0], &end, 10);
	if (!argv[0][0] || *end || c.jobid > UINT32_MAX) {
		fprintf(stderr, "spank-nix-admin: clean %s: not a job id\n", argv[0]);
		return 2;
	}
	c.node = argc == 2 ? argv[1] : NULL;
	if (nix_state_list(state_dir, clean_job, &c, &err) < 0) {
		fprintf(stderr, "spank-nix-admin: %s%s\n", err.msg,
			geteuid() ? " (run as root)" : "");
		return 1;
	}
	if (!c.found) {
		fprintf(stderr, "spank-nix-admin: no state for job %lu%s%s in %s\n", c.jobid,
			c.node ? " on node " : "", c.node ? c.node : "", state_dir);
		return 1;
	}
	return c.refused ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state-dir", required_argument, NULL, 's' },
		{ "plugstack", required_argument, NULL, 'p' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char state_dir[PATH_MAX] = "";
	const char *plugstack = NULL;
	bool force = false;
	int c;

	while ((c = getopt_long(argc, argv, "+s:p:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 's': snprintf(state_dir, sizeof(state_dir), "%s", optarg); break;
		case 'p': plugstack = optarg; break;
		case 'f': force = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (!state_dir[0]) {
		const char *file = plugstack ? plugstack : DEFAULT_PLUGSTACK;
		int rc = state_dir_from_plugstack(file, state_dir, sizeof(state_dir));

		if (rc < 0 || (rc == 0 && plugstack)) {
			fprintf(stderr, "spank-nix-admin: %s: %s\n", file,
				rc < 0 ? "cannot read it" : "no spank_nix.so line");
			return 1;
		}
		if (rc == 0)
			snprintf(state_dir, sizeof(state_dir), "/run/spank-nix");
	}
	if (!strcmp(argv[optind], "list") && optind + 1 == argc)
		return cmd_list(state_dir);
	if (!strcmp(argv[optind], "clean")) {
		/* clean [--force] JOBID [NODE]: --force may follow the verb */
		int i = optind + 1;

		if (i < argc && !strcmp(argv[i], "--force")) {
			force = true;
			i++;
		}
		return cmd_clean(state_dir, argc - i, argv + i, force);
	}
	usage(stderr);
	return 2;
}
