/* `dlasim inspect` and `dlasim trace show`: views of files dlasim wrote. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "dla/report.h"
#include "dla/trace.h"

int cmd_inspect(int argc, char **argv)
{
    cli_options opts = {.command = "inspect"};
    if (!cli_parse(argc, argv, 2, 0, &opts))
        return CLI_EXIT_USAGE;
    if (opts.help) {
        fputs("usage: dlasim inspect X.dlal\n\nPrint a loadable: target, memory regions, tensors, layers and every\n"
              "hardware operation with its parameters. A corrupt file is rejected.\n",
              stdout);
        return CLI_EXIT_OK;
    }
    if (opts.num_positional != 1) {
        cli_error(&opts, "expected one loadable file (see dlasim inspect --help)");
        return CLI_EXIT_USAGE;
    }
    dla_loadable *l = NULL;
    dla_error err = {{0}};
    if (dla_loadable_read_file(opts.positional[0], &l, &err) != DLA_OK) {
        cli_error(&opts, "%s", err.msg);
        return CLI_EXIT_ERROR;
    }
    dla_loadable_print(l, stdout);
    dla_loadable_destroy(l);
    return CLI_EXIT_OK;
}

int cmd_trace(int argc, char **argv)
{
    cli_options opts = {.command = "trace"};
    if (!cli_parse(argc, argv, 2, 0, &opts))
        return CLI_EXIT_USAGE;
    if (opts.help) {
        fputs("usage: dlasim trace show FILE.h5\n\nPrint the per-layer table and summary of a trace written by\n"
              "`dlasim run --trace`. For CSV, diffs and plots see traces/tools/dlasim_trace.py.\n",
              stdout);
        return CLI_EXIT_OK;
    }
    if (opts.num_positional != 2 || strcmp(opts.positional[0], "show") != 0) {
        cli_error(&opts, "expected: dlasim trace show FILE.h5");
        return CLI_EXIT_USAGE;
    }
    dla_run_result *r = NULL;
    dla_error err = {{0}};
    if (dla_trace_read(opts.positional[1], &r, &err) != DLA_OK) {
        cli_error(&opts, "%s", err.msg);
        return CLI_EXIT_ERROR;
    }
    dla_report_print(r, stdout);
    dla_run_result_destroy(r);
    return CLI_EXIT_OK;
}
