/* nix_path: normalizing, expanding and comparing the paths users type. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "nix_path.h"

START_TEST(normalize_collapses_and_refuses)
{
	char out[64];
	struct nix_err err;

	ck_assert_int_eq(nix_path_normalize("/a//b/./c/", out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "/a/b/c");
	ck_assert_int_eq(nix_path_normalize("/", out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "/");
	ck_assert_int_eq(nix_path_normalize("a/b", out, sizeof(out), &err), -1);
	ck_assert_str_eq(err.msg, "not an absolute path");
	ck_assert_int_eq(nix_path_normalize("", out, sizeof(out), &err), -1);
	ck_assert_str_eq(err.msg, "empty path");
	ck_assert_int_eq(nix_path_normalize("/a/../etc", out, sizeof(out), &err), -1);
	ck_assert_str_eq(err.msg, "contains a '..' component");
	ck_assert_int_eq(nix_path_normalize("/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
					    out, sizeof(out), &err), -1);
	ck_assert_str_eq(err.msg, "path too long");
}
END_TEST

START_TEST(expand_home_and_user)
{
	char out[128];
	struct nix_err err;

	ck_assert_int_eq(nix_path_expand("~/nix", "/home/ann", "ann", out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "/home/ann/nix");
	ck_assert_int_eq(nix_path_expand("~", "/home/ann", "ann", out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "/home/ann");
	ck_assert_int_eq(nix_path_expand("/scratch/%u/nix%%", "/h", "ann", out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "/scratch/ann/nix%");
	ck_assert_int_eq(nix_path_expand("%h/nix", "/home/ann/", "ann", out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "/home/ann/nix");
	/* "~user" is not ours to expand: it stays relative, so it is refused */
	ck_assert_int_eq(nix_path_expand("~bob/nix", "/home/ann", "ann", out, sizeof(out), &err), -1);
	ck_assert_int_eq(nix_path_expand("%x", "/h", "ann", out, sizeof(out), &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown escape"));
	ck_assert_int_eq(nix_path_expand("~/nix", NULL, "ann", out, sizeof(out), &err), -1);
}
END_TEST

START_TEST(prefix_is_component_wise)
{
	ck_assert(nix_path_has_prefix("/a/b", "/a/b"));
	ck_assert(nix_path_has_prefix("/a/b/c", "/a/b"));
	ck_assert(!nix_path_has_prefix("/a/bc", "/a/b"));
	ck_assert(nix_path_has_prefix("/x", "/"));
}
END_TEST

/* Components one by one, runs of '/' skipped, none in "/" or "". */
START_TEST(next_walks_components_skipping_slashes)
{
	const char *p = "//nix///store/abc-x/", *c;
	char got[128] = "";
	size_t len;

	while ((c = nix_path_next(&p, &len)))
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "[%.*s]", (int)len, c);
	ck_assert_str_eq(got, "[nix][store][abc-x]");
	p = "/";
	ck_assert_ptr_null(nix_path_next(&p, &len));
	p = "";
	ck_assert_ptr_null(nix_path_next(&p, &len));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nix_path");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, normalize_collapses_and_refuses);
	tcase_add_test(tc, expand_home_and_user);
	tcase_add_test(tc, prefix_is_component_wise);
	tcase_add_test(tc, next_walks_components_skipping_slashes);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
