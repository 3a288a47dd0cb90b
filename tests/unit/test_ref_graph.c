/* Unit tests for lib/ref_graph.c: the Refs table as a graph in memory. */
#include "check_main.h"
#include "ref_graph.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>

/* The ids reachable from roots, as a bitmask (ids < 64). */
static unsigned long long reach_mask(const struct ref_graph *g, const uint32_t *roots,
				     size_t n, size_t *count)
{
	uint8_t *marks = calloc((size_t)g->max_id + 1, 1);
	unsigned long long mask = 0;

	ck_assert_ptr_nonnull(marks);
	*count = ref_graph_reach(g, roots, n, marks);
	for (uint32_t id = 0; id <= g->max_id; id++)
		if (marks[id])
			mask |= 1ull << id;
	free(marks);
	return mask;
}

#define BIT(i) (1ull << (i))

START_TEST(test_reach)
{
	/* out of order, a diamond, a self-reference, a cycle, an isolated id */
	static const int64_t edges[][2] = {
		{4, 5}, {1, 3}, {2, 4}, {1, 2}, {3, 4}, {4, 4}, {6, 5}, {5, 6}, {7, 8}, {8, 8},
	};
	struct ref_graph g = { 0 };
	size_t count;

	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		ck_assert_int_eq(ref_graph_add(&g, edges[i][0], edges[i][1]), 0);
	ck_assert_int_eq(ref_graph_finish(&g, 9), 0);
	ck_assert_uint_eq(g.max_id, 9);
	ck_assert(reach_mask(&g, (uint32_t[]){1}, 1, &count) ==
		  (BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6)));
	ck_assert_uint_eq(count, 6);
	ck_assert(reach_mask(&g, (uint32_t[]){6}, 1, &count) == (BIT(5) | BIT(6)));
	ck_assert(reach_mask(&g, (uint32_t[]){9}, 1, &count) == BIT(9));
	ck_assert_uint_eq(count, 1);
	ck_assert(reach_mask(&g, (uint32_t[]){7, 4, 7}, 3, &count) ==
		  (BIT(4) | BIT(5) | BIT(6) | BIT(7) | BIT(8)));
	ck_assert_uint_eq(count, 5);
	ref_graph_free(&g);
}
END_TEST

/* Ids above the highest given to finish grow the graph; ids that do not
 * fit are refused, so that the caller keeps its query. */
START_TEST(test_ids)
{
	struct ref_graph g = { 0 };
	size_t count;

	ck_assert_int_eq(ref_graph_add(&g, 2, 40), 0);
	ck_assert_int_eq(ref_graph_add(&g, 40, 3), 0);
	ck_assert_int_eq(ref_graph_finish(&g, 9), 0);
	ck_assert_uint_eq(g.max_id, 40);
	ck_assert(reach_mask(&g, (uint32_t[]){2}, 1, &count) == (BIT(2) | BIT(3) | BIT(40)));
	ref_graph_free(&g);

	errno = 0;
	ck_assert_int_eq(ref_graph_add(&g, 1, -1), -1);
	ck_assert_int_eq(errno, EDOM);
	ck_assert_int_eq(ref_graph_add(&g, (int64_t)REF_GRAPH_MAX_ID + 1, 1), -1);
	ck_assert_int_eq(errno, EDOM);
	ck_assert_int_eq(ref_graph_finish(&g, REF_GRAPH_MAX_ID + 1u), -1);
	ref_graph_free(&g);

	/* no references at all */
	ck_assert_int_eq(ref_graph_finish(&g, 3), 0);
	ck_assert(reach_mask(&g, (uint32_t[]){3, 1}, 2, &count) == (BIT(1) | BIT(3)));
	ref_graph_free(&g);
}
END_TEST

static Suite *ref_graph_suite(void)
{
	Suite *s = suite_create("ref_graph");
	TCase *tc = tcase_create("graph");

	tcase_add_test(tc, test_reach);
	tcase_add_test(tc, test_ids);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(ref_graph_suite());
}
