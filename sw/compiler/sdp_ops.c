/* PReLU, Max, Min, Sub and Abs on the SDP (docs/compiler.md "PReLU, Max, Min, Sub and Abs on the SDP"):
 * LeakyRelu / PRelu with constant slopes become NVDLA's X2 (BN) MUL in PReLU mode, fused into the
 * producer's SDP pass; Max / Min / Sub of two activations and Abs (= Max(x, -x)) run on the EW ALU. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"

#define PRELU_SHIFT_MAX 48 /* like quantize.c's multiplier shifts: 15 significant bits down to 2^-33 */
#define OPERAND_MAX 32767  /* 16-bit BN operand */

/* ---- canonicalisation ---------------------------------------------------------------------------- */

static const ir_tensor *act_in(const ir_graph *g, const ir_node *n, int k, int64_t d[4])
{
    if (k >= n->n_in || n->in[k] < 0)
        return NULL;
    const ir_tensor *t = &g->tensors[n->in[k]];
    return !t->is_const && t->rank >= 0 && ir_nchw(t, d) ? t : NULL;
}

/* The per-channel constant of node ni (LeakyRelu: alpha; else input ci, a constant broadcastable along
 * the channel axis of activation input xi) as a new tensor of C floats in sdp_const (the original stays
 * untouched: another node may read it); *ok false when it is not per-tensor / per-channel. */
static dla_status channel_const(ir_graph *g, int ni, int xi, int ci, bool *ok, dla_error *err)
{
    int64_t d[4];
    const ir_tensor *x = act_in(g, &g->nodes[ni], xi, d);
    *ok = false;
    if (!x)
        return DLA_OK;
    int rank = x->rank;
    float *v = malloc((size_t)d[1] * sizeof(float));
    if (!v)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (node '%s')", g->base, g->nodes[ni].name);
    const ir_node *n = &g->nodes[ni];
    if (ci < 0) {
        float alpha = ir_attr_float(n, "alpha", 0.01f); /* ONNX default */
        for (int64_t k = 0; k < d[1]; k++)
            v[k] = alpha;
        *ok = true;
    } else {
        const ir_tensor *s = ci < n->n_in && n->in[ci] >= 0 ? &g->tensors[n->in[ci]] : NULL;
        *ok = s && s->is_const && s->f && ir_const_per_channel(s, rank, d[1], v);
    }
    dla_status st = DLA_OK;
    if (*ok) {
        char name[300];
        int idx = -1;
        int64_t dims[1] = {d[1]};
        snprintf(name, sizeof name, "%.240s:sdp_operand", n->name);
        if ((st = ir_const_new_f(g, name, 1, dims, &idx, err)) == DLA_OK) {
            memcpy(g->tensors[idx].f, v, (size_t)d[1] * sizeof(float));
            g->nodes[ni].sdp_const = idx;
        }
    }
    free(v);
    return st;
}

static bool same_shape(const ir_tensor *a, const ir_tensor *b)
{
    return a && b && a->rank == b->rank && !memcmp(a->dims, b->dims, sizeof(int64_t) * (size_t)a->rank);
}

dla_status ir_sdp_ops_canonicalize(ir_graph *g, dla_error *err)
{
    dla_status st = DLA_OK;
    for (int ni = 0; ni < g->n_nodes && st == DLA_OK; ni++) {
        ir_node *n = &g->nodes[ni];
        if (n->kind != IR_OP_ONNX || n->n_in < 1 || n->n_out < 1)
            continue;
        const char *op = n->op_type;
        int64_t d[4];
        bool maxmin = !strcmp(op, "Max") || !strcmp(op, "Min");
        if (!strcmp(op, "LeakyRelu") || !strcmp(op, "PRelu")) {
            bool ok = false;
            st = channel_const(g, ni, 0, !strcmp(op, "PRelu") ? 1 : -1, &ok, err);
            n = &g->nodes[ni]; /* ir_const_new_f may have moved the arrays */
            if (st == DLA_OK && ok) {
                n->kind = IR_OP_PRELU;
                n->n_in = 1; /* the slope now lives in sdp_const */
            }
        } else if (maxmin && n->n_in == 2 && n->in[0] >= 0 && n->in[1] >= 0 &&
                   g->tensors[n->in[0]].is_const != g->tensors[n->in[1]].is_const) {
            /* Max / Min with a constant: BN's ALU with a per-layer or per-kernel operand */
            int ci = g->tensors[n->in[0]].is_const ? 0 : 1;
            bool ok = false;
            st = channel_const(g, ni, 1 - ci, ci, &ok, err);
            n = &g->nodes[ni];
            if (st == DLA_OK && ok) {
                n->in[0] = n->in[1 - ci];
                n->n_in = 1;
                n->kind = IR_OP_X_ALU;
                n->ew_fn = !strcmp(op, "Max") ? IR_EW_MAX : IR_EW_MIN;
            }
        } else if (maxmin || !strcmp(op, "Sub")) {
            int64_t e[4];
            if (n->n_in != 2 || !same_shape(act_in(g, n, 0, d), act_in(g, n, 1, e)))
                continue; /* Sub by a constant: a scale (canonicalize.c); broadcasting, 3+ inputs: legality */
            n->kind = IR_OP_EW_ALU;
            n->ew_fn = !strcmp(op, "Max") ? IR_EW_MAX : !strcmp(op, "Min") ? IR_EW_MIN : IR_EW_SUB;
        } else if (!strcmp(op, "Abs") && act_in(g, n, 0, d)) {
            /* Abs(x) = Max(x, -x): the EW stage reads x a second time */
            int *in = realloc(n->in, 2 * sizeof(int));
            if (!in)
                return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (node '%s')", g->base, n->name);
            in[1] = in[0];
            n->in = in;
            n->n_in = 2;
            n->kind = IR_OP_EW_ALU;
            n->ew_fn = IR_EW_ABS;
        }
    }
    return st;
}

/* ---- fusion -------------------------------------------------------------------------------------- */

bool ir_sdp_ops_absorb(const ir_graph *g, ir_layer *l, const ir_node *n, const bool *available)
{
    if (n->kind == IR_OP_X_ALU) {
        /* BN's ALU runs before its MUL (a PReLU may follow, not precede) and before any ReLU moved into
         * BN; an SDP scale keeps BN's ALU for its shift. */
        if (l->xalu_fn || l->prelu || l->relu || l->relu_before_ew || l->clip || l->lut_fn || l->ew_in >= 0 ||
            l->scale_mul >= 0 || l->scale_add >= 0)
            return false;
        l->xalu_fn = n->ew_fn;
        l->xalu_const = n->sdp_const;
        return true;
    }
    if (n->kind == IR_OP_PRELU) {
        /* BN after BS (bias / requantisation); nothing but a later ReLU / EW / LUT may already be there,
         * and a ReLU before the PReLU would have to stay before it (it cannot: see quantisation). */
        if (l->prelu || l->relu || l->relu_before_ew || l->clip || l->lut_fn || l->ew_in >= 0)
            return false;
        l->prelu = true;
        l->prelu_slope = n->sdp_const;
        return true;
    }
    if (n->kind != IR_OP_EW_ALU || n->ew_fn == IR_EW_ABS)
        return false; /* Abs reads its input twice from memory: an SDP op of its own */
    if (l->ew_in >= 0 || l->relu_before_ew || l->lut_fn || l->clip)
        return false;
    int a = ir_resolve(g, n->in[0]), b = ir_resolve(g, n->in[1]), self = ir_resolve(g, l->out);
    int other = a == self && b != self ? b : (b == self && a != self && n->ew_fn != IR_EW_SUB ? a : -1);
    if (other < 0 || !available[other])
        return false; /* x op x, the subtrahend is this layer's output, or the operand is not computed yet */
    l->ew_in = other;
    l->ew_fn = n->ew_fn;
    return true;
}

void ir_sdp_ops_layer(const ir_graph *g, ir_layer *l, const ir_node *n)
{
    l->kind = IR_LAYER_SDP;
    if (n->kind == IR_OP_PRELU) {
        l->prelu = true;
        l->prelu_slope = n->sdp_const;
        return;
    }
    if (n->kind == IR_OP_X_ALU) {
        l->xalu_fn = n->ew_fn;
        l->xalu_const = n->sdp_const;
        return;
    }
    l->in = ir_resolve(g, n->in[0]);
    l->ew_in = ir_resolve(g, n->in[1]);
    l->ew_fn = n->ew_fn;
}

static const char *ew_name(int fn)
{
    switch (fn) {
    case IR_EW_MAX: return "max";
    case IR_EW_MIN: return "min";
    case IR_EW_SUB: return "sub";
    case IR_EW_ABS: return "abs";
    default: return "";
    }
}

/* Stage order: conv / scale, BN ALU constant, PReLU, EW operand, LUT ("conv+prelu", "maxc+prelu+sub"). */
void ir_sdp_ops_layer_type(ir_layer *l)
{
    if (!l->prelu && !l->ew_fn && !l->xalu_fn)
        return;
    const char *part[5] = {l->kind == IR_LAYER_CONV                 ? (strncmp(l->type, "fc", 2) ? "conv" : "fc")
                           : l->scale_mul >= 0 || l->scale_add >= 0 ? "scale"
                                                                    : NULL,
                           l->xalu_fn == IR_EW_MAX   ? "maxc"
                           : l->xalu_fn == IR_EW_MIN ? "minc"
                                                     : NULL,
                           l->prelu ? "prelu" : NULL,
                           l->ew_in < 0 ? NULL
                           : l->ew_fn   ? ew_name(l->ew_fn)
                           : l->ew_mul  ? "mul"
                                        : "add",
                           l->lut_fn ? ir_lut_name(l->lut_fn) : NULL};
    char t[sizeof l->type];
    size_t used = 0;
    t[0] = '\0';
    for (int i = 0; i < 5; i++)
        if (part[i] && used < sizeof t)
            used += (size_t)snprintf(t + used, sizeof t - used, "%s%s", used ? "+" : "", part[i]);
    memcpy(l->type, t, sizeof t);
}

/* ---- quantisation -------------------------------------------------------------------------------- */

bool ir_prelu_slope_quantize(const float *slope, int n, int max_shift, int16_t *q, int *shift, double *max_err)
{
    int best = -1;
    double best_err = INFINITY;
    for (int k = 0; k < n; k++)
        if (!isfinite(slope[k]))
            return false;
    for (int s = 0; s <= max_shift; s++) {
        double e = 0;
        bool fits = true;
        for (int k = 0; k < n && fits; k++) {
            double v = ldexp((double)slope[k], s);
            fits = fabs(v) < OPERAND_MAX + 0.5;
            e = fmax(e, fabs(ldexp((double)llround(v), -s) - (double)slope[k]));
        }
        if (!fits)
            break; /* larger shifts only grow the multiplier */
        if (e < best_err) {
            best_err = e;
            best = s;
        }
    }
    if (best < 0)
        return false;
    for (int k = 0; k < n; k++)
        q[k] = (int16_t)llround(ldexp((double)slope[k], best));
    *shift = best;
    if (max_err)
        *max_err = best_err;
    return true;
}

static dla_status qerr(const ir_graph *g, const ir_layer *l, dla_error *err, const char *what)
{
    return dla_error_set(err, DLA_ERR_UNSUPPORTED, "%s: layer '%s': %s", g->base, l->name, what);
}

/* BN's per-kernel operands {alu, mul} (NULL: that half is 0 or, for a scale's shift, kept): BN shares
 * BS's table unless BS reads one too, then BN gets its own K pairs after BS's (bn_table_bytes). */
static dla_status bn_table(ir_graph *g, ir_layer *l, int K, const int16_t *alu, const int16_t *mul, dla_error *err)
{
    dla_lsdp_stage *bn = &l->sdp.bn;
    bool keep_alu = !alu && bn->alu_enable && bn->alu_src == DLA_OPERAND_PER_KERNEL;
    bool bs_mem = l->sdp.bs.enable && ((l->sdp.bs.alu_enable && l->sdp.bs.alu_src == DLA_OPERAND_PER_KERNEL) ||
                                       (l->sdp.bs.mul_enable && l->sdp.bs.mul_src == DLA_OPERAND_PER_KERNEL));
    int16_t *t = calloc((size_t)K * 4, sizeof(int16_t));
    if (!t)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (quantisation)", g->base);
    if (l->operands)
        memcpy(t, l->operands, (size_t)K * 2 * sizeof(int16_t));
    /* the table BN reads: the second half when BS keeps the first, else the first */
    int16_t *bnt = bs_mem ? t + 2 * K : t;
    for (int k = 0; k < K; k++) {
        bnt[2 * k] = alu ? alu[k] : keep_alu && l->operands ? l->operands[2 * k] : 0;
        bnt[2 * k + 1] = mul ? mul[k] : 0;
    }
    free(l->operands);
    l->operands = t;
    l->bn_table_bytes = bs_mem ? (uint32_t)K * 4u : 0u;
    if (alu)
        bn->alu_src = DLA_OPERAND_PER_KERNEL;
    if (mul)
        bn->mul_src = DLA_OPERAND_PER_KERNEL;
    bn->operand_region = 0;
    return DLA_OK;
}

static bool all_equal(const int16_t *v, int n)
{
    for (int k = 1; k < n; k++)
        if (v[k] != v[0])
            return false;
    return true;
}

/* The constant of a Max / Min in BN's ALU operand units: INT8 round(c / unit * 2^F) stored >> shift
 * (the ALU shifts it back: operand << alu_shift), the smallest shift that fits 16 bits; FP16 binary16. */
static dla_status xalu_operands(ir_graph *g, ir_layer *l, int K, bool fp16, int16_t *a, int *shift, dla_error *err)
{
    const float *c = g->tensors[l->xalu_const].f;
    *shift = 0;
    for (int k = 0; k < K; k++)
        if (!isfinite(c[k]))
            return qerr(g, l, err, "Max / Min constant is not finite (rule eltwise.maxmin_operands)");
    if (fp16) {
        for (int k = 0; k < K; k++)
            a[k] = (int16_t)ir_f32_to_f16(c[k]);
        return DLA_OK;
    }
    /* v's units: the output scale, or the LUT's input step when a LUT follows (quantize.c) */
    double unit = l->lut_fn ? ir_lut_input_step(l->lut_fn) : (double)g->tensors[l->out].scale;
    const double lim = ldexp(1.0, 40); /* beyond every 32-bit v: clamping changes no comparison */
    double mx = 0;
    for (int k = 0; k < K; k++)
        mx = fmax(mx, fmin(fabs(c[k] / unit * ldexp(1.0, ir_fraction_bits())), lim));
    while (*shift < 63 && ldexp(mx, -*shift) >= OPERAND_MAX + 0.5)
        (*shift)++;
    for (int k = 0; k < K; k++) {
        double v = fmax(-lim, fmin(lim, c[k] / unit * ldexp(1.0, ir_fraction_bits())));
        a[k] = (int16_t)llround(ldexp(v, -*shift));
    }
    return DLA_OK;
}

/* BN (X2): ALU = the Max / Min constant, MUL = the PReLU (NVDLA's order: ALU, MUL, ReLU). */
static dla_status quantize_bn(ir_graph *g, ir_layer *l, dla_error *err)
{
    const int K = (int)g->tensors[l->out].dims[1];
    bool fp16 = l->sdp.in_precision == DLA_PRECISION_FP16;
    dla_lsdp_stage *bs = &l->sdp.bs, *bn = &l->sdp.bn;
    if (bn->enable && (bn->mul_enable || (l->xalu_fn && bn->alu_enable) || (fp16 && l->clip)))
        return qerr(g, l, err,
                    "PReLU / Max / Min with a constant need the BN stage, which this layer already uses (FP16: "
                    "for a Clip after them) (rule sdp.bn_stage)");
    int16_t *q = calloc((size_t)K * 2, sizeof(int16_t)), *a = q + K;
    if (!q)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (quantisation)", g->base);
    int shift = 0, ash = 0;
    dla_status st = DLA_OK;
    if (l->prelu && fp16) {
        for (int k = 0; k < K; k++)
            q[k] = (int16_t)ir_f32_to_f16(g->tensors[l->prelu_slope].f[k]);
    } else if (l->prelu &&
               !ir_prelu_slope_quantize(g->tensors[l->prelu_slope].f, K, PRELU_SHIFT_MAX, q, &shift, NULL)) {
        st = qerr(g, l, err,
                  "PReLU slope is not finite or beyond the 16-bit multiplier's +-32767 (rule prelu.slope_range)");
    }
    if (st == DLA_OK && l->xalu_fn)
        st = xalu_operands(g, l, K, fp16, a, &ash, err);
    if (st != DLA_OK) {
        free(q);
        return st;
    }
    if (!bn->enable) {
        bn->enable = 1;
        bn->operand_region = -1;
    }
    bool alu_table = l->xalu_fn && !all_equal(a, K), mul_table = l->prelu && !all_equal(q, K);
    if (l->xalu_fn) {
        bn->alu_enable = 1;
        bn->alu_op = l->xalu_fn == IR_EW_MAX ? DLA_ALU_MAX : DLA_ALU_MIN;
        bn->alu_shift = (uint32_t)ash;
        bn->alu_src = DLA_OPERAND_PER_LAYER;
        bn->alu_operand = a[0];
    }
    if (l->prelu) {
        bn->mul_enable = 1;
        bn->mul_prelu = 1;
        bn->mul_shift = (uint32_t)shift;
        bn->mul_src = DLA_OPERAND_PER_LAYER;
        bn->mul_operand = q[0];
    }
    if (alu_table || mul_table)
        st = bn_table(g, l, K, alu_table ? a : NULL, mul_table ? q : NULL, err);
    free(q);
    /* A ReLU fused here came after the constant Max / Min and the PReLU (fusion puts neither after a
     * ReLU): BN's ReLU runs after its ALU and MUL, BS's would run before them. */
    if (bs->relu) {
        bs->relu = 0;
        bn->relu = 1;
    }
    return st;
}

static dla_status quantize_ew(ir_graph *g, ir_layer *l, dla_error *err)
{
    dla_lsdp *sdp = &l->sdp;
    dla_lsdp_ew *ew = &sdp->ew;
    bool fp16 = sdp->in_precision == DLA_PRECISION_FP16;
    switch (l->ew_fn) {
    case IR_EW_MAX: ew->alu_op = DLA_ALU_MAX; return DLA_OK;
    case IR_EW_MIN: ew->alu_op = DLA_ALU_MIN; return DLA_OK;
    default: break;
    }
    /* Sub and Abs negate one operand. INT8: the EW converter's signed scale (rshr rounds halves away
     * from zero, so rshr(-p, s) = -rshr(p, s) exactly). FP16 has no converter (NVDLA: "Pipeline=FP: not
     * used"): an SDP-only layer negates its source in BS instead, a fused one cannot. */
    bool plain_bs = sdp->bs.enable && sdp->bs.mul_enable && !sdp->bs.alu_enable && !sdp->bs.relu &&
                    sdp->bs.mul_src == DLA_OPERAND_PER_LAYER && !sdp->bn.enable && !l->prelu;
    if (fp16) {
        bool idle = !sdp->bs.alu_enable && !sdp->bs.mul_enable && !sdp->bs.relu && !sdp->bn.enable;
        if (l->kind != IR_LAYER_SDP || !idle || l->prelu || l->xalu_fn)
            return qerr(g, l, err,
                        "Sub fused after a conv (or a PReLU / constant Max / Min) in FP16: the FP16 EW stage "
                        "has no converter to negate the operand (compile in INT8; rule eltwise.sub_fp16)");
        sdp->bs.enable = 1;
        sdp->bs.mul_enable = 1;
        sdp->bs.mul_src = DLA_OPERAND_PER_LAYER;
        sdp->bs.mul_operand = (int16_t)ir_f32_to_f16(-1.0f); /* binary16 bits, sign-extended like every operand */
        sdp->bs.operand_region = -1;
        if (l->ew_fn == IR_EW_SUB) { /* a - b = (-b) + a: read b as the source, a as the operand */
            int a = l->in;
            l->in = l->ew_in;
            l->ew_in = a;
        } else {
            ew->alu_op = DLA_ALU_MAX; /* max(-x, x) */
        }
        return DLA_OK;
    }
    if (l->ew_fn == IR_EW_SUB) {
        ew->cvt_scale = -ew->cvt_scale;
        return DLA_OK;
    }
    /* Abs: the operand is the source itself; converting it with exactly BS's multiplier and shift,
     * negated, gives e' = -v, and MAX(v, -v) = |v| with no rounding difference between the two. */
    if (!plain_bs)
        return dla_error_set(err, DLA_ERR_INTERNAL, "%s: layer '%s': Abs needs a plain requantising BS stage", g->base,
                             l->name);
    ew->alu_op = DLA_ALU_MAX;
    ew->cvt_offset = 0;
    ew->cvt_scale = -sdp->bs.mul_operand;
    ew->cvt_shift = sdp->bs.mul_shift;
    return DLA_OK;
}

dla_status ir_sdp_ops_quantize(ir_graph *g, ir_layer *l, dla_error *err)
{
    dla_status st = DLA_OK;
    if (l->ew_fn && l->ew_in >= 0)
        st = quantize_ew(g, l, err);
    if (st == DLA_OK && (l->prelu || l->xalu_fn))
        st = quantize_bn(g, l, err);
    return st;
}

/* ---- reference (float) --------------------------------------------------------------------------- */

void ir_sdp_ops_forward(const ir_graph *g, const ir_node *n, float *const *buf, float *y, const int64_t od[4])
{
    size_t cnt = (size_t)(od[0] * od[1] * od[2] * od[3]);
    int64_t hw = od[2] * od[3];
    const float *x = buf[ir_resolve(g, n->in[0])];
    if (n->kind == IR_OP_PRELU) {
        const float *s = g->tensors[n->sdp_const].f;
        for (size_t e = 0; e < cnt; e++) {
            int64_t c = ((int64_t)e / hw) % od[1];
            y[e] = x[e] < 0.0f ? x[e] * s[c] : x[e];
        }
        return;
    }
    if (n->kind == IR_OP_X_ALU) {
        const float *c = g->tensors[n->sdp_const].f;
        for (size_t e = 0; e < cnt; e++) {
            float v = c[((int64_t)e / hw) % od[1]];
            y[e] = n->ew_fn == IR_EW_MAX ? fmaxf(x[e], v) : fminf(x[e], v);
        }
        return;
    }
    const float *b = buf[ir_resolve(g, n->in[1])];
    for (size_t e = 0; e < cnt; e++) {
        switch (n->ew_fn) {
        case IR_EW_MAX: y[e] = fmaxf(x[e], b[e]); break;
        case IR_EW_MIN: y[e] = fminf(x[e], b[e]); break;
        case IR_EW_SUB: y[e] = x[e] - b[e]; break;
        default: y[e] = fabsf(x[e]); break;
        }
    }
}
