/* dlasim: the command-line entry point; git-style subcommands. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

#ifndef DLASIM_VERSION
#define DLASIM_VERSION "unknown"
#endif

static void usage(FILE *out)
{
    fprintf(out, "usage: dlasim <command> [options]\n"
                 "\n"
                 "Cycle-level simulator of NVIDIA's Deep Learning Accelerator (NVDLA / Orin DLA).\n"
                 "\n"
                 "commands:\n"
                 "  compile MODEL.onnx -o X.dlal   compile an ONNX network into a loadable\n"
                 "  run X.dlal|MODEL.onnx          simulate (compiles ONNX on the fly); per-layer report\n"
                 "  inspect X.dlal                 print a loadable\n"
                 "  trace show|diff|csv|plot FILE  view, compare, export or plot a trace written by `run --trace`\n"
                 "  trtexec --onnx=M.onnx --int8   NVIDIA trtexec command lines for the DLA, simulated\n"
                 "  nvdla-trace TEST_DIR --config nv_small-rtl   replay NVDLA's register-trace tests\n"
                 "  validate orin                  simulate every published Orin DLA figure; errors and report\n"
                 "  sweep SPEC.json -o R.h5        architecture-exploration sweep (local workers or --mpi)\n"
                 "  sweep report R.h5              Pareto fronts, sensitivities, best points (markdown + PNG)\n"
                 "\n"
                 "`dlasim <command> --help` describes each command's options. Exit status: 0 success,\n"
                 "1 error, 2 usage error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("dlasim %s\n", DLASIM_VERSION);
        return CLI_EXIT_OK;
    }
    if (strcmp(cmd, "compile") == 0)
        return cmd_compile(argc, argv);
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc, argv);
    if (strcmp(cmd, "inspect") == 0)
        return cmd_inspect(argc, argv);
    if (strcmp(cmd, "trace") == 0)
        return cmd_trace(argc, argv);
    if (strcmp(cmd, "trtexec") == 0)
        return cmd_trtexec(argc, argv);
    if (strcmp(cmd, "nvdla-trace") == 0)
        return cmd_nvdla_trace(argc, argv);
    if (strcmp(cmd, "validate") == 0)
        return cmd_validate(argc, argv);
    if (strcmp(cmd, "sweep") == 0)
        return cmd_sweep(argc, argv);
    fprintf(stderr, "dlasim: unknown command '%s' (see dlasim --help)\n", cmd);
    return CLI_EXIT_USAGE;
}
