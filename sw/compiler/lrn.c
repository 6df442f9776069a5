/* LRN across channels on the CDP (docs/compiler.md "LRN on the CDP"): ONNX LRN of a 4-D activation
 * becomes an IR_OP_LRN node, one memory-to-memory CDP op; for INT8 this file builds the CDP's LE/LO
 * tables for (bias + alpha / size * sqsum)^-beta from the input scale and the output converter. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"

#define TABLE_MAX 32767     /* int16 table entries */
#define CVT_SCALE_MAX 32767 /* DATOUT_SCALE: int16 */
#define CVT_SHIFT_MAX 63    /* DATOUT_SHIFTER: 6 bits */
#define CIN_ABS_MAX 128     /* identity input converter on INT8 data: |cin| <= 128 */
#define LE_INTERVALS 64     /* (65 - 1) */
#define LO_INTERVALS 256    /* (257 - 1) */

typedef struct lrn_attrs {
    int64_t size;
    double alpha, beta, bias;
} lrn_attrs;

/* ONNX defaults: alpha 1e-4, beta 0.75, bias 1. */
static lrn_attrs attrs_of(const ir_node *n)
{
    lrn_attrs a = {ir_attr_int(n, "size", 0), ir_attr_float(n, "alpha", 1e-4f), ir_attr_float(n, "beta", 0.75f),
                   ir_attr_float(n, "bias", 1.0f)};
    return a;
}

dla_status ir_lrn_canonicalize(ir_graph *g, dla_error *err)
{
    (void)err;
    for (int i = 0; i < g->n_nodes; i++) {
        ir_node *n = &g->nodes[i];
        if (n->kind != IR_OP_ONNX || strcmp(n->op_type, "LRN") != 0 || n->n_in < 1 || n->in[0] < 0 || n->n_out < 1)
            continue;
        const ir_tensor *x = &g->tensors[n->in[0]];
        if (x->rank == 4 && !x->is_const)
            n->kind = IR_OP_LRN; /* legality checks window, CDP and attributes (ir_lrn_illegal) */
    }
    return DLA_OK;
}

/* ONNX LRN: sq = sum of x^2 over channels [c - (size-1)/2, c + (size-1)/2] inside the cube,
 * y = x / (bias + alpha / size * sq)^beta. */
void ir_lrn_forward(const ir_node *n, const float *x, const int64_t d[4], float *y)
{
    const lrn_attrs a = attrs_of(n);
    const int64_t half = (a.size - 1) / 2, hw = d[2] * d[3];
    for (int64_t b = 0; b < d[0]; b++)
        for (int64_t c = 0; c < d[1]; c++)
            for (int64_t p = 0; p < hw; p++) {
                double sq = 0;
                for (int64_t k = c - half; k <= c + half; k++)
                    if (k >= 0 && k < d[1]) {
                        double v = x[(b * d[1] + k) * hw + p];
                        sq += v * v;
                    }
                const int64_t at = (b * d[1] + c) * hw + p;
                y[at] = (float)(x[at] / pow(a.bias + a.alpha / (double)a.size * sq, a.beta));
            }
}

const char *ir_lrn_illegal(const ir_graph *g, const ir_node *n, const dla_config *cfg, char *buf, size_t size)
{
    const lrn_attrs a = attrs_of(n);
    const int64_t C = g->tensors[n->in[0]].dims[1];
    const uint32_t cps = cfg->core.memory_atomic_bytes; /* INT8 channels per atom */
    if (a.size != 3 && a.size != 5 && a.size != 7 && a.size != 9)
        snprintf(buf, size, "LRN window %lld: the DLA allows 3, 5, 7 or 9 (rule lrn.window)", (long long)a.size);
    else if (!cfg->core.features.cdp)
        snprintf(buf, size, "LRN needs the CDP, which the target lacks (rule feature.cdp)");
    else if (!(a.bias > 0) || !(a.alpha >= 0) || !isfinite(a.beta) || !isfinite(a.alpha) || !isfinite(a.bias))
        snprintf(buf, size,
                 "LRN bias %g, alpha %g, beta %g: dlasim's CDP table needs bias > 0, alpha >= 0 and a finite beta "
                 "(rule lrn.params)",
                 a.bias, a.alpha, a.beta);
    else if (cps == 0 || C % cps != 0)
        /* The CDP reads whole atoms and its window reaches into the lanes above C of the last one,
         * which the producers of the input do not keep zero (docs/datapath.md step 7). */
        snprintf(buf, size,
                 "LRN over %lld channels: the CDP window reads the padding lanes of the last %u-channel atom, so "
                 "dlasim needs a multiple of %u channels (rule lrn.channels)",
                 (long long)C, cps, cps);
    else
        return NULL;
    return buf;
}

/* NVDLA's linear-table lookup for x >= start (hw/cdp/lut.h): index = (x - start) >> sel, the 16-bit
 * fraction interpolates, x == start is an underflow (T[0] with a zero slope), index >= n - 1 an
 * overflow (T[n-1] with a zero slope). status: -1 underflow, 0 hit, 1 overflow. */
static int64_t table_linear(const int16_t *t, int n, int64_t start, int sel, int64_t x, int *status)
{
    int64_t d = x - start;
    if (d <= 0) {
        *status = -1;
        return t[0];
    }
    int64_t idx = d >> sel, frac = d & ((INT64_C(1) << sel) - 1);
    if (idx >= n - 1) {
        *status = 1;
        return t[n - 1];
    }
    *status = 0;
    int64_t f16 = sel > 16 ? frac >> (sel - 16) : frac << (16 - sel);
    int64_t p = ((int64_t)t[idx + 1] - t[idx]) * f16;
    int64_t r = p >= 0 ? (p + (1 << 15)) >> 16 : -((-p + (1 << 15)) >> 16);
    int64_t y = t[idx] + r;
    return y > 32767 ? 32767 : y < -32768 ? -32768 : y;
}

/* The CDP's LUT result for square sum sq with this file's priorities (lut.h selection): one hits:
 * that one; both hit, both underflow, or one under- and one overflows: LO; both overflow: LE. */
static int64_t lut_value(const dla_llut *t, int64_t sq)
{
    int s_lo, s_le;
    int64_t lo = table_linear(t->lo, DLA_LUT_LO_ENTRIES, t->lo_start, t->lo_index_select, sq, &s_lo);
    int64_t le = table_linear(t->le, DLA_LUT_LE_ENTRIES, t->le_start, t->le_index_select, sq, &s_le);
    if (s_le == 0 && s_lo != 0)
        return le;
    if (s_le == 1 && s_lo == 1)
        return le;
    return lo;
}

static int16_t entry(double v)
{
    double r = nearbyint(v);
    return (int16_t)(r > TABLE_MAX ? TABLE_MAX : r < -TABLE_MAX ? -TABLE_MAX : r);
}

/* Table settings: LO from 0 in steps of 2^lo_sel, LE from le_start in steps of 2^le_sel. */
static void fill_tables(dla_llut *t, const lrn_attrs *a, double k, int F, int lo_sel, int32_t le_start, int le_sel)
{
    memset(t, 0, sizeof *t);
    t->le_function = 1; /* linear */
    t->le_index_select = le_sel;
    t->lo_index_select = lo_sel;
    t->lo_start = 0;
    t->le_start = le_start;
    t->le_end = le_start + (LE_INTERVALS << le_sel);
    t->lo_end = LO_INTERVALS << lo_sel;
    /* LO when both hit (finer), both underflow (sq == 0 is LO's first entry) or LO overflows exactly
     * where LE starts (sq == lo_end: LO's last entry); LE when both overflow (its end is past the
     * largest square sum, so never). */
    t->uflow_priority = t->hybrid_priority = 1;
    t->oflow_priority = 0;
    for (int i = 0; i < DLA_LUT_LO_ENTRIES; i++)
        t->lo[i] = entry(ldexp(pow(a->bias + k * ldexp((double)i, lo_sel), -a->beta), F));
    for (int i = 0; i < DLA_LUT_LE_ENTRIES; i++)
        t->le[i] = entry(ldexp(pow(a->bias + k * ((double)le_start + ldexp((double)i, le_sel)), -a->beta), F));
}

/* Worst output error in output LSBs before the final rounding: for every square sum sq the largest
 * |cin| it allows (cin^2 <= sq) times |LUT(sq) * M - g(sq) * s_in / s_out|. */
static double table_error(const dla_llut *t, const lrn_attrs *a, double k, int64_t sq_max, double m, double ratio)
{
    double worst = 0;
    for (int64_t sq = 0; sq <= sq_max; sq++) {
        double q = floor(sqrt((double)sq));
        q = q > CIN_ABS_MAX ? CIN_ABS_MAX : q;
        double g = pow(a->bias + k * (double)sq, -a->beta);
        double e = q * fabs((double)lut_value(t, sq) * m - g * ratio);
        worst = e > worst ? e : worst;
    }
    return worst;
}

dla_status ir_lrn_quantize(ir_graph *g, ir_layer *l, float s_in, float s_out, dla_error *err)
{
    const ir_node *n = &g->nodes[l->nodes[0]];
    const lrn_attrs a = attrs_of(n);
    const int64_t sq_max = a.size * CIN_ABS_MAX * CIN_ABS_MAX;
    /* The LUT input is sq = sum cin^2 with cin = q (identity input converter), so the float square sum
     * is s_in^2 * sq and the table holds g(sq) = (bias + k sq)^-beta, k = alpha / size * s_in^2, in
     * units of 2^-F: F as large as keeps the largest entry within int16. */
    const double k = a.alpha / (double)a.size * (double)s_in * (double)s_in;
    const double gmax = fmax(pow(a.bias, -a.beta), pow(a.bias + k * (double)sq_max, -a.beta));
    if (!(gmax > 0) || !isfinite(gmax))
        return dla_error_set(err, DLA_ERR_INVALID,
                             "%s: layer '%s': LRN function (bias %g, beta %g) has no finite range", g->base, l->name,
                             a.bias, a.beta);
    int F = (int)floor(log2(TABLE_MAX / gmax));
    /* Output converter: out = rshr(cin * LUT * scale, shift), scale * 2^-shift = s_in / (s_out * 2^F). */
    const double ratio = (double)s_in / (double)s_out, target = ldexp(ratio, -F);
    int shift = -1;
    for (int s = CVT_SHIFT_MAX; s >= 0; s--)
        if (fabs(target * ldexp(1.0, s)) < CVT_SCALE_MAX + 0.5) {
            shift = s;
            break;
        }
    int32_t scale = shift >= 0 ? (int32_t)llround(target * ldexp(1.0, shift)) : 0;
    if (scale == 0)
        return dla_error_set(err, DLA_ERR_INVALID,
                             "%s: layer '%s': LRN output scale %g is out of the 16-bit output converter's reach from "
                             "input scale %g (table fraction %d bits)",
                             g->base, l->name, (double)s_out, (double)s_in, F);
    const double m = ldexp((double)scale, -shift);
    /* LO covers [0, 256 * 2^lo_sel); LE covers the rest, starting at 0 or where LO ends, in the finest
     * steps that reach sq_max. Pick the layout with the smallest worst-case output error
     * (docs/compiler.md states the measured bound). */
    int le_full = 0;
    while ((int64_t)LE_INTERVALS << le_full < sq_max)
        le_full++;
    dla_llut *best = calloc(1, sizeof *best), *cand = calloc(1, sizeof *cand);
    if (!best || !cand) {
        free(best);
        free(cand);
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (LUT of layer '%s')", g->base, l->name);
    }
    double best_err = INFINITY;
    for (int lo_sel = 0; lo_sel <= le_full - 2; lo_sel++)
        for (int from_lo = 0; from_lo < 2; from_lo++) {
            int32_t le_start = from_lo ? LO_INTERVALS << lo_sel : 0;
            if (le_start >= sq_max)
                continue; /* LO alone covers everything: the LE-from-0 layout is the same */
            int le_sel = 0;
            while (le_start + ((int64_t)LE_INTERVALS << le_sel) < sq_max)
                le_sel++;
            fill_tables(cand, &a, k, F, lo_sel, le_start, le_sel);
            double e = table_error(cand, &a, k, sq_max, m, ratio);
            if (e < best_err) {
                best_err = e;
                *best = *cand;
            }
        }
    free(cand);
    free(l->lut);
    l->lut = best;
    dla_lcdp *c = &l->cdp;
    memset(c, 0, sizeof *c);
    c->local_size = (uint32_t)a.size;
    c->alpha = (float)a.alpha;
    c->beta = (float)a.beta;
    c->bias = (float)a.bias;
    c->in_cvt_offset = 0;
    c->in_cvt_scale = 1;
    c->in_cvt_shift = 0;
    c->out_cvt_offset = 0;
    c->out_cvt_scale = scale;
    c->out_cvt_shift = (uint32_t)shift;
    c->src_scale = s_in;
    c->dst_scale = s_out;
    return DLA_OK;
}
