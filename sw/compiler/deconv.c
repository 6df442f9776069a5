/* Deconvolution and nearest upsampling on the DLA (docs/compiler.md "Deconvolution and Resize"):
 * NVDLA runs a deconvolution as convolutions followed by a RUBIK contract (nvdla-reference §3). A
 * ConvTranspose (any kernel, stride <= 32, pads < kernel, output_padding < stride, groups 1) is split into
 * its stride phases: output row o = q * s + p gathers kernel taps r + t * s (r = (p + pad) mod s) from
 * input rows q + c - t (c = (p + pad) div s), so one stride-1 convolution over the input produces every
 * phase as its own group of output channels (taps rearranged, taps past the kernel zero: a kernel that is
 * not a multiple of the stride is zero-padded up, exactly), then a contract that moves group j * sx + i to
 * output pixel (w * sx + i, h * sy + j). When the output is not a whole number of stride groups the
 * contract writes the next whole one and consumers read the cropped view (ir_tensor pad_h / pad_w). A
 * nearest Resize / Upsample by integer scales is the kernel == stride case with a one-hot kernel, so it
 * costs real MACs (assumed to be TensorRT's mapping, docs/compiler.md says why). Everything else stays
 * an ONNX node for legality.c to name its rule (ir_deconv_refusal). */
#include <stdio.h>
#include <string.h>

#include "graph.h"

/* The convolution a deconvolution becomes obeys TensorRT's convolution limits (legality.c conv.kernel,
 * conv.pad); the contract stride is NVDLA RUBIK's 5-bit DECONV_X/Y_STRIDE (docs/units/rubik.md). */
enum {
    PHASE_KERNEL_MAX = 32,
    PHASE_PAD_MAX = 31,
    CONTRACT_STRIDE_MAX = 32
};

/* One spatial axis of a lowered deconvolution (docs/compiler.md "Deconvolution and Resize"). */
typedef struct axis_plan {
    int s, k;        /* stride, ONNX kernel extent */
    int pad;         /* ONNX pad at the start: the phases are relabelled so it is never computed */
    int64_t in, out; /* input and ONNX output extent */
    int kc;          /* kernel of the phase convolution */
    int lo, hi;      /* its zero padding */
    int64_t q;       /* its output extent: the contract writes q * s >= out */
} axis_plan;

/* Plan one axis, or return false with *why naming the rule. */
static bool plan_axis(axis_plan *a, int64_t s, int64_t k, int64_t pb, int64_t pe, int64_t op, int64_t in, int64_t out,
                      char *why, size_t wlen)
{
    if (s < 1 || s > CONTRACT_STRIDE_MAX) {
        snprintf(why, wlen, "stride %lld: the RUBIK contract takes strides 1..%d (rule deconv.phase_kernel)",
                 (long long)s, CONTRACT_STRIDE_MAX);
        return false;
    }
    if (pb < 0 || pe < 0 || pb >= k || pe >= k) {
        snprintf(why, wlen, "pads %lld/%lld with kernel %lld: each pad must be in [0, kernel - 1] (rule deconv.pad)",
                 (long long)pb, (long long)pe, (long long)k);
        return false;
    }
    if (op < 0 || op >= s) {
        snprintf(why, wlen,
                 "output_padding %lld with stride %lld: must be in [0, stride - 1] (rule deconv.output_padding)",
                 (long long)op, (long long)s);
        return false;
    }
    if ((in - 1) * s + k - pb - pe + op != out) {
        snprintf(why, wlen,
                 "output extent %lld differs from (in - 1) * stride + kernel - pads + output_padding = %lld "
                 "(output_shape / auto_pad SAME_*: not lowered) (rule deconv.output_shape)",
                 (long long)out, (long long)((in - 1) * s + k - pb - pe + op));
        return false;
    }
    const int64_t T = (k + s - 1) / s, cmin = pb / s, cmax = (s - 1 + pb) / s;
    int64_t kc = cmax - cmin + T, lo = T - 1 - cmin; /* lo >= 0 because pb <= k - 1; lo < kc */
    const int64_t natural = in + lo - kc + 1;
    int64_t q = (out + s - 1) / s, hi = 0;
    if (natural >= q)
        q = natural;
    else
        hi = q - natural;
    /* output_padding rows past the last tap come from padding alone; the convolution's padding must stay
     * below its kernel (conv.pad), so grow the kernel upwards by zero taps (axis_tap gives t >= T there)
     * and the top padding with it: the same outputs. */
    if (hi >= kc) {
        lo += hi - kc + 1;
        kc = hi + 1;
    }
    if (kc > PHASE_KERNEL_MAX || lo > PHASE_PAD_MAX || hi > PHASE_PAD_MAX || q < 1) {
        snprintf(why, wlen,
                 "kernel %lld, stride %lld, pad %lld: the phase convolution would need kernel %lld (max %d), padding "
                 "%lld/%lld (max %d) (rule deconv.phase_kernel)",
                 (long long)k, (long long)s, (long long)pb, (long long)kc, PHASE_KERNEL_MAX, (long long)lo,
                 (long long)hi, PHASE_PAD_MAX);
        return false;
    }
    a->s = (int)s;
    a->k = (int)k;
    a->pad = (int)pb;
    a->in = in;
    a->out = out;
    a->kc = (int)kc;
    a->lo = (int)lo;
    a->hi = (int)hi;
    a->q = q;
    return true;
}

/* Kernel tap of the deconvolution that phase p's convolution applies at kernel index u, or -1 (zero).
 * Output o = q*s + p, shifted by the pad: o + pad = q*s + (p + pad) = (q + c)*s + r. ONNX ConvTranspose
 * sums x[i] * w[kk] over i*s + kk = o + pad, so kk = r + t*s reads x[q + c - t]; the phase conv reads
 * x[q - lo + u] at index u, so t = c + lo - u. */
static int axis_tap(const axis_plan *a, int p, int u)
{
    const int r = (p + a->pad) % a->s, c = (p + a->pad) / a->s, t = c + a->lo - u;
    const int kk = r + t * a->s;
    return t >= 0 && kk < a->k ? kk : -1;
}

/* Integer nearest scales of a Resize / Upsample this pass lowers, as kernel == stride plans. */
static bool resize_plan(const ir_graph *g, const ir_node *n, axis_plan *ay, axis_plan *ax)
{
    const ir_tensor *x = n->in[0] >= 0 ? &g->tensors[n->in[0]] : NULL;
    const ir_tensor *y = n->out[0] >= 0 ? &g->tensors[n->out[0]] : NULL;
    if (!x || !y || x->rank != 4 || y->rank != 4)
        return false;
    const ir_attr *ma = ir_attr_get(n, "mode");
    const char *mode = ma && ma->type == IR_ATTR_STRING ? ma->s : "nearest";
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
        if (!asym_floor && !half)
            return false;
    }
    if (x->dims[0] != y->dims[0] || x->dims[1] != y->dims[1] || x->dims[2] < 1 || x->dims[3] < 1 ||
        y->dims[2] % x->dims[2] || y->dims[3] % x->dims[3])
        return false;
    int64_t a = y->dims[2] / x->dims[2], b = y->dims[3] / x->dims[3];
    char why[256];
    /* A one-hot kernel of extent s at stride s, no pads: one 1x1 phase conv, no crop. */
    return plan_axis(ay, a, a, 0, 0, 0, x->dims[2], y->dims[2], why, sizeof why) &&
           plan_axis(ax, b, b, 0, 0, 0, x->dims[3], y->dims[3], why, sizeof why);
}

/* Plans of a ConvTranspose with constant 4-D weights and groups 1, or false with why (a rule). */
static bool deconv_plan(const ir_graph *g, const ir_node *n, axis_plan *ay, axis_plan *ax, char *why, size_t wlen)
{
    const ir_tensor *x = n->in[0] >= 0 ? &g->tensors[n->in[0]] : NULL;
    const ir_tensor *w = n->n_in > 1 && n->in[1] >= 0 ? &g->tensors[n->in[1]] : NULL;
    const ir_tensor *b = n->n_in > 2 && n->in[2] >= 0 ? &g->tensors[n->in[2]] : NULL;
    const ir_tensor *y = n->out[0] >= 0 ? &g->tensors[n->out[0]] : NULL;
    snprintf(why, wlen, "needs constant 4-D weights, a constant bias and 4-D shapes (rule deconv.weights)");
    if (!x || !w || !y || x->rank != 4 || y->rank != 4 || w->rank != 4 || !w->is_const || !w->f ||
        (b && (!b->is_const || !b->f || ir_numel(b) != w->dims[1])) || w->dims[0] != x->dims[1] ||
        y->dims[1] != w->dims[1] || y->dims[0] != x->dims[0])
        return false;
    /* TensorRT's output-map limit applies to the ConvTranspose itself: left unlowered, legality.c names
     * deconv.output_maps on the node, not conv.output_maps on its phase convolution */
    snprintf(why, wlen, "%lld output maps, DLA allows 1..%d (rule deconv.output_maps)", (long long)w->dims[1],
             IR_TRT_OUTPUT_MAPS_MAX);
    if (w->dims[1] > IR_TRT_OUTPUT_MAPS_MAX)
        return false;
    snprintf(why, wlen, "groups %lld: deconvolution needs groups 1 (rule deconv.groups)",
             (long long)ir_attr_int(n, "group", 1));
    if (ir_attr_int(n, "group", 1) != 1)
        return false;
    snprintf(why, wlen, "dilation is not supported (rule deconv.dilation)");
    const ir_attr *dl = ir_attr_get(n, "dilations");
    for (int i = 0; dl && i < dl->n; i++)
        if (dl->ints[i] != 1)
            return false;
    const ir_attr *ap = ir_attr_get(n, "auto_pad");
    snprintf(why, wlen, "auto_pad '%s' is not lowered: give explicit pads (rule deconv.output_shape)",
             ap && ap->type == IR_ATTR_STRING ? ap->s : "?");
    if (ap && ap->type == IR_ATTR_STRING && strcmp(ap->s, "NOTSET") != 0 && strcmp(ap->s, "VALID") != 0)
        return false;
    const ir_attr *st = ir_attr_get(n, "strides"), *pd = ir_attr_get(n, "pads"), *op = ir_attr_get(n, "output_padding");
    int64_t s[2], p0[2], p1[2], o[2];
    for (int d = 0; d < 2; d++) {
        s[d] = st && st->n == 2 ? st->ints[d] : 1;
        p0[d] = pd && pd->n == 4 ? pd->ints[d] : 0;
        p1[d] = pd && pd->n == 4 ? pd->ints[d + 2] : 0;
        o[d] = op && op->n == 2 ? op->ints[d] : 0;
    }
    if (!plan_axis(ay, s[0], w->dims[2], p0[0], p1[0], o[0], x->dims[2], y->dims[2], why, wlen) ||
        !plan_axis(ax, s[1], w->dims[3], p0[1], p1[1], o[1], x->dims[3], y->dims[3], why, wlen))
        return false;
    /* A cropped output is a view with the contract's strides; a Concat writes its inputs in place with
     * the concat's strides instead, so the two cannot share the bytes. */
    bool crop = ay->q * ay->s != ay->out || ax->q * ax->s != ax->out;
    for (int i = 0; crop && i < g->n_nodes; i++) {
        const ir_node *c = &g->nodes[i];
        if (c->kind == IR_OP_DEAD || (c->kind != IR_OP_CONCAT && strcmp(c->op_type, "Concat") != 0))
            continue;
        for (int j = 0; j < c->n_in; j++)
            if (c->in[j] == n->out[0]) {
                snprintf(why, wlen,
                         "output %lldx%lld is not a whole number of %dx%d stride groups and feeds Concat '%s': the "
                         "cropped view cannot be written in place (rule deconv.crop_concat)",
                         (long long)ay->out, (long long)ax->out, ay->s, ax->s, c->name);
                return false;
            }
    }
    return true;
}

bool ir_deconv_refusal(const ir_graph *g, const ir_node *n, char *why, size_t wlen)
{
    axis_plan ay, ax;
    return !deconv_plan(g, n, &ay, &ax, why, wlen);
}

/* Rewrite node ni (output Y: N x K x Ho x Wo from X: N x C x H x W) into conv "ni:conv" producing
 * N x (sy*sx*Kp) x qy x qx and the RUBIK node ni itself. The deconvolution's weights are node ni's
 * input 1 (a nearest upsample: none, the one-hot kernel); its bias input 2 may be absent. */
static dla_status lower(ir_graph *g, int ni, const axis_plan *ay, const axis_plan *ax, int cps, dla_error *err)
{
    dla_status st;
    const ir_tensor *x0 = &g->tensors[g->nodes[ni].in[0]];
    const int64_t N = x0->dims[0], C = x0->dims[1];
    const int64_t K = g->tensors[g->nodes[ni].out[0]].dims[1];
    const int64_t sy = ay->s, sx = ax->s, KH = ay->kc, KW = ax->kc;
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
    m->dims[2] = ay->q;
    m->dims[3] = ax->q;
    m->elem_type = IR_ONNX_FLOAT;
    int64_t wd[4] = {KO, C, KH, KW};
    snprintf(name, sizeof name, "%.200s:weights", g->nodes[ni].name);
    if ((st = ir_const_new_f(g, name, 4, wd, &wi, err)) != DLA_OK)
        return st;
    const ir_node *n = &g->nodes[ni];
    const ir_tensor *w = deconv ? &g->tensors[n->in[1]] : NULL;
    const ir_tensor *b = deconv && n->n_in > 2 && n->in[2] >= 0 ? &g->tensors[n->in[2]] : NULL;
    float *wf = g->tensors[wi].f; /* zero-filled: taps past the kernel and padding channels stay 0 */
    /* Output channel (j * sx + i) * Kp + k of the conv = phase (j, i) of deconvolution kernel k; its
     * tap (u, v) is the deconvolution tap axis_tap(j, u), axis_tap(i, v). */
    for (int64_t j = 0; j < sy; j++)
        for (int64_t i = 0; i < sx; i++)
            for (int64_t u = 0; u < KH; u++)
                for (int64_t v = 0; v < KW; v++) {
                    const int ty = axis_tap(ay, (int)j, (int)u), tx = axis_tap(ax, (int)i, (int)v);
                    if (ty < 0 || tx < 0)
                        continue;
                    for (int64_t k = 0; k < K; k++)
                        for (int64_t c = 0; c < C; c++)
                            wf[((((j * sx + i) * Kp + k) * C + c) * KH + u) * KW + v] =
                                w ? w->f[((c * K + k) * ay->k + ty) * ax->k + tx] : (c == k ? 1.0f : 0.0f);
                }
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
    c->kh = (int)KH;
    c->kw = (int)KW;
    c->sy = c->sx = c->dy = c->dx = 1;
    c->pt = ay->lo;
    c->pb = ay->hi;
    c->pl = ax->lo;
    c->pr = ax->hi;
    c->groups = 1;
    g->tensors[mid].producer = ci;
    rn->kind = IR_OP_RUBIK;
    rn->in[0] = mid;
    rn->n_in = 1;
    rn->rubik_sx = (int)sx;
    rn->rubik_sy = (int)sy;
    rn->rubik_kp = (int)Kp;
    /* The contract writes whole stride groups; the rows and columns past the ONNX output are allocated
     * and never read (the crop). */
    ir_tensor *y = &g->tensors[rn->out[0]];
    y->pad_h = ay->q * sy - ay->out;
    y->pad_w = ax->q * sx - ax->out;
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
        axis_plan ay, ax;
        char why[320];
        bool ok = false;
        if (!strcmp(n->op_type, "ConvTranspose"))
            ok = deconv_plan(g, n, &ay, &ax, why, sizeof why);
        else if (!strcmp(n->op_type, "Resize") || !strcmp(n->op_type, "Upsample")) {
            const ir_attr *ma = ir_attr_get(n, "mode");
            const char *mode = ma && ma->type == IR_ATTR_STRING ? ma->s : "nearest";
            if (cps >= 1 && (!strcmp(mode, "linear") || !strcmp(mode, "bilinear"))) {
                bool lowered;
                dla_status st = ir_lower_resize_linear(g, ni, cfg, cps, &lowered, err); /* resize_linear.c */
                if (st != DLA_OK)
                    return st;
                continue;
            }
            ok = resize_plan(g, n, &ay, &ax);
        }
        if (!ok || cps < 1)
            continue;
        dla_status st = lower(g, ni, &ay, &ax, cps, err);
        if (st != DLA_OK)
            return st;
    }
    return DLA_OK;
}

void ir_rubik_forward(const ir_node *n, const float *x, const int64_t id[4], float *y, const int64_t od[4])
{
    /* od is the ONNX output; the contract's rows/columns past it are the crop (never stored here). */
    const int64_t sx = n->rubik_sx, sy = n->rubik_sy, kp = n->rubik_kp, K = od[1], H = id[2], W = id[3];
    for (int64_t b = 0; b < od[0]; b++)
        for (int64_t k = 0; k < K; k++)
            for (int64_t h = 0; h < H; h++)
                for (int64_t j = 0; j < sy && h * sy + j < od[2]; j++)
                    for (int64_t w = 0; w < W; w++)
                        for (int64_t i = 0; i < sx && w * sx + i < od[3]; i++)
                            y[((b * K + k) * od[2] + h * sy + j) * od[3] + w * sx + i] =
                                x[((b * id[1] + (j * sx + i) * kp + k) * H + h) * W + w];
}
