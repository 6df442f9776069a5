/* The on-chip SRAM pool (TensorRT's managed SRAM, --memPoolSize=dlaSRAM:N): which intermediate
 * activation tensors live in the core's SRAM instead of DRAM, packed by lifetime, chosen greedily by
 * the DRAM bytes each saves per SRAM byte (docs/compiler.md "On-chip SRAM"). */
#include <stdlib.h>
#include <string.h>

#include "graph.h"

#define SRAM_ALIGN 128 /* the DRAM plan's placement granule (memory_plan.c PLACE_ALIGN) */

dla_status ir_sram_pool_bytes(const char *onnx_path, const dla_compile_opts *opts, int64_t *pool, dla_error *err)
{
    const dla_config *cfg = opts->cfg;
    int64_t sram = cfg->memory.sram_size_bytes;
    *pool = 0;
    if (opts->sram_pool_bytes == DLA_SRAM_POOL_CONFIG) {
        *pool = sram > 0 ? sram : 0; /* the whole SRAM of the core, or none when the target has none */
        return DLA_OK;
    }
    if (opts->sram_pool_bytes < 0)
        return dla_error_set(err, DLA_ERR_INVALID,
                             "%s: SRAM pool of %lld bytes: expected 0 (no SRAM), a byte count or DLA_SRAM_POOL_CONFIG",
                             onnx_path, (long long)opts->sram_pool_bytes);
    if (opts->sram_pool_bytes > sram)
        return dla_error_set(
            err, DLA_ERR_LIMIT,
            "%s: SRAM pool of %lld bytes exceeds the %lld bytes of on-chip SRAM per core of target '%s' "
            "(memory.sram.size_bytes; a larger SRAM: --set memory.sram.size_bytes=N)",
            onnx_path, (long long)opts->sram_pool_bytes, (long long)sram, cfg->name);
    *pool = opts->sram_pool_bytes;
    return DLA_OK;
}

typedef struct sram_cand {
    int t;           /* the tensor (a concat's surface for its in-place inputs) */
    int first, last; /* lifetime in layer order, both ends included */
    uint64_t size;   /* bytes, SRAM_ALIGN aligned */
    double per_byte; /* DRAM bytes saved per SRAM byte: one write + the reads */
    uint64_t off;    /* placement */
    bool placed;
} sram_cand;

static int cmp_benefit(const void *a, const void *b)
{
    const sram_cand *x = a, *y = b;
    if (x->per_byte != y->per_byte)
        return x->per_byte > y->per_byte ? -1 : 1;
    if (x->size != y->size) /* equal density: the larger saves more */
        return x->size > y->size ? -1 : 1;
    return x->t - y->t;
}

typedef struct sram_span {
    uint64_t off, end;
} sram_span;

static int cmp_span_off(const void *a, const void *b)
{
    const sram_span *x = a, *y = b;
    return x->off < y->off ? -1 : x->off > y->off;
}

static int slice_root(const ir_graph *g, int t)
{
    return g->tensors[t].concat_of >= 0 ? g->tensors[t].concat_of : t;
}

/* Tensors the GPU writes or reads: the GPU cannot reach the DLA's SRAM, so they stay in DRAM. */
static void mark_gpu_boundary(const ir_graph *g, const ir_layer *l, bool *gpu)
{
    const ir_node *n = &g->nodes[l->gpu_node];
    gpu[slice_root(g, l->out)] = true;
    for (int j = 0; j < n->n_in; j++)
        if (n->in[j] >= 0)
            gpu[slice_root(g, ir_resolve(g, n->in[j]))] = true;
    for (int j = 0; j < n->n_out; j++)
        if (n->out[j] >= 0)
            gpu[slice_root(g, ir_resolve(g, n->out[j]))] = true;
}

/* Greedy by benefit: each candidate takes the lowest offset that no placed tensor with an
 * overlapping lifetime occupies (the DRAM plan's first fit, over lifetimes instead of a sweep). */
static uint64_t pack(sram_cand *c, int n, uint64_t pool, sram_span *spans)
{
    uint64_t hi = 0;
    for (int i = 0; i < n; i++) {
        if (c[i].size > pool)
            continue;
        int ns = 0;
        for (int k = 0; k < i; k++)
            if (c[k].placed && c[k].first <= c[i].last && c[i].first <= c[k].last)
                spans[ns++] = (sram_span){c[k].off, c[k].off + c[k].size};
        qsort(spans, (size_t)ns, sizeof *spans, cmp_span_off);
        uint64_t off = 0;
        for (int k = 0; k < ns; k++) {
            if (spans[k].off >= off + c[i].size)
                break;
            if (spans[k].end > off)
                off = spans[k].end;
        }
        if (off + c[i].size > pool)
            continue;
        c[i].off = off;
        c[i].placed = true;
        if (off + c[i].size > hi)
            hi = off + c[i].size;
    }
    return hi;
}

dla_status ir_sram_plan(ir_graph *g, int atom, int region, dla_error *err)
{
    g->sram_bytes = 0;
    g->sram_tensors = 0;
    g->sram_saved_bytes = 0;
    if (g->sram_pool_bytes <= 0 || g->n_layers == 0)
        return DLA_OK;
    uint64_t pool = (uint64_t)g->sram_pool_bytes;
    size_t nt = (size_t)g->n_tensors;
    int *first = malloc(nt * sizeof *first);
    double *reads = calloc(nt, sizeof *reads); /* reads of each tensor, in whole-tensor units */
    bool *gpu = calloc(nt, sizeof *gpu);
    sram_cand *c = calloc((size_t)g->n_layers, sizeof *c);
    sram_span *spans = calloc((size_t)g->n_layers, sizeof *spans);
    dla_status st = DLA_OK;
    if (!first || !reads || !gpu || !c || !spans) {
        st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (SRAM plan)", g->base);
        goto done;
    }
    for (size_t i = 0; i < nt; i++)
        first[i] = -1;
    for (int i = 0; i < g->n_layers; i++) {
        const ir_layer *l = &g->layers[i];
        if (l->kind == IR_LAYER_GPU) {
            mark_gpu_boundary(g, l, gpu);
            continue;
        }
        int o = slice_root(g, l->out);
        if (first[o] < 0)
            first[o] = i;
        int rd[2] = {l->in, l->ew_in};
        for (int k = 0; k < 2; k++) {
            if (rd[k] < 0)
                continue;
            int r = slice_root(g, rd[k]);
            /* reading one concat input reads its channels of the surface */
            int64_t dr[4], dc[4];
            double part = 1.0;
            if (r != rd[k] && ir_nchw(&g->tensors[rd[k]], dr) && ir_nchw(&g->tensors[r], dc) && dc[1] > 0)
                part = (double)dr[1] / (double)dc[1];
            reads[r] += part;
        }
    }
    int n = 0;
    for (int i = 0; i < g->n_layers; i++) {
        int t = slice_root(g, g->layers[i].out);
        ir_tensor *x = &g->tensors[t];
        int64_t d[4];
        if (first[t] != i || gpu[t] || x->region >= 0 || x->is_input || x->is_output || x->pixel || !ir_nchw(x, d))
            continue; /* once per tensor; network I/O and GPU boundaries stay in DRAM */
        ir_feature_layout(x, atom);
        uint64_t size = ((uint64_t)x->bytes + SRAM_ALIGN - 1) / SRAM_ALIGN * SRAM_ALIGN;
        int last = x->last_layer > i ? x->last_layer : i;
        c[n++] = (sram_cand){t, i, last, size, 1.0 + reads[t], 0, false};
    }
    qsort(c, (size_t)n, sizeof *c, cmp_benefit);
    g->sram_bytes = pack(c, n, pool, spans);
    for (int i = 0; i < n; i++)
        if (c[i].placed) {
            g->tensors[c[i].t].region = region;
            g->tensors[c[i].t].offset = c[i].off;
            g->sram_tensors++;
            g->sram_saved_bytes += (uint64_t)((double)c[i].size * c[i].per_byte);
        }
    /* WAR hazards of reused SRAM bytes: memory_plan.c records them in layer order with the DRAM ones */
done:
    free(first);
    free(reads);
    free(gpu);
    free(c);
    free(spans);
    return st;
}
