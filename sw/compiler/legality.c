/* DLA legality: TensorRT's published DLA layer rules (../shared/docs/orin-facts.md §8) and the
 * target's features, checked on the canonical graph. Every violation is collected; compilation
 * fails with one message listing each layer that cannot run, its op type and the rule. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"

/* TensorRT DLA rules (software limits published by NVIDIA, not hardware config values). */
enum {
    RULE_CONV_KERNEL_MAX = 32,
    RULE_CONV_STRIDE_MAX = 8,
    RULE_CONV_PAD_MAX = 31,
    RULE_CONV_DILATION_MAX = 32,
    RULE_CONV_MAPS_MAX = 8192,
    RULE_CONV_GROUPS_MAX = 8192,
    RULE_POOL_WINDOW_MAX = 8,
    RULE_POOL_STRIDE_MAX = 16,
    RULE_POOL_PAD_MAX = 7,
    RULE_DIM_MAX = 8192,
    RULE_BATCH_MAX = 4096
};

typedef struct msgbuf {
    char text[4096];
    size_t len;
} msgbuf;

static void add(msgbuf *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(msgbuf *m, const char *fmt, ...)
{
    if (m->len >= sizeof m->text - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(m->text + m->len, sizeof m->text - m->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        m->len += (size_t)n < sizeof m->text - m->len ? (size_t)n : sizeof m->text - m->len - 1;
}

static void check_conv(const ir_graph *g, const ir_node *n, msgbuf *m)
{
    const ir_conv *c = &n->conv;
    if (c->kh < 1 || c->kw < 1 || c->kh > RULE_CONV_KERNEL_MAX || c->kw > RULE_CONV_KERNEL_MAX)
        add(m, "kernel %dx%d exceeds DLA limit %d (rule conv.kernel), ", c->kh, c->kw, RULE_CONV_KERNEL_MAX);
    if (c->sy > RULE_CONV_STRIDE_MAX || c->sx > RULE_CONV_STRIDE_MAX)
        add(m, "stride %dx%d exceeds DLA limit %d (rule conv.stride), ", c->sy, c->sx, RULE_CONV_STRIDE_MAX);
    int pads[4] = {c->pt, c->pb, c->pl, c->pr}, ks[4] = {c->kh, c->kh, c->kw, c->kw};
    for (int i = 0; i < 4; i++)
        if (pads[i] > RULE_CONV_PAD_MAX || pads[i] >= ks[i]) {
            add(m,
                "padding %d,%d,%d,%d (top,bottom,left,right) must be 0..%d and smaller than the kernel (rule "
                "conv.pad), ",
                c->pt, c->pb, c->pl, c->pr, RULE_CONV_PAD_MAX);
            break;
        }
    if (c->dy > RULE_CONV_DILATION_MAX || c->dx > RULE_CONV_DILATION_MAX)
        add(m, "dilation %dx%d exceeds DLA limit %d (rule conv.dilation), ", c->dy, c->dx, RULE_CONV_DILATION_MAX);
    if (c->k < 1 || c->k > RULE_CONV_MAPS_MAX)
        add(m, "%d output maps, DLA allows 1..%d (rule conv.output_maps), ", c->k, RULE_CONV_MAPS_MAX);
    if (c->groups > RULE_CONV_GROUPS_MAX)
        add(m, "%d groups exceeds DLA limit %d (rule conv.groups), ", c->groups, RULE_CONV_GROUPS_MAX);
    (void)g;
}

static void check_pool(const dla_config *cfg, const ir_node *n, msgbuf *m)
{
    const ir_pool *p = &n->pool;
    if (!cfg->core.features.pdp)
        add(m, "the target has no PDP (rule feature.pdp), ");
    if (p->kh > RULE_POOL_WINDOW_MAX || p->kw > RULE_POOL_WINDOW_MAX)
        add(m, "window %dx%d exceeds DLA limit %d (rule pool.window), ", p->kh, p->kw, RULE_POOL_WINDOW_MAX);
    if (p->sy > RULE_POOL_STRIDE_MAX || p->sx > RULE_POOL_STRIDE_MAX)
        add(m, "stride %dx%d exceeds DLA limit %d (rule pool.stride), ", p->sy, p->sx, RULE_POOL_STRIDE_MAX);
    if (p->pt > RULE_POOL_PAD_MAX || p->pb > RULE_POOL_PAD_MAX || p->pl > RULE_POOL_PAD_MAX ||
        p->pr > RULE_POOL_PAD_MAX)
        add(m, "padding %d,%d,%d,%d exceeds DLA limit %d (rule pool.pad), ", p->pt, p->pb, p->pl, p->pr,
            RULE_POOL_PAD_MAX);
}

/* Why a node left as an ONNX operator cannot run (canonicalisation accepted everything it could). */
static void explain_onnx(const ir_graph *g, const ir_node *n, msgbuf *m)
{
    const char *op = n->op_type;
    if (!strcmp(op, "Clip"))
        add(m, "only Clip(0, max) with constant bounds runs on the DLA (rule clip.range), ");
    else if (!strcmp(op, "Conv") || !strcmp(op, "Gemm") || !strcmp(op, "MatMul"))
        add(m, "needs constant weights and a 2-D (NCHW / NxC) input (rule conv.weights), ");
    else if (!strcmp(op, "Add") || !strcmp(op, "Mul") || !strcmp(op, "Sub") || !strcmp(op, "Div"))
        add(m, "only Sum of two equal-shaped activations or a per-channel constant operand runs on the DLA "
               "(rule eltwise.operands), ");
    else if (!strcmp(op, "MaxPool") || !strcmp(op, "AveragePool"))
        add(m, "pooling with dilation, indices output or a non-4-D input is not supported (rule pool.attributes), ");
    else
        add(m, "operator not supported on DLA, ");
    (void)g;
}

typedef struct violation {
    const ir_node *node;
    char *reason;
} violation;

/* One message for all violations: per node ("node 'a' (Op): reason; ...") when it fits the 1 KiB
 * error, else grouped by reason ("reason: node 'a' (Op), node 'b' (Op); ..."), else truncated. */
static void compose(const ir_graph *g, const violation *v, int n, dla_error *err)
{
    msgbuf *m = calloc(1, sizeof *m);
    if (!m) {
        dla_error_set(err, DLA_ERR_UNSUPPORTED, "%s: %d layers cannot run on the DLA (out of memory listing them)",
                      g->base, n);
        return;
    }
    char head[256];
    snprintf(head, sizeof head, "%s: %d layer%s cannot run on the DLA without GPU fallback (--allowGPUFallback): ",
             g->base, n, n == 1 ? "" : "s");
    size_t budget = sizeof err->msg - 1 - strlen(head);
    for (int i = 0; i < n; i++)
        add(m, "%snode '%s' (%s): %s", i ? "; " : "", v[i].node->name, v[i].node->op_type, v[i].reason);
    if (m->len > budget) {
        m->len = 0;
        m->text[0] = '\0';
        bool *done = calloc(n > 0 ? (size_t)n : 1, sizeof(bool));
        int listed = 0;
        for (int i = 0; i < n && done; i++) {
            if (done[i])
                continue;
            size_t group_start = m->len;
            add(m, "%s%s: ", m->len ? "; " : "", v[i].reason);
            int in_group = 0;
            for (int j = i; j < n; j++) {
                if (done[j] || strcmp(v[j].reason, v[i].reason) != 0)
                    continue;
                size_t before = m->len;
                add(m, "%snode '%s' (%s)", in_group ? ", " : "", v[j].node->name, v[j].node->op_type);
                if (m->len + 48 > budget) { /* keep room for the "... and N more" tail */
                    m->len = in_group ? before : group_start;
                    m->text[m->len] = '\0';
                    goto truncated;
                }
                done[j] = true;
                in_group++;
                listed++;
            }
        }
    truncated:
        if (listed < n)
            add(m, "; ... and %d more (the compile report lists all)", n - listed);
        free(done);
    }
    dla_error_set(err, DLA_ERR_UNSUPPORTED, "%s%s", head, m->text);
    free(m);
}

dla_status ir_check_legality(ir_graph *g, const dla_config *cfg, FILE *report, dla_error *err)
{
    int *order = NULL, count = 0;
    dla_status st = ir_topo_order(g, &order, &count, err);
    if (st != DLA_OK)
        return st;
    msgbuf *one = calloc(1, sizeof *one);
    violation *v = calloc((size_t)count + 1, sizeof *v);
    int bad = 0;
    if (!one || !v) {
        st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", g->base);
        goto done;
    }
    for (int oi = 0; oi < count; oi++) {
        const ir_node *n = &g->nodes[order[oi]];
        one->len = 0;
        one->text[0] = '\0';
        switch (n->kind) {
        case IR_OP_ONNX: explain_onnx(g, n, one); break;
        case IR_OP_CONV: check_conv(g, n, one); break;
        case IR_OP_POOL: check_pool(cfg, n, one); break;
        case IR_OP_ADD:
            if (!cfg->core.features.sdp_ew)
                add(one, "the target's SDP has no element-wise stage (rule feature.sdp_ew), ");
            break;
        default: break;
        }
        for (int o = 0; o < n->n_out; o++) {
            const ir_tensor *t = n->out[o] >= 0 ? &g->tensors[n->out[o]] : NULL;
            if (!t || n->kind == IR_OP_ONNX)
                continue;
            int64_t d[4];
            if (!ir_nchw(t, d)) {
                add(one, "output is not a 4-D or N x C tensor (rule tensor.rank), ");
                continue;
            }
            if (d[1] > RULE_DIM_MAX || d[2] > RULE_DIM_MAX || d[3] > RULE_DIM_MAX || d[0] > RULE_BATCH_MAX)
                add(one, "dimensions exceed DLA limits (batch %d, others %d) (rule tensor.dims), ", RULE_BATCH_MAX,
                    RULE_DIM_MAX);
        }
        if (one->len == 0)
            continue;
        one->len -= 2; /* drop the trailing ", " */
        one->text[one->len] = '\0';
        if (report)
            fprintf(report, "%s: node '%s' (%s): %s\n", g->gpu_fallback ? "GPU fallback" : "unsupported", n->name,
                    n->op_type, one->text);
        g->nodes[order[oi]].gpu = true; /* partition.c: a GPU layer under GPU fallback */
        v[bad].node = n;
        v[bad].reason = ir_strdup(one->text);
        if (!v[bad].reason) {
            st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", g->base);
            goto done;
        }
        bad++;
    }
    if (bad && !g->gpu_fallback) {
        compose(g, v, bad, err);
        st = DLA_ERR_UNSUPPORTED;
    }
done:
    for (int i = 0; v && i < bad; i++)
        free(v[i].reason);
    free(v);
    free(one);
    free(order);
    return st;
}
