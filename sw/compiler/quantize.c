/* Precision pass. INT8 (docs/datapath.md "Quantisation"): per-tensor activation scales from min/max
 * calibration over synthetic inputs, per-output-channel weight scales, and the SDP operands,
 * shifts and converters that requantise each layer. FP16: binary16 weights and operands with
 * identity converters (docs/compiler.md "FP16 operands"). Fills each layer's SDP template. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dla/rng.h"
#include "graph.h"

#define MUL_SHIFT_MAX 48  /* keeps 15 significant bits for factors down to 2^-33 */
#define CVT_SHIFT_MAX 63  /* 6-bit shift fields of the converters */
#define ALU_SHIFT_MAX 63  /* 6-bit BS/BN ALU shift field */
#define OPERAND_MAX 32767 /* 16-bit operands */

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
    double f = (double)se / sy;
    int s = choose_shift(&f, 1, F, CVT_SHIFT_MAX);
    if (s < 0)
        return qerr(g, l, err, "element-wise operand scale ratio too large for the EW converter");
    ew->cvt_shift = (uint32_t)s;
    ew->cvt_scale = (int32_t)llround(f * ldexp(1.0, s + F));
    return DLA_OK;
}

static dla_status quantize_int8(ir_graph *g, ir_layer *l, dla_error *err)
{
    const int F = ir_fraction_bits();
    float sx = g->tensors[l->in].scale;
    ir_tensor *y = &g->tensors[l->out];
    y->scale = l->clip ? l->clip_hi / 127.0f : tensor_scale(y);
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
    float sy = y->scale;
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
            M[k] = (double)sx * sw / sy;
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
    return DLA_OK;
}

static dla_status quantize_fp16(ir_graph *g, ir_layer *l, dla_error *err)
{
    dla_lsdp *sdp = &l->sdp;
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

dla_status ir_quantize(ir_graph *g, const dla_compile_opts *opts, dla_error *err)
{
    bool int8 = opts->precision == DLA_PRECISION_INT8;
    dla_status st;
    if (int8) {
        for (int i = 0; i < g->n_inputs; i++)
            g->tensors[g->inputs[i]].scale = tensor_scale(&g->tensors[g->inputs[i]]);
    } else {
        for (int i = 0; i < g->n_inputs; i++)
            g->tensors[g->inputs[i]].scale = 1.0f;
    }
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].kind == IR_OP_CONCAT) {
            ir_tensor *c = &g->tensors[g->nodes[i].out[0]];
            c->scale = int8 ? tensor_scale(c) : 1.0f;
        }
    /* A RUBIK contract moves bytes: the convolution before it produces the contract's output scale
     * (the concat's when the contract writes into one). */
    for (int i = 0; int8 && i < g->n_layers; i++)
        if (g->layers[i].kind == IR_LAYER_RUBIK) {
            const ir_tensor *o = &g->tensors[g->layers[i].out];
            g->tensors[g->layers[i].in].calib_scale =
                o->concat_of >= 0 ? g->tensors[o->concat_of].scale : tensor_scale(o);
        }
    for (int i = 0; i < g->n_layers; i++) {
        if (g->layers[i].kind == IR_LAYER_GPU) { /* GPU fallback: its output enters the DLA at this scale */
            ir_tensor *o = &g->tensors[g->layers[i].out];
            o->scale = int8 ? act_scale(o->absmax) : 1.0f;
            continue;
        }
        st = int8 ? quantize_int8(g, &g->layers[i], err) : quantize_fp16(g, &g->layers[i], err);
        if (st != DLA_OK)
            return st;
    }
    return DLA_OK;
}

/* --layer-precision: every entry must name a layer (by one of its ONNX nodes) and a DLA precision.
 * Layers run in the network's precision only (mixed INT8/FP16 tensors are not implemented), so an
 * entry asking for the other precision is refused rather than silently ignored. */
dla_status ir_check_layer_precision(const ir_graph *g, const dla_compile_opts *opts, dla_error *err)
{
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
        const ir_layer *hit = NULL;
        for (int i = 0; i < g->n_layers && !hit; i++)
            for (int k = 0; k < g->layers[i].n_nodes && !hit; k++)
                if (!strcmp(g->nodes[g->layers[i].nodes[k]].name, name))
                    hit = &g->layers[i];
        if (!hit)
            return dla_error_set(err, DLA_ERR_INVALID,
                                 "%s: --layer-precision names '%s', which is no node of a DLA layer", g->base, name);
        if (want != opts->precision)
            return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                                 "%s: --layer-precision: layer '%s' asks for %s in a %s network; dlasim compiles one "
                                 "precision per network (mixed INT8/FP16 layers are not implemented)",
                                 g->base, hit->name, prec, dla_precision_name((uint32_t)opts->precision));
        p = end ? end + 1 : p + len;
    }
    return DLA_OK;
}
