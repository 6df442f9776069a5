/* `dlasim nvdla-trace`: replays NVDLA's own register-trace conformance tests (one folder, one .cfg,
 * or a folder of test folders) on the hardware model; one summary line per test and an HDF5 table.
 * SystemC elaborates once per process, so every test runs in a forked child. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "dla/nvdla_trace_table.h"
#include "dla/output_file.h"
#include "nvdla_trace.h"

#define DEFAULT_TABLE "nvdla_trace.h5"
#define TIMEOUT_CYCLES 200000000ull /* hang detection per test (SIMULATED core cycles) */

static const char help[] =
    "usage: dlasim nvdla-trace TEST_DIR|TEST.cfg|SUITE_DIR --config nv_small-rtl|nv_large-rtl [-o TABLE.h5]\n"
    "\n"
    "Replays NVDLA's register-trace conformance tests (verif/tests/trace_tests: .cfg scripts and .dat\n"
    "memory images) on the hardware model in functional mode: loads memory, writes the registers over\n"
    "CSB, waits for the done interrupts and checks the CRC-32 of every output region. SUITE_DIR is a\n"
    "folder of test folders (run in name order). One line per test:\n"
    "  <test> PASS|FAIL op_cycles=N total_cycles=M [reason]\n"
    "op_cycles (last D_OP_ENABLE write -> completion interrupt) and total_cycles (first register write\n"
    "-> completion interrupt) are SIMULATED core cycles. The table goes to -o (default " DEFAULT_TABLE ").\n"
    "Exit status 0 when every test passes, 1 otherwise. See docs/nvdla-conformance.md.\n";

typedef struct test_list {
    char (*paths)[1024];
    size_t count, cap;
} test_list;

static int add_test(test_list *l, const char *cfg)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        void *grown = realloc(l->paths, cap * sizeof *l->paths);
        if (!grown)
            return 0;
        l->paths = grown;
        l->cap = cap;
    }
    snprintf(l->paths[l->count++], sizeof l->paths[0], "%s", cfg);
    return 1;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A test (folder or .cfg), or a folder whose subfolders are tests. */
static int collect(const cli_options *opts, const char *path, test_list *l)
{
    char cfg[1024];
    dla_error err = {{0}};
    if (dla_nt_find_cfg(path, cfg, sizeof cfg, &err) == DLA_OK)
        return add_test(l, cfg) ? CLI_EXIT_OK : CLI_EXIT_ERROR;
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        cli_error(opts, "%s", err.msg);
        return CLI_EXIT_ERROR;
    }
    DIR *d = opendir(path);
    if (!d) {
        cli_error(opts, "%s: cannot list folder (%s)", path, strerror(errno));
        return CLI_EXIT_ERROR;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int rc = CLI_EXIT_OK;
    while ((e = readdir(d)) != NULL && rc == CLI_EXIT_OK) {
        if (e->d_name[0] == '.')
            continue;
        char sub[1024];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        if (stat(sub, &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown) {
                rc = CLI_EXIT_ERROR;
                break;
            }
            names = grown;
        }
        if (!(names[n] = strdup(e->d_name))) {
            rc = CLI_EXIT_ERROR;
            break;
        }
        ++n;
    }
    closedir(d);
    if (rc == CLI_EXIT_OK)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n && rc == CLI_EXIT_OK; ++i) {
        char sub[1024];
        snprintf(sub, sizeof sub, "%s/%s", path, names[i]);
        if (dla_nt_find_cfg(sub, cfg, sizeof cfg, &err) != DLA_OK) {
            cli_error(opts, "%s", err.msg);
            rc = CLI_EXIT_ERROR;
        } else if (!add_test(l, cfg))
            rc = CLI_EXIT_ERROR;
    }
    for (size_t i = 0; i < n; ++i)
        free(names[i]);
    free(names);
    if (rc == CLI_EXIT_OK && l->count == 0) {
        cli_error(opts, "%s: no test folders (a folder with <name>.cfg) found", path);
        rc = CLI_EXIT_ERROR;
    }
    return rc;
}

/* Runs in the child: parse, simulate, report through the pipe. */
static void run_child(int fd, const char *cfg_path, const dla_config *cfg, const dla_power_mode *mode)
{
    dla_nt_result res;
    memset(&res, 0, sizeof res);
    dla_error err = {{0}};
    dla_nt_script *script = NULL;
    if (dla_nt_read_cfg(cfg_path, &script, &err) != DLA_OK) {
        snprintf(res.reason, sizeof res.reason, "%.500s", err.msg);
    } else {
        dla_nt_run(cfg, mode, script, TIMEOUT_CYCLES, &res, &err);
        dla_nt_script_destroy(script);
    }
    dla_write_all(fd, &res, sizeof res); /* a parent that went away reads nothing: nothing to report to */
}

static void test_name_of(const char *cfg_path, char *out, size_t size)
{
    const char *b = strrchr(cfg_path, '/');
    snprintf(out, size, "%s", b ? b + 1 : cfg_path);
    size_t n = strlen(out);
    if (n > 4 && strcmp(out + n - 4, ".cfg") == 0)
        out[n - 4] = 0;
}

static void run_one(const char *cfg_path, const dla_config *cfg, const dla_power_mode *mode, dla_nt_row *row)
{
    memset(row, 0, sizeof *row);
    test_name_of(cfg_path, row->test, sizeof row->test);
    dla_nt_result res;
    memset(&res, 0, sizeof res);
    int fds[2];
    fflush(stdout);
    fflush(stderr);
    if (pipe(fds) != 0) {
        snprintf(row->reason, sizeof row->reason, "cannot create a pipe (%s)", strerror(errno));
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        snprintf(row->reason, sizeof row->reason, "cannot fork (%s)", strerror(errno));
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        run_child(fds[1], cfg_path, cfg, mode);
        close(fds[1]);
        _exit(0);
    }
    close(fds[1]);
    char *p = (char *)&res;
    size_t got = 0;
    while (got < sizeof res) {
        ssize_t r = read(fds[0], p + got, sizeof res - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (got != sizeof res) {
        if (WIFSIGNALED(status))
            snprintf(row->reason, sizeof row->reason, "the simulation crashed (signal %d)", WTERMSIG(status));
        else
            snprintf(row->reason, sizeof row->reason, "the simulation ended without a result (exit status %d)",
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return;
    }
    row->pass = res.pass ? 1 : 0;
    row->op_cycles = res.op_cycles;
    row->total_cycles = res.total_cycles;
    row->reg_writes = res.reg_writes;
    snprintf(row->reason, sizeof row->reason, "%s", res.reason);
    for (char *c = row->reason; *c; ++c) /* one summary line per test */
        if (*c == '\n' || *c == '\r')
            *c = ' ';
}

int cmd_nvdla_trace(int argc, char **argv)
{
    cli_options opts = {.command = "nvdla-trace"};
    if (!cli_parse(argc, argv, 2, CLI_FLAG_CONFIG | CLI_FLAG_OUTPUT, &opts))
        return CLI_EXIT_USAGE;
    if (opts.help) {
        fputs(help, stdout);
        return CLI_EXIT_OK;
    }
    if (opts.num_positional != 1) {
        cli_error(&opts, "expected one test folder, .cfg file or folder of tests (see dlasim nvdla-trace --help)");
        return CLI_EXIT_USAGE;
    }
    bool config_given = false; /* cli_parse defaults --config to an Orin preset: require it here */
    for (int i = 2; i < argc; ++i)
        if (strcmp(argv[i], "--config") == 0 || strncmp(argv[i], "--config=", 9) == 0)
            config_given = true;
    if (!config_given) {
        cli_error(&opts, "--config is required (nv_small-rtl or nv_large-rtl for RTL-comparable cycles)");
        return CLI_EXIT_USAGE;
    }
    dla_config *cfg = NULL;
    int rc = cli_load_config(&opts, &cfg);
    if (rc != CLI_EXIT_OK)
        return rc;
    const dla_power_mode *mode = opts.power_mode ? dla_config_power_mode(cfg, opts.power_mode) : &cfg->power_modes[0];
    test_list tests = {0};
    rc = collect(&opts, opts.positional[0], &tests);
    dla_nt_row *rows = NULL;
    if (rc == CLI_EXIT_OK && !(rows = calloc(tests.count, sizeof *rows))) {
        cli_error(&opts, "out of memory for %zu tests", tests.count);
        rc = CLI_EXIT_ERROR;
    }
    size_t passed = 0;
    for (size_t i = 0; rc == CLI_EXIT_OK && i < tests.count; ++i) {
        run_one(tests.paths[i], cfg, mode, &rows[i]);
        dla_nt_row *r = &rows[i];
        passed += r->pass ? 1 : 0;
        printf("%s %s op_cycles=%" PRIu64 " total_cycles=%" PRIu64 "%s%s\n", r->test, r->pass ? "PASS" : "FAIL",
               r->op_cycles, r->total_cycles, r->reason[0] ? " reason: " : "", r->reason);
        fflush(stdout);
    }
    if (rc == CLI_EXIT_OK) {
        printf("nvdla-trace: %zu/%zu passed on %s (cycles SIMULATED)\n", passed, tests.count, cfg->name);
        const char *out = opts.output ? opts.output : DEFAULT_TABLE;
        dla_error err = {{0}};
        if (dla_nt_table_write(out, cfg->name, rows, tests.count, &err) != DLA_OK) {
            cli_error(&opts, "%s", err.msg);
            rc = CLI_EXIT_ERROR;
        } else if (passed != tests.count)
            rc = CLI_EXIT_ERROR;
    }
    free(rows);
    free(tests.paths);
    dla_config_destroy(cfg);
    return rc;
}
