/* Command-line options shared by the dlasim subcommands. */
#ifndef DLASIM_CLI_OPTIONS_H
#define DLASIM_CLI_OPTIONS_H

#include <stdbool.h>

#include "dla/compiler.h"
#include "dla/loadable.h"

#define CLI_MAX_SETS 64
#define CLI_MAX_INPUTS 16
#define CLI_MAX_POSITIONAL 4
#define CLI_MAX_NETWORKS 32 /* dlasim run: networks (positional + --loadable) in one run */

/* Exit codes: 0 success, 1 error, 2 usage error. */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_ERROR = 1,
    CLI_EXIT_USAGE = 2
};

/* Default activity-sampling window (core cycles): the zoo's ResNet-50 (batch 2, orin-agx-64gb MAXN,
 * one core) runs 3.17 M simulated cycles, so this gives about 1550 windows (docs/cli.md). */
#define CLI_DEFAULT_SAMPLE_CYCLES 2048

/* Which flags a subcommand accepts. */
enum {
    CLI_FLAG_CONFIG = 1 << 0, /* --config, --power-mode, --set */
    CLI_FLAG_PRECISION =
        1 << 1,                /* --int8, --fp16, --batch, --sparsity, --shapes, --calib*, --allowGPUFallback, --gap */
    CLI_FLAG_OUTPUT = 1 << 2,  /* -o */
    CLI_FLAG_RUN = 1 << 3,     /* --trace, --functional, --input, --save-outputs, --core */
    CLI_FLAG_VERBOSE = 1 << 4, /* --verbose */
};

typedef struct cli_options {
    const char *command;
    const char *positional[CLI_MAX_POSITIONAL];
    int num_positional;
    const char *config;     /* default "orin-agx-64gb" */
    const char *power_mode; /* NULL: the config's first mode */
    const char *sets[CLI_MAX_SETS];
    int num_sets;
    dla_precision precision;
    bool precision_given;
    int batch;               /* 0: the model's */
    dla_sparsity sparsity;   /* --sparsity (default disable) */
    bool allow_gpu_fallback; /* --allowGPUFallback */
    bool gap_on_gpu;         /* --gap=gpu (default dla) */
    const char *output;      /* -o */
    const char *trace;       /* --trace */
    bool functional;
    const char *input_names[CLI_MAX_INPUTS];
    const char *input_files[CLI_MAX_INPUTS];
    int num_inputs;
    const char *save_outputs; /* directory */
    int core;                 /* --core: the core of a single-core run */
    int cores;                /* --cores: run a copy on cores 0..cores-1 (0: not given) */
    /* dlasim run: --iterations N timed inferences after --warmUp N warm-up ones, back to back (0: not
     * given; one inference); --loadable FILE (repeatable): more networks. */
    int iterations, warmup;
    const char *loadables[CLI_MAX_NETWORKS];
    int num_loadables;
    /* --sample-cycles: activity sampling window in core cycles, 0 = off (docs/cli.md) */
    long long sample_cycles;
    bool sample_cycles_given; /* false: CLI_DEFAULT_SAMPLE_CYCLES */
    bool verbose;
    bool help;
    /* Import and calibration (docs/compiler.md): --shapes, --calib, --calib-algo, --calib-percentile,
     * --calib-cache, --calib-cache-out. */
    const char *shapes;
    const char *calib_dir;
    dla_calib_algo calib_algo;
    double calib_percentile;
    int calib_samples; /* --calib-samples: synthetic calibration batches (0: the compiler's default, 4) */
    const char *calib_cache;
    const char *calib_cache_out;
    const char *layer_precision; /* --layer-precision */
    int64_t sram_pool_bytes;     /* --sram-pool (trtexec: --memPoolSize=dlaSRAM:N) */
    bool sram_pool_given;        /* false: the config's SRAM size (DLA_SRAM_POOL_CONFIG) */
    bool no_hfuse;               /* --no-hfuse: no horizontal fusion of sibling convs */
} cli_options;

/* Parses argv[first..argc) for the flags in `allowed`. On a usage error prints one line to stderr
 * and returns false. */
bool cli_parse(int argc, char **argv, int first, unsigned allowed, cli_options *opts);

/* A byte count with an optional base-2 suffix K, M, G (or KiB, MiB, GiB), at most 1 TiB. */
bool cli_parse_bytes(const char *text, int64_t *out);

/* "disable" | "enable" | "force" (TensorRT's --sparsity values); false for anything else. */
bool cli_parse_sparsity(const char *text, dla_sparsity *out);

/* Prints "dlasim <command>: <message>" to stderr. */
void cli_error(const cli_options *opts, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
