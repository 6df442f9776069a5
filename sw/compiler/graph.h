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
    int loadable_tensor;         /* index in the loadable's tensors[], -1 if none */
    dla_precision prec;          /* quantize.c: storage precision of an activation (INT8 or FP16) */
    bool pixel;                  /* tiling.c: network input read by an image-input conv, stored as pixels */
    uint32_t pixel_format;       /* when pixel: NVDLA PIXEL_FORMAT code (dla/nvdla_pixel.h) */
    /* deconv.c: rows / columns allocated past dims[2] / dims[3]. A RUBIK contract writes whole stride
     * groups; when the ONNX output is not a whole number of them, consumers read the cropped view. */
    int64_t pad_h, pad_w;
    /* slice.c: a Slice/Split output read in place (a READER view, docs/compiler.md "Slice and Split"):
     * the tensor holding the bytes (never itself a view) and this window's first channel, row and
     * column in it; -1 if none. Readers use its offset and the holder's strides. */
    int view_of;
    int view_c0, view_h0, view_w0;
    /* slice.c: a slice copied to dense bytes (SDP pass-through or one-hot 1x1 conv) from the view
     * copy_of: it keeps that view's INT8 scale so the copy is exact; -1 if none. */
    int copy_of;
    /* WAR hazards (memory_plan.c): the byte range this tensor is placed in (a concat slice: its
     * concat's) and how many of g->freed were freed before it was placed; emit.c makes its writer
     * wait for the readers of every freed span overlapping the range. war_size 0: none. */
    uint64_t war_off, war_size;
    int war_freed;
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

/* TensorRT's output-map limit of convolutions and deconvolutions on the DLA (rules conv.output_maps,
 * deconv.output_maps): legality.c checks it, deconv.c leaves a larger ConvTranspose unlowered. */
#define IR_TRT_OUTPUT_MAPS_MAX 8192

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
    IR_OP_RUBIK,  /* RUBIK contract of a lowered deconvolution / nearest Resize (deconv.c) */
    IR_OP_LRN,    /* LRN across channels on the CDP (lrn.c); attributes size, alpha, beta, bias as in ONNX */
    IR_OP_SLICE,  /* one window of Slice / Split (slice.c): a view of its input, no op, no bytes */
    IR_OP_PRELU,  /* LeakyRelu / PRelu with constant slopes: SDP X-stage PReLU (sdp_ops.c) */
    IR_OP_EW_ALU, /* Max / Min / Sub of two equal-shaped activations, Abs: SDP EW ALU (sdp_ops.c) */
    IR_OP_X_ALU   /* Max / Min of an activation and a per-tensor / per-channel constant: BN ALU (sdp_ops.c) */
} ir_kind;

/* Steps of a lowered Softmax (softmax.c, docs/compiler.md "Softmax"): they fix the LUT shifts and
 * the INT8 scales of the intermediate tensors (lut.c). */
typedef enum ir_softmax_role {
    IR_SOFTMAX_NONE = 0,
    IR_SOFTMAX_EXP1,    /* e1 = exp(x - m1), m1 = 127 s_x (x's INT8 bound) */
    IR_SOFTMAX_NEGLOG1, /* L1 = -log(sum e1) - m1 (n = 0 reads as half an LSB: a safe step up) */
    IR_SOFTMAX_EXP,     /* e = exp(x + L - m2) */
    IR_SOFTMAX_NEGLOG,  /* l = -log(sum e) - m2 (n = 0: half an LSB) */
    IR_SOFTMAX_LSUM,    /* L' = L + l */
    IR_SOFTMAX_OUT,     /* y = exp(x + L) */
    IR_SOFTMAX_EXPLO,   /* the part of exp(x + L - m2) that rounds to 0 in e, on a 127x finer scale */
    IR_SOFTMAX_SUMLO    /* its channel sum (a 1x1 conv), added to the sum of e in the -log layer */
} ir_softmax_role;

/* What an IR_OP_EW_ALU node / a layer's EW ALU computes (sdp_ops.c); IR_EW_NONE: Add or Mul as before. */
typedef enum ir_ew_fn {
    IR_EW_NONE = 0,
    IR_EW_MAX,
    IR_EW_MIN,
    IR_EW_SUB, /* in[0] - in[1]: SUM with the operand converted by a negative scale */
    IR_EW_ABS  /* Max(x, -x): the EW stage reads the layer's own input again, negated */
} ir_ew_fn;

/* Functions the SDP lookup table computes (lut.c, docs/compiler.md "Lookup-table activations"). */
typedef enum ir_lut_fn {
    IR_LUT_NONE = 0,
    IR_LUT_SIGMOID,
    IR_LUT_TANH,
    IR_LUT_SILU, /* x * sigmoid(x), from Mul(x, Sigmoid(x)) */
    /* Softmax over C (softmax.c): exp(x - m) with m a per-tensor bound from the input's INT8 scale (the
     * float reference uses m = 0: softmax does not depend on m), and -log(s) of the channel sum. */
    IR_LUT_EXP,
    IR_LUT_NEGLOG,
    IR_LUT_EXPLO /* the part of exp(x - m) under half an LSB of e (0 in the float reference) */
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
    /* softmax.c: the node's step in a lowered Softmax (ir_softmax_role) and the Softmax input, whose
     * INT8 scale sets the first pass's shift (lut.c). */
    int softmax_role;
    int softmax_x;
    int64_t slice_start[4]; /* IR_OP_SLICE: first N, C, H, W index of the window in its input (slice.c) */
    int sdp_const;          /* IR_OP_PRELU: constant tensor of C slopes; IR_OP_X_ALU: of C operands (sdp_ops.c) */
    int ew_fn;              /* IR_OP_EW_ALU, IR_OP_X_ALU (MAX / MIN only): ir_ew_fn */
} ir_node;

typedef enum ir_layer_kind {
    IR_LAYER_CONV,
    IR_LAYER_SDP,
    IR_LAYER_POOL,
    IR_LAYER_GPU,   /* one GPU-fallback node (partition.c): no DLA ops, a GPU layer of the loadable */
    IR_LAYER_RUBIK, /* a RUBIK contract (deconv.c) */
    IR_LAYER_CDP    /* an LRN on the CDP, memory to memory (lrn.c) */
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
    dla_lcdp cdp;    /* IR_LAYER_CDP: window, attributes, converters (lrn.c); surfaces filled at emission */
    /* sdp_ops.c (docs/compiler.md "PReLU, Max, Min, Sub and Abs on the SDP") */
    bool prelu;              /* PReLU in the BN stage, after bias / scale */
    int prelu_slope;         /* when prelu: constant tensor of C slopes */
    int xalu_fn;             /* IR_EW_MAX / IR_EW_MIN with a constant in BN's ALU (before the PReLU), IR_EW_NONE */
    int xalu_const;          /* when xalu_fn: constant tensor of C operands */
    int ew_fn;               /* ir_ew_fn of the EW operand (IR_EW_NONE: the Add / Mul above) */
    uint32_t bn_table_bytes; /* > 0: l->operands holds BN's own K {alu, mul} pairs after BS's (K * 4 bytes) */
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

/* memory_plan.c: a tensor's bytes in the activations region, freed after its last reader. */
typedef struct ir_span {
    uint64_t off, size;
    int tensor;
} ir_span;

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
    ir_span *freed; /* activation spans in the order they were freed (WAR hazards, emit.c) */
    int n_freed;
    /* partition.c */
    bool gpu_fallback; /* illegal nodes become GPU layers instead of an error */
    ir_segment *segments;
    int n_segments;
    bool calib_from_cache; /* calib.c: INT8 scales were read from a calibration cache */
    bool prec_assigned;    /* quantize.c: ir_check_layer_precision set the layers' precisions */
    /* sram_plan.c: the on-chip SRAM pool (docs/compiler.md "On-chip SRAM") */
    int64_t sram_pool_bytes;   /* bytes of the core's SRAM the plan may use (0: none), set before ir_memory_plan */
    uint64_t sram_bytes;       /* the SRAM region's size (0: no SRAM region) */
    int sram_tensors;          /* intermediate tensors placed there */
    uint64_t sram_saved_bytes; /* estimated DRAM bytes per inference they save (one write + their reads) */
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
/* Why deconv.c does not lower ConvTranspose n (a sentence naming its rule); false when it does. */
bool ir_deconv_refusal(const ir_graph *g, const ir_node *n, char *why, size_t wlen);
/* resize_linear.c (called by ir_lower_deconv): linear Resize / Upsample node ni by integer scales ->
 * exclusive-mean pools + phase convs summed by the SDP + RUBIK contract, on DLA 2 targets; *lowered
 * says whether it did. ir_resize_linear_refusal: why it would not (a sentence naming its rule). */
dla_status ir_lower_resize_linear(ir_graph *g, int ni, const dla_config *cfg, int cps, bool *lowered, dla_error *err);
bool ir_resize_linear_refusal(const ir_graph *g, const ir_node *n, char *why, size_t wlen);
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
/* INT8: the LUT input step of layer l: ir_lut_input_step for Sigmoid/Tanh/SiLU, chosen from the layer's
 * input scale for the softmax functions (lut.c). */
double ir_lut_layer_step(const ir_graph *g, const ir_layer *l);
/* INT8: the output scale fixed by the layer's LUT function (softmax: e, -log(s) and y have known
 * ranges), or 0 when calibration chooses it. */
float ir_lut_fixed_out_scale(const ir_graph *g, const ir_layer *l);
/* softmax.c (after ir_check_legality): every Softmax over C that legality let through becomes
 * exp LUT -> all-ones 1x1 conv (channel sum) + -log LUT -> Add with x + exp LUT (docs/compiler.md
 * "Softmax"). */
dla_status ir_lower_softmax(ir_graph *g, const dla_config *cfg, dla_error *err);
/* Whether softmax.c maps Softmax node n (the TensorRT rules softmax.target/axis/size already hold);
 * if not, why (with its dlasim rule name) in why. */
bool ir_softmax_mappable(const ir_graph *g, const dla_config *cfg, const ir_node *n, char *why, size_t size);
/* lrn.c: LRN of a 4-D activation -> IR_OP_LRN (after ir_canonicalize); its float forward (reference
 * executor); INT8: the CDP converters and LUT of layer l for input scale s_in and output scale s_out;
 * the rules its legality checks (NULL: legal). */
dla_status ir_lrn_canonicalize(ir_graph *g, dla_error *err);
void ir_lrn_forward(const ir_node *n, const float *x, const int64_t d[4], float *y);
dla_status ir_lrn_quantize(ir_graph *g, ir_layer *l, float s_in, float s_out, dla_error *err);
const char *ir_lrn_illegal(const ir_graph *g, const ir_node *n, const dla_config *cfg, char *buf, size_t size);
/* sdp_ops.c: LeakyRelu / PRelu with constant per-tensor or per-channel slopes -> IR_OP_PRELU; Max / Min
 * / Sub of two equal-shaped activations and Abs -> IR_OP_EW_ALU; Max / Min of an activation and a
 * per-tensor / per-channel constant -> IR_OP_X_ALU (after ir_lut_canonicalize). */
dla_status ir_sdp_ops_canonicalize(ir_graph *g, dla_error *err);
/* Fusion: absorb node n (the single reader of l's output) into l's SDP pass; false if it cannot. */
bool ir_sdp_ops_absorb(const ir_graph *g, ir_layer *l, const ir_node *n, const bool *available);
/* Fusion: a fresh SDP layer for an IR_OP_PRELU / IR_OP_EW_ALU node; the layer's type name. */
void ir_sdp_ops_layer(const ir_graph *g, ir_layer *l, const ir_node *n);
void ir_sdp_ops_layer_type(ir_layer *l);
/* Quantisation: PReLU and EW ALU settings on top of the layer's SDP template (INT8 or FP16). */
dla_status ir_sdp_ops_quantize(ir_graph *g, ir_layer *l, dla_error *err);
/* Float forward of an IR_OP_PRELU / IR_OP_EW_ALU / IR_OP_X_ALU node (reference executor). */
void ir_sdp_ops_forward(const ir_graph *g, const ir_node *n, float *const *buf, float *y, const int64_t od[4]);
/* INT8 PReLU slopes as a 16-bit multiplier and one shift in [0, max_shift] (x < 0: rshr(x * q, shift)):
 * the shift with the smallest max |q / 2^shift - slope| (ties: the smaller shift); false when a slope
 * is not finite or does not fit 16 bits even at shift 0. */
bool ir_prelu_slope_quantize(const float *slope, int n, int max_shift, int16_t *q, int *shift, double *max_err);
/* canonicalize.c: a constant broadcastable to a rank-r activation along its channel axis only (ONNX
 * broadcasting: trailing dims aligned) as C floats; false otherwise. */
bool ir_const_per_channel(const ir_tensor *c, int r, int64_t C, float *out);
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
/* memory_plan.c, for sram_plan.c: the NVDLA feature layout of a tensor (strides and bytes). */
void ir_feature_layout(ir_tensor *t, int atom);
/* sram_plan.c: the pool the options ask for (DLA_SRAM_POOL_CONFIG: the core's SRAM; more than the
 * target's SRAM is refused), and the placement of intermediates into SRAM region `region` (called by
 * ir_memory_plan once lifetimes are known; the DRAM plan skips what it placed). */
dla_status ir_sram_pool_bytes(const char *onnx_path, const dla_compile_opts *opts, int64_t *pool, dla_error *err);
dla_status ir_sram_plan(ir_graph *g, int atom, int region, dla_error *err);
dla_status ir_emit(ir_graph *g, const dla_compile_opts *opts, dla_loadable **out, dla_error *err);

/* Window geometry of a Conv or pooling node on an HxW input (pads from pads/auto_pad, ceil_mode
 * turned into extra bottom/right padding), checked; shared by shape inference and canonicalisation. */
typedef struct ir_window {
    int kh, kw, sy, sx, dy, dx, pt, pl, pb, pr;
    int64_t oh, ow;
} ir_window;
dla_status ir_window_geometry(const ir_graph *g, const ir_node *n, int64_t h, int64_t w, int64_t kh, int64_t kw,
                              bool pool, ir_window *out, dla_error *err);

/* slice.c (docs/compiler.md "Slice and Split"). Output k of a Slice / Split node: the window's first
 * index and length per axis of its input (ONNX clamping: negative starts/ends count from the end,
 * INT64_MAX ends clamp). DLA_ERR_UNSUPPORTED with *why set when the parameters are not constants or a
 * step is not 1 (legality names the rule); DLA_ERR_INVALID for a malformed node. */
dla_status ir_slice_window(const ir_graph *g, const ir_node *n, int k, int64_t *start, int64_t *len, const char **why);
/* Shape inference of Slice / Split over an activation (fold_shapes.c). */
dla_status ir_slice_infer(ir_graph *g, ir_node *n, dla_error *err);
/* ir_canonicalize: a legal Slice / Split of a 4-D activation -> one IR_OP_SLICE node per used output. */
dla_status ir_slice_canonicalize(ir_graph *g, int ni, dla_error *err);
/* After legality (GPU nodes known), before partition: each IR_OP_SLICE stays a view (view_of) or gets
 * a copy (SDP pass-through, or a one-hot 1x1 conv for channels off a surface boundary). */
dla_status ir_lower_slices(ir_graph *g, const dla_config *cfg, dla_precision prec, dla_error *err);
/* The tensor holding t's bytes when t is a slice view, else t. */
int ir_slice_root(const ir_graph *g, int t);
/* quantize.c: views take their holder's precision and scale, copies their view's scale. */
void ir_slice_sync(ir_graph *g);
/* memory_plan.c: a read of t at layer i keeps a view's holder alive; after placement, views get the
 * holder's region, strides and the window's offset. */
void ir_slice_extend_lifetime(ir_graph *g, int t, int layer);
dla_status ir_slice_place_views(ir_graph *g, int atom, dla_error *err);
/* Reference: the window of x (NCHW, dims id) into y (dims od). */
void ir_slice_forward(const ir_node *n, const float *x, const int64_t id[4], float *y, const int64_t od[4]);

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
