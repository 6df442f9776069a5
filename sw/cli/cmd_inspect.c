/* `dlasim inspect`: print a loadable (the trace views are in cmd_trace.c). */
#include <stdio.h>
#include <string.h>

#include "commands.h"

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
