// SDP register decode (assumptions listed in sdp_op.h).
#include "sdp_op.h"

#include <stdexcept>
#include <string>
#include <tuple>

#include "dla/dlasim_ext_regs.h"
#include "dla/nvdla_regs.h"

#define FIELD(value, REG, NAME) (((value) >> NVDLA_##REG##_##NAME##_SHIFT) & NVDLA_##REG##_##NAME##_MASK)

namespace dlasim::hw {

namespace {

int32_t sext(uint32_t v, unsigned bits)
{
    uint32_t m = 1u << (bits - 1);
    v &= (bits == 32) ? 0xffffffffu : ((1u << bits) - 1);
    return static_cast<int32_t>((v ^ m) - m);
}

[[noreturn]] void reject(const std::string &where, const std::string &what)
{
    throw std::invalid_argument(where + ": " + what);
}

uint32_t bpe_of(uint32_t precision, const std::string &where, const char *reg, bool functional)
{
    if (precision == 0)
        return 1; // INT8
    if (precision > 2)
        reject(where,
               std::string(reg) + " = " + std::to_string(precision) + ", expected INT8 (0), INT16 (1) or FP16 (2)");
    if (functional && precision == 1)
        reject(where, std::string(reg) + " = 1 (INT16): functional mode supports INT8 and FP16 only");
    return 2;
}

uint64_t addr64(const RegisterFile &r, int g, uint32_t lo, uint32_t hi)
{
    return (uint64_t(r.get(g, hi)) << 32) | r.get(g, lo);
}

// Decodes one X stage (BS or BN); the register addresses differ only by their block.
struct XRegs {
    uint32_t cfg, alu_cfg, alu_val, mul_cfg, mul_val;
};

void decode_x(const RegisterFile &sdp, int g, const XRegs &r, const std::string &where, SdpStage &st,
              SdpOp::Operands &ops)
{
    // BS and BN share the field layout; the BS macros describe both.
    uint32_t cfg = sdp.get(g, r.cfg);
    st.enable = !FIELD(cfg, SDP_D_DP_BS_CFG, BS_BYPASS);
    if (!st.enable)
        return;
    st.alu_enable = !FIELD(cfg, SDP_D_DP_BS_CFG, BS_ALU_BYPASS);
    uint32_t algo = FIELD(cfg, SDP_D_DP_BS_CFG, BS_ALU_ALGO);
    if (st.alu_enable && algo > 2)
        reject(where, "ALU_ALGO = " + std::to_string(algo) + ", expected MAX (0), MIN (1) or SUM (2)");
    st.alu_op = static_cast<SdpAlu>(algo);
    st.mul_enable = !FIELD(cfg, SDP_D_DP_BS_CFG, BS_MUL_BYPASS);
    st.mul_prelu = st.mul_enable && FIELD(cfg, SDP_D_DP_BS_CFG, BS_MUL_PRELU);
    st.relu = !FIELD(cfg, SDP_D_DP_BS_CFG, BS_RELU_BYPASS);
    uint32_t alu_cfg = sdp.get(g, r.alu_cfg), mul_cfg = sdp.get(g, r.mul_cfg);
    st.alu_shift = FIELD(alu_cfg, SDP_D_DP_BS_ALU_CFG, BS_ALU_SHIFT_VALUE);
    st.mul_shift = FIELD(mul_cfg, SDP_D_DP_BS_MUL_CFG, BS_MUL_SHIFT_VALUE);
    ops.alu_mem = st.alu_enable && FIELD(alu_cfg, SDP_D_DP_BS_ALU_CFG, BS_ALU_SRC);
    ops.mul_mem = st.mul_enable && FIELD(mul_cfg, SDP_D_DP_BS_MUL_CFG, BS_MUL_SRC);
    ops.alu_reg = sext(sdp.get(g, r.alu_val), 16);
    ops.mul_reg = sext(sdp.get(g, r.mul_val), 16);
}

void decode_operand_dma(const RegisterFile &rdma, int rg, uint32_t cfg_addr, uint32_t addr_lo, uint32_t addr_hi,
                        uint32_t line_stride, uint32_t surface_stride, const FeatureCube &shape,
                        const std::string &where, SdpOp::Operands &ops)
{
    if (!ops.from_mem())
        return;
    uint32_t cfg = rdma.get(rg, cfg_addr); // BRDMA/NRDMA share the field layout
    if (FIELD(cfg, SDP_RDMA_D_BRDMA_CFG, BRDMA_DISABLE))
        reject(where, "operand source is MEM but the read DMA is disabled (*RDMA_DISABLE = 1)");
    ops.addr = addr64(rdma, rg, addr_lo, addr_hi);
    if (!FIELD(cfg, SDP_RDMA_D_BRDMA_CFG, BRDMA_DATA_MODE))
        return;
    uint32_t use = FIELD(cfg, SDP_RDMA_D_BRDMA_CFG, BRDMA_DATA_USE); // 0 MUL, 1 ALU, 2 BOTH
    if (use > 1)
        reject(where, "per-element operands with DATA_USE = " + std::to_string(use) +
                          " not supported; expected MUL (0) or ALU (1)");
    if (FIELD(cfg, SDP_RDMA_D_BRDMA_CFG, BRDMA_DATA_SIZE))
        reject(where, "per-element operands of TWO_BYTE not supported; expected ONE_BYTE");
    if ((use == 1 && ops.mul_mem) || (use == 0 && ops.alu_mem))
        reject(where, std::string("per-element operands feed the ") + (use ? "ALU" : "MUL") + " but the " +
                          (use ? "MUL" : "ALU") + " source is MEM as well");
    ops.per_element = true;
    ops.alu_mem = use == 1;
    ops.mul_mem = use == 0;
    ops.cube = shape;
    ops.cube.bpe = 1;
    ops.cube.base = ops.addr;
    ops.cube.line_stride = rdma.get(rg, line_stride);
    ops.cube.surface_stride = rdma.get(rg, surface_stride);
}

} // namespace

bool sdp_needs_rdma(const RegisterFile &sdp, int g)
{
    SdpOp op;
    op.flying = FIELD(sdp.get(g, NVDLA_SDP_D_FEATURE_MODE_CFG), SDP_D_FEATURE_MODE_CFG, FLYING_MODE);
    const std::string where = "SDP";
    decode_x(sdp, g,
             {NVDLA_SDP_D_DP_BS_CFG, NVDLA_SDP_D_DP_BS_ALU_CFG, NVDLA_SDP_D_DP_BS_ALU_SRC_VALUE,
              NVDLA_SDP_D_DP_BS_MUL_CFG, NVDLA_SDP_D_DP_BS_MUL_SRC_VALUE},
             where, op.bs, op.bs_ops);
    decode_x(sdp, g,
             {NVDLA_SDP_D_DP_BN_CFG, NVDLA_SDP_D_DP_BN_ALU_CFG, NVDLA_SDP_D_DP_BN_ALU_SRC_VALUE,
              NVDLA_SDP_D_DP_BN_MUL_CFG, NVDLA_SDP_D_DP_BN_MUL_SRC_VALUE},
             where, op.bn, op.bn_ops);
    uint32_t ew_cfg = sdp.get(g, NVDLA_SDP_D_DP_EW_CFG);
    op.ew_from_mem = !FIELD(ew_cfg, SDP_D_DP_EW_CFG, EW_BYPASS) && !FIELD(ew_cfg, SDP_D_DP_EW_CFG, EW_ALU_BYPASS) &&
                     FIELD(sdp.get(g, NVDLA_SDP_D_DP_EW_ALU_CFG), SDP_D_DP_EW_ALU_CFG, EW_ALU_SRC);
    op.ew_mul_mem = !FIELD(ew_cfg, SDP_D_DP_EW_CFG, EW_BYPASS) && !FIELD(ew_cfg, SDP_D_DP_EW_CFG, EW_MUL_BYPASS) &&
                    FIELD(sdp.get(g, NVDLA_SDP_D_DP_EW_MUL_CFG), SDP_D_DP_EW_MUL_CFG, EW_MUL_SRC);
    return op.needs_rdma();
}

SdpOp decode_sdp_op(const RegisterFile &sdp, int g, const RegisterFile &rdma, int rg, uint32_t atom_bytes,
                    bool functional)
{
    SdpOp op;
    op.group = g;
    const std::string where = "SDP group " + std::to_string(g);
    op.width = FIELD(sdp.get(g, NVDLA_SDP_D_DATA_CUBE_WIDTH), SDP_D_DATA_CUBE_WIDTH, WIDTH) + 1;
    op.height = FIELD(sdp.get(g, NVDLA_SDP_D_DATA_CUBE_HEIGHT), SDP_D_DATA_CUBE_HEIGHT, HEIGHT) + 1;
    op.channels = FIELD(sdp.get(g, NVDLA_SDP_D_DATA_CUBE_CHANNEL), SDP_D_DATA_CUBE_CHANNEL, CHANNEL) + 1;
    op.reg_channels = op.channels;
    uint32_t mode = sdp.get(g, NVDLA_SDP_D_FEATURE_MODE_CFG);
    op.flying = FIELD(mode, SDP_D_FEATURE_MODE_CFG, FLYING_MODE);
    op.to_pdp = FIELD(mode, SDP_D_FEATURE_MODE_CFG, OUTPUT_DST);
    if (FIELD(mode, SDP_D_FEATURE_MODE_CFG, WINOGRAD))
        reject(where, "D_FEATURE_MODE_CFG.WINOGRAD = 1 not supported");
    op.batch = FIELD(mode, SDP_D_FEATURE_MODE_CFG, BATCH_NUMBER) + 1;
    if (op.batch > 1 && (!op.flying || op.to_pdp))
        reject(where, "D_FEATURE_MODE_CFG.BATCH_NUMBER = " + std::to_string(op.batch - 1) + " (batch " +
                          std::to_string(op.batch) +
                          ") is supported on the fly from a batched conv writing to memory only; expected 0 with " +
                          (op.flying ? "OUTPUT_DST = PDP (NVDLA: conv+PDP has no batch)" : "FLYING_MODE = OFF"));
    uint32_t fmt = sdp.get(g, NVDLA_SDP_D_DATA_FORMAT);
    const uint32_t proc = FIELD(fmt, SDP_D_DATA_FORMAT, PROC_PRECISION);
    bpe_of(proc, where, "D_DATA_FORMAT.PROC_PRECISION", functional);
    op.fp = proc == 2;
    uint32_t out_bpe =
        bpe_of(FIELD(fmt, SDP_D_DATA_FORMAT, OUT_PRECISION), where, "D_DATA_FORMAT.OUT_PRECISION", functional);

    decode_x(sdp, g,
             {NVDLA_SDP_D_DP_BS_CFG, NVDLA_SDP_D_DP_BS_ALU_CFG, NVDLA_SDP_D_DP_BS_ALU_SRC_VALUE,
              NVDLA_SDP_D_DP_BS_MUL_CFG, NVDLA_SDP_D_DP_BS_MUL_SRC_VALUE},
             where + " BS", op.bs, op.bs_ops);
    decode_x(sdp, g,
             {NVDLA_SDP_D_DP_BN_CFG, NVDLA_SDP_D_DP_BN_ALU_CFG, NVDLA_SDP_D_DP_BN_ALU_SRC_VALUE,
              NVDLA_SDP_D_DP_BN_MUL_CFG, NVDLA_SDP_D_DP_BN_MUL_SRC_VALUE},
             where + " BN", op.bn, op.bn_ops);

    uint32_t ew_cfg = sdp.get(g, NVDLA_SDP_D_DP_EW_CFG);
    SdpEwStage &ew = op.ew_stage;
    ew.enable = !FIELD(ew_cfg, SDP_D_DP_EW_CFG, EW_BYPASS);
    if (ew.enable) {
        const std::string w = where + " EW";
        ew.alu_enable = !FIELD(ew_cfg, SDP_D_DP_EW_CFG, EW_ALU_BYPASS);
        uint32_t algo = FIELD(ew_cfg, SDP_D_DP_EW_CFG, EW_ALU_ALGO);
        if (ew.alu_enable && algo > 2)
            reject(w, "D_DP_EW_CFG.EW_ALU_ALGO = " + std::to_string(algo) + ", expected MAX (0), MIN (1) or SUM (2)");
        ew.alu_op = static_cast<SdpAlu>(algo);
        ew.mul_enable = !FIELD(ew_cfg, SDP_D_DP_EW_CFG, EW_MUL_BYPASS);
        ew.mul_prelu = FIELD(ew_cfg, SDP_D_DP_EW_CFG, EW_MUL_PRELU);
        op.lut = !FIELD(ew_cfg, SDP_D_DP_EW_CFG, EW_LUT_BYPASS);
        if (op.lut) { // S_LUT_* registers (one set, not ping-pong)
            SdpLutConfig &l = op.lut_cfg;
            const uint32_t cfg = sdp.get(g, NVDLA_SDP_S_LUT_CFG), info = sdp.get(g, NVDLA_SDP_S_LUT_INFO);
            l.le_exponent = !FIELD(cfg, SDP_S_LUT_CFG, LUT_LE_FUNCTION); // 0 = EXPONENT, 1 = LINEAR
            l.uflow_lo = FIELD(cfg, SDP_S_LUT_CFG, LUT_UFLOW_PRIORITY);
            l.oflow_lo = FIELD(cfg, SDP_S_LUT_CFG, LUT_OFLOW_PRIORITY);
            l.hybrid_lo = FIELD(cfg, SDP_S_LUT_CFG, LUT_HYBRID_PRIORITY);
            l.le_index_offset = sext(FIELD(info, SDP_S_LUT_INFO, LUT_LE_INDEX_OFFSET), 8);
            l.le.index_select = sext(FIELD(info, SDP_S_LUT_INFO, LUT_LE_INDEX_SELECT), 8);
            l.lo.index_select = sext(FIELD(info, SDP_S_LUT_INFO, LUT_LO_INDEX_SELECT), 8);
            l.le.start = static_cast<int32_t>(sdp.get(g, NVDLA_SDP_S_LUT_LE_START));
            l.le.end = static_cast<int32_t>(sdp.get(g, NVDLA_SDP_S_LUT_LE_END));
            l.lo.start = static_cast<int32_t>(sdp.get(g, NVDLA_SDP_S_LUT_LO_START));
            l.lo.end = static_cast<int32_t>(sdp.get(g, NVDLA_SDP_S_LUT_LO_END));
            for (auto [t, scale, shift] :
                 {std::tuple{&l.le, NVDLA_SDP_S_LUT_LE_SLOPE_SCALE, NVDLA_SDP_S_LUT_LE_SLOPE_SHIFT},
                  std::tuple{&l.lo, NVDLA_SDP_S_LUT_LO_SLOPE_SCALE, NVDLA_SDP_S_LUT_LO_SLOPE_SHIFT}}) {
                const uint32_t sc = sdp.get(g, scale), sh = sdp.get(g, shift);
                t->uflow_scale = sext(sc & 0xffffu, 16); // LE and LO share the field layout
                t->oflow_scale = sext(sc >> 16, 16);
                t->uflow_shift = sext(FIELD(sh, SDP_S_LUT_LE_SLOPE_SHIFT, LUT_LE_SLOPE_UFLOW_SHIFT), 5);
                t->oflow_shift = sext(FIELD(sh, SDP_S_LUT_LE_SLOPE_SHIFT, LUT_LE_SLOPE_OFLOW_SHIFT), 5);
            }
        }
        uint32_t alu_cfg = sdp.get(g, NVDLA_SDP_D_DP_EW_ALU_CFG);
        op.ew_from_mem = ew.alu_enable && FIELD(alu_cfg, SDP_D_DP_EW_ALU_CFG, EW_ALU_SRC);
        op.ew_reg_operand = static_cast<int32_t>(sdp.get(g, NVDLA_SDP_D_DP_EW_ALU_SRC_VALUE));
        // NVDLA converts only the operand read from memory; a register operand is used as is.
        ew.cvt_enable = op.ew_from_mem && !FIELD(alu_cfg, SDP_D_DP_EW_ALU_CFG, EW_ALU_CVT_BYPASS);
        ew.cvt_offset = static_cast<int32_t>(sdp.get(g, NVDLA_SDP_D_DP_EW_ALU_CVT_OFFSET_VALUE));
        ew.cvt_scale = sext(sdp.get(g, NVDLA_SDP_D_DP_EW_ALU_CVT_SCALE_VALUE), 16);
        ew.cvt_shift = FIELD(sdp.get(g, NVDLA_SDP_D_DP_EW_ALU_CVT_TRUNCATE_VALUE), SDP_D_DP_EW_ALU_CVT_TRUNCATE_VALUE,
                             EW_ALU_CVT_TRUNCATE);
        if (ew.mul_enable) {
            const uint32_t mul_cfg = sdp.get(g, NVDLA_SDP_D_DP_EW_MUL_CFG);
            op.ew_mul_mem = FIELD(mul_cfg, SDP_D_DP_EW_MUL_CFG, EW_MUL_SRC);
            if (op.ew_mul_mem && op.ew_from_mem)
                reject(w, "EW ALU and MUL operands both from memory (E-RDMA DATA_USE BOTH) not supported");
            ew.mul_from_mem = op.ew_mul_mem;
            ew.mul_cvt_enable = op.ew_mul_mem && !FIELD(mul_cfg, SDP_D_DP_EW_MUL_CFG, EW_MUL_CVT_BYPASS);
            ew.mul_cvt_offset = static_cast<int32_t>(sdp.get(g, NVDLA_SDP_D_DP_EW_MUL_CVT_OFFSET_VALUE));
            ew.mul_cvt_scale = sext(sdp.get(g, NVDLA_SDP_D_DP_EW_MUL_CVT_SCALE_VALUE), 16);
            ew.mul_cvt_shift = FIELD(sdp.get(g, NVDLA_SDP_D_DP_EW_MUL_CVT_TRUNCATE_VALUE),
                                     SDP_D_DP_EW_MUL_CVT_TRUNCATE_VALUE, EW_MUL_CVT_TRUNCATE);
            // NVDLA's Y-stage register operand is 32-bit (HLS eDataOutType).
            ew.mul_operand = static_cast<int32_t>(sdp.get(g, NVDLA_SDP_D_DP_EW_MUL_SRC_VALUE));
            ew.mul_shift = FIELD(sdp.get(g, NVDLA_SDP_D_DP_EW_TRUNCATE_VALUE), SDP_D_DP_EW_TRUNCATE_VALUE, EW_TRUNCATE);
        } else {
            op.ew_mul_mem = false;
        }
        ew.relu = sdp.get_ext(sdp.csb_base() + DLASIM_EXT_SDP_CFG) & 1u;
    }
    if (functional && op.fp) {
        // The FP pipeline of the model: binary16 operands, no LUT, no per-element or memory MUL
        // operands (docs/datapath.md "FP16 arithmetic").
        if (op.lut)
            reject(where, "D_DP_EW_CFG.EW_LUT_BYPASS = 0 with PROC_PRECISION FP16: the LUT is modelled for INT8 only");
        if (op.ew_mul_mem)
            reject(where, "EW MUL operand from memory with PROC_PRECISION FP16 not modelled; expected a register "
                          "operand");
    }
    if (functional && !op.fp && out_bpe != 1)
        reject(where, "D_DATA_FORMAT.OUT_PRECISION = FP16 with PROC_PRECISION INT8: the integer pipeline's output "
                      "converter produces integers (expected OUT_PRECISION INT8, or PROC_PRECISION FP16)");
    op.out.offset = static_cast<int32_t>(sdp.get(g, NVDLA_SDP_D_CVT_OFFSET));
    op.out.scale = sext(sdp.get(g, NVDLA_SDP_D_CVT_SCALE), 16);
    op.out.shift = FIELD(sdp.get(g, NVDLA_SDP_D_CVT_SHIFT), SDP_D_CVT_SHIFT, CVT_SHIFT);

    if (!op.to_pdp) {
        op.dst.base = addr64(sdp, g, NVDLA_SDP_D_DST_BASE_ADDR_LOW, NVDLA_SDP_D_DST_BASE_ADDR_HIGH);
        op.dst.line_stride = sdp.get(g, NVDLA_SDP_D_DST_LINE_STRIDE);
        op.dst.surface_stride = sdp.get(g, NVDLA_SDP_D_DST_SURFACE_STRIDE);
        if (op.batch > 1)
            op.dst_batch_stride = sdp.get(g, NVDLA_SDP_D_DST_BATCH_STRIDE);
    }
    op.dst.width = op.width;
    op.dst.height = op.height;
    op.dst.channels = op.channels;
    op.dst.atom_bytes = atom_bytes;
    op.dst.bpe = out_bpe;
    if (!op.to_pdp && (op.dst.line_stride < uint64_t(op.width) * atom_bytes ||
                       (op.channels > op.dst.cps() && op.dst.surface_stride < op.height * op.dst.line_stride)))
        reject(where, "D_DST_LINE_STRIDE " + std::to_string(op.dst.line_stride) + " / D_DST_SURFACE_STRIDE " +
                          std::to_string(op.dst.surface_stride) + " smaller than the " + std::to_string(op.width) +
                          "x" + std::to_string(op.height) + " cube they hold");

    if (out_bpe == 1) {
        // NVDLA's RDMA/WDMA move whole atoms and the datapath computes every lane of them, so the
        // channels above C up to the atom boundary are computed (offline: from whatever those input
        // bytes hold; from CACC: from zero accumulators) and written too (NVDLA's trace tests check
        // them by CRC).
        op.channels = (op.channels + op.dst.cps() - 1) / op.dst.cps() * op.dst.cps();
        op.dst.channels = op.channels;
    }
    if (op.batch > 1) {
        const uint64_t surfaces = (op.channels + op.dst.cps() - 1) / op.dst.cps();
        const uint64_t cube = surfaces > 1 ? surfaces * op.dst.surface_stride : op.height * op.dst.line_stride;
        if (op.dst_batch_stride < cube || op.dst_batch_stride % atom_bytes)
            reject(where, "D_DST_BATCH_STRIDE = " + std::to_string(op.dst_batch_stride) +
                              "; expected a multiple of the atom (" + std::to_string(atom_bytes) +
                              " B) of at least one output cube (" + std::to_string(cube) + " B)");
        if (op.ew_from_mem)
            reject(where,
                   "batch " + std::to_string(op.batch) +
                       " with an element-wise operand cube (EW_ALU_SRC = MEM) is not modelled; expected batch 1");
    }
    if (!op.needs_rdma())
        return op;
    op.rdma_group = rg;
    const std::string rw = "SDP_RDMA group " + std::to_string(rg);
    uint32_t rmode = rdma.get(rg, NVDLA_SDP_RDMA_D_FEATURE_MODE_CFG);
    if (bool(FIELD(rmode, SDP_RDMA_D_FEATURE_MODE_CFG, FLYING_MODE)) != op.flying)
        reject(rw, "D_FEATURE_MODE_CFG.FLYING_MODE differs from SDP's");
    if (FIELD(rmode, SDP_RDMA_D_FEATURE_MODE_CFG, BATCH_NUMBER) + 1 != op.batch)
        reject(rw, "D_FEATURE_MODE_CFG.BATCH_NUMBER = " +
                       std::to_string(FIELD(rmode, SDP_RDMA_D_FEATURE_MODE_CFG, BATCH_NUMBER)) +
                       " differs from SDP's " + std::to_string(op.batch - 1));
    uint32_t in_bpe = bpe_of(FIELD(rmode, SDP_RDMA_D_FEATURE_MODE_CFG, IN_PRECISION), rw,
                             "D_FEATURE_MODE_CFG.IN_PRECISION", functional);
    if (FIELD(rmode, SDP_RDMA_D_FEATURE_MODE_CFG, PROC_PRECISION) != proc)
        reject(rw, "D_FEATURE_MODE_CFG.PROC_PRECISION = " +
                       std::to_string(FIELD(rmode, SDP_RDMA_D_FEATURE_MODE_CFG, PROC_PRECISION)) +
                       " differs from SDP's D_DATA_FORMAT.PROC_PRECISION = " + std::to_string(proc));
    // The integer pipeline reads INT8 only; the FP pipeline reads FP16, or INT8 widened exactly to
    // binary32 (an INT8 -> FP16 precision conversion; docs/datapath.md).
    if (functional && !op.fp && in_bpe != 1)
        reject(rw, "D_FEATURE_MODE_CFG.IN_PRECISION = FP16 with PROC_PRECISION INT8; expected INT8 input");
    uint32_t rw_ = FIELD(rdma.get(rg, NVDLA_SDP_RDMA_D_DATA_CUBE_WIDTH), SDP_RDMA_D_DATA_CUBE_WIDTH, WIDTH) + 1;
    uint32_t rh = FIELD(rdma.get(rg, NVDLA_SDP_RDMA_D_DATA_CUBE_HEIGHT), SDP_RDMA_D_DATA_CUBE_HEIGHT, HEIGHT) + 1;
    uint32_t rc = FIELD(rdma.get(rg, NVDLA_SDP_RDMA_D_DATA_CUBE_CHANNEL), SDP_RDMA_D_DATA_CUBE_CHANNEL, CHANNEL) + 1;
    if (rw_ != op.width || rh != op.height || rc != op.reg_channels)
        reject(rw, "cube " + std::to_string(rw_) + "x" + std::to_string(rh) + "x" + std::to_string(rc) +
                       " differs from SDP's " + std::to_string(op.width) + "x" + std::to_string(op.height) + "x" +
                       std::to_string(op.reg_channels));
    FeatureCube base_cube = op.dst;
    base_cube.bpe = in_bpe;
    if (!op.flying) {
        op.src = base_cube;
        op.src.base = addr64(rdma, rg, NVDLA_SDP_RDMA_D_SRC_BASE_ADDR_LOW, NVDLA_SDP_RDMA_D_SRC_BASE_ADDR_HIGH);
        op.src.line_stride = rdma.get(rg, NVDLA_SDP_RDMA_D_SRC_LINE_STRIDE);
        op.src.surface_stride = rdma.get(rg, NVDLA_SDP_RDMA_D_SRC_SURFACE_STRIDE);
    }
    decode_operand_dma(rdma, rg, NVDLA_SDP_RDMA_D_BRDMA_CFG, NVDLA_SDP_RDMA_D_BS_BASE_ADDR_LOW,
                       NVDLA_SDP_RDMA_D_BS_BASE_ADDR_HIGH, NVDLA_SDP_RDMA_D_BS_LINE_STRIDE,
                       NVDLA_SDP_RDMA_D_BS_SURFACE_STRIDE, base_cube, rw + " BRDMA", op.bs_ops);
    decode_operand_dma(rdma, rg, NVDLA_SDP_RDMA_D_NRDMA_CFG, NVDLA_SDP_RDMA_D_BN_BASE_ADDR_LOW,
                       NVDLA_SDP_RDMA_D_BN_BASE_ADDR_HIGH, NVDLA_SDP_RDMA_D_BN_LINE_STRIDE,
                       NVDLA_SDP_RDMA_D_BN_SURFACE_STRIDE, base_cube, rw + " NRDMA", op.bn_ops);
    if (op.batch > 1 && (op.bs_ops.per_element || op.bn_ops.per_element))
        reject(rw, "batch " + std::to_string(op.batch) +
                       " with per-element BS/BN operands (DATA_MODE = PER_ELEMENT) is not modelled; expected batch 1");
    if (functional && op.fp && (op.bs_ops.per_element || op.bn_ops.per_element))
        reject(rw, "per-element BS/BN operands with PROC_PRECISION FP16 not modelled; expected per-layer or "
                   "per-kernel operands");
    if (op.ew_mul_mem) {
        // Per-kernel MUL operands (ERDMA DATA_USE MUL, DATA_MODE PER_KERNEL, ONE_BYTE): a 1 x 1 x C
        // INT8 cube in the feature format at EW_BASE_ADDR; PER_ELEMENT: a W x H x C INT8 cube there,
        // one operand per element (TensorRT's ElementWise PROD).
        uint32_t cfg = rdma.get(rg, NVDLA_SDP_RDMA_D_ERDMA_CFG);
        if (FIELD(cfg, SDP_RDMA_D_ERDMA_CFG, ERDMA_DISABLE))
            reject(rw, "EW MUL operand source is MEM but D_ERDMA_CFG.ERDMA_DISABLE = 1");
        if (FIELD(cfg, SDP_RDMA_D_ERDMA_CFG, ERDMA_DATA_USE) != 0 || FIELD(cfg, SDP_RDMA_D_ERDMA_CFG, ERDMA_DATA_SIZE))
            reject(rw, "D_ERDMA_CFG = " + std::to_string(cfg) +
                           " for the EW MUL operand; expected DATA_USE MUL, DATA_SIZE ONE_BYTE");
        if (FIELD(cfg, SDP_RDMA_D_ERDMA_CFG, ERDMA_DATA_MODE)) {
            op.ew_mul_mem = false;
            op.ew_mul_elem = true;
            op.ew = base_cube;
            op.ew.bpe = 1;
            op.ew.base = addr64(rdma, rg, NVDLA_SDP_RDMA_D_EW_BASE_ADDR_LOW, NVDLA_SDP_RDMA_D_EW_BASE_ADDR_HIGH);
            op.ew.line_stride = rdma.get(rg, NVDLA_SDP_RDMA_D_EW_LINE_STRIDE);
            op.ew.surface_stride = rdma.get(rg, NVDLA_SDP_RDMA_D_EW_SURFACE_STRIDE);
            if (op.batch > 1)
                reject(rw, "batch " + std::to_string(op.batch) +
                               " with a per-element EW MUL operand cube (ERDMA DATA_MODE PER_ELEMENT) is not "
                               "modelled; expected batch 1");
            return op;
        }
        op.ew_mul = base_cube;
        op.ew_mul.width = op.ew_mul.height = 1;
        op.ew_mul.bpe = 1;
        op.ew_mul.base = addr64(rdma, rg, NVDLA_SDP_RDMA_D_EW_BASE_ADDR_LOW, NVDLA_SDP_RDMA_D_EW_BASE_ADDR_HIGH);
        op.ew_mul.line_stride = rdma.get(rg, NVDLA_SDP_RDMA_D_EW_LINE_STRIDE);
        op.ew_mul.surface_stride = rdma.get(rg, NVDLA_SDP_RDMA_D_EW_SURFACE_STRIDE);
    }
    if (op.ew_from_mem) {
        uint32_t cfg = rdma.get(rg, NVDLA_SDP_RDMA_D_ERDMA_CFG);
        if (FIELD(cfg, SDP_RDMA_D_ERDMA_CFG, ERDMA_DISABLE))
            reject(rw, "EW operand source is MEM but D_ERDMA_CFG.ERDMA_DISABLE = 1");
        op.ew = base_cube;
        op.ew.bpe = FIELD(cfg, SDP_RDMA_D_ERDMA_CFG, ERDMA_DATA_SIZE) ? 2 : 1;
        if (functional && op.ew.bpe != (op.fp ? 2u : 1u))
            reject(rw, std::string("D_ERDMA_CFG.ERDMA_DATA_SIZE = ") + (op.ew.bpe == 2 ? "TWO_BYTE" : "ONE_BYTE") +
                           ": functional mode reads " + (op.fp ? "FP16 (TWO_BYTE)" : "INT8 (ONE_BYTE)") +
                           " EW operands in the " + (op.fp ? "FP" : "integer") + " pipeline");
        op.ew.base = addr64(rdma, rg, NVDLA_SDP_RDMA_D_EW_BASE_ADDR_LOW, NVDLA_SDP_RDMA_D_EW_BASE_ADDR_HIGH);
        op.ew.line_stride = rdma.get(rg, NVDLA_SDP_RDMA_D_EW_LINE_STRIDE);
        op.ew.surface_stride = rdma.get(rg, NVDLA_SDP_RDMA_D_EW_SURFACE_STRIDE);
    }
    return op;
}

SdpRegisterFile::SdpRegisterFile()
    : LutRegisterFile("SDP", NVDLA_SDP_BASE, NVDLA_SDP_S_LUT_ACCESS_CFG, NVDLA_SDP_S_LUT_ACCESS_DATA)
{}

} // namespace dlasim::hw
