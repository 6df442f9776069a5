/* `dlasim trace show|timeline|diff|csv|plot`: views of a trace written by `dlasim run --trace`
 * (docs/trace-format.md). show and timeline read the file with dla_trace_read; diff, csv and plot
 * are traces/tools/dlasim_trace.py, run through cli_run_python_tool. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "dla/report.h"
#include "dla/trace.h"
#include "python_tool.h"

static const char trace_help[] =
    "usage: dlasim trace show FILE.h5\n"
    "       dlasim trace timeline FILE.h5 -o OUT.json\n"
    "       dlasim trace diff A.h5 B.h5 [--tolerance PCT] [--all]\n"
    "       dlasim trace csv FILE.h5 [--table layers|ops|stats|units|energy|timeline|samples] [-o OUT.csv]\n"
    "       dlasim trace plot FILE.h5 -o OUT.png [--kind cycles|utilization|roofline]\n"
    "\n"
    "show      print the per-layer table and summary of a trace written by `dlasim run --trace`\n"
    "timeline  write a Chrome trace-event JSON of the trace (open in ui.perfetto.dev or chrome://tracing):\n"
    "          one process per DLA core, tracks Layers/CONV/SDP/PDP, SIMULATED times (docs/cli.md)\n"
    "diff      per-layer cycles and summary of two traces; exit 1 when any differs by more than PCT %\n"
    "          (default 0: any difference) or the layer lists differ, naming the layers\n"
    "csv       any table of the trace as CSV (default /layers)\n"
    "plot      PNG: per-layer cycles stacked by bound, MAC utilization per layer, or a roofline\n"
    "\n"
    "diff, csv and plot run traces/tools/dlasim_trace.py (Debian python3 with h5py, matplotlib).\n";

static int python_view(int argc, char **argv)
{
    /* argv[2] is the view's name; the script parses and checks everything after it. */
    return cli_run_python_tool("trace", "traces/tools/dlasim_trace.py", (const char *const *)argv + 2, argc - 2);
}

int cmd_trace(int argc, char **argv)
{
    if (argc >= 3 && (strcmp(argv[2], "diff") == 0 || strcmp(argv[2], "csv") == 0 || strcmp(argv[2], "plot") == 0))
        return python_view(argc, argv);
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
        cli_error(&opts, "expected: dlasim trace show|timeline|diff|csv|plot FILE.h5 ... (see dlasim trace --help)");
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
