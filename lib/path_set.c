#include "path_set.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
int ps_push(struct nix_path_set *s, const char *p, size_t len)
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

void ps_normalize(struct nix_path_set *s)
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
int ps_merge(struct nix_path_set *dst, struct nix_path_set *src)
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

ssize_t nix_path_set_index(const struct nix_path_set *set, const char *path)
{
	size_t i = ps_lower_bound(set, path);

	return i < set->len && strcmp(set->paths[i], path) == 0 ? (ssize_t)i : -1;
}

bool nix_path_set_contains(const struct nix_path_set *set, const char *path)
{
	return nix_path_set_index(set, path) >= 0;
}
