/* Horizontal fusion (TensorRT's "horizontal fusion"): sibling convolutions reading one activation tensor
 * with the same geometry and the same fused SDP epilogue run as one convolution whose output channels
 * are the siblings' outputs, each sibling's output a channel slice of the merged one, written in place
 * (the concat-in-place representation); merged where the modelled cost says it helps
 * (docs/compiler.md "Horizontal fusion"). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"

static int64_t cdiv(int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

int ir_hfuse_slice_of(const ir_graph *g, const ir_layer *l, int k)
{
    for (int s = 0; s < l->n_hslices; s++) {
        const ir_tensor *t = &g->tensors[l->hslices[s]];
        if (k >= t->concat_c0 && k < t->concat_c0 + (int)t->dims[1])
            return l->hslices[s];
    }
    return -1;
}

static int layer_segment(const ir_graph *g, const ir_layer *l)
{
    return g->nodes[l->nodes[0]].segment;
}

/* Why this conv layer cannot take part in a merge at all, NULL if it can. */
static const char *ineligible(const ir_graph *g, const ir_layer *l)
{
    const ir_tensor *y = &g->tensors[l->out];
    if (g->nodes[l->conv_node].conv.groups != 1)
        return "a grouped convolution (rule hfuse.groups)";
    if (l->ew_in >= 0)
        return "an element-wise operand in its SDP, which would have to be one tensor (rule hfuse.ew)";
    if (y->is_output)
        return "its output is a network output, with a region of its own (rule hfuse.output)";
    if (y->concat_of >= 0)
        return "its output is already a Concat input written in place (rule hfuse.concat)";
    for (int i = 0; i < g->n_layers; i++) {
        const ir_layer *o = &g->layers[i];
        if (o->kind == IR_LAYER_GPU && (o->in == l->out || o->ew_in == l->out))
            return "a GPU-fallback layer reads its output (rule hfuse.gpu)";
    }
    return NULL;
}

/* Why two eligible conv layers on one input cannot be one conv, NULL if they can. */
static const char *mismatch(const ir_graph *g, const ir_layer *a, const ir_layer *b)
{
    const ir_conv *x = &g->nodes[a->conv_node].conv, *y = &g->nodes[b->conv_node].conv;
    if (x->kh != y->kh || x->kw != y->kw)
        return "different kernel sizes";
    if (x->sy != y->sy || x->sx != y->sx)
        return "different strides";
    if (x->dy != y->dy || x->dx != y->dx)
        return "different dilations";
    if (x->pt != y->pt || x->pl != y->pl || x->pb != y->pb || x->pr != y->pr)
        return "different padding";
    if (layer_segment(g, a) != layer_segment(g, b))
        return "different DLA subgraphs";
    if (a->prec != b->prec || a->prec_forced != b->prec_forced)
        return "different precisions";
    if (a->sparse != b->sparse)
        return "different sparsity modes";
    if (a->relu != b->relu || a->relu_before_ew != b->relu_before_ew)
        return "a ReLU on one only, and the SDP's ReLU is per layer (rule hfuse.relu)";
    if (a->clip != b->clip || (a->clip && a->clip_hi != b->clip_hi))
        return "different clips";
    if (a->lut_fn != b->lut_fn)
        return "different lookup-table activations (one LUT per layer)";
    /* sdp_ops.c epilogues: BN's PReLU / constant Max-Min and their per-kernel tables are per layer */
    if (a->prelu || b->prelu || a->xalu_fn || b->xalu_fn || a->bn_table_bytes || b->bn_table_bytes)
        return "a PReLU or a Max / Min with a constant in the SDP's BN stage (rule hfuse.bn_stage)";
    /* softmax.c: its convs' LUT steps and fixed scales follow the node's Softmax role */
    if (g->nodes[a->conv_node].softmax_role || g->nodes[b->conv_node].softmax_role)
        return "a step of a lowered Softmax (rule hfuse.softmax)";
    if (a->lut_fn && a->prec == DLA_PRECISION_INT8 &&
        ir_tensor_scale(&g->tensors[a->out]) != ir_tensor_scale(&g->tensors[b->out]))
        return "a lookup-table activation with different INT8 output scales, and the LUT's output converter is "
               "per layer (rule hfuse.lut_scale)";
    return NULL;
}

/* Modelled cycles of one conv layer per image (docs/compiler.md "Horizontal fusion"): the MAC array's
 * atomic ops (one per output point, kernel group, channel block and kernel position) against the
 * memory traffic through the core's ports (input and weights read once, output written once), plus
 * the pipeline fill and drain every hardware layer pays. */
static double conv_cycles(const dla_config *cfg, dla_precision prec, const int64_t xd[4], const int64_t yd[4], int K,
                          int R, int S)
{
    const dla_core_params *core = &cfg->core;
    int64_t atom = core->memory_atomic_bytes, cps = atom / ir_bpe(prec);
    int64_t kpg = prec == DLA_PRECISION_FP16 ? core->atomic_k / 2 : core->atomic_k; /* as tiling.c */
    if (kpg < 1)
        kpg = 1;
    double macs = (double)(yd[2] * yd[3]) * (double)cdiv(K, kpg) * (double)cdiv(xd[1], core->atomic_c) * R * S;
    double rd = (double)(cdiv(xd[1], cps) * xd[2] * xd[3] * atom) +
                (double)ir_dc_weight_bytes(K, (int)xd[1], R, S, core->atomic_c, core->atomic_k, prec);
    double wr = (double)(cdiv(K, cps) * yd[2] * yd[3] * atom);
    double dma = fmax(rd / fmax(1.0, core->dma_read_bytes_per_cycle), wr / fmax(1.0, core->dma_write_bytes_per_cycle));
    double fixed = core->cbuf_read_latency_cycles + core->csc_latency_cycles + core->cmac_latency_cycles +
                   core->cacc_latency_cycles + core->sdp_latency_cycles + core->csc_sg_flush_cycles;
    return fmax(macs, dma) + fixed;
}

/* The whole input stays in CBUF next to one kernel group of K kernels' weights (tiling.c's first
 * three options: no partial-H tiling, so nothing is read twice). */
static bool input_fits(const dla_config *cfg, dla_precision prec, const int64_t xd[4], int K, int R, int S)
{
    const dla_core_params *core = &cfg->core;
    int64_t epb = core->cbuf_entries_per_bank, bank = (int64_t)core->cbuf_entry_bytes * epb;
    int64_t kpg = prec == DLA_PRECISION_FP16 ? core->atomic_k / 2 : core->atomic_k;
    int64_t data = cdiv((int64_t)ir_entry_per_slice(xd[1], xd[3], cfg, prec) * xd[2], epb);
    int64_t all = (int64_t)ir_dc_weight_bytes(K, (int)xd[1], R, S, core->atomic_c, core->atomic_k, prec);
    int64_t group = (kpg < 1 ? 1 : kpg) * xd[1] * R * S * ir_bpe(prec);
    return data + cdiv(group < all ? group : all, bank) <= core->cbuf_banks;
}

static void report_names(FILE *f, const ir_graph *g, const int *m, int n)
{
    for (int i = 0; i < n; i++)
        fprintf(f, "%s'%s'", i == 0 ? "" : i + 1 == n ? " and " : ", ", g->layers[m[i]].name);
}

/* The merged layer's name: the siblings' names joined by " + " (as TensorRT names its fusions). */
static void merged_name(const ir_graph *g, const int *m, int n, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        int w = snprintf(out + used, size - used, "%s%s", i ? " + " : "", g->layers[m[i]].name);
        if (w < 0 || (size_t)w >= size - used) {
            memcpy(out + size - 4, "...", 4); /* the loadable's name field is bounded */
            return;
        }
        used += (size_t)w;
    }
}

/* Merges layers m[0..n) (ascending) into layer m[0]; the others leave the layer list. */
static dla_status merge(ir_graph *g, const int *m, int n, const int *c0, int ktot, dla_error *err)
{
    ir_layer *head = &g->layers[m[0]];
    const int head_node = head->conv_node, out0 = head->out;
    const ir_conv hc = g->nodes[head_node].conv;
    int64_t per_k = ir_numel(&g->tensors[hc.weight]) / hc.k; /* C x R x S of every sibling */
    bool any_bias = false;
    for (int i = 0; i < n; i++)
        any_bias |= g->nodes[g->layers[m[i]].conv_node].conv.bias >= 0;
    char name[DLA_LNAME_MAX];
    merged_name(g, m, n, name, sizeof name);
    char tname[DLA_LNAME_MAX + 16];
    int w = -1, b = -1, mt = -1, ni = -1;
    int64_t wd[4] = {ktot, hc.c, hc.kh, hc.kw}, bd[1] = {ktot};
    dla_status st;
    snprintf(tname, sizeof tname, "%s.weight", name);
    if ((st = ir_const_new_f(g, tname, 4, wd, &w, err)) != DLA_OK)
        return st;
    snprintf(tname, sizeof tname, "%s.bias", name);
    if (any_bias && (st = ir_const_new_f(g, tname, 1, bd, &b, err)) != DLA_OK)
        return st;
    snprintf(tname, sizeof tname, "%s.out", name);
    if ((st = ir_tensor_add(g, tname, &mt, err)) != DLA_OK ||
        (st = ir_node_add(g, name, "Conv", 3, 1, &ni, err)) != DLA_OK)
        return st;
    /* weights and biases side by side; padding kernels stay zero (zero output, then sliced away) */
    for (int i = 0; i < n; i++) {
        const ir_conv *c = &g->nodes[g->layers[m[i]].conv_node].conv;
        memcpy(g->tensors[w].f + (int64_t)c0[i] * per_k, g->tensors[c->weight].f,
               (size_t)(c->k * per_k) * sizeof(float));
        if (c->bias >= 0)
            memcpy(g->tensors[b].f + c0[i], g->tensors[c->bias].f, (size_t)c->k * sizeof(float));
    }
    ir_tensor *y = &g->tensors[mt], *y0 = &g->tensors[out0];
    y->rank = y0->rank;
    memcpy(y->dims, y0->dims, sizeof y->dims);
    y->dims[1] = ktot;
    y->elem_type = y0->elem_type;
    y->producer = ni;
    ir_node *nd = &g->nodes[ni];
    const ir_node *hn = &g->nodes[head_node];
    nd->kind = IR_OP_CONV;
    nd->in[0] = hn->in[0];
    nd->in[1] = w;
    nd->in[2] = b;
    nd->out[0] = mt;
    nd->conv = hc;
    nd->conv.weight = w;
    nd->conv.bias = b;
    nd->conv.k = ktot;
    nd->segment = hn->segment;
    /* the merged layer: every sibling's nodes (names, --layer-precision, subgraph), one conv */
    int total = 0;
    for (int i = 0; i < n; i++)
        total += g->layers[m[i]].n_nodes;
    int *nodes = malloc((size_t)total * sizeof *nodes), *slices = malloc((size_t)n * sizeof *slices);
    if (!nodes || !slices) {
        free(nodes);
        free(slices);
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (horizontal fusion)", g->base);
    }
    total = 0;
    uint64_t macs = 0;
    for (int i = 0; i < n; i++) {
        ir_layer *l = &g->layers[m[i]];
        memcpy(nodes + total, l->nodes, (size_t)l->n_nodes * sizeof *nodes);
        total += l->n_nodes;
        macs += l->macs;
        slices[i] = l->out;
        g->tensors[l->out].concat_of = mt;
        g->tensors[l->out].concat_c0 = c0[i];
    }
    head = &g->layers[m[0]];
    free(head->nodes);
    head->nodes = nodes;
    head->n_nodes = total;
    head->conv_node = ni;
    head->out = mt;
    head->macs = macs;
    head->hslices = slices;
    head->n_hslices = n;
    snprintf(head->name, sizeof head->name, "%s", name);
    /* drop the other siblings' layers (nothing but their node lists is allocated before quantisation) */
    int keep = m[0] + 1;
    for (int i = m[0] + 1, s = 1; i < g->n_layers; i++) {
        if (s < n && i == m[s]) {
            free(g->layers[i].nodes);
            s++;
            continue;
        }
        g->layers[keep++] = g->layers[i];
    }
    g->n_layers = keep;
    return DLA_OK;
}

/* One set of compatible siblings: merge them when the modelled cost of one conv is below the sum of
 * theirs and the input still fits CBUF next to a kernel group. */
static dla_status consider(ir_graph *g, const dla_config *cfg, FILE *report, int *m, int n, dla_error *err)
{
    const ir_layer *h = &g->layers[m[0]];
    const ir_conv *hc = &g->nodes[h->conv_node].conv;
    int64_t xd[4], yd[4];
    ir_nchw(&g->tensors[h->in], xd);
    ir_nchw(&g->tensors[h->out], yd);
    const int cps = cfg->core.memory_atomic_bytes / ir_bpe(h->prec);
    int *c0 = malloc((size_t)n * sizeof *c0);
    if (!c0)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (horizontal fusion)", g->base);
    /* each slice starts a surface: all but the last sibling padded to a multiple of cps kernels */
    int ktot = 0, pad = 0;
    double apart = 0;
    for (int i = 0; i < n; i++) {
        int k = g->nodes[g->layers[m[i]].conv_node].conv.k;
        int kp = i + 1 < n ? (int)cdiv(k, cps) * cps : k;
        c0[i] = ktot;
        ktot += kp;
        pad += kp - k;
        apart += conv_cycles(cfg, h->prec, xd, yd, k, hc->kh, hc->kw);
    }
    double merged = conv_cycles(cfg, h->prec, xd, yd, ktot, hc->kh, hc->kw);
    dla_status st = DLA_OK;
    if (!input_fits(cfg, h->prec, xd, ktot, hc->kh, hc->kw)) {
        if (report) {
            fprintf(report, "hfuse: not merged ");
            report_names(report, g, m, n);
            fprintf(report, ": the input needs partial-H tiling next to the weights (rule hfuse.cbuf)\n");
        }
    } else if (!(merged < apart)) {
        if (report) {
            fprintf(report, "hfuse: not merged ");
            report_names(report, g, m, n);
            fprintf(report, ": modelled %.0f cycles per image merged (%d padding kernels), %.0f apart\n", merged, pad,
                    apart);
        }
    } else {
        if (report) {
            fprintf(report, "hfuse: merged ");
            report_names(report, g, m, n);
            fprintf(report, " into one conv of %d kernels (%d padding), slices at channels", ktot, pad);
            for (int i = 0; i < n; i++)
                fprintf(report, "%s%d", i ? ", " : " ", c0[i]);
            fprintf(report, "; modelled %.0f cycles per image, %.0f apart\n", merged, apart);
        }
        st = merge(g, m, n, c0, ktot, err);
    }
    free(c0);
    return st;
}

dla_status ir_hfuse(ir_graph *g, const dla_compile_opts *opts, dla_error *err)
{
    if (opts->no_hfuse) {
        if (opts->report)
            fprintf(opts->report, "hfuse: off (--no-hfuse)\n");
        return DLA_OK;
    }
    int nt = g->n_tensors; /* tensors added by merges are read by nobody */
    bool *seen = calloc((size_t)nt + 1, sizeof *seen);
    int *sib = malloc(((size_t)g->n_layers + 1) * sizeof *sib), *set = malloc(((size_t)g->n_layers + 1) * sizeof *set);
    dla_status st = DLA_OK;
    if (!seen || !sib || !set) {
        st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (horizontal fusion)", g->base);
        goto done;
    }
    for (int i = 0; i < g->n_layers && st == DLA_OK; i++) {
        const ir_layer *l = &g->layers[i];
        int x = l->kind == IR_LAYER_CONV ? ir_resolve(g, l->in) : -1;
        if (x < 0 || x >= nt || seen[x])
            continue;
        seen[x] = true;
        int n = 0, readers = 0;
        for (int j = i; j < g->n_layers; j++)
            readers += g->layers[j].kind == IR_LAYER_CONV && ir_resolve(g, g->layers[j].in) == x;
        if (readers < 2)
            continue;
        for (int j = i; j < g->n_layers; j++) {
            const ir_layer *o = &g->layers[j];
            if (o->kind != IR_LAYER_CONV || ir_resolve(g, o->in) != x)
                continue;
            const char *why = ineligible(g, o);
            if (why && opts->report)
                fprintf(opts->report, "hfuse: '%s' (a sibling on '%s') not merged: %s\n", o->name, g->tensors[x].name,
                        why);
            if (!why)
                sib[n++] = j;
        }
        /* compatibility classes, each around its first member; merging shifts later layers down, so the
         * classes are taken from the back */
        while (n >= 2 && st == DLA_OK) {
            const int head = sib[0]; /* sib[0] is overwritten by the first mismatching member */
            int m = 0, rest = 0;
            set[m++] = head;
            for (int k = 1; k < n; k++) {
                const char *why = mismatch(g, &g->layers[head], &g->layers[sib[k]]);
                if (!why) {
                    set[m++] = sib[k];
                    continue;
                }
                if (opts->report)
                    fprintf(opts->report, "hfuse: not merged '%s' and '%s' (siblings on '%s'): %s\n",
                            g->layers[head].name, g->layers[sib[k]].name, g->tensors[x].name, why);
                sib[rest++] = sib[k];
            }
            if (m >= 2) {
                int before = g->n_layers;
                st = consider(g, opts->cfg, opts->report, set, m, err);
                /* the others move down by the number of merged layers before them */
                for (int k = 0; k < rest && g->n_layers != before; k++) {
                    int below = 0;
                    for (int s = 1; s < m; s++)
                        below += set[s] < sib[k];
                    sib[k] -= below;
                }
            }
            n = rest;
        }
    }
done:
    free(seen);
    free(sib);
    free(set);
    return st;
}
