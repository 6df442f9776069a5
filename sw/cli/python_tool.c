/* Runs the Python side of dlasim (traces/tools/dlasim_trace.py, bench/validate_orin.py) as a child
 * process, so `dlasim trace diff` and `dlasim validate` are ordinary dlasim subcommands. */
#define _POSIX_C_SOURCE 200809L /* readlink, fork, execv, waitpid */
#include "python_tool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef DLASIM_PYTHON
#define DLASIM_PYTHON "/usr/bin/python3"
#endif
#ifndef DLASIM_SOURCE_DIR
#define DLASIM_SOURCE_DIR "."
#endif
#ifndef DLASIM_DEFAULT_CONFIG_DIR
#define DLASIM_DEFAULT_CONFIG_DIR DLASIM_SOURCE_DIR "/configs"
#endif
#ifndef DLASIM_MODELS_DIR
#define DLASIM_MODELS_DIR "build/models"
#endif

/* The scripts take at most a few dozen arguments; anything longer is a usage error upstream. */
#define MAX_TOOL_ARGS 96

int cli_run_python_tool(const char *command, const char *script, const char *const *args, int nargs)
{
    const char *env = getenv("DLASIM_SOURCE_DIR");
    const char *src = env && *env ? env : DLASIM_SOURCE_DIR;
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", src, script) >= (int)sizeof path) {
        fprintf(stderr, "dlasim %s: script path '%s/%s' is too long\n", command, src, script);
        return 1;
    }
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "dlasim %s: cannot read %s: %s (set DLASIM_SOURCE_DIR to the dlasim checkout)\n", command, path,
                strerror(errno));
        return 1;
    }
    if (nargs < 0 || nargs > MAX_TOOL_ARGS) {
        fprintf(stderr, "dlasim %s: %d arguments, expected at most %d\n", command, nargs, MAX_TOOL_ARGS);
        return 2;
    }
    char *argv[MAX_TOOL_ARGS + 4];
    int n = 0;
    argv[n++] = (char *)DLASIM_PYTHON;
    argv[n++] = (char *)"-B"; /* no __pycache__ in the checkout */
    argv[n++] = path;
    for (int i = 0; i < nargs; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "dlasim %s: cannot start %s: %s\n", command, DLASIM_PYTHON, strerror(errno));
        return 1;
    }
    if (pid == 0) {
        execv(DLASIM_PYTHON, argv);
        fprintf(stderr, "dlasim %s: cannot run %s: %s\n", command, DLASIM_PYTHON, strerror(errno));
        _exit(1);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "dlasim %s: waiting for %s: %s\n", command, path, strerror(errno));
            return 1;
        }
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    fprintf(stderr, "dlasim %s: %s ended by signal %d\n", command, path, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return 1;
}

const char *cli_self_path(const char *argv0, char *buf, unsigned long size)
{
    ssize_t n = size > 1 ? readlink("/proc/self/exe", buf, size - 1) : -1;
    if (n <= 0 || (unsigned long)n >= size - 1)
        return argv0;
    buf[n] = '\0';
    return buf;
}

const char *cli_config_dir(void)
{
    const char *env = getenv("DLASIM_CONFIG_DIR");
    return env && *env ? env : DLASIM_DEFAULT_CONFIG_DIR;
}

const char *cli_models_dir(void)
{
    return DLASIM_MODELS_DIR;
}
