/* `dlasim compile` and the config/network loading shared with `dlasim run`. */
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>

#include "commands.h"
#include "dla/compiler.h"

static const char compile_help[] =
    "usage: dlasim compile MODEL.onnx -o X.dlal [options]\n"
    "\n"
    "Compile an ONNX network for the DLA and write a loadable (docs/loadable-format.md).\n"
    "\n"
    "  -o, --output FILE     loadable to write (required)\n"
    "  --config NAME|PATH    hardware config (default orin-agx-64gb; see configs/)\n"
    "  --power-mode MODE     accepted for symmetry with run (compilation does not depend on it)\n"
    "  --set KEY=VALUE       override a config value, e.g. --set core.cbuf.banks=16 (repeatable)\n"
    "  --int8 | --fp16       compute precision (default int8)\n"
    "  --batch N             batch size (default: the model's)\n"
    "  --sparsity=disable|enable|force\n"
    "                        2:4 sparse INT8 conv weights (C > 64): enable where already 2:4, force\n"
    "                        prunes by magnitude (needs a 2:4 config, e.g. Orin); default disable\n"
    "  --allowGPUFallback    layers the DLA cannot run become GPU layers (docs/runtime.md)\n"
    "  --gap=dla|gpu         GlobalAveragePool: rewrite to DLA AveragePool(s) (default) or keep it\n"
    "                        on the GPU as TensorRT 8.4 did (needs --allowGPUFallback)\n"
    "  --shapes=NAME:NxCxHxW[,...]\n"
    "                        shapes of inputs with dynamic dimensions (trtexec syntax)\n"
    "  --calib DIR           INT8 calibration data: *.npy / *.raw (FP32) images of the input, in name\n"
    "                        order (default: synthetic inputs uniform in [-1, 1))\n"
    "  --calib-algo=minmax|percentile|entropy\n"
    "                        how calibration picks each scale (default minmax; entropy = TensorRT's\n"
    "                        ENTROPY_CALIBRATION_2)\n"
    "  --calib-percentile P  percentile of |x| for --calib-algo=percentile (default 99.99)\n"
    "  --calib-samples N     synthetic calibration batches when no --calib DIR is given (default 4);\n"
    "                        timing does not depend on the scales, so timing-only studies may use 1\n"
    "  --calib-cache FILE    TensorRT calibration cache: read when it exists (skips calibration)\n"
    "  --calib-cache-out FILE\n"
    "                        write the calibrated scales as a TensorRT calibration cache\n"
    "  --layer-precision=NODE:int8|fp16[,...]\n"
    "                        per-layer precision (also --layerPrecisions=): INT8 network with FP16\n"
    "                        layers; boundaries are converted by SDP ops\n"
    "  --sram-pool BYTES     on-chip SRAM the compiler may place intermediate tensors in (suffix K, M,\n"
    "                        G; 0: none; default: the config's memory.sram.size_bytes; trtexec's\n"
    "                        --memPoolSize=dlaSRAM:N)\n"
    "  --no-hfuse            no horizontal fusion of sibling convolutions (A/B comparisons)\n"
    "  -v, --verbose         print the compile report\n";

int cli_load_config(const cli_options *opts, dla_config **cfg)
{
    dla_error err = {{0}};
    if (dla_config_load(opts->config, opts->sets, opts->num_sets, cfg, &err) != DLA_OK) {
        cli_error(opts, "%s", err.msg);
        return CLI_EXIT_ERROR;
    }
    if (opts->power_mode && !dla_config_power_mode(*cfg, opts->power_mode)) {
        char modes[256] = "";
        for (int i = 0; i < (*cfg)->num_power_modes; ++i) {
            strncat(modes, i ? ", " : "", sizeof modes - strlen(modes) - 1);
            strncat(modes, (*cfg)->power_modes[i].name, sizeof modes - strlen(modes) - 1);
        }
        cli_error(opts, "--power-mode: config '%s' has no mode '%s' (available: %s)", (*cfg)->name, opts->power_mode,
                  modes);
        dla_config_destroy(*cfg);
        *cfg = NULL;
        return CLI_EXIT_ERROR;
    }
    return CLI_EXIT_OK;
}

static int is_loadable_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    unsigned char magic[4] = {0};
    size_t n = fread(magic, 1, 4, f);
    fclose(f);
    uint32_t m = (uint32_t)magic[0] | (uint32_t)magic[1] << 8 | (uint32_t)magic[2] << 16 | (uint32_t)magic[3] << 24;
    return n == 4 && m == DLA_LOADABLE_MAGIC;
}

int cli_load_network(const cli_options *opts, const char *path, const dla_config *cfg, dla_loadable **out)
{
    dla_error err = {{0}};
    /* stat, not a probing open: opening a FIFO would wait for a writer before the readers can refuse it */
    struct stat st;
    if (stat(path, &st) != 0) {
        cli_error(opts, "%s: cannot open file", path);
        return CLI_EXIT_ERROR;
    }
    if (!S_ISREG(st.st_mode)) {
        cli_error(opts, "%s: not a regular file (expected an ONNX model or a loadable)", path);
        return CLI_EXIT_ERROR;
    }
    if (is_loadable_file(path)) {
        if (dla_loadable_read_file(path, out, &err) != DLA_OK) {
            cli_error(opts, "%s", err.msg);
            return CLI_EXIT_ERROR;
        }
        if (opts->batch && (uint32_t)opts->batch != (*out)->batch) {
            cli_error(opts, "%s: loadable was compiled for batch %u, --batch %d asks for another; recompile", path,
                      (*out)->batch, opts->batch);
            dla_loadable_destroy(*out);
            *out = NULL;
            return CLI_EXIT_ERROR;
        }
        return CLI_EXIT_OK;
    }
    dla_compile_opts copts = {0};
    copts.cfg = cfg;
    copts.precision = opts->precision;
    copts.batch = opts->batch;
    copts.sparsity = opts->sparsity;
    copts.allow_gpu_fallback = opts->allow_gpu_fallback;
    copts.gap_on_gpu = opts->gap_on_gpu;
    copts.report = opts->verbose ? stdout : NULL;
    copts.shapes = opts->shapes;
    copts.calib_dir = opts->calib_dir;
    copts.calib_algo = opts->calib_algo;
    copts.calib_percentile = opts->calib_percentile;
    copts.calibration_samples = opts->calib_samples;
    copts.calib_cache = opts->calib_cache;
    copts.calib_cache_out = opts->calib_cache_out;
    copts.layer_precision = opts->layer_precision;
    copts.sram_pool_bytes = opts->sram_pool_given ? opts->sram_pool_bytes : DLA_SRAM_POOL_CONFIG;
    copts.no_hfuse = opts->no_hfuse;
    if (dla_compile_onnx(path, &copts, out, &err) != DLA_OK) {
        cli_error(opts, "%s", err.msg);
        return CLI_EXIT_ERROR;
    }
    return CLI_EXIT_OK;
}

int cmd_compile(int argc, char **argv)
{
    cli_options opts = {.command = "compile"};
    if (!cli_parse(argc, argv, 2, CLI_FLAG_CONFIG | CLI_FLAG_PRECISION | CLI_FLAG_OUTPUT | CLI_FLAG_VERBOSE, &opts))
        return CLI_EXIT_USAGE;
    if (opts.help) {
        fputs(compile_help, stdout);
        return CLI_EXIT_OK;
    }
    if (opts.num_positional != 1 || !opts.output) {
        cli_error(&opts, "expected MODEL.onnx and -o X.dlal (see dlasim compile --help)");
        return CLI_EXIT_USAGE;
    }
    dla_config *cfg = NULL;
    dla_loadable *l = NULL;
    int rc = cli_load_config(&opts, &cfg);
    if (rc == CLI_EXIT_OK)
        rc = cli_load_network(&opts, opts.positional[0], cfg, &l);
    if (rc == CLI_EXIT_OK) {
        dla_error err = {{0}};
        if (dla_loadable_write_file(l, opts.output, &err) != DLA_OK) {
            cli_error(&opts, "%s", err.msg);
            rc = CLI_EXIT_ERROR;
        } else {
            printf("wrote %s: %u layers, %u hardware ops, %llu bytes of constants, target %s\n", opts.output,
                   l->num_layers, l->num_ops, (unsigned long long)l->blob_size, l->target_config);
        }
    }
    dla_loadable_destroy(l);
    dla_config_destroy(cfg);
    return rc;
}
