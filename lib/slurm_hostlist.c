#include "slurm_hostlist.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* One "prefix[ranges]suffix" (or a plain name) against node. */
static bool host_expr_has(const char *expr, size_t len, const char *node)
{
	const char *open = memchr(expr, '[', len), *close;
	size_t pre, suf, nlen = strlen(node);
	char ranges[256], *save = NULL;

	if (!open)
		return len == nlen && !strncmp(expr, node, len);
	close = memchr(open, ']', len - (size_t)(open - expr));
	if (!close || (size_t)(close - open) >= sizeof(ranges))
		return false;
	pre = (size_t)(open - expr);
	suf = len - (size_t)(close - expr) - 1;
	if (nlen <= pre + suf || strncmp(node, expr, pre) ||
	    strncmp(node + nlen - suf, close + 1, suf))
		return false;
	/* the number between prefix and suffix */
	size_t dlen = nlen - pre - suf;
	const char *digits = node + pre;

	for (size_t i = 0; i < dlen; i++)
		if (!isdigit((unsigned char)digits[i]))
			return false;
	long num = strtol(digits, NULL, 10);

	memcpy(ranges, open + 1, (size_t)(close - open) - 1);
	ranges[close - open - 1] = '\0';
	for (char *r = strtok_r(ranges, ",", &save); r; r = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(r, '-');
		long lo = strtol(r, NULL, 10), hi = dash ? strtol(dash + 1, NULL, 10) : lo;
		size_t width = dash ? (size_t)(dash - r) : strlen(r);

		/* zero-padded ranges ("n[01-04]") name nodes of that width */
		if (r[0] == '0' && width > 1 && dlen != width)
			continue;
		if (num >= lo && num <= hi)
			return true;
	}
	return false;
}

bool slurm_hostlist_has(const char *list, const char *node)
{
	const char *p = list;

	while (*p) {
		size_t len = 0;
		int depth = 0;

		/* a comma inside brackets belongs to the range list */
		while (p[len] && (depth || p[len] != ',')) {
			depth += p[len] == '[' ? 1 : p[len] == ']' ? -1 : 0;
			len++;
		}
		if (len && host_expr_has(p, len, node))
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}
