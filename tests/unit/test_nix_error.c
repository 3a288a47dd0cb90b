/* nix_error: one-line error messages, whatever the values they quote. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "nix_error.h"

START_TEST(error_lines_keep_their_reason)
{
	struct nix_err err;
	char big[3001];

	memset(big, 'd', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(nix_err_set(&err, "/home/%s/missing does not exist", big), -1);
	ck_assert_uint_lt(strlen(err.msg), NIX_ERR_MAX);
	ck_assert_ptr_nonnull(strstr(err.msg, "/home/ddd"));
	ck_assert_ptr_nonnull(strstr(err.msg, "d...d"));
	ck_assert_ptr_nonnull(strstr(err.msg, "ddd/missing does not exist"));
	nix_err_errno(&err, 2, "cannot open /%s", big);
	ck_assert_ptr_nonnull(strstr(err.msg, "ddd: No such file or directory"));
	nix_err_errno(&err, 2, "short");
	ck_assert_str_eq(err.msg, "short: No such file or directory");
}
END_TEST

/* issue 10, item 7: control characters in messages */
START_TEST(escape_writes_control_characters_as_text)
{
	char out[64];

	ck_assert_int_eq(nix_escape("a\nb\x1b[31mc\x7f\x01\t\r", out, sizeof(out)), 23);
	ck_assert_str_eq(out, "a\\nb\\e[31mc\\x7f\\x01\\t\\r");
	/* UTF-8 and ordinary punctuation stay as they are */
	nix_escape("/home/\xc3\xa9t\xc3\xa9/nix \\ %", out, sizeof(out));
	ck_assert_str_eq(out, "/home/\xc3\xa9t\xc3\xa9/nix \\ %");
	/* cut short, never inside an escape */
	ck_assert_int_eq(nix_escape("ab\ncd", out, 4), 2);
	ck_assert_str_eq(out, "ab");
	ck_assert(nix_has_control("x\ny"));
	ck_assert(!nix_has_control("x y"));
}
END_TEST

START_TEST(messages_quoting_user_values_stay_one_line)
{
	struct nix_err err, outer;
	const char *forged = "/home/u/nix\n[2026-01-01T00:00:00.000] error: FAKE";

	nix_err_set(&err, "--nix-store=%s: %s does not exist", forged, forged);
	ck_assert_ptr_null(strchr(err.msg, '\n'));
	ck_assert_ptr_nonnull(strstr(err.msg, "/home/u/nix\\n[2026-01-01T00:00:00.000] error: FAKE"));
	nix_err_errno(&err, ENOENT, "cannot open %s\x1b]0;title\x07", forged);
	ck_assert(!nix_has_control(err.msg));
	ck_assert_ptr_nonnull(strstr(err.msg, "\\e]0;title\\x07: No such file or directory"));
	/* a message quoting a message is not escaped twice */
	nix_err_set(&outer, "--nix-store=x: %s", err.msg);
	ck_assert_str_eq(outer.msg + strlen("--nix-store=x: "), err.msg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nix_error");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, error_lines_keep_their_reason);
	tcase_add_test(tc, escape_writes_control_characters_as_text);
	tcase_add_test(tc, messages_quoting_user_values_stay_one_line);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
