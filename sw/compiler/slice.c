/* Slice and Split on the DLA (docs/compiler.md "Slice and Split"): ONNX parameters -> windows, one
 * IR_OP_SLICE node per window; each window is a view (its readers address the producer's bytes with an
 * offset, no op, no bytes) or, where a reader needs dense bytes or the channels start inside a surface,
 * a copy (SDP pass-through, or a 1x1 conv with one-hot weights). */
#include <stdlib.h>
#include <string.h>

#include "graph.h"

#define IN(n, k) ((k) < (n)->n_in && (n)->in[k] >= 0 ? &g->tensors[(n)->in[k]] : NULL)

static bool const_ints(const ir_tensor *t, const int64_t **v, int64_t *count)
{
    if (!t || !t->is_const || !t->i || t->rank > 1)
        return false;
    *v = t->i;
    *count = ir_numel(t);
    return true;
}

/* ONNX Slice clamping for step 1: a negative index counts from the end, then both ends are clamped
 * to [0, dim] (so INT64_MAX, as PyTorch exports an open end, means the end). */
static void clamp_window(int64_t dim, int64_t b, int64_t e, int64_t *start, int64_t *len)
{
    if (b < 0)
        b = b < -dim ? 0 : b + dim;
    if (e < 0)
        e = e < -dim ? 0 : e + dim;
    b = b > dim ? dim : b;
    e = e > dim ? dim : e;
    *start = b;
    *len = e > b ? e - b : 0;
}

static dla_status slice_params(const ir_graph *g, const ir_node *n, const ir_tensor *x, int64_t *start, int64_t *len,
                               const char **why)
{
    const int64_t *sv, *ev, *av = NULL, *pv = NULL;
    int64_t ns = 0, ne = 0, na = 0, np = 0;
    if (g->opset < 10) {
        const ir_attr *s = ir_attr_get(n, "starts"), *e = ir_attr_get(n, "ends"), *a = ir_attr_get(n, "axes");
        if (!s || !e || s->type != IR_ATTR_INTS || e->type != IR_ATTR_INTS) {
            *why = "starts and ends attributes are required";
            return DLA_ERR_INVALID;
        }
        sv = s->ints;
        ns = s->n;
        ev = e->ints;
        ne = e->n;
        if (a && a->type == IR_ATTR_INTS) {
            av = a->ints;
            na = a->n;
        }
    } else {
        for (int k = 1; k < n->n_in && k < 5; k++)
            if (IN(n, k) && !IN(n, k)->is_const) {
                *why = "starts, ends, axes and steps must be constants (rule slice.params)";
                return DLA_ERR_UNSUPPORTED;
            }
        if (!const_ints(IN(n, 1), &sv, &ns) || !const_ints(IN(n, 2), &ev, &ne) ||
            (IN(n, 3) && !const_ints(IN(n, 3), &av, &na)) || (IN(n, 4) && !const_ints(IN(n, 4), &pv, &np))) {
            *why = "starts, ends, axes and steps must be 1-D integer constants";
            return DLA_ERR_INVALID;
        }
    }
    if (ns != ne || (av && na != ns) || (pv && np != ns) || ns > x->rank) {
        *why = "starts, ends, axes and steps differ in length or exceed the input rank";
        return DLA_ERR_INVALID;
    }
    bool seen[IR_MAX_RANK] = {false};
    for (int64_t k = 0; k < ns; k++) {
        int64_t ax = av ? av[k] : k;
        if (ax < 0)
            ax += x->rank;
        if (ax < 0 || ax >= x->rank || seen[ax]) {
            *why = "axis out of range or repeated";
            return DLA_ERR_INVALID;
        }
        seen[ax] = true;
        int64_t step = pv ? pv[k] : 1;
        if (step == 0) {
            *why = "step 0";
            return DLA_ERR_INVALID;
        }
        if (step == 1) {
            clamp_window(x->dims[ax], sv[k], ev[k], &start[ax], &len[ax]);
            continue;
        }
        /* Other steps: only the output length (shape inference), then refused below. */
        int64_t dim = x->dims[ax], b = sv[k] < 0 ? sv[k] + dim : sv[k], e = ev[k] < 0 ? ev[k] + dim : ev[k];
        if (step > 0) {
            b = b < 0 ? 0 : b > dim ? dim : b;
            e = e < 0 ? 0 : e > dim ? dim : e;
            len[ax] = e > b ? (e - b + step - 1) / step : 0;
        } else {
            b = b < 0 ? -1 : b > dim - 1 ? dim - 1 : b;
            e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
            len[ax] = b > e ? (b - e - step - 1) / -step : 0;
        }
        start[ax] = b;
        *why = "the DLA slices with step 1 only (rule slice.step)";
    }
    return *why ? DLA_ERR_UNSUPPORTED : DLA_OK;
}

/* Split: sizes from the split attribute (opset < 13) or input (13+), else num_outputs (18+) parts of
 * ceil(dim / n) with a smaller last one, else equal parts that must divide the axis. */
static dla_status split_params(const ir_graph *g, const ir_node *n, int k, const ir_tensor *x, int64_t *start,
                               int64_t *len, const char **why)
{
    int64_t ax = ir_attr_int(n, "axis", 0);
    if (ax < 0)
        ax += x->rank;
    if (ax < 0 || ax >= x->rank) {
        *why = "axis out of range";
        return DLA_ERR_INVALID;
    }
    const int64_t dim = x->dims[ax];
    const int64_t *sv = NULL;
    int64_t ns = 0;
    const ir_attr *a = ir_attr_get(n, "split");
    if (a && a->type == IR_ATTR_INTS) {
        sv = a->ints;
        ns = a->n;
    } else if (IN(n, 1)) {
        if (!const_ints(IN(n, 1), &sv, &ns)) {
            *why = "split sizes must be an integer constant (rule slice.params)";
            return DLA_ERR_UNSUPPORTED;
        }
    }
    int64_t off = 0, size = 0;
    if (sv) {
        if (ns != n->n_out) {
            *why = "split has a size per output";
            return DLA_ERR_INVALID;
        }
        int64_t sum = 0;
        for (int64_t i = 0; i < ns; i++) {
            if (sv[i] < 0) {
                *why = "negative split size";
                return DLA_ERR_INVALID;
            }
            sum += sv[i];
            if (i < k)
                off += sv[i];
        }
        if (sum != dim) {
            *why = "split sizes do not add up to the axis";
            return DLA_ERR_INVALID;
        }
        size = sv[k];
    } else {
        int64_t parts = ir_attr_int(n, "num_outputs", n->n_out);
        if (parts != n->n_out || parts < 1) {
            *why = "num_outputs differs from the number of outputs";
            return DLA_ERR_INVALID;
        }
        int64_t each = ir_attr_get(n, "num_outputs") ? (dim + parts - 1) / parts : dim / parts;
        if (!ir_attr_get(n, "num_outputs") && each * parts != dim) {
            *why = "the axis does not split into equal parts";
            return DLA_ERR_INVALID;
        }
        off = each * k;
        off = off > dim ? dim : off;
        size = k == parts - 1 ? dim - off : (off + each > dim ? dim - off : each);
    }
    start[ax] = off;
    len[ax] = size;
    return DLA_OK;
}

dla_status ir_slice_window(const ir_graph *g, const ir_node *n, int k, int64_t *start, int64_t *len, const char **why)
{
    const ir_tensor *x = IN(n, 0);
    *why = NULL;
    if (!x || x->rank < 1 || k < 0 || k >= n->n_out) {
        *why = "needs an input of known shape";
        return DLA_ERR_INVALID;
    }
    for (int d = 0; d < x->rank; d++) {
        start[d] = 0;
        len[d] = x->dims[d];
    }
    return !strcmp(n->op_type, "Split") ? split_params(g, n, k, x, start, len, why)
                                        : slice_params(g, n, x, start, len, why);
}

dla_status ir_slice_infer(ir_graph *g, ir_node *n, dla_error *err)
{
    const ir_tensor *x = IN(n, 0);
    for (int k = 0; k < n->n_out; k++) {
        int64_t start[IR_MAX_RANK], len[IR_MAX_RANK];
        const char *why;
        dla_status st = ir_slice_window(g, n, k, start, len, &why);
        bool stepped = st == DLA_ERR_UNSUPPORTED && strstr(why, "rule slice.step");
        if (st == DLA_ERR_UNSUPPORTED && !stepped)
            return DLA_OK; /* shape stays unknown; legality names the rule */
        if (st != DLA_OK && !stepped)
            return dla_error_set(err, st, "%s: node '%s' (%s): %s", g->base, n->name, n->op_type, why);
        if (n->out[k] < 0)
            continue;
        ir_tensor *y = &g->tensors[n->out[k]];
        y->rank = x->rank;
        for (int d = 0; d < x->rank; d++) {
            y->dims[d] = len[d];
            if (len[d] == 0 && (y->is_output || ir_consumers(g, n->out[k], NULL, 0) > 0))
                return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                                     "%s: node '%s' (%s): output '%s' is empty (0 along axis %d): the DLA runs no "
                                     "empty tensors (rule slice.empty)",
                                     g->base, n->name, n->op_type, y->name, d);
        }
    }
    return DLA_OK;
}

dla_status ir_slice_canonicalize(ir_graph *g, int ni, dla_error *err)
{
    const ir_tensor *x = IN(&g->nodes[ni], 0);
    const int n_out = g->nodes[ni].n_out;
    if (!x || x->rank != 4 || x->is_const || n_out < 1)
        return DLA_OK; /* legality names rule slice.rank */
    int64_t(*start)[IR_MAX_RANK] = malloc((size_t)n_out * sizeof *start);
    int64_t(*len)[IR_MAX_RANK] = malloc((size_t)n_out * sizeof *len);
    dla_status st = DLA_OK;
    if (!start || !len) {
        st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (slices)", g->base);
        goto done;
    }
    for (int k = 0; k < n_out; k++) {
        const char *why;
        if (ir_slice_window(g, &g->nodes[ni], k, start[k], len[k], &why) != DLA_OK)
            goto done; /* legality names the rule */
        int o = g->nodes[ni].out[k];
        bool used = o >= 0 && (g->tensors[o].is_output || ir_consumers(g, o, NULL, 0) > 0);
        if (used && (start[k][0] != 0 || len[k][0] != x->dims[0] || len[k][1] == 0 || len[k][2] == 0 || len[k][3] == 0))
            goto done; /* the batch axis or an empty window: rule slice.axis / slice.empty */
    }
    /* Output 0 stays on node ni; every other used output gets a node of its own. */
    for (int k = 1; k < n_out; k++) {
        int o = g->nodes[ni].out[k];
        if (o < 0 || (!g->tensors[o].is_output && ir_consumers(g, o, NULL, 0) == 0))
            continue;
        char name[300];
        snprintf(name, sizeof name, "%.200s:%d", g->nodes[ni].name, k);
        int si;
        if ((st = ir_node_add(g, name, g->nodes[ni].op_type, 1, 1, &si, err)) != DLA_OK)
            goto done;
        ir_node *s = &g->nodes[si];
        s->kind = IR_OP_SLICE;
        s->in[0] = g->nodes[ni].in[0];
        s->out[0] = o;
        memcpy(s->slice_start, start[k], sizeof s->slice_start);
        g->tensors[o].producer = si;
        g->nodes[ni].out[k] = -1;
    }
    ir_node *n = &g->nodes[ni];
    n->kind = n->out[0] >= 0 ? IR_OP_SLICE : IR_OP_DEAD; /* output 0 unused: the others have their nodes */
    memcpy(n->slice_start, start[0], sizeof n->slice_start);
    n->n_in = 1;
    n->n_out = 1;
done:
    free(start);
    free(len);
    return st;
}

int ir_slice_root(const ir_graph *g, int t)
{
    return t >= 0 && g->tensors[t].view_of >= 0 ? ir_resolve(g, g->tensors[t].view_of) : t;
}

/* Readers that address a strided window themselves: the DLA engines' RDMAs (conv CDMA, SDP and PDP
 * RDMA, the SDP EW operand) and a further slice (a view of a view). A concat input must be written,
 * a GPU layer and a network output need dense bytes, a flatten view aliases whole tensors. */
static bool reads_views(const ir_node *r)
{
    if (r->gpu)
        return false;
    switch (r->kind) {
    case IR_OP_CONV:
    case IR_OP_POOL:
    case IR_OP_SCALE:
    case IR_OP_ADD:
    case IR_OP_MUL:
    case IR_OP_LUT:
    case IR_OP_RELU:
    case IR_OP_CLIP:
    case IR_OP_SLICE: return true;
    default: return false;
    }
}

static void make_view(ir_graph *g, int t, int root, const int64_t *abs)
{
    ir_tensor *v = &g->tensors[t];
    v->view_of = root;
    v->view_c0 = (int)abs[1];
    v->view_h0 = (int)abs[2];
    v->view_w0 = (int)abs[3];
}

/* Node ni (window `abs` of root, output y) becomes a view v of the channels [c0, c0 + vc) of the window
 * and a copy node writes y: SDP pass-through when the view is y's channels, else a 1x1 conv selecting
 * y's channels (one-hot weights). */
static dla_status add_copy(ir_graph *g, int ni, int root, const int64_t *abs, int64_t vc0, int64_t vc, dla_error *err)
{
    char name[300];
    int y = g->nodes[ni].out[0], vi, ci;
    const int64_t yc = g->tensors[y].dims[1];
    snprintf(name, sizeof name, "%.200s:view", g->tensors[y].name);
    dla_status st = ir_tensor_add(g, name, &vi, err);
    if (st != DLA_OK)
        return st;
    ir_tensor *v = &g->tensors[vi];
    const ir_tensor *yt = &g->tensors[y];
    v->rank = 4;
    memcpy(v->dims, yt->dims, sizeof v->dims);
    v->dims[1] = vc;
    v->elem_type = yt->elem_type;
    v->producer = ni;
    int64_t vabs[4] = {abs[0], vc0, abs[2], abs[3]};
    make_view(g, vi, root, vabs);
    bool conv = vc != yc;
    int wi = -1;
    if (conv) {
        int64_t wd[4] = {yc, vc, 1, 1};
        snprintf(name, sizeof name, "%.200s:select", g->nodes[ni].name);
        if ((st = ir_const_new_f(g, name, 4, wd, &wi, err)) != DLA_OK)
            return st;
        /* output channel k = input channel (abs[1] - vc0) + k of the view */
        for (int64_t k = 0; k < yc; k++)
            g->tensors[wi].f[k * vc + (abs[1] - vc0) + k] = 1.0f;
    }
    snprintf(name, sizeof name, "%.200s:copy", g->nodes[ni].name);
    if ((st = ir_node_add(g, name, g->nodes[ni].op_type, 1, 1, &ci, err)) != DLA_OK)
        return st;
    ir_node *c = &g->nodes[ci], *n = &g->nodes[ni];
    c->in[0] = vi;
    c->out[0] = y;
    c->segment = n->segment;
    if (conv) {
        c->kind = IR_OP_CONV;
        ir_conv *cv = &c->conv;
        cv->weight = wi;
        cv->bias = -1;
        cv->k = (int)yc;
        cv->c = (int)vc;
        cv->kh = cv->kw = cv->sy = cv->sx = cv->dy = cv->dx = 1;
        cv->groups = 1;
    } else {
        c->kind = IR_OP_SCALE; /* scale_mul / scale_add -1: y = x */
    }
    n->slice_start[1] += vc0 - abs[1];
    n->out[0] = vi;
    g->tensors[y].producer = ci;
    g->tensors[y].copy_of = vi;
    return DLA_OK;
}

dla_status ir_lower_slices(ir_graph *g, const dla_config *cfg, dla_precision prec, dla_error *err)
{
    int *order = NULL, count = 0;
    dla_status st = ir_topo_order(g, &order, &count, err);
    if (st != DLA_OK)
        return st;
    const int64_t cps = cfg->core.memory_atomic_bytes / ir_bpe(prec);
    const int max_readers = g->n_nodes; /* copies add nodes, but none reads a slice's output */
    int *readers = malloc(((size_t)max_readers + 1) * sizeof *readers);
    if (!readers) {
        free(order);
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (slices)", g->base);
    }
    for (int oi = 0; oi < count && st == DLA_OK; oi++) {
        int ni = order[oi];
        const ir_node *n = &g->nodes[ni];
        if (n->kind != IR_OP_SLICE || n->gpu)
            continue;
        /* The window in the tensor that holds the bytes (a slice of a view composes). */
        int x = n->in[0], root = ir_slice_root(g, x);
        int64_t abs[4];
        for (int d = 0; d < 4; d++)
            abs[d] = n->slice_start[d];
        if (root != x) {
            abs[1] += g->tensors[x].view_c0;
            abs[2] += g->tensors[x].view_h0;
            abs[3] += g->tensors[x].view_w0;
        }
        int y = n->out[0];
        const int64_t yc = g->tensors[y].dims[1], rc = g->tensors[root].dims[1];
        /* Whole surfaces: the window starts on a surface and ends on one or at the holder's end (the
         * holder's own padding channels then follow, as when reading the holder itself). */
        bool aligned = abs[1] % cps == 0 && (yc % cps == 0 || abs[1] + yc == rc);
        bool dense_needed = g->tensors[y].is_output;
        int nr = ir_consumers(g, y, readers, max_readers);
        nr = nr < max_readers ? nr : max_readers;
        for (int r = 0; r < nr && !dense_needed; r++)
            dense_needed = !reads_views(&g->nodes[readers[r]]);
        if (aligned && !dense_needed) {
            make_view(g, y, root, abs);
            continue;
        }
        int64_t vc0 = abs[1], vc = yc;
        if (!aligned) { /* the surfaces the window touches, up to the holder's end */
            vc0 = abs[1] / cps * cps;
            int64_t end = (abs[1] + yc + cps - 1) / cps * cps;
            vc = (end < rc ? end : rc) - vc0;
        }
        if ((st = add_copy(g, ni, root, abs, vc0, vc, err)) != DLA_OK || !aligned)
            continue;
        /* The readers that take a view read the window in place, not the copy (no wait for it). */
        int v = g->nodes[ni].out[0];
        for (int r = 0; r < nr; r++) {
            ir_node *rn = &g->nodes[readers[r]];
            for (int k = 0; k < rn->n_in && reads_views(rn); k++)
                if (rn->in[k] == y)
                    rn->in[k] = v;
        }
    }
    free(readers);
    free(order);
    return st;
}

void ir_slice_sync(ir_graph *g)
{
    for (int t = 0; t < g->n_tensors; t++) {
        ir_tensor *v = &g->tensors[t];
        if (v->view_of >= 0) {
            const ir_tensor *r = &g->tensors[ir_slice_root(g, t)];
            v->prec = r->prec;
            v->scale = r->scale;
        }
    }
    for (int t = 0; t < g->n_tensors; t++) {
        ir_tensor *y = &g->tensors[t];
        if (y->copy_of >= 0 && g->tensors[y->copy_of].scale > 0.0f)
            y->calib_scale = g->tensors[y->copy_of].scale; /* same scale in and out: the copy is exact */
    }
}

void ir_slice_extend_lifetime(ir_graph *g, int t, int layer)
{
    int root = ir_slice_root(g, t);
    if (t < 0 || root == t)
        return;
    ir_tensor *r = &g->tensors[root];
    if (r->last_layer < layer)
        r->last_layer = layer;
    if (r->concat_of >= 0 && g->tensors[r->concat_of].last_layer < layer)
        g->tensors[r->concat_of].last_layer = layer;
}

dla_status ir_slice_place_views(ir_graph *g, int atom, dla_error *err)
{
    for (int t = 0; t < g->n_tensors; t++) {
        ir_tensor *v = &g->tensors[t];
        if (v->view_of < 0)
            continue;
        const ir_tensor *r = &g->tensors[ir_slice_root(g, t)];
        const int cps = atom / ir_bpe(r->prec);
        if (r->region < 0)
            continue; /* nothing reads it on the DLA (e.g. dead after fusion) */
        /* Both hold by construction: tiling.c gives no image-input conv an input that a view reads, and
         * views are chosen on the network precision's surfaces, the widest (an INT8 network's FP16
         * fallback layers have half as many channels per surface; an FP16 network has no INT8 layer). */
        if (r->pixel)
            return dla_error_set(err, DLA_ERR_INTERNAL,
                                 "%s: slice '%s' reads network input '%s' in place, which is stored as pixels", g->base,
                                 v->name, r->name);
        if (v->view_c0 % cps != 0 || (v->dims[1] % cps != 0 && v->view_c0 + v->dims[1] != r->dims[1]))
            return dla_error_set(err, DLA_ERR_INTERNAL,
                                 "%s: slice '%s' reads channels [%d, %lld) of '%s' in place, off the %d-channel "
                                 "surfaces of %s",
                                 g->base, v->name, v->view_c0, (long long)(v->view_c0 + v->dims[1]), r->name, cps,
                                 dla_precision_name((uint32_t)r->prec));
        v->region = r->region;
        v->offset = r->offset + (uint64_t)(v->view_c0 / cps) * r->surface_stride +
                    (uint64_t)v->view_h0 * r->line_stride + (uint64_t)v->view_w0 * (uint64_t)atom;
        v->line_stride = r->line_stride;
        v->surface_stride = r->surface_stride;
        v->batch_stride = r->batch_stride;
        v->bytes = r->bytes;
    }
    return DLA_OK;
}

void ir_slice_forward(const ir_node *n, const float *x, const int64_t id[4], float *y, const int64_t od[4])
{
    const int64_t *s = n->slice_start;
    for (int64_t b = 0; b < od[0]; b++)
        for (int64_t c = 0; c < od[1]; c++)
            for (int64_t h = 0; h < od[2]; h++)
                memcpy(y + ((b * od[1] + c) * od[2] + h) * od[3],
                       x + (((b + s[0]) * id[1] + c + s[1]) * id[2] + h + s[2]) * id[3] + s[3],
                       (size_t)od[3] * sizeof(float));
}
