/* Deconvolution and nearest upsampling on the DLA (docs/compiler.md "Deconvolution and Resize"):
 * NVDLA runs a deconvolution as convolutions followed by a RUBIK contract (nvdla-reference §3). A
 * ConvTranspose whose kernel equals its stride (no padding, groups 1) is one 1x1 convolution producing
 * sx * sy groups of the output channels (the kernel taps rearranged into channels), then a contract
 * that moves group j * sx + i to output pixel (w * sx + i, h * sy + j). A nearest Resize / Upsample by
 * integer scales is the same deconvolution with a one-hot kernel, so it costs real MACs (assumed to be
 * TensorRT's mapping, docs/compiler.md says why). Everything else stays an ONNX node for legality.c to
 * name its rule. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "graph.h"

/* Integer nearest scales (sy, sx) of a Resize / Upsample this pass lowers, or false with *why. */
static bool resize_scales(const ir_graph *g, const ir_node *n, int *sy, int *sx, const char **why)
{
    const ir_tensor *x = n->in[0] >= 0 ? &g->tensors[n->in[0]] : NULL;
    const ir_tensor *y = n->out[0] >= 0 ? &g->tensors[n->out[0]] : NULL;
    *why = "shapes unknown";
    if (!x || !y || x->rank != 4 || y->rank != 4)
        return false;
    const ir_attr *ma = ir_attr_get(n, "mode");
    const char *mode = ma && ma->type == IR_ATTR_STRING ? ma->s : "nearest";
    *why = "not nearest";
    if (strcmp(mode, "nearest") != 0)
        return false;
    /* Coordinates: Upsample and Resize-10 are asymmetric + floor; Resize-11+ says. For an integer
     * scale s, asymmetric + floor and half_pixel with either half rounding both give floor(x / s). */
    if (!strcmp(n->op_type, "Resize") && g->opset >= 11) {
        const ir_attr *ct = ir_attr_get(n, "coordinate_transformation_mode");
        const ir_attr *nm = ir_attr_get(n, "nearest_mode");
        const char *c = ct && ct->type == IR_ATTR_STRING ? ct->s : "half_pixel";
        const char *r = nm && nm->type == IR_ATTR_STRING ? nm->s : "round_prefer_floor";
        bool asym_floor = !strcmp(c, "asymmetric") && !strcmp(r, "floor");
        bool half = (!strcmp(c, "half_pixel") || !strcmp(c, "pytorch_half_pixel")) &&
                    (!strcmp(r, "round_prefer_floor") || !strcmp(r, "round_prefer_ceil"));
        *why = "coordinate mode";
        if (!asym_floor && !half)
            return false;
    }
    *why = "scales";
    if (x->dims[0] != y->dims[0] || x->dims[1] != y->dims[1] || x->dims[2] < 1 || x->dims[3] < 1 ||
        y->dims[2] % x->dims[2] || y->dims[3] % x->dims[3])
        return false;
    int64_t a = y->dims[2] / x->dims[2], b = y->dims[3] / x->dims[3];
    if (a < 1 || a > 32 || b < 1 || b > 32)
        return false;
    *sy = (int)a;
    *sx = (int)b;
    return true;
}

/* A ConvTranspose this pass lowers: constant 4-D weights, kernel == stride in [1, 32], no padding,
 * output padding or dilation, groups 1. */
static bool deconv_geometry(const ir_graph *g, const ir_node *n, int *sy, int *sx)
{
    const ir_tensor *x = n->in[0] >= 0 ? &g->tensors[n->in[0]] : NULL;
    const ir_tensor *w = n->n_in > 1 && n->in[1] >= 0 ? &g->tensors[n->in[1]] : NULL;
    const ir_tensor *b = n->n_in > 2 && n->in[2] >= 0 ? &g->tensors[n->in[2]] : NULL;
    const ir_tensor *y = n->out[0] >= 0 ? &g->tensors[n->out[0]] : NULL;
    if (!x || !w || !y || x->rank != 4 || y->rank != 4 || w->rank != 4 || !w->is_const || !w->f ||
        (b && (!b->is_const || !b->f || ir_numel(b) != w->dims[1])) || w->dims[0] != x->dims[1])
        return false;
    if (ir_attr_int(n, "group", 1) != 1)
        return false;
    const char *keys[3] = {"pads", "output_padding", "dilations"};
    for (int k = 0; k < 3; k++) {
        const ir_attr *a = ir_attr_get(n, keys[k]);
        for (int i = 0; a && i < a->n; i++)
            if (a->ints[i] != (k == 2 ? 1 : 0))
                return false;
    }
    const ir_attr *ap = ir_attr_get(n, "auto_pad");
    if (ap && ap->type == IR_ATTR_STRING && strcmp(ap->s, "NOTSET") != 0 && strcmp(ap->s, "VALID") != 0)
        return false;
    const ir_attr *st = ir_attr_get(n, "strides");
    int64_t s0 = st && st->n == 2 ? st->ints[0] : 1, s1 = st && st->n == 2 ? st->ints[1] : 1;
    if (w->dims[2] != s0 || w->dims[3] != s1 || s0 < 1 || s0 > 32 || s1 < 1 || s1 > 32)
        return false;
    if (y->dims[2] != x->dims[2] * s0 || y->dims[3] != x->dims[3] * s1 || y->dims[1] != w->dims[1])
        return false;
    *sy = (int)s0;
    *sx = (int)s1;
    return true;
}

/* Rewrite node ni (output Y: N x K x H*sy x W*sx from X: N x C x H x W) into conv "ni:conv" producing
 * N x (sy*sx*Kp) x H x W and the RUBIK node ni itself. w(c, k, j, i) gives the deconvolution's tap
 * (NULL: the one-hot kernel of a nearest upsample); bias may be NULL. */
static dla_status lower(ir_graph *g, int ni, int sy, int sx, int cps, dla_error *err)
{
    dla_status st;
    const ir_tensor *x0 = &g->tensors[g->nodes[ni].in[0]];
    const int64_t N = x0->dims[0], C = x0->dims[1], H = x0->dims[2], W = x0->dims[3];
    const int64_t K = g->tensors[g->nodes[ni].out[0]].dims[1];
    const int64_t Kp = (K + cps - 1) / cps * cps, KO = Kp * sy * sx;
    const bool deconv = !strcmp(g->nodes[ni].op_type, "ConvTranspose");
    char name[300];
    int wi, bi = -1, mid, ci;
    snprintf(name, sizeof name, "%.200s:contract_in", g->nodes[ni].name);
    if ((st = ir_tensor_add(g, name, &mid, err)) != DLA_OK)
        return st;
    ir_tensor *m = &g->tensors[mid];
    m->rank = 4;
    m->dims[0] = N;
    m->dims[1] = KO;
    m->dims[2] = H;
    m->dims[3] = W;
    m->elem_type = IR_ONNX_FLOAT;
    int64_t wd[4] = {KO, C, 1, 1};
    snprintf(name, sizeof name, "%.200s:weights", g->nodes[ni].name);
    if ((st = ir_const_new_f(g, name, 4, wd, &wi, err)) != DLA_OK)
        return st;
    const ir_node *n = &g->nodes[ni];
    const ir_tensor *w = deconv ? &g->tensors[n->in[1]] : NULL;
    const ir_tensor *b = deconv && n->n_in > 2 && n->in[2] >= 0 ? &g->tensors[n->in[2]] : NULL;
    float *wf = g->tensors[wi].f;
    /* Output channel (j * sx + i) * Kp + k of the conv = tap (j, i) of deconvolution kernel k. */
    for (int64_t j = 0; j < sy; j++)
        for (int64_t i = 0; i < sx; i++)
            for (int64_t k = 0; k < K; k++)
                for (int64_t c = 0; c < C; c++)
                    wf[((j * sx + i) * Kp + k) * C + c] =
                        w ? w->f[((c * K + k) * sy + j) * sx + i] : (c == k ? 1.0f : 0.0f);
    if (b) {
        int64_t bd[1] = {KO};
        snprintf(name, sizeof name, "%.200s:bias", g->nodes[ni].name);
        if ((st = ir_const_new_f(g, name, 1, bd, &bi, err)) != DLA_OK)
            return st;
        b = &g->tensors[g->nodes[ni].in[2]];
        for (int64_t gi = 0; gi < sy * sx; gi++)
            for (int64_t k = 0; k < K; k++)
                g->tensors[bi].f[gi * Kp + k] = b->f[k];
    }
    snprintf(name, sizeof name, "%.200s:conv", g->nodes[ni].name);
    if ((st = ir_node_add(g, name, g->nodes[ni].op_type, 1, 1, &ci, err)) != DLA_OK)
        return st;
    ir_node *cn = &g->nodes[ci], *rn = &g->nodes[ni];
    cn->kind = IR_OP_CONV;
    cn->in[0] = rn->in[0];
    cn->out[0] = mid;
    cn->segment = rn->segment;
    ir_conv *c = &cn->conv;
    c->weight = wi;
    c->bias = bi;
    c->k = (int)KO;
    c->c = (int)C;
    c->kh = c->kw = c->sy = c->sx = c->dy = c->dx = 1;
    c->groups = 1;
    g->tensors[mid].producer = ci;
    rn->kind = IR_OP_RUBIK;
    rn->in[0] = mid;
    rn->n_in = 1;
    rn->rubik_sx = sx;
    rn->rubik_sy = sy;
    rn->rubik_kp = (int)Kp;
    return DLA_OK;
}

dla_status ir_lower_deconv(ir_graph *g, const dla_config *cfg, dla_precision prec, dla_error *err)
{
    if (!cfg->core.features.rubik)
        return DLA_OK; /* legality.c names rule feature.rubik */
    const int cps = cfg->core.memory_atomic_bytes / ir_bpe(prec);
    const int n_nodes = g->n_nodes; /* nodes added here are already lowered */
    for (int ni = 0; ni < n_nodes; ni++) {
        const ir_node *n = &g->nodes[ni];
        if (n->kind != IR_OP_ONNX)
            continue;
        int sy = 0, sx = 0;
        const char *why = NULL;
        bool ok = false;
        if (!strcmp(n->op_type, "ConvTranspose"))
            ok = deconv_geometry(g, n, &sy, &sx);
        else if (!strcmp(n->op_type, "Resize") || !strcmp(n->op_type, "Upsample"))
            ok = resize_scales(g, n, &sy, &sx, &why);
        if (!ok || cps < 1)
            continue;
        dla_status st = lower(g, ni, sy, sx, cps, err);
        if (st != DLA_OK)
            return st;
    }
    return DLA_OK;
}

void ir_rubik_forward(const ir_node *n, const float *x, const int64_t id[4], float *y, const int64_t od[4])
{
    const int64_t sx = n->rubik_sx, sy = n->rubik_sy, kp = n->rubik_kp, K = od[1], H = id[2], W = id[3];
    for (int64_t b = 0; b < od[0]; b++)
        for (int64_t k = 0; k < K; k++)
            for (int64_t h = 0; h < H; h++)
                for (int64_t j = 0; j < sy; j++)
                    for (int64_t w = 0; w < W; w++)
                        for (int64_t i = 0; i < sx; i++)
                            y[((b * K + k) * od[2] + h * sy + j) * od[3] + w * sx + i] =
                                x[((b * id[1] + (j * sx + i) * kp + k) * H + h) * W + w];
}
