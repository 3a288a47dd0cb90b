/* A set of names, each with one byte of data: the store entries a closure
 * view has seen, or the types read from a store directory. Tens of
 * thousands of names, added and looked up in any order: a hash table with
 * open addressing, each name copied once. */
#ifndef SPANK_NIX_NAME_TABLE_H
#define SPANK_NIX_NAME_TABLE_H

#include <stddef.h>

/* Zero-initialise. */
struct name_table {
	char **names;          /* NULL: a free slot */
	unsigned char *values;
	size_t cap, len;
};

/* Add name[0..len) with value: 1 added, 0 already there (value kept), -1
 * out of memory (errno). */
int name_table_add(struct name_table *t, const char *name, size_t len,
		   unsigned char value);

/* 1 and *value when name is there, else 0. */
int name_table_find(const struct name_table *t, const char *name, size_t len,
		    unsigned char *value);

void name_table_free(struct name_table *t);

#endif
