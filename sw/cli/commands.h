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
 * cfg, mode, loadable, num_cores and cores; cli_simulate creates the platform and a driver per
 * core, binds the inputs (--input files or the synthetic data of docs/cli.md), runs, and fills
 * result (summary included) and wall_s. cli_run_state_free releases everything the state holds. */
typedef struct cli_run_state {
    cli_options opts;
    dla_config *cfg;
    const dla_power_mode *mode;
    dla_loadable *loadable;
    dla_platform *platform;
    int num_cores; /* drivers in use: one per core that runs a copy */
    int cores[DLA_MAX_CORES];
    dla_driver *drivers[DLA_MAX_CORES];
    dla_run_result *result;
    double wall_s; /* host seconds the simulation took */
} cli_run_state;

int cli_simulate(cli_run_state *s);
void cli_run_state_free(cli_run_state *s);

#endif
