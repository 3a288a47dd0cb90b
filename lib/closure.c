#include "closure.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#define HASH_LEN 32
#define READ_CHUNK 65536
#define QUOTE_MAX 96            /* chars of user text quoted in an error */
#define QBUF (QUOTE_MAX * 4 + 8)

/* ---- helpers ---------------------------------------------------------- */

/* Quote user text for an error line: printable ASCII kept, the rest as
 * \xNN, truncated with "...".  Returns buf. */
static const char *quote(char *buf, size_t n, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, shown = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (shown == QUOTE_MAX) {
			if (o + 4 <= n) {
				memcpy(buf + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
			if (o + 2 > n)
				break;
			buf[o++] = (char)c;
		} else {
			if (o + 5 > n)
				break;
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
		shown++;
	}
	buf[o] = '\0';
	return buf;
}

static const char *quotes(char *buf, size_t n, const char *s)
{
	return quote(buf, n, s, s ? strnlen(s, CLOSURE_PATH_MAX + 1) : 0);
}

static bool is_base32(unsigned char c)
{
	/* 0-9 a-z without e o u t */
	return (c >= '0' && c <= '9') ||
	       (c >= 'a' && c <= 'z' && c != 'e' && c != 'o' && c != 'u' && c != 't');
}

static bool is_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' ||
	       c == '_' || c == '?' || c == '=';
}

/* store_dir: absolute, no trailing '/', no empty/"."/".." component, no
 * control characters, not "/". */
static int store_dir_check(const char *sd, size_t *lenp)
{
	size_t len, i, comp = 0;

	if (!sd || sd[0] != '/')
		return -1;
	len = strnlen(sd, CLOSURE_STORE_DIR_MAX + 1);
	if (len < 2 || len > CLOSURE_STORE_DIR_MAX || sd[len - 1] == '/')
		return -1;
	for (i = 1; i <= len; i++) {
		unsigned char c = (unsigned char)sd[i];

		if (c == '/' || c == '\0') {
			size_t clen = i - comp - 1;
			const char *cs = sd + comp + 1;

			if (clen == 0 || (clen == 1 && cs[0] == '.') ||
			    (clen == 2 && cs[0] == '.' && cs[1] == '.'))
				return -1;
			comp = i;
		} else if (c < 0x20 || c == 0x7f) {
			return -1;
		}
	}
	*lenp = len;
	return 0;
}

static bool has_dotdot(const char *p, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i == len || p[i] == '/') {
			if (i - start == 2 && p[start] == '.' && p[start + 1] == '.')
				return true;
			start = i + 1;
		}
	}
	return false;
}

enum sp_problem {
	SP_OK,
	SP_TOO_LONG,
	SP_DOTDOT,
	SP_OUTSIDE,
	SP_STORE_DIR,
	SP_HASH,
	SP_NO_NAME,
	SP_NAME_LONG,
	SP_NAME_CHAR,
	SP_NAME_DOT,
	SP_BELOW,
};

/* What is wrong with p[0..len) as a store path under sd (sdlen bytes). */
static enum sp_problem store_path_problem(const char *p, size_t len,
					  const char *sd, size_t sdlen)
{
	const char *b, *slash, *name;
	size_t blen, clen, nlen;

	if (len > CLOSURE_PATH_MAX)
		return SP_TOO_LONG;
	if (has_dotdot(p, len))
		return SP_DOTDOT;
	if (len < sdlen || memcmp(p, sd, sdlen) != 0 ||
	    (len > sdlen && p[sdlen] != '/'))
		return SP_OUTSIDE;
	if (len <= sdlen + 1)
		return SP_STORE_DIR;
	b = p + sdlen + 1;
	blen = len - sdlen - 1;
	slash = memchr(b, '/', blen);
	clen = slash ? (size_t)(slash - b) : blen;
	if (clen < HASH_LEN)
		return clen == 0 ? SP_STORE_DIR : SP_HASH;
	for (size_t i = 0; i < HASH_LEN; i++)
		if (!is_base32((unsigned char)b[i]))
			return SP_HASH;
	if (clen == HASH_LEN || b[HASH_LEN] != '-' || clen == HASH_LEN + 1)
		return SP_NO_NAME;
	name = b + HASH_LEN + 1;
	nlen = clen - HASH_LEN - 1;
	if (nlen > CLOSURE_NAME_MAX)
		return SP_NAME_LONG;
	for (size_t i = 0; i < nlen; i++)
		if (!is_name_char((unsigned char)name[i]))
			return SP_NAME_CHAR;
	if (name[0] == '.' && (nlen == 1 || (nlen == 2 && name[1] == '.')))
		return SP_NAME_DOT;
	return slash ? SP_BELOW : SP_OK;
}

/* "'<p>' <what is wrong>" */
static void describe(char *out, size_t n, enum sp_problem pb, const char *p,
		     size_t len, const char *sd)
{
	char q[QBUF], qs[QBUF];
	const char *why = "is not a store path";

	switch (pb) {
	case SP_OK: why = "is a store path"; break;
	case SP_TOO_LONG: why = "is too long for a store path"; break;
	case SP_DOTDOT: why = "has a '..' component"; break;
	case SP_OUTSIDE:
		snprintf(out, n, "'%s' is not in the store (%s)",
			 quote(q, sizeof(q), p, len), quotes(qs, sizeof(qs), sd));
		return;
	case SP_STORE_DIR: why = "is the store directory, not a store path"; break;
	case SP_HASH: why = "does not start with a 32-character nix-base32 hash"; break;
	case SP_NO_NAME: why = "has no '-<name>' after its hash"; break;
	case SP_NAME_LONG: why = "has a name longer than 211 characters"; break;
	case SP_NAME_CHAR: why = "has a character not allowed in a store path name"; break;
	case SP_NAME_DOT: why = "has the name '.' or '..'"; break;
	case SP_BELOW: why = "is below a store path, not a store path"; break;
	}
	snprintf(out, n, "'%s' %s", quote(q, sizeof(q), p, len), why);
}

int nix_store_path_valid(const char *path, const char *store_dir)
{
	size_t sdlen;

	if (!path || store_dir_check(store_dir, &sdlen) < 0)
		return -1;
	return store_path_problem(path, strnlen(path, CLOSURE_PATH_MAX + 1),
				  store_dir, sdlen) == SP_OK ? 0 : -1;
}

/* ---- path sets -------------------------------------------------------- */

void nix_path_set_free(struct nix_path_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->len; i++)
		free(set->paths[i]);
	free(set->paths);
	set->paths = NULL;
	set->len = set->cap = 0;
}

static int ps_reserve(struct nix_path_set *s, size_t extra)
{
	size_t want, cap;
	char **p;

	if (extra > SIZE_MAX / sizeof(char *) - s->len) {
		errno = ENOMEM;
		return -1;
	}
	want = s->len + extra;
	if (want <= s->cap)
		return 0;
	cap = s->cap ? s->cap : 16;
	while (cap < want)
		cap = cap > SIZE_MAX / (2 * sizeof(char *)) ? want : cap * 2;
	p = realloc(s->paths, cap * sizeof(char *));
	if (!p)
		return -1;
	s->paths = p;
	s->cap = cap;
	return 0;
}

/* Append a copy of p[0..len), unsorted.  Skips an exact repeat of the last
 * element (cheap dedup of repeated lines). */
static int ps_push(struct nix_path_set *s, const char *p, size_t len)
{
	char *c;

	if (s->len && strlen(s->paths[s->len - 1]) == len &&
	    memcmp(s->paths[s->len - 1], p, len) == 0)
		return 0;
	if (ps_reserve(s, 1) < 0)
		return -1;
	c = malloc(len + 1);
	if (!c)
		return -1;
	memcpy(c, p, len);
	c[len] = '\0';
	s->paths[s->len++] = c;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void ps_normalize(struct nix_path_set *s)
{
	size_t o = 0;

	if (s->len < 2)
		return;
	qsort(s->paths, s->len, sizeof(char *), cmp_str);
	for (size_t i = 0; i < s->len; i++) {
		if (o && strcmp(s->paths[o - 1], s->paths[i]) == 0)
			free(s->paths[i]);
		else
			s->paths[o++] = s->paths[i];
	}
	s->len = o;
}

/* Move all of src into dst (both sorted/unique), src ends empty.  On
 * failure both are unchanged. */
static int ps_merge(struct nix_path_set *dst, struct nix_path_set *src)
{
	if (!src->len) {
		nix_path_set_free(src);
		return 0;
	}
	if (!dst->len) {
		nix_path_set_free(dst);
		*dst = *src;
		*src = (struct nix_path_set){0};
		return 0;
	}
	if (ps_reserve(dst, src->len) < 0)
		return -1;
	memcpy(dst->paths + dst->len, src->paths, src->len * sizeof(char *));
	dst->len += src->len;
	free(src->paths);
	*src = (struct nix_path_set){0};
	ps_normalize(dst);
	return 0;
}

/* Index of the first element >= path. */
static size_t ps_lower_bound(const struct nix_path_set *s, const char *path)
{
	size_t lo = 0, hi = s->len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(s->paths[mid], path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int nix_path_set_add(struct nix_path_set *set, const char *path)
{
	size_t i;
	char *c;

	if (!set->len || strcmp(set->paths[set->len - 1], path) < 0)
		return ps_push(set, path, strlen(path));
	i = ps_lower_bound(set, path);
	if (strcmp(set->paths[i], path) == 0)
		return 0;
	if (ps_reserve(set, 1) < 0)
		return -1;
	c = strdup(path);
	if (!c)
		return -1;
	memmove(set->paths + i + 1, set->paths + i, (set->len - i) * sizeof(char *));
	set->paths[i] = c;
	set->len++;
	return 0;
}

bool nix_path_set_contains(const struct nix_path_set *set, const char *path)
{
	size_t i = ps_lower_bound(set, path);

	return i < set->len && strcmp(set->paths[i], path) == 0;
}

/* ---- SPEC parser ------------------------------------------------------ */

void closure_spec_list_free(struct closure_spec_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->len; i++)
		free(list->items[i].arg);
	free(list->items);
	list->items = NULL;
	list->len = 0;
}

/* Normalise item s[0..len) (absolute) into out (>= len + 2 bytes): drop
 * empty and "." components; ".." is an error (-1). */
static int normalize_path(const char *s, size_t len, char *out)
{
	size_t o = 0, start = 1;

	for (size_t i = 1; i <= len; i++) {
		if (i < len && s[i] != '/')
			continue;
		size_t clen = i - start;
		const char *c = s + start;

		start = i + 1;
		if (clen == 0 || (clen == 1 && c[0] == '.'))
			continue;
		if (clen == 2 && c[0] == '.' && c[1] == '.')
			return -1;
		out[o++] = '/';
		memcpy(out + o, c, clen);
		o += clen;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return 0;
}

static int parse_one(const char *s, size_t len, size_t idx, const char *sd,
		     size_t sdlen, struct closure_spec *item, struct nix_err *err)
{
	char q[QBUF], why[NIX_ERR_MAX];
	char *norm;
	size_t nlen;

	if (len == 0)
		return nix_err_set(err, "SPEC %zu is empty", idx + 1);
	if (len > CLOSURE_PATH_MAX)
		return nix_err_set(err, "SPEC %zu ('%s') is longer than %d bytes",
				   idx + 1, quote(q, sizeof(q), s, len), CLOSURE_PATH_MAX);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return nix_err_set(err, "'%s' contains a control character",
					   quote(q, sizeof(q), s, len));
	}
	if (s[0] != '/')
		return nix_err_set(err, "'%s' is not an absolute path",
				   quote(q, sizeof(q), s, len));
	norm = malloc(len + 2);
	if (!norm)
		return nix_err_errno(err, errno, "cannot parse SPEC");
	if (normalize_path(s, len, norm) < 0) {
		free(norm);
		return nix_err_set(err, "'%s' has a '..' component",
				   quote(q, sizeof(q), s, len));
	}
	nlen = strlen(norm);
	if (nlen >= sdlen && memcmp(norm, sd, sdlen) == 0 &&
	    (norm[sdlen] == '/' || norm[sdlen] == '\0')) {
		/* in the store: reduce to the store path */
		char *slash = nlen > sdlen ? strchr(norm + sdlen + 1, '/') : NULL;
		enum sp_problem pb;

		if (slash) {
			*slash = '\0';
			nlen = (size_t)(slash - norm);
		}
		pb = store_path_problem(norm, nlen, sd, sdlen);
		if (pb != SP_OK) {
			describe(why, sizeof(why), pb, norm, nlen, sd);
			free(norm);
			return nix_err_set(err, "%s", why);
		}
		item->kind = CLOSURE_SPEC_STORE_PATH;
	} else {
		item->kind = CLOSURE_SPEC_LIST_FILE;
	}
	item->arg = norm;
	return 0;
}

int closure_spec_parse(const char *arg, const char *store_dir,
		       struct closure_spec_list *out, struct nix_err *err)
{
	struct closure_spec_list l = {0};
	char q[QBUF];
	size_t sdlen, len, n = 1, start = 0;

	*out = (struct closure_spec_list){0};
	if (store_dir_check(store_dir, &sdlen) < 0)
		return nix_err_set(err, "invalid store directory '%s'",
				   quotes(q, sizeof(q), store_dir));
	if (!arg || !arg[0])
		return nix_err_set(err, "no SPEC given");
	len = strnlen(arg, CLOSURE_ARG_MAX + 1);
	if (len > CLOSURE_ARG_MAX)
		return nix_err_set(err, "longer than %d bytes", CLOSURE_ARG_MAX);
	for (size_t i = 0; i < len; i++)
		n += arg[i] == ',';
	if (n > CLOSURE_SPECS_MAX)
		return nix_err_set(err, "more than %d SPECs", CLOSURE_SPECS_MAX);
	l.items = calloc(n, sizeof(*l.items));
	if (!l.items)
		return nix_err_errno(err, errno, "cannot parse SPECs");
	for (size_t i = 0; i <= len; i++) {
		if (i < len && arg[i] != ',')
			continue;
		if (parse_one(arg + start, i - start, l.len, store_dir, sdlen,
			      &l.items[l.len], err) < 0) {
			closure_spec_list_free(&l);
			return -1;
		}
		l.len++;
		start = i + 1;
	}
	*out = l;
	return 0;
}

/* ---- list files ------------------------------------------------------- */

struct list_reader {
	const char *sd;
	size_t sdlen;
	size_t lineno;
	size_t npaths;
	struct nix_path_set set;
};

static int list_line(struct list_reader *r, const char *line, size_t len,
		     struct nix_err *err)
{
	char why[NIX_ERR_MAX];
	enum sp_problem pb;

	while (len && (line[0] == ' ' || line[0] == '\t' || line[0] == '\r')) {
		line++;
		len--;
	}
	while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' ||
		       line[len - 1] == '\r'))
		len--;
	if (!len)
		return 0;
	if (++r->npaths > CLOSURE_PATHS_MAX)
		return nix_err_set(err, "line %zu: more than %d store paths",
				   r->lineno, CLOSURE_PATHS_MAX);
	pb = store_path_problem(line, len, r->sd, r->sdlen);
	if (pb != SP_OK) {
		describe(why, sizeof(why), pb, line, len, r->sd);
		return nix_err_set(err, "line %zu: %s", r->lineno, why);
	}
	if (ps_push(&r->set, line, len) < 0)
		return nix_err_errno(err, errno, "line %zu", r->lineno);
	return 0;
}

int closure_read_list(int fd, const char *store_dir, struct nix_path_set *out,
		      struct nix_err *err)
{
	struct list_reader r = {.sd = store_dir, .lineno = 1};
	char q[QBUF];
	char *buf = NULL, *line = NULL;
	size_t linelen = 0, total = 0;
	int rc = -1;

	if (store_dir_check(store_dir, &r.sdlen) < 0)
		return nix_err_set(err, "invalid store directory '%s'",
				   quotes(q, sizeof(q), store_dir));
	buf = malloc(READ_CHUNK);
	line = malloc(CLOSURE_LINE_MAX);
	if (!buf || !line) {
		nix_err_errno(err, errno, "cannot read");
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf, READ_CHUNK);
		size_t i = 0;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			nix_err_errno(err, errno, "line %zu: cannot read", r.lineno);
			goto out;
		}
		if (n == 0)
			break;
		total += (size_t)n;
		if (total > CLOSURE_FILE_MAX) {
			nix_err_set(err, "larger than %u MiB", CLOSURE_FILE_MAX >> 20);
			goto out;
		}
		while (i < (size_t)n) {
			char *nl = memchr(buf + i, '\n', (size_t)n - i);
			size_t seg = (nl ? (size_t)(nl - buf) : (size_t)n) - i;

			if (memchr(buf + i, '\0', seg)) {
				nix_err_set(err, "line %zu: contains a NUL byte (not a text file)",
					    r.lineno);
				goto out;
			}
			if (seg > CLOSURE_LINE_MAX - linelen) {
				nix_err_set(err, "line %zu: longer than %d bytes",
					    r.lineno, CLOSURE_LINE_MAX);
				goto out;
			}
			memcpy(line + linelen, buf + i, seg);
			linelen += seg;
			i += seg;
			if (nl) {
				if (list_line(&r, line, linelen, err) < 0)
					goto out;
				linelen = 0;
				r.lineno++;
				i++;
			}
		}
	}
	if (linelen && list_line(&r, line, linelen, err) < 0)
		goto out;
	if (!r.set.len) {
		nix_err_set(err, "contains no store paths");
		goto out;
	}
	ps_normalize(&r.set);
	if (ps_merge(out, &r.set) < 0) {
		nix_err_errno(err, errno, "cannot read");
		goto out;
	}
	rc = 0;
out:
	nix_path_set_free(&r.set);
	free(buf);
	free(line);
	return rc;
}

int closure_read_info_dir(int dirfd, const char *store_dir,
			  struct nix_path_set *out, struct nix_err *err)
{
	struct nix_err e;
	struct stat st;
	int fd, rc;

	fd = openat(dirfd, "store-paths",
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return nix_err_set(err, "has no store-paths file (not a closureInfo directory)");
		if (errno == ELOOP)
			return nix_err_set(err, "store-paths is a symbolic link");
		return nix_err_errno(err, errno, "cannot open store-paths");
	}
	if (fstat(fd, &st) < 0) {
		rc = nix_err_errno(err, errno, "cannot stat store-paths");
	} else if (!S_ISREG(st.st_mode)) {
		rc = nix_err_set(err, "store-paths is not a regular file");
	} else {
		rc = closure_read_list(fd, store_dir, out, &e);
		if (rc < 0)
			nix_err_set(err, "store-paths: %s", e.msg);
	}
	close(fd);
	return rc;
}

/* ---- the Nix database ------------------------------------------------- */

struct db {
	sqlite3 *h;
	const char *name;       /* for errors */
	struct timespec deadline;
};

static int db_progress(void *arg)
{
	struct db *d = arg;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > d->deadline.tv_sec ||
	       (now.tv_sec == d->deadline.tv_sec && now.tv_nsec > d->deadline.tv_nsec);
}

static void db_arm(struct db *d)
{
	clock_gettime(CLOCK_MONOTONIC, &d->deadline);
	d->deadline.tv_sec += CLOSURE_DB_TIMEOUT_MS / 1000;
	d->deadline.tv_nsec += (CLOSURE_DB_TIMEOUT_MS % 1000) * 1000000L;
	if (d->deadline.tv_nsec >= 1000000000L) {
		d->deadline.tv_sec++;
		d->deadline.tv_nsec -= 1000000000L;
	}
}

static int db_fail(struct db *d, struct nix_err *err, const char *what)
{
	if (sqlite3_errcode(d->h) == SQLITE_INTERRUPT)
		return nix_err_set(err, "%s: %s took longer than %d ms", d->name,
				   what, CLOSURE_DB_TIMEOUT_MS);
	return nix_err_set(err, "%s: %s: %s", d->name, what, sqlite3_errmsg(d->h));
}

static void db_close(struct db *d)
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

static int db_open(struct db *d, const char *db_path, const char *name,
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
static int db_lookup(struct db *d, sqlite3_stmt *st, const char *path,
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

static int db_check_valid(struct db *d, const struct nix_path_set *paths,
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
					 quotes(q, sizeof(q), paths->paths[i]));
	}
	sqlite3_finalize(st);
	return rc;
}

static int db_exec(struct db *d, const char *sql, struct nix_err *err)
{
	if (sqlite3_exec(d->h, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(d, err, "cannot query");
	return 0;
}

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

static int db_closure(struct db *d, const struct nix_path_set *roots,
		      struct nix_path_set *out, struct nix_err *err)
{
	struct nix_path_set res = {0};
	struct id_set seen = {0};
	sqlite3_stmt *look = NULL, *ins = NULL, *q = NULL;
	char sd[CLOSURE_STORE_DIR_MAX + 1], qb[QBUF];
	const char *slash;
	size_t sdlen;
	int rc = -1, step;

	if (!roots->len)
		return nix_err_set(err, "no store paths given");
	/* The store dir is that of the first root. */
	slash = strrchr(roots->paths[0], '/');
	sdlen = slash ? (size_t)(slash - roots->paths[0]) : 0;
	if (sdlen == 0 || sdlen > CLOSURE_STORE_DIR_MAX)
		return nix_err_set(err, "'%s' is not a store path",
				   quotes(qb, sizeof(qb), roots->paths[0]));
	memcpy(sd, roots->paths[0], sdlen);
	sd[sdlen] = '\0';
	for (size_t i = 0; i < roots->len; i++)
		if (nix_store_path_valid(roots->paths[i], sd) < 0)
			return nix_err_set(err, "'%s' is not a store path in %s",
					   quotes(qb, sizeof(qb), roots->paths[i]), sd);

	db_arm(d);
	/* not SQLITE_DETERMINISTIC: evaluated once per row, never cached */
	if (sqlite3_create_function(d->h, "nix_closure_first", 1,
				    SQLITE_UTF8 | SQLITE_DIRECTONLY, &seen,
				    sql_first, NULL, NULL) != SQLITE_OK)
		return db_fail(d, err, "cannot set up the query");
	if (db_exec(d, "CREATE TEMP TABLE IF NOT EXISTS nix_closure_roots"
		       "(id INTEGER PRIMARY KEY); DELETE FROM temp.nix_closure_roots;",
		    err) < 0)
		return -1;
	if (sqlite3_prepare_v2(d->h, "SELECT id FROM ValidPaths WHERE path = ?1",
			       -1, &look, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(d->h, "INSERT OR IGNORE INTO temp.nix_closure_roots"
			       "(id) VALUES (?1)", -1, &ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(d->h,
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
	for (size_t i = 0; i < roots->len; i++) {
		sqlite3_int64 id;
		int found = db_lookup(d, look, roots->paths[i], &id, err);

		if (found < 0)
			goto out;
		if (!found) {
			nix_err_set(err, "%s is not a valid path in the store",
				    quotes(qb, sizeof(qb), roots->paths[i]));
			goto out;
		}
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, id);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			db_fail(d, err, "cannot query");
			goto out;
		}
	}
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(q, 0);
		size_t len = (size_t)sqlite3_column_bytes(q, 0);
		enum sp_problem pb;

		if (!p) {
			nix_err_set(err, "%s has a NULL path", d->name);
			goto out;
		}
		pb = store_path_problem(p, len, sd, sdlen);
		if (pb != SP_OK || strlen(p) != len) {
			char why[NIX_ERR_MAX];

			describe(why, sizeof(why), pb == SP_OK ? SP_NAME_CHAR : pb,
				 p, len, sd);
			nix_err_set(err, "%s: invalid path in ValidPaths: %s", d->name, why);
			goto out;
		}
		if (res.len >= CLOSURE_PATHS_MAX) {
			nix_err_set(err, "the closure has more than %d paths",
				    CLOSURE_PATHS_MAX);
			goto out;
		}
		if (ps_push(&res, p, len) < 0) {
			nix_err_errno(err, errno, "%s", d->name);
			goto out;
		}
	}
	if (step != SQLITE_DONE) {
		db_fail(d, err, "cannot query the closure");
		goto out;
	}
	ps_normalize(&res);
	if (ps_merge(out, &res) < 0) {
		nix_err_errno(err, errno, "%s", d->name);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(look);
	sqlite3_finalize(ins);
	sqlite3_finalize(q);
	/* the function points at seen: drop it before seen goes */
	sqlite3_create_function(d->h, "nix_closure_first", 1, SQLITE_UTF8,
				NULL, NULL, NULL, NULL);
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

	snprintf(name, sizeof(name), "'%s'", quotes(q, sizeof(q), db_path));
	if (!roots->len)
		return nix_err_set(err, "no store paths given");
	if (db_open(&d, db_path, name, err) < 0)
		return -1;
	rc = db_closure(&d, roots, out, err);
	db_close(&d);
	return rc;
}

int closure_check_valid(const char *db_path, const struct nix_path_set *paths,
			struct nix_err *err)
{
	char name[QBUF + 2], q[QBUF];
	struct db d;
	int rc;

	snprintf(name, sizeof(name), "'%s'", quotes(q, sizeof(q), db_path));
	if (!paths->len)
		return 0;
	if (db_open(&d, db_path, name, err) < 0)
		return -1;
	rc = db_check_valid(&d, paths, err);
	db_close(&d);
	return rc;
}

/* ---- top level -------------------------------------------------------- */

#define DB_REL "var/nix/db/db.sqlite"

/* Without a database, a list's paths (already a closure) are checked
 * against store/ itself: each must be there. */
static int store_check_present(int store_root_fd, size_t sdlen,
			       const struct nix_path_set *paths, struct nix_err *err)
{
	char rel[CLOSURE_PATH_MAX + 8], q[QBUF];
	struct stat st;

	for (size_t i = 0; i < paths->len; i++) {
		snprintf(rel, sizeof(rel), "store%s", paths->paths[i] + sdlen);
		if (fstatat(store_root_fd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return nix_err_errno(err, errno, "%s is not in the store",
					     quotes(q, sizeof(q), paths->paths[i]));
	}
	return 0;
}

/* A SPEC that is a symlink, as the `result` link nix-build leaves: read as
 * the user (we run as them), and taken as its target, which must be a
 * store path (or below one). 1: it was a link, its store path added to
 * roots; 0: not a link (the caller opens it); -1: error. */
static int spec_through_link(const char *arg, const char *store_dir, size_t sdlen,
			     struct nix_path_set *roots, struct nix_err *err)
{
	char target[CLOSURE_PATH_MAX + 1], q[QBUF], qt[QBUF];
	struct closure_spec item = { 0 };
	struct nix_err e;
	ssize_t len = readlink(arg, target, sizeof(target) - 1);
	int rc;

	if (len < 0)
		return 0; /* not a link (EINVAL), or open() will say why */
	target[len] = '\0';
	quotes(q, sizeof(q), arg);
	quotes(qt, sizeof(qt), target);
	if (parse_one(target, (size_t)len, 0, store_dir, sdlen, &item, &e) < 0 ||
	    item.kind != CLOSURE_SPEC_STORE_PATH) {
		free(item.arg);
		return nix_err_set(err, "%s: a symbolic link to %s, not to a store path in %s",
				   q, qt, store_dir);
	}
	rc = nix_path_set_add(roots, item.arg);
	free(item.arg);
	return rc < 0 ? nix_err_errno(err, errno, "%s", q) : 1;
}

/* A -qR list file or a closureInfo dir, opened as the user. */
static int read_list_spec(const char *arg, const char *store_dir,
			  struct nix_path_set *list, struct nix_err *e)
{
	struct stat st;
	int fd, rc;

	fd = open(arg, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return nix_err_set(e, "%s", strerror(errno));
	if (fstat(fd, &st) < 0)
		rc = nix_err_set(e, "%s", strerror(errno));
	else if (S_ISREG(st.st_mode))
		rc = closure_read_list(fd, store_dir, list, e);
	else if (S_ISDIR(st.st_mode))
		rc = closure_read_info_dir(fd, store_dir, list, e);
	else
		rc = nix_err_set(e, "is not a regular file or a directory");
	close(fd);
	return rc;
}

/* The store's database, if it has one: 1 opened, 0 none, -1 error. */
static int open_store_db(int store_root_fd, struct db *d, struct nix_err *err)
{
	char db_path[64];
	struct stat st;

	if (fstatat(store_root_fd, DB_REL, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return nix_err_errno(err, errno, "the store's database " DB_REL);
	}
	if (!S_ISREG(st.st_mode))
		return nix_err_set(err, "the store's " DB_REL " is not a regular file");
	snprintf(db_path, sizeof(db_path), "/proc/self/fd/%d/" DB_REL, store_root_fd);
	return db_open(d, db_path, "the store database " DB_REL, err) < 0 ? -1 : 1;
}

/* closure_resolve, or with expand_roots false closure_check: store-path
 * roots are then only checked to be valid, not closed over. A store
 * path's closure needs the database; a list is a closure already, checked
 * against the database when there is one, else against store/. */
static int resolve_specs(int store_root_fd, const char *store_dir,
			 const struct closure_spec_list *specs, bool expand_roots,
			 struct nix_path_set *out, struct nix_err *err)
{
	struct nix_path_set roots = {0}, all = {0}, list = {0};
	struct db d = {0};
	struct nix_err e;
	char q[QBUF];
	size_t sdlen;
	int rc = -1, has_db;

	if (store_dir_check(store_dir, &sdlen) < 0)
		return nix_err_set(err, "invalid store directory '%s'",
				   quotes(q, sizeof(q), store_dir));
	if (!specs->len)
		return nix_err_set(err, "no SPEC given");
	has_db = open_store_db(store_root_fd, &d, err);
	if (has_db < 0)
		return -1;

	for (size_t i = 0; i < specs->len; i++) {
		const struct closure_spec *s = &specs->items[i];

		quotes(q, sizeof(q), s->arg);
		if (s->kind == CLOSURE_SPEC_STORE_PATH) {
			if (nix_store_path_valid(s->arg, store_dir) < 0) {
				nix_err_set(err, "'%s' is not a store path in %s", q, store_dir);
				goto out;
			}
			if (nix_path_set_add(&roots, s->arg) < 0) {
				nix_err_errno(err, errno, "%s", q);
				goto out;
			}
			continue;
		}
		rc = spec_through_link(s->arg, store_dir, sdlen, &roots, err);
		if (rc < 0)
			goto out;
		if (rc == 1) {
			rc = -1;
			continue;
		}
		rc = read_list_spec(s->arg, store_dir, &list, &e);
		if (rc == 0)
			rc = has_db ? db_check_valid(&d, &list, &e)
				    : store_check_present(store_root_fd, sdlen, &list, &e);
		if (rc == 0)
			rc = ps_merge(&all, &list) < 0 ? nix_err_errno(&e, errno, "out of memory") : 0;
		nix_path_set_free(&list);
		if (rc < 0) {
			nix_err_set(err, "%s: %s", q, e.msg);
			goto out;
		}
		rc = -1;
	}
	if (roots.len && !has_db) {
		nix_err_set(err, "a store path's closure comes from the store's database, and it "
			    "has no " DB_REL " (give a `nix-store -qR` list or a closureInfo dir)");
		goto out;
	}
	if (roots.len && (expand_roots ? db_closure(&d, &roots, &all, err)
				       : db_check_valid(&d, &roots, err)) < 0)
		goto out;
	if (all.len > CLOSURE_PATHS_MAX) {
		nix_err_set(err, "the closure has more than %d paths", CLOSURE_PATHS_MAX);
		goto out;
	}
	if (ps_merge(out, &all) < 0) {
		nix_err_errno(err, errno, "out of memory");
		goto out;
	}
	rc = 0;
out:
	db_close(&d);
	nix_path_set_free(&roots);
	nix_path_set_free(&list);
	nix_path_set_free(&all);
	return rc;
}

int closure_resolve(int store_root_fd, const char *store_dir,
		    const struct closure_spec_list *specs,
		    struct nix_path_set *out, struct nix_err *err)
{
	return resolve_specs(store_root_fd, store_dir, specs, true, out, err);
}

int closure_check(int store_root_fd, const char *store_dir,
		  const struct closure_spec_list *specs, struct nix_err *err)
{
	struct nix_path_set unused = {0};
	int rc = resolve_specs(store_root_fd, store_dir, specs, false, &unused, err);

	nix_path_set_free(&unused);
	return rc;
}
