/* Fuzz target: ONNX import and the compiler behind it (shape folding, legality, quantization,
 * tiling, emission) for the nv_small preset. Properties: no crash, leak, UB or runaway allocation
 * (libFuzzer's -rss_limit_mb); every refusal carries a message; what compiles validates. */
#include <stdlib.h>

#include "dla/compiler.h"
#include "dla/config.h"
#include "dla/loadable.h"
#include "fuzz_target.h"

static dla_config *target_cfg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    target_cfg = fuzz_preset("nv_small"); /* NULL is reported by TestOneInput */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!target_cfg)
        abort(); /* the preset must load: DLASIM_CONFIG_DIR points at configs/ */
    const char *path = fuzz_write_input("model.onnx", data, size);
    if (!path)
        return 0;
    dla_compile_opts opts = {0};
    opts.cfg = target_cfg;
    opts.precision = DLA_PRECISION_INT8;
    opts.calibration_samples = 1;
    dla_error err = {{0}};
    dla_loadable *l = NULL;
    if (dla_compile_onnx(path, &opts, &l, &err) != DLA_OK) {
        if (!err.msg[0])
            abort();
        return 0;
    }
    if (dla_loadable_validate(l, &err) != DLA_OK)
        abort(); /* the compiler emitted a loadable its own validator refuses */
    dla_loadable_destroy(l);
    return 0;
}
