// SDP arithmetic, exactly as docs/datapath.md "INT8 arithmetic" steps 2-5: pure functions, called
// by the SDP model only in functional mode (and usable by any reference).
#pragma once

#include <cstdint>

namespace dlasim::hw {

// rshr(x, s): x if s == 0, else x / 2^s with halves rounded away from zero (NVDLA's IntShiftRight,
// ac_fixed AC_RND_INF; common/rounding.h's rshr_away, here exact for any s), as docs/datapath.md.
int64_t rshr(int64_t x, unsigned s);
// Clamp to the signed n-bit range.
int64_t sat_bits(int64_t x, unsigned n);

enum class SdpAlu : uint8_t {
    kMax = 0,
    kMin = 1,
    kSum = 2
}; // NVDLA ALU_ALGO encodings

// X1 (BS) or X2 (BN) stage.
struct SdpStage {
    bool enable = false;
    bool alu_enable = false;
    SdpAlu alu_op = SdpAlu::kSum;
    unsigned alu_shift = 0; // operand << alu_shift before the ALU
    bool mul_enable = false;
    bool mul_prelu = false; // PReLU: only negative values are multiplied (and shifted)
    unsigned mul_shift = 0; // rshr(v * mul, mul_shift); NVDLA shifts by it even with the MUL bypassed
    bool relu = false;
};

// Y (EW) stage, in NVDLA's order: MUL v' = sat_32(rshr(v * mul, mul_shift)) (PReLU: non-negative v
// pass), then ALU of v' and e' = sat_32(rshr((e - cvt_offset) * cvt_scale, cvt_shift)) (the
// converter only for the operand read from memory; a register operand is used as is), sat_32, then
// dlasim's ReLU extension.
struct SdpEwStage {
    bool enable = false;
    bool cvt_enable = true;
    int32_t cvt_offset = 0;
    int32_t cvt_scale = 1;
    unsigned cvt_shift = 0;
    bool alu_enable = true;
    SdpAlu alu_op = SdpAlu::kSum;
    bool mul_enable = false;
    bool mul_prelu = false;
    int32_t mul_operand = 1; // register operand (32-bit in NVDLA's Y stage)
    unsigned mul_shift = 0;
    // MUL operand read from memory (per kernel): converted like the ALU operand, unless bypassed.
    bool mul_from_mem = false, mul_cvt_enable = false;
    int32_t mul_cvt_offset = 0, mul_cvt_scale = 1;
    unsigned mul_cvt_shift = 0;
    bool relu = false;
};

struct SdpOutCvt {
    int32_t offset = 0;
    int32_t scale = 1;
    unsigned shift = 0;
};

// One X stage on v (returns sat_32 of the result; v unchanged when the stage is disabled).
int64_t sdp_x_stage(int64_t v, const SdpStage &st, int32_t alu_operand, int32_t mul_operand);
// The Y stage with e = the ALU operand (element-wise or register) and mul = the MUL operand
// (st.mul_operand, or the per-kernel operand read from memory, converted by sdp_ew_mul_cvt).
int64_t sdp_ew_stage(int64_t v, const SdpEwStage &st, int64_t e, int64_t mul);
// A MUL operand read from memory: sat_32(rshr((m - mul_cvt_offset) * mul_cvt_scale, mul_cvt_shift)),
// or m when the converter is bypassed.
int64_t sdp_ew_mul_cvt(int64_t m, const SdpEwStage &st);
// The output converter: sat_8(rshr((v - offset) * scale, shift)).
int32_t sdp_out_cvt(int64_t v, const SdpOutCvt &cvt);

// FP pipeline (D_DATA_FORMAT.PROC_PRECISION = FP16; docs/datapath.md "FP16 arithmetic"): values are
// binary32, every operation rounds to nearest even, shifts and converters are not used (NVDLA's
// RDL: "Pipeline=FP: Not used"). X stage: ALU with the binary16 operand (SUM v + a; MAX/MIN keep v
// unless a is strictly greater/smaller), MUL v * m (PReLU: only v < 0), ReLU (v > 0 ? v : +0).
float sdp_x_stage_fp(float v, const SdpStage &st, uint16_t alu_operand, uint16_t mul_operand);
// Y stage: MUL by the binary32 register operand (PReLU: only v < 0), then the ALU with e (the
// binary16 operand cube element or the binary32 register operand), then dlasim's ReLU extension.
float sdp_ew_stage_fp(float v, const SdpEwStage &st, float e, float mul);
// Output of the FP pipeline: binary16 bits (out FP16), or sat_8 of v rounded to nearest even (out
// INT8; NaN gives 0).
int32_t sdp_out_fp(float v, bool out_int8);

} // namespace dlasim::hw
