/* `dlasim sweep`: run an architecture-exploration sweep (sw/sweep) on local workers or over MPI, and
 * `dlasim sweep report`: Pareto fronts, sensitivities and best points (tools/dlasim_sweep_report.py).
 * The job function below is what each worker child runs: `dlasim run` of one point, in-process. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "python_tool.h"
#include "dla/area.h"
#include "dla/sweep.h"
#include "dla/trace.h"

static const char sweep_help[] =
    "usage: dlasim sweep SPEC.json -o RESULTS.h5 [-j N] [-q] [--traces] [--mpi]\n"
    "       dlasim sweep report RESULTS.h5 [-o DIR]\n"
    "\n"
    "Run every point of a sweep spec (docs/sweeps.md) and collect one /points row per point and network\n"
    "(SIMULATED metrics; area_mm2 is an ESTIMATE). Re-running the same command resumes: jobs already in\n"
    "RESULTS.h5.d/journal.jsonl are skipped. Loadables are compiled once per compile-affecting input and\n"
    "reused (RESULTS.h5.d/loadables/).\n"
    "\n"
    "  -o FILE.h5      results file (side files in FILE.h5.d/)\n"
    "  -j N            local worker processes (default: the number of cores)\n"
    "  -q, --quiet     no progress bar and no summary line\n"
    "  --traces        keep each job's full HDF5 trace in FILE.h5.d/traces/\n"
    "  --mpi           run under mpirun: rank 0 schedules and writes, the other ranks simulate\n"
    "                  (mpirun -n 3 dlasim sweep SPEC.json -o R.h5 --mpi)\n"
    "\n"
    "report: writes DIR/report.md and PNG plots (default DIR: RESULTS.h5 without .h5, plus _report).\n";

static void sweep_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "dlasim sweep: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
}

/* Loads the job's loadable from the cache, or compiles it and caches it (write then rename, so a
 * concurrent reader or a kill never sees half a file). */
static dla_status job_loadable(const dla_sweep_job *job, const dla_config *cfg, dla_loadable **out, dla_error *err)
{
    if (job->loadable_cache[0] && access(job->loadable_cache, R_OK) == 0)
        return dla_loadable_read_file(job->loadable_cache, out, err);
    char calib[1100];
    dla_sweep_calib_cache_path(job, cfg, calib, sizeof calib);
    dla_compile_opts copts = {0};
    copts.cfg = cfg;
    copts.calib_cache = calib[0] ? calib : NULL; /* calibrate once per network, not once per geometry */
    copts.precision = job->precision;
    copts.batch = job->batch;
    copts.sparsity = job->sparsity;
    copts.sram_pool_bytes = DLA_SRAM_POOL_CONFIG; /* as dlasim compile / run: the point's whole SRAM */
    dla_status st = dla_compile_onnx(job->onnx_path, &copts, out, err);
    if (st != DLA_OK || !job->loadable_cache[0])
        return st;
    return dla_loadable_write_file(*out, job->loadable_cache, err); /* atomic: concurrent workers never see a part */
}

static dla_status sweep_job(const dla_sweep_job *job, void *user, dla_sweep_metrics *m, dla_error *err)
{
    (void)user;
    cli_run_state s = {.opts = {.command = "sweep"}};
    const char *sets[DLA_SWEEP_MAX_SETS];
    for (int i = 0; i < job->num_sets; i++)
        sets[i] = job->sets[i];
    dla_status st = dla_config_load(job->config, sets, job->num_sets, &s.cfg, err);
    if (st == DLA_OK && !(s.mode = dla_config_power_mode(s.cfg, job->power_mode)))
        st = dla_error_set(err, DLA_ERR_INVALID, "config '%s' has no power mode '%s'", s.cfg->name, job->power_mode);
    if (st == DLA_OK)
        st = job_loadable(job, s.cfg, &s.loadable, err);
    if (st == DLA_OK) {
        s.num_cores = 1;
        s.cores[0] = 0;
        if (cli_simulate(&s) != CLI_EXIT_OK) {
            /* cli_simulate printed why; the coordinator takes the row's message from that line */
            m->ok = false;
            cli_run_state_free(&s);
            return DLA_OK;
        }
        const dla_run_summary *sum = &s.result->summary;
        m->ok = true;
        m->cycles = sum->total_cycles;
        m->latency_ms = sum->latency_ms;
        m->images_per_s = sum->images_per_s;
        m->tops = sum->tops;
        m->mac_utilization = sum->mac_utilization;
        m->dram_read_bytes = sum->dram_read_bytes;
        m->dram_write_bytes = sum->dram_write_bytes;
        m->energy_mj = sum->energy_mj;
        m->avg_power_w = sum->avg_power_w;
        m->perf_per_w = sum->images_per_joule;
        dla_area_estimate a;
        dla_error aerr = {{0}};
        m->area_mm2 = dla_area_estimate_core(s.cfg, &a, &aerr) == DLA_OK ? a.total_mm2 : NAN;
        if (job->trace_path[0])
            st = dla_trace_write(job->trace_path, s.result, err);
    }
    cli_run_state_free(&s);
    return st;
}

static int run_report(int argc, char **argv)
{
    const char *results = NULL, *out = NULL;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(sweep_help, stdout);
            return CLI_EXIT_OK;
        } else if (argv[i][0] == '-') {
            sweep_error("report: unknown option '%s' (see dlasim sweep --help)", argv[i]);
            return CLI_EXIT_USAGE;
        } else if (!results)
            results = argv[i];
        else {
            sweep_error("report: unexpected argument '%s' (one RESULTS.h5)", argv[i]);
            return CLI_EXIT_USAGE;
        }
    }
    if (!results) {
        sweep_error("%s", "report: expected RESULTS.h5 (see dlasim sweep --help)");
        return CLI_EXIT_USAGE;
    }
    /* The same launcher as `validate` and `trace diff|csv|plot` (python_tool.c). */
    const char *args[3] = {results, "--out", out};
    return cli_run_python_tool("sweep report", "tools/dlasim_sweep_report.py", args, out ? 3 : 1);
}

static bool parse_int(const char *s, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > 1024)
        return false;
    *out = (int)v;
    return true;
}

/* Under mpirun every rank parses the spec; only rank 0 prints a spec error. */
static bool is_mpi_worker_rank(void)
{
    const char *r = getenv("OMPI_COMM_WORLD_RANK");
    if (!r)
        r = getenv("PMI_RANK");
    return r && strcmp(r, "0") != 0;
}

int cmd_sweep(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[2], "report") == 0)
        return run_report(argc, argv);
    dla_sweep_run_opts opts = {.fn = sweep_job};
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    opts.workers = cores > 0 ? (int)(cores < 1024 ? cores : 1024) : 1;
    const char *spec_path = NULL;
    bool mpi = false;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(sweep_help, stdout);
            return CLI_EXIT_OK;
        } else if (strcmp(a, "-o") == 0) {
            if (i + 1 >= argc) {
                sweep_error("%s", "-o: expected a file name");
                return CLI_EXIT_USAGE;
            }
            opts.output = argv[++i];
        } else if (strcmp(a, "-j") == 0 || strncmp(a, "-j", 2) == 0) {
            const char *v = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : "");
            if (!parse_int(v, &opts.workers)) {
                sweep_error("-j: expected a worker count 1..1024, got '%s'", v);
                return CLI_EXIT_USAGE;
            }
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            opts.quiet = true;
        } else if (strcmp(a, "--traces") == 0) {
            opts.traces = true;
        } else if (strcmp(a, "--mpi") == 0) {
            mpi = true;
        } else if (a[0] == '-') {
            sweep_error("unknown option '%s' (see dlasim sweep --help)", a);
            return CLI_EXIT_USAGE;
        } else if (!spec_path) {
            spec_path = a;
        } else {
            sweep_error("unexpected argument '%s' (one SPEC.json)", a);
            return CLI_EXIT_USAGE;
        }
    }
    if (!spec_path || !opts.output) {
        sweep_error("%s", "expected SPEC.json and -o RESULTS.h5 (see dlasim sweep --help)");
        return CLI_EXIT_USAGE;
    }
    if (mpi && !dla_sweep_have_mpi()) {
        dla_error e = {{0}};
        dla_sweep_run_mpi(&argc, &argv, NULL, &opts, NULL, &e); /* the build without MPI: says how to get it */
        fprintf(stderr, "dlasim sweep: %s\n", e.msg);
        return CLI_EXIT_ERROR;
    }
    dla_error err = {{0}};
    dla_sweep_spec *spec = NULL;
    if (dla_sweep_spec_load(spec_path, &spec, &err) != DLA_OK) {
        if (!(mpi && is_mpi_worker_rank()))
            fprintf(stderr, "dlasim sweep: %s\n", err.msg);
        return CLI_EXIT_ERROR;
    }
    dla_sweep_run_stats stats = {0};
    dla_status st = mpi ? dla_sweep_run_mpi(&argc, &argv, spec, &opts, &stats, &err)
                        : dla_sweep_run_local(spec, &opts, &stats, &err);
    dla_sweep_spec_destroy(spec);
    if (st != DLA_OK) {
        fprintf(stderr, "dlasim sweep: %s\n", err.msg);
        return CLI_EXIT_ERROR;
    }
    return CLI_EXIT_OK;
}
