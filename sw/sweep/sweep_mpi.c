/* Sweeps over MPI: rank 0 runs the coordinator (journal, resume, loadable reuse, RESULTS.h5) and
 * hands out jobs one at a time to whichever rank is idle; every other rank simulates each job it
 * gets in a forked child, exactly as a local worker does, and sends back the record line. Idle ranks
 * poll with a short sleep instead of MPI's busy wait, so they leave the cores to the simulations. */
#define _POSIX_C_SOURCE 200809L
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sweep_internal.h"

enum {
    TAG_JOB = 1,
    TAG_RESULT = 2
};

/* What rank 0 sends: the job index (-1: stop) and the paths only the coordinator knows. */
typedef struct job_msg {
    long index;
    char loadable_cache[1024];
    char trace_path[1024];
} job_msg;

static void nap(void)
{
    struct timespec t = {0, 2000000}; /* 2 ms */
    nanosleep(&t, NULL);
}

bool dla_sweep_have_mpi(void)
{
    return true;
}

static void send_job(int rank, const dla_sweep_job *job, long index)
{
    job_msg m;
    memset(&m, 0, sizeof m);
    m.index = index;
    if (job) {
        memcpy(m.loadable_cache, job->loadable_cache, sizeof m.loadable_cache);
        memcpy(m.trace_path, job->trace_path, sizeof m.trace_path);
    }
    MPI_Send(&m, (int)sizeof m, MPI_BYTE, rank, TAG_JOB, MPI_COMM_WORLD);
}

/* Receives one result if any is waiting: returns the sender rank or -1. */
static int poll_result(sweep_record *r, bool *parsed)
{
    int flag = 0;
    MPI_Status s;
    MPI_Iprobe(MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &flag, &s);
    if (!flag)
        return -1;
    int n = 0;
    MPI_Get_count(&s, MPI_CHAR, &n);
    char *buf = malloc((size_t)n + 1);
    if (!buf) {
        MPI_Recv(NULL, 0, MPI_CHAR, s.MPI_SOURCE, TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        *parsed = false;
        return s.MPI_SOURCE;
    }
    MPI_Recv(buf, n, MPI_CHAR, s.MPI_SOURCE, TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    buf[n] = '\0';
    *parsed = sweep_record_parse(buf, r);
    free(buf);
    return s.MPI_SOURCE;
}

static dla_status run_root(const dla_sweep_spec *spec, const dla_sweep_run_opts *opts, int size,
                           dla_sweep_run_stats *stats, dla_error *err)
{
    sweep_coord *c = NULL;
    dla_status st = sweep_coord_open(spec, opts, &c, err);
    long *running = malloc((size_t)size * sizeof *running); /* job per rank, -1 idle */
    dla_sweep_job *job = malloc(sizeof *job);
    if (st == DLA_OK && (!running || !job))
        st = dla_error_set(err, DLA_ERR_NOMEM, "sweep: out of memory");
    for (int w = 0; running && w < size; w++)
        running[w] = -1;
    int busy = 0;
    while (st == DLA_OK && !sweep_coord_all_done(c)) {
        for (int w = 1; w < size; w++) {
            if (running[w] >= 0)
                continue;
            long j = sweep_coord_next(c, job);
            if (j < 0)
                break;
            send_job(w, job, j);
            running[w] = j;
            busy++;
        }
        if (st == DLA_OK)
            st = sweep_coord_status(c, err);
        if (st != DLA_OK || busy == 0)
            break;
        sweep_record r;
        bool parsed = false;
        int from = poll_result(&r, &parsed);
        if (from < 0) {
            nap();
            continue;
        }
        if (!parsed) { /* a worker's message must parse; if not, record the job as lost */
            memset(&r, 0, sizeof r);
            r.m.area_mm2 = 0;
            snprintf(r.m.message, sizeof r.m.message, "worker rank %d sent an unreadable result", from);
        }
        r.index = (uint32_t)running[from];
        running[from] = -1;
        busy--;
        st = sweep_coord_finish(c, &r, err);
    }
    /* drain: every rank still busy answers once, then every rank is told to stop */
    while (busy > 0) {
        sweep_record r;
        bool parsed;
        int from = poll_result(&r, &parsed);
        if (from < 0) {
            nap();
            continue;
        }
        running[from] = -1;
        busy--;
    }
    for (int w = 1; w < size; w++)
        send_job(w, NULL, -1);
    free(running);
    free(job);
    if (st != DLA_OK) {
        sweep_coord_abort(c);
        return st;
    }
    return sweep_coord_close(c, stats, err);
}

static void run_worker(const dla_sweep_spec *spec, const dla_sweep_run_opts *opts)
{
    dla_sweep_job *job = malloc(sizeof *job);
    for (;;) {
        int flag = 0;
        MPI_Iprobe(0, TAG_JOB, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
        if (!flag) {
            nap();
            continue;
        }
        job_msg m;
        MPI_Recv(&m, (int)sizeof m, MPI_BYTE, 0, TAG_JOB, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (m.index < 0 || (size_t)m.index >= dla_sweep_num_jobs(spec))
            break;
        sweep_record r;
        memset(&r, 0, sizeof r);
        r.index = (uint32_t)m.index;
        dla_error err = {{0}};
        sweep_child child;
        if (!job) {
            snprintf(r.m.message, sizeof r.m.message, "worker: out of memory");
        } else {
            dla_sweep_job_get(spec, (size_t)m.index, job);
            memcpy(job->loadable_cache, m.loadable_cache, sizeof job->loadable_cache);
            memcpy(job->trace_path, m.trace_path, sizeof job->trace_path);
            if (sweep_child_spawn(job, opts->fn, opts->user, &child, &err) == DLA_OK) {
                while (!sweep_child_read(&child)) {
                }
                sweep_child_finish(&child, &r);
            } else {
                snprintf(r.m.message, sizeof r.m.message, "worker: %.480s", err.msg);
            }
        }
        char *line = sweep_record_format(&r);
        const char *msg = line ? line : "";
        MPI_Send(msg, (int)strlen(msg), MPI_CHAR, 0, TAG_RESULT, MPI_COMM_WORLD);
        free(line);
    }
    free(job);
}

dla_status dla_sweep_run_mpi(int *argc, char ***argv, const dla_sweep_spec *spec, const dla_sweep_run_opts *opts,
                             dla_sweep_run_stats *stats, dla_error *err)
{
    if (!spec || !opts || !opts->fn)
        return dla_error_set(err, DLA_ERR_INVALID, "sweep: spec, options and a job function are required");
    int inited = 0;
    MPI_Initialized(&inited);
    if (!inited && MPI_Init(argc, argv) != MPI_SUCCESS)
        return dla_error_set(err, DLA_ERR_IO, "--mpi: MPI_Init failed");
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    dla_status st = DLA_OK;
    if (stats)
        memset(stats, 0, sizeof *stats);
    if (size < 2) {
        st = dla_error_set(err, DLA_ERR_INVALID,
                           "--mpi: %d rank: rank 0 only schedules, so at least 2 are needed (mpirun -n 3 ...)", size);
    } else if (rank == 0) {
        st = run_root(spec, opts, size, stats, err);
    } else {
        run_worker(spec, opts);
    }
    MPI_Finalize();
    return st;
}
