/* Memory planning: NVDLA feature layout for every tensor in memory, the regions (one WEIGHTS, one
 * INPUT per network input, one OUTPUT per network output, one ACTIVATIONS), weight and SDP operand
 * offsets, and first-fit placement of intermediates by lifetime, recording the freed spans in order
 * and, per placement, its range and how many spans were freed before it, so emission can add the
 * write-after-read dependencies (emit.c) without a quadratic list of overwritten tensors. */
#include <stdlib.h>
#include <string.h>

#include "graph.h"

#define PLACE_ALIGN 128 /* weights are padded to 128 B (docs/datapath.md); tensors share the rule */
/* WAR spans of the SRAM region sit above every DRAM activation offset in the one span map emit.c keeps
 * (activations are capped far below 2^56 bytes by the graph limits) */
#define SRAM_WAR_KEY (UINT64_C(1) << 56)

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) / a * a;
}

static void feature_layout(ir_tensor *t, int atom, int bpe)
{
    int64_t d[4];
    ir_nchw(t, d);
    int64_t cps = atom / bpe;
    t->line_stride = (uint32_t)((d[3] + t->pad_w) * atom); /* pad: a cropped deconvolution (deconv.c) */
    t->surface_stride = (uint32_t)((d[2] + t->pad_h) * (int64_t)t->line_stride);
    t->batch_stride = (uint64_t)((d[1] + cps - 1) / cps) * t->surface_stride;
    t->bytes = (int64_t)(d[0] * (int64_t)t->batch_stride);
}

typedef ir_span span;

static int cmp_span(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return x->off < y->off ? -1 : x->off > y->off;
}

/* A concat input inside its (placed) concat surface: same strides, channel offset c0 — which must
 * start a surface (docs/datapath.md feature layout: channels are grouped cps to a surface). */
static dla_status place_slice(ir_graph *g, int ti, int atom, int bpe, dla_error *err)
{
    ir_tensor *t = &g->tensors[ti];
    const ir_tensor *c = &g->tensors[t->concat_of];
    int cps = atom / bpe;
    if (t->concat_c0 % cps != 0)
        return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                             "%s: concat '%s': input '%s' starts at channel %d, not a multiple of the %d channels per "
                             "surface, so it cannot be written in place (rule concat.align)",
                             g->base, g->nodes[c->producer].name, t->name, t->concat_c0, cps);
    t->region = c->region;
    t->offset = c->offset + (uint64_t)(t->concat_c0 / cps) * c->surface_stride;
    t->line_stride = c->line_stride;
    t->surface_stride = c->surface_stride;
    t->batch_stride = c->batch_stride;
    t->bytes = c->bytes;
    t->war_off = c->war_off; /* writing the slice overwrites what writing the concat would */
    t->war_size = c->war_size;
    t->war_freed = c->war_freed;
    return DLA_OK;
}

dla_status ir_memory_plan(ir_graph *g, const dla_config *cfg, dla_precision prec, dla_error *err)
{
    /* Each tensor is laid out in its own precision (quantize.c); prec is the network's. */
    (void)prec;
    int atom = cfg->core.memory_atomic_bytes;
    dla_status st = DLA_OK;
    int out_base = 1 + g->n_inputs, act_region = 1 + g->n_inputs + g->n_outputs;
    /* I/O tensors */
    for (int i = 0; i < g->n_inputs; i++) {
        ir_tensor *t = &g->tensors[g->inputs[i]];
        feature_layout(t, atom, ir_bpe(t->prec));
        if (t->pixel) { /* image input (tiling.c): one plane of packed pixels, lines atom aligned */
            int64_t d[4];
            ir_nchw(t, d);
            t->line_stride = (uint32_t)align_up((uint64_t)d[3] * dla_pixel_bytes(t->pixel_format), (uint64_t)atom);
            t->surface_stride = (uint32_t)(d[2] * (int64_t)t->line_stride);
            t->batch_stride = t->surface_stride;
            t->bytes = (int64_t)(d[0] * (int64_t)t->batch_stride);
        }
        t->region = 1 + i;
        t->offset = 0;
    }
    for (int i = 0; i < g->n_outputs; i++) {
        int r = ir_resolve(g, g->outputs[i]);
        ir_tensor *t = &g->tensors[r];
        bool computed = false;
        for (int k = 0; k < g->n_layers && !computed; k++)
            computed = g->layers[k].out == r || g->tensors[g->layers[k].out].concat_of == r;
        if (!computed || t->region >= 0)
            return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                                 "%s: output '%s' is a constant, a network input or another output: nothing for the "
                                 "DLA to compute",
                                 g->base, g->tensors[g->outputs[i]].name);
        feature_layout(t, atom, ir_bpe(t->prec));
        t->region = out_base + i;
        t->offset = 0;
    }
    /* weights and per-kernel operands */
    uint64_t woff = 0;
    for (int i = 0; i < g->n_layers; i++) {
        ir_layer *l = &g->layers[i];
        for (int k = 0; k < l->n_tiles; k++) {
            ir_conv_tile *t = &l->tiles[k];
            if (k > 0 && t->k0 == l->tiles[k - 1].k0) {
                t->weight_offset = l->tiles[k - 1].weight_offset; /* row splits share the slice's weights */
                continue;
            }
            t->weight_offset = woff;
            woff = align_up(woff + t->weight_bytes, PLACE_ALIGN);
        }
        if (l->operands) {
            l->operand_offset = woff;
            woff = align_up(woff + (uint64_t)g->tensors[l->out].dims[1] * 4u + l->bn_table_bytes, PLACE_ALIGN);
        }
    }
    g->weights_bytes = woff;
    /* intermediates: lifetimes in layer order (a concat's surface lives from its first producer to
     * the last reader of it or of any of its inputs) */
    for (int i = 0; i < g->n_layers; i++) {
        ir_layer *l = &g->layers[i];
        ir_tensor *o = &g->tensors[l->out];
        o->first_layer = i;
        if (o->last_layer < i)
            o->last_layer = i;
        if (o->concat_of >= 0 && g->tensors[o->concat_of].last_layer < i)
            g->tensors[o->concat_of].last_layer = i;
        int reads[2] = {l->in, l->ew_in};
        for (int k = 0; k < 2; k++) {
            if (reads[k] < 0)
                continue;
            ir_tensor *r = &g->tensors[reads[k]];
            if (r->last_layer < i)
                r->last_layer = i;
            if (r->concat_of >= 0 && g->tensors[r->concat_of].last_layer < i)
                g->tensors[r->concat_of].last_layer = i;
            ir_slice_extend_lifetime(g, reads[k], i); /* a slice view keeps its holder alive */
        }
    }
    /* on-chip SRAM first (sram_plan.c): what it places has a region, so the loop below skips it */
    if ((st = ir_sram_plan(g, atom, act_region + 1, err)) != DLA_OK)
        return st;
    size_t concat_inputs = 0; /* freed concats also record their inputs (below) */
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].kind == IR_OP_CONCAT)
            concat_inputs += (size_t)g->nodes[i].n_in;
    for (int i = 0; i < g->n_layers; i++) /* and merged convs their slices (hfuse.c) */
        concat_inputs += (size_t)g->layers[i].n_hslices;
    span *live = calloc((size_t)g->n_layers + 1, sizeof *live);
    free(g->freed);
    g->n_freed = 0;
    span *hist = g->freed = calloc((size_t)g->n_layers + 1 + concat_inputs, sizeof *hist);
    int n_live = 0, n_hist = 0;
    uint64_t peak = 0;
    if (!live || !hist) {
        st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (memory plan)", g->base);
        goto done;
    }
    for (int i = 0; i < g->n_layers; i++) {
        int ti = g->layers[i].out;
        int slice = -1; /* a concat input: place the concat's surface, then the slice inside it */
        if (g->tensors[ti].concat_of >= 0) {
            slice = ti;
            ti = g->tensors[ti].concat_of;
        }
        ir_tensor *t = &g->tensors[ti];
        int64_t nchw[4];
        if (g->layers[i].kind == IR_LAYER_GPU && !ir_nchw(t, nchw))
            continue; /* GPU-internal (e.g. a 3-D reshape): the DLA never reads it (checked at emission) */
        if (t->region < 0) {
            feature_layout(t, atom, ir_bpe(t->prec));
            uint64_t size = align_up((uint64_t)t->bytes, PLACE_ALIGN), off = 0;
            qsort(live, (size_t)n_live, sizeof *live, cmp_span);
            for (int k = 0; k < n_live; k++) { /* first gap that fits */
                if (live[k].off >= off + size)
                    break;
                uint64_t end = live[k].off + live[k].size;
                if (end > off)
                    off = end;
            }
            t->region = act_region;
            t->offset = off;
            if (off + size > peak)
                peak = off + size;
            live[n_live++] = (span){off, size, ti};
            /* The spans freed so far that overlap [off, off + size) are the WAR hazards; a span freed
             * later was live together with t, so it never overlaps (emit.c relies on this). */
            t->war_off = off;
            t->war_size = size;
            t->war_freed = n_hist;
        } else if (t->region == act_region + 1 && t->war_size == 0) {
            /* Placed in SRAM by sram_plan.c (its packer keeps tensors live together apart, as first fit
             * does): record its span here, in layer order, in a key range of its own so that emit.c's
             * one span map never matches SRAM bytes against DRAM bytes. */
            uint64_t key = SRAM_WAR_KEY + t->offset, size = align_up((uint64_t)t->bytes, PLACE_ALIGN);
            live[n_live++] = (span){key, size, ti};
            t->war_off = key;
            t->war_size = size;
            t->war_freed = n_hist;
        }
        if (slice >= 0 && (st = place_slice(g, slice, atom, ir_bpe(g->tensors[slice].prec), err)) != DLA_OK)
            goto done;
        for (int k = 0; k < g->layers[i].n_hslices; k++) { /* hfuse.c: the siblings' outputs inside this one */
            int h = g->layers[i].hslices[k];
            if ((st = place_slice(g, h, atom, ir_bpe(g->tensors[h].prec), err)) != DLA_OK)
                goto done;
        }
        /* free what this layer was the last to read (and dead outputs) */
        for (int k = 0; k < n_live;) {
            if (g->tensors[live[k].tensor].last_layer <= i) {
                /* a concat's inputs are readable tensors of their own (WAR readers) */
                const ir_tensor *ft = &g->tensors[live[k].tensor];
                if (ft->producer >= 0 && g->nodes[ft->producer].kind == IR_OP_CONCAT) {
                    const ir_node *cn = &g->nodes[ft->producer];
                    for (int j = 0; j < cn->n_in; j++)
                        hist[n_hist++] = (span){live[k].off, live[k].size, cn->in[j]};
                }
                for (int j = 0; j < g->n_layers; j++) /* a merged conv's slices, likewise (hfuse.c) */
                    if (g->layers[j].out == live[k].tensor)
                        for (int h = 0; h < g->layers[j].n_hslices; h++)
                            hist[n_hist++] = (span){live[k].off, live[k].size, g->layers[j].hslices[h]};
                hist[n_hist++] = live[k];
                live[k] = live[--n_live];
            } else {
                k++;
            }
        }
    }
    g->activations_bytes = peak;
    st = ir_slice_place_views(g, atom, err);
    g->n_freed = n_hist;
done:
    free(live);
    return st;
}

void ir_feature_layout(ir_tensor *t, int atom)
{
    feature_layout(t, atom, ir_bpe(t->prec));
}
