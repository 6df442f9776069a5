/* FP32 reference executor over the canonical IR (conv, pool, scale, add, relu, clip, views): the
 * calibration forward pass of INT8 quantisation. Buffers are NCHW float, freed after their last
 * reader; convolutions run as packed, register-blocked GEMMs. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"

/* Convolution as GEMM per image and group: out[k][p] = bias[k] + sum_q w[k][q] * col[q][p] with
 * q = (c, r, s) and p = output pixel; col is the input itself for 1x1/stride 1/no padding, else an
 * im2col copy. The GEMM packs 4-row weight panels and 8-column input panels and accumulates a 4x8
 * block in registers (GCC vector extensions: SSE on any x86-64, AVX where the CPU has it, NEON
 * elsewhere). */
typedef float v4f __attribute__((vector_size(16)));

#define GEMM_MR 4
#define GEMM_NR 8
#define GEMM_KC 256
#define GEMM_NC 512

static inline v4f ld4(const float *p)
{
    v4f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void st4(float *p, v4f v)
{
    memcpy(p, &v, sizeof v);
}

/* c[GEMM_MR x GEMM_NR] += a (kc x GEMM_MR, packed) * b (kc x GEMM_NR, packed); only mr x nr of c are real. */
static void micro_kernel(int kc, const float *a, const float *b, float *c, int64_t ldc, int mr, int nr)
{
    v4f acc[GEMM_MR][2];
    memset(acc, 0, sizeof acc);
    for (int k = 0; k < kc; k++, a += GEMM_MR, b += GEMM_NR) {
        v4f b0 = ld4(b), b1 = ld4(b + 4);
        for (int i = 0; i < GEMM_MR; i++) {
            v4f ai = {a[i], a[i], a[i], a[i]};
            acc[i][0] += ai * b0;
            acc[i][1] += ai * b1;
        }
    }
    if (mr == GEMM_MR && nr == GEMM_NR) {
        for (int i = 0; i < GEMM_MR; i++) {
            st4(c + i * ldc, ld4(c + i * ldc) + acc[i][0]);
            st4(c + i * ldc + 4, ld4(c + i * ldc + 4) + acc[i][1]);
        }
        return;
    }
    float tmp[GEMM_MR][GEMM_NR];
    memcpy(tmp, acc, sizeof tmp);
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < nr; j++)
            c[i * ldc + j] += tmp[i][j];
}

typedef void (*micro_kernel_fn)(int, const float *, const float *, float *, int64_t, int, int);

#if defined(__x86_64__) && defined(__GNUC__)
/* The same micro kernel with 8-wide AVX vectors (one per row of the block) where the CPU has AVX:
 * every output still accumulates acc + a*b (separately rounded: no FMA is enabled, so nothing can
 * be contracted) in the same k order, so the results are bit-identical to the SSE kernel's. */
typedef float v8f __attribute__((vector_size(32)));

__attribute__((target("avx"))) static void micro_kernel_avx(int kc, const float *a, const float *b, float *c,
                                                            int64_t ldc, int mr, int nr)
{
    v8f acc[GEMM_MR];
    memset(acc, 0, sizeof acc);
    for (int k = 0; k < kc; k++, a += GEMM_MR, b += GEMM_NR) {
        v8f bv;
        memcpy(&bv, b, sizeof bv);
        for (int i = 0; i < GEMM_MR; i++) {
            v8f ai = {a[i], a[i], a[i], a[i], a[i], a[i], a[i], a[i]};
            acc[i] += ai * bv;
        }
    }
    if (mr == GEMM_MR && nr == GEMM_NR) {
        for (int i = 0; i < GEMM_MR; i++) {
            v8f ci;
            memcpy(&ci, c + i * ldc, sizeof ci);
            ci += acc[i];
            memcpy(c + i * ldc, &ci, sizeof ci);
        }
        return;
    }
    float tmp[GEMM_MR][GEMM_NR];
    memcpy(tmp, acc, sizeof tmp);
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < nr; j++)
            c[i * ldc + j] += tmp[i][j];
}

static micro_kernel_fn pick_micro_kernel(void)
{
    return __builtin_cpu_supports("avx") ? micro_kernel_avx : micro_kernel;
}
#else
static micro_kernel_fn pick_micro_kernel(void)
{
    return micro_kernel;
}
#endif

/* C[M x N] += A[M x Kd] (row-major, lda = Kd) * B[Kd x N] (ldb); work holds the packed panels. */
static void gemm(int M, int64_t N, int Kd, const float *A, const float *B, int64_t ldb, float *C, int64_t ldc,
                 float *ap, float *bp)
{
    int mblocks = (M + GEMM_MR - 1) / GEMM_MR;
    const micro_kernel_fn kernel = pick_micro_kernel();
    for (int k0 = 0; k0 < Kd; k0 += GEMM_KC) {
        int kc = Kd - k0 < GEMM_KC ? Kd - k0 : GEMM_KC;
        /* pack A: per 4-row block, kc x 4; remember all-zero blocks (pruned or zeroed weights) */
        for (int mb = 0; mb < mblocks; mb++)
            for (int k = 0; k < kc; k++)
                for (int i = 0; i < GEMM_MR; i++) {
                    int row = mb * GEMM_MR + i;
                    ap[((size_t)mb * kc + k) * GEMM_MR + i] = row < M ? A[(size_t)row * Kd + k0 + k] : 0.0f;
                }
        for (int64_t n0 = 0; n0 < N; n0 += GEMM_NC) {
            int nc = (int)(N - n0 < GEMM_NC ? N - n0 : GEMM_NC);
            int nblocks = (nc + GEMM_NR - 1) / GEMM_NR;
            for (int nb = 0; nb < nblocks; nb++)
                for (int k = 0; k < kc; k++) {
                    const float *src = B + (size_t)(k0 + k) * ldb + n0 + nb * GEMM_NR;
                    float *dst = bp + ((size_t)nb * kc + k) * GEMM_NR;
                    int cols = nc - nb * GEMM_NR < GEMM_NR ? nc - nb * GEMM_NR : GEMM_NR;
                    for (int j = 0; j < GEMM_NR; j++)
                        dst[j] = j < cols ? src[j] : 0.0f;
                }
            for (int mb = 0; mb < mblocks; mb++) {
                const float *a = ap + (size_t)mb * kc * GEMM_MR;
                bool nonzero = false;
                for (int e = 0; e < kc * GEMM_MR && !nonzero; e++)
                    nonzero = a[e] != 0.0f;
                if (!nonzero)
                    continue; /* zero weights add nothing */
                int mr = M - mb * GEMM_MR < GEMM_MR ? M - mb * GEMM_MR : GEMM_MR;
                for (int nb = 0; nb < nblocks; nb++) {
                    int nr = nc - nb * GEMM_NR < GEMM_NR ? nc - nb * GEMM_NR : GEMM_NR;
                    kernel(kc, a, bp + (size_t)nb * kc * GEMM_NR, C + (size_t)mb * GEMM_MR * ldc + n0 + nb * GEMM_NR,
                           ldc, mr, nr);
                }
            }
        }
    }
}

static bool conv_forward(const ir_conv *c, const float *w, const float *bias, const float *in, const int64_t *id,
                         float *out, const int64_t *od)
{
    int64_t N = id[0], C = id[1], H = id[2], W = id[3], K = od[1], OH = od[2], OW = od[3], P = OH * OW;
    int64_t cg = C / c->groups, kg = K / c->groups;
    int Kd = (int)(cg * c->kh * c->kw);
    bool direct = c->kh == 1 && c->kw == 1 && c->sy == 1 && c->sx == 1 && !c->pt && !c->pl && !c->pb && !c->pr;
    float *col = direct ? NULL : malloc((size_t)Kd * (size_t)P * sizeof(float));
    int kcmax = Kd < GEMM_KC ? Kd : GEMM_KC;
    float *ap = malloc((size_t)((kg + GEMM_MR - 1) / GEMM_MR) * GEMM_MR * (size_t)kcmax * sizeof(float));
    float *bp = malloc((size_t)((GEMM_NC + GEMM_NR - 1) / GEMM_NR) * GEMM_NR * (size_t)kcmax * sizeof(float));
    if ((!direct && !col) || !ap || !bp) {
        free(col);
        free(ap);
        free(bp);
        return false;
    }
    for (int64_t n = 0; n < N; n++)
        for (int grp = 0; grp < c->groups; grp++) {
            const float *x = in + (n * C + grp * cg) * H * W;
            float *y = out + (n * K + grp * kg) * P;
            for (int64_t k = 0; k < kg; k++)
                for (int64_t p = 0; p < P; p++)
                    y[k * P + p] = bias ? bias[grp * kg + k] : 0.0f;
            if (!direct) {
                for (int64_t ci = 0; ci < cg; ci++)
                    for (int r = 0; r < c->kh; r++)
                        for (int s = 0; s < c->kw; s++) {
                            float *row = col + ((ci * c->kh + r) * c->kw + s) * P;
                            for (int64_t oy = 0; oy < OH; oy++) {
                                int64_t iy = oy * c->sy - c->pt + (int64_t)r * c->dy;
                                for (int64_t ox = 0; ox < OW; ox++) {
                                    int64_t ix = ox * c->sx - c->pl + (int64_t)s * c->dx;
                                    row[oy * OW + ox] =
                                        iy >= 0 && iy < H && ix >= 0 && ix < W ? x[(ci * H + iy) * W + ix] : 0.0f;
                                }
                            }
                        }
            }
            gemm((int)kg, P, Kd, w + grp * kg * Kd, direct ? x : col, P, y, P, ap, bp);
        }
    free(col);
    free(ap);
    free(bp);
    return true;
}

static void pool_forward(const ir_pool *p, const float *in, const int64_t *id, float *out, const int64_t *od)
{
    int64_t NC = id[0] * id[1], H = id[2], W = id[3], OH = od[2], OW = od[3];
    for (int64_t q = 0; q < NC; q++) {
        const float *src = in + q * H * W;
        float *dst = out + q * OH * OW;
        for (int64_t oy = 0; oy < OH; oy++)
            for (int64_t ox = 0; ox < OW; ox++) {
                double acc = p->max ? -DBL_MAX : 0.0;
                int64_t valid = 0;
                for (int r = 0; r < p->kh; r++) {
                    int64_t iy = oy * p->sy - p->pt + r;
                    for (int s = 0; s < p->kw; s++) {
                        int64_t ix = ox * p->sx - p->pl + s;
                        bool inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
                        if (!inside && !p->zero_pad)
                            continue;
                        double v = inside ? src[iy * W + ix] : 0.0;
                        acc = p->max ? (v > acc ? v : acc) : acc + v;
                        valid++;
                    }
                }
                int64_t cnt = p->count_include_pad ? (int64_t)p->kh * p->kw : valid;
                dst[oy * OW + ox] = (float)(p->max ? (valid ? acc : 0.0) : (cnt ? acc / (double)cnt : 0.0));
            }
    }
}

/* Calibration bookkeeping of a computed tensor: its absmax and the observer. */
static void record(ir_graph *g, int t, const float *v, size_t cnt, bool track_absmax, ir_observe_fn observe, void *ctx)
{
    if (track_absmax) {
        float mx = g->tensors[t].absmax;
        for (size_t e = 0; e < cnt; e++)
            mx = fmaxf(mx, fabsf(v[e]));
        g->tensors[t].absmax = mx;
    }
    if (observe)
        observe(ctx, t, v, cnt);
}

/* Channel concat: each image's output is the inputs' C x H x W blocks one after another. */
static dla_status concat_forward(ir_graph *g, const ir_node *n, float **buf, bool track_absmax, ir_observe_fn observe,
                                 void *ctx, dla_error *err)
{
    ir_tensor *y = &g->tensors[n->out[0]];
    int64_t od[4];
    ir_nchw(y, od);
    size_t cnt = (size_t)(od[0] * od[1] * od[2] * od[3]);
    float *yb = malloc((cnt ? cnt : 1) * sizeof(float));
    if (!yb)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (reference executor)", g->base);
    buf[n->out[0]] = yb;
    int64_t hw = od[2] * od[3], c0 = 0;
    for (int k = 0; k < n->n_in; k++) {
        int xi = ir_resolve(g, n->in[k]);
        const float *xb = buf[xi];
        int64_t c = g->tensors[xi].dims[1];
        if (!xb)
            return dla_error_set(err, DLA_ERR_INTERNAL, "%s: node '%s': input %d not computed", g->base, n->name, k);
        for (int64_t b = 0; b < od[0]; b++)
            memcpy(yb + (b * od[1] + c0) * hw, xb + b * c * hw, (size_t)(c * hw) * sizeof(float));
        c0 += c;
    }
    record(g, n->out[0], yb, cnt, track_absmax, observe, ctx);
    return DLA_OK;
}

dla_status ir_reference_forward(ir_graph *g, const float *const *inputs, bool track_absmax, float **outputs,
                                dla_error *err)
{
    return ir_reference_forward_observe(g, inputs, track_absmax, NULL, NULL, outputs, err);
}

dla_status ir_reference_forward_observe(ir_graph *g, const float *const *inputs, bool track_absmax,
                                        ir_observe_fn observe, void *ctx, float **outputs, dla_error *err)
{
    int *order = NULL, count = 0;
    dla_status st = ir_topo_order(g, &order, &count, err);
    if (st != DLA_OK)
        return st;
    float **buf = calloc((size_t)g->n_tensors + 1, sizeof(float *));
    int *last = malloc(((size_t)g->n_tensors + 1) * sizeof(int));
    if (!buf || !last) {
        st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (reference executor)", g->base);
        goto done;
    }
    for (int t = 0; t < g->n_tensors; t++)
        last[t] = g->tensors[t].is_output ? count : -1;
    for (int oi = 0; oi < count; oi++) {
        const ir_node *n = &g->nodes[order[oi]];
        for (int k = 0; k < n->n_in; k++)
            if (n->in[k] >= 0)
                last[ir_resolve(g, n->in[k])] = oi;
    }
    for (int i = 0; i < g->n_outputs; i++)
        last[ir_resolve(g, g->outputs[i])] = count;
    for (int i = 0; i < g->n_inputs; i++) {
        ir_tensor *t = &g->tensors[g->inputs[i]];
        size_t cnt = (size_t)ir_numel(t);
        buf[g->inputs[i]] = malloc(cnt * sizeof(float));
        if (!buf[g->inputs[i]]) {
            st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (reference executor)", g->base);
            goto done;
        }
        memcpy(buf[g->inputs[i]], inputs[i], cnt * sizeof(float));
        if (track_absmax)
            for (size_t e = 0; e < cnt; e++)
                t->absmax = fmaxf(t->absmax, fabsf(inputs[i][e]));
        if (observe)
            observe(ctx, g->inputs[i], inputs[i], cnt);
    }
    for (int oi = 0; oi < count; oi++) {
        const ir_node *n = &g->nodes[order[oi]];
        if (n->kind == IR_OP_VIEW) {
            g->tensors[n->out[0]].alias_of = n->in[0];
            continue;
        }
        if (n->gpu && n->kind == IR_OP_ONNX) { /* GPU fallback layer (partition.c) */
            if ((st = ir_gpu_reference(g, n, buf, track_absmax, err)) != DLA_OK)
                goto done;
            goto release;
        }
        if (n->kind == IR_OP_CONCAT) {
            if ((st = concat_forward(g, n, buf, track_absmax, observe, ctx, err)) != DLA_OK)
                goto done;
            for (int k = 0; k < n->n_in; k++) {
                int t = ir_resolve(g, n->in[k]);
                if (last[t] == oi && buf[t]) {
                    free(buf[t]);
                    buf[t] = NULL;
                }
            }
            continue;
        }
        int xi = ir_resolve(g, n->in[0]), yi = n->out[0];
        ir_tensor *x = &g->tensors[xi], *y = &g->tensors[yi];
        const float *xb = buf[xi];
        if (!xb || n->kind == IR_OP_ONNX || n->kind == IR_OP_DEAD) {
            st = dla_error_set(err, DLA_ERR_INTERNAL, "%s: node '%s' (%s) cannot be executed by the reference executor",
                               g->base, n->name, n->op_type);
            goto done;
        }
        int64_t id[4], od[4];
        if (!ir_nchw(x, id) || !ir_nchw(y, od)) {
            st = dla_error_set(err, DLA_ERR_INTERNAL, "%s: node '%s': tensors are not NCHW", g->base, n->name);
            goto done;
        }
        size_t cnt = (size_t)(od[0] * od[1] * od[2] * od[3]);
        float *yb = malloc((cnt ? cnt : 1) * sizeof(float));
        if (!yb) {
            st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (reference executor)", g->base);
            goto done;
        }
        buf[yi] = yb;
        int64_t hw = od[2] * od[3];
        switch (n->kind) {
        case IR_OP_CONV:
            if (!conv_forward(&n->conv, g->tensors[n->conv.weight].f,
                              n->conv.bias >= 0 ? g->tensors[n->conv.bias].f : NULL, xb, id, yb, od)) {
                st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (reference conv '%s')", g->base, n->name);
                goto done;
            }
            break;
        case IR_OP_POOL: pool_forward(&n->pool, xb, id, yb, od); break;
        case IR_OP_RUBIK: ir_rubik_forward(n, xb, id, yb, od); break;
        case IR_OP_LRN: ir_lrn_forward(n, xb, id, yb); break;
        case IR_OP_SLICE: ir_slice_forward(n, xb, id, yb, od); break;
        case IR_OP_SCALE: {
            const float *m = n->scale_mul >= 0 ? g->tensors[n->scale_mul].f : NULL;
            const float *a = n->scale_add >= 0 ? g->tensors[n->scale_add].f : NULL;
            for (size_t e = 0; e < cnt; e++) {
                int64_t c = ((int64_t)e / hw) % od[1];
                yb[e] = xb[e] * (m ? m[c] : 1.0f) + (a ? a[c] : 0.0f);
            }
            break;
        }
        case IR_OP_ADD: {
            const float *b = buf[ir_resolve(g, n->in[1])];
            for (size_t e = 0; e < cnt; e++)
                yb[e] = xb[e] + b[e];
            break;
        }
        case IR_OP_MUL: {
            const float *b = buf[ir_resolve(g, n->in[1])];
            for (size_t e = 0; e < cnt; e++)
                yb[e] = xb[e] * b[e];
            break;
        }
        case IR_OP_LUT:
            for (size_t e = 0; e < cnt; e++)
                yb[e] = (float)ir_lut_eval(n->lut_fn, xb[e]);
            break;
        case IR_OP_RELU:
            for (size_t e = 0; e < cnt; e++)
                yb[e] = xb[e] > 0.0f ? xb[e] : 0.0f;
            break;
        case IR_OP_CLIP:
            for (size_t e = 0; e < cnt; e++)
                yb[e] = fminf(fmaxf(xb[e], n->clip_lo), n->clip_hi);
            break;
        case IR_OP_PRELU:
        case IR_OP_EW_ALU:
        case IR_OP_X_ALU: ir_sdp_ops_forward(g, n, buf, yb, od); break;
        default: break;
        }
        if (track_absmax) {
            float mx = y->absmax;
            for (size_t e = 0; e < cnt; e++)
                mx = fmaxf(mx, fabsf(yb[e]));
            y->absmax = mx;
        }
        record(g, yi, yb, cnt, track_absmax, observe, ctx);
    release:
        for (int k = 0; k < n->n_in; k++) {
            int t = n->in[k] >= 0 ? ir_resolve(g, n->in[k]) : -1;
            if (t >= 0 && last[t] == oi && buf[t]) {
                free(buf[t]);
                buf[t] = NULL;
            }
        }
    }
    for (int i = 0; outputs && i < g->n_outputs; i++) {
        int t = ir_resolve(g, g->outputs[i]);
        size_t cnt = (size_t)ir_numel(&g->tensors[g->outputs[i]]);
        outputs[i] = malloc((cnt ? cnt : 1) * sizeof(float));
        if (!outputs[i] || !buf[t]) {
            st = dla_error_set(err, DLA_ERR_INTERNAL, "%s: output '%s' was not computed", g->base,
                               g->tensors[g->outputs[i]].name);
            goto done;
        }
        memcpy(outputs[i], buf[t], cnt * sizeof(float));
    }
done:
    if (buf)
        for (int t = 0; t < g->n_tensors; t++)
            free(buf[t]);
    free(buf);
    free(last);
    free(order);
    return st;
}
