#include "nix_db.h"
#include "nix_db_internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ref_graph.h"

/* The closure query needs each id to enter the recursion once: Refs has
 * self-references and cycles.  "UNION" instead of "UNION ALL" does that,
 * but through an ephemeral b-tree that costs ~3/4 of the query (17 ms for
 * a 5,000-path closure with 50,000 references); this hash set of visited
 * ids, as an SQL function in the recursive step's WHERE, does the same in
 * a few ms. */
struct id_set {
	sqlite3_int64 *slots;   /* 0 = empty; id 0 stored as flag */
	size_t cap, len;
	bool has_zero;
	size_t scan_at;         /* this many ids: read all of Refs instead */
	bool scan;              /* the query stopped for that */
};

static uint64_t id_hash(sqlite3_int64 id)
{
	uint64_t x = (uint64_t)id;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

/* 1 if inserted, 0 if already there, -1 out of memory. */
static int id_set_insert(struct id_set *s, sqlite3_int64 id)
{
	size_t i;

	if (id == 0) {
		if (s->has_zero)
			return 0;
		s->has_zero = true;
		return 1;
	}
	if (2 * (s->len + 1) > s->cap) {
		size_t ncap = s->cap ? 2 * s->cap : 8192;
		sqlite3_int64 *n = calloc(ncap, sizeof(*n));

		if (!n)
			return -1;
		for (size_t j = 0; j < s->cap; j++) {
			if (!s->slots[j])
				continue;
			for (i = id_hash(s->slots[j]) & (ncap - 1); n[i]; i = (i + 1) & (ncap - 1))
				;
			n[i] = s->slots[j];
		}
		free(s->slots);
		s->slots = n;
		s->cap = ncap;
	}
	for (i = id_hash(id) & (s->cap - 1); s->slots[i]; i = (i + 1) & (s->cap - 1))
		if (s->slots[i] == id)
			return 0;
	s->slots[i] = id;
	s->len++;
	return 1;
}

static void sql_first(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct id_set *s = sqlite3_user_data(ctx);
	int rc;

	(void)argc;
	if (s->len >= s->scan_at) {
		s->scan = true;
		sqlite3_result_error(ctx, "the closure is much of the store: reading all of Refs", -1);
		return;
	}
	if (s->len >= CLOSURE_PATHS_MAX) {
		sqlite3_result_error(ctx, "the closure has more than 1000000 paths", -1);
		return;
	}
	rc = id_set_insert(s, sqlite3_value_int64(argv[0]));
	if (rc < 0)
		sqlite3_result_error_nomem(ctx);
	else
		sqlite3_result_int(ctx, rc);
}

/* A path read from the DB, checked, added to res. */
static int take_path(struct db *d, const char *p, size_t len, const char *sd, size_t sdlen,
		     struct nix_path_set *res, struct nix_err *err)
{
	enum sp_problem pb;

	if (!p)
		return nix_err_set(err, "%s has a NULL path", d->name);
	pb = store_path_problem(p, len, sd, sdlen);
	if (pb != SP_OK || strlen(p) != len) {
		char why[NIX_ERR_MAX];

		store_path_describe(why, sizeof(why), pb == SP_OK ? SP_NAME_CHAR : pb,
				    p, len, sd);
		return nix_err_set(err, "%s: invalid path in ValidPaths: %s", d->name, why);
	}
	if (d->emit)
		return d->emit(d->emit_ctx, p, err) ? -1 : 0;
	if (res->len >= CLOSURE_PATHS_MAX)
		return nix_err_set(err, "the closure has more than %d paths", CLOSURE_PATHS_MAX);
	if (ps_push(res, p, len) < 0)
		return nix_err_errno(err, errno, "%s", d->name);
	return 0;
}

/* The ids of roots, in temp.nix_closure_roots for the query and in ids
 * (ids: roots->len entries). */
static int root_ids(struct db *d, const struct nix_path_set *roots, sqlite3_int64 *ids,
		    struct nix_err *err)
{
	sqlite3_stmt *look = NULL, *ins = NULL;
	char qb[QBUF];
	int rc = -1;

	if (db_exec(d, "CREATE TEMP TABLE IF NOT EXISTS nix_closure_roots"
		       "(id INTEGER PRIMARY KEY); DELETE FROM temp.nix_closure_roots;",
		    err) < 0)
		return -1;
	if (sqlite3_prepare_v2(d->h, "SELECT id FROM ValidPaths WHERE path = ?1",
			       -1, &look, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(d->h, "INSERT OR IGNORE INTO temp.nix_closure_roots"
			       "(id) VALUES (?1)", -1, &ins, NULL) != SQLITE_OK) {
		db_fail(d, err, "cannot query");
		goto out;
	}
	for (size_t i = 0; i < roots->len; i++) {
		int found = db_lookup(d, look, roots->paths[i], &ids[i], err);

		if (found < 0)
			goto out;
		if (!found) {
			nix_err_set(err, "%s is not a valid path in the store",
				    sp_quotes(qb, sizeof(qb), roots->paths[i]));
			goto out;
		}
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, ids[i]);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			db_fail(d, err, "cannot query");
			goto out;
		}
	}
	rc = 0;
out:
	sqlite3_finalize(look);
	sqlite3_finalize(ins);
	return rc;
}

/* The recursive query, walking Refs by its index from the roots: 0, -1
 * (err), or 1 when it stopped at seen->scan_at ids. */
static int closure_by_query(struct db *d, struct id_set *seen, const char *sd, size_t sdlen,
			    struct nix_path_set *res, struct nix_err *err)
{
	sqlite3_stmt *q = NULL;
	int rc = -1, step;

	/* not SQLITE_DETERMINISTIC: evaluated once per row, never cached */
	if (sqlite3_create_function(d->h, "nix_closure_first", 1,
				    SQLITE_UTF8 | SQLITE_DIRECTONLY, seen,
				    sql_first, NULL, NULL) != SQLITE_OK)
		return db_fail(d, err, "cannot set up the query");
	if (sqlite3_prepare_v2(d->h,
		"WITH RECURSIVE c(id) AS ("
		" SELECT id FROM temp.nix_closure_roots WHERE nix_closure_first(id)"
		" UNION ALL"
		" SELECT Refs.reference FROM c JOIN Refs ON Refs.referrer = c.id"
		"  WHERE nix_closure_first(Refs.reference))"
		" SELECT ValidPaths.path FROM c JOIN ValidPaths ON ValidPaths.id = c.id",
		-1, &q, NULL) != SQLITE_OK) {
		db_fail(d, err, "cannot query");
		goto out;
	}
	while ((step = sqlite3_step(q)) == SQLITE_ROW)
		if (take_path(d, (const char *)sqlite3_column_text(q, 0),
			      (size_t)sqlite3_column_bytes(q, 0), sd, sdlen, res, err) < 0)
			goto out;
	if (step != SQLITE_DONE) {
		if (seen->scan)
			rc = 1;
		else
			db_fail(d, err, "cannot query the closure");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(q);
	/* the function points at seen: drop it before seen goes */
	sqlite3_create_function(d->h, "nix_closure_first", 1, SQLITE_UTF8,
				NULL, NULL, NULL, NULL);
	return rc;
}

/* All of Refs read into a graph (lib/ref_graph.c); max_id: ValidPaths'
 * highest id. 0, -1 (err), or 1 when the ids do not fit one. */
static int read_ref_graph(struct db *d, sqlite3_int64 max_id, struct ref_graph *g,
			  struct nix_err *err)
{
	sqlite3_stmt *st = NULL;
	int step;

	if (sqlite3_prepare_v2(d->h, "SELECT referrer, reference FROM Refs", -1, &st,
			       NULL) != SQLITE_OK)
		return db_fail(d, err, "cannot query");
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		if (ref_graph_add(g, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1)) < 0)
			break;
	sqlite3_finalize(st);
	if (step == SQLITE_ROW || (step == SQLITE_DONE && ref_graph_finish(g, (uint32_t)max_id) < 0))
		return errno == ENOMEM ? nix_err_errno(err, errno, "%s", d->name) : 1;
	if (step != SQLITE_DONE)
		return db_fail(d, err, "cannot query the closure");
	return 0;
}

/* The closure walked in memory, then its paths in one pass over
 * ValidPaths: the same set as the query's (paths of the ids reached that
 * are in ValidPaths). 0, -1 (err), or 1 when Refs does not fit a graph. */
static int closure_by_scan(struct db *d, const sqlite3_int64 *ids, size_t nids,
			   sqlite3_int64 max_id, const char *sd, size_t sdlen,
			   struct nix_path_set *res, struct nix_err *err)
{
	struct ref_graph g = { 0 };
	sqlite3_stmt *st = NULL;
	uint32_t *roots = NULL;
	uint8_t *marks = NULL;
	int rc, step;

	d->scanning = true;
	rc = read_ref_graph(d, max_id, &g, err);
	if (rc != 0)
		goto out;
	rc = -1;
	roots = malloc((nids ? nids : 1) * sizeof(*roots));
	marks = calloc((size_t)g.max_id + 1, 1);
	if (!roots || !marks) {
		nix_err_errno(err, errno, "%s", d->name);
		goto out;
	}
	for (size_t i = 0; i < nids; i++)
		roots[i] = (uint32_t)ids[i]; /* ids <= max_id <= REF_GRAPH_MAX_ID */
	if (ref_graph_reach(&g, roots, nids, marks) == (size_t)-1) {
		nix_err_errno(err, ENOMEM, "%s", d->name);
		goto out;
	}
	if (sqlite3_prepare_v2(d->h, "SELECT id, path FROM ValidPaths", -1, &st,
			       NULL) != SQLITE_OK) {
		db_fail(d, err, "cannot query");
		goto out;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 id = sqlite3_column_int64(st, 0);

		if (id < 0 || id > (sqlite3_int64)g.max_id || !marks[id])
			continue;
		if (take_path(d, (const char *)sqlite3_column_text(st, 1),
			      (size_t)sqlite3_column_bytes(st, 1), sd, sdlen, res, err) < 0)
			goto out;
	}
	if (step != SQLITE_DONE) {
		db_fail(d, err, "cannot query the closure");
		goto out;
	}
	rc = 0;
out:
	d->scanning = false;
	sqlite3_finalize(st);
	ref_graph_free(&g);
	free(roots);
	free(marks);
	return rc;
}

/* ValidPaths' highest id (its rowid: one b-tree descent); -1 on error. */
static sqlite3_int64 db_max_id(struct db *d)
{
	sqlite3_stmt *st = NULL;
	sqlite3_int64 id = -1;

	if (sqlite3_prepare_v2(d->h, "SELECT max(id) FROM ValidPaths", -1, &st,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

/* When the query gives way to the scan: once the part walked has cost
 * about what one pass over all of Refs costs (a quarter of the store's
 * ids, an index lookup costing ~4 x a row read in order,
 * bench/closure-parts), as in renting skis until their price is paid: the
 * two together then cost at most twice the cheaper one, whatever the
 * closure's final size (at an eighth, a 1,000-path closure of a 6,000-path
 * store took 4.2 ms instead of 2.6). Never for small closures
 * (d->scan_min) or ids that do not fit a ref_graph. */
static size_t scan_threshold(struct db *d, sqlite3_int64 max_id)
{
	if (d->scan_min == SIZE_MAX || max_id < 0 || max_id > REF_GRAPH_MAX_ID)
		return SIZE_MAX;
	return (size_t)max_id / 4 > d->scan_min ? (size_t)max_id / 4 : d->scan_min;
}

int db_closure(struct db *d, const struct nix_path_set *roots,
	       struct nix_path_set *out, struct nix_err *err)
{
	struct nix_path_set res = {0};
	struct id_set seen = {0};
	sqlite3_int64 *ids = NULL, max_id;
	char sd[CLOSURE_STORE_DIR_MAX + 1], qb[QBUF];
	const char *slash;
	size_t sdlen;
	int rc = -1;

	if (!roots->len)
		return nix_err_set(err, "no store paths given");
	/* The store dir is that of the first root. */
	slash = strrchr(roots->paths[0], '/');
	sdlen = slash ? (size_t)(slash - roots->paths[0]) : 0;
	if (sdlen == 0 || sdlen > CLOSURE_STORE_DIR_MAX)
		return nix_err_set(err, "'%s' is not a store path",
				   sp_quotes(qb, sizeof(qb), roots->paths[0]));
	memcpy(sd, roots->paths[0], sdlen);
	sd[sdlen] = '\0';
	for (size_t i = 0; i < roots->len; i++)
		if (nix_store_path_valid(roots->paths[i], sd) < 0)
			return nix_err_set(err, "'%s' is not a store path in %s",
					   sp_quotes(qb, sizeof(qb), roots->paths[i]), sd);

	db_arm(d);
	ids = calloc(roots->len, sizeof(*ids));
	if (!ids)
		return nix_err_errno(err, errno, "%s", d->name);
	if (root_ids(d, roots, ids, err) < 0)
		goto out;
	max_id = db_max_id(d);
	seen.scan_at = scan_threshold(d, max_id);
	rc = closure_by_query(d, &seen, sd, sdlen, &res, err);
	if (rc == 1) {
		nix_path_set_free(&res);
		rc = closure_by_scan(d, ids, roots->len, max_id, sd, sdlen, &res, err);
	}
	if (rc == 1) { /* Refs does not fit a graph: the query, to its end */
		free(seen.slots);
		seen = (struct id_set){ .scan_at = SIZE_MAX };
		nix_path_set_free(&res);
		rc = closure_by_query(d, &seen, sd, sdlen, &res, err);
	}
	if (rc < 0)
		goto out;
	rc = -1;
	ps_normalize(&res);
	if (ps_merge(out, &res) < 0) {
		nix_err_errno(err, errno, "%s", d->name);
		goto out;
	}
	rc = 0;
out:
	free(ids);
	free(seen.slots);
	nix_path_set_free(&res);
	return rc;
}

int closure_from_db(const char *db_path, const struct nix_path_set *roots,
		    struct nix_path_set *out, struct nix_err *err)
{
	char name[QBUF + 2], q[QBUF];
	struct db d;
	int rc;

	snprintf(name, sizeof(name), "'%s'", sp_quotes(q, sizeof(q), db_path));
	if (!roots->len)
		return nix_err_set(err, "no store paths given");
	if (db_open(&d, db_path, name, err) < 0)
		return -1;
	rc = db_closure(&d, roots, out, err);
	db_close(&d);
	return rc;
}
