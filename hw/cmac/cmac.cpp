// MAC array timing and INT8 stripe arithmetic (see cmac.h).
#include "cmac.h"

#include <algorithm>
#include <stdexcept>

#include "common/half.h"
#include "dla/nvdla_regs.h"

namespace dlasim::hw {

CmacParams CmacParams::from_config(const dla_core_params &core)
{
    CmacParams p;
    p.latency_cycles = static_cast<uint32_t>(core.cmac_latency_cycles);
    return p;
}

namespace {

// The CBUF slice of the input row kernel row r of output row y of image b reads (batch mode keeps
// the images' slices of one row next to each other); nullptr when that row is padding. Throws when
// the CSC did not fetch it.
const uint8_t *input_row(const ConvLayer &l, const StripeOperands &ops, int64_t y, uint32_t r, uint32_t b)
{
    const int64_t ih = y * l.stride_y - l.pad_top + static_cast<int64_t>(r) * l.dilation_y;
    if (ih < 0 || ih >= static_cast<int64_t>(l.in_h))
        return nullptr;
    if (ih < ops.row0 || ih >= ops.row0 + static_cast<int64_t>(ops.row_count))
        throw std::logic_error("CMAC: stripe reads an input row the CSC did not fetch from CBUF");
    return ops.rows.data() + (static_cast<size_t>(ih - ops.row0) * l.batch + b) * l.slice_bytes;
}

// Walks the stripe's output points of every image (accumulators acc = out + (b * p_count + i) * kg
// set to zero; batch mode puts image b's sums after image b - 1's) and, for each, the kernel taps in
// the order r, s: tap(acc, row, iw, r, s) with row the input row's CBUF slice (nullptr for padding)
// and iw the input column (outside [0, in_w) for padding).
template <class T, class Tap>
void for_each_tap(const ConvLayer &l, const StripeOperands &ops, uint32_t kg, uint32_t p0, uint32_t p_count, T *out,
                  Tap tap)
{
    for (uint32_t bi = 0; bi < l.batch * p_count; ++bi) {
        const uint32_t b = bi / p_count, p = p0 + bi % p_count;
        const int64_t y = p / l.out_w, x = p % l.out_w;
        T *acc = out + static_cast<size_t>(bi) * kg;
        std::fill(acc, acc + kg, T(0));
        for (uint32_t r = 0; r < l.kernel_h; ++r) {
            const uint8_t *row = input_row(l, ops, y, r, b);
            for (uint32_t s = 0; s < l.kernel_w; ++s)
                tap(acc, row, x * l.stride_x - l.pad_left + static_cast<int64_t>(s) * l.dilation_x, r, s);
        }
    }
}

} // namespace

void conv_stripe_int8(const ConvLayer &l, const StripeOperands &ops, uint32_t group, uint32_t p0, uint32_t p_count,
                      int64_t *out)
{
    const uint32_t kg = l.kernels_in_group(group);
    const uint32_t atom = l.atom_bytes, atomic_c = l.atomic_c;
    const uint64_t surface_bytes = static_cast<uint64_t>(l.in_w) * atom;
    const int8_t *w_all = reinterpret_cast<const int8_t *>(ops.weights->data());
    // NVDLA's DC layout (docs/datapath.md): channel block cb (every earlier block full) starts at
    // cb * AtomC * R * S * kg; inside it, (r, s, kernel) atoms of the block's width, which is AtomC
    // except for the last block (C mod AtomC channels).
    const uint32_t wc = l.image ? l.ext_channels : l.in_c, ws = l.image ? 1u : l.kernel_w;
    auto weight_at = [&](uint32_t c, uint32_t r, uint32_t s) {
        const uint32_t cb = c / atomic_c, c0 = cb * atomic_c, bw = std::min(atomic_c, wc - c0);
        return w_all + static_cast<size_t>(c0) * l.kernel_h * ws * kg + ((static_cast<size_t>(r) * ws + s) * kg) * bw +
               (c - c0);
    };
    const int8_t pad = static_cast<int8_t>(l.pad_value);
    for_each_tap(l, ops, kg, p0, p_count, out,
                 [&](int64_t *acc, const uint8_t *row, int64_t iw, uint32_t r, uint32_t s) {
                     const bool ok = row && iw >= 0 && iw < static_cast<int64_t>(l.in_w);
                     if (l.image) {
                         // Channel extension: kernel column s, pixel byte b is extended channel
                         // s * pixel_bytes + b of the 1 x R kernel (weights in DC layout of that kernel).
                         for (uint32_t c = 0; c < l.in_c; ++c) {
                             const uint32_t b = l.channel_byte[c];
                             const int64_t v = ok ? static_cast<int8_t>(row[iw * l.pixel_bytes + b]) : pad;
                             if (v == 0)
                                 continue;
                             const uint32_t e = s * l.pixel_bytes + b;
                             const uint32_t bw = std::min(atomic_c, wc - e / atomic_c * atomic_c);
                             const int8_t *w = weight_at(e, r, 0);
                             for (uint32_t k = 0; k < kg; ++k)
                                 acc[k] += v * w[static_cast<size_t>(k) * bw];
                         }
                         return;
                     }
                     for (uint32_t c = 0; c < l.in_c; ++c) {
                         const int64_t v =
                             ok ? static_cast<int8_t>(row[(c / atom) * surface_bytes + iw * atom + c % atom]) : pad;
                         if (v == 0)
                             continue;
                         const uint32_t bw = std::min(atomic_c, wc - c / atomic_c * atomic_c);
                         const int8_t *w = weight_at(c, r, s);
                         for (uint32_t k = 0; k < kg; ++k)
                             acc[k] += v * w[static_cast<size_t>(k) * bw];
                     }
                 });
}

void conv_stripe_fp16(const ConvLayer &l, const StripeOperands &ops, uint32_t group, uint32_t p0, uint32_t p_count,
                      float *out)
{
    if (l.image || l.sparse)
        throw std::logic_error("CMAC: FP16 stripes are direct convolution of dense weights only");
    const uint32_t kg = l.kernels_in_group(group);
    const uint32_t atom = l.atom_bytes, cps = atom / 2, atomic_c = l.atomic_c;
    const uint64_t surface_bytes = static_cast<uint64_t>(l.in_w) * atom;
    const uint8_t *w_all = ops.weights->data();
    auto half_at = [](const uint8_t *p) { return half_to_float(static_cast<uint16_t>(p[0] | (p[1] << 8))); };
    // The DC layout of conv_stripe_int8, in 2-byte elements.
    auto weight_at = [&](uint32_t c, uint32_t r, uint32_t s) {
        const uint32_t c0 = c / atomic_c * atomic_c, bw = std::min(atomic_c, l.in_c - c0);
        return w_all + 2 * (static_cast<size_t>(c0) * l.kernel_h * l.kernel_w * kg +
                            ((static_cast<size_t>(r) * l.kernel_w + s) * kg) * bw + (c - c0));
    };
    const float pad = half_to_float(static_cast<uint16_t>(l.pad_value & 0xffff));
    for_each_tap(l, ops, kg, p0, p_count, out, [&](float *acc, const uint8_t *row, int64_t iw, uint32_t r, uint32_t s) {
        const bool ok = row && iw >= 0 && iw < static_cast<int64_t>(l.in_w);
        for (uint32_t c = 0; c < l.in_c; ++c) {
            // No zero skipping: 0 x Inf and the sign of zero sums must follow IEEE.
            const float v = ok ? half_at(row + (c / cps) * surface_bytes + iw * atom + (c % cps) * 2) : pad;
            const uint32_t bw = std::min(atomic_c, l.in_c - c / atomic_c * atomic_c);
            const uint8_t *w = weight_at(c, r, s);
            for (uint32_t k = 0; k < kg; ++k) {
                const float prod = v * half_at(w + static_cast<size_t>(k) * bw * 2); // exact in binary32
                acc[k] = acc[k] + prod;
            }
        }
    });
}

Cmac::Cmac(sc_core::sc_module_name name, const CmacParams &params, bool functional, const CoreClock &clock,
           sc_core::sc_fifo<StripeOp> &from_csc, sc_core::sc_fifo<StripeOp> &to_cacc, StatsRegistry &stats,
           const std::string &stats_prefix)
    : sc_module(name), regs_a("CMAC_A", NVDLA_CMAC_A_BASE), regs_b("CMAC_B", NVDLA_CMAC_B_BASE),
      layer_in("layer_in", 2), p_(params), functional_(functional), clock_(clock), in_(from_csc), out_(to_cacc),
      mac_ops_(stats.declare(stats_prefix + ".mac_ops", "ops",
                             "MACs issued (atomic ops x AtomC x kernels of the group, padding included)")),
      busy_cycles_(stats.declare(stats_prefix + ".busy_cycles", "cycles", "cycles the MAC array was issued work"))
{
    SC_HAS_PROCESS(Cmac);
    SC_THREAD(run);
}

void Cmac::run()
{
    for (;;) {
        LayerPtr layer = layer_in.read();
        const uint64_t start = clock_.now_cycles();
        uint64_t busy = 0, macs = 0;
        StripeOp op;
        do {
            op = in_.read();
            const ConvLayer &l = *op.layer;
            if (functional_) {
                const size_t n = static_cast<size_t>(op.p_count) * l.batch * l.kernels_in_group(op.group);
                if (l.precision == ConvPrecision::kFp16) {
                    op.partial_fp = std::make_shared<std::vector<float>>(n);
                    conv_stripe_fp16(l, *op.operands, op.group, op.p0, op.p_count, op.partial_fp->data());
                } else {
                    op.partial = std::make_shared<std::vector<int64_t>>(n);
                    conv_stripe_int8(l, *op.operands, op.group, op.p0, op.p_count, op.partial->data());
                }
                op.operands.reset();
            }
            op.ready += clock_.cycles(p_.latency_cycles);
            busy += op.cycles;
            macs += op.atomic_ops * l.atomic_c * l.kernels_in_group(op.group) / (l.sparse ? 2 : 1);
            out_.write(op);
        } while (!op.last);
        mac_ops_ += macs;
        busy_cycles_ += busy;
        // The array is done when the last stripe's results have left it.
        clock_.wait_until(op.ready);
        for (RegisterFile *rf : {&regs_a, &regs_b}) {
            rf->set_ext64(layer->group, kExtStartCycle, start);
            rf->set_ext64(layer->group, kExtEndCycle, clock_.now_cycles());
            rf->set_ext64(layer->group, kExtBusy, busy);
            rf->set_ext64(layer->group, kExtMacs, macs / 2);
        }
        regs_a.complete();
        regs_b.complete();
        ++done_;
        done_event_.notify(sc_core::SC_ZERO_TIME);
    }
}

} // namespace dlasim::hw
