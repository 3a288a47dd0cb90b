#include "nix_path.h"

#include <string.h>

const char *nix_path_next(const char **p, size_t *len)
{
	const char *start = *p;

	while (*start == '/')
		start++;
	if (!*start)
		return NULL;
	*p = strchrnul(start, '/');
	*len = (size_t)(*p - start);
	return start;
}

int nix_path_normalize(const char *in, char *out, size_t outlen,
		       struct nix_err *err)
{
	size_t o = 0, len;
	const char *p = in;

	if (!in || in[0] == '\0')
		return nix_err_set(err, "empty path");
	if (in[0] != '/')
		return nix_err_set(err, "not an absolute path");

	for (const char *c; (c = nix_path_next(&p, &len));) {
		if (len == 1 && c[0] == '.')
			continue;
		if (len == 2 && c[0] == '.' && c[1] == '.')
			return nix_err_set(err, "contains a '..' component");
		if (o + 1 + len + 1 > outlen)
			return nix_err_set(err, "path too long");
		out[o++] = '/';
		memcpy(out + o, c, len);
		o += len;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return 0;
}

int nix_path_expand(const char *in, const char *home, const char *user,
		    char *out, size_t outlen, struct nix_err *err)
{
	char buf[4096];
	size_t o = 0;
	const char *p = in;

	if (!in || in[0] == '\0')
		return nix_err_set(err, "empty path");

#define PUT(s, n)                                                    \
	do {                                                         \
		size_t n_ = (n);                                     \
		if (o + n_ >= sizeof(buf))                           \
			return nix_err_set(err, "path too long");    \
		memcpy(buf + o, (s), n_);                            \
		o += n_;                                             \
	} while (0)

	if (p[0] == '~' && (p[1] == '/' || p[1] == '\0')) {
		if (!home || !*home)
			return nix_err_set(err, "cannot expand '~': no home directory");
		PUT(home, strlen(home));
		p++;
	}
	for (; *p; p++) {
		if (*p != '%') {
			PUT(p, 1);
			continue;
		}
		switch (p[1]) {
		case 'h':
			if (!home || !*home)
				return nix_err_set(err, "cannot expand '%%h': no home directory");
			PUT(home, strlen(home));
			break;
		case 'u':
			if (!user || !*user)
				return nix_err_set(err, "cannot expand '%%u': no user name");
			PUT(user, strlen(user));
			break;
		case '%':
			PUT("%", 1);
			break;
		default:
			return nix_err_set(err, "unknown escape '%%%c' (use %%h, %%u or %%%%)",
					   p[1] ? p[1] : ' ');
		}
		p++;
	}
#undef PUT
	buf[o] = '\0';
	return nix_path_normalize(buf, out, outlen, err);
}

bool nix_path_has_prefix(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (n == 1 && prefix[0] == '/')
		return path[0] == '/';
	if (strncmp(path, prefix, n) != 0)
		return false;
	return path[n] == '\0' || path[n] == '/';
}
