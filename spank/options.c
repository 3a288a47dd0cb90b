/* The user's options. Registered with spank_option_register() (a static
 * spank_options table is ignored by sbatch and salloc). Slurm may call a
 * callback more than once - from the environment an sbatch job passes to
 * its sruns, then from the command line - so each one just overwrites:
 * the last writer wins, and an srun option overrides its job's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plugin.h"

/* Slurm passes an option down as SLURM_SPANK__SLURM_SPANK_OPTION_<plugin>_
 * <option> (non-alphanumerics as '_'): sbatch and salloc put it in the
 * job's environment, srun reads it back before its command line. */
static void option_env_name(enum nix_opt id, char *out, size_t len)
{
	snprintf(out, len, "SLURM_SPANK__SLURM_SPANK_OPTION_nix_%s", nix_opt_name(id));
	for (char *c = out; *c; c++)
		if (*c == '-')
			*c = '_';
}

/* SLURM_NIX_STORE etc.: the user's environment sets an option, like
 * srun's own SLURM_* input variables. */
static const char *const user_env_names[NIX_OPT_COUNT] = {
	[NIX_OPT_STORE] = "SLURM_NIX_STORE",
	[NIX_OPT_WRITABLE] = "SLURM_NIX_WRITABLE",
	[NIX_OPT_CLOSURE] = "SLURM_NIX_CLOSURE",
	[NIX_OPT_PROFILE] = "SLURM_NIX_PROFILE",
	[NIX_OPT_HIDE] = "SLURM_NIX_HIDE",
};

/* The options whose value Slurm replays from a SLURM_NIX_* variable: the
 * user's own choice at this level, not something the job passed down. */
static bool from_user_env[NIX_OPT_COUNT];

/* The options some value reached, from anywhere. */
static bool seen[NIX_OPT_COUNT];

static int set_option(int id, const char *optarg, int remote);

/* Did this value come from the job rather than the command line? On the
 * node every value counts as inherited: srun/sbatch/salloc refused the
 * conflicts already. In a client, Slurm replays the options found in the
 * environment (spank_process_env_options, maybe once per het component)
 * before the command line: a call carrying the environment's value, before
 * any other value was seen, is inherited. (A command-line value equal to
 * the inherited one counts as inherited too: the same thing.) */
static bool came_from_job(enum nix_opt id, const char *arg, int remote)
{
	static bool given[NIX_OPT_COUNT];
	char name[96];
	const char *env;
	bool inherited;

	if (remote)
		return true;
	option_env_name(id, name, sizeof(name));
	env = getenv(name);
	inherited = !given[id] && env && !from_user_env[id] &&
		    (id == NIX_OPT_WRITABLE || !strcmp(env, arg));
	if (!inherited)
		given[id] = true;
	return inherited;
}

/* SLURM_NIX_WRITABLE: 1/yes/true (or empty) on, 0/no/false off. */
static int writable_from_env(const char *value, bool *on)
{
	static const char *const yes[] = {"", "1", "yes", "true"}, *const no[] = {"0", "no", "false"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!strcasecmp(value, yes[i]))
			return *on = true, 0;
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (!strcasecmp(value, no[i]))
			return *on = false, 0;
	return -1;
}

/* SLURM_NIX_WRITABLE, or any SLURM_NIX_* value, as the option takes it;
 * false: the variable asks for nothing. */
static bool user_env_value(enum nix_opt id, const char **value)
{
	char q[NIX_QUOTE_MAX];
	bool on = true;

	if (id != NIX_OPT_WRITABLE)
		return true;
	if (writable_from_env(*value, &on) < 0) {
		snprintf(nix_plugin.env_error, sizeof(nix_plugin.env_error),
			 "%s=%s: not one of 1, yes, true, 0, no, false",
			 user_env_names[id], nix_quote(*value, q));
		return false;
	}
	*value = "";
	return on;
}

/* SLURM_NIX_* variables become options, below the command line, #SBATCH
 * lines and any option the job passed down (sbatch/salloc's, or the
 * enclosing step's: every srun of a job sees the job's options; change
 * them for one step on its command line). They reach the nodes and the
 * job's sruns like an option, in Slurm's variable for it
 * (SLURM_SPANK__..._nix_*). Slurm reads the environment before srun's and
 * salloc's command line but after sbatch's #SBATCH lines, so:
 *   srun (before_options): the variable is copied into Slurm's before
 *     Slurm reads its options, which then override it and carry it on;
 *   sbatch, salloc (after): what no option set is set here, and put in
 *     the environment the job gets (the batch step reads it there). */
void nix_options_from_user_env(bool before_options)
{
	char name[96];

	for (enum nix_opt id = 0; id < NIX_OPT_COUNT; id++) {
		const char *value = getenv(user_env_names[id]);

		option_env_name(id, name, sizeof(name));
		if (!value || (before_options ? getenv(name) != NULL : seen[id]))
			continue;
		if (!user_env_value(id, &value))
			continue;
		if (setenv(name, value, 1) < 0) {
			snprintf(nix_plugin.env_error, sizeof(nix_plugin.env_error),
				 "%s: cannot pass it on: out of memory", user_env_names[id]);
			continue;
		}
		from_user_env[id] = true;
		if (!before_options)
			set_option(id, value, 0);
	}
}

/* Is the option's value the one its SLURM_NIX_* variable gave (and not
 * one the command line put over it)? */
static bool value_is_user_env(enum nix_opt id)
{
	const struct nix_request *req = &nix_plugin.req;
	const char *env = getenv(user_env_names[id]);

	if (!from_user_env[id] || !env)
		return false;
	switch (id) {
	case NIX_OPT_STORE: return !strcmp(req->store, env);
	case NIX_OPT_CLOSURE: return !strcmp(req->closure, env);
	case NIX_OPT_PROFILE: return !strcmp(req->profile, env);
	case NIX_OPT_HIDE: return !strcmp(req->hide, env);
	default: return req->writable;
	}
}

/* Where an error line's option came from: " (from SLURM_NIX_STORE)" when
 * msg is about an option set by its variable, else "". */
const char *nix_options_env_hint(const char *msg)
{
	static char hint[64];

	for (enum nix_opt id = 0; id < NIX_OPT_COUNT; id++) {
		size_t len = strlen(nix_opt_name(id));

		if (value_is_user_env(id) && !strncmp(msg, "--", 2) &&
		    !strncmp(msg + 2, nix_opt_name(id), len) &&
		    (msg[2 + len] == '=' || msg[2 + len] == ':')) {
			snprintf(hint, sizeof(hint), " (from %s)", user_env_names[id]);
			return hint;
		}
	}
	return "";
}

/* Values are checked later, where the user's home is known: srun/sbatch
 * check them in init_post_opt, the node in task_init_privileged. A value
 * too long is remembered and refused there with a short quote: returning
 * -1 here would make Slurm print the whole value. */
static int set_option(int id, const char *optarg, int remote)
{
	const char *arg = optarg ? optarg : "";

	seen[id] = true;

	nix_request_set(&nix_plugin.req, id, arg, came_from_job(id, arg, remote));
	nix_plugin.options_used = true;
	return 0;
}

static struct spank_option options[] = {
	{
		"nix-store", "DIR",
		"[nix] The Nix store in DIR (as made by `nix --store DIR`) at "
		"/nix, read-only, for every task. none: no store (and none of "
		"the job's other nix options). Env: SLURM_NIX_STORE.",
		1, NIX_OPT_STORE, set_option,
	},
	{
		"nix-writable", NULL,
		"[nix] The store read-write (one-node jobs only). "
		"Env: SLURM_NIX_WRITABLE=1.",
		0, NIX_OPT_WRITABLE, set_option,
	},
	{
		"nix-closure", "SPEC[,SPEC...]",
		"[nix] Only these closures in /nix/store. SPEC: a store path, "
		"a `nix-store -qR` list or a closureInfo dir. none: the whole store. "
		"Env: SLURM_NIX_CLOSURE.",
		1, NIX_OPT_CLOSURE, set_option,
	},
	{
		"nix-profile", "PATH[,PATH...]",
		"[nix] Put PATH/bin (a store path or a profile) first "
		"in the tasks' PATH. none: no profile. Env: SLURM_NIX_PROFILE.",
		1, NIX_OPT_PROFILE, set_option,
	},
	{
		"nix-hide", "PATH[,PATH...]",
		"[nix] Hide these host directories (e.g. /usr,/opt) behind "
		"empty ones. none: hide nothing. Env: SLURM_NIX_HIDE.",
		1, NIX_OPT_HIDE, set_option,
	},
};

int nix_options_register(spank_t sp)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		spank_err_t rc = spank_option_register(sp, &options[i]);

		if (rc != ESPANK_SUCCESS) {
			slurm_error("nix: cannot register --%s: %s", options[i].name,
				    spank_strerror(rc));
			return -1;
		}
	}
	return 0;
}

/* Big enough for any environment string the kernel passes (MAX_ARG_STRLEN),
 * so a value too long for its option is seen, and refused, whole. */
static char env_value[128 * 1024 + 1];

/* The batch step gets options only through its environment, and
 * --export=NONE drops all but the SLURM_SPANK_ copies: read those. */
void nix_options_from_job_env(spank_t sp)
{
	char name[96];

	if (nix_plugin.options_used)
		return;
	for (enum nix_opt id = 0; id < NIX_OPT_COUNT; id++) {
		option_env_name(id, name, sizeof(name));
		if (spank_getenv(sp, name, env_value, sizeof(env_value)) == ESPANK_SUCCESS)
			set_option(id, env_value, 1);
	}
}

/* The job prolog sees the options sbatch or salloc gave (the job's
 * spank_job_env, which slurmd passes as SPANK_<name>: Slurm's variable
 * without its SLURM_ prefix). Options given to an srun alone never reach
 * it. The values are the user's, as any option's. */
void nix_options_from_prolog_env(void)
{
	const size_t skip = strlen("SLURM_");
	char name[96];

	for (enum nix_opt id = 0; id < NIX_OPT_COUNT; id++) {
		const char *value;

		option_env_name(id, name, sizeof(name));
		value = getenv(name + skip);
		if (value)
			set_option(id, value, 1);
	}
}

/* The value a task's environment carries for an option: NULL for none. */
static const char *exported_value(const struct nix_request *req, enum nix_opt id)
{
	bool no_store = req->store_given && !strcmp(req->store, "none");

	if (no_store && id != NIX_OPT_STORE)
		return NULL; /* dropped with the store */
	switch (id) {
	case NIX_OPT_STORE: return req->store_given ? req->store : NULL;
	case NIX_OPT_WRITABLE: return req->writable ? "" : NULL;
	case NIX_OPT_CLOSURE: return req->closure_given ? req->closure : NULL;
	case NIX_OPT_PROFILE: return req->profile[0] ? req->profile : NULL;
	case NIX_OPT_HIDE: return req->hide[0] ? req->hide : NULL;
	default: return NULL;
	}
}

/* A step's options, in its tasks' environment the way sbatch's reach a batch
 * script: an srun run by a task inherits them (and may override them). */
int nix_options_export(spank_t sp)
{
	char name[96];

	if (!nix_plugin.options_used)
		return 0;
	for (enum nix_opt id = 0; id < NIX_OPT_COUNT; id++) {
		const char *value = exported_value(&nix_plugin.req, id);
		spank_err_t rc;

		option_env_name(id, name, sizeof(name));
		rc = value ? spank_setenv(sp, name, value, 1) : spank_unsetenv(sp, name);
		if (rc != ESPANK_SUCCESS && rc != ESPANK_ENV_NOEXIST) {
			slurm_error("nix: cannot pass --%s to the task's environment: %s",
				    nix_opt_name(id), spank_strerror(rc));
			return -1;
		}
	}
	return 0;
}
