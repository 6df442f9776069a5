/* The loadable: the contract between compiler and driver (format: docs/loadable-format.md).
 * In memory it is a plain descriptor struct (arrays + a blob of constant data). The compiler fills
 * it and writes it; the driver reads, validates and executes it. Op descriptors follow NVDLA's
 * dla_interface.h in spirit: one descriptor per engine op, fused ops linked by fused_parent. */
#ifndef DLA_LOADABLE_H
#define DLA_LOADABLE_H

#include <stdint.h>
#include <stdio.h>

#include "dla/nvdla_pixel.h"
#include "dla/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DLA_LOADABLE_MAGIC 0x4C414C44u /* "DLAL" read as little-endian u32 */
#define DLA_LOADABLE_VERSION_MAJOR 1u
/* Minor versions: 1.1 image-input tensor formats, GPU-fallback SEGMENTS and GPU_LAYERS; 1.2 LUTS, conv
 * batch, per-op and per-tensor precisions that may differ from the network's, RUBIK ops; 1.3 CDP (LRN)
 * ops, SDP PReLU flags. */
#define DLA_LOADABLE_VERSION_MINOR 3u
#define DLA_LNAME_MAX 128
#define DLA_MAX_OP_DEPS 8

typedef enum dla_precision {
    DLA_PRECISION_INT8 = 0,
    DLA_PRECISION_FP16 = 1,
    DLA_PRECISION_INT16 = 2,
    DLA_PRECISION_FP32 = 3 /* host-side only (user I/O) */
} dla_precision;

typedef enum dla_region_kind {
    DLA_REGION_WEIGHTS = 0,    /* constant content from the blob (weights, SDP operands) */
    DLA_REGION_INPUT = 1,      /* bound to a network input */
    DLA_REGION_OUTPUT = 2,     /* bound to a network output */
    DLA_REGION_ACTIVATIONS = 3 /* intermediate tensors, uninitialised */
} dla_region_kind;

typedef enum dla_mem_domain {
    DLA_DOMAIN_DRAM = 0,
    DLA_DOMAIN_SRAM = 1
} dla_mem_domain;

typedef struct dla_lregion {
    uint32_t kind;        /* dla_region_kind */
    uint32_t domain;      /* dla_mem_domain */
    uint64_t size;        /* bytes */
    uint32_t alignment;   /* bytes, power of two */
    uint64_t blob_offset; /* initial content: blob[blob_offset .. +blob_size) copied to offset 0 */
    uint64_t blob_size;   /* 0 = no initial content */
} dla_lregion;

typedef enum dla_tensor_role {
    DLA_TENSOR_INPUT = 0,
    DLA_TENSOR_OUTPUT = 1,
    DLA_TENSOR_INTERNAL = 2
} dla_tensor_role;

/* A tensor in NVDLA feature format: element (n,c,h,w) lives at
 *   offset + n*batch_stride + (c / cps)*surface_stride + h*line_stride + w*atom + (c % cps)*bpe
 * with atom = memory_atomic_bytes and cps = atom / bpe (channels per surface). A network input read
 * by an image-input conv is in a pixel format instead (data_format DLA_DATA_PIXEL, dla/nvdla_pixel.h):
 *   offset + n*batch_stride + h*line_stride + w*dla_pixel_bytes(pixel_format)
 *          + dla_pixel_channel_byte(pixel_format, c) */
typedef struct dla_ltensor {
    char name[DLA_LNAME_MAX];
    uint32_t role; /* dla_tensor_role */
    uint32_t n, c, h, w;
    uint32_t precision; /* dla_precision */
    uint32_t region;
    uint64_t offset;
    uint32_t line_stride;
    uint32_t surface_stride;
    uint64_t batch_stride;
    float scale;           /* INT8: real = q * scale; FP16: 1 */
    uint32_t data_format;  /* dla_data_format (dla/nvdla_pixel.h); loadable 1.1 */
    uint32_t pixel_format; /* NVDLA PIXEL_FORMAT code when data_format is DLA_DATA_PIXEL, else 0 */
} dla_ltensor;

/* A data cube one engine reads or writes. region = -1: on-the-fly (streamed between fused
 * engines, never in memory). */
typedef struct dla_lsurface {
    int32_t region;
    uint64_t offset;
    uint32_t width, height, channels;
    uint32_t line_stride, surface_stride;
    uint32_t precision;
} dla_lsurface;

typedef enum dla_op_kind {
    DLA_OP_CONV = 0,
    DLA_OP_SDP = 1,
    DLA_OP_PDP = 2,
    DLA_OP_CDP = 3,
    DLA_OP_RUBIK = 4, /* format 1.2 */
    DLA_OP_KIND_COUNT
} dla_op_kind;

typedef enum dla_weight_format {
    DLA_WEIGHT_DENSE = 0,
    DLA_WEIGHT_SPARSE_2_4 = 1
} dla_weight_format;

/* Direct convolution. Weights in the DC format of docs/loadable-format.md. Output goes to the
 * SDP op whose fused_parent is this op. */
typedef struct dla_lconv {
    dla_lsurface src;
    uint32_t weight_region;
    uint64_t weight_offset;
    uint64_t weight_bytes;
    uint32_t weight_format;      /* dla_weight_format */
    uint64_t sparse_meta_offset; /* in weight_region; 0 bytes when dense */
    uint64_t sparse_meta_bytes;
    uint32_t kernel_w, kernel_h, kernel_c, kernel_k;
    uint32_t stride_x, stride_y;
    uint32_t dilation_x, dilation_y;
    uint32_t pad_left, pad_right, pad_top, pad_bottom;
    int32_t pad_value;
    uint32_t out_w, out_h;
    uint32_t precision; /* dla_precision of input and weights */
    /* CBUF plan (compiler's tiling decision) */
    uint32_t data_banks, weight_banks;
    uint32_t entry_per_slice; /* CBUF entries per input row (all channels) */
    uint32_t fetch_grain;     /* slices CDMA fetches before signalling CSC */
    uint32_t data_reuse, weight_reuse;
    uint32_t skip_data_release, skip_weight_release;
    uint32_t release_slices; /* data slices released at the end of the layer */
    uint32_t clip_truncate;  /* CACC right shift (rounded) before SDP */
    /* Image input (loadable 1.1): src is a pixel-format cube and the weights are in the image-mode
     * (channel-extended) format of docs/datapath.md. */
    uint32_t data_format;  /* dla_data_format (dla/nvdla_pixel.h) */
    uint32_t pixel_format; /* NVDLA PIXEL_FORMAT code when data_format is DLA_DATA_PIXEL, else 0 */
    /* NVDLA batch mode (loadable 1.2; nvdla-reference §3): the op computes `batch` images (0 or 1:
     * one) starting at batch_index, with one weight load per step shared by all of them. Image b's
     * input is at src + b * src_batch_stride and the fused SDP writes it at its dst +
     * b * dst_batch_stride (the SDP op inherits the batch from its fused_parent conv). */
    uint32_t batch;
    uint64_t src_batch_stride, dst_batch_stride;
} dla_lconv;

typedef enum dla_alu_op {
    DLA_ALU_MAX = 0,
    DLA_ALU_MIN = 1,
    DLA_ALU_SUM = 2,
    /* EW stage only (format 1.2): v * e', the operand multiplies through the EW MUL (ALU bypassed);
     * e' = rshr((e - cvt_offset) * cvt_scale, cvt_shift), then rshr(v * e', mul_shift). */
    DLA_ALU_PROD = 3
} dla_alu_op;
typedef enum dla_operand_src {
    DLA_OPERAND_PER_LAYER = 0,
    DLA_OPERAND_PER_KERNEL = 1
} dla_operand_src;

/* SDP X1 (BS) or X2 (BN) stage: ALU, then MUL, then ReLU (docs/datapath.md). Per-kernel operands
 * are K pairs of little-endian int16 {alu, mul} at operand_region/operand_offset. */
typedef struct dla_lsdp_stage {
    uint32_t enable;
    uint32_t alu_enable;
    uint32_t alu_op;     /* dla_alu_op */
    uint32_t alu_src;    /* dla_operand_src */
    int32_t alu_operand; /* per-layer value */
    uint32_t alu_shift;  /* operand << alu_shift before the ALU */
    uint32_t mul_enable;
    uint32_t mul_src;    /* dla_operand_src */
    int32_t mul_operand; /* per-layer value */
    uint32_t mul_shift;  /* (v * mul) rounded >> mul_shift */
    uint32_t relu;
    int32_t operand_region; /* -1 when both operands are per-layer */
    uint64_t operand_offset;
    /* 1.3: the MUL is NVDLA's PReLU (BS/BN_MUL_PRELU): only negative values are multiplied and
     * shifted, non-negative ones pass (needs mul_enable). Serialized after the SDP's out_cvt_shift. */
    uint32_t mul_prelu;
} dla_lsdp_stage;

/* SDP Y (EW) stage: per-element operand read from memory by the E-RDMA. */
typedef struct dla_lsdp_ew {
    uint32_t enable;
    dla_lsurface operand;
    int32_t cvt_offset; /* e' = ((e - cvt_offset) * cvt_scale) rounded >> cvt_shift */
    int32_t cvt_scale;
    uint32_t cvt_shift;
    uint32_t alu_op; /* dla_alu_op */
    uint32_t mul_enable;
    int32_t mul_operand;
    uint32_t mul_shift;
    uint32_t relu;
} dla_lsdp_ew;

typedef struct dla_lsdp {
    dla_lsurface src; /* region -1: on-the-fly from CACC */
    dla_lsurface dst; /* region -1: on-the-fly to PDP */
    /* in_precision: the SDP pipeline's (PROC_PRECISION: INT8 integer, FP16 floating point); an
     * offline FP16 pipeline may read an INT8 src and write INT8 (the precision conversions of mixed
     * networks, loadable 1.2; docs/datapath.md "FP16 arithmetic"). */
    uint32_t in_precision, out_precision;
    dla_lsdp_stage bs, bn;
    dla_lsdp_ew ew;
    int32_t out_cvt_offset; /* out = sat(((v - offset) * scale) rounded >> shift) */
    int32_t out_cvt_scale;
    uint32_t out_cvt_shift;
} dla_lsdp;

typedef enum dla_pool_method {
    DLA_POOL_AVG = 0,
    DLA_POOL_MAX = 1,
    DLA_POOL_MIN = 2
} dla_pool_method;

typedef struct dla_lpdp {
    dla_lsurface src; /* region -1: on-the-fly from SDP */
    dla_lsurface dst;
    uint32_t method; /* dla_pool_method */
    uint32_t kernel_w, kernel_h;
    uint32_t stride_x, stride_y;
    uint32_t pad_left, pad_right, pad_top, pad_bottom;
    int32_t pad_value;
    uint32_t count_include_pad; /* AVG: divide by kernel area (1) or by valid elements (0) */
    uint32_t split_num;         /* width splits when the line buffer is too small (1 = none) */
} dla_lpdp;

/* CDP: LRN across channels, memory to memory (format 1.3, docs/loadable-format.md). INT8 only:
 * cin = sat_9(rshr((v - in_cvt_offset) * in_cvt_scale, in_cvt_shift)), sq = sum of cin^2 over the
 * local_size channels centred on c, out = sat_8(rshr((cin * LUT(sq) - out_cvt_offset) * out_cvt_scale,
 * out_cvt_shift)) with the op's LUT (LUTS section, keyed by the op index; docs/datapath.md step 7).
 * alpha, beta, bias: the ONNX attributes the LUT was built from (informational). */
typedef struct dla_lcdp {
    dla_lsurface src, dst;
    uint32_t local_size; /* 3, 5, 7 or 9 channels */
    float alpha, beta, bias;
    /* format 1.3 */
    int32_t in_cvt_offset, in_cvt_scale;   /* DATIN_OFFSET (INT8: signed 8-bit), DATIN_SCALE (int16) */
    uint32_t in_cvt_shift;                 /* DATIN_SHIFTER, 0..31 */
    int32_t out_cvt_offset, out_cvt_scale; /* DATOUT_OFFSET (signed 25-bit for INT8), DATOUT_SCALE (int16) */
    uint32_t out_cvt_shift;                /* DATOUT_SHIFTER, 0..63 */
    float src_scale, dst_scale;            /* the INT8 scales the LUT and converters were built for (informational) */
} dla_lcdp;

typedef enum dla_rubik_mode {
    DLA_RUBIK_CONTRACT = 0, /* the depth-to-space step of a deconvolution (the only mode a loadable carries) */
    DLA_RUBIK_SPLIT = 1,    /* feature cube -> planes (register-level only) */
    DLA_RUBIK_MERGE = 2     /* planes -> feature cube (register-level only) */
} dla_rubik_mode;

/* RUBIK contract (format 1.2, docs/loadable-format.md): src is a W x H feature cube of
 * stride_x * stride_y groups of Kp = ceil(dst.channels / cps) * cps channels; group g = j * stride_x + i
 * holds output pixel (w * stride_x + i, h * stride_y + j): dst[c][h*sy + j][w*sx + i] =
 * src[g * Kp + c][h][w]. dst is (W * stride_x) x (H * stride_y) x K. Both in memory. */
typedef struct dla_lrubik {
    dla_lsurface src, dst;
    uint32_t mode; /* dla_rubik_mode */
    uint32_t stride_x, stride_y;
} dla_lrubik;

typedef struct dla_lop {
    uint32_t kind;  /* dla_op_kind */
    uint32_t layer; /* index into layers[] (the report groups ops by layer) */
    uint32_t batch_index;
    int32_t fused_parent; /* upstream op in the same on-the-fly pipeline, -1 if none */
    uint32_t num_deps;
    uint32_t deps[DLA_MAX_OP_DEPS]; /* ops (lower indices) that must complete before this starts */
    uint64_t macs;                  /* useful MACs (conv) for reports */
    union {
        dla_lconv conv;
        dla_lsdp sdp;
        dla_lpdp pdp;
        dla_lcdp cdp;
        dla_lrubik rubik;
    } u;
} dla_lop;

/* A network layer as the user sees it (fused ONNX nodes); reports aggregate ops per layer. */
typedef struct dla_llayer {
    char name[DLA_LNAME_MAX]; /* e.g. "Conv_0 + BatchNormalization_1 + Relu_2" */
    char type[32];            /* "conv", "conv+add", "pool", "fc", ... */
    uint64_t macs;            /* all batch images */
} dla_llayer;

/* GPU fallback (format 1.1, docs/runtime.md): the network in execution order as DLA subgraphs
 * (TensorRT's ForeignNodes, one driver submission each) and runs of GPU layers (timed by the GPU
 * model). A DLA-only loadable has no segments: all ops form one subgraph. */
typedef enum dla_segment_kind {
    DLA_SEGMENT_DLA = 0,
    DLA_SEGMENT_GPU = 1
} dla_segment_kind;

#define DLA_MAX_DLA_SEGMENTS 16 /* TensorRT: at most 16 DLA loadables per core (orin-facts §8) */

typedef struct dla_lsegment {
    uint32_t kind;            /* dla_segment_kind */
    char name[DLA_LNAME_MAX]; /* DLA: "{ForeignNode[first...last]}"; GPU: its first layer's name */
    uint32_t first, count;    /* DLA: ops[first .. first+count); GPU: gpu_layers[first .. first+count) */
    uint64_t boundary_bytes;  /* bytes this segment reads from a segment of the other device (reformatted) */
} dla_lsegment;

/* A layer run by the GPU: what its roofline time needs. */
typedef struct dla_lgpu_layer {
    char name[DLA_LNAME_MAX]; /* the ONNX node name */
    char op_type[32];         /* the ONNX op type */
    uint32_t precision;       /* dla_precision the GPU computes in */
    uint32_t in_dims[4];      /* first activation input, N x C x H x W (fewer dims: trailing 1s) */
    uint32_t out_dims[4];
    uint64_t macs;        /* multiply-accumulates, all batch images */
    uint64_t read_bytes;  /* DRAM bytes read (activations and weights) */
    uint64_t write_bytes; /* DRAM bytes written */
} dla_lgpu_layer;

/* SDP Y-stage lookup table (format 1.2, docs/loadable-format.md "LUTS"): NVDLA's LE (65 entries) and LO
 * (257 entries) int16 tables and their S_LUT_* settings, as NVDLA's dla_lut_param, for the SDP op `op`
 * (at most one per op); format 1.3: or for the CDP op `op` (its LRN table, required). The driver writes them through
 * S_LUT_ACCESS_CFG / S_LUT_ACCESS_DATA. */
#define DLA_LUT_LE_ENTRIES 65
#define DLA_LUT_LO_ENTRIES 257
typedef struct dla_llut {
    uint32_t op;                                /* index of the SDP (or, 1.3, CDP) op that applies it */
    uint32_t le_function;                       /* S_LUT_CFG.LUT_LE_FUNCTION: 0 exponent, 1 linear */
    int32_t le_index_offset;                    /* exponent LE: signed 8-bit */
    int32_t le_index_select, lo_index_select;   /* linear tables: signed 8-bit */
    int32_t le_start, le_end, lo_start, lo_end; /* S_LUT_LE/LO_START, _END (signed 32-bit) */
    int32_t le_uflow_scale, le_oflow_scale;     /* int16 slopes ... */
    int32_t lo_uflow_scale, lo_oflow_scale;
    int32_t le_uflow_shift, le_oflow_shift; /* ... with signed 5-bit shifts */
    int32_t lo_uflow_shift, lo_oflow_shift;
    uint32_t uflow_priority, oflow_priority, hybrid_priority; /* 0 LE, 1 LO */
    int16_t le[DLA_LUT_LE_ENTRIES];
    int16_t lo[DLA_LUT_LO_ENTRIES];
} dla_llut;

typedef struct dla_loadable {
    /* Target the loadable was compiled for; the driver refuses a mismatching config. */
    char target_config[64];
    uint32_t atomic_c, atomic_k, memory_atomic_bytes;
    uint32_t cbuf_banks, cbuf_entries_per_bank, cbuf_entry_bytes;
    char network[DLA_LNAME_MAX];
    uint32_t precision; /* main compute precision */
    uint32_t batch;
    uint32_t num_regions, num_tensors, num_layers, num_ops;
    dla_lregion *regions;
    dla_ltensor *tensors;
    dla_llayer *layers;
    dla_lop *ops; /* in a valid execution order */
    uint64_t blob_size;
    uint8_t *blob;
    uint32_t num_segments, num_gpu_layers; /* 0 and 0: DLA only */
    dla_lsegment *segments;
    dla_lgpu_layer *gpu_layers;
    uint32_t num_luts; /* format 1.2; 0: no SDP op uses the LUT */
    dla_llut *luts;
} dla_loadable;

/* Empty loadable; free with dla_loadable_destroy (frees every array and the blob). */
dla_loadable *dla_loadable_create(void);
void dla_loadable_destroy(dla_loadable *l);

/* Growing helpers for producers; each returns the new element's index in *index. */
dla_status dla_loadable_add_region(dla_loadable *l, const dla_lregion *r, uint32_t *index);
dla_status dla_loadable_add_tensor(dla_loadable *l, const dla_ltensor *t, uint32_t *index);
dla_status dla_loadable_add_layer(dla_loadable *l, const dla_llayer *layer, uint32_t *index);
dla_status dla_loadable_add_op(dla_loadable *l, const dla_lop *op, uint32_t *index);
dla_status dla_loadable_add_segment(dla_loadable *l, const dla_lsegment *s, uint32_t *index);
dla_status dla_loadable_add_gpu_layer(dla_loadable *l, const dla_lgpu_layer *y, uint32_t *index);
dla_status dla_loadable_add_lut(dla_loadable *l, const dla_llut *t, uint32_t *index);
/* The LUT of op index, or NULL. */
const dla_llut *dla_loadable_op_lut(const dla_loadable *l, uint32_t op);
/* Number of DLA subgraphs (1 for a DLA-only loadable with ops). */
uint32_t dla_loadable_dla_segments(const dla_loadable *l);
/* Append bytes to the blob at the given alignment; *offset receives where they landed. */
dla_status dla_loadable_append_blob(dla_loadable *l, const void *data, uint64_t size, uint32_t alignment,
                                    uint64_t *offset);

/* Semantic validation (indices, sizes, surfaces inside regions, dependency order). */
dla_status dla_loadable_validate(const dla_loadable *l, dla_error *err);

/* Serialise; written to a temporary file and renamed into place (never a partial file). */
dla_status dla_loadable_write_file(const dla_loadable *l, const char *path, dla_error *err);
/* Parse and validate; errors name the file and what is wrong (magic, version, checksum, ...). */
dla_status dla_loadable_read_file(const char *path, dla_loadable **out, dla_error *err);
dla_status dla_loadable_read_buffer(const void *data, size_t size, const char *source_name, dla_loadable **out,
                                    dla_error *err);

/* Human-readable dump for `dlasim inspect`. */
void dla_loadable_print(const dla_loadable *l, FILE *out);

const char *dla_precision_name(uint32_t precision); /* "int8", "fp16", ... */
const char *dla_op_kind_name(uint32_t kind);        /* "conv", "sdp", "pdp", "cdp", "rubik" */

/* CRC-32 as zlib's crc32(0, data, size) (IEEE 802.3, reflected polynomial 0xEDB88320); the file
 * checksum, also used by the NVDLA trace runner for check_crc. */
uint32_t dla_loadable_crc32(const void *data, size_t size);

#ifdef __cplusplus
}
#endif

#endif
