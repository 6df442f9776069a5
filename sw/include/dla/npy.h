/* NumPy .npy files (format 1.0-3.0), read as FP32, written as little-endian FP32. */
#ifndef DLA_NPY_H
#define DLA_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "dla/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DLA_NPY_MAX_DIMS 8

typedef struct dla_npy {
    int ndim;
    int64_t shape[DLA_NPY_MAX_DIMS];
    size_t count;
    float *data; /* owned */
} dla_npy;

/* Reads dtypes f2/f4/f8, i1/u1/i2/u2/i4/u4/i8/u8, bool, C order, little or big endian. */
dla_status dla_npy_read(const char *path, dla_npy **out, dla_error *err);
/* Atomic write (temp file + rename). */
dla_status dla_npy_write_f32(const char *path, const int64_t *shape, int ndim, const float *data, dla_error *err);
void dla_npy_destroy(dla_npy *a);

#ifdef __cplusplus
}
#endif

#endif
