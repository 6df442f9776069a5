/* Whole-file input with the regular-file and size checks every parser needs (dla/input_file.h). */
#define _POSIX_C_SOURCE 200809L
#include "dla/input_file.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

dla_status dla_input_read(const char *path, const char *what, uint64_t max_bytes, uint8_t **data, size_t *size,
                          dla_error *err)
{
    *data = NULL;
    *size = 0;
    /* O_NONBLOCK: opening a FIFO without a writer would otherwise wait forever before fstat can refuse it. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return dla_error_set(err, DLA_ERR_IO, "%s: cannot open file (%s)", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return dla_error_set(err, DLA_ERR_IO, "%s: not a regular file (a %s must be a file)", path, what);
    }
    uint64_t want = (uint64_t)st.st_size;
    if (want > max_bytes || want >= SIZE_MAX) {
        close(fd);
        return dla_error_set(err, DLA_ERR_LIMIT,
                             "%s: %" PRIu64 " bytes, larger than the %" PRIu64 " byte limit for a %s", path, want,
                             max_bytes, what);
    }
    uint8_t *buf = malloc((size_t)want + 1);
    if (!buf) {
        close(fd);
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory for %" PRIu64 " bytes", path, want);
    }
    size_t got = 0;
    while (got < want) { /* a file that shrinks while read ends early; one that grows is read as it was */
        ssize_t n = read(fd, buf + got, (size_t)want - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return dla_error_set(err, DLA_ERR_IO, "%s: read error (%s)", path, strerror(e));
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = 0;
    *data = buf;
    *size = got;
    return DLA_OK;
}
