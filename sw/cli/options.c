/* Command-line flag parsing for dlasim (flags follow trtexec spelling where users know them). */
#include "options.h"

#include "dla/driver.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_error(const cli_options *opts, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "dlasim %s: ", opts->command ? opts->command : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* "--name=value" or "--name value": returns the value or NULL (usage error printed). */
static const char *flag_value(int argc, char **argv, int *i, const char *name, const cli_options *opts)
{
    const char *arg = argv[*i];
    size_t n = strlen(name);
    if (arg[n] == '=')
        return arg + n + 1;
    if (*i + 1 >= argc) {
        cli_error(opts, "option '%s' needs a value (see dlasim %s --help)", name, opts->command);
        return NULL;
    }
    return argv[++*i];
}

static bool matches(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

static bool parse_int(const char *text, int lo, int hi, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

bool cli_parse_sparsity(const char *text, dla_sparsity *out)
{
    static const char *const names[] = {"disable", "enable", "force"};
    for (int i = 0; i < 3; i++)
        if (strcmp(text, names[i]) == 0) {
            *out = (dla_sparsity)i;
            return true;
        }
    return false;
}

bool cli_parse_bytes(const char *text, int64_t *out)
{
    char *end = NULL;
    if (!text || !isdigit((unsigned char)text[0]))
        return false;
    errno = 0;
    unsigned long long n = strtoull(text, &end, 10);
    if (errno || end == text)
        return false;
    int shift = 0;
    if (*end == 'K' || *end == 'M' || *end == 'G') {
        shift = *end == 'K' ? 10 : *end == 'M' ? 20 : 30;
        end++;
        if (strcmp(end, "iB") == 0)
            end += 2;
    }
    if (*end || n > (1ull << 40) >> shift) /* at most 1 TiB */
        return false;
    *out = (int64_t)(n << shift);
    return true;
}

bool cli_parse(int argc, char **argv, int first, unsigned allowed, cli_options *opts)
{
    opts->config = "orin-agx-64gb";
    opts->precision = DLA_PRECISION_INT8;
    for (int i = first; i < argc; ++i) {
        const char *a = argv[i];
        const char *v = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            opts->help = true;
        } else if ((allowed & CLI_FLAG_CONFIG) && matches(a, "--config")) {
            if (!(v = flag_value(argc, argv, &i, "--config", opts)))
                return false;
            opts->config = v;
        } else if ((allowed & CLI_FLAG_CONFIG) && matches(a, "--power-mode")) {
            if (!(v = flag_value(argc, argv, &i, "--power-mode", opts)))
                return false;
            opts->power_mode = v;
        } else if ((allowed & CLI_FLAG_CONFIG) && matches(a, "--set")) {
            if (!(v = flag_value(argc, argv, &i, "--set", opts)))
                return false;
            if (opts->num_sets == CLI_MAX_SETS) {
                cli_error(opts, "too many --set options (at most %d)", CLI_MAX_SETS);
                return false;
            }
            opts->sets[opts->num_sets++] = v;
        } else if ((allowed & CLI_FLAG_PRECISION) && strcmp(a, "--int8") == 0) {
            opts->precision = DLA_PRECISION_INT8;
            opts->precision_given = true;
        } else if ((allowed & CLI_FLAG_PRECISION) && strcmp(a, "--fp16") == 0) {
            opts->precision = DLA_PRECISION_FP16;
            opts->precision_given = true;
        } else if ((allowed & CLI_FLAG_PRECISION) && matches(a, "--batch")) {
            if (!(v = flag_value(argc, argv, &i, "--batch", opts)))
                return false;
            if (!parse_int(v, 1, 4096, &opts->batch)) {
                cli_error(opts, "--batch: expected an integer in [1, 4096], got '%s'", v);
                return false;
            }
        } else if ((allowed & CLI_FLAG_PRECISION) && matches(a, "--sparsity")) {
            if (!(v = flag_value(argc, argv, &i, "--sparsity", opts)))
                return false;
            if (!cli_parse_sparsity(v, &opts->sparsity)) {
                cli_error(opts, "--sparsity: expected disable, enable or force, got '%s'", v);
                return false;
            }
        } else if ((allowed & CLI_FLAG_PRECISION) && strcmp(a, "--allowGPUFallback") == 0) {
            opts->allow_gpu_fallback = true;
        } else if ((allowed & CLI_FLAG_PRECISION) && matches(a, "--gap")) {
            if (!(v = flag_value(argc, argv, &i, "--gap", opts)))
                return false;
            if (strcmp(v, "dla") != 0 && strcmp(v, "gpu") != 0) {
                cli_error(opts, "--gap: expected dla (rewrite to AveragePool) or gpu (keep on the GPU), got '%s'", v);
                return false;
            }
            opts->gap_on_gpu = strcmp(v, "gpu") == 0;
        } else if ((allowed & CLI_FLAG_PRECISION) && matches(a, "--shapes")) {
            if (!(v = flag_value(argc, argv, &i, "--shapes", opts)))
                return false;
            opts->shapes = v; /* checked against the model's inputs by the importer */
        } else if ((allowed & CLI_FLAG_PRECISION) && matches(a, "--calib")) {
            if (!(v = flag_value(argc, argv, &i, "--calib", opts)))
                return false;
            opts->calib_dir = v;
        } else if ((allowed & CLI_FLAG_PRECISION) && matches(a, "--calib-algo")) {
            if (!(v = flag_value(argc, argv, &i, "--calib-algo", opts)))
                return false;
            static const char *const algos[] = {"minmax", "percentile", "entropy"};
            int k = 0;
            while (k < 3 && strcmp(v, algos[k]) != 0)
                k++;
            if (k == 3) {
                cli_error(opts, "--calib-algo: expected minmax, percentile or entropy, got '%s'", v);
                return false;
            }
            opts->calib_algo = (dla_calib_algo)k;
        } else if ((allowed & CLI_FLAG_PRECISION) && matches(a, "--calib-percentile")) {
            if (!(v = flag_value(argc, argv, &i, "--calib-percentile", opts)))
                return false;
            char *end = NULL;
            double p = strtod(v, &end);
            if (!end || end == v || *end || !(p > 0 && p <= 100)) {
                cli_error(opts, "--calib-percentile: expected a number in (0, 100], got '%s'", v);
                return false;
            }
            opts->calib_percentile = p;
        } else if ((allowed & CLI_FLAG_PRECISION) && matches(a, "--calib-samples")) {
            if (!(v = flag_value(argc, argv, &i, "--calib-samples", opts)))
                return false;
            char *end = NULL;
            long n = strtol(v, &end, 10);
            if (!end || end == v || *end || n < 1 || n > 1024) {
                cli_error(opts, "--calib-samples: expected a whole number of synthetic batches in 1..1024, got '%s'",
                          v);
                return false;
            }
            opts->calib_samples = (int)n;
        } else if ((allowed & CLI_FLAG_PRECISION) && matches(a, "--calib-cache")) {
            if (!(v = flag_value(argc, argv, &i, "--calib-cache", opts)))
                return false;
            opts->calib_cache = v;
        } else if ((allowed & CLI_FLAG_PRECISION) && matches(a, "--calib-cache-out")) {
            if (!(v = flag_value(argc, argv, &i, "--calib-cache-out", opts)))
                return false;
            opts->calib_cache_out = v;
        } else if ((allowed & CLI_FLAG_PRECISION) &&
                   (matches(a, "--layer-precision") || matches(a, "--layerPrecisions"))) { /* trtexec spelling */
            if (!(v = flag_value(argc, argv, &i,
                                 matches(a, "--layerPrecisions") ? "--layerPrecisions" : "--layer-precision", opts)))
                return false;
            opts->layer_precision = v; /* checked against the layers by the compiler */
        } else if ((allowed & CLI_FLAG_PRECISION) && matches(a, "--sram-pool")) {
            if (!(v = flag_value(argc, argv, &i, "--sram-pool", opts)))
                return false;
            if (!cli_parse_bytes(v, &opts->sram_pool_bytes)) {
                cli_error(opts,
                          "--sram-pool: expected a byte count, optionally with a base-2 suffix K, M or G (e.g. 1M; 0 "
                          "disables the pool), got '%s'",
                          v);
                return false;
            }
            opts->sram_pool_given = true;
        } else if ((allowed & CLI_FLAG_PRECISION) && strcmp(a, "--no-hfuse") == 0) {
            opts->no_hfuse = true;
        } else if ((allowed & CLI_FLAG_OUTPUT) && (strcmp(a, "-o") == 0 || matches(a, "--output"))) {
            if (!(v = flag_value(argc, argv, &i, a[1] == 'o' ? "-o" : "--output", opts)))
                return false;
            opts->output = v;
        } else if ((allowed & CLI_FLAG_RUN) && matches(a, "--trace")) {
            if (!(v = flag_value(argc, argv, &i, "--trace", opts)))
                return false;
            opts->trace = v;
        } else if ((allowed & CLI_FLAG_RUN) && strcmp(a, "--functional") == 0) {
            opts->functional = true;
        } else if ((allowed & CLI_FLAG_RUN) && matches(a, "--input")) {
            if (!(v = flag_value(argc, argv, &i, "--input", opts)))
                return false;
            const char *eq = strchr(v, '=');
            if (!eq || eq == v || !eq[1]) {
                cli_error(opts, "--input: expected NAME=FILE.npy, got '%s'", v);
                return false;
            }
            if (opts->num_inputs == CLI_MAX_INPUTS) {
                cli_error(opts, "too many --input options (at most %d)", CLI_MAX_INPUTS);
                return false;
            }
            opts->input_names[opts->num_inputs] = v; /* split later: NAME is up to '=' */
            opts->input_files[opts->num_inputs] = eq + 1;
            opts->num_inputs++;
        } else if ((allowed & CLI_FLAG_RUN) && matches(a, "--save-outputs")) {
            if (!(v = flag_value(argc, argv, &i, "--save-outputs", opts)))
                return false;
            opts->save_outputs = v;
        } else if ((allowed & CLI_FLAG_RUN) && matches(a, "--sample-cycles")) {
            if (!(v = flag_value(argc, argv, &i, "--sample-cycles", opts)))
                return false;
            char *end = NULL;
            errno = 0;
            long long n = strtoll(v, &end, 10);
            if (!end || end == v || *end || errno || n < 0 || n > 1000000000000LL) {
                cli_error(opts, "--sample-cycles: expected a window in core cycles, 0 (off) to 1e12, got '%s'", v);
                return false;
            }
            opts->sample_cycles = n;
            opts->sample_cycles_given = true;
        } else if ((allowed & CLI_FLAG_RUN) && matches(a, "--cores")) {
            if (!(v = flag_value(argc, argv, &i, "--cores", opts)))
                return false;
            if (!parse_int(v, 1, 2, &opts->cores)) {
                cli_error(opts, "--cores: expected 1 or 2, got '%s'", v);
                return false;
            }
        } else if ((allowed & CLI_FLAG_RUN) && (matches(a, "--iterations") || matches(a, "--warmUp"))) {
            bool warm = matches(a, "--warmUp");
            if (!(v = flag_value(argc, argv, &i, warm ? "--warmUp" : "--iterations", opts)))
                return false;
            if (!parse_int(v, warm ? 0 : 1, (int)DLA_MAX_INFERENCES / 2, warm ? &opts->warmup : &opts->iterations)) {
                cli_error(opts, "%s: expected an inference count, %d to %u, got '%s'",
                          warm ? "--warmUp" : "--iterations", warm ? 0 : 1, DLA_MAX_INFERENCES / 2, v);
                return false;
            }
        } else if ((allowed & CLI_FLAG_RUN) && matches(a, "--loadable")) {
            if (!(v = flag_value(argc, argv, &i, "--loadable", opts)))
                return false;
            if (opts->num_loadables == CLI_MAX_NETWORKS) {
                cli_error(opts, "--loadable: at most %d networks in one run", CLI_MAX_NETWORKS);
                return false;
            }
            opts->loadables[opts->num_loadables++] = v;
        } else if ((allowed & CLI_FLAG_RUN) && matches(a, "--core")) {
            if (!(v = flag_value(argc, argv, &i, "--core", opts)))
                return false;
            if (!parse_int(v, 0, 1, &opts->core)) {
                cli_error(opts, "--core: expected 0 or 1, got '%s'", v);
                return false;
            }
        } else if ((allowed & CLI_FLAG_VERBOSE) && (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0)) {
            opts->verbose = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            cli_error(opts, "unknown option '%s' (see dlasim %s --help)", a, opts->command);
            return false;
        } else {
            if (opts->num_positional == CLI_MAX_POSITIONAL) {
                cli_error(opts, "unexpected argument '%s'", a);
                return false;
            }
            opts->positional[opts->num_positional++] = a;
        }
    }
    return true;
}
