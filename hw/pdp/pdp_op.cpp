// PDP register decode (assumptions listed in pdp_op.h).
#include "pdp_op.h"

#include <stdexcept>
#include <string>

#include "dla/dlasim_ext_regs.h"
#include "dla/nvdla_limits.h"
#include "dla/nvdla_regs.h"

#define FIELD(value, REG, NAME) (((value) >> NVDLA_##REG##_##NAME##_SHIFT) & NVDLA_##REG##_##NAME##_MASK)

namespace dlasim::hw {

namespace {
[[noreturn]] void reject(const std::string &where, const std::string &what)
{
    throw std::invalid_argument(where + ": " + what);
}
std::string dims(uint32_t w, uint32_t h, uint32_t c)
{
    return std::to_string(w) + "x" + std::to_string(h) + "x" + std::to_string(c);
}
uint64_t addr64(const RegisterFile &r, int g, uint32_t lo, uint32_t hi)
{
    return (uint64_t(r.get(g, hi)) << 32) | r.get(g, lo);
}
} // namespace

bool pdp_is_offline(const RegisterFile &pdp, int g)
{
    return FIELD(pdp.get(g, NVDLA_PDP_D_OPERATION_MODE_CFG), PDP_D_OPERATION_MODE_CFG, FLYING_MODE) != 0;
}

PdpOp decode_pdp_op(const RegisterFile &pdp, int g, const RegisterFile &rdma, int rg, uint32_t atom_bytes,
                    bool functional)
{
    PdpOp op;
    op.group = g;
    const std::string where = "PDP group " + std::to_string(g);
    uint32_t mode = pdp.get(g, NVDLA_PDP_D_OPERATION_MODE_CFG);
    op.flying = !FIELD(mode, PDP_D_OPERATION_MODE_CFG, FLYING_MODE);
    uint32_t method = FIELD(mode, PDP_D_OPERATION_MODE_CFG, POOLING_METHOD);
    if (method > 2)
        reject(where, "D_OPERATION_MODE_CFG.POOLING_METHOD = " + std::to_string(method) +
                          ", expected AVERAGE (0), MAX (1) or MIN (2)");
    op.pool.method = static_cast<PoolMethod>(method);
    uint32_t fmt = FIELD(pdp.get(g, NVDLA_PDP_D_DATA_FORMAT), PDP_D_DATA_FORMAT, INPUT_DATA);
    if (fmt > 2 || (functional && fmt == 1))
        reject(where, "D_DATA_FORMAT.INPUT_DATA = " + std::to_string(fmt) +
                          (functional ? ", expected INT8 (0) or FP16 (2) in functional mode" : ", expected 0, 1 or 2"));
    op.pool.fp16 = fmt == 2;
    uint32_t bpe = fmt == 0 ? 1 : 2;

    FeatureCube in, out;
    in.width = FIELD(pdp.get(g, NVDLA_PDP_D_DATA_CUBE_IN_WIDTH), PDP_D_DATA_CUBE_IN_WIDTH, CUBE_IN_WIDTH) + 1;
    in.height = FIELD(pdp.get(g, NVDLA_PDP_D_DATA_CUBE_IN_HEIGHT), PDP_D_DATA_CUBE_IN_HEIGHT, CUBE_IN_HEIGHT) + 1;
    in.channels = FIELD(pdp.get(g, NVDLA_PDP_D_DATA_CUBE_IN_CHANNEL), PDP_D_DATA_CUBE_IN_CHANNEL, CUBE_IN_CHANNEL) + 1;
    out.width = FIELD(pdp.get(g, NVDLA_PDP_D_DATA_CUBE_OUT_WIDTH), PDP_D_DATA_CUBE_OUT_WIDTH, CUBE_OUT_WIDTH) + 1;
    out.height = FIELD(pdp.get(g, NVDLA_PDP_D_DATA_CUBE_OUT_HEIGHT), PDP_D_DATA_CUBE_OUT_HEIGHT, CUBE_OUT_HEIGHT) + 1;
    out.channels =
        FIELD(pdp.get(g, NVDLA_PDP_D_DATA_CUBE_OUT_CHANNEL), PDP_D_DATA_CUBE_OUT_CHANNEL, CUBE_OUT_CHANNEL) + 1;
    if (out.channels != in.channels)
        reject(where, "output channels " + std::to_string(out.channels) + " differ from input channels " +
                          std::to_string(in.channels));
    in.atom_bytes = out.atom_bytes = atom_bytes;
    in.bpe = out.bpe = bpe;

    uint32_t k = pdp.get(g, NVDLA_PDP_D_POOLING_KERNEL_CFG);
    op.pool.kernel_w = FIELD(k, PDP_D_POOLING_KERNEL_CFG, KERNEL_WIDTH) + 1;
    op.pool.kernel_h = FIELD(k, PDP_D_POOLING_KERNEL_CFG, KERNEL_HEIGHT) + 1;
    op.pool.stride_x = FIELD(k, PDP_D_POOLING_KERNEL_CFG, KERNEL_STRIDE_WIDTH) + 1;
    op.pool.stride_y = FIELD(k, PDP_D_POOLING_KERNEL_CFG, KERNEL_STRIDE_HEIGHT) + 1;
    if (op.pool.kernel_w > DLA_NVDLA_PDP_MAX_KERNEL || op.pool.kernel_h > DLA_NVDLA_PDP_MAX_KERNEL)
        reject(where, "D_POOLING_KERNEL_CFG kernel " + std::to_string(op.pool.kernel_w) + "x" +
                          std::to_string(op.pool.kernel_h) + ", expected 1.." +
                          std::to_string(DLA_NVDLA_PDP_MAX_KERNEL));
    uint32_t pad = pdp.get(g, NVDLA_PDP_D_POOLING_PADDING_CFG);
    op.pool.pad_left = FIELD(pad, PDP_D_POOLING_PADDING_CFG, PAD_LEFT);
    op.pool.pad_top = FIELD(pad, PDP_D_POOLING_PADDING_CFG, PAD_TOP);
    op.pad_right = FIELD(pad, PDP_D_POOLING_PADDING_CFG, PAD_RIGHT);
    op.pad_bottom = FIELD(pad, PDP_D_POOLING_PADDING_CFG, PAD_BOTTOM);
    // INT8: the low byte, signed; FP16: binary16 bits (the driver's encoding, docs/register-map.md).
    const uint32_t pad_raw = pdp.get(g, NVDLA_PDP_D_POOLING_PADDING_VALUE_1_CFG);
    op.pool.pad_value = op.pool.fp16 ? static_cast<int32_t>(pad_raw & 0xffffu) : static_cast<int8_t>(pad_raw & 0xffu);
    op.pool.exclude_pad = pdp.get_ext(pdp.csb_base() + DLASIM_EXT_POOL_CFG) & 1u;
    op.pool.recip_w = FIELD(pdp.get(g, NVDLA_PDP_D_RECIP_KERNEL_WIDTH), PDP_D_RECIP_KERNEL_WIDTH, RECIP_KERNEL_WIDTH);
    op.pool.recip_h =
        FIELD(pdp.get(g, NVDLA_PDP_D_RECIP_KERNEL_HEIGHT), PDP_D_RECIP_KERNEL_HEIGHT, RECIP_KERNEL_HEIGHT);

    // Every output window must start inside the padded input (NVDLA computes the output size as
    // (in + pads - kernel) / stride + 1); exclusive AVG additionally needs a valid position.
    uint32_t max_ow = (in.width + op.pool.pad_left + op.pad_right - op.pool.kernel_w) / op.pool.stride_x + 1;
    uint32_t max_oh = (in.height + op.pool.pad_top + op.pad_bottom - op.pool.kernel_h) / op.pool.stride_y + 1;
    if (in.width + op.pool.pad_left + op.pad_right < op.pool.kernel_w ||
        in.height + op.pool.pad_top + op.pad_bottom < op.pool.kernel_h || out.width > max_ow || out.height > max_oh)
        reject(where, "output " + dims(out.width, out.height, out.channels) + " does not fit input " +
                          dims(in.width, in.height, in.channels) + " with kernel " + std::to_string(op.pool.kernel_w) +
                          "x" + std::to_string(op.pool.kernel_h) + ", stride " + std::to_string(op.pool.stride_x) +
                          "x" + std::to_string(op.pool.stride_y) + " and the pads (at most " + std::to_string(max_ow) +
                          "x" + std::to_string(max_oh) + ")");
    if (op.pool.pad_left >= op.pool.kernel_w || op.pool.pad_top >= op.pool.kernel_h)
        reject(where, "padding must be smaller than the kernel (pad left/top " + std::to_string(op.pool.pad_left) +
                          "/" + std::to_string(op.pool.pad_top) + ")");

    out.base = addr64(pdp, g, NVDLA_PDP_D_DST_BASE_ADDR_LOW, NVDLA_PDP_D_DST_BASE_ADDR_HIGH);
    out.line_stride = pdp.get(g, NVDLA_PDP_D_DST_LINE_STRIDE);
    out.surface_stride = pdp.get(g, NVDLA_PDP_D_DST_SURFACE_STRIDE);
    if (out.line_stride < uint64_t(out.width) * atom_bytes ||
        (out.surfaces() > 1 && out.surface_stride < out.height * out.line_stride))
        reject(where, "D_DST_LINE_STRIDE " + std::to_string(out.line_stride) + " / D_DST_SURFACE_STRIDE " +
                          std::to_string(out.surface_stride) + " too small for the output " +
                          dims(out.width, out.height, out.channels));

    if (!op.flying) {
        op.rdma_group = rg;
        const std::string rw = "PDP_RDMA group " + std::to_string(rg);
        if (!FIELD(rdma.get(rg, NVDLA_PDP_RDMA_D_FLYING_MODE), PDP_RDMA_D_FLYING_MODE, FLYING_MODE))
            reject(rw, "D_FLYING_MODE = ON_FLYING but PDP is offline");
        uint32_t w =
            FIELD(rdma.get(rg, NVDLA_PDP_RDMA_D_DATA_CUBE_IN_WIDTH), PDP_RDMA_D_DATA_CUBE_IN_WIDTH, CUBE_IN_WIDTH) + 1;
        uint32_t h =
            FIELD(rdma.get(rg, NVDLA_PDP_RDMA_D_DATA_CUBE_IN_HEIGHT), PDP_RDMA_D_DATA_CUBE_IN_HEIGHT, CUBE_IN_HEIGHT) +
            1;
        uint32_t c = FIELD(rdma.get(rg, NVDLA_PDP_RDMA_D_DATA_CUBE_IN_CHANNEL), PDP_RDMA_D_DATA_CUBE_IN_CHANNEL,
                           CUBE_IN_CHANNEL) +
                     1;
        if (w != in.width || h != in.height || c != in.channels)
            reject(rw, "input cube " + dims(w, h, c) + " differs from PDP's " + dims(in.width, in.height, in.channels));
        in.base = addr64(rdma, rg, NVDLA_PDP_RDMA_D_SRC_BASE_ADDR_LOW, NVDLA_PDP_RDMA_D_SRC_BASE_ADDR_HIGH);
        in.line_stride = rdma.get(rg, NVDLA_PDP_RDMA_D_SRC_LINE_STRIDE);
        in.surface_stride = rdma.get(rg, NVDLA_PDP_RDMA_D_SRC_SURFACE_STRIDE);
        if (in.line_stride < uint64_t(in.width) * atom_bytes ||
            (in.surfaces() > 1 && in.surface_stride < in.height * in.line_stride))
            reject(rw, "D_SRC_LINE_STRIDE " + std::to_string(in.line_stride) + " / D_SRC_SURFACE_STRIDE " +
                           std::to_string(in.surface_stride) + " too small for the input " +
                           dims(in.width, in.height, in.channels));
    }
    if (!op.flying || in.bpe == 1) { // on the fly, SDP rounds its INT8 output the same way (sdp_op.h)
        // NVDLA's RDMA/WDMA move whole atoms and the datapath computes every lane of them, so the
        // channels above C up to the atom boundary are pooled (offline: from whatever those input
        // bytes hold; on the fly: from the lanes SDP computes for them) and written too (NVDLA's
        // trace tests check them by CRC).
        in.channels = out.channels = (in.channels + in.cps() - 1) / in.cps() * in.cps();
    }
    op.src = in;
    op.dst = out;
    return op;
}

} // namespace dlasim::hw
