/* Whole-file input for every parser (docs/robustness.md): one place that refuses what is not a regular
 * file (a FIFO would block, /dev/zero never ends) and files over the caller's size limit, both before
 * any allocation. */
#ifndef DLA_INPUT_FILE_H
#define DLA_INPUT_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "dla/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads the regular file at path into a new buffer (*data, free() it) of *size bytes plus a NUL byte
 * that *size does not count, so text parsers can use it as a string. what names the kind of file in
 * messages ("ONNX model", "config"); files larger than max_bytes are DLA_ERR_LIMIT. Messages:
 * "<path>: cannot open file (<reason>)", "<path>: not a regular file (a <what> must be a file)",
 * "<path>: <n> bytes, larger than the <max> byte limit for a <what>". */
dla_status dla_input_read(const char *path, const char *what, uint64_t max_bytes, uint8_t **data, size_t *size,
                          dla_error *err);

#ifdef __cplusplus
}
#endif

#endif
