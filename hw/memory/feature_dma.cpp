// Feature-format block transfers (see feature_dma.h).
#include "feature_dma.h"

#include <algorithm>
#include <stdexcept>

namespace dlasim::hw {

namespace {

// Calls fn(surface, c_lo, c_hi, y, x, n, i) for each surface the block touches and each run of n
// points of one line starting at (y, x), i = index of the run's first point in the block.
template <class Fn> void for_each_run(const FeatureCube &cube, const Block &b, Fn fn)
{
    if (b.k_count == 0 || b.p_count == 0)
        return;
    const uint32_t cps = cube.cps();
    for (uint32_t s = b.k0 / cps; s <= (b.k0 + b.k_count - 1) / cps; ++s) {
        uint32_t c_lo = std::max(b.k0, s * cps);
        uint32_t c_hi = std::min(b.k0 + b.k_count, (s + 1) * cps);
        for (uint32_t i = 0; i < b.p_count;) {
            uint32_t p = b.p0 + i;
            uint32_t y = p / cube.width, x = p % cube.width;
            uint32_t n = std::min(cube.width - x, b.p_count - i);
            fn(s, c_lo, c_hi, y, x, n, i);
            i += n;
        }
    }
}

void check_functional(const FeatureCube &cube)
{
    if (cube.bpe != 1 && cube.bpe != 2)
        throw std::invalid_argument("functional feature transfer supports INT8 and FP16 cubes only");
}

// One element at p: INT8 sign-extended, 2-byte elements (FP16) as their little-endian bits.
int32_t load_element(const uint8_t *p, uint32_t bpe)
{
    return bpe == 1 ? static_cast<int8_t>(p[0]) : static_cast<int32_t>(p[0] | (p[1] << 8));
}

void store_element(uint8_t *p, uint32_t bpe, int32_t v)
{
    p[0] = static_cast<uint8_t>(v & 0xff);
    if (bpe == 2)
        p[1] = static_cast<uint8_t>((v >> 8) & 0xff);
}

} // namespace

sc_core::sc_time feature_read(DmaEngine &dma, const FeatureCube &cube, const Block &b, std::vector<int32_t> *values)
{
    sc_core::sc_time done = sc_core::sc_time_stamp();
    std::vector<uint8_t> buf;
    if (values) {
        check_functional(cube);
        values->assign(b.elements(), 0);
    }
    for_each_run(
        cube, b, [&](uint32_t s, uint32_t c_lo, uint32_t c_hi, uint32_t y, uint32_t x, uint32_t n, uint32_t i) {
            uint64_t bytes = uint64_t(n) * cube.atom_bytes;
            uint64_t addr = cube.address(s * cube.cps(), y, x);
            if (values)
                buf.assign(bytes, 0);
            done = std::max(done, dma.read(addr, bytes, values ? buf.data() : nullptr));
            if (!values)
                return;
            for (uint32_t j = 0; j < n; ++j)
                for (uint32_t c = c_lo; c < c_hi; ++c)
                    (*values)[(uint64_t(i) + j) * b.k_count + (c - b.k0)] =
                        load_element(&buf[uint64_t(j) * cube.atom_bytes + (c % cube.cps()) * cube.bpe], cube.bpe);
        });
    return done;
}

sc_core::sc_time feature_write(DmaEngine &dma, const FeatureCube &cube, const Block &b,
                               const std::vector<int32_t> *values)
{
    sc_core::sc_time done = sc_core::sc_time_stamp();
    std::vector<uint8_t> buf;
    if (values)
        check_functional(cube);
    const uint32_t cps = cube.cps();
    for_each_run(
        cube, b, [&](uint32_t s, uint32_t c_lo, uint32_t c_hi, uint32_t y, uint32_t x, uint32_t n, uint32_t i) {
            auto value = [&](uint32_t j, uint32_t c) { return (*values)[(uint64_t(i) + j) * b.k_count + (c - b.k0)]; };
            bool whole = c_lo == s * cps && (c_hi == (s + 1) * cps || c_hi == cube.channels);
            if (whole) {
                uint64_t bytes = uint64_t(n) * cube.atom_bytes;
                if (values) {
                    buf.assign(bytes, 0);
                    for (uint32_t j = 0; j < n; ++j)
                        for (uint32_t c = c_lo; c < c_hi; ++c)
                            store_element(&buf[uint64_t(j) * cube.atom_bytes + (c % cps) * cube.bpe], cube.bpe,
                                          value(j, c));
                }
                done = std::max(done, dma.write(cube.address(c_lo, y, x), bytes, values ? buf.data() : nullptr));
                return;
            }
            uint64_t bytes = uint64_t(c_hi - c_lo) * cube.bpe;
            for (uint32_t j = 0; j < n; ++j) {
                if (values) {
                    buf.assign(bytes, 0);
                    for (uint32_t c = c_lo; c < c_hi; ++c)
                        store_element(&buf[(c - c_lo) * cube.bpe], cube.bpe, value(j, c));
                }
                done = std::max(done, dma.write(cube.address(c_lo, y, x + j), bytes, values ? buf.data() : nullptr));
            }
        });
    return done;
}

} // namespace dlasim::hw
