// Convolution core test harness (see conv_harness.h).
#include "conv_harness.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>

#include "dla/dlasim_ext_regs.h"
#include "dla/nvdla_regs.h"

namespace convtest {

namespace {

dla_config base_config(const char *name)
{
    dla_config cfg;
    std::memset(&cfg, 0, sizeof cfg);
    std::strncpy(cfg.name, name, sizeof cfg.name - 1);
    cfg.num_cores = 1;
    dla_core_params &c = cfg.core;
    c.cbuf_read_latency_cycles = 6;
    c.cbuf_write_latency_cycles = 3;
    c.csc_latency_cycles = 4;
    c.csc_sg_flush_cycles = 48;
    c.cmac_latency_cycles = 9;
    c.cacc_latency_cycles = 11;
    c.cacc_delivery_stripes = 4;
    c.dma_max_outstanding = 64;
    c.features.int8 = true;
    c.features.image_input = true;
    c.features.max_batch = 1;
    return cfg;
}

uint64_t ceil_div(uint64_t a, uint64_t b)
{
    return (a + b - 1) / b;
}

} // namespace

dla_config nv_small_like()
{
    dla_config cfg = base_config("nv_small_like");
    dla_core_params &c = cfg.core;
    c.atomic_c = 8;
    c.atomic_k = 8;
    c.memory_atomic_bytes = 8;
    c.cbuf_banks = 32;
    c.cbuf_entries_per_bank = 512;
    c.cbuf_entry_bytes = 8;
    c.csc_stripe_min = 8;
    c.csc_stripe_max = 15;
    c.csc_weight_load_cycles = 8;
    c.dma_request_bytes = 32;
    return cfg;
}

dla_config orin_like()
{
    dla_config cfg = base_config("orin_like");
    dla_core_params &c = cfg.core;
    c.atomic_c = 64;
    c.atomic_k = 128;
    c.fp16_macs_per_cycle = 4096;
    c.memory_atomic_bytes = 32;
    c.cbuf_banks = 32;
    c.cbuf_entries_per_bank = 256;
    c.cbuf_entry_bytes = 64;
    c.csc_stripe_min = 128;
    c.csc_stripe_max = 255;
    c.csc_weight_load_cycles = 128;
    c.dma_request_bytes = 64;
    c.features.fp16 = true;
    c.features.sparsity_2_4 = true;
    return cfg;
}

sc_core::sc_time TestMemory::access(const MemAccess &req, void *data)
{
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    if (next_free_ > now)
        sc_core::wait(next_free_ - now);
    if (req.addr + req.bytes > bytes_.size())
        throw std::out_of_range("TestMemory: access beyond the test memory");
    if (data) {
        if (req.write)
            std::memcpy(bytes_.data() + req.addr, data, req.bytes);
        else
            std::memcpy(data, bytes_.data() + req.addr, req.bytes);
    }
    const uint64_t occupy = ceil_div(req.bytes, bw_);
    next_free_ = sc_core::sc_time_stamp() + clk_.cycles(occupy);
    return next_free_ + clk_.cycles(latency_);
}

void IrqRecorder::raise_interrupt(unsigned bit)
{
    log_.emplace_back(bit, clk_.now_cycles());
    raised.notify(sc_core::SC_ZERO_TIME);
}

uint64_t IrqRecorder::cycle(unsigned bit, size_t n) const
{
    for (const auto &e : log_)
        if (e.first == bit && n-- == 0)
            return e.second;
    return std::numeric_limits<uint64_t>::max();
}

size_t IrqRecorder::count(unsigned bit) const
{
    return static_cast<size_t>(
        std::count_if(log_.begin(), log_.end(), [bit](const auto &e) { return e.first == bit; }));
}

uint32_t pixel_bytes(const ConvSpec &c)
{
    if (c.pixel_format == 0)
        return 1;
    if (c.pixel_format == 12 || c.pixel_format == 15)
        return 4;
    if (c.pixel_format == 6) // T_A16B16G16R16, which the model refuses: lets a test program it
        return 8;
    throw std::invalid_argument("harness: pixel format " + std::to_string(c.pixel_format) + " not known");
}

uint32_t pixel_channel_byte(const ConvSpec &c, uint32_t ch)
{
    return c.pixel_format == 15 ? 3 - ch : ch; // R8G8B8A8: packed word R G B A -> bytes A B G R
}

uint64_t line_stride(const dla_config &cfg, const ConvSpec &c)
{
    const uint64_t atom = cfg.core.memory_atomic_bytes;
    if (c.image)
        return ceil_div(static_cast<uint64_t>(c.pixel_x_offset + c.in_w) * pixel_bytes(c), atom) * atom;
    return static_cast<uint64_t>(c.in_w) * atom;
}

uint64_t surf_stride(const dla_config &cfg, const ConvSpec &c)
{
    return line_stride(cfg, c) * c.in_h;
}

uint64_t input_bytes(const dla_config &cfg, const ConvSpec &c)
{
    if (c.image)
        return line_stride(cfg, c) * c.in_h;
    return surf_stride(cfg, c) * ceil_div(static_cast<uint64_t>(c.in_c) * c.bpe(), cfg.core.memory_atomic_bytes);
}

uint64_t batch_stride(const dla_config &cfg, const ConvSpec &c)
{
    return c.batch_stride ? c.batch_stride : input_bytes(cfg, c);
}

uint64_t dense_weight_bytes(const dla_config &cfg, const ConvSpec &c)
{
    // NVDLA's DC layout holds K x C x R x S elements (no channel padding), the total padded to 128 B.
    (void)cfg;
    if (c.image) { // the channel-extended 1 x R x (S * pixel bytes) kernel in DC layout
        uint64_t ext = static_cast<uint64_t>(c.s) * pixel_bytes(c);
        return ceil_div(c.k * ext * c.r, 128) * 128;
    }
    uint64_t raw = static_cast<uint64_t>(c.k) * c.in_c * c.r * c.s * c.bpe();
    return ceil_div(raw, 128) * 128;
}

uint32_t entry_per_slice(const dla_config &cfg, const ConvSpec &c)
{
    if (c.image)
        return static_cast<uint32_t>(
            ceil_div(static_cast<uint64_t>(c.in_w) * pixel_bytes(c), cfg.core.cbuf_entry_bytes));
    uint64_t surfaces = ceil_div(static_cast<uint64_t>(c.in_c) * c.bpe(), cfg.core.memory_atomic_bytes);
    return static_cast<uint32_t>(ceil_div(surfaces * c.in_w * cfg.core.memory_atomic_bytes, cfg.core.cbuf_entry_bytes));
}

void write_input(const dla_config &cfg, const ConvSpec &c, const std::vector<int8_t> &chw, std::vector<uint8_t> &dram)
{
    if (c.image) {
        const uint64_t pb = pixel_bytes(c);
        for (uint32_t ch = 0; ch < c.in_c; ++ch)
            for (uint32_t h = 0; h < c.in_h; ++h)
                for (uint32_t w = 0; w < c.in_w; ++w)
                    dram.at(c.in_addr + h * line_stride(cfg, c) + (c.pixel_x_offset + w) * pb +
                            pixel_channel_byte(c, ch)) =
                        static_cast<uint8_t>(chw[(static_cast<size_t>(ch) * c.in_h + h) * c.in_w + w]);
        return;
    }
    const uint64_t atom = cfg.core.memory_atomic_bytes, cps = atom; // INT8: one byte per channel
    const size_t image = static_cast<size_t>(c.in_c) * c.in_h * c.in_w;
    for (size_t n = 0; n * image < chw.size(); ++n)
        for (uint32_t ch = 0; ch < c.in_c; ++ch)
            for (uint32_t h = 0; h < c.in_h; ++h)
                for (uint32_t w = 0; w < c.in_w; ++w)
                    dram.at(c.in_addr + n * batch_stride(cfg, c) + (ch / cps) * surf_stride(cfg, c) +
                            h * line_stride(cfg, c) + w * atom + ch % cps) =
                        static_cast<uint8_t>(chw[n * image + (static_cast<size_t>(ch) * c.in_h + h) * c.in_w + w]);
}

void write_weights(const dla_config &cfg, const ConvSpec &c, const std::vector<int8_t> &kcrs,
                   std::vector<uint8_t> &dram)
{
    // docs/datapath.md DC order, outermost first: kernel group, channel block, r, s, kernel, the block's
    // channels (AtomC, the last block only C mod AtomC: NVDLA does not pad it).
    const uint32_t ac = static_cast<uint32_t>(cfg.core.atomic_c), kpg = static_cast<uint32_t>(cfg.core.atomic_k);
    uint64_t a = c.weight_addr;
    if (c.image) {
        // Image input: kernel group, channel block, r, kernel, the block's extended channels, where
        // extended channel s * pixel_bytes + byte(ch) holds w[k][ch][r][s] (zero elsewhere).
        const uint32_t pb = pixel_bytes(c), ext = c.s * pb;
        const uint32_t eblocks = static_cast<uint32_t>(ceil_div(ext, ac));
        for (uint32_t g0 = 0; g0 < c.k; g0 += kpg)
            for (uint32_t cb = 0; cb < eblocks; ++cb)
                for (uint32_t r = 0; r < c.r; ++r)
                    for (uint32_t k = g0; k < std::min(c.k, g0 + kpg); ++k)
                        for (uint32_t i = 0; i < std::min(ac, ext - cb * ac); ++i, ++a) {
                            const uint32_t e = cb * ac + i, s = e / pb;
                            uint8_t v = 0;
                            for (uint32_t ch = 0; ch < c.in_c && e < ext; ++ch)
                                if (pixel_channel_byte(c, ch) == e % pb)
                                    v = static_cast<uint8_t>(
                                        kcrs[((static_cast<size_t>(k) * c.in_c + ch) * c.r + r) * c.s + s]);
                            dram.at(a) = v;
                        }
        return;
    }
    const uint32_t blocks = static_cast<uint32_t>(ceil_div(c.in_c, ac));
    for (uint32_t g0 = 0; g0 < c.k; g0 += kpg)
        for (uint32_t cb = 0; cb < blocks; ++cb)
            for (uint32_t r = 0; r < c.r; ++r)
                for (uint32_t s = 0; s < c.s; ++s)
                    for (uint32_t k = g0; k < std::min(c.k, g0 + kpg); ++k)
                        for (uint32_t i = 0; i < std::min(ac, c.in_c - cb * ac); ++i, ++a) {
                            uint32_t ch = cb * ac + i;
                            dram.at(a) = static_cast<uint8_t>(
                                kcrs[((static_cast<size_t>(k) * c.in_c + ch) * c.r + r) * c.s + s]);
                        }
}

std::vector<int32_t> reference_conv(const ConvSpec &c, const std::vector<int8_t> &chw, const std::vector<int8_t> &kcrs)
{
    const int ow = static_cast<int>(c.out_w()), oh = static_cast<int>(c.out_h());
    std::vector<int32_t> out(static_cast<size_t>(c.k) * ow * oh);
    for (int k = 0; k < static_cast<int>(c.k); ++k)
        for (int oy = 0; oy < oh; ++oy)
            for (int ox = 0; ox < ow; ++ox) {
                int64_t acc = 0;
                for (int ch = 0; ch < static_cast<int>(c.in_c); ++ch)
                    for (int r = 0; r < static_cast<int>(c.r); ++r)
                        for (int s = 0; s < static_cast<int>(c.s); ++s) {
                            int y = oy * static_cast<int>(c.stride_y) - static_cast<int>(c.pad_t) +
                                    r * static_cast<int>(c.dil_y);
                            int x = ox * static_cast<int>(c.stride_x) - static_cast<int>(c.pad_l) +
                                    s * static_cast<int>(c.dil_x);
                            int64_t v =
                                (y < 0 || x < 0 || y >= static_cast<int>(c.in_h) || x >= static_cast<int>(c.in_w))
                                    ? c.pad_value
                                    : chw[(static_cast<size_t>(ch) * c.in_h + y) * c.in_w + x];
                            acc += v * kcrs[((static_cast<size_t>(k) * c.in_c + ch) * c.r + r) * c.s + s];
                        }
                if (c.clip > 0) { // NVDLA rounds halves away from zero: sign * floor(|acc| / 2^clip + 1/2)
                    const double m = std::floor(
                        std::fabs(static_cast<double>(acc)) / std::ldexp(1.0, static_cast<int>(c.clip)) + 0.5);
                    acc = static_cast<int64_t>(acc < 0 ? -m : m);
                }
                acc =
                    std::clamp<int64_t>(acc, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
                out[(static_cast<size_t>(k) * oh + oy) * ow + ox] = static_cast<int32_t>(acc);
            }
    return out;
}

std::vector<int8_t> random_int8(size_t n, uint32_t seed)
{
    std::mt19937 gen(seed);
    std::uniform_int_distribution<int> d(-128, 127);
    std::vector<int8_t> v(n);
    for (auto &x : v)
        x = static_cast<int8_t>(d(gen));
    return v;
}

void program_conv(const std::vector<CsbTarget *> &targets, const dla_config &cfg, const ConvSpec &c, int group)
{
    auto wr = [&](uint32_t addr, uint32_t value) {
        for (CsbTarget *t : targets)
            if (addr >= t->csb_base() && addr < t->csb_base() + 0x1000) {
                t->csb_write(addr, value);
                return;
            }
        throw std::logic_error("no conv unit at CSB address " + std::to_string(addr));
    };
    const uint32_t prec = c.fp16 ? 2u : 0u; // D_MISC_CFG precision enum: INT8 0, INT16 1, FP16 2
    const uint32_t ow = c.out_w(), oh = c.out_h();
    const uint32_t eps = entry_per_slice(cfg, c);
    const uint64_t wbytes = c.weight_bytes ? c.weight_bytes : dense_weight_bytes(cfg, c);
    const uint32_t size0 = (c.in_w - 1) | ((c.in_h - 1) << 16);
    const uint32_t stride = (c.stride_x - 1) | ((c.stride_y - 1) << 16);
    const uint32_t bank = (c.data_banks - 1) | ((c.weight_banks - 1) << 16);
    const uint32_t out0 = (ow - 1) | ((oh - 1) << 16);
    for (uint32_t base : {NVDLA_CDMA_BASE, NVDLA_CSC_BASE, NVDLA_CMAC_A_BASE, NVDLA_CMAC_B_BASE, NVDLA_CACC_BASE})
        wr(base + 0x4, static_cast<uint32_t>(group)); // S_POINTER.PRODUCER

    // D_MISC_CFG: IN_PRECISION [9:8], PROC_PRECISION [13:12], DATA_REUSE 16, WEIGHT_REUSE 20,
    // SKIP_DATA_RLS 24, SKIP_WEIGHT_RLS 28.
    const uint32_t misc = (prec << 8) | (prec << 12) | (c.data_reuse ? 1u << 16 : 0u) |
                          (c.weight_reuse ? 1u << 20 : 0u) | (c.skip_data_rls ? 1u << 24 : 0u) |
                          (c.skip_weight_rls ? 1u << 28 : 0u);
    wr(NVDLA_CDMA_D_MISC_CFG, misc);
    // D_DATAIN_FORMAT: DATAIN_FORMAT [0] (1 pixel), PIXEL_FORMAT [13:8], PIXEL_SIGN_OVERRIDE [20].
    wr(NVDLA_CDMA_D_DATAIN_FORMAT, c.image ? 1u | (c.pixel_format << 8) | (c.sign_override << 20) : 0u);
    if (c.image)
        wr(NVDLA_CDMA_D_PIXEL_OFFSET, c.pixel_x_offset);
    wr(NVDLA_CDMA_D_DATAIN_SIZE_0, size0);
    wr(NVDLA_CDMA_D_DATAIN_SIZE_1, c.in_c - 1);
    wr(NVDLA_CDMA_D_DATAIN_SIZE_EXT_0, size0);
    wr(NVDLA_CDMA_D_DAIN_RAM_TYPE, 1);
    wr(NVDLA_CDMA_D_DAIN_ADDR_HIGH_0, static_cast<uint32_t>(c.in_addr >> 32));
    wr(NVDLA_CDMA_D_DAIN_ADDR_LOW_0, static_cast<uint32_t>(c.in_addr));
    wr(NVDLA_CDMA_D_LINE_STRIDE, static_cast<uint32_t>(line_stride(cfg, c)));
    wr(NVDLA_CDMA_D_SURF_STRIDE, static_cast<uint32_t>(surf_stride(cfg, c)));
    wr(NVDLA_CDMA_D_BATCH_NUMBER, c.batch - 1);
    wr(NVDLA_CDMA_D_BATCH_STRIDE, static_cast<uint32_t>(batch_stride(cfg, c)));
    wr(NVDLA_CDMA_D_ENTRY_PER_SLICE, eps - 1);
    wr(NVDLA_CDMA_D_FETCH_GRAIN, c.fetch_grain - 1);
    wr(NVDLA_CDMA_D_WEIGHT_FORMAT, 0);
    // BYTE_PER_KERNEL - 1: R x S x C x bpe, one kernel of the DC layout (no channel padding).
    // Image input: the channel-extended kernel R x (S * pixel bytes).
    const uint32_t kc = c.image ? c.s * pixel_bytes(c) : c.in_c, ks = c.image ? 1 : c.s;
    wr(NVDLA_CDMA_D_WEIGHT_SIZE_0, kc * c.r * ks * c.bpe() - 1);
    wr(NVDLA_CDMA_D_WEIGHT_SIZE_1, c.k - 1);
    wr(NVDLA_CDMA_D_WEIGHT_RAM_TYPE, 1);
    wr(NVDLA_CDMA_D_WEIGHT_ADDR_HIGH, static_cast<uint32_t>(c.weight_addr >> 32));
    wr(NVDLA_CDMA_D_WEIGHT_ADDR_LOW, static_cast<uint32_t>(c.weight_addr));
    wr(NVDLA_CDMA_D_WEIGHT_BYTES, static_cast<uint32_t>(wbytes));
    wr(NVDLA_CDMA_D_CONV_STRIDE, stride);
    wr(NVDLA_CDMA_D_ZERO_PADDING, c.pad_l | (c.pad_r << 8) | (c.pad_t << 16) | (c.pad_b << 24));
    wr(NVDLA_CDMA_D_ZERO_PADDING_VALUE, static_cast<uint32_t>(c.pad_value) & 0xffffu);
    wr(NVDLA_CDMA_D_BANK, bank);
    wr(NVDLA_CDMA_BASE + DLASIM_EXT_SPARSE_CFG, c.sparse ? 1u : 0u);

    wr(NVDLA_CSC_D_MISC_CFG, misc);
    wr(NVDLA_CSC_D_DATAIN_FORMAT, c.image ? 1u : 0u);
    wr(NVDLA_CSC_D_DATAIN_SIZE_EXT_0, size0);
    wr(NVDLA_CSC_D_DATAIN_SIZE_EXT_1, c.in_c - 1);
    wr(NVDLA_CSC_D_BATCH_NUMBER, c.batch - 1);
    wr(NVDLA_CSC_D_ENTRY_PER_SLICE, eps - 1);
    wr(NVDLA_CSC_D_WEIGHT_FORMAT, 0);
    wr(NVDLA_CSC_D_WEIGHT_SIZE_EXT_0, (ks - 1) | ((c.r - 1) << 16));
    wr(NVDLA_CSC_D_WEIGHT_SIZE_EXT_1, (kc - 1) | ((c.k - 1) << 16));
    wr(NVDLA_CSC_D_WEIGHT_BYTES, static_cast<uint32_t>(wbytes));
    wr(NVDLA_CSC_D_DATAOUT_SIZE_0, out0);
    wr(NVDLA_CSC_D_DATAOUT_SIZE_1, c.k - 1);
    wr(NVDLA_CSC_D_ATOMICS, ow * oh - 1);
    wr(NVDLA_CSC_D_RELEASE, c.in_h - 1);
    wr(NVDLA_CSC_D_CONV_STRIDE_EXT, stride);
    wr(NVDLA_CSC_D_DILATION_EXT, (c.dil_x - 1) | ((c.dil_y - 1) << 16));
    wr(NVDLA_CSC_D_ZERO_PADDING, c.pad_l | (c.pad_t << 16));
    wr(NVDLA_CSC_D_ZERO_PADDING_VALUE, static_cast<uint32_t>(c.pad_value) & 0xffffu);
    wr(NVDLA_CSC_D_BANK, bank);
    wr(NVDLA_CSC_BASE + DLASIM_EXT_SPARSE_CFG, c.sparse ? 1u : 0u);

    wr(NVDLA_CMAC_A_D_MISC_CFG, prec << 12);
    wr(NVDLA_CMAC_B_D_MISC_CFG, prec << 12);

    wr(NVDLA_CACC_D_MISC_CFG, prec << 12);
    wr(NVDLA_CACC_D_DATAOUT_SIZE_0, out0);
    wr(NVDLA_CACC_D_DATAOUT_SIZE_1, c.k - 1);
    wr(NVDLA_CACC_D_BATCH_NUMBER, c.batch - 1);
    wr(NVDLA_CACC_D_CLIP_CFG, c.clip);

    wr(NVDLA_CACC_D_OP_ENABLE, 1);
    wr(NVDLA_CMAC_A_D_OP_ENABLE, 1);
    wr(NVDLA_CMAC_B_D_OP_ENABLE, 1);
    wr(NVDLA_CSC_D_OP_ENABLE, 1);
    wr(NVDLA_CDMA_D_OP_ENABLE, 1);
}

ConvBench::ConvBench(sc_core::sc_module_name name, const dla_config &cfg, const BenchOptions &opt,
                     std::vector<ConvSpec> layers, size_t dram_bytes)
    : sc_module(name), dram(dram_bytes, 0), cfg_(cfg), opt_(opt), layers_(std::move(layers)),
      to_sdp_("to_sdp", opt.sdp_fifo_depth)
{
    dmem_ = std::make_unique<TestMemory>(clock, dram, opt.bytes_per_cycle, opt.mem_latency);
    if (!opt.shared_memory)
        wmem_ = std::make_unique<TestMemory>(clock, dram, opt.bytes_per_cycle, opt.mem_latency);
    core_ = std::make_unique<ConvCore>("conv", cfg_, opt.functional, clock, *dmem_, opt.shared_memory ? *dmem_ : *wmem_,
                                       irq, stats, "dla0", to_sdp_);
    out.resize(layers_.size());
    SC_HAS_PROCESS(ConvBench);
    SC_THREAD(drive);
    SC_THREAD(sink);
}

void ConvBench::drive()
{
    auto targets = core_->csb_targets();
    for (size_t i = 0; i < layers_.size(); ++i) {
        const int g = static_cast<int>(i % 2);
        // A group can be reprogrammed once its previous layer has completed (CACC done).
        while (i >= 2 && irq.count(kIrqCacc + static_cast<unsigned>(g)) < i / 2)
            sc_core::wait(irq.raised);
        program_conv(targets, cfg_, layers_[i], g);
    }
}

void ConvBench::sink()
{
    for (size_t layer = 0; layer < layers_.size(); ++layer) {
        const ConvSpec &c = layers_[layer];
        const size_t points = static_cast<size_t>(c.out_w()) * c.out_h();
        SinkLayer &o = out[layer];
        if (opt_.functional) {
            o.values.assign(points * c.k * c.batch, 0);
            o.writes.assign(points * c.k * c.batch, 0);
        }
        for (;;) {
            OutputChunk chunk = to_sdp_.read();
            ++o.chunks;
            if (chunk.values)
                for (uint32_t i = 0; i < chunk.p_count; ++i)
                    for (uint32_t k = 0; k < chunk.k_count; ++k) {
                        size_t idx = (static_cast<size_t>(chunk.image) * c.k + chunk.k0 + k) * points + chunk.p0 + i;
                        o.values.at(idx) = (*chunk.values)[static_cast<size_t>(i) * chunk.k_count + k];
                        o.writes.at(idx) += 1;
                    }
            sc_core::wait(clock.cycles(ceil_div(chunk.elements(), opt_.sink_elements_per_cycle)));
            if (chunk.last) {
                o.end_cycle = clock.now_cycles();
                break;
            }
        }
    }
}

uint64_t ConvBench::ext(uint32_t unit_base, int group, uint32_t perf) const
{
    for (CsbTarget *t : core_->csb_targets())
        if (t->csb_base() == unit_base) {
            uint32_t a = unit_base + DLASIM_EXT_WINDOW + static_cast<uint32_t>(group) * DLASIM_EXT_GROUP_STRIDE + perf;
            return t->csb_read(a) | (static_cast<uint64_t>(t->csb_read(a + 4)) << 32);
        }
    throw std::logic_error("no conv unit at base " + std::to_string(unit_base));
}

uint64_t ConvBench::stat(const std::string &name) const
{
    std::vector<dla_stat> all;
    stats.snapshot(all);
    for (const dla_stat &s : all)
        if (name == s.name)
            return s.value;
    throw std::logic_error("no statistic " + name);
}

} // namespace convtest
