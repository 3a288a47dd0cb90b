/* Invariants the fuzz targets check (abort() = a finding). */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "closure_spec.h"

#define FUZZ_ASSERT(c) do { if (!(c)) { \
	fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #c); \
	abort(); } } while (0)

/* An error is one non-empty line of printable ASCII, NUL-terminated. */
static inline void fuzz_check_err(const struct nix_err *err)
{
	size_t len = strnlen(err->msg, sizeof(err->msg));

	FUZZ_ASSERT(len > 0 && len < sizeof(err->msg));
	for (size_t i = 0; i < len; i++)
		FUZZ_ASSERT(err->msg[i] >= 0x20 && err->msg[i] < 0x7f);
	FUZZ_ASSERT(strncmp(err->msg, "nix:", 4) != 0);
}

/* Sorted, unique, all valid store paths. */
static inline void fuzz_check_set(const struct nix_path_set *s, const char *sd)
{
	FUZZ_ASSERT(s->len <= s->cap);
	for (size_t i = 0; i < s->len; i++) {
		FUZZ_ASSERT(nix_store_path_valid(s->paths[i], sd) == 0);
		if (i)
			FUZZ_ASSERT(strcmp(s->paths[i - 1], s->paths[i]) < 0);
	}
}

#endif
