/* `dlasim run`: compile (if ONNX), load into the simulated SoC, run, report, trace, save outputs. */
#define _POSIX_C_SOURCE 200809L /* strdup, clock_gettime, mkdir */
#include <errno.h>
#include <math.h>
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
    "usage: dlasim run X.dlal|MODEL.onnx [Y.dlal ...] [options]\n"
    "\n"
    "Simulate a network on one DLA core and print the per-layer report (simulated numbers). Several\n"
    "networks (more arguments, or --loadable) run one after another on the core (with --cores N,\n"
    "network j on core j mod N); each core holds at most 16 DLA loadables (TensorRT's rule; a network\n"
    "with GPU fallback counts one per DLA subgraph).\n"
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
    "  --loadable FILE         one more network (repeatable; as a further argument)\n"
    "  --iterations N          N timed inferences submitted back to back (default 1): the next one's first\n"
    "                          ops are programmed while the previous drains; prints first-inference\n"
    "                          latency, steady-state throughput and latency percentiles (simulated)\n"
    "  --warmUp N              N more inferences before the timed ones, left out of the statistics (default 0)\n"
    "  --functional            compute real data (otherwise timing only)\n"
    "  --input NAME=FILE.npy   network input (FP32 NCHW); default: deterministic synthetic data\n"
    "  --save-outputs DIR      write each network output as DIR/<name>.npy (FP32, dequantised)\n"
    "  --trace FILE.h5         write the HDF5 trace (docs/trace-format.md)\n"
    "  --sample-cycles N       record unit activity and memory traffic every N core cycles for the trace\n"
    "                          and its timeline (default 2048; 0: off)\n"
    "  -v, --verbose           compile report and driver log\n";

void cli_run_state_free(cli_run_state *s)
{
    for (int i = 0; i < s->num_jobs; ++i)
        dla_driver_destroy(s->drivers[i]);
    dla_platform_destroy(s->platform);
    dla_loadable_destroy(s->loadable);
    for (int i = 1; i < s->num_networks; ++i)
        dla_loadable_destroy(s->extra[i]);
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

static bool has_input(const dla_loadable *l, const char *name, size_t n)
{
    for (uint32_t t = 0; t < l->num_tensors; ++t)
        if (l->tensors[t].role == DLA_TENSOR_INPUT && strlen(l->tensors[t].name) == n &&
            strncmp(l->tensors[t].name, name, n) == 0)
            return true;
    return false;
}

/* The inputs of one job's network. */
static int bind_job_inputs(cli_run_state *s, int job)
{
    const cli_options *o = &s->opts;
    const dla_loadable *l = s->job_loadable[job];
    dla_error err = {{0}};
    int index = 0;
    for (uint32_t t = 0; t < l->num_tensors; ++t) {
        const dla_ltensor *tt = &l->tensors[t];
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
            st = dla_driver_set_input(s->drivers[job], tt->name, a->data, count, &err);
            dla_npy_destroy(a);
        } else {
            float *data = malloc(count * sizeof *data);
            if (!data) {
                cli_error(o, "out of memory for input '%s'", tt->name);
                return CLI_EXIT_ERROR;
            }
            dla_rng_fill_uniform(data, count, SYNTHETIC_INPUT_SEED + (uint64_t)index, -1.0f, 1.0f);
            st = dla_driver_set_input(s->drivers[job], tt->name, data, count, &err);
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

static int bind_inputs(cli_run_state *s)
{
    const cli_options *o = &s->opts;
    /* Every --input must name an input of some network. */
    for (int i = 0; i < o->num_inputs; ++i) {
        size_t n = (size_t)(o->input_files[i] - 1 - o->input_names[i]);
        bool found = false;
        for (int j = 0; j < s->num_jobs && !found; ++j)
            found = has_input(s->job_loadable[j], o->input_names[i], n);
        if (!found) {
            cli_error(o, "--input: network '%s' has no input named '%.*s'", s->loadable->network, (int)n,
                      o->input_names[i]);
            return CLI_EXIT_ERROR;
        }
    }
    for (int j = 0; j < s->num_jobs; ++j) {
        int rc = bind_job_inputs(s, j);
        if (rc != CLI_EXIT_OK)
            return rc;
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

/* meta.network: the network's name, or every network's joined by " + ". */
static void network_names(const cli_run_state *s, char *dst, size_t size)
{
    snprintf(dst, size, "%s", s->loadable->network);
    for (int j = 1; j < s->num_networks; ++j) {
        size_t n = strlen(dst);
        if (n + 4 < size)
            snprintf(dst + n, size - n, " + %.*s", (int)(size - n - 4), s->extra[j]->network);
    }
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
    network_names(s, r->meta.network, sizeof r->meta.network);
    snprintf(r->meta.precision, sizeof r->meta.precision, "%s", dla_precision_name(s->loadable->precision));
    r->meta.batch = (int)s->loadable->batch;
    r->meta.cores = s->num_cores;
    r->meta.functional = o->functional;
    if (!r->meta.config_json) {
        cli_error(o, "out of memory");
        return CLI_EXIT_ERROR;
    }
    size_t total = 0, total_ops = 0;
    for (int j = 0; j < s->num_jobs; ++j) {
        size_t n = 0;
        dla_driver_layers(s->drivers[j], &n);
        total += n;
        dla_driver_ops(s->drivers[j], &n);
        total_ops += n;
    }
    if (total && !(r->layers = malloc(total * sizeof *r->layers))) {
        cli_error(o, "out of memory");
        return CLI_EXIT_ERROR;
    }
    if (total_ops && !(r->ops = malloc(total_ops * sizeof *r->ops))) {
        cli_error(o, "out of memory");
        return CLI_EXIT_ERROR;
    }
    for (int j = 0; j < s->num_jobs; ++j) {
        size_t n = 0;
        const dla_layer_record *layers = dla_driver_layers(s->drivers[j], &n);
        if (n)
            memcpy(r->layers + r->num_layers, layers, n * sizeof *r->layers);
        r->num_layers += n;
        const dla_op_record *ops = dla_driver_ops(s->drivers[j], &n);
        if (n)
            memcpy(r->ops + r->num_ops, ops, n * sizeof *r->ops);
        r->num_ops += n;
    }
    uint64_t cycles = dla_platform_total_cycles(s->platform);
    if (dla_platform_stats(s->platform, &r->stats, &r->num_stats, &err) != DLA_OK ||
        dla_platform_samples(s->platform, &r->samples, &err) != DLA_OK ||
        dla_result_summarize(r, s->cfg, s->mode, cycles, &err) != DLA_OK) {
        cli_error(o, "%s", err.msg);
        return CLI_EXIT_ERROR;
    }
    /* Several inferences or networks: the summary counts every image the run processed (it assumes one
     * batch per core); latency becomes the mean latency of job 0's timed inferences. */
    uint32_t inf = s->inferences ? s->inferences : 1;
    if (inf > 1 || s->num_networks > 1) {
        double images = 0, run_s = (double)cycles / (s->mode->dla_clock_mhz * 1e6);
        for (int j = 0; j < s->num_jobs; ++j)
            images += (double)s->job_loadable[j]->batch * inf;
        r->summary.images_per_s = images / run_s;
        r->summary.images_per_joule = r->summary.energy_mj > 0 ? images / (r->summary.energy_mj * 1e-3) : 0.0;
        cli_inference_stats st;
        if (inf > 1 && cli_inference_stats_of(s, 0, &st))
            r->summary.latency_ms = st.mean_ms;
    }
    return CLI_EXIT_OK;
}

/* The runtime of one core: its networks one after another, as the runtime submits them. */
typedef struct core_chain {
    dla_driver *drivers[CLI_MAX_JOBS];
    int n;
} core_chain;

static dla_status chain_controller(dla_controller *ctl, void *user)
{
    core_chain *c = user;
    for (int i = 0; i < c->n; ++i) {
        dla_status st = dla_driver_controller(ctl, c->drivers[i]);
        if (st != DLA_OK)
            return st;
    }
    return DLA_OK;
}

/* TensorRT allows 16 DLA loadables per core; each DLA subgraph of a GPU-fallback network is one. */
static int check_loadables_per_core(const cli_run_state *s)
{
    for (int c = 0; c < DLA_MAX_CORES; ++c) {
        uint32_t count = 0;
        char list[512] = "";
        size_t len = 0;
        for (int j = 0; j < s->num_jobs; ++j) {
            if (s->job_core[j] != c)
                continue;
            const dla_loadable *l = s->job_loadable[j];
            uint32_t sub = 0;
            for (uint32_t g = 0; g < l->num_segments; ++g)
                sub += l->segments[g].kind == DLA_SEGMENT_DLA;
            if (!l->num_segments)
                sub = 1;
            count += sub;
            if (len < sizeof list - 64)
                len += (size_t)snprintf(list + len, sizeof list - len, "%s'%s' %u", len ? ", " : "", l->network, sub);
        }
        if (count > DLA_MAX_DLA_SEGMENTS) {
            cli_error(&s->opts,
                      "DLA core %d would hold %u DLA loadables (%s%s), at most %d: TensorRT allows 16 DLA loadables "
                      "per core, and each DLA subgraph of a GPU-fallback network is one (orin-facts §8); spread the "
                      "networks over --cores 2 or run fewer",
                      c, count, list, len >= sizeof list - 64 ? ", ..." : "", DLA_MAX_DLA_SEGMENTS);
            return CLI_EXIT_ERROR;
        }
    }
    return CLI_EXIT_OK;
}

int cli_simulate(cli_run_state *s)
{
    const cli_options *o = &s->opts;
    dla_error err = {{0}};
    /* Jobs: one network copied on each core, or several networks each on its core. */
    s->num_jobs = 0;
    if (s->num_networks > 1) {
        for (int j = 0; j < s->num_networks; ++j) {
            s->job_loadable[j] = j ? s->extra[j] : s->loadable;
            s->job_core[j] = s->network_core[j];
        }
        s->num_jobs = s->num_networks;
    } else {
        for (int c = 0; c < s->num_cores; ++c) {
            s->job_loadable[c] = s->loadable;
            s->job_core[c] = s->cores[c];
        }
        s->num_jobs = s->num_cores;
    }
    int rc = check_loadables_per_core(s);
    if (rc != CLI_EXIT_OK)
        return rc;
    for (int j = 0; j < s->num_jobs; ++j) {
        const dla_loadable *l = s->job_loadable[j];
        /* The conv core refuses these too, but only once the simulation reaches them. */
        for (uint32_t i = 0; o->functional && i < l->num_ops; ++i)
            if (l->ops[i].kind == DLA_OP_CONV && l->ops[i].u.conv.weight_format == DLA_WEIGHT_SPARSE_2_4) {
                cli_error(o,
                          "--functional: layer '%s' has 2:4 sparse weights, which the hardware model simulates in "
                          "timing mode only (run without --functional, or compile with --sparsity=disable)",
                          l->layers[l->ops[i].layer].name);
                return CLI_EXIT_ERROR;
            }
        if (o->functional && l->num_gpu_layers) {
            cli_error(o,
                      "--functional: network '%s' has %u GPU-fallback layer(s) (first '%s'); the GPU model times them "
                      "but computes no data (run without --functional)",
                      l->network, l->num_gpu_layers, l->gpu_layers[0].name);
            return CLI_EXIT_ERROR;
        }
    }
    dla_platform_opts popts = {.functional = o->functional,
                               .sample_cycles =
                                   (uint64_t)(o->sample_cycles_given ? o->sample_cycles : CLI_DEFAULT_SAMPLE_CYCLES)};
    if (dla_platform_create(s->cfg, s->mode, &popts, &s->platform, &err) != DLA_OK) {
        cli_error(o, "%s", err.msg);
        return CLI_EXIT_ERROR;
    }
    core_chain chains[DLA_MAX_CORES];
    memset(chains, 0, sizeof chains);
    for (int j = 0; j < s->num_jobs; ++j) {
        core_chain *c = &chains[s->job_core[j]];
        dla_driver_opts dopts = {.core = s->job_core[j],
                                 .verbose = o->verbose,
                                 .mode = s->mode,
                                 .inferences = s->inferences,
                                 .after = c->n ? c->drivers[c->n - 1] : NULL};
        if (dla_driver_create(s->cfg, s->job_loadable[j], s->platform, &dopts, &s->drivers[j], &err) != DLA_OK) {
            cli_error(o, "%s", err.msg);
            return CLI_EXIT_ERROR;
        }
        c->drivers[c->n++] = s->drivers[j];
    }
    rc = bind_inputs(s);
    if (rc != CLI_EXIT_OK)
        return rc;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    dla_controller_fn fns[DLA_MAX_CORES];
    void *users[DLA_MAX_CORES];
    int cores[DLA_MAX_CORES], n = 0;
    for (int c = 0; c < DLA_MAX_CORES; ++c)
        if (chains[c].n) {
            cores[n] = c;
            fns[n] = chain_controller;
            users[n++] = &chains[c];
        }
    if (dla_platform_run(s->platform, n, cores, fns, users, &err) != DLA_OK) {
        cli_error(o, "%s", err.msg);
        return CLI_EXIT_ERROR;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    s->wall_s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    return collect_result(s);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[0..n). */
static double percentile(const double *v, size_t n, double p)
{
    size_t rank = (size_t)ceil(p / 100.0 * (double)n);
    return v[rank ? rank - 1 : 0];
}

bool cli_inference_stats_of(const cli_run_state *s, int job, cli_inference_stats *st)
{
    memset(st, 0, sizeof *st);
    size_t n = 0;
    const dla_inference_record *rec = dla_driver_inferences(s->drivers[job], &n);
    uint32_t warm = s->opts.warmup > 0 ? (uint32_t)s->opts.warmup : 0;
    if (!rec || n == 0 || warm >= n || n - warm > CLI_MAX_STATS_INFERENCES)
        return false;
    double mhz = s->mode->dla_clock_mhz;
    st->simulated = (uint32_t)n;
    st->warmup = warm;
    st->timed = (uint32_t)(n - warm);
    st->first_ms = (double)(rec[0].done_cycle - rec[0].submit_cycle) / (mhz * 1e3);
    double sum = 0;
    for (size_t k = warm; k < n; ++k) {
        double ms = (double)(rec[k].done_cycle - rec[k].submit_cycle) / (mhz * 1e3);
        st->latency_ms[k - warm] = ms;
        sum += ms;
    }
    st->mean_ms = sum / st->timed;
    /* Steady state: completions of the timed inferences apart (the first timed one's from the one before
     * it, or from the first one's submission). */
    uint64_t from = warm ? rec[warm - 1].done_cycle : rec[0].submit_cycle;
    st->period_ms = (double)(rec[n - 1].done_cycle - from) / st->timed / (mhz * 1e3);
    double sorted[CLI_MAX_STATS_INFERENCES];
    memcpy(sorted, st->latency_ms, st->timed * sizeof *sorted);
    qsort(sorted, st->timed, sizeof *sorted, cmp_double);
    st->min_ms = sorted[0];
    st->max_ms = sorted[st->timed - 1];
    st->median_ms = st->timed % 2 ? sorted[st->timed / 2] : (sorted[st->timed / 2 - 1] + sorted[st->timed / 2]) / 2;
    st->p90_ms = percentile(sorted, st->timed, 90);
    st->p95_ms = percentile(sorted, st->timed, 95);
    st->p99_ms = percentile(sorted, st->timed, 99);
    return true;
}

/* What `run --iterations` adds to the report: per job, the inferences as simulated. */
static void print_inferences(const cli_run_state *s)
{
    for (int j = 0; j < s->num_jobs; ++j) {
        cli_inference_stats st;
        if (!cli_inference_stats_of(s, j, &st))
            continue;
        const dla_loadable *l = s->job_loadable[j];
        printf("inferences (SIMULATED) of '%s' on DLA%d: %u simulated back to back (%u warm-up, %u timed)\n",
               l->network, s->job_core[j], st.simulated, st.warmup, st.timed);
        printf("  %-18s %.4f ms (none of its inferences in flight before it)\n", "first latency", st.first_ms);
        printf("  %-18s %.4f ms per inference = %.1f inferences/s = %.1f images/s (timed inferences' completions "
               "apart)\n",
               "steady state", st.period_ms, 1e3 / st.period_ms, 1e3 / st.period_ms * l->batch);
        printf("  %-18s min %.4f, mean %.4f, median %.4f, p90 %.4f, p95 %.4f, p99 %.4f, max %.4f ms (submission "
               "to completion of each timed inference)\n",
               "latency", st.min_ms, st.mean_ms, st.median_ms, st.p90_ms, st.p95_ms, st.p99_ms, st.max_ms);
        if (st.max_ms == st.min_ms)
            printf("  every timed inference took the same time: nothing varied between them\n");
    }
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
    int nets = o->num_positional + o->num_loadables;
    if (nets < 1) {
        cli_error(o, "expected a network (X.dlal or MODEL.onnx) (see dlasim run --help)");
        return CLI_EXIT_USAGE;
    }
    if (nets > CLI_MAX_NETWORKS) {
        cli_error(o, "%d networks given, at most %d in one run", nets, CLI_MAX_NETWORKS);
        return CLI_EXIT_USAGE;
    }
    if (o->save_outputs && !o->functional) {
        cli_error(o, "--save-outputs needs --functional (timing-only runs compute no data)");
        return CLI_EXIT_USAGE;
    }
    if (o->save_outputs && nets > 1) {
        cli_error(o, "--save-outputs: give one network (outputs of several networks would share the directory)");
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
    s.inferences = (uint32_t)((o->iterations ? o->iterations : 1) + o->warmup);
    for (int j = 0; j < nets; ++j) {
        const char *path = j < o->num_positional ? o->positional[j] : o->loadables[j - o->num_positional];
        rc = cli_load_network(o, path, s.cfg, j ? &s.extra[j] : &s.loadable);
        if (rc != CLI_EXIT_OK)
            goto done;
        s.num_networks = j + 1;
        /* Several networks: network j on core j mod --cores (or all on --core). */
        s.network_core[j] = o->cores ? j % o->cores : o->core;
    }
    if (nets > 1) {
        s.num_cores = o->cores ? (nets < o->cores ? nets : o->cores) : 1;
        for (int c = 0; c < s.num_cores; ++c)
            s.cores[c] = o->cores ? c : o->core;
    }

    rc = cli_simulate(&s);
    if (rc == CLI_EXIT_OK) {
        dla_report_print(s.result, stdout);
        if (s.inferences > 1)
            print_inferences(&s);
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
