/* Graph IR construction and queries shared by every pass (graph.h): tensors by name, nodes,
 * attributes, consumers, topological order, binary16 conversion and the DC weight layout. */
#include "graph.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

char *ir_strdup(const char *s)
{
    size_t n = strlen(s ? s : "");
    char *d = malloc(n + 1);
    if (d)
        memcpy(d, s ? s : "", n + 1);
    return d;
}

ir_graph *ir_graph_create(const char *path)
{
    ir_graph *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->path = ir_strdup(path);
    if (!g->path) {
        free(g);
        return NULL;
    }
    const char *slash = strrchr(g->path, '/');
    g->base = slash ? slash + 1 : g->path;
    return g;
}

static void free_layer(ir_layer *l)
{
    free(l->nodes);
    free(l->operands);
    free(l->qweights);
    free(l->tiles);
    free(l->lut);
    free(l->hslices);
}

void ir_graph_destroy(ir_graph *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->n_tensors; i++) {
        free(g->tensors[i].name);
        free(g->tensors[i].f);
        free(g->tensors[i].i);
    }
    for (int i = 0; i < g->n_nodes; i++) {
        ir_node *n = &g->nodes[i];
        free(n->name);
        free(n->op_type);
        free(n->in);
        free(n->out);
        free(n->merged);
        for (int a = 0; a < n->n_attrs; a++) {
            free(n->attrs[a].name);
            free(n->attrs[a].s);
            free(n->attrs[a].ints);
            free(n->attrs[a].floats);
        }
        free(n->attrs);
    }
    for (int i = 0; i < g->n_layers; i++)
        free_layer(&g->layers[i]);
    free(g->layers);
    free(g->segments);
    free(g->freed);
    free(g->tensors);
    free(g->nodes);
    free(g->inputs);
    free(g->outputs);
    free(g->hash);
    free(g->path);
    free(g);
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

int ir_tensor_find(const ir_graph *g, const char *name)
{
    if (!g->hash_cap || !name)
        return -1;
    for (uint64_t h = hash_str(name) & (uint64_t)(g->hash_cap - 1);; h = (h + 1) & (uint64_t)(g->hash_cap - 1)) {
        int idx = g->hash[h];
        if (idx < 0)
            return -1;
        if (strcmp(g->tensors[idx].name, name) == 0)
            return idx;
    }
}

static dla_status hash_insert(ir_graph *g, int idx, dla_error *err)
{
    if (2 * (g->n_tensors + 1) > g->hash_cap) {
        int cap = g->hash_cap ? g->hash_cap * 2 : 256;
        while (2 * (g->n_tensors + 1) > cap)
            cap *= 2;
        int *h = malloc((size_t)cap * sizeof *h);
        if (!h)
            return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (tensor table)", g->path);
        for (int i = 0; i < cap; i++)
            h[i] = -1;
        free(g->hash);
        g->hash = h;
        g->hash_cap = cap;
        for (int i = 0; i < g->n_tensors; i++)
            if (i != idx)
                for (uint64_t p = hash_str(g->tensors[i].name) & (uint64_t)(cap - 1);;
                     p = (p + 1) & (uint64_t)(cap - 1))
                    if (h[p] < 0) {
                        h[p] = i;
                        break;
                    }
    }
    for (uint64_t p = hash_str(g->tensors[idx].name) & (uint64_t)(g->hash_cap - 1);;
         p = (p + 1) & (uint64_t)(g->hash_cap - 1))
        if (g->hash[p] < 0) {
            g->hash[p] = idx;
            return DLA_OK;
        }
}

dla_status ir_tensor_add(ir_graph *g, const char *name, int *index, dla_error *err)
{
    char buf[300];
    if (ir_tensor_find(g, name) >= 0) {
        /* Generated names must be unique; suffix until they are. */
        for (int k = 1;; k++) {
            snprintf(buf, sizeof buf, "%.240s~%d", name, k);
            if (ir_tensor_find(g, buf) < 0)
                break;
        }
        name = buf;
    }
    if (g->n_tensors == g->cap_tensors) {
        int cap = g->cap_tensors ? g->cap_tensors * 2 : 64;
        ir_tensor *t = realloc(g->tensors, (size_t)cap * sizeof *t);
        if (!t)
            return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (tensors)", g->path);
        g->tensors = t;
        g->cap_tensors = cap;
    }
    ir_tensor *t = &g->tensors[g->n_tensors];
    memset(t, 0, sizeof *t);
    t->name = ir_strdup(name);
    if (!t->name)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (tensor name)", g->path);
    t->rank = -1;
    t->elem_type = IR_ONNX_FLOAT;
    t->producer = -1;
    t->alias_of = -1;
    t->concat_of = -1;
    t->view_of = -1;
    t->copy_of = -1;
    t->region = -1;
    t->loadable_tensor = -1;
    t->first_layer = t->last_layer = -1;
    g->n_tensors++;
    dla_status st = hash_insert(g, g->n_tensors - 1, err);
    if (st != DLA_OK)
        return st;
    *index = g->n_tensors - 1;
    return DLA_OK;
}

dla_status ir_node_add(ir_graph *g, const char *name, const char *op_type, int n_in, int n_out, int *index,
                       dla_error *err)
{
    if (g->n_nodes == g->cap_nodes) {
        int cap = g->cap_nodes ? g->cap_nodes * 2 : 64;
        ir_node *n = realloc(g->nodes, (size_t)cap * sizeof *n);
        if (!n)
            return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (nodes)", g->path);
        g->nodes = n;
        g->cap_nodes = cap;
    }
    ir_node *n = &g->nodes[g->n_nodes];
    memset(n, 0, sizeof *n);
    n->name = ir_strdup(name);
    n->op_type = ir_strdup(op_type);
    n->in = calloc((size_t)(n_in > 0 ? n_in : 1), sizeof(int));
    n->out = calloc((size_t)(n_out > 0 ? n_out : 1), sizeof(int));
    g->n_nodes++;
    if (!n->name || !n->op_type || !n->in || !n->out)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (node)", g->path);
    n->n_in = n_in;
    n->n_out = n_out;
    n->segment = -1;
    for (int i = 0; i < n_in; i++)
        n->in[i] = -1;
    for (int i = 0; i < n_out; i++)
        n->out[i] = -1;
    n->conv.weight = n->conv.bias = -1;
    n->scale_mul = n->scale_add = -1;
    *index = g->n_nodes - 1;
    return DLA_OK;
}

int64_t ir_numel(const ir_tensor *t)
{
    if (t->rank < 0)
        return -1;
    int64_t n = 1;
    for (int i = 0; i < t->rank; i++)
        n *= t->dims[i];
    return n;
}

int ir_resolve(const ir_graph *g, int t)
{
    for (int hops = 0; t >= 0 && g->tensors[t].alias_of >= 0 && hops < g->n_tensors; hops++)
        t = g->tensors[t].alias_of;
    return t;
}

void ir_tensor_set_const_f(ir_tensor *t, float *f, int elem_type)
{
    free(t->f);
    free(t->i);
    t->i = NULL;
    t->f = f;
    t->is_const = true;
    t->elem_type = elem_type;
}

void ir_tensor_set_const_i(ir_tensor *t, int64_t *i, int elem_type)
{
    free(t->f);
    free(t->i);
    t->f = NULL;
    t->i = i;
    t->is_const = true;
    t->elem_type = elem_type;
}

dla_status ir_const_new_f(ir_graph *g, const char *name, int rank, const int64_t *dims, int *index, dla_error *err)
{
    int idx;
    dla_status st = ir_tensor_add(g, name, &idx, err);
    if (st != DLA_OK)
        return st;
    ir_tensor *t = &g->tensors[idx];
    t->rank = rank;
    int64_t n = 1;
    for (int i = 0; i < rank; i++) {
        t->dims[i] = dims[i];
        n *= dims[i];
    }
    float *f = calloc((size_t)(n > 0 ? n : 1), sizeof *f);
    if (!f)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (constant '%s')", g->path, name);
    ir_tensor_set_const_f(t, f, IR_ONNX_FLOAT);
    *index = idx;
    return DLA_OK;
}

const ir_attr *ir_attr_get(const ir_node *n, const char *name)
{
    for (int i = 0; i < n->n_attrs; i++)
        if (strcmp(n->attrs[i].name, name) == 0)
            return &n->attrs[i];
    return NULL;
}

int64_t ir_attr_int(const ir_node *n, const char *name, int64_t def)
{
    const ir_attr *a = ir_attr_get(n, name);
    return a && a->type == IR_ATTR_INT ? a->i : def;
}

float ir_attr_float(const ir_node *n, const char *name, float def)
{
    const ir_attr *a = ir_attr_get(n, name);
    return a && a->type == IR_ATTR_FLOAT ? a->f : def;
}

int ir_consumers(const ir_graph *g, int t, int *out, int max)
{
    int count = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        const ir_node *n = &g->nodes[i];
        if (n->kind == IR_OP_DEAD)
            continue;
        for (int j = 0; j < n->n_in; j++)
            if (n->in[j] == t) {
                if (count < max)
                    out[count] = i;
                count++;
                break;
            }
    }
    return count;
}

bool ir_is_float_type(int elem_type)
{
    return elem_type == IR_ONNX_FLOAT || elem_type == IR_ONNX_FLOAT16 || elem_type == IR_ONNX_DOUBLE;
}

bool ir_nchw(const ir_tensor *t, int64_t d[4])
{
    if (t->rank == 4) {
        for (int i = 0; i < 4; i++)
            d[i] = t->dims[i];
        return true;
    }
    if (t->rank == 2) {
        d[0] = t->dims[0];
        d[1] = t->dims[1];
        d[2] = d[3] = 1;
        return true;
    }
    return false;
}

const char *ir_shape_str(const ir_tensor *t, char *buf, size_t size)
{
    if (t->rank < 0) {
        snprintf(buf, size, "?");
        return buf;
    }
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < t->rank && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? "x" : "", (long long)t->dims[i]);
    if (t->rank == 0)
        snprintf(buf, size, "scalar");
    return buf;
}

/* Binary min-heap of node indices (ir_topo_order's ready lists). */
static void heap_push(int *h, int *n, int v)
{
    int i = (*n)++;
    for (; i > 0 && h[(i - 1) / 2] > v; i = (i - 1) / 2)
        h[i] = h[(i - 1) / 2];
    h[i] = v;
}

static int heap_pop(int *h, int *n)
{
    int top = h[0], v = h[--*n], i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && h[c + 1] < h[c])
            c++;
        if (h[c] >= v)
            break;
        h[i] = h[c];
        i = c;
    }
    if (*n > 0)
        h[i] = v;
    return top;
}

dla_status ir_topo_order(const ir_graph *g, int **order_out, int *n_out, dla_error *err)
{
    /* Kahn's algorithm keeping file order among ready nodes (stable, deterministic): passes over the
     * nodes in file order, each taking every node that is ready when the pass reaches it. A node made
     * ready behind the pass waits for the next pass; ready lists are min-heaps and each tensor's
     * readers are indexed once, so the order costs O(E log N) instead of a scan of all nodes per node. */
    size_t nn = (size_t)g->n_nodes + 1, nt = (size_t)g->n_tensors + 1;
    int *indeg = calloc(nn, sizeof(int));
    int *order = malloc(nn * sizeof(int));
    bool *done = calloc(nn, sizeof(bool));
    int *cur = malloc(nn * sizeof(int)), *next = malloc(nn * sizeof(int));
    int *first = calloc(nt + 1, sizeof(int)); /* readers of tensor t: rdr[first[t] .. first[t + 1]) */
    size_t edges = 0;
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].kind != IR_OP_DEAD)
            edges += (size_t)g->nodes[i].n_in;
    int *rdr = malloc((edges + 1) * sizeof(int));
    int *fill = malloc(nt * sizeof(int)); /* next free slot of each tensor's readers */
    if (!indeg || !order || !done || !cur || !next || !first || !rdr || !fill) {
        free(indeg);
        free(order);
        free(done);
        free(cur);
        free(next);
        free(first);
        free(rdr);
        free(fill);
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (topological order)", g->path);
    }
    int alive = 0, count = 0, n_cur = 0, n_next = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        const ir_node *n = &g->nodes[i];
        if (n->kind == IR_OP_DEAD) {
            done[i] = true;
            continue;
        }
        alive++;
        for (int j = 0; j < n->n_in; j++) {
            int t = n->in[j];
            if (t >= 0 && g->tensors[t].producer >= 0 && g->nodes[g->tensors[t].producer].kind != IR_OP_DEAD)
                indeg[i]++;
            if (t >= 0 && t < g->n_tensors)
                first[t + 1]++;
        }
        if (indeg[i] == 0)
            heap_push(cur, &n_cur, i);
    }
    for (size_t t = 0; t < nt; t++)
        first[t + 1] += first[t];
    memcpy(fill, first, nt * sizeof(int));
    /* one entry per (reader, input slot) in node order: a node reading t twice is decremented twice */
    for (int i = 0; i < g->n_nodes; i++) {
        const ir_node *n = &g->nodes[i];
        if (n->kind == IR_OP_DEAD)
            continue;
        for (int j = 0; j < n->n_in; j++)
            if (n->in[j] >= 0 && n->in[j] < g->n_tensors)
                rdr[fill[n->in[j]]++] = i;
    }
    free(fill);
    while (n_cur > 0) {
        int pos = -1; /* where this pass is */
        while (n_cur > 0) {
            int i = heap_pop(cur, &n_cur);
            pos = i;
            done[i] = true;
            order[count++] = i;
            const ir_node *n = &g->nodes[i];
            for (int o = 0; o < n->n_out; o++) {
                int t = n->out[o];
                if (t < 0 || t >= g->n_tensors)
                    continue;
                for (int r = first[t]; r < first[t + 1]; r++) {
                    int c = rdr[r];
                    if (done[c] || indeg[c]-- != 1)
                        continue; /* ready only when the last producer is done */
                    if (c > pos)
                        heap_push(cur, &n_cur, c);
                    else
                        heap_push(next, &n_next, c);
                }
            }
        }
        int *swap = cur;
        cur = next;
        next = swap;
        n_cur = n_next;
        n_next = 0;
    }
    int in_cycle = -1; /* walk up unfinished producers from an unfinished node: after `alive` steps, on the cycle */
    for (int i = 0; i < g->n_nodes && count < alive && in_cycle < 0; i++)
        if (!done[i])
            in_cycle = i;
    for (int step = 0; step < alive && in_cycle >= 0; step++) {
        const ir_node *n = &g->nodes[in_cycle];
        int up = -1;
        for (int j = 0; j < n->n_in && up < 0; j++) {
            int t = n->in[j];
            if (t >= 0 && t < g->n_tensors && g->tensors[t].producer >= 0 && !done[g->tensors[t].producer])
                up = g->tensors[t].producer;
        }
        if (up < 0)
            break;
        in_cycle = up;
    }
    free(indeg);
    free(done);
    free(cur);
    free(next);
    free(first);
    free(rdr);
    if (count < alive) {
        free(order);
        if (in_cycle >= 0)
            return dla_error_set(err, DLA_ERR_INVALID,
                                 "%s: the graph has a cycle through node '%s' (%s) (ONNX graphs must be acyclic)",
                                 g->path, g->nodes[in_cycle].name, g->nodes[in_cycle].op_type);
        return dla_error_set(err, DLA_ERR_INVALID, "%s: the graph has a cycle (ONNX graphs must be acyclic)", g->path);
    }
    *order_out = order;
    *n_out = count;
    return DLA_OK;
}

dla_status ir_node_merge_name(ir_node *n, const char *name, dla_error *err)
{
    const char *old = n->merged ? n->merged : n->name;
    size_t len = strlen(old) + strlen(name) + 4;
    char *s = malloc(len);
    if (!s)
        return dla_error_set(err, DLA_ERR_NOMEM, "out of memory (layer name)");
    snprintf(s, len, "%s + %s", old, name);
    free(n->merged);
    n->merged = s;
    return DLA_OK;
}

dla_status ir_node_prepend_name(ir_node *n, const char *name, dla_error *err)
{
    const char *old = n->merged ? n->merged : n->name;
    size_t len = strlen(old) + strlen(name) + 4;
    char *s = malloc(len);
    if (!s)
        return dla_error_set(err, DLA_ERR_NOMEM, "out of memory (layer name)");
    snprintf(s, len, "%s + %s", name, old);
    free(n->merged);
    n->merged = s;
    return DLA_OK;
}

/* IEEE binary16 <-> binary32, round to nearest even. */
uint16_t ir_f32_to_f16(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t exp = (x >> 23) & 0xFFu;
    uint32_t man = x & 0x7FFFFFu;
    if (exp == 0xFF)
        return (uint16_t)(sign | 0x7C00u | (man ? 0x200u : 0));
    int e = (int)exp - 127 + 15;
    if (e >= 31)
        return (uint16_t)(sign | 0x7C00u);
    if (e <= 0) {
        if (e < -10)
            return (uint16_t)sign;
        man |= 0x800000u;
        int shift = 14 - e;
        uint32_t half = man >> shift;
        uint32_t rem = man & ((1u << shift) - 1);
        uint32_t mid = 1u << (shift - 1);
        if (rem > mid || (rem == mid && (half & 1)))
            half++;
        return (uint16_t)(sign | half);
    }
    uint32_t half = ((uint32_t)e << 10) | (man >> 13);
    uint32_t rem = man & 0x1FFFu;
    if (rem > 0x1000u || (rem == 0x1000u && (half & 1)))
        half++; /* may carry into the exponent, which is the correct rounding */
    return (uint16_t)(sign | half);
}

float ir_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    int exp = (h >> 10) & 0x1F;
    uint32_t man = h & 0x3FFu;
    float v;
    if (exp == 0)
        v = ldexpf((float)man, -24);
    else if (exp == 31)
        v = man ? NAN : INFINITY;
    else
        v = ldexpf((float)(man | 0x400u), exp - 25);
    uint32_t x;
    memcpy(&x, &v, 4);
    x |= sign;
    memcpy(&v, &x, 4);
    return v;
}

int ir_bpe(dla_precision prec)
{
    return prec == DLA_PRECISION_FP16 ? 2 : 1;
}

int ir_fraction_bits(void)
{
    /* F of docs/datapath.md: 8 fractional bits keep the EW sum precise to 1/256 of an output LSB
     * while |v| stays below 2^31 for any saturating INT8 output (127 * 2^8 << 2^31). */
    return 8;
}

uint64_t ir_dc_weight_bytes(int k, int c, int r, int s, int atomic_c, int atomic_k, dla_precision prec)
{
    /* NVDLA's DC format holds exactly K x C x R x S elements: neither the kernel groups nor the last
     * channel block (C mod AtomC channels) are padded; only the total is, to 128 B. */
    (void)atomic_c;
    (void)atomic_k;
    uint64_t bytes = (uint64_t)k * (uint64_t)c * (uint64_t)r * (uint64_t)s * (uint64_t)ir_bpe(prec);
    return (bytes + 127) / 128 * 128;
}

void ir_dc_weight_pack(const void *w, int kn, int cn, int r, int s, int atomic_c, int atomic_k, dla_precision prec,
                       uint8_t *dst)
{
    int bpe = ir_bpe(prec);
    int kpg = prec == DLA_PRECISION_FP16 ? atomic_k / 2 : atomic_k;
    if (kpg < 1)
        kpg = 1;
    size_t pos = 0;
    for (int g0 = 0; g0 < kn; g0 += kpg) {
        int g1 = g0 + kpg < kn ? g0 + kpg : kn;
        for (int c0 = 0; c0 < cn; c0 += atomic_c) {
            int bw = cn - c0 < atomic_c ? cn - c0 : atomic_c; /* the last block holds C mod AtomC */
            for (int y = 0; y < r; y++)
                for (int x = 0; x < s; x++)
                    for (int k = g0; k < g1; k++)
                        for (int c = c0; c < c0 + bw; c++, pos += (size_t)bpe) {
                            size_t src =
                                (((size_t)k * (size_t)cn + (size_t)c) * (size_t)r + (size_t)y) * (size_t)s + (size_t)x;
                            memcpy(dst + pos, (const uint8_t *)w + src * (size_t)bpe, (size_t)bpe);
                        }
        }
    }
    size_t total = (size_t)ir_dc_weight_bytes(kn, cn, r, s, atomic_c, atomic_k, prec);
    if (pos < total)
        memset(dst + pos, 0, total - pos);
}
