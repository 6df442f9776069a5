/* What every fuzz target provides (libFuzzer's entry points) and the helpers they share.
 * The same target source builds against libFuzzer (clang, bench/fuzz) or against replay_main.c
 * (any compiler, CTest): see tests/fuzz/README.md. */
#ifndef DLASIM_FUZZ_TARGET_H
#define DLASIM_FUZZ_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "dla/config.h"

/* Optional, as in libFuzzer (a weak symbol): targets without setup leave it out. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The parsers under test read files, so each input is written to a private scratch directory first.
 * Returns the path of `name` in that directory (created on first use), or NULL if it cannot be written. */
const char *fuzz_write_input(const char *name, const uint8_t *data, size_t size);

/* The input as a NUL-terminated string (malloc'ed, caller frees), or NULL when out of memory. */
char *fuzz_text(const uint8_t *data, size_t size);

/* A preset config from DLASIM_CONFIG_DIR for a target's whole run (never freed), or NULL. Inline, so
 * targets that do not link the config library do not need it. */
static inline dla_config *fuzz_preset(const char *name)
{
    dla_config *cfg = NULL;
    dla_error err = {{0}};
    return dla_config_load(name, NULL, 0, &cfg, &err) == DLA_OK ? cfg : NULL;
}

#endif
