/* Semantic validation of a loadable: every index in range, every memory surface and tensor inside its
 * region, fused pipelines well formed (conv -> SDP -> PDP), dependencies only on earlier ops.
 * Messages name the op, its kind and its layer, the value and what was expected. */
#include <math.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dla/loadable.h"
#include "loadable_internal.h"

uint32_t dla_loadable_bpe(uint32_t precision)
{
    switch (precision) {
    case DLA_PRECISION_INT8: return 1;
    case DLA_PRECISION_FP16: return 2;
    case DLA_PRECISION_INT16: return 2;
    default: return 0;
    }
}

typedef struct vctx {
    const dla_loadable *l;
    dla_error *err;
    char where[320];      /* "op 3 (sdp, layer 1 'conv1')" */
    const int64_t *child; /* per op: fused_child's answer, indexed once (NULL: scan) */
} vctx;

#define FAIL(v, ...) return fail_at(v, __VA_ARGS__)

static dla_status fail_at(vctx *v, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static dla_status fail_at(vctx *v, const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return dla_error_set(v->err, DLA_ERR_INVALID, "%s: %s", v->where, msg);
}

/* end = offset + (n-1)*batch + (surfaces-1)*surf + (h-1)*line + w*atom, with overflow detection. */
static int cube_end(uint64_t offset, uint64_t n, uint64_t batch_stride, uint64_t surfaces, uint64_t surf, uint64_t h,
                    uint64_t line, uint64_t w, uint64_t atom, uint64_t *end)
{
    uint64_t a, b, c, d, e = offset;
    if (__builtin_mul_overflow(n - 1, batch_stride, &a) || __builtin_mul_overflow(surfaces - 1, surf, &b) ||
        __builtin_mul_overflow(h - 1, line, &c) || __builtin_mul_overflow(w, atom, &d) ||
        __builtin_add_overflow(e, a, &e) || __builtin_add_overflow(e, b, &e) || __builtin_add_overflow(e, c, &e) ||
        __builtin_add_overflow(e, d, &e))
        return 0;
    *end = e;
    return 1;
}

/* A cube in NVDLA feature format inside region `region` (docs/datapath.md "Feature data"). */
static dla_status check_cube(vctx *v, const char *what, uint32_t region, uint64_t offset, uint32_t n, uint32_t c,
                             uint32_t h, uint32_t w, uint32_t line_stride, uint32_t surface_stride,
                             uint64_t batch_stride, uint32_t precision)
{
    const dla_loadable *l = v->l;
    uint32_t atom = l->memory_atomic_bytes, bpe = dla_loadable_bpe(precision);
    if (region >= l->num_regions)
        FAIL(v, "%s: region %u out of range (loadable has %u regions)", what, region, l->num_regions);
    if (bpe == 0)
        FAIL(v, "%s: precision %u (%s) is not a DLA memory precision (expected int8, fp16 or int16)", what, precision,
             dla_precision_name(precision));
    if (n == 0 || c == 0 || h == 0 || w == 0)
        FAIL(v, "%s: empty cube %ux%ux%ux%u (n x c x h x w)", what, n, c, h, w);
    if (offset % atom)
        FAIL(v, "%s: offset %llu is not a multiple of the %u-byte memory atom", what, (unsigned long long)offset, atom);
    uint64_t min_line = (uint64_t)w * atom;
    if (line_stride < min_line || line_stride % atom)
        FAIL(v, "%s: line_stride %u, expected a multiple of %u that is >= width %u x atom %u = %llu", what, line_stride,
             atom, w, atom, (unsigned long long)min_line);
    uint64_t min_surf = (uint64_t)h * line_stride;
    if (surface_stride < min_surf || surface_stride % atom)
        FAIL(v, "%s: surface_stride %u, expected a multiple of %u that is >= height %u x line_stride %u = %llu", what,
             surface_stride, atom, h, line_stride, (unsigned long long)min_surf);
    uint32_t cps = atom / bpe;
    uint64_t surfaces = (c + (uint64_t)cps - 1) / cps, end = 0;
    uint64_t size = l->regions[region].size;
    if (!cube_end(offset, n, batch_stride, surfaces, surface_stride, h, line_stride, w, atom, &end) || end > size)
        FAIL(v, "%s: cube %ux%ux%ux%u %s at offset %llu ends at byte %llu, outside region %u of %llu bytes", what, n, c,
             h, w, dla_precision_name(precision), (unsigned long long)offset, (unsigned long long)end, region,
             (unsigned long long)size);
    return DLA_OK;
}

/* A cube in a pixel format (image input, docs/datapath.md "Image input"): one plane of packed
 * pixels, line after line; the channels must fit the pixel. */
static dla_status check_pixel_cube(vctx *v, const char *what, uint32_t pixel_format, uint32_t region, uint64_t offset,
                                   uint32_t n, uint32_t c, uint32_t h, uint32_t w, uint32_t line_stride,
                                   uint64_t batch_stride, uint32_t precision)
{
    const dla_loadable *l = v->l;
    uint32_t atom = l->memory_atomic_bytes, pb = dla_pixel_bytes(pixel_format);
    if (region >= l->num_regions)
        FAIL(v, "%s: region %u out of range (loadable has %u regions)", what, region, l->num_regions);
    if (pb == 0)
        FAIL(v, "%s: pixel_format %u is not supported (expected 0 T_R8 or 12..19, the 8-bit 4-component formats)", what,
             pixel_format);
    if (precision != DLA_PRECISION_INT8)
        FAIL(v, "%s: pixel-format data must be int8, not %s", what, dla_precision_name(precision));
    if (n == 0 || c == 0 || h == 0 || w == 0 || c > pb)
        FAIL(v, "%s: cube %ux%ux%ux%u (n x c x h x w): expected non-empty with at most %u channels (pixel_format %u)",
             what, n, c, h, w, pb, pixel_format);
    if (offset % atom)
        FAIL(v, "%s: offset %llu is not a multiple of the %u-byte memory atom", what, (unsigned long long)offset, atom);
    uint64_t min_line = (uint64_t)w * pb;
    if (line_stride < min_line || line_stride % atom)
        FAIL(v, "%s: line_stride %u, expected a multiple of %u that is >= width %u x %u-byte pixels = %llu", what,
             line_stride, atom, w, pb, (unsigned long long)min_line);
    uint64_t end = 0, size = l->regions[region].size;
    if (!cube_end(offset, n, batch_stride, 1, 0, h, line_stride, w, pb, &end) || end > size)
        FAIL(v, "%s: pixel cube %ux%ux%ux%u at offset %llu ends at byte %llu, outside region %u of %llu bytes", what, n,
             c, h, w, (unsigned long long)offset, (unsigned long long)end, region, (unsigned long long)size);
    return DLA_OK;
}

static dla_status check_range(vctx *v, const char *what, uint32_t region, uint64_t offset, uint64_t bytes)
{
    const dla_loadable *l = v->l;
    if (region >= l->num_regions)
        FAIL(v, "%s: region %u out of range (loadable has %u regions)", what, region, l->num_regions);
    uint64_t size = l->regions[region].size;
    if (offset > size || bytes > size - offset)
        FAIL(v, "%s: bytes [%llu, %llu+%llu) lie outside region %u of %llu bytes", what, (unsigned long long)offset,
             (unsigned long long)offset, (unsigned long long)bytes, region, (unsigned long long)size);
    return DLA_OK;
}

/* A surface: on the fly (region -1) or a memory cube. */
static dla_status check_surface(vctx *v, const char *what, const dla_lsurface *s)
{
    if (s->region == -1) {
        if (dla_loadable_bpe(s->precision) == 0)
            FAIL(v, "%s: unknown precision %u", what, s->precision);
        if (!s->width || !s->height || !s->channels)
            FAIL(v, "%s: empty cube %ux%ux%u", what, s->width, s->height, s->channels);
        return DLA_OK;
    }
    if (s->region < -1)
        FAIL(v, "%s: region %d, expected -1 (on the fly) or a region index", what, s->region);
    return check_cube(v, what, (uint32_t)s->region, s->offset, 1, s->channels, s->height, s->width, s->line_stride,
                      s->surface_stride, 0, s->precision);
}

static dla_status check_dims(vctx *v, const char *what, const dla_lsurface *s, uint32_t w, uint32_t h, uint32_t c)
{
    if (s->width != w || s->height != h || s->channels != c)
        FAIL(v, "%s is %ux%ux%u (w x h x c), expected %ux%ux%u", what, s->width, s->height, s->channels, w, h, c);
    return DLA_OK;
}

/* Output size of a sliding window; 0 when the window does not fit. */
static uint64_t window_out(uint64_t in, uint64_t pad_lo, uint64_t pad_hi, uint64_t k, uint64_t dil, uint64_t stride)
{
    uint64_t eff = (k - 1) * dil + 1, span = in + pad_lo + pad_hi;
    return span < eff ? 0 : (span - eff) / stride + 1;
}

/* The only child op whose fused_parent is `index`; -1 if none, -2 if several. */
static int64_t fused_child_scan(const dla_loadable *l, uint32_t index)
{
    int64_t child = -1;
    for (uint32_t j = index + 1; j < l->num_ops; ++j)
        if (l->ops[j].fused_parent == (int32_t)index)
            child = child == -1 ? (int64_t)j : -2;
    return child;
}

/* fused_child_scan for every op at once (a scan per op is quadratic in the op count); NULL when out
 * of memory, and the scan is used instead. */
static int64_t *fused_children(const dla_loadable *l)
{
    int64_t *c = malloc(((size_t)l->num_ops + 1) * sizeof *c);
    if (!c)
        return NULL;
    for (uint32_t i = 0; i < l->num_ops; ++i)
        c[i] = -1;
    for (uint32_t j = 0; j < l->num_ops; ++j) {
        int32_t p = l->ops[j].fused_parent;
        if (p >= 0 && (uint32_t)p < j) /* the scan looks after the parent only */
            c[p] = c[p] == -1 ? (int64_t)j : -2;
    }
    return c;
}

static int64_t fused_child(const vctx *v, uint32_t index)
{
    return v->child ? v->child[index] : fused_child_scan(v->l, index);
}

static dla_status check_stage(vctx *v, const char *name, const dla_lsdp_stage *s, uint32_t channels)
{
    if (!s->enable)
        return DLA_OK;
    if (s->alu_op > DLA_ALU_SUM || s->alu_src > DLA_OPERAND_PER_KERNEL || s->mul_src > DLA_OPERAND_PER_KERNEL)
        FAIL(v, "SDP %s stage: alu_op %u / alu_src %u / mul_src %u out of range (alu_op 0..2, sources 0..1)", name,
             s->alu_op, s->alu_src, s->mul_src);
    if (s->mul_prelu > 1 || (s->mul_prelu && !s->mul_enable))
        FAIL(v, "SDP %s stage: mul_prelu %u, expected 0, or 1 with mul_enable 1 (PReLU is a mode of the MUL)", name,
             s->mul_prelu);
    int per_kernel = (s->alu_enable && s->alu_src == DLA_OPERAND_PER_KERNEL) ||
                     (s->mul_enable && s->mul_src == DLA_OPERAND_PER_KERNEL);
    if (per_kernel) {
        char what[64];
        snprintf(what, sizeof what, "SDP %s per-kernel operands", name);
        if (s->operand_region < 0)
            FAIL(v, "%s: operand_region %d, expected a region index", what, s->operand_region);
        return check_range(v, what, (uint32_t)s->operand_region, s->operand_offset, (uint64_t)channels * 4u);
    }
    return DLA_OK;
}

/* Batch mode (1.2): at most NVDLA's 32 images (D_BATCH_NUMBER is 5 bits), feature data only, the
 * strides at least one cube, and the last image's input and output cubes inside their regions. */
static dla_status check_batch(vctx *v, const dla_lconv *c, const dla_lsurface *dst)
{
    if (c->batch > 32 || c->data_format != DLA_DATA_FEATURE)
        FAIL(v, "batch %u: expected at most 32 images of feature data (data_format %u)", c->batch, c->data_format);
    uint32_t cps = v->l->memory_atomic_bytes / dla_loadable_bpe(c->precision);
    uint64_t in_cube = (uint64_t)((c->src.channels + cps - 1) / cps) * c->src.surface_stride;
    uint64_t out_cube = (uint64_t)((dst->channels + cps - 1) / cps) * dst->surface_stride;
    if (dst->region < 0 || c->src_batch_stride < in_cube || c->dst_batch_stride < out_cube)
        FAIL(v,
             "batch %u: src_batch_stride %llu / dst_batch_stride %llu must cover one input (%llu B) / output (%llu "
             "B) cube, and the output must go to memory",
             c->batch, (unsigned long long)c->src_batch_stride, (unsigned long long)c->dst_batch_stride,
             (unsigned long long)in_cube, (unsigned long long)out_cube);
    dla_lsurface last_in = c->src, last_out = *dst;
    last_in.offset += (uint64_t)(c->batch - 1) * c->src_batch_stride;
    last_out.offset += (uint64_t)(c->batch - 1) * c->dst_batch_stride;
    dla_status st = check_surface(v, "src (last batch image)", &last_in);
    return st != DLA_OK ? st : check_surface(v, "fused SDP dst (last batch image)", &last_out);
}

static dla_status check_conv(vctx *v, uint32_t index, const dla_lconv *c)
{
    const dla_loadable *l = v->l;
    dla_status st;
    if (c->src.region < 0)
        FAIL(v, "conv input must be in memory (src.region %d)", c->src.region);
    if (c->data_format > DLA_DATA_PIXEL)
        FAIL(v, "data_format %u unknown (expected 0 feature or 1 pixel)", c->data_format);
    if (c->data_format == DLA_DATA_PIXEL) {
        if ((st =
                 check_pixel_cube(v, "src", c->pixel_format, (uint32_t)c->src.region, c->src.offset, 1, c->src.channels,
                                  c->src.height, c->src.width, c->src.line_stride, 0, c->src.precision)) != DLA_OK)
            return st;
        if (c->dilation_x != 1 || c->weight_format != DLA_WEIGHT_DENSE)
            FAIL(v, "image input needs dilation_x 1 and dense weights (dilation_x %u, weight_format %u)", c->dilation_x,
                 c->weight_format);
    } else if ((st = check_surface(v, "src", &c->src)) != DLA_OK)
        return st;
    if (c->precision != c->src.precision || dla_loadable_bpe(c->precision) == 0)
        FAIL(v, "precision %u (%s) must be a DLA precision equal to src.precision %u", c->precision,
             dla_precision_name(c->precision), c->src.precision);
    if (c->weight_format > DLA_WEIGHT_SPARSE_2_4)
        FAIL(v, "weight_format %u unknown (expected 0 dense or 1 sparse 2:4)", c->weight_format);
    if (c->weight_bytes == 0)
        FAIL(v, "weight_bytes is 0");
    if ((st = check_range(v, "weights", c->weight_region, c->weight_offset, c->weight_bytes)) != DLA_OK)
        return st;
    if (c->weight_format == DLA_WEIGHT_SPARSE_2_4 &&
        (st = check_range(v, "sparse metadata", c->weight_region, c->sparse_meta_offset, c->sparse_meta_bytes)) !=
            DLA_OK)
        return st;
    if (!c->kernel_w || !c->kernel_h || !c->kernel_k || !c->stride_x || !c->stride_y || !c->dilation_x ||
        !c->dilation_y)
        FAIL(v, "kernel %ux%u, %u kernels, stride %ux%u, dilation %ux%u: every value must be >= 1", c->kernel_w,
             c->kernel_h, c->kernel_k, c->stride_x, c->stride_y, c->dilation_x, c->dilation_y);
    if (c->kernel_c != c->src.channels)
        FAIL(v, "kernel_c %u differs from the input's %u channels", c->kernel_c, c->src.channels);
    uint64_t ow = window_out(c->src.width, c->pad_left, c->pad_right, c->kernel_w, c->dilation_x, c->stride_x);
    uint64_t oh = window_out(c->src.height, c->pad_top, c->pad_bottom, c->kernel_h, c->dilation_y, c->stride_y);
    if (ow != c->out_w || oh != c->out_h)
        FAIL(v,
             "output %ux%u, expected %llux%llu from input %ux%u, kernel %ux%u, stride %ux%u, dilation %ux%u, "
             "padding l%u r%u t%u b%u",
             c->out_w, c->out_h, (unsigned long long)ow, (unsigned long long)oh, c->src.width, c->src.height,
             c->kernel_w, c->kernel_h, c->stride_x, c->stride_y, c->dilation_x, c->dilation_y, c->pad_left,
             c->pad_right, c->pad_top, c->pad_bottom);
    if (!c->data_banks || !c->weight_banks || (uint64_t)c->data_banks + c->weight_banks > l->cbuf_banks)
        FAIL(v, "CBUF plan: %u data + %u weight banks, expected >= 1 each and at most %u in total", c->data_banks,
             c->weight_banks, l->cbuf_banks);
    if (!c->entry_per_slice || !c->fetch_grain)
        FAIL(v, "entry_per_slice %u and fetch_grain %u must be >= 1", c->entry_per_slice, c->fetch_grain);
    int64_t child = fused_child(v, index);
    if (child < 0)
        FAIL(v, "conv has %s SDP consumer (exactly one SDP op with fused_parent %u is required)",
             child == -1 ? "no" : "more than one", index);
    const dla_lop *s = &l->ops[child];
    if (s->kind != DLA_OP_SDP)
        FAIL(v, "fused child op %lld is %s, expected sdp", (long long)child, dla_op_kind_name(s->kind));
    if (c->batch > 1 && (st = check_batch(v, c, &s->u.sdp.dst)) != DLA_OK)
        return st;
    return check_dims(v, "the fused SDP's input", &s->u.sdp.src, c->out_w, c->out_h, c->kernel_k);
}

static dla_status check_sdp(vctx *v, uint32_t index, const dla_lop *op)
{
    const dla_loadable *l = v->l;
    const dla_lsdp *s = &op->u.sdp;
    dla_status st;
    if ((st = check_surface(v, "src", &s->src)) != DLA_OK || (st = check_surface(v, "dst", &s->dst)) != DLA_OK)
        return st;
    int flying = s->src.region == -1;
    int has_parent = op->fused_parent >= 0;
    if (flying != has_parent)
        FAIL(v, "src.region %d with fused_parent %d: an on-the-fly SDP input needs a conv parent and vice versa",
             s->src.region, op->fused_parent);
    if (has_parent && s->src.region != -1)
        FAIL(v, "fused SDP must take its input on the fly (src.region -1)");
    int64_t child = fused_child(v, index);
    if (child == -2)
        FAIL(v, "more than one op is fused after this SDP");
    if ((s->dst.region == -1) != (child >= 0))
        FAIL(v, "dst.region %d: an on-the-fly SDP output needs exactly one fused PDP consumer and vice versa",
             s->dst.region);
    if (child >= 0 && l->ops[child].kind != DLA_OP_PDP)
        FAIL(v, "fused child op %lld is %s, expected pdp", (long long)child, dla_op_kind_name(l->ops[child].kind));
    if ((st = check_dims(v, "dst", &s->dst, s->src.width, s->src.height, s->src.channels)) != DLA_OK)
        return st;
    if (dla_loadable_bpe(s->in_precision) == 0 || dla_loadable_bpe(s->out_precision) == 0)
        FAIL(v, "in_precision %u / out_precision %u: expected DLA precisions", s->in_precision, s->out_precision);
    /* NVDLA's SDP (docs/datapath.md "FP16 arithmetic"): the integer pipeline's converter produces
     * integers; only the FP pipeline reads a source of another precision (INT8 widened exactly). */
    bool fp = s->in_precision == DLA_PRECISION_FP16;
    if (!fp && s->out_precision == DLA_PRECISION_FP16)
        FAIL(v, "in_precision %s with out_precision fp16: the integer pipeline cannot write fp16",
             dla_precision_name(s->in_precision));
    if (s->src.precision != s->in_precision && !(fp && s->src.region >= 0 && s->src.precision == DLA_PRECISION_INT8))
        FAIL(v, "src.precision %s differs from in_precision %s (only an offline fp16 pipeline reads int8)",
             dla_precision_name(s->src.precision), dla_precision_name(s->in_precision));
    if (s->dst.precision != s->out_precision)
        FAIL(v, "dst.precision %s differs from out_precision %s", dla_precision_name(s->dst.precision),
             dla_precision_name(s->out_precision));
    if (s->ew.enable && s->ew.operand.precision != s->in_precision)
        FAIL(v, "EW operand precision %s differs from in_precision %s", dla_precision_name(s->ew.operand.precision),
             dla_precision_name(s->in_precision));
    if ((st = check_stage(v, "BS", &s->bs, s->src.channels)) != DLA_OK ||
        (st = check_stage(v, "BN", &s->bn, s->src.channels)) != DLA_OK)
        return st;
    if (s->ew.enable) {
        if (s->ew.alu_op > DLA_ALU_PROD)
            FAIL(v, "SDP EW stage: alu_op %u out of range 0..3", s->ew.alu_op);
        if (s->ew.alu_op == DLA_ALU_PROD && (s->ew.operand.precision != DLA_PRECISION_INT8 || s->ew.mul_enable != 1))
            FAIL(v, "SDP EW stage: alu_op prod needs an INT8 operand and mul_enable 1 (mul_shift applies)");
        if (s->ew.operand.region < 0)
            FAIL(v, "SDP EW operand must be in memory (region %d)", s->ew.operand.region);
        if ((st = check_surface(v, "EW operand", &s->ew.operand)) != DLA_OK ||
            (st = check_dims(v, "EW operand", &s->ew.operand, s->src.width, s->src.height, s->src.channels)) != DLA_OK)
            return st;
    }
    return DLA_OK;
}

static dla_status check_pdp(vctx *v, const dla_lop *op)
{
    const dla_lpdp *p = &op->u.pdp;
    if (p->src.precision != p->dst.precision)
        FAIL(v, "src.precision %s differs from dst.precision %s: the PDP converts no precision",
             dla_precision_name(p->src.precision), dla_precision_name(p->dst.precision));
    dla_status st;
    if ((st = check_surface(v, "src", &p->src)) != DLA_OK || (st = check_surface(v, "dst", &p->dst)) != DLA_OK)
        return st;
    if (p->dst.region < 0)
        FAIL(v, "PDP output must be in memory (dst.region %d)", p->dst.region);
    if ((p->src.region == -1) != (op->fused_parent >= 0))
        FAIL(v, "src.region %d with fused_parent %d: an on-the-fly PDP input needs an SDP parent and vice versa",
             p->src.region, op->fused_parent);
    if (p->method > DLA_POOL_MIN)
        FAIL(v, "pooling method %u unknown (expected 0 avg, 1 max, 2 min)", p->method);
    if (!p->kernel_w || !p->kernel_h || !p->stride_x || !p->stride_y || !p->split_num)
        FAIL(v, "kernel %ux%u, stride %ux%u, split_num %u: every value must be >= 1", p->kernel_w, p->kernel_h,
             p->stride_x, p->stride_y, p->split_num);
    uint64_t ow = window_out(p->src.width, p->pad_left, p->pad_right, p->kernel_w, 1, p->stride_x);
    uint64_t oh = window_out(p->src.height, p->pad_top, p->pad_bottom, p->kernel_h, 1, p->stride_y);
    if (p->dst.width != ow || p->dst.height != oh || p->dst.channels != p->src.channels)
        FAIL(v,
             "output %ux%ux%u, expected %llux%llux%u from input %ux%u, kernel %ux%u, stride %ux%u, padding "
             "l%u r%u t%u b%u",
             p->dst.width, p->dst.height, p->dst.channels, (unsigned long long)ow, (unsigned long long)oh,
             p->src.channels, p->src.width, p->src.height, p->kernel_w, p->kernel_h, p->stride_x, p->stride_y,
             p->pad_left, p->pad_right, p->pad_top, p->pad_bottom);
    return DLA_OK;
}

/* RUBIK contract: both cubes in memory, dst = (W * sx) x (H * sy) x K, src = sx * sy groups of K rounded
 * up to whole surfaces (dla_lrubik). */
static dla_status check_rubik(vctx *v, const dla_lop *op)
{
    const dla_lrubik *r = &op->u.rubik;
    dla_status st;
    if ((st = check_surface(v, "src", &r->src)) != DLA_OK || (st = check_surface(v, "dst", &r->dst)) != DLA_OK)
        return st;
    if (r->src.region < 0 || r->dst.region < 0 || op->fused_parent >= 0)
        FAIL(v, "RUBIK reads and writes memory (src.region %d, dst.region %d, fused_parent %d)", r->src.region,
             r->dst.region, op->fused_parent);
    if (r->mode != DLA_RUBIK_CONTRACT)
        FAIL(v, "RUBIK mode %u: a loadable carries contract (0) only; split and merge need planar tensors", r->mode);
    if (r->stride_x < 1 || r->stride_x > 32 || r->stride_y < 1 || r->stride_y > 32)
        FAIL(v, "contract strides %ux%u must be in [1, 32] (5-bit DECONV_X/Y_STRIDE)", r->stride_x, r->stride_y);
    if (r->src.precision != r->dst.precision)
        FAIL(v, "src precision %u differs from dst precision %u (RUBIK moves bytes)", r->src.precision,
             r->dst.precision);
    uint32_t bpe = r->src.precision == DLA_PRECISION_INT8 ? 1u : 2u;
    uint32_t cps = v->l->memory_atomic_bytes / bpe;
    if (!cps)
        FAIL(v, "memory_atomic_bytes %u holds no element of %u bytes", v->l->memory_atomic_bytes, bpe);
    uint64_t kp = ((uint64_t)r->dst.channels + cps - 1) / cps * cps;
    uint64_t want = kp * r->stride_x * r->stride_y;
    if (r->src.channels != want)
        FAIL(v,
             "contract src has %u channels, expected %llu (%u x %u groups of %llu: dst channels %u rounded up to %u)",
             r->src.channels, (unsigned long long)want, r->stride_x, r->stride_y, (unsigned long long)kp,
             r->dst.channels, cps);
    return check_dims(v, "dst", &r->dst, r->src.width * r->stride_x, r->src.height * r->stride_y, r->dst.channels);
}

static void op_where(vctx *v, uint32_t i)
{
    const dla_loadable *l = v->l;
    const dla_lop *op = &l->ops[i];
    snprintf(v->where, sizeof v->where, "op %u (%s, layer %u '%.128s')", i, dla_op_kind_name(op->kind), op->layer,
             op->layer < l->num_layers ? l->layers[op->layer].name : "?");
}

/* Checks that need only the op itself and earlier ops (run for every op before the kind checks, so a
 * bad link is reported as such rather than as a malformed pipeline). */
static dla_status check_op_links(vctx *v, uint32_t i)
{
    const dla_loadable *l = v->l;
    const dla_lop *op = &l->ops[i];
    op_where(v, i);
    if (op->kind >= DLA_OP_KIND_COUNT)
        FAIL(v, "unknown kind %u (expected 0..%d)", op->kind, DLA_OP_KIND_COUNT - 1);
    if (op->layer >= l->num_layers)
        FAIL(v, "layer %u out of range (loadable has %u layers)", op->layer, l->num_layers);
    if (op->num_deps > DLA_MAX_OP_DEPS)
        FAIL(v, "num_deps %u exceeds %d", op->num_deps, DLA_MAX_OP_DEPS);
    for (uint32_t d = 0; d < op->num_deps; ++d)
        if (op->deps[d] >= i)
            FAIL(v, "depends on op %u, which is not an earlier op (ops must be in execution order)", op->deps[d]);
    if (op->fused_parent != -1) {
        if (op->fused_parent < -1 || (uint32_t)op->fused_parent >= i)
            FAIL(v, "fused_parent %d must be -1 or an earlier op", op->fused_parent);
        uint32_t pk = l->ops[op->fused_parent].kind;
        uint32_t want = op->kind == DLA_OP_SDP ? DLA_OP_CONV : op->kind == DLA_OP_PDP ? DLA_OP_SDP : DLA_OP_KIND_COUNT;
        if (pk != want)
            FAIL(v, "fused_parent op %d is %s; a fused %s needs a %s parent", op->fused_parent, dla_op_kind_name(pk),
                 dla_op_kind_name(op->kind), want == DLA_OP_KIND_COUNT ? "no" : dla_op_kind_name(want));
        /* Adjacent, so no op of the child's engine can sit between them in that engine's queue
         * (it would wait on the engine the fused pipeline holds). */
        if ((uint32_t)op->fused_parent != i - 1)
            FAIL(v, "fused_parent %d must be the op immediately before (fused pipelines are consecutive ops)",
                 op->fused_parent);
    }
    return DLA_OK;
}

/* CDP LRN (format 1.3): INT8 memory to memory, equal cubes, NVDLA's window sizes and converter field
 * widths; its LUT is checked with the others (check_luts). */
static dla_status check_cdp(vctx *v, uint32_t i, const dla_lop *op)
{
    const dla_lcdp *c = &op->u.cdp;
    dla_status st;
    if ((st = check_surface(v, "src", &c->src)) != DLA_OK || (st = check_surface(v, "dst", &c->dst)) != DLA_OK)
        return st;
    if (c->src.region < 0 || c->dst.region < 0 || op->fused_parent >= 0)
        FAIL(v, "the CDP reads and writes memory (src.region %d, dst.region %d, fused_parent %d)", c->src.region,
             c->dst.region, op->fused_parent);
    if (c->src.precision != DLA_PRECISION_INT8 || c->dst.precision != DLA_PRECISION_INT8)
        FAIL(v, "src/dst precision %s/%s: CDP ops are INT8", dla_precision_name(c->src.precision),
             dla_precision_name(c->dst.precision));
    if (c->src.width != c->dst.width || c->src.height != c->dst.height || c->src.channels != c->dst.channels)
        FAIL(v, "src %ux%ux%u and dst %ux%ux%u differ: LRN keeps the cube", c->src.width, c->src.height,
             c->src.channels, c->dst.width, c->dst.height, c->dst.channels);
    if (c->local_size != 3 && c->local_size != 5 && c->local_size != 7 && c->local_size != 9)
        FAIL(v, "local_size %u: the CDP window is 3, 5, 7 or 9 channels", c->local_size);
    if (c->in_cvt_offset < -128 || c->in_cvt_offset > 127 || c->in_cvt_scale < INT16_MIN ||
        c->in_cvt_scale > INT16_MAX || c->in_cvt_shift > 31)
        FAIL(v, "input converter offset %d / scale %d / shift %u outside int8 / int16 / 5 bits", c->in_cvt_offset,
             c->in_cvt_scale, c->in_cvt_shift);
    if (c->out_cvt_offset < -(1 << 24) || c->out_cvt_offset >= (1 << 24) || c->out_cvt_scale < INT16_MIN ||
        c->out_cvt_scale > INT16_MAX || c->out_cvt_shift > 63)
        FAIL(v, "output converter offset %d / scale %d / shift %u outside 25 bits / int16 / 6 bits", c->out_cvt_offset,
             c->out_cvt_scale, c->out_cvt_shift);
    if (!dla_loadable_op_lut(v->l, i))
        FAIL(v, "CDP op %u has no LUT (the LRN table is required)", i);
    return DLA_OK;
}

static dla_status check_op(vctx *v, uint32_t i)
{
    const dla_lop *op = &v->l->ops[i];
    op_where(v, i);
    dla_status st = DLA_OK;
    switch (op->kind) {
    case DLA_OP_CONV: st = check_conv(v, i, &op->u.conv); break;
    case DLA_OP_SDP: st = check_sdp(v, i, op); break;
    case DLA_OP_PDP: st = check_pdp(v, op); break;
    case DLA_OP_RUBIK: st = check_rubik(v, op); break;
    case DLA_OP_CDP: st = check_cdp(v, i, op); break;
    }
    return st;
}

/* SDP lookup tables (format 1.2): each belongs to one INT8 SDP op, settings within NVDLA's field widths. */
static dla_status check_luts(vctx *v)
{
    const dla_loadable *l = v->l;
    for (uint32_t i = 0; i < l->num_luts; ++i) {
        const dla_llut *t = &l->luts[i];
        snprintf(v->where, sizeof v->where, "lut %u", i);
        if (t->op >= l->num_ops || (l->ops[t->op].kind != DLA_OP_SDP && l->ops[t->op].kind != DLA_OP_CDP))
            FAIL(v, "op %u is not an SDP op or a CDP op of the %u ops", t->op, l->num_ops);
        for (uint32_t k = 0; k < i; ++k)
            if (l->luts[k].op == t->op)
                FAIL(v, "op %u already has lut %u (one LUT per SDP or CDP op)", t->op, k);
        if (l->ops[t->op].kind == DLA_OP_SDP && l->ops[t->op].u.sdp.in_precision != DLA_PRECISION_INT8)
            FAIL(v, "op %u computes in %s; LUTs are supported on INT8 SDP ops only", t->op,
                 dla_precision_name(l->ops[t->op].u.sdp.in_precision));
        if (t->le_function > 1 || t->uflow_priority > 1 || t->oflow_priority > 1 || t->hybrid_priority > 1)
            FAIL(v, "le_function %u / priorities %u %u %u: expected 0 or 1", t->le_function, t->uflow_priority,
                 t->oflow_priority, t->hybrid_priority);
        const int32_t idx[] = {t->le_index_offset, t->le_index_select, t->lo_index_select};
        for (int k = 0; k < 3; ++k)
            if (idx[k] < -128 || idx[k] > 127)
                FAIL(v, "index offset/select %d outside the signed 8-bit field", idx[k]);
        const int32_t sc[] = {t->le_uflow_scale, t->le_oflow_scale, t->lo_uflow_scale, t->lo_oflow_scale};
        const int32_t sh[] = {t->le_uflow_shift, t->le_oflow_shift, t->lo_uflow_shift, t->lo_oflow_shift};
        for (int k = 0; k < 4; ++k) {
            if (sc[k] < INT16_MIN || sc[k] > INT16_MAX)
                FAIL(v, "slope scale %d outside int16", sc[k]);
            if (sh[k] < -16 || sh[k] > 15)
                FAIL(v, "slope shift %d outside the signed 5-bit field", sh[k]);
            if (sh[k] < 0 && l->ops[t->op].kind == DLA_OP_CDP) /* CDP's shift fields are unsigned (1.3) */
                FAIL(v, "slope shift %d of CDP op %u: the CDP's slope shifts are unsigned", sh[k], t->op);
        }
        if (t->le_start > t->le_end || t->lo_start > t->lo_end)
            FAIL(v, "table ranges LE [%d, %d], LO [%d, %d]: start must not exceed end", t->le_start, t->le_end,
                 t->lo_start, t->lo_end);
    }
    return DLA_OK;
}

/* GPU-fallback segments (format 1.1): they partition the ops and the GPU layers, in order, and
 * alternate between the devices; at most DLA_MAX_DLA_SEGMENTS DLA subgraphs. */
static dla_status check_segments(vctx *v)
{
    const dla_loadable *l = v->l;
    snprintf(v->where, sizeof v->where, "segments");
    if (!l->num_segments) {
        if (l->num_gpu_layers)
            FAIL(v, "%u GPU layers but no segment runs them", l->num_gpu_layers);
        return DLA_OK;
    }
    uint32_t next_op = 0, next_gpu = 0, dla = 0;
    for (uint32_t i = 0; i < l->num_segments; ++i) {
        const dla_lsegment *s = &l->segments[i];
        snprintf(v->where, sizeof v->where, "segment %u", i);
        if (!memchr(s->name, 0, sizeof s->name))
            FAIL(v, "name is not NUL-terminated");
        snprintf(v->where, sizeof v->where, "segment %u '%s'", i, s->name);
        if (s->kind > DLA_SEGMENT_GPU)
            FAIL(v, "kind %u unknown (expected 0 dla, 1 gpu)", s->kind);
        if (s->count == 0)
            FAIL(v, "is empty (count 0)");
        if (i > 0 && l->segments[i - 1].kind == s->kind)
            FAIL(v, "follows a segment of the same device (segments must alternate DLA and GPU)");
        uint32_t *next = s->kind == DLA_SEGMENT_DLA ? &next_op : &next_gpu;
        uint32_t total = s->kind == DLA_SEGMENT_DLA ? l->num_ops : l->num_gpu_layers;
        if (s->first != *next || s->count > total - s->first)
            FAIL(v, "covers %s [%u, %u), expected to start at %u within the %u %s", s->kind ? "GPU layers" : "ops",
                 s->first, s->first + s->count, *next, total, s->kind ? "GPU layers" : "ops");
        *next = s->first + s->count;
        if (s->kind == DLA_SEGMENT_DLA && ++dla > DLA_MAX_DLA_SEGMENTS)
            FAIL(v, "is DLA subgraph %u: at most %d DLA loadables per core (TensorRT)", dla, DLA_MAX_DLA_SEGMENTS);
    }
    snprintf(v->where, sizeof v->where, "segments");
    if (next_op != l->num_ops || next_gpu != l->num_gpu_layers)
        FAIL(v, "cover %u of %u ops and %u of %u GPU layers (every one must belong to a segment)", next_op, l->num_ops,
             next_gpu, l->num_gpu_layers);
    for (uint32_t i = 0; i < l->num_gpu_layers; ++i) {
        const dla_lgpu_layer *y = &l->gpu_layers[i];
        snprintf(v->where, sizeof v->where, "GPU layer %u", i);
        if (!memchr(y->name, 0, sizeof y->name) || !memchr(y->op_type, 0, sizeof y->op_type))
            FAIL(v, "name or op_type is not NUL-terminated");
        snprintf(v->where, sizeof v->where, "GPU layer %u '%s'", i, y->name);
        if (y->precision != DLA_PRECISION_INT8 && y->precision != DLA_PRECISION_FP16 &&
            y->precision != DLA_PRECISION_FP32)
            FAIL(v, "precision %u is not a GPU compute precision (0 int8, 1 fp16, 3 fp32)", y->precision);
        for (int k = 0; k < 4; ++k)
            if (!y->out_dims[k])
                FAIL(v, "output dimension %d is 0", k);
        if (y->write_bytes == 0)
            FAIL(v, "writes 0 bytes (a GPU layer produces its output)");
    }
    return DLA_OK;
}

dla_status dla_loadable_validate(const dla_loadable *l, dla_error *err)
{
    vctx v = {.l = l, .err = err};
    snprintf(v.where, sizeof v.where, "target");
    if (!memchr(l->target_config, 0, sizeof l->target_config) || !memchr(l->network, 0, sizeof l->network))
        FAIL(&v, "target_config or network is not NUL-terminated");
    if (!l->atomic_c || !l->atomic_k || !l->memory_atomic_bytes || !l->cbuf_banks || !l->cbuf_entries_per_bank ||
        !l->cbuf_entry_bytes)
        FAIL(&v, "atomic_c %u, atomic_k %u, memory_atomic_bytes %u, cbuf %u x %u x %u: all must be >= 1", l->atomic_c,
             l->atomic_k, l->memory_atomic_bytes, l->cbuf_banks, l->cbuf_entries_per_bank, l->cbuf_entry_bytes);
    if (l->memory_atomic_bytes % 2)
        FAIL(&v, "memory_atomic_bytes %u must be even (an atom holds whole FP16 elements)", l->memory_atomic_bytes);
    if (l->precision > DLA_PRECISION_FP32 || l->batch == 0)
        FAIL(&v, "precision %u (expected 0..3) or batch %u (expected >= 1) invalid", l->precision, l->batch);

    for (uint32_t i = 0; i < l->num_regions; ++i) {
        const dla_lregion *r = &l->regions[i];
        snprintf(v.where, sizeof v.where, "region %u", i);
        if (r->kind > DLA_REGION_ACTIVATIONS || r->domain > DLA_DOMAIN_SRAM)
            FAIL(&v, "kind %u (expected 0..3) or domain %u (expected 0 dram, 1 sram) unknown", r->kind, r->domain);
        if (r->size == 0)
            FAIL(&v, "size is 0");
        if (r->alignment == 0 || (r->alignment & (r->alignment - 1)))
            FAIL(&v, "alignment %u is not a power of two", r->alignment);
        if (r->blob_size > r->size)
            FAIL(&v, "initial content of %llu bytes exceeds the region size %llu", (unsigned long long)r->blob_size,
                 (unsigned long long)r->size);
        if (r->blob_offset > l->blob_size || r->blob_size > l->blob_size - r->blob_offset)
            FAIL(&v, "blob range [%llu, +%llu) lies outside the %llu-byte blob", (unsigned long long)r->blob_offset,
                 (unsigned long long)r->blob_size, (unsigned long long)l->blob_size);
    }
    for (uint32_t i = 0; i < l->num_tensors; ++i) {
        const dla_ltensor *t = &l->tensors[i];
        snprintf(v.where, sizeof v.where, "tensor %u", i);
        if (!memchr(t->name, 0, sizeof t->name))
            FAIL(&v, "name is not NUL-terminated");
        snprintf(v.where, sizeof v.where, "tensor %u '%s'", i, t->name);
        if (t->role > DLA_TENSOR_INTERNAL)
            FAIL(&v, "role %u unknown (expected 0..2)", t->role);
        if (t->precision == DLA_PRECISION_INT8 && !(t->scale > 0.0f && isfinite(t->scale)))
            FAIL(&v, "INT8 scale %g must be positive and finite", (double)t->scale);
        if (t->data_format > DLA_DATA_PIXEL)
            FAIL(&v, "data_format %u unknown (expected 0 feature or 1 pixel)", t->data_format);
        dla_status st = t->data_format == DLA_DATA_PIXEL
                            ? check_pixel_cube(&v, "data", t->pixel_format, t->region, t->offset, t->n, t->c, t->h,
                                               t->w, t->line_stride, t->batch_stride, t->precision)
                            : check_cube(&v, "data", t->region, t->offset, t->n, t->c, t->h, t->w, t->line_stride,
                                         t->surface_stride, t->batch_stride, t->precision);
        if (st != DLA_OK)
            return st;
    }
    for (uint32_t i = 0; i < l->num_layers; ++i) {
        snprintf(v.where, sizeof v.where, "layer %u", i);
        if (!memchr(l->layers[i].name, 0, sizeof l->layers[i].name) ||
            !memchr(l->layers[i].type, 0, sizeof l->layers[i].type))
            FAIL(&v, "name or type is not NUL-terminated");
    }
    for (uint32_t i = 0; i < l->num_ops; ++i) {
        dla_status st = check_op_links(&v, i);
        if (st != DLA_OK)
            return st;
    }
    int64_t *children = fused_children(l);
    v.child = children;
    for (uint32_t i = 0; i < l->num_ops; ++i) {
        dla_status st = check_op(&v, i);
        if (st != DLA_OK) {
            free(children);
            return st;
        }
    }
    free(children);
    v.child = NULL;
    dla_status lst = check_luts(&v);
    if (lst != DLA_OK)
        return lst;
    return check_segments(&v);
}
