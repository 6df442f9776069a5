/* GPU fallback (docs/runtime.md): after legality has marked the nodes the DLA cannot run, split the
 * network into DLA subgraphs (TensorRT's ForeignNodes) and GPU layers, enforce the 16-subgraph limit,
 * print TensorRT's "Layers Running on DLA/GPU" block, run GPU nodes for calibration, and emit the
 * loadable's GPU layers and segment table. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"

static bool is_gap(const ir_node *n)
{
    return n->kind == IR_OP_POOL && !strcmp(n->op_type, "GlobalAveragePool");
}

/* Nodes that form segments: alive and not free views (a view renames bytes; it belongs to no
 * device and TensorRT does not name it in a ForeignNode). */
static bool placed(const ir_node *n)
{
    return n->kind != IR_OP_DEAD && n->kind != IR_OP_VIEW;
}

/* DLA work that is worth a subgraph: a convolution, FC or pooling (the SDP-only rest is element-wise). */
static bool heavy(const ir_node *n)
{
    return n->kind == IR_OP_CONV || n->kind == IR_OP_POOL;
}

/* The GlobalAveragePool choice, reported: rewritten to DLA AveragePool(s) (default) or kept on the GPU. */
static dla_status place_gap(ir_graph *g, const dla_compile_opts *opts, dla_error *err)
{
    for (int i = 0; i < g->n_nodes; i++) {
        ir_node *n = &g->nodes[i];
        if (!is_gap(n) || strchr(n->name, '#'))
            continue;
        int stages = 1;
        size_t len = strlen(n->name);
        for (int k = 0; k < g->n_nodes; k++)
            if (k != i && is_gap(&g->nodes[k]) && !strncmp(g->nodes[k].name, n->name, len) &&
                g->nodes[k].name[len] == '#')
                stages++;
        if (opts->gap_on_gpu) {
            if (!opts->allow_gpu_fallback)
                return dla_error_set(err, DLA_ERR_INVALID,
                                     "%s: node '%s': keeping GlobalAveragePool on the GPU (--gap=gpu) needs GPU "
                                     "fallback (--allowGPUFallback)",
                                     g->base, n->name);
            for (int k = 0; k < g->n_nodes; k++)
                if (is_gap(&g->nodes[k]) && !strncmp(g->nodes[k].name, n->name, len) &&
                    (g->nodes[k].name[len] == '#' || g->nodes[k].name[len] == '\0'))
                    g->nodes[k].gpu = true;
            if (opts->report)
                fprintf(opts->report,
                        "rewrite none: node '%s' (GlobalAveragePool) stays a GPU layer (--gap=gpu, as "
                        "TensorRT 8.4 placed it)\n",
                        n->name);
        } else if (opts->report) {
            if (stages == 1)
                fprintf(opts->report,
                        "rewrite gap-to-avgpool: node '%s' (GlobalAveragePool) -> AveragePool %dx%d on "
                        "the DLA\n",
                        n->name, n->pool.kh, n->pool.kw);
            else
                fprintf(opts->report,
                        "rewrite gap-to-avgpool: node '%s' (GlobalAveragePool) -> chain of %d "
                        "AveragePools (windows <= 8) on the DLA\n",
                        n->name, stages);
        }
    }
    return DLA_OK;
}

/* Maximal runs of placed nodes on one device, in topological order; names them. */
static dla_status build_segments(ir_graph *g, const int *order, int count, dla_error *err)
{
    free(g->segments);
    g->segments = NULL;
    g->n_segments = 0;
    ir_segment *seg = calloc((size_t)count + 1, sizeof *seg);
    if (!seg)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (partition)", g->base);
    int n = 0;
    for (int oi = 0; oi < count; oi++) {
        ir_node *x = &g->nodes[order[oi]];
        x->segment = -1;
        if (!placed(x))
            continue;
        if (n == 0 || seg[n - 1].gpu != x->gpu) {
            seg[n].gpu = x->gpu;
            seg[n].first_node = order[oi];
            n++;
        }
        seg[n - 1].last_node = order[oi];
        x->segment = n - 1;
    }
    for (int s = 0; s < n; s++) {
        const char *a = g->nodes[seg[s].first_node].name, *b = g->nodes[seg[s].last_node].name;
        if (seg[s].gpu)
            snprintf(seg[s].name, sizeof seg[s].name, "%.120s", a);
        else if (seg[s].first_node == seg[s].last_node)
            snprintf(seg[s].name, sizeof seg[s].name, "{ForeignNode[%.100s]}", a);
        else
            snprintf(seg[s].name, sizeof seg[s].name, "{ForeignNode[%.54s...%.54s]}", a, b);
    }
    g->segments = seg;
    g->n_segments = n;
    return DLA_OK;
}

dla_status ir_partition(ir_graph *g, const dla_compile_opts *opts, dla_error *err)
{
    dla_status st = place_gap(g, opts, err);
    if (st != DLA_OK || !g->gpu_fallback)
        return st;
    int *order = NULL, count = 0;
    if ((st = ir_topo_order(g, &order, &count, err)) != DLA_OK)
        return st;
    bool any_gpu = false;
    for (int oi = 0; oi < count; oi++)
        any_gpu |= placed(&g->nodes[order[oi]]) && g->nodes[order[oi]].gpu;
    /* A DLA run with only element-wise work next to GPU layers costs two reformats and a DLA
     * submission for what the GPU does in one kernel: it stays on the GPU (assumed; this is what
     * reproduces the 5 ForeignNodes TensorRT reported for the tutorial's model_gn). */
    bool changed = any_gpu;
    while (changed && st == DLA_OK) {
        changed = false;
        if ((st = build_segments(g, order, count, err)) != DLA_OK)
            break;
        for (int s = 0; s < g->n_segments; s++) {
            if (g->segments[s].gpu)
                continue;
            bool work = false;
            for (int oi = 0; oi < count && !work; oi++)
                work = g->nodes[order[oi]].segment == s && heavy(&g->nodes[order[oi]]);
            if (work)
                continue;
            for (int oi = 0; oi < count; oi++)
                if (g->nodes[order[oi]].segment == s)
                    g->nodes[order[oi]].gpu = true;
            changed = true;
        }
    }
    if (st == DLA_OK)
        st = build_segments(g, order, count, err);
    free(order);
    if (st != DLA_OK)
        return st;
    int dla = 0;
    for (int s = 0; s < g->n_segments; s++)
        if (!g->segments[s].gpu && ++dla > DLA_MAX_DLA_SEGMENTS)
            return dla_error_set(err, DLA_ERR_LIMIT,
                                 "%s: GPU fallback splits the network into more than %d DLA subgraphs (subgraph %d is "
                                 "%s); TensorRT allows at most %d DLA loadables per core",
                                 g->base, DLA_MAX_DLA_SEGMENTS, dla, g->segments[s].name, DLA_MAX_DLA_SEGMENTS);
    return DLA_OK;
}

/* ---- calibration forward of GPU nodes the DLA executor has no kernel for ---- */

enum {
    U_NONE,
    U_SIGMOID,
    U_TANH,
    U_EXP,
    U_ABS,
    U_NEG,
    U_RELU
};

/* Element-wise unary ops the calibration executor runs on the GPU side. */
static int unary(const char *op)
{
    static const struct {
        const char *name;
        int u;
    } t[] = {{"Sigmoid", U_SIGMOID}, {"Tanh", U_TANH}, {"Exp", U_EXP},
             {"Abs", U_ABS},         {"Neg", U_NEG},   {"Relu", U_RELU}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(op, t[i].name))
            return t[i].u;
    return U_NONE;
}

static const char *attr_str(const ir_node *n, const char *name, const char *def)
{
    const ir_attr *a = ir_attr_get(n, name);
    return a && a->type == IR_ATTR_STRING && a->s ? a->s : def;
}

dla_status ir_gpu_reference(ir_graph *g, const ir_node *n, float **buf, bool track_absmax, dla_error *err)
{
    int xi = n->n_in > 0 && n->in[0] >= 0 ? ir_resolve(g, n->in[0]) : -1, yi = n->n_out > 0 ? n->out[0] : -1;
    if (xi < 0 || yi < 0 || !buf[xi])
        return dla_error_set(err, DLA_ERR_INTERNAL, "%s: GPU layer '%s' (%s): input not computed", g->base, n->name,
                             n->op_type);
    ir_tensor *x = &g->tensors[xi], *y = &g->tensors[yi];
    int64_t nx = ir_numel(x), ny = ir_numel(y);
    if (y->rank < 1 || ny <= 0)
        return dla_error_set(err, DLA_ERR_UNSUPPORTED, "%s: GPU layer '%s' (%s): output shape unknown", g->base,
                             n->name, n->op_type);
    float *yb = calloc((size_t)ny, sizeof(float));
    if (!yb)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (GPU layer '%s')", g->base, n->name);
    const float *xb = buf[xi];
    const char *op = n->op_type;
    if ((!strcmp(op, "Reshape") || !strcmp(op, "Flatten") || !strcmp(op, "Squeeze") || !strcmp(op, "Unsqueeze") ||
         !strcmp(op, "Identity")) &&
        nx == ny) {
        memcpy(yb, xb, (size_t)ny * sizeof(float));
    } else if ((!strcmp(op, "InstanceNormalization") || !strcmp(op, "GlobalAveragePool")) && x->rank >= 3) {
        /* Per (n, c) over the remaining dims: mean (GlobalAveragePool) or (x - mean) / sqrt(var + eps) *
         * scale[c] + B[c] (InstanceNormalization). */
        int64_t N = x->dims[0], C = x->dims[1], inner = nx / (N * C);
        bool gap = !strcmp(op, "GlobalAveragePool");
        const ir_tensor *sc = !gap && n->n_in > 1 && n->in[1] >= 0 ? &g->tensors[n->in[1]] : NULL;
        const ir_tensor *bi = !gap && n->n_in > 2 && n->in[2] >= 0 ? &g->tensors[n->in[2]] : NULL;
        if ((gap && ny != N * C) ||
            (!gap && (ny != nx || !sc || !bi || !sc->f || !bi->f || ir_numel(sc) != C || ir_numel(bi) != C))) {
            free(yb);
            return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                                 "%s: GPU layer '%s' (%s): expected constant scale and bias of %lld channels", g->base,
                                 n->name, op, (long long)C);
        }
        double eps = ir_attr_float(n, "epsilon", 1e-5f);
        for (int64_t p = 0; p < N * C; p++) {
            const float *v = xb + p * inner;
            double sum = 0, sq = 0;
            for (int64_t e = 0; e < inner; e++)
                sum += v[e];
            double mean = sum / (double)inner;
            if (gap) {
                yb[p] = (float)mean;
                continue;
            }
            for (int64_t e = 0; e < inner; e++)
                sq += (v[e] - mean) * (v[e] - mean);
            double inv = 1.0 / sqrt(sq / (double)inner + eps);
            int64_t c = p % C;
            for (int64_t e = 0; e < inner; e++)
                yb[p * inner + e] = (float)((v[e] - mean) * inv * sc->f[c] + bi->f[c]);
        }
    } else if (nx == ny && unary(op) != U_NONE) {
        int u = unary(op);
        for (int64_t e = 0; e < ny; e++) {
            double v = xb[e];
            yb[e] = (float)(u == U_SIGMOID ? 1.0 / (1.0 + exp(-v))
                            : u == U_TANH  ? tanh(v)
                            : u == U_EXP   ? exp(v)
                            : u == U_ABS   ? fabs(v)
                            : u == U_NEG   ? -v
                                           : (v > 0 ? v : 0.0));
        }
    } else if ((!strcmp(op, "Resize") || !strcmp(op, "Upsample")) && x->rank == 4 && y->rank == 4 &&
               x->dims[0] == y->dims[0] && x->dims[1] == y->dims[1] && y->dims[2] % x->dims[2] == 0 &&
               y->dims[3] % x->dims[3] == 0 && !strcmp(attr_str(n, "mode", "nearest"), "nearest")) {
        /* Nearest upsampling by integer factors (YOLO's FPN): every coordinate mode and nearest rounding
         * ONNX offers picks source row floor(oy / factor) then. */
        int64_t H = x->dims[2], W = x->dims[3], OH = y->dims[2], OW = y->dims[3], fy = OH / H, fx = OW / W;
        for (int64_t p = 0; p < x->dims[0] * x->dims[1]; p++)
            for (int64_t oy = 0; oy < OH; oy++)
                for (int64_t ox = 0; ox < OW; ox++)
                    yb[(p * OH + oy) * OW + ox] = xb[(p * H + oy / fy) * W + ox / fx];
    } else if (!strcmp(op, "Softmax") && nx == ny && x->rank >= 1) {
        /* Along one axis (opset >= 13 semantics): outer x axis x inner. */
        int64_t axis = ir_attr_int(n, "axis", -1);
        if (axis < 0)
            axis += x->rank;
        if (axis < 0 || axis >= x->rank) {
            free(yb);
            return dla_error_set(err, DLA_ERR_UNSUPPORTED, "%s: GPU layer '%s' (Softmax): axis %lld outside rank %d",
                                 g->base, n->name, (long long)ir_attr_int(n, "axis", -1), x->rank);
        }
        int64_t len = x->dims[axis], inner = 1;
        for (int k = (int)axis + 1; k < x->rank; k++)
            inner *= x->dims[k];
        for (int64_t o = 0; o < nx / (len * inner); o++)
            for (int64_t i = 0; i < inner; i++) {
                const float *v = xb + o * len * inner + i;
                float *w = yb + o * len * inner + i;
                double mx = -INFINITY, sum = 0;
                for (int64_t k = 0; k < len; k++)
                    mx = fmax(mx, v[k * inner]);
                for (int64_t k = 0; k < len; k++)
                    sum += exp(v[k * inner] - mx);
                for (int64_t k = 0; k < len; k++)
                    w[k * inner] = (float)(exp(v[k * inner] - mx) / sum);
            }
    } else {
        free(yb);
        return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                             "%s: GPU layer '%s' (%s): INT8 calibration needs its FP32 output and dlasim's reference "
                             "executor has no %s kernel (compile with --fp16)",
                             g->base, n->name, op, op);
    }
    if (track_absmax)
        for (int64_t e = 0; e < ny; e++)
            y->absmax = fmaxf(y->absmax, fabsf(yb[e]));
    free(buf[yi]);
    buf[yi] = yb;
    return DLA_OK;
}

/* ---- emission: GPU layers and the segment table ---- */

static void dims4(const ir_tensor *t, uint32_t d[4])
{
    for (int k = 0; k < 4; k++)
        d[k] = 1;
    for (int k = 0; k < t->rank && k < 4; k++)
        d[k] = (uint32_t)t->dims[k];
    for (int k = 4; k < t->rank; k++) /* fold higher ranks into the last dimension */
        d[3] *= (uint32_t)t->dims[k];
}

/* GPU layer of node n: shapes, MACs (convolution / FC), DRAM bytes at the GPU's precision. */
static void gpu_layer_of(const ir_graph *g, const ir_node *n, dla_precision gpu_prec, dla_lgpu_layer *y)
{
    memset(y, 0, sizeof *y);
    snprintf(y->name, sizeof y->name, "%s", n->name);
    snprintf(y->op_type, sizeof y->op_type, "%s", n->op_type);
    y->precision = (uint32_t)gpu_prec;
    uint64_t bpe = (uint64_t)(gpu_prec == DLA_PRECISION_INT8 ? 1 : gpu_prec == DLA_PRECISION_FP16 ? 2 : 4);
    bool first = true;
    for (int k = 0; k < n->n_in; k++) {
        if (n->in[k] < 0)
            continue;
        const ir_tensor *t = &g->tensors[n->in[k]];
        if (t->is_const && t->elem_type == IR_ONNX_INT64)
            continue; /* shape operands live on the host */
        y->read_bytes += (uint64_t)ir_numel(t) * bpe;
        if (first && !t->is_const) {
            dims4(t, y->in_dims);
            first = false;
        }
    }
    const ir_tensor *o = &g->tensors[n->out[0]];
    dims4(o, y->out_dims);
    y->write_bytes = (uint64_t)ir_numel(o) * bpe;
    if (n->kind == IR_OP_CONV)
        y->macs = (uint64_t)ir_numel(o) * (uint64_t)(n->conv.c / (n->conv.groups > 0 ? n->conv.groups : 1)) *
                  (uint64_t)n->conv.kh * (uint64_t)n->conv.kw;
}

/* Segment of a tensor's producer (through views), -1 for network inputs and constants. */
static int producer_segment(const ir_graph *g, int t)
{
    for (int guard = 0; t >= 0 && guard < g->n_tensors; guard++) {
        int p = g->tensors[t].producer;
        if (p < 0)
            return -1;
        if (g->nodes[p].kind != IR_OP_VIEW)
            return g->nodes[p].segment;
        t = g->nodes[p].in[0];
    }
    return -1;
}

dla_status ir_emit_segments(ir_graph *g, const dla_compile_opts *opts, const uint32_t *first_op,
                            const uint32_t *num_ops, dla_loadable *ld, dla_error *err)
{
    (void)opts; /* boundary tensors are counted in their own precision (quantize.c) */
    bool any_gpu = false;
    for (int i = 0; i < g->n_layers; i++)
        any_gpu |= g->layers[i].kind == IR_LAYER_GPU;
    if (!any_gpu)
        return DLA_OK; /* DLA only: no segment table (format 1.0 layout) */
    /* GPU layers compute in FP16 (assumed: TensorRT picks FP16 kernels for normalisation and pooling
     * fallback layers; docs/runtime.md). */
    const dla_precision gpu_prec = DLA_PRECISION_FP16;
    uint32_t next_op = 0;
    for (int s = 0; s < g->n_segments; s++) {
        const ir_segment *sg = &g->segments[s];
        dla_lsegment out;
        memset(&out, 0, sizeof out);
        out.kind = sg->gpu ? DLA_SEGMENT_GPU : DLA_SEGMENT_DLA;
        snprintf(out.name, sizeof out.name, "%s", sg->name);
        out.first = sg->gpu ? ld->num_gpu_layers : next_op;
        for (int i = 0; i < g->n_layers; i++) {
            const ir_layer *l = &g->layers[i];
            if (g->nodes[l->nodes[0]].segment != s)
                continue;
            if (sg->gpu) {
                dla_lgpu_layer y;
                gpu_layer_of(g, &g->nodes[l->gpu_node], gpu_prec, &y);
                if (dla_loadable_add_gpu_layer(ld, &y, NULL) != DLA_OK)
                    return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (GPU layers)", g->base);
                out.count++;
            } else {
                if (first_op[i] != out.first + out.count)
                    return dla_error_set(err, DLA_ERR_INTERNAL,
                                         "%s: layer '%s' of DLA subgraph %s starts at op %u, expected %u", g->base,
                                         l->name, sg->name, first_op[i], out.first + out.count);
                out.count += num_ops[i];
                next_op += num_ops[i];
            }
        }
        /* Boundary: each activation read from a segment of the other device is reformatted once. */
        for (int t = 0; t < g->n_tensors; t++) {
            int ps = producer_segment(g, t);
            if (ps < 0 || g->segments[ps].gpu == sg->gpu || g->tensors[t].is_const)
                continue;
            bool read = false;
            for (int k = 0; k < g->n_nodes && !read; k++) {
                const ir_node *n = &g->nodes[k];
                if (n->segment != s)
                    continue;
                for (int a = 0; a < n->n_in && !read; a++)
                    read = n->in[a] >= 0 && ir_resolve(g, n->in[a]) == ir_resolve(g, t) &&
                           g->nodes[g->tensors[t].producer].kind != IR_OP_VIEW;
            }
            if (read)
                out.boundary_bytes += (uint64_t)ir_numel(&g->tensors[t]) *
                                      (uint64_t)ir_bpe(g->tensors[ir_resolve(g, t)].prec); /* its own */
        }
        if (out.count == 0)
            continue; /* a run of nodes fused away entirely */
        if (ld->num_segments && ld->segments[ld->num_segments - 1].kind == out.kind) {
            dla_lsegment *prev = &ld->segments[ld->num_segments - 1];
            prev->count += out.count;
            prev->boundary_bytes += out.boundary_bytes;
            continue;
        }
        if (dla_loadable_add_segment(ld, &out, NULL) != DLA_OK)
            return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (segments)", g->base);
    }
    return DLA_OK;
}
