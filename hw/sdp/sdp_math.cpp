// SDP arithmetic (see sdp_math.h and docs/datapath.md). Intermediates are 128-bit so that no
// register setting can overflow before the final saturation.
#include "sdp_math.h"

#include <algorithm>
#include <cmath>

#include "common/half.h"

namespace dlasim::hw {

namespace {

using i128 = __int128;

i128 rshr128(i128 x, unsigned s)
{
    if (s == 0)
        return x;
    if (s >= 120) // |x| < 2^118 here, so the rounded quotient is 0 (or -0 rounds up to 0)
        return 0;
    // NVDLA's IntShiftRight (ac_fixed AC_RND_INF): halves round away from zero.
    const i128 half = static_cast<i128>(1) << (s - 1);
    return x >= 0 ? (x + half) >> s : -((-x + half) >> s);
}

int64_t sat128(i128 x, unsigned n)
{
    const i128 hi = (static_cast<i128>(1) << (n - 1)) - 1, lo = -(static_cast<i128>(1) << (n - 1));
    return static_cast<int64_t>(x > hi ? hi : (x < lo ? lo : x));
}

i128 alu(SdpAlu op, i128 v, i128 a)
{
    switch (op) {
    case SdpAlu::kMax: return std::max(v, a);
    case SdpAlu::kMin: return std::min(v, a);
    case SdpAlu::kSum: break;
    }
    return v + a;
}

} // namespace

int64_t rshr(int64_t x, unsigned s)
{
    return static_cast<int64_t>(rshr128(x, s));
}

int64_t sat_bits(int64_t x, unsigned n)
{
    return sat128(x, n);
}

int64_t sdp_x_stage(int64_t v, const SdpStage &st, int32_t alu_operand, int32_t mul_operand)
{
    if (!st.enable)
        return v;
    i128 x = v;
    if (st.alu_enable)
        x = alu(st.alu_op, x, static_cast<i128>(alu_operand) * (static_cast<i128>(1) << st.alu_shift));
    // NVDLA's X multiplier: the truncation shift follows the multiplier even when the multiplier is
    // bypassed; with PReLU non-negative values pass unmultiplied and unshifted (both seen bit-exact in
    // NVDLA's sdp_3x3x33_bn_int8_reg_1/_2 trace tests).
    if (st.mul_enable && st.mul_prelu) {
        if (x < 0)
            x = rshr128(x * mul_operand, st.mul_shift);
    } else if (st.mul_enable)
        x = rshr128(x * mul_operand, st.mul_shift);
    else
        x = rshr128(x, st.mul_shift);
    if (st.relu)
        x = std::max<i128>(x, 0);
    return sat128(x, 32);
}

int64_t sdp_ew_mul_cvt(int64_t m, const SdpEwStage &st)
{
    if (!st.mul_cvt_enable)
        return m;
    return sat128(rshr128((static_cast<i128>(m) - st.mul_cvt_offset) * st.mul_cvt_scale, st.mul_cvt_shift), 32);
}

int64_t sdp_ew_stage(int64_t v, const SdpEwStage &st, int64_t e, int64_t mul)
{
    if (!st.enable)
        return v;
    // NVDLA's Y core (HLS sdp_y_core): MUL first, then ALU, each saturated to 32 bits; PReLU passes
    // non-negative values unmultiplied.
    i128 x = v;
    if (st.mul_enable && !(st.mul_prelu && x >= 0))
        x = sat128(rshr128(x * mul, st.mul_shift), 32);
    if (st.alu_enable) {
        i128 a = e;
        if (st.cvt_enable)
            a = sat128(rshr128((a - st.cvt_offset) * st.cvt_scale, st.cvt_shift), 32);
        x = sat128(alu(st.alu_op, x, a), 32);
    }
    if (st.relu)
        x = std::max<i128>(x, 0);
    return sat128(x, 32);
}

int32_t sdp_out_cvt(int64_t v, const SdpOutCvt &cvt)
{
    return static_cast<int32_t>(sat128(rshr128((static_cast<i128>(v) - cvt.offset) * cvt.scale, cvt.shift), 8));
}

namespace {

float alu_fp(SdpAlu op, float v, float a)
{
    switch (op) {
    case SdpAlu::kMax: return a > v ? a : v;
    case SdpAlu::kMin: return a < v ? a : v;
    case SdpAlu::kSum: break;
    }
    return v + a;
}

float relu_fp(float v)
{
    return v > 0.0f ? v : 0.0f;
}

} // namespace

float sdp_x_stage_fp(float v, const SdpStage &st, uint16_t alu_operand, uint16_t mul_operand)
{
    if (!st.enable)
        return v;
    if (st.alu_enable)
        v = alu_fp(st.alu_op, v, half_to_float(alu_operand));
    if (st.mul_enable && (!st.mul_prelu || v < 0.0f))
        v = v * half_to_float(mul_operand);
    return st.relu ? relu_fp(v) : v;
}

float sdp_ew_stage_fp(float v, const SdpEwStage &st, float e, float mul)
{
    if (!st.enable)
        return v;
    if (st.mul_enable && (!st.mul_prelu || v < 0.0f))
        v = v * mul;
    if (st.alu_enable)
        v = alu_fp(st.alu_op, v, e);
    return st.relu ? relu_fp(v) : v;
}

int32_t sdp_out_fp(float v, bool out_int8)
{
    if (!out_int8)
        return float_to_half(v);
    if (std::isnan(v))
        return 0;
    const float r = std::nearbyint(std::clamp(v, -128.0f, 127.0f)); // default rounding: to nearest even
    return static_cast<int32_t>(r);
}

} // namespace dlasim::hw
