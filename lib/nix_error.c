#include "nix_error.h"

#include <stdio.h>
#include <stdlib.h>
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

bool nix_has_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (is_control(*p))
			return true;
	return false;
}

/* A message longer than err->msg keeps its head and its tail around "...":
 * the reason comes last, after the user's (maybe very long) value. */
static void set_msg(struct nix_err *err, const char *msg, size_t len)
{
	const size_t head = (NIX_ERR_MAX - 4) / 3, tail = NIX_ERR_MAX - 4 - head;

	if (len < NIX_ERR_MAX) {
		memcpy(err->msg, msg, len + 1);
		return;
	}
	memcpy(err->msg, msg, head);
	memcpy(err->msg + head, "...", 3);
	memcpy(err->msg + head + 3, msg + len - tail, tail + 1);
}

static void format(struct nix_err *err, const char *suffix, const char *fmt, va_list ap)
{
	char *msg = NULL, *full = NULL;

	if (vasprintf(&msg, fmt, ap) < 0) {
		snprintf(err->msg, sizeof(err->msg), "out of memory formatting an error");
		return;
	}
	if (suffix && asprintf(&full, "%s: %s", msg, suffix) >= 0) {
		free(msg);
		msg = full;
	}
	/* Messages quote paths and values a user chose: a newline or an
	 * escape sequence in them must not forge a line in slurmd's log or
	 * drive a terminal. Our own format strings hold no control
	 * characters, so escaping the whole message escapes every value. */
	size_t room = 4 * strlen(msg) + 1;
	char *escaped = malloc(room);

	if (escaped) {
		nix_escape(msg, escaped, room);
		free(msg);
		msg = escaped;
	}
	set_msg(err, msg, strlen(msg));
	free(msg);
}

int nix_err_set(struct nix_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	format(err, NULL, fmt, ap);
	va_end(ap);
	return -1;
}

int nix_err_errno(struct nix_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	format(err, strerror(errnum), fmt, ap);
	va_end(ap);
	return -1;
}
