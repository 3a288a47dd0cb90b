/* spank-nix: the view a Slurm job gets, without Slurm.
 *
 *   spank-nix run   [OPTIONS] [--] CMD [ARG...]   CMD in the job's view
 *   spank-nix shell [OPTIONS]                     $SHELL in the job's view
 *   spank-nix check [OPTIONS]                     what srun would say
 *
 * Built from the plugin's lib/: the same option parsing, limits, store
 * checks, closure and mount plans, and error lines. It runs as the user,
 * unprivileged: it makes its own user namespace (the user's uid and gid
 * mapped to themselves) and mount namespace, then applies the same host
 * and user stages a job's helper applies. For login nodes, and to
 * reproduce a user's report without a cluster. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "closure_view.h"
#include "gpu_libs.h"
#include "mount_plan.h"
#include "nix_config.h"
#include "nix_image.h"
#include "nix_namespace.h"
#include "nix_path.h"
#include "nix_profile.h"
#include "nix_request.h"
#include "nix_store.h"
#include "slurm_paths.h"

#ifndef SPANK_NIX_VERSION
#define SPANK_NIX_VERSION "?"
#endif

static const char *const env_names[NIX_OPT_COUNT] = {
	[NIX_OPT_STORE] = "SLURM_NIX_STORE",
	[NIX_OPT_WRITABLE] = "SLURM_NIX_WRITABLE",
	[NIX_OPT_CLOSURE] = "SLURM_NIX_CLOSURE",
	[NIX_OPT_PROFILE] = "SLURM_NIX_PROFILE",
	[NIX_OPT_HIDE] = "SLURM_NIX_HIDE",
};

struct cli {
	const char *command;           /* run, shell, check */
	struct nix_request req;
	bool given[NIX_OPT_COUNT];     /* on this command line */
	const char *plugstack;         /* --plugstack=FILE */
	bool verbose;
	char **argv;                   /* run: CMD and its arguments */
	struct nix_config cfg;
	char plugin_dir[PATH_MAX];     /* kept reachable under --nix-hide */
	char config_error[NIX_ERR_MAX + 32];
	struct nix_image img;          /* --nix-store=IMAGE: the user's image */
};

static void usage(FILE *out)
{
	fprintf(out,
"Usage: spank-nix run [OPTIONS...] [--] COMMAND [ARGS...]\n"
"       spank-nix shell [OPTIONS...]\n"
"       spank-nix check [OPTIONS...]\n"
"\n"
"Run COMMAND (run), a shell (shell), or nothing (check) in the view of the\n"
"file system a Slurm job with the same options gets from spank-nix, without\n"
"Slurm: the same checks, limits and error lines as srun, the same mounts.\n"
"Unprivileged: a user namespace maps your uid and gid to themselves\n"
"(unlike a job's, it cannot map your other groups: they show as nogroup).\n"
"\n"
"Nix options (as for srun, sbatch and salloc):\n"
"      --nix-store=DIR|IMAGE   the Nix store in DIR, or in a squashfs IMAGE\n"
"                              (read by squashfuse, as you), at /nix,\n"
"                              read-only (none: no store). Env: SLURM_NIX_STORE\n"
"      --nix-writable          the store read-write. Env: SLURM_NIX_WRITABLE=1\n"
"      --nix-closure=SPEC[,SPEC...]\n"
"                              only these closures in /nix/store (none: the\n"
"                              whole store). Env: SLURM_NIX_CLOSURE\n"
"      --nix-profile=PATH[,PATH...]\n"
"                              PATH/bin first in PATH. Env: SLURM_NIX_PROFILE\n"
"      --nix-hide=PATH[,PATH...]\n"
"                              hide these host directories behind empty ones\n"
"                              (none: not even the site's). Env: SLURM_NIX_HIDE\n"
"\n"
"Other options:\n"
"      --plugstack=FILE        the site's settings from the spank_nix.so line of\n"
"                              FILE (default: plugstack.conf next to $SLURM_CONF,\n"
"                              or /etc/slurm/plugstack.conf; none if missing)\n"
"  -v, --verbose               print each mount as it is made\n"
"  -h, --help                  show this help message\n"
"  -V, --version               output version information and exit\n"
"\n"
"A command-line option wins over its SLURM_NIX_* variable, which wins over\n"
"the option a job passed down (SLURM_SPANK__SLURM_SPANK_OPTION_nix_*).\n"
"Exit status: COMMAND's; 1 with one \"nix:\" line on a bad option or store.\n"
"An IMAGE needs the site's squashfs=fuse (the default): squashfs=kernel mounts\n"
"as root, which spank-nix cannot; check takes it, as srun does.\n");
}

static _Noreturn void die_nix(const char *msg)
{
	fprintf(stderr, "spank-nix: error: nix: %s\n", msg);
	exit(1);
}

/* The option's value from the environment, as srun would take it: a job's
 * passed-down option first (inherited), then SLURM_NIX_* over it. */
static void options_from_env(struct cli *c)
{
	for (enum nix_opt id = 0; id < NIX_OPT_COUNT; id++) {
		char name[96];
		const char *v;

		snprintf(name, sizeof(name), "SLURM_SPANK__SLURM_SPANK_OPTION_nix_%s",
			 nix_opt_name(id));
		for (char *p = name; *p; p++)
			if (*p == '-')
				*p = '_';
		v = getenv(name);
		if (v && !c->given[id]) {
			nix_request_set(&c->req, id, v, true);
			continue; /* the job's option wins over the variable */
		}
		v = getenv(env_names[id]);
		if (!v || c->given[id])
			continue;
		if (id == NIX_OPT_WRITABLE) {
			if (!strcasecmp(v, "0") || !strcasecmp(v, "no") || !strcasecmp(v, "false"))
				continue;
			if (*v && strcasecmp(v, "1") && strcasecmp(v, "yes") && strcasecmp(v, "true")) {
				char msg[NIX_ERR_MAX], q[NIX_QUOTE_MAX];

				snprintf(msg, sizeof(msg), "%s=%s: not one of 1, yes, true, 0, no, false",
					 env_names[id], nix_quote(v, q));
				die_nix(msg);
			}
		}
		nix_request_set(&c->req, id, v, false);
	}
}

static void parse_args(struct cli *c, int argc, char **argv)
{
	enum { OPT_PLUGSTACK = 1000 };
	static const struct option longopts[] = {
		{ "nix-store", required_argument, NULL, NIX_OPT_STORE },
		{ "nix-writable", no_argument, NULL, NIX_OPT_WRITABLE },
		{ "nix-closure", required_argument, NULL, NIX_OPT_CLOSURE },
		{ "nix-profile", required_argument, NULL, NIX_OPT_PROFILE },
		{ "nix-hide", required_argument, NULL, NIX_OPT_HIDE },
		{ "plugstack", required_argument, NULL, OPT_PLUGSTACK },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	int o;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		exit(0);
	}
	if (argc >= 2 && (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version"))) {
		printf("spank-nix %s\n", SPANK_NIX_VERSION);
		exit(0);
	}
	if (argc < 2 || (strcmp(argv[1], "run") && strcmp(argv[1], "shell") &&
			 strcmp(argv[1], "check"))) {
		usage(stderr);
		exit(2);
	}
	c->command = argv[1];
	argc--;
	argv++;
	/* "+": stop at COMMAND, whose own options are its business. */
	while ((o = getopt_long(argc, argv, "+vhV", longopts, NULL)) != -1) {
		switch (o) {
		case 'v': c->verbose = true; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("spank-nix %s\n", SPANK_NIX_VERSION); exit(0);
		case OPT_PLUGSTACK: c->plugstack = optarg; break;
		case NIX_OPT_STORE: case NIX_OPT_WRITABLE: case NIX_OPT_CLOSURE:
		case NIX_OPT_PROFILE: case NIX_OPT_HIDE:
			nix_request_set(&c->req, o, optarg ? optarg : "", false);
			c->given[o] = true;
			break;
		default:
			fprintf(stderr, "Try \"spank-nix --help\" for more information\n");
			exit(2);
		}
	}
	c->argv = argv + optind;
	if (!strcmp(c->command, "run") && !c->argv[0]) {
		fprintf(stderr, "spank-nix: error: run: no command given\n");
		exit(2);
	}
	if (strcmp(c->command, "run") && c->argv[0]) {
		fprintf(stderr, "spank-nix: error: %s: takes no command\n", c->command);
		exit(2);
	}
	options_from_env(c);
}

/* The plugstack.conf a Slurm command would read: next to slurm.conf. */
static void default_plugstack(char *out, size_t len)
{
	const char *conf = getenv("SLURM_CONF");
	char dir[PATH_MAX - 16];

	snprintf(dir, sizeof(dir), "%s", conf && conf[0] == '/' ? conf : "/etc/slurm/slurm.conf");
	*strrchr(dir, '/') = '\0';
	snprintf(out, len, "%s/plugstack.conf", dir[0] ? dir : "");
}

/* The arguments of the spank_nix.so line of a plugstack.conf, parsed the
 * way the plugin parses them. A missing file: the defaults. */
static void read_site_config(struct cli *c)
{
	char path[PATH_MAX], line[8192];
	FILE *f;
	struct nix_err err;

	nix_config_defaults(&c->cfg);
	if (c->plugstack)
		snprintf(path, sizeof(path), "%s", c->plugstack);
	else
		default_plugstack(path, sizeof(path));
	f = fopen(path, "re");
	if (!f) {
		if (c->plugstack)
			die_nix("--plugstack: cannot read the file");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *av[64], *save = NULL, *tok;
		int ac = 0;

		*strchrnul(line, '#') = '\0';
		for (tok = strtok_r(line, " \t\n", &save); tok && ac < 64;
		     tok = strtok_r(NULL, " \t\n", &save))
			av[ac++] = tok;
		if (ac < 2 || (strcmp(av[0], "required") && strcmp(av[0], "optional")))
			continue;
		const char *base = strrchr(av[1], '/');

		if (strcmp(base ? base + 1 : av[1], "spank_nix.so"))
			continue;
		if (av[1][0] == '/') {
			snprintf(c->plugin_dir, sizeof(c->plugin_dir), "%s", av[1]);
			*strrchr(c->plugin_dir, '/') = '\0';
		}
		if (nix_config_parse(&c->cfg, ac - 2, av + 2, &err) < 0)
			snprintf(c->config_error, sizeof(c->config_error), "plugstack.conf: %s", err.msg);
		break;
	}
	fclose(f);
}

static _Noreturn void die_origin(const struct nix_view *view, const char *why)
{
	char msg[NIX_ERR_MAX * 2];

	nix_escape(view->origin, msg, sizeof(msg) / 2);
	snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), ": %s", why);
	die_nix(msg);
}

/* --nix-store=IMAGE: the checks srun makes (spank/client.c check_image):
 * the user's file, a squashfs superblock that fits it, images allowed on
 * this cluster. run and shell must also mount it: with squashfuse only.
 * 1: an image (c->img), 0: not one (a directory store), or 2: an image the
 * site's default names that the user cannot use (no store, as srun). */
static int check_image(struct cli *c, const struct nix_view *view)
{
	struct nix_err err;
	bool mounting = strcmp(c->command, "check") != 0;
	int rc = nix_image_open(view->store, getuid(), &c->img.fd, &err);

	if (rc > 0 && nix_image_mode_check(c->cfg.squashfs, !mounting, &err) < 0)
		rc = -1;
	if (rc >= 0) {
		c->img.mode = c->cfg.squashfs;
		return rc;
	}
	if (!c->req.store_given)
		return 2;
	die_origin(view, err.msg);
}

/* What srun checks before the job is queued (spank/client.c). Returns 1
 * with view filled when there is a store to show, 0 when the job would
 * run without one; exits with srun's "nix:" line on an error. */
static int check_like_srun(struct cli *c, struct nix_view *view, struct nix_store *store)
{
	struct passwd *pw = getpwuid(getuid());
	struct nix_err err;
	char msg[NIX_ERR_MAX * 2], store_dir[PATH_MAX + 8], q[NIX_QUOTE_MAX];
	bool used = false;
	int rc;

	for (int i = 0; i < NIX_OPT_COUNT; i++)
		used |= c->given[i] || c->req.inherited[i] || getenv(env_names[i]);
	if (c->config_error[0]) {
		if (!used)
			return 0;
		snprintf(msg, sizeof(msg), "spank-nix is disabled on this cluster: %s", c->config_error);
		die_nix(msg);
	}
	rc = nix_request_resolve(&c->cfg, &c->req, pw ? pw->pw_dir : NULL,
				 pw ? pw->pw_name : NULL, view, &err);
	if (rc < 0)
		die_nix(err.msg);
	if (rc == 0)
		return 0;
	rc = check_image(c, view);
	if (rc != 0)
		return rc == 1;
	if (nix_store_open(view->store, nix_view_store_owner(view, getuid()), store, &err) < 0) {
		if (!c->req.store_given)
			return 0; /* a site default the user does not have */
		nix_escape(view->origin, msg, sizeof(msg) / 2);
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), ": %s", err.msg);
		die_nix(msg);
	}
	nix_view_store_dir(view, store_dir, sizeof(store_dir));
	if (view->closure[0] && closure_view_check(store, store_dir, view->closure, &err) < 0) {
		snprintf(msg, sizeof(msg), "--nix-closure=%s: %s", nix_quote(view->closure, q), err.msg);
		die_nix(msg);
	}
	/* as a job's node does: a profile's store path joins the closure */
	if (nix_view_resolve_profiles(store, view, &err) < 0)
		die_nix(err.msg);
	return 1;
}

static void print_view(const struct nix_view *view, bool image)
{
	char buf[NIX_ARG_MAX * 2];

	nix_escape(view->store, buf, sizeof(buf));
	printf("nix: %s%s at %s, %s", buf, image ? " (a squashfs image)" : "", view->mountpoint,
	       view->writable ? "read-write" : "read-only");
	if (view->closure[0])
		printf(", only the closures of %s", nix_quote(view->closure, buf));
	if (view->hide[0])
		printf(", hiding %s", nix_quote(view->hide, buf));
	if (view->profile[0])
		printf(", profile %s", nix_quote(view->profile, buf));
	printf("\n");
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Our own user namespace: unprivileged, we may map only our own uid and
 * gid, and only after denying setgroups (as a job's namespace does). */
static void enter_user_namespace(void)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
		snprintf(map, sizeof(map), "cannot create a user namespace: %s", strerror(errno));
		die_nix(map);
	}
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if (write_file("/proc/self/uid_map", map) < 0 ||
	    write_file("/proc/self/setgroups", "deny") < 0)
		die_nix("cannot write the user namespace's uid_map");
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	if (write_file("/proc/self/gid_map", map) < 0)
		die_nix("cannot write the user namespace's gid_map");
}

/* closure: the view's closure entries, if its plan has them (their own
 * errors name --nix-closure). */
static void apply_or_die(struct cli *c, struct mount_plan *plan, const char *origin,
			 const struct nix_view *view, const struct mount_entry_source *closure)
{
	struct nix_err err;
	char line[PATH_MAX * 2 + 64], msg[NIX_ERR_MAX * 2], closure_origin[NIX_QUOTE_MAX + 16];
	char q[NIX_QUOTE_MAX];

	if (c->verbose)
		for (size_t i = 0; i < plan->len; i++) {
			mount_op_format(&plan->ops[i], line, sizeof(line));
			fprintf(stderr, "spank-nix: %s\n", line);
		}
	if (mount_plan_apply(plan, &err) < 0) {
		if (view && closure && view->closure[0] && closure->source_failed) {
			snprintf(closure_origin, sizeof(closure_origin), "--nix-closure=%s",
				 nix_quote(view->closure, q));
			origin = closure_origin;
		}
		snprintf(msg, sizeof(msg), "%s%s%s", origin ? origin : "", origin ? ": " : "", err.msg);
		die_nix(msg);
	}
	mount_plan_free(plan);
}

/* The paths --nix-hide keeps, as a task on this host would. */
static int keep_paths(struct cli *c, struct slurm_paths *keep, const char **ptrs)
{
	const char *conf = getenv("SLURM_CONF");
	char host[256] = "";

	gethostname(host, sizeof(host) - 1);
	slurm_paths_read(conf && conf[0] == '/' ? conf : "/etc/slurm/slurm.conf", host, host, keep);
	if (c->plugin_dir[0])
		slurm_paths_add(keep, c->plugin_dir);
	for (int i = 0; i < keep->n; i++)
		ptrs[i] = keep->path[i];
	return keep->n;
}

static void closure_open_or_die(const struct nix_view *view, struct nix_store *store,
				struct closure_view *cv, struct mount_entry_source *entries)
{
	char store_dir[PATH_MAX + 8], msg[NIX_ERR_MAX * 2], q[NIX_QUOTE_MAX];
	struct nix_err err;

	nix_view_store_dir(view, store_dir, sizeof(store_dir));
	if (closure_view_open(store, store_dir, view->closure, cv, &err) < 0) {
		snprintf(msg, sizeof(msg), "--nix-closure=%s: %s", nix_quote(view->closure, q), err.msg);
		die_nix(msg);
	}
	closure_view_source(cv, entries);
}

/* --nix-store=IMAGE, in our user namespace: squashfuse mounts it at the
 * mount point, started by a process that ends at once, so that the server
 * is no child of the command (which may wait for all its children, while
 * the server lives as long as the view: it ends when the view's mount
 * namespace goes with the command). Then the image is the store, and the
 * closure and profiles are read from it, as on a job's node. */
static void mount_image(struct cli *c, struct nix_view *view, struct nix_store *store)
{
	struct nix_ids ids = { .uid = getuid(), .gid = getgid() };
	struct nix_err err;
	char why[NIX_ERR_MAX] = "";
	int pipefd[2], status = 1;
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0 || (pid = fork()) < 0)
		die_nix("cannot fork");
	if (pid == 0) {
		close(pipefd[0]);
		if (nix_image_mount(&c->img, view->mountpoint, &ids, &err) < 0) {
			if (write(pipefd[1], err.msg, strlen(err.msg)) < 0)
				_exit(2);
			_exit(1);
		}
		_exit(0);
	}
	close(pipefd[1]);
	n = read(pipefd[0], why, sizeof(why) - 1);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die_origin(view, n > 0 ? why : "cannot mount the image");
	nix_image_close(&c->img);
	if (c->verbose)
		fprintf(stderr, "spank-nix: squashfuse %s on %s\n", view->store, view->mountpoint);
	if (nix_image_layout(view->mountpoint, store, &err) < 0)
		die_origin(view, err.msg);
	if (nix_view_resolve_profiles(store, view, &err) < 0)
		die_nix(err.msg);
}

/* The host stage (a root with the mount point, when the host has none, built
 * in staging) and the user stage, as a job's helper applies them. */
static void build_view(struct cli *c, struct nix_view *view, struct nix_store *store,
		       const char *staging)
{
	struct closure_view cv = { 0 };
	struct mount_entry_source entries;
	struct mount_plan plan = { 0 };
	struct host_root root;
	struct gpu_libs gpu;
	int run_fd = -1;
	struct slurm_paths keep = { .n = 0 };
	const char *keep_ptrs[SLURM_PATHS_MAX];
	int nkeep = 0;
	struct nix_err err;
	char origin[NIX_LIST_ARG_MAX + 32];
	bool image = c->img.fd >= 0;
	int rc;

	if (!image && view->closure[0])
		closure_open_or_die(view, store, &cv, &entries);
	if (view->hide[0])
		nkeep = keep_paths(c, &keep, keep_ptrs);
	if (gpu_libs_find(c->cfg.gpu_libs, c->cfg.gpu_ld_cache, &gpu, &err) < 0)
		die_nix(err.msg);

	enter_user_namespace();
	if (host_root_scan(view->mountpoint, &root, &err) < 0 ||
	    mount_plan_host(&root, view->mountpoint, staging, &plan, &err) < 0)
		die_nix(err.msg);
	host_root_free(&root);
	apply_or_die(c, &plan, NULL, NULL, NULL);

	if (image) {
		mount_image(c, view, store);
		if (view->closure[0])
			closure_open_or_die(view, store, &cv, &entries);
	} else if (nix_store_reopen(view->store, store, &err) < 0) {
		snprintf(origin, sizeof(origin), "%s: %s", view->origin, err.msg);
		die_nix(origin);
	}
	if (view->closure[0])
		rc = mount_plan_user_closure(store->store_fd, view->mountpoint, &entries,
					     &plan, &err);
	else
		rc = mount_plan_user(store->root_fd, view->mountpoint, view->writable, &plan, &err);
	if (rc == 0)
		rc = gpu_plan_view(&gpu, &run_fd, &plan, &err); /* before --nix-hide covers them */
	if (rc == 0 && view->hide[0])
		rc = mount_plan_hide(view->hide, keep_ptrs, nkeep, &plan, &err);
	if (rc < 0)
		die_nix(err.msg);
	apply_or_die(c, &plan, view->origin, view, &entries);
	if (run_fd >= 0)
		close(run_fd);
	gpu_libs_free(&gpu);
	closure_view_close(&cv);
}

static _Noreturn void exec_in_view(struct cli *c, const struct nix_view *view,
				   const char *cwd)
{
	static char path[NIX_LIST_ARG_MAX + 65536];
	const char *shell_argv[] = { NULL, NULL };
	char **argv = c->argv;

	if (chdir(cwd) < 0 && chdir("/") < 0)
		die_nix("cannot return to the current directory");
	if (view && view->profile[0]) {
		if (nix_profile_task_path(view->profile, getenv("PATH"), path, sizeof(path)) < 0)
			die_nix("--nix-profile: the PATH would be too long");
		setenv("PATH", path, 1);
	}
	if (!strcmp(c->command, "shell")) {
		shell_argv[0] = getenv("SHELL") && getenv("SHELL")[0] ? getenv("SHELL") : "/bin/sh";
		argv = (char **)shell_argv;
	}
	execvp(argv[0], argv);
	fprintf(stderr, "spank-nix: error: %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

static volatile pid_t child_pid;

static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

/* The parent waits, so that the staging directory can be removed after. */
static int wait_for(pid_t pid)
{
	struct sigaction sa = { .sa_handler = forward_signal };
	int status;

	child_pid = pid;
	signal(SIGINT, SIG_IGN);  /* the terminal's go to the child too */
	signal(SIGQUIT, SIG_IGN);
	/* kill or a batch system's signals reach only us: pass them on */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	static struct cli c = { .img = NIX_IMAGE_INIT };
	static struct nix_view view;
	struct nix_store store = NIX_STORE_INIT;
	char cwd[PATH_MAX], staging[] = "/tmp/spank-nix.XXXXXX";
	pid_t pid;
	int has_view, status;

	parse_args(&c, argc, argv);
	read_site_config(&c);
	has_view = check_like_srun(&c, &view, &store);
	if (!strcmp(c.command, "check")) {
		if (has_view)
			print_view(&view, c.img.fd >= 0);
		else
			printf("nix: no store: the job runs without one\n");
		return 0;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), "/");
	if (!has_view)
		exec_in_view(&c, NULL, cwd);
	if (!mkdtemp(staging))
		die_nix("cannot make a staging directory in /tmp");
	pid = fork();
	if (pid < 0)
		die_nix("cannot fork");
	if (pid == 0) {
		build_view(&c, &view, &store, staging);
		nix_store_close(&store);
		exec_in_view(&c, &view, cwd);
	}
	nix_store_close(&store);
	status = wait_for(pid);
	rmdir(staging);
	return status;
}
