/* Human-readable dump of a loadable for `dlasim inspect`: header, target, regions, tensors, layers,
 * then one line per op with its key parameters. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "dla/loadable.h"

static const char *region_kind(uint32_t k)
{
    static const char *const n[] = {"weights", "input", "output", "activations"};
    return k <= DLA_REGION_ACTIVATIONS ? n[k] : "?";
}

static const char *role_name(uint32_t r)
{
    static const char *const n[] = {"input", "output", "internal"};
    return r <= DLA_TENSOR_INTERNAL ? n[r] : "?";
}

static const char *alu_name(uint32_t a)
{
    static const char *const n[] = {"max", "min", "sum", "prod"};
    return a <= DLA_ALU_PROD ? n[a] : "?";
}

static const char *pool_name(uint32_t m)
{
    static const char *const n[] = {"avg", "max", "min"};
    return m <= DLA_POOL_MIN ? n[m] : "?";
}

static void print_surface(FILE *out, const char *label, const dla_lsurface *s)
{
    if (s->region < 0)
        fprintf(out, " %s=%ux%ux%u(fly)", label, s->width, s->height, s->channels);
    else
        fprintf(out, " %s=%ux%ux%u %s @r%d+%" PRIu64 " ls=%u ss=%u", label, s->width, s->height, s->channels,
                dla_precision_name(s->precision), s->region, s->offset, s->line_stride, s->surface_stride);
}

static void print_stage(FILE *out, const char *name, const dla_lsdp_stage *s)
{
    if (!s->enable)
        return;
    fprintf(out, " %s[", name);
    if (s->alu_enable)
        fprintf(out, "alu=%s %s", alu_name(s->alu_op),
                s->alu_src == DLA_OPERAND_PER_KERNEL ? "per-kernel" : "per-layer");
    if (s->alu_enable && s->alu_src != DLA_OPERAND_PER_KERNEL)
        fprintf(out, " %d", s->alu_operand);
    if (s->alu_enable)
        fprintf(out, "<<%u", s->alu_shift);
    if (s->mul_enable) {
        fprintf(out, "%s%s=%s", s->alu_enable ? " " : "", s->mul_prelu ? "prelu" : "mul",
                s->mul_src == DLA_OPERAND_PER_KERNEL ? "per-kernel" : "per-layer");
        if (s->mul_src != DLA_OPERAND_PER_KERNEL)
            fprintf(out, " %d", s->mul_operand);
        fprintf(out, ">>%u", s->mul_shift);
    }
    if (s->relu)
        fprintf(out, "%srelu", (s->alu_enable || s->mul_enable) ? " " : "");
    if (s->operand_region >= 0)
        fprintf(out, " ops@r%d+%" PRIu64, s->operand_region, s->operand_offset);
    fprintf(out, "]");
}

/* The S_LUT_* settings of an SDP or CDP op's table (the entries are not printed). */
static void print_lut(FILE *out, const dla_llut *t)
{
    if (t)
        fprintf(out,
                " lut[le %s start=%d end=%d sel=%d off=%d lo start=%d end=%d sel=%d prio u%u o%u h%u (0 le, 1 lo)]",
                t->le_function ? "linear" : "exponent", t->le_start, t->le_end, t->le_index_select, t->le_index_offset,
                t->lo_start, t->lo_end, t->lo_index_select, t->uflow_priority, t->oflow_priority, t->hybrid_priority);
}

static void print_op(FILE *out, const dla_loadable *l, uint32_t i)
{
    const dla_lop *op = &l->ops[i];
    fprintf(out, "  [%3u] %-4s layer=%u", i, dla_op_kind_name(op->kind), op->layer);
    if (op->batch_index)
        fprintf(out, " n=%u", op->batch_index);
    if (op->fused_parent >= 0)
        fprintf(out, " fused<-%d", op->fused_parent);
    if (op->num_deps) {
        fprintf(out, " deps=");
        for (uint32_t d = 0; d < op->num_deps && d < DLA_MAX_OP_DEPS; ++d)
            fprintf(out, "%s%u", d ? "," : "", op->deps[d]);
    }
    switch (op->kind) {
    case DLA_OP_CONV: {
        const dla_lconv *c = &op->u.conv;
        print_surface(out, "src", &c->src);
        fprintf(out,
                " k=%ux%ux%u->%u s=%ux%u d=%ux%u pad=l%u r%u t%u b%u(%d) out=%ux%u %s w=r%u+%" PRIu64 "/%" PRIu64
                "%s banks=%u+%u eps=%u grain=%u clip=%u macs=%" PRIu64,
                c->kernel_w, c->kernel_h, c->kernel_c, c->kernel_k, c->stride_x, c->stride_y, c->dilation_x,
                c->dilation_y, c->pad_left, c->pad_right, c->pad_top, c->pad_bottom, c->pad_value, c->out_w, c->out_h,
                dla_precision_name(c->precision), c->weight_region, c->weight_offset, c->weight_bytes,
                c->weight_format == DLA_WEIGHT_SPARSE_2_4 ? " sparse2:4" : "", c->data_banks, c->weight_banks,
                c->entry_per_slice, c->fetch_grain, c->clip_truncate, op->macs);
        if (c->data_format == DLA_DATA_PIXEL)
            fprintf(out, " image(pixel_format=%u)", c->pixel_format);
        if (c->batch > 1)
            fprintf(out, " batch=%u(src+%" PRIu64 " dst+%" PRIu64 ")", c->batch, c->src_batch_stride,
                    c->dst_batch_stride);
        if (c->data_reuse || c->weight_reuse || c->skip_data_release || c->skip_weight_release)
            fprintf(out, " reuse=d%u w%u skip_rls=d%u w%u", c->data_reuse, c->weight_reuse, c->skip_data_release,
                    c->skip_weight_release);
        break;
    }
    case DLA_OP_SDP: {
        const dla_lsdp *s = &op->u.sdp;
        print_surface(out, "src", &s->src);
        print_surface(out, "dst", &s->dst);
        fprintf(out, " %s->%s", dla_precision_name(s->in_precision), dla_precision_name(s->out_precision));
        print_stage(out, "bs", &s->bs);
        print_stage(out, "bn", &s->bn);
        if (s->ew.enable) {
            fprintf(out, " ew[%s", alu_name(s->ew.alu_op));
            print_surface(out, "e", &s->ew.operand);
            fprintf(out, " cvt=(e-%d)*%d>>%u", s->ew.cvt_offset, s->ew.cvt_scale, s->ew.cvt_shift);
            if (s->ew.mul_enable)
                fprintf(out, " mul=%d>>%u", s->ew.mul_operand, s->ew.mul_shift);
            fprintf(out, "%s]", s->ew.relu ? " relu" : "");
        }
        print_lut(out, dla_loadable_op_lut(l, i));
        fprintf(out, " out=(v-%d)*%d>>%u", s->out_cvt_offset, s->out_cvt_scale, s->out_cvt_shift);
        break;
    }
    case DLA_OP_PDP: {
        const dla_lpdp *p = &op->u.pdp;
        print_surface(out, "src", &p->src);
        print_surface(out, "dst", &p->dst);
        fprintf(out, " %s k=%ux%u s=%ux%u pad=l%u r%u t%u b%u(%d)%s split=%u", pool_name(p->method), p->kernel_w,
                p->kernel_h, p->stride_x, p->stride_y, p->pad_left, p->pad_right, p->pad_top, p->pad_bottom,
                p->pad_value, p->method == DLA_POOL_AVG && !p->count_include_pad ? " exclude-pad" : "", p->split_num);
        break;
    }
    case DLA_OP_RUBIK: {
        const dla_lrubik *r = &op->u.rubik;
        print_surface(out, "src", &r->src);
        print_surface(out, "dst", &r->dst);
        fprintf(out, " %s stride=%ux%u", r->mode == DLA_RUBIK_CONTRACT ? "contract" : "mode?", r->stride_x,
                r->stride_y);
        break;
    }
    case DLA_OP_CDP: {
        const dla_lcdp *c = &op->u.cdp;
        print_surface(out, "src", &c->src);
        print_surface(out, "dst", &c->dst);
        fprintf(out, " lrn size=%u alpha=%g beta=%g bias=%g in=(v-%d)*%d>>%u", c->local_size, (double)c->alpha,
                (double)c->beta, (double)c->bias, c->in_cvt_offset, c->in_cvt_scale, c->in_cvt_shift);
        print_lut(out, dla_loadable_op_lut(l, i));
        fprintf(out, " out=(v*lut-%d)*%d>>%u", c->out_cvt_offset, c->out_cvt_scale, c->out_cvt_shift);
        break;
    }
    default: break;
    }
    fputc('\n', out);
}

static bool in_sram(const dla_loadable *l, const dla_lsurface *s)
{
    return s->region >= 0 && (uint32_t)s->region < l->num_regions && l->regions[s->region].domain == DLA_DOMAIN_SRAM;
}

/* Which layers' outputs live in on-chip SRAM (the compiler's SRAM pool, docs/compiler.md): the
 * layers whose ops write an SRAM surface, each named once. */
static void print_sram(FILE *out, const dla_loadable *l)
{
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < l->num_regions; ++i)
        if (l->regions[i].domain == DLA_DOMAIN_SRAM)
            bytes += l->regions[i].size;
    if (!bytes)
        return;
    fprintf(out, "sram      %" PRIu64 " bytes; outputs of these layers live there:\n", bytes);
    uint32_t last = UINT32_MAX;
    for (uint32_t i = 0; i < l->num_ops; ++i) {
        const dla_lop *op = &l->ops[i];
        const dla_lsurface *dst = op->kind == DLA_OP_SDP     ? &op->u.sdp.dst
                                  : op->kind == DLA_OP_PDP   ? &op->u.pdp.dst
                                  : op->kind == DLA_OP_CDP   ? &op->u.cdp.dst
                                  : op->kind == DLA_OP_RUBIK ? &op->u.rubik.dst
                                                             : NULL;
        if (!dst || !in_sram(l, dst) || op->layer == last || op->layer >= l->num_layers)
            continue;
        last = op->layer;
        fprintf(out, "  layer %u %s @r%d+%" PRIu64 "\n", op->layer, l->layers[op->layer].name, dst->region,
                dst->offset);
    }
}

void dla_loadable_print(const dla_loadable *l, FILE *out)
{
    fprintf(out, "loadable format %u.%u\n", DLA_LOADABLE_VERSION_MAJOR, DLA_LOADABLE_VERSION_MINOR);
    fprintf(out, "network   %s (batch %u, %s)\n", l->network, l->batch, dla_precision_name(l->precision));
    fprintf(out, "target    %s: atomic_c %u, atomic_k %u, memory atom %u B, CBUF %u banks x %u entries x %u B\n",
            l->target_config, l->atomic_c, l->atomic_k, l->memory_atomic_bytes, l->cbuf_banks, l->cbuf_entries_per_bank,
            l->cbuf_entry_bytes);
    fprintf(out, "blob      %" PRIu64 " bytes\n", l->blob_size);
    fprintf(out, "regions   %u\n", l->num_regions);
    for (uint32_t i = 0; i < l->num_regions; ++i) {
        const dla_lregion *r = &l->regions[i];
        fprintf(out, "  [%3u] %-11s %s %12" PRIu64 " B align %u", i, region_kind(r->kind),
                r->domain == DLA_DOMAIN_SRAM ? "sram" : "dram", r->size, r->alignment);
        if (r->blob_size)
            fprintf(out, " content blob[%" PRIu64 ", +%" PRIu64 ")", r->blob_offset, r->blob_size);
        fputc('\n', out);
    }
    fprintf(out, "tensors   %u\n", l->num_tensors);
    for (uint32_t i = 0; i < l->num_tensors; ++i) {
        const dla_ltensor *t = &l->tensors[i];
        fprintf(out, "  [%3u] %-8s %s %ux%ux%ux%u %s scale %g @r%u+%" PRIu64 " ls=%u ss=%u bs=%" PRIu64, i,
                role_name(t->role), t->name, t->n, t->c, t->h, t->w, dla_precision_name(t->precision), (double)t->scale,
                t->region, t->offset, t->line_stride, t->surface_stride, t->batch_stride);
        if (t->data_format == DLA_DATA_PIXEL)
            fprintf(out, " pixel_format=%u (%u B/pixel)", t->pixel_format, dla_pixel_bytes(t->pixel_format));
        fputc('\n', out);
    }
    print_sram(out, l);
    fprintf(out, "layers    %u\n", l->num_layers);
    for (uint32_t i = 0; i < l->num_layers; ++i)
        fprintf(out, "  [%3u] %-10s %s (%" PRIu64 " MACs)\n", i, l->layers[i].type, l->layers[i].name,
                l->layers[i].macs);
    fprintf(out, "ops       %u\n", l->num_ops);
    for (uint32_t i = 0; i < l->num_ops; ++i)
        print_op(out, l, i);
    if (!l->num_segments)
        return;
    fprintf(out, "segments  %u (%u DLA subgraphs, %u GPU layers)\n", l->num_segments, dla_loadable_dla_segments(l),
            l->num_gpu_layers);
    for (uint32_t i = 0; i < l->num_segments; ++i) {
        const dla_lsegment *s = &l->segments[i];
        fprintf(out, "  [%3u] %s %s: %s [%u, %u), reads %" PRIu64 " B from the other device\n", i,
                s->kind == DLA_SEGMENT_DLA ? "DLA" : "GPU", s->name, s->kind == DLA_SEGMENT_DLA ? "ops" : "GPU layers",
                s->first, s->first + s->count, s->boundary_bytes);
    }
    fprintf(out, "gpu layers %u\n", l->num_gpu_layers);
    for (uint32_t i = 0; i < l->num_gpu_layers; ++i) {
        const dla_lgpu_layer *y = &l->gpu_layers[i];
        fprintf(out,
                "  [%3u] %-22s %s %s %ux%ux%ux%u -> %ux%ux%ux%u, %" PRIu64 " MACs, read %" PRIu64 " B, write %" PRIu64
                " B\n",
                i, y->op_type, y->name, dla_precision_name(y->precision), y->in_dims[0], y->in_dims[1], y->in_dims[2],
                y->in_dims[3], y->out_dims[0], y->out_dims[1], y->out_dims[2], y->out_dims[3], y->macs, y->read_bytes,
                y->write_bytes);
    }
}
