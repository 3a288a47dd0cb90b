#include "ref_graph.h"

#include <errno.h>
#include <stdlib.h>

int ref_graph_add(struct ref_graph *g, int64_t referrer, int64_t reference)
{
	if (referrer < 0 || reference < 0 || referrer > REF_GRAPH_MAX_ID ||
	    reference > REF_GRAPH_MAX_ID) {
		errno = EDOM;
		return -1;
	}
	if (g->n == g->cap) {
		size_t ncap = g->cap ? 2 * g->cap : 4096;
		void *e;

		if (g->n >= REF_GRAPH_MAX_EDGES) {
			errno = E2BIG;
			return -1;
		}
		e = reallocarray(g->edges, ncap, sizeof(*g->edges));
		if (!e)
			return -1;
		g->edges = e;
		g->cap = ncap;
	}
	g->edges[g->n][0] = (uint32_t)referrer;
	g->edges[g->n][1] = (uint32_t)reference;
	g->n++;
	if ((uint32_t)referrer > g->max_id)
		g->max_id = (uint32_t)referrer;
	if ((uint32_t)reference > g->max_id)
		g->max_id = (uint32_t)reference;
	return 0;
}

/* A counting sort by referrer: no order is asked of the database. */
int ref_graph_finish(struct ref_graph *g, uint32_t max_id)
{
	if (max_id > REF_GRAPH_MAX_ID) {
		errno = EDOM;
		return -1;
	}
	if (max_id > g->max_id)
		g->max_id = max_id;
	g->first = calloc((size_t)g->max_id + 2, sizeof(*g->first));
	g->to = malloc((g->n ? g->n : 1) * sizeof(*g->to));
	if (!g->first || !g->to)
		return -1;
	for (size_t i = 0; i < g->n; i++)
		g->first[g->edges[i][0]]++;
	for (uint32_t id = 1; id <= g->max_id; id++)
		g->first[id] += g->first[id - 1]; /* the end of each row */
	/* each edge to its row's last free slot: first[] ends as the starts */
	for (size_t i = g->n; i-- > 0;)
		g->to[--g->first[g->edges[i][0]]] = g->edges[i][1];
	g->first[g->max_id + 1] = (uint32_t)g->n;
	free(g->edges);
	g->edges = NULL;
	return 0;
}

size_t ref_graph_reach(const struct ref_graph *g, const uint32_t *roots, size_t nroots,
		       uint8_t *marks)
{
	uint32_t *todo = malloc(((size_t)g->max_id + 1) * sizeof(*todo));
	size_t ntodo = 0, marked = 0;

	if (!todo)
		return (size_t)-1;
	for (size_t i = 0; i < nroots; i++) {
		if (roots[i] > g->max_id || marks[roots[i]])
			continue;
		marks[roots[i]] = 1;
		todo[ntodo++] = roots[i];
	}
	while (ntodo) {
		uint32_t id = todo[--ntodo];

		marked++;
		for (uint32_t e = g->first[id]; e < g->first[id + 1]; e++) {
			if (!marks[g->to[e]]) {
				marks[g->to[e]] = 1;
				todo[ntodo++] = g->to[e];
			}
		}
	}
	free(todo);
	return marked;
}

void ref_graph_free(struct ref_graph *g)
{
	free(g->edges);
	free(g->first);
	free(g->to);
	*g = (struct ref_graph){ 0 };
}
