/* Unit tests for lib/path_set.c: sorted, unique sets of store paths. */
#include "closure_fixture.h"
#include "check_main.h"

#include <check.h>
#include <string.h>

/* ---- path sets ---- */

START_TEST(test_path_set)
{
	struct nix_path_set s = {0};
	const char *in[] = {"d", "b", "a", "c", "b", "e", "a", "e", "0"};

	for (size_t i = 0; i < sizeof(in) / sizeof(*in); i++)
		ck_assert_int_eq(nix_path_set_add(&s, in[i]), 0);
	ck_assert_uint_eq(s.len, 6);
	ck_assert_str_eq(s.paths[0], "0");
	ck_assert_str_eq(s.paths[5], "e");
	assert_sorted_unique(&s);
	ck_assert(nix_path_set_contains(&s, "c"));
	ck_assert(!nix_path_set_contains(&s, "f"));
	ck_assert(!nix_path_set_contains(&s, ""));
	ck_assert_int_eq(nix_path_set_index(&s, "0"), 0);
	ck_assert_int_eq(nix_path_set_index(&s, "c"), 3);
	ck_assert_int_eq(nix_path_set_index(&s, "e"), 5);
	ck_assert_int_eq(nix_path_set_index(&s, "bb"), -1);
	ck_assert_int_eq(nix_path_set_index(&s, "f"), -1);
	nix_path_set_free(&s);
	ck_assert_uint_eq(s.len, 0);
	ck_assert_ptr_null(s.paths);
	nix_path_set_free(&s);
	ck_assert(!nix_path_set_contains(&s, "a"));
}
END_TEST

/* ---- SPEC parser ---- */

/* Bulk building: push unsorted (an exact repeat of the last is skipped),
 * normalise once, merge into another set (src ends empty). */
START_TEST(test_bulk)
{
	struct nix_path_set a = {0}, b = {0};
	const char *in[] = {"d", "b", "b", "a", "d"};

	for (size_t i = 0; i < sizeof(in) / sizeof(*in); i++)
		ck_assert_int_eq(ps_push(&a, in[i], strlen(in[i])), 0);
	ck_assert_uint_eq(a.len, 4);            /* "b" "b": one skipped */
	ps_normalize(&a);
	ck_assert_uint_eq(a.len, 3);
	assert_sorted_unique(&a);
	ck_assert_int_eq(ps_push(&b, "c", 1), 0);
	ck_assert_int_eq(ps_push(&b, "a", 1), 0);
	ps_normalize(&b);
	ck_assert_int_eq(ps_merge(&a, &b), 0);
	ck_assert_uint_eq(a.len, 4);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_ptr_null(b.paths);
	assert_sorted_unique(&a);
	ck_assert(nix_path_set_contains(&a, "c"));
	/* into an empty set: taken over as it is */
	ck_assert_int_eq(ps_merge(&b, &a), 0);
	ck_assert_uint_eq(b.len, 4);
	ck_assert_uint_eq(a.len, 0);
	nix_path_set_free(&b);
}
END_TEST

static Suite *path_set_suite(void)
{
	Suite *s = suite_create("path_set");
	TCase *tc;

	tc = tcase_create("set");
	tcase_add_test(tc, test_path_set);
	tcase_add_test(tc, test_bulk);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(path_set_suite());
}
