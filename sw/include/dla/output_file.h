/* Crash-safe outputs (docs/robustness.md): every file dlasim writes is written under a temporary name
 * next to its final path and renamed into place, so readers (and a run killed at any moment) see the old
 * file or the complete new one, never a truncated one. */
#ifndef DLA_OUTPUT_FILE_H
#define DLA_OUTPUT_FILE_H

#include <stdio.h>

#include "dla/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dla_output {
    char *path; /* final name */
    char *tmp;  /* "<path>.tmp.<pid>": unique per process, same directory (rename stays atomic) */
} dla_output;

/* Chooses the temporary name; nothing is created yet. */
dla_status dla_output_begin(dla_output *o, const char *path, dla_error *err);
/* Opens the temporary file with fopen(mode); the caller fcloses it before commit. */
FILE *dla_output_fopen(dla_output *o, const char *mode, dla_error *err);
/* Makes the temporary file durable and renames it over the final path; on failure the temporary file
 * is removed and the old file, if any, is untouched. Frees the names either way. For tests only,
 * DLASIM_TEST_COMMIT_DELAY_MS holds the completed temporary file that long before the rename, so a
 * test can kill the process inside the commit window deterministically. */
dla_status dla_output_commit(dla_output *o, dla_error *err);
/* Removes the temporary file (if any) and frees the names; safe after a failed begin. */
void dla_output_abort(dla_output *o);

/* Writes all n bytes to fd (a pipe, an O_APPEND journal), retrying interrupted and partial writes;
 * returns 0, or -1 with errno set when a write fails. */
int dla_write_all(int fd, const void *data, size_t n);

#ifdef __cplusplus
}
#endif

#endif
