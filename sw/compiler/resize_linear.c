/* Linear (bilinear) Resize by integer scales on the DLA (docs/compiler.md "Linear Resize"): exact
 * border clamping without replicated padding, through the PDP's exclusive average pooling. Per axis,
 * output o = q*s + p sits at input coordinate q + d_p (d_p fixed per phase for half_pixel,
 * pytorch_half_pixel and asymmetric), between x[q] and x[q-1] (d_p < 0) or x[q+1] (d_p >= 0), clamped
 * at the borders. With m[r] = mean of the valid ones of x[r-1], x[r] (r = 0..H, an exclusive 2-tap
 * average pool padded by one: m[0] = x[0], m[H] = x[H-1]):
 *   d < 0:  y = (1 + 2d) x[q] + (-2d) m[q]       (q = 0: x[0], the clamp)
 *   d >= 0: y = (1 - 2d) x[q] + ( 2d) m[q + 1]   (q = H-1: x[H-1], the clamp)
 * never reading outside x or m. In 2-D the product of the two axes' forms needs x, the row mean m_y,
 * the column mean m_x and the 2x2 mean m_yx (an exclusive 2x2 average over a product-shaped valid set
 * is the mean of the means): one valid stride-1 convolution per term producing every phase as a group
 * of channels (depthwise weights on the diagonal: K = C), summed through the SDP's element-wise adder,
 * then the RUBIK contract of deconv.c. TensorRT runs linear Resize on DLA 2 (Orin) only. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "graph.h"

typedef struct lin_axis {
    int s;
    float alpha[32], beta[32]; /* per phase: weight of x[q] and of the mean m[q + e] */
    int e[32];
} lin_axis;

/* Phase coefficients for scale s in coordinate mode ctm, or false (mode without a fixed per-phase
 * kernel). */
static bool lin_axis_plan(lin_axis *a, int s, const char *ctm)
{
    bool half = !strcmp(ctm, "half_pixel") || !strcmp(ctm, "pytorch_half_pixel");
    if (!half && strcmp(ctm, "asymmetric") != 0)
        return false;
    a->s = s;
    for (int p = 0; p < s; p++) {
        /* d = (2p + 1 - s) / (2s) (half pixel) or p / s (asymmetric); 2d in halves of 1/s */
        const double two_d = half ? (double)(2 * p + 1 - s) / s : 2.0 * p / s;
        a->e[p] = two_d >= 0 ? 1 : 0;
        a->beta[p] = (float)fabs(two_d);
        a->alpha[p] = (float)(1.0 - fabs(two_d));
    }
    return true;
}

/* Integer H/W scale (1..4) of a 4-D Resize / Upsample: the output over the input, and the constant
 * scales (when given) must say the same (ONNX computes coordinates from the scales). */
static bool integer_scales(const ir_graph *g, const ir_node *n, const ir_tensor *x, const ir_tensor *y, int sc[2])
{
    if (x->dims[0] != y->dims[0] || x->dims[1] != y->dims[1])
        return false; /* legality.c: resize.scales */
    for (int d = 0; d < 2; d++) {
        /* TensorRT's linear limit: scales 1..4 (legality.c resize.linear_scale names the rest) */
        if (x->dims[2 + d] < 1 || y->dims[2 + d] % x->dims[2 + d] || y->dims[2 + d] / x->dims[2 + d] > 4)
            return false;
        sc[d] = (int)(y->dims[2 + d] / x->dims[2 + d]);
    }
    const ir_attr *sa = ir_attr_get(n, "scales"); /* Upsample-7 */
    if (sa && sa->type == IR_ATTR_FLOATS)
        return sa->n == 4 && sa->floats[2] == (float)sc[0] && sa->floats[3] == (float)sc[1];
    const int si = !strcmp(n->op_type, "Upsample") || g->opset < 11 ? 1 : 2; /* Resize-11+: X, roi, scales */
    const ir_tensor *st = si < n->n_in && n->in[si] >= 0 ? &g->tensors[n->in[si]] : NULL;
    if (st && ir_numel(st) > 0)
        return st->is_const && st->f && ir_numel(st) == 4 && st->f[2] == (float)sc[0] && st->f[3] == (float)sc[1];
    return true; /* sizes: the scale is the ratio */
}

bool ir_resize_linear_refusal(const ir_graph *g, const ir_node *n, char *why, size_t wlen)
{
    const ir_tensor *x = n->in[0] >= 0 ? &g->tensors[n->in[0]] : NULL;
    const ir_tensor *y = n->out[0] >= 0 ? &g->tensors[n->out[0]] : NULL;
    int sc[2];
    if (!x || !y || x->rank != 4 || y->rank != 4 || !integer_scales(g, n, x, y, sc)) {
        snprintf(why, wlen,
                 "TensorRT runs this linear Resize on the DLA, but dlasim lowers integer H/W scales only (rule "
                 "resize.linear_unit)");
        return true;
    }
    const ir_attr *ct = ir_attr_get(n, "coordinate_transformation_mode");
    const char *ctm = !strcmp(n->op_type, "Resize") && g->opset >= 11
                          ? (ct && ct->type == IR_ATTR_STRING ? ct->s : "half_pixel")
                          : "asymmetric";
    lin_axis a;
    if (!lin_axis_plan(&a, 2, ctm)) {
        snprintf(why, wlen,
                 "coordinate mode '%s': dlasim lowers linear Resize with half_pixel, pytorch_half_pixel or "
                 "asymmetric coordinates (fixed weights per output phase) (rule resize.linear_coordinates)",
                 ctm);
        return true;
    }
    return false;
}

/* x (N x C x H x W) -> pooled mean over a kh x kw window, stride 1, padding (kh-1, kw-1) on both sides,
 * the padding left out of the count. */
static dla_status add_mean(ir_graph *g, int ni, int x, int kh, int kw, const char *suffix, int *out, dla_error *err)
{
    char name[300];
    dla_status st;
    int ti, pi;
    snprintf(name, sizeof name, "%.200s:%s", g->nodes[ni].name, suffix);
    if ((st = ir_tensor_add(g, name, &ti, err)) != DLA_OK ||
        (st = ir_node_add(g, name, "Resize", 1, 1, &pi, err)) != DLA_OK)
        return st;
    ir_tensor *t = &g->tensors[ti];
    const ir_tensor *xt = &g->tensors[x];
    t->rank = 4;
    t->dims[0] = xt->dims[0];
    t->dims[1] = xt->dims[1];
    t->dims[2] = xt->dims[2] + kh - 1;
    t->dims[3] = xt->dims[3] + kw - 1;
    t->elem_type = IR_ONNX_FLOAT;
    t->producer = pi;
    ir_node *p = &g->nodes[pi];
    p->kind = IR_OP_POOL;
    p->in[0] = x;
    p->out[0] = ti;
    p->segment = g->nodes[ni].segment;
    p->pool.max = false;
    p->pool.kh = kh;
    p->pool.kw = kw;
    p->pool.sy = p->pool.sx = 1;
    p->pool.pt = p->pool.pb = kh - 1;
    p->pool.pl = p->pool.pr = kw - 1;
    p->pool.count_include_pad = false;
    *out = ti;
    return DLA_OK;
}

/* A tensor N x KO x H x W named after node ni. */
static dla_status add_cube(ir_graph *g, int ni, const char *suffix, const int64_t d[4], int *out, dla_error *err)
{
    char name[300];
    snprintf(name, sizeof name, "%.200s:%s", g->nodes[ni].name, suffix);
    dla_status st = ir_tensor_add(g, name, out, err);
    if (st != DLA_OK)
        return st;
    ir_tensor *t = &g->tensors[*out];
    t->rank = 4;
    memcpy(t->dims, d, sizeof t->dims[0] * 4);
    t->elem_type = IR_ONNX_FLOAT;
    return DLA_OK;
}

dla_status ir_lower_resize_linear(ir_graph *g, int ni, const dla_config *cfg, int cps, bool *lowered, dla_error *err)
{
    *lowered = false;
    char why[320];
    /* TensorRT's DLA 2 (Orin) rules apply on targets with 2:4 sparsity (legality.c); DLA 1 resizes nearest only. */
    if (!cfg->core.features.sparsity_2_4 || !cfg->core.features.pdp || !cfg->core.features.sdp_ew ||
        ir_resize_linear_refusal(g, &g->nodes[ni], why, sizeof why))
        return DLA_OK;
    const ir_node *n = &g->nodes[ni];
    const ir_tensor *xt = &g->tensors[n->in[0]], *yt = &g->tensors[n->out[0]];
    int sc[2];
    if (!integer_scales(g, n, xt, yt, sc))
        return DLA_OK;
    const ir_attr *ct = ir_attr_get(n, "coordinate_transformation_mode");
    const char *ctm = !strcmp(n->op_type, "Resize") && g->opset >= 11
                          ? (ct && ct->type == IR_ATTR_STRING ? ct->s : "half_pixel")
                          : "asymmetric";
    lin_axis ay, ax;
    if (!lin_axis_plan(&ay, sc[0], ctm) || !lin_axis_plan(&ax, sc[1], ctm))
        return DLA_OK;
    const int x = n->in[0];
    const int64_t N = xt->dims[0], C = xt->dims[1], H = xt->dims[2], W = xt->dims[3];
    const int64_t Kp = (C + cps - 1) / cps * cps, sy = sc[0], sx = sc[1], KO = Kp * sy * sx;
    const int64_t cube[4] = {N, KO, H, W};
    /* Terms (ty, tx): 0 = x along that axis, 1 = its 2-tap mean; a mean whose weights are all zero
     * (scale 1: d = 0) is left out. */
    bool need_y = false, need_x = false;
    for (int p = 0; p < sy; p++)
        need_y |= ay.beta[p] != 0.0f;
    for (int p = 0; p < sx; p++)
        need_x |= ax.beta[p] != 0.0f;
    int src[2][2] = {{x, -1}, {-1, -1}};
    dla_status st;
    if (need_y && (st = add_mean(g, ni, x, 2, 1, "mean_y", &src[1][0], err)) != DLA_OK)
        return st;
    if (need_x && (st = add_mean(g, ni, x, 1, 2, "mean_x", &src[0][1], err)) != DLA_OK)
        return st;
    if (need_y && need_x && (st = add_mean(g, ni, x, 2, 2, "mean_yx", &src[1][1], err)) != DLA_OK)
        return st;
    int sum = -1;
    static const char *const term_name[2][2] = {{"phase_x", "phase_mean_x"}, {"phase_mean_y", "phase_mean_yx"}};
    for (int ty = 0; ty < 2; ty++)
        for (int tx = 0; tx < 2; tx++) {
            if (src[ty][tx] < 0)
                continue;
            const int64_t KH = ty + 1, KW = tx + 1, wd[4] = {KO, C, KH, KW};
            char name[300];
            int wi, ti, ci;
            snprintf(name, sizeof name, "%.200s:%s:weights", g->nodes[ni].name, term_name[ty][tx]);
            if ((st = ir_const_new_f(g, name, 4, wd, &wi, err)) != DLA_OK ||
                (st = add_cube(g, ni, term_name[ty][tx], cube, &ti, err)) != DLA_OK)
                return st;
            float *wf = g->tensors[wi].f; /* zero-filled: off-diagonal channels, padding channels */
            /* channel (j * sx + i) * Kp + k of phase (j, i) reads channel k only (depthwise on the diagonal) */
            for (int64_t j = 0; j < sy; j++)
                for (int64_t i = 0; i < sx; i++) {
                    const int64_t u = ty ? ay.e[j] : 0, v = tx ? ax.e[i] : 0;
                    const float wv = (ty ? ay.beta[j] : ay.alpha[j]) * (tx ? ax.beta[i] : ax.alpha[i]);
                    for (int64_t k = 0; k < C; k++)
                        wf[((((j * sx + i) * Kp + k) * C + k) * KH + u) * KW + v] = wv;
                }
            snprintf(name, sizeof name, "%.200s:%s", g->nodes[ni].name, term_name[ty][tx]);
            if ((st = ir_node_add(g, name, "Resize", 1, 1, &ci, err)) != DLA_OK)
                return st;
            ir_node *cn = &g->nodes[ci];
            cn->kind = IR_OP_CONV;
            cn->in[0] = src[ty][tx];
            cn->out[0] = ti;
            cn->segment = g->nodes[ni].segment;
            ir_conv *c = &cn->conv;
            c->weight = wi;
            c->bias = -1;
            c->k = (int)KO;
            c->c = (int)C;
            c->kh = (int)KH;
            c->kw = (int)KW;
            c->sy = c->sx = c->dy = c->dx = 1;
            c->groups = 1;
            g->tensors[ti].producer = ci;
            if (sum < 0) {
                sum = ti;
                continue;
            }
            /* sum += this term (the SDP's element-wise adder, fused into this conv) */
            int ai, si;
            snprintf(name, sizeof name, "%.200s:%s:sum", g->nodes[ni].name, term_name[ty][tx]);
            if ((st = add_cube(g, ni, name + strlen(g->nodes[ni].name) + 1, cube, &si, err)) != DLA_OK ||
                (st = ir_node_add(g, name, "Resize", 2, 1, &ai, err)) != DLA_OK)
                return st;
            ir_node *an = &g->nodes[ai];
            an->kind = IR_OP_ADD;
            an->in[0] = ti;
            an->in[1] = sum;
            an->out[0] = si;
            an->segment = g->nodes[ni].segment;
            g->tensors[si].producer = ai;
            sum = si;
        }
    ir_node *rn = &g->nodes[ni];
    rn->kind = IR_OP_RUBIK;
    rn->in[0] = sum;
    rn->n_in = 1;
    rn->rubik_sx = (int)sx;
    rn->rubik_sy = (int)sy;
    rn->rubik_kp = (int)Kp;
    *lowered = true;
    return DLA_OK;
}
