// One SDP operation decoded from the SDP and SDP_RDMA register groups (NVDLA encodings,
// NVDLA_SDP.rdl / NVDLA_SDP_RDMA.rdl), validated once when the op starts. Decode assumptions:
// - sizes are value+1; addresses LOW/HIGH; strides in bytes; RAM_TYPE bits are ignored (the
//   address decides DRAM or SRAM).
// - input: FLYING_MODE (SDP) 1 = from CACC, 0 = offline from SDP_RDMA SRC_* (cube size and
//   IN_PRECISION from SDP_RDMA); output: OUTPUT_DST 0 = memory (DST_*), 1 = PDP.
// - BS/BN: *_BYPASS, *_ALU_BYPASS, *_ALU_ALGO (MAX/MIN/SUM), *_MUL_BYPASS, *_RELU_BYPASS; operands
//   per layer from *_SRC_VALUE (int16) or, with *_SRC = MEM, per kernel from B/N-RDMA
//   BS/BN_BASE_ADDR as K pairs of int16 {alu, mul} (docs/datapath.md), or PER_ELEMENT as an INT8 cube
//   used by the ALU or the MUL (DATA_USE ALU or MUL, DATA_SIZE ONE_BYTE).
// - EW: EW_BYPASS, EW_ALU_BYPASS, EW_ALU_ALGO, EW_ALU_SRC (MEM: INT8 cube at E-RDMA EW_BASE_ADDR with
//   EW_LINE/SURFACE_STRIDE; REG: EW_ALU_SRC_VALUE), EW_ALU_CVT_BYPASS and the ALU CVT
//   offset/scale/truncate, EW_MUL_BYPASS with EW_MUL_SRC_VALUE (per layer, int16 range) and
//   EW_TRUNCATE_VALUE as the MUL shift; ReLU = extension register DLASIM_EXT_SDP_CFG bit 0.
// - output converter: CVT_OFFSET, CVT_SCALE (int16), CVT_SHIFT.
// - batch (D_FEATURE_MODE_CFG.BATCH_NUMBER + 1 images): on-the-fly from a batched conv only; CACC
//   delivers each chunk tagged with its image, written to D_DST_BASE_ADDR + image x D_DST_BATCH_STRIDE.
// - PROC_PRECISION FP16 selects the FP pipeline (sdp_math.h *_fp): operand registers and per-kernel
//   pairs hold binary16 bits (EW register operands binary32), converters and shifts are unused; the
//   input is FP16 (or INT8, widened exactly), the output FP16 or INT8.
// Unsupported settings (offline or to-PDP batch, batch with per-element operands, Winograd, LUT, EW PReLU, EQL,
// per-element operands of two bytes or used by both ALU and MUL) are rejected with a message naming the register.
#pragma once

#include <cstdint>

#include "common/register_file.h"
#include "memory/feature_dma.h"
#include "sdp_lut.h"
#include "sdp_math.h"

namespace dlasim::hw {

struct SdpOp {
    int group = 0;       // SDP group
    int rdma_group = -1; // SDP_RDMA group, -1 when no read DMA is used
    uint32_t width = 0, height = 0, channels = 0;
    uint32_t reg_channels = 0; // D_DATA_CUBE_CHANNEL + 1; channels is rounded up to whole atoms
    bool flying = false;       // input from CACC
    bool fp = false;           // D_DATA_FORMAT.PROC_PRECISION = FP16: the FP pipeline
    bool to_pdp = false;       // output to PDP instead of memory
    uint32_t batch = 1;        // images (batch mode, on-the-fly only)
    uint64_t dst_batch_stride = 0;
    FeatureCube src;          // offline input
    FeatureCube dst;          // output in memory
    FeatureCube ew;           // element-wise operand cube (when ew_from_mem)
    bool ew_from_mem = false; // the EW ALU operand is an INT8 cube read by the E-RDMA
    bool ew_mul_mem = false;  // the EW MUL operand is a per-kernel INT8 vector read by the E-RDMA
    bool ew_mul_elem = false; // the EW MUL operand is the INT8 cube `ew` (E-RDMA DATA_USE MUL, PER_ELEMENT)
    FeatureCube ew_mul;       // that vector: a 1 x 1 x C cube in the feature format
    int32_t ew_reg_operand = 0;
    // Per-stage operands: per layer (register) or per kernel from memory.
    struct Operands {
        bool alu_mem = false, mul_mem = false;
        int32_t alu_reg = 0, mul_reg = 0;
        uint64_t addr = 0; // K pairs of int16 {alu, mul}
        // DATA_MODE = PER_ELEMENT: one INT8 operand per element, an INT8 cube in the feature format
        // (B/N-RDMA BS/BN_BASE_ADDR, _LINE_STRIDE, _SURFACE_STRIDE), used by the ALU or the MUL
        // (DATA_USE); the other operand stays per layer.
        bool per_element = false;
        FeatureCube cube;
        bool from_mem() const { return alu_mem || mul_mem; }
    } bs_ops, bn_ops;
    SdpStage bs, bn;
    SdpEwStage ew_stage;
    bool lut = false; // the Y-stage LUT replaces the EW result (D_DP_EW_CFG.EW_LUT_BYPASS = 0)
    SdpLutConfig lut_cfg;
    SdpOutCvt out;
    bool needs_rdma() const
    {
        return !flying || bs_ops.from_mem() || bn_ops.from_mem() || ew_from_mem || ew_mul_mem || ew_mul_elem;
    }
};

// SDP's register file: the ping-pong groups plus the LUT RAM behind S_LUT_ACCESS_CFG/_DATA.
class SdpRegisterFile : public LutRegisterFile {
  public:
    SdpRegisterFile();
};

// Whether the op in this SDP group needs SDP_RDMA (offline input or operands from memory).
bool sdp_needs_rdma(const RegisterFile &sdp, int group);
// Decode and validate; rdma/rdma_group are used only when the op needs them. Throws
// std::invalid_argument ("SDP group 0: D_DP_BS_CFG.BS_ALU_ALGO = 3 (EQL) not supported ...").
SdpOp decode_sdp_op(const RegisterFile &sdp, int group, const RegisterFile &rdma, int rdma_group, uint32_t atom_bytes,
                    bool functional);

} // namespace dlasim::hw
