#include "nix_request.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "closure.h"
#include "nix_path.h"

/* Options that only make sense with a store. */
static int no_store(const struct nix_request *req, struct nix_err *err)
{
	if (req->writable)
		return nix_err_set(err, "--nix-writable: needs --nix-store");
	if (req->closure_given)
		return nix_err_set(err, "--nix-closure=%s: needs --nix-store", req->closure);
	if (req->profile[0])
		return nix_err_set(err, "--nix-profile=%s: needs --nix-store", req->profile);
	if (req->hide[0] && strcmp(req->hide, "none"))
		return nix_err_set(err, "--nix-hide=%s: needs --nix-store", req->hide);
	return 0;
}

/* --nix-hide (or the site's hide=): absolute paths, normalized, that leave
 * the store's mount point alone. "none": nothing. */
static int resolve_hide(const struct nix_config *cfg, const struct nix_request *req,
			struct nix_view *view, struct nix_err *err)
{
	const char *arg = req->hide[0] ? req->hide : cfg->hide_default;
	const char *opt = req->hide[0] ? "--nix-hide" : "hide";
	char list[NIX_ARG_MAX], norm[PATH_MAX];
	char *save = NULL;
	size_t o = 0;

	if (!arg[0] || !strcmp(arg, "none"))
		return 0;
	snprintf(list, sizeof(list), "%s", arg);
	for (char *p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		struct nix_err perr;

		if (nix_path_normalize(p, norm, sizeof(norm), &perr) < 0)
			return nix_err_set(err, "%s=%s: %s: %s", opt, arg, p, perr.msg);
		if (!strcmp(norm, "/"))
			return nix_err_set(err, "%s=%s: cannot hide /", opt, arg);
		if (nix_path_has_prefix(view->mountpoint, norm) ||
		    nix_path_has_prefix(norm, view->mountpoint))
			return nix_err_set(err, "%s=%s: %s would hide the store at %s", opt, arg,
					   norm, view->mountpoint);
		o += snprintf(view->hide + o, sizeof(view->hide) - o, "%s%s", o ? "," : "", norm);
		if (o >= sizeof(view->hide))
			return nix_err_set(err, "%s=%s: list too long", opt, arg);
	}
	return 0;
}

/* Check the SPEC list's syntax now: a typo fails before the job is queued. */
static int check_closure(const struct nix_view *view, const char *arg,
			 struct nix_err *err)
{
	struct closure_spec_list specs = { 0 };
	struct nix_err cerr;
	char store_dir[PATH_MAX + 8];

	nix_view_store_dir(view, store_dir, sizeof(store_dir));
	if (closure_spec_parse(arg, store_dir, &specs, &cerr) < 0)
		return nix_err_set(err, "--nix-closure=%s: %s", arg, cerr.msg);
	closure_spec_list_free(&specs);
	return 0;
}

int nix_request_resolve(const struct nix_config *cfg,
			const struct nix_request *req, const char *home,
			const char *user, struct nix_view *view,
			struct nix_err *err)
{
	struct nix_err perr;
	const char *arg;

	memset(view, 0, sizeof(*view));
	if (req->store_given) {
		arg = req->store;
		snprintf(view->origin, sizeof(view->origin), "--nix-store=%s", arg);
	} else if (cfg->default_store[0]) {
		arg = cfg->default_store;
		snprintf(view->origin, sizeof(view->origin), "default_store=%s", arg);
	} else {
		return no_store(req, err);
	}
	if (!strcmp(arg, "none"))
		return no_store(req, err);

	if (nix_path_expand(arg, home, user, view->store, sizeof(view->store), &perr) < 0)
		return nix_err_set(err, "%s: %s", view->origin, perr.msg);
	if (!nix_config_store_allowed(cfg, view->store, home, user))
		return nix_err_set(err, "%s: %s is not under a store location this site allows",
				   view->origin, view->store);
	if (req->writable && !cfg->allow_writable)
		return nix_err_set(err, "--nix-writable: this site allows read-only stores only");
	view->writable = req->writable;
	snprintf(view->mountpoint, sizeof(view->mountpoint), "%s", cfg->mountpoint);
	if (req->closure_given) {
		if (req->writable)
			return nix_err_set(err, "--nix-closure: a closure view is read-only: drop --nix-writable");
		if (check_closure(view, req->closure, err) < 0)
			return -1;
		snprintf(view->closure, sizeof(view->closure), "%s", req->closure);
	}
	if (resolve_hide(cfg, req, view, err) < 0)
		return -1;
	return 1;
}

void nix_view_store_dir(const struct nix_view *view, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/store", strcmp(view->mountpoint, "/") ? view->mountpoint : "");
}

/* "name=<length>:<bytes> ": a field no value can imitate, whatever it holds
 * (spaces, "=", newlines), as its length says where it ends. */
static size_t put_field(char *out, size_t outlen, size_t o, const char *name,
			const char *value)
{
	int n = snprintf(out + (o < outlen ? o : outlen), o < outlen ? outlen - o : 0,
			 "%s=%zu:%s ", name, strlen(value), value);

	return o + (n > 0 ? (size_t)n : 0);
}

int nix_view_describe(const struct nix_view *view, char *out, size_t outlen)
{
	size_t o = 0;

	o = put_field(out, outlen, o, "store", view->store);
	o = put_field(out, outlen, o, "mountpoint", view->mountpoint);
	o = put_field(out, outlen, o, "writable", view->writable ? "1" : "0");
	o = put_field(out, outlen, o, "closure", view->closure);
	o = put_field(out, outlen, o, "hide", view->hide);
	if (o >= outlen)
		return -1; /* a cut description could equal another view's */
	return (int)o;
}

void nix_view_key(const struct nix_view *view, char out[17])
{
	char line[NIX_VIEW_DESC_MAX];
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
	int len = nix_view_describe(view, line, sizeof(line));

	for (int i = 0; i < len; i++) {
		h ^= (unsigned char)line[i];
		h *= 0x100000001b3ULL;
	}
	snprintf(out, 17, "%016" PRIx64, h);
}
