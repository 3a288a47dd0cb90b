#include "closure_spec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK 65536

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

int closure_spec_parse_one(const char *s, size_t len, size_t idx,
			   const char *sd, size_t sdlen,
			   struct closure_spec *item, struct nix_err *err)
{
	char q[QBUF], why[NIX_ERR_MAX];
	char *norm;
	size_t nlen;

	if (len == 0)
		return nix_err_set(err, "SPEC %zu is empty", idx + 1);
	if (len > CLOSURE_PATH_MAX)
		return nix_err_set(err, "SPEC %zu ('%s') is longer than %d bytes",
				   idx + 1, sp_quote(q, sizeof(q), s, len), CLOSURE_PATH_MAX);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return nix_err_set(err, "'%s' contains a control character",
					   sp_quote(q, sizeof(q), s, len));
	}
	if (s[0] != '/')
		return nix_err_set(err, "'%s' is not an absolute path",
				   sp_quote(q, sizeof(q), s, len));
	norm = malloc(len + 2);
	if (!norm)
		return nix_err_errno(err, errno, "cannot parse SPEC");
	if (normalize_path(s, len, norm) < 0) {
		free(norm);
		return nix_err_set(err, "'%s' has a '..' component",
				   sp_quote(q, sizeof(q), s, len));
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
			store_path_describe(why, sizeof(why), pb, norm, nlen, sd);
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
				   sp_quotes(q, sizeof(q), store_dir));
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
		if (closure_spec_parse_one(arg + start, i - start, l.len,
					   store_dir, sdlen, &l.items[l.len],
					   err) < 0) {
			closure_spec_list_free(&l);
			return -1;
		}
		l.len++;
		start = i + 1;
	}
	*out = l;
	return 0;
}

/* ---- list files ---- */

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
		store_path_describe(why, sizeof(why), pb, line, len, r->sd);
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
				   sp_quotes(q, sizeof(q), store_dir));
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
