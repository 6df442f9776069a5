/* The firmware loop (NVDLA kmd/firmware scheduler style), run by the platform in simulated time:
 * per-engine queues, two register groups per unit, dependency counts fed by events (ENABLED of a fused
 * child, COMPLETED of a dependency), GLB interrupts, and per-layer records from the extension perf
 * registers. docs/driver.md describes the protocol. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dla/dlasim_ext_regs.h"
#include "driver_internal.h"

/* Processors (engines), each with its own queue and pair of register groups. */
enum {
    P_CONV,
    P_SDP,
    P_PDP,
    P_RUBIK,
    P_CDP, /* offline like an offline PDP: CDP_RDMA reads, CDP writes */
    P_COUNT
};
static const char *const proc_name[P_COUNT] = {"conv", "sdp", "pdp", "rubik", "cdp"};
/* GLB done bit of group 0 (group 1 is +1): CACC for a conv, SDP, PDP, RUBIK, CDP. */
static const uint32_t proc_irq[P_COUNT] = {
    NVDLA_GLB_S_INTR_STATUS_CACC_DONE_STATUS0_SHIFT, NVDLA_GLB_S_INTR_STATUS_SDP_DONE_STATUS0_SHIFT,
    NVDLA_GLB_S_INTR_STATUS_PDP_DONE_STATUS0_SHIFT, NVDLA_GLB_S_INTR_STATUS_RUBIK_DONE_STATUS0_SHIFT,
    NVDLA_GLB_S_INTR_STATUS_CDP_DONE_STATUS0_SHIFT};
/* Unit whose S_POINTER.CONSUMER tells the group of the processor's next op, and its RDMA. */
static const drv_unit proc_unit[P_COUNT] = {U_CACC, U_SDP, U_PDP, U_RBK, U_CDP};
static const drv_unit proc_rdma[P_COUNT] = {U_COUNT, U_SDP_RDMA, U_PDP_RDMA, U_COUNT, U_CDP_RDMA};

enum op_state {
    S_QUEUED,
    S_PROGRAMMED,
    S_ENABLED,
    S_COMPLETED
};

typedef struct perf {
    uint64_t start, end, read, write, macs, stall_mem, stall_out, busy;
} perf;

typedef struct sop {
    int state;
    int group, rdma_group;
    uint32_t pending;    /* events still awaited before enable (dependency_count) */
    uint32_t *consumers; /* ops whose count drops when this op completes */
    uint32_t nconsumers;
    int32_t child;      /* fused child (its ENABLED event releases this op), -1 if none */
    int32_t prev, next; /* neighbours in the engine's queue */
    perf pf;
} sop;

typedef struct proc {
    uint32_t *queue;
    uint32_t n, next;
    int32_t group_op[2], rdma_op[2];
    int next_group, next_rdma;
} proc;

/* Ops are virtual: op v is loadable op v % n of inference v / n (n ops per inference, N inferences). */
typedef struct sched {
    dla_driver *d;
    dla_controller *ctl;
    const dla_core_params *core;
    uint32_t n, N, V; /* ops per inference, inferences, N x n */
    sop *ops;
    uint32_t *storage;
    proc procs[P_COUNT];
    int producer[U_COUNT]; /* last S_POINTER.PRODUCER written, -1 unknown */
    uint32_t completed;
    uint32_t gate;       /* ops below this index may be programmed (the current DLA subgraph's end) */
    uint32_t first_open; /* lowest op not completed */
    uint32_t *left;      /* per inference: ops not completed */
    uint64_t *gpu_start; /* per inference: first GPU work's start, UINT64_MAX if none */
    bool *submitted;     /* per inference: submit_cycle recorded */
    dla_status st;
} sched;

static const dla_lop *lop(const sched *s, uint32_t v)
{
    return &s->d->l->ops[v % s->n];
}
static const drv_op *dop(const sched *s, uint32_t v)
{
    return &s->d->ops[v % s->n];
}
/* The fused parent of virtual op v (same inference), or -1. */
static int32_t vparent(const sched *s, uint32_t v)
{
    int32_t p = lop(s, v)->fused_parent;
    return p < 0 ? -1 : (int32_t)(v - v % s->n + (uint32_t)p);
}

static void mark_submitted(sched *s, uint32_t k)
{
    if (!s->submitted[k]) {
        s->submitted[k] = true;
        s->d->inference_records[k].submit_cycle = dla_ctl_now_cycles(s->ctl); /* the first: the run's start */
    }
}

static int proc_of(uint32_t kind)
{
    return kind == DLA_OP_CONV    ? P_CONV
           : kind == DLA_OP_SDP   ? P_SDP
           : kind == DLA_OP_RUBIK ? P_RUBIK
           : kind == DLA_OP_CDP   ? P_CDP
                                  : P_PDP;
}
static bool is_rdma(drv_unit u)
{
    return u == U_SDP_RDMA || u == U_PDP_RDMA || u == U_CDP_RDMA;
}

static void fail(sched *s, dla_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void fail(sched *s, dla_status st, const char *fmt, ...)
{
    if (s->st != DLA_OK)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->d->errmsg, sizeof s->d->errmsg, fmt, ap);
    va_end(ap);
    s->st = st;
}

static void wr(sched *s, uint32_t addr, uint32_t value)
{
    if (s->st != DLA_OK)
        return;
    if (s->d->opts.verbose) {
        drv_unit u = drv_unit_of(addr);
        fprintf(stderr, "dla%d @%" PRIu64 ": write %s+0x%03x = 0x%08x\n", s->d->opts.core, dla_ctl_now_cycles(s->ctl),
                u == U_COUNT ? "GLB" : drv_units[u].name, addr & 0xfffu, value);
    }
    /* The controller composes each value before the bus carries it: its cycles, then CSB's. */
    dla_ctl_spend_falcon_cycles(s->ctl, (uint64_t)s->core->falcon_cycles_per_reg_write);
    dla_status st = dla_ctl_csb_write(s->ctl, addr, value);
    if (st != DLA_OK)
        fail(s, st, "CSB write of 0x%08x to 0x%05x failed", value, addr);
}

static uint32_t rd(sched *s, uint32_t addr)
{
    uint32_t v = 0;
    if (s->st != DLA_OK)
        return 0;
    dla_status st = dla_ctl_csb_read(s->ctl, addr, &v);
    if (st != DLA_OK)
        fail(s, st, "CSB read of 0x%05x failed", addr);
    return v;
}

static uint64_t rd_perf(sched *s, drv_unit u, int group, uint32_t reg)
{
    uint32_t a = drv_units[u].base + DLASIM_EXT_WINDOW + (uint32_t)group * DLASIM_EXT_GROUP_STRIDE + reg;
    uint64_t lo = rd(s, a);
    return lo | (uint64_t)rd(s, a + 4) << 32;
}

static void set_pointer(sched *s, drv_unit u, int group)
{
    wr(s, drv_units[u].s_pointer, NVDLA_FIELD(NVDLA_CDMA_S_POINTER, PRODUCER, (uint32_t)group));
    s->producer[u] = group;
}

static void try_enable(sched *s, uint32_t i);

/* Enable: extension config first (latched by the unit when it starts the op), then each unit
 * downstream first; then this op's ENABLED event releases its fused parent. */
static void enable(sched *s, uint32_t i)
{
    const drv_op *op = dop(s, i);
    sop *o = &s->ops[i];
    for (uint32_t k = 0; k < op->next; ++k)
        wr(s, op->ext[k].addr, op->ext[k].value);
    for (uint32_t k = 0; k < op->nenables; ++k) {
        drv_unit u = op->enables[k];
        int g = is_rdma(u) ? o->rdma_group : o->group;
        if (s->producer[u] != g)
            set_pointer(s, u, g);
        wr(s, drv_units[u].d_op_enable, NVDLA_FIELD(NVDLA_CDMA_D_OP_ENABLE, OP_EN, 1));
    }
    o->state = S_ENABLED;
    if (o->next >= 0)
        try_enable(s, (uint32_t)o->next);
    int32_t parent = vparent(s, i);
    if (parent >= 0) {
        s->ops[parent].pending--;
        try_enable(s, (uint32_t)parent);
    }
}

/* Ops of one engine are enabled in queue order: the hardware runs them in that order anyway, and the
 * single (not per-group) extension registers written at enable must not be overwritten for an op
 * that has not started yet. */
static void try_enable(sched *s, uint32_t i)
{
    const sop *o = &s->ops[i];
    if (s->st == DLA_OK && o->state == S_PROGRAMMED && o->pending == 0 &&
        (o->prev < 0 || s->ops[o->prev].state >= S_ENABLED))
        enable(s, i);
}

static void program(sched *s, uint32_t i)
{
    const drv_op *op = dop(s, i);
    sop *o = &s->ops[i];
    drv_unit cur = U_COUNT;
    mark_submitted(s, i / s->n);
    for (uint32_t k = 0; k < op->nregs; ++k) {
        drv_unit u = drv_unit_of(op->regs[k].addr);
        if (u != cur) {
            cur = u;
            set_pointer(s, u, is_rdma(u) ? o->rdma_group : o->group);
        }
        wr(s, op->regs[k].addr, op->regs[k].value);
    }
    dla_ctl_spend_falcon_cycles(s->ctl, (uint64_t)s->core->falcon_cycles_per_op);
    o->state = S_PROGRAMMED;
    try_enable(s, i);
}

/* Whether programming SDP (or CDP) op i now would rewrite the single LUT RAM and S_LUT_* registers (program_sdp.c)
 * under an op of the other register group that uses different tables: it then waits until that op
 * completes. Ops with equal tables overlap as in NVDLA's firmware, which reprograms the LUT per op. */
static bool lut_busy(const sched *s, const proc *p, uint32_t i)
{
    /* i and group_op hold op indices over all inferences (inference k's op v is k * n + v). */
    const dla_llut *mine = dla_loadable_op_lut(s->d->l, i % s->n);
    if (!mine)
        return false;
    for (int g = 0; g < 2; ++g) {
        int32_t j = p->group_op[g];
        const dla_llut *other = j >= 0 ? dla_loadable_op_lut(s->d->l, (uint32_t)j % s->n) : NULL;
        if (other &&
            (memcmp(other->le, mine->le, sizeof mine->le) != 0 || memcmp(other->lo, mine->lo, sizeof mine->lo) != 0 ||
             memcmp(&other->le_function, &mine->le_function,
                    offsetof(dla_llut, le) - offsetof(dla_llut, le_function)) != 0))
            return true;
    }
    return false;
}

/* Program every op that has a free group, one op per engine per pass, downstream engines first so a
 * fused pipeline's consumers are programmed (and enabled) before its producer. */
static void schedule(sched *s)
{
    static const int order[P_COUNT] = {P_CDP, P_RUBIK, P_PDP, P_SDP, P_CONV};
    bool progress = true;
    while (progress && s->st == DLA_OK) {
        progress = false;
        for (int k = 0; k < P_COUNT; ++k) {
            proc *p = &s->procs[order[k]];
            if (p->next == p->n || p->group_op[p->next_group] >= 0)
                continue;
            uint32_t i = p->queue[p->next];
            if (i >= s->gate)
                continue; /* a later DLA subgraph: submitted after the GPU segment before it */
            bool rdma = dop(s, i)->rdma;
            if (rdma && p->rdma_op[p->next_rdma] >= 0)
                continue;
            if ((order[k] == P_SDP || order[k] == P_CDP) && lut_busy(s, p, i))
                continue;
            s->ops[i].group = p->next_group;
            p->group_op[p->next_group] = (int32_t)i;
            p->next_group ^= 1;
            if (rdma) {
                s->ops[i].rdma_group = p->next_rdma;
                p->rdma_op[p->next_rdma] = (int32_t)i;
                p->next_rdma ^= 1;
            }
            p->next++;
            program(s, i);
            progress = true;
        }
    }
}

static void read_perf(sched *s, uint32_t i)
{
    sop *o = &s->ops[i];
    perf *f = &o->pf;
    int g = o->group;
    switch (lop(s, i)->kind) {
    case DLA_OP_CONV:
        f->start = rd_perf(s, U_CACC, g, DLASIM_EXT_PERF_START_CYCLE);
        f->end = rd_perf(s, U_CACC, g, DLASIM_EXT_PERF_END_CYCLE);
        f->macs = rd_perf(s, U_CACC, g, DLASIM_EXT_PERF_MACS);
        f->read = rd_perf(s, U_CDMA, g, DLASIM_EXT_PERF_DRAM_READ);
        f->stall_mem = rd_perf(s, U_CSC, g, DLASIM_EXT_PERF_STALL_MEM);
        f->stall_out = rd_perf(s, U_CSC, g, DLASIM_EXT_PERF_STALL_OUT);
        f->busy = rd_perf(s, U_CSC, g, DLASIM_EXT_PERF_BUSY);
        break;
    case DLA_OP_SDP:
    case DLA_OP_PDP:
    case DLA_OP_RUBIK:
    case DLA_OP_CDP: {
        const uint32_t kind = lop(s, i)->kind;
        drv_unit u = kind == DLA_OP_SDP ? U_SDP : kind == DLA_OP_PDP ? U_PDP : kind == DLA_OP_CDP ? U_CDP : U_RBK;
        f->start = rd_perf(s, u, g, DLASIM_EXT_PERF_START_CYCLE);
        f->end = rd_perf(s, u, g, DLASIM_EXT_PERF_END_CYCLE);
        f->read = rd_perf(s, u, g, DLASIM_EXT_PERF_DRAM_READ); /* includes its RDMA's reads */
        f->write = rd_perf(s, u, g, DLASIM_EXT_PERF_DRAM_WRITE);
        f->stall_mem = rd_perf(s, u, g, DLASIM_EXT_PERF_STALL_MEM);
        f->busy = rd_perf(s, u, g, DLASIM_EXT_PERF_BUSY);
        break;
    }
    default: break;
    }
}

static void complete(sched *s, int pi, int g)
{
    proc *p = &s->procs[pi];
    int32_t i = p->group_op[g];
    if (i < 0 || s->ops[i].state != S_ENABLED) {
        fail(s, DLA_ERR_INTERNAL, "%s done interrupt for register group %d, which holds no enabled op", proc_name[pi],
             g);
        return;
    }
    sop *o = &s->ops[i];
    /* Read the group's perf registers before the group can be reprogrammed and rerun. */
    read_perf(s, (uint32_t)i);
    o->state = S_COMPLETED;
    p->group_op[g] = -1;
    if (dop(s, (uint32_t)i)->rdma)
        p->rdma_op[o->rdma_group] = -1;
    s->completed++;
    uint32_t k = (uint32_t)i / s->n;
    if (--s->left[k] == 0 && !s->d->l->num_segments) /* segmented: done when its last segment is */
        s->d->inference_records[k].done_cycle = dla_ctl_now_cycles(s->ctl);
    while (s->first_open < s->V && s->ops[s->first_open].state == S_COMPLETED)
        s->first_open++;
    for (uint32_t k = 0; k < o->nconsumers; ++k) {
        s->ops[o->consumers[k]].pending--;
        try_enable(s, o->consumers[k]);
    }
}

/* Why op i cannot make progress (for the stall message). */
static void describe_stall(sched *s, uint32_t i)
{
    const dla_loadable *l = s->d->l;
    const dla_lop *op = lop(s, i);
    const sop *o = &s->ops[i];
    uint32_t base = i - i % s->n;
    char why[512] = "";
    size_t n = 0;
    static const char *const state[] = {"not programmed (no free register group)", "programmed, not enabled", "enabled",
                                        "completed"};
    for (uint32_t k = 0; k < op->num_deps && n < sizeof why - 64; ++k)
        if (s->ops[base + op->deps[k]].state != S_COMPLETED)
            n += (size_t)snprintf(why + n, sizeof why - n, " op %u not completed;", op->deps[k]);
    if (o->child >= 0 && s->ops[o->child].state < S_ENABLED && n < sizeof why - 64)
        n += (size_t)snprintf(why + n, sizeof why - n, " fused op %d not enabled;", o->child);
    if (o->prev >= 0 && s->ops[o->prev].state < S_ENABLED && n < sizeof why - 64)
        n += (size_t)snprintf(why + n, sizeof why - n, " previous %s op %d not enabled;", dla_op_kind_name(op->kind),
                              o->prev);
    if (s->N > 1 && n < sizeof why - 64)
        n += (size_t)snprintf(why + n, sizeof why - n, " (inference %u of %u)", i / s->n, s->N);
    fail(s, DLA_ERR_INTERNAL,
         "scheduler stall: op %u (%s, layer '%s') can never run: %s, %u event(s) pending:%s (no op is running, so "
         "no interrupt can come)",
         i % s->n, dla_op_kind_name(op->kind), l->layers[op->layer].name, state[o->state], o->pending,
         n ? why : " none");
}

/* Does op j's fused pipeline contain op i upstream of it (a dependency that is implied)? */
static bool fused_ancestor(const dla_loadable *l, uint32_t j, uint32_t i)
{
    for (int32_t p = l->ops[j].fused_parent; p >= 0; p = l->ops[p].fused_parent)
        if ((uint32_t)p == i)
            return true;
    return false;
}

static dla_status setup(sched *s)
{
    const dla_loadable *l = s->d->l;
    const uint32_t n = l->num_ops, N = s->d->inferences ? s->d->inferences : 1, V = n * N;
    s->n = n ? n : 1;
    s->N = N;
    s->V = V;
    size_t edges = 0;
    for (uint32_t j = 0; j < n; ++j)
        edges += l->ops[j].num_deps;
    edges = edges * N + s->d->num_hazards * (N - 1);
    s->ops = calloc(V ? V : 1, sizeof *s->ops);
    s->storage = calloc(edges + 3u * (size_t)V + 1u, sizeof *s->storage);
    s->left = calloc(N, sizeof *s->left);
    s->gpu_start = calloc(N, sizeof *s->gpu_start);
    s->submitted = calloc(N, sizeof *s->submitted);
    free(s->d->inference_records);
    s->d->inference_records = calloc(N, sizeof *s->d->inference_records);
    if (!s->ops || !s->storage || !s->left || !s->gpu_start || !s->submitted || !s->d->inference_records)
        return DLA_ERR_NOMEM;
    for (uint32_t k = 0; k < N; ++k) {
        s->left[k] = n;
        s->gpu_start[k] = UINT64_MAX;
    }
    for (uint32_t v = 0; v < V; ++v)
        s->ops[v].child = s->ops[v].prev = s->ops[v].next = -1;
    /* Edges of inference k: its own deps (those a fused pipeline does not already imply), then the
     * buffers it shares with inference k - 1. Counted first, then stored. */
    for (int pass = 0; pass < 2; ++pass) {
        for (uint32_t k = 0; k < N; ++k) {
            uint32_t base = k * n;
            for (uint32_t j = 0; j < n; ++j) {
                const dla_lop *op = &l->ops[j];
                for (uint32_t e = 0; e < op->num_deps; ++e) {
                    if (fused_ancestor(l, j, op->deps[e]))
                        continue;
                    sop *d = &s->ops[base + op->deps[e]];
                    if (pass == 0) {
                        d->nconsumers++;
                        s->ops[base + j].pending++;
                    } else {
                        d->consumers[d->nconsumers++] = base + j;
                    }
                }
                if (pass == 0 && op->fused_parent >= 0) {
                    s->ops[base + (uint32_t)op->fused_parent].child = (int32_t)(base + j);
                    s->ops[base + (uint32_t)op->fused_parent].pending++;
                }
            }
            for (size_t h = 0; k > 0 && h < s->d->num_hazards; ++h) {
                sop *d = &s->ops[base - n + s->d->hazards[h][0]];
                if (pass == 0) {
                    d->nconsumers++;
                    s->ops[base + s->d->hazards[h][1]].pending++;
                } else {
                    d->consumers[d->nconsumers++] = base + s->d->hazards[h][1];
                }
            }
        }
        if (pass == 0) {
            uint32_t *next = s->storage;
            for (uint32_t v = 0; v < V; ++v) {
                s->ops[v].consumers = next;
                next += s->ops[v].nconsumers;
                s->ops[v].nconsumers = 0;
            }
        }
    }
    uint32_t *next = s->storage + edges;
    for (int p = 0; p < P_COUNT; ++p) {
        s->procs[p].queue = next;
        for (uint32_t v = 0; v < V; ++v)
            if (proc_of(lop(s, v)->kind) == p) {
                if (s->procs[p].n) {
                    uint32_t prev = next[s->procs[p].n - 1];
                    s->ops[v].prev = (int32_t)prev;
                    s->ops[prev].next = (int32_t)v;
                }
                next[s->procs[p].n++] = v;
            }
        next += s->procs[p].n;
        s->procs[p].group_op[0] = s->procs[p].group_op[1] = -1;
        s->procs[p].rdma_op[0] = s->procs[p].rdma_op[1] = -1;
    }
    for (int u = 0; u < U_COUNT; ++u)
        s->producer[u] = -1;
    return DLA_OK;
}

/* The hardware keeps its consumer pointers across runs: start each engine at the group it will
 * execute next. */
static void sync_groups(sched *s)
{
    for (int p = 0; p < P_COUNT; ++p) {
        if ((p == P_RUBIK || p == P_CDP) && !s->procs[p].n)
            continue; /* a core may have no RUBIK / CDP (its window unmapped); without their ops never used */
        uint32_t v = rd(s, drv_units[proc_unit[p]].s_pointer);
        s->procs[p].next_group = (int)NVDLA_GET(NVDLA_CDMA_S_POINTER, CONSUMER, v);
        if (proc_rdma[p] != U_COUNT) {
            v = rd(s, drv_units[proc_rdma[p]].s_pointer);
            s->procs[p].next_rdma = (int)NVDLA_GET(NVDLA_CDMA_S_POINTER, CONSUMER, v);
        }
    }
}

/* One record per op into d->op_records (every inference's, inference by inference), straight from
 * its perf registers. */
static dla_status build_op_records(sched *s)
{
    dla_driver *d = s->d;
    const dla_loadable *l = d->l;
    free(d->op_records);
    d->op_records = NULL;
    d->num_op_records = 0;
    if (!s->V)
        return DLA_OK;
    d->op_records = calloc(s->V, sizeof *d->op_records);
    if (!d->op_records)
        return DLA_ERR_NOMEM;
    for (uint32_t v = 0; v < s->V; ++v) {
        const dla_lop *op = lop(s, v);
        const perf *f = &s->ops[v].pf;
        dla_op_record *r = &d->op_records[v];
        r->op_index = v % s->n;
        r->layer_index = op->layer;
        snprintf(r->layer, sizeof r->layer, "%s", l->layers[op->layer].name);
        snprintf(r->kind, sizeof r->kind, "%s", dla_op_kind_name(op->kind));
        snprintf(r->engine, sizeof r->engine, "DLA%d", d->opts.core);
        r->core = (uint64_t)d->opts.core;
        r->batch_index = op->batch_index;
        r->start_cycle = f->start;
        r->end_cycle = f->end;
        r->dram_read_bytes = f->read;
        r->dram_write_bytes = f->write;
        r->macs = f->macs;
    }
    d->num_op_records = s->V;
    return DLA_OK;
}

/* GPU-fallback records after the DLA layers, then everything in start order (a segmented run is
 * sequential, so that is execution order). */
static int cmp_start(const void *a, const void *b)
{
    const dla_layer_record *x = a, *y = b;
    return x->start_cycle < y->start_cycle ? -1 : x->start_cycle > y->start_cycle;
}

static dla_status append_gpu_records(dla_driver *d)
{
    if (!d->num_gpu_records)
        return DLA_OK;
    dla_layer_record *r = realloc(d->records, (d->num_records + d->num_gpu_records) * sizeof *r);
    if (!r)
        return DLA_ERR_NOMEM;
    memcpy(r + d->num_records, d->gpu_records, d->num_gpu_records * sizeof *r);
    d->records = r;
    d->num_records += d->num_gpu_records;
    qsort(d->records, d->num_records, sizeof *r, cmp_start);
    return DLA_OK;
}

/* Aggregate op perf per loadable layer into d->records (inference by inference), and each
 * inference's start cycle. */
static dla_status build_records(sched *s)
{
    dla_driver *d = s->d;
    const dla_loadable *l = d->l;
    free(d->records);
    d->records = NULL;
    d->num_records = 0;
    for (uint32_t k = 0; k < s->N; ++k) {
        uint64_t start = s->gpu_start[k];
        for (uint32_t i = 0; i < l->num_ops; ++i)
            if (l->ops[i].fused_parent < 0 && s->ops[k * s->n + i].pf.start < start)
                start = s->ops[k * s->n + i].pf.start;
        d->inference_records[k].start_cycle = start == UINT64_MAX ? d->inference_records[k].submit_cycle : start;
    }
    if (!l->num_layers)
        return append_gpu_records(d);
    d->records = calloc((size_t)l->num_layers * s->N, sizeof *d->records);
    if (!d->records)
        return DLA_ERR_NOMEM;
    for (uint32_t k = 0; k < s->N; ++k)
        for (uint32_t y = 0; y < l->num_layers; ++y) {
            dla_layer_record r;
            memset(&r, 0, sizeof r);
            uint64_t conv_mem = 0, conv_out = 0, conv_busy = 0, mem = 0, busy = 0;
            bool any = false, has_start = false, has_conv = false, fp16 = false;
            for (uint32_t i = 0; i < l->num_ops; ++i) {
                if (l->ops[i].layer != y)
                    continue;
                const perf *f = &s->ops[k * s->n + i].pf;
                /* A fused consumer (SDP/PDP fed on the fly) is enabled before its producer and idles
                 * until data flows, so the layer starts when its head op starts. */
                bool head = l->ops[i].fused_parent < 0;
                if (head && (!has_start || f->start < r.start_cycle)) {
                    r.start_cycle = f->start;
                    has_start = true;
                }
                if (!any || f->end > r.end_cycle)
                    r.end_cycle = f->end;
                any = true;
                r.macs += f->macs;
                r.dram_read_bytes += f->read;
                r.dram_write_bytes += f->write;
                if (l->ops[i].kind == DLA_OP_CONV) {
                    has_conv = true;
                    fp16 |= l->ops[i].u.conv.precision != DLA_PRECISION_INT8;
                    conv_mem += f->stall_mem;
                    conv_out += f->stall_out;
                    conv_busy += f->busy;
                } else {
                    mem += f->stall_mem;
                    busy += f->busy;
                }
            }
            if (!any)
                continue;
            snprintf(r.name, sizeof r.name, "%s", l->layers[y].name);
            snprintf(r.op, sizeof r.op, "%s", l->layers[y].type);
            snprintf(r.engine, sizeof r.engine, "DLA%d", d->opts.core);
            r.cycles = r.end_cycle > r.start_cycle ? r.end_cycle - r.start_cycle : 0;
            double peak = fp16 ? (double)s->core->fp16_macs_per_cycle : (double)s->core->atomic_c * s->core->atomic_k;
            r.mac_utilization = r.cycles && peak > 0 ? (double)r.macs / ((double)r.cycles * peak) : 0.0;
            const char *bound = "compute";
            if (has_conv) {
                if (conv_mem > conv_out && conv_mem > conv_busy)
                    bound = "memory";
                else if (conv_out > conv_mem && conv_out > conv_busy)
                    bound = "output";
            } else if (mem > busy) {
                bound = "memory";
            }
            snprintf(r.bound, sizeof r.bound, "%s", bound);
            d->records[d->num_records++] = r;
        }
    return append_gpu_records(d);
}

/* One record of GPU-side time [start, now) in DLA cycles, for inference k. */
static void gpu_record(sched *s, uint32_t k, const char *name, const char *op, uint64_t start, uint64_t read,
                       uint64_t write, uint64_t macs, const char *bound)
{
    dla_driver *d = s->d;
    dla_layer_record *r = &d->gpu_records[d->num_gpu_records++];
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->op, sizeof r->op, "%s", op);
    snprintf(r->engine, sizeof r->engine, "GPU");
    r->start_cycle = start;
    r->end_cycle = dla_ctl_now_cycles(s->ctl);
    r->cycles = r->end_cycle - r->start_cycle;
    r->macs = macs;
    r->dram_read_bytes = read;
    r->dram_write_bytes = write;
    snprintf(r->bound, sizeof r->bound, "%s", bound);
    if (start < s->gpu_start[k])
        s->gpu_start[k] = start;
}

/* GPU work on the SoC's GPU (shared with the other core; its bytes load the DRAM model). */
static uint64_t gpu_run(sched *s, double ns, uint64_t read, uint64_t write)
{
    uint64_t start = 0;
    dla_status st = dla_ctl_gpu_run(s->ctl, ns, read, write, &start);
    if (st != DLA_OK)
        fail(s, st, "GPU work of %g ns (%llu bytes) failed on the platform (%s)", ns,
             (unsigned long long)(read + write), dla_status_name(st));
    return start;
}

/* Enter segment i of inference k: the boundary from the previous segment (sync, then the reformat on
 * the GPU), then a DLA subgraph opens its ops to the scheduler, a GPU segment runs its layers on the
 * GPU. */
static void run_segment(sched *s, uint32_t k, uint32_t i)
{
    dla_driver *d = s->d;
    const dla_loadable *l = d->l;
    const dla_lsegment *sg = &l->segments[i];
    const dla_power_mode *m = d->opts.mode ? d->opts.mode : &d->cfg->power_modes[0];
    if (!d->gpu_records) {
        d->gpu_records = calloc(((size_t)l->num_segments + l->num_gpu_layers) * s->N + 1, sizeof *d->gpu_records);
        if (!d->gpu_records) {
            fail(s, DLA_ERR_NOMEM, "out of memory (GPU records)");
            return;
        }
    }
    if (i == 0)
        mark_submitted(s, k);
    if (i > 0) {
        uint64_t t0 = dla_ctl_now_cycles(s->ctl);
        /* The sync waits on the driver (no GPU work); the reformat is a GPU kernel. */
        double sync_ns = d->cfg->gpu.dla_gpu_sync_us * 1e3;
        double reformat_ns = dla_gpu_boundary_ns(d->cfg, m, sg->boundary_bytes) - sync_ns;
        if (sync_ns > 0)
            dla_ctl_spend_falcon_cycles(s->ctl, (uint64_t)ceil(sync_ns * m->falcon_clock_mhz / 1000.0));
        gpu_run(s, reformat_ns > 0 ? reformat_ns : 0, sg->boundary_bytes, sg->boundary_bytes);
        char name[DLA_LNAME_MAX];
        snprintf(name, sizeof name, "Reformat+sync into %.100s", sg->name);
        gpu_record(s, k, name, "reformat", t0, sg->boundary_bytes, sg->boundary_bytes, 0, "overhead");
    }
    if (sg->kind == DLA_SEGMENT_DLA) {
        s->gate = k * s->n + sg->first + sg->count;
        return;
    }
    for (uint32_t g = sg->first; g < sg->first + sg->count && s->st == DLA_OK; ++g) {
        const dla_lgpu_layer *y = &l->gpu_layers[g];
        const char *bound = "memory";
        uint64_t t0 = gpu_run(s, dla_gpu_layer_ns(d->cfg, m, y, &bound), y->read_bytes, y->write_bytes);
        gpu_record(s, k, y->name, y->op_type, t0, y->read_bytes, y->write_bytes, y->macs, bound);
    }
}

dla_status dla_driver_controller(dla_controller *ctl, void *user)
{
    dla_driver *d = user;
    sched s;
    memset(&s, 0, sizeof s);
    s.d = d;
    s.ctl = ctl;
    s.core = &d->cfg->core;
    d->errmsg[0] = '\0';
    d->ran = false;
    if (setup(&s) != DLA_OK) {
        fail(&s, DLA_ERR_NOMEM, "out of memory setting up the scheduler");
        goto done;
    }
    mark_submitted(&s, 0);
    uint32_t used = 3u << proc_irq[P_CONV] | 3u << proc_irq[P_SDP] | 3u << proc_irq[P_PDP];
    if (s.procs[P_RUBIK].n) /* a core without RUBIK never raises its bits: left masked without RUBIK ops */
        used |= 3u << proc_irq[P_RUBIK];
    if (s.procs[P_CDP].n) /* likewise CDP: masked without CDP ops */
        used |= 3u << proc_irq[P_CDP];
    const uint32_t all = 0x3ffu | 0x3fu << NVDLA_GLB_S_INTR_MASK_CDMA_DAT_DONE_MASK0_SHIFT;
    /* INTR_MASK: 1 masks a source. Only the done interrupts the scheduler consumes are left unmasked. */
    wr(&s, NVDLA_GLB_S_INTR_MASK, all & ~used);
    sync_groups(&s);
    /* Segments run in order, inference after inference (each DLA subgraph is its own submission, as
     * TensorRT enqueues them); without segments every inference's ops are open at once. */
    const uint32_t nseg = d->l->num_segments, total_seg = nseg * s.N;
    uint32_t seg = 0;
    s.gate = nseg ? 0 : s.V;
    d->num_gpu_records = 0;
    while (s.st == DLA_OK) {
        if (s.completed == s.gate) { /* the DLA subgraph is done: next segment, or the end */
            if (nseg && seg > 0 && seg % nseg == 0)
                d->inference_records[seg / nseg - 1].done_cycle = dla_ctl_now_cycles(ctl);
            if (seg == total_seg)
                break;
            run_segment(&s, seg / nseg, seg % nseg);
            seg++;
            continue;
        }
        schedule(&s);
        if (s.st != DLA_OK)
            break;
        /* Running = enabled with its whole upstream pipeline enabled (a fused child alone only waits
         * for data that would never come). */
        bool running = false;
        for (uint32_t i = s.first_open; i < s.gate && !running; ++i) {
            int32_t up = vparent(&s, i);
            while (up >= 0 && s.ops[up].state >= S_ENABLED)
                up = vparent(&s, (uint32_t)up);
            running = s.ops[i].state == S_ENABLED && up < 0;
        }
        if (!running) {
            for (uint32_t i = s.first_open; i < s.V; ++i)
                if (s.ops[i].state != S_COMPLETED) {
                    describe_stall(&s, i);
                    break;
                }
            break;
        }
        dla_status st = dla_ctl_wait_irq(ctl);
        if (st != DLA_OK) {
            fail(&s, st, "waiting for an interrupt failed (%s)", dla_status_name(st));
            break;
        }
        uint32_t status = rd(&s, NVDLA_GLB_S_INTR_STATUS);
        wr(&s, NVDLA_GLB_S_INTR_STATUS, status); /* write-1-to-clear what was seen */
        dla_ctl_spend_falcon_cycles(ctl, (uint64_t)s.core->falcon_cycles_per_irq);
        if (s.st == DLA_OK && !(status & used))
            fail(&s, DLA_ERR_INTERNAL, "interrupt with GLB S_INTR_STATUS 0x%08x: none of the done bits 0x%08x", status,
                 used);
        for (int p = 0; p < P_COUNT && s.st == DLA_OK; ++p)
            for (int g = 0; g < 2 && s.st == DLA_OK; ++g)
                if (status & (1u << (proc_irq[p] + (uint32_t)g)))
                    complete(&s, p, g);
    }
    if (s.st == DLA_OK && (build_records(&s) != DLA_OK || build_op_records(&s) != DLA_OK))
        fail(&s, DLA_ERR_NOMEM, "out of memory building layer and op records");
done:
    free(s.ops);
    free(s.storage);
    free(s.left);
    free(s.gpu_start);
    free(s.submitted);
    d->ran = s.st == DLA_OK;
    return s.st;
}
