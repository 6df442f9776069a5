/* The compiler's internal graph IR (docs/compiler.md "IR"): tensors and nodes as imported from ONNX,
 * rewritten in place by the passes, then grouped into DLA layers (fusion) that carry quantisation,
 * tiling and memory decisions down to emission. Internal to sw/compiler; not a public contract. */
#ifndef DLA_COMPILER_GRAPH_H
#define DLA_COMPILER_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dla/compiler.h"
#include "dla/config.h"
#include "dla/loadable.h"
#include "dla/status.h"

#define IR_MAX_RANK 8
/* Import limits: refuse before allocating (a malformed file must not make us allocate terabytes). */
#define IR_MAX_DIM ((int64_t)1 << 24)
#define IR_MAX_ELEMS ((int64_t)1 << 30)
#define IR_MAX_CONST_BYTES ((int64_t)1 << 31)

/* ONNX TensorProto.DataType values we understand. */
enum {
    IR_ONNX_FLOAT = 1,
    IR_ONNX_UINT8 = 2,
    IR_ONNX_INT8 = 3,
    IR_ONNX_INT32 = 6,
    IR_ONNX_INT64 = 7,
    IR_ONNX_BOOL = 9,
    IR_ONNX_FLOAT16 = 10,
    IR_ONNX_DOUBLE = 11
};

typedef struct ir_tensor {
    char *name;
    int rank; /* -1: shape not known (yet) */
    int64_t dims[IR_MAX_RANK];
    int elem_type; /* ONNX data type (logical) */
    bool is_const;
    bool is_input;  /* network input */
    bool is_output; /* network output */
    /* Constant payload: floating types are held as float, integer/bool types as int64. */
    float *f;
    int64_t *i;
    int producer; /* node index, -1 for inputs and constants */
    /* Calibration and quantisation. */
    float absmax;      /* max |x| seen by the calibration forward pass */
    float scale;       /* INT8: real = q * scale */
    float calib_scale; /* > 0: the activation scale chosen by calibration, a cache or QDQ (calib.c) */
    int alias_of;      /* a flatten/reshape view of another tensor (same bytes), -1 if none */
    /* A channel slice of a Concat's output, written in place (fuse.c): the concat output tensor and
     * the first channel of this one in it; -1 if none. */
    int concat_of;
    int concat_c0;
    /* Memory plan */
    int region; /* loadable region index, -1 if not materialised */
    uint64_t offset;
    uint32_t line_stride, surface_stride;
    uint64_t batch_stride;
    int64_t bytes;               /* all batch images */
    int first_layer, last_layer; /* lifetime in layer order (memory planning) */
    int *war, n_war;             /* earlier tensors whose bytes this one overwrites (WAR hazards) */
    int loadable_tensor;         /* index in the loadable's tensors[], -1 if none */
    dla_precision prec;          /* quantize.c: storage precision of an activation (INT8 or FP16) */
    bool pixel;                  /* tiling.c: network input read by an image-input conv, stored as pixels */
    uint32_t pixel_format;       /* when pixel: NVDLA PIXEL_FORMAT code (dla/nvdla_pixel.h) */
} ir_tensor;

typedef enum ir_attr_type {
    IR_ATTR_INT,
    IR_ATTR_FLOAT,
    IR_ATTR_STRING,
    IR_ATTR_INTS,
    IR_ATTR_FLOATS,
    IR_ATTR_TENSOR,
    IR_ATTR_OTHER
} ir_attr_type;

typedef struct ir_attr {
    char *name;
    ir_attr_type type;
    int64_t i;
    float f;
    char *s;
    int64_t *ints;
    float *floats;
    int n;      /* elements of ints / floats */
    int tensor; /* IR_ATTR_TENSOR: a constant tensor of the graph */
} ir_attr;

/* Canonical node kinds (canonicalize.c); everything else stays IR_OP_ONNX with its op_type. */
typedef enum ir_kind {
    IR_OP_ONNX = 0, /* not (yet) canonical: op_type says what it is */
    IR_OP_CONV,     /* Conv / FC (1x1 or whole-input kernel on a cube) */
    IR_OP_POOL,     /* MaxPool / AveragePool (GlobalAveragePool rewritten) */
    IR_OP_SCALE,    /* per-channel y = x * mul[c] + add[c] (BN without conv, Mul/Add by constants) */
    IR_OP_ADD,      /* element-wise sum of two activations of equal shape */
    IR_OP_RELU,
    IR_OP_CLIP,   /* Clip(lo, hi) */
    IR_OP_VIEW,   /* Flatten / Reshape that only renames the NCHW bytes (N,C,1,1) <-> (N,C) */
    IR_OP_DEAD,   /* removed */
    IR_OP_CONCAT, /* channel Concat of 4-D activations: producers write into its output in place */
    IR_OP_LUT,    /* y = f(x) by the SDP Y-stage lookup table (lut.c): node lut_fn says which f */
    IR_OP_MUL,    /* element-wise product of two activations of equal shape (SDP EW MUL) */
    IR_OP_RUBIK   /* RUBIK contract of a lowered deconvolution / nearest Resize (deconv.c) */
} ir_kind;

/* Functions the SDP lookup table computes (lut.c, docs/compiler.md "Lookup-table activations"). */
typedef enum ir_lut_fn {
    IR_LUT_NONE = 0,
    IR_LUT_SIGMOID,
    IR_LUT_TANH,
    IR_LUT_SILU /* x * sigmoid(x), from Mul(x, Sigmoid(x)) */
} ir_lut_fn;

typedef struct ir_conv {
    int weight, bias; /* constant tensors: weight K x (C/groups) x R x S; bias K or -1 */
    int k, c, kh, kw;
    int sy, sx, dy, dx;
    int pt, pl, pb, pr;
    int groups;
    bool fc; /* came from Gemm/MatMul */
} ir_conv;

typedef struct ir_pool {
    bool max; /* else average */
    int kh, kw, sy, sx, pt, pl, pb, pr;
    bool count_include_pad;
    bool zero_pad; /* padding holds zeros (a folded Pad), also for max pooling */
} ir_pool;

typedef struct ir_node {
    char *name;
    char *op_type;
    ir_kind kind;
    int n_in, n_out;
    int *in; /* tensor indices, -1 = optional input left empty */
    int *out;
    int n_attrs;
    ir_attr *attrs;
    ir_conv conv;             /* IR_OP_CONV */
    ir_pool pool;             /* IR_OP_POOL */
    int scale_mul, scale_add; /* IR_OP_SCALE: constant tensors of C floats (-1 = 1 / 0) */
    float clip_lo, clip_hi;   /* IR_OP_CLIP */
    int lut_fn;               /* IR_OP_LUT: ir_lut_fn */
    int rubik_sx, rubik_sy;   /* IR_OP_RUBIK: contract strides */
    int rubik_kp;             /* IR_OP_RUBIK: input channels per stride group (output channels, whole surfaces) */
    char *merged;             /* names of nodes folded into this one (" + " separated), or NULL */
    /* partition.c (GPU fallback): runs on the GPU, and its segment (index into g->segments, -1: none,
     * e.g. a free view). */
    bool gpu;
    int segment;
} ir_node;

typedef enum ir_layer_kind {
    IR_LAYER_CONV,
    IR_LAYER_SDP,
    IR_LAYER_POOL,
    IR_LAYER_GPU,  /* one GPU-fallback node (partition.c): no DLA ops, a GPU layer of the loadable */
    IR_LAYER_RUBIK /* a RUBIK contract (deconv.c) */
} ir_layer_kind;

/* One hardware convolution op of a layer (tiling.c): a channel slice (grouped conv) x a row split. */
typedef struct ir_conv_tile {
    int k0, kn;             /* output channels [k0, k0+kn) */
    int c0, cn;             /* input channels [c0, c0+cn) read (surface aligned) */
    int in_row0, in_rows;   /* input rows read */
    int out_row0, out_rows; /* output rows written */
    int pad_top, pad_bottom;
    uint32_t entry_per_slice, data_banks, weight_banks;
    bool full_weights;                    /* all weights of this slice stay in CBUF */
    int weight_mode;                      /* 0 all weights, 1 two kernel groups (ping-pong), 2 one kernel group */
    uint64_t weight_offset, weight_bytes; /* in the weights region (memory_plan.c) */
} ir_conv_tile;

typedef struct ir_layer {
    ir_layer_kind kind;
    char name[DLA_LNAME_MAX];
    char type[32];
    int *nodes; /* ONNX-level nodes fused here (for names and the report) */
    int n_nodes;
    int in;                   /* activation tensor read */
    int out;                  /* tensor written */
    int conv_node;            /* IR_LAYER_CONV: the conv node */
    int pool_node;            /* IR_LAYER_POOL */
    int scale_mul, scale_add; /* SDP-only: per-channel scale/shift (-1 when absent) */
    int ew_in;                /* element-wise operand tensor, -1 if none */
    bool relu_before_ew;      /* ReLU in the BS stage (conv -> relu -> add) */
    bool relu;                /* ReLU at the end of the SDP (after EW when there is one) */
    bool clip;
    float clip_hi; /* clip(0, hi) after ReLU */
    int lut_fn;    /* ir_lut_fn applied last, by the SDP Y-stage LUT (lut.c); IR_LUT_NONE if none */
    bool ew_mul;   /* the EW operand multiplies (Mul of two activations) instead of adding */
    dla_llut *lut; /* quantize.c -> lut.c: the LUT's tables and settings (op filled at emission) */
    /* quantize.c (per-layer precision, docs/compiler.md "Mixed precision") */
    dla_precision prec; /* compute precision: the network's, --layer-precision's, or FP16 fallback */
    bool prec_forced;   /* set by --layer-precision */
    bool prec_fallback; /* INT8 network: INT8 could not run this layer, FP16 does */
    bool convert;       /* an SDP-only precision conversion inserted at an INT8 <-> FP16 boundary */
    uint32_t clip_truncate;
    dla_lsdp sdp;            /* SDP template: stages, cvts and precisions; surfaces filled at emission */
    int16_t *operands;       /* per-kernel {alu, mul} pairs (K x 2), or NULL */
    void *qweights;          /* K x (C/groups) x R x S, int8 or binary16 */
    uint64_t operand_offset; /* in the weights region (memory_plan.c) */
    /* tiling.c */
    ir_conv_tile *tiles;
    int n_tiles;
    int h_splits, k_slices;
    int batch_chunk; /* tiling.c: images per conv op (NVDLA batch mode, FC-like layers), 1 = per image */
    uint64_t macs;   /* useful MACs, all images */
    bool sparse;     /* sparsity.c: 2:4 compressed weights */
    bool image;      /* tiling.c: image-input conv (its input tensor is pixel; weights channel-extended) */
    int gpu_node;    /* IR_LAYER_GPU: the node */
    /* hfuse.c: a horizontally merged conv (sibling convs of one input as one): the siblings' output
     * tensors, each a channel slice of out (concat_of == out, concat_c0 its first channel); NULL if
     * not merged. */
    int *hslices;
    int n_hslices;
} ir_layer;

/* A maximal run of nodes on one device in topological order (partition.c): a DLA subgraph
 * (TensorRT's ForeignNode) or a run of GPU layers. */
typedef struct ir_segment {
    bool gpu;
    char name[DLA_LNAME_MAX]; /* DLA: "{ForeignNode[first...last]}" */
    int first_node, last_node;
} ir_segment;

typedef struct ir_graph {
    char *path;       /* the ONNX file, for messages */
    const char *base; /* its basename */
    ir_tensor *tensors;
    int n_tensors, cap_tensors;
    ir_node *nodes;
    int n_nodes, cap_nodes;
    int *inputs, n_inputs; /* network inputs (non-constant graph inputs) */
    int *outputs, n_outputs;
    int64_t opset;
    int64_t model_batch; /* batch of the first input as exported */
    int64_t batch;       /* batch compiled for */
    /* name -> tensor index (open addressing) */
    int *hash;
    int hash_cap;
    ir_layer *layers;
    int n_layers;
    /* memory_plan.c */
    uint64_t weights_bytes, activations_bytes;
    /* partition.c */
    bool gpu_fallback; /* illegal nodes become GPU layers instead of an error */
    ir_segment *segments;
    int n_segments;
    bool calib_from_cache; /* calib.c: INT8 scales were read from a calibration cache */
    bool prec_assigned;    /* quantize.c: ir_check_layer_precision set the layers' precisions */
} ir_graph;

/* graph.c: construction and queries. */
ir_graph *ir_graph_create(const char *path);
void ir_graph_destroy(ir_graph *g);
int ir_tensor_find(const ir_graph *g, const char *name);
/* New tensor with this name (unique: existing name -> its index when reuse, else a fresh suffix). */
dla_status ir_tensor_add(ir_graph *g, const char *name, int *index, dla_error *err);
dla_status ir_node_add(ir_graph *g, const char *name, const char *op_type, int n_in, int n_out, int *index,
                       dla_error *err);
int64_t ir_numel(const ir_tensor *t);
/* The tensor holding t's bytes (follows flatten views). */
int ir_resolve(const ir_graph *g, int t);
/* Set a constant payload (takes ownership of f or i). */
void ir_tensor_set_const_f(ir_tensor *t, float *f, int elem_type);
void ir_tensor_set_const_i(ir_tensor *t, int64_t *i, int elem_type);
/* A new constant float tensor with the given shape (data zeroed), for rewritten weights. */
dla_status ir_const_new_f(ir_graph *g, const char *name, int rank, const int64_t *dims, int *index, dla_error *err);
const ir_attr *ir_attr_get(const ir_node *n, const char *name);
int64_t ir_attr_int(const ir_node *n, const char *name, int64_t def);
float ir_attr_float(const ir_node *n, const char *name, float def);
/* Node indices reading tensor t (fills up to max, returns the count). */
int ir_consumers(const ir_graph *g, int t, int *out, int max);
bool ir_is_float_type(int elem_type);
/* The tensor as an N x C x H x W cube: rank 4 as is, rank 2 (N x C) as N x C x 1 x 1. */
bool ir_nchw(const ir_tensor *t, int64_t d[4]);
const char *ir_shape_str(const ir_tensor *t, char *buf, size_t size);
/* Nodes in a topological order (alive ones only); caller frees. */
dla_status ir_topo_order(const ir_graph *g, int **order, int *n, dla_error *err);
/* Append " + name" to n->merged (fusion names). */
dla_status ir_node_merge_name(ir_node *n, const char *name, dla_error *err);
/* Put "name + " in front (a node folded in from upstream, e.g. Pad or Flatten). */
dla_status ir_node_prepend_name(ir_node *n, const char *name, dla_error *err);
char *ir_strdup(const char *s);
uint16_t ir_f32_to_f16(float f);
float ir_f16_to_f32(uint16_t h);

/* The passes, in pipeline order. Each returns DLA_OK or fills err naming the file and node. */
dla_status ir_import_onnx(const char *path, int64_t batch, ir_graph **out, dla_error *err);
/* The same with trtexec-style input shapes ("x:1x3x224x224,y:..."; NULL: none) for dynamic dimensions. */
dla_status ir_import_onnx_shapes(const char *path, int64_t batch, const char *shapes, ir_graph **out, dla_error *err);
#define IR_OPSET_MIN 7
#define IR_OPSET_MAX 21
/* qdq.c (run first by ir_fold_shapes): Q/DQ of constants fold into float weights; activation Q -> DQ
 * pairs vanish, leaving their scale in the tensor's calib_scale. */
dla_status ir_fold_qdq(ir_graph *g, dla_error *err);
dla_status ir_fold_shapes(ir_graph *g, dla_error *err);
dla_status ir_canonicalize(ir_graph *g, dla_error *err);
/* deconv.c (after ir_canonicalize): ConvTranspose with kernel == stride and nearest Resize/Upsample by
 * integer scales -> 1x1 conv + IR_OP_RUBIK contract, on targets with core.features.rubik. */
dla_status ir_lower_deconv(ir_graph *g, const dla_config *cfg, dla_precision prec, dla_error *err);
/* Reference (float) of an IR_OP_RUBIK node on NCHW buffers. */
void ir_rubik_forward(const ir_node *n, const float *x, const int64_t id[4], float *y, const int64_t od[4]);
dla_status ir_check_legality(ir_graph *g, const dla_config *cfg, FILE *report, dla_error *err);
/* partition.c: after legality (which marks illegal nodes gpu when g->gpu_fallback): the
 * GlobalAveragePool choice, DLA/GPU segments, the 16-subgraph limit, the report block. */
dla_status ir_partition(ir_graph *g, const dla_compile_opts *opts, dla_error *err);
/* Calibration forward of a GPU node the DLA reference executor has no kernel for (partition.c). */
dla_status ir_gpu_reference(ir_graph *g, const ir_node *n, float **buf, bool track_absmax, dla_error *err);
/* Emission of the GPU layers and the segment table (partition.c); first_op[i] / num_ops of layer i. */
dla_status ir_emit_segments(ir_graph *g, const dla_compile_opts *opts, const uint32_t *first_op,
                            const uint32_t *num_ops, dla_loadable *ld, dla_error *err);
/* lut.c: Sigmoid / Tanh -> IR_OP_LUT, Mul(x, Sigmoid(x)) -> IR_OP_LUT SiLU, Mul of two equal-shaped
 * activations -> IR_OP_MUL (after ir_canonicalize). */
dla_status ir_lut_canonicalize(ir_graph *g, dla_error *err);
/* The float function (reference executor, table generation). */
double ir_lut_eval(int fn, double x);
const char *ir_lut_name(int fn);
/* INT8: the real value of one LUT input step before the F fraction bits (the LUT input v is x / step *
 * 2^F), so the SDP stages before the LUT requantise to this scale instead of the output's. */
double ir_lut_input_step(int fn);
/* INT8: build l->lut for output scale s_out and set the output converter (lut.c). */
dla_status ir_lut_quantize(ir_graph *g, ir_layer *l, float s_out, dla_error *err);
dla_status ir_fuse(ir_graph *g, dla_error *err);
dla_status ir_reference_forward(ir_graph *g, const float *const *inputs, bool track_absmax, float **outputs,
                                dla_error *err);
/* The same, calling observe(ctx, tensor, values, count) for every network input and computed tensor
 * (calibration histograms). */
typedef void (*ir_observe_fn)(void *ctx, int tensor, const float *values, size_t count);
dla_status ir_reference_forward_observe(ir_graph *g, const float *const *inputs, bool track_absmax,
                                        ir_observe_fn observe, void *ctx, float **outputs, dla_error *err);
/* INT8: absmax of every tensor over opts->calibration_samples synthetic batches (inputs uniform in
 * [-1, 1) from dla_rng_next (sw/common/rng.c, xorshift64*) seeded by opts->calibration_seed). ir_quantize then uses the
 * absmax. */
dla_status ir_calibrate(ir_graph *g, const dla_compile_opts *opts, dla_error *err);
/* The same synthetic batches (same seed: same data on every call) through an observer. */
dla_status ir_calibrate_synthetic(ir_graph *g, const dla_compile_opts *opts, bool track_absmax, ir_observe_fn observe,
                                  void *ctx, dla_error *err);
/* calib.c: the INT8 scale source chosen by opts (cache file, QDQ scales, or calibration over synthetic
 * data or opts->calib_dir with min-max / percentile / entropy) fills every tensor's calib_scale, and
 * writes opts->calib_cache_out. Runs in place of ir_calibrate. */
dla_status ir_calibration(ir_graph *g, const dla_compile_opts *opts, dla_error *err);
/* Thresholds over a histogram of |x| (bins of width w from 0): the upper edge of the bin where the
 * cumulative count reaches pct percent; the KL-optimal clipping threshold for 128 levels (entropy). */
double ir_calib_percentile_threshold(const uint64_t *hist, int bins, double w, double pct);
double ir_calib_entropy_threshold(const uint64_t *hist, int bins, double w);
/* TensorRT calibration cache: read (scales by tensor name; unknown names are an error) and write. */
dla_status ir_calib_cache_read(ir_graph *g, const char *path, dla_error *err);
/* After a successful compile: opts->calib_cache_out, or opts->calib_cache when it did not exist. */
dla_status ir_calib_cache_save(const ir_graph *g, const dla_compile_opts *opts, dla_error *err);
dla_status ir_calib_cache_write(const ir_graph *g, const char *path, const char *algo, dla_error *err);
dla_status ir_quantize(ir_graph *g, const dla_compile_opts *opts, dla_error *err);
/* quantize.c: the INT8 scale quantisation gives a tensor (its calibrated scale, else absmax / 127). */
float ir_tensor_scale(const ir_tensor *t);
/* hfuse.c (after calibration, before ir_quantize): horizontal fusion of sibling convs reading one
 * tensor into one conv whose output channels are the siblings' outputs (docs/compiler.md "Horizontal
 * fusion"); the decisions go to opts->report. */
dla_status ir_hfuse(ir_graph *g, const dla_compile_opts *opts, dla_error *err);
/* The slice tensor of a merged layer holding output channel k, -1 for a zero-padding channel. */
int ir_hfuse_slice_of(const ir_graph *g, const ir_layer *l, int k);
/* Per-layer precisions (quantize.c): every layer gets the network's precision, then the entries of
 * opts->layer_precision (each must name a node of a DLA layer). */
dla_status ir_check_layer_precision(ir_graph *g, const dla_compile_opts *opts, dla_error *err);
uint32_t ir_entry_per_slice(int64_t C, int64_t W, const dla_config *cfg, dla_precision prec);
/* sparsity.c: marks the conv layers that go 2:4 sparse (opts->sparsity), pruning them under FORCE. */
dla_status ir_sparsity_select(ir_graph *g, const dla_compile_opts *opts, dla_error *err);
dla_status ir_tile(ir_graph *g, const dla_config *cfg, dla_precision prec, dla_error *err);
dla_status ir_memory_plan(ir_graph *g, const dla_config *cfg, dla_precision prec, dla_error *err);
dla_status ir_emit(ir_graph *g, const dla_compile_opts *opts, dla_loadable **out, dla_error *err);

/* Window geometry of a Conv or pooling node on an HxW input (pads from pads/auto_pad, ceil_mode
 * turned into extra bottom/right padding), checked; shared by shape inference and canonicalisation. */
typedef struct ir_window {
    int kh, kw, sy, sx, dy, dx, pt, pl, pb, pr;
    int64_t oh, ow;
} ir_window;
dla_status ir_window_geometry(const ir_graph *g, const ir_node *n, int64_t h, int64_t w, int64_t kh, int64_t kw,
                              bool pool, ir_window *out, dla_error *err);

/* Helpers shared by passes. */
int ir_fraction_bits(void); /* F of docs/datapath.md */
uint64_t ir_dc_weight_bytes(int k, int c, int r, int s, int atomic_c, int atomic_k, dla_precision prec);
/* Write weights w[k][c][r][s] (kn kernels, cn channels, either int8 or binary16) in DC format. */
void ir_dc_weight_pack(const void *w, int kn, int cn, int r, int s, int atomic_c, int atomic_k, dla_precision prec,
                       uint8_t *dst);
int ir_bpe(dla_precision prec);
/* 2:4 compressed INT8 weights (docs/datapath.md): sizes from the dense DC bytes (a multiple of 4), and
 * the compression of a DC image; false when a group of 4 holds more than 2 non-zeros. */
uint64_t ir_sparse_values_bytes(uint64_t dense_bytes);
uint64_t ir_sparse_meta_bytes(uint64_t dense_bytes);
bool ir_sparse_compress(const uint8_t *dense, uint64_t dense_bytes, uint8_t *values, uint8_t *meta);

#endif
