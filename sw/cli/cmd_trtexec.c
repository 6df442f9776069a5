/* `dlasim trtexec`: NVIDIA's trtexec command lines for the DLA, run on the simulator: build (compile
 * ONNX) or load a loadable, simulate repeated inferences on one DLA core, report it the way trtexec does
 * (docs/trtexec.md). Every time printed or exported is SIMULATED. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dla/trace.h"
#include "trtexec.h"

#ifndef DLASIM_VERSION
#define DLASIM_VERSION "unknown"
#endif

static const char trtexec_help[] =
    "usage: dlasim trtexec --onnx=MODEL.onnx (--int8|--fp16) [options]\n"
    "       dlasim trtexec --loadEngine=X.dlal [options]\n"
    "\n"
    "trtexec's DLA command lines on the simulator: build or load, simulate repeated inferences on one\n"
    "DLA core, print trtexec's performance summary. All times are SIMULATED. Flags take --flag=value or\n"
    "--flag value. Details: docs/trtexec.md.\n"
    "\n"
    "  --onnx=FILE               compile an ONNX model (needs --int8 or --fp16)\n"
    "  --loadEngine=FILE         run a dlasim loadable (from --saveEngine or `dlasim compile`)\n"
    "  --saveEngine=FILE         write the loadable (a dlasim loadable, not a TensorRT engine)\n"
    "  --int8, --fp16            DLA precision (both: INT8)\n"
    "  --useDLACore=N            DLA core (default 0)\n"
    "  --shapes=name:NxCxHxW,..  input shapes: fix dynamic dimensions; a static input may change only its batch\n"
    "  --iterations=N            timed queries, at least (default 10)\n"
    "  --warmUp=MS               warm-up time (default 200; one warm-up inference is simulated if > 0)\n"
    "  --duration=S              timed run length, at least (default 3)\n"
    "  --exportProfile=FILE      per-layer profile JSON, trtexec's layout\n"
    "  --exportTimes=FILE        per-query timing JSON, trtexec's layout (H2D/D2H are 0)\n"
    "  --dumpProfile             print the per-layer profile\n"
    "  --inputIOFormats=SPEC     checked against the DLA's I/O formats, otherwise not modelled\n"
    "  --outputIOFormats=SPEC    likewise\n"
    "  --sparsity=disable|enable|force  2:4 sparse INT8 weights (as dlasim compile --sparsity)\n"
    "  --calib=FILE              TensorRT calibration cache: read if it exists, else written after calibration\n"
    "  --layerPrecisions=L:P,..  per-layer precision (as dlasim compile --layer-precision)\n"
    "  --allowGPUFallback        layers the DLA cannot run become GPU layers (timed by the GPU model)\n"
    "  --gap=dla|gpu             GlobalAveragePool: DLA AveragePool rewrite (default) or GPU (TensorRT 8.4)\n"
    "  --buildDLAStandalone      DLA only: a network with GPU layers is an error\n"
    "  --memPoolSize, --useSpinWait, --separateProfileRun, --idleTime,\n"
    "  --avgRuns, --noDataTransfers, --workspace\n"
    "                            accepted and ignored (--verbose says why)\n"
    "  --verbose                 compile report and a note for each ignored flag\n"
    "dlasim's own:\n"
    "  --config NAME|PATH        hardware config (default orin-agx-64gb)\n"
    "  --power-mode MODE         power mode (default: the config's first, e.g. MAXN)\n"
    "  --set KEY=VALUE           override a config value (repeatable)\n"
    "  --simIterations=N         timed inferences to simulate back to back (default 10; the rest of the\n"
    "                            queries are extrapolated at the simulated steady-state period)\n"
    "  --trace FILE.h5           write the HDF5 trace of the simulated inferences\n";

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0->tv_nsec);
}

/* The input names of a loadable, for error messages. */
static void input_names(const dla_loadable *l, char *dst, size_t size)
{
    dst[0] = '\0';
    for (uint32_t t = 0; t < l->num_tensors; ++t) {
        if (l->tensors[t].role != DLA_TENSOR_INPUT)
            continue;
        size_t n = strlen(dst);
        snprintf(dst + n, size - n, "%s'%s'", n ? ", " : "", l->tensors[t].name);
    }
}

/* Every --shapes entry names one batch: that is the batch the loadable is compiled for. */
static int shapes_batch(const trt_args *a, int *batch)
{
    *batch = 0;
    for (int i = 0; i < a->num_shapes; ++i) {
        const trt_shape *s = &a->shapes[i];
        if (i > 0 && s->dims[0] != a->shapes[0].dims[0]) {
            cli_error(&a->o,
                      "--shapes: inputs '%s' (batch %u) and '%s' (batch %u) differ in batch; a DLA loadable "
                      "has one batch size",
                      a->shapes[0].name, a->shapes[0].dims[0], s->name, s->dims[0]);
            return CLI_EXIT_ERROR;
        }
        if (s->dims[0] > 4096) {
            cli_error(&a->o, "--shapes: input '%s': batch %u, the DLA allows at most 4096", s->name, s->dims[0]);
            return CLI_EXIT_ERROR;
        }
        *batch = (int)s->dims[0];
    }
    return CLI_EXIT_OK;
}

static int check_shapes(const trt_args *a, const dla_loadable *l, const char *source)
{
    for (int i = 0; i < a->num_shapes; ++i) {
        const trt_shape *s = &a->shapes[i];
        const dla_ltensor *t = NULL;
        for (uint32_t k = 0; k < l->num_tensors && !t; ++k)
            if (l->tensors[k].role == DLA_TENSOR_INPUT && strcmp(l->tensors[k].name, s->name) == 0)
                t = &l->tensors[k];
        if (!t) {
            char names[512];
            input_names(l, names, sizeof names);
            cli_error(&a->o, "--shapes: %s has no input named '%s' (inputs: %s)", source, s->name, names);
            return CLI_EXIT_ERROR;
        }
        if (t->c != s->dims[1] || t->h != s->dims[2] || t->w != s->dims[3]) {
            cli_error(&a->o,
                      "--shapes: input '%s' is %ux%ux%ux%u in %s, --shapes asks %ux%ux%ux%u: only the batch "
                      "(first) dimension may change; dynamic shapes are not supported yet",
                      s->name, t->n, t->c, t->h, t->w, source, s->dims[0], s->dims[1], s->dims[2], s->dims[3]);
            return CLI_EXIT_ERROR;
        }
        if (t->n != s->dims[0]) {
            cli_error(&a->o,
                      "--shapes: input '%s': %s was built for batch %u, --shapes asks %u; rebuild it with --onnx "
                      "and --shapes",
                      s->name, source, t->n, s->dims[0]);
            return CLI_EXIT_ERROR;
        }
    }
    return CLI_EXIT_OK;
}

/* One format for all inputs (outputs) or one per tensor, as trtexec requires; dla_hwc4 holds at most
 * 4 channels (orin-facts §3). */
static int check_formats(const trt_args *a, const dla_loadable *l, bool input)
{
    const char *flag = input ? "--inputIOFormats" : "--outputIOFormats";
    const trt_io_format *f = input ? a->in_formats : a->out_formats;
    int nf = input ? a->num_in_formats : a->num_out_formats, count = 0;
    uint32_t role = input ? DLA_TENSOR_INPUT : DLA_TENSOR_OUTPUT;
    for (uint32_t t = 0; t < l->num_tensors; ++t)
        count += l->tensors[t].role == role;
    if (nf == 0)
        return CLI_EXIT_OK;
    if (nf != 1 && nf != count) {
        cli_error(&a->o, "%s: %d formats for %d network %s (give one per tensor, or one for all)", flag, nf, count,
                  input ? "inputs" : "outputs");
        return CLI_EXIT_ERROR;
    }
    int i = 0;
    for (uint32_t t = 0; t < l->num_tensors; ++t) {
        const dla_ltensor *tt = &l->tensors[t];
        if (tt->role != role)
            continue;
        if (f[nf == 1 ? 0 : i].only_hwc4 && tt->c > 4) {
            cli_error(&a->o, "%s: dla_hwc4 holds at most 4 channels (orin-facts §3); input '%s' has %u", flag, tt->name,
                      tt->c);
            return CLI_EXIT_ERROR;
        }
        i++;
    }
    return CLI_EXIT_OK;
}

static void print_bindings(const dla_loadable *l)
{
    for (int pass = 0; pass < 2; ++pass) {
        uint32_t role = pass ? DLA_TENSOR_OUTPUT : DLA_TENSOR_INPUT;
        for (uint32_t t = 0; t < l->num_tensors; ++t) {
            const dla_ltensor *tt = &l->tensors[t];
            if (tt->role == role)
                printf("[I] Created %s binding for %s with dimensions %ux%ux%ux%u\n", pass ? "output" : "input",
                       tt->name, tt->n, tt->c, tt->h, tt->w);
        }
    }
}

/* --buildDLAStandalone: a cuDLA standalone loadable has no GPU part (docs/runtime.md). */
static int check_standalone(const trt_args *a, const dla_loadable *l, const char *path)
{
    if (!a->standalone || !l->num_gpu_layers)
        return CLI_EXIT_OK;
    cli_error(&a->o,
              "%s: --buildDLAStandalone: %u layer(s) run on the GPU (first '%s'); a standalone DLA loadable cannot "
              "hold them: drop --allowGPUFallback or remove those layers",
              path, l->num_gpu_layers, l->gpu_layers[0].name);
    return CLI_EXIT_ERROR;
}

/* Build (--onnx) or load (--loadEngine) into s->loadable, printing what trtexec prints. */
static int get_engine(trt_args *a, cli_run_state *s)
{
    dla_error err = {{0}};
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (a->load_engine) {
        if (dla_loadable_read_file(a->load_engine, &s->loadable, &err) != DLA_OK) {
            cli_error(&a->o, "--loadEngine: %s", err.msg);
            return CLI_EXIT_ERROR;
        }
        printf("[I] Engine loaded from %s in %g sec (dlasim loadable: network %s, %s, batch %u, built for %s)\n",
               a->load_engine, seconds_since(&t0), s->loadable->network, dla_precision_name(s->loadable->precision),
               s->loadable->batch, s->loadable->target_config);
        if (s->loadable->num_segments) /* the split is only known from the loadable's segments */
            trt_print_layer_blocks(s->loadable, stdout);
        int rc = check_shapes(a, s->loadable, a->load_engine);
        return rc == CLI_EXIT_OK ? check_standalone(a, s->loadable, a->load_engine) : rc;
    }
    printf("[I] Start parsing network model.\n");
    int rc = cli_load_network(&s->opts, a->onnx, s->cfg, &s->loadable);
    if (rc != CLI_EXIT_OK)
        return rc;
    if ((rc = check_shapes(a, s->loadable, a->onnx)) != CLI_EXIT_OK)
        return rc;
    trt_print_layer_blocks(s->loadable, stdout);
    if ((rc = check_standalone(a, s->loadable, a->onnx)) != CLI_EXIT_OK)
        return rc;
    printf("[I] Engine built in %g sec.\n", seconds_since(&t0));
    return CLI_EXIT_OK;
}

static int write_outputs(const trt_args *a, cli_run_state *s, const trt_timing *t, const uint64_t *shares)
{
    dla_error err = {{0}};
    if (a->export_times && trt_times_fit(t, &err) != DLA_OK) { /* before any file: all or nothing */
        cli_error(&a->o, "--exportTimes: %s", err.msg);
        return CLI_EXIT_ERROR;
    }
    if (a->save_engine) {
        if (dla_loadable_write_file(s->loadable, a->save_engine, &err) != DLA_OK) {
            cli_error(&a->o, "--saveEngine: %s", err.msg);
            return CLI_EXIT_ERROR;
        }
        printf("[I] Engine saved to %s (a dlasim loadable, not a TensorRT engine)\n", a->save_engine);
    }
    if (a->export_profile) {
        if (trt_write_profile(a->export_profile, s->result, t, shares, &err) != DLA_OK) {
            cli_error(&a->o, "--exportProfile: %s", err.msg);
            return CLI_EXIT_ERROR;
        }
        printf("[I] Profile exported to %s\n", a->export_profile);
    }
    if (a->export_times) {
        if (trt_write_times(a->export_times, t, &err) != DLA_OK) {
            cli_error(&a->o, "--exportTimes: %s", err.msg);
            return CLI_EXIT_ERROR;
        }
        printf("[I] Times exported to %s\n", a->export_times);
    }
    if (a->o.trace) {
        if (dla_trace_write(a->o.trace, s->result, &err) != DLA_OK) {
            cli_error(&a->o, "--trace: %s", err.msg);
            return CLI_EXIT_ERROR;
        }
        printf("[I] dlasim: trace written to %s\n", a->o.trace);
    }
    return CLI_EXIT_OK;
}

static void print_command(const char *status, int argc, char **argv)
{
    printf("&&&& %s dlasim.trtexec [dlasim %s] # dlasim", status, DLASIM_VERSION);
    for (int i = 1; i < argc; ++i)
        printf(" %s", argv[i]);
    printf("\n");
}

int cmd_trtexec(int argc, char **argv)
{
    trt_args *a = calloc(1, sizeof *a); /* ~20 KiB of notes: keep it off the stack */
    if (!a) {
        fprintf(stderr, "dlasim trtexec: out of memory\n");
        return CLI_EXIT_ERROR;
    }
    a->o.command = "trtexec";
    cli_run_state s = {.opts = {.command = "trtexec"}};
    uint64_t *shares = NULL;
    cli_inference_stats *stats = NULL; /* ~32 KiB: off the stack */
    bool started = false;              /* "&&&& RUNNING" printed: a FAILED or PASSED line closes it */
    int rc = trt_parse(argc, argv, a);
    if (rc != CLI_EXIT_OK)
        goto done;
    if (a->o.help) {
        fputs(trtexec_help, stdout);
        goto done;
    }
    if (!a->onnx == !a->load_engine) {
        cli_error(&a->o, "give one of --onnx=MODEL.onnx or --loadEngine=FILE (see dlasim trtexec --help)");
        rc = CLI_EXIT_USAGE;
        goto done;
    }
    print_command("RUNNING", argc, argv);
    started = true;
    if (a->onnx && !a->int8 && !a->fp16) {
        cli_error(&a->o, "--onnx: the DLA computes in INT8 or FP16 only: add --int8 or --fp16 (trtexec fails to build "
                         "a DLA engine without either)");
        rc = CLI_EXIT_ERROR;
        goto done;
    }
    if (a->onnx && a->int8 && a->fp16)
        trt_note(a, "--int8 --fp16: every layer is compiled in INT8 (TensorRT may choose FP16 per layer; dlasim "
                    "compiles one precision)");
    if (a->load_engine && (a->int8 || a->fp16))
        trt_note(a, "--%s: ignored with --loadEngine: the loadable's precision was fixed when it was built",
                 a->int8 ? "int8" : "fp16");
    a->o.precision = a->int8 ? DLA_PRECISION_INT8 : DLA_PRECISION_FP16;
    if ((rc = shapes_batch(a, &a->o.batch)) != CLI_EXIT_OK)
        goto done;

    s.opts = a->o;
    if ((rc = cli_load_config(&s.opts, &s.cfg)) != CLI_EXIT_OK)
        goto done;
    s.mode = dla_config_power_mode(s.cfg, a->o.power_mode);
    if (a->o.core >= s.cfg->num_cores) {
        cli_error(&a->o, "--useDLACore=%d: config '%s' has %d DLA core(s)", a->o.core, s.cfg->name, s.cfg->num_cores);
        rc = CLI_EXIT_ERROR;
        goto done;
    }
    printf("[I] dlasim: all times below are SIMULATED (cycle-level model of %s at %s, DLA clock %.1f MHz); nothing "
           "is measured on hardware\n",
           s.cfg->name, s.mode->name, s.mode->dla_clock_mhz);
    if (!a->core_given)
        printf("[W] --useDLACore not given: trtexec would build a GPU engine; dlasim simulates DLA core 0\n");
    printf("[I] Selected Device: simulated DLA core %d of %s (%d core(s))\n", a->o.core, s.cfg->name, s.cfg->num_cores);
    if (a->o.verbose)
        for (int i = 0; i < a->num_notes; ++i)
            printf("[V] dlasim: %s\n", a->notes[i]);

    if ((rc = get_engine(a, &s)) != CLI_EXIT_OK || (rc = check_formats(a, s.loadable, true)) != CLI_EXIT_OK ||
        (rc = check_formats(a, s.loadable, false)) != CLI_EXIT_OK)
        goto done;
    print_bindings(s.loadable);

    printf("[I] Starting inference\n");
    fflush(stdout);
    s.num_cores = 1;
    s.cores[0] = a->o.core;
    s.opts.verbose = false; /* trtexec's --verbose means the build log; the driver's register log is `run -v` */
    /* One warm-up inference when trtexec warms up, then the timed ones (trtexec.h). */
    s.opts.warmup = a->warmup_ms > 0 ? 1 : 0;
    s.opts.iterations = a->duration_s > 0 || a->iterations > a->sim_iterations ? a->sim_iterations : a->iterations;
    s.inferences = (uint32_t)(s.opts.warmup + s.opts.iterations);
    if ((rc = cli_simulate(&s)) != CLI_EXIT_OK)
        goto done;
    stats = malloc(sizeof *stats);
    if (!stats || !cli_inference_stats_of(&s, 0, stats)) {
        cli_error(&a->o, stats ? "no timed inference was simulated" : "out of memory");
        rc = CLI_EXIT_ERROR;
        goto done;
    }
    trt_timing timing;
    size_t nrec = 0;
    const dla_inference_record *rec = dla_driver_inferences(s.drivers[0], &nrec);
    if ((rc = trt_timing_derive(a, stats, rec, s.mode->dla_clock_mhz, &timing)) != CLI_EXIT_OK)
        goto done;
    shares = calloc(s.result->num_layers ? s.result->num_layers : 1, sizeof *shares);
    if (!shares) {
        cli_error(&a->o, "out of memory");
        rc = CLI_EXIT_ERROR;
        goto done;
    }
    trt_layer_shares(s.result, shares);
    trt_print_summary(a, s.result, &timing, s.wall_s, stdout);
    if (a->dump_profile)
        trt_print_profile(s.result, &timing, shares, stdout);
    rc = write_outputs(a, &s, &timing, shares);
done:
    if (started)
        print_command(rc == CLI_EXIT_OK ? "PASSED" : "FAILED", argc, argv);
    free(shares);
    free(stats);
    cli_run_state_free(&s);
    free(a);
    return rc;
}
