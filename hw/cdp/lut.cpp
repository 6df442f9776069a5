// NVDLA LUT (see lut.h).
#include "lut.h"

#include <algorithm>

#include "dla/nvdla_regs.h"

#define FIELD(value, REG, NAME) (((value) >> NVDLA_##REG##_##NAME##_SHIFT) & NVDLA_##REG##_##NAME##_MASK)
// SDP's S_LUT_ACCESS_* fields are laid out as CDP's (LutRegisterFile decodes both with CDP's names).
static_assert(NVDLA_SDP_S_LUT_ACCESS_CFG_LUT_ADDR_SHIFT == NVDLA_CDP_S_LUT_ACCESS_CFG_LUT_ADDR_SHIFT &&
                  NVDLA_SDP_S_LUT_ACCESS_CFG_LUT_ADDR_MASK == NVDLA_CDP_S_LUT_ACCESS_CFG_LUT_ADDR_MASK &&
                  NVDLA_SDP_S_LUT_ACCESS_CFG_LUT_TABLE_ID_SHIFT == NVDLA_CDP_S_LUT_ACCESS_CFG_LUT_TABLE_ID_SHIFT &&
                  NVDLA_SDP_S_LUT_ACCESS_CFG_LUT_ACCESS_TYPE_SHIFT ==
                      NVDLA_CDP_S_LUT_ACCESS_CFG_LUT_ACCESS_TYPE_SHIFT &&
                  NVDLA_SDP_S_LUT_ACCESS_DATA_LUT_DATA_MASK == NVDLA_CDP_S_LUT_ACCESS_DATA_LUT_DATA_MASK,
              "S_LUT_ACCESS field layouts differ between SDP and CDP");

namespace dlasim::hw {

namespace {
using i128 = __int128;

// NVDLA's interpolation arithmetic (cmod CDP convert()): v / 2^shift with halves rounded away from
// zero, saturated to the 56-bit intermediate.
i128 round_sat56(i128 v, unsigned shift)
{
    if (shift > 0) {
        const i128 half = static_cast<i128>(1) << (shift - 1);
        v = v >= 0 ? (v + half) >> shift : -((-v + half) >> shift);
    }
    const i128 lim = static_cast<i128>(1) << 55;
    return std::clamp<i128>(v, -lim, lim - 1);
}

// The fraction as NVDLA's RTL keeps it: 16 bits (shifted up, or truncated down).
i128 frac16(i128 frac, unsigned bits)
{
    return bits > 16 ? frac >> (bits - 16) : frac << (16 - bits);
}
} // namespace

void NvdlaLut::access_cfg(uint32_t addr, bool lo, bool write)
{
    addr_ = addr;
    lo_sel_ = lo;
    write_ = write;
}

void NvdlaLut::access_data_write(uint32_t value)
{
    const int n = lo_sel_ ? kLoEntries : kLeEntries;
    if (write_ && addr_ < uint32_t(n))
        (lo_sel_ ? lo_.data() : le_.data())[addr_] = static_cast<int16_t>(value & 0xffffu);
    ++addr_; // out-of-range writes are dropped, as on NVDLA
}

uint32_t NvdlaLut::access_data_read()
{
    const int n = lo_sel_ ? kLoEntries : kLeEntries;
    uint32_t v = addr_ < uint32_t(n) ? uint16_t((lo_sel_ ? lo_.data() : le_.data())[addr_]) : 0u;
    ++addr_;
    return v;
}

int64_t NvdlaLut::table(const LutTable &t, const int16_t *v, int n, int64_t x, int &status) const
{
    const i128 d = static_cast<i128>(x) - t.start;
    i128 idx = 0, frac = 0; // frac: 16 bits
    i128 uflow_dx = d;
    bool uflow = d <= 0; // NVDLA: x == start underflows too (same value, but it counts for selection)
    if (t.exponent) {
        // Underflow subtracts 2^index_offset (a negative offset: nothing) from x - start.
        if (t.index_offset >= 0)
            uflow_dx -= static_cast<i128>(1) << std::min(t.index_offset, 100);
        if (!uflow) {
            const int e = 127 - (d >> 64 ? __builtin_clzll(uint64_t(d >> 64)) : 64 + __builtin_clzll(uint64_t(d)));
            idx = e - t.index_offset;
            frac = frac16(d - (static_cast<i128>(1) << e), unsigned(e));
            uflow = idx < 0;
        }
    } else if (!uflow && t.index_select >= 0) {
        const unsigned s = unsigned(std::min(t.index_select, 100));
        idx = d >> s;
        frac = frac16(d & ((static_cast<i128>(1) << s) - 1), s);
    } else if (!uflow) {
        const unsigned s = unsigned(std::min(-t.index_select, 60));
        idx = d << s; // no fraction bits
    }
    i128 y;
    if (uflow) {
        status = -1;
        y = v[0] + round_sat56(uflow_dx * t.uflow_scale, t.uflow_shift);
    } else if (idx >= n - 1) {
        status = 1;
        y = v[n - 1] + round_sat56((static_cast<i128>(x) - t.end) * t.oflow_scale, t.oflow_shift);
    } else {
        status = 0;
        const int i = static_cast<int>(idx);
        y = v[i] + round_sat56((static_cast<i128>(v[i + 1]) - v[i]) * frac, 16);
    }
    return static_cast<int64_t>(std::clamp<i128>(y, -32768, 32767));
}

int32_t NvdlaLut::lookup(const LutConfig &cfg, int64_t x) const
{
    int s_le = 0, s_lo = 0;
    const int64_t y_le = table(cfg.le, le_.data(), kLeEntries, x, s_le);
    const int64_t y_lo = table(cfg.lo, lo_.data(), kLoEntries, x, s_lo);
    bool use_lo;
    if (s_le == 0 && s_lo == 0)
        use_lo = cfg.hybrid_lo;
    else if (s_le == 0 || s_lo == 0)
        use_lo = s_lo == 0;
    else if (s_le == -1 && s_lo == -1)
        use_lo = cfg.uflow_lo;
    else if (s_le == 1 && s_lo == 1)
        use_lo = cfg.oflow_lo;
    else
        use_lo = cfg.hybrid_lo;
    return static_cast<int32_t>(std::clamp<int64_t>(use_lo ? y_lo : y_le, -32768, 32767));
}

LutRegisterFile::LutRegisterFile(const std::string &name, uint32_t base, uint32_t access_cfg_addr,
                                 uint32_t access_data_addr)
    : RegisterFile(name, base), cfg_addr_(access_cfg_addr), data_addr_(access_data_addr)
{}

void LutRegisterFile::csb_write(uint32_t addr, uint32_t value)
{
    RegisterFile::csb_write(addr, value);
    if (addr == cfg_addr_)
        lut_.access_cfg(FIELD(value, CDP_S_LUT_ACCESS_CFG, LUT_ADDR), FIELD(value, CDP_S_LUT_ACCESS_CFG, LUT_TABLE_ID),
                        FIELD(value, CDP_S_LUT_ACCESS_CFG, LUT_ACCESS_TYPE));
    else if (addr == data_addr_)
        lut_.access_data_write(FIELD(value, CDP_S_LUT_ACCESS_DATA, LUT_DATA));
}

uint32_t LutRegisterFile::csb_read(uint32_t addr)
{
    if (addr == data_addr_)
        return lut_.access_data_read();
    return RegisterFile::csb_read(addr);
}

} // namespace dlasim::hw
