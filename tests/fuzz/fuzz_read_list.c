/* libFuzzer target: closure_read_list on arbitrary bytes, read from a memfd
 * (one per process, rewritten for each input). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_check.h"

#define SD "/nix/store"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nix_path_set out = {0};
	struct nix_err err;
	size_t off = 0;
	int rc;

	if (memfd < 0) {
		memfd = memfd_create("fuzz_read_list", MFD_CLOEXEC);
		if (memfd < 0)
			abort();
	}
	if (ftruncate(memfd, 0) < 0 || lseek(memfd, 0, SEEK_SET) < 0)
		abort();
	while (off < size) {
		ssize_t n = write(memfd, data + off, size - off);

		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	if (lseek(memfd, 0, SEEK_SET) < 0)
		abort();

	/* Start from a non-empty set half the time: merging must keep it
	 * sorted/unique, and an error must leave it unchanged. */
	if (size && (data[0] & 1))
		nix_path_set_add(&out, SD "/00000000000000000000000000000000-seed");
	{
		size_t before = out.len;

		memset(&err, 0, sizeof(err));
		rc = closure_read_list(memfd, SD, &out, &err);
		if (rc == 0) {
			FUZZ_ASSERT(out.len >= before && out.len >= 1);
		} else {
			FUZZ_ASSERT(rc == -1);
			fuzz_check_err(&err);
			FUZZ_ASSERT(out.len == before);
		}
	}
	fuzz_check_set(&out, SD);
	nix_path_set_free(&out);
	return 0;
}
