// NVDLA's two-table lookup (LE: 65 entries, linear or exponent indexed; LO: 257 entries, linear) as
// CDP uses it for LRN, and its programming through S_LUT_ACCESS_CFG / S_LUT_ACCESS_DATA. The rules
// were checked bit-exact against NVDLA's CDP trace tests (docs/nvdla-conformance.md):
// (and NVDLA's cmod, cdp lookup_lut_int8), with rnd(v, s) = v / 2^s rounded half away from zero,
// saturated to 56 bits:
// - A table hits when start < x and its index < entries - 1; index = (x - start) >> index_select
//   (linear; a negative select shifts left, no fraction), fraction = the bits shifted out; exponent:
//   e = floor(log2(x - start)), index = e - index_offset, fraction = x - start - 2^e over e bits.
//   The fraction is kept to 16 bits (shifted up, or its low bits dropped).
// - Hit: y = T[i] + rnd((T[i+1] - T[i]) * fraction16, 16).
// - Underflow (x <= start, or exponent index < 0): y = T[0] + rnd(dx * uflow_scale, uflow_shift), dx =
//   x - start, minus 2^index_offset for the exponent table when index_offset >= 0;
//   overflow (index >= entries - 1): y = T[last] + rnd((x - end) * oflow_scale, oflow_shift).
// - Selection: one table hits: that one; both hit: HYBRID_PRIORITY (0 LE, 1 LO); both underflow:
//   UFLOW_PRIORITY; both overflow: OFLOW_PRIORITY; one under-, one overflows: HYBRID_PRIORITY.
// - The result saturates to int16.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "common/register_file.h"

namespace dlasim::hw {

struct LutTable {
    int64_t start = 0, end = 0;
    int32_t uflow_scale = 0, oflow_scale = 0;
    unsigned uflow_shift = 0, oflow_shift = 0;
    int32_t index_select = 0; // signed
    int32_t index_offset = 0; // exponent mode only, signed
    bool exponent = false;
};

struct LutConfig {
    LutTable le, lo;
    bool uflow_lo = false, oflow_lo = false, hybrid_lo = false; // priorities: true = LO
};

class NvdlaLut {
  public:
    static constexpr int kLeEntries = 65, kLoEntries = 257;
    // S_LUT_ACCESS_CFG / S_LUT_ACCESS_DATA: select table and address, then data auto-increments.
    void access_cfg(uint32_t addr, bool lo, bool write);
    void access_data_write(uint32_t value);
    uint32_t access_data_read();
    int32_t lookup(const LutConfig &cfg, int64_t x) const;
    // Entry i of the LE (lo = false) or LO table (i in range).
    int16_t entry(bool lo, int i) const { return lo ? lo_[std::size_t(i)] : le_[std::size_t(i)]; }

  private:
    // status: -1 underflow, 0 hit, 1 overflow
    int64_t table(const LutTable &t, const int16_t *v, int n, int64_t x, int &status) const;
    std::array<int16_t, kLeEntries> le_{};
    std::array<int16_t, kLoEntries> lo_{};
    uint32_t addr_ = 0;
    bool lo_sel_ = false, write_ = false;
};

// A unit's register file plus the LUT RAM behind its S_LUT_ACCESS_CFG / S_LUT_ACCESS_DATA (CDP and
// SDP: same field layout at their own addresses).
class LutRegisterFile : public RegisterFile {
  public:
    LutRegisterFile(const std::string &name, uint32_t base, uint32_t access_cfg_addr, uint32_t access_data_addr);
    void csb_write(uint32_t addr, uint32_t value) override;
    uint32_t csb_read(uint32_t addr) override;
    const NvdlaLut &lut() const { return lut_; }

  private:
    uint32_t cfg_addr_, data_addr_;
    NvdlaLut lut_;
};

} // namespace dlasim::hw
