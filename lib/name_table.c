#include "name_table.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t name_hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

/* The slot holding name, or the free slot where it would go. */
static size_t slot_of(char *const *names, size_t cap, const char *name, size_t len)
{
	size_t i = name_hash(name, len) & (cap - 1);

	while (names[i] && (strncmp(names[i], name, len) || names[i][len]))
		i = (i + 1) & (cap - 1);
	return i;
}

/* Twice the size, every name moved: the table stays at most half full. */
static int grow(struct name_table *t)
{
	size_t cap = t->cap ? 2 * t->cap : 1024;
	char **names = calloc(cap, sizeof(*names));
	unsigned char *values = malloc(cap);

	if (!names || !values) {
		free(names);
		free(values);
		return -1;
	}
	for (size_t j = 0; j < t->cap; j++) {
		size_t i;

		if (!t->names[j])
			continue;
		i = slot_of(names, cap, t->names[j], strlen(t->names[j]));
		names[i] = t->names[j];
		values[i] = t->values[j];
	}
	free(t->names);
	free(t->values);
	t->names = names;
	t->values = values;
	t->cap = cap;
	return 0;
}

int name_table_add(struct name_table *t, const char *name, size_t len,
		   unsigned char value)
{
	size_t i;

	if (2 * (t->len + 1) > t->cap && grow(t) < 0)
		return -1;
	i = slot_of(t->names, t->cap, name, len);
	if (t->names[i])
		return 0;
	t->names[i] = strndup(name, len);
	if (!t->names[i])
		return -1;
	t->values[i] = value;
	t->len++;
	return 1;
}

int name_table_find(const struct name_table *t, const char *name, size_t len,
		    unsigned char *value)
{
	size_t i;

	if (!t->cap)
		return 0;
	i = slot_of(t->names, t->cap, name, len);
	if (!t->names[i])
		return 0;
	*value = t->values[i];
	return 1;
}

void name_table_free(struct name_table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->names[i]);
	free(t->names);
	free(t->values);
	memset(t, 0, sizeof(*t));
}
