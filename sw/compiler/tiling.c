/* Tiling and CBUF allocation for every conv layer, after NVDLA's compiler split strategy
 * (../shared/docs/nvdla-reference.md §3): full input + all weights, + 2 kernel groups (ping-pong),
 * + 1 kernel group, else partial-H hardware layers with overlapping rows. Grouped convs are first
 * cut into channel slices of at most one kernel group with block-diagonal dense weights. */
#include <stdlib.h>
#include <string.h>

#include "graph.h"

static int64_t cdiv(int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

/* CBUF entries per input row of W pixels and C channels (NVDLA calculateEPS, direct conv): each
 * pixel's channels take ceil(C*bpe/atom) memory atoms; whole entries hold entry/atom atoms; a last
 * partial entry of a pixel is shared by 1, 2, 4... pixels (its atom count rounded to a power of 2). */
uint32_t ir_entry_per_slice(int64_t C, int64_t W, const dla_config *cfg, dla_precision prec)
{
    int64_t atom = cfg->core.memory_atomic_bytes, entry = cfg->core.cbuf_entry_bytes;
    int64_t ape = entry >= atom ? entry / atom : 1; /* atoms per entry */
    int64_t atoms = cdiv(C * ir_bpe(prec), atom);
    int64_t full = atoms / ape, last = atoms % ape;
    int64_t eps = full * W;
    if (last) {
        int64_t p2 = 1;
        while (p2 < last)
            p2 *= 2;
        eps += cdiv(W, ape / p2);
    }
    return (uint32_t)eps;
}

/* Image-input mode (NVDLA's pixel data format) for the first conv: the layer reads a network input of
 * C <= 4 channels that nothing else reads, as INT8 packed pixels (TensorRT's kDLA_HWC4); the CSC
 * extends channels along the kernel width so an atomic op covers S columns x the pixel's bytes
 * instead of padding C to AtomC (docs/compiler.md, docs/datapath.md "Image input"). */
static bool image_mode(const ir_graph *g, const ir_layer *l, const dla_config *cfg, dla_precision prec)
{
    const ir_conv *c = &g->nodes[l->conv_node].conv;
    int64_t xd[4];
    ir_nchw(&g->tensors[l->in], xd);
    if (!cfg->core.features.image_input || prec != DLA_PRECISION_INT8 || l->sparse || c->groups != 1 || c->dx != 1 ||
        xd[1] > 4)
        return false;
    bool is_input = false;
    for (int i = 0; i < g->n_inputs; i++)
        is_input |= g->inputs[i] == l->in;
    for (int i = 0; i < g->n_outputs && is_input; i++)
        is_input = ir_resolve(g, g->outputs[i]) != l->in;
    for (int i = 0; i < g->n_layers && is_input; i++) {
        const ir_layer *o = &g->layers[i];
        if (o != l && ((o->in >= 0 && ir_slice_root(g, ir_resolve(g, o->in)) == l->in) ||
                       (o->ew_in >= 0 && ir_slice_root(g, ir_resolve(g, o->ew_in)) == l->in))) /* slice views too */
            is_input = false;
    }
    return is_input;
}

typedef struct slice {
    int k0, kn, c0, cn;
} slice;

/* Output points per cycle of a hardware layer of kn kernels (core.cmac.point_split, decided as
 * hw/conv/conv_layer.cpp does): the largest power of two n <= point_split with kn * n <= kpg. */
static int64_t point_split(const dla_core_params *core, int kn, int kpg)
{
    int64_t n = 1;
    while (n * 2 <= core->cmac_point_split && (int64_t)kn * n * 2 <= kpg)
        n *= 2;
    return n;
}

static int slices_of(const ir_conv *c, int ks, int cps, slice *out, int max)
{
    int kg = c->k / c->groups, cg = c->c / c->groups;
    int n = 0;
    for (int k0 = 0; k0 < c->k && n < max; k0 += ks) {
        int kn = c->k - k0 < ks ? c->k - k0 : ks;
        int g0 = k0 / kg, g1 = (k0 + kn - 1) / kg;
        int c0 = g0 * cg / cps * cps; /* the sub-cube starts on an input surface */
        out[n++] = (slice){k0, kn, c0, (g1 + 1) * cg - c0};
    }
    return n;
}

/* NVDLA batch mode (nvdla-reference §3; TensorRT folds the batch, so without it every image runs the
 * layer on its own): an FC-like layer (1x1 output, so one atomic op per stripe against an AtomK-cycle
 * weight load) with N > 1 images runs chunks of up to features.max_batch images as one hardware
 * layer, so each weight load serves the whole chunk. Needs feature data, no element-wise operand
 * (SDP batch reads none) and the chunk's input rows in the banks the weights leave free; the data
 * banks of every tile grow to hold them. */
static void choose_batch(ir_graph *g, ir_layer *l, const dla_config *cfg, int64_t epb)
{
    int64_t yd[4];
    ir_nchw(&g->tensors[l->out], yd);
    l->batch_chunk = 1;
    int64_t chunk = g->batch < cfg->core.features.max_batch ? g->batch : cfg->core.features.max_batch;
    /* FP16 layers stay unbatched: the FP16 datapath and its reference (fp16_ref.py) are checked per image. */
    if (chunk < 2 || yd[2] != 1 || yd[3] != 1 || l->image || l->ew_in >= 0 || l->h_splits != 1 ||
        l->prec != DLA_PRECISION_INT8)
        return;
    for (int t = 0; t < l->n_tiles; t++) {
        const ir_conv_tile *tl = &l->tiles[t];
        int64_t fit =
            (cfg->core.cbuf_banks - (int64_t)tl->weight_banks) * epb / ((int64_t)tl->entry_per_slice * tl->in_rows);
        if (fit < chunk)
            chunk = fit;
    }
    if (chunk < 2)
        return;
    l->batch_chunk = (int)chunk;
    for (int t = 0; t < l->n_tiles; t++) {
        ir_conv_tile *tl = &l->tiles[t];
        tl->data_banks = (uint32_t)cdiv((int64_t)tl->entry_per_slice * tl->in_rows * chunk, epb);
    }
}

/* A grouped conv becomes slices of ks kernels (a multiple of the output surface, at most one kernel
 * group), each a dense conv with block-diagonal weights. ks is the one whose slices take the fewest
 * MAC-array cycles per output point: the sum over slices of ceil(cn / atomic_c) channel blocks
 * divided by the slice's point split (a depthwise conv on Orin: 64-kernel slices of one channel
 * block at 2 points per cycle need a quarter of the cycles of 128-kernel slices of two blocks);
 * ties keep the larger ks (fewer hardware layers). */
static int make_slices(const ir_conv *c, const dla_core_params *core, int kpg, int cps, int atomic_c, slice *out,
                       int max)
{
    if (c->groups == 1) {
        out[0] = (slice){0, c->k, 0, c->c};
        return 1;
    }
    int64_t max_split = core->cmac_point_split > 1 ? core->cmac_point_split : 1;
    int best_ks = 0;
    int64_t best = 0;
    for (int ks = kpg >= cps ? kpg / cps * cps : cps; ks >= cps; ks -= cps) {
        int n = slices_of(c, ks, cps, out, max);
        int64_t cost = 0; /* in 1/max_split channel-block steps per output point */
        for (int i = 0; i < n; i++)
            cost += cdiv(out[i].cn, atomic_c) * (max_split / point_split(core, out[i].kn, kpg));
        if (!best_ks || cost < best) {
            best = cost;
            best_ks = ks;
        }
    }
    return slices_of(c, best_ks, cps, out, max);
}

static dla_status tile_conv(ir_graph *g, ir_layer *l, const dla_config *cfg, dla_precision prec, dla_error *err)
{
    const ir_conv *c = &g->nodes[l->conv_node].conv;
    const dla_core_params *core = &cfg->core;
    int64_t xd[4], yd[4];
    ir_nchw(&g->tensors[l->in], xd);
    ir_nchw(&g->tensors[l->out], yd);
    int64_t H = xd[2], W = xd[3], OH = yd[2];
    int bpe = ir_bpe(prec);
    int cps = core->memory_atomic_bytes / bpe;
    int kpg = prec == DLA_PRECISION_FP16 ? core->atomic_k / 2 : core->atomic_k;
    if (kpg < 1)
        kpg = 1;
    int64_t epb = core->cbuf_entries_per_bank, bank_bytes = (int64_t)core->cbuf_entry_bytes * epb;
    int64_t B = core->cbuf_banks;
    int max_slices = c->groups == 1 ? 1 : c->k / cps + 2;
    slice *sl = malloc((size_t)max_slices * sizeof *sl);
    if (!sl)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (tiling)", g->base);
    int ns = make_slices(c, core, kpg, cps, core->atomic_c * (l->sparse ? 2 : 1), sl, max_slices);
    int64_t eff_r = (int64_t)(c->kh - 1) * c->dy + 1;
    /* Image input: a CBUF slice is W packed pixels; the weights are those of the channel-extended
     * 1 x R x (S * pixel bytes) kernel. */
    l->image = image_mode(g, l, cfg, prec);
    uint32_t pixel_format = dla_pixel_format_for_channels((uint32_t)xd[1]);
    int64_t pixel_bytes = dla_pixel_bytes(pixel_format);
    if (l->image) {
        g->tensors[l->in].pixel = true;
        g->tensors[l->in].pixel_format = pixel_format;
    }
    int w_kw = l->image ? 1 : c->kw;
    l->k_slices = ns;
    l->h_splits = 0;
    l->n_tiles = 0;
    dla_status st = DLA_OK;
    for (int s = 0; s < ns; s++) {
        uint32_t eps = l->image ? (uint32_t)cdiv(W * pixel_bytes, core->cbuf_entry_bytes)
                                : ir_entry_per_slice(sl[s].cn, W, cfg, prec);
        int w_cn = l->image ? (int)(c->kw * pixel_bytes) : sl[s].cn; /* weight channels as the CSC sees them */
        int64_t wbytes = (int64_t)ir_dc_weight_bytes(sl[s].kn, w_cn, c->kh, w_kw, core->atomic_c, core->atomic_k, prec);
        int64_t group_bytes = (int64_t)kpg * w_cn * c->kh * w_kw * bpe; /* DC format: no channel padding */
        int64_t wb_all = cdiv(wbytes, bank_bytes);
        int64_t wb_2 = cdiv(2 * group_bytes < wbytes ? 2 * group_bytes : wbytes, bank_bytes);
        int64_t wb_1 = cdiv(group_bytes < wbytes ? group_bytes : wbytes, bank_bytes);
        int64_t db_full = cdiv((int64_t)eps * H, epb);
        int64_t wopts[3] = {wb_all, wb_2, wb_1};
        int64_t wb = -1, rows_out = OH;
        int mode = 0;
        for (int o = 0; o < 3 && wb < 0; o++)
            if (db_full + wopts[o] <= B) {
                wb = wopts[o];
                mode = o;
            }
        if (wb < 0) {
            /* partial-H: the largest weight option that still leaves room for one output row */
            for (int o = 0; o < 3 && wb < 0; o++) {
                int64_t avail = B - wopts[o];
                int64_t h_fit = avail > 0 ? avail * epb / eps : 0;
                if (h_fit >= eff_r) {
                    wb = wopts[o];
                    mode = o;
                    rows_out = (h_fit - eff_r) / c->sy + 1;
                }
            }
        }
        if (wb < 0) {
            st =
                dla_error_set(err, DLA_ERR_UNSUPPORTED,
                              "%s: layer '%s': %lld input rows of %u CBUF entries each do not fit next to the smallest "
                              "weight set (%lld banks) in %lld banks of %lld entries (rule cbuf.fit)",
                              g->base, l->name, (long long)eff_r, eps, (long long)wb_1, (long long)B, (long long)epb);
            goto done;
        }
        int splits = (int)cdiv(OH, rows_out);
        if (splits > l->h_splits)
            l->h_splits = splits;
        ir_conv_tile *t = realloc(l->tiles, (size_t)(l->n_tiles + splits) * sizeof *t);
        if (!t) {
            st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (tiling)", g->base);
            goto done;
        }
        l->tiles = t;
        for (int h = 0; h < splits; h++) {
            ir_conv_tile *tl = &l->tiles[l->n_tiles++];
            memset(tl, 0, sizeof *tl);
            tl->k0 = sl[s].k0;
            tl->kn = sl[s].kn;
            tl->c0 = sl[s].c0;
            tl->cn = sl[s].cn;
            tl->out_row0 = (int)(h * rows_out);
            tl->out_rows = (int)(OH - tl->out_row0 < rows_out ? OH - tl->out_row0 : rows_out);
            /* input rows the output rows need, the part outside the input becomes padding */
            int64_t first = (int64_t)tl->out_row0 * c->sy - c->pt;
            int64_t last = (int64_t)(tl->out_row0 + tl->out_rows - 1) * c->sy - c->pt + eff_r - 1;
            tl->pad_top = first < 0 ? (int)-first : 0;
            tl->pad_bottom = last > H - 1 ? (int)(last - (H - 1)) : 0;
            tl->in_row0 = (int)(first < 0 ? 0 : first);
            tl->in_rows = (int)((last > H - 1 ? H - 1 : last) - tl->in_row0 + 1);
            tl->entry_per_slice = eps;
            tl->data_banks = (uint32_t)cdiv((int64_t)eps * tl->in_rows, epb);
            tl->weight_banks = (uint32_t)wb;
            tl->full_weights = wb == wb_all;
            tl->weight_mode = tl->full_weights ? 0 : mode;
            /* banks stay sized for the dense weights (conservative); the region holds the compressed ones */
            tl->weight_bytes = l->sparse
                                   ? ir_sparse_values_bytes((uint64_t)wbytes) + ir_sparse_meta_bytes((uint64_t)wbytes)
                                   : (uint64_t)wbytes;
        }
        /* One bank split for all hardware layers of a slice: the weight banks follow the data banks,
         * so resident weights can only be reused if the data part keeps its size. */
        uint32_t dmax = 0;
        for (int h = l->n_tiles - splits; h < l->n_tiles; h++)
            dmax = l->tiles[h].data_banks > dmax ? l->tiles[h].data_banks : dmax;
        for (int h = l->n_tiles - splits; h < l->n_tiles; h++)
            l->tiles[h].data_banks = dmax;
    }
    if (st == DLA_OK)
        choose_batch(g, l, cfg, epb);
done:
    free(sl);
    return st;
}

dla_status ir_tile(ir_graph *g, const dla_config *cfg, dla_precision prec, dla_error *err)
{
    const dla_core_params *core = &cfg->core;
    if (core->atomic_c < 1 || core->atomic_k < 1 || core->memory_atomic_bytes < 1 || core->cbuf_banks < 2 ||
        core->cbuf_entries_per_bank < 1 || core->cbuf_entry_bytes < 1 || core->memory_atomic_bytes % ir_bpe(prec))
        return dla_error_set(
            err, DLA_ERR_INVALID,
            "%s: target config '%s' has no usable convolution core (atomic_c %d, atomic_k %d, atom %d B, "
            "CBUF %d banks x %d entries x %d B)",
            g->base, cfg->name, core->atomic_c, core->atomic_k, core->memory_atomic_bytes, core->cbuf_banks,
            core->cbuf_entries_per_bank, core->cbuf_entry_bytes);
    for (int i = 0; i < g->n_layers; i++) {
        ir_layer *l = &g->layers[i];
        if (l->kind != IR_LAYER_CONV)
            continue;
        dla_status st = tile_conv(g, l, cfg, l->prec, err); /* per-layer precision (quantize.c) */
        if (st != DLA_OK)
            return st;
    }
    return DLA_OK;
}
