/* 2:4 structured sparsity (docs/cli.md --sparsity; format: docs/datapath.md "2:4 sparse weights"):
 * picks the conv layers that run with compressed weights (TensorRT's --sparsity=enable|force), prunes
 * their float weights by magnitude under FORCE (before calibration, so scales see the pruned net), and
 * compresses DC-format INT8 weights into kept values + 2-bit index metadata at emission. */
#include <math.h>
#include <string.h>

#include "graph.h"

#define SPARSE_MIN_CHANNELS 64 /* TensorRT's rule: only convs with more input channels go sparse */

/* w[k][ch][pos] of a K x C x (R*S) float tensor. */
static float *wat(float *w, int c, int rs, int k, int ch, int pos)
{
    return w + ((size_t)k * (size_t)c + (size_t)ch) * (size_t)rs + (size_t)pos;
}

static bool is_2_4(float *w, int k, int c, int rs)
{
    for (int kk = 0; kk < k; kk++)
        for (int p = 0; p < rs; p++)
            for (int c0 = 0; c0 < c; c0 += 4) {
                int nz = 0;
                for (int j = c0; j < c0 + 4 && j < c; j++)
                    nz += *wat(w, c, rs, kk, j, p) != 0.0f;
                if (nz > 2)
                    return false;
            }
    return true;
}

/* Keep the two largest |w| of every 4 channels; on equal magnitude the lower channel is kept. */
static void prune_2_4(float *w, int k, int c, int rs)
{
    for (int kk = 0; kk < k; kk++)
        for (int p = 0; p < rs; p++)
            for (int c0 = 0; c0 < c; c0 += 4) {
                int n = c - c0 < 4 ? c - c0 : 4, a = -1, b = -1;
                for (int j = 0; j < n; j++) {
                    float m = fabsf(*wat(w, c, rs, kk, c0 + j, p));
                    if (a < 0 || m > fabsf(*wat(w, c, rs, kk, c0 + a, p))) {
                        b = a;
                        a = j;
                    } else if (b < 0 || m > fabsf(*wat(w, c, rs, kk, c0 + b, p))) {
                        b = j;
                    }
                }
                for (int j = 0; j < n; j++)
                    if (j != a && j != b)
                        *wat(w, c, rs, kk, c0 + j, p) = 0.0f;
            }
}

dla_status ir_sparsity_select(ir_graph *g, const dla_compile_opts *opts, dla_error *err)
{
    if (opts->sparsity == DLA_SPARSITY_DISABLE)
        return DLA_OK;
    if (opts->sparsity != DLA_SPARSITY_ENABLE && opts->sparsity != DLA_SPARSITY_FORCE)
        return dla_error_set(err, DLA_ERR_INVALID, "%s: sparsity %d unknown (expected 0 disable, 1 enable, 2 force)",
                             g->base, (int)opts->sparsity);
    bool force = opts->sparsity == DLA_SPARSITY_FORCE;
    if (!opts->cfg->core.features.sparsity_2_4) {
        if (force)
            return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                                 "%s: sparsity force: target '%s' has no 2:4 structured sparsity "
                                 "(core.features.sparsity_2_4 is off)",
                                 g->base, opts->cfg->name);
        return DLA_OK; /* enable: dense, as TensorRT on a DLA without sparse support */
    }
    if (opts->precision != DLA_PRECISION_INT8) {
        if (force)
            return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                                 "%s: sparsity force: 2:4 sparse weights need INT8 (compiling for %s)", g->base,
                                 dla_precision_name((uint32_t)opts->precision));
        return DLA_OK;
    }
    for (int i = 0; i < g->n_layers; i++) {
        ir_layer *l = &g->layers[i];
        if (l->kind != IR_LAYER_CONV)
            continue;
        const ir_conv *c = &g->nodes[l->conv_node].conv;
        ir_tensor *w = &g->tensors[c->weight];
        /* C a multiple of 4: NVDLA's DC format does not pad the last channel block, so only then is
         * every 4-byte group of the dense surface 4 channels of one kernel at one (r, s). */
        if (c->groups != 1 || c->c <= SPARSE_MIN_CHANNELS || c->c % 4 != 0 || !w->f)
            continue;
        int rs = c->kh * c->kw;
        if (force)
            prune_2_4(w->f, c->k, c->c, rs);
        l->sparse = is_2_4(w->f, c->k, c->c, rs);
    }
    return DLA_OK;
}

uint64_t ir_sparse_values_bytes(uint64_t dense_bytes)
{
    return dense_bytes / 2;
}

uint64_t ir_sparse_meta_bytes(uint64_t dense_bytes)
{
    return (dense_bytes / 8 + 127) / 128 * 128;
}

bool ir_sparse_compress(const uint8_t *dense, uint64_t dense_bytes, uint8_t *values, uint8_t *meta)
{
    memset(meta, 0, (size_t)ir_sparse_meta_bytes(dense_bytes));
    for (uint64_t q = 0; q < dense_bytes / 4; q++) {
        const uint8_t *v = dense + 4 * q;
        int idx[2], n = 0;
        for (int j = 0; j < 4; j++)
            if (v[j] != 0) {
                if (n == 2)
                    return false;
                idx[n++] = j;
            }
        /* fewer than 2 non-zeros: complete with the lowest zero positions, then keep ascending order */
        for (int j = 0; n < 2; j++)
            if (n == 0 || (idx[0] != j && v[j] == 0))
                idx[n++] = j;
        if (idx[0] > idx[1]) {
            int t = idx[0];
            idx[0] = idx[1];
            idx[1] = t;
        }
        values[2 * q] = v[idx[0]];
        values[2 * q + 1] = v[idx[1]];
        meta[q / 2] |= (uint8_t)((idx[0] | idx[1] << 2) << (q % 2 ? 4 : 0));
    }
    return true;
}
