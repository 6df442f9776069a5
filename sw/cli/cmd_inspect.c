/* `dlasim inspect` and `dlasim trace show|timeline`: views of files dlasim wrote. */
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

static const char trace_help[] =
    "usage: dlasim trace show FILE.h5\n"
    "       dlasim trace timeline FILE.h5 -o OUT.json\n"
    "\n"
    "show      print the per-layer table and summary of a trace written by `dlasim run --trace`\n"
    "timeline  write a Chrome trace-event JSON of the trace (open in ui.perfetto.dev or chrome://tracing):\n"
    "          one process per DLA core, tracks Layers/CONV/SDP/PDP, SIMULATED times (docs/cli.md)\n"
    "\n"
    "For CSV, diffs and plots see traces/tools/dlasim_trace.py.\n";

int cmd_trace(int argc, char **argv)
{
    cli_options opts = {.command = "trace"};
    if (!cli_parse(argc, argv, 2, CLI_FLAG_OUTPUT, &opts))
        return CLI_EXIT_USAGE;
    if (opts.help) {
        fputs(trace_help, stdout);
        return CLI_EXIT_OK;
    }
    int show = opts.num_positional == 2 && strcmp(opts.positional[0], "show") == 0 && !opts.output;
    int timeline = opts.num_positional == 2 && strcmp(opts.positional[0], "timeline") == 0;
    if (!show && !timeline) {
        cli_error(&opts, "expected: dlasim trace show FILE.h5 | dlasim trace timeline FILE.h5 -o OUT.json");
        return CLI_EXIT_USAGE;
    }
    if (timeline && !opts.output) {
        cli_error(&opts, "timeline: -o OUT.json is required");
        return CLI_EXIT_USAGE;
    }
    dla_run_result *r = NULL;
    dla_error err = {{0}};
    if (dla_trace_read(opts.positional[1], &r, &err) != DLA_OK) {
        cli_error(&opts, "%s", err.msg);
        return CLI_EXIT_ERROR;
    }
    int rc = CLI_EXIT_OK;
    if (show) {
        dla_report_print(r, stdout);
    } else if (dla_trace_write_timeline(r, opts.output, &err) != DLA_OK) {
        cli_error(&opts, "%s", err.msg);
        rc = CLI_EXIT_ERROR;
    } else {
        printf("timeline written to %s (%zu ops, %zu layers; simulated time)\n", opts.output, r->num_ops,
               r->num_layers);
    }
    dla_run_result_destroy(r);
    return rc;
}
