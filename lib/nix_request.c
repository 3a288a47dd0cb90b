#include "nix_request.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "closure.h"
#include "nix_path.h"

_Static_assert(NIX_LIST_ARG_MAX == CLOSURE_ARG_MAX + 1,
	       "--nix-closure takes what the closure parser takes");

static const char *const opt_names[NIX_OPT_COUNT] = {
	"nix-store", "nix-writable", "nix-closure", "nix-profile", "nix-hide",
};

const char *nix_opt_name(enum nix_opt opt)
{
	return opt < NIX_OPT_COUNT ? opt_names[opt] : "nix-?";
}

/* The value in one line, control characters escaped, then shortened. */
const char *nix_quote(const char *value, char out[NIX_QUOTE_MAX])
{
	const size_t keep = (NIX_QUOTE_MAX - 4) / 2; /* head and tail, "..." */
	size_t room = 4 * strlen(value) + 1, len;
	char *esc = malloc(room);

	if (!esc) {
		snprintf(out, NIX_QUOTE_MAX, "(a value too long to quote)");
		return out;
	}
	len = nix_escape(value, esc, room);
	if (len < NIX_QUOTE_MAX) {
		memcpy(out, esc, len + 1);
	} else {
		memcpy(out, esc, keep);
		memcpy(out + keep, "...", 3);
		memcpy(out + keep + 3, esc + len - keep, keep);
		out[2 * keep + 3] = '\0';
	}
	free(esc);
	return out;
}

static bool is_none(const char *value)
{
	return !strcmp(value, "none");
}

static char *opt_value(struct nix_request *req, enum nix_opt opt, size_t *size)
{
	switch (opt) {
	case NIX_OPT_STORE: *size = sizeof(req->store); return req->store;
	case NIX_OPT_CLOSURE: *size = sizeof(req->closure); return req->closure;
	case NIX_OPT_PROFILE: *size = sizeof(req->profile); return req->profile;
	case NIX_OPT_HIDE: *size = sizeof(req->hide); return req->hide;
	default: *size = 0; return NULL;
	}
}

void nix_request_set(struct nix_request *req, enum nix_opt opt, const char *value,
		     bool inherited)
{
	const char *arg = value ? value : "";
	size_t size, len = strlen(arg);
	char *dst = opt_value(req, opt, &size);
	char q[NIX_QUOTE_MAX];

	if (opt >= NIX_OPT_COUNT)
		return;
	req->inherited[opt] = inherited;
	if (opt == NIX_OPT_WRITABLE) {
		req->writable = true;
		return;
	}
	if (len >= size) {
		if (!req->error[0])
			snprintf(req->error, sizeof(req->error),
				 "--%s=%s: %zu bytes, longer than the %zu this option takes",
				 opt_names[opt], nix_quote(arg, q), len, size - 1);
		return;
	}
	if (opt == NIX_OPT_HIDE && !*arg)
		arg = "none";
	memcpy(dst, arg, strlen(arg) + 1);
	if (opt == NIX_OPT_STORE)
		req->store_given = true;
	if (opt == NIX_OPT_CLOSURE)
		req->closure_given = true;
}

bool nix_request_needs_store(const struct nix_request *req, char *opt, size_t optlen)
{
	char q[NIX_QUOTE_MAX];

	if (req->writable)
		snprintf(opt, optlen, "--nix-writable");
	else if (req->closure_given && !is_none(req->closure))
		snprintf(opt, optlen, "--nix-closure=%s", nix_quote(req->closure, q));
	else if (req->profile[0] && !is_none(req->profile))
		snprintf(opt, optlen, "--nix-profile=%s", nix_quote(req->profile, q));
	else if (req->hide[0] && !is_none(req->hide))
		snprintf(opt, optlen, "--nix-hide=%s", nix_quote(req->hide, q));
	else
		return false;
	return true;
}

bool nix_request_asks_nothing(const struct nix_config *cfg, const struct nix_request *req)
{
	const char *store = req->store_given ? req->store : cfg->default_store;
	char opt[8];

	if (req->error[0] || (req->store_given && !is_none(store)))
		return false;
	return (!store[0] || is_none(store)) && !nix_request_needs_store(req, opt, sizeof(opt));
}

/* Options that only make sense with a store: refused when given here,
 * dropped when inherited (a job's bare step, --nix-store=none). */
static int no_store(const struct nix_request *req, struct nix_err *err)
{
	const bool *inh = req->inherited;
	char q[NIX_QUOTE_MAX];

	if (req->writable && !inh[NIX_OPT_WRITABLE])
		return nix_err_set(err, "--nix-writable: needs --nix-store");
	if (req->closure_given && !inh[NIX_OPT_CLOSURE] && !is_none(req->closure))
		return nix_err_set(err, "--nix-closure=%s: needs --nix-store",
				   nix_quote(req->closure, q));
	if (req->profile[0] && !inh[NIX_OPT_PROFILE] && !is_none(req->profile))
		return nix_err_set(err, "--nix-profile=%s: needs --nix-store",
				   nix_quote(req->profile, q));
	if (req->hide[0] && !inh[NIX_OPT_HIDE] && !is_none(req->hide))
		return nix_err_set(err, "--nix-hide=%s: needs --nix-store", nix_quote(req->hide, q));
	return 0;
}

/* Is norm already one of the comma-separated paths of list? */
static bool in_list(const char *list, const char *norm)
{
	size_t n = strlen(norm);

	for (const char *p = list; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
		if (strcspn(p, ",") == n && !strncmp(p, norm, n))
			return true;
	}
	return false;
}

/* Add one hide list (opt names it in errors: "hide" or "--nix-hide") to
 * the view's: absolute paths, normalized, that leave the store's mount
 * point alone, each once. */
static int add_hide(const char *opt, const char *arg, struct nix_view *view,
		    struct nix_err *err)
{
	char list[NIX_ARG_MAX], norm[PATH_MAX], q[NIX_QUOTE_MAX], qp[NIX_QUOTE_MAX];
	char *save = NULL;
	size_t o = strlen(view->hide);

	snprintf(list, sizeof(list), "%s", arg);
	for (char *p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		struct nix_err perr;

		if (nix_path_normalize(p, norm, sizeof(norm), &perr) < 0)
			return nix_err_set(err, "%s=%s: %s: %s", opt, nix_quote(arg, q),
					   nix_quote(p, qp), perr.msg);
		if (!strcmp(norm, "/"))
			return nix_err_set(err, "%s=%s: cannot hide /", opt, nix_quote(arg, q));
		if (nix_path_has_prefix(view->mountpoint, norm) ||
		    nix_path_has_prefix(norm, view->mountpoint))
			return nix_err_set(err, "%s=%s: %s would hide the store at %s", opt,
					   nix_quote(arg, q), nix_quote(norm, qp), view->mountpoint);
		if (in_list(view->hide, norm))
			continue;
		o += snprintf(view->hide + o, sizeof(view->hide) - o, "%s%s", o ? "," : "", norm);
		if (o >= sizeof(view->hide))
			return nix_err_set(err, "%s=%s: list too long", opt, nix_quote(arg, q));
	}
	return 0;
}

/* What the view hides: the site's hide= and the user's --nix-hide, both
 * (a user adds to what the site hides); --nix-hide=none: neither. */
static int resolve_hide(const struct nix_config *cfg, const struct nix_request *req,
			struct nix_view *view, struct nix_err *err)
{
	if (is_none(req->hide))
		return 0;
	if (cfg->hide_default[0] && !is_none(cfg->hide_default) &&
	    add_hide("hide", cfg->hide_default, view, err) < 0)
		return -1;
	if (req->hide[0] && add_hide("--nix-hide", req->hide, view, err) < 0)
		return -1;
	return 0;
}

/* --nix-profile: each PATH expanded like --nix-store (~, %h, %u from the
 * job's user) and normalized, so a relative path fails before queueing. */
static int resolve_profile(const struct nix_request *req, const char *home,
			   const char *user, struct nix_view *view, struct nix_err *err)
{
	char list[NIX_LIST_ARG_MAX], dir[PATH_MAX], q[NIX_QUOTE_MAX], qp[NIX_QUOTE_MAX];
	char *save = NULL;
	size_t o = 0;

	if (!req->profile[0] || is_none(req->profile))
		return 0;
	snprintf(list, sizeof(list), "%s", req->profile);
	for (char *p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		struct nix_err perr;

		if (nix_path_expand(p, home, user, dir, sizeof(dir), &perr) < 0)
			return nix_err_set(err, "--nix-profile=%s: %s: %s",
					   nix_quote(req->profile, q), nix_quote(p, qp), perr.msg);
		o += snprintf(view->profile + o, sizeof(view->profile) - o, "%s%s",
			      o ? "," : "", dir);
		if (o >= sizeof(view->profile))
			return nix_err_set(err, "--nix-profile=%s: list too long once expanded",
					   nix_quote(req->profile, q));
	}
	return 0;
}

/* Check the SPEC list's syntax now: a typo fails before the job is queued. */
static int check_closure(const struct nix_view *view, const char *given,
			 const char *arg, struct nix_err *err)
{
	struct closure_spec_list specs = { 0 };
	struct nix_err cerr;
	char store_dir[PATH_MAX + 8], q[NIX_QUOTE_MAX];

	nix_view_store_dir(view, store_dir, sizeof(store_dir));
	if (closure_spec_parse(arg, store_dir, &specs, &cerr) < 0)
		return nix_err_set(err, "--nix-closure=%s: %s", nix_quote(given, q), cerr.msg);
	closure_spec_list_free(&specs);
	return 0;
}

/* ~, %h and %u in each SPEC, as in --nix-store (an #SBATCH line has no
 * shell to expand them). Store paths hold neither: their names never
 * contain '%'. Other SPECs are copied as given, for closure_spec_parse. */
static int expand_closure(const struct nix_request *req, const char *home,
			  const char *user, struct nix_view *view, struct nix_err *err)
{
	char spec[CLOSURE_PATH_MAX + 1], dir[PATH_MAX], q[NIX_QUOTE_MAX], qp[NIX_QUOTE_MAX];
	const char *p = req->closure;
	size_t o = 0;

	for (;;) {
		size_t len = strcspn(p, ",");
		const char *sep = o ? "," : "";
		struct nix_err perr;
		int n;

		snprintf(spec, sizeof(spec), "%.*s", (int)len, p);
		if (len < sizeof(spec) && (spec[0] == '~' || strchr(spec, '%'))) {
			if (nix_path_expand(spec, home, user, dir, sizeof(dir), &perr) < 0)
				return nix_err_set(err, "--nix-closure=%s: %s: %s",
						   nix_quote(req->closure, q), nix_quote(spec, qp), perr.msg);
			n = snprintf(view->closure + o, sizeof(view->closure) - o, "%s%s", sep, dir);
		} else {
			n = snprintf(view->closure + o, sizeof(view->closure) - o, "%s%.*s", sep,
				     (int)len, p);
		}
		if (n < 0 || (size_t)n >= sizeof(view->closure) - o)
			return nix_err_set(err, "--nix-closure=%s: list too long once expanded",
					   nix_quote(req->closure, q));
		o += (size_t)n;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

static int resolve_closure(const struct nix_request *req, const char *home,
			   const char *user, struct nix_view *view, struct nix_err *err)
{
	if (!req->closure_given || is_none(req->closure))
		return 0;
	if (req->writable)
		return nix_err_set(err, "--nix-closure: a closure view is read-only: drop --nix-writable");
	if (expand_closure(req, home, user, view, err) < 0)
		return -1;
	if (check_closure(view, req->closure, view->closure, err) < 0) {
		view->closure[0] = '\0';
		return -1;
	}
	return 0;
}

int nix_request_resolve(const struct nix_config *cfg,
			const struct nix_request *req, const char *home,
			const char *user, struct nix_view *view,
			struct nix_err *err)
{
	struct nix_err perr;
	const char *arg;
	char q[NIX_QUOTE_MAX];

	memset(view, 0, sizeof(*view));
	if (req->error[0])
		return nix_err_set(err, "%s", req->error);
	if (req->store_given) {
		arg = req->store;
		snprintf(view->origin, sizeof(view->origin), "--nix-store=%s", nix_quote(arg, q));
	} else if (cfg->default_store[0]) {
		arg = cfg->default_store;
		snprintf(view->origin, sizeof(view->origin), "default_store=%s", nix_quote(arg, q));
	} else {
		return no_store(req, err);
	}
	if (is_none(arg))
		return no_store(req, err);

	if (nix_path_expand(arg, home, user, view->store, sizeof(view->store), &perr) < 0)
		return nix_err_set(err, "%s: %s", view->origin, perr.msg);
	/* The site's own stores need not be under allowed_stores: the admin
	 * named each. They are root's, shared by every job: never written. */
	view->site_store = nix_config_is_site_store(cfg, view->store);
	if (view->site_store && req->writable)
		return nix_err_set(err, "--nix-writable: %s is a site store (site_stores), "
				   "read-only for every job", view->store);
	if (!view->site_store && !nix_config_store_allowed(cfg, view->store, home, user)) {
		char allowed[512];

		nix_config_allowed_list(cfg, home, user, allowed, sizeof(allowed));
		return nix_err_set(err, "%s: %s is not under a store location this site allows (%s)",
				   view->origin, view->store, allowed);
	}
	if (req->writable && !cfg->allow_writable)
		return nix_err_set(err, "--nix-writable: this site allows read-only stores only");
	view->writable = req->writable;
	snprintf(view->mountpoint, sizeof(view->mountpoint), "%s", cfg->mountpoint);
	if (resolve_closure(req, home, user, view, err) < 0 || resolve_hide(cfg, req, view, err) < 0 ||
	    resolve_profile(req, home, user, view, err) < 0)
		return -1;
	return 1;
}

bool nix_hide_covers(const char *hide, const char *dir, char *out, size_t outlen)
{
	char path[PATH_MAX];

	for (const char *p = hide; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
		size_t len = strcspn(p, ",");

		if (!len || len >= sizeof(path))
			continue;
		memcpy(path, p, len);
		path[len] = '\0';
		if (nix_path_has_prefix(dir, path)) {
			snprintf(out, outlen, "%s", path);
			return true;
		}
	}
	return false;
}

int nix_profile_task_path(const char *profiles, const char *path, char *out,
			  size_t outlen)
{
	const char *p = profiles;
	size_t o = 0;

	out[0] = '\0';
	while (*p) {
		size_t len = strcspn(p, ",");

		if (len) {
			int n = snprintf(out + o, outlen - o, "%.*s/bin:", (int)len, p);

			if (n < 0 || (size_t)n >= outlen - o)
				return -1;
			o += (size_t)n;
		}
		p += len + (p[len] == ',');
	}
	if (path && *path) {
		if (snprintf(out + o, outlen - o, "%s", path) >= (int)(outlen - o))
			return -1;
	} else if (o) {
		out[o - 1] = '\0'; /* no trailing ':' (it would mean the cwd) */
	}
	return 0;
}

uid_t nix_view_store_owner(const struct nix_view *view, uid_t user)
{
	return view->site_store ? 0 : user;
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
