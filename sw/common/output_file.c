/* Temporary file + fsync + rename for every output (dla/output_file.h). */
#define _POSIX_C_SOURCE 200809L
#include "dla/output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

dla_status dla_output_begin(dla_output *o, const char *path, dla_error *err)
{
    o->path = o->tmp = NULL;
    if (!path || !*path)
        return dla_error_set(err, DLA_ERR_INVALID, "output: empty file name");
    /* The rename would replace a device, FIFO or directory by a regular file (as root, `-o /dev/null`
     * turned /dev/null into a file): only regular files (or new names) are outputs. */
    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
        return dla_error_set(err, DLA_ERR_INVALID,
                             "%s: exists and is not a regular file (a device, FIFO or directory); dlasim writes "
                             "every output to a temporary file renamed into place, which would replace it: give "
                             "the path of a regular file",
                             path);
    size_t n = strlen(path) + 32;
    o->path = strdup(path);
    o->tmp = malloc(n);
    if (!o->path || !o->tmp) {
        dla_output_abort(o);
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", path);
    }
    snprintf(o->tmp, n, "%s.tmp.%ld", path, (long)getpid());
    return DLA_OK;
}

FILE *dla_output_fopen(dla_output *o, const char *mode, dla_error *err)
{
    FILE *f = fopen(o->tmp, mode);
    if (!f)
        dla_error_set(err, DLA_ERR_IO, "%s: cannot create temporary file %s: %s", o->path, o->tmp, strerror(errno));
    return f;
}

static void test_commit_delay(void)
{
    const char *ms = getenv("DLASIM_TEST_COMMIT_DELAY_MS");
    long v = ms ? strtol(ms, NULL, 10) : 0;
    if (v > 0 && v <= 60000) {
        struct timespec t = {v / 1000, (v % 1000) * 1000000L};
        while (nanosleep(&t, &t) != 0 && errno == EINTR) {
        }
    }
}

dla_status dla_output_commit(dla_output *o, dla_error *err)
{
    dla_status st = DLA_OK;
    /* Durable before visible: after a power loss the new name never points at unwritten blocks. */
    int fd = open(o->tmp, O_RDONLY);
    if (fd < 0 || fsync(fd) != 0)
        st = dla_error_set(err, DLA_ERR_IO, "%s: cannot flush temporary file %s: %s", o->path, o->tmp, strerror(errno));
    if (fd >= 0)
        close(fd);
    if (st == DLA_OK) {
        test_commit_delay();
        if (rename(o->tmp, o->path) != 0)
            st =
                dla_error_set(err, DLA_ERR_IO, "%s: cannot rename %s into place: %s", o->path, o->tmp, strerror(errno));
    }
    if (st != DLA_OK)
        dla_output_abort(o);
    else {
        free(o->path);
        free(o->tmp);
        o->path = o->tmp = NULL;
    }
    return st;
}

void dla_output_abort(dla_output *o)
{
    if (o->tmp)
        remove(o->tmp);
    free(o->path);
    free(o->tmp);
    o->path = o->tmp = NULL;
}

int dla_write_all(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        if (w == 0) { /* write() makes no progress: report it rather than spin */
            errno = EIO;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}
