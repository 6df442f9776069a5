/* Local sweeps: up to opts->workers jobs at once, each in a forked child (sweep_child.c), results
 * gathered with poll() and handed to the coordinator as they arrive. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "sweep_internal.h"

dla_status dla_sweep_run_local(const dla_sweep_spec *spec, const dla_sweep_run_opts *opts, dla_sweep_run_stats *stats,
                               dla_error *err)
{
    if (!spec || !opts || !opts->fn)
        return dla_error_set(err, DLA_ERR_INVALID, "sweep: spec, options and a job function are required");
    if (opts->workers < 1 || opts->workers > 1024)
        return dla_error_set(err, DLA_ERR_INVALID, "sweep: -j %d, expected 1..1024 workers", opts->workers);
    signal(SIGPIPE, SIG_IGN); /* a dying child must not take the coordinator with it */
    sweep_coord *c = NULL;
    dla_status st = sweep_coord_open(spec, opts, &c, err);
    if (st != DLA_OK)
        return st;
    size_t n = (size_t)opts->workers;
    sweep_child *kids = calloc(n, sizeof *kids);
    struct pollfd *pfd = calloc(n, sizeof *pfd);
    dla_sweep_job *job = malloc(sizeof *job);
    if (!kids || !pfd || !job) {
        free(kids);
        free(pfd);
        free(job);
        sweep_coord_abort(c);
        return dla_error_set(err, DLA_ERR_NOMEM, "sweep: out of memory");
    }
    size_t active = 0;
    while (st == DLA_OK && !sweep_coord_all_done(c)) {
        while (active < n && sweep_coord_next(c, job) >= 0) {
            st = sweep_child_spawn(job, opts->fn, opts->user, &kids[active], err);
            if (st != DLA_OK)
                break;
            active++;
        }
        if (st == DLA_OK)
            st = sweep_coord_status(c, err);
        if (st != DLA_OK || active == 0)
            break; /* all done, or an error: nothing runnable and nothing running */
        for (size_t i = 0; i < active; i++)
            pfd[i] = (struct pollfd){.fd = kids[i].fd, .events = POLLIN};
        if (poll(pfd, (nfds_t)active, 1000) < 0 && errno != EINTR) {
            st = dla_error_set(err, DLA_ERR_IO, "sweep: poll: %s", strerror(errno));
            break;
        }
        for (size_t i = active; i-- > 0;) {
            if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            if (!sweep_child_read(&kids[i]))
                continue;
            sweep_record r;
            sweep_child_finish(&kids[i], &r);
            kids[i] = kids[--active]; /* pfd[i] is stale now, but only lower indices are visited next */
            pfd[i] = pfd[active];
            if (st == DLA_OK)
                st = sweep_coord_finish(c, &r, err);
        }
    }
    /* on error: let running children finish so none is left orphaned, without recording them */
    for (size_t i = 0; i < active; i++) {
        while (!sweep_child_read(&kids[i])) {
        }
        sweep_record r;
        sweep_child_finish(&kids[i], &r);
    }
    free(kids);
    free(pfd);
    free(job);
    if (st != DLA_OK) {
        sweep_coord_abort(c);
        return st;
    }
    return sweep_coord_close(c, stats, err);
}
