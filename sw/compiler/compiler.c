/* dla_compile_onnx (dla/compiler.h): runs the passes in order (docs/compiler.md) and writes the
 * compile report: one line per DLA layer with its ONNX nodes, output shape, precision and tiling,
 * then a summary. */
#include <string.h>

#include "dla/compiler.h"
#include "graph.h"

static const char *weight_mode_name(int mode)
{
    return mode == 0 ? "all weights" : mode == 1 ? "2 kernel groups (ping-pong)" : "1 kernel group";
}

/* TensorRT's placement block (its builder log): DLA subgraphs as ForeignNodes, GPU layers by name. */
static void write_placement(const ir_graph *g, FILE *f)
{
    fprintf(f, "---------- Layers Running on DLA ----------\n");
    if (!g->n_segments && g->n_layers > 0) {
        const ir_layer *a = &g->layers[0], *b = &g->layers[g->n_layers - 1];
        const char *first = g->nodes[a->nodes[0]].name, *last = g->nodes[b->nodes[b->n_nodes - 1]].name;
        if (a == b && a->n_nodes == 1)
            fprintf(f, "[DlaLayer] {ForeignNode[%s]}\n", first);
        else
            fprintf(f, "[DlaLayer] {ForeignNode[%s...%s]}\n", first, last);
    }
    for (int s = 0; s < g->n_segments; s++)
        if (!g->segments[s].gpu)
            fprintf(f, "[DlaLayer] %s\n", g->segments[s].name);
    fprintf(f, "---------- Layers Running on GPU ----------\n");
    for (int i = 0; i < g->n_layers; i++)
        if (g->layers[i].kind == IR_LAYER_GPU)
            fprintf(f, "[GpuLayer] %s (%s)\n", g->layers[i].name, g->nodes[g->layers[i].gpu_node].op_type);
}

static void write_report(const ir_graph *g, const dla_compile_opts *opts, const dla_loadable *ld)
{
    FILE *f = opts->report;
    const char *prec = dla_precision_name((uint32_t)opts->precision);
    fprintf(f, "dlasim compile report: %s for '%s', %s, batch %lld\n", g->base, opts->cfg->name, prec,
            (long long)g->batch);
    uint64_t macs = 0;
    for (int i = 0; i < g->n_layers; i++) {
        const ir_layer *l = &g->layers[i];
        char shape[64];
        int64_t d[4];
        ir_nchw(&g->tensors[l->out], d);
        snprintf(shape, sizeof shape, "%lldx%lldx%lldx%lld", (long long)d[0], (long long)d[1], (long long)d[2],
                 (long long)d[3]);
        fprintf(f, "%4d %-8s %-18s %-5s %s", i, l->type, shape,
                l->kind == IR_LAYER_GPU ? prec : dla_precision_name((uint32_t)l->prec), l->name);
        if (l->prec_forced)
            fprintf(f, " | precision forced (--layer-precision)");
        if (l->prec_fallback)
            fprintf(f, " | fp16 fallback (INT8 cannot run it)");
        if (l->kind == IR_LAYER_CONV && l->n_tiles > 0) {
            uint32_t dmax = 0;
            int overlap = 0;
            const ir_conv *c = &g->nodes[l->conv_node].conv;
            for (int k = 0; k < l->n_tiles; k++)
                if (l->tiles[k].data_banks > dmax)
                    dmax = l->tiles[k].data_banks;
            if (l->h_splits > 1) {
                int eff = (c->kh - 1) * c->dy + 1;
                overlap = eff > c->sy ? eff - c->sy : 0;
            }
            fprintf(f, " | eps %u, data banks %u, weight banks %u (%s), %d H split%s", l->tiles[0].entry_per_slice,
                    dmax, l->tiles[0].weight_banks, weight_mode_name(l->tiles[0].weight_mode), l->h_splits,
                    l->h_splits == 1 ? "" : "s");
            if (l->h_splits > 1)
                fprintf(f, " (%d overlap rows)", overlap);
            if (l->k_slices > 1)
                fprintf(f, ", %d channel slices (groups %d)", l->k_slices, c->groups);
            if (l->sparse)
                fprintf(f, " | 2:4 sparse");
            if (l->image)
                fprintf(f, " | image input");
        }
        if (l->ew_in >= 0)
            fprintf(f, " | EW operand %s", g->tensors[l->ew_in].name);
        if (g->tensors[l->out].concat_of >= 0)
            fprintf(f, " | into concat %s at channel %d", g->tensors[g->tensors[l->out].concat_of].name,
                    g->tensors[l->out].concat_c0);
        if (l->in >= 0 && g->tensors[l->in].view_of >= 0) /* slice.c: a window read in place */
            fprintf(f, " | reads a view of %s at c %d, h %d, w %d", g->tensors[ir_slice_root(g, l->in)].name,
                    g->tensors[l->in].view_c0, g->tensors[l->in].view_h0, g->tensors[l->in].view_w0);
        for (int k = 0; k < l->n_hslices; k++) /* hfuse.c */
            fprintf(f, "%s%s at channel %d", k ? ", " : " | hfused: ", g->tensors[l->hslices[k]].name,
                    g->tensors[l->hslices[k]].concat_c0);
        if (g->tensors[l->out].prec == DLA_PRECISION_INT8 && l->kind != IR_LAYER_GPU)
            fprintf(f, " | out scale %.6g", g->tensors[l->out].scale);
        fprintf(f, "\n");
        macs += l->macs;
    }
    write_placement(g, f);
    fprintf(f, "summary: %d layers, %u ops, %llu MACs (%llu per image), %llu weight bytes, %llu activation bytes\n",
            g->n_layers, ld->num_ops, (unsigned long long)macs,
            (unsigned long long)(g->batch > 0 ? macs / (uint64_t)g->batch : macs), (unsigned long long)g->weights_bytes,
            (unsigned long long)g->activations_bytes);
    fprintf(f,
            "sram: %llu of %lld pool bytes planned, %d intermediate tensor%s on chip (~%llu DRAM bytes saved per "
            "inference)\n",
            (unsigned long long)g->sram_bytes, (long long)g->sram_pool_bytes, g->sram_tensors,
            g->sram_tensors == 1 ? "" : "s", (unsigned long long)g->sram_saved_bytes);
    if (opts->sparsity != DLA_SPARSITY_DISABLE) {
        int convs = 0, sparse = 0;
        for (int i = 0; i < g->n_layers; i++) {
            convs += g->layers[i].kind == IR_LAYER_CONV;
            sparse += g->layers[i].sparse;
        }
        fprintf(f, "sparsity %s: %d of %d conv layers 2:4 sparse",
                opts->sparsity == DLA_SPARSITY_FORCE ? "force" : "enable", sparse, convs);
        const char *sep = ": ";
        for (int i = 0; i < g->n_layers; i++)
            if (g->layers[i].sparse) {
                fprintf(f, "%s%s", sep, g->layers[i].name);
                sep = ", ";
            }
        if (!opts->cfg->core.features.sparsity_2_4)
            fprintf(f, " (target '%s' has no 2:4 sparsity: all dense)", opts->cfg->name);
        else if (opts->precision != DLA_PRECISION_INT8)
            fprintf(f, " (2:4 sparsity needs INT8: all dense)");
        fprintf(f, "\n");
    }
}

dla_status dla_compile_onnx(const char *onnx_path, const dla_compile_opts *opts, dla_loadable **out, dla_error *err)
{
    if (!out)
        return dla_error_set(err, DLA_ERR_INVALID, "dla_compile_onnx: out is NULL");
    *out = NULL;
    if (!onnx_path || !opts || !opts->cfg)
        return dla_error_set(err, DLA_ERR_INVALID, "dla_compile_onnx: path, options and target config are required");
    const dla_config *cfg = opts->cfg;
    if (opts->precision != DLA_PRECISION_INT8 && opts->precision != DLA_PRECISION_FP16)
        return dla_error_set(err, DLA_ERR_INVALID, "%s: precision %s is not a DLA compute precision (int8 or fp16)",
                             onnx_path, dla_precision_name((uint32_t)opts->precision));
    if ((opts->precision == DLA_PRECISION_INT8 && !cfg->core.features.int8) ||
        (opts->precision == DLA_PRECISION_FP16 && !cfg->core.features.fp16))
        return dla_error_set(err, DLA_ERR_UNSUPPORTED, "%s: target '%s' does not support %s", onnx_path, cfg->name,
                             dla_precision_name((uint32_t)opts->precision));
    if (opts->batch < 0 || opts->calibration_samples < 0)
        return dla_error_set(err, DLA_ERR_INVALID, "%s: batch (%d) and calibration_samples (%d) must be >= 0",
                             onnx_path, opts->batch, opts->calibration_samples);
    int64_t sram_pool = 0;
    dla_status st = ir_sram_pool_bytes(onnx_path, opts, &sram_pool, err);
    if (st != DLA_OK)
        return st;
    ir_graph *g = NULL;
    st = ir_import_onnx_shapes(onnx_path, opts->batch, opts->shapes, &g, err);
    if (st != DLA_OK)
        return st;
    g->gpu_fallback = opts->allow_gpu_fallback;
    g->sram_pool_bytes = sram_pool;
    for (int i = 0; i < g->n_inputs; i++) {
        int64_t d[4];
        if (!ir_nchw(&g->tensors[g->inputs[i]], d)) {
            st = dla_error_set(err, DLA_ERR_UNSUPPORTED, "%s: input '%s' must be N x C x H x W or N x C", g->base,
                               g->tensors[g->inputs[i]].name);
            goto done;
        }
    }
    if ((st = ir_fold_shapes(g, err)) != DLA_OK || (st = ir_canonicalize(g, err)) != DLA_OK ||
        (st = ir_lower_deconv(g, cfg, opts->precision, err)) != DLA_OK ||
        (st = ir_check_legality(g, cfg, opts->report, err)) != DLA_OK ||
        (st = ir_lower_softmax(g, cfg, err)) != DLA_OK ||
        (st = ir_lower_slices(g, cfg, opts->precision, err)) != DLA_OK || (st = ir_partition(g, opts, err)) != DLA_OK ||
        (st = ir_fuse(g, err)) != DLA_OK || (st = ir_check_layer_precision(g, opts, err)) != DLA_OK ||
        (st = ir_sparsity_select(g, opts, err)) != DLA_OK ||
        (opts->precision == DLA_PRECISION_INT8 && (st = ir_calibration(g, opts, err)) != DLA_OK) ||
        (st = ir_hfuse(g, opts, err)) != DLA_OK || (st = ir_quantize(g, opts, err)) != DLA_OK ||
        (st = ir_tile(g, cfg, opts->precision, err)) != DLA_OK ||
        (st = ir_memory_plan(g, cfg, opts->precision, err)) != DLA_OK || (st = ir_emit(g, opts, out, err)) != DLA_OK)
        goto done;
    if ((st = ir_calib_cache_save(g, opts, err)) != DLA_OK) {
        dla_loadable_destroy(*out);
        *out = NULL;
        goto done;
    }
    if (opts->report)
        write_report(g, opts, *out);
done:
    ir_graph_destroy(g);
    return st;
}
