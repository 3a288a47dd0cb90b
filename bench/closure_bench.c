/* closure_bench: time closure_resolve (lib/closure.c) on synthetic Nix DBs:
 * closures of 100, 1,000 and 5,000 paths in a DB of 4x as many paths, each
 * path referencing itself, the next one and FAN random later ones of its
 * closure.  Prints the median of 21 runs for a store-path SPEC (recursive
 * query) and for the same closure given as a `nix-store -qR` list (read +
 * validity check).  Usage: closure_bench [FAN (default 4)] */
#include "closure.h"

#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SD "/nix/store"
#define RUNS 21

static const char b32[] = "0123456789abcdfghijklmnpqrsvwxyz";
static char dir[64];

static void die(const char *what, const char *msg)
{
	fprintf(stderr, "closure_bench: %s: %s\n", what, msg);
	exit(1);
}

static void path_of(unsigned long n, char *out, size_t len)
{
	unsigned long long x = n * 0x9E3779B97F4A7C15ull + 7;
	char h[33];

	for (int i = 0; i < 32; i++) {
		x ^= x >> 29;
		x *= 0xBF58476D1CE4E5B9ull;
		x ^= x >> 32;
		h[i] = b32[x & 31];
	}
	h[32] = '\0';
	snprintf(out, len, SD "/%s-pkg-%lu", h, n);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void sh(const char *fmt, const char *arg)
{
	char cmd[PATH_MAX];

	snprintf(cmd, sizeof(cmd), fmt, arg);
	if (system(cmd) != 0)
		die("command failed", cmd);
}

/* <dir>/root/var/nix/db/db.sqlite with n paths; closure of 1 = 1..c.
 * Returns the number of references. */
static long make_store(unsigned long n, unsigned long c, int fan)
{
	char file[PATH_MAX], p[512];
	sqlite3 *db;
	sqlite3_stmt *ins, *ref;
	long nrefs = 0;

	sh("rm -rf '%s/root'", dir);
	sh("mkdir -p '%s/root/store'", dir);
	sh("mkdir -p '%s/root/var/nix/db'", dir);
	snprintf(file, sizeof(file), "%s/root/var/nix/db/db.sqlite", dir);
	if (sqlite3_open(file, &db) != SQLITE_OK ||
	    sqlite3_exec(db,
		"CREATE TABLE ValidPaths (id integer primary key autoincrement not null,"
		" path text unique not null, hash text not null,"
		" registrationTime integer not null, deriver text, narSize integer,"
		" ultimate integer, sigs text, ca text);"
		"CREATE TABLE Refs (referrer integer not null, reference integer not null,"
		" primary key (referrer, reference));"
		"CREATE INDEX IndexReferrer ON Refs(referrer);"
		"CREATE INDEX IndexReference ON Refs(reference);"
		"BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO ValidPaths (id, path, hash, registrationTime)"
			       " VALUES (?1, ?2, 'sha256:x', 1)", -1, &ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO Refs VALUES (?1, ?2)", -1, &ref,
			       NULL) != SQLITE_OK)
		die(file, sqlite3_errmsg(db));
	srand(42);
	for (unsigned long i = 1; i <= n; i++) {
		unsigned long hi = i <= c ? c : n;
		unsigned long to[2 + 64];
		int k = 0;

		path_of(i, p, sizeof(p));
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, (sqlite3_int64)i);
		sqlite3_bind_text(ins, 2, p, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(ins) != SQLITE_DONE)
			die(file, sqlite3_errmsg(db));
		to[k++] = i;
		if (i != c && i != n)
			to[k++] = i + 1;
		for (int f = 0; f < fan && hi > i; f++)
			to[k++] = i + 1 + (unsigned long)rand() % (hi - i);
		for (int j = 0; j < k; j++) {
			sqlite3_reset(ref);
			sqlite3_bind_int64(ref, 1, (sqlite3_int64)i);
			sqlite3_bind_int64(ref, 2, (sqlite3_int64)to[j]);
			if (sqlite3_step(ref) != SQLITE_DONE)
				die(file, sqlite3_errmsg(db));
			nrefs += sqlite3_changes(db);
		}
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(ref);
	if (sqlite3_exec(db, "COMMIT; PRAGMA journal_mode=WAL;", NULL, NULL, NULL) != SQLITE_OK)
		die(file, sqlite3_errmsg(db));
	sqlite3_close(db);
	return nrefs;
}

static double time_resolve(int root, const char *arg, size_t want)
{
	double t[RUNS];

	for (int r = 0; r < RUNS; r++) {
		struct closure_spec_list l;
		struct nix_path_set out = {0};
		struct nix_err err;
		double t0 = now_ms();

		if (closure_spec_parse(arg, SD, &l, &err) < 0 ||
		    closure_resolve(root, SD, &l, &out, &err) < 0)
			die(arg, err.msg);
		t[r] = now_ms() - t0;
		if (out.len != want)
			die(arg, "unexpected closure size");
		closure_spec_list_free(&l);
		nix_path_set_free(&out);
	}
	qsort(t, RUNS, sizeof(double), cmp_d);
	return t[RUNS / 2];
}

int main(int argc, char **argv)
{
	static const unsigned long sizes[] = {100, 1000, 5000};
	int fan = argc > 1 ? atoi(argv[1]) : 4;
	char root_path[PATH_MAX], list[PATH_MAX], p[512];

	if (fan < 0 || fan > 64)
		die("FAN", "must be 0..64");
	snprintf(dir, sizeof(dir), "/tmp/closure_bench.XXXXXX");
	if (!mkdtemp(dir))
		die("mkdtemp", "failed");
	printf("closure_resolve, median of %d runs, %d random refs per path:\n", RUNS, fan);
	printf("%8s %8s %9s %18s %14s\n", "closure", "DB", "refs", "store path (ms)", "-qR list (ms)");
	for (size_t s = 0; s < sizeof(sizes) / sizeof(*sizes); s++) {
		unsigned long c = sizes[s], n = 4 * c;
		long nrefs = make_store(n, c, fan);
		FILE *f;
		int root;

		snprintf(root_path, sizeof(root_path), "%s/root", dir);
		snprintf(list, sizeof(list), "%s/list", dir);
		f = fopen(list, "w");
		if (!f)
			die(list, "cannot create");
		for (unsigned long i = c; i >= 1; i--) {
			path_of(i, p, sizeof(p));
			fprintf(f, "%s\n", p);
		}
		fclose(f);
		root = open(root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (root < 0)
			die(root_path, "cannot open");
		path_of(1, p, sizeof(p));
		double ts = time_resolve(root, p, c);
		double tl = time_resolve(root, list, c);
		printf("%8lu %8lu %9ld %18.2f %14.2f\n", c, n, nrefs, ts, tl);
		close(root);
	}
	sh("rm -rf '%s'", dir);
	return 0;
}
