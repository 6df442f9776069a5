/* Status codes and error messages shared by every C module of dlasim.
 * Every fallible call returns a dla_status; the human-readable reason goes into a dla_error
 * (or, for modules with handles, into the handle's last message). */
#ifndef DLA_STATUS_H
#define DLA_STATUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dla_status {
    DLA_OK = 0,
    DLA_ERR_IO,          /* file cannot be opened, read or written */
    DLA_ERR_FORMAT,      /* malformed input: bad magic, truncated, checksum, parse error */
    DLA_ERR_INVALID,     /* well-formed but semantically invalid (range, type, unknown key) */
    DLA_ERR_UNSUPPORTED, /* valid but not supported (layer not runnable on the DLA, feature off) */
    DLA_ERR_LIMIT,       /* a size limit would be exceeded (refused before allocating) */
    DLA_ERR_NOMEM,       /* allocation failed */
    DLA_ERR_TIMEOUT,     /* simulated hardware did not complete (hang detection) */
    DLA_ERR_INTERNAL     /* broken invariant: a dlasim bug */
} dla_status;

/* One error message, filled by the callee. 1 KiB is enough for "file: path: value, expected". */
typedef struct dla_error {
    char msg[1024];
} dla_error;

/* Static name of a status ("ok", "io", "format", ...). */
const char *dla_status_name(dla_status status);

/* printf-style; err may be NULL (message dropped). Returns status so callers can
 * write `return dla_error_set(err, DLA_ERR_INVALID, "...")`. */
dla_status dla_error_set(dla_error *err, dla_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Prefix an existing message: "context: old message". */
void dla_error_prefix(dla_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#ifdef __cplusplus
}
#endif

#endif
