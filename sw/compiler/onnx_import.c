/* Import pass: an ONNX file (protobuf-c) -> graph IR. Reads initializers (raw and typed fields),
 * Constant nodes, attributes and static input shapes; refuses malformed or absurd files with a
 * message naming the file and the offending tensor/node, never trusting a size before checking it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dla/input_file.h"
#include "graph.h"
#include "onnx.pb-c.h"

#define MAX_FILE_BYTES 0x7FFFFFFFu /* protobuf's 2 GiB message limit */
/* Networks the DLA runs have hundreds of nodes. Some passes are quadratic in the node count (a chain of
 * 20000 nodes compiles in about 2 minutes), so a larger graph is refused instead of running for hours. */
#define MAX_NODES 20000

static int elem_bytes(int type)
{
    switch (type) {
    case IR_ONNX_FLOAT: return 4;
    case IR_ONNX_UINT8: return 1;
    case IR_ONNX_INT8: return 1;
    case IR_ONNX_INT32: return 4;
    case IR_ONNX_INT64: return 8;
    case IR_ONNX_BOOL: return 1;
    case IR_ONNX_FLOAT16: return 2;
    case IR_ONNX_DOUBLE: return 8;
    default: return 0;
    }
}

/* Fill t's shape from dims, checking rank and size limits. */
static dla_status set_dims(ir_graph *g, ir_tensor *t, const char *what, size_t n_dims, const int64_t *dims,
                           dla_error *err)
{
    if (n_dims > IR_MAX_RANK)
        return dla_error_set(err, DLA_ERR_LIMIT, "%s: %s '%s' has rank %zu, at most %d supported", g->base, what,
                             t->name, n_dims, IR_MAX_RANK);
    int64_t n = 1;
    for (size_t i = 0; i < n_dims; i++) {
        if (dims[i] < 0 || dims[i] > IR_MAX_DIM)
            return dla_error_set(err, DLA_ERR_LIMIT, "%s: %s '%s': dimension %zu is %lld, expected 0..%lld", g->base,
                                 what, t->name, i, (long long)dims[i], (long long)IR_MAX_DIM);
        n *= dims[i];
        if (n > IR_MAX_ELEMS)
            return dla_error_set(err, DLA_ERR_LIMIT, "%s: %s '%s' has more than %lld elements", g->base, what, t->name,
                                 (long long)IR_MAX_ELEMS);
        t->dims[i] = dims[i];
    }
    t->rank = (int)n_dims;
    return DLA_OK;
}

static inline uint64_t rd_le(const uint8_t *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* External data (ONNX external_data: location, offset, length) from a file next to the model. The
 * location must stay inside the model's directory, as the ONNX checker requires. */
static dla_status read_external(ir_graph *g, const ir_tensor *t, const Onnx__TensorProto *tp, const char *what,
                                int64_t want, uint8_t **data, size_t *len, dla_error *err)
{
    const char *loc = NULL;
    int64_t offset = 0, length = -1;
    for (size_t k = 0; k < tp->n_external_data; k++) {
        const Onnx__StringStringEntryProto *e = tp->external_data[k];
        if (!e || !e->key || !e->value)
            continue;
        char *end = NULL;
        if (strcmp(e->key, "location") == 0)
            loc = e->value;
        else if (strcmp(e->key, "offset") == 0 || strcmp(e->key, "length") == 0) {
            errno = 0;
            long long v = strtoll(e->value, &end, 10);
            if (errno || end == e->value || *end || v < 0)
                return dla_error_set(err, DLA_ERR_FORMAT, "%s: %s '%s': external data %s '%s' is not a byte count",
                                     g->base, what, t->name, e->key, e->value);
            *(strcmp(e->key, "offset") == 0 ? &offset : &length) = v;
        }
    }
    if (!loc || !loc[0])
        return dla_error_set(err, DLA_ERR_FORMAT, "%s: %s '%s' is marked external but has no 'location'", g->base, what,
                             t->name);
    if (loc[0] == '/' || strstr(loc, "..") != NULL)
        return dla_error_set(err, DLA_ERR_FORMAT,
                             "%s: %s '%s': external data location '%s' must be a relative path inside the model's "
                             "directory",
                             g->base, what, t->name, loc);
    if (length >= 0 && length != want)
        return dla_error_set(err, DLA_ERR_FORMAT, "%s: %s '%s': external data length %lld, its shape needs %lld bytes",
                             g->base, what, t->name, (long long)length, (long long)want);
    size_t dir_len = (size_t)(g->base - g->path);
    size_t plen = dir_len + strlen(loc) + 1;
    char *path = malloc(plen);
    if (!path)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", g->base);
    memcpy(path, g->path, dir_len);
    strcpy(path + dir_len, loc);
    FILE *f = fopen(path, "rb");
    dla_status st = DLA_OK;
    uint8_t *buf = NULL;
    if (!f) {
        st = dla_error_set(err, DLA_ERR_IO, "%s: %s '%s': cannot open external data file '%s': %s", g->base, what,
                           t->name, path, strerror(errno));
        goto out;
    }
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (size < 0 || offset > size || want > size - offset) { /* no offset + want: it could overflow */
        st = dla_error_set(err, DLA_ERR_FORMAT,
                           "%s: %s '%s': external data file '%s' has %ld bytes, the tensor needs %lld at offset %lld",
                           g->base, what, t->name, path, size, (long long)want, (long long)offset);
        goto out;
    }
    buf = malloc((size_t)(want > 0 ? want : 1));
    if (!buf) {
        st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory for %s '%s'", g->base, what, t->name);
        goto out;
    }
    if (fseek(f, (long)offset, SEEK_SET) != 0 || fread(buf, 1, (size_t)want, f) != (size_t)want) {
        st = dla_error_set(err, DLA_ERR_IO, "%s: %s '%s': cannot read external data file '%s'", g->base, what, t->name,
                           path);
        free(buf);
        buf = NULL;
        goto out;
    }
    *data = buf;
    *len = (size_t)want;
out:
    if (f)
        fclose(f);
    free(path);
    return st;
}

/* Decode a TensorProto into constant tensor t (shape already set). */
static dla_status decode_tensor(ir_graph *g, ir_tensor *t, const Onnx__TensorProto *tp, const char *what,
                                dla_error *err)
{
    int type = tp->has_data_type ? tp->data_type : 0;
    int eb = elem_bytes(type);
    if (!eb)
        return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                             "%s: %s '%s' has data type %d; supported: FLOAT, FLOAT16, DOUBLE, INT64, INT32, INT8, "
                             "UINT8, BOOL",
                             g->base, what, t->name, type);
    int64_t n = ir_numel(t);
    uint8_t *ext = NULL; /* external data, read into memory and decoded like raw_data */
    size_t ext_len = 0;
    if (tp->n_external_data ||
        (tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)) {
        dla_status st = read_external(g, t, tp, what, n * eb, &ext, &ext_len, err);
        if (st != DLA_OK)
            return st;
    }
    bool is_float = ir_is_float_type(type);
    float *f = NULL;
    int64_t *iv = NULL;
    size_t alloc = (size_t)(n > 0 ? n : 1);
    if (is_float)
        f = malloc(alloc * sizeof *f);
    else
        iv = malloc(alloc * sizeof *iv);
    if ((is_float && !f) || (!is_float && !iv))
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory for %s '%s' (%lld elements)", g->base, what,
                             t->name, (long long)n);
    size_t have;
    if (ext || (tp->has_raw_data && tp->raw_data.len > 0)) {
        size_t raw_len = ext ? ext_len : tp->raw_data.len;
        if ((int64_t)raw_len != n * eb) {
            free(f);
            free(iv);
            free(ext);
            return dla_error_set(err, DLA_ERR_FORMAT, "%s: %s '%s': %s has %zu bytes, expected %lld (%lld x %d)",
                                 g->base, what, t->name, ext ? "external data" : "raw_data", raw_len,
                                 (long long)(n * eb), (long long)n, eb);
        }
        const uint8_t *p = ext ? ext : tp->raw_data.data;
        for (int64_t k = 0; k < n; k++, p += eb) {
            uint64_t u = rd_le(p, eb);
            switch (type) {
            case IR_ONNX_FLOAT: {
                uint32_t x = (uint32_t)u;
                memcpy(&f[k], &x, 4);
                break;
            }
            case IR_ONNX_DOUBLE: {
                double d;
                memcpy(&d, &u, 8);
                f[k] = (float)d;
                break;
            }
            case IR_ONNX_FLOAT16: f[k] = ir_f16_to_f32((uint16_t)u); break;
            case IR_ONNX_INT64: iv[k] = (int64_t)u; break;
            case IR_ONNX_INT32: iv[k] = (int32_t)(uint32_t)u; break;
            case IR_ONNX_INT8: iv[k] = (int8_t)(uint8_t)u; break;
            default: iv[k] = (int64_t)u; break; /* UINT8, BOOL */
            }
        }
        free(ext);
    } else {
        switch (type) {
        case IR_ONNX_FLOAT: have = tp->n_float_data; break;
        case IR_ONNX_DOUBLE: have = tp->n_double_data; break;
        case IR_ONNX_INT64: have = tp->n_int64_data; break;
        default: have = tp->n_int32_data; break;
        }
        if ((int64_t)have != n) {
            free(f);
            free(iv);
            return dla_error_set(err, DLA_ERR_FORMAT, "%s: %s '%s' holds %zu values, its shape needs %lld", g->base,
                                 what, t->name, have, (long long)n);
        }
        for (int64_t k = 0; k < n; k++) {
            switch (type) {
            case IR_ONNX_FLOAT: f[k] = tp->float_data[k]; break;
            case IR_ONNX_DOUBLE: f[k] = (float)tp->double_data[k]; break;
            case IR_ONNX_FLOAT16: f[k] = ir_f16_to_f32((uint16_t)tp->int32_data[k]); break;
            case IR_ONNX_INT64: iv[k] = tp->int64_data[k]; break;
            case IR_ONNX_INT8: iv[k] = (int8_t)tp->int32_data[k]; break;
            case IR_ONNX_UINT8: iv[k] = (uint8_t)tp->int32_data[k]; break;
            default: iv[k] = tp->int32_data[k]; break;
            }
        }
    }
    if (is_float)
        ir_tensor_set_const_f(t, f, type);
    else
        ir_tensor_set_const_i(t, iv, type);
    return DLA_OK;
}

static dla_status add_const_from_proto(ir_graph *g, const char *name, const Onnx__TensorProto *tp, const char *what,
                                       int *index, dla_error *err)
{
    int idx;
    dla_status st = ir_tensor_add(g, name, &idx, err);
    if (st != DLA_OK)
        return st;
    ir_tensor *t = &g->tensors[idx];
    st = set_dims(g, t, what, tp->n_dims, tp->dims, err);
    if (st == DLA_OK)
        st = decode_tensor(g, t, tp, what, err);
    if (st == DLA_OK && index)
        *index = idx;
    return st;
}

/* Constant node: value / value_float(s) / value_int(s). */
static dla_status import_constant(ir_graph *g, const Onnx__NodeProto *np, dla_error *err)
{
    const char *nname = np->name && np->name[0] ? np->name : "(unnamed Constant)";
    if (np->n_output != 1 || !np->output[0] || !np->output[0][0])
        return dla_error_set(err, DLA_ERR_INVALID, "%s: node '%s' (Constant) must have exactly one output", g->base,
                             nname);
    const char *out = np->output[0];
    if (ir_tensor_find(g, out) >= 0)
        return dla_error_set(err, DLA_ERR_INVALID, "%s: node '%s' redefines tensor '%s'", g->base, nname, out);
    for (size_t a = 0; a < np->n_attribute; a++) {
        const Onnx__AttributeProto *ap = np->attribute[a];
        if (!ap->name)
            continue;
        if (strcmp(ap->name, "value") == 0 && ap->t)
            return add_const_from_proto(g, out, ap->t, "Constant", NULL, err);
        int idx;
        dla_status st;
        bool fl = strcmp(ap->name, "value_float") == 0, fls = strcmp(ap->name, "value_floats") == 0;
        bool in = strcmp(ap->name, "value_int") == 0, ins = strcmp(ap->name, "value_ints") == 0;
        if (!fl && !fls && !in && !ins)
            continue;
        if ((st = ir_tensor_add(g, out, &idx, err)) != DLA_OK)
            return st;
        ir_tensor *t = &g->tensors[idx];
        size_t n = fl || in ? 1 : (fls ? ap->n_floats : ap->n_ints);
        if (n > (size_t)IR_MAX_ELEMS)
            return dla_error_set(err, DLA_ERR_LIMIT, "%s: node '%s': constant too large", g->base, nname);
        t->rank = fl || in ? 0 : 1;
        t->dims[0] = (int64_t)n;
        if (fl || fls) {
            float *f = malloc((n ? n : 1) * sizeof *f);
            if (!f)
                return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", g->base);
            for (size_t k = 0; k < n; k++)
                f[k] = fl ? ap->f : ap->floats[k];
            ir_tensor_set_const_f(t, f, IR_ONNX_FLOAT);
        } else {
            int64_t *iv = malloc((n ? n : 1) * sizeof *iv);
            if (!iv)
                return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", g->base);
            for (size_t k = 0; k < n; k++)
                iv[k] = in ? ap->i : ap->ints[k];
            ir_tensor_set_const_i(t, iv, IR_ONNX_INT64);
        }
        return DLA_OK;
    }
    return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                         "%s: node '%s' (Constant) has no value, value_float(s) or value_int(s) attribute (sparse and "
                         "string constants are not supported)",
                         g->base, nname);
}

static dla_status import_attrs(ir_graph *g, ir_node *n, const Onnx__NodeProto *np, dla_error *err)
{
    n->attrs = calloc(np->n_attribute ? np->n_attribute : 1, sizeof *n->attrs);
    if (!n->attrs)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (attributes)", g->base);
    for (size_t a = 0; a < np->n_attribute; a++) {
        const Onnx__AttributeProto *ap = np->attribute[a];
        ir_attr *at = &n->attrs[n->n_attrs];
        at->name = ir_strdup(ap->name ? ap->name : "");
        at->tensor = -1;
        n->n_attrs++;
        if (!at->name)
            return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (attributes)", g->base);
        switch (ap->has_type ? ap->type : ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED) {
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT:
            at->type = IR_ATTR_INT;
            at->i = ap->i;
            break;
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT:
            at->type = IR_ATTR_FLOAT;
            at->f = ap->f;
            break;
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING:
            at->type = IR_ATTR_STRING;
            at->s = malloc(ap->s.len + 1);
            if (!at->s)
                return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (attributes)", g->base);
            if (ap->s.len)
                memcpy(at->s, ap->s.data, ap->s.len);
            at->s[ap->s.len] = '\0';
            break;
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
            at->type = IR_ATTR_INTS;
            if (ap->n_ints > 4096)
                return dla_error_set(err, DLA_ERR_LIMIT, "%s: node '%s': attribute '%s' has %zu ints (limit 4096)",
                                     g->base, n->name, at->name, ap->n_ints);
            at->n = (int)ap->n_ints;
            at->ints = malloc((ap->n_ints ? ap->n_ints : 1) * sizeof(int64_t));
            if (!at->ints)
                return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (attributes)", g->base);
            if (ap->n_ints)
                memcpy(at->ints, ap->ints, ap->n_ints * sizeof(int64_t));
            break;
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
            at->type = IR_ATTR_FLOATS;
            if (ap->n_floats > 4096)
                return dla_error_set(err, DLA_ERR_LIMIT, "%s: node '%s': attribute '%s' has %zu floats (limit 4096)",
                                     g->base, n->name, at->name, ap->n_floats);
            at->n = (int)ap->n_floats;
            at->floats = malloc((ap->n_floats ? ap->n_floats : 1) * sizeof(float));
            if (!at->floats)
                return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (attributes)", g->base);
            if (ap->n_floats)
                memcpy(at->floats, ap->floats, ap->n_floats * sizeof(float));
            break;
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR: {
            if (!ap->t)
                return dla_error_set(err, DLA_ERR_FORMAT, "%s: node '%s': tensor attribute '%s' has no tensor", g->base,
                                     n->name, at->name);
            char name[300];
            snprintf(name, sizeof name, "%.200s:%.80s", n->name, at->name);
            int idx;
            at->type = IR_ATTR_TENSOR;
            dla_status st = add_const_from_proto(g, name, ap->t, "attribute tensor", &idx, err);
            if (st != DLA_OK)
                return st;
            at->tensor = idx;
            break;
        }
        default:
            at->type = IR_ATTR_OTHER; /* graphs, strings lists...: kept by name only */
            break;
        }
    }
    return DLA_OK;
}

typedef struct shape_spec shape_spec;
static dla_status import_inputs_with(ir_graph *g, const Onnx__GraphProto *gp, int64_t batch, shape_spec *specs,
                                     int n_specs, dla_error *err);

/* One entry of --shapes (trtexec syntax): name:d0xd1x..., the name optionally in single quotes. */
struct shape_spec {
    char name[256];
    int rank;
    int64_t dims[IR_MAX_RANK];
    bool used;
};

#define MAX_SHAPE_SPECS 64

static dla_status parse_shapes(const ir_graph *g, const char *text, shape_spec *specs, int *n, dla_error *err)
{
    *n = 0;
    const char *p = text;
    while (*p) {
        if (*n == MAX_SHAPE_SPECS)
            return dla_error_set(err, DLA_ERR_LIMIT, "%s: --shapes names more than %d inputs", g->base,
                                 MAX_SHAPE_SPECS);
        shape_spec *sp = &specs[*n];
        memset(sp, 0, sizeof *sp);
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *colon = NULL;
        const char *name = p;
        size_t name_len;
        if (*p == '\'') {
            const char *q = memchr(p + 1, '\'', len > 0 ? len - 1 : 0);
            if (!q || q[1] != ':')
                return dla_error_set(err, DLA_ERR_INVALID,
                                     "%s: --shapes entry '%.*s': expected 'name':dims (unterminated quote)", g->base,
                                     (int)len, p);
            name = p + 1;
            name_len = (size_t)(q - name);
            colon = q + 1;
        } else {
            for (size_t k = 0; k < len; k++)
                if (p[k] == ':')
                    colon = p + k; /* the last ':' (names like 'input:0' need quotes only when dims follow) */
            if (!colon)
                return dla_error_set(err, DLA_ERR_INVALID,
                                     "%s: --shapes entry '%.*s': expected name:dims, e.g. x:1x3x224x224", g->base,
                                     (int)len, p);
            name_len = (size_t)(colon - p);
        }
        if (name_len == 0 || name_len >= sizeof sp->name)
            return dla_error_set(err, DLA_ERR_INVALID, "%s: --shapes entry '%.*s': the input name is empty or too long",
                                 g->base, (int)len, p);
        memcpy(sp->name, name, name_len);
        sp->name[name_len] = '\0';
        const char *d = colon + 1, *stop = p + len;
        while (d < stop) {
            if (sp->rank == IR_MAX_RANK)
                return dla_error_set(err, DLA_ERR_LIMIT, "%s: --shapes for '%s': more than %d dimensions", g->base,
                                     sp->name, IR_MAX_RANK);
            int64_t v = 0;
            const char *start = d;
            while (d < stop && *d >= '0' && *d <= '9' && v <= IR_MAX_DIM)
                v = v * 10 + (*d++ - '0');
            if (d == start || v < 1 || v > IR_MAX_DIM || (d < stop && *d != 'x'))
                return dla_error_set(err, DLA_ERR_INVALID,
                                     "%s: --shapes for '%s': '%.*s' is not a shape; expected dimensions 1..%lld "
                                     "separated by 'x', e.g. 1x3x224x224",
                                     g->base, sp->name, (int)(stop - colon - 1), colon + 1, (long long)IR_MAX_DIM);
            sp->dims[sp->rank++] = v;
            if (d < stop)
                d++; /* 'x' */
            if (d == stop && stop[-1] == 'x')
                return dla_error_set(err, DLA_ERR_INVALID, "%s: --shapes for '%s': shape ends with 'x'", g->base,
                                     sp->name);
        }
        if (sp->rank == 0)
            return dla_error_set(err, DLA_ERR_INVALID, "%s: --shapes for '%s' gives no dimensions", g->base, sp->name);
        for (int k = 0; k < *n; k++)
            if (strcmp(specs[k].name, sp->name) == 0)
                return dla_error_set(err, DLA_ERR_INVALID, "%s: --shapes names input '%s' twice", g->base, sp->name);
        (*n)++;
        p = end ? end + 1 : p + len;
    }
    return DLA_OK;
}

static dla_status import_inputs(ir_graph *g, const Onnx__GraphProto *gp, int64_t batch, const char *shapes,
                                dla_error *err)
{
    shape_spec *specs = NULL;
    int n_specs = 0;
    dla_status st = DLA_OK;
    if (shapes && shapes[0]) {
        specs = calloc(MAX_SHAPE_SPECS, sizeof *specs);
        if (!specs)
            return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", g->base);
        if ((st = parse_shapes(g, shapes, specs, &n_specs, err)) == DLA_OK)
            st = import_inputs_with(g, gp, batch, specs, n_specs, err);
        free(specs);
        return st;
    }
    return import_inputs_with(g, gp, batch, NULL, 0, err);
}

static dla_status import_inputs_with(ir_graph *g, const Onnx__GraphProto *gp, int64_t batch, shape_spec *specs,
                                     int n_specs, dla_error *err)
{
    g->inputs = calloc(gp->n_input ? gp->n_input : 1, sizeof(int));
    if (!g->inputs)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", g->base);
    for (size_t i = 0; i < gp->n_input; i++) {
        const Onnx__ValueInfoProto *vi = gp->input[i];
        if (!vi->name || !vi->name[0])
            return dla_error_set(err, DLA_ERR_INVALID, "%s: graph input %zu has no name", g->base, i);
        int known = ir_tensor_find(g, vi->name);
        if (known >= 0 && g->tensors[known].is_input)
            return dla_error_set(err, DLA_ERR_INVALID, "%s: graph input '%s' is listed twice", g->base, vi->name);
        if (known >= 0)
            continue; /* also an initializer: a constant */
        const Onnx__TypeProto *tp = vi->type;
        if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
            return dla_error_set(err, DLA_ERR_UNSUPPORTED, "%s: input '%s' is not a tensor", g->base, vi->name);
        const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
        int et = tt->has_elem_type ? tt->elem_type : 0;
        if (et != IR_ONNX_FLOAT && et != IR_ONNX_FLOAT16)
            return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                                 "%s: input '%s' has element type %d, expected FLOAT or FLOAT16", g->base, vi->name,
                                 et);
        if (!tt->shape)
            return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                                 "%s: input '%s' has no shape (not even its rank); the DLA needs static shapes",
                                 g->base, vi->name);
        int64_t dims[IR_MAX_RANK];
        if (tt->shape->n_dim > IR_MAX_RANK)
            return dla_error_set(err, DLA_ERR_LIMIT, "%s: input '%s' has rank %zu, at most %d supported", g->base,
                                 vi->name, tt->shape->n_dim, IR_MAX_RANK);
        shape_spec *spec = NULL;
        for (int k = 0; k < n_specs; k++)
            if (strcmp(specs[k].name, vi->name) == 0)
                spec = &specs[k];
        if (spec) {
            spec->used = true;
            if ((size_t)spec->rank != tt->shape->n_dim)
                return dla_error_set(err, DLA_ERR_INVALID, "%s: --shapes gives input '%s' %d dimensions, the model %zu",
                                     g->base, vi->name, spec->rank, tt->shape->n_dim);
        }
        for (size_t d = 0; d < tt->shape->n_dim; d++) {
            const Onnx__TensorShapeProto__Dimension *dm = tt->shape->dim[d];
            bool is_value = dm->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE && dm->dim_value > 0;
            if (spec) {
                /* --shapes resolves dynamic dimensions; a static one must agree (TensorRT refuses a mismatch). */
                if (is_value && dm->dim_value != spec->dims[d] && !(d == 0 && batch > 0))
                    return dla_error_set(err, DLA_ERR_INVALID,
                                         "%s: --shapes gives input '%s' dimension %zu = %lld, the model fixes it to "
                                         "%lld",
                                         g->base, vi->name, d, (long long)spec->dims[d], (long long)dm->dim_value);
                if (d == 0 && batch > 0 && spec->dims[0] != batch)
                    return dla_error_set(err, DLA_ERR_INVALID,
                                         "%s: --shapes gives input '%s' batch %lld, but batch %lld was asked for",
                                         g->base, vi->name, (long long)spec->dims[0], (long long)batch);
                dims[d] = spec->dims[d];
                continue;
            }
            if (d == 0 && batch > 0 && (!is_value || dm->dim_value != batch)) {
                dims[d] = batch; /* explicit batch resolves or overrides the batch dimension */
                continue;
            }
            if (!is_value) {
                const char *param =
                    dm->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM && dm->dim_param
                        ? dm->dim_param
                        : "?";
                return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                                     "%s: input '%s' has a dynamic dimension %zu ('%s'); the DLA needs static shapes: "
                                     "give them with --shapes=%s:<d0>x<d1>x... (trtexec syntax)",
                                     g->base, vi->name, d, param, vi->name);
            }
            dims[d] = dm->dim_value;
        }
        int idx;
        dla_status st = ir_tensor_add(g, vi->name, &idx, err);
        if (st != DLA_OK)
            return st;
        ir_tensor *t = &g->tensors[idx];
        t->elem_type = IR_ONNX_FLOAT;
        t->is_input = true;
        if ((st = set_dims(g, t, "input", tt->shape->n_dim, dims, err)) != DLA_OK)
            return st;
        if (g->n_inputs == 0) {
            const Onnx__TensorShapeProto__Dimension *d0 = tt->shape->n_dim ? tt->shape->dim[0] : NULL;
            g->model_batch =
                d0 && d0->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE ? d0->dim_value : -1;
            g->batch = t->rank > 0 ? t->dims[0] : 1;
        }
        g->inputs[g->n_inputs++] = idx;
    }
    if (g->n_inputs == 0 && gp->n_input > 0)
        return dla_error_set(err, DLA_ERR_INVALID,
                             "%s: the graph has no non-constant input: every graph input (the first is '%s') is also "
                             "an initializer, which makes it a constant (as TensorRT treats it)",
                             g->base, gp->input[0]->name);
    if (g->n_inputs == 0)
        return dla_error_set(err, DLA_ERR_INVALID, "%s: the graph has no non-constant input", g->base);
    for (int k = 0; k < n_specs; k++)
        if (!specs[k].used) {
            char names[512] = "";
            size_t len = 0;
            for (int i = 0; i < g->n_inputs && len < sizeof names; i++)
                len += (size_t)snprintf(names + len, sizeof names - len, "%s'%s'", i ? ", " : "",
                                        g->tensors[g->inputs[i]].name);
            return dla_error_set(err, DLA_ERR_INVALID,
                                 "%s: --shapes names '%s', which is not a network input (inputs: %s)", g->base,
                                 specs[k].name, names);
        }
    return DLA_OK;
}

static dla_status import_graph(ir_graph *g, const Onnx__ModelProto *mp, int64_t batch, const char *shapes,
                               dla_error *err)
{
    const Onnx__GraphProto *gp = mp->graph;
    dla_status st;
    for (size_t i = 0; i < mp->n_opset_import; i++) {
        const Onnx__OperatorSetIdProto *os = mp->opset_import[i];
        if (os && (!os->domain || !os->domain[0] || strcmp(os->domain, "ai.onnx") == 0) && os->has_version)
            g->opset = os->version;
    }
    if (g->opset == 0)
        g->opset = 1;
    /* Opsets 7 (TensorRT's oldest) .. 21: older models use broadcast/consumed_inputs attributes this
     * importer does not interpret; newer ones may change operators after this importer was written. */
    if (g->opset < IR_OPSET_MIN || g->opset > IR_OPSET_MAX)
        return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                             "%s: default-domain opset %lld is not supported (expected %d..%d)", g->base,
                             (long long)g->opset, IR_OPSET_MIN, IR_OPSET_MAX);
    for (size_t i = 0; i < gp->n_initializer; i++) {
        const Onnx__TensorProto *tp = gp->initializer[i];
        if (!tp->name || !tp->name[0])
            return dla_error_set(err, DLA_ERR_INVALID, "%s: initializer %zu has no name", g->base, i);
        if (ir_tensor_find(g, tp->name) >= 0)
            return dla_error_set(err, DLA_ERR_INVALID, "%s: initializer '%s' is defined twice", g->base, tp->name);
        if ((st = add_const_from_proto(g, tp->name, tp, "initializer", NULL, err)) != DLA_OK)
            return st;
    }
    if ((st = import_inputs(g, gp, batch, shapes, err)) != DLA_OK)
        return st;
    /* Pass 1: constants and node outputs (so inputs can be resolved whatever the node order). */
    int *node_of = malloc((gp->n_node ? gp->n_node : 1) * sizeof(int));
    if (!node_of)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", g->base);
    for (size_t i = 0; i < gp->n_node; i++) {
        const Onnx__NodeProto *np = gp->node[i];
        node_of[i] = -1;
        if (!np->op_type || !np->op_type[0]) {
            st = dla_error_set(err, DLA_ERR_INVALID, "%s: node %zu has no op_type", g->base, i);
            goto done;
        }
        if (np->domain && np->domain[0] && strcmp(np->domain, "ai.onnx") != 0) {
            st = dla_error_set(err, DLA_ERR_UNSUPPORTED,
                               "%s: node '%s' uses operator domain '%s' (only the default "
                               "ONNX domain is supported)",
                               g->base, np->name ? np->name : "", np->domain);
            goto done;
        }
        if (strcmp(np->op_type, "Constant") == 0) {
            if ((st = import_constant(g, np, err)) != DLA_OK)
                goto done;
            continue;
        }
        if (np->n_input > 65536 || np->n_output > 65536) {
            st = dla_error_set(err, DLA_ERR_LIMIT, "%s: node '%s' has too many inputs/outputs", g->base,
                               np->name ? np->name : "");
            goto done;
        }
        char fallback[64];
        snprintf(fallback, sizeof fallback, "%s_%zu", np->op_type, i);
        const char *name = np->name && np->name[0] ? np->name : fallback;
        int ni;
        if ((st = ir_node_add(g, name, np->op_type, (int)np->n_input, (int)np->n_output, &ni, err)) != DLA_OK)
            goto done;
        node_of[i] = ni;
        for (size_t o = 0; o < np->n_output; o++) {
            const char *on = np->output[o];
            if (!on || !on[0])
                continue;
            if (ir_tensor_find(g, on) >= 0) {
                st = dla_error_set(err, DLA_ERR_INVALID, "%s: node '%s' redefines tensor '%s'", g->base, name, on);
                goto done;
            }
            int ti;
            if ((st = ir_tensor_add(g, on, &ti, err)) != DLA_OK)
                goto done;
            g->tensors[ti].producer = ni;
            g->nodes[ni].out[o] = ti;
        }
        if ((st = import_attrs(g, &g->nodes[ni], np, err)) != DLA_OK)
            goto done;
    }
    /* Pass 2: resolve inputs. */
    for (size_t i = 0; i < gp->n_node; i++) {
        if (node_of[i] < 0)
            continue;
        const Onnx__NodeProto *np = gp->node[i];
        ir_node *n = &g->nodes[node_of[i]];
        for (size_t k = 0; k < np->n_input; k++) {
            const char *in = np->input[k];
            if (!in || !in[0])
                continue; /* optional input left out */
            int ti = ir_tensor_find(g, in);
            if (ti < 0) {
                st = dla_error_set(err, DLA_ERR_INVALID,
                                   "%s: node '%s' (%s) reads '%s', which no node, input or initializer defines",
                                   g->base, n->name, n->op_type, in);
                goto done;
            }
            n->in[k] = ti;
        }
    }
    g->outputs = calloc(gp->n_output ? gp->n_output : 1, sizeof(int));
    if (!g->outputs) {
        st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", g->base);
        goto done;
    }
    for (size_t i = 0; i < gp->n_output; i++) {
        const char *on = gp->output[i]->name;
        int ti = on ? ir_tensor_find(g, on) : -1;
        if (ti < 0) {
            st = dla_error_set(err, DLA_ERR_INVALID, "%s: graph output '%s' is not produced by any node", g->base,
                               on ? on : "");
            goto done;
        }
        g->tensors[ti].is_output = true;
        g->outputs[g->n_outputs++] = ti;
    }
    if (g->n_outputs == 0)
        st = dla_error_set(err, DLA_ERR_INVALID, "%s: the graph has no output", g->base);
    else
        st = DLA_OK;
done:
    free(node_of);
    return st;
}

dla_status ir_import_onnx(const char *path, int64_t batch, ir_graph **out, dla_error *err)
{
    return ir_import_onnx_shapes(path, batch, NULL, out, err);
}

dla_status ir_import_onnx_shapes(const char *path, int64_t batch, const char *shapes, ir_graph **out, dla_error *err)
{
    *out = NULL;
    uint8_t *data = NULL;
    size_t size = 0;
    dla_status st = dla_input_read(path, "ONNX model", MAX_FILE_BYTES, &data, &size, err);
    if (st != DLA_OK)
        return st;
    ir_graph *g = ir_graph_create(path);
    if (!g) {
        free(data);
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", path);
    }
    Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, size, data);
    free(data);
    if (!mp) {
        st = dla_error_set(err, DLA_ERR_FORMAT,
                           "%s: not an ONNX model (protobuf parsing failed: the file is not a ModelProto or is "
                           "truncated)",
                           path);
        goto fail;
    }
    if (!mp->graph) {
        st = dla_error_set(err, DLA_ERR_FORMAT, "%s: not an ONNX model (no graph; the file may be truncated)", path);
        goto fail;
    }
    if (!mp->has_ir_version || mp->graph->n_node == 0) {
        st = dla_error_set(err, DLA_ERR_FORMAT, "%s: not an ONNX model (%s)", path,
                           !mp->has_ir_version ? "no ir_version" : "the graph has no nodes");
        goto fail;
    }
    if (mp->graph->n_node > MAX_NODES) {
        st = dla_error_set(err, DLA_ERR_LIMIT, "%s: the graph has %zu nodes, at most %d supported", path,
                           mp->graph->n_node, MAX_NODES);
        goto fail;
    }
    if ((st = import_graph(g, mp, batch, shapes, err)) != DLA_OK)
        goto fail;
    onnx__model_proto__free_unpacked(mp, NULL);
    *out = g;
    return DLA_OK;
fail:
    if (mp)
        onnx__model_proto__free_unpacked(mp, NULL);
    ir_graph_destroy(g);
    return st;
}
