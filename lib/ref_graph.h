/* The Nix database's Refs table as a graph in memory, for a closure that is
 * much of the store: reading every reference in one ordered pass and
 * walking them here costs less than the recursive query's index lookups
 * (about 4 x a row read in order, bench/closure-parts). No SQLite here:
 * lib/nix_db.c reads the rows and decides when this is cheaper. */
#ifndef SPANK_NIX_REF_GRAPH_H
#define SPANK_NIX_REF_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#define REF_GRAPH_MAX_ID    (1u << 26)  /* ids above: the caller keeps the query */
#define REF_GRAPH_MAX_EDGES (1u << 26)

/* Edges as read (referrer, reference), then in compressed rows: the
 * references of id i are to[first[i] .. first[i + 1]). Zero-initialise. */
struct ref_graph {
	uint32_t (*edges)[2];
	size_t n, cap;
	uint32_t max_id;        /* the highest id seen */
	uint32_t *first, *to;
};

/* One reference; 0, or -1 (errno) when out of memory, an id is not in
 * 0..REF_GRAPH_MAX_ID (EDOM) or there are too many (E2BIG). */
int ref_graph_add(struct ref_graph *g, int64_t referrer, int64_t reference);

/* The rows, once every edge is added (ids up to at least max_id exist);
 * -1 (errno) when out of memory or max_id is above REF_GRAPH_MAX_ID. */
int ref_graph_finish(struct ref_graph *g, uint32_t max_id);

/* marks[id] = 1 for every id reachable from roots, roots included
 * (marks: max_id + 1 bytes, zeroed); the number marked, or (size_t)-1
 * when out of memory. */
size_t ref_graph_reach(const struct ref_graph *g, const uint32_t *roots, size_t nroots,
		       uint8_t *marks);

void ref_graph_free(struct ref_graph *g);

#endif
