/* Driver setup and host I/O: checks a loadable against the config, places its regions in platform
 * memory, uploads constant data, precomputes every op's register program, and converts user tensors
 * (FP32 NCHW) to and from the DLA feature format. The firmware loop itself is in scheduler.c. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver_internal.h"

/* Set the driver's last message and, if given, the caller's error. */
static dla_status drv_fail(dla_driver *d, dla_error *err, dla_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static dla_status drv_fail(dla_driver *d, dla_error *err, dla_status st, const char *fmt, ...)
{
    char msg[sizeof d->errmsg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (d)
        memcpy(d->errmsg, msg, sizeof msg);
    return dla_error_set(err, st, "%s", msg);
}

static dla_status check_target(const dla_config *cfg, const dla_loadable *l, dla_error *err)
{
    const dla_core_params *c = &cfg->core;
    struct {
        const char *name;
        uint32_t have;
        int want;
    } f[] = {{"atomic_c", l->atomic_c, c->atomic_c},
             {"atomic_k", l->atomic_k, c->atomic_k},
             {"memory_atomic_bytes", l->memory_atomic_bytes, c->memory_atomic_bytes},
             {"cbuf_banks", l->cbuf_banks, c->cbuf_banks},
             {"cbuf_entries_per_bank", l->cbuf_entries_per_bank, c->cbuf_entries_per_bank},
             {"cbuf_entry_bytes", l->cbuf_entry_bytes, c->cbuf_entry_bytes}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; ++i)
        if ((int64_t)f[i].have != f[i].want)
            return dla_error_set(err, DLA_ERR_INVALID,
                                 "loadable '%s' was compiled for target '%s' with %s %u, but config '%s' has core.%s "
                                 "%d: recompile for this config",
                                 l->network, l->target_config, f[i].name, f[i].have, cfg->name, f[i].name, f[i].want);
    return DLA_OK;
}

/* What this core can run: the config's feature flags (reported per op, naming its layer). */
static dla_status check_features(const dla_config *cfg, const dla_loadable *l, dla_error *err)
{
    const dla_core_features *ft = &cfg->core.features;
    for (uint32_t i = 0; i < l->num_ops; ++i) {
        const dla_lop *op = &l->ops[i];
        const char *why = NULL;
        uint32_t prec = DLA_PRECISION_INT8;
        switch (op->kind) {
        case DLA_OP_CONV:
            prec = op->u.conv.precision;
            if (op->u.conv.weight_format == DLA_WEIGHT_SPARSE_2_4 && !ft->sparsity_2_4)
                why = "2:4 sparse weights (core.features.sparsity_2_4 is off)";
            if (op->u.conv.data_format == DLA_DATA_PIXEL && !ft->image_input)
                why = "image input (core.features.image_input is off)";
            break;
        case DLA_OP_SDP:
            prec = op->u.sdp.in_precision;
            if (op->u.sdp.ew.enable && !ft->sdp_ew)
                why = "an SDP element-wise stage (core.features.sdp_ew is off)";
            break;
        case DLA_OP_PDP:
            prec = op->u.pdp.src.precision;
            if (!ft->pdp)
                why = "pooling (core.features.pdp is off)";
            break;
        case DLA_OP_RUBIK:
            prec = op->u.rubik.src.precision;
            if (!ft->rubik)
                why = "a RUBIK contract (core.features.rubik is off)";
            break;
        case DLA_OP_CDP:
            prec = op->u.cdp.src.precision;
            if (!ft->cdp)
                why = "an LRN on the CDP (core.features.cdp is off)";
            else if (prec != DLA_PRECISION_INT8)
                why = "a CDP op on non-INT8 data, which this driver does not program";
            break;
        default: why = "an op of unknown kind"; break;
        }
        if (!why && prec == DLA_PRECISION_INT16)
            why = "INT16 data, which this driver does not program";
        if (!why && prec == DLA_PRECISION_INT8 && !ft->int8)
            why = "INT8 data (core.features.int8 is off)";
        if (!why && prec == DLA_PRECISION_FP16 && !ft->fp16)
            why = "FP16 data (core.features.fp16 is off)";
        if (why)
            return dla_error_set(err, DLA_ERR_UNSUPPORTED, "op %u (%s, layer '%s'): config '%s' cannot run %s", i,
                                 dla_op_kind_name(op->kind), l->layers[op->layer].name, cfg->name, why);
    }
    return DLA_OK;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/* The loadables resident on a core share its SRAM (each compiled with its own pool, TensorRT's
 * dlaSRAM): name them and what each holds when the next does not fit. */
static dla_status sram_overflow(const dla_driver *d, uint32_t region, uint64_t used, dla_error *err)
{
    char held[512] = "";
    size_t n = 0;
    for (const dla_driver *o = d->opts.after; o && n + 1 < sizeof held; o = o->opts.after) {
        uint64_t bytes = 0;
        for (uint32_t k = 0; k < o->l->num_regions; k++)
            if (o->l->regions[k].domain == DLA_DOMAIN_SRAM)
                bytes += o->l->regions[k].size;
        int w = snprintf(held + n, sizeof held - n, "%s'%s' %llu B", n ? ", " : "", o->l->network,
                         (unsigned long long)bytes);
        n = w > 0 && (size_t)w < sizeof held - n ? n + (size_t)w : sizeof held - 1;
    }
    return dla_error_set(err, DLA_ERR_LIMIT,
                         "network '%s': region %u (%llu bytes of on-chip SRAM) does not fit in core %d's %llu-byte "
                         "SRAM: %llu bytes are in use before it%s%s%s; the loadables on one core share its SRAM: "
                         "compile with a smaller --sram-pool (trtexec --memPoolSize=dlaSRAM:N)",
                         d->l->network, region, (unsigned long long)d->l->regions[region].size, d->opts.core,
                         (unsigned long long)dla_platform_sram_size(d->p), (unsigned long long)used,
                         held[0] ? " (networks loaded before: " : "", held, held[0] ? ")" : "");
}

static dla_status place_regions(dla_driver *d, dla_error *err)
{
    const dla_loadable *l = d->l;
    int ncores = d->cfg->num_cores > 0 ? d->cfg->num_cores : 1;
    /* Each core's driver allocates from its own slice of DRAM, so loadables on different cores never
     * overlap. */
    uint64_t part = dla_platform_dram_size(d->p) / (uint64_t)ncores;
    uint64_t next[2], end[2];
    next[DLA_DOMAIN_DRAM] = dla_platform_dram_base(d->p) + part * (uint64_t)d->opts.core;
    end[DLA_DOMAIN_DRAM] = next[DLA_DOMAIN_DRAM] + part;
    next[DLA_DOMAIN_SRAM] = dla_platform_sram_base(d->p);
    end[DLA_DOMAIN_SRAM] = next[DLA_DOMAIN_SRAM] + dla_platform_sram_size(d->p);
    if (d->opts.after) { /* another loadable resident on this core: allocate behind it */
        next[DLA_DOMAIN_DRAM] = d->opts.after->alloc_end[DLA_DOMAIN_DRAM];
        next[DLA_DOMAIN_SRAM] = d->opts.after->alloc_end[DLA_DOMAIN_SRAM];
    }
    static const char *const domain[] = {"DRAM", "SRAM"};
    uint64_t atom = (uint64_t)d->cfg->core.memory_atomic_bytes;
    for (uint32_t i = 0; i < l->num_regions; ++i) {
        const dla_lregion *r = &l->regions[i];
        uint32_t dom = r->domain;
        if (dom == DLA_DOMAIN_SRAM && dla_platform_sram_size(d->p) == 0)
            return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                                 "region %u (%llu bytes) is placed in on-chip SRAM, but config '%s' has no SRAM "
                                 "(memory.sram_size_bytes is 0)",
                                 i, (unsigned long long)r->size, d->cfg->name);
        uint64_t a = r->alignment > atom ? r->alignment : atom;
        uint64_t at = align_up(next[dom], a);
        if (dom == DLA_DOMAIN_SRAM && (at < next[dom] || at > end[dom] || r->size > end[dom] - at))
            return sram_overflow(d, i, next[dom] - dla_platform_sram_base(d->p), err);
        if (at < next[dom] || at > end[dom] || r->size > end[dom] - at)
            return dla_error_set(
                err, DLA_ERR_LIMIT,
                "region %u (%llu bytes) does not fit in %s: %llu of %llu bytes available to core %d "
                "are left",
                i, (unsigned long long)r->size, domain[dom], (unsigned long long)(end[dom] > at ? end[dom] - at : 0),
                (unsigned long long)(dom == DLA_DOMAIN_DRAM ? part : dla_platform_sram_size(d->p)), d->opts.core);
        d->region_addr[i] = at;
        next[dom] = at + r->size;
        if (r->blob_size) {
            dla_status st = dla_platform_mem_write(d->p, at, l->blob + r->blob_offset, (size_t)r->blob_size, err);
            if (st != DLA_OK) {
                dla_error_prefix(err, "uploading region %u", i);
                return st;
            }
        }
    }
    d->alloc_end[DLA_DOMAIN_DRAM] = next[DLA_DOMAIN_DRAM];
    d->alloc_end[DLA_DOMAIN_SRAM] = next[DLA_DOMAIN_SRAM];
    return DLA_OK;
}

/* ---- buffers shared between inferences (repeated inferences, docs/runtime.md) ---- */

/* The bytes a surface may touch in its region: [lo, hi), a superset when lines or surfaces have gaps. */
typedef struct span {
    int32_t region;
    uint64_t lo, hi;
} span;

static span surface_span(const dla_driver *d, const dla_lsurface *sf)
{
    span sp = {sf->region, 0, 0};
    if (sf->region < 0)
        return sp; /* on the fly: no memory */
    uint64_t atom = d->l->memory_atomic_bytes, bpe = sf->precision == DLA_PRECISION_INT8 ? 1u : 2u;
    uint64_t cps = atom / bpe ? atom / bpe : 1, surfaces = (sf->channels + cps - 1) / cps;
    uint64_t line = sf->line_stride > (uint64_t)sf->width * atom ? sf->line_stride : (uint64_t)sf->width * atom;
    sp.lo = sf->offset;
    sp.hi = sf->offset + (surfaces ? surfaces - 1 : 0) * sf->surface_stride + (uint64_t)sf->height * line;
    return sp;
}

/* Feature data an op reads and writes in memory (weights and operands are constant: never written). */
static void op_spans(const dla_driver *d, const dla_lop *op, span rd[2], span *wr)
{
    span none = {-1, 0, 0};
    rd[0] = rd[1] = *wr = none;
    switch (op->kind) {
    case DLA_OP_CONV: rd[0] = surface_span(d, &op->u.conv.src); break;
    case DLA_OP_SDP:
        rd[0] = surface_span(d, &op->u.sdp.src);
        if (op->u.sdp.ew.enable)
            rd[1] = surface_span(d, &op->u.sdp.ew.operand);
        *wr = surface_span(d, &op->u.sdp.dst);
        break;
    case DLA_OP_PDP:
        rd[0] = surface_span(d, &op->u.pdp.src);
        *wr = surface_span(d, &op->u.pdp.dst);
        break;
    case DLA_OP_CDP:
        rd[0] = surface_span(d, &op->u.cdp.src);
        *wr = surface_span(d, &op->u.cdp.dst);
        break;
    default: break;
    }
}

static bool overlap(span a, span b)
{
    return a.region >= 0 && a.region == b.region && a.lo < b.hi && b.lo < a.hi;
}

/* Op j of the next inference waits for op i of this one when j writes what i reads or writes, or reads
 * what i writes (the same buffers, since every inference runs in the same memory). */
static dla_status find_hazards(dla_driver *d, dla_error *err)
{
    const dla_loadable *l = d->l;
    size_t cap = 0;
    for (uint32_t i = 0; i < l->num_ops; ++i) {
        span ri[2], wi;
        op_spans(d, &l->ops[i], ri, &wi);
        for (uint32_t j = 0; j < l->num_ops; ++j) {
            span rj[2], wj;
            op_spans(d, &l->ops[j], rj, &wj);
            bool h =
                overlap(wj, ri[0]) || overlap(wj, ri[1]) || overlap(wj, wi) || overlap(rj[0], wi) || overlap(rj[1], wi);
            if (!h)
                continue;
            if (d->num_hazards == cap) {
                cap = cap ? 2 * cap : 64;
                uint32_t(*n)[2] = realloc(d->hazards, cap * sizeof *n);
                if (!n)
                    return dla_error_set(err, DLA_ERR_NOMEM, "out of memory (inference hazards)");
                d->hazards = n;
            }
            d->hazards[d->num_hazards][0] = i;
            d->hazards[d->num_hazards][1] = j;
            d->num_hazards++;
        }
    }
    return DLA_OK;
}

static dla_status build_programs(dla_driver *d, dla_error *err)
{
    const dla_loadable *l = d->l;
    for (uint32_t i = 0; i < l->num_ops; ++i) {
        drv_builder b = {0}, ext = {0};
        drv_op *op = &d->ops[i];
        dla_status st = DLA_OK;
        switch (l->ops[i].kind) {
        case DLA_OP_CONV: st = drv_program_conv(d, i, &b, &ext, op); break;
        case DLA_OP_SDP: st = drv_program_sdp(d, i, &b, &ext, op); break;
        case DLA_OP_PDP: st = drv_program_pdp(d, i, &b, &ext, op); break;
        case DLA_OP_RUBIK: st = drv_program_rubik(d, i, &b, &ext, op); break;
        case DLA_OP_CDP: st = drv_program_cdp(d, i, &b, &ext, op); break;
        default:
            st = DLA_ERR_UNSUPPORTED;
            snprintf(b.msg, sizeof b.msg, "op kind not programmable");
            break;
        }
        if (st == DLA_OK && ext.st != DLA_OK) {
            st = ext.st;
            memcpy(b.msg, ext.msg, sizeof b.msg);
        }
        op->regs = b.regs;
        op->nregs = b.n;
        op->ext = ext.regs;
        op->next = ext.n;
        if (st != DLA_OK)
            return dla_error_set(err, st, "op %u (%s, layer '%s'): %s", i, dla_op_kind_name(l->ops[i].kind),
                                 l->layers[l->ops[i].layer].name, b.msg);
    }
    return DLA_OK;
}

dla_status dla_driver_create(const dla_config *cfg, const dla_loadable *loadable, dla_platform *platform,
                             const dla_driver_opts *opts, dla_driver **out, dla_error *err)
{
    *out = NULL;
    dla_status st = dla_loadable_validate(loadable, err);
    if (st != DLA_OK) {
        dla_error_prefix(err, "loadable '%s'", loadable->network);
        return st;
    }
    if ((st = check_target(cfg, loadable, err)) != DLA_OK || (st = check_features(cfg, loadable, err)) != DLA_OK)
        return st;
    int ncores = cfg->num_cores > 0 ? cfg->num_cores : 1;
    int core = opts ? opts->core : 0;
    if (core < 0 || core >= ncores)
        return dla_error_set(err, DLA_ERR_INVALID, "DLA core %d does not exist: config '%s' has %d core(s)", core,
                             cfg->name, ncores);
    if (loadable->num_segments && opts && opts->standalone)
        return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                             "network '%s' has %u GPU layer(s) in %u segments: a standalone (DLA-only, "
                             "--buildDLAStandalone) run refuses GPU segments; compile without --allowGPUFallback",
                             loadable->network, loadable->num_gpu_layers, loadable->num_segments);
    uint32_t inferences = opts && opts->inferences ? opts->inferences : 1;
    if (inferences > DLA_MAX_INFERENCES)
        return dla_error_set(err, DLA_ERR_LIMIT, "network '%s': %u inferences in one run, at most %u",
                             loadable->network, inferences, DLA_MAX_INFERENCES);
    if (opts && opts->after && opts->after->opts.core != core)
        return dla_error_set(err, DLA_ERR_INVALID,
                             "network '%s' on core %d: placed after network '%s', which is on core %d (only networks "
                             "of one core share its memory)",
                             loadable->network, core, opts->after->l->network, opts->after->opts.core);
    if (loadable->num_gpu_layers && !dla_gpu_model_available(cfg))
        return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                             "network '%s' has GPU layers but config '%s' has no gpu section to time them",
                             loadable->network, cfg->name);
    dla_driver *d = calloc(1, sizeof *d);
    if (!d)
        return dla_error_set(err, DLA_ERR_NOMEM, "out of memory");
    d->cfg = cfg;
    d->l = loadable;
    d->p = platform;
    if (opts)
        d->opts = *opts;
    d->inferences = inferences;
    d->region_addr = calloc(loadable->num_regions ? loadable->num_regions : 1, sizeof *d->region_addr);
    d->ops = calloc(loadable->num_ops ? loadable->num_ops : 1, sizeof *d->ops);
    if (!d->region_addr || !d->ops) {
        st = dla_error_set(err, DLA_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if ((st = place_regions(d, err)) != DLA_OK || (st = build_programs(d, err)) != DLA_OK ||
        (inferences > 1 && (st = find_hazards(d, err)) != DLA_OK))
        goto fail;
    *out = d;
    return DLA_OK;
fail:
    dla_driver_destroy(d);
    return st;
}

void dla_driver_destroy(dla_driver *d)
{
    if (!d)
        return;
    if (d->ops)
        for (uint32_t i = 0; i < d->l->num_ops; ++i) {
            free(d->ops[i].regs);
            free(d->ops[i].ext);
        }
    free(d->ops);
    free(d->region_addr);
    free(d->records);
    free(d->op_records);
    free(d->gpu_records);
    free(d->inference_records);
    free(d->hazards);
    free(d);
}

const char *dla_driver_errmsg(const dla_driver *d)
{
    return d ? d->errmsg : "no driver";
}

const dla_layer_record *dla_driver_layers(const dla_driver *d, size_t *count)
{
    *count = d->num_records;
    return d->records;
}

const dla_inference_record *dla_driver_inferences(const dla_driver *d, size_t *count)
{
    *count = d->ran ? d->inferences : 0;
    return d->inference_records;
}

const dla_op_record *dla_driver_ops(const dla_driver *d, size_t *count)
{
    *count = d->num_op_records;
    return d->op_records;
}

dla_status dla_driver_run(dla_driver *d, dla_error *err)
{
    int core = d->opts.core;
    dla_controller_fn fn = dla_driver_controller;
    void *user = d;
    dla_status st = dla_platform_run(d->p, 1, &core, &fn, &user, err);
    if (st != DLA_OK && d->errmsg[0] == '\0' && err)
        memcpy(d->errmsg, err->msg, sizeof d->errmsg);
    return st;
}

/* ---- host I/O in the NVDLA feature format (docs/datapath.md) ---- */

static const dla_ltensor *find_tensor(dla_driver *d, const char *name, uint32_t role, dla_error *err)
{
    const dla_loadable *l = d->l;
    for (uint32_t i = 0; i < l->num_tensors; ++i)
        if (l->tensors[i].role == role && strcmp(l->tensors[i].name, name) == 0)
            return &l->tensors[i];
    char list[512] = "";
    size_t n = 0;
    for (uint32_t i = 0; i < l->num_tensors && n < sizeof list - 4; ++i)
        if (l->tensors[i].role == role)
            n += (size_t)snprintf(list + n, sizeof list - n, "%s'%s'", n ? ", " : "", l->tensors[i].name);
    drv_fail(d, err, DLA_ERR_INVALID, "network '%s' has no %s tensor '%s' (its %ss: %s)", l->network,
             role == DLA_TENSOR_INPUT ? "input" : "output", name, role == DLA_TENSOR_INPUT ? "input" : "output",
             n ? list : "none");
    return NULL;
}

/* Geometry of a tensor in memory: bytes per element, channels per surface, bytes per line (W atoms).
 * A pixel-format tensor (image input) is one "surface" whose atom is the pixel. */
typedef struct layout {
    uint32_t bpe, cps, atom;
    size_t line_bytes;
    int pixel;             /* data_format is DLA_DATA_PIXEL */
    uint32_t pixel_format; /* when pixel */
} layout;

/* Byte of channel k (of cps) inside one atom / pixel. */
static size_t elem_offset(const layout *g, uint32_t k)
{
    return g->pixel ? dla_pixel_channel_byte(g->pixel_format, k) : (size_t)k * g->bpe;
}

static dla_status tensor_layout(dla_driver *d, const dla_ltensor *t, size_t count, layout *g, dla_error *err)
{
    uint64_t n = (uint64_t)t->n * t->c * t->h * t->w;
    if (count != n)
        return drv_fail(d, err, DLA_ERR_INVALID, "tensor '%s': %zu values given, expected n*c*h*w = %ux%ux%ux%u = %llu",
                        t->name, count, t->n, t->c, t->h, t->w, (unsigned long long)n);
    if (t->precision != DLA_PRECISION_INT8 && t->precision != DLA_PRECISION_FP16)
        return drv_fail(d, err, DLA_ERR_UNSUPPORTED, "tensor '%s': host conversion of %s data is not supported",
                        t->name, dla_precision_name(t->precision));
    g->bpe = t->precision == DLA_PRECISION_INT8 ? 1u : 2u;
    g->atom = d->l->memory_atomic_bytes;
    g->cps = g->atom / g->bpe;
    g->pixel = t->data_format == DLA_DATA_PIXEL;
    g->pixel_format = t->pixel_format;
    if (g->pixel) /* validated: INT8, a supported format, c <= bytes per pixel */
        g->atom = g->cps = dla_pixel_bytes(t->pixel_format);
    g->line_bytes = (size_t)t->w * g->atom;
    return DLA_OK;
}

/* q = clamp(floor(x / scale + 0.5), -128, 127) in double precision. */
static int8_t quantise_int8(float x, float scale)
{
    double q = floor((double)x / (double)scale + 0.5);
    return (int8_t)(q < -128.0 ? -128 : q > 127.0 ? 127 : q);
}

static uint64_t line_addr(const dla_driver *d, const dla_ltensor *t, uint32_t n, uint32_t s, uint32_t h)
{
    return d->region_addr[t->region] + t->offset + (uint64_t)n * t->batch_stride + (uint64_t)s * t->surface_stride +
           (uint64_t)h * t->line_stride;
}

dla_status dla_driver_set_input(dla_driver *d, const char *tensor_name, const float *nchw, size_t count, dla_error *err)
{
    const dla_ltensor *t = find_tensor(d, tensor_name, DLA_TENSOR_INPUT, err);
    if (!t)
        return DLA_ERR_INVALID;
    layout g;
    dla_status st = tensor_layout(d, t, count, &g, err);
    if (st != DLA_OK)
        return st;
    for (size_t i = 0; i < count; ++i)
        if (isnan(nchw[i]))
            return drv_fail(d, err, DLA_ERR_INVALID, "tensor '%s': value %zu is NaN", t->name, i);
    uint8_t *line = malloc(g.line_bytes);
    if (!line)
        return drv_fail(d, err, DLA_ERR_NOMEM, "out of memory");
    uint32_t surfaces = (t->c + g.cps - 1) / g.cps;
    /* Line by line: gaps between lines and surfaces may belong to other tensors and are left alone;
     * padded channels of the last surface are written as zero. */
    for (uint32_t n = 0; n < t->n && st == DLA_OK; ++n)
        for (uint32_t s = 0; s < surfaces && st == DLA_OK; ++s)
            for (uint32_t h = 0; h < t->h && st == DLA_OK; ++h) {
                memset(line, 0, g.line_bytes);
                for (uint32_t w = 0; w < t->w; ++w)
                    for (uint32_t k = 0; k < g.cps; ++k) {
                        uint32_t c = s * g.cps + k;
                        if (c >= t->c)
                            break;
                        float x = nchw[(((size_t)n * t->c + c) * t->h + h) * t->w + w];
                        uint8_t *e = line + (size_t)w * g.atom + elem_offset(&g, k);
                        if (g.bpe == 1) {
                            int8_t q = quantise_int8(x, t->scale);
                            memcpy(e, &q, 1);
                        } else {
                            uint16_t hv = drv_f32_to_f16(x);
                            e[0] = (uint8_t)hv;
                            e[1] = (uint8_t)(hv >> 8);
                        }
                    }
                st = dla_platform_mem_write(d->p, line_addr(d, t, n, s, h), line, g.line_bytes, err);
            }
    free(line);
    if (st != DLA_OK)
        dla_error_prefix(err, "tensor '%s'", t->name);
    return st;
}

dla_status dla_driver_get_output(dla_driver *d, const char *tensor_name, float *nchw, size_t count, dla_error *err)
{
    const dla_ltensor *t = find_tensor(d, tensor_name, DLA_TENSOR_OUTPUT, err);
    if (!t)
        return DLA_ERR_INVALID;
    layout g;
    dla_status st = tensor_layout(d, t, count, &g, err);
    if (st != DLA_OK)
        return st;
    uint8_t *line = malloc(g.line_bytes);
    if (!line)
        return drv_fail(d, err, DLA_ERR_NOMEM, "out of memory");
    uint32_t surfaces = (t->c + g.cps - 1) / g.cps;
    for (uint32_t n = 0; n < t->n && st == DLA_OK; ++n)
        for (uint32_t s = 0; s < surfaces && st == DLA_OK; ++s)
            for (uint32_t h = 0; h < t->h && st == DLA_OK; ++h) {
                st = dla_platform_mem_read(d->p, line_addr(d, t, n, s, h), line, g.line_bytes, err);
                for (uint32_t w = 0; w < t->w && st == DLA_OK; ++w)
                    for (uint32_t k = 0; k < g.cps; ++k) {
                        uint32_t c = s * g.cps + k;
                        if (c >= t->c)
                            break;
                        const uint8_t *e = line + (size_t)w * g.atom + elem_offset(&g, k);
                        float *y = &nchw[(((size_t)n * t->c + c) * t->h + h) * t->w + w];
                        if (g.bpe == 1) {
                            int8_t q;
                            memcpy(&q, e, 1);
                            *y = (float)((double)q * (double)t->scale);
                        } else {
                            *y = drv_f16_to_f32((uint16_t)(e[0] | e[1] << 8));
                        }
                    }
            }
    free(line);
    if (st != DLA_OK)
        dla_error_prefix(err, "tensor '%s'", t->name);
    return st;
}
