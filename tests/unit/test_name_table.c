/* name_table: names added in any order, each once, with its value; found
 * again after the table has grown many times. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "name_table.h"

START_TEST(each_name_is_added_once_and_keeps_its_first_value)
{
	struct name_table t = { 0 };
	unsigned char v = 0;

	ck_assert_int_eq(name_table_add(&t, "abc-hello", 9, 4), 1);
	ck_assert_int_eq(name_table_add(&t, "abc-hello", 9, 8), 0);
	ck_assert_int_eq(name_table_find(&t, "abc-hello", 9, &v), 1);
	ck_assert_int_eq(v, 4);
	ck_assert_uint_eq(t.len, 1);
	name_table_free(&t);
	ck_assert_uint_eq(t.len, 0);
}
END_TEST

/* Only len bytes are the name: a prefix or a longer name is another one. */
START_TEST(a_name_is_its_bytes_not_a_prefix)
{
	struct name_table t = { 0 };
	unsigned char v;

	ck_assert_int_eq(name_table_find(&t, "x", 1, &v), 0); /* empty table */
	ck_assert_int_eq(name_table_add(&t, "abc-hello-2.12", 9, 1), 1); /* "abc-hello" */
	ck_assert_int_eq(name_table_find(&t, "abc-hell", 8, &v), 0);
	ck_assert_int_eq(name_table_find(&t, "abc-hello-2", 11, &v), 0);
	ck_assert_int_eq(name_table_find(&t, "abc-hello-2", 9, &v), 1);
	ck_assert_int_eq(name_table_add(&t, "abc-hell", 8, 2), 1);
	ck_assert_uint_eq(t.len, 2);
	name_table_free(&t);
}
END_TEST

/* 50,000 names in a scrambled order, each added twice: 50,000 in the
 * table, each with its own value, none found that was not added. */
START_TEST(many_names_in_any_order)
{
	enum { N = 50000 };
	struct name_table t = { 0 };
	char name[64];
	unsigned char v;

	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < N; i++) {
			unsigned k = (i * 7919u) % N; /* 7919 is prime: a permutation */

			snprintf(name, sizeof(name), "%032u-path-%u", k * 2654435761u, k);
			ck_assert_int_eq(name_table_add(&t, name, strlen(name), (unsigned char)k),
					 pass == 0);
		}
	ck_assert_uint_eq(t.len, N);
	ck_assert_uint_le(2 * t.len, t.cap);
	for (unsigned k = 0; k < N; k++) {
		snprintf(name, sizeof(name), "%032u-path-%u", k * 2654435761u, k);
		ck_assert_int_eq(name_table_find(&t, name, strlen(name), &v), 1);
		ck_assert_int_eq(v, (unsigned char)k);
		snprintf(name, sizeof(name), "%032u-path-%u", k * 2654435761u, k + N);
		ck_assert_int_eq(name_table_find(&t, name, strlen(name), &v), 0);
	}
	name_table_free(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("name_table");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, each_name_is_added_once_and_keeps_its_first_value);
	tcase_add_test(tc, a_name_is_its_bytes_not_a_prefix);
	tcase_add_test(tc, many_names_in_any_order);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
