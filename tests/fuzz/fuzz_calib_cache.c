/* Fuzz target: the TensorRT calibration-cache reader, through a compile of a small zoo network that takes
 * its INT8 scales from the cache. Properties: no crash, leak or UB; every refusal carries a message; a
 * compile the cache lets through emits a loadable that validates. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dla/compiler.h"
#include "dla/config.h"
#include "dla/loadable.h"
#include "fuzz_target.h"

static dla_config *target_cfg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    target_cfg = fuzz_preset("orin-agx-64gb"); /* NULL is reported by TestOneInput */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!target_cfg)
        abort(); /* DLASIM_CONFIG_DIR must point at configs/ */
    const char *path = fuzz_write_input("calib.cache", data, size);
    if (!path)
        return 0;
    dla_compile_opts opts = {0};
    opts.cfg = target_cfg;
    opts.precision = DLA_PRECISION_INT8;
    opts.calib_cache = path;
    dla_error err = {{0}};
    dla_loadable *l = NULL;
    /* DLASIM_FUZZ_MODEL: bench/fuzz points the libFuzzer build at the Release build's zoo. */
    const char *model = getenv("DLASIM_FUZZ_MODEL") ? getenv("DLASIM_FUZZ_MODEL") : DLASIM_FUZZ_CALIB_MODEL;
    if (access(model, R_OK) != 0) {
        fprintf(stderr, "fuzz_calib_cache: model %s not found (build the zoo or set DLASIM_FUZZ_MODEL)\n", model);
        abort(); /* a harness that compiles nothing would fuzz nothing */
    }
    if (dla_compile_onnx(model, &opts, &l, &err) != DLA_OK) {
        if (!err.msg[0])
            abort();
        return 0;
    }
    if (dla_loadable_validate(l, &err) != DLA_OK)
        abort();
    dla_loadable_destroy(l);
    return 0;
}
