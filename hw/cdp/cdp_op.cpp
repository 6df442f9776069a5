// CDP register decode (assumptions listed in cdp_op.h).
#include "cdp_op.h"

#include <stdexcept>
#include <string>
#include <tuple>

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

std::string dims(uint32_t w, uint32_t h, uint32_t c)
{
    return std::to_string(w) + "x" + std::to_string(h) + "x" + std::to_string(c);
}

} // namespace

CdpOp decode_cdp_op(const RegisterFile &cdp, int g, const RegisterFile &rdma, int rg, uint32_t atom_bytes,
                    bool functional)
{
    CdpOp op;
    op.group = g;
    op.rdma_group = rg;
    const std::string where = "CDP group " + std::to_string(g), rw = "CDP_RDMA group " + std::to_string(rg);
    uint32_t in_type = FIELD(rdma.get(rg, NVDLA_CDP_RDMA_D_DATA_FORMAT), CDP_RDMA_D_DATA_FORMAT, INPUT_DATA);
    uint32_t type = FIELD(cdp.get(g, NVDLA_CDP_D_DATA_FORMAT), CDP_D_DATA_FORMAT, INPUT_DATA_TYPE);
    if (in_type != type)
        reject(where, "D_DATA_FORMAT.INPUT_DATA_TYPE = " + std::to_string(type) + " differs from CDP_RDMA's " +
                          std::to_string(in_type));
    if (type > 2)
        reject(where, "D_DATA_FORMAT.INPUT_DATA_TYPE = " + std::to_string(type) +
                          ", expected INT8 (0), INT16 (1) or FP16 (2)");
    if (functional && type != 0)
        reject(where,
               "D_DATA_FORMAT.INPUT_DATA_TYPE = " + std::to_string(type) + ": functional mode supports INT8 only");
    const uint32_t bpe = type == 0 ? 1 : 2;

    FeatureCube c;
    c.width = FIELD(rdma.get(rg, NVDLA_CDP_RDMA_D_DATA_CUBE_WIDTH), CDP_RDMA_D_DATA_CUBE_WIDTH, WIDTH) + 1;
    c.height = FIELD(rdma.get(rg, NVDLA_CDP_RDMA_D_DATA_CUBE_HEIGHT), CDP_RDMA_D_DATA_CUBE_HEIGHT, HEIGHT) + 1;
    c.channels = FIELD(rdma.get(rg, NVDLA_CDP_RDMA_D_DATA_CUBE_CHANNEL), CDP_RDMA_D_DATA_CUBE_CHANNEL, CHANNEL) + 1;
    c.atom_bytes = atom_bytes;
    c.bpe = bpe;
    c.channels = (c.channels + c.cps() - 1) / c.cps() * c.cps(); // every lane of the last atom
    op.src = op.dst = c;
    op.src.base = (uint64_t(rdma.get(rg, NVDLA_CDP_RDMA_D_SRC_BASE_ADDR_HIGH)) << 32) |
                  rdma.get(rg, NVDLA_CDP_RDMA_D_SRC_BASE_ADDR_LOW);
    op.src.line_stride = rdma.get(rg, NVDLA_CDP_RDMA_D_SRC_LINE_STRIDE);
    op.src.surface_stride = rdma.get(rg, NVDLA_CDP_RDMA_D_SRC_SURFACE_STRIDE);
    op.dst.base =
        (uint64_t(cdp.get(g, NVDLA_CDP_D_DST_BASE_ADDR_HIGH)) << 32) | cdp.get(g, NVDLA_CDP_D_DST_BASE_ADDR_LOW);
    op.dst.line_stride = cdp.get(g, NVDLA_CDP_D_DST_LINE_STRIDE);
    op.dst.surface_stride = cdp.get(g, NVDLA_CDP_D_DST_SURFACE_STRIDE);
    for (const FeatureCube *f : {&op.src, &op.dst}) {
        const bool is_src = f == &op.src;
        if (f->line_stride < uint64_t(f->width) * atom_bytes ||
            (f->surfaces() > 1 && f->surface_stride < f->height * f->line_stride))
            reject(is_src ? rw : where, std::string(is_src ? "D_SRC" : "D_DST") + "_LINE_STRIDE " +
                                            std::to_string(f->line_stride) + " / _SURFACE_STRIDE " +
                                            std::to_string(f->surface_stride) + " too small for the " +
                                            dims(f->width, f->height, f->channels) + " cube");
    }
    uint32_t bypass = cdp.get(g, NVDLA_CDP_D_FUNC_BYPASS);
    op.sqsum_bypass = FIELD(bypass, CDP_D_FUNC_BYPASS, SQSUM_BYPASS);
    op.mul_bypass = FIELD(bypass, CDP_D_FUNC_BYPASS, MUL_BYPASS);
    op.window = 3 + 2 * FIELD(cdp.get(g, NVDLA_CDP_D_LRN_CFG), CDP_D_LRN_CFG, NORMALZ_LEN);
    // INT8: the input offset is the low byte of DATIN_OFFSET, signed (0x80 = -128), as NVDLA's
    // cdp_8x8x32_lrn3_int8_0 trace test shows (its 0x80 offsets in and out cancel).
    uint32_t din_off = FIELD(cdp.get(g, NVDLA_CDP_D_DATIN_OFFSET), CDP_D_DATIN_OFFSET, DATIN_OFFSET);
    op.in.offset = type == 0 ? sext(din_off, 8) : sext(din_off, 16);
    op.in.scale = sext(FIELD(cdp.get(g, NVDLA_CDP_D_DATIN_SCALE), CDP_D_DATIN_SCALE, DATIN_SCALE), 16);
    op.in.shift = FIELD(cdp.get(g, NVDLA_CDP_D_DATIN_SHIFTER), CDP_D_DATIN_SHIFTER, DATIN_SHIFTER);
    // NVDLA's input converter saturates to 9 bits (INT8) / 17 bits (INT16) (cmod HLS cdp_icvt; the
    // trace tests cdp_8x8x64_lrn3_int8_3.._6, offset -128, pass bit-exact only so).
    op.in.sat_bits = type == 0 ? 9u : 17u;
    // NVDLA's INT8 output converter subtracts the offset's low 25 bits, signed (cmod cdp_ocvt).
    op.out.offset =
        sext(FIELD(cdp.get(g, NVDLA_CDP_D_DATOUT_OFFSET), CDP_D_DATOUT_OFFSET, DATOUT_OFFSET), type == 0 ? 25 : 32);
    op.out.scale = sext(FIELD(cdp.get(g, NVDLA_CDP_D_DATOUT_SCALE), CDP_D_DATOUT_SCALE, DATOUT_SCALE), 16);
    op.out.shift = FIELD(cdp.get(g, NVDLA_CDP_D_DATOUT_SHIFTER), CDP_D_DATOUT_SHIFTER, DATOUT_SHIFTER);
    // LUT: S_ registers (one group). START/END are 38-bit signed (LOW + 6 HIGH bits).
    auto wide = [&](uint32_t lo, uint32_t hi) {
        return int64_t(sext(cdp.get(g, hi), 6)) * (int64_t(1) << 32) + int64_t(cdp.get(g, lo));
    };
    uint32_t cfg = cdp.get(g, NVDLA_CDP_S_LUT_CFG), info = cdp.get(g, NVDLA_CDP_S_LUT_INFO);
    LutConfig &l = op.lut;
    l.le.exponent = !FIELD(cfg, CDP_S_LUT_CFG, LUT_LE_FUNCTION); // 0 = EXPONENT, 1 = LINEAR
    l.uflow_lo = FIELD(cfg, CDP_S_LUT_CFG, LUT_UFLOW_PRIORITY);
    l.oflow_lo = FIELD(cfg, CDP_S_LUT_CFG, LUT_OFLOW_PRIORITY);
    l.hybrid_lo = FIELD(cfg, CDP_S_LUT_CFG, LUT_HYBRID_PRIORITY);
    l.le.index_offset = sext(FIELD(info, CDP_S_LUT_INFO, LUT_LE_INDEX_OFFSET), 8);
    l.le.index_select = sext(FIELD(info, CDP_S_LUT_INFO, LUT_LE_INDEX_SELECT), 8);
    l.lo.index_select = sext(FIELD(info, CDP_S_LUT_INFO, LUT_LO_INDEX_SELECT), 8);
    l.le.start = wide(NVDLA_CDP_S_LUT_LE_START_LOW, NVDLA_CDP_S_LUT_LE_START_HIGH);
    l.le.end = wide(NVDLA_CDP_S_LUT_LE_END_LOW, NVDLA_CDP_S_LUT_LE_END_HIGH);
    l.lo.start = wide(NVDLA_CDP_S_LUT_LO_START_LOW, NVDLA_CDP_S_LUT_LO_START_HIGH);
    l.lo.end = wide(NVDLA_CDP_S_LUT_LO_END_LOW, NVDLA_CDP_S_LUT_LO_END_HIGH);
    for (auto [t, scale, shift] : {std::tuple{&l.le, NVDLA_CDP_S_LUT_LE_SLOPE_SCALE, NVDLA_CDP_S_LUT_LE_SLOPE_SHIFT},
                                   std::tuple{&l.lo, NVDLA_CDP_S_LUT_LO_SLOPE_SCALE, NVDLA_CDP_S_LUT_LO_SLOPE_SHIFT}}) {
        uint32_t sc = cdp.get(g, scale), sh = cdp.get(g, shift);
        t->uflow_scale = sext(sc & 0xffffu, 16); // LE and LO share the field layout
        t->oflow_scale = sext(sc >> 16, 16);
        t->uflow_shift = FIELD(sh, CDP_S_LUT_LE_SLOPE_SHIFT, LUT_LE_SLOPE_UFLOW_SHIFT);
        t->oflow_shift = FIELD(sh, CDP_S_LUT_LE_SLOPE_SHIFT, LUT_LE_SLOPE_OFLOW_SHIFT);
    }
    return op;
}

CdpRegisterFile::CdpRegisterFile()
    : LutRegisterFile("CDP", NVDLA_CDP_BASE, NVDLA_CDP_S_LUT_ACCESS_CFG, NVDLA_CDP_S_LUT_ACCESS_DATA)
{}

} // namespace dlasim::hw
