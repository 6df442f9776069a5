/* DLA legality: TensorRT's published DLA layer rules (../shared/docs/orin-facts.md §8) and the
 * target's features, checked on the canonical graph. Every violation is collected; compilation
 * fails with one message listing each layer that cannot run, its op type and the rule. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"

/* TensorRT DLA rules (software limits published by NVIDIA, not hardware config values). */
enum {
    RULE_CONV_KERNEL_MAX = 32,
    RULE_CONV_STRIDE_MAX = 8,
    RULE_CONV_PAD_MAX = 31,
    RULE_CONV_DILATION_MAX = 32,
    RULE_CONV_MAPS_MAX = IR_TRT_OUTPUT_MAPS_MAX,
    RULE_CONV_GROUPS_MAX = 8192,
    RULE_POOL_WINDOW_MAX = 8,
    RULE_POOL_STRIDE_MAX = 16,
    RULE_POOL_PAD_MAX = 7,
    RULE_DIM_MAX = 8192,
    RULE_BATCH_MAX = 4096
};

typedef struct msgbuf {
    char text[4096];
    size_t len;
} msgbuf;

static void add(msgbuf *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(msgbuf *m, const char *fmt, ...)
{
    if (m->len >= sizeof m->text - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(m->text + m->len, sizeof m->text - m->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        m->len += (size_t)n < sizeof m->text - m->len ? (size_t)n : sizeof m->text - m->len - 1;
}

static void check_conv(const ir_graph *g, const ir_node *n, msgbuf *m)
{
    const ir_conv *c = &n->conv;
    if (c->kh < 1 || c->kw < 1 || c->kh > RULE_CONV_KERNEL_MAX || c->kw > RULE_CONV_KERNEL_MAX)
        add(m, "kernel %dx%d exceeds DLA limit %d (rule conv.kernel), ", c->kh, c->kw, RULE_CONV_KERNEL_MAX);
    if (c->sy > RULE_CONV_STRIDE_MAX || c->sx > RULE_CONV_STRIDE_MAX)
        add(m, "stride %dx%d exceeds DLA limit %d (rule conv.stride), ", c->sy, c->sx, RULE_CONV_STRIDE_MAX);
    int pads[4] = {c->pt, c->pb, c->pl, c->pr}, ks[4] = {c->kh, c->kh, c->kw, c->kw};
    for (int i = 0; i < 4; i++)
        if (pads[i] > RULE_CONV_PAD_MAX || pads[i] >= ks[i]) {
            add(m,
                "padding %d,%d,%d,%d (top,bottom,left,right) must be 0..%d and smaller than the kernel (rule "
                "conv.pad), ",
                c->pt, c->pb, c->pl, c->pr, RULE_CONV_PAD_MAX);
            break;
        }
    if (c->dy > RULE_CONV_DILATION_MAX || c->dx > RULE_CONV_DILATION_MAX)
        add(m, "dilation %dx%d exceeds DLA limit %d (rule conv.dilation), ", c->dy, c->dx, RULE_CONV_DILATION_MAX);
    if (c->k < 1 || c->k > RULE_CONV_MAPS_MAX)
        add(m, "%d output maps, DLA allows 1..%d (rule conv.output_maps), ", c->k, RULE_CONV_MAPS_MAX);
    if (c->groups > RULE_CONV_GROUPS_MAX)
        add(m, "%d groups exceeds DLA limit %d (rule conv.groups), ", c->groups, RULE_CONV_GROUPS_MAX);
    (void)g;
}

static bool dla2(const dla_config *cfg);
static void check_pool(const dla_config *cfg, const ir_node *n, msgbuf *m)
{
    const ir_pool *p = &n->pool;
    if (!cfg->core.features.pdp)
        add(m, "the target has no PDP (rule feature.pdp), ");
    if (p->kh > RULE_POOL_WINDOW_MAX || p->kw > RULE_POOL_WINDOW_MAX)
        add(m, "window %dx%d exceeds DLA limit %d (rule pool.window), ", p->kh, p->kw, RULE_POOL_WINDOW_MAX);
    if (p->sy > RULE_POOL_STRIDE_MAX || p->sx > RULE_POOL_STRIDE_MAX)
        add(m, "stride %dx%d exceeds DLA limit %d (rule pool.stride), ", p->sy, p->sx, RULE_POOL_STRIDE_MAX);
    if (p->pt > RULE_POOL_PAD_MAX || p->pb > RULE_POOL_PAD_MAX || p->pl > RULE_POOL_PAD_MAX ||
        p->pr > RULE_POOL_PAD_MAX)
        add(m, "padding %d,%d,%d,%d exceeds DLA limit %d (rule pool.pad), ", p->pt, p->pb, p->pl, p->pr,
            RULE_POOL_PAD_MAX);
    if (!dla2(cfg) && !p->max && (p->pt || p->pb || p->pl || p->pr) && !p->count_include_pad)
        add(m, "average pooling with padding excluded from the count: DLA 1 (Xavier) counts padding only (rule "
               "pool.xavier_inclusive_pad), ");
}

/* TensorRT applies the DLA 2 (Orin) rules on targets with 2:4 sparsity and the DLA 1 (Xavier) rules
 * otherwise: configs/xavier-agx.json marks the first-generation DLA by sparsity_2_4 = false. */
static bool dla2(const dla_config *cfg)
{
    return cfg->core.features.sparsity_2_4;
}

static const ir_tensor *input_of(const ir_graph *g, const ir_node *n, int k)
{
    return k < n->n_in && n->in[k] >= 0 ? &g->tensors[n->in[k]] : NULL;
}

static const char *target_gen(const dla_config *cfg)
{
    return dla2(cfg) ? "DLA 2 (Orin)" : "DLA 1 (Xavier)";
}

/* Constant float/int values of an ONNX input (NULL when absent or not constant). */
static bool const_vals(const ir_tensor *t, double *v, int max, int *n)
{
    if (!t || !t->is_const || ir_numel(t) > max)
        return false;
    *n = (int)ir_numel(t);
    for (int i = 0; i < *n; i++)
        v[i] = t->f ? (double)t->f[i] : (double)t->i[i];
    return true;
}

/* Resize / Upsample (TensorRT DLA rules, orin-facts §8): nearest with integer scales 1..32, linear
 * (bilinear) with scales 1..4, only H and W scaled. */
static void check_resize(const ir_graph *g, const dla_config *cfg, const ir_node *n, msgbuf *m)
{
    const ir_attr *ma = ir_attr_get(n, "mode");
    const char *mode = ma && ma->type == IR_ATTR_STRING ? ma->s : "nearest";
    const ir_tensor *x = input_of(g, n, 0);
    double sc[8];
    int ns = 0;
    bool have = false;
    const ir_attr *sa = ir_attr_get(n, "scales"); /* Upsample-7 */
    if (sa && sa->type == IR_ATTR_FLOATS && sa->n <= 8) {
        ns = sa->n;
        for (int i = 0; i < ns; i++)
            sc[i] = sa->floats[i];
        have = true;
    } else {
        int si = !strcmp(n->op_type, "Upsample") ? 1 : 2; /* Resize: X, roi, scales, sizes */
        const ir_tensor *st = input_of(g, n, si);
        if (st && ir_numel(st) > 0 && const_vals(st, sc, 8, &ns))
            have = true;
        const ir_tensor *sz = input_of(g, n, 3);
        double sv[8];
        int nsz = 0;
        if (!have && x && x->rank > 0 && const_vals(sz, sv, 8, &nsz) && nsz == x->rank) {
            ns = nsz;
            for (int i = 0; i < ns; i++)
                sc[i] = x->dims[i] > 0 ? sv[i] / (double)x->dims[i] : 0;
            have = true;
        }
    }
    if (!have || ns != 4) {
        add(m, "scales must be constant over a 4-D input (rule resize.scales), ");
        return;
    }
    if (sc[0] != 1 || sc[1] != 1) {
        add(m, "scales %gx%g on N and C: only H and W may be scaled (rule resize.scales), ", sc[0], sc[1]);
        return;
    }
    if (!strcmp(mode, "nearest")) {
        for (int i = 2; i < 4; i++)
            if (sc[i] != floor(sc[i]) || sc[i] < 1 || sc[i] > 32) {
                add(m, "nearest scale %g must be an integer in [1, 32] (rule resize.nearest_scale), ", sc[i]);
                return;
            }
    } else if (!strcmp(mode, "linear") || !strcmp(mode, "bilinear")) {
        if (!dla2(cfg)) {
            add(m, "linear Resize: the Xavier TensorRT (8.2.1) runs nearest only on %s (rule resize.xavier_linear), ",
                target_gen(cfg));
            return;
        }
        for (int i = 2; i < 4; i++)
            if (sc[i] < 1 || sc[i] > 4) {
                add(m, "linear scale %g must be in [1, 4] (rule resize.linear_scale), ", sc[i]);
                return;
            }
        char why[320];
        if (ir_resize_linear_refusal(g, n, why, sizeof why)) /* resize_linear.c */
            add(m, "%s, ", why);
        else if (!cfg->core.features.rubik || !cfg->core.features.pdp || !cfg->core.features.sdp_ew)
            add(m,
                "linear Resize runs as exclusive-mean pools, phase convolutions summed by the SDP and a RUBIK "
                "contract; target '%s' lacks one of them (rule feature.rubik), ",
                cfg->name);
        return;
    } else {
        add(m, "mode '%s': the DLA resizes nearest or linear only (rule resize.mode), ", mode);
        return;
    }
    /* A nearest Resize deconv.c did not lower. */
    if (!cfg->core.features.rubik)
        add(m,
            "nearest Resize runs as a deconvolution with a RUBIK contract, which target '%s' lacks (rule "
            "feature.rubik), ",
            cfg->name);
    else
        add(m, "nearest Resize needs coordinates asymmetric+floor or half_pixel+round_prefer_floor/ceil "
               "(TensorRT: ASYMMETRIC+FLOOR, HALF_PIXEL+HALF_DOWN/UP) (rule resize.coordinates), ");
}

/* ConvTranspose: TensorRT's deconvolution rules. */
static void check_deconv(const ir_graph *g, const dla_config *cfg, const ir_node *n, msgbuf *m)
{
    const ir_tensor *w = input_of(g, n, 1);
    if (!w || !w->is_const || w->rank != 4) {
        add(m, "needs constant 2-D weights (rule deconv.weights), ");
        return;
    }
    int64_t kh = w->dims[2], kw = w->dims[3];
    bool k_ok = (kh >= 1 && kh <= 32 && kw >= 1 && kw <= 32) || (kw == 1 && (kh == 64 || kh == 96 || kh == 128)) ||
                (kh == 1 && (kw == 64 || kw == 96 || kw == 128));
    if (!k_ok)
        add(m, "kernel %lldx%lld: the DLA allows [1,32] each, or 64/96/128 x 1 (rule deconv.kernel), ", (long long)kh,
            (long long)kw);
    const ir_attr *st = ir_attr_get(n, "strides");
    int64_t sy = st && st->n == 2 ? st->ints[0] : 1, sx = st && st->n == 2 ? st->ints[1] : 1;
    bool s_ok = (sy >= 1 && sy <= 32 && sx >= 1 && sx <= 32) || (sx == 1 && (sy == 64 || sy == 96 || sy == 128)) ||
                (sy == 1 && (sx == 64 || sx == 96 || sx == 128));
    if (!s_ok)
        add(m, "stride %lldx%lld: the DLA allows [1,32] each, or 64/96/128 x 1 (rule deconv.stride), ", (long long)sy,
            (long long)sx);
    if (ir_attr_int(n, "group", 1) != 1)
        add(m, "groups %lld: deconvolution needs groups 1 (rule deconv.groups), ",
            (long long)ir_attr_int(n, "group", 1));
    const ir_attr *dl = ir_attr_get(n, "dilations");
    for (int i = 0; dl && i < dl->n; i++)
        if (dl->ints[i] != 1) {
            add(m, "dilation is not supported (rule deconv.dilation), ");
            break;
        }
    int64_t k = w->dims[1] * ir_attr_int(n, "group", 1);
    if (k < 1 || k > RULE_CONV_MAPS_MAX)
        add(m, "%lld output maps, DLA allows 1..%d (rule deconv.output_maps), ", (long long)k, RULE_CONV_MAPS_MAX);
    if (m->len == 0 && !cfg->core.features.rubik)
        add(m, "deconvolution needs a RUBIK contract, which target '%s' lacks (rule feature.rubik), ", cfg->name);
    else if (m->len == 0) { /* pads, output_padding, the phase convolution's limits: deconv.c says */
        char why[320];
        if (ir_deconv_refusal(g, n, why, sizeof why))
            add(m, "%s, ", why);
    }
}

/* Concat: channel axis only, >= 2 inputs, equal spatial dims. */
static void check_concat(const ir_graph *g, const ir_node *n, msgbuf *m)
{
    const ir_tensor *x = input_of(g, n, 0);
    int64_t axis = ir_attr_int(n, "axis", 1);
    if (x && x->rank > 0 && axis < 0)
        axis += x->rank;
    if (!x || x->rank != 4 || axis != 1) {
        add(m, "axis %lld: the DLA concatenates 4-D tensors along the channel axis only (rule concat.axis), ",
            (long long)ir_attr_int(n, "axis", 1));
        return;
    }
    int inputs = 0;
    for (int k = 0; k < n->n_in; k++) {
        const ir_tensor *t = input_of(g, n, k);
        if (!t)
            continue;
        inputs++;
        if (t->rank != 4 || t->dims[2] != x->dims[2] || t->dims[3] != x->dims[3] || t->dims[0] != x->dims[0]) {
            add(m, "inputs must have equal N, H and W (rule concat.dims), ");
            return;
        }
    }
    if (inputs < 2) {
        add(m, "needs at least 2 inputs (rule concat.inputs), ");
        return;
    }
    add(m, "inputs must be activations (rule concat.inputs), ");
}

/* Softmax: DLA 2 only; axis C or spatial, <= 8192 when the other non-batch dims are 1, else <= 1024. */
static void check_softmax(const ir_graph *g, const dla_config *cfg, const ir_node *n, msgbuf *m)
{
    if (!dla2(cfg)) {
        add(m, "TensorRT runs Softmax on the DLA only on DLA 2 (Orin); the target is %s (rule softmax.target), ",
            target_gen(cfg));
        return;
    }
    const ir_tensor *x = input_of(g, n, 0);
    int64_t axis = ir_attr_int(n, "axis", g->opset >= 13 ? -1 : 1);
    if (x && x->rank > 0 && axis < 0)
        axis += x->rank;
    if (!x || x->rank < 2 || axis < 1 || axis >= x->rank) {
        add(m, "axis %lld: the DLA's softmax runs over C or a spatial axis (rule softmax.axis), ", (long long)axis);
        return;
    }
    bool others_one = true;
    for (int i = 1; i < x->rank; i++)
        others_one &= i == axis || x->dims[i] == 1;
    int64_t lim = others_one ? 8192 : 1024;
    if (x->dims[axis] > lim) {
        add(m, "softmax over %lld elements exceeds the DLA limit %lld (rule softmax.size), ", (long long)x->dims[axis],
            (long long)lim);
        return;
    }
    char why[512]; /* softmax.c lowers the rest */
    if (!ir_softmax_mappable(g, cfg, n, why, sizeof why))
        add(m, "TensorRT runs this Softmax on the DLA, but %s, ", why);
}

/* Slice / Split: constant parameters, step 1, not on the batch axis, 4-D input. */
static void check_slice(const ir_graph *g, const ir_node *n, msgbuf *m)
{
    const ir_tensor *x = input_of(g, n, 0);
    if (!x || x->rank != 4) {
        add(m, "the DLA slices 4-D tensors only (rule slice.rank), ");
        return;
    }
    double ax[8], st[8];
    int na = 0, ns = 0;
    bool is_split = !strcmp(n->op_type, "Split");
    if (is_split) {
        int64_t axis = ir_attr_int(n, "axis", 0);
        if (axis < 0)
            axis += 4;
        if (axis == 0) {
            add(m, "slicing the batch axis is not supported (rule slice.axis), ");
            return;
        }
    } else {
        if (g->opset >= 10) {
            bool const_ok = true;
            for (int k = 1; k < n->n_in; k++) {
                const ir_tensor *t = input_of(g, n, k);
                const_ok &= !t || t->is_const;
            }
            if (!const_ok) {
                add(m, "starts, ends, axes and steps must be constants (rule slice.params), ");
                return;
            }
            if (!const_vals(input_of(g, n, 3), ax, 8, &na)) {
                na = 4;
                for (int i = 0; i < 4; i++)
                    ax[i] = i;
            }
            if (const_vals(input_of(g, n, 4), st, 8, &ns))
                for (int i = 0; i < ns; i++)
                    if (st[i] != 1) {
                        add(m, "step %g: the DLA slices with step 1 only (rule slice.step), ", st[i]);
                        return;
                    }
        } else {
            const ir_attr *a = ir_attr_get(n, "axes");
            na = a && a->n <= 8 ? a->n : 0;
            for (int i = 0; i < na; i++)
                ax[i] = (double)a->ints[i];
        }
        double s0[8], e0[8];
        int n0 = 0, n1 = 0;
        bool have = const_vals(input_of(g, n, 1), s0, 8, &n0) && const_vals(input_of(g, n, 2), e0, 8, &n1);
        for (int i = 0; i < na; i++) {
            double a = ax[i] < 0 ? ax[i] + 4 : ax[i];
            if (a == 0 && have && i < n0 && i < n1 && (s0[i] != 0 || e0[i] < (double)x->dims[0])) {
                add(m, "slicing the batch axis is not supported (rule slice.axis), ");
                return;
            }
        }
    }
    /* Everything else was canonicalised (slice.c) except an empty window. */
    add(m, "an output of this %s is empty or its input is no activation (rule slice.empty), ", n->op_type);
}

/* An in-place channel Concat (canonicalize.c): every input must be a distinct tensor that a DLA
 * layer computes (not a network input or output, not a flatten view, not another concat's output)
 * and that feeds no other concat, since its bytes live inside this concat's surface. */
static void check_inplace_concat(const ir_graph *g, const ir_node *n, msgbuf *m)
{
    for (int k = 0; k < n->n_in; k++) {
        int t = n->in[k];
        const ir_tensor *x = &g->tensors[t];
        int p = x->producer;
        if (x->is_input || x->is_output || p < 0) {
            add(m,
                "input '%s' is a network input or output: only tensors the DLA computes are concatenated in place "
                "(rule concat.producer), ",
                x->name);
            return;
        }
        if (g->nodes[p].kind == IR_OP_VIEW || g->nodes[p].kind == IR_OP_CONCAT) {
            add(m, "input '%s' is a view or another concat's output (rule concat.nested), ", x->name);
            return;
        }
        for (int j = 0; j < k; j++)
            if (n->in[j] == t) {
                add(m, "input '%s' is concatenated twice (rule concat.shared), ", x->name);
                return;
            }
        for (int i = 0; i < g->n_nodes; i++)
            if (&g->nodes[i] != n && g->nodes[i].kind == IR_OP_CONCAT)
                for (int j = 0; j < g->nodes[i].n_in; j++)
                    if (g->nodes[i].in[j] == t) {
                        add(m, "input '%s' also feeds concat '%s' (rule concat.shared), ", x->name, g->nodes[i].name);
                        return;
                    }
    }
}

/* Why a node left as an ONNX operator cannot run (canonicalisation accepted everything it could),
 * with TensorRT's verdict for the op (orin-facts §8 and orin_published.json onnx_operator_support):
 * what TensorRT refuses names its rule; what TensorRT runs on the DLA but dlasim's hardware model
 * cannot yet names the missing unit (these become GPU layers once the fallback lands). */
static void explain_onnx(const ir_graph *g, const dla_config *cfg, const ir_node *n, msgbuf *m)
{
    const char *op = n->op_type;
    const dla_core_features *f = &cfg->core.features;
    if (!strcmp(op, "Clip"))
        add(m, "only Clip(0, max) with constant bounds runs on the DLA (rule clip.range), ");
    else if (!strcmp(op, "Conv") || !strcmp(op, "Gemm") || !strcmp(op, "MatMul"))
        add(m, "needs constant weights and a 2-D (NCHW / NxC) input (rule conv.weights), ");
    else if (!strcmp(op, "Add") || !strcmp(op, "Mul") || !strcmp(op, "Sub") || !strcmp(op, "Div") ||
             !strcmp(op, "Max") || !strcmp(op, "Min") || !strcmp(op, "Sum")) {
        if (!strcmp(op, "Div") && !dla2(cfg))
            add(m, "TensorRT runs Div on the DLA only on DLA 2 (Orin); the target is %s (rule eltwise.div), ",
                target_gen(cfg));
        else if (!f->sdp_ew)
            add(m, "the target's SDP has no element-wise stage (rule feature.sdp_ew), ");
        else if (!strcmp(op, "Max") || !strcmp(op, "Min"))
            add(m,
                "only %s of two equal-shaped activations (EW ALU) or of an activation and a per-tensor / "
                "per-channel constant (BN ALU) runs on dlasim's SDP; broadcasting is not supported (rule "
                "eltwise.maxmin_operands), ",
                op);
        else
            add(m, "only Sum or Mul of two equal-shaped activations, Sub of two equal-shaped activations, or a "
                   "per-channel constant operand, runs on dlasim's SDP (rule eltwise.operands), ");
    } else if (!strcmp(op, "MaxPool") || !strcmp(op, "AveragePool"))
        add(m, "pooling with dilation, indices output or a non-4-D input is not supported (rule pool.attributes), ");
    else if (!strcmp(op, "Sigmoid") || !strcmp(op, "Tanh")) {
        if (!f->sdp_lut)
            add(m, "%s needs the SDP lookup table, which the target lacks (rule feature.sdp_lut), ", op);
        else /* lut.c turns every Sigmoid/Tanh of an activation cube into a LUT op */
            add(m, "the input is not an N x C x H x W or N x C activation (rule act.rank), ");
    } else if (!strcmp(op, "LeakyRelu") || !strcmp(op, "PRelu")) {
        const ir_tensor *slope = input_of(g, n, 1);
        if (!strcmp(op, "PRelu") && (!slope || !slope->is_const))
            add(m, "the PReLU slope must be a build-time constant (rule prelu.slope), ");
        else if (!strcmp(op, "PRelu") && input_of(g, n, 0) && !input_of(g, n, 0)->is_const &&
                 ir_nchw(input_of(g, n, 0), (int64_t[4]){0}))
            add(m, "the PReLU slope must be per-tensor or per-channel (shape 1, Cx1x1, 1xCx1x1 for N x C x H x W) "
                   "(rule prelu.slope_shape), ");
        else /* sdp_ops.c converts every other LeakyRelu / PRelu of an activation cube */
            add(m, "the input is not an N x C x H x W or N x C activation (rule act.rank), ");
    } else if (!strcmp(op, "Abs"))
        add(m, "the input is not an N x C x H x W or N x C activation (rule act.rank), ");
    else if (!strcmp(op, "Equal") || ((!strcmp(op, "Greater") || !strcmp(op, "Less")) && dla2(cfg)))
        add(m,
            "TensorRT runs %s on the DLA in INT8 with a Cast right after, but dlasim's SDP model has no compare "
            "yet (rule compare.unit), ",
            op);
    else if (!strcmp(op, "Resize") || !strcmp(op, "Upsample"))
        check_resize(g, cfg, n, m);
    else if (!strcmp(op, "ConvTranspose"))
        check_deconv(g, cfg, n, m);
    else if (!strcmp(op, "Concat"))
        check_concat(g, n, m);
    else if (!strcmp(op, "Softmax"))
        check_softmax(g, cfg, n, m);
    else if (!strcmp(op, "Slice") || !strcmp(op, "Split"))
        check_slice(g, n, m);
    else if (!strcmp(op, "LRN")) {
        int64_t size = ir_attr_int(n, "size", 0);
        if (size != 3 && size != 5 && size != 7 && size != 9)
            add(m, "LRN window %lld: the DLA allows 3, 5, 7 or 9 (rule lrn.window), ", (long long)size);
        else if (!f->cdp)
            add(m, "LRN needs the CDP, which the target lacks (rule feature.cdp), ");
        else /* lrn.c maps LRN of every 4-D activation */
            add(m, "the input is not an N x C x H x W activation (rule act.rank), ");
    } else if (!strcmp(op, "Transpose") || !strcmp(op, "Reshape") || !strcmp(op, "Flatten") || !strcmp(op, "Squeeze") ||
               !strcmp(op, "Unsqueeze"))
        add(m, "a layout change of an activation (TensorRT shuffle) is not modelled by dlasim (RUBIK) (rule "
               "shuffle.unit), ");
    else if (!strcmp(op, "Pad"))
        add(m, "Pad runs on the DLA only folded into the following Conv or pooling (zeros on H/W) (rule pad.fold), ");
    else if (!strcmp(op, "Gather"))
        add(m, "TensorRT does not run Gather on the DLA (rule op.unsupported), ");
    else
        add(m, "operator %s not supported on DLA by TensorRT (rule op.unsupported), ", op);
}

typedef struct violation {
    const ir_node *node;
    char *reason;
} violation;

/* One message for all violations: per node ("node 'a' (Op): reason; ...") when it fits the 1 KiB
 * error, else grouped by reason ("reason: node 'a' (Op), node 'b' (Op); ..."), else truncated. */
static void compose(const ir_graph *g, const violation *v, int n, dla_error *err)
{
    msgbuf *m = calloc(1, sizeof *m);
    if (!m) {
        dla_error_set(err, DLA_ERR_UNSUPPORTED, "%s: %d layers cannot run on the DLA (out of memory listing them)",
                      g->base, n);
        return;
    }
    char head[256];
    snprintf(head, sizeof head,
             "%s: %d layer%s cannot run on the DLA without GPU fallback (--allowGPUFallback): ", g->base, n,
             n == 1 ? "" : "s");
    size_t budget = sizeof err->msg - 1 - strlen(head);
    for (int i = 0; i < n; i++)
        add(m, "%snode '%s' (%s): %s", i ? "; " : "", v[i].node->name, v[i].node->op_type, v[i].reason);
    if (m->len > budget) {
        m->len = 0;
        m->text[0] = '\0';
        bool *done = calloc(n > 0 ? (size_t)n : 1, sizeof(bool));
        int listed = 0;
        for (int i = 0; i < n && done; i++) {
            if (done[i])
                continue;
            size_t group_start = m->len;
            add(m, "%s%s: ", m->len ? "; " : "", v[i].reason);
            int in_group = 0;
            for (int j = i; j < n; j++) {
                if (done[j] || strcmp(v[j].reason, v[i].reason) != 0)
                    continue;
                size_t before = m->len;
                add(m, "%snode '%s' (%s)", in_group ? ", " : "", v[j].node->name, v[j].node->op_type);
                if (m->len + 48 > budget) { /* keep room for the "... and N more" tail */
                    m->len = in_group ? before : group_start;
                    m->text[m->len] = '\0';
                    goto truncated;
                }
                done[j] = true;
                in_group++;
                listed++;
            }
        }
    truncated:
        if (listed < n)
            add(m, "; ... and %d more (the compile report lists all)", n - listed);
        free(done);
    }
    dla_error_set(err, DLA_ERR_UNSUPPORTED, "%s%s", head, m->text);
    free(m);
}

dla_status ir_check_legality(ir_graph *g, const dla_config *cfg, FILE *report, dla_error *err)
{
    int *order = NULL, count = 0;
    dla_status st = ir_topo_order(g, &order, &count, err);
    if (st != DLA_OK)
        return st;
    msgbuf *one = calloc(1, sizeof *one);
    violation *v = calloc((size_t)count + 1, sizeof *v);
    int bad = 0;
    if (!one || !v) {
        st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", g->base);
        goto done;
    }
    for (int oi = 0; oi < count; oi++) {
        const ir_node *n = &g->nodes[order[oi]];
        one->len = 0;
        one->text[0] = '\0';
        switch (n->kind) {
        case IR_OP_ONNX: explain_onnx(g, cfg, n, one); break;
        case IR_OP_CONV: check_conv(g, n, one); break;
        case IR_OP_POOL: check_pool(cfg, n, one); break;
        case IR_OP_CONCAT: check_inplace_concat(g, n, one); break;
        case IR_OP_ADD:
            if (!cfg->core.features.sdp_ew)
                add(one, "the target's SDP has no element-wise stage (rule feature.sdp_ew), ");
            break;
        case IR_OP_MUL: /* TensorRT ElementWise PROD: the SDP EW MUL with the operand read per element */
            if (!cfg->core.features.sdp_ew)
                add(one, "the target's SDP has no element-wise stage (rule feature.sdp_ew), ");
            break;
        case IR_OP_EW_ALU: /* Max / Min / Sub of two activations, Abs = Max(x, -x) (sdp_ops.c) */
            if (!cfg->core.features.sdp_ew)
                add(one, "the target's SDP has no element-wise stage (rule feature.sdp_ew), ");
            break;
        case IR_OP_LUT: /* TensorRT Activation Sigmoid / TanH (SiLU: Sigmoid + ElementWise PROD) */
            if (!cfg->core.features.sdp_lut)
                add(one, "%s needs the SDP lookup table, which the target lacks (rule feature.sdp_lut), ",
                    n->lut_fn == IR_LUT_SILU ? "SiLU" : n->op_type);
            else if (n->lut_fn == IR_LUT_SILU && !cfg->core.features.sdp_ew)
                add(one, "TensorRT runs SiLU as Sigmoid + ElementWise PROD, and the target's SDP has no "
                         "element-wise stage (rule feature.sdp_ew), ");
            break;
        case IR_OP_LRN: { /* TensorRT LRN: the CDP (lrn.c) */
            char why[256];
            if (ir_lrn_illegal(g, n, cfg, why, sizeof why))
                add(one, "%s, ", why);
            break;
        }
        default: break;
        }
        for (int o = 0; o < n->n_out; o++) {
            const ir_tensor *t = n->out[o] >= 0 ? &g->tensors[n->out[o]] : NULL;
            if (!t || n->kind == IR_OP_ONNX)
                continue;
            int64_t d[4];
            if (!ir_nchw(t, d)) {
                add(one, "output is not a 4-D or N x C tensor (rule tensor.rank), ");
                continue;
            }
            if (d[1] > RULE_DIM_MAX || d[2] > RULE_DIM_MAX || d[3] > RULE_DIM_MAX || d[0] > RULE_BATCH_MAX)
                add(one, "dimensions exceed DLA limits (batch %d, others %d) (rule tensor.dims), ", RULE_BATCH_MAX,
                    RULE_DIM_MAX);
        }
        if (one->len == 0)
            continue;
        one->len -= 2; /* drop the trailing ", " */
        one->text[one->len] = '\0';
        if (report)
            fprintf(report, "%s: node '%s' (%s): %s\n", g->gpu_fallback ? "GPU fallback" : "unsupported", n->name,
                    n->op_type, one->text);
        g->nodes[order[oi]].gpu = true; /* partition.c: a GPU layer under GPU fallback */
        v[bad].node = n;
        v[bad].reason = ir_strdup(one->text);
        if (!v[bad].reason) {
            st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", g->base);
            goto done;
        }
        bad++;
    }
    if (bad && !g->gpu_fallback) {
        compose(g, v, bad, err);
        st = DLA_ERR_UNSUPPORTED;
    }
done:
    for (int i = 0; v && i < bad; i++)
        free(v[i].reason);
    free(v);
    free(one);
    free(order);
    return st;
}
