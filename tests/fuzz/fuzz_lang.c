// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target for libflowlang: compile a buffer and render everything
 * the compile produced (text and JSON diagnostics, explain, dot), so the
 * renderers see the odd spans the fuzzer finds too.
 *
 * With clang: make fuzz-lang, then
 *   build/fuzz/fuzz_lang -max_total_time=60 tests/fuzz/corpus
 * Without libFuzzer, build with -DFUZZ_STANDALONE and pass files: each
 * is run once (how a crasher is replayed under gdb or valgrind).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowlang.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flang_ctx *ctx = flang_ctx_new();
	int err;

	if (!ctx)
		return 0;
	/*
	 * Exercise -D too, but only where the program declares the param:
	 * an override of an undeclared param is an error, and with errors
	 * there is no plan for explain and dot to render.
	 */
	if (memmem(data, size, "param depth", 11))
		flang_ctx_set_param(ctx, "depth=4");
	if (flang_compile_buffer(ctx, "fuzz.flow", (const char *)data,
				 size) >= 0) {
		free(flang_diags_text(ctx));
		free(flang_diags_json(ctx));
		free(flang_plan_explain(ctx, NULL, &err));
		free(flang_plan_dot(ctx));
	}
	flang_ctx_free(ctx);
	return 0;
}

#ifdef FUZZ_STANDALONE
int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		char *buf;
		long len;

		if (!f || fseek(f, 0, SEEK_END)) {
			perror(argv[i]);
			return 2;
		}
		len = ftell(f);
		if (len < 0) {
			perror(argv[i]);
			return 2;
		}
		rewind(f);
		buf = malloc((size_t)len + 1);
		if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
			perror(argv[i]);
			return 2;
		}
		fclose(f);
		LLVMFuzzerTestOneInput((const uint8_t *)buf, (size_t)len);
		free(buf);
	}
	return 0;
}
#endif
