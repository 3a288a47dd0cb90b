/* nix_config: the plugstack arguments an admin types. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "nix_config.h"

/* One plugstack argument given to cfg: accepted, or refused with the
 * message returned. */
static void accepted(struct nix_config *cfg, const char *arg)
{
	char copy[256], *argv[] = { copy };
	struct nix_err err;

	snprintf(copy, sizeof(copy), "%s", arg);
	ck_assert_int_eq(nix_config_parse(cfg, 1, argv, &err), 0);
}

static const char *refusal_of(struct nix_config *cfg, const char *arg)
{
	static struct nix_err err;
	char copy[256], *argv[] = { copy };

	snprintf(copy, sizeof(copy), "%s", arg);
	ck_assert_int_eq(nix_config_parse(cfg, 1, argv, &err), -1);
	return err.msg;
}

START_TEST(config_defaults_and_args)
{
	struct nix_config cfg;
	struct nix_err err;
	char *good[] = { "mountpoint=/nix/", "state_dir=/var/run//nix", "default_store=%h/nix",
			 "allowed_stores=/home,/scratch/%u", "allow_writable=no",
			 "create_timeout=5", "build_in_prolog=yes" };

	nix_config_defaults(&cfg);
	ck_assert_str_eq(cfg.mountpoint, "/nix");
	ck_assert_str_eq(cfg.state_dir, "/run/spank-nix");
	ck_assert(cfg.allow_writable);
	ck_assert(!cfg.build_in_prolog);
	ck_assert_int_eq(nix_config_parse(&cfg, 7, good, &err), 0);
	ck_assert(cfg.build_in_prolog);
	ck_assert_str_eq(cfg.mountpoint, "/nix");
	ck_assert_str_eq(cfg.state_dir, "/var/run/nix");
	ck_assert_str_eq(cfg.default_store, "%h/nix");
	ck_assert_int_eq(cfg.n_allowed_stores, 2);
	ck_assert(!cfg.allow_writable);
	ck_assert_int_eq(cfg.create_timeout_s, 5);
	ck_assert(nix_config_store_allowed(&cfg, "/scratch/ann/x", "/home/ann", "ann"));
	ck_assert(!nix_config_store_allowed(&cfg, "/scratch/bob/x", "/home/ann", "ann"));
	ck_assert(nix_config_store_allowed(&cfg, "/home/ann/nix", "/home/ann", "ann"));
	ck_assert(!nix_config_store_allowed(&cfg, "/tmp/nix", "/home/ann", "ann"));
}
END_TEST

START_TEST(config_bad_args_name_themselves)
{
	struct nix_config cfg;

	nix_config_defaults(&cfg);
	ck_assert_str_eq(refusal_of(&cfg, "mountpont=/nix"),
			 "unknown plugstack argument 'mountpont'");
	ck_assert_ptr_nonnull(strstr(refusal_of(&cfg, "mountpoint"), "expected key=value"));
	ck_assert_str_eq(refusal_of(&cfg, "state_dir=run/x"),
			 "state_dir=run/x: not an absolute path");
	refusal_of(&cfg, "mountpoint=/"); /* refused, whatever the words */
	ck_assert_str_eq(refusal_of(&cfg, "allow_writable=maybe"),
			 "allow_writable=maybe: expected yes or no");
	ck_assert_str_eq(refusal_of(&cfg, "build_in_prolog=1x"),
			 "build_in_prolog=1x: expected yes or no");
	refusal_of(&cfg, "create_timeout=0"); /* refused, whatever the words */
}
END_TEST

START_TEST(config_site_stores_parsed)
{
	struct nix_config cfg;

	nix_config_defaults(&cfg);
	ck_assert_int_eq(cfg.n_site_stores, 0);
	ck_assert(!nix_config_is_site_store(&cfg, "/gpfs/nix"));
	accepted(&cfg, "site_stores=/gpfs//nix/,/cvmfs/nix.example.org");
	ck_assert_int_eq(cfg.n_site_stores, 2);
	ck_assert_str_eq(cfg.site_stores[0], "/gpfs/nix");
	ck_assert_str_eq(cfg.site_stores[1], "/cvmfs/nix.example.org");
	ck_assert(nix_config_is_site_store(&cfg, "/gpfs/nix"));
	ck_assert(nix_config_is_site_store(&cfg, "/cvmfs/nix.example.org"));
	/* only the directory itself, not what is below or beside it */
	ck_assert(!nix_config_is_site_store(&cfg, "/gpfs/nix/store"));
	ck_assert(!nix_config_is_site_store(&cfg, "/gpfs"));
	ck_assert(!nix_config_is_site_store(&cfg, "/gpfs/nix2"));

	ck_assert_str_eq(refusal_of(&cfg, "site_stores=/gpfs/nix,nix"),
			 "site_stores=/gpfs/nix,nix: nix: not an absolute path");
	ck_assert_str_eq(refusal_of(&cfg, "site_stores=/gpfs/%u"),
			 "site_stores=/gpfs/%u: /gpfs/%u: a site store is the same for every user (no %h or %u)");
	ck_assert_str_eq(refusal_of(&cfg, "site_stores=/gpfs/../etc"),
			 "site_stores=/gpfs/../etc: /gpfs/../etc: contains a '..' component");
	ck_assert_str_eq(refusal_of(&cfg, "site_stores=/"),
			 "site_stores=/: / is not a store");
	ck_assert_str_eq(refusal_of(&cfg, "site_stores=/1,/2,/3,/4,/5,/6,/7,/8,/9,/10,/11,/12,/13,/14,/15,/16,/17"),
			 "site_stores: more than 16 stores");
}
END_TEST

/* issue 10, item 4: views per job */
START_TEST(max_views_is_a_site_setting)
{
	struct nix_config cfg;

	nix_config_defaults(&cfg);
	ck_assert_int_eq(cfg.max_views, 16);
	accepted(&cfg, "max_views=4");
	ck_assert_int_eq(cfg.max_views, 4);
	ck_assert_str_eq(refusal_of(&cfg, "max_views=0"),
			 "max_views=0: expected a count, 1 to 1024");
	refusal_of(&cfg, "max_views=4x"); /* refused, whatever the words */
	ck_assert_str_eq(refusal_of(&cfg, "create_timeout=0"),
			 "create_timeout=0: expected seconds, 1 to 3600");
}
END_TEST

START_TEST(userns_setting_parses_and_defaults_to_auto)
{
	struct nix_config cfg;

	nix_config_defaults(&cfg);
	ck_assert_int_eq(cfg.userns, NIX_USERNS_AUTO);
	ck_assert_str_eq(nix_userns_mode_name(cfg.userns), "auto");
	accepted(&cfg, "userns=never");
	ck_assert_int_eq(cfg.userns, NIX_USERNS_NEVER);
	accepted(&cfg, "userns=always");
	ck_assert_int_eq(cfg.userns, NIX_USERNS_ALWAYS);
	ck_assert_str_eq(nix_userns_mode_name(cfg.userns), "always");
	accepted(&cfg, "userns=auto");
	ck_assert_int_eq(cfg.userns, NIX_USERNS_AUTO);
	ck_assert_str_eq(refusal_of(&cfg, "userns=off"),
			 "userns=off: expected auto, always or never");
	ck_assert_str_eq(refusal_of(&cfg, "userns="),
			 "userns=: expected auto, always or never");
}
END_TEST

/* The allowed stores a refusal lists: expanded for the user, in order. */
START_TEST(allowed_list_is_expanded_for_the_user)
{
	struct nix_config cfg;
	char out[128];

	nix_config_defaults(&cfg);
	accepted(&cfg, "allowed_stores=%h/nix,/scratch/%u,/gpfs/nix");
	nix_config_allowed_list(&cfg, "/home/ann", "ann", out, sizeof(out));
	ck_assert_str_eq(out, "/home/ann/nix, /scratch/ann, /gpfs/nix");
	nix_config_allowed_list(&cfg, "/home/ann", "ann", out, 12);
	ck_assert_str_eq(out, "/home/ann/n"); /* cut to outlen */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nix_config");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, config_defaults_and_args);
	tcase_add_test(tc, config_bad_args_name_themselves);
	tcase_add_test(tc, config_site_stores_parsed);
	tcase_add_test(tc, max_views_is_a_site_setting);
	tcase_add_test(tc, userns_setting_parses_and_defaults_to_auto);
	tcase_add_test(tc, allowed_list_is_expanded_for_the_user);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
