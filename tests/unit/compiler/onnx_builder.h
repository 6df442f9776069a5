/* Test helper: builds small ONNX models with protobuf-c and writes them to a file, so compiler tests
 * can state their models in code (tests/unit/compiler). Not part of the compiler. */
#ifndef DLA_TEST_ONNX_BUILDER_H
#define DLA_TEST_ONNX_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tb_model tb_model;

tb_model *tb_create(int64_t opset);
void tb_destroy(tb_model *m);
/* dims[i] < 0 makes dimension i symbolic (dim_param "N"). */
void tb_input(tb_model *m, const char *name, int rank, const int64_t *dims);
void tb_output(tb_model *m, const char *name);
/* FLOAT initializer in raw_data (raw = true) or float_data. */
void tb_init_f32(tb_model *m, const char *name, int rank, const int64_t *dims, const float *data, bool raw);
void tb_init_i64(tb_model *m, const char *name, int rank, const int64_t *dims, const int64_t *data, bool raw);
/* Other typed fields: INT32 / INT8 / UINT8 / FLOAT16 (int32_data), DOUBLE (double_data). */
void tb_init_i32_field(tb_model *m, const char *name, int data_type, int rank, const int64_t *dims,
                       const int32_t *data);
void tb_init_f64(tb_model *m, const char *name, int rank, const int64_t *dims, const double *data);
/* Any type with raw_data of exactly `bytes` bytes (to build inconsistent files). */
void tb_init_raw(tb_model *m, const char *name, int data_type, int rank, const int64_t *dims, const void *data,
                 size_t bytes);
/* Initializer whose data lives in an external file (ONNX external_data: location, offset, and length
 * unless length < 0). */
void tb_init_external(tb_model *m, const char *name, int data_type, int rank, const int64_t *dims, const char *location,
                      long long offset, long long length);
/* Node with comma-separated input and output names ("" entries are empty optional inputs). */
int tb_node(tb_model *m, const char *op, const char *name, const char *inputs, const char *outputs);
void tb_attr_int(tb_model *m, int node, const char *name, int64_t v);
void tb_attr_float(tb_model *m, int node, const char *name, float v);
void tb_attr_ints(tb_model *m, int node, const char *name, int n, const int64_t *v);
void tb_attr_string(tb_model *m, int node, const char *name, const char *v);
void tb_attr_floats(tb_model *m, int node, const char *name, int n, const float *v);
/* Tensor attribute ("value" of Constant) holding FLOAT data. */
void tb_attr_tensor_f32(tb_model *m, int node, const char *name, int rank, const int64_t *dims, const float *data);
void tb_attr_tensor_i64(tb_model *m, int node, const char *name, int rank, const int64_t *dims, const int64_t *data);
/* 0 on success. */
int tb_save(tb_model *m, const char *path);

#ifdef __cplusplus
}
#endif

#endif
