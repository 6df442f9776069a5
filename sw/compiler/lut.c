/* Lookup-table activations (docs/compiler.md "Lookup-table activations"): Sigmoid, Tanh and SiLU
 * (x * sigmoid(x)) become SDP Y-stage LUT ops, and Mul of two activations an SDP EW multiply; for
 * INT8 this file also builds NVDLA's LE/LO tables from the layer's quantisation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"

/* Table geometry (docs/compiler.md): the LO table (257 entries, linear) covers [-R, R] in steps of
 * h = R / 128; the LE table (65 entries, linear) covers [-4R, 4R] in steps of 16h and serves what LO
 * does not; beyond 4R the LE slopes extrapolate. The LUT input is v = x / h * 2^F (F of
 * docs/datapath.md), so LO's index select is F and LE's is F + 4. */
#define LO_HALF_STEPS 128 /* (257 - 1) / 2 */
#define LE_STEP_LOG2 4    /* LE step = 16 LO steps: 64 LE intervals span 4x the LO range */
#define LE_HALF_STEPS 512 /* 4R / h */
#define TABLE_MAX 32767   /* int16 table entries */
#define SLOPE_SHIFT_MIN (-16)
#define SLOPE_SHIFT_MAX 15 /* signed 5-bit slope shifts */
#define CVT_SCALE_MAX 32767
#define CVT_SHIFT_MAX 63

double ir_lut_eval(int fn, double x)
{
    switch (fn) {
    case IR_LUT_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case IR_LUT_TANH: return tanh(x);
    case IR_LUT_SILU: return x / (1.0 + exp(-x));
    case IR_LUT_EXP: return exp(fmin(x, 80.0)); /* m = 0 here; the cap keeps float calibration finite */
    case IR_LUT_NEGLOG: return -log(fmax(x, 1e-30));
    case IR_LUT_EXPLO: return 0.0; /* the float exp above is exact: nothing below e's LSB to add */
    default: return x;
    }
}

static double lut_deriv(int fn, double x)
{
    double s = 1.0 / (1.0 + exp(-x));
    switch (fn) {
    case IR_LUT_SIGMOID: return s * (1.0 - s);
    case IR_LUT_TANH: return 1.0 - tanh(x) * tanh(x);
    case IR_LUT_SILU: return s + x * s * (1.0 - s);
    default: return 1.0;
    }
}

const char *ir_lut_name(int fn)
{
    switch (fn) {
    case IR_LUT_SIGMOID: return "sigmoid";
    case IR_LUT_TANH: return "tanh";
    case IR_LUT_SILU: return "silu";
    case IR_LUT_EXP: return "exp";
    case IR_LUT_NEGLOG: return "neglog";
    case IR_LUT_EXPLO: return "explo";
    default: return "none";
    }
}

/* R: where f is within 1e-3 of its asymptote (sigmoid: 1 - s(8) = 3.4e-4; tanh: 1 - tanh(4) = 6.7e-4;
 * silu: |silu(x) - max(x, 0)| at 8 = 2.7e-3, which the LE table then covers to 32). */
static double lut_half_range(int fn)
{
    return fn == IR_LUT_TANH ? 4.0 : 8.0;
}

double ir_lut_input_step(int fn)
{
    return lut_half_range(fn) / LO_HALF_STEPS;
}

/* ---- canonicalisation ---------------------------------------------------------------------------- */

static bool is_cube(const ir_tensor *t)
{
    int64_t d[4];
    return t && !t->is_const && t->rank >= 0 && ir_nchw(t, d);
}

static const ir_tensor *in_tensor(const ir_graph *g, const ir_node *n, int k)
{
    return k < n->n_in && n->in[k] >= 0 ? &g->tensors[n->in[k]] : NULL;
}

/* Mul(x, s) or Mul(s, x) with s = Sigmoid(x) read by nothing else: the SiLU's sigmoid node, else -1. */
static int silu_sigmoid(const ir_graph *g, const ir_node *mul)
{
    for (int k = 0; k < 2; k++) {
        int s = mul->in[k], x = mul->in[1 - k];
        if (s < 0 || x < 0 || g->tensors[s].producer < 0)
            continue;
        const ir_node *p = &g->nodes[g->tensors[s].producer];
        if (p->kind != IR_OP_ONNX || strcmp(p->op_type, "Sigmoid") != 0 || p->n_in < 1 ||
            ir_resolve(g, p->in[0]) != ir_resolve(g, x) || g->tensors[s].is_output || ir_consumers(g, s, NULL, 0) != 1)
            continue;
        return g->tensors[s].producer;
    }
    return -1;
}

dla_status ir_lut_canonicalize(ir_graph *g, dla_error *err)
{
    int *order = NULL, count = 0;
    dla_status st = ir_topo_order(g, &order, &count, err);
    if (st != DLA_OK)
        return st;
    /* Mul first: a SiLU's Sigmoid must not become a LUT op of its own. */
    for (int oi = 0; oi < count && st == DLA_OK; oi++) {
        ir_node *n = &g->nodes[order[oi]];
        if (n->kind != IR_OP_ONNX || strcmp(n->op_type, "Mul") != 0 || n->n_in != 2 || n->n_out < 1)
            continue;
        const ir_tensor *a = in_tensor(g, n, 0), *b = in_tensor(g, n, 1);
        if (!is_cube(a) || !is_cube(b) || a->rank != b->rank ||
            memcmp(a->dims, b->dims, sizeof(int64_t) * (size_t)a->rank) != 0)
            continue;
        int si = silu_sigmoid(g, n);
        if (si >= 0) {
            ir_node *s = &g->nodes[si];
            int x = s->in[0];
            if ((st = ir_node_prepend_name(n, s->name, err)) != DLA_OK)
                break;
            s->kind = IR_OP_DEAD;
            n->in[0] = x;
            n->n_in = 1;
            n->kind = IR_OP_LUT;
            n->lut_fn = IR_LUT_SILU;
        } else {
            n->kind = IR_OP_MUL;
        }
    }
    for (int oi = 0; oi < count; oi++) {
        ir_node *n = &g->nodes[order[oi]];
        if (n->kind != IR_OP_ONNX || n->n_in < 1)
            continue;
        bool sig = !strcmp(n->op_type, "Sigmoid"), th = !strcmp(n->op_type, "Tanh");
        if ((sig || th) && is_cube(in_tensor(g, n, 0))) {
            n->kind = IR_OP_LUT;
            n->lut_fn = sig ? IR_LUT_SIGMOID : IR_LUT_TANH;
        }
    }
    free(order);
    return st;
}

/* ---- INT8 tables --------------------------------------------------------------------------------- */

/* scale * 2^-shift ~ r with |scale| <= max and shift in [lo, hi], as many bits as fit; false if r is
 * too large for shift lo. */
static bool fixed_point(double r, int max, int lo, int hi, int32_t *scale, int32_t *shift)
{
    for (int s = hi; s >= lo; s--) {
        double v = r * ldexp(1.0, s);
        if (fabs(v) < max + 0.5) {
            *scale = (int32_t)llround(v);
            *shift = s;
            return true;
        }
    }
    *scale = 0;
    *shift = lo;
    return false;
}

static dla_status softmax_tables(ir_graph *g, ir_layer *l, float s_out, dla_llut *t, dla_error *err);

dla_status ir_lut_quantize(ir_graph *g, ir_layer *l, float s_out, dla_error *err)
{
    const int F = ir_fraction_bits();
    const int fn = l->lut_fn;
    if (fn == IR_LUT_EXP || fn == IR_LUT_NEGLOG || fn == IR_LUT_EXPLO) {
        dla_llut *st = calloc(1, sizeof *st);
        if (!st)
            return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (LUT of layer '%s')", g->base, l->name);
        free(l->lut);
        l->lut = st;
        return softmax_tables(g, l, s_out, st, err);
    }
    const double R = lut_half_range(fn), h = ir_lut_input_step(fn);
    dla_llut *t = calloc(1, sizeof *t);
    if (!t)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (LUT of layer '%s')", g->base, l->name);
    free(l->lut);
    l->lut = t;
    double lo_x[DLA_LUT_LO_ENTRIES], le_x[DLA_LUT_LE_ENTRIES], amax = 0;
    for (int i = 0; i < DLA_LUT_LO_ENTRIES; i++) {
        lo_x[i] = (i - LO_HALF_STEPS) * h;
        amax = fmax(amax, fabs(ir_lut_eval(fn, lo_x[i])));
    }
    for (int i = 0; i < DLA_LUT_LE_ENTRIES; i++) {
        le_x[i] = (i * (1 << LE_STEP_LOG2) - LE_HALF_STEPS) * h;
        amax = fmax(amax, fabs(ir_lut_eval(fn, le_x[i])));
    }
    const double s_t = amax / TABLE_MAX; /* real value of one table unit */
    for (int i = 0; i < DLA_LUT_LO_ENTRIES; i++)
        t->lo[i] = (int16_t)llround(ir_lut_eval(fn, lo_x[i]) / s_t);
    for (int i = 0; i < DLA_LUT_LE_ENTRIES; i++)
        t->le[i] = (int16_t)llround(ir_lut_eval(fn, le_x[i]) / s_t);
    t->le_function = 1; /* linear */
    t->lo_index_select = F;
    t->lo_start = -LO_HALF_STEPS * (1 << F);
    t->lo_end = LO_HALF_STEPS * (1 << F);
    t->le_index_select = F + LE_STEP_LOG2;
    t->le_start = -LE_HALF_STEPS * (1 << F);
    t->le_end = LE_HALF_STEPS * (1 << F);
    /* Both hit: LO (finer). Outside LO only LE hits and is chosen; both under/overflow: LE, whose end
     * points lie 4R out. */
    t->hybrid_priority = 1;
    t->uflow_priority = t->oflow_priority = 0;
    /* Slopes in table units per input unit: f'(end) * (h / 2^F) / s_t (|f'| <= 1.1, so they fit). */
    const double unit = h / ldexp(1.0, F) / s_t;
    bool ok = fixed_point(lut_deriv(fn, -4 * R) * unit, INT16_MAX, SLOPE_SHIFT_MIN, SLOPE_SHIFT_MAX, &t->le_uflow_scale,
                          &t->le_uflow_shift) &&
              fixed_point(lut_deriv(fn, 4 * R) * unit, INT16_MAX, SLOPE_SHIFT_MIN, SLOPE_SHIFT_MAX, &t->le_oflow_scale,
                          &t->le_oflow_shift) &&
              fixed_point(lut_deriv(fn, -R) * unit, INT16_MAX, SLOPE_SHIFT_MIN, SLOPE_SHIFT_MAX, &t->lo_uflow_scale,
                          &t->lo_uflow_shift) &&
              fixed_point(lut_deriv(fn, R) * unit, INT16_MAX, SLOPE_SHIFT_MIN, SLOPE_SHIFT_MAX, &t->lo_oflow_scale,
                          &t->lo_oflow_shift);
    if (!ok)
        return dla_error_set(err, DLA_ERR_INTERNAL, "%s: layer '%s': %s LUT slope does not fit 16 bits", g->base,
                             l->name, ir_lut_name(fn));
    /* Output converter: table units -> output INT8, out = rshr(y * scale, shift). */
    int32_t cs = 0, csh = 0;
    if (!fixed_point(s_t / s_out, CVT_SCALE_MAX, 0, CVT_SHIFT_MAX, &cs, &csh) || cs == 0)
        return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                             "%s: layer '%s': %s output scale %g cannot be reached from the LUT's %g by the 16-bit "
                             "output converter",
                             g->base, l->name, ir_lut_name(fn), (double)s_out, s_t);
    l->sdp.out_cvt_offset = 0;
    l->sdp.out_cvt_scale = cs;
    l->sdp.out_cvt_shift = (uint32_t)csh;
    return DLA_OK;
}

/* ---- softmax tables (docs/compiler.md "Softmax") ------------------------------------------------- */

/* exp(v - m): the LO table spans [m - EXP_R, m] (exp(-8) = 3.4e-4, below half an LSB of e = 1/127),
 * the LE table [m - 4 EXP_R, m] in 16 LO steps; above m both overflow to LO's last entry exp(0) = 1. */
#define EXP_R 8.0
#define EXP_LE_HALF_STEPS 1024 /* 4 EXP_R / h */
/* The later passes' shift: x + L <= log(1.5) after a pass (docs/compiler.md). */
#define EXP2_SHIFT 0.4054651081081644 /* log(1.5) */
/* -log(s): the LO table holds s = n * s_e for n = 0..256 exactly (n, the sum of the INT8 e values, is an
 * integer; n = 0 reads as n = 1/2 except in the last pass); above, the LE table, linear or exponent
 * (whichever interpolates log better over the reachable n <= 127 C). */
#define NEGLOG_LO_UNITS 256
#define NEGLOG_ZERO_UNITS 0.5
/* Largest error of log interpolated linearly over an octave [a, 2a]: log(1 + t) - t log 2 at
 * t = 1 / log 2 - 1. */
#define LOG_OCTAVE_ERROR 0.0597

static double softmax_exp_step(void)
{
    return EXP_R / LO_HALF_STEPS / 2; /* 256 LO steps span EXP_R */
}

/* The Softmax step of layer l: that of its last node (the LUT, or the Add summing L). */
static int softmax_role(const ir_graph *g, const ir_layer *l, int *x)
{
    if (l->n_nodes < 1)
        return IR_SOFTMAX_NONE;
    const ir_node *n = &g->nodes[l->nodes[l->n_nodes - 1]];
    *x = n->softmax_x;
    return n->softmax_role;
}

/* m1 = 127 s_x, the largest x its INT8 scale represents, in whole LUT input steps h. */
static double softmax_m1(const ir_graph *g, int x)
{
    const double h = softmax_exp_step();
    return ceil(127.0 * g->tensors[x].scale / h) * h;
}

static double softmax_m2(void)
{
    const double h = softmax_exp_step();
    return ceil(EXP2_SHIFT / h) * h;
}

/* The e tensor's scale and the largest channel sum in its units (a -log layer: the conv's input). */
static void neglog_range(const ir_graph *g, const ir_layer *l, double *s_e, double *n_max)
{
    int64_t d[4] = {1, 1, 1, 1};
    ir_nchw(&g->tensors[l->in], d);
    *s_e = g->tensors[l->in].scale > 0 ? g->tensors[l->in].scale : 1.0 / 127;
    *n_max = 127.0 * (double)d[1];
}

/* The -log table at s = n s_e. */
static double neglog_at(const ir_graph *g, const ir_layer *l, double n)
{
    double s_e, n_max;
    neglog_range(g, l, &s_e, &n_max);
    int x = -1;
    const int role = softmax_role(g, l, &x);
    const double s = fmin(fmax(n, NEGLOG_ZERO_UNITS), n_max) * s_e;
    if (role == IR_SOFTMAX_NEGLOG1)
        return -log(s) - softmax_m1(g, x);
    return -log(s) - softmax_m2();
}

double ir_lut_layer_step(const ir_graph *g, const ir_layer *l)
{
    if (l->lut_fn == IR_LUT_EXP || l->lut_fn == IR_LUT_EXPLO)
        return softmax_exp_step();
    if (l->lut_fn == IR_LUT_NEGLOG) {
        double s_e, n_max;
        neglog_range(g, l, &s_e, &n_max);
        return s_e; /* v = n * 2^F */
    }
    return ir_lut_input_step(l->lut_fn);
}

/* L and every l: -LSE lies in [-(m1 + log C), m1], a step l in [-(log C + m2), log 254 - m2]. */
static double softmax_l_scale(const ir_graph *g, int x)
{
    int64_t d[4] = {1, 1, 1, 1};
    ir_nchw(&g->tensors[x], d);
    const double lc = log((double)d[1]);
    return fmax(softmax_m1(g, x) + lc, log(127 / NEGLOG_ZERO_UNITS) + lc) / 127;
}

float ir_lut_fixed_out_scale(const ir_graph *g, const ir_layer *l)
{
    int x = -1;
    switch (softmax_role(g, l, &x)) {
    case IR_SOFTMAX_EXP1:
    case IR_SOFTMAX_EXP:
    case IR_SOFTMAX_OUT: return 1.0f / 127; /* e and y lie in [0, 1] */
    case IR_SOFTMAX_NEGLOG1:
    case IR_SOFTMAX_NEGLOG:
    case IR_SOFTMAX_LSUM: return (float)softmax_l_scale(g, x); /* one grid: L + l is exact */
    case IR_SOFTMAX_EXPLO: return 1.0f / (127 * 127);          /* below half an LSB of e */
    case IR_SOFTMAX_SUMLO: {
        int64_t d[4] = {1, 1, 1, 1};
        ir_nchw(&g->tensors[x], d);
        return (float)(d[1] * 0.5 / 127 / 127); /* at most C values under half an LSB of e */
    }
    default: return 0.0f;
    }
}

/* Largest |error| of linear interpolation of log over [a, a + d] and up: d^2 / (8 a^2) at the start. */
static double log_interp_error(double a, double d)
{
    return d * d / (8 * a * a);
}

static dla_status set_out_cvt(ir_graph *g, ir_layer *l, double s_t, float s_out, dla_error *err)
{
    int32_t cs = 0, csh = 0;
    if (!fixed_point(s_t / s_out, CVT_SCALE_MAX, 0, CVT_SHIFT_MAX, &cs, &csh) || cs == 0)
        return dla_error_set(err, DLA_ERR_INTERNAL, "%s: layer '%s': %s output scale %g out of range", g->base, l->name,
                             ir_lut_name(l->lut_fn), (double)s_out);
    l->sdp.out_cvt_offset = 0;
    l->sdp.out_cvt_scale = cs;
    l->sdp.out_cvt_shift = (uint32_t)csh;
    return DLA_OK;
}

/* The fine part of exp(v - m): exp(v - m) where 127 exp(v - m) rounds to 0 (v < t0 = m + log(0.5 / 127)),
 * else 0. LO: [t0 - EXP_R, t0] in steps h; LE: [t0 - 2 EXP_R, t0 + 2 EXP_R] in 16 steps, 0 from t0 on,
 * so above t0 (LO overflows) and beyond LE's end the value is 0. */
static dla_status explo_table(ir_graph *g, ir_layer *l, double m, float s_out, dla_llut *t, dla_error *err)
{
    const int F = ir_fraction_bits();
    const int32_t one = (int32_t)1 << F;
    const double h = softmax_exp_step();
    const int32_t k0 = (int32_t)floor((m + log(NEGLOG_ZERO_UNITS / 127)) / h); /* t0 in steps, rounded down */
    const double t0 = k0 * h, amax = exp(t0 - m);
    const double s_t = amax / TABLE_MAX;
    for (int i = 0; i < DLA_LUT_LO_ENTRIES; i++)
        t->lo[i] = (int16_t)llround(exp(t0 + (i - 2 * LO_HALF_STEPS) * h - m) / s_t);
    for (int i = 0; i < DLA_LUT_LE_ENTRIES; i++) {
        int k = i * (1 << LE_STEP_LOG2) - EXP_LE_HALF_STEPS / 2; /* steps from t0 */
        t->le[i] = k < 0 ? (int16_t)llround(exp(t0 + k * h - m) / s_t) : 0;
    }
    t->le_function = 1;
    t->lo_index_select = F;
    t->lo_start = (k0 - 2 * LO_HALF_STEPS) * one;
    t->lo_end = k0 * one;
    t->le_index_select = F + LE_STEP_LOG2;
    t->le_start = (k0 - EXP_LE_HALF_STEPS / 2) * one;
    t->le_end = (k0 + EXP_LE_HALF_STEPS / 2) * one;
    t->hybrid_priority = 1; /* LO where both hit */
    t->uflow_priority = 0;  /* LE's first entry, ~0 */
    t->oflow_priority = 0;  /* LE's last entry, 0 */
    return set_out_cvt(g, l, s_t, s_out, err);
}

static dla_status softmax_tables(ir_graph *g, ir_layer *l, float s_out, dla_llut *t, dla_error *err)
{
    const int F = ir_fraction_bits();
    const int64_t one = (int64_t)1 << F;
    int x = -1;
    if (softmax_role(g, l, &x) == IR_SOFTMAX_NONE)
        return dla_error_set(err, DLA_ERR_INTERNAL, "%s: layer '%s': %s LUT outside a lowered Softmax", g->base,
                             l->name, ir_lut_name(l->lut_fn));
    t->le_function = 1;
    if (l->lut_fn == IR_LUT_EXP || l->lut_fn == IR_LUT_EXPLO) {
        const int role = softmax_role(g, l, &x);
        const double h = softmax_exp_step();
        const double m = role == IR_SOFTMAX_EXP1 ? softmax_m1(g, x) : role == IR_SOFTMAX_OUT ? 0.0 : softmax_m2();
        if (role == IR_SOFTMAX_EXPLO)
            return explo_table(g, l, m, s_out, t, err);
        if (!(m / h * (double)one < (double)(INT32_MAX / 2)))
            return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                                 "%s: layer '%s': softmax input scale %g puts exp's table beyond the LUT's 32-bit "
                                 "input range (at most %g)",
                                 g->base, l->name, (double)g->tensors[x].scale,
                                 (double)(INT32_MAX / 2) / (double)one * h / 127);
        const int32_t m_v = (int32_t)llround(m / h) * (int32_t)one;
        for (int i = 0; i < DLA_LUT_LO_ENTRIES; i++)
            t->lo[i] = (int16_t)llround(exp((i - 2 * LO_HALF_STEPS) * h) * TABLE_MAX);
        for (int i = 0; i < DLA_LUT_LE_ENTRIES; i++)
            t->le[i] = (int16_t)llround(exp((i * (1 << LE_STEP_LOG2) - EXP_LE_HALF_STEPS) * h) * TABLE_MAX);
        t->lo_index_select = F;
        t->lo_start = m_v - 2 * LO_HALF_STEPS * (int32_t)one;
        t->lo_end = m_v;
        t->le_index_select = F + LE_STEP_LOG2;
        t->le_start = m_v - EXP_LE_HALF_STEPS * (int32_t)one;
        t->le_end = m_v;
        t->hybrid_priority = 1; /* LO where both hit */
        t->uflow_priority = 0;  /* below m - 32: LE's first entry, exp(-32) = 0 */
        t->oflow_priority = 1;  /* above m: LO's last entry, 1 */
        /* all slopes 0: flat extrapolation */
        return set_out_cvt(g, l, 1.0 / TABLE_MAX, s_out, err);
    }
    double s_e, n_max;
    neglog_range(g, l, &s_e, &n_max);
    /* LE linear from 0 in steps of 2^j units covering n_max, or exponent with octaves from 2^8 units. */
    int j = 0;
    while (64.0 * ldexp(1.0, j) < n_max)
        j++;
    const double d = ldexp(1.0, j);
    const bool linear = log_interp_error(fmax(NEGLOG_LO_UNITS - d, NEGLOG_ZERO_UNITS), d) < LOG_OCTAVE_ERROR;
    double amax = 0, le_n[DLA_LUT_LE_ENTRIES];
    for (int i = 0; i < DLA_LUT_LO_ENTRIES; i++)
        amax = fmax(amax, fabs(neglog_at(g, l, i)));
    for (int i = 0; i < DLA_LUT_LE_ENTRIES; i++) {
        le_n[i] = linear ? i * d : ldexp(NEGLOG_LO_UNITS, i);
        amax = fmax(amax, fabs(neglog_at(g, l, le_n[i])));
    }
    const double s_t = amax / TABLE_MAX;
    for (int i = 0; i < DLA_LUT_LO_ENTRIES; i++)
        t->lo[i] = (int16_t)llround(neglog_at(g, l, i) / s_t);
    for (int i = 0; i < DLA_LUT_LE_ENTRIES; i++)
        t->le[i] = (int16_t)llround(neglog_at(g, l, le_n[i]) / s_t);
    t->lo_index_select = F;
    t->lo_start = 0;
    t->lo_end = NEGLOG_LO_UNITS * (int32_t)one;
    t->le_start = 0;
    if (linear) {
        t->le_index_select = F + j;
        t->le_end = (int32_t)(64 * ((int64_t)1 << (F + j)));
    } else {
        t->le_function = 0; /* exponent: entry i at 2^(F + 8 + i) */
        t->le_index_offset = F + 8;
        t->le_end = INT32_MAX;
    }
    t->hybrid_priority = 1; /* LO below 256 units */
    t->uflow_priority = 1;  /* n = 0: LO's first entry */
    t->oflow_priority = 0;  /* n = 127 C at the end of a linear LE: its last entry */
    return set_out_cvt(g, l, s_t, s_out, err);
}
