/* The small YAML reader (lib/yaml_reader.c): the path each scalar gets in
 * block mappings, sequences and flow lists, quotes and comments, and where
 * it stops (tabs, nesting too deep); conf_next_line's cut lines. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "yaml_reader.h"

/* "path=value\n" for each scalar, in order */
static char seen[4096];

static void record(void *ctx, const char *path, const char *value)
{
	size_t o = strlen(seen);

	(void)ctx;
	snprintf(seen + o, sizeof(seen) - o, "%s=%s\n", path, value);
}

static bool read_yaml(const char *text)
{
	struct yaml_reader r = { .scalar = record };

	seen[0] = '\0';
	yaml_read(text, &r);
	return !r.broken;
}

START_TEST(block_mappings_and_sequences)
{
	ck_assert(read_yaml("---\n"
			    "defaults:\n"
			    "  base_path: /b   # a comment\n"
			    "node_confs:\n"
			    "  - nodes:\n"
			    "      - n1\n"
			    "    options:\n"
			    "      dir_confs:\n"
			    "        - path: /tmp\n"
			    "        - path: '/dev/shm'\n"
			    "  - nodes: \"n[2-3]\"\n"));
	ck_assert_str_eq(seen,
			 "defaults.base_path=/b\n"
			 "node_confs[0].nodes[0]=n1\n"
			 "node_confs[0].options.dir_confs[0].path=/tmp\n"
			 "node_confs[0].options.dir_confs[1].path=/dev/shm\n"
			 "node_confs[1].nodes=n[2-3]\n");
}
END_TEST

/* Flow lists give one scalar per item; brackets inside an item (a host
 * list) stay; '#' inside quotes or a word is not a comment. */
START_TEST(flow_lists_quotes_comments)
{
	ck_assert(read_yaml("dirs: [/tmp, \"/var/tmp\", n[1-2,4]]\n"
			    "a: \"x # y\"\n"
			    "b: c#d\n"
			    "# all comment\n"));
	ck_assert_str_eq(seen,
			 "dirs[0]=/tmp\n"
			 "dirs[1]=/var/tmp\n"
			 "dirs[2]=n[1-2,4]\n"
			 "a=x # y\n"
			 "b=c#d\n");
}
END_TEST

/* What is not ours is skipped; a tab or too deep a nesting stops it. */
START_TEST(skips_and_stops)
{
	char deep[4096];
	size_t o = 0;

	ck_assert(read_yaml("- orphan\nnot a mapping\n: nokey\nk: v\n"));
	ck_assert_str_eq(seen, "k=v\n");
	ck_assert(!read_yaml("a: 1\nb:\n\tc: 2\nd: 3\n"));
	ck_assert_str_eq(seen, "a=1\n");
	for (int i = 0; i < YAML_DEPTH + 4; i++)
		o += (size_t)snprintf(deep + o, sizeof(deep) - o, "%*sk%d:\n", 2 * i, "", i);
	snprintf(deep + o, sizeof(deep) - o, "after: x\n");
	ck_assert(!read_yaml(deep));
	ck_assert_str_eq(seen, "");
}
END_TEST

START_TEST(next_line_cuts)
{
	static char text[CONF_LINE_MAX + 16];
	char line[CONF_LINE_MAX];
	const char *p;

	memset(text, 'x', CONF_LINE_MAX + 8);
	strcpy(text + CONF_LINE_MAX + 8, "\nend");
	p = conf_next_line(text, line);
	ck_assert_uint_eq(strlen(line), CONF_LINE_MAX - 1);
	ck_assert_str_eq(p, "end");
	p = conf_next_line(p, line);
	ck_assert_str_eq(line, "end");
	ck_assert_ptr_null(conf_next_line(p, line));
	ck_assert_ptr_null(conf_next_line(NULL, line));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("yaml_reader");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, block_mappings_and_sequences);
	tcase_add_test(tc, flow_lists_quotes_comments);
	tcase_add_test(tc, skips_and_stops);
	tcase_add_test(tc, next_line_cuts);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
