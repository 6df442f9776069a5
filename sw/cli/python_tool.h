/* Subcommands implemented by a Python script shipped in the source tree (`trace diff|csv|plot`,
 * `validate`): run the Debian interpreter the build found on the script with the given arguments. */
#ifndef DLASIM_CLI_PYTHON_TOOL_H
#define DLASIM_CLI_PYTHON_TOOL_H

/* Runs DLASIM_PYTHON on <source dir>/<script> followed by args[0..nargs) and returns its exit
 * status (0/1/2 as the scripts document); on a failure to start, prints why and returns 1.
 * The source dir is $DLASIM_SOURCE_DIR when set, else the checkout dlasim was built from. */
int cli_run_python_tool(const char *command, const char *script, const char *const *args, int nargs);

/* This program's own path (for scripts that spawn dlasim), or argv0 when /proc is unavailable. */
const char *cli_self_path(const char *argv0, char *buf, unsigned long size);

/* The config preset folder dlasim uses: $DLASIM_CONFIG_DIR or the checkout's configs/. */
const char *cli_config_dir(void);

/* The zoo folder of the build dlasim came from (build/models). */
const char *cli_models_dir(void);

#endif
