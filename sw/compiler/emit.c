/* Emission: the planned layers -> a dla_loadable. Per layer and batch image (images consecutive, or
 * chunks of images in NVDLA batch mode for FC-like layers, tiling.c choose_batch):
 * CONV + fused SDP per tile, one SDP op for SDP-only layers, one PDP op per pool, one RUBIK op per
 * contract (deconv.c). Dependencies are
 * the producers of every tensor read and, for reused memory, the readers of what gets overwritten;
 * per engine only the latest such op is kept, because each engine completes its ops in order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"

typedef struct war_seg {
    uint64_t lo, hi;
    int latest[DLA_OP_KIND_COUNT];
} war_seg;

typedef struct emitter {
    ir_graph *g;
    const dla_config *cfg;
    dla_loadable *ld;
    int N;
    int atom;
    dla_precision prec;
    /* last op index per (tensor, image, engine) that wrote / read it; -1 none */
    int *wr, *rd;
    /* WAR hazards: the activation bytes as sorted disjoint segments, each with the latest op per
     * engine to wait for before overwriting it (the freed spans g->freed[0..n_ins) merged in) */
    war_seg *segs, *tmp;
    int n_segs, cap_segs, n_ins;
} emitter;

#define SLOT(e, t, n, k) ((((size_t)(t) * (size_t)(e)->N) + (size_t)(n)) * DLA_OP_KIND_COUNT + (size_t)(k))

static dla_lsurface surface(const emitter *e, int ti, int n, int c0, int cn, int row0, int rows)
{
    const ir_tensor *t = &e->g->tensors[ti];
    int64_t d[4];
    ir_nchw(t, d);
    dla_lsurface s;
    memset(&s, 0, sizeof s);
    s.region = t->region;
    const int cps = e->atom / ir_bpe(t->prec); /* each tensor in its own precision (quantize.c) */
    s.offset = t->offset + (uint64_t)n * t->batch_stride + (uint64_t)(c0 / cps) * t->surface_stride +
               (uint64_t)row0 * t->line_stride;
    s.width = (uint32_t)d[3];
    s.height = (uint32_t)(rows < 0 ? d[2] : rows);
    s.channels = (uint32_t)(cn < 0 ? d[1] : cn);
    s.line_stride = t->line_stride;
    s.surface_stride = t->surface_stride;
    s.precision = (uint32_t)t->prec;
    return s;
}

/* A cube streamed between fused engines: no memory, but its dimensions. */
static dla_lsurface on_the_fly(dla_precision prec, uint32_t w, uint32_t h, uint32_t c)
{
    dla_lsurface s;
    memset(&s, 0, sizeof s);
    s.region = -1;
    s.width = w;
    s.height = h;
    s.channels = c;
    s.precision = (uint32_t)prec;
    return s;
}

/* Keep the latest op per engine (an engine completes its ops in index order). */
static void dep_take(int *latest, const int *slots)
{
    for (int k = 0; k < DLA_OP_KIND_COUNT; k++)
        if (slots[k] > latest[k])
            latest[k] = slots[k];
}

static void deps_raw(const emitter *e, int *latest, int t, int n)
{
    t = ir_slice_root(e->g, t); /* a slice view waits for its holder's writers */
    if (t >= 0)
        dep_take(latest, &e->wr[SLOT(e, t, n, 0)]);
}

static bool seg_put(war_seg *out, int *n, uint64_t lo, uint64_t hi, const int *a, const int *b)
{
    if (lo >= hi)
        return false;
    war_seg s = {lo, hi, {0}};
    for (int k = 0; k < DLA_OP_KIND_COUNT; k++)
        s.latest[k] = b && b[k] > a[k] ? b[k] : a[k];
    /* merge with an adjacent segment that waits for the same ops: the map stays as small as the
     * number of distinct placements */
    if (*n > 0 && out[*n - 1].hi == lo && !memcmp(out[*n - 1].latest, s.latest, sizeof s.latest)) {
        out[*n - 1].hi = hi;
        return true;
    }
    out[(*n)++] = s;
    return true;
}

/* Merge the freed span [lo, hi) whose overwriting must wait for v into the segment map. */
static dla_status war_insert(emitter *e, uint64_t lo, uint64_t hi, const int *v, dla_error *err)
{
    if (2 * e->n_segs + 3 > e->cap_segs) { /* a span adds a gap beside each segment and splits two */
        int cap = 2 * e->n_segs + 64;
        war_seg *a = realloc(e->segs, (size_t)cap * sizeof *a);
        if (a)
            e->segs = a;
        war_seg *b = a ? realloc(e->tmp, (size_t)cap * sizeof *b) : NULL;
        if (!b)
            return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (emission)", e->g->base);
        e->tmp = b;
        e->cap_segs = cap;
    }
    war_seg *out = e->tmp;
    int n = 0;
    uint64_t pos = lo; /* [pos, hi) not yet written out */
    for (int i = 0; i < e->n_segs; i++) {
        const war_seg *s = &e->segs[i];
        if (s->hi <= lo || s->lo >= hi) {
            if (s->lo >= hi && pos < hi) {
                seg_put(out, &n, pos, hi, v, NULL);
                pos = hi;
            }
            seg_put(out, &n, s->lo, s->hi, s->latest, NULL);
            continue;
        }
        uint64_t a = s->lo > lo ? s->lo : lo, b = s->hi < hi ? s->hi : hi;
        seg_put(out, &n, s->lo, lo, s->latest, NULL);
        seg_put(out, &n, pos, a, v, NULL);
        seg_put(out, &n, a, b, s->latest, v);
        seg_put(out, &n, hi, s->hi, s->latest, NULL);
        pos = b;
    }
    seg_put(out, &n, pos, hi, v, NULL);
    e->tmp = e->segs;
    e->segs = out;
    e->n_segs = n;
    return DLA_OK;
}

/* Writing t overwrites the bytes of earlier tensors: wait for their readers (which already waited
 * for their writers), or for their writers when nothing read them — per engine the latest over every
 * freed span overlapping t's range and every image. Spans are merged into the map in the order they
 * were freed, by the time the first tensor placed after them is written; their readers all come
 * earlier in layer order, so the op indices are final. A span freed after t was placed was live
 * with t and never overlaps it (memory_plan.c), so the map may already hold it. */
static dla_status deps_war(emitter *e, int *latest, int t, dla_error *err)
{
    const ir_tensor *x = &e->g->tensors[t];
    if (x->war_size == 0)
        return DLA_OK;
    for (; e->n_ins < x->war_freed; e->n_ins++) {
        const ir_span *f = &e->g->freed[e->n_ins];
        int v[DLA_OP_KIND_COUNT];
        for (int k = 0; k < DLA_OP_KIND_COUNT; k++)
            v[k] = -1;
        for (int n = 0; n < e->N; n++) {
            const int *rd = &e->rd[SLOT(e, f->tensor, n, 0)];
            bool read = false;
            for (int k = 0; k < DLA_OP_KIND_COUNT; k++)
                read |= rd[k] >= 0;
            dep_take(v, read ? rd : &e->wr[SLOT(e, f->tensor, n, 0)]);
        }
        dla_status st = war_insert(e, f->off, f->off + f->size, v, err);
        if (st != DLA_OK)
            return st;
    }
    const uint64_t lo = x->war_off, hi = x->war_off + x->war_size;
    int a = 0, b = e->n_segs; /* first segment ending after lo */
    while (a < b) {
        int m = a + (b - a) / 2;
        if (e->segs[m].hi <= lo)
            a = m + 1;
        else
            b = m;
    }
    for (int i = a; i < e->n_segs && e->segs[i].lo < hi; i++)
        dep_take(latest, e->segs[i].latest);
    return DLA_OK;
}

static dla_status push_op(emitter *e, dla_lop *op, const int *latest, uint32_t *index, dla_error *err)
{
    op->num_deps = 0;
    for (int k = 0; k < DLA_OP_KIND_COUNT; k++)
        if (latest[k] >= 0)
            op->deps[op->num_deps++] = (uint32_t)latest[k];
    dla_status st = dla_loadable_add_op(e->ld, op, index);
    if (st != DLA_OK)
        return dla_error_set(err, st, "%s: cannot add op %u to the loadable", e->g->base, e->ld->num_ops);
    return DLA_OK;
}

/* The layer's LUT (lut.c) for SDP op index: every SDP op of the layer carries its own copy, as NVDLA's
 * firmware programs the LUT with each op that uses it. */
static dla_status attach_lut(emitter *e, const ir_layer *l, uint32_t index, dla_error *err)
{
    if (!l->lut)
        return DLA_OK;
    dla_llut t = *l->lut;
    t.op = index;
    if (dla_loadable_add_lut(e->ld, &t, NULL) != DLA_OK)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (LUT of layer '%s')", e->g->base, l->name);
    return DLA_OK;
}

static void note(emitter *e, int *table, int t, int n, uint32_t kind, uint32_t op)
{
    if (t >= 0)
        table[SLOT(e, t, n, kind)] = (int)op;
    /* Writing a concat input writes the concat: its readers wait for every producer. */
    if (t >= 0 && table == e->wr && e->g->tensors[t].concat_of >= 0)
        table[SLOT(e, e->g->tensors[t].concat_of, n, kind)] = (int)op;
    /* Reading a slice view reads its holder: whoever overwrites the holder waits for this op. */
    if (t >= 0 && table == e->rd && e->g->tensors[t].view_of >= 0)
        table[SLOT(e, ir_slice_root(e->g, t), n, kind)] = (int)op;
}

static void init_latest(int *latest)
{
    for (int k = 0; k < DLA_OP_KIND_COUNT; k++)
        latest[k] = -1;
}

static void fill_sdp_operands(dla_lsdp *sdp, const ir_layer *l)
{
    dla_lsdp_stage *st[2] = {&sdp->bs, &sdp->bn};
    for (int k = 0; k < 2; k++)
        if (st[k]->enable && l->operands &&
            ((st[k]->alu_enable && st[k]->alu_src == DLA_OPERAND_PER_KERNEL) ||
             (st[k]->mul_enable && st[k]->mul_src == DLA_OPERAND_PER_KERNEL))) {
            st[k]->operand_region = 0;
            st[k]->operand_offset = l->operand_offset;
            if (k == 1) /* BN's own table after BS's K pairs, if it has one (sdp_ops.c) */
                st[k]->operand_offset += l->bn_table_bytes;
        } else {
            st[k]->operand_region = -1;
            st[k]->operand_offset = 0;
        }
}

static dla_status emit_conv_layer(emitter *e, ir_layer *l, uint32_t li, dla_error *err)
{
    ir_graph *g = e->g;
    const ir_conv *c = &g->nodes[l->conv_node].conv;
    int64_t xd[4], yd[4];
    ir_nchw(&g->tensors[l->in], xd);
    ir_nchw(&g->tensors[l->out], yd);
    /* NVDLA batch mode (tiling.c choose_batch): one op per chunk of nb images, else per image. */
    int chunk = l->batch_chunk > 1 ? l->batch_chunk : 1;
    int total = (e->N + chunk - 1) / chunk * l->n_tiles;
    for (int q = 0; q < total; q++) {
        int n = q / l->n_tiles * chunk, nb = e->N - n < chunk ? e->N - n : chunk;
        const ir_conv_tile *t = &l->tiles[q % l->n_tiles];
        const ir_conv_tile *prev = q > 0 ? &l->tiles[(q - 1) % l->n_tiles] : NULL;
        const ir_conv_tile *next = q + 1 < total ? &l->tiles[(q + 1) % l->n_tiles] : NULL;
        dla_lop op;
        memset(&op, 0, sizeof op);
        op.kind = DLA_OP_CONV;
        op.layer = li;
        op.batch_index = (uint32_t)n;
        op.fused_parent = -1;
        op.macs = (uint64_t)nb * (uint64_t)t->out_rows * (uint64_t)yd[3] * (uint64_t)t->kn *
                  (uint64_t)(c->c / c->groups) * (uint64_t)c->kh * (uint64_t)c->kw;
        dla_lconv *cv = &op.u.conv;
        cv->src = surface(e, l->in, n, t->c0, t->cn, t->in_row0, t->in_rows);
        cv->weight_region = 0;
        cv->weight_offset = t->weight_offset;
        cv->weight_bytes = t->weight_bytes;
        cv->weight_format = DLA_WEIGHT_DENSE;
        if (l->sparse) {
            /* values, then the metadata right after them (docs/datapath.md "2:4 sparse weights") */
            uint64_t dense =
                ir_dc_weight_bytes(t->kn, t->cn, c->kh, c->kw, e->cfg->core.atomic_c, e->cfg->core.atomic_k, l->prec);
            cv->weight_format = DLA_WEIGHT_SPARSE_2_4;
            cv->sparse_meta_offset = t->weight_offset + ir_sparse_values_bytes(dense);
            cv->sparse_meta_bytes = ir_sparse_meta_bytes(dense);
        }
        cv->kernel_w = (uint32_t)c->kw;
        cv->kernel_h = (uint32_t)c->kh;
        cv->kernel_c = (uint32_t)t->cn;
        cv->kernel_k = (uint32_t)t->kn;
        cv->stride_x = (uint32_t)c->sx;
        cv->stride_y = (uint32_t)c->sy;
        cv->dilation_x = (uint32_t)c->dx;
        cv->dilation_y = (uint32_t)c->dy;
        cv->pad_left = (uint32_t)c->pl;
        cv->pad_right = (uint32_t)c->pr;
        cv->pad_top = (uint32_t)t->pad_top;
        cv->pad_bottom = (uint32_t)t->pad_bottom;
        cv->pad_value = 0;
        cv->out_w = (uint32_t)yd[3];
        cv->out_h = (uint32_t)t->out_rows;
        cv->precision = (uint32_t)l->prec;
        cv->data_banks = t->data_banks;
        cv->weight_banks = t->weight_banks;
        cv->entry_per_slice = t->entry_per_slice;
        cv->fetch_grain = 1;
        cv->data_reuse = 0;
        /* weights stay in CBUF between consecutive hardware layers of the same slice */
        bool same_prev = prev && prev->k0 == t->k0 && t->full_weights;
        bool same_next = next && next->k0 == t->k0 && t->full_weights;
        cv->weight_reuse = same_prev;
        cv->skip_weight_release = same_next;
        cv->skip_data_release = 0;
        cv->release_slices = (uint32_t)t->in_rows;
        cv->clip_truncate = l->clip_truncate;
        if (l->image) {
            cv->data_format = DLA_DATA_PIXEL;
            cv->pixel_format = g->tensors[l->in].pixel_format;
        }
        if (nb > 1) {
            cv->batch = (uint32_t)nb;
            cv->src_batch_stride = g->tensors[l->in].batch_stride;
            cv->dst_batch_stride = g->tensors[l->out].batch_stride;
        }
        int latest[DLA_OP_KIND_COUNT];
        init_latest(latest);
        for (int m = n; m < n + nb; m++)
            deps_raw(e, latest, l->in, m);
        uint32_t conv_idx, sdp_idx, cv_out_w = cv->out_w;
        dla_status st = push_op(e, &op, latest, &conv_idx, err);
        if (st != DLA_OK)
            return st;
        for (int m = n; m < n + nb; m++)
            note(e, e->rd, l->in, m, DLA_OP_CONV, conv_idx);
        memset(&op, 0, sizeof op);
        op.kind = DLA_OP_SDP;
        op.layer = li;
        op.batch_index = (uint32_t)n;
        op.fused_parent = (int32_t)conv_idx;
        op.u.sdp = l->sdp;
        dla_lsdp *sdp = &op.u.sdp;
        sdp->src = on_the_fly(l->prec, cv_out_w, (uint32_t)t->out_rows, (uint32_t)t->kn);
        sdp->dst = surface(e, l->out, n, t->k0, t->kn, t->out_row0, t->out_rows);
        fill_sdp_operands(sdp, l);
        if (sdp->bs.operand_region == 0)
            sdp->bs.operand_offset += (uint64_t)t->k0 * 4u;
        if (sdp->bn.operand_region == 0)
            sdp->bn.operand_offset += (uint64_t)t->k0 * 4u;
        if (l->ew_in >= 0)
            sdp->ew.operand = surface(e, l->ew_in, n, t->k0, t->kn, t->out_row0, t->out_rows);
        init_latest(latest);
        deps_raw(e, latest, l->ew_in, n);
        if ((st = deps_war(e, latest, l->out, err)) != DLA_OK)
            return st;
        if ((st = push_op(e, &op, latest, &sdp_idx, err)) != DLA_OK || (st = attach_lut(e, l, sdp_idx, err)) != DLA_OK)
            return st;
        note(e, e->rd, l->ew_in, n, DLA_OP_SDP, sdp_idx);
        for (int m = n; m < n + nb; m++) {
            note(e, e->wr, l->out, m, DLA_OP_SDP, sdp_idx);
            for (int h = 0; h < l->n_hslices; h++) /* hfuse.c: readers of a slice wait for the merged conv */
                note(e, e->wr, l->hslices[h], m, DLA_OP_SDP, sdp_idx);
        }
    }
    return DLA_OK;
}

static dla_status emit_other_layer(emitter *e, ir_layer *l, uint32_t li, dla_error *err)
{
    ir_graph *g = e->g;
    for (int n = 0; n < e->N; n++) {
        dla_lop op;
        memset(&op, 0, sizeof op);
        op.layer = li;
        op.batch_index = (uint32_t)n;
        op.fused_parent = -1;
        int latest[DLA_OP_KIND_COUNT];
        init_latest(latest);
        deps_raw(e, latest, l->in, n);
        deps_raw(e, latest, l->ew_in, n);
        dla_status wst = deps_war(e, latest, l->out, err);
        if (wst != DLA_OK)
            return wst;
        if (l->kind == IR_LAYER_POOL) {
            const ir_pool *p = &g->nodes[l->pool_node].pool;
            op.kind = DLA_OP_PDP;
            dla_lpdp *pd = &op.u.pdp;
            pd->src = surface(e, l->in, n, 0, -1, 0, -1);
            pd->dst = surface(e, l->out, n, 0, -1, 0, -1);
            pd->method = p->max ? DLA_POOL_MAX : DLA_POOL_AVG;
            pd->kernel_w = (uint32_t)p->kw;
            pd->kernel_h = (uint32_t)p->kh;
            pd->stride_x = (uint32_t)p->sx;
            pd->stride_y = (uint32_t)p->sy;
            pd->pad_left = (uint32_t)p->pl;
            pd->pad_right = (uint32_t)p->pr;
            pd->pad_top = (uint32_t)p->pt;
            pd->pad_bottom = (uint32_t)p->pb;
            /* max pooling ignores padding: pad with the smallest value (INT8 -128, FP16 -inf), unless
             * the padding is a folded zero Pad */
            int32_t lowest = l->prec == DLA_PRECISION_FP16 ? (int32_t)ir_f32_to_f16(-INFINITY) : -128;
            pd->pad_value = p->max && !p->zero_pad ? lowest : 0;
            pd->count_include_pad = p->count_include_pad;
            /* The PDP splits a line wider than its line buffer by itself (hw/pdp/pdp.h); loadable
             * format 1.0 carries no partial widths, so software never splits. */
            pd->split_num = 1;
        } else if (l->kind == IR_LAYER_CDP) { /* LRN (lrn.c): the LUT follows in LUTS */
            op.kind = DLA_OP_CDP;
            op.u.cdp = l->cdp;
            op.u.cdp.src = surface(e, l->in, n, 0, -1, 0, -1);
            op.u.cdp.dst = surface(e, l->out, n, 0, -1, 0, -1);
        } else if (l->kind == IR_LAYER_RUBIK) {
            const ir_node *r = &g->nodes[l->nodes[0]];
            op.kind = DLA_OP_RUBIK;
            op.u.rubik.src = surface(e, l->in, n, 0, -1, 0, -1);
            op.u.rubik.dst = surface(e, l->out, n, 0, -1, 0, -1);
            op.u.rubik.dst.width += (uint32_t)g->tensors[l->out].pad_w; /* the whole stride groups (deconv.c) */
            op.u.rubik.dst.height += (uint32_t)g->tensors[l->out].pad_h;
            op.u.rubik.mode = DLA_RUBIK_CONTRACT;
            op.u.rubik.stride_x = (uint32_t)r->rubik_sx;
            op.u.rubik.stride_y = (uint32_t)r->rubik_sy;
        } else {
            op.kind = DLA_OP_SDP;
            op.u.sdp = l->sdp;
            dla_lsdp *sdp = &op.u.sdp;
            sdp->src = surface(e, l->in, n, 0, -1, 0, -1);
            sdp->dst = surface(e, l->out, n, 0, -1, 0, -1);
            fill_sdp_operands(sdp, l);
            if (l->ew_in >= 0)
                sdp->ew.operand = surface(e, l->ew_in, n, 0, -1, 0, -1);
        }
        uint32_t idx;
        dla_status st = push_op(e, &op, latest, &idx, err);
        if (st == DLA_OK && (op.kind == DLA_OP_SDP || op.kind == DLA_OP_CDP))
            st = attach_lut(e, l, idx, err);
        if (st != DLA_OK)
            return st;
        note(e, e->rd, l->in, n, op.kind, idx);
        note(e, e->rd, l->ew_in, n, op.kind, idx);
        note(e, e->wr, l->out, n, op.kind, idx);
    }
    return DLA_OK;
}

/* Weights image: DC-format weights per slice (block-diagonal for grouped convs) + operand tables. */
static dla_status build_weights(emitter *e, uint8_t **out, dla_error *err)
{
    ir_graph *g = e->g;
    uint8_t *img = calloc((size_t)(g->weights_bytes ? g->weights_bytes : 1), 1);
    if (!img)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (weights, %llu bytes)", g->base,
                             (unsigned long long)g->weights_bytes);
    for (int i = 0; i < g->n_layers; i++) {
        ir_layer *l = &g->layers[i];
        if (l->operands) {
            int K = (int)g->tensors[l->out].dims[1];
            for (int k = 0; k < 2 * K + (int)(l->bn_table_bytes / 2); k++) {
                uint16_t v = (uint16_t)l->operands[k];
                img[l->operand_offset + 2 * (uint64_t)k] = (uint8_t)(v & 0xFF);
                img[l->operand_offset + 2 * (uint64_t)k + 1] = (uint8_t)(v >> 8);
            }
        }
    }
    *out = img;
    return DLA_OK;
}

static dla_status pack_layer_weights(emitter *e, const dla_config *cfg, uint8_t *img, dla_error *err)
{
    ir_graph *g = e->g;
    for (int i = 0; i < g->n_layers; i++) {
        ir_layer *l = &g->layers[i];
        if (l->kind != IR_LAYER_CONV)
            continue;
        const ir_conv *c = &g->nodes[l->conv_node].conv;
        const dla_precision prec = l->prec; /* per-layer precision (quantize.c) */
        const size_t bpe = (size_t)ir_bpe(prec);
        int cg = c->c / c->groups, kg = c->k / c->groups, rs = c->kh * c->kw;
        for (int k = 0; k < l->n_tiles; k++) {
            const ir_conv_tile *t = &l->tiles[k];
            if (k > 0 && t->k0 == l->tiles[k - 1].k0)
                continue;
            if (l->sparse) {
                uint64_t dense_bytes =
                    ir_dc_weight_bytes(t->kn, t->cn, c->kh, c->kw, cfg->core.atomic_c, cfg->core.atomic_k, prec);
                uint8_t *dense = malloc((size_t)dense_bytes);
                if (!dense)
                    return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (sparse weights)", g->base);
                ir_dc_weight_pack(l->qweights, t->kn, t->cn, c->kh, c->kw, cfg->core.atomic_c, cfg->core.atomic_k, prec,
                                  dense);
                uint8_t *values = img + t->weight_offset;
                bool ok = ir_sparse_compress(dense, dense_bytes, values, values + ir_sparse_values_bytes(dense_bytes));
                free(dense);
                if (!ok)
                    return dla_error_set(err, DLA_ERR_INTERNAL,
                                         "%s: layer '%s': quantised weights are not 2:4 sparse along C", g->base,
                                         l->name);
                continue;
            }
            if (l->image) {
                /* Channel extension (docs/datapath.md "Image input"): kernel K x C x R x S becomes
                 * K x (S * pixel bytes) x R x 1, extended channel s * pixel_bytes + byte(c) = w[k][c][r][s]. */
                uint32_t fmt = g->tensors[l->in].pixel_format, pb = dla_pixel_bytes(fmt);
                int ec = c->kw * (int)pb;
                int8_t *ext = calloc((size_t)t->kn * (size_t)ec * (size_t)c->kh, 1);
                if (!ext)
                    return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (image-mode weights)", g->base);
                const int8_t *w = l->qweights;
                for (int kk = 0; kk < t->kn; kk++)
                    for (int ci = 0; ci < c->c; ci++)
                        for (int y = 0; y < c->kh; y++)
                            for (int x = 0; x < c->kw; x++) {
                                size_t e = (size_t)x * pb + dla_pixel_channel_byte(fmt, (uint32_t)ci);
                                ext[((size_t)kk * (size_t)ec + e) * (size_t)c->kh + (size_t)y] =
                                    w[(((size_t)(t->k0 + kk) * (size_t)c->c + (size_t)ci) * (size_t)c->kh + (size_t)y) *
                                          (size_t)c->kw +
                                      (size_t)x];
                            }
                ir_dc_weight_pack(ext, t->kn, ec, c->kh, 1, cfg->core.atomic_c, cfg->core.atomic_k, prec,
                                  img + t->weight_offset);
                free(ext);
                continue;
            }
            if (c->groups == 1 && t->kn == c->k) {
                ir_dc_weight_pack(l->qweights, t->kn, t->cn, c->kh, c->kw, cfg->core.atomic_c, cfg->core.atomic_k, prec,
                                  img + t->weight_offset);
                continue;
            }
            /* dense kn x cn block with each kernel's own group channels filled, zeros elsewhere */
            size_t dense_n = (size_t)t->kn * (size_t)t->cn * (size_t)rs;
            uint8_t *dense = calloc(dense_n ? dense_n : 1, bpe);
            if (!dense)
                return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (grouped weights)", g->base);
            for (int kk = 0; kk < t->kn; kk++) {
                int kabs = t->k0 + kk, grp = kabs / kg;
                for (int ci = 0; ci < cg; ci++) {
                    int cabs = grp * cg + ci, cl = cabs - t->c0;
                    if (cl < 0 || cl >= t->cn)
                        continue;
                    memcpy(dense + (((size_t)kk * (size_t)t->cn + (size_t)cl) * (size_t)rs) * bpe,
                           (const uint8_t *)l->qweights + (((size_t)kabs * (size_t)cg + (size_t)ci) * (size_t)rs) * bpe,
                           (size_t)rs * bpe);
                }
            }
            ir_dc_weight_pack(dense, t->kn, t->cn, c->kh, c->kw, cfg->core.atomic_c, cfg->core.atomic_k, prec,
                              img + t->weight_offset);
            free(dense);
        }
    }
    return DLA_OK;
}

static dla_status add_io_tensor(emitter *e, int graph_t, uint32_t role, dla_error *err)
{
    ir_graph *g = e->g;
    const ir_tensor *v = &g->tensors[graph_t];
    const ir_tensor *t = &g->tensors[ir_resolve(g, graph_t)];
    int64_t d[4];
    ir_nchw(t, d);
    dla_ltensor lt;
    memset(&lt, 0, sizeof lt);
    snprintf(lt.name, sizeof lt.name, "%s", v->name);
    lt.role = role;
    lt.n = (uint32_t)d[0];
    lt.c = (uint32_t)d[1];
    lt.h = (uint32_t)d[2];
    lt.w = (uint32_t)d[3];
    lt.precision = (uint32_t)t->prec;
    lt.region = (uint32_t)t->region;
    lt.offset = t->offset;
    lt.line_stride = t->line_stride;
    lt.surface_stride = t->surface_stride;
    lt.batch_stride = t->batch_stride;
    lt.scale = t->prec == DLA_PRECISION_INT8 ? t->scale : 1.0f;
    if (t->pixel) {
        lt.data_format = DLA_DATA_PIXEL;
        lt.pixel_format = t->pixel_format;
    }
    uint32_t idx;
    dla_status st = dla_loadable_add_tensor(e->ld, &lt, &idx);
    if (st != DLA_OK)
        return dla_error_set(err, st, "%s: cannot add tensor '%s' to the loadable", g->base, v->name);
    return DLA_OK;
}

static dla_status add_region(emitter *e, uint32_t kind, uint64_t size, uint64_t blob_off, uint64_t blob_size,
                             dla_error *err)
{
    dla_lregion r;
    memset(&r, 0, sizeof r);
    r.kind = kind;
    r.domain = DLA_DOMAIN_DRAM;
    r.size = size ? size : 128;
    r.alignment = 256;
    r.blob_offset = blob_off;
    r.blob_size = blob_size;
    uint32_t idx;
    dla_status st = dla_loadable_add_region(e->ld, &r, &idx);
    if (st != DLA_OK)
        return dla_error_set(err, st, "%s: cannot add region %u to the loadable", e->g->base, e->ld->num_regions);
    return DLA_OK;
}

dla_status ir_emit(ir_graph *g, const dla_compile_opts *opts, dla_loadable **out, dla_error *err)
{
    const dla_config *cfg = opts->cfg;
    emitter e;
    memset(&e, 0, sizeof e);
    e.g = g;
    e.cfg = cfg;
    e.N = (int)g->batch;
    e.prec = opts->precision; /* the network's; layers and tensors carry their own (mixed networks) */
    e.atom = cfg->core.memory_atomic_bytes;
    dla_status st = DLA_OK;
    uint8_t *img = NULL;
    uint32_t *first_op = NULL, *num_ops = NULL; /* per layer: its ops in the loadable */
    size_t slots = (size_t)g->n_tensors * (size_t)e.N * DLA_OP_KIND_COUNT;
    e.wr = malloc((slots ? slots : 1) * sizeof(int));
    e.rd = malloc((slots ? slots : 1) * sizeof(int));
    e.ld = dla_loadable_create();
    if (!e.wr || !e.rd || !e.ld) {
        st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (emission)", g->base);
        goto fail;
    }
    for (size_t i = 0; i < slots; i++)
        e.wr[i] = e.rd[i] = -1;
    dla_loadable *ld = e.ld;
    snprintf(ld->target_config, sizeof ld->target_config, "%s", cfg->name);
    ld->atomic_c = (uint32_t)cfg->core.atomic_c;
    ld->atomic_k = (uint32_t)cfg->core.atomic_k;
    ld->memory_atomic_bytes = (uint32_t)cfg->core.memory_atomic_bytes;
    ld->cbuf_banks = (uint32_t)cfg->core.cbuf_banks;
    ld->cbuf_entries_per_bank = (uint32_t)cfg->core.cbuf_entries_per_bank;
    ld->cbuf_entry_bytes = (uint32_t)cfg->core.cbuf_entry_bytes;
    const char *dot = strrchr(g->base, '.');
    snprintf(ld->network, sizeof ld->network, "%.*s", (int)(dot ? dot - g->base : (long)strlen(g->base)), g->base);
    ld->precision = (uint32_t)e.prec;
    ld->batch = (uint32_t)g->batch;
    /* regions: WEIGHTS, INPUT x n, OUTPUT x n, ACTIVATIONS (memory_plan.c numbering) */
    if ((st = build_weights(&e, &img, err)) != DLA_OK || (st = pack_layer_weights(&e, cfg, img, err)) != DLA_OK)
        goto fail;
    uint64_t blob_off = 0;
    if (g->weights_bytes) {
        st = dla_loadable_append_blob(ld, img, g->weights_bytes, 128, &blob_off);
        if (st != DLA_OK) {
            st = dla_error_set(err, st, "%s: cannot append %llu weight bytes to the loadable", g->base,
                               (unsigned long long)g->weights_bytes);
            goto fail;
        }
    }
    if ((st = add_region(&e, DLA_REGION_WEIGHTS, g->weights_bytes, blob_off, g->weights_bytes, err)) != DLA_OK)
        goto fail;
    for (int i = 0; i < g->n_inputs; i++)
        if ((st = add_region(&e, DLA_REGION_INPUT, (uint64_t)g->tensors[g->inputs[i]].bytes, 0, 0, err)) != DLA_OK)
            goto fail;
    for (int i = 0; i < g->n_outputs; i++)
        if ((st = add_region(&e, DLA_REGION_OUTPUT, (uint64_t)g->tensors[ir_resolve(g, g->outputs[i])].bytes, 0, 0,
                             err)) != DLA_OK)
            goto fail;
    if ((st = add_region(&e, DLA_REGION_ACTIVATIONS, g->activations_bytes, 0, 0, err)) != DLA_OK)
        goto fail;
    if (g->sram_bytes) { /* sram_plan.c: the intermediates on chip, right after ACTIVATIONS */
        if ((st = add_region(&e, DLA_REGION_ACTIVATIONS, g->sram_bytes, 0, 0, err)) != DLA_OK)
            goto fail;
        ld->regions[ld->num_regions - 1].domain = DLA_DOMAIN_SRAM;
    }
    for (int i = 0; i < g->n_inputs; i++)
        if ((st = add_io_tensor(&e, g->inputs[i], DLA_TENSOR_INPUT, err)) != DLA_OK)
            goto fail;
    for (int i = 0; i < g->n_outputs; i++)
        if ((st = add_io_tensor(&e, g->outputs[i], DLA_TENSOR_OUTPUT, err)) != DLA_OK)
            goto fail;
    first_op = calloc((size_t)g->n_layers + 1, sizeof *first_op);
    num_ops = calloc((size_t)g->n_layers + 1, sizeof *num_ops);
    if (!first_op || !num_ops) {
        st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (emission)", g->base);
        goto fail;
    }
    for (int i = 0; i < g->n_layers; i++) {
        ir_layer *l = &g->layers[i];
        first_op[i] = ld->num_ops;
        if (l->kind == IR_LAYER_GPU)
            continue; /* no DLA ops: ir_emit_segments records it */
        dla_llayer ll;
        memset(&ll, 0, sizeof ll);
        snprintf(ll.name, sizeof ll.name, "%s", l->name);
        snprintf(ll.type, sizeof ll.type, "%s", l->type);
        ll.macs = l->macs;
        uint32_t li;
        if ((st = dla_loadable_add_layer(ld, &ll, &li)) != DLA_OK) {
            st = dla_error_set(err, st, "%s: cannot add layer '%s' to the loadable", g->base, l->name);
            goto fail;
        }
        st = l->kind == IR_LAYER_CONV ? emit_conv_layer(&e, l, li, err) : emit_other_layer(&e, l, li, err);
        if (st != DLA_OK)
            goto fail;
        num_ops[i] = ld->num_ops - first_op[i];
    }
    if ((st = ir_emit_segments(g, opts, first_op, num_ops, ld, err)) != DLA_OK)
        goto fail;
    if ((st = dla_loadable_validate(ld, err)) != DLA_OK) {
        dla_error_prefix(err, "%s: internal error, the emitted loadable is invalid", g->base);
        st = DLA_ERR_INTERNAL;
        goto fail;
    }
    free(img);
    free(e.wr);
    free(e.rd);
    free(e.segs);
    free(e.tmp);
    free(first_op);
    free(num_ops);
    *out = ld;
    return DLA_OK;
fail:
    free(first_op);
    free(num_ops);
    free(img);
    free(e.wr);
    free(e.rd);
    free(e.segs);
    free(e.tmp);
    dla_loadable_destroy(e.ld);
    return st;
}
