#include "nix_request.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "nix_path.h"

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
		if (req->writable)
			return nix_err_set(err, "--nix-writable: needs --nix-store");
		return 0;
	}
	if (!strcmp(arg, "none")) {
		if (req->writable)
			return nix_err_set(err, "--nix-writable: needs --nix-store");
		return 0;
	}

	if (nix_path_expand(arg, home, user, view->store, sizeof(view->store), &perr) < 0)
		return nix_err_set(err, "%s: %s", view->origin, perr.msg);
	if (!nix_config_store_allowed(cfg, view->store, home, user))
		return nix_err_set(err, "%s: %s is not under a store location this site allows",
				   view->origin, view->store);
	if (req->writable && !cfg->allow_writable)
		return nix_err_set(err, "--nix-writable: this site allows read-only stores only");
	view->writable = req->writable;
	snprintf(view->mountpoint, sizeof(view->mountpoint), "%s", cfg->mountpoint);
	return 1;
}

void nix_view_describe(const struct nix_view *view, char *out, size_t outlen)
{
	snprintf(out, outlen, "store=%s mountpoint=%s writable=%d",
		 view->store, view->mountpoint, view->writable);
}

void nix_view_key(const struct nix_view *view, char out[17])
{
	char line[PATH_MAX * 2 + 64];
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	nix_view_describe(view, line, sizeof(line));
	for (const unsigned char *p = (const unsigned char *)line; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	snprintf(out, 17, "%016" PRIx64, h);
}
