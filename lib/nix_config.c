#include "nix_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_libs.h"
#include "nix_image.h"
#include "nix_path.h"

void nix_config_defaults(struct nix_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->mountpoint, "/nix");
	strcpy(cfg->state_dir, "/run/spank-nix");
	cfg->allow_writable = true;
	cfg->check_on_submit = true;
	cfg->create_timeout_s = 30;
	cfg->max_views = 16;
	strcpy(cfg->gpu_libs, "auto");
	strcpy(cfg->gpu_ld_cache, "/etc/ld.so.cache");
	cfg->squashfs = NIX_SQUASHFS_FUSE; /* the user's bytes parsed in the user's process */
	cfg->userns = NIX_USERNS_AUTO; /* default userns=auto */
}

static const char *const userns_names[] = {
	[NIX_USERNS_AUTO] = "auto", [NIX_USERNS_ALWAYS] = "always", [NIX_USERNS_NEVER] = "never",
};

const char *nix_userns_mode_name(enum nix_userns_mode mode)
{
	return mode <= NIX_USERNS_NEVER ? userns_names[mode] : "?";
}

static int parse_userns(const char *val, enum nix_userns_mode *out, struct nix_err *err)
{
	for (int m = NIX_USERNS_AUTO; m <= NIX_USERNS_NEVER; m++) {
		if (!strcmp(val, userns_names[m])) {
			*out = (enum nix_userns_mode)m;
			return 0;
		}
	}
	return nix_err_set(err, "userns=%s: expected auto, always or never", val);
}

/* A whole number from min to max, or an error naming the argument. */
static int parse_int(const char *key, const char *val, long min, long max,
		     const char *unit, int *out, struct nix_err *err)
{
	char *end;
	long v = strtol(val, &end, 10);

	if (*val == '\0' || *end != '\0' || v < min || v > max)
		return nix_err_set(err, "%s=%s: expected %s, %ld to %ld", key, val, unit, min, max);
	*out = (int)v;
	return 0;
}

static int parse_bool(const char *key, const char *val, bool *out,
		      struct nix_err *err)
{
	if (!strcmp(val, "1") || !strcmp(val, "yes") || !strcmp(val, "true")) {
		*out = true;
		return 0;
	}
	if (!strcmp(val, "0") || !strcmp(val, "no") || !strcmp(val, "false")) {
		*out = false;
		return 0;
	}
	return nix_err_set(err, "%s=%s: expected yes or no", key, val);
}

static int parse_abs_path(const char *key, const char *val, char *out,
			  struct nix_err *err)
{
	struct nix_err perr;

	if (nix_path_normalize(val, out, PATH_MAX, &perr) < 0)
		return nix_err_set(err, "%s=%s: %s", key, val, perr.msg);
	return 0;
}

static int parse_allowed(struct nix_config *cfg, const char *val,
			 struct nix_err *err)
{
	char buf[PATH_MAX * 2];
	char *save = NULL;

	if (strlen(val) >= sizeof(buf))
		return nix_err_set(err, "allowed_stores: value too long");
	strcpy(buf, val);
	cfg->n_allowed_stores = 0;
	for (char *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (cfg->n_allowed_stores == NIX_MAX_ALLOWED_STORES)
			return nix_err_set(err, "allowed_stores: more than %d prefixes",
					   NIX_MAX_ALLOWED_STORES);
		/* %u and %h are expanded per job; keep them as given. */
		if (p[0] != '/' && p[0] != '~' && strncmp(p, "%h", 2) != 0)
			return nix_err_set(err, "allowed_stores=%s: %s is not an absolute path",
					   val, p);
		snprintf(cfg->allowed_stores[cfg->n_allowed_stores++], PATH_MAX, "%s", p);
	}
	return 0;
}

/* site_stores=/gpfs/nix,/cvmfs/nix.example.org: fixed absolute paths, the
 * same for every user (no %h or %u: a store of one user's is not a site's). */
static int parse_site_stores(struct nix_config *cfg, const char *val,
			     struct nix_err *err)
{
	char buf[PATH_MAX * 2];
	char *save = NULL;
	struct nix_err perr;

	if (strlen(val) >= sizeof(buf))
		return nix_err_set(err, "site_stores: value too long");
	strcpy(buf, val);
	cfg->n_site_stores = 0;
	for (char *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (cfg->n_site_stores == NIX_MAX_SITE_STORES)
			return nix_err_set(err, "site_stores: more than %d stores",
					   NIX_MAX_SITE_STORES);
		if (strchr(p, '%'))
			return nix_err_set(err, "site_stores=%s: %s: a site store is the same "
					   "for every user (no %%h or %%u)", val, p);
		if (nix_path_normalize(p, cfg->site_stores[cfg->n_site_stores], PATH_MAX,
				       &perr) < 0)
			return nix_err_set(err, "site_stores=%s: %s: %s", val, p, perr.msg);
		if (!strcmp(cfg->site_stores[cfg->n_site_stores], "/"))
			return nix_err_set(err, "site_stores=%s: / is not a store", val);
		cfg->n_site_stores++;
	}
	return 0;
}

int nix_config_parse(struct nix_config *cfg, int argc, char **argv,
		     struct nix_err *err)
{
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		const char *eq = strchr(arg, '=');
		char key[64];

		if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(key))
			return nix_err_set(err, "plugstack argument '%s': expected key=value", arg);
		memcpy(key, arg, eq - arg);
		key[eq - arg] = '\0';
		const char *val = eq + 1;

		if (!strcmp(key, "mountpoint")) {
			if (parse_abs_path(key, val, cfg->mountpoint, err) < 0)
				return -1;
			if (!strcmp(cfg->mountpoint, "/"))
				return nix_err_set(err, "mountpoint=/: cannot hide the whole root");
		} else if (!strcmp(key, "state_dir")) {
			if (parse_abs_path(key, val, cfg->state_dir, err) < 0)
				return -1;
		} else if (!strcmp(key, "default_store")) {
			if (strlen(val) >= sizeof(cfg->default_store))
				return nix_err_set(err, "default_store: value too long");
			strcpy(cfg->default_store, val);
		} else if (!strcmp(key, "allowed_stores")) {
			if (parse_allowed(cfg, val, err) < 0)
				return -1;
		} else if (!strcmp(key, "site_stores")) {
			if (parse_site_stores(cfg, val, err) < 0)
				return -1;
		} else if (!strcmp(key, "allow_writable")) {
			if (parse_bool(key, val, &cfg->allow_writable, err) < 0)
				return -1;
		} else if (!strcmp(key, "build_in_prolog")) {
			if (parse_bool(key, val, &cfg->build_in_prolog, err) < 0)
				return -1;
		} else if (!strcmp(key, "check_on_submit")) {
			if (parse_bool(key, val, &cfg->check_on_submit, err) < 0)
				return -1;
		} else if (!strcmp(key, "hide")) {
			if (strlen(val) >= sizeof(cfg->hide_default))
				return nix_err_set(err, "hide: value too long");
			strcpy(cfg->hide_default, val);
		} else if (!strcmp(key, "create_timeout")) {
			if (parse_int(key, val, 1, 3600, "seconds", &cfg->create_timeout_s, err) < 0)
				return -1;
		} else if (!strcmp(key, "max_views")) {
			if (parse_int(key, val, 1, 1024, "a count", &cfg->max_views, err) < 0)
				return -1;
		} else if (!strcmp(key, "gpu_libs")) {
			if (strlen(val) >= sizeof(cfg->gpu_libs))
				return nix_err_set(err, "gpu_libs: value too long");
			if (gpu_libs_setting_check(val, err) < 0)
				return -1;
			strcpy(cfg->gpu_libs, val);
		} else if (!strcmp(key, "gpu_ld_cache")) {
			if (parse_abs_path(key, val, cfg->gpu_ld_cache, err) < 0)
				return -1;
		} else if (!strcmp(key, "userns")) {
			if (parse_userns(val, &cfg->userns, err) < 0)
				return -1;
		} else if (!strcmp(key, "squashfs")) {
			if ((cfg->squashfs = nix_squashfs_parse(val)) < 0)
				return nix_err_set(err, "squashfs=%s: expected kernel, fuse or off", val);
		} else {
			return nix_err_set(err, "unknown plugstack argument '%s'", key);
		}
	}
	return 0;
}

void nix_config_allowed_list(const struct nix_config *cfg, const char *home,
			     const char *user, char *out, size_t outlen)
{
	size_t o = 0;

	out[0] = '\0';
	for (int i = 0; i < cfg->n_allowed_stores && o < outlen; i++) {
		char prefix[PATH_MAX];
		const char *p = cfg->allowed_stores[i];

		if (nix_path_expand(p, home, user, prefix, sizeof(prefix), NULL) == 0)
			p = prefix;
		o += snprintf(out + o, outlen - o, "%s%s", o ? ", " : "", p);
	}
}

bool nix_config_store_allowed(const struct nix_config *cfg, const char *path,
			      const char *home, const char *user)
{
	char prefix[PATH_MAX];

	if (cfg->n_allowed_stores == 0)
		return true;
	for (int i = 0; i < cfg->n_allowed_stores; i++) {
		if (nix_path_expand(cfg->allowed_stores[i], home, user, prefix,
				    sizeof(prefix), NULL) < 0)
			continue;
		if (nix_path_has_prefix(path, prefix))
			return true;
	}
	return false;
}

bool nix_config_is_site_store(const struct nix_config *cfg, const char *path)
{
	for (int i = 0; i < cfg->n_site_stores; i++)
		if (!strcmp(path, cfg->site_stores[i]))
			return true;
	return false;
}
