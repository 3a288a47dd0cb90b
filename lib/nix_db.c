#include "nix_db.h"
#include "nix_db_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


static int db_progress(void *arg)
{
	struct db *d = arg;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > d->deadline.tv_sec ||
	       (now.tv_sec == d->deadline.tv_sec && now.tv_nsec > d->deadline.tv_nsec);
}

void db_arm(struct db *d)
{
	clock_gettime(CLOCK_MONOTONIC, &d->deadline);
	d->deadline.tv_sec += CLOSURE_DB_TIMEOUT_MS / 1000;
	d->deadline.tv_nsec += (CLOSURE_DB_TIMEOUT_MS % 1000) * 1000000L;
	if (d->deadline.tv_nsec >= 1000000000L) {
		d->deadline.tv_sec++;
		d->deadline.tv_nsec -= 1000000000L;
	}
}

int db_fail(struct db *d, struct nix_err *err, const char *what)
{
	if (sqlite3_errcode(d->h) == SQLITE_INTERRUPT)
		return nix_err_set(err, "%s: %s took longer than %d ms", d->name,
				   what, CLOSURE_DB_TIMEOUT_MS);
	return nix_err_set(err, "%s: %s: %s", d->name, what, sqlite3_errmsg(d->h));
}

void db_close(struct db *d)
{
	sqlite3_close(d->h);
	d->h = NULL;
}

/* SQLite's unix VFS turns a file name into a canonical one by resolving
 * every symlink itself (readlink), which would turn "/proc/self/fd/N/..."
 * back into a path name: wrong if N was opened in another mount namespace
 * or root, and racy.  This VFS is "unix" with xFullPathname keeping the
 * (absolute) name as it is, so the kernel follows /proc/self/fd/N.  The
 * unix VFS opens with O_NOFOLLOW: the final component must not be a
 * symlink. */
#define NIX_VFS "spank-nix-unix"
static sqlite3_vfs nix_vfs;
static int nix_vfs_rc = SQLITE_ERROR;
static pthread_once_t nix_vfs_once = PTHREAD_ONCE_INIT;

static int nix_vfs_fullpathname(sqlite3_vfs *vfs, const char *name, int n,
				char *out)
{
	size_t len = strlen(name);

	(void)vfs;
	if (name[0] != '/' || len >= (size_t)n)
		return SQLITE_CANTOPEN;
	memcpy(out, name, len + 1);
	return SQLITE_OK;
}

static void nix_vfs_init(void)
{
	sqlite3_vfs *unix_vfs = sqlite3_vfs_find("unix");

	if (!unix_vfs)
		return;
	nix_vfs = *unix_vfs;
	nix_vfs.pNext = NULL;
	nix_vfs.zName = NIX_VFS;
	nix_vfs.xFullPathname = nix_vfs_fullpathname;
	nix_vfs_rc = sqlite3_vfs_register(&nix_vfs, 0);
}

int db_open(struct db *d, const char *db_path, const char *name,
	    struct nix_err *err)
{
	static const char hex[] = "0123456789ABCDEF";
	static const char suffix[] = "?immutable=1&mode=ro";
	size_t len = strnlen(db_path, CLOSURE_PATH_MAX + 1), o;
	sqlite3_stmt *st = NULL;
	char *uri;
	int rc, flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;

	d->h = NULL;
	d->name = name;
	d->scan_min = DB_SCAN_MIN;
	d->emit = NULL;
	d->emit_ctx = NULL;
	d->scanning = false;
	pthread_once(&nix_vfs_once, nix_vfs_init);
	if (nix_vfs_rc != SQLITE_OK)
		return nix_err_set(err, "%s: cannot set up SQLite's VFS", name);
	if (db_path[0] != '/')
		return nix_err_set(err, "%s: not an absolute path", name);
	if (len > CLOSURE_PATH_MAX)
		return nix_err_set(err, "%s: path too long", name);
	uri = malloc(5 + 3 * len + sizeof(suffix));
	if (!uri)
		return nix_err_errno(err, errno, "%s", name);
	memcpy(uri, "file:", 5);
	o = 5;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)db_path[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '/' || c == '.' || c == '-' ||
		    c == '_' || c == '~' || c == '+') {
			uri[o++] = (char)c;
		} else {
			uri[o++] = '%';
			uri[o++] = hex[c >> 4];
			uri[o++] = hex[c & 15];
		}
	}
	memcpy(uri + o, suffix, sizeof(suffix));
	rc = sqlite3_open_v2(uri, &d->h, flags, NIX_VFS);
	free(uri);
	if (rc != SQLITE_OK) {
		nix_err_set(err, "cannot open %s: %s", name,
			    d->h ? sqlite3_errmsg(d->h) : sqlite3_errstr(rc));
		db_close(d);
		return -1;
	}
	/* The file is the user's: do not trust its schema. */
	sqlite3_db_config(d->h, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
#ifdef SQLITE_DBCONFIG_TRUSTED_SCHEMA
	sqlite3_db_config(d->h, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
#endif
	sqlite3_limit(d->h, SQLITE_LIMIT_LENGTH, 1 << 20);
	/* a closure query touches many pages; the default cache is 2 MiB */
	sqlite3_exec(d->h, "PRAGMA cache_size = -16384", NULL, NULL, NULL);
	sqlite3_progress_handler(d->h, 1000, db_progress, d);
	db_arm(d);
	rc = sqlite3_prepare_v2(d->h,
		"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
		"name IN ('ValidPaths', 'Refs')", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		db_fail(d, err, "cannot read");
		sqlite3_finalize(st);
		db_close(d);
		return -1;
	}
	rc = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != 2) {
		db_close(d);
		return nix_err_set(err, "%s is not a Nix store database (no ValidPaths or Refs table)",
				   name);
	}
	return 0;
}

/* Path -> id: 1 found, 0 not, -1 error. */
int db_lookup(struct db *d, sqlite3_stmt *st, const char *path,
		     sqlite3_int64 *id, struct nix_err *err)
{
	int rc;

	sqlite3_reset(st);
	if (sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC) != SQLITE_OK)
		return db_fail(d, err, "cannot look up a path");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		return 1;
	}
	if (rc == SQLITE_DONE)
		return 0;
	return db_fail(d, err, "cannot look up a path");
}

int db_check_valid(struct db *d, const struct nix_path_set *paths,
		   struct nix_err *err)
{
	sqlite3_stmt *st = NULL;
	char q[QBUF];
	int rc = 0;

	db_arm(d);
	if (sqlite3_prepare_v2(d->h, "SELECT id FROM ValidPaths WHERE path = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(d, err, "cannot query");
	for (size_t i = 0; i < paths->len && rc == 0; i++) {
		sqlite3_int64 id;
		int found = db_lookup(d, st, paths->paths[i], &id, err);

		if (found < 0)
			rc = -1;
		else if (!found)
			rc = nix_err_set(err, "%s is not a valid path in the store",
					 sp_quotes(q, sizeof(q), paths->paths[i]));
	}
	sqlite3_finalize(st);
	return rc;
}

int db_exec(struct db *d, const char *sql, struct nix_err *err)
{
	if (sqlite3_exec(d->h, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(d, err, "cannot query");
	return 0;
}

int closure_check_valid(const char *db_path, const struct nix_path_set *paths,
			struct nix_err *err)
{
	char name[QBUF + 2], q[QBUF];
	struct db d;
	int rc;

	snprintf(name, sizeof(name), "'%s'", sp_quotes(q, sizeof(q), db_path));
	if (!paths->len)
		return 0;
	if (db_open(&d, db_path, name, err) < 0)
		return -1;
	rc = db_check_valid(&d, paths, err);
	db_close(&d);
	return rc;
}
