#include "nix_error.h"

#include <stdio.h>
#include <string.h>

/* A control character as text: "\n", "\t", "\r", "\e", else "\xNN". */
static int escape_char(unsigned char c, char out[5])
{
	switch (c) {
	case '\n':
		return snprintf(out, 5, "\\n");
	case '\t':
		return snprintf(out, 5, "\\t");
	case '\r':
		return snprintf(out, 5, "\\r");
	case 0x1b:
		return snprintf(out, 5, "\\e");
	default:
		return snprintf(out, 5, "\\x%02x", c);
	}
}

static bool is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

size_t nix_escape(const char *in, char *out, size_t outlen)
{
	size_t o = 0;

	if (!outlen)
		return 0;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		char esc[5] = { (char)*p, '\0' };
		size_t n = is_control(*p) ? (size_t)escape_char(*p, esc) : 1;

		if (o + n >= outlen)
			break; /* truncated, never half an escape */
		memcpy(out + o, esc, n);
		o += n;
	}
	out[o] = '\0';
	return o;
}

/* Messages quote paths and values a user chose: a newline or an escape
 * sequence in them must not forge a line in slurmd's log or drive a
 * terminal. Our own format strings hold no control characters, so
 * escaping the whole message is the same as escaping every value in it;
 * escaping is idempotent, so messages quoting messages stay readable. */
static void escape_msg(struct nix_err *err)
{
	char raw[NIX_ERR_MAX];

	if (!nix_has_control(err->msg))
		return;
	memcpy(raw, err->msg, sizeof(raw));
	nix_escape(raw, err->msg, sizeof(err->msg));
}

bool nix_has_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (is_control(*p))
			return true;
	return false;
}

int nix_err_set(struct nix_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	escape_msg(err);
	return -1;
}

int nix_err_errno(struct nix_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", strerror(errnum));
	escape_msg(err);
	return -1;
}
