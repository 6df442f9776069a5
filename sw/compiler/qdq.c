/* QDQ models (quantisation-aware training): QuantizeLinear/DequantizeLinear become what the DLA
 * runs, as TensorRT's explicit quantisation does. Q/DQ of constants fold into float (fake-quantised)
 * weights; a Q -> DQ pair on an activation disappears and leaves its scale as that tensor's INT8
 * scale (calib_scale), which calibration then keeps. The DLA quantises symmetrically: zero points
 * must be 0 and activation scales per tensor. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"

static bool is_q(const ir_node *n)
{
    return n->kind != IR_OP_DEAD && !strcmp(n->op_type, "QuantizeLinear");
}

static bool is_dq(const ir_node *n)
{
    return n->kind != IR_OP_DEAD && !strcmp(n->op_type, "DequantizeLinear");
}

static const ir_tensor *in_t(const ir_graph *g, const ir_node *n, int k)
{
    return k < n->n_in && n->in[k] >= 0 ? &g->tensors[n->in[k]] : NULL;
}

static dla_status qerr(const ir_graph *g, const ir_node *n, dla_error *err, const char *what)
{
    return dla_error_set(err, DLA_ERR_UNSUPPORTED, "%s: node '%s' (%s): %s", g->base, n->name, n->op_type, what);
}

/* Scale and zero point of a Q/DQ node, checked: constant float scales > 0, one per tensor or one
 * per slice of `axis` of x; zero point constant INT8 (UINT8 is asymmetric: refused) and, unless
 * allow_zp, all zero. On success *per_axis < 0 means a per-tensor scale. */
static dla_status params(const ir_graph *g, const ir_node *n, const ir_tensor *x, bool allow_zp, const float **scale,
                         const int64_t **zp, int64_t *count, int *per_axis, dla_error *err)
{
    const ir_tensor *s = in_t(g, n, 1), *z = in_t(g, n, 2);
    if (!s || !s->is_const || !s->f)
        return qerr(g, n, err, "the scale must be a constant float tensor (rule qdq.scale)");
    int64_t ns = ir_numel(s);
    for (int64_t k = 0; k < ns; k++)
        if (!(s->f[k] > 0.0f) || !isfinite(s->f[k]))
            return qerr(g, n, err, "scales must be finite and > 0 (rule qdq.scale)");
    *per_axis = -1;
    if (ns != 1 || s->rank > 0) {
        int64_t axis = ir_attr_int(n, "axis", 1);
        if (x->rank < 0 || (axis < 0 ? axis + x->rank : axis) < 0 || (axis < 0 ? axis + x->rank : axis) >= x->rank ||
            s->rank != 1 || (ns != 1 && x->dims[axis < 0 ? axis + x->rank : axis] != ns))
            return qerr(g, n, err, "per-axis scales must be 1-D with one value per slice of 'axis' (rule qdq.scale)");
        *per_axis = ns == 1 ? -1 : (int)(axis < 0 ? axis + x->rank : axis);
    }
    *zp = NULL;
    if (z) {
        if (!z->is_const || !z->i || ir_numel(z) != ns)
            return qerr(g, n, err, "the zero point must be a constant shaped like the scale (rule qdq.zero_point)");
        if (z->elem_type != IR_ONNX_INT8)
            return qerr(g, n, err,
                        "the zero point is not INT8: the DLA quantises to signed INT8 with zero point 0 (rule "
                        "qdq.int8)");
        for (int64_t k = 0; k < ns && !allow_zp; k++)
            if (z->i[k] != 0)
                return qerr(g, n, err, "non-zero zero point: the DLA quantises symmetrically (rule qdq.zero_point)");
        *zp = z->i;
    }
    *scale = s->f;
    *count = ns;
    return DLA_OK;
}

/* Index of element e along axis (stride: product of the dims after axis). */
static int64_t slice_of(const ir_tensor *x, int axis, int64_t e)
{
    if (axis < 0)
        return 0;
    int64_t inner = 1;
    for (int d = axis + 1; d < x->rank; d++)
        inner *= x->dims[d];
    return (e / inner) % x->dims[axis];
}

/* Q of a constant: q = saturate(round_half_even(x / s) + zp) to INT8, as ONNX defines it. */
static dla_status fold_q(ir_graph *g, ir_node *n, dla_error *err)
{
    const ir_tensor *x = in_t(g, n, 0);
    const float *s;
    const int64_t *zp;
    int64_t ns;
    int axis;
    dla_status st = params(g, n, x, true, &s, &zp, &ns, &axis, err);
    if (st != DLA_OK)
        return st;
    if (!x->f)
        return qerr(g, n, err, "quantises a non-float constant (rule qdq.scale)");
    int64_t cnt = ir_numel(x);
    int64_t *q = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *q);
    if (!q)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", g->base);
    for (int64_t e = 0; e < cnt; e++) {
        int64_t k = slice_of(x, axis, e);
        double v = nearbyint((double)x->f[e] / s[k]) + (double)(zp ? zp[k] : 0);
        q[e] = (int64_t)(v > 127 ? 127 : v < -128 ? -128 : v);
    }
    ir_tensor *y = &g->tensors[n->out[0]];
    y->rank = x->rank;
    memcpy(y->dims, x->dims, sizeof y->dims);
    ir_tensor_set_const_i(y, q, IR_ONNX_INT8);
    y->producer = -1;
    n->kind = IR_OP_DEAD;
    return DLA_OK;
}

/* DQ of a constant: x = (q - zp) * s, a float constant (fake-quantised weights). */
static dla_status fold_dq(ir_graph *g, ir_node *n, dla_error *err)
{
    const ir_tensor *q = in_t(g, n, 0);
    const float *s;
    const int64_t *zp;
    int64_t ns;
    int axis;
    dla_status st = params(g, n, q, true, &s, &zp, &ns, &axis, err);
    if (st != DLA_OK)
        return st;
    int64_t cnt = ir_numel(q);
    float *f = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *f);
    if (!f)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", g->base);
    for (int64_t e = 0; e < cnt; e++) {
        int64_t k = slice_of(q, axis, e);
        double v = q->i ? (double)q->i[e] : (double)q->f[e];
        f[e] = (float)((v - (double)(zp ? zp[k] : 0)) * s[k]);
    }
    ir_tensor *y = &g->tensors[n->out[0]];
    y->rank = q->rank;
    memcpy(y->dims, q->dims, sizeof y->dims);
    ir_tensor_set_const_f(y, f, IR_ONNX_FLOAT);
    y->producer = -1;
    n->kind = IR_OP_DEAD;
    return DLA_OK;
}

/* x -> Q -> DQ -> readers: the readers read x, whose INT8 scale is the pair's scale. */
static dla_status fold_pair(ir_graph *g, int dqi, dla_error *err)
{
    ir_node *dq = &g->nodes[dqi];
    int qt = dq->in[0];
    int qi = g->tensors[qt].producer;
    ir_node *q = &g->nodes[qi];
    int xt = q->in[0];
    ir_tensor *x = &g->tensors[xt];
    const float *sq, *sd;
    const int64_t *zq, *zd;
    int64_t nq, nd;
    int aq, ad;
    dla_status st;
    if ((st = params(g, q, x, false, &sq, &zq, &nq, &aq, err)) != DLA_OK ||
        (st = params(g, dq, x, false, &sd, &zd, &nd, &ad, err)) != DLA_OK)
        return st;
    if (nq != 1 || nd != 1)
        return qerr(g, q, err, "activations take one scale per tensor on the DLA (rule qdq.per_tensor)");
    if (sq[0] != sd[0])
        return qerr(g, dq, err, "its scale differs from its QuantizeLinear's (rule qdq.pair)");
    for (int i = 0; i < g->n_nodes; i++) {
        const ir_node *m = &g->nodes[i];
        if (m->kind == IR_OP_DEAD || i == dqi || is_dq(m))
            continue;
        for (int k = 0; k < m->n_in; k++)
            if (m->in[k] == qt)
                return qerr(g, q, err, "its INT8 output is read by a node other than DequantizeLinear (rule qdq.pair)");
    }
    if (g->tensors[qt].is_output)
        return qerr(g, q, err, "an INT8 network output is not supported (rule qdq.pair)");
    if (x->calib_scale > 0.0f && x->calib_scale != sq[0])
        return qerr(g, q, err, "the tensor already has another Q/DQ scale (rule qdq.pair)");
    x->calib_scale = sq[0];
    int yt = dq->out[0];
    for (int i = 0; i < g->n_nodes; i++) {
        ir_node *m = &g->nodes[i];
        for (int k = 0; m->kind != IR_OP_DEAD && k < m->n_in; k++)
            if (m->in[k] == yt)
                m->in[k] = xt;
    }
    if (g->tensors[yt].is_output) {
        if (x->is_input)
            return qerr(g, dq, err, "a network input passed straight to an output (rule qdq.pair)");
        for (int i = 0; i < g->n_outputs; i++)
            if (g->outputs[i] == yt)
                g->outputs[i] = xt;
        x->is_output = true;
        g->tensors[yt].is_output = false;
    }
    g->tensors[yt].producer = -1;
    dq->kind = IR_OP_DEAD;
    /* The Q goes once its last DequantizeLinear has (one Q may feed several). */
    int readers = ir_consumers(g, qt, NULL, 0);
    if (readers == 0) {
        g->tensors[qt].producer = -1;
        q->kind = IR_OP_DEAD;
    }
    return DLA_OK;
}

dla_status ir_fold_qdq(ir_graph *g, dla_error *err)
{
    int *order = NULL, count = 0;
    dla_status st = ir_topo_order(g, &order, &count, err);
    if (st != DLA_OK)
        return st;
    for (int oi = 0; oi < count && st == DLA_OK; oi++) {
        ir_node *n = &g->nodes[order[oi]];
        if (!is_q(n) && !is_dq(n))
            continue;
        const ir_tensor *x = in_t(g, n, 0);
        if (!x || n->n_out < 1 || n->out[0] < 0) {
            st = qerr(g, n, err, "needs an input and an output");
            break;
        }
        if (x->is_const) {
            st = is_q(n) ? fold_q(g, n, err) : fold_dq(g, n, err);
        } else if (is_dq(n)) {
            int p = x->producer;
            if (p < 0 || !is_q(&g->nodes[p]))
                st = qerr(g, n, err,
                          "dequantises an activation that no QuantizeLinear produced: INT8 network inputs are not "
                          "supported (rule qdq.pair)");
            else
                st = fold_pair(g, order[oi], err);
        }
        /* A Q of an activation is handled with its DQ (a Q without DQ stays and legality refuses it). */
    }
    free(order);
    return st;
}
