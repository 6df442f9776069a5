/* The in-memory loadable: construction helpers for producers (compiler, tests) and enum names.
 * Serialisation is in serialize.c, semantic checks in validate.c, the dump in print.c. */
#include "dla/loadable.h"

#include <stdlib.h>
#include <string.h>

dla_loadable *dla_loadable_create(void)
{
    return calloc(1, sizeof(dla_loadable));
}

void dla_loadable_destroy(dla_loadable *l)
{
    if (!l)
        return;
    free(l->regions);
    free(l->tensors);
    free(l->layers);
    free(l->ops);
    free(l->blob);
    free(l->segments);
    free(l->gpu_layers);
    free(l->luts);
    free(l);
}

/* Append one element to an array. Reallocated on every call on purpose: arrays may also come from
 * the reader or a hand-built struct, so no capacity beyond the count can be assumed. */
static dla_status grow_append(void **array, uint32_t *count, size_t elem, const void *value, uint32_t *index)
{
    if (*count == UINT32_MAX)
        return DLA_ERR_LIMIT;
    uint32_t n = *count;
    void *p = realloc(*array, ((size_t)n + 1) * elem);
    if (!p)
        return DLA_ERR_NOMEM;
    *array = p;
    memcpy((char *)p + (size_t)n * elem, value, elem);
    if (index)
        *index = n;
    *count = n + 1;
    return DLA_OK;
}

dla_status dla_loadable_add_region(dla_loadable *l, const dla_lregion *r, uint32_t *index)
{
    return grow_append((void **)&l->regions, &l->num_regions, sizeof *r, r, index);
}

dla_status dla_loadable_add_tensor(dla_loadable *l, const dla_ltensor *t, uint32_t *index)
{
    return grow_append((void **)&l->tensors, &l->num_tensors, sizeof *t, t, index);
}

dla_status dla_loadable_add_layer(dla_loadable *l, const dla_llayer *layer, uint32_t *index)
{
    return grow_append((void **)&l->layers, &l->num_layers, sizeof *layer, layer, index);
}

dla_status dla_loadable_add_op(dla_loadable *l, const dla_lop *op, uint32_t *index)
{
    return grow_append((void **)&l->ops, &l->num_ops, sizeof *op, op, index);
}

dla_status dla_loadable_add_segment(dla_loadable *l, const dla_lsegment *s, uint32_t *index)
{
    return grow_append((void **)&l->segments, &l->num_segments, sizeof *s, s, index);
}

dla_status dla_loadable_add_gpu_layer(dla_loadable *l, const dla_lgpu_layer *y, uint32_t *index)
{
    return grow_append((void **)&l->gpu_layers, &l->num_gpu_layers, sizeof *y, y, index);
}

dla_status dla_loadable_add_lut(dla_loadable *l, const dla_llut *t, uint32_t *index)
{
    return grow_append((void **)&l->luts, &l->num_luts, sizeof *t, t, index);
}

const dla_llut *dla_loadable_op_lut(const dla_loadable *l, uint32_t op)
{
    for (uint32_t i = 0; i < l->num_luts; ++i)
        if (l->luts[i].op == op)
            return &l->luts[i];
    return NULL;
}

uint32_t dla_loadable_dla_segments(const dla_loadable *l)
{
    if (!l->num_segments)
        return l->num_ops ? 1u : 0u;
    uint32_t n = 0;
    for (uint32_t i = 0; i < l->num_segments; ++i)
        n += l->segments[i].kind == DLA_SEGMENT_DLA;
    return n;
}

dla_status dla_loadable_append_blob(dla_loadable *l, const void *data, uint64_t size, uint32_t alignment,
                                    uint64_t *offset)
{
    if (alignment == 0)
        alignment = 1;
    if (alignment & (alignment - 1))
        return DLA_ERR_INVALID;
    uint64_t start = (l->blob_size + alignment - 1) & ~(uint64_t)(alignment - 1);
    if (start < l->blob_size || start + size < start || start + size > (uint64_t)SIZE_MAX)
        return DLA_ERR_LIMIT;
    uint8_t *p = realloc(l->blob, (size_t)(start + size) ? (size_t)(start + size) : 1);
    if (!p)
        return DLA_ERR_NOMEM;
    memset(p + l->blob_size, 0, (size_t)(start - l->blob_size)); /* alignment gap reads as zero */
    if (size)
        memcpy(p + start, data, (size_t)size);
    l->blob = p;
    l->blob_size = start + size;
    if (offset)
        *offset = start;
    return DLA_OK;
}

const char *dla_precision_name(uint32_t precision)
{
    switch (precision) {
    case DLA_PRECISION_INT8: return "int8";
    case DLA_PRECISION_FP16: return "fp16";
    case DLA_PRECISION_INT16: return "int16";
    case DLA_PRECISION_FP32: return "fp32";
    }
    return "unknown";
}

const char *dla_op_kind_name(uint32_t kind)
{
    switch (kind) {
    case DLA_OP_CONV: return "conv";
    case DLA_OP_SDP: return "sdp";
    case DLA_OP_PDP: return "pdp";
    case DLA_OP_CDP: return "cdp";
    case DLA_OP_RUBIK: return "rubik";
    }
    return "unknown";
}
