/* Fusion: groups canonical nodes into DLA layers. conv (+bias/BN, already folded) + ReLU/Clip
 * + element-wise Add (the conv's SDP EW stage reading the other, earlier tensor) becomes one
 * conv+SDP layer; pools stay separate PDP layers; lone scale/add/activation nodes become
 * SDP-only layers; flatten views alias their input. */
#include <stdlib.h>
#include <string.h>

#include "graph.h"

static int single_reader(const ir_graph *g, int t)
{
    int who[2];
    if (g->tensors[t].is_output)
        return -1;
    return ir_consumers(g, t, who, 2) == 1 ? who[0] : -1;
}

static dla_status layer_add_node(ir_graph *g, ir_layer *l, int ni, bool *absorbed, dla_error *err)
{
    int *nodes = realloc(l->nodes, (size_t)(l->n_nodes + 1) * sizeof(int));
    if (!nodes)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (fusion)", g->base);
    l->nodes = nodes;
    l->nodes[l->n_nodes++] = ni;
    absorbed[ni] = true;
    return DLA_OK;
}

/* Absorb the SDP-capable nodes that follow l's output: [ReLU] [Add of an available tensor] [ReLU|Clip]. */
static dla_status absorb_sdp_chain(ir_graph *g, ir_layer *l, bool *absorbed, const bool *available, dla_error *err)
{
    for (;;) {
        int r = single_reader(g, l->out);
        if (r < 0 || absorbed[r])
            return DLA_OK;
        ir_node *n = &g->nodes[r];
        dla_status st;
        if (n->gpu || n->segment != g->nodes[l->nodes[0]].segment)
            return DLA_OK; /* another device or DLA subgraph (partition.c) */
        if ((n->kind == IR_OP_ADD || n->kind == IR_OP_MUL) && l->ew_in < 0 && !l->relu_before_ew &&
            (n->kind == IR_OP_ADD || !l->relu)) {
            int a = ir_resolve(g, n->in[0]), b = ir_resolve(g, n->in[1]);
            int other = a == ir_resolve(g, l->out) ? b : a;
            if (other == ir_resolve(g, l->out) || !available[other])
                return DLA_OK; /* x + x, or the other operand is not computed yet */
            l->ew_in = other;
            l->ew_mul = n->kind == IR_OP_MUL;
        } else if (n->kind == IR_OP_LUT && !l->relu && !l->lut_fn) {
            /* NVDLA's Y stage ends with the LUT: it takes the X and EW stages' result (lut.c). */
            l->lut_fn = n->lut_fn;
        } else if (ir_sdp_ops_absorb(g, l, n, available)) {
            /* PReLU in BN, or Max / Min / Sub on the EW ALU (sdp_ops.c) */
        } else if (n->kind == IR_OP_RELU && !l->relu) {
            l->relu = true;
        } else if (n->kind == IR_OP_CLIP && !l->relu && l->ew_in < 0) {
            l->relu = true;
            l->clip = true;
            l->clip_hi = n->clip_hi;
        } else {
            return DLA_OK;
        }
        /* A ReLU before the Add moves into the BS stage. */
        if ((n->kind == IR_OP_ADD || n->kind == IR_OP_EW_ALU) && l->relu) {
            l->relu = false;
            l->relu_before_ew = true;
        }
        if ((st = layer_add_node(g, l, r, absorbed, err)) != DLA_OK)
            return st;
        l->out = n->out[0];
        if (l->clip || l->lut_fn)
            return DLA_OK; /* the clip / LUT is done by the output converter / last stage: nothing may follow */
    }
}

static void layer_name(const ir_graph *g, ir_layer *l)
{
    size_t used = 0;
    l->name[0] = '\0';
    for (int i = 0; i < l->n_nodes; i++) {
        const ir_node *n = &g->nodes[l->nodes[i]];
        const char *nm = n->merged ? n->merged : n->name;
        int w = snprintf(l->name + used, sizeof l->name - used, "%s%s", i ? " + " : "", nm);
        if (w < 0 || (size_t)w >= sizeof l->name - used) {
            /* too long for the loadable's name field: end with an ellipsis */
            memcpy(l->name + sizeof l->name - 4, "...", 4);
            return;
        }
        used += (size_t)w;
    }
}

/* A GPU-fallback node (partition.c) is a layer of its own, with no DLA ops: the memory plan places
 * its output when the DLA reads it, emission turns it into a GPU layer of the loadable. */
static dla_status fuse_gpu_node(ir_graph *g, int ni, bool *absorbed, dla_error *err)
{
    const ir_node *n = &g->nodes[ni];
    ir_layer *l = &g->layers[g->n_layers];
    memset(l, 0, sizeof *l);
    l->kind = IR_LAYER_GPU;
    l->gpu_node = ni;
    l->conv_node = l->pool_node = -1;
    l->scale_mul = l->scale_add = -1;
    l->in = l->ew_in = -1;
    for (int k = 0; k < n->n_in; k++) {
        if (n->in[k] < 0 || g->tensors[n->in[k]].is_const)
            continue;
        int t = ir_resolve(g, n->in[k]);
        if (l->in < 0)
            l->in = t;
        else if (l->ew_in < 0)
            l->ew_in = t;
        else
            return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                                 "%s: GPU layer '%s' (%s) reads more than 2 activations (GPU fallback supports 2)",
                                 g->base, n->name, n->op_type);
    }
    for (int k = 1; k < n->n_out; k++)
        if (n->out[k] >= 0 && ir_consumers(g, n->out[k], NULL, 0) > 0)
            return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                                 "%s: GPU layer '%s' (%s) has %d used outputs (GPU fallback supports 1)", g->base,
                                 n->name, n->op_type, n->n_out);
    if (n->n_out < 1 || n->out[0] < 0)
        return dla_error_set(err, DLA_ERR_UNSUPPORTED, "%s: GPU layer '%s' (%s) has no output", g->base, n->name,
                             n->op_type);
    l->out = n->out[0];
    dla_status st = layer_add_node(g, l, ni, absorbed, err);
    if (st != DLA_OK)
        return st;
    g->n_layers++;
    snprintf(l->name, sizeof l->name, "%.120s", n->name);
    snprintf(l->type, sizeof l->type, "gpu");
    return DLA_OK;
}

dla_status ir_fuse(ir_graph *g, dla_error *err)
{
    int *order = NULL, count = 0;
    dla_status st = ir_topo_order(g, &order, &count, err);
    if (st != DLA_OK)
        return st;
    bool *absorbed = calloc((size_t)g->n_nodes + 1, sizeof(bool));
    bool *available = calloc((size_t)g->n_tensors + 1, sizeof(bool)); /* computed by an earlier layer */
    g->layers = calloc((size_t)count + 1, sizeof(ir_layer));
    if (!absorbed || !available || !g->layers) {
        st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (fusion)", g->base);
        goto done;
    }
    g->n_layers = 0;
    for (int i = 0; i < g->n_inputs; i++)
        available[g->inputs[i]] = true;
    for (int oi = 0; oi < count; oi++) {
        int ni = order[oi];
        ir_node *n = &g->nodes[ni];
        if (absorbed[ni] || n->kind == IR_OP_DEAD)
            continue;
        if (n->kind == IR_OP_VIEW) {
            g->tensors[n->out[0]].alias_of = n->in[0];
            if (g->tensors[n->out[0]].is_output)
                g->tensors[ir_resolve(g, n->out[0])].is_output = true;
            available[n->out[0]] = true;
            absorbed[ni] = true;
            continue;
        }
        if (n->gpu) {
            if ((st = fuse_gpu_node(g, ni, absorbed, err)) != DLA_OK)
                goto done;
            available[g->layers[g->n_layers - 1].out] = true;
            continue;
        }
        if (n->kind == IR_OP_CONCAT) {
            /* No layer: the producers of its inputs write into channel offsets of its output. */
            int c0 = 0;
            for (int k = 0; k < n->n_in; k++) {
                ir_tensor *x = &g->tensors[n->in[k]];
                x->concat_of = n->out[0];
                x->concat_c0 = c0;
                c0 += (int)x->dims[1];
            }
            available[n->out[0]] = true;
            absorbed[ni] = true;
            continue;
        }
        if (n->kind == IR_OP_SLICE) { /* a view (slice.c): no layer, its readers address the window */
            available[n->out[0]] = true;
            absorbed[ni] = true;
            continue;
        }
        if (n->kind == IR_OP_ONNX) {
            st = dla_error_set(err, DLA_ERR_INTERNAL, "%s: node '%s' (%s) reached fusion unconverted", g->base, n->name,
                               n->op_type);
            goto done;
        }
        ir_layer *l = &g->layers[g->n_layers];
        memset(l, 0, sizeof *l);
        l->in = ir_resolve(g, n->in[0]);
        l->out = n->out[0];
        l->conv_node = l->pool_node = -1;
        l->scale_mul = l->scale_add = -1;
        l->ew_in = -1;
        if ((st = layer_add_node(g, l, ni, absorbed, err)) != DLA_OK)
            goto done;
        g->n_layers++;
        switch (n->kind) {
        case IR_OP_CONV:
            l->kind = IR_LAYER_CONV;
            l->conv_node = ni;
            break;
        case IR_OP_POOL:
            l->kind = IR_LAYER_POOL;
            l->pool_node = ni;
            break;
        case IR_OP_SCALE:
            l->kind = IR_LAYER_SDP;
            l->scale_mul = n->scale_mul;
            l->scale_add = n->scale_add;
            break;
        case IR_OP_ADD: {
            l->kind = IR_LAYER_SDP;
            int a = ir_resolve(g, n->in[0]), b = ir_resolve(g, n->in[1]);
            l->in = a;
            l->ew_in = b;
            break;
        }
        case IR_OP_MUL: {
            l->kind = IR_LAYER_SDP;
            l->in = ir_resolve(g, n->in[0]);
            l->ew_in = ir_resolve(g, n->in[1]);
            l->ew_mul = true;
            break;
        }
        case IR_OP_LUT:
            l->kind = IR_LAYER_SDP;
            l->lut_fn = n->lut_fn;
            break;
        case IR_OP_RELU:
            l->kind = IR_LAYER_SDP;
            l->relu = true;
            break;
        case IR_OP_CLIP:
            l->kind = IR_LAYER_SDP;
            l->relu = l->clip = true;
            l->clip_hi = n->clip_hi;
            break;
        case IR_OP_RUBIK: l->kind = IR_LAYER_RUBIK; break;
        case IR_OP_LRN: l->kind = IR_LAYER_CDP; break;
        case IR_OP_PRELU:
        case IR_OP_EW_ALU:
        case IR_OP_X_ALU: ir_sdp_ops_layer(g, l, n); break;
        default:
            st = dla_error_set(err, DLA_ERR_INTERNAL, "%s: node '%s': unexpected kind %d in fusion", g->base, n->name,
                               (int)n->kind);
            goto done;
        }
        if (l->kind != IR_LAYER_POOL && l->kind != IR_LAYER_RUBIK && l->kind != IR_LAYER_CDP && !l->clip && !l->lut_fn)
            if ((st = absorb_sdp_chain(g, l, absorbed, available, err)) != DLA_OK)
                goto done;
        available[l->out] = true;
        layer_name(g, l);
        int64_t od[4];
        ir_nchw(&g->tensors[l->out], od);
        if (l->kind == IR_LAYER_CONV) {
            const ir_conv *c = &n->conv;
            l->macs = (uint64_t)od[0] * (uint64_t)od[1] * (uint64_t)od[2] * (uint64_t)od[3] *
                      (uint64_t)(c->c / c->groups) * (uint64_t)c->kh * (uint64_t)c->kw;
            snprintf(l->type, sizeof l->type, "%s%s%s%s", c->fc ? "fc" : "conv",
                     l->ew_in < 0 ? ""
                     : l->ew_mul  ? "+mul"
                                  : "+add",
                     l->lut_fn ? "+" : "", l->lut_fn ? ir_lut_name(l->lut_fn) : "");
        } else if (l->kind == IR_LAYER_POOL) {
            snprintf(l->type, sizeof l->type, "pool");
        } else if (l->kind == IR_LAYER_RUBIK) {
            snprintf(l->type, sizeof l->type, "contract");
        } else if (l->kind == IR_LAYER_CDP) {
            snprintf(l->type, sizeof l->type, "lrn");
        } else {
            snprintf(l->type, sizeof l->type, "%s",
                     l->ew_in >= 0                            ? (l->ew_mul ? "mul" : "add")
                     : l->lut_fn                              ? ir_lut_name(l->lut_fn)
                     : l->scale_mul >= 0 || l->scale_add >= 0 ? "scale"
                                                              : "act");
        }
        ir_sdp_ops_layer_type(l);
    }
done:
    free(order);
    free(absorbed);
    free(available);
    return st;
}
