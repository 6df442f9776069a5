// NVDLA's SDP Y-stage LUT (see sdp_lut.h).
#include "sdp_lut.h"

#include <algorithm>

namespace dlasim::hw {

namespace {
using i128 = __int128;

constexpr int kFracBits = 35; // NVDLA's LUT fraction width (yLutFracSize)

// x / 2^s (s < 0: x * 2^-s), halves away from zero, saturated to int32 (IntShiftRight/SignedShiftRight).
i128 rnd_sat32(i128 x, int s)
{
    if (s < 0)
        x *= static_cast<i128>(1) << -s;
    else if (s > 0) {
        const i128 half = static_cast<i128>(1) << (s - 1);
        x = x >= 0 ? (x + half) >> s : -((-x + half) >> s);
    }
    return std::clamp<i128>(x, INT32_MIN, INT32_MAX);
}

struct Index {
    bool uflow = false, oflow = false;
    int addr = 0;  // table entry
    i128 frac = 0; // kFracBits bits
};

Index linear(const SdpLutTable &t, int entries, int64_t x)
{
    Index r;
    if (x <= t.start) {
        r.uflow = true;
        return r;
    }
    const i128 d = static_cast<i128>(x) - t.start; // < 2^32
    i128 idx;
    if (t.index_select >= 0) {
        idx = d >> t.index_select;
        // the shifted-out bits, scaled to kFracBits bits
        const i128 f = d & ((static_cast<i128>(1) << t.index_select) - 1);
        r.frac = t.index_select <= kFracBits ? f << (kFracBits - t.index_select) : f >> (t.index_select - kFracBits);
    } else {
        idx = d << std::min(-t.index_select, 40);
    }
    if (idx >= entries - 1) {
        r.oflow = true;
        r.addr = entries - 1;
        r.frac = 0;
    } else {
        r.addr = static_cast<int>(idx);
    }
    return r;
}

Index exponent(const SdpLutConfig &c, int64_t x)
{
    Index r;
    if (x <= c.le.start) {
        r.uflow = true;
        return r;
    }
    const uint64_t d = static_cast<uint64_t>(static_cast<i128>(x) - c.le.start);
    const int e = 63 - __builtin_clzll(d);
    if (e < c.le_index_offset) {
        r.uflow = true;
        return r;
    }
    const int idx = e - c.le_index_offset;
    if (idx >= NvdlaLut::kLeEntries - 1) {
        r.oflow = true;
        r.addr = NvdlaLut::kLeEntries - 1;
        return r;
    }
    r.addr = idx;
    r.frac = static_cast<i128>(d - (uint64_t(1) << e)) << (kFracBits - e);
    return r;
}
} // namespace

int64_t sdp_lut(const SdpLutConfig &cfg, const NvdlaLut &tables, int64_t x)
{
    const Index le = cfg.le_exponent ? exponent(cfg, x) : linear(cfg.le, NvdlaLut::kLeEntries, x);
    const Index lo = linear(cfg.lo, NvdlaLut::kLoEntries, x);
    const bool le_hit = !le.uflow && !le.oflow, lo_hit = !lo.uflow && !lo.oflow;
    bool use_lo;
    if (le.uflow && lo.uflow)
        use_lo = cfg.uflow_lo;
    else if (le.oflow && lo.oflow)
        use_lo = cfg.oflow_lo;
    else if (le_hit == lo_hit) // both hit, or one under- and one overflows
        use_lo = cfg.hybrid_lo;
    else
        use_lo = lo_hit;
    const Index &s = use_lo ? lo : le;
    const SdpLutTable &t = use_lo ? cfg.lo : cfg.le;
    const i128 y0 = tables.entry(use_lo, s.addr);
    if (!s.uflow && !s.oflow) {
        const i128 y1 = tables.entry(use_lo, s.addr + 1);
        const i128 one = static_cast<i128>(1) << kFracBits;
        return static_cast<int64_t>(rnd_sat32(y0 * (one - s.frac) + y1 * s.frac, kFracBits));
    }
    // Extrapolation from the first/last entry; the LE exponent table's underflow starts at
    // start + 2^index_offset.
    i128 bias = 0;
    if (!use_lo && cfg.le_exponent && s.uflow && cfg.le_index_offset > 0)
        bias = static_cast<i128>(1) << std::min(cfg.le_index_offset, 62);
    const i128 base = (s.oflow ? t.end : t.start) + bias;
    const i128 c = rnd_sat32((static_cast<i128>(x) - base) * (s.oflow ? t.oflow_scale : t.uflow_scale),
                             s.oflow ? t.oflow_shift : t.uflow_shift);
    return static_cast<int64_t>(std::clamp<i128>(y0 + c, INT32_MIN, INT32_MAX));
}

} // namespace dlasim::hw
