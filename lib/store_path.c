#include "store_path.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define HASH_LEN 32

/* Quote user text for an error line: printable ASCII kept, the rest as
 * \xNN, truncated with "...".  Returns buf. */
const char *sp_quote(char *buf, size_t n, const char *s, size_t len)
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

const char *sp_quotes(char *buf, size_t n, const char *s)
{
	return sp_quote(buf, n, s, s ? strnlen(s, CLOSURE_PATH_MAX + 1) : 0);
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
int store_dir_check(const char *sd, size_t *lenp)
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

/* What is wrong with p[0..len) as a store path under sd (sdlen bytes). */
enum sp_problem store_path_problem(const char *p, size_t len,
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
void store_path_describe(char *out, size_t n, enum sp_problem pb,
			 const char *p, size_t len, const char *sd)
{
	char q[QBUF], qs[QBUF];
	const char *why = "is not a store path";

	switch (pb) {
	case SP_OK: why = "is a store path"; break;
	case SP_TOO_LONG: why = "is too long for a store path"; break;
	case SP_DOTDOT: why = "has a '..' component"; break;
	case SP_OUTSIDE:
		snprintf(out, n, "'%s' is not in the store (%s)",
			 sp_quote(q, sizeof(q), p, len), sp_quotes(qs, sizeof(qs), sd));
		return;
	case SP_STORE_DIR: why = "is the store directory, not a store path"; break;
	case SP_HASH: why = "does not start with a 32-character nix-base32 hash"; break;
	case SP_NO_NAME: why = "has no '-<name>' after its hash"; break;
	case SP_NAME_LONG: why = "has a name longer than 211 characters"; break;
	case SP_NAME_CHAR: why = "has a character not allowed in a store path name"; break;
	case SP_NAME_DOT: why = "has the name '.' or '..'"; break;
	case SP_BELOW: why = "is below a store path, not a store path"; break;
	}
	snprintf(out, n, "'%s' %s", sp_quote(q, sizeof(q), p, len), why);
}

int nix_store_path_valid(const char *path, const char *store_dir)
{
	size_t sdlen;

	if (!path || store_dir_check(store_dir, &sdlen) < 0)
		return -1;
	return store_path_problem(path, strnlen(path, CLOSURE_PATH_MAX + 1),
				  store_dir, sdlen) == SP_OK ? 0 : -1;
}
