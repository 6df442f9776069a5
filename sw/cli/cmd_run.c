/* `dlasim run`: compile (if ONNX), load into the simulated SoC, run, report, trace, save outputs. */
#define _POSIX_C_SOURCE 200809L /* strdup, clock_gettime, mkdir */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "commands.h"
#include "dla/driver.h"
#include "dla/npy.h"
#include "dla/platform.h"
#include "dla/report.h"
#include "dla/rng.h"
#include "dla/trace.h"

#ifndef DLASIM_VERSION
#define DLASIM_VERSION "unknown"
#endif

/* Seed of the synthetic input of network input i (documented in docs/cli.md). */
#define SYNTHETIC_INPUT_SEED 0x5EEDull

_Static_assert(CLI_DEFAULT_SAMPLE_CYCLES == 2048, "run_help states the default --sample-cycles");

static const char run_help[] =
    "usage: dlasim run X.dlal|MODEL.onnx [options]\n"
    "\n"
    "Simulate a network on one DLA core and print the per-layer report (simulated numbers).\n"
    "\n"
    "  --config NAME|PATH      hardware config (default orin-agx-64gb; see configs/)\n"
    "  --power-mode MODE       power mode of the config (default: its first, e.g. MAXN)\n"
    "  --set KEY=VALUE         override a config value (repeatable)\n"
    "  --int8 | --fp16         compute precision when compiling ONNX (default int8)\n"
    "  --batch N               batch size when compiling ONNX (default: the model's)\n"
    "  --sparsity=disable|enable|force\n"
    "                          2:4 sparse weights when compiling ONNX (see dlasim compile --help)\n"
    "  --core N                DLA core to run on (default 0)\n"
    "  --cores N               run a copy of the network on each of cores 0..N-1 at once (as NVIDIA's\n"
    "                          published \"2x DLA\" figures); images/s counts every core's batch\n"
    "  --functional            compute real data (otherwise timing only)\n"
    "  --input NAME=FILE.npy   network input (FP32 NCHW); default: deterministic synthetic data\n"
    "  --save-outputs DIR      write each network output as DIR/<name>.npy (FP32, dequantised)\n"
    "  --trace FILE.h5         write the HDF5 trace (docs/trace-format.md)\n"
    "  --sample-cycles N       record unit activity and memory traffic every N core cycles for the trace\n"
    "                          and its timeline (default 2048; 0: off)\n"
    "  -v, --verbose           compile report and driver log\n";

void cli_run_state_free(cli_run_state *s)
{
    for (int i = 0; i < s->num_cores; ++i)
        dla_driver_destroy(s->drivers[i]);
    dla_platform_destroy(s->platform);
    dla_loadable_destroy(s->loadable);
    dla_run_result_destroy(s->result);
    dla_config_destroy(s->cfg);
}

static size_t tensor_count(const dla_ltensor *t)
{
    return (size_t)t->n * t->c * t->h * t->w;
}

/* --input NAME=FILE for this tensor, or NULL. */
static const char *input_file_for(const cli_options *o, const char *name)
{
    for (int i = 0; i < o->num_inputs; ++i) {
        size_t n = (size_t)(o->input_files[i] - 1 - o->input_names[i]);
        if (strlen(name) == n && strncmp(o->input_names[i], name, n) == 0)
            return o->input_files[i];
    }
    return NULL;
}

/* GPU-fallback traffic (the GPU shares the SoC DRAM): its layers' and reformats' DRAM bytes as
 * "gpu.dram_*_bytes" stats, so the summary's DRAM totals and DRAM energy include them. */
static dla_status add_gpu_stats(dla_run_result *r, dla_error *err)
{
    uint64_t rd = 0, wr = 0;
    for (size_t i = 0; i < r->num_layers; ++i)
        if (!strcmp(r->layers[i].engine, "GPU")) {
            rd += r->layers[i].dram_read_bytes;
            wr += r->layers[i].dram_write_bytes;
        }
    if (!rd && !wr)
        return DLA_OK;
    dla_stat *st = realloc(r->stats, (r->num_stats + 2) * sizeof *st);
    if (!st)
        return dla_error_set(err, DLA_ERR_NOMEM, "out of memory (GPU stats)");
    r->stats = st;
    dla_stat *a = &st[r->num_stats], *b = &st[r->num_stats + 1];
    memset(a, 0, 2 * sizeof *a);
    snprintf(a->name, sizeof a->name, "gpu.dram_read_bytes");
    snprintf(b->name, sizeof b->name, "gpu.dram_write_bytes");
    snprintf(a->unit, sizeof a->unit, "bytes");
    snprintf(b->unit, sizeof b->unit, "bytes");
    a->value = rd;
    b->value = wr;
    snprintf(a->description, sizeof a->description, "DRAM bytes read by GPU-fallback layers and reformats (GPU model)");
    snprintf(b->description, sizeof b->description,
             "DRAM bytes written by GPU-fallback layers and reformats (GPU model)");
    r->num_stats += 2;
    return DLA_OK;
}

static int bind_inputs(cli_run_state *s)
{
    const cli_options *o = &s->opts;
    dla_error err = {{0}};
    /* Every --input must name a network input. */
    for (int i = 0; i < o->num_inputs; ++i) {
        size_t n = (size_t)(o->input_files[i] - 1 - o->input_names[i]);
        int found = 0;
        for (uint32_t t = 0; t < s->loadable->num_tensors; ++t) {
            const dla_ltensor *tt = &s->loadable->tensors[t];
            if (tt->role == DLA_TENSOR_INPUT && strlen(tt->name) == n && strncmp(tt->name, o->input_names[i], n) == 0)
                found = 1;
        }
        if (!found) {
            cli_error(o, "--input: network '%s' has no input named '%.*s'", s->loadable->network, (int)n,
                      o->input_names[i]);
            return CLI_EXIT_ERROR;
        }
    }
    int index = 0;
    for (uint32_t t = 0; t < s->loadable->num_tensors; ++t) {
        const dla_ltensor *tt = &s->loadable->tensors[t];
        if (tt->role != DLA_TENSOR_INPUT)
            continue;
        size_t count = tensor_count(tt);
        const char *file = input_file_for(o, tt->name);
        dla_status st = DLA_OK;
        if (file) {
            dla_npy *a = NULL;
            if (dla_npy_read(file, &a, &err) != DLA_OK) {
                cli_error(o, "%s", err.msg);
                return CLI_EXIT_ERROR;
            }
            if (a->count != count) {
                cli_error(o, "%s: input '%s' expects %ux%ux%ux%u = %zu values, the file holds %zu", file, tt->name,
                          tt->n, tt->c, tt->h, tt->w, count, a->count);
                dla_npy_destroy(a);
                return CLI_EXIT_ERROR;
            }
            for (int c = 0; c < s->num_cores && st == DLA_OK; ++c)
                st = dla_driver_set_input(s->drivers[c], tt->name, a->data, count, &err);
            dla_npy_destroy(a);
        } else {
            float *data = malloc(count * sizeof *data);
            if (!data) {
                cli_error(o, "out of memory for input '%s'", tt->name);
                return CLI_EXIT_ERROR;
            }
            dla_rng_fill_uniform(data, count, SYNTHETIC_INPUT_SEED + (uint64_t)index, -1.0f, 1.0f);
            for (int c = 0; c < s->num_cores && st == DLA_OK; ++c)
                st = dla_driver_set_input(s->drivers[c], tt->name, data, count, &err);
            free(data);
        }
        if (st != DLA_OK) {
            cli_error(o, "%s", err.msg);
            return CLI_EXIT_ERROR;
        }
        index++;
    }
    return CLI_EXIT_OK;
}

/* Output file name: the tensor name with characters unsafe in file names replaced by '_'. */
static void output_path(char *dst, size_t size, const char *dir, const char *name)
{
    char safe[DLA_LNAME_MAX];
    size_t i = 0;
    for (; name[i] && i + 1 < sizeof safe; ++i) {
        char c = name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
                 c == '.';
        safe[i] = ok ? c : '_';
    }
    safe[i] = '\0';
    snprintf(dst, size, "%s/%s.npy", dir, safe);
}

static int save_outputs(cli_run_state *s)
{
    const cli_options *o = &s->opts;
    dla_error err = {{0}};
    if (mkdir(o->save_outputs, 0777) != 0 && errno != EEXIST) {
        cli_error(o, "--save-outputs: cannot create directory '%s': %s", o->save_outputs, strerror(errno));
        return CLI_EXIT_ERROR;
    }
    for (uint32_t t = 0; t < s->loadable->num_tensors; ++t) {
        const dla_ltensor *tt = &s->loadable->tensors[t];
        if (tt->role != DLA_TENSOR_OUTPUT)
            continue;
        size_t count = tensor_count(tt);
        float *data = malloc(count * sizeof *data);
        if (!data) {
            cli_error(o, "out of memory for output '%s'", tt->name);
            return CLI_EXIT_ERROR;
        }
        char path[1024];
        output_path(path, sizeof path, o->save_outputs, tt->name);
        int64_t shape[4] = {tt->n, tt->c, tt->h, tt->w};
        /* Every core ran the same network on the same inputs; core 0's copy is saved. */
        dla_status st = dla_driver_get_output(s->drivers[0], tt->name, data, count, &err);
        if (st == DLA_OK)
            st = dla_npy_write_f32(path, shape, 4, data, &err);
        free(data);
        if (st != DLA_OK) {
            cli_error(o, "%s", err.msg);
            return CLI_EXIT_ERROR;
        }
    }
    return CLI_EXIT_OK;
}

static int collect_result(cli_run_state *s)
{
    const cli_options *o = &s->opts;
    dla_error err = {{0}};
    dla_run_result *r = calloc(1, sizeof *r);
    if (!r) {
        cli_error(o, "out of memory");
        return CLI_EXIT_ERROR;
    }
    s->result = r;
    snprintf(r->meta.tool_version, sizeof r->meta.tool_version, "%s", DLASIM_VERSION);
    snprintf(r->meta.config_name, sizeof r->meta.config_name, "%.*s", (int)sizeof r->meta.config_name - 1,
             s->cfg->name);
    r->meta.config_json = strdup(s->cfg->resolved_json ? s->cfg->resolved_json : "{}");
    snprintf(r->meta.power_mode, sizeof r->meta.power_mode, "%.*s", (int)sizeof r->meta.power_mode - 1, s->mode->name);
    snprintf(r->meta.network, sizeof r->meta.network, "%.*s", (int)sizeof r->meta.network - 1, s->loadable->network);
    snprintf(r->meta.precision, sizeof r->meta.precision, "%s", dla_precision_name(s->loadable->precision));
    r->meta.batch = (int)s->loadable->batch;
    r->meta.cores = s->num_cores;
    r->meta.functional = o->functional;
    if (!r->meta.config_json) {
        cli_error(o, "out of memory");
        return CLI_EXIT_ERROR;
    }
    size_t total = 0;
    for (int c = 0; c < s->num_cores; ++c) {
        size_t n = 0;
        dla_driver_layers(s->drivers[c], &n);
        total += n;
    }
    if (total) {
        r->layers = malloc(total * sizeof *r->layers);
        if (!r->layers) {
            cli_error(o, "out of memory");
            return CLI_EXIT_ERROR;
        }
    }
    for (int c = 0; c < s->num_cores; ++c) {
        size_t n = 0;
        const dla_layer_record *layers = dla_driver_layers(s->drivers[c], &n);
        memcpy(r->layers + r->num_layers, layers, n * sizeof *r->layers);
        r->num_layers += n;
    }
    size_t total_ops = 0;
    for (int c = 0; c < s->num_cores; ++c) {
        size_t n = 0;
        dla_driver_ops(s->drivers[c], &n);
        total_ops += n;
    }
    if (total_ops) {
        r->ops = malloc(total_ops * sizeof *r->ops);
        if (!r->ops) {
            cli_error(o, "out of memory");
            return CLI_EXIT_ERROR;
        }
    }
    for (int c = 0; c < s->num_cores; ++c) {
        size_t n = 0;
        const dla_op_record *ops = dla_driver_ops(s->drivers[c], &n);
        if (n)
            memcpy(r->ops + r->num_ops, ops, n * sizeof *r->ops);
        r->num_ops += n;
    }
    if (dla_platform_stats(s->platform, &r->stats, &r->num_stats, &err) != DLA_OK || add_gpu_stats(r, &err) != DLA_OK ||
        dla_platform_samples(s->platform, &r->samples, &err) != DLA_OK ||
        dla_result_summarize(r, s->cfg, s->mode, dla_platform_total_cycles(s->platform), &err) != DLA_OK) {
        cli_error(o, "%s", err.msg);
        return CLI_EXIT_ERROR;
    }
    return CLI_EXIT_OK;
}

int cli_simulate(cli_run_state *s)
{
    const cli_options *o = &s->opts;
    dla_error err = {{0}};
    /* The conv core refuses these too, but only once the simulation reaches them. */
    for (uint32_t i = 0; o->functional && i < s->loadable->num_ops; ++i)
        if (s->loadable->ops[i].kind == DLA_OP_CONV &&
            s->loadable->ops[i].u.conv.weight_format == DLA_WEIGHT_SPARSE_2_4) {
            cli_error(o,
                      "--functional: layer '%s' has 2:4 sparse weights, which the hardware model simulates in timing "
                      "mode only (run without --functional, or compile with --sparsity=disable)",
                      s->loadable->layers[s->loadable->ops[i].layer].name);
            return CLI_EXIT_ERROR;
        }
    if (o->functional && s->loadable->num_gpu_layers) {
        cli_error(o,
                  "--functional: network '%s' has %u GPU-fallback layer(s) (first '%s'); the GPU model times them but "
                  "computes no data (run without --functional)",
                  s->loadable->network, s->loadable->num_gpu_layers, s->loadable->gpu_layers[0].name);
        return CLI_EXIT_ERROR;
    }
    dla_platform_opts popts = {.functional = o->functional,
                               .sample_cycles =
                                   (uint64_t)(o->sample_cycles_given ? o->sample_cycles : CLI_DEFAULT_SAMPLE_CYCLES)};
    if (dla_platform_create(s->cfg, s->mode, &popts, &s->platform, &err) != DLA_OK) {
        cli_error(o, "%s", err.msg);
        return CLI_EXIT_ERROR;
    }
    for (int c = 0; c < s->num_cores; ++c) {
        dla_driver_opts dopts = {.core = s->cores[c], .verbose = o->verbose, .mode = s->mode};
        if (dla_driver_create(s->cfg, s->loadable, s->platform, &dopts, &s->drivers[c], &err) != DLA_OK) {
            cli_error(o, "%s", err.msg);
            return CLI_EXIT_ERROR;
        }
    }
    int rc = bind_inputs(s);
    if (rc != CLI_EXIT_OK)
        return rc;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    dla_controller_fn fns[DLA_MAX_CORES];
    void *users[DLA_MAX_CORES];
    for (int c = 0; c < s->num_cores; ++c) {
        fns[c] = dla_driver_controller;
        users[c] = s->drivers[c];
    }
    if (dla_platform_run(s->platform, s->num_cores, s->cores, fns, users, &err) != DLA_OK) {
        cli_error(o, "%s", err.msg);
        return CLI_EXIT_ERROR;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    s->wall_s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    return collect_result(s);
}

int cmd_run(int argc, char **argv)
{
    cli_run_state s = {.opts = {.command = "run"}};
    cli_options *o = &s.opts;
    if (!cli_parse(argc, argv, 2, CLI_FLAG_CONFIG | CLI_FLAG_PRECISION | CLI_FLAG_RUN | CLI_FLAG_VERBOSE, o))
        return CLI_EXIT_USAGE;
    if (o->help) {
        fputs(run_help, stdout);
        return CLI_EXIT_OK;
    }
    if (o->num_positional != 1) {
        cli_error(o, "expected one network (X.dlal or MODEL.onnx) (see dlasim run --help)");
        return CLI_EXIT_USAGE;
    }
    if (o->save_outputs && !o->functional) {
        cli_error(o, "--save-outputs needs --functional (timing-only runs compute no data)");
        return CLI_EXIT_USAGE;
    }
    dla_error err = {{0}};
    int rc = cli_load_config(o, &s.cfg);
    if (rc != CLI_EXIT_OK)
        goto done;
    s.mode = dla_config_power_mode(s.cfg, o->power_mode);
    if (o->core >= s.cfg->num_cores || o->cores > s.cfg->num_cores) {
        cli_error(o, "--core%s %d: config '%s' has %d core(s)", o->cores ? "s" : "", o->cores ? o->cores : o->core,
                  s.cfg->name, s.cfg->num_cores);
        rc = CLI_EXIT_ERROR;
        goto done;
    }
    s.num_cores = o->cores ? o->cores : 1;
    for (int c = 0; c < s.num_cores; ++c)
        s.cores[c] = o->cores ? c : o->core;
    rc = cli_load_network(o, o->positional[0], s.cfg, &s.loadable);
    if (rc != CLI_EXIT_OK)
        goto done;

    rc = cli_simulate(&s);
    if (rc == CLI_EXIT_OK) {
        dla_report_print(s.result, stdout);
        printf("simulated in %.2f s wall time\n", s.wall_s);
    }
    if (rc == CLI_EXIT_OK && o->save_outputs)
        rc = save_outputs(&s);
    if (rc == CLI_EXIT_OK && o->trace) {
        if (dla_trace_write(o->trace, s.result, &err) != DLA_OK) {
            cli_error(o, "%s", err.msg);
            rc = CLI_EXIT_ERROR;
        } else {
            printf("trace written to %s\n", o->trace);
        }
    }
done:
    cli_run_state_free(&s);
    return rc;
}
