/* Constant folding and static shape inference over the imported graph: removes Identity, evaluates
 * the shape-computation chains PyTorch exports (Shape, Gather, Unsqueeze, Concat, Reshape, Cast,
 * ConstantOfShape, arithmetic on constants...) and gives every activation tensor its shape. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"

#define IN(n, k) ((k) < (n)->n_in && (n)->in[k] >= 0 ? &g->tensors[(n)->in[k]] : NULL)

static double cval(const ir_tensor *t, int64_t k)
{
    return t->f ? (double)t->f[k] : (double)t->i[k];
}

static dla_status node_err(const ir_graph *g, const ir_node *n, dla_error *err, dla_status st, const char *msg)
{
    return dla_error_set(err, st, "%s: node '%s' (%s): %s", g->base, n->name, n->op_type, msg);
}

static dla_status set_shape(ir_graph *g, const ir_node *n, int ti, int rank, const int64_t *dims, dla_error *err)
{
    if (ti < 0)
        return DLA_OK;
    if (rank > IR_MAX_RANK)
        return node_err(g, n, err, DLA_ERR_LIMIT, "output rank exceeds 8");
    int64_t total = 1;
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 0 || dims[i] > IR_MAX_DIM)
            return node_err(g, n, err, DLA_ERR_INVALID, "inferred a negative or absurd output dimension");
        total *= dims[i];
        if (total > IR_MAX_ELEMS)
            return node_err(g, n, err, DLA_ERR_LIMIT, "output has more than 2^30 elements");
    }
    ir_tensor *t = &g->tensors[ti];
    t->rank = rank;
    for (int i = 0; i < rank; i++)
        t->dims[i] = dims[i];
    return DLA_OK;
}

/* Make output 0 of n a constant of the given shape; returns the buffer to fill through *f or *iv. */
static dla_status make_const(ir_graph *g, ir_node *n, int rank, const int64_t *dims, bool is_float, int elem_type,
                             float **f, int64_t **iv, dla_error *err)
{
    int ti = n->out[0];
    dla_status st = set_shape(g, n, ti, rank, dims, err);
    if (st != DLA_OK)
        return st;
    ir_tensor *t = &g->tensors[ti];
    size_t cnt = (size_t)(ir_numel(t) > 0 ? ir_numel(t) : 1);
    if (is_float) {
        float *p = calloc(cnt, sizeof *p);
        if (!p)
            return node_err(g, n, err, DLA_ERR_NOMEM, "out of memory folding a constant");
        ir_tensor_set_const_f(t, p, elem_type);
        *f = p;
    } else {
        int64_t *p = calloc(cnt, sizeof *p);
        if (!p)
            return node_err(g, n, err, DLA_ERR_NOMEM, "out of memory folding a constant");
        ir_tensor_set_const_i(t, p, elem_type);
        *iv = p;
    }
    return DLA_OK;
}

static bool norm_axis(int64_t *axis, int rank)
{
    if (*axis < 0)
        *axis += rank;
    return *axis >= 0 && *axis < rank;
}

/* Axes from the attribute (older opsets) or from input 1 (opset 13+ for (Un)Squeeze, 18+ Reduce*). */
static int get_axes(const ir_graph *g, const ir_node *n, int input, int64_t *axes, bool *ok)
{
    *ok = true;
    const ir_attr *a = ir_attr_get(n, "axes");
    if (a && a->type == IR_ATTR_INTS) {
        if (a->n > IR_MAX_RANK) {
            *ok = false;
            return 0;
        }
        for (int i = 0; i < a->n; i++)
            axes[i] = a->ints[i];
        return a->n;
    }
    const ir_tensor *t = IN(n, input);
    if (!t)
        return 0;
    if (!t->is_const || t->f || ir_numel(t) > IR_MAX_RANK) {
        *ok = false;
        return 0;
    }
    for (int64_t i = 0; i < ir_numel(t); i++)
        axes[i] = t->i[i];
    return (int)ir_numel(t);
}

static bool broadcast_shape(const ir_tensor *const *ts, int nt, int *rank, int64_t *dims)
{
    int r = 0;
    for (int k = 0; k < nt; k++)
        if (ts[k]->rank > r)
            r = ts[k]->rank;
    for (int d = 0; d < r; d++) {
        int64_t v = 1;
        for (int k = 0; k < nt; k++) {
            int off = d - (r - ts[k]->rank);
            if (off < 0)
                continue;
            int64_t x = ts[k]->dims[off];
            if (x == v || x == 1)
                continue;
            if (v != 1)
                return false;
            v = x;
        }
        dims[d] = v;
    }
    *rank = r;
    return true;
}

/* Flat index into t for output multi-index idx (rank r), numpy broadcasting. */
static int64_t bcast_index(const ir_tensor *t, int r, const int64_t *idx)
{
    int64_t off = 0;
    for (int d = 0; d < t->rank; d++) {
        int64_t i = idx[d + r - t->rank];
        off = off * t->dims[d] + (t->dims[d] == 1 ? 0 : i);
    }
    return off;
}

static void next_index(int r, const int64_t *dims, int64_t *idx)
{
    for (int d = r - 1; d >= 0; d--) {
        if (++idx[d] < dims[d])
            return;
        idx[d] = 0;
    }
}

static double apply_op(const char *op, double a, double b, double c, bool is_int, bool *bad)
{
    if (!strcmp(op, "Add"))
        return a + b;
    if (!strcmp(op, "Sub"))
        return a - b;
    if (!strcmp(op, "Mul"))
        return a * b;
    if (!strcmp(op, "Div")) {
        if (is_int) {
            if (b == 0) {
                *bad = true;
                return 0;
            }
            return (double)((int64_t)a / (int64_t)b);
        }
        return a / b;
    }
    if (!strcmp(op, "Pow"))
        return pow(a, b);
    if (!strcmp(op, "Max"))
        return a > b ? a : b;
    if (!strcmp(op, "Min"))
        return a < b ? a : b;
    if (!strcmp(op, "Equal"))
        return a == b;
    if (!strcmp(op, "Less"))
        return a < b;
    if (!strcmp(op, "Greater"))
        return a > b;
    if (!strcmp(op, "Where"))
        return a != 0 ? b : c;
    if (!strcmp(op, "Neg"))
        return -a;
    if (!strcmp(op, "Abs"))
        return fabs(a);
    if (!strcmp(op, "Sqrt"))
        return sqrt(a);
    if (!strcmp(op, "Not"))
        return a == 0;
    *bad = true;
    return 0;
}

static bool is_elementwise_const_op(const char *op)
{
    static const char *const ops[] = {"Add",  "Sub",     "Mul",   "Div", "Pow", "Max",  "Min", "Equal",
                                      "Less", "Greater", "Where", "Neg", "Abs", "Sqrt", "Not", NULL};
    for (int i = 0; ops[i]; i++)
        if (!strcmp(op, ops[i]))
            return true;
    return false;
}

static bool all_inputs_const(const ir_graph *g, const ir_node *n)
{
    for (int k = 0; k < n->n_in; k++)
        if (n->in[k] >= 0 && !g->tensors[n->in[k]].is_const)
            return false;
    return n->n_out >= 1 && n->out[0] >= 0;
}

static dla_status fold_elementwise(ir_graph *g, ir_node *n, dla_error *err)
{
    const ir_tensor *ts[3];
    int nt = 0;
    for (int k = 0; k < n->n_in && nt < 3; k++)
        if (n->in[k] >= 0)
            ts[nt++] = &g->tensors[n->in[k]];
    int r;
    int64_t dims[IR_MAX_RANK];
    if (nt == 0 || !broadcast_shape(ts, nt, &r, dims))
        return node_err(g, n, err, DLA_ERR_INVALID, "input shapes do not broadcast");
    const char *op = n->op_type;
    bool is_cmp = !strcmp(op, "Equal") || !strcmp(op, "Less") || !strcmp(op, "Greater") || !strcmp(op, "Not");
    const ir_tensor *val = !strcmp(op, "Where") && nt == 3 ? ts[1] : ts[0];
    bool out_float = !is_cmp && val->f != NULL;
    bool is_int = !is_cmp && !out_float;
    int et = is_cmp ? IR_ONNX_BOOL : val->elem_type;
    float *f = NULL;
    int64_t *iv = NULL;
    dla_status st = make_const(g, n, r, dims, out_float, et, &f, &iv, err);
    if (st != DLA_OK)
        return st;
    for (int k = 0; k < nt; k++) /* tensors may have moved */
        ts[k] = &g->tensors[n->in[k]];
    int64_t idx[IR_MAX_RANK] = {0};
    int64_t total = ir_numel(&g->tensors[n->out[0]]);
    bool bad = false;
    for (int64_t e = 0; e < total; e++, next_index(r, dims, idx)) {
        double a = cval(ts[0], bcast_index(ts[0], r, idx));
        double b = nt > 1 ? cval(ts[1], bcast_index(ts[1], r, idx)) : 0;
        double c = nt > 2 ? cval(ts[2], bcast_index(ts[2], r, idx)) : 0;
        double v = apply_op(op, a, b, c, is_int, &bad);
        if (out_float)
            f[e] = (float)v;
        else
            iv[e] = (int64_t)v;
    }
    if (bad)
        return node_err(g, n, err, DLA_ERR_INVALID, "cannot fold (integer division by zero or wrong arity)");
    return DLA_OK;
}

/* Output shape of Reshape: 0 copies the input dim (unless allowzero), -1 is inferred. */
static dla_status reshape_dims(ir_graph *g, const ir_node *n, const ir_tensor *data, const ir_tensor *shape, int *rank,
                               int64_t *dims, dla_error *err)
{
    if (!shape->is_const || shape->f || shape->rank != 1 || shape->dims[0] > IR_MAX_RANK)
        return node_err(g, n, err, DLA_ERR_UNSUPPORTED,
                        "the target shape must be a constant 1-D INT64 tensor of rank <= 8");
    bool allowzero = ir_attr_int(n, "allowzero", 0) != 0;
    int r = (int)shape->dims[0];
    int infer = -1;
    int64_t known = 1;
    for (int i = 0; i < r; i++) {
        int64_t v = shape->i[i];
        if (v == 0 && !allowzero) {
            if (i >= data->rank)
                return node_err(g, n, err, DLA_ERR_INVALID, "0 in the target shape has no input dimension to copy");
            v = data->dims[i];
        } else if (v == -1) {
            if (infer >= 0)
                return node_err(g, n, err, DLA_ERR_INVALID, "more than one -1 in the target shape");
            infer = i;
            dims[i] = 1;
            continue;
        } else if (v < 0) {
            return node_err(g, n, err, DLA_ERR_INVALID, "negative dimension in the target shape");
        }
        /* A batch dimension hard-coded by the exporter follows an explicit --batch (documented heuristic). */
        if (i == 0 && g->model_batch > 0 && g->batch != g->model_batch && v == g->model_batch && data->rank > 0 &&
            data->dims[0] == g->batch)
            v = g->batch;
        dims[i] = v;
        known *= v;
    }
    int64_t total = ir_numel(data);
    if (infer >= 0) {
        if (known == 0 || total % known)
            return node_err(g, n, err, DLA_ERR_INVALID, "cannot infer -1: element count does not divide");
        dims[infer] = total / known;
    } else if (known != total) {
        char msg[160];
        snprintf(msg, sizeof msg, "target shape has %lld elements, the input has %lld", (long long)known,
                 (long long)total);
        return node_err(g, n, err, DLA_ERR_INVALID, msg);
    }
    *rank = r;
    return DLA_OK;
}

/* Copy (or gather) constant data with a generic index map: out[e] = in[src(e)]. */
static dla_status fold_copy(ir_graph *g, ir_node *n, const ir_tensor *src, int rank, const int64_t *dims,
                            const int64_t *map, dla_error *err)
{
    int si = (int)(src - g->tensors);
    bool fl = src->f != NULL;
    int et = src->elem_type;
    float *f = NULL;
    int64_t *iv = NULL;
    dla_status st = make_const(g, n, rank, dims, fl, et, &f, &iv, err);
    if (st != DLA_OK)
        return st;
    src = &g->tensors[si];
    int64_t total = ir_numel(&g->tensors[n->out[0]]);
    for (int64_t e = 0; e < total; e++) {
        int64_t k = map ? map[e] : e;
        if (fl)
            f[e] = src->f[k];
        else
            iv[e] = src->i[k];
    }
    return DLA_OK;
}

static dla_status fold_transpose_like(ir_graph *g, ir_node *n, const ir_tensor *x, const int64_t *perm, dla_error *err)
{
    int r = x->rank;
    int64_t dims[IR_MAX_RANK], idx[IR_MAX_RANK] = {0}, stride[IR_MAX_RANK];
    for (int d = 0; d < r; d++)
        dims[d] = x->dims[perm[d]];
    int64_t s = 1;
    for (int d = r - 1; d >= 0; d--) {
        stride[d] = s;
        s *= x->dims[d];
    }
    int64_t total = ir_numel(x);
    int64_t *map = malloc((size_t)(total > 0 ? total : 1) * sizeof *map);
    if (!map)
        return node_err(g, n, err, DLA_ERR_NOMEM, "out of memory");
    for (int64_t e = 0; e < total; e++, next_index(r, dims, idx)) {
        int64_t off = 0;
        for (int d = 0; d < r; d++)
            off += idx[d] * stride[perm[d]];
        map[e] = off;
    }
    dla_status st = fold_copy(g, n, x, r, dims, map, err);
    free(map);
    return st;
}

static dla_status infer_window(ir_graph *g, ir_node *n, const ir_tensor *x, dla_error *err)
{
    bool conv = !strcmp(n->op_type, "Conv");
    if (x->rank != 4)
        return node_err(g, n, err, DLA_ERR_UNSUPPORTED, "only 2-D (NCHW) inputs are supported");
    int64_t kh, kw, k = x->dims[1];
    if (conv) {
        const ir_tensor *w = IN(n, 1);
        if (!w || w->rank != 4)
            return node_err(g, n, err, DLA_ERR_UNSUPPORTED, "weights must be a 4-D tensor");
        int64_t groups = ir_attr_int(n, "group", 1);
        if (groups < 1 || x->dims[1] % groups || w->dims[1] * groups != x->dims[1] || w->dims[0] % groups) {
            char msg[200];
            snprintf(msg, sizeof msg, "input has %lld channels, weights %lldx%lld with group %lld do not match",
                     (long long)x->dims[1], (long long)w->dims[0], (long long)w->dims[1], (long long)groups);
            return node_err(g, n, err, DLA_ERR_INVALID, msg);
        }
        k = w->dims[0];
        kh = w->dims[2];
        kw = w->dims[3];
    } else {
        const ir_attr *ks = ir_attr_get(n, "kernel_shape");
        if (!ks || ks->type != IR_ATTR_INTS || ks->n != 2)
            return node_err(g, n, err, DLA_ERR_UNSUPPORTED, "kernel_shape must give 2 values");
        kh = ks->ints[0];
        kw = ks->ints[1];
    }
    ir_window win;
    dla_status st = ir_window_geometry(g, n, x->dims[2], x->dims[3], kh, kw, !conv, &win, err);
    if (st != DLA_OK)
        return st;
    int64_t dims[4] = {x->dims[0], k, win.oh, win.ow};
    return set_shape(g, n, n->out[0], 4, dims, err);
}

dla_status ir_window_geometry(const ir_graph *g, const ir_node *n, int64_t h, int64_t w, int64_t kh, int64_t kw,
                              bool pool, ir_window *out, dla_error *err)
{
    memset(out, 0, sizeof *out);
    const ir_attr *st = ir_attr_get(n, "strides"), *dl = ir_attr_get(n, "dilations"), *pd = ir_attr_get(n, "pads");
    const ir_attr *ap = ir_attr_get(n, "auto_pad");
    int64_t s[2] = {1, 1}, d[2] = {1, 1}, p[4] = {0, 0, 0, 0};
    if (st && (st->type != IR_ATTR_INTS || st->n != 2))
        return node_err(g, n, err, DLA_ERR_UNSUPPORTED, "strides must give 2 values");
    if (dl && (dl->type != IR_ATTR_INTS || dl->n != 2))
        return node_err(g, n, err, DLA_ERR_UNSUPPORTED, "dilations must give 2 values");
    if (pd && (pd->type != IR_ATTR_INTS || pd->n != 4))
        return node_err(g, n, err, DLA_ERR_UNSUPPORTED, "pads must give 4 values");
    for (int i = 0; i < 2; i++) {
        if (st)
            s[i] = st->ints[i];
        if (dl)
            d[i] = dl->ints[i];
    }
    for (int i = 0; pd && i < 4; i++)
        p[i] = pd->ints[i];
    if (kh < 1 || kw < 1 || kh > 4096 || kw > 4096 || s[0] < 1 || s[1] < 1 || s[0] > 4096 || s[1] > 4096 || d[0] < 1 ||
        d[1] < 1 || d[0] > 4096 || d[1] > 4096)
        return node_err(g, n, err, DLA_ERR_INVALID, "kernel, strides and dilations must be in 1..4096");
    for (int i = 0; i < 4; i++)
        if (p[i] < 0 || p[i] > 4096)
            return node_err(g, n, err, DLA_ERR_INVALID, "pads must be in 0..4096");
    int64_t ek[2] = {(kh - 1) * d[0] + 1, (kw - 1) * d[1] + 1}, in[2] = {h, w};
    const char *mode = ap && ap->type == IR_ATTR_STRING ? ap->s : "NOTSET";
    if (!strcmp(mode, "SAME_UPPER") || !strcmp(mode, "SAME_LOWER")) {
        for (int i = 0; i < 2; i++) {
            int64_t o = (in[i] + s[i] - 1) / s[i];
            int64_t total = (o - 1) * s[i] + ek[i] - in[i];
            if (total < 0)
                total = 0;
            int64_t small = total / 2, big = total - small;
            p[i] = !strcmp(mode, "SAME_UPPER") ? small : big;
            p[i + 2] = total - p[i];
        }
    } else if (!strcmp(mode, "VALID")) {
        memset(p, 0, sizeof p);
    } else if (strcmp(mode, "NOTSET") != 0) {
        return node_err(g, n, err, DLA_ERR_UNSUPPORTED, "unknown auto_pad");
    }
    int64_t o[2];
    bool ceil_mode = pool && ir_attr_int(n, "ceil_mode", 0) != 0;
    for (int i = 0; i < 2; i++) {
        int64_t span = in[i] + p[i] + p[i + 2] - ek[i];
        if (span < 0)
            return node_err(g, n, err, DLA_ERR_INVALID, "the kernel is larger than the padded input");
        o[i] = (ceil_mode ? (span + s[i] - 1) / s[i] : span / s[i]) + 1;
        if (ceil_mode && (o[i] - 1) * s[i] >= in[i] + p[i])
            o[i]--; /* the last window must start inside the input or the leading padding */
        int64_t need = (o[i] - 1) * s[i] + ek[i] - in[i] - p[i];
        if (need > p[i + 2])
            p[i + 2] = need; /* ceil_mode as explicit trailing padding */
    }
    out->kh = (int)kh;
    out->kw = (int)kw;
    out->sy = (int)s[0];
    out->sx = (int)s[1];
    out->dy = (int)d[0];
    out->dx = (int)d[1];
    out->pt = (int)p[0];
    out->pl = (int)p[1];
    out->pb = (int)p[2];
    out->pr = (int)p[3];
    out->oh = o[0];
    out->ow = o[1];
    return DLA_OK;
}

static dla_status infer_gemm(ir_graph *g, ir_node *n, const ir_tensor *a, const ir_tensor *b, dla_error *err)
{
    bool gemm = !strcmp(n->op_type, "Gemm");
    if (gemm) {
        if (a->rank != 2 || b->rank != 2)
            return node_err(g, n, err, DLA_ERR_INVALID, "Gemm inputs must be 2-D");
        int64_t ta = ir_attr_int(n, "transA", 0), tb = ir_attr_int(n, "transB", 0);
        int64_t m = ta ? a->dims[1] : a->dims[0], ka = ta ? a->dims[0] : a->dims[1];
        int64_t kb = tb ? b->dims[1] : b->dims[0], nn = tb ? b->dims[0] : b->dims[1];
        if (ka != kb)
            return node_err(g, n, err, DLA_ERR_INVALID, "inner dimensions of A and B differ");
        int64_t dims[2] = {m, nn};
        return set_shape(g, n, n->out[0], 2, dims, err);
    }
    if (a->rank < 1 || b->rank < 1)
        return node_err(g, n, err, DLA_ERR_INVALID, "MatMul inputs must have rank >= 1");
    /* numpy matmul: broadcast the batch dims, contract a's last with b's second-to-last. */
    int64_t ka = a->dims[a->rank - 1], kb = b->rank >= 2 ? b->dims[b->rank - 2] : b->dims[0];
    if (ka != kb)
        return node_err(g, n, err, DLA_ERR_INVALID, "inner dimensions of A and B differ");
    ir_tensor ab = *a, bb = *b;
    ab.rank = a->rank >= 2 ? a->rank - 2 : 0;
    bb.rank = b->rank >= 2 ? b->rank - 2 : 0;
    const ir_tensor *ts[2] = {&ab, &bb};
    int r;
    int64_t dims[IR_MAX_RANK + 2];
    if (!broadcast_shape(ts, 2, &r, dims))
        return node_err(g, n, err, DLA_ERR_INVALID, "batch dimensions do not broadcast");
    if (a->rank >= 2)
        dims[r++] = a->dims[a->rank - 2];
    if (b->rank >= 2)
        dims[r++] = b->dims[b->rank - 1];
    return set_shape(g, n, n->out[0], r, dims, err);
}

static bool is_unary_shape_op(const char *op)
{
    static const char *const ops[] = {"Relu",
                                      "Clip",
                                      "Sigmoid",
                                      "Tanh",
                                      "LeakyRelu",
                                      "Sqrt",
                                      "Exp",
                                      "Log",
                                      "Abs",
                                      "Neg",
                                      "Erf",
                                      "BatchNormalization",
                                      "InstanceNormalization",
                                      "Softmax",
                                      "LRN",
                                      "HardSigmoid",
                                      "HardSwish",
                                      "Dropout",
                                      "Cast",
                                      "Identity",
                                      "Reciprocal",
                                      "Softplus",
                                      "Elu",
                                      "Selu",
                                      "Mish",
                                      "Floor",
                                      "Ceil",
                                      "Round",
                                      "Sin",
                                      "Cos",
                                      "Atanh",
                                      "LayerNormalization",
                                      "GroupNormalization",
                                      "LogSoftmax",
                                      NULL};
    for (int i = 0; ops[i]; i++)
        if (!strcmp(op, ops[i]))
            return true;
    return false;
}

/* Try to fold a node whose inputs are constants (or a Shape). *folded tells whether it was. */
static dla_status try_fold(ir_graph *g, ir_node *n, bool *folded, dla_error *err)
{
    const char *op = n->op_type;
    *folded = false;
    const ir_tensor *x = IN(n, 0);
    if (!strcmp(op, "Shape")) {
        if (!x || x->rank < 0)
            return DLA_OK;
        int64_t start = ir_attr_int(n, "start", 0), end = ir_attr_int(n, "end", x->rank);
        if (start < 0)
            start += x->rank;
        if (end < 0)
            end += x->rank;
        start = start < 0 ? 0 : start > x->rank ? x->rank : start;
        end = end < start ? start : end > x->rank ? x->rank : end;
        int64_t dims[1] = {end - start};
        float *f;
        int64_t *iv;
        int xi = n->in[0];
        dla_status st = make_const(g, n, 1, dims, false, IR_ONNX_INT64, &f, &iv, err);
        if (st != DLA_OK)
            return st;
        for (int64_t k = start; k < end; k++)
            iv[k - start] = g->tensors[xi].dims[k];
        *folded = true;
        return DLA_OK;
    }
    if (!all_inputs_const(g, n) || !x)
        return DLA_OK;
    dla_status st = DLA_OK;
    int64_t dims[IR_MAX_RANK];
    *folded = true;
    if (is_elementwise_const_op(op)) {
        st = fold_elementwise(g, n, err);
    } else if (!strcmp(op, "Cast")) {
        int64_t to = ir_attr_int(n, "to", IR_ONNX_FLOAT);
        bool fl = ir_is_float_type((int)to);
        int xi = n->in[0];
        float *f = NULL;
        int64_t *iv = NULL;
        if ((st = make_const(g, n, x->rank, x->dims, fl, (int)to, &f, &iv, err)) != DLA_OK)
            return st;
        x = &g->tensors[xi];
        for (int64_t e = 0; e < ir_numel(x); e++) {
            double v = cval(x, e);
            if (fl)
                f[e] = to == IR_ONNX_FLOAT16 ? ir_f16_to_f32(ir_f32_to_f16((float)v)) : (float)v;
            else if (to == IR_ONNX_BOOL)
                iv[e] = v != 0;
            else
                iv[e] = isfinite(v) && fabs(v) < 9.2e18 ? (int64_t)v : 0;
        }
    } else if (!strcmp(op, "Reshape") || !strcmp(op, "Flatten") || !strcmp(op, "Squeeze") || !strcmp(op, "Unsqueeze")) {
        *folded = false; /* shape computed by infer(); the data is copied unchanged */
        return DLA_OK;
    } else if (!strcmp(op, "Gather")) {
        const ir_tensor *idx = IN(n, 1);
        int64_t axis = ir_attr_int(n, "axis", 0);
        if (!idx || idx->f || !norm_axis(&axis, x->rank) || x->rank + idx->rank - 1 > IR_MAX_RANK)
            return node_err(g, n, err, DLA_ERR_UNSUPPORTED, "needs integer indices and a valid axis");
        int r = 0;
        for (int d = 0; d < axis; d++)
            dims[r++] = x->dims[d];
        for (int d = 0; d < idx->rank; d++)
            dims[r++] = idx->dims[d];
        for (int d = (int)axis + 1; d < x->rank; d++)
            dims[r++] = x->dims[d];
        int64_t outer = 1, inner = 1, ni = ir_numel(idx), len = x->dims[axis];
        for (int d = 0; d < axis; d++)
            outer *= x->dims[d];
        for (int d = (int)axis + 1; d < x->rank; d++)
            inner *= x->dims[d];
        int64_t total = outer * ni * inner;
        int64_t *map = malloc((size_t)(total > 0 ? total : 1) * sizeof *map);
        if (!map)
            return node_err(g, n, err, DLA_ERR_NOMEM, "out of memory");
        int64_t e = 0;
        for (int64_t o = 0; o < outer; o++)
            for (int64_t j = 0; j < ni; j++) {
                int64_t k = idx->i[j] < 0 ? idx->i[j] + len : idx->i[j];
                if (k < 0 || k >= len) {
                    free(map);
                    return node_err(g, n, err, DLA_ERR_INVALID, "index out of range");
                }
                for (int64_t q = 0; q < inner; q++)
                    map[e++] = (o * len + k) * inner + q;
            }
        st = fold_copy(g, n, x, r, dims, map, err);
        free(map);
    } else if (!strcmp(op, "Concat")) {
        int64_t axis = ir_attr_int(n, "axis", 0);
        if (!norm_axis(&axis, x->rank))
            return node_err(g, n, err, DLA_ERR_INVALID, "axis out of range");
        for (int d = 0; d < x->rank; d++)
            dims[d] = x->dims[d];
        dims[axis] = 0;
        bool fl = false;
        for (int k = 0; k < n->n_in; k++) {
            const ir_tensor *t = IN(n, k);
            if (!t)
                continue;
            if (t->rank != x->rank)
                return node_err(g, n, err, DLA_ERR_INVALID, "inputs differ in rank");
            for (int d = 0; d < x->rank; d++)
                if (d != axis && t->dims[d] != x->dims[d])
                    return node_err(g, n, err, DLA_ERR_INVALID, "inputs differ outside the concat axis");
            dims[axis] += t->dims[axis];
            fl |= t->f != NULL;
        }
        float *f = NULL;
        int64_t *iv = NULL;
        if ((st = make_const(g, n, x->rank, dims, fl, fl ? IR_ONNX_FLOAT : IR_ONNX_INT64, &f, &iv, err)) != DLA_OK)
            return st;
        int64_t outer = 1, inner = 1;
        for (int d = 0; d < axis; d++)
            outer *= dims[d];
        for (int d = (int)axis + 1; d < x->rank; d++)
            inner *= dims[d];
        int64_t e = 0;
        for (int64_t o = 0; o < outer; o++)
            for (int k = 0; k < n->n_in; k++) {
                const ir_tensor *t = IN(n, k);
                if (!t)
                    continue;
                int64_t blk = t->dims[axis] * inner;
                for (int64_t q = 0; q < blk; q++, e++) {
                    double v = cval(t, o * blk + q);
                    if (fl)
                        f[e] = (float)v;
                    else
                        iv[e] = (int64_t)v;
                }
            }
    } else if (!strcmp(op, "Transpose")) {
        const ir_attr *pa = ir_attr_get(n, "perm");
        int64_t perm[IR_MAX_RANK];
        if (pa && (pa->type != IR_ATTR_INTS || pa->n != x->rank))
            return node_err(g, n, err, DLA_ERR_INVALID, "perm does not match the input rank");
        for (int d = 0; d < x->rank; d++) {
            perm[d] = pa ? pa->ints[d] : x->rank - 1 - d;
            if (perm[d] < 0 || perm[d] >= x->rank)
                return node_err(g, n, err, DLA_ERR_INVALID, "perm out of range");
        }
        st = fold_transpose_like(g, n, x, perm, err);
    } else if (!strcmp(op, "ConstantOfShape")) {
        if (x->f || x->rank != 1 || x->dims[0] > IR_MAX_RANK)
            return node_err(g, n, err, DLA_ERR_INVALID, "input must be a 1-D INT64 shape");
        int r = (int)x->dims[0];
        for (int d = 0; d < r; d++)
            dims[d] = x->i[d];
        const ir_attr *va = ir_attr_get(n, "value");
        const ir_tensor *vt = va && va->type == IR_ATTR_TENSOR ? &g->tensors[va->tensor] : NULL;
        if (vt && ir_numel(vt) != 1)
            return node_err(g, n, err, DLA_ERR_INVALID, "value must hold one element");
        bool fl = !vt || vt->f;
        double v = vt ? cval(vt, 0) : 0.0;
        int et = vt ? vt->elem_type : IR_ONNX_FLOAT;
        float *f = NULL;
        int64_t *iv = NULL;
        if ((st = make_const(g, n, r, dims, fl, et, &f, &iv, err)) != DLA_OK)
            return st;
        for (int64_t e = 0; e < ir_numel(&g->tensors[n->out[0]]); e++) {
            if (fl)
                f[e] = (float)v;
            else
                iv[e] = (int64_t)v;
        }
    } else if (!strcmp(op, "Expand")) {
        const ir_tensor *sh = IN(n, 1);
        if (!sh || sh->f || sh->rank != 1 || sh->dims[0] > IR_MAX_RANK)
            return node_err(g, n, err, DLA_ERR_INVALID, "shape must be a 1-D INT64 tensor");
        ir_tensor shp = {0};
        shp.rank = (int)sh->dims[0];
        for (int d = 0; d < shp.rank; d++)
            shp.dims[d] = sh->i[d];
        const ir_tensor *ts[2] = {x, &shp};
        int r;
        if (!broadcast_shape(ts, 2, &r, dims))
            return node_err(g, n, err, DLA_ERR_INVALID, "shape does not broadcast");
        int64_t total = 1;
        for (int d = 0; d < r; d++)
            total *= dims[d];
        if (total > IR_MAX_ELEMS)
            return node_err(g, n, err, DLA_ERR_LIMIT, "expanded constant too large");
        int64_t *map = malloc((size_t)(total > 0 ? total : 1) * sizeof *map), idx[IR_MAX_RANK] = {0};
        if (!map)
            return node_err(g, n, err, DLA_ERR_NOMEM, "out of memory");
        for (int64_t e = 0; e < total; e++, next_index(r, dims, idx))
            map[e] = bcast_index(x, r, idx);
        st = fold_copy(g, n, x, r, dims, map, err);
        free(map);
    } else if (!strcmp(op, "Slice")) {
        const ir_tensor *ts = IN(n, 1), *te = IN(n, 2), *ta = IN(n, 3), *tp = IN(n, 4);
        if (!ts || !te || ts->f || te->f || (ta && ta->f) || (tp && tp->f) || ir_numel(ts) != ir_numel(te) ||
            ir_numel(ts) > x->rank)
            return node_err(g, n, err, DLA_ERR_UNSUPPORTED, "starts/ends/axes/steps must be INT64 constants");
        int64_t st0[IR_MAX_RANK], step[IR_MAX_RANK], idx[IR_MAX_RANK] = {0}, stride[IR_MAX_RANK];
        for (int d = 0; d < x->rank; d++) {
            st0[d] = 0;
            step[d] = 1;
            dims[d] = x->dims[d];
        }
        for (int64_t k = 0; k < ir_numel(ts); k++) {
            int64_t ax = ta ? ta->i[k] : k;
            if (!norm_axis(&ax, x->rank))
                return node_err(g, n, err, DLA_ERR_INVALID, "axis out of range");
            int64_t s = tp ? tp->i[k] : 1, len = x->dims[ax], b = ts->i[k], e = te->i[k];
            if (s == 0)
                return node_err(g, n, err, DLA_ERR_INVALID, "step 0");
            if (b < 0)
                b += len;
            if (e < 0)
                e += len;
            if (s > 0) {
                b = b < 0 ? 0 : b > len ? len : b;
                e = e < 0 ? 0 : e > len ? len : e;
                dims[ax] = e > b ? (e - b + s - 1) / s : 0;
            } else {
                b = b < 0 ? -1 : b > len - 1 ? len - 1 : b;
                e = e < -1 ? -1 : e > len - 1 ? len - 1 : e;
                dims[ax] = b > e ? (b - e + (-s) - 1) / (-s) : 0;
            }
            st0[ax] = b;
            step[ax] = s;
        }
        int64_t sz = 1;
        for (int d = x->rank - 1; d >= 0; d--) {
            stride[d] = sz;
            sz *= x->dims[d];
        }
        int64_t total = 1;
        for (int d = 0; d < x->rank; d++)
            total *= dims[d];
        int64_t *map = malloc((size_t)(total > 0 ? total : 1) * sizeof *map);
        if (!map)
            return node_err(g, n, err, DLA_ERR_NOMEM, "out of memory");
        for (int64_t e = 0; e < total; e++, next_index(x->rank, dims, idx)) {
            int64_t off = 0;
            for (int d = 0; d < x->rank; d++)
                off += (st0[d] + idx[d] * step[d]) * stride[d];
            map[e] = off;
        }
        st = fold_copy(g, n, x, x->rank, dims, map, err);
        free(map);
    } else if (!strcmp(op, "Range")) {
        const ir_tensor *tl = IN(n, 1), *td = IN(n, 2);
        if (!tl || !td || ir_numel(x) != 1 || ir_numel(tl) != 1 || ir_numel(td) != 1)
            return node_err(g, n, err, DLA_ERR_INVALID, "start, limit and delta must be scalars");
        double s = cval(x, 0), l = cval(tl, 0), dd = cval(td, 0);
        if (dd == 0)
            return node_err(g, n, err, DLA_ERR_INVALID, "delta 0");
        double cnt = ceil((l - s) / dd);
        dims[0] = cnt > 0 ? (int64_t)cnt : 0;
        if (dims[0] > IR_MAX_ELEMS)
            return node_err(g, n, err, DLA_ERR_LIMIT, "range too long");
        bool fl = x->f != NULL;
        float *f = NULL;
        int64_t *iv = NULL;
        if ((st = make_const(g, n, 1, dims, fl, fl ? IR_ONNX_FLOAT : IR_ONNX_INT64, &f, &iv, err)) != DLA_OK)
            return st;
        for (int64_t e = 0; e < dims[0]; e++) {
            if (fl)
                f[e] = (float)(s + (double)e * dd);
            else
                iv[e] = (int64_t)(s + (double)e * dd);
        }
    } else {
        *folded = false;
    }
    return st;
}

/* Shape of n's outputs from its inputs' shapes (constant-folded nodes are already done). */
/* Resize (scales or sizes input; opset 10: X, scales) / Upsample (scales input, or attribute in
 * opset 7): out = floor(in * scale) per dimension, or the sizes. Non-constant scales stay unknown. */
static dla_status infer_resize(ir_graph *g, ir_node *n, const ir_tensor *x, dla_error *err)
{
    int64_t dims[IR_MAX_RANK];
    const ir_attr *sa = ir_attr_get(n, "scales");
    const ir_tensor *sc = !strcmp(n->op_type, "Upsample") || g->opset < 11 ? IN(n, 1) : IN(n, 2);
    const ir_tensor *sz = !strcmp(n->op_type, "Resize") && g->opset >= 11 ? IN(n, 3) : NULL;
    if (sz && sz->is_const && sz->i && ir_numel(sz) == x->rank) {
        for (int d = 0; d < x->rank; d++)
            dims[d] = sz->i[d];
    } else if (sc && sc->is_const && sc->f && ir_numel(sc) == x->rank) {
        for (int d = 0; d < x->rank; d++)
            dims[d] = (int64_t)floor((double)x->dims[d] * sc->f[d]);
    } else if (sa && sa->type == IR_ATTR_FLOATS && sa->n == x->rank) {
        for (int d = 0; d < x->rank; d++)
            dims[d] = (int64_t)floor((double)x->dims[d] * sa->floats[d]);
    } else {
        return DLA_OK; /* scales not constant: unknown, legality names it */
    }
    for (int d = 0; d < x->rank; d++)
        if (dims[d] < 1 || dims[d] > IR_MAX_DIM)
            return node_err(g, n, err, DLA_ERR_INVALID, "scales give an output dimension out of range");
    return set_shape(g, n, n->out[0], x->rank, dims, err);
}

/* ConvTranspose: (in - 1) * stride - pad_begin - pad_end + dilation * (k - 1) + output_padding + 1,
 * or the output_shape attribute. */
static dla_status infer_deconv(ir_graph *g, ir_node *n, const ir_tensor *x, dla_error *err)
{
    const ir_tensor *w = IN(n, 1);
    if (x->rank != 4 || !w || w->rank != 4)
        return DLA_OK; /* legality names it */
    int64_t groups = ir_attr_int(n, "group", 1);
    const ir_attr *st = ir_attr_get(n, "strides"), *pd = ir_attr_get(n, "pads"), *dl = ir_attr_get(n, "dilations");
    const ir_attr *op = ir_attr_get(n, "output_padding"), *os = ir_attr_get(n, "output_shape");
    int64_t dims[4] = {x->dims[0], w->dims[1] * groups, 0, 0};
    for (int d = 0; d < 2; d++) {
        if (os && os->type == IR_ATTR_INTS && os->n >= 2) {
            dims[2 + d] = os->ints[os->n - 2 + d];
            continue;
        }
        int64_t s = st && st->n == 2 ? st->ints[d] : 1, dil = dl && dl->n == 2 ? dl->ints[d] : 1;
        int64_t pads = pd && pd->n == 4 ? pd->ints[d] + pd->ints[d + 2] : 0, opad = op && op->n == 2 ? op->ints[d] : 0;
        dims[2 + d] = (x->dims[2 + d] - 1) * s - pads + dil * (w->dims[2 + d] - 1) + opad + 1;
    }
    if (dims[2] < 1 || dims[3] < 1 || dims[2] > IR_MAX_DIM || dims[3] > IR_MAX_DIM)
        return node_err(g, n, err, DLA_ERR_INVALID, "output size out of range");
    return set_shape(g, n, n->out[0], 4, dims, err);
}

static dla_status infer(ir_graph *g, ir_node *n, dla_error *err)
{
    const char *op = n->op_type;
    const ir_tensor *x = IN(n, 0);
    for (int k = 0; k < n->n_in; k++)
        if (n->in[k] >= 0 && g->tensors[n->in[k]].rank < 0)
            return DLA_OK; /* downstream of something we could not infer: stays unknown */
    if (!x || n->n_out < 1 || n->out[0] < 0)
        return DLA_OK;
    int64_t dims[IR_MAX_RANK + 2];
    int r = 0;
    bool ok;
    if (!strcmp(op, "Conv") || !strcmp(op, "MaxPool") || !strcmp(op, "AveragePool"))
        return infer_window(g, n, x, err);
    if (!strcmp(op, "GlobalAveragePool") || !strcmp(op, "GlobalMaxPool")) {
        if (x->rank < 3)
            return node_err(g, n, err, DLA_ERR_INVALID, "input rank must be >= 3");
        for (int d = 0; d < x->rank; d++)
            dims[d] = d < 2 ? x->dims[d] : 1;
        return set_shape(g, n, n->out[0], x->rank, dims, err);
    }
    if (!strcmp(op, "Resize") || !strcmp(op, "Upsample"))
        return infer_resize(g, n, x, err);
    if (!strcmp(op, "ConvTranspose"))
        return infer_deconv(g, n, x, err);
    if (!strcmp(op, "Gemm") || !strcmp(op, "MatMul")) {
        const ir_tensor *b = IN(n, 1);
        return b ? infer_gemm(g, n, x, b, err) : node_err(g, n, err, DLA_ERR_INVALID, "needs two inputs");
    }
    if (is_unary_shape_op(op)) {
        return set_shape(g, n, n->out[0], x->rank, x->dims, err);
    }
    if (is_elementwise_const_op(op) || !strcmp(op, "PRelu") || !strcmp(op, "Sum") || !strcmp(op, "Mean")) {
        const ir_tensor *ts[8];
        int nt = 0;
        for (int k = 0; k < n->n_in && nt < 8; k++)
            if (n->in[k] >= 0)
                ts[nt++] = &g->tensors[n->in[k]];
        if (!broadcast_shape(ts, nt, &r, dims))
            return node_err(g, n, err, DLA_ERR_INVALID, "input shapes do not broadcast");
        return set_shape(g, n, n->out[0], r, dims, err);
    }
    if (!strcmp(op, "Reshape")) {
        const ir_tensor *sh = IN(n, 1);
        if (!sh)
            return node_err(g, n, err, DLA_ERR_INVALID, "needs a shape input");
        dla_status st = reshape_dims(g, n, x, sh, &r, dims, err);
        return st != DLA_OK ? st : set_shape(g, n, n->out[0], r, dims, err);
    }
    if (!strcmp(op, "Flatten")) {
        int64_t axis = ir_attr_int(n, "axis", 1);
        if (axis < 0)
            axis += x->rank;
        if (axis < 0 || axis > x->rank)
            return node_err(g, n, err, DLA_ERR_INVALID, "axis out of range");
        dims[0] = dims[1] = 1;
        for (int d = 0; d < x->rank; d++)
            dims[d < axis ? 0 : 1] *= x->dims[d];
        return set_shape(g, n, n->out[0], 2, dims, err);
    }
    if (!strcmp(op, "Squeeze") || !strcmp(op, "Unsqueeze")) {
        int64_t axes[IR_MAX_RANK];
        int na = get_axes(g, n, 1, axes, &ok);
        if (!ok)
            return node_err(g, n, err, DLA_ERR_UNSUPPORTED, "axes must be constant");
        bool sq = !strcmp(op, "Squeeze");
        if (sq) {
            r = 0;
            for (int d = 0; d < x->rank; d++) {
                bool drop = na == 0 && x->dims[d] == 1;
                for (int k = 0; k < na; k++) {
                    int64_t a = axes[k];
                    if (!norm_axis(&a, x->rank))
                        return node_err(g, n, err, DLA_ERR_INVALID, "axis out of range");
                    if (a == d) {
                        if (x->dims[d] != 1)
                            return node_err(g, n, err, DLA_ERR_INVALID, "squeezed dimension is not 1");
                        drop = true;
                    }
                }
                if (!drop)
                    dims[r++] = x->dims[d];
            }
        } else {
            r = x->rank + na;
            if (r > IR_MAX_RANK)
                return node_err(g, n, err, DLA_ERR_LIMIT, "output rank exceeds 8");
            bool ins[IR_MAX_RANK] = {false};
            for (int k = 0; k < na; k++) {
                int64_t a = axes[k];
                if (!norm_axis(&a, r) || ins[a])
                    return node_err(g, n, err, DLA_ERR_INVALID, "axis out of range or repeated");
                ins[a] = true;
            }
            for (int d = 0, s = 0; d < r; d++)
                dims[d] = ins[d] ? 1 : x->dims[s++];
        }
        return set_shape(g, n, n->out[0], r, dims, err);
    }
    if (!strcmp(op, "Transpose")) {
        const ir_attr *pa = ir_attr_get(n, "perm");
        if (pa && (pa->type != IR_ATTR_INTS || pa->n != x->rank))
            return node_err(g, n, err, DLA_ERR_INVALID, "perm does not match the input rank");
        for (int d = 0; d < x->rank; d++) {
            int64_t p = pa ? pa->ints[d] : x->rank - 1 - d;
            if (p < 0 || p >= x->rank)
                return node_err(g, n, err, DLA_ERR_INVALID, "perm out of range");
            dims[d] = x->dims[p];
        }
        return set_shape(g, n, n->out[0], x->rank, dims, err);
    }
    if (!strcmp(op, "Concat")) {
        int64_t axis = ir_attr_int(n, "axis", 0);
        if (!norm_axis(&axis, x->rank))
            return node_err(g, n, err, DLA_ERR_INVALID, "axis out of range");
        for (int d = 0; d < x->rank; d++)
            dims[d] = x->dims[d];
        dims[axis] = 0;
        for (int k = 0; k < n->n_in; k++) {
            const ir_tensor *t = IN(n, k);
            if (!t)
                continue;
            if (t->rank != x->rank)
                return node_err(g, n, err, DLA_ERR_INVALID, "inputs differ in rank");
            dims[axis] += t->dims[axis];
        }
        return set_shape(g, n, n->out[0], x->rank, dims, err);
    }
    if (!strncmp(op, "Reduce", 6)) {
        int64_t axes[IR_MAX_RANK];
        int na = get_axes(g, n, 1, axes, &ok);
        if (!ok)
            return node_err(g, n, err, DLA_ERR_UNSUPPORTED, "axes must be constant");
        bool keep = ir_attr_int(n, "keepdims", 1) != 0, red[IR_MAX_RANK] = {false};
        for (int k = 0; k < na; k++) {
            int64_t a = axes[k];
            if (!norm_axis(&a, x->rank))
                return node_err(g, n, err, DLA_ERR_INVALID, "axis out of range");
            red[a] = true;
        }
        r = 0;
        for (int d = 0; d < x->rank; d++) {
            bool rd = na == 0 ? ir_attr_int(n, "noop_with_empty_axes", 0) == 0 : red[d];
            if (!rd)
                dims[r++] = x->dims[d];
            else if (keep)
                dims[r++] = 1;
        }
        return set_shape(g, n, n->out[0], r, dims, err);
    }
    if (!strcmp(op, "Pad")) {
        const ir_tensor *p = IN(n, 1);
        const ir_attr *pa = ir_attr_get(n, "pads");
        int64_t pads[2 * IR_MAX_RANK];
        if (p && p->is_const && !p->f && ir_numel(p) == 2 * x->rank) {
            for (int d = 0; d < 2 * x->rank; d++)
                pads[d] = p->i[d];
        } else if (pa && pa->type == IR_ATTR_INTS && pa->n == 2 * x->rank) {
            for (int d = 0; d < 2 * x->rank; d++)
                pads[d] = pa->ints[d];
        } else {
            return node_err(g, n, err, DLA_ERR_UNSUPPORTED, "pads must be constant (axes input not supported)");
        }
        for (int d = 0; d < x->rank; d++)
            dims[d] = x->dims[d] + pads[d] + pads[d + x->rank];
        return set_shape(g, n, n->out[0], x->rank, dims, err);
    }
    if (!strcmp(op, "Slice") || !strcmp(op, "Split")) /* activations; constants were folded above */
        return ir_slice_infer(g, n, err);
    return DLA_OK; /* unknown operator: shape stays unknown; legality will name it */
}

/* Rewire every reader of tensor `from` to `to`. */
static void replace_uses(ir_graph *g, int from, int to)
{
    for (int i = 0; i < g->n_nodes; i++) {
        ir_node *n = &g->nodes[i];
        if (n->kind == IR_OP_DEAD)
            continue;
        for (int k = 0; k < n->n_in; k++)
            if (n->in[k] == from)
                n->in[k] = to;
    }
}

dla_status ir_fold_shapes(ir_graph *g, dla_error *err)
{
    int *order = NULL, count = 0;
    dla_status st = ir_fold_qdq(g, err); /* QDQ models: weights become constants before shapes */
    if (st != DLA_OK)
        return st;
    st = ir_topo_order(g, &order, &count, err);
    if (st != DLA_OK)
        return st;
    for (int oi = 0; oi < count && st == DLA_OK; oi++) {
        ir_node *n = &g->nodes[order[oi]];
        const char *op = n->op_type;
        if ((!strcmp(op, "Identity") || !strcmp(op, "Dropout")) && n->n_in >= 1 && n->in[0] >= 0 && n->n_out >= 1 &&
            n->out[0] >= 0 && !g->tensors[n->out[0]].is_output) {
            replace_uses(g, n->out[0], n->in[0]);
            n->kind = IR_OP_DEAD;
            continue;
        }
        bool folded = false;
        if ((st = try_fold(g, n, &folded, err)) != DLA_OK)
            break;
        if (folded) {
            g->tensors[n->out[0]].producer = -1;
            n->kind = IR_OP_DEAD;
            continue;
        }
        if ((st = infer(g, n, err)) != DLA_OK)
            break;
        /* Data-movement ops on constants: same data, new shape. */
        const ir_tensor *x = n->n_in >= 1 && n->in[0] >= 0 ? &g->tensors[n->in[0]] : NULL;
        if (x && x->is_const && n->out[0] >= 0 && g->tensors[n->out[0]].rank >= 0 &&
            (!strcmp(op, "Reshape") || !strcmp(op, "Flatten") || !strcmp(op, "Squeeze") || !strcmp(op, "Unsqueeze") ||
             !strcmp(op, "Identity"))) {
            ir_tensor *t = &g->tensors[n->out[0]];
            if ((st = fold_copy(g, n, x, t->rank, t->dims, NULL, err)) != DLA_OK)
                break;
            g->tensors[n->out[0]].producer = -1;
            n->kind = IR_OP_DEAD;
        }
    }
    free(order);
    return st;
}
