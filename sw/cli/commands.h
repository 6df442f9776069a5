/* dlasim subcommands; each returns a process exit code (0 ok, 1 error, 2 usage). */
#ifndef DLASIM_CLI_COMMANDS_H
#define DLASIM_CLI_COMMANDS_H

#include "dla/config.h"
#include "dla/loadable.h"
#include "options.h"

int cmd_compile(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_trace(int argc, char **argv);

/* Shared by compile and run: load the config named by the options (--config, --set). */
int cli_load_config(const cli_options *opts, dla_config **cfg);
/* Compile an ONNX file or read a loadable, by content (ONNX files are not loadables). */
int cli_load_network(const cli_options *opts, const char *path, const dla_config *cfg, dla_loadable **out);

#endif
