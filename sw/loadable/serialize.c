/* Byte format of the loadable (docs/loadable-format.md): one symmetric codec describes every record
 * once, and is run to measure, to write or to read; the header, section table and CRC-32 live here. */
#define _POSIX_C_SOURCE 200809L
#include "dla/loadable.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dla/input_file.h"
#include "dla/output_file.h"
#include "loadable_internal.h"

enum {
    HEADER_BYTES = 64,
    SECTION_ENTRY_BYTES = 24,
    SECTION_COUNT = 6,     /* format 1.0, and 1.1 without GPU segments */
    SECTION_COUNT_GPU = 8, /* 1.1 with SEGMENTS and GPU_LAYERS */
    SECTION_COUNT_LUT = 9  /* 1.2 with LUTS (SEGMENTS and GPU_LAYERS then present, possibly empty) */
};
enum {
    SEC_TARGET = 1,
    SEC_REGIONS = 2,
    SEC_TENSORS = 3,
    SEC_LAYERS = 4,
    SEC_OPS = 5,
    SEC_BLOB = 6,
    SEC_SEGMENTS = 7,
    SEC_GPU_LAYERS = 8,
    SEC_LUTS = 9,
    SEC_LAST = SEC_LUTS
};
/* Largest file read: format 1.0's 4 GiB blob plus 1 GiB for the tables (far beyond any real network). */
#define LOADABLE_MAX_FILE_BYTES ((uint64_t)5 << 30)

/* ---- codec: buf == NULL measures; reading copies from in, writing copies into buf ---- */
typedef struct codec {
    uint8_t *out;
    const uint8_t *in;
    size_t pos;
} codec;

static void io_bytes(codec *c, void *v, size_t n)
{
    if (c->in)
        memcpy(v, c->in + c->pos, n);
    else if (c->out)
        memcpy(c->out + c->pos, v, n);
    c->pos += n;
}

static void io_u32(codec *c, uint32_t *v)
{
    uint8_t b[4];
    if (!c->in)
        for (int i = 0; i < 4; ++i)
            b[i] = (uint8_t)(*v >> (8 * i));
    io_bytes(c, b, 4);
    if (c->in)
        *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void io_u64(codec *c, uint64_t *v)
{
    uint32_t lo = (uint32_t)*v, hi = (uint32_t)(*v >> 32);
    io_u32(c, &lo);
    io_u32(c, &hi);
    *v = (uint64_t)hi << 32 | lo;
}

static void io_i32(codec *c, int32_t *v)
{
    uint32_t u = (uint32_t)*v;
    io_u32(c, &u);
    memcpy(v, &u, 4); /* two's complement bit pattern, no implementation-defined conversion */
}

static void io_f32(codec *c, float *v)
{
    uint32_t u;
    memcpy(&u, v, 4);
    io_u32(c, &u);
    memcpy(v, &u, 4);
}

static void io_zero(codec *c, size_t n)
{
    if (c->out)
        memset(c->out + c->pos, 0, n);
    c->pos += n;
}

/* ---- records, each field in declaration order (loadable.h) ---- */
static void io_target(codec *c, dla_loadable *l)
{
    io_bytes(c, l->target_config, sizeof l->target_config);
    io_u32(c, &l->atomic_c);
    io_u32(c, &l->atomic_k);
    io_u32(c, &l->memory_atomic_bytes);
    io_u32(c, &l->cbuf_banks);
    io_u32(c, &l->cbuf_entries_per_bank);
    io_u32(c, &l->cbuf_entry_bytes);
    io_bytes(c, l->network, sizeof l->network);
    io_u32(c, &l->precision);
    io_u32(c, &l->batch);
}

static void io_region(codec *c, dla_lregion *r)
{
    io_u32(c, &r->kind);
    io_u32(c, &r->domain);
    io_u64(c, &r->size);
    io_u32(c, &r->alignment);
    io_u64(c, &r->blob_offset);
    io_u64(c, &r->blob_size);
}

static void io_tensor(codec *c, dla_ltensor *t)
{
    io_bytes(c, t->name, sizeof t->name);
    io_u32(c, &t->role);
    io_u32(c, &t->n);
    io_u32(c, &t->c);
    io_u32(c, &t->h);
    io_u32(c, &t->w);
    io_u32(c, &t->precision);
    io_u32(c, &t->region);
    io_u64(c, &t->offset);
    io_u32(c, &t->line_stride);
    io_u32(c, &t->surface_stride);
    io_u64(c, &t->batch_stride);
    io_f32(c, &t->scale);
    io_u32(c, &t->data_format);
    io_u32(c, &t->pixel_format);
}

static void io_layer(codec *c, dla_llayer *y)
{
    io_bytes(c, y->name, sizeof y->name);
    io_bytes(c, y->type, sizeof y->type);
    io_u64(c, &y->macs);
}

static void io_segment(codec *c, dla_lsegment *s)
{
    io_u32(c, &s->kind);
    io_bytes(c, s->name, sizeof s->name);
    io_u32(c, &s->first);
    io_u32(c, &s->count);
    io_u64(c, &s->boundary_bytes);
}

static void io_gpu_layer(codec *c, dla_lgpu_layer *y)
{
    io_bytes(c, y->name, sizeof y->name);
    io_bytes(c, y->op_type, sizeof y->op_type);
    io_u32(c, &y->precision);
    for (int i = 0; i < 4; ++i)
        io_u32(c, &y->in_dims[i]);
    for (int i = 0; i < 4; ++i)
        io_u32(c, &y->out_dims[i]);
    io_u64(c, &y->macs);
    io_u64(c, &y->read_bytes);
    io_u64(c, &y->write_bytes);
}

static void io_surface(codec *c, dla_lsurface *s)
{
    io_i32(c, &s->region);
    io_u64(c, &s->offset);
    io_u32(c, &s->width);
    io_u32(c, &s->height);
    io_u32(c, &s->channels);
    io_u32(c, &s->line_stride);
    io_u32(c, &s->surface_stride);
    io_u32(c, &s->precision);
}

static void io_conv(codec *c, dla_lconv *v)
{
    io_surface(c, &v->src);
    io_u32(c, &v->weight_region);
    io_u64(c, &v->weight_offset);
    io_u64(c, &v->weight_bytes);
    io_u32(c, &v->weight_format);
    io_u64(c, &v->sparse_meta_offset);
    io_u64(c, &v->sparse_meta_bytes);
    uint32_t *u32s[] = {&v->kernel_w,   &v->kernel_h,   &v->kernel_c, &v->kernel_k,  &v->stride_x, &v->stride_y,
                        &v->dilation_x, &v->dilation_y, &v->pad_left, &v->pad_right, &v->pad_top,  &v->pad_bottom};
    for (size_t i = 0; i < sizeof u32s / sizeof u32s[0]; ++i)
        io_u32(c, u32s[i]);
    io_i32(c, &v->pad_value);
    uint32_t *rest[] = {&v->out_w,
                        &v->out_h,
                        &v->precision,
                        &v->data_banks,
                        &v->weight_banks,
                        &v->entry_per_slice,
                        &v->fetch_grain,
                        &v->data_reuse,
                        &v->weight_reuse,
                        &v->skip_data_release,
                        &v->skip_weight_release,
                        &v->release_slices,
                        &v->clip_truncate,
                        &v->data_format,
                        &v->pixel_format};
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; ++i)
        io_u32(c, rest[i]);
    /* 1.2: in the op union's padding (the SDP member is larger), so 1.0/1.1 files read batch 0 = one image */
    io_u32(c, &v->batch);
    io_u64(c, &v->src_batch_stride);
    io_u64(c, &v->dst_batch_stride);
}

static void io_stage(codec *c, dla_lsdp_stage *s)
{
    io_u32(c, &s->enable);
    io_u32(c, &s->alu_enable);
    io_u32(c, &s->alu_op);
    io_u32(c, &s->alu_src);
    io_i32(c, &s->alu_operand);
    io_u32(c, &s->alu_shift);
    io_u32(c, &s->mul_enable);
    io_u32(c, &s->mul_src);
    io_i32(c, &s->mul_operand);
    io_u32(c, &s->mul_shift);
    io_u32(c, &s->relu);
    io_i32(c, &s->operand_region);
    io_u64(c, &s->operand_offset);
}

static void io_ew(codec *c, dla_lsdp_ew *e)
{
    io_u32(c, &e->enable);
    io_surface(c, &e->operand);
    io_i32(c, &e->cvt_offset);
    io_i32(c, &e->cvt_scale);
    io_u32(c, &e->cvt_shift);
    io_u32(c, &e->alu_op);
    io_u32(c, &e->mul_enable);
    io_i32(c, &e->mul_operand);
    io_u32(c, &e->mul_shift);
    io_u32(c, &e->relu);
}

static void io_sdp(codec *c, dla_lsdp *s)
{
    io_surface(c, &s->src);
    io_surface(c, &s->dst);
    io_u32(c, &s->in_precision);
    io_u32(c, &s->out_precision);
    io_stage(c, &s->bs);
    io_stage(c, &s->bn);
    io_ew(c, &s->ew);
    io_i32(c, &s->out_cvt_offset);
    io_i32(c, &s->out_cvt_scale);
    io_u32(c, &s->out_cvt_shift);
    /* 1.3: appended after the 1.2 fields so that their offsets stay put */
    io_u32(c, &s->bs.mul_prelu);
    io_u32(c, &s->bn.mul_prelu);
}

static void io_pdp(codec *c, dla_lpdp *p)
{
    io_surface(c, &p->src);
    io_surface(c, &p->dst);
    uint32_t *a[] = {&p->method,   &p->kernel_w,  &p->kernel_h, &p->stride_x,  &p->stride_y,
                     &p->pad_left, &p->pad_right, &p->pad_top,  &p->pad_bottom};
    for (size_t i = 0; i < sizeof a / sizeof a[0]; ++i)
        io_u32(c, a[i]);
    io_i32(c, &p->pad_value);
    io_u32(c, &p->count_include_pad);
    io_u32(c, &p->split_num);
}

static void io_cdp(codec *c, dla_lcdp *p)
{
    io_surface(c, &p->src);
    io_surface(c, &p->dst);
    io_u32(c, &p->local_size);
    io_f32(c, &p->alpha);
    io_f32(c, &p->beta);
    io_f32(c, &p->bias);
    /* format 1.3: the converters (the LUT is in LUTS) */
    io_i32(c, &p->in_cvt_offset);
    io_i32(c, &p->in_cvt_scale);
    io_u32(c, &p->in_cvt_shift);
    io_i32(c, &p->out_cvt_offset);
    io_i32(c, &p->out_cvt_scale);
    io_u32(c, &p->out_cvt_shift);
    io_f32(c, &p->src_scale);
    io_f32(c, &p->dst_scale);
}

static void io_lut(codec *c, dla_llut *t)
{
    io_u32(c, &t->op);
    io_u32(c, &t->le_function);
    int32_t *i32s[] = {&t->le_index_offset, &t->le_index_select, &t->lo_index_select, &t->le_start,
                       &t->le_end,          &t->lo_start,        &t->lo_end,          &t->le_uflow_scale,
                       &t->le_oflow_scale,  &t->lo_uflow_scale,  &t->lo_oflow_scale,  &t->le_uflow_shift,
                       &t->le_oflow_shift,  &t->lo_uflow_shift,  &t->lo_oflow_shift};
    for (size_t i = 0; i < sizeof i32s / sizeof i32s[0]; ++i)
        io_i32(c, i32s[i]);
    io_u32(c, &t->uflow_priority);
    io_u32(c, &t->oflow_priority);
    io_u32(c, &t->hybrid_priority);
    /* int16 entries as little-endian two's complement, LE then LO */
    for (int i = 0; i < DLA_LUT_LE_ENTRIES + DLA_LUT_LO_ENTRIES; ++i) {
        int16_t *e = i < DLA_LUT_LE_ENTRIES ? &t->le[i] : &t->lo[i - DLA_LUT_LE_ENTRIES];
        uint8_t b[2];
        uint16_t u;
        memcpy(&u, e, 2);
        b[0] = (uint8_t)u;
        b[1] = (uint8_t)(u >> 8);
        io_bytes(c, b, 2);
        u = (uint16_t)(b[0] | b[1] << 8);
        memcpy(e, &u, 2);
    }
}

static void io_rubik(codec *c, dla_lrubik *r)
{
    io_surface(c, &r->src);
    io_surface(c, &r->dst);
    io_u32(c, &r->mode);
    io_u32(c, &r->stride_x);
    io_u32(c, &r->stride_y);
}

static size_t op_member_bytes(uint32_t kind)
{
    dla_lop op;
    memset(&op, 0, sizeof op);
    codec m = {0};
    switch (kind) {
    case DLA_OP_CONV: io_conv(&m, &op.u.conv); break;
    case DLA_OP_SDP: io_sdp(&m, &op.u.sdp); break;
    case DLA_OP_PDP: io_pdp(&m, &op.u.pdp); break;
    case DLA_OP_CDP: io_cdp(&m, &op.u.cdp); break;
    case DLA_OP_RUBIK: io_rubik(&m, &op.u.rubik); break;
    default: break;
    }
    return m.pos;
}

static size_t op_union_bytes(void)
{
    size_t max = 0;
    for (uint32_t k = 0; k < DLA_OP_KIND_COUNT; ++k)
        if (op_member_bytes(k) > max)
            max = op_member_bytes(k);
    return max;
}

/* kind must already be known valid when reading (checked by the caller before the member). */
static void io_op(codec *c, dla_lop *op)
{
    io_u32(c, &op->kind);
    io_u32(c, &op->layer);
    io_u32(c, &op->batch_index);
    io_i32(c, &op->fused_parent);
    io_u32(c, &op->num_deps);
    for (int i = 0; i < DLA_MAX_OP_DEPS; ++i)
        io_u32(c, &op->deps[i]);
    io_u64(c, &op->macs);
    size_t start = c->pos;
    switch (op->kind) {
    case DLA_OP_CONV: io_conv(c, &op->u.conv); break;
    case DLA_OP_SDP: io_sdp(c, &op->u.sdp); break;
    case DLA_OP_PDP: io_pdp(c, &op->u.pdp); break;
    case DLA_OP_CDP: io_cdp(c, &op->u.cdp); break;
    case DLA_OP_RUBIK: io_rubik(c, &op->u.rubik); break;
    default: break; /* unknown kind: all padding (the reader refuses it afterwards) */
    }
    size_t pad = op_union_bytes() - (c->pos - start);
    if (c->in)
        c->pos += pad;
    else
        io_zero(c, pad);
}

/* Record sizes in bytes, measured from the field lists above. */
size_t dla_loadable_record_bytes(int section)
{
    dla_loadable l;
    dla_lregion r;
    dla_ltensor t;
    dla_llayer y;
    dla_lop op;
    dla_lsegment sg;
    dla_lgpu_layer gl;
    dla_llut lut;
    memset(&lut, 0, sizeof lut);
    memset(&sg, 0, sizeof sg);
    memset(&gl, 0, sizeof gl);
    memset(&l, 0, sizeof l);
    memset(&r, 0, sizeof r);
    memset(&t, 0, sizeof t);
    memset(&y, 0, sizeof y);
    memset(&op, 0, sizeof op);
    codec m = {0};
    switch (section) {
    case SEC_TARGET: io_target(&m, &l); break;
    case SEC_REGIONS: io_region(&m, &r); break;
    case SEC_TENSORS: io_tensor(&m, &t); break;
    case SEC_LAYERS: io_layer(&m, &y); break;
    case SEC_OPS: io_op(&m, &op); break;
    case SEC_BLOB: return 1;
    case SEC_SEGMENTS: io_segment(&m, &sg); break;
    case SEC_GPU_LAYERS: io_gpu_layer(&m, &gl); break;
    case SEC_LUTS: io_lut(&m, &lut); break;
    default: return 0;
    }
    return m.pos;
}

/* ---- CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib's crc32) ---- */
/* Slicing-by-8: eight 256-entry tables consume 8 bytes per step (a sweep job reads a ~25 MB loadable,
 * so the byte-at-a-time loop was several percent of a ResNet-50 run). Same CRC as the bytewise form:
 * t[k][i] is the CRC of byte i followed by k zero bytes. The tables live on the stack (8 KiB, built
 * per call in ~2k steps): no mutable globals. */
uint32_t dla_loadable_crc32(const void *data, size_t size)
{
    uint32_t t[8][256];
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k)
            c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i)
        for (int k = 1; k < 8; ++k)
            t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFFu];
    const uint8_t *p = data;
    uint32_t crc = 0xFFFFFFFFu;
    for (; size >= 8; size -= 8, p += 8) {
        uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
        uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
        crc = t[7][lo & 0xFFu] ^ t[6][(lo >> 8) & 0xFFu] ^ t[5][(lo >> 16) & 0xFFu] ^ t[4][lo >> 24] ^
              t[3][hi & 0xFFu] ^ t[2][(hi >> 8) & 0xFFu] ^ t[1][(hi >> 16) & 0xFFu] ^ t[0][hi >> 24];
    }
    for (; size > 0; --size, ++p)
        crc = t[0][(crc ^ *p) & 0xFFu] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFu;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get_u64(const uint8_t *p)
{
    return (uint64_t)get_u32(p + 4) << 32 | get_u32(p);
}
static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void put_u64(uint8_t *p, uint64_t v)
{
    put_u32(p, (uint32_t)v);
    put_u32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t align8(uint64_t v)
{
    return (v + 7u) & ~(uint64_t)7u;
}

typedef struct section {
    uint32_t type, count;
    uint64_t offset, size;
} section;

/* Section layout of l (offsets, counts, sizes) and the total file size. */
static int section_count(const dla_loadable *l)
{
    if (l->num_luts)
        return SECTION_COUNT_LUT;
    return l->num_segments || l->num_gpu_layers ? SECTION_COUNT_GPU : SECTION_COUNT;
}

static uint64_t plan_sections(const dla_loadable *l, section s[SECTION_COUNT_LUT])
{
    uint32_t counts[SECTION_COUNT_LUT] = {1, l->num_regions,  l->num_tensors,    l->num_layers, l->num_ops,
                                          0, l->num_segments, l->num_gpu_layers, l->num_luts};
    int nsec = section_count(l);
    uint64_t pos = HEADER_BYTES + (uint64_t)nsec * SECTION_ENTRY_BYTES;
    for (int i = 0; i < nsec; ++i) {
        s[i].type = (uint32_t)(i + 1);
        s[i].count = counts[i];
        s[i].size = (uint64_t)counts[i] * dla_loadable_record_bytes(i + 1);
        if (s[i].type == SEC_BLOB) {
            s[i].size = l->blob_size;
            s[i].count = (uint32_t)l->blob_size; /* bytes; the size field is authoritative */
        }
        pos = align8(pos);
        s[i].offset = pos;
        pos += s[i].size;
    }
    return pos;
}

dla_status dla_loadable_serialize(const dla_loadable *l, uint8_t **out, size_t *out_size, dla_error *err)
{
    section s[SECTION_COUNT_LUT];
    uint64_t file_size = plan_sections(l, s);
    int nsec = section_count(l);
    if (l->blob_size > UINT32_MAX)
        return dla_error_set(err, DLA_ERR_LIMIT, "blob of %llu bytes exceeds the 4 GiB limit of format 1.0",
                             (unsigned long long)l->blob_size);
    if (file_size > (uint64_t)SIZE_MAX)
        return dla_error_set(err, DLA_ERR_LIMIT, "loadable of %llu bytes does not fit in memory",
                             (unsigned long long)file_size);
    uint8_t *buf = calloc(1, (size_t)file_size);
    if (!buf)
        return dla_error_set(err, DLA_ERR_NOMEM, "cannot allocate %llu bytes", (unsigned long long)file_size);
    /* The codec takes non-const pointers (it is symmetric); writing never modifies the source. */
    dla_loadable *src = (dla_loadable *)l;
    codec c = {.out = buf};
    c.pos = (size_t)s[0].offset;
    io_target(&c, src);
    c.pos = (size_t)s[1].offset;
    for (uint32_t i = 0; i < l->num_regions; ++i)
        io_region(&c, &src->regions[i]);
    c.pos = (size_t)s[2].offset;
    for (uint32_t i = 0; i < l->num_tensors; ++i)
        io_tensor(&c, &src->tensors[i]);
    c.pos = (size_t)s[3].offset;
    for (uint32_t i = 0; i < l->num_layers; ++i)
        io_layer(&c, &src->layers[i]);
    c.pos = (size_t)s[4].offset;
    for (uint32_t i = 0; i < l->num_ops; ++i)
        io_op(&c, &src->ops[i]);
    if (l->blob_size)
        memcpy(buf + s[5].offset, l->blob, (size_t)l->blob_size);
    if (nsec >= SECTION_COUNT_GPU) {
        c.pos = (size_t)s[6].offset;
        for (uint32_t i = 0; i < l->num_segments; ++i)
            io_segment(&c, &src->segments[i]);
        c.pos = (size_t)s[7].offset;
        for (uint32_t i = 0; i < l->num_gpu_layers; ++i)
            io_gpu_layer(&c, &src->gpu_layers[i]);
    }
    if (nsec == SECTION_COUNT_LUT) {
        c.pos = (size_t)s[8].offset;
        for (uint32_t i = 0; i < l->num_luts; ++i)
            io_lut(&c, &src->luts[i]);
    }

    uint8_t *h = buf;
    put_u32(h + 0, DLA_LOADABLE_MAGIC);
    put_u16(h + 4, DLA_LOADABLE_VERSION_MAJOR);
    put_u16(h + 6, DLA_LOADABLE_VERSION_MINOR);
    put_u32(h + 8, HEADER_BYTES);
    put_u32(h + 12, 0);
    put_u64(h + 16, file_size);
    put_u32(h + 28, (uint32_t)nsec);
    put_u64(h + 32, HEADER_BYTES);
    for (int i = 0; i < nsec; ++i) {
        uint8_t *e = buf + HEADER_BYTES + i * SECTION_ENTRY_BYTES;
        put_u32(e, s[i].type);
        put_u32(e + 4, s[i].count);
        put_u64(e + 8, s[i].offset);
        put_u64(e + 16, s[i].size);
    }
    put_u32(h + 24, dla_loadable_crc32(buf + HEADER_BYTES, (size_t)file_size - HEADER_BYTES));
    *out = buf;
    *out_size = (size_t)file_size;
    return DLA_OK;
}

dla_status dla_loadable_write_file(const dla_loadable *l, const char *path, dla_error *err)
{
    dla_status st = dla_loadable_validate(l, err);
    if (st != DLA_OK) {
        dla_error_prefix(err, "%s: refusing to write an invalid loadable", path);
        return st;
    }
    uint8_t *buf = NULL;
    size_t size = 0;
    st = dla_loadable_serialize(l, &buf, &size, err);
    if (st != DLA_OK) {
        dla_error_prefix(err, "%s", path);
        return st;
    }
    dla_output out;
    if ((st = dla_output_begin(&out, path, err)) != DLA_OK) {
        free(buf);
        return st;
    }
    FILE *f = dla_output_fopen(&out, "wb", err);
    if (!f) {
        free(buf);
        dla_output_abort(&out);
        return DLA_ERR_IO;
    }
    int ok = fwrite(buf, 1, size, f) == size;
    int saved = errno;
    ok = (fclose(f) == 0) && ok;
    free(buf);
    if (!ok) {
        dla_output_abort(&out);
        return dla_error_set(err, DLA_ERR_IO, "%s: write failed: %s", path, strerror(saved ? saved : errno));
    }
    return dla_output_commit(&out, err);
}

static const char *section_name(uint32_t type)
{
    static const char *const names[] = {"?",   "TARGET", "REGIONS",  "TENSORS",    "LAYERS",
                                        "OPS", "BLOB",   "SEGMENTS", "GPU_LAYERS", "LUTS"};
    return type <= SEC_LAST ? names[type] : "?";
}

/* Every fixed-size name must hold a NUL (docs/loadable-format.md). */
static int has_nul(const char *s, size_t n)
{
    return memchr(s, '\0', n) != NULL;
}

static dla_status decode(const uint8_t *data, size_t size, const char *src, unsigned minor, dla_loadable *l,
                         dla_error *err)
{
    uint32_t header_bytes = get_u32(data + 8);
    uint32_t nsec = get_u32(data + 28);
    uint64_t table = get_u64(data + 32);
    if (nsec != SECTION_COUNT && !(minor >= 1 && nsec == SECTION_COUNT_GPU) &&
        !(minor >= 2 && nsec == SECTION_COUNT_LUT))
        return dla_error_set(err, DLA_ERR_FORMAT, "%s: bad section table: %u sections, expected %d%s%s", src, nsec,
                             SECTION_COUNT, minor >= 1 ? " or 8 (with GPU segments)" : "",
                             minor >= 2 ? " or 9 (with LUTS)" : "");
    if (table < header_bytes || table > size || size - table < (uint64_t)nsec * SECTION_ENTRY_BYTES)
        return dla_error_set(err, DLA_ERR_FORMAT,
                             "%s: bad section table: offset %llu with %u entries lies outside the %zu-byte file", src,
                             (unsigned long long)table, nsec, size);
    section s[SEC_LAST + 1];
    memset(s, 0, sizeof s);
    int seen[SEC_LAST + 1] = {0};
    for (uint32_t i = 0; i < nsec; ++i) {
        const uint8_t *e = data + table + (size_t)i * SECTION_ENTRY_BYTES;
        section x = {get_u32(e), get_u32(e + 4), get_u64(e + 8), get_u64(e + 16)};
        if (x.type < SEC_TARGET || x.type > (nsec == SECTION_COUNT_LUT   ? SEC_LUTS
                                             : nsec == SECTION_COUNT_GPU ? SEC_GPU_LAYERS
                                                                         : SEC_BLOB))
            return dla_error_set(err, DLA_ERR_FORMAT, "%s: bad section table: entry %u has unknown type %u", src, i,
                                 x.type);
        if (seen[x.type]++)
            return dla_error_set(err, DLA_ERR_FORMAT, "%s: bad section table: section %s appears twice", src,
                                 section_name(x.type));
        if (x.offset % 8 || x.offset < header_bytes || x.offset > size || size - x.offset < x.size)
            return dla_error_set(err, DLA_ERR_FORMAT,
                                 "%s: bad section table: section %s at offset %llu size %llu lies outside the "
                                 "%zu-byte file or is not 8-byte aligned",
                                 src, section_name(x.type), (unsigned long long)x.offset, (unsigned long long)x.size,
                                 size);
        uint64_t rec = dla_loadable_record_bytes((int)x.type);
        uint64_t count = x.type == SEC_BLOB ? x.size : x.count;
        if (x.type == SEC_TARGET && x.count != 1)
            return dla_error_set(err, DLA_ERR_FORMAT, "%s: section TARGET has count %u, expected 1", src, x.count);
        if (x.type == SEC_BLOB && x.count != (uint32_t)x.size)
            return dla_error_set(err, DLA_ERR_FORMAT, "%s: section BLOB has count %u but size %llu", src, x.count,
                                 (unsigned long long)x.size);
        if (x.size != count * rec)
            return dla_error_set(err, DLA_ERR_FORMAT,
                                 "%s: section %s has size %llu, expected %llu (%llu records of %llu bytes)", src,
                                 section_name(x.type), (unsigned long long)x.size, (unsigned long long)(count * rec),
                                 (unsigned long long)count, (unsigned long long)rec);
        s[x.type] = x;
    }

    codec c = {.in = data};
    c.pos = (size_t)s[SEC_TARGET].offset;
    io_target(&c, l);
    if (!has_nul(l->target_config, sizeof l->target_config) || !has_nul(l->network, sizeof l->network))
        return dla_error_set(err, DLA_ERR_FORMAT, "%s: TARGET: target_config or network is not NUL-terminated", src);

    l->num_regions = s[SEC_REGIONS].count;
    l->num_tensors = s[SEC_TENSORS].count;
    l->num_layers = s[SEC_LAYERS].count;
    l->num_ops = s[SEC_OPS].count;
    l->blob_size = s[SEC_BLOB].size;
    /* calloc(n ? n : 1): a valid empty array is still a distinct allocation; sizes are bounded by the
     * file size checked above. */
    l->regions = calloc(l->num_regions ? l->num_regions : 1, sizeof *l->regions);
    l->tensors = calloc(l->num_tensors ? l->num_tensors : 1, sizeof *l->tensors);
    l->layers = calloc(l->num_layers ? l->num_layers : 1, sizeof *l->layers);
    l->ops = calloc(l->num_ops ? l->num_ops : 1, sizeof *l->ops);
    l->blob = malloc(l->blob_size ? (size_t)l->blob_size : 1);
    if (!l->regions || !l->tensors || !l->layers || !l->ops || !l->blob)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", src);

    c.pos = (size_t)s[SEC_REGIONS].offset;
    for (uint32_t i = 0; i < l->num_regions; ++i)
        io_region(&c, &l->regions[i]);
    c.pos = (size_t)s[SEC_TENSORS].offset;
    for (uint32_t i = 0; i < l->num_tensors; ++i) {
        io_tensor(&c, &l->tensors[i]);
        if (!has_nul(l->tensors[i].name, sizeof l->tensors[i].name))
            return dla_error_set(err, DLA_ERR_FORMAT, "%s: tensor %u: name is not NUL-terminated", src, i);
    }
    c.pos = (size_t)s[SEC_LAYERS].offset;
    for (uint32_t i = 0; i < l->num_layers; ++i) {
        io_layer(&c, &l->layers[i]);
        if (!has_nul(l->layers[i].name, sizeof l->layers[i].name) ||
            !has_nul(l->layers[i].type, sizeof l->layers[i].type))
            return dla_error_set(err, DLA_ERR_FORMAT, "%s: layer %u: name or type is not NUL-terminated", src, i);
    }
    c.pos = (size_t)s[SEC_OPS].offset;
    for (uint32_t i = 0; i < l->num_ops; ++i) {
        io_op(&c, &l->ops[i]);
        if (l->ops[i].kind >= DLA_OP_KIND_COUNT)
            return dla_error_set(err, DLA_ERR_FORMAT, "%s: op %u: unknown kind %u (expected 0..%d)", src, i,
                                 l->ops[i].kind, DLA_OP_KIND_COUNT - 1);
        if (l->ops[i].kind == DLA_OP_RUBIK && minor < 2)
            return dla_error_set(err, DLA_ERR_FORMAT, "%s: op %u: kind %u (rubik) needs format 1.2, the file is 1.%u",
                                 src, i, l->ops[i].kind, minor);
        if (l->ops[i].kind == DLA_OP_CDP && minor < 3)
            return dla_error_set(err, DLA_ERR_FORMAT, "%s: op %u: kind %u (cdp) needs format 1.3, the file is 1.%u",
                                 src, i, l->ops[i].kind, minor);
    }
    if (l->blob_size)
        memcpy(l->blob, data + s[SEC_BLOB].offset, (size_t)l->blob_size);
    if (nsec >= SECTION_COUNT_GPU) {
        l->num_segments = s[SEC_SEGMENTS].count;
        l->num_gpu_layers = s[SEC_GPU_LAYERS].count;
        l->segments = calloc(l->num_segments ? l->num_segments : 1, sizeof *l->segments);
        l->gpu_layers = calloc(l->num_gpu_layers ? l->num_gpu_layers : 1, sizeof *l->gpu_layers);
        if (!l->segments || !l->gpu_layers)
            return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", src);
        c.pos = (size_t)s[SEC_SEGMENTS].offset;
        for (uint32_t i = 0; i < l->num_segments; ++i) {
            io_segment(&c, &l->segments[i]);
            if (!has_nul(l->segments[i].name, sizeof l->segments[i].name))
                return dla_error_set(err, DLA_ERR_FORMAT, "%s: segment %u: name is not NUL-terminated", src, i);
        }
        c.pos = (size_t)s[SEC_GPU_LAYERS].offset;
        for (uint32_t i = 0; i < l->num_gpu_layers; ++i) {
            io_gpu_layer(&c, &l->gpu_layers[i]);
            if (!has_nul(l->gpu_layers[i].name, sizeof l->gpu_layers[i].name) ||
                !has_nul(l->gpu_layers[i].op_type, sizeof l->gpu_layers[i].op_type))
                return dla_error_set(err, DLA_ERR_FORMAT, "%s: GPU layer %u: name or op_type is not NUL-terminated",
                                     src, i);
        }
    }
    if (nsec == SECTION_COUNT_LUT) {
        l->num_luts = s[SEC_LUTS].count;
        l->luts = calloc(l->num_luts ? l->num_luts : 1, sizeof *l->luts);
        if (!l->luts)
            return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", src);
        c.pos = (size_t)s[SEC_LUTS].offset;
        for (uint32_t i = 0; i < l->num_luts; ++i)
            io_lut(&c, &l->luts[i]);
    }
    return DLA_OK;
}

dla_status dla_loadable_read_buffer(const void *data, size_t size, const char *source_name, dla_loadable **out,
                                    dla_error *err)
{
    const char *src = source_name ? source_name : "<buffer>";
    const uint8_t *d = data;
    *out = NULL;
    if (size < HEADER_BYTES)
        return dla_error_set(err, DLA_ERR_FORMAT, "%s: file is %zu bytes, shorter than the %d-byte header", src, size,
                             HEADER_BYTES);
    uint32_t magic = get_u32(d);
    if (magic != DLA_LOADABLE_MAGIC)
        return dla_error_set(err, DLA_ERR_FORMAT, "%s: bad magic 0x%08x, expected 0x%08x (\"DLAL\"): not a loadable",
                             src, magic, DLA_LOADABLE_MAGIC);
    unsigned major = (unsigned)d[4] | (unsigned)d[5] << 8, minor = (unsigned)d[6] | (unsigned)d[7] << 8;
    if (major != DLA_LOADABLE_VERSION_MAJOR)
        return dla_error_set(err, DLA_ERR_FORMAT, "%s: unsupported format version %u.%u (this reader supports %u.x)",
                             src, major, minor, DLA_LOADABLE_VERSION_MAJOR);
    uint32_t header_bytes = get_u32(d + 8);
    uint64_t file_size = get_u64(d + 16);
    if (file_size != size)
        return dla_error_set(err, DLA_ERR_FORMAT,
                             "%s: header says file_size %llu but the file is %zu bytes (truncated or damaged)", src,
                             (unsigned long long)file_size, size);
    if (header_bytes < HEADER_BYTES || header_bytes > size)
        return dla_error_set(err, DLA_ERR_FORMAT, "%s: bad header_bytes %u (expected >= %d)", src, header_bytes,
                             HEADER_BYTES);
    uint32_t crc = dla_loadable_crc32(d + header_bytes, size - header_bytes);
    if (crc != get_u32(d + 24))
        return dla_error_set(err, DLA_ERR_FORMAT, "%s: checksum mismatch: crc32 0x%08x, header says 0x%08x (damaged)",
                             src, crc, get_u32(d + 24));
    dla_loadable *l = dla_loadable_create();
    if (!l)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", src);
    dla_status st = decode(d, size, src, minor, l, err);
    if (st == DLA_OK) {
        st = dla_loadable_validate(l, err);
        if (st != DLA_OK)
            dla_error_prefix(err, "%s", src);
    }
    if (st != DLA_OK) {
        dla_loadable_destroy(l);
        return st;
    }
    *out = l;
    return DLA_OK;
}

dla_status dla_loadable_read_file(const char *path, dla_loadable **out, dla_error *err)
{
    *out = NULL;
    uint8_t *buf = NULL;
    size_t size = 0;
    /* The largest valid loadable is a 4 GiB blob (format 1.0's limit) plus its tables: anything larger,
     * and anything that is not a regular file (/dev/zero), is refused before it is read. */
    dla_status st = dla_input_read(path, "loadable", LOADABLE_MAX_FILE_BYTES, &buf, &size, err);
    if (st == DLA_OK)
        st = dla_loadable_read_buffer(buf, size, path, out, err);
    free(buf);
    return st;
}
