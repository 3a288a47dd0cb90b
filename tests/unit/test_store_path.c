/* Unit tests for lib/store_path.c: store-path syntax and the quoting of user text. */
#include "closure_fixture.h"
#include "check_main.h"

#include <check.h>
#include <stdio.h>
#include <string.h>


START_TEST(test_valid)
{
	char h[33], p[600], name[300];

	hash_of(1, h);
	ck_assert_int_eq(nix_store_path_valid(sp(1), SD), 0);
	snprintf(p, sizeof(p), SD "/%s-a+b-c._?=Z9", h);
	ck_assert_int_eq(nix_store_path_valid(p, SD), 0);
	snprintf(p, sizeof(p), "/gpfs/u/nix/store/%s-hello-2.12", h);
	ck_assert_int_eq(nix_store_path_valid(p, "/gpfs/u/nix/store"), 0);
	ck_assert_int_eq(nix_store_path_valid(p, SD), -1);
	/* name of 211 ok, 212 not */
	memset(name, 'x', 211);
	name[211] = '\0';
	snprintf(p, sizeof(p), SD "/%s-%s", h, name);
	ck_assert_int_eq(nix_store_path_valid(p, SD), 0);
	snprintf(p, sizeof(p), SD "/%s-%sx", h, name);
	ck_assert_int_eq(nix_store_path_valid(p, SD), -1);
}
END_TEST

START_TEST(test_invalid)
{
	char h[33], p[600];
	const char *bad_names[] = {"", ".", "..", "a/b", "a b", "a\nb", "é", "a:b", "a*b"};

	hash_of(1, h);
	ck_assert_int_eq(nix_store_path_valid(SD, SD), -1);
	ck_assert_int_eq(nix_store_path_valid(SD "/", SD), -1);
	ck_assert_int_eq(nix_store_path_valid("/etc/passwd", SD), -1);
	ck_assert_int_eq(nix_store_path_valid("", SD), -1);
	ck_assert_int_eq(nix_store_path_valid(NULL, SD), -1);
	snprintf(p, sizeof(p), "/nix/storex/%s-a", h);
	ck_assert_int_eq(nix_store_path_valid(p, SD), -1);
	snprintf(p, sizeof(p), SD "/%s", h);          /* no name */
	ck_assert_int_eq(nix_store_path_valid(p, SD), -1);
	snprintf(p, sizeof(p), SD "/%s-a/", h);       /* trailing slash */
	ck_assert_int_eq(nix_store_path_valid(p, SD), -1);
	snprintf(p, sizeof(p), SD "/%s-a/bin", h);    /* below */
	ck_assert_int_eq(nix_store_path_valid(p, SD), -1);
	snprintf(p, sizeof(p), SD "/%.31s-a", h);     /* short hash */
	ck_assert_int_eq(nix_store_path_valid(p, SD), -1);
	snprintf(p, sizeof(p), SD "/%sx-a", h);       /* long hash */
	ck_assert_int_eq(nix_store_path_valid(p, SD), -1);
	for (const char *c = "eotuE_-."; *c; c++) {   /* not nix base32 */
		snprintf(p, sizeof(p), SD "/%c%.31s-a", *c, h);
		ck_assert_int_eq(nix_store_path_valid(p, SD), -1);
	}
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(*bad_names); i++) {
		snprintf(p, sizeof(p), SD "/%s-%s", h, bad_names[i]);
		ck_assert_msg(nix_store_path_valid(p, SD) == -1, "%s", p);
	}
	snprintf(p, sizeof(p), SD "/../%s-a", h);
	ck_assert_int_eq(nix_store_path_valid(p, SD), -1);
	/* bad store dirs */
	ck_assert_int_eq(nix_store_path_valid(sp(1), "nix/store"), -1);
	ck_assert_int_eq(nix_store_path_valid(sp(1), "/"), -1);
	ck_assert_int_eq(nix_store_path_valid(sp(1), "/nix/store/"), -1);
	ck_assert_int_eq(nix_store_path_valid(sp(1), "/nix//store"), -1);
	ck_assert_int_eq(nix_store_path_valid(sp(1), "/nix/../store"), -1);
	ck_assert_int_eq(nix_store_path_valid(sp(1), NULL), -1);
}
END_TEST


/* Error lines quote user text: printable ASCII kept, the rest \xNN, and
 * long text cut at QUOTE_MAX characters with "...". */
START_TEST(test_quote)
{
	char q[QBUF], long_text[300];

	ck_assert_str_eq(sp_quote(q, sizeof(q), "a\nb'\\c\x7f", 7), "a\\x0ab\\x27\\x5cc\\x7f");
	ck_assert_str_eq(sp_quotes(q, sizeof(q), NULL), "");
	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	sp_quotes(q, sizeof(q), long_text);
	ck_assert_uint_eq(strlen(q), QUOTE_MAX + 3);
	ck_assert_str_eq(q + QUOTE_MAX, "...");
	memset(long_text, '\001', sizeof(long_text) - 1);
	sp_quotes(q, sizeof(q), long_text);   /* all escaped: still fits QBUF */
	ck_assert_uint_eq(strlen(q), QUOTE_MAX * 4 + 3);
}
END_TEST

/* Each problem is named, and described in one line quoting the path. */
START_TEST(test_problem)
{
	char h[33], p[600], why[NIX_ERR_MAX];
	size_t sdlen;

	hash_of(1, h);
	ck_assert_int_eq(store_dir_check(SD, &sdlen), 0);
	ck_assert_uint_eq(sdlen, strlen(SD));
	ck_assert_int_eq(store_dir_check("/nix/store/", &sdlen), -1);
#define PB(path) store_path_problem((path), strlen(path), SD, sdlen)
	ck_assert_int_eq(PB(sp(1)), SP_OK);
	ck_assert_int_eq(PB("/etc/passwd"), SP_OUTSIDE);
	ck_assert_int_eq(PB(SD "/x/../y"), SP_DOTDOT);
	ck_assert_int_eq(PB(SD), SP_STORE_DIR);
	ck_assert_int_eq(PB(SD "/tooshort-a"), SP_HASH);
	snprintf(p, sizeof(p), SD "/%s", h);
	ck_assert_int_eq(PB(p), SP_NO_NAME);
	snprintf(p, sizeof(p), SD "/%s-a b", h);
	ck_assert_int_eq(PB(p), SP_NAME_CHAR);
	snprintf(p, sizeof(p), SD "/%s-..", h);
	ck_assert_int_eq(PB(p), SP_NAME_DOT);
	snprintf(p, sizeof(p), "%s/bin", sp(1));
	ck_assert_int_eq(PB(p), SP_BELOW);
#undef PB
	store_path_describe(why, sizeof(why), SP_OUTSIDE, "/etc/x", 6, SD);
	ck_assert_str_eq(why, "'/etc/x' is not in the store (/nix/store)");
	store_path_describe(why, sizeof(why), SP_BELOW, p, strlen(p), SD);
	ck_assert_ptr_nonnull(strstr(why, "is below a store path"));
}
END_TEST

static Suite *store_path_suite(void)
{
	Suite *s = suite_create("store_path");
	TCase *tc;

	tc = tcase_create("syntax");
	tcase_add_test(tc, test_valid);
	tcase_add_test(tc, test_invalid);
	tcase_add_test(tc, test_quote);
	tcase_add_test(tc, test_problem);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(store_path_suite());
}
