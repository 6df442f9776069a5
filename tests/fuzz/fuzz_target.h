/* What every fuzz target provides (libFuzzer's entry points) and the helpers they share.
 * The same target source builds against libFuzzer (clang, bench/fuzz) or against replay_main.c
 * (any compiler, CTest): see tests/fuzz/README.md. */
#ifndef DLASIM_FUZZ_TARGET_H
#define DLASIM_FUZZ_TARGET_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The parsers under test read files, so each input is written to a private scratch directory first.
 * Returns the path of `name` in that directory (created on first use), or NULL if it cannot be written. */
const char *fuzz_write_input(const char *name, const uint8_t *data, size_t size);

#endif
