// NVDLA LUT (see lut.h).
#include "lut.h"

#include <algorithm>

namespace dlasim::hw {

namespace {
// Round half up, on 128 bits: (x - end) * scale cannot overflow for any 64-bit x and 16-bit scale.
int64_t slope(int64_t dx, int32_t scale, unsigned shift)
{
    __int128 p = static_cast<__int128>(dx) * scale;
    if (shift > 0)
        p = (p + (static_cast<__int128>(1) << (shift - 1))) >> shift;
    const __int128 lim = static_cast<__int128>(1) << 62;
    return static_cast<int64_t>(std::clamp<__int128>(p, -lim, lim));
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
    auto uflow = [&] {
        status = -1;
        return v[0] + slope(x - t.start, t.uflow_scale, t.uflow_shift);
    };
    if (x < t.start)
        return uflow();
    const int64_t d = x - t.start;
    int64_t idx = 0, frac = 0;
    unsigned fbits = 0;
    if (t.exponent) {
        if (d > 0) {
            unsigned e = 63u - unsigned(__builtin_clzll(uint64_t(d)));
            idx = int64_t(e) - t.index_offset;
            frac = d - (int64_t(1) << e);
            fbits = e;
            if (idx < 0)
                return uflow();
        }
    } else if (t.index_select >= 0) {
        unsigned s = unsigned(std::min(t.index_select, 62));
        idx = d >> s;
        frac = d & ((int64_t(1) << s) - 1);
        fbits = s;
    } else {
        unsigned s = unsigned(std::min(-t.index_select, 40));
        idx = d >= (int64_t(1) << (62 - s)) ? n : d << s; // far beyond the table: overflow
    }
    if (idx >= n - 1) {
        status = 1;
        return v[n - 1] + slope(x - t.end, t.oflow_scale, t.oflow_shift);
    }
    status = 0;
    return v[idx] + slope(frac, int32_t(v[idx + 1]) - v[idx], fbits);
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

} // namespace dlasim::hw
