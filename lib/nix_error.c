#include "nix_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
