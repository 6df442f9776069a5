/* One job in its own process: SystemC elaborates once per process, so every simulated point runs in
 * a forked child that has not elaborated yet. The child's stdout and stderr go to a pipe; its last
 * line is "@@RESULT <record JSON>". A child that dies without one becomes an error row. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dla/output_file.h"
#include "sweep_internal.h"

static const char result_tag[] = "@@RESULT ";

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* In the child: never returns. */
static void child_main(const dla_sweep_job *job, dla_sweep_job_fn fn, void *user, int fd)
{
    sweep_record r = {.index = job->index, .job_key = job->job_key};
    r.m.area_mm2 = NAN;
    /* "compiled": the cache file did not exist before this job ran */
    r.compiled = job->loadable_cache[0] == '\0' || access(job->loadable_cache, R_OK) != 0;
    dla_error err = {{0}};
    double t0 = now_s();
    dla_status st = fn(job, user, &r.m, &err);
    r.m.wall_s = now_s() - t0;
    if (st != DLA_OK) {
        r.m.ok = false;
        snprintf(r.m.message, sizeof r.m.message, "%.511s", err.msg[0] ? err.msg : dla_status_name(st));
    }
    struct rusage ru; /* the child's own usage: Linux starts it at zero at fork */
    r.cpu_s = getrusage(RUSAGE_SELF, &ru) == 0 ? (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
                                                     (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec
                                               : NAN;
    fflush(stdout);
    fflush(stderr);
    char *line = sweep_record_format(&r);
    if (line) {
        /* a parent that went away leaves nothing to report to: write errors are ignored */
        if (dla_write_all(fd, "\n", 1) == 0 && dla_write_all(fd, result_tag, sizeof result_tag - 1) == 0 &&
            dla_write_all(fd, line, strlen(line)) == 0)
            dla_write_all(fd, "\n", 1);
        free(line);
    }
    _exit(line ? 0 : 3);
}

dla_status sweep_child_spawn(const dla_sweep_job *job, dla_sweep_job_fn fn, void *user, sweep_child *c, dla_error *err)
{
    memset(c, 0, sizeof *c);
    int fds[2];
    if (pipe(fds) != 0)
        return dla_error_set(err, DLA_ERR_IO, "sweep: cannot create a pipe for a worker: %s", strerror(errno));
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return dla_error_set(err, DLA_ERR_IO, "sweep: cannot fork a worker: %s", strerror(errno));
    }
    if (pid == 0) {
        close(fds[0]);
        signal(SIGPIPE, SIG_DFL); /* a parent killed mid-job ends its children at their next write */
        dup2(fds[1], STDOUT_FILENO);
        dup2(fds[1], STDERR_FILENO);
        child_main(job, fn, user, fds[1]);
    }
    close(fds[1]);
    c->pid = pid;
    c->fd = fds[0];
    c->job = job->index;
    return DLA_OK;
}

bool sweep_child_read(sweep_child *c)
{
    if (c->len + 4096 + 1 > c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 8192;
        char *nb = realloc(c->buf, ncap);
        if (!nb)
            return true; /* treated as EOF: the row records what was lost */
        c->buf = nb;
        c->cap = ncap;
    }
    ssize_t n = read(c->fd, c->buf + c->len, 4096);
    if (n < 0 && errno == EINTR)
        return false;
    if (n <= 0)
        return true;
    c->len += (size_t)n;
    c->buf[c->len] = '\0';
    return false;
}

/* The last non-empty line before the result: the child's own error message when it printed one. */
static void last_line(const char *buf, size_t len, char *dst, size_t size)
{
    dst[0] = '\0';
    size_t end = len;
    while (end > 0 && (buf[end - 1] == '\n' || buf[end - 1] == '\r'))
        end--;
    size_t start = end;
    while (start > 0 && buf[start - 1] != '\n')
        start--;
    snprintf(dst, size, "%.*s", (int)(end - start), buf + start);
}

void sweep_child_finish(sweep_child *c, sweep_record *r)
{
    close(c->fd);
    int status = 0;
    while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR) {
    }
    const char *buf = c->buf ? c->buf : "";
    const char *tag = NULL;
    for (const char *p = strstr(buf, result_tag); p; p = strstr(p + 1, result_tag))
        tag = p;
    bool parsed = false;
    if (tag) {
        char *line = strdup(tag + sizeof result_tag - 1);
        if (line) {
            line[strcspn(line, "\n")] = '\0';
            parsed = sweep_record_parse(line, r) && r->index == c->job;
            free(line);
        }
    }
    if (!parsed) {
        memset(r, 0, sizeof *r);
        r->index = c->job;
        r->m.area_mm2 = NAN;
        r->cpu_s = NAN; /* the child died: its CPU time is not known here */
        char tail[300];
        last_line(buf, tag ? (size_t)(tag - buf) : c->len, tail, sizeof tail);
        if (WIFSIGNALED(status))
            snprintf(r->m.message, sizeof r->m.message, "worker killed by signal %d%s%s", WTERMSIG(status),
                     tail[0] ? ": " : "", tail);
        else
            snprintf(r->m.message, sizeof r->m.message, "worker exited with status %d without a result%s%s",
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1, tail[0] ? ": " : "", tail);
    } else if (!r->m.ok && !r->m.message[0]) {
        last_line(buf, (size_t)(tag - buf), r->m.message, sizeof r->m.message);
    }
    free(c->buf);
    c->buf = NULL;
    c->len = c->cap = 0;
}
