/* Precision pass. INT8 (docs/datapath.md "Quantisation"): per-tensor activation scales from min/max
 * calibration over synthetic inputs, per-output-channel weight scales, and the SDP operands,
 * shifts and converters that requantise each layer. FP16: binary16 weights and operands with
 * identity converters (docs/compiler.md "FP16 operands"). Fills each layer's SDP template. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dla/rng.h"
#include "graph.h"

#define MUL_SHIFT_MAX 48    /* keeps 15 significant bits for factors down to 2^-33 */
#define CVT_SHIFT_MAX 63    /* 6-bit shift fields of the converters */
#define ALU_SHIFT_MAX 63    /* 6-bit BS/BN ALU shift field */
#define OPERAND_MAX 32767   /* 16-bit operands */
#define EW_MUL_SHIFT_MAX 62 /* EW_TRUNCATE is 10 bits; 62 keeps rshr within 64-bit intermediates */

static float act_scale(float absmax)
{
    /* A tensor calibration never saw non-zero (e.g. zeroed weights) gets the range [-1, 1]. */
    return absmax > 0.0f && isfinite(absmax) ? absmax / 127.0f : 1.0f / 127.0f;
}

/* The tensor's scale: from calibration (calib.c) when set, else from its absmax. */
static float tensor_scale(const ir_tensor *t)
{
    return t->calib_scale > 0.0f ? t->calib_scale : act_scale(t->absmax);
}

float ir_tensor_scale(const ir_tensor *t)
{
    return tensor_scale(t);
}

/* A horizontally merged conv (hfuse.c): each sibling's slice keeps its own scale (the per-kernel
 * multiplier requantises each channel to it, a clip's is the clip's); the merged tensor takes the first
 * slice's, which a LUT's per-layer output converter serves (hfuse merges LUT siblings of equal scales
 * only). */
static void hfuse_slice_scales(ir_graph *g, const ir_layer *l, ir_tensor *y)
{
    for (int s = 0; s < l->n_hslices; s++) {
        ir_tensor *t = &g->tensors[l->hslices[s]];
        t->scale = l->clip ? y->scale : tensor_scale(t);
    }
    y->scale = g->tensors[l->hslices[0]].scale;
}

static int64_t rshr64(int64_t x, int s)
{
    return s == 0 ? x : (x + ((int64_t)1 << (s - 1))) >> s;
}

/* Largest shift <= max with every |round(f[k] * 2^(shift + F))| <= OPERAND_MAX; -1 if none. */
static int choose_shift(const double *f, int n, int frac, int max)
{
    double mx = 0;
    for (int k = 0; k < n; k++)
        mx = fmax(mx, fabs(f[k]));
    for (int s = max; s >= 0; s--)
        if (mx * ldexp(1.0, s + frac) < OPERAND_MAX + 0.5) /* in double: no llround overflow */
            return s;
    return -1;
}

/* Smallest ALU shift with every stored operand rshr(v, shift) in int16, for |v| <= amax; -1 if none. */
static int alu_shift_for(int64_t amax)
{
    for (int s = 0; s <= ALU_SHIFT_MAX; s++)
        if (rshr64(amax, s) <= OPERAND_MAX && rshr64(-amax, s) >= -OPERAND_MAX - 1)
            return s;
    return -1;
}

static dla_status qerr(const ir_graph *g, const ir_layer *l, dla_error *err, const char *what)
{
    return dla_error_set(err, DLA_ERR_UNSUPPORTED, "%s: layer '%s': %s", g->base, l->name, what);
}

static int16_t *alloc_operands(int K)
{
    return calloc((size_t)(K > 0 ? K : 1) * 2, sizeof(int16_t));
}

/* EW converter for an operand of scale se into output units with F fractional bits. */
static dla_status set_ew(const ir_graph *g, ir_layer *l, float se, float sy, int F, dla_error *err)
{
    dla_lsdp_ew *ew = &l->sdp.ew;
    ew->enable = 1;
    ew->alu_op = DLA_ALU_SUM;
    ew->cvt_offset = 0;
    if (l->ew_mul) {
        /* v (units sy / 2^F) times e (units se): rshr(v * e * cvt_scale, mul_shift) stays in v's units
         * when cvt_scale / 2^mul_shift = se (docs/datapath.md "Element-wise multiply"). */
        double f = se;
        int s = choose_shift(&f, 1, 0, EW_MUL_SHIFT_MAX);
        if (s < 0)
            return qerr(g, l, err, "element-wise Mul operand scale too large for the 16-bit EW converter");
        ew->alu_op = DLA_ALU_PROD;
        ew->cvt_shift = 0;
        ew->cvt_scale = (int32_t)llround(f * ldexp(1.0, s));
        ew->mul_enable = 1;
        ew->mul_shift = (uint32_t)s;
        return DLA_OK;
    }
    double f = (double)se / sy;
    int s = choose_shift(&f, 1, F, CVT_SHIFT_MAX);
    if (s < 0)
        return qerr(g, l, err, "element-wise operand scale ratio too large for the EW converter");
    ew->cvt_shift = (uint32_t)s;
    ew->cvt_scale = (int32_t)llround(f * ldexp(1.0, s + F));
    return DLA_OK;
}

static dla_precision read_prec(const ir_graph *g, int t)
{
    return g->tensors[ir_resolve(g, t)].prec;
}

static dla_status quantize_int8(ir_graph *g, ir_layer *l, dla_error *err)
{
    if (read_prec(g, l->in) != DLA_PRECISION_INT8 || (l->ew_in >= 0 && read_prec(g, l->ew_in) != DLA_PRECISION_INT8))
        return dla_error_set(err, DLA_ERR_INTERNAL, "%s: layer '%s': INT8 layer reads an FP16 tensor", g->base,
                             l->name);
    const int F = ir_fraction_bits();
    float sx = g->tensors[l->in].scale;
    ir_tensor *y = &g->tensors[l->out];
    y->scale = l->clip ? l->clip_hi / 127.0f : tensor_scale(y);
    if (ir_lut_fixed_out_scale(g, l) > 0.0f) /* softmax steps (lut.c) */
        y->scale = ir_lut_fixed_out_scale(g, l);
    if (y->concat_of >= 0) {
        /* Written into a concat's surface: one scale for the whole concat (TensorRT: equal ranges). */
        float sc = g->tensors[y->concat_of].scale;
        if ((l->clip && y->scale != sc) || ((l->kind == IR_LAYER_POOL || l->kind == IR_LAYER_RUBIK) && sx != sc))
            return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                                 "%s: layer '%s' writes into concat '%s' but its INT8 scale is fixed to %g (%s), the "
                                 "concat's is %g (rule concat.int8_range)",
                                 g->base, l->name, g->tensors[y->concat_of].name, (double)(l->clip ? y->scale : sx),
                                 l->clip ? "clip max / 127" : "pooling keeps its input's", (double)sc);
        y->scale = sc;
    }
    if (l->n_hslices)
        hfuse_slice_scales(g, l, y);
    if (l->kind == IR_LAYER_CDP) /* LRN: the CDP's converters and table (lrn.c) */
        return ir_lrn_quantize(g, l, sx, y->scale, err);
    /* With a LUT the stages before it produce the LUT input v = x / step * 2^F (lut.c); the output
     * converter then maps table units to y's scale. */
    const float s_out = y->scale;
    float sy = l->lut_fn ? (float)ir_lut_layer_step(g, l) : y->scale;
    dla_lsdp *sdp = &l->sdp;
    memset(sdp, 0, sizeof *sdp);
    sdp->in_precision = sdp->out_precision = DLA_PRECISION_INT8;
    sdp->bs.operand_region = sdp->bn.operand_region = -1;
    sdp->out_cvt_offset = 0;
    sdp->out_cvt_scale = 1;
    sdp->out_cvt_shift = (uint32_t)F;
    int K = (int)g->tensors[l->out].dims[1];
    if (l->kind == IR_LAYER_CONV) {
        const ir_node *n = &g->nodes[l->conv_node];
        const ir_conv *c = &n->conv;
        const ir_tensor *w = &g->tensors[c->weight];
        const float *bias = c->bias >= 0 ? g->tensors[c->bias].f : NULL;
        int64_t per_k = ir_numel(w) / c->k;
        int8_t *q = malloc((size_t)ir_numel(w));
        double *M = malloc((size_t)c->k * sizeof(double));
        int64_t *bq = malloc((size_t)c->k * sizeof(int64_t));
        l->operands = alloc_operands(c->k);
        if (!q || !M || !bq || !l->operands) {
            free(q);
            free(M);
            free(bq);
            return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (quantisation)", g->base);
        }
        l->qweights = q;
        int64_t bmax = 0;
        for (int k = 0; k < c->k; k++) {
            float mx = 0;
            for (int64_t e = 0; e < per_k; e++)
                mx = fmaxf(mx, fabsf(w->f[k * per_k + e]));
            double sw = mx > 0 ? mx / 127.0 : 1.0 / 127.0;
            for (int64_t e = 0; e < per_k; e++) {
                long v = lround(w->f[k * per_k + e] / sw);
                q[k * per_k + e] = (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
            }
            int slice = l->n_hslices && !l->lut_fn ? ir_hfuse_slice_of(g, l, k) : -1;
            M[k] = (double)sx * sw / (slice >= 0 ? g->tensors[slice].scale : sy);
            double b = bias ? bias[k] / ((double)sx * sw) : 0.0;
            if (!(fabs(b) < 4.0e18))
                b = b > 0 ? 4.0e18 : -4.0e18;
            bq[k] = llround(b);
            bmax = llabs(bq[k]) > bmax ? llabs(bq[k]) : bmax;
        }
        int shift = choose_shift(M, c->k, F, MUL_SHIFT_MAX);
        if (shift < 0) {
            free(M);
            free(bq);
            return qerr(g, l, err, "requantisation factor s_x*s_w/s_y too large for a 16-bit multiplier");
        }
        int ash = alu_shift_for(bmax);
        if (ash < 0) {
            free(M);
            free(bq);
            return qerr(g, l, err, "bias too large for a 16-bit operand with a 6-bit shift");
        }
        for (int k = 0; k < c->k; k++) {
            l->operands[2 * k] = (int16_t)rshr64(bq[k], ash);
            l->operands[2 * k + 1] = (int16_t)llround(M[k] * ldexp(1.0, shift + F));
        }
        free(M);
        free(bq);
        dla_lsdp_stage *bs = &sdp->bs;
        bs->enable = 1;
        bs->alu_enable = bias != NULL;
        bs->alu_op = DLA_ALU_SUM;
        bs->alu_src = DLA_OPERAND_PER_KERNEL;
        bs->alu_shift = (uint32_t)ash;
        bs->mul_enable = 1;
        bs->mul_src = DLA_OPERAND_PER_KERNEL;
        bs->mul_shift = (uint32_t)shift;
        bs->relu = l->relu_before_ew || (l->relu && l->ew_in < 0);
        bs->operand_region = 0; /* placed by the memory plan */
        l->clip_truncate = 0;
    } else if (l->kind == IR_LAYER_SDP) {
        bool has_scale = l->scale_mul >= 0 || l->scale_add >= 0;
        double *M = malloc((size_t)K * sizeof(double));
        if (!M)
            return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (quantisation)", g->base);
        for (int k = 0; k < K; k++)
            M[k] = (double)sx * (l->scale_mul >= 0 ? g->tensors[l->scale_mul].f[k] : 1.0f) / sy;
        int shift = choose_shift(M, has_scale ? K : 1, F, MUL_SHIFT_MAX);
        if (shift < 0) {
            free(M);
            return qerr(g, l, err, "requantisation factor too large for a 16-bit multiplier");
        }
        dla_lsdp_stage *bs = &sdp->bs, *bn = &sdp->bn;
        bs->enable = 1;
        bs->mul_enable = 1;
        bs->mul_shift = (uint32_t)shift;
        if (!has_scale) {
            bs->mul_src = DLA_OPERAND_PER_LAYER;
            bs->mul_operand = (int32_t)llround(M[0] * ldexp(1.0, shift + F));
            bs->relu = l->relu_before_ew || (l->relu && l->ew_in < 0);
        } else {
            /* BS multiplies (per channel), BN adds the shift in output units * 2^F (so a zero scale works). */
            l->operands = alloc_operands(K);
            if (!l->operands) {
                free(M);
                return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (quantisation)", g->base);
            }
            int64_t amax = 0;
            for (int k = 0; k < K; k++) {
                double a = l->scale_add >= 0 ? g->tensors[l->scale_add].f[k] / (double)sy * ldexp(1.0, F) : 0.0;
                amax = llabs(llround(a)) > amax ? llabs(llround(a)) : amax;
            }
            int ash = alu_shift_for(amax);
            if (ash < 0) {
                free(M);
                return qerr(g, l, err, "shift too large for a 16-bit operand with a 6-bit shift");
            }
            for (int k = 0; k < K; k++) {
                double a = l->scale_add >= 0 ? g->tensors[l->scale_add].f[k] / (double)sy * ldexp(1.0, F) : 0.0;
                l->operands[2 * k] = (int16_t)rshr64(llround(a), ash);
                l->operands[2 * k + 1] = (int16_t)llround(M[k] * ldexp(1.0, shift + F));
            }
            bs->mul_src = DLA_OPERAND_PER_KERNEL;
            bs->operand_region = 0;
            bn->enable = 1;
            bn->alu_enable = l->scale_add >= 0;
            bn->alu_op = DLA_ALU_SUM;
            bn->alu_src = DLA_OPERAND_PER_KERNEL;
            bn->alu_shift = (uint32_t)ash;
            bn->relu = l->relu_before_ew || (l->relu && l->ew_in < 0);
            bn->operand_region = 0;
        }
        free(M);
    } else {
        y->scale = sx; /* PDP never rescales: equal input and output scales (checked above for concats) */
        return DLA_OK;
    }
    if (l->ew_in >= 0) {
        dla_status st = set_ew(g, l, g->tensors[l->ew_in].scale, sy, F, err);
        if (st != DLA_OK)
            return st;
        sdp->ew.relu = l->relu;
    }
    if (l->prelu || l->ew_fn || l->xalu_fn) { /* BN PReLU and Max / Min constant, EW Max / Min / Sub / Abs */
        dla_status st = ir_sdp_ops_quantize(g, l, err);
        if (st != DLA_OK)
            return st;
    }
    if (l->lut_fn)
        return ir_lut_quantize(g, l, s_out, err);
    return DLA_OK;
}

static dla_status quantize_fp16(ir_graph *g, ir_layer *l, dla_error *err)
{
    if (l->kind == IR_LAYER_CDP)
        return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                             "%s: layer '%s': LRN in FP16: TensorRT runs it on the CDP in FP16, but dlasim's CDP model "
                             "computes INT8 only (compile the layer in INT8, rule lrn.precision)",
                             g->base, l->name);
    if (read_prec(g, l->in) != DLA_PRECISION_FP16 || (l->ew_in >= 0 && read_prec(g, l->ew_in) != DLA_PRECISION_FP16))
        return dla_error_set(err, DLA_ERR_INTERNAL, "%s: layer '%s': FP16 layer reads an INT8 tensor", g->base,
                             l->name);
    dla_lsdp *sdp = &l->sdp;
    if (l->lut_fn || l->ew_mul)
        return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                             "%s: layer '%s': %s in FP16: dlasim's SDP model runs the LUT and the EW multiply on INT8 "
                             "data only (compile in INT8, rule act.lut_precision)",
                             g->base, l->name, l->lut_fn ? ir_lut_name(l->lut_fn) : "element-wise Mul");
    memset(sdp, 0, sizeof *sdp);
    sdp->in_precision = sdp->out_precision = DLA_PRECISION_FP16;
    sdp->bs.operand_region = sdp->bn.operand_region = -1;
    sdp->out_cvt_scale = 1; /* identity converters in FP16 */
    g->tensors[l->out].scale = 1.0f;
    int K = (int)g->tensors[l->out].dims[1];
    const uint16_t one = ir_f32_to_f16(1.0f);
    dla_lsdp_stage *bs = &sdp->bs, *bn = &sdp->bn;
    if (l->kind == IR_LAYER_POOL || l->kind == IR_LAYER_RUBIK)
        return DLA_OK;
    if (l->kind == IR_LAYER_CONV) {
        const ir_conv *c = &g->nodes[l->conv_node].conv;
        const ir_tensor *w = &g->tensors[c->weight];
        uint16_t *q = malloc((size_t)ir_numel(w) * sizeof(uint16_t));
        l->operands = alloc_operands(c->k);
        if (!q || !l->operands) {
            free(q);
            return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (quantisation)", g->base);
        }
        for (int64_t e = 0; e < ir_numel(w); e++)
            q[e] = ir_f32_to_f16(w->f[e]);
        l->qweights = q;
        for (int k = 0; k < c->k; k++) {
            l->operands[2 * k] = (int16_t)ir_f32_to_f16(c->bias >= 0 ? g->tensors[c->bias].f[k] : 0.0f);
            l->operands[2 * k + 1] = (int16_t)one;
        }
        bs->enable = 1;
        bs->alu_enable = c->bias >= 0;
        bs->alu_op = DLA_ALU_SUM;
        bs->alu_src = DLA_OPERAND_PER_KERNEL;
        bs->operand_region = 0;
    } else {
        bool has_scale = l->scale_mul >= 0 || l->scale_add >= 0;
        bs->enable = 1;
        if (has_scale) {
            l->operands = alloc_operands(K);
            if (!l->operands)
                return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (quantisation)", g->base);
            for (int k = 0; k < K; k++) {
                l->operands[2 * k] = (int16_t)ir_f32_to_f16(l->scale_add >= 0 ? g->tensors[l->scale_add].f[k] : 0.0f);
                l->operands[2 * k + 1] =
                    (int16_t)ir_f32_to_f16(l->scale_mul >= 0 ? g->tensors[l->scale_mul].f[k] : 1.0f);
            }
            /* y = x * mul + add: BS multiplies, BN adds (the stages run ALU before MUL). */
            bs->mul_enable = 1;
            bs->mul_src = DLA_OPERAND_PER_KERNEL;
            bs->operand_region = 0;
            bn->enable = 1;
            bn->alu_enable = 1;
            bn->alu_op = DLA_ALU_SUM;
            bn->alu_src = DLA_OPERAND_PER_KERNEL;
            bn->operand_region = 0;
        }
    }
    dla_lsdp_stage *last = bn->enable ? bn : bs;
    last->relu = l->relu_before_ew || (l->relu && l->ew_in < 0);
    if (l->clip) {
        /* Clip(0, hi) = ReLU(min(v, hi)): an ALU MIN with a per-layer binary16 operand in BN. */
        if (bn->enable)
            return dla_error_set(err, DLA_ERR_INTERNAL, "%s: layer '%s': clip after a scale in FP16", g->base, l->name);
        bn->enable = 1;
        bn->alu_enable = 1;
        bn->alu_op = DLA_ALU_MIN;
        bn->alu_src = DLA_OPERAND_PER_LAYER;
        bn->alu_operand = ir_f32_to_f16(l->clip_hi);
        bn->relu = 1;
        bn->operand_region = -1;
        bs->relu = 0;
    }
    if (l->ew_in >= 0) {
        dla_lsdp_ew *ew = &sdp->ew;
        ew->enable = 1;
        ew->alu_op = DLA_ALU_SUM;
        ew->cvt_scale = 1;
        ew->relu = l->relu;
    }
    if (l->prelu || l->ew_fn || l->xalu_fn) /* BN PReLU and Max / Min constant, EW Max / Min / Sub / Abs */
        return ir_sdp_ops_quantize(g, l, err);
    return DLA_OK;
}

dla_status ir_calibrate(ir_graph *g, const dla_compile_opts *opts, dla_error *err)
{
    return ir_calibrate_synthetic(g, opts, true, NULL, NULL, err);
}

dla_status ir_calibrate_synthetic(ir_graph *g, const dla_compile_opts *opts, bool track_absmax, ir_observe_fn observe,
                                  void *ctx, dla_error *err)
{
    int samples = opts->calibration_samples > 0 ? opts->calibration_samples : 4;
    uint64_t state = 0x9E3779B97F4A7C15ull ^ (uint64_t)opts->calibration_seed;
    if (!state)
        state = 1;
    float **in = calloc((size_t)g->n_inputs, sizeof(float *));
    if (!in)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (calibration)", g->base);
    dla_status st = DLA_OK;
    for (int i = 0; i < g->n_inputs && st == DLA_OK; i++) {
        in[i] = malloc((size_t)ir_numel(&g->tensors[g->inputs[i]]) * sizeof(float));
        if (!in[i])
            st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (calibration)", g->base);
    }
    for (int s = 0; s < samples && st == DLA_OK; s++) {
        for (int i = 0; i < g->n_inputs; i++)
            for (int64_t e = 0; e < ir_numel(&g->tensors[g->inputs[i]]); e++)
                in[i][e] = (float)((double)(dla_rng_next(&state) >> 40) * 0x1p-24 * 2.0 - 1.0);
        st = ir_reference_forward_observe(g, (const float *const *)in, track_absmax, observe, ctx, NULL, err);
    }
    for (int i = 0; i < g->n_inputs; i++)
        free(in[i]);
    free(in);
    return st;
}

/* A precision conversion (docs/compiler.md "Mixed precision"): an offline SDP in the FP pipeline
 * reading the source tensor in its precision. INT8 -> FP16: v = q * s_in (BS MUL, per-layer
 * binary16 operand). FP16 -> INT8: v * (1 / s_out), rounded to nearest even and saturated by the FP
 * pipeline's INT8 output. */
static dla_status quantize_convert(ir_graph *g, ir_layer *l, dla_error *err)
{
    const ir_tensor *x = &g->tensors[ir_resolve(g, l->in)];
    ir_tensor *y = &g->tensors[l->out];
    dla_lsdp *sdp = &l->sdp;
    memset(sdp, 0, sizeof *sdp);
    sdp->in_precision = DLA_PRECISION_FP16;
    sdp->out_precision = y->prec;
    sdp->bs.operand_region = sdp->bn.operand_region = -1;
    sdp->out_cvt_scale = 1;
    float m;
    if (x->prec == DLA_PRECISION_INT8) {
        y->scale = 1.0f;
        m = x->scale;
    } else {
        y->scale = tensor_scale(y);
        m = 1.0f / y->scale;
    }
    if (!(m > 0.0f) || ir_f16_to_f32(ir_f32_to_f16(m)) == 0.0f || isinf(ir_f16_to_f32(ir_f32_to_f16(m))))
        return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                             "%s: layer '%s': INT8 scale factor %g of the precision conversion is outside binary16",
                             g->base, l->name, (double)m);
    sdp->bs.enable = 1;
    sdp->bs.mul_enable = 1;
    sdp->bs.mul_src = DLA_OPERAND_PER_LAYER;
    sdp->bs.mul_operand = ir_f32_to_f16(m);
    return DLA_OK;
}

/* Removes the conversion layers of an earlier attempt and its quantisation results. */
static void reset_precisions(ir_graph *g)
{
    int n = 0;
    for (int i = 0; i < g->n_layers; i++) {
        ir_layer *l = &g->layers[i];
        free(l->operands);
        free(l->qweights);
        l->operands = NULL;
        l->qweights = NULL;
        if (l->convert) {
            /* consumers read the converted tensor: point them back at the source */
            for (int k = i + 1; k < g->n_layers; k++) {
                if (g->layers[k].in == l->out)
                    g->layers[k].in = l->in;
                if (g->layers[k].ew_in == l->out)
                    g->layers[k].ew_in = l->in;
            }
            free(l->nodes);
            continue;
        }
        g->layers[n++] = *l;
    }
    g->n_layers = n;
}

/* A converted copy of tensor t in precision p, produced by a conversion layer inserted at *at (the
 * first consumer's index, which moves up by one). Reused when an earlier consumer made it. */
static dla_status convert_tensor(ir_graph *g, int t, dla_precision p, int *at, int *out, dla_error *err)
{
    for (int i = 0; i < *at; i++)
        if (g->layers[i].convert && g->layers[i].in == t && g->tensors[g->layers[i].out].prec == p) {
            *out = g->layers[i].out;
            return DLA_OK;
        }
    char name[300];
    snprintf(name, sizeof name, "%.240s (%s)", g->tensors[t].name, dla_precision_name((uint32_t)p));
    int ti;
    dla_status st = ir_tensor_add(g, name, &ti, err);
    if (st != DLA_OK)
        return st;
    const ir_tensor *src = &g->tensors[t];
    ir_tensor *y = &g->tensors[ti];
    y->rank = src->rank;
    memcpy(y->dims, src->dims, sizeof y->dims);
    y->elem_type = src->elem_type;
    y->absmax = src->absmax;
    y->calib_scale = src->calib_scale;
    y->prec = p;
    ir_layer *grown = realloc(g->layers, (size_t)(g->n_layers + 2) * sizeof *grown);
    int *nodes = malloc(sizeof *nodes);
    if (!grown || !nodes) {
        if (grown)
            g->layers = grown;
        free(nodes);
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (precision conversion)", g->base);
    }
    g->layers = grown;
    memmove(&g->layers[*at + 1], &g->layers[*at], (size_t)(g->n_layers - *at) * sizeof *grown);
    g->n_layers++;
    ir_layer *l = &g->layers[*at];
    memset(l, 0, sizeof *l);
    l->kind = IR_LAYER_SDP;
    /* Named after its first consumer's node, so it belongs to that node's DLA subgraph. */
    nodes[0] = g->layers[*at + 1].nodes[0];
    l->nodes = nodes;
    l->n_nodes = 1;
    snprintf(l->name, sizeof l->name, "%.100s -> %s", src->name, dla_precision_name((uint32_t)p));
    snprintf(l->type, sizeof l->type, "convert");
    l->in = t;
    l->out = ti;
    l->conv_node = l->pool_node = l->scale_mul = l->scale_add = l->ew_in = l->gpu_node = -1;
    l->prec = DLA_PRECISION_FP16; /* the FP pipeline converts in both directions */
    l->convert = true;
    (*at)++;
    *out = ti;
    return DLA_OK;
}

/* One layer of a concat forces the precision of every producer writing into it. */
static dla_status unify_concats(ir_graph *g, dla_error *err)
{
    for (int i = 0; i < g->n_layers; i++) {
        ir_layer *a = &g->layers[i];
        int c = a->kind == IR_LAYER_GPU ? -1 : g->tensors[a->out].concat_of;
        if (c < 0 || a->prec != DLA_PRECISION_FP16)
            continue;
        for (int k = 0; k < g->n_layers; k++) {
            ir_layer *b = &g->layers[k];
            if (b->kind == IR_LAYER_GPU || g->tensors[b->out].concat_of != c || b->prec == DLA_PRECISION_FP16)
                continue;
            if (b->prec_forced)
                return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                                     "%s: layers '%s' (fp16) and '%s' (int8, --layer-precision) write into concat "
                                     "'%s', which holds one precision",
                                     g->base, a->name, b->name, g->tensors[c].name);
            b->prec = DLA_PRECISION_FP16;
            b->prec_fallback = true;
        }
    }
    return DLA_OK;
}

/* Tensor precisions from their producers, conversion layers where a reader differs, then each
 * layer's quantisation; *failed names the layer whose INT8 quantisation failed. */
static dla_status quantize_once(ir_graph *g, const dla_compile_opts *opts, int *failed, dla_error *err)
{
    const dla_precision net = opts->precision;
    *failed = -1;
    dla_status st = unify_concats(g, err);
    if (st != DLA_OK)
        return st;
    for (int i = 0; i < g->n_tensors; i++)
        g->tensors[i].prec = net;
    for (int i = 0; i < g->n_layers; i++) {
        ir_layer *l = &g->layers[i];
        if (l->kind == IR_LAYER_GPU)
            continue; /* GPU fallback outputs enter the DLA in the network's precision */
        if (l->prec == DLA_PRECISION_FP16)
            l->sparse = false; /* 2:4 sparse weights are INT8 only */
        g->tensors[ir_resolve(g, l->out)].prec = l->prec;
        for (int k = 0; k < l->n_hslices; k++) { /* hfuse.c: the slices of a merged conv's output */
            g->tensors[l->hslices[k]].prec = l->prec;
            g->tensors[l->hslices[k]].scale = 1.0f; /* FP16; INT8 scales are set by quantize_int8 */
        }
        if (g->tensors[l->out].concat_of >= 0)
            g->tensors[g->tensors[l->out].concat_of].prec = l->prec;
    }
    /* A network input is stored as its first DLA reader computes. */
    for (int k = 0; k < g->n_inputs; k++)
        for (int i = 0; i < g->n_layers; i++) {
            const ir_layer *l = &g->layers[i];
            if (l->kind != IR_LAYER_GPU &&
                (ir_resolve(g, l->in) == g->inputs[k] || (l->ew_in >= 0 && ir_resolve(g, l->ew_in) == g->inputs[k]))) {
                g->tensors[g->inputs[k]].prec = l->prec;
                break;
            }
        }
    for (int i = 0; i < g->n_layers; i++) {
        int *reads[2] = {&g->layers[i].in, &g->layers[i].ew_in};
        for (int r = 0; r < 2; r++) {
            ir_layer *l = &g->layers[i];
            if (l->kind == IR_LAYER_GPU || l->convert || *reads[r] < 0 || read_prec(g, *reads[r]) == l->prec)
                continue;
            int t = *reads[r], conv;
            if ((st = convert_tensor(g, t, l->prec, &i, &conv, err)) != DLA_OK)
                return st;
            reads[0] = &g->layers[i].in; /* the layer moved */
            reads[1] = &g->layers[i].ew_in;
            *reads[r] = conv;
        }
    }
    ir_slice_sync(g); /* slice views in their holder's precision (conversions above read them as such) */
    for (int i = 0; i < g->n_inputs; i++) {
        ir_tensor *t = &g->tensors[g->inputs[i]];
        t->scale = t->prec == DLA_PRECISION_INT8 ? tensor_scale(t) : 1.0f;
    }
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].kind == IR_OP_CONCAT) {
            ir_tensor *c = &g->tensors[g->nodes[i].out[0]];
            c->scale = c->prec == DLA_PRECISION_INT8 ? tensor_scale(c) : 1.0f;
        }
    /* A RUBIK contract moves bytes: the convolution before it produces the contract's output scale
     * (the concat's when the contract writes into one). */
    for (int i = 0; i < g->n_layers; i++)
        if (g->layers[i].kind == IR_LAYER_RUBIK && g->tensors[g->layers[i].out].prec == DLA_PRECISION_INT8) {
            const ir_tensor *o = &g->tensors[g->layers[i].out];
            g->tensors[g->layers[i].in].calib_scale =
                o->concat_of >= 0 ? g->tensors[o->concat_of].scale : tensor_scale(o);
        }
    for (int i = 0; i < g->n_layers; i++) {
        ir_layer *l = &g->layers[i];
        if (l->kind == IR_LAYER_GPU) { /* GPU fallback: its output enters the DLA at this scale */
            ir_tensor *o = &g->tensors[l->out];
            o->scale = net == DLA_PRECISION_INT8 ? act_scale(o->absmax) : 1.0f;
            continue;
        }
        ir_slice_sync(g); /* slice views read at their holder's scale, copies keep it */
        st = l->convert                      ? quantize_convert(g, l, err)
             : l->prec == DLA_PRECISION_INT8 ? quantize_int8(g, l, err)
                                             : quantize_fp16(g, l, err);
        if (st != DLA_OK) {
            *failed = i;
            return st;
        }
    }
    return DLA_OK;
}

dla_status ir_quantize(ir_graph *g, const dla_compile_opts *opts, dla_error *err)
{
    if (!g->prec_assigned) /* called without the layer-precision pass: every layer in the network's */
        for (int i = 0; i < g->n_layers; i++)
            g->layers[i].prec = opts->precision;
    for (;;) {
        int failed;
        dla_status st = quantize_once(g, opts, &failed, err);
        if (st == DLA_OK || st != DLA_ERR_UNSUPPORTED || failed < 0)
            return st;
        ir_layer *l = &g->layers[failed];
        /* TensorRT on the DLA: a layer INT8 cannot run falls back to FP16 (unless forced to INT8, or
         * the target has no FP16). Each retry moves one more layer to FP16, so this ends. */
        if (l->convert || l->prec != DLA_PRECISION_INT8 || l->prec_forced || !opts->cfg->core.features.fp16)
            return st;
        if (opts->report)
            fprintf(opts->report, "precision: layer '%s' falls back to fp16 (%s)\n", l->name, err ? err->msg : "");
        l->prec = DLA_PRECISION_FP16;
        l->prec_fallback = true;
        reset_precisions(g);
    }
}

/* --layer-precision (trtexec --layerPrecisions): every entry must name a node of a DLA layer and a DLA
 * precision; the layer computes in it, tensors crossing a precision boundary are converted
 * (quantize_once). An INT8 layer needs INT8 scales, so only an INT8 network takes int8 entries. */
dla_status ir_check_layer_precision(ir_graph *g, const dla_compile_opts *opts, dla_error *err)
{
    for (int i = 0; i < g->n_layers; i++) {
        g->layers[i].prec = opts->precision;
        g->layers[i].prec_forced = g->layers[i].prec_fallback = g->layers[i].convert = false;
    }
    g->prec_assigned = true;
    const char *p = opts->layer_precision;
    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *colon = NULL;
        for (size_t k = 0; k < len; k++)
            if (p[k] == ':')
                colon = p + k;
        char name[256], prec[16];
        size_t nlen = colon ? (size_t)(colon - p) : 0, plen = colon ? len - nlen - 1 : 0;
        if (!colon || nlen == 0 || nlen >= sizeof name || plen == 0 || plen >= sizeof prec)
            return dla_error_set(err, DLA_ERR_INVALID,
                                 "%s: --layer-precision entry '%.*s': expected layer_name:fp16 or layer_name:int8",
                                 g->base, (int)len, p);
        memcpy(name, p, nlen);
        name[nlen] = '\0';
        memcpy(prec, colon + 1, plen);
        prec[plen] = '\0';
        dla_precision want;
        if (!strcmp(prec, "int8"))
            want = DLA_PRECISION_INT8;
        else if (!strcmp(prec, "fp16"))
            want = DLA_PRECISION_FP16;
        else
            return dla_error_set(err, DLA_ERR_INVALID,
                                 "%s: --layer-precision for '%s': '%s' is not a DLA precision (int8 or fp16)", g->base,
                                 name, prec);
        ir_layer *hit = NULL;
        for (int i = 0; i < g->n_layers && !hit; i++)
            for (int k = 0; k < g->layers[i].n_nodes && !hit; k++)
                if (!strcmp(g->nodes[g->layers[i].nodes[k]].name, name))
                    hit = &g->layers[i];
        if (!hit)
            return dla_error_set(err, DLA_ERR_INVALID,
                                 "%s: --layer-precision names '%s', which is no node of a DLA layer", g->base, name);
        if (hit->kind == IR_LAYER_GPU)
            return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                                 "%s: --layer-precision names '%s', which runs on the GPU (fallback), not the DLA",
                                 g->base, name);
        if (want == DLA_PRECISION_INT8 && opts->precision != DLA_PRECISION_INT8)
            return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                                 "%s: --layer-precision: layer '%s' asks for int8 in an %s network; INT8 layers need "
                                 "the INT8 scales of an INT8 network (compile for int8, with fp16 layers)",
                                 g->base, hit->name, dla_precision_name((uint32_t)opts->precision));
        if (want == DLA_PRECISION_FP16 && !opts->cfg->core.features.fp16)
            return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                                 "%s: --layer-precision: layer '%s' asks for fp16 but target '%s' has no FP16", g->base,
                                 hit->name, opts->cfg->name);
        hit->prec = want;
        hit->prec_forced = true;
        p = end ? end + 1 : p + len;
    }
    return DLA_OK;
}
