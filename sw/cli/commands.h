/* dlasim subcommands; each returns a process exit code (0 ok, 1 error, 2 usage). */
#ifndef DLASIM_CLI_COMMANDS_H
#define DLASIM_CLI_COMMANDS_H

#include "dla/config.h"
#include "dla/driver.h"
#include "dla/loadable.h"
#include "dla/platform.h"
#include "dla/result.h"
#include "options.h"

int cmd_compile(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_trtexec(int argc, char **argv);
int cmd_nvdla_trace(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_sweep(int argc, char **argv);

/* Shared by compile and run: load the config named by the options (--config, --set). */
int cli_load_config(const cli_options *opts, dla_config **cfg);
/* Compile an ONNX file or read a loadable, by content (ONNX files are not loadables). */
int cli_load_network(const cli_options *opts, const char *path, const dla_config *cfg, dla_loadable **out);

/* One simulation as `dlasim run` performs it (run and trtexec share it). The caller fills opts,
 * cfg, mode, loadable, num_cores and cores (one network, a copy on each core) or, for several
 * networks, also extra[] and network_core[] (network j on core network_core[j]; network 0 is
 * loadable; networks of one core run one after another, in order), and inferences; cli_simulate
 * creates the platform and a driver per job (network on a core), binds the inputs (--input files or
 * the synthetic data of docs/cli.md), runs, and fills result (summary included) and wall_s.
 * cli_run_state_free releases everything the state holds. */
#define CLI_MAX_JOBS CLI_MAX_NETWORKS
typedef struct cli_run_state {
    cli_options opts;
    dla_config *cfg;
    const dla_power_mode *mode;
    dla_loadable *loadable;
    dla_platform *platform;
    int num_cores; /* cores in use */
    int cores[DLA_MAX_CORES];
    int num_networks;                      /* 0 or 1: loadable copied on each of cores[] */
    dla_loadable *extra[CLI_MAX_NETWORKS]; /* owned: networks 1.. (extra[0] unused) */
    int network_core[CLI_MAX_NETWORKS];
    uint32_t inferences; /* per job, back to back (0: one) */
    int num_jobs;        /* filled by cli_simulate: one driver per (network, core) */
    dla_driver *drivers[CLI_MAX_JOBS];
    const dla_loadable *job_loadable[CLI_MAX_JOBS];
    int job_core[CLI_MAX_JOBS];
    dla_run_result *result;
    double wall_s; /* host seconds the simulation took */
} cli_run_state;

int cli_simulate(cli_run_state *s);

/* After cli_simulate: the inferences of job `job` (opts.warmup of them warm-up, the rest timed), in
 * ms of simulated time. Latency of an inference = its submission to its completion; the steady-state
 * period = the timed inferences' completions apart. false when the job ran no timed inference. */
#define CLI_MAX_STATS_INFERENCES DLA_MAX_INFERENCES
typedef struct cli_inference_stats {
    uint32_t simulated, warmup, timed;
    double first_ms, period_ms;
    double min_ms, max_ms, mean_ms, median_ms, p90_ms, p95_ms, p99_ms;
    double latency_ms[CLI_MAX_STATS_INFERENCES]; /* the timed ones, in order */
} cli_inference_stats;
bool cli_inference_stats_of(const cli_run_state *s, int job, cli_inference_stats *st);
void cli_run_state_free(cli_run_state *s);

#endif
