/* The sweep coordinator, shared by local workers and MPI rank 0: the journal (one flushed JSON line
 * per finished job, so kill -9 loses nothing reported), resume (skip jobs whose key is in the journal),
 * scheduling with loadable reuse (one compile per compile key in flight; the others wait for its
 * cached loadable), the progress bar, and RESULTS.h5 refreshed from the journal. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dla/output_file.h"
#include "sweep_internal.h"

enum {
    KEY_NONE = 0,      /* no loadable cached yet, no job compiling it */
    KEY_COMPILING = 1, /* a job in flight compiles it: the others of that key wait */
    KEY_READY = 2,     /* cached loadable on disk */
    KEY_FAILED = 3,    /* its job failed without producing the loadable: compiling again would fail again */
};

enum {
    JOB_PENDING = 0,
    JOB_RUNNING = 1,
    JOB_DONE = 2
};

static const double fold_interval_s = 10.0;

struct sweep_coord {
    const dla_sweep_spec *spec;
    dla_sweep_run_opts opts;
    char dir[1100];
    char journal[1200];
    char cache_dir[1200];
    char trace_dir[1200];
    int journal_fd;
    size_t jobs;
    sweep_record **records; /* per job: the journal's record, or NULL */
    unsigned char *state;
    size_t *key_of_job; /* index into keys */
    uint64_t *keys;
    unsigned char *key_state;
    char **key_failure; /* per key: the message of the job whose compile failed */
    size_t num_keys;
    size_t first_pending;
    dla_status deferred; /* an error met inside sweep_coord_next (journal write) */
    dla_error deferred_err;
    size_t done, skipped, ran, failed, compiles, dispatched_now;
    size_t inferred; /* error rows recorded without running: their compile had failed in another job */
    bool inferring;
    double t0, last_fold, last_bar;
    bool bar;
};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static dla_status make_dir(const char *path, dla_error *err)
{
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return dla_error_set(err, DLA_ERR_IO, "%s: cannot create directory: %s", path, strerror(errno));
    return DLA_OK;
}

static void cache_path(const sweep_coord *c, uint64_t key, char *dst, size_t size)
{
    snprintf(dst, size, "%.900s/%016" PRIx64 ".dlal", c->cache_dir, key);
}

static bool file_exists(const char *path)
{
    return access(path, R_OK) == 0;
}

/* A crashed worker's row is retried on resume: the crash may have been the sweep being killed. */
static bool record_final(const sweep_record *r)
{
    return r->m.ok || strncmp(r->m.message, "worker ", 7) != 0;
}

static dla_status write_line(sweep_coord *c, const char *line, dla_error *err)
{
    size_t n = strlen(line);
    char *buf = malloc(n + 2);
    if (!buf)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", c->journal);
    memcpy(buf, line, n);
    buf[n] = '\n';
    /* one write() per line with O_APPEND: a kill leaves at most a torn last line, dropped on resume */
    int bad = dla_write_all(c->journal_fd, buf, n + 1);
    free(buf);
    if (bad)
        return dla_error_set(err, DLA_ERR_IO, "%s: cannot append: %s", c->journal, strerror(errno));
    fdatasync(c->journal_fd);
    return DLA_OK;
}

static dla_status read_journal(sweep_coord *c, dla_error *err)
{
    FILE *f = fopen(c->journal, "rb");
    if (!f)
        return DLA_OK;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long good_end = 0; /* offset after the last complete line */
    bool header = true;
    dla_status st = DLA_OK;
    while (st == DLA_OK && (n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] != '\n')
            break; /* torn last line: dropped */
        line[n - 1] = '\0';
        if (header) {
            json_object *h = json_tokener_parse(line), *v;
            char want[24];
            snprintf(want, sizeof want, "%016" PRIx64, c->spec->hash);
            if (!h || !json_object_object_get_ex(h, "spec_hash", &v) || !json_object_is_type(v, json_type_string))
                st = dla_error_set(err, DLA_ERR_FORMAT, "%s: not a dlasim sweep journal (bad first line)", c->journal);
            else if (strcmp(json_object_get_string(v), want) != 0)
                st = dla_error_set(err, DLA_ERR_INVALID,
                                   "%s: written by a different sweep spec (hash %s, this spec %s): resume needs the "
                                   "same spec; use another -o or remove %s",
                                   c->journal, json_object_get_string(v), want, c->dir);
            json_object_put(h);
            header = false;
        } else {
            sweep_record r;
            if (!sweep_record_parse(line, &r)) {
                st = dla_error_set(err, DLA_ERR_FORMAT, "%s: line at offset %ld is not a sweep record", c->journal,
                                   good_end);
                break;
            }
            /* a record whose key no longer matches (a preset file changed) is stale: the job reruns */
            if (r.index < c->jobs && r.job_key == c->spec->job_keys[r.index]) {
                if (!c->records[r.index] && !(c->records[r.index] = malloc(sizeof r)))
                    st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", c->journal);
                else
                    *c->records[r.index] = r; /* the last record of a job wins */
            }
        }
        good_end = ftell(f);
    }
    free(line);
    fclose(f);
    if (st == DLA_OK && header) /* empty or torn header: start over */
        good_end = 0;
    if (st == DLA_OK && truncate(c->journal, good_end) != 0)
        st = dla_error_set(err, DLA_ERR_IO, "%s: cannot drop its torn last line: %s", c->journal, strerror(errno));
    for (size_t j = 0; st == DLA_OK && j < c->jobs; j++)
        if (c->records[j] && !record_final(c->records[j])) {
            free(c->records[j]);
            c->records[j] = NULL;
        }
    return st;
}

dla_status sweep_coord_open(const dla_sweep_spec *spec, const dla_sweep_run_opts *opts, sweep_coord **out,
                            dla_error *err)
{
    *out = NULL;
    if (!opts->output || !opts->output[0])
        return dla_error_set(err, DLA_ERR_INVALID, "sweep: an output file (-o RESULTS.h5) is required");
    if (strlen(opts->output) > 800)
        return dla_error_set(err, DLA_ERR_LIMIT, "sweep: -o path longer than 800 characters");
    sweep_coord *c = calloc(1, sizeof *c);
    if (!c)
        return dla_error_set(err, DLA_ERR_NOMEM, "sweep: out of memory");
    c->spec = spec;
    c->opts = *opts;
    c->journal_fd = -1;
    c->jobs = dla_sweep_num_jobs(spec);
    c->t0 = c->last_fold = now_s();
    c->bar = !opts->quiet && isatty(STDERR_FILENO);
    snprintf(c->dir, sizeof c->dir, "%s.d", opts->output);
    snprintf(c->journal, sizeof c->journal, "%s/journal.jsonl", c->dir);
    snprintf(c->cache_dir, sizeof c->cache_dir, "%s/loadables", c->dir);
    snprintf(c->trace_dir, sizeof c->trace_dir, "%s/traces", c->dir);
    c->records = calloc(c->jobs, sizeof *c->records);
    c->state = calloc(c->jobs, 1);
    c->key_of_job = calloc(c->jobs, sizeof *c->key_of_job);
    c->keys = calloc(c->jobs, sizeof *c->keys);
    c->key_state = calloc(c->jobs, 1);
    c->key_failure = calloc(c->jobs, sizeof *c->key_failure);
    dla_status st = DLA_OK;
    if (!c->records || !c->state || !c->key_of_job || !c->keys || !c->key_state || !c->key_failure)
        st = dla_error_set(err, DLA_ERR_NOMEM, "sweep: out of memory for %zu jobs", c->jobs);
    bool had_journal = file_exists(c->journal);
    if (st == DLA_OK && !had_journal && file_exists(opts->output))
        st = dla_error_set(err, DLA_ERR_INVALID,
                           "%s exists but %s does not: not overwriting results this sweep did not write (remove it "
                           "or choose another -o)",
                           opts->output, c->journal);
    if (st == DLA_OK)
        st = make_dir(c->dir, err);
    if (st == DLA_OK)
        st = make_dir(c->cache_dir, err);
    if (st == DLA_OK && opts->traces)
        st = make_dir(c->trace_dir, err);
    if (st == DLA_OK)
        st = read_journal(c, err);
    if (st == DLA_OK) {
        c->journal_fd = open(c->journal, O_WRONLY | O_APPEND | O_CREAT, 0666);
        if (c->journal_fd < 0)
            st = dla_error_set(err, DLA_ERR_IO, "%s: cannot open for appending: %s", c->journal, strerror(errno));
    }
    struct stat sb;
    if (st == DLA_OK && fstat(c->journal_fd, &sb) == 0 && sb.st_size == 0) {
        char hdr[256];
        snprintf(hdr, sizeof hdr, "{\"dlasim_sweep_journal\":1,\"spec_hash\":\"%016" PRIx64 "\",\"jobs\":%zu}",
                 spec->hash, c->jobs);
        st = write_line(c, hdr, err);
    }
    /* compile keys and what is already cached */
    for (size_t j = 0; st == DLA_OK && j < c->jobs; j++) {
        uint64_t k = spec->compile_keys[j];
        size_t i = 0;
        while (i < c->num_keys && c->keys[i] != k)
            i++;
        if (i == c->num_keys) {
            char p[1300];
            c->keys[c->num_keys] = k;
            cache_path(c, k, p, sizeof p);
            c->key_state[c->num_keys++] = file_exists(p) ? KEY_READY : KEY_NONE;
        }
        c->key_of_job[j] = i;
        if (c->records[j]) {
            c->state[j] = JOB_DONE;
            c->done++;
            c->skipped++;
        }
    }
    if (st != DLA_OK) {
        sweep_coord_abort(c);
        return st;
    }
    *out = c;
    return DLA_OK;
}

long sweep_coord_next(sweep_coord *c, dla_sweep_job *job)
{
    while (c->first_pending < c->jobs && c->state[c->first_pending] != JOB_PENDING)
        c->first_pending++;
    for (size_t j = c->first_pending; j < c->jobs; j++) {
        if (c->state[j] != JOB_PENDING)
            continue;
        size_t k = c->key_of_job[j];
        if (c->key_state[k] == KEY_COMPILING)
            continue; /* wait for the loadable a running job is compiling */
        if (c->key_state[k] == KEY_FAILED) {
            /* the compiler is deterministic: this job would fail the same way, so it is recorded, not run */
            sweep_record r;
            memset(&r, 0, sizeof r);
            r.index = (uint32_t)j;
            r.m.area_mm2 = NAN;
            snprintf(r.m.message, sizeof r.m.message, "%.511s", c->key_failure[k]);
            c->state[j] = JOB_RUNNING;
            c->inferring = true;
            if (c->deferred == DLA_OK)
                c->deferred = sweep_coord_finish(c, &r, &c->deferred_err);
            c->inferring = false;
            if (c->deferred != DLA_OK)
                return -1;
            continue;
        }
        if (c->key_state[k] == KEY_NONE)
            c->key_state[k] = KEY_COMPILING;
        c->state[j] = JOB_RUNNING;
        c->dispatched_now++;
        dla_sweep_job_get(c->spec, j, job);
        cache_path(c, c->keys[k], job->loadable_cache, sizeof job->loadable_cache);
        if (c->opts.traces)
            snprintf(job->trace_path, sizeof job->trace_path, "%.900s/job%06zu_%.60s.h5", c->trace_dir, j,
                     job->network_name);
        return (long)j;
    }
    return -1;
}

bool sweep_coord_all_done(const sweep_coord *c)
{
    return c->done == c->jobs;
}

dla_status sweep_coord_status(const sweep_coord *c, dla_error *err)
{
    if (c->deferred != DLA_OK && err)
        *err = c->deferred_err;
    return c->deferred;
}

static void fmt_duration(char *dst, size_t size, double s)
{
    if (!isfinite(s) || s < 0)
        snprintf(dst, size, "?");
    else if (s >= 3600)
        snprintf(dst, size, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
    else
        snprintf(dst, size, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
}

static void progress(sweep_coord *c, bool force)
{
    double t = now_s();
    if (!c->bar || (!force && t - c->last_bar < 0.25))
        return;
    c->last_bar = t;
    const int width = 30;
    int filled = c->jobs ? (int)((double)c->done / (double)c->jobs * width) : width;
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[width] = '\0';
    double el = t - c->t0, rate = el > 0 ? (double)c->ran / el : 0;
    char eta[32];
    fmt_duration(eta, sizeof eta, rate > 0 ? (double)(c->jobs - c->done) / rate : NAN);
    fprintf(stderr, "\r[%s] %zu/%zu jobs  %.2f jobs/s  ETA %s%s%zu failed ", bar, c->done, c->jobs, rate, eta, "  ",
            c->failed);
    fflush(stderr);
}

static dla_status fold(sweep_coord *c, dla_error *err)
{
    c->last_fold = now_s();
    return sweep_h5_write(c->opts.output, c->spec, (const sweep_record *const *)c->records, c->opts.traces,
                          c->trace_dir, err);
}

dla_status sweep_coord_finish(sweep_coord *c, const sweep_record *r_in, dla_error *err)
{
    if (r_in->index >= c->jobs || c->state[r_in->index] != JOB_RUNNING)
        return dla_error_set(err, DLA_ERR_INTERNAL, "sweep: result for job %u, which is not running", r_in->index);
    sweep_record r = *r_in;
    r.job_key = c->spec->job_keys[r.index]; /* a crashed child's record carries no key */
    char *line = sweep_record_format(&r);
    if (!line)
        return dla_error_set(err, DLA_ERR_NOMEM, "sweep: out of memory");
    dla_status st = write_line(c, line, err);
    free(line);
    if (st != DLA_OK)
        return st;
    size_t k = c->key_of_job[r.index];
    if (c->key_state[k] == KEY_COMPILING) {
        char p[1300];
        cache_path(c, c->keys[k], p, sizeof p);
        if (file_exists(p)) {
            c->key_state[k] = KEY_READY;
        } else if (!r.m.ok && record_final(&r)) {
            /* the job failed before caching a loadable (compile or config error): same inputs, same error */
            c->key_state[k] = KEY_FAILED;
            if (!(c->key_failure[k] = strdup(r.m.message)))
                c->key_state[k] = KEY_NONE;
        } else {
            c->key_state[k] = KEY_NONE; /* a crashed worker: the next job of this key compiles */
        }
    }
    c->compiles += r.compiled;
    c->state[r.index] = JOB_DONE;
    if (!(c->records[r.index] = malloc(sizeof r)))
        return dla_error_set(err, DLA_ERR_NOMEM, "sweep: out of memory");
    *c->records[r.index] = r;
    c->done++;
    if (c->inferring)
        c->inferred++;
    else
        c->ran++;
    c->failed += !r.m.ok;
    progress(c, false);
    if (now_s() - c->last_fold >= fold_interval_s)
        return fold(c, err);
    return DLA_OK;
}

static void coord_free(sweep_coord *c)
{
    if (c->journal_fd >= 0)
        close(c->journal_fd);
    for (size_t j = 0; c->records && j < c->jobs; j++)
        free(c->records[j]);
    free(c->records);
    free(c->state);
    free(c->key_of_job);
    free(c->keys);
    free(c->key_state);
    for (size_t k = 0; c->key_failure && k < c->num_keys; k++)
        free(c->key_failure[k]);
    free(c->key_failure);
    free(c);
}

void sweep_coord_abort(sweep_coord *c)
{
    if (c)
        coord_free(c);
}

dla_status sweep_coord_close(sweep_coord *c, dla_sweep_run_stats *stats, dla_error *err)
{
    progress(c, true);
    if (c->bar)
        fputc('\n', stderr);
    dla_status st = fold(c, err);
    double wall = now_s() - c->t0;
    if (stats) {
        stats->jobs = c->jobs;
        stats->skipped = c->skipped;
        stats->ran = c->ran;
        stats->failed = c->failed;
        stats->inferred = c->inferred;
        stats->compiles = c->compiles;
        stats->wall_s = wall;
        stats->is_root = true;
    }
    if (st == DLA_OK && !c->opts.quiet)
        printf("sweep '%s': %zu jobs (%zu points x %zu networks): %zu ran, %zu already done, %zu failed (%zu not "
               "run: same compile inputs as a failed compile), %zu compiles; %.1f s wall, %.2f jobs/s (host time); "
               "results in %s\n",
               c->spec->name, c->jobs, dla_sweep_num_points(c->spec), dla_sweep_num_networks(c->spec), c->ran,
               c->skipped, c->failed, c->inferred, c->compiles, wall, wall > 0 ? (double)c->ran / wall : 0.0,
               c->opts.output);
    coord_free(c);
    return st;
}
