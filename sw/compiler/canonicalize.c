/* Canonicalisation: rewrites the ONNX operators the DLA can run into the IR's canonical kinds
 * (graph.h ir_kind): Conv, Gemm/MatMul -> conv on a cube, BatchNormalization and per-channel
 * Mul/Add -> scale (folded into the preceding conv when it is its only reader), pools (global
 * average pool -> average pools of <= 8 windows), Relu/Clip, flatten views, Pad -> conv padding. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"

static dla_status cerr(const ir_graph *g, const ir_node *n, dla_error *err, dla_status st, const char *msg)
{
    return dla_error_set(err, st, "%s: node '%s' (%s): %s", g->base, n->name, n->op_type, msg);
}

static const ir_tensor *cin(const ir_graph *g, const ir_node *n, int k)
{
    return k < n->n_in && n->in[k] >= 0 ? &g->tensors[n->in[k]] : NULL;
}

static double cv(const ir_tensor *t, int64_t k)
{
    return t->f ? (double)t->f[k] : (double)t->i[k];
}

/* The one node reading t, or -1 (several readers, none, or t is a network output). */
static int single_reader(const ir_graph *g, int t)
{
    int who[2];
    if (g->tensors[t].is_output)
        return -1;
    return ir_consumers(g, t, who, 2) == 1 ? who[0] : -1;
}

/* c broadcast against an activation of rank r (channel axis 1) varies only along channels:
 * fill out[C] (C = channels of the activation). */
static bool per_channel(const ir_tensor *c, int r, int64_t C, float *out)
{
    if (!c || !c->is_const || c->rank > r || c->rank < 0)
        return false;
    int64_t along = 1;
    for (int d = 0; d < c->rank; d++) {
        int axis = d + r - c->rank;
        if (axis == 1)
            along = c->dims[d];
        else if (c->dims[d] != 1)
            return false;
    }
    if (along != 1 && along != C)
        return false;
    for (int64_t k = 0; k < C; k++)
        out[k] = (float)cv(c, along == 1 ? 0 : k);
    return true;
}

static dla_status new_vec(ir_graph *g, const char *base, const char *suffix, int64_t n, int *idx, dla_error *err)
{
    char name[300];
    snprintf(name, sizeof name, "%.240s%s", base, suffix);
    int64_t dims[1] = {n};
    return ir_const_new_f(g, name, 1, dims, idx, err);
}

static dla_status make_scale(ir_graph *g, int ni, int act, const float *mul, const float *add, int64_t C,
                             dla_error *err)
{
    dla_status st;
    int mi = -1, ai = -1;
    char nm[300];
    snprintf(nm, sizeof nm, "%.200s", g->nodes[ni].name);
    if (mul) {
        if ((st = new_vec(g, nm, ":scale", C, &mi, err)) != DLA_OK)
            return st;
        memcpy(g->tensors[mi].f, mul, (size_t)C * sizeof(float));
    }
    if (add) {
        if ((st = new_vec(g, nm, ":shift", C, &ai, err)) != DLA_OK)
            return st;
        memcpy(g->tensors[ai].f, add, (size_t)C * sizeof(float));
    }
    ir_node *n = &g->nodes[ni];
    n->kind = IR_OP_SCALE;
    n->scale_mul = mi;
    n->scale_add = ai;
    n->in[0] = act;
    n->n_in = 1;
    return DLA_OK;
}

static dla_status canon_bn(ir_graph *g, int ni, dla_error *err)
{
    ir_node *n = &g->nodes[ni];
    const ir_tensor *x = cin(g, n, 0), *sc = cin(g, n, 1), *b = cin(g, n, 2), *mean = cin(g, n, 3), *var = cin(g, n, 4);
    int64_t d[4];
    if (!x || !ir_nchw(x, d) || !sc || !b || !mean || !var)
        return DLA_OK;
    int64_t C = d[1];
    const ir_tensor *ps[4] = {sc, b, mean, var};
    for (int k = 0; k < 4; k++)
        if (!ps[k]->is_const || ps[k]->rank != 1 || ps[k]->dims[0] != C)
            return DLA_OK; /* training-mode or odd BN: left for legality to report */
    if (n->n_out > 1)
        for (int o = 1; o < n->n_out; o++)
            if (n->out[o] >= 0 && ir_consumers(g, n->out[o], NULL, 0) > 0)
                return DLA_OK;
    float eps = ir_attr_float(n, "epsilon", 1e-5f);
    float *mul = malloc((size_t)C * sizeof(float) * 2);
    if (!mul)
        return cerr(g, n, err, DLA_ERR_NOMEM, "out of memory");
    float *add = mul + C;
    for (int64_t c = 0; c < C; c++) {
        double a = cv(sc, c) / sqrt(cv(var, c) + eps);
        mul[c] = (float)a;
        add[c] = (float)(cv(b, c) - cv(mean, c) * a);
    }
    dla_status st = make_scale(g, ni, n->in[0], mul, add, C, err);
    g->nodes[ni].n_out = 1;
    free(mul);
    return st;
}

/* Add/Sub/Mul/Div with a per-channel constant -> scale; Add of two equal activations -> ADD. */
static dla_status canon_binary(ir_graph *g, int ni, dla_error *err)
{
    ir_node *n = &g->nodes[ni];
    const char *op = n->op_type;
    const ir_tensor *a = cin(g, n, 0), *b = cin(g, n, 1);
    if (!a || !b || n->n_in != 2 || a->rank < 0 || b->rank < 0)
        return DLA_OK;
    if (!a->is_const && !b->is_const) {
        /* Sum of two inputs is an Add (PyTorch / TF converters emit either). */
        if ((!strcmp(op, "Add") || !strcmp(op, "Sum")) && a->rank == b->rank && (a->rank == 4 || a->rank == 2) &&
            !memcmp(a->dims, b->dims, sizeof(int64_t) * (size_t)a->rank))
            n->kind = IR_OP_ADD;
        return DLA_OK;
    }
    if (a->is_const && b->is_const)
        return DLA_OK;
    bool const_first = a->is_const;
    const ir_tensor *x = const_first ? b : a, *c = const_first ? a : b;
    int64_t d[4];
    if (!ir_nchw(x, d) || !strcmp(op, "Sum") || (const_first && (!strcmp(op, "Sub") || !strcmp(op, "Div"))))
        return DLA_OK; /* c - x, c / x are not a scale */
    int64_t C = d[1];
    float *v = malloc((size_t)C * sizeof(float));
    if (!v)
        return cerr(g, n, err, DLA_ERR_NOMEM, "out of memory");
    dla_status st = DLA_OK;
    if (per_channel(c, x->rank, C, v)) {
        int act = (int)(x - g->tensors);
        bool is_mul = !strcmp(op, "Mul") || !strcmp(op, "Div");
        for (int64_t k = 0; k < C; k++) {
            if (!strcmp(op, "Sub"))
                v[k] = -v[k];
            if (!strcmp(op, "Div"))
                v[k] = 1.0f / v[k];
        }
        st = make_scale(g, ni, act, is_mul ? v : NULL, is_mul ? NULL : v, C, err);
    }
    free(v);
    return st;
}

/* The Pad node producing x when it pads H/W only, with the constant 0: its index and
 * pads {top, left, bottom, right}; else -1. */
static int zero_pad_producer(const ir_graph *g, const ir_tensor *x, int *pads4)
{
    int pi = x->producer;
    if (pi < 0 || strcmp(g->nodes[pi].op_type, "Pad") != 0 || g->nodes[pi].kind != IR_OP_ONNX)
        return -1;
    const ir_node *p = &g->nodes[pi];
    const ir_attr *mode = ir_attr_get(p, "mode");
    const ir_tensor *pp = cin(g, p, 1), *pv = cin(g, p, 2), *px = cin(g, p, 0);
    const ir_attr *pa = ir_attr_get(p, "pads");
    int64_t pads[8];
    bool ok = (!mode || (mode->type == IR_ATTR_STRING && !strcmp(mode->s, "constant"))) && px && px->rank == 4 &&
              (!pv || (pv->is_const && ir_numel(pv) == 1 && cv(pv, 0) == 0.0)) &&
              ir_attr_float(p, "value", 0.0f) == 0.0f && (p->n_in < 4 || p->in[3] < 0);
    if (ok && pp && pp->is_const && !pp->f && ir_numel(pp) == 8)
        for (int k = 0; k < 8; k++)
            pads[k] = pp->i[k];
    else if (ok && !pp && pa && pa->type == IR_ATTR_INTS && pa->n == 8)
        for (int k = 0; k < 8; k++)
            pads[k] = pa->ints[k];
    else
        return -1;
    if (pads[0] || pads[1] || pads[4] || pads[5])
        return -1;
    const int at[4] = {2, 3, 6, 7};
    for (int k = 0; k < 4; k++) {
        if (pads[at[k]] < 0 || pads[at[k]] > 4096)
            return -1; /* cropping is not padding */
        pads4[k] = (int)pads[at[k]];
    }
    return pi;
}

/* n now reads the Pad's input; the Pad dies once nothing else reads it. */
static dla_status absorb_pad(ir_graph *g, int ni, int pi, dla_error *err)
{
    ir_node *n = &g->nodes[ni];
    const ir_node *p = &g->nodes[pi];
    n->in[0] = p->in[0];
    dla_status st = ir_node_prepend_name(n, p->name, err);
    if (st == DLA_OK && ir_consumers(g, p->out[0], NULL, 0) == 0 && !g->tensors[p->out[0]].is_output)
        g->nodes[pi].kind = IR_OP_DEAD;
    return st;
}

/* Conv: weights must be constant; Pad (zeros, spatial only) before it folds into its padding. */
static dla_status canon_conv(ir_graph *g, int ni, dla_error *err)
{
    ir_node *n = &g->nodes[ni];
    const ir_tensor *x = cin(g, n, 0), *w = cin(g, n, 1), *b = cin(g, n, 2);
    const ir_tensor *y = n->out[0] >= 0 ? &g->tensors[n->out[0]] : NULL;
    if (!x || !w || !y || x->rank != 4 || y->rank != 4 || !w->is_const || !w->f || (b && (!b->is_const || !b->f)))
        return DLA_OK;
    ir_window win;
    dla_status st = ir_window_geometry(g, n, x->dims[2], x->dims[3], w->dims[2], w->dims[3], false, &win, err);
    if (st != DLA_OK)
        return st;
    ir_conv *c = &n->conv;
    c->weight = n->in[1];
    c->bias = b ? n->in[2] : -1;
    if (b && ir_numel(b) != w->dims[0])
        return cerr(g, n, err, DLA_ERR_INVALID, "bias length differs from the number of kernels");
    c->k = (int)w->dims[0];
    c->c = (int)x->dims[1];
    c->kh = win.kh;
    c->kw = win.kw;
    c->sy = win.sy;
    c->sx = win.sx;
    c->dy = win.dy;
    c->dx = win.dx;
    c->pt = win.pt;
    c->pl = win.pl;
    c->pb = win.pb;
    c->pr = win.pr;
    c->groups = (int)ir_attr_int(n, "group", 1);
    n->kind = IR_OP_CONV;
    n->n_in = 1;
    int pads[4];
    int pi = zero_pad_producer(g, x, pads);
    if (pi < 0)
        return DLA_OK;
    c->pt += pads[0];
    c->pl += pads[1];
    c->pb += pads[2];
    c->pr += pads[3];
    return absorb_pad(g, ni, pi, err);
}

/* Gemm / MatMul with constant weights -> conv over the (flattened) input cube. */
static dla_status canon_fc(ir_graph *g, int ni, dla_error *err)
{
    ir_node *n = &g->nodes[ni];
    bool gemm = !strcmp(n->op_type, "Gemm");
    const ir_tensor *a = cin(g, n, 0), *b = cin(g, n, 1), *c = gemm ? cin(g, n, 2) : NULL;
    const ir_tensor *y = n->out[0] >= 0 ? &g->tensors[n->out[0]] : NULL;
    if (!a || !b || !y || a->rank != 2 || b->rank != 2 || !b->is_const || !b->f || y->rank != 2 ||
        (c && (!c->is_const || !c->f)) || (gemm && ir_attr_int(n, "transA", 0)))
        return DLA_OK;
    bool tb = gemm && ir_attr_int(n, "transB", 0);
    float alpha = gemm ? ir_attr_float(n, "alpha", 1.0f) : 1.0f, beta = gemm ? ir_attr_float(n, "beta", 1.0f) : 1.0f;
    int64_t K = tb ? b->dims[1] : b->dims[0], M = tb ? b->dims[0] : b->dims[1];
    /* The cube the FC reads: the 4-D tensor before a Flatten/Reshape, else N x K x 1 x 1. */
    int src = n->in[0];
    int64_t C = K, H = 1, W = 1;
    int flat = a->producer;
    if (flat >= 0 && g->nodes[flat].kind == IR_OP_ONNX &&
        (!strcmp(g->nodes[flat].op_type, "Flatten") || !strcmp(g->nodes[flat].op_type, "Reshape"))) {
        const ir_tensor *x4 = cin(g, &g->nodes[flat], 0);
        if (x4 && x4->rank == 4 && !x4->is_const && x4->dims[0] == a->dims[0] &&
            x4->dims[1] * x4->dims[2] * x4->dims[3] == K) {
            src = g->nodes[flat].in[0];
            C = x4->dims[1];
            H = x4->dims[2];
            W = x4->dims[3];
        }
    }
    if (c && ((ir_numel(c) != 1 && ir_numel(c) != M) || c->rank > 2 || (c->rank == 2 && c->dims[0] != 1)))
        return DLA_OK; /* a bias varying over the batch is not a conv bias */
    char nm[300];
    snprintf(nm, sizeof nm, "%.240s:weights", n->name);
    int64_t wd[4] = {M, C, H, W};
    int wi, bi = -1;
    dla_status st = ir_const_new_f(g, nm, 4, wd, &wi, err);
    if (st != DLA_OK)
        return st;
    b = &g->tensors[g->nodes[ni].in[1]];
    float *wf = g->tensors[wi].f;
    for (int64_t m = 0; m < M; m++)
        for (int64_t k = 0; k < K; k++)
            wf[m * K + k] = alpha * b->f[tb ? m * K + k : k * M + m];
    if (c) {
        snprintf(nm, sizeof nm, "%.240s:bias", g->nodes[ni].name);
        int64_t bd[1] = {M};
        if ((st = ir_const_new_f(g, nm, 1, bd, &bi, err)) != DLA_OK)
            return st;
        c = &g->tensors[g->nodes[ni].in[2]];
        for (int64_t m = 0; m < M; m++)
            g->tensors[bi].f[m] = beta * (float)cv(c, ir_numel(c) == 1 ? 0 : m);
    }
    n = &g->nodes[ni];
    memset(&n->conv, 0, sizeof n->conv);
    n->conv.weight = wi;
    n->conv.bias = bi;
    n->conv.k = (int)M;
    n->conv.c = (int)C;
    n->conv.kh = (int)H;
    n->conv.kw = (int)W;
    n->conv.sy = n->conv.sx = n->conv.dy = n->conv.dx = 1;
    n->conv.groups = 1;
    n->conv.fc = true;
    n->kind = IR_OP_CONV;
    n->in[0] = src;
    n->n_in = 1;
    if (flat >= 0 && src == g->nodes[flat].in[0]) {
        ir_node *f = &g->nodes[flat];
        if (f->kind == IR_OP_ONNX && f->out[0] >= 0 && ir_consumers(g, f->out[0], NULL, 0) == 0 &&
            !g->tensors[f->out[0]].is_output) {
            if ((st = ir_node_prepend_name(n, f->name, err)) != DLA_OK)
                return st;
            f->kind = IR_OP_DEAD;
        }
    }
    return DLA_OK;
}

static int factor_le8(int64_t v, int *f)
{
    int n = 0;
    while (v > 1 && n < 16) {
        int d = 8;
        while (d >= 2 && v % d)
            d--;
        if (d < 2)
            return -1;
        f[n++] = d;
        v /= d;
    }
    return n;
}

static dla_status canon_pool(ir_graph *g, int ni, dla_error *err)
{
    ir_node *n = &g->nodes[ni];
    const ir_tensor *x = cin(g, n, 0);
    const char *op = n->op_type;
    if (!x || x->rank != 4 || n->out[0] < 0)
        return DLA_OK;
    bool global = !strncmp(op, "Global", 6) || !strncmp(op, "Reduce", 6); /* ReduceMean/Max over H,W */
    bool is_max = !strcmp(op, "MaxPool") || !strcmp(op, "GlobalMaxPool") || !strcmp(op, "ReduceMax");
    if (!global) {
        const ir_attr *ks = ir_attr_get(n, "kernel_shape"), *dl = ir_attr_get(n, "dilations");
        if (!ks || ks->type != IR_ATTR_INTS || ks->n != 2)
            return DLA_OK;
        if (dl && dl->type == IR_ATTR_INTS)
            for (int i = 0; i < dl->n; i++)
                if (dl->ints[i] != 1)
                    return DLA_OK; /* dilated pooling: legality reports it */
        if (n->n_out > 1 && n->out[1] >= 0)
            return DLA_OK; /* MaxPool indices output */
        ir_window win;
        dla_status st = ir_window_geometry(g, n, x->dims[2], x->dims[3], ks->ints[0], ks->ints[1], true, &win, err);
        if (st != DLA_OK)
            return st;
        ir_pool *p = &n->pool;
        p->max = is_max;
        p->kh = win.kh;
        p->kw = win.kw;
        p->sy = win.sy;
        p->sx = win.sx;
        p->pt = win.pt;
        p->pl = win.pl;
        p->pb = win.pb;
        p->pr = win.pr;
        p->count_include_pad = !is_max && ir_attr_int(n, "count_include_pad", 0) != 0;
        n->kind = IR_OP_POOL;
        /* A zero Pad before the pool: its zeros are real inputs. They fold into the pool's padding when
         * the pool's own padding means the same (none at all, or counted zeros for an average). Never
         * into MAX: NVDLA's PDP leaves padded positions out of MAX/MIN (docs/datapath.md step 6). */
        int pads[4];
        int pi = zero_pad_producer(g, x, pads);
        bool own = p->pt || p->pl || p->pb || p->pr;
        if (pi >= 0 && !is_max && (!own || p->count_include_pad)) {
            p->pt += pads[0];
            p->pl += pads[1];
            p->pb += pads[2];
            p->pr += pads[3];
            p->zero_pad = true;
            p->count_include_pad = !is_max;
            return absorb_pad(g, ni, pi, err);
        }
        return DLA_OK;
    }
    /* Global pooling: a window of HxW, split into stages of <= 8 (exact for max; for average every
     * stage averages equal-sized blocks, so the mean of means is the mean). */
    int64_t H = x->dims[2], W = x->dims[3];
    int fh[16], fw[16];
    int nh = factor_le8(H, fh), nw = factor_le8(W, fw);
    int stages = nh < 0 || nw < 0 ? 1 : (nh > nw ? nh : nw);
    if (nh < 0 || nw < 0) {
        nh = nw = 1;
        fh[0] = (int)H;
        fw[0] = (int)W;
    }
    if (stages == 0) {
        n->kind = IR_OP_VIEW; /* 1x1 input: the pool is the identity */
        return DLA_OK;
    }
    if (!strncmp(op, "Reduce", 6))
        n->n_in = 1; /* the axes input (opset 18) has been read */
    int final_out = n->out[0];
    int cur_in = n->in[0];
    int64_t h = H, w = W;
    char base[260];
    snprintf(base, sizeof base, "%.200s", n->name);
    for (int s = 0; s < stages; s++) {
        int kh = s < nh ? fh[s] : 1, kw = s < nw ? fw[s] : 1;
        int node = ni, out = final_out;
        dla_status st;
        if (s > 0) {
            char nm[300];
            snprintf(nm, sizeof nm, "%s#%d", base, s + 1);
            if ((st = ir_node_add(g, nm, g->nodes[ni].op_type, 1, 1, &node, err)) != DLA_OK)
                return st;
        }
        h /= kh;
        w /= kw;
        if (s < stages - 1) {
            char nm[300];
            snprintf(nm, sizeof nm, "%s_stage%d", base, s + 1);
            if ((st = ir_tensor_add(g, nm, &out, err)) != DLA_OK)
                return st;
            ir_tensor *t = &g->tensors[out];
            const ir_tensor *src = &g->tensors[cur_in];
            t->rank = 4;
            t->dims[0] = src->dims[0];
            t->dims[1] = src->dims[1];
            t->dims[2] = h;
            t->dims[3] = w;
        }
        ir_node *p = &g->nodes[node];
        p->in[0] = cur_in;
        p->out[0] = out;
        p->n_out = 1;
        g->tensors[out].producer = node;
        memset(&p->pool, 0, sizeof p->pool);
        p->pool.max = is_max;
        p->pool.kh = p->pool.sy = kh;
        p->pool.kw = p->pool.sx = kw;
        p->kind = IR_OP_POOL;
        cur_in = out;
    }
    return DLA_OK;
}

/* Concat of >= 2 four-D activations along C with equal N, H, W: done in place (producers write into
 * channel offsets of one surface; fuse.c, memory_plan.c). Anything else stays for legality to name. */
static void canon_concat(ir_graph *g, int ni)
{
    ir_node *n = &g->nodes[ni];
    const ir_tensor *x = cin(g, n, 0);
    if (!x || x->rank != 4 || n->n_in < 2 || n->n_out != 1 || n->out[0] < 0)
        return;
    int64_t axis = ir_attr_int(n, "axis", 1);
    if (axis < 0)
        axis += 4;
    if (axis != 1)
        return;
    for (int k = 0; k < n->n_in; k++) {
        const ir_tensor *t = cin(g, n, k);
        if (!t || t->is_const || t->rank != 4 || t->dims[0] != x->dims[0] || t->dims[2] != x->dims[2] ||
            t->dims[3] != x->dims[3])
            return;
    }
    n->kind = IR_OP_CONCAT;
}

/* ReduceMean / ReduceMax over exactly H and W of a 4-D tensor (axes attribute before opset 18, a
 * constant input from 18): a global pool (keepdims 0 gives N x C, the same bytes). */
static bool reduces_hw(const ir_graph *g, const ir_node *n)
{
    const ir_tensor *x = cin(g, n, 0);
    if (!x || x->rank != 4 || n->n_out != 1 || n->out[0] < 0)
        return false;
    int64_t axes[8];
    int na = 0;
    const ir_attr *a = ir_attr_get(n, "axes");
    if (a && a->type == IR_ATTR_INTS && a->n <= 8) {
        for (int i = 0; i < a->n; i++)
            axes[na++] = a->ints[i];
    } else if (n->n_in > 1 && n->in[1] >= 0) {
        const ir_tensor *t = &g->tensors[n->in[1]];
        if (!t->is_const || !t->i || ir_numel(t) > 8)
            return false;
        for (int64_t i = 0; i < ir_numel(t); i++)
            axes[na++] = t->i[i];
    }
    if (na != 2)
        return false;
    bool h = false, w = false;
    for (int i = 0; i < na; i++) {
        int64_t ax = axes[i] < 0 ? axes[i] + 4 : axes[i];
        h |= ax == 2;
        w |= ax == 3;
    }
    return h && w;
}

static dla_status canon_act(ir_graph *g, int ni, dla_error *err)
{
    (void)err;
    ir_node *n = &g->nodes[ni];
    if (!strcmp(n->op_type, "Relu")) {
        n->kind = IR_OP_RELU;
        return DLA_OK;
    }
    /* Clip: min/max as inputs (opset >= 11) or attributes; only Clip(0, max) is a DLA activation. */
    double lo = -INFINITY, hi = INFINITY;
    const ir_tensor *tl = cin(g, n, 1), *th = cin(g, n, 2);
    if ((tl && (!tl->is_const || ir_numel(tl) != 1)) || (th && (!th->is_const || ir_numel(th) != 1)))
        return DLA_OK;
    if (tl)
        lo = cv(tl, 0);
    if (th)
        hi = cv(th, 0);
    const ir_attr *amin = ir_attr_get(n, "min"), *amax = ir_attr_get(n, "max");
    if (amin && amin->type == IR_ATTR_FLOAT)
        lo = amin->f;
    if (amax && amax->type == IR_ATTR_FLOAT)
        hi = amax->f;
    if (lo != 0.0 || !(hi > 0.0))
        return DLA_OK;
    n->n_in = 1;
    if (isinf(hi)) {
        n->kind = IR_OP_RELU;
    } else {
        n->kind = IR_OP_CLIP;
        n->clip_lo = 0.0f;
        n->clip_hi = (float)hi;
    }
    return DLA_OK;
}

/* Flatten/Reshape/Squeeze/Unsqueeze between N x C x 1 x 1 and N x C: the same bytes. */
static void canon_view(ir_graph *g, int ni)
{
    ir_node *n = &g->nodes[ni];
    const ir_tensor *x = cin(g, n, 0);
    const ir_tensor *y = n->out[0] >= 0 ? &g->tensors[n->out[0]] : NULL;
    int64_t dx[4], dy[4];
    if (!x || !y || x->is_const || !ir_nchw(x, dx) || !ir_nchw(y, dy))
        return;
    if (memcmp(dx, dy, sizeof dx) == 0 && dx[2] == 1 && dx[3] == 1) {
        n->kind = IR_OP_VIEW;
        n->n_in = 1;
    }
}

/* Fold scale nodes into the conv (or scale) that produces their input when they are its only reader. */
static dla_status fold_scales(ir_graph *g, const int *order, int count, dla_error *err)
{
    for (int oi = 0; oi < count; oi++) {
        int si = order[oi];
        ir_node *s = &g->nodes[si];
        if (s->kind != IR_OP_SCALE)
            continue;
        int pi = g->tensors[s->in[0]].producer;
        if (pi < 0 || single_reader(g, s->in[0]) != si)
            continue;
        ir_node *p = &g->nodes[pi];
        int64_t C;
        dla_status st;
        if (p->kind == IR_OP_CONV) {
            C = p->conv.k;
            const ir_tensor *w = &g->tensors[p->conv.weight];
            int64_t per_k = ir_numel(w) / C;
            int wi, bi;
            char nm[300];
            snprintf(nm, sizeof nm, "%.240s:folded_w", p->name);
            int64_t wd[4] = {w->dims[0], w->dims[1], w->dims[2], w->dims[3]};
            if ((st = ir_const_new_f(g, nm, 4, wd, &wi, err)) != DLA_OK)
                return st;
            snprintf(nm, sizeof nm, "%.240s:folded_b", g->nodes[pi].name);
            int64_t bd[1] = {C};
            if ((st = ir_const_new_f(g, nm, 1, bd, &bi, err)) != DLA_OK)
                return st;
            p = &g->nodes[pi];
            s = &g->nodes[si];
            w = &g->tensors[p->conv.weight];
            const ir_tensor *ob = p->conv.bias >= 0 ? &g->tensors[p->conv.bias] : NULL;
            const ir_tensor *m = s->scale_mul >= 0 ? &g->tensors[s->scale_mul] : NULL;
            const ir_tensor *a = s->scale_add >= 0 ? &g->tensors[s->scale_add] : NULL;
            for (int64_t k = 0; k < C; k++) {
                float mk = m ? m->f[k] : 1.0f;
                for (int64_t e = 0; e < per_k; e++)
                    g->tensors[wi].f[k * per_k + e] = w->f[k * per_k + e] * mk;
                g->tensors[bi].f[k] = (ob ? ob->f[k] : 0.0f) * mk + (a ? a->f[k] : 0.0f);
            }
            p->conv.weight = wi;
            p->conv.bias = bi;
        } else if (p->kind == IR_OP_SCALE) {
            C = g->tensors[p->scale_mul >= 0 ? p->scale_mul : p->scale_add].dims[0];
            int mi, ai;
            if ((st = new_vec(g, p->name, ":scale2", C, &mi, err)) != DLA_OK ||
                (st = new_vec(g, g->nodes[pi].name, ":shift2", C, &ai, err)) != DLA_OK)
                return st;
            p = &g->nodes[pi];
            s = &g->nodes[si];
            for (int64_t k = 0; k < C; k++) {
                float m1 = p->scale_mul >= 0 ? g->tensors[p->scale_mul].f[k] : 1.0f;
                float a1 = p->scale_add >= 0 ? g->tensors[p->scale_add].f[k] : 0.0f;
                float m2 = s->scale_mul >= 0 ? g->tensors[s->scale_mul].f[k] : 1.0f;
                float a2 = s->scale_add >= 0 ? g->tensors[s->scale_add].f[k] : 0.0f;
                g->tensors[mi].f[k] = m1 * m2;
                g->tensors[ai].f[k] = a1 * m2 + a2;
            }
            p->scale_mul = mi;
            p->scale_add = ai;
        } else {
            continue;
        }
        if ((st = ir_node_merge_name(p, s->name, err)) != DLA_OK)
            return st;
        p->out[0] = s->out[0];
        g->tensors[s->out[0]].producer = pi;
        s->kind = IR_OP_DEAD;
    }
    return DLA_OK;
}

/* Nodes none of whose outputs is read or is a network output (e.g. a Shape left over). */
static void remove_dead(ir_graph *g)
{
    for (bool changed = true; changed;) {
        changed = false;
        for (int i = 0; i < g->n_nodes; i++) {
            ir_node *n = &g->nodes[i];
            if (n->kind == IR_OP_DEAD)
                continue;
            bool used = false;
            for (int o = 0; o < n->n_out && !used; o++)
                used = n->out[o] >= 0 && (g->tensors[n->out[o]].is_output || ir_consumers(g, n->out[o], NULL, 0) > 0);
            if (!used) {
                n->kind = IR_OP_DEAD;
                changed = true;
            }
        }
    }
}

dla_status ir_canonicalize(ir_graph *g, dla_error *err)
{
    int *order = NULL, count = 0;
    dla_status st = ir_topo_order(g, &order, &count, err);
    if (st != DLA_OK)
        return st;
    for (int oi = 0; oi < count && st == DLA_OK; oi++) {
        int ni = order[oi];
        if (g->nodes[ni].kind != IR_OP_ONNX)
            continue;
        const char *op = g->nodes[ni].op_type;
        if (!strcmp(op, "Conv"))
            st = canon_conv(g, ni, err);
        else if (!strcmp(op, "BatchNormalization"))
            st = canon_bn(g, ni, err);
        else if (!strcmp(op, "Gemm") || !strcmp(op, "MatMul"))
            st = canon_fc(g, ni, err);
        else if (!strcmp(op, "MaxPool") || !strcmp(op, "AveragePool") || !strcmp(op, "GlobalAveragePool") ||
                 !strcmp(op, "GlobalMaxPool"))
            st = canon_pool(g, ni, err);
        else if ((!strcmp(op, "ReduceMean") || !strcmp(op, "ReduceMax")) && reduces_hw(g, &g->nodes[ni]))
            st = canon_pool(g, ni, err);
        else if (!strcmp(op, "Concat"))
            canon_concat(g, ni);
        else if (!strcmp(op, "Slice") || !strcmp(op, "Split")) /* slice.c: one IR_OP_SLICE per window */
            st = ir_slice_canonicalize(g, ni, err);
        else if (!strcmp(op, "Relu") || !strcmp(op, "Clip"))
            st = canon_act(g, ni, err);
        else if (!strcmp(op, "Add") || !strcmp(op, "Sub") || !strcmp(op, "Mul") || !strcmp(op, "Div") ||
                 !strcmp(op, "Sum"))
            st = canon_binary(g, ni, err);
    }
    /* Views last: a Flatten feeding an FC has been absorbed by then. */
    for (int oi = 0; oi < count && st == DLA_OK; oi++) {
        const char *op = g->nodes[order[oi]].op_type;
        if (g->nodes[order[oi]].kind == IR_OP_ONNX &&
            (!strcmp(op, "Flatten") || !strcmp(op, "Reshape") || !strcmp(op, "Squeeze") || !strcmp(op, "Unsqueeze")))
            canon_view(g, order[oi]);
    }
    if (st == DLA_OK)
        st = fold_scales(g, order, count, err);
    free(order);
    if (st == DLA_OK) /* Sigmoid / Tanh / SiLU -> LUT ops, Mul of two activations (lut.c) */
        st = ir_lut_canonicalize(g, err);
    if (st == DLA_OK) /* LRN -> the CDP (lrn.c) */
        st = ir_lrn_canonicalize(g, err);
    if (st == DLA_OK) /* LeakyRelu / PRelu, Max / Min / Sub of two activations, Abs (sdp_ops.c) */
        st = ir_sdp_ops_canonicalize(g, err);
    if (st == DLA_OK)
        remove_dead(g);
    return st;
}

bool ir_const_per_channel(const ir_tensor *c, int r, int64_t C, float *out)
{
    return per_channel(c, r, C, out);
}
