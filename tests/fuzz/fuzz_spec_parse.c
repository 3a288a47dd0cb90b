/* libFuzzer target: closure_spec_parse on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

static const char *const store_dirs[] = {"/nix/store", "/gpfs/u/nix/store", "/s"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct closure_spec_list l;
	struct nix_err err;
	const char *sd;
	size_t sdlen;
	char *arg;

	if (size < 1)
		return 0;
	sd = store_dirs[data[0] % 3];
	sdlen = strlen(sd);
	arg = malloc(size);
	if (!arg)
		return 0;
	memcpy(arg, data + 1, size - 1);
	arg[size - 1] = '\0';

	memset(&err, 0, sizeof(err));
	if (closure_spec_parse(arg, sd, &l, &err) == 0) {
		FUZZ_ASSERT(l.len >= 1 && l.len <= CLOSURE_SPECS_MAX);
		for (size_t i = 0; i < l.len; i++) {
			const char *a = l.items[i].arg;
			size_t alen = strlen(a);
			bool in_store = strncmp(a, sd, sdlen) == 0 &&
					(a[sdlen] == '/' || a[sdlen] == '\0');

			FUZZ_ASSERT(a[0] == '/');
			FUZZ_ASSERT(alen <= CLOSURE_PATH_MAX);
			FUZZ_ASSERT(strstr(a, "//") == NULL);
			FUZZ_ASSERT(strstr(a, "/../") == NULL);
			FUZZ_ASSERT(strstr(a, "/./") == NULL);
			FUZZ_ASSERT(alen == 1 || a[alen - 1] != '/');
			FUZZ_ASSERT(!(alen >= 3 && strcmp(a + alen - 3, "/..") == 0));
			FUZZ_ASSERT(strchr(a, ',') == NULL);
			for (size_t j = 0; j < alen; j++)
				FUZZ_ASSERT((unsigned char)a[j] >= 0x20 && a[j] != 0x7f);
			if (l.items[i].kind == CLOSURE_SPEC_STORE_PATH)
				FUZZ_ASSERT(nix_store_path_valid(a, sd) == 0);
			else
				FUZZ_ASSERT(l.items[i].kind == CLOSURE_SPEC_LIST_FILE && !in_store);
		}
		closure_spec_list_free(&l);
	} else {
		fuzz_check_err(&err);
		FUZZ_ASSERT(l.len == 0 && l.items == NULL);
	}
	free(arg);
	return 0;
}
