/* Softmax over C on NVDLA engines (docs/compiler.md "Softmax"): NVIDIA does not document how DLA 2
 * runs Softmax, so dlasim assumes a log-sum-exp decomposition onto the SDP LUT, the convolution core
 * and the SDP EW stage: e = exp(x + L - m) (EW add + LUT), s = sum_c e (1x1 conv with all-ones weights:
 * every output channel holds the sum), l = -log(s) (LUT in that conv's SDP), L += l (EW add), four
 * times (a static m leaves too few INT8 levels where a position's logits lie far below it), then
 * y = exp(x + L) (EW add + LUT). */
#include <stdio.h>
#include <string.h>

#include "graph.h"

bool ir_softmax_mappable(const ir_graph *g, const dla_config *cfg, const ir_node *n, char *why, size_t size)
{
    const ir_tensor *x = n->n_in > 0 && n->in[0] >= 0 ? &g->tensors[n->in[0]] : NULL;
    const ir_tensor *y = n->n_out > 0 && n->out[0] >= 0 ? &g->tensors[n->out[0]] : NULL;
    if (!x || !y || x->is_const || (x->rank != 2 && x->rank != 4)) {
        snprintf(why, size,
                 "dlasim maps Softmax of an N x C x H x W or N x C activation only; the input is %d-D (rule "
                 "softmax.rank)",
                 x ? x->rank : -1);
        return false;
    }
    int64_t axis = ir_attr_int(n, "axis", g->opset >= 13 ? -1 : 1);
    if (axis < 0)
        axis += x->rank;
    int64_t inner = 1; /* elements after the axis */
    for (int i = (int)axis + 1; i < x->rank; i++)
        inner *= x->dims[i];
    if (axis == 1 && g->opset < 13 && inner != 1) {
        snprintf(why, size,
                 "opset %lld Softmax with axis 1 normalises over C x H x W together (the input flattened from the "
                 "axis), which dlasim does not map: only a softmax over C alone, i.e. opset >= 13 or H = W = 1 "
                 "(rule softmax.flatten)",
                 (long long)g->opset);
        return false;
    }
    if (axis != 1) {
        snprintf(why, size,
                 "softmax over spatial axis %lld: dlasim maps a softmax over C only; a sum along W or H for every "
                 "position needs a PDP average pool and a broadcast back along the axis, which dlasim does not "
                 "lower (rule softmax.spatial)",
                 (long long)axis);
        return false;
    }
    if (!cfg->core.features.sdp_lut || !cfg->core.features.sdp_ew) {
        snprintf(why, size,
                 "dlasim's softmax needs the SDP lookup table and element-wise stage, which the target "
                 "lacks (rule feature.sdp_lut)");
        return false;
    }
    return true;
}

/* A float activation tensor shaped like x, named "<softmax>:<what>". */
static dla_status like(ir_graph *g, int x, int ni, const char *what, int *t, dla_error *err)
{
    char name[300];
    snprintf(name, sizeof name, "%.240s:%s", g->nodes[ni].name, what);
    dla_status st = ir_tensor_add(g, name, t, err);
    if (st != DLA_OK)
        return st;
    ir_tensor *d = &g->tensors[*t];
    const ir_tensor *s = &g->tensors[x];
    d->rank = s->rank;
    memcpy(d->dims, s->dims, sizeof d->dims);
    d->elem_type = IR_ONNX_FLOAT;
    return DLA_OK;
}

/* A node "<softmax>:<what>" of kind k reading a (and b), writing out. */
static dla_status step(ir_graph *g, int ni, const char *what, ir_kind k, int a, int b, int out, int *idx,
                       dla_error *err)
{
    char name[300];
    snprintf(name, sizeof name, "%.240s:%s", g->nodes[ni].name, what);
    dla_status st = ir_node_add(g, name, "Softmax", b >= 0 ? 2 : 1, 1, idx, err);
    if (st != DLA_OK)
        return st;
    ir_node *n = &g->nodes[*idx];
    n->kind = k;
    n->in[0] = a;
    if (b >= 0)
        n->in[1] = b;
    n->out[0] = out;
    g->tensors[out].producer = *idx;
    return DLA_OK;
}

/* Passes of log-sum-exp (docs/compiler.md "Softmax" says why four): each moves the estimate L of
 * -log sum_c exp(x_c) by one step l; a pass whose e all round to 0 steps L up by log(254) - m, the
 * most that is safe, so the first three passes reach logits up to 3 log(254) = 16.6 below m1 and the
 * last refines. */
#define SOFTMAX_PASSES 4

/* An all-ones 1x1 conv "<softmax>:<what>" summing e over C into s. */
static dla_status sum_conv(ir_graph *g, int ni, int w, const char *what, int e, int s, int *cv, dla_error *err)
{
    dla_status st = step(g, ni, what, IR_OP_CONV, e, -1, s, cv, err);
    if (st != DLA_OK)
        return st;
    ir_conv *c = &g->nodes[*cv].conv;
    memset(c, 0, sizeof *c);
    c->weight = w;
    c->bias = -1;
    c->k = c->c = (int)g->tensors[w].dims[0];
    c->kh = c->kw = c->sy = c->sx = c->dy = c->dx = 1;
    c->groups = 1;
    c->fc = g->tensors[g->nodes[ni].in[0]].rank == 2;
    return DLA_OK;
}

/* A LUT node "<softmax>:<what>" (fn, role) of x + L (an Add made here; x alone when L < 0). */
static dla_status lut_of(ir_graph *g, int ni, int L, const char *what, int fn, int role, int *out, dla_error *err)
{
    const int x = g->nodes[ni].in[0];
    char nm[48];
    int in = x, u, ad, a;
    dla_status st;
    if (L >= 0) {
        snprintf(nm, sizeof nm, "%s_in", what);
        if ((st = like(g, x, ni, nm, &u, err)) != DLA_OK || (st = step(g, ni, nm, IR_OP_ADD, x, L, u, &ad, err)))
            return st;
        in = u;
    }
    if ((st = like(g, x, ni, what, out, err)) != DLA_OK || (st = step(g, ni, what, IR_OP_LUT, in, -1, *out, &a, err)))
        return st;
    g->nodes[a].lut_fn = fn;
    g->nodes[a].softmax_role = role;
    g->nodes[a].softmax_x = x;
    return DLA_OK;
}

/* Pass k: e = exp(x + L - m) (x - m1 in pass 1), s = conv(e) with the all-ones weights w, l = -log(s)
 * (LUT in the conv's SDP). From pass 2 on, the part of exp that rounds to 0 in e gets its own 127x
 * finer tensor and conv, added to s by the EW stage before the -log: many small values (a flat
 * distribution over 1000 classes) then still count. Returns l. */
static dla_status pass(ir_graph *g, int ni, int L, int w, int k, int *l, dla_error *err)
{
    const int x = g->nodes[ni].in[0];
    char what[32];
    int e, s, cv, lg, elo = -1, slo = -1, ad;
    dla_status st;
    snprintf(what, sizeof what, "exp%d", k);
    if ((st = lut_of(g, ni, L, what, IR_LUT_EXP, L < 0 ? IR_SOFTMAX_EXP1 : IR_SOFTMAX_EXP, &e, err)) != DLA_OK)
        return st;
    if (L >= 0) {
        snprintf(what, sizeof what, "explo%d", k);
        if ((st = lut_of(g, ni, L, what, IR_LUT_EXPLO, IR_SOFTMAX_EXPLO, &elo, err)) != DLA_OK)
            return st;
        snprintf(what, sizeof what, "sumlo%d", k);
        if ((st = like(g, x, ni, what, &slo, err)) != DLA_OK || (st = sum_conv(g, ni, w, what, elo, slo, &cv, err)))
            return st;
        g->nodes[cv].softmax_role = IR_SOFTMAX_SUMLO;
        g->nodes[cv].softmax_x = x;
    }
    snprintf(what, sizeof what, "sum%d", k);
    if ((st = like(g, x, ni, what, &s, err)) != DLA_OK || (st = sum_conv(g, ni, w, what, e, s, &cv, err)))
        return st;
    if (slo >= 0) {
        int s2;
        snprintf(what, sizeof what, "sumall%d", k);
        if ((st = like(g, x, ni, what, &s2, err)) != DLA_OK ||
            (st = step(g, ni, what, IR_OP_ADD, s, slo, s2, &ad, err)) != DLA_OK)
            return st;
        s = s2;
    }
    snprintf(what, sizeof what, "neglog%d", k);
    if ((st = like(g, x, ni, what, l, err)) != DLA_OK || (st = step(g, ni, what, IR_OP_LUT, s, -1, *l, &lg, err)))
        return st;
    g->nodes[lg].lut_fn = IR_LUT_NEGLOG;
    g->nodes[lg].softmax_role = L < 0 ? IR_SOFTMAX_NEGLOG1 : IR_SOFTMAX_NEGLOG;
    g->nodes[lg].softmax_x = x;
    return DLA_OK;
}

static dla_status lower(ir_graph *g, int ni, dla_error *err)
{
    const int x = g->nodes[ni].in[0];
    int64_t d[4];
    ir_nchw(&g->tensors[x], d);
    const int64_t C = d[1];
    int w, L, u, ad;
    dla_status st;
    char name[300];
    snprintf(name, sizeof name, "%.240s:ones", g->nodes[ni].name);
    int64_t wd[4] = {C, C, 1, 1};
    if ((st = ir_const_new_f(g, name, 4, wd, &w, err)) != DLA_OK)
        return st;
    for (int64_t i = 0; i < C * C; i++)
        g->tensors[w].f[i] = 1.0f;
    if ((st = pass(g, ni, -1, w, 1, &L, err)) != DLA_OK)
        return st;
    for (int k = 2; k <= SOFTMAX_PASSES; k++) {
        int l, Ln;
        char what[32];
        snprintf(what, sizeof what, "L%d", k);
        if ((st = pass(g, ni, L, w, k, &l, err)) != DLA_OK || (st = like(g, x, ni, what, &Ln, err)) != DLA_OK ||
            (st = step(g, ni, what, IR_OP_ADD, L, l, Ln, &ad, err)) != DLA_OK)
            return st;
        g->nodes[ad].softmax_role = IR_SOFTMAX_LSUM;
        g->nodes[ad].softmax_x = x;
        L = Ln;
    }
    if ((st = like(g, x, ni, "shift", &u, err)) != DLA_OK ||
        (st = step(g, ni, "shift", IR_OP_ADD, x, L, u, &ad, err)) != DLA_OK)
        return st;
    /* The Softmax node itself becomes the last exp: it keeps its name and output. */
    ir_node *n = &g->nodes[ni];
    n->kind = IR_OP_LUT;
    n->lut_fn = IR_LUT_EXP;
    n->softmax_role = IR_SOFTMAX_OUT;
    n->softmax_x = x;
    n->in[0] = u;
    n->n_in = 1;
    return DLA_OK;
}

dla_status ir_lower_softmax(ir_graph *g, const dla_config *cfg, dla_error *err)
{
    const int n_nodes = g->n_nodes; /* nodes added here are already lowered */
    for (int ni = 0; ni < n_nodes; ni++) {
        const ir_node *n = &g->nodes[ni];
        char why[512];
        if (n->kind != IR_OP_ONNX || n->gpu || strcmp(n->op_type, "Softmax") != 0 ||
            !ir_softmax_mappable(g, cfg, n, why, sizeof why))
            continue; /* legality.c refused it or made it a GPU layer */
        dla_status st = lower(g, ni, err);
        if (st != DLA_OK)
            return st;
    }
    return DLA_OK;
}
