/* Test helper: small ONNX models built with protobuf-c (see onnx_builder.h). Every allocation goes
 * into an arena freed by tb_destroy; the protobuf structs only point into it. */
#include "onnx_builder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx.pb-c.h"

struct tb_model {
    void **arena;
    size_t n_arena, cap_arena;
    Onnx__ModelProto model;
    Onnx__GraphProto graph;
    Onnx__OperatorSetIdProto opset;
    Onnx__OperatorSetIdProto *opsets[1];
};

static void *grab(tb_model *m, size_t size)
{
    if (m->n_arena == m->cap_arena) {
        m->cap_arena = m->cap_arena ? m->cap_arena * 2 : 64;
        m->arena = realloc(m->arena, m->cap_arena * sizeof(void *));
        if (!m->arena)
            abort();
    }
    void *p = calloc(1, size ? size : 1);
    if (!p)
        abort();
    m->arena[m->n_arena++] = p;
    return p;
}

static char *str(tb_model *m, const char *s)
{
    char *d = grab(m, strlen(s) + 1);
    memcpy(d, s, strlen(s) + 1);
    return d;
}

/* Append one pointer to a protobuf repeated field (arrays live in the arena, grown by copying). */
static void push(tb_model *m, void ***arr, size_t *n, void *item)
{
    void **a = grab(m, (*n + 1) * sizeof(void *));
    if (*n)
        memcpy(a, *arr, *n * sizeof(void *));
    a[*n] = item;
    *arr = a;
    (*n)++;
}

tb_model *tb_create(int64_t opset)
{
    tb_model *m = calloc(1, sizeof *m);
    if (!m)
        abort();
    onnx__model_proto__init(&m->model);
    onnx__graph_proto__init(&m->graph);
    onnx__operator_set_id_proto__init(&m->opset);
    m->model.has_ir_version = 1;
    m->model.ir_version = 8;
    m->model.graph = &m->graph;
    m->graph.name = str(m, "test");
    m->opset.domain = str(m, "");
    m->opset.has_version = 1;
    m->opset.version = opset;
    m->opsets[0] = &m->opset;
    m->model.opset_import = m->opsets;
    m->model.n_opset_import = 1;
    return m;
}

void tb_destroy(tb_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_arena; i++)
        free(m->arena[i]);
    free(m->arena);
    free(m);
}

static Onnx__ValueInfoProto *value_info(tb_model *m, const char *name, int rank, const int64_t *dims)
{
    Onnx__ValueInfoProto *vi = grab(m, sizeof *vi);
    onnx__value_info_proto__init(vi);
    vi->name = str(m, name);
    Onnx__TypeProto *tp = grab(m, sizeof *tp);
    onnx__type_proto__init(tp);
    Onnx__TypeProto__Tensor *tt = grab(m, sizeof *tt);
    onnx__type_proto__tensor__init(tt);
    tt->has_elem_type = 1;
    tt->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    if (dims) {
        Onnx__TensorShapeProto *sp = grab(m, sizeof *sp);
        onnx__tensor_shape_proto__init(sp);
        sp->dim = grab(m, (size_t)rank * sizeof(void *));
        sp->n_dim = (size_t)rank;
        for (int i = 0; i < rank; i++) {
            Onnx__TensorShapeProto__Dimension *d = grab(m, sizeof *d);
            onnx__tensor_shape_proto__dimension__init(d);
            if (dims[i] >= 0) {
                d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
                d->dim_value = dims[i];
            } else {
                d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
                d->dim_param = str(m, "N");
            }
            sp->dim[i] = d;
        }
        tt->shape = sp;
    }
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    tp->tensor_type = tt;
    vi->type = tp;
    return vi;
}

void tb_input(tb_model *m, const char *name, int rank, const int64_t *dims)
{
    push(m, (void ***)&m->graph.input, &m->graph.n_input, value_info(m, name, rank, dims));
}

void tb_output(tb_model *m, const char *name)
{
    push(m, (void ***)&m->graph.output, &m->graph.n_output, value_info(m, name, 0, NULL));
}

static Onnx__TensorProto *tensor(tb_model *m, const char *name, int type, int rank, const int64_t *dims)
{
    Onnx__TensorProto *t = grab(m, sizeof *t);
    onnx__tensor_proto__init(t);
    t->name = str(m, name);
    t->has_data_type = 1;
    t->data_type = type;
    t->n_dims = (size_t)rank;
    t->dims = grab(m, (size_t)(rank ? rank : 1) * sizeof(int64_t));
    if (rank)
        memcpy(t->dims, dims, (size_t)rank * sizeof(int64_t));
    return t;
}

static size_t count(int rank, const int64_t *dims)
{
    size_t n = 1;
    for (int i = 0; i < rank; i++)
        n *= (size_t)dims[i];
    return n;
}

static Onnx__TensorProto *f32_tensor(tb_model *m, const char *name, int rank, const int64_t *dims, const float *data,
                                     bool raw)
{
    Onnx__TensorProto *t = tensor(m, name, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, rank, dims);
    size_t n = count(rank, dims);
    if (raw) {
        t->has_raw_data = 1;
        t->raw_data.len = n * 4;
        t->raw_data.data = grab(m, n * 4);
        memcpy(t->raw_data.data, data, n * 4); /* little-endian host */
    } else {
        t->n_float_data = n;
        t->float_data = grab(m, n * sizeof(float));
        memcpy(t->float_data, data, n * sizeof(float));
    }
    return t;
}

static Onnx__TensorProto *i64_tensor(tb_model *m, const char *name, int rank, const int64_t *dims, const int64_t *data,
                                     bool raw)
{
    Onnx__TensorProto *t = tensor(m, name, ONNX__TENSOR_PROTO__DATA_TYPE__INT64, rank, dims);
    size_t n = count(rank, dims);
    if (raw) {
        t->has_raw_data = 1;
        t->raw_data.len = n * 8;
        t->raw_data.data = grab(m, n * 8);
        memcpy(t->raw_data.data, data, n * 8);
    } else {
        t->n_int64_data = n;
        t->int64_data = grab(m, n * sizeof(int64_t));
        memcpy(t->int64_data, data, n * sizeof(int64_t));
    }
    return t;
}

void tb_init_f32(tb_model *m, const char *name, int rank, const int64_t *dims, const float *data, bool raw)
{
    push(m, (void ***)&m->graph.initializer, &m->graph.n_initializer, f32_tensor(m, name, rank, dims, data, raw));
}

void tb_init_i64(tb_model *m, const char *name, int rank, const int64_t *dims, const int64_t *data, bool raw)
{
    push(m, (void ***)&m->graph.initializer, &m->graph.n_initializer, i64_tensor(m, name, rank, dims, data, raw));
}

void tb_init_i32_field(tb_model *m, const char *name, int data_type, int rank, const int64_t *dims, const int32_t *data)
{
    Onnx__TensorProto *t = tensor(m, name, data_type, rank, dims);
    size_t n = count(rank, dims);
    t->n_int32_data = n;
    t->int32_data = grab(m, n * sizeof(int32_t));
    memcpy(t->int32_data, data, n * sizeof(int32_t));
    push(m, (void ***)&m->graph.initializer, &m->graph.n_initializer, t);
}

void tb_init_f64(tb_model *m, const char *name, int rank, const int64_t *dims, const double *data)
{
    Onnx__TensorProto *t = tensor(m, name, ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE, rank, dims);
    size_t n = count(rank, dims);
    t->n_double_data = n;
    t->double_data = grab(m, n * sizeof(double));
    memcpy(t->double_data, data, n * sizeof(double));
    push(m, (void ***)&m->graph.initializer, &m->graph.n_initializer, t);
}

void tb_init_raw(tb_model *m, const char *name, int data_type, int rank, const int64_t *dims, const void *data,
                 size_t bytes)
{
    Onnx__TensorProto *t = tensor(m, name, data_type, rank, dims);
    t->has_raw_data = 1;
    t->raw_data.len = bytes;
    t->raw_data.data = grab(m, bytes);
    memcpy(t->raw_data.data, data, bytes);
    push(m, (void ***)&m->graph.initializer, &m->graph.n_initializer, t);
}

void tb_init_external(tb_model *m, const char *name, int data_type, int rank, const int64_t *dims, const char *location,
                      long long offset, long long length)
{
    Onnx__TensorProto *t = tensor(m, name, data_type, rank, dims);
    t->has_data_location = 1;
    t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
    const char *keys[3] = {"location", "offset", "length"};
    char vals[3][32];
    snprintf(vals[1], sizeof vals[1], "%lld", offset);
    snprintf(vals[2], sizeof vals[2], "%lld", length);
    for (int k = 0; k < 3; k++) {
        if (k == 2 && length < 0)
            break;
        Onnx__StringStringEntryProto *e = grab(m, sizeof *e);
        onnx__string_string_entry_proto__init(e);
        e->key = str(m, keys[k]);
        e->value = str(m, k == 0 ? location : vals[k]);
        push(m, (void ***)&t->external_data, &t->n_external_data, e);
    }
    push(m, (void ***)&m->graph.initializer, &m->graph.n_initializer, t);
}

static void split_names(tb_model *m, const char *list, char ***out, size_t *n)
{
    *n = 0;
    *out = NULL;
    if (!list)
        return;
    char *copy = str(m, list);
    for (char *p = copy;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        push(m, (void ***)out, n, p);
        if (!comma)
            break;
        p = comma + 1;
    }
}

int tb_node(tb_model *m, const char *op, const char *name, const char *inputs, const char *outputs)
{
    Onnx__NodeProto *n = grab(m, sizeof *n);
    onnx__node_proto__init(n);
    n->op_type = str(m, op);
    n->name = str(m, name);
    split_names(m, inputs, &n->input, &n->n_input);
    split_names(m, outputs, &n->output, &n->n_output);
    push(m, (void ***)&m->graph.node, &m->graph.n_node, n);
    return (int)m->graph.n_node - 1;
}

static Onnx__AttributeProto *attr(tb_model *m, int node, const char *name, Onnx__AttributeProto__AttributeType type)
{
    Onnx__AttributeProto *a = grab(m, sizeof *a);
    onnx__attribute_proto__init(a);
    a->name = str(m, name);
    a->has_type = 1;
    a->type = type;
    Onnx__NodeProto *n = m->graph.node[node];
    push(m, (void ***)&n->attribute, &n->n_attribute, a);
    return a;
}

void tb_attr_int(tb_model *m, int node, const char *name, int64_t v)
{
    Onnx__AttributeProto *a = attr(m, node, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
    a->has_i = 1;
    a->i = v;
}

void tb_attr_float(tb_model *m, int node, const char *name, float v)
{
    Onnx__AttributeProto *a = attr(m, node, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
    a->has_f = 1;
    a->f = v;
}

void tb_attr_string(tb_model *m, int node, const char *name, const char *v)
{
    Onnx__AttributeProto *a = attr(m, node, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
    a->has_s = 1;
    a->s.len = strlen(v);
    a->s.data = (uint8_t *)str(m, v);
}

void tb_attr_ints(tb_model *m, int node, const char *name, int n, const int64_t *v)
{
    Onnx__AttributeProto *a = attr(m, node, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
    a->n_ints = (size_t)n;
    a->ints = grab(m, (size_t)n * sizeof(int64_t));
    memcpy(a->ints, v, (size_t)n * sizeof(int64_t));
}

void tb_attr_floats(tb_model *m, int node, const char *name, int n, const float *v)
{
    Onnx__AttributeProto *a = attr(m, node, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS);
    a->n_floats = (size_t)n;
    a->floats = grab(m, (size_t)n * sizeof(float));
    memcpy(a->floats, v, (size_t)n * sizeof(float));
}

void tb_attr_tensor_f32(tb_model *m, int node, const char *name, int rank, const int64_t *dims, const float *data)
{
    Onnx__AttributeProto *a = attr(m, node, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);
    a->t = f32_tensor(m, "", rank, dims, data, true);
}

void tb_attr_tensor_i64(tb_model *m, int node, const char *name, int rank, const int64_t *dims, const int64_t *data)
{
    Onnx__AttributeProto *a = attr(m, node, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);
    a->t = i64_tensor(m, "", rank, dims, data, true);
}

int tb_save(tb_model *m, const char *path)
{
    size_t size = onnx__model_proto__get_packed_size(&m->model);
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return -1;
    onnx__model_proto__pack(&m->model, buf);
    FILE *f = fopen(path, "wb");
    int rc = f && fwrite(buf, 1, size, f) == size ? 0 : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    free(buf);
    return rc;
}
