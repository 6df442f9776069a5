/* `dlasim validate orin`: simulate every published Orin DLA figure and report the errors
 * (docs/validation.md). The driver is bench/validate_orin.py; it spawns this dlasim binary once per
 * compile and once per simulated cell, since SystemC elaborates only once per process. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "python_tool.h"

static const char validate_help[] =
    "usage: dlasim validate orin [-o DIR] [-j N] [--only REGEX] [--no-cache] [--models DIR]\n"
    "\n"
    "Simulate every published Orin DLA cell (bench/data/orin_published.json: 6 networks x 4 power modes\n"
    "dense and 4 x 4 sparse on two DLA cores, the dense->sparse speedups, YOLOv5s batch 1-16 on DRIVE Orin,\n"
    "the CIFAR tutorial's qps) and print per cell published, SIMULATED and error %, per group the mean\n"
    "absolute % error and the worst cell. Cells that cannot be compiled or simulated are listed as\n"
    "\"not simulated: <reason>\" and counted. Writes DIR/validation.h5 (every run), DIR/report.md and PNG\n"
    "plots (default DIR out/validation).\n"
    "\n"
    "  -o DIR          output folder (default out/validation)\n"
    "  -j N            parallel dlasim processes (default: the number of CPUs)\n"
    "  --only REGEX    only the cells whose id matches (ids as printed, e.g. 'dense/resnet50/')\n"
    "  --no-cache      recompile every network (default: reuse DIR/loadables when nothing changed)\n"
    "  --models DIR    the zoo (default: the build's models folder)\n";

#define MAX_VALIDATE_ARGS 48

int cmd_validate(int argc, char **argv)
{
    if (argc >= 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
        fputs(validate_help, stdout);
        return CLI_EXIT_OK;
    }
    if (argc < 3 || strcmp(argv[2], "orin") != 0) {
        fprintf(stderr, "dlasim validate: expected 'orin' (the only published data set; see dlasim validate --help)\n");
        return CLI_EXIT_USAGE;
    }
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(validate_help, stdout);
            return CLI_EXIT_OK;
        }
    }
    if (argc - 3 > MAX_VALIDATE_ARGS - 8) {
        fprintf(stderr, "dlasim validate: too many arguments (see dlasim validate --help)\n");
        return CLI_EXIT_USAGE;
    }
    char self[4096];
    const char *args[MAX_VALIDATE_ARGS];
    int n = 0;
    args[n++] = "--dlasim";
    args[n++] = cli_self_path(argv[0], self, sizeof self);
    args[n++] = "--config-dir";
    args[n++] = cli_config_dir();
    int models_given = 0;
    for (int i = 3; i < argc; i++)
        models_given |= strcmp(argv[i], "--models") == 0 || strncmp(argv[i], "--models=", 9) == 0;
    if (!models_given) {
        args[n++] = "--models";
        args[n++] = cli_models_dir();
    }
    for (int i = 3; i < argc; i++)
        args[n++] = argv[i];
    return cli_run_python_tool("validate", "bench/validate_orin.py", args, n);
}
