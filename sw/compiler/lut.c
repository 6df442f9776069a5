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

dla_status ir_lut_quantize(ir_graph *g, ir_layer *l, float s_out, dla_error *err)
{
    const int F = ir_fraction_bits();
    const int fn = l->lut_fn;
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
