/* nix_request: from what users type to the resolved view, and the view's
 * description and key. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "nix_config.h"
#include "nix_request.h"
#include "root_fixture.h"

/* req refused for the user (home: home): the message. */
static const char *refusal_of(const struct nix_config *cfg, const struct nix_request *req,
			      const char *home, const char *user)
{
	static struct nix_view v;
	static struct nix_err err;

	ck_assert_int_eq(nix_request_resolve(cfg, req, home, user, &v, &err), -1);
	return err.msg;
}

START_TEST(request_resolves_to_view)
{
	struct nix_config cfg;
	struct nix_request req = { 0 };
	struct nix_view v1, v2;
	struct nix_err err;
	char k1[17], k2[17];

	nix_config_defaults(&cfg);
	/* nothing asked, no default: no view */
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/home/ann", "ann", &v1, &err), 0);

	req.store_given = true;
	ck_assert_str_eq(refusal_of(&cfg, &req, "/home/ann", "ann"), "--nix-store=: empty path");
	strcpy(req.store, "~/nix");
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/home/ann", "ann", &v1, &err), 1);
	ck_assert_str_eq(v1.store, "/home/ann/nix");
	ck_assert_str_eq(v1.mountpoint, "/nix");
	ck_assert_str_eq(v1.origin, "--nix-store=~/nix");
	ck_assert(!v1.writable);

	/* the same directory written another way is the same view */
	strcpy(req.store, "/home/ann//nix/");
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/home/ann", "ann", &v2, &err), 1);
	nix_view_key(&v1, k1);
	nix_view_key(&v2, k2);
	ck_assert_str_eq(k1, k2);
	ck_assert_int_eq(strlen(k1), 16);

	req.writable = true;
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/home/ann", "ann", &v2, &err), 1);
	nix_view_key(&v2, k2);
	ck_assert_str_ne(k1, k2);

	strcpy(req.store, "nix");
	req.writable = false;
	ck_assert_str_eq(refusal_of(&cfg, &req, "/home/ann", "ann"),
			 "--nix-store=nix: not an absolute path");
}
END_TEST

START_TEST(request_default_store_and_none)
{
	struct nix_config cfg;
	struct nix_request req = { 0 };
	struct nix_view v;
	struct nix_err err;

	nix_config_defaults(&cfg);
	strcpy(cfg.default_store, "%h/nix");
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/home/ann", "ann", &v, &err), 1);
	ck_assert_str_eq(v.store, "/home/ann/nix");
	ck_assert_str_eq(v.origin, "default_store=%h/nix");
	strcpy(req.store, "none");
	req.store_given = true;
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/home/ann", "ann", &v, &err), 0);
	req.writable = true;
	ck_assert_str_eq(refusal_of(&cfg, &req, "/home/ann", "ann"),
			 "--nix-writable: needs --nix-store");
}
END_TEST

START_TEST(request_site_limits)
{
	struct nix_config cfg;
	struct nix_request req = { 0 };
	struct nix_err err;
	char *args[] = { "allowed_stores=/scratch,/work/%u", "allow_writable=no" };

	nix_config_defaults(&cfg);
	ck_assert_int_eq(nix_config_parse(&cfg, 2, args, &err), 0);
	strcpy(req.store, "/home/ann/nix");
	req.store_given = true;
	ck_assert_str_eq(refusal_of(&cfg, &req, "/home/ann", "ann"),
			 "--nix-store=/home/ann/nix: /home/ann/nix is not under a store location this site allows (/scratch, /work/ann)");
	strcpy(req.store, "/scratch/ann");
	req.writable = true;
	ck_assert_str_eq(refusal_of(&cfg, &req, "/home/ann", "ann"),
			 "--nix-writable: this site allows read-only stores only");
}
END_TEST

START_TEST(request_site_store_read_only_for_anyone)
{
	struct nix_config cfg;
	struct nix_request req = { 0 };
	struct nix_view v;
	struct nix_err err;
	char *args[] = { "allowed_stores=%h", "site_stores=/gpfs/nix" };

	nix_config_defaults(&cfg);
	ck_assert_int_eq(nix_config_parse(&cfg, 2, args, &err), 0);
	/* outside allowed_stores, but the site's: root must own it */
	strcpy(req.store, "/gpfs//nix/");
	req.store_given = true;
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/home/ann", "ann", &v, &err), 1);
	ck_assert_str_eq(v.store, "/gpfs/nix");
	ck_assert(v.site_store);
	ck_assert_int_eq(nix_view_store_owner(&v, 1005), 0);
	req.writable = true;
	ck_assert_str_eq(refusal_of(&cfg, &req, "/home/ann", "ann"),
			 "--nix-writable: /gpfs/nix is a site store (site_stores), read-only for every job");
	/* below it is not the site store, and not allowed either */
	req.writable = false;
	strcpy(req.store, "/gpfs/nix/store");
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/home/ann", "ann", &v, &err), -1);
	/* the user's own store: the user owns it */
	strcpy(req.store, "~/nix");
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/home/ann", "ann", &v, &err), 1);
	ck_assert(!v.site_store);
	ck_assert_int_eq(nix_view_store_owner(&v, 1005), 1005);
	/* default_store may name a site store */
	req.store_given = false;
	strcpy(cfg.default_store, "/gpfs/nix");
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/home/ann", "ann", &v, &err), 1);
	ck_assert(v.site_store);
	ck_assert_str_eq(v.origin, "default_store=/gpfs/nix");
}
END_TEST

START_TEST(request_hide_and_closure)
{
	struct nix_config cfg;
	struct nix_request req = { 0 };
	struct nix_view v;
	struct nix_err err;
	char *site[] = { "hide=/usr,/opt" };

	nix_config_defaults(&cfg);
	strcpy(req.store, "/s");
	req.store_given = true;
	strcpy(req.hide, "/usr//,/opt/");
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/h", "u", &v, &err), 1);
	ck_assert_str_eq(v.hide, "/usr,/opt");
	strcpy(req.hide, "/");
	ck_assert_str_eq(refusal_of(&cfg, &req, "/h", "u"), "--nix-hide=/: cannot hide /");
	strcpy(req.hide, "/nix/store");
	ck_assert_str_eq(refusal_of(&cfg, &req, "/h", "u"),
			 "--nix-hide=/nix/store: /nix/store would hide the store at /nix");
	strcpy(req.hide, "usr");
	ck_assert_str_eq(refusal_of(&cfg, &req, "/h", "u"),
			 "--nix-hide=usr: usr: not an absolute path");

	/* the site's default, and opting out of it */
	ck_assert_int_eq(nix_config_parse(&cfg, 1, site, &err), 0);
	req.hide[0] = '\0';
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/h", "u", &v, &err), 1);
	ck_assert_str_eq(v.hide, "/usr,/opt");
	strcpy(req.hide, "none");
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/h", "u", &v, &err), 1);
	ck_assert_str_eq(v.hide, "");
	/* issue 11, item 9: what needs a store, for a message when there is none */
	{
		struct nix_request r = { 0 };
		char opt[160];

		ck_assert(!nix_request_needs_store(&r, opt, sizeof(opt)));
		nix_request_set(&r, NIX_OPT_HIDE, "none", false);
		ck_assert(!nix_request_needs_store(&r, opt, sizeof(opt)));
		nix_request_set(&r, NIX_OPT_HIDE, "/opt", true);
		ck_assert(nix_request_needs_store(&r, opt, sizeof(opt)));
		ck_assert_str_eq(opt, "--nix-hide=/opt");
		nix_request_set(&r, NIX_OPT_PROFILE, "~/p", false);
		ck_assert(nix_request_needs_store(&r, opt, sizeof(opt)));
		ck_assert_str_eq(opt, "--nix-profile=~/p");
	}
	/* issue 11, item 7: the user's paths add to the site's, each once */
	strcpy(req.hide, "/srv,/opt/,/usr/local");
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/h", "u", &v, &err), 1);
	ck_assert_str_eq(v.hide, "/usr,/opt,/srv,/usr/local");
	strcpy(req.hide, "/srv/../x");
	ck_assert_str_eq(refusal_of(&cfg, &req, "/h", "u"),
			 "--nix-hide=/srv/../x: /srv/../x: contains a '..' component");

	/* closures: checked for syntax, part of the view */
	strcpy(req.closure, "relative/path");
	req.closure_given = true;
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/h", "u", &v, &err), -1);
	ck_assert_msg(strstr(err.msg, "--nix-closure=relative/path: ") == err.msg, "%s", err.msg);
	req.store_given = false;
	req.store[0] = '\0';
	ck_assert_str_eq(refusal_of(&cfg, &req, "/h", "u"),
			 "--nix-closure=relative/path: needs --nix-store");
}
END_TEST

/* A SPEC list of exactly len bytes: store paths with padded names. */
static char *spec_list(size_t len)
{
	const size_t one = 11 + 32 + 1 + 200; /* /nix/store/<hash>-<200 chars> */
	char *s = malloc(len + 1);
	size_t o = 0;

	ck_assert_ptr_nonnull(s);
	for (int i = 0; o < len; i++) {
		size_t left = len - o - (o ? 1 : 0);
		size_t name = left >= one + 1 + 45 ? 200 : left - 44;

		ck_assert_uint_ge(left, 45);
		o += (size_t)sprintf(s + o, "%s/nix/store/%032d-", o ? "," : "", i);
		for (size_t j = 0; j < name; j++)
			s[o++] = 'a' + (char)(j % 26);
	}
	s[o] = '\0';
	ck_assert_uint_eq(strlen(s), len);
	return s;
}

START_TEST(quote_elides_in_the_middle)
{
	char q[NIX_QUOTE_MAX], big[5000];

	ck_assert_str_eq(nix_quote("~/nix", q), "~/nix");
	memset(big, 'x', sizeof(big) - 1);
	big[0] = 'A';
	big[sizeof(big) - 2] = 'Z';
	big[sizeof(big) - 1] = '\0';
	nix_quote(big, q);
	ck_assert_uint_lt(strlen(q), NIX_QUOTE_MAX);
	ck_assert_uint_gt(strlen(q), NIX_QUOTE_MAX - 8);
	ck_assert_int_eq(q[0], 'A');
	ck_assert_int_eq(q[strlen(q) - 1], 'Z');
	ck_assert_ptr_nonnull(strstr(q, "x...x"));
}
END_TEST

/* issue 9, bug 7: up to the documented limit, or refused: never cut. */
START_TEST(request_long_values_accepted_or_refused)
{
	struct nix_config cfg;
	static struct nix_request req;
	static struct nix_view v;
	struct nix_err err;
	char *ok = spec_list(65536), *over = spec_list(65537);

	nix_config_defaults(&cfg);
	memset(&req, 0, sizeof(req));
	nix_request_set(&req, NIX_OPT_STORE, "/s", false);
	nix_request_set(&req, NIX_OPT_CLOSURE, ok, false);
	ck_assert_str_eq(req.error, "");
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/h", "u", &v, &err), 1);
	ck_assert_str_eq(v.closure, ok); /* whole, last SPEC included */

	nix_request_set(&req, NIX_OPT_CLOSURE, over, false);
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/h", "u", &v, &err), -1);
	ck_assert_msg(strstr(err.msg, "--nix-closure=/nix/store/") == err.msg, "%s", err.msg);
	ck_assert_msg(strstr(err.msg, ": 65537 bytes, longer than the 65536 this option takes"),
		      "%s", err.msg);
	ck_assert_uint_lt(strlen(err.msg), 220);

	/* a store path too long, in the client or in a job's environment */
	memset(&req, 0, sizeof(req));
	memset(over, 'n', 5000);
	over[0] = '/';
	over[5000] = '\0';
	nix_request_set(&req, NIX_OPT_STORE, over, true);
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/h", "u", &v, &err), -1);
	ck_assert_msg(strstr(err.msg, ": 5000 bytes, longer than the 4095 this option takes"),
		      "%s", err.msg);
	/* a value that is merely long is quoted short, the reason kept */
	memset(&req, 0, sizeof(req));
	over[0] = 'n';
	over[3000] = '\0';
	nix_request_set(&req, NIX_OPT_STORE, over, false);
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/h", "u", &v, &err), -1);
	ck_assert_msg(strstr(err.msg, "n...n") && strstr(err.msg, "n: not an absolute path"), "%s", err.msg);
	ck_assert_uint_lt(strlen(err.msg), 200);
	free(ok);
	free(over);
}
END_TEST

/* issue 9, bug 3: none drops what the job passed down, refuses what is given. */
START_TEST(request_none_drops_inherited)
{
	struct nix_config cfg;
	static struct nix_request req;
	static struct nix_view v;
	struct nix_err err;

	nix_config_defaults(&cfg);
	memset(&req, 0, sizeof(req));
	nix_request_set(&req, NIX_OPT_STORE, "~/nix", true);
	nix_request_set(&req, NIX_OPT_CLOSURE, "/nix/store/00000000000000000000000000000000-x", true);
	nix_request_set(&req, NIX_OPT_HIDE, "/opt", true);
	nix_request_set(&req, NIX_OPT_PROFILE, "/nix/var/nix/profiles/p", true);
	nix_request_set(&req, NIX_OPT_WRITABLE, NULL, true);
	nix_request_set(&req, NIX_OPT_STORE, "none", false);
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/h", "u", &v, &err), 0);

	/* given on the same command line: refused */
	nix_request_set(&req, NIX_OPT_HIDE, "/usr", false);
	ck_assert_str_eq(refusal_of(&cfg, &req, "/h", "u"), "--nix-hide=/usr: needs --nix-store");
	nix_request_set(&req, NIX_OPT_HIDE, "none", false);
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/h", "u", &v, &err), 0);
	nix_request_set(&req, NIX_OPT_WRITABLE, NULL, false);
	ck_assert_str_eq(refusal_of(&cfg, &req, "/h", "u"), "--nix-writable: needs --nix-store");

	/* --nix-closure=none and --nix-profile=none with a store */
	memset(&req, 0, sizeof(req));
	nix_request_set(&req, NIX_OPT_STORE, "~/nix", true);
	nix_request_set(&req, NIX_OPT_CLOSURE, "/nix/store/00000000000000000000000000000000-x", true);
	nix_request_set(&req, NIX_OPT_PROFILE, "/p", true);
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/h", "u", &v, &err), 1);
	ck_assert_str_ne(v.closure, "");
	ck_assert_str_eq(v.profile, "/p");
	nix_request_set(&req, NIX_OPT_CLOSURE, "none", false);
	nix_request_set(&req, NIX_OPT_PROFILE, "none", false);
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/h", "u", &v, &err), 1);
	ck_assert_str_eq(v.closure, "");
	ck_assert_str_eq(v.profile, "");
	/* and without a store they need none */
	nix_request_set(&req, NIX_OPT_STORE, "none", false);
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/h", "u", &v, &err), 0);
}
END_TEST

/* issue 9, bug 9: --nix-profile resolved like --nix-store. */
START_TEST(request_profile_resolved_like_store)
{
	struct nix_config cfg;
	static struct nix_request req;
	static struct nix_view v;
	struct nix_err err;
	char path[256];

	nix_config_defaults(&cfg);
	memset(&req, 0, sizeof(req));
	nix_request_set(&req, NIX_OPT_STORE, "~/nix", false);
	nix_request_set(&req, NIX_OPT_PROFILE, "~/p1,%h/p2,/scratch/%u/p3//,,/nix/store/x-env", false);
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/home/ann", "ann", &v, &err), 1);
	ck_assert_str_eq(v.profile, "/home/ann/p1,/home/ann/p2,/scratch/ann/p3,/nix/store/x-env");
	ck_assert_int_eq(nix_profile_task_path(v.profile, "/usr/bin:/bin", path, sizeof(path)), 0);
	ck_assert_str_eq(path, "/home/ann/p1/bin:/home/ann/p2/bin:/scratch/ann/p3/bin:"
			       "/nix/store/x-env/bin:/usr/bin:/bin");
	ck_assert_int_eq(nix_profile_task_path("/a", "", path, sizeof(path)), 0);
	ck_assert_str_eq(path, "/a/bin");
	ck_assert_int_eq(nix_profile_task_path("/a", "/bin", path, 8), -1);

	nix_request_set(&req, NIX_OPT_PROFILE, "/ok,result", false);
	ck_assert_str_eq(refusal_of(&cfg, &req, "/home/ann", "ann"),
			 "--nix-profile=/ok,result: result: not an absolute path");
	nix_request_set(&req, NIX_OPT_STORE, "/s", false);
	nix_request_set(&req, NIX_OPT_PROFILE, "~/p", false);
	ck_assert_str_eq(refusal_of(&cfg, &req, NULL, "ann"),
			 "--nix-profile=~/p: ~/p: cannot expand '~': no home directory");
	nix_request_set(&req, NIX_OPT_PROFILE, "/p/../etc", false);
	ck_assert_str_eq(refusal_of(&cfg, &req, "/h", "ann"),
			 "--nix-profile=/p/../etc: /p/../etc: contains a '..' component");
}
END_TEST

/* issue 11, item 3: ~, %h and %u in --nix-closure, as in --nix-store. */
START_TEST(request_closure_expands_like_store)
{
	struct nix_config cfg;
	static struct nix_request req;
	static struct nix_view v;
	struct nix_err err;
	const char *sp = "/nix/store/0c4dvhm3qyz4d2lz0ymsj0nd0rx4zc7f-hello-2.12";

	nix_config_defaults(&cfg);
	memset(&req, 0, sizeof(req));
	nix_request_set(&req, NIX_OPT_STORE, "~/nix", false);
	nix_request_set(&req, NIX_OPT_CLOSURE, "~/result,%h/list,/scratch/%u//info/", false);
	ck_assert_msg(nix_request_resolve(&cfg, &req, "/home/ann", "ann", &v, &err) == 1, "%s", err.msg);
	ck_assert_str_eq(v.closure, "/home/ann/result,/home/ann/list,/scratch/ann/info");
	nix_request_set(&req, NIX_OPT_CLOSURE, sp, false);
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/home/ann", "ann", &v, &err), 1);
	ck_assert_str_eq(v.closure, sp);
	/* errors quote what the user gave */
	nix_request_set(&req, NIX_OPT_CLOSURE, "~/a,%x", false);
	ck_assert_str_eq(refusal_of(&cfg, &req, "/home/ann", "ann"),
			 "--nix-closure=~/a,%x: %x: unknown escape '%x' (use %h, %u or %%)");
	nix_request_set(&req, NIX_OPT_STORE, "/s", false);
	nix_request_set(&req, NIX_OPT_CLOSURE, "~/a", false);
	ck_assert_str_eq(refusal_of(&cfg, &req, NULL, "ann"),
			 "--nix-closure=~/a: ~/a: cannot expand '~': no home directory");
	nix_request_set(&req, NIX_OPT_CLOSURE, "~/a,,/b", false);
	ck_assert_str_eq(refusal_of(&cfg, &req, "/h", "ann"),
			 "--nix-closure=~/a,,/b: SPEC 2 is empty");
}
END_TEST

/* The step's tasks skip the request when it asks for nothing: that must
 * be only when resolving it gives no view and no error, over every
 * combination of the options (given, inherited, none) and the default. */
START_TEST(request_that_asks_nothing_resolves_to_no_view)
{
	static const char *defaults[] = { "", "none", "/site/nix" };
	static const char *stores[] = { NULL, "", "none", "~/nix" };
	static const char *values[] = { NULL, "none", "~/p" };
	static const enum nix_opt opts[] = { NIX_OPT_CLOSURE, NIX_OPT_PROFILE, NIX_OPT_HIDE };
	struct nix_config cfg;
	struct nix_view v;
	struct nix_err err;
	int nothing = 0;

	nix_config_defaults(&cfg);
	for (int c = 0; c < 3 * 4 * 3 * 3 * 2 * 2; c++) {
		struct nix_request req = { 0 };
		int k = c;

		snprintf(cfg.default_store, sizeof(cfg.default_store), "%s", defaults[k % 3]);
		k /= 3;
		if (stores[k % 4])
			nix_request_set(&req, NIX_OPT_STORE, stores[k % 4], false);
		k /= 4;
		const char *value = values[k % 3];
		enum nix_opt opt = opts[(k / 3) % 3];

		k /= 9;
		if (value)
			nix_request_set(&req, opt, value, k % 2);
		if (k / 2)
			nix_request_set(&req, NIX_OPT_WRITABLE, "", false);
		if (!nix_request_asks_nothing(&cfg, &req))
			continue;
		nothing++;
		ck_assert_msg(nix_request_resolve(&cfg, &req, "/home/ann", "ann", &v, &err) == 0,
			      "case %d: %s", c, err.msg);
	}
	ck_assert_int_ge(nothing, 12);
	/* nothing at all; --nix-store=none; a value refused as too long is not */
	struct nix_request req = { 0 };
	static char huge[NIX_ARG_MAX + 2];

	cfg.default_store[0] = '\0';
	ck_assert(nix_request_asks_nothing(&cfg, &req));
	nix_request_set(&req, NIX_OPT_STORE, "none", false);
	ck_assert(nix_request_asks_nothing(&cfg, &req));
	memset(huge, 'h', sizeof(huge) - 1);
	nix_request_set(&req, NIX_OPT_HIDE, huge, false);
	ck_assert(!nix_request_asks_nothing(&cfg, &req));
	ck_assert_int_eq(nix_request_resolve(&cfg, &req, "/home/ann", "ann", &v, &err), -1);
}
END_TEST

START_TEST(hide_covers_the_working_directory)
{
	char out[PATH_MAX] = "";

	ck_assert(nix_hide_covers("/usr,/home", "/home/ann/jobs", out, sizeof(out)));
	ck_assert_str_eq(out, "/home");
	ck_assert(nix_hide_covers("/opt,/home/ann", "/home/ann", out, sizeof(out)));
	ck_assert_str_eq(out, "/home/ann");
	ck_assert(!nix_hide_covers("/home/an,/usr", "/home/ann", out, sizeof(out)));
	ck_assert(!nix_hide_covers("", "/home/ann", out, sizeof(out)));
	ck_assert(!nix_hide_covers("/opt", "/", out, sizeof(out)));
}
END_TEST

/* issue 10, item 8: view descriptions */
static void assert_views_differ(const struct nix_view *a, const struct nix_view *b)
{
	static char da[NIX_VIEW_DESC_MAX], db[NIX_VIEW_DESC_MAX];
	char ka[17], kb[17];
	int la = nix_view_describe(a, da, sizeof(da));
	int lb = nix_view_describe(b, db, sizeof(db));

	ck_assert_int_gt(la, 0);
	ck_assert_int_gt(lb, 0);
	ck_assert_msg(la != lb || memcmp(da, db, la), "same description: %s", da);
	nix_view_key(a, ka);
	nix_view_key(b, kb);
	ck_assert_str_ne(ka, kb);
}

START_TEST(views_that_used_to_collide_differ)
{
	/* "store=%s mountpoint=%s writable=%d closure=%s hide=%s" made one
	 * line of each pair: the step got the other view (and lost a hide). */
	struct nix_view a = view_of("/a", "", "/b mountpoint=/nix writable=0 closure= hide=/c");
	struct nix_view b = view_of("/a mountpoint=/nix writable=0 closure= hide=/b", "", "/c");
	struct nix_view c = view_of("/s", "/nix/store/x hide=/opt", "");
	struct nix_view d = view_of("/s", "/nix/store/x", "/opt hide=");

	assert_views_differ(&a, &b);
	assert_views_differ(&c, &d);
}
END_TEST

START_TEST(equal_views_equal_descriptions)
{
	struct nix_view a = view_of("/h/ni\nx", "", "/op\nt");
	struct nix_view b = a;
	char da[NIX_VIEW_DESC_MAX], db[NIX_VIEW_DESC_MAX], ka[17], kb[17];
	int la, lb;

	strcpy(b.origin, "--nix-store=other spelling"); /* not part of the view */
	la = nix_view_describe(&a, da, sizeof(da));
	lb = nix_view_describe(&b, db, sizeof(db));
	ck_assert_int_eq(la, lb);
	ck_assert_int_eq(memcmp(da, db, la), 0);
	nix_view_key(&a, ka);
	nix_view_key(&b, kb);
	ck_assert_str_eq(ka, kb);
	/* too small a buffer: no cut description that could equal another */
	ck_assert_int_eq(nix_view_describe(&a, da, 20), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nix_request");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, hide_covers_the_working_directory);
	tcase_add_test(tc, request_resolves_to_view);
	tcase_add_test(tc, request_default_store_and_none);
	tcase_add_test(tc, request_that_asks_nothing_resolves_to_no_view);
	tcase_add_test(tc, request_site_limits);
	tcase_add_test(tc, request_site_store_read_only_for_anyone);
	tcase_add_test(tc, request_hide_and_closure);
	tcase_add_test(tc, request_closure_expands_like_store);
	tcase_add_test(tc, quote_elides_in_the_middle);
	tcase_add_test(tc, request_long_values_accepted_or_refused);
	tcase_add_test(tc, request_none_drops_inherited);
	tcase_add_test(tc, request_profile_resolved_like_store);
	tcase_add_test(tc, views_that_used_to_collide_differ);
	tcase_add_test(tc, equal_views_equal_descriptions);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
