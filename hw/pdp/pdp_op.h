// One PDP operation decoded from the PDP and PDP_RDMA register groups (NVDLA encodings,
// NVDLA_PDP.rdl / NVDLA_PDP_RDMA.rdl). Decode assumptions:
// - sizes, kernel sizes and strides are value+1; pads 0..7; addresses LOW/HIGH; strides in bytes.
// - OPERATION_MODE_CFG.FLYING_MODE 0 = on-the-fly from SDP, 1 = offline through PDP_RDMA (SRC_* and
//   the input cube are taken from PDP_RDMA, which must agree with PDP); POOLING_METHOD 0 AVG,
//   1 MAX, 2 MIN. SPLIT_NUM / PARTIAL_WIDTH_* are not used: the model splits the width itself
//   from the line buffer size (pdp.h).
// - pad value: POOLING_PADDING_VALUE_1_CFG, low 8 bits as a signed INT8 value (rdl: "1x active
//   bits is LSB 8 bits"); the 2X..7X registers are not needed by the datapath contract.
// - AVG padding: extension register DLASIM_EXT_POOL_CFG bit 0 = exclude padded positions.
// - output: DST_BASE_ADDR, DST_LINE_STRIDE, DST_SURFACE_STRIDE, OUT cube; INT8 only in functional
//   mode; DATA_FORMAT INT16/FP16 allowed for timing (2 bytes per element).
#pragma once

#include <cstdint>

#include "common/register_file.h"
#include "memory/feature_dma.h"
#include "pdp_math.h"

namespace dlasim::hw {

struct PdpOp {
    int group = 0;
    int rdma_group = -1; // -1 when on-the-fly
    bool flying = false;
    FeatureCube src; // input cube (base/strides only when offline)
    FeatureCube dst; // output cube
    PoolParams pool;
    uint32_t pad_right = 0, pad_bottom = 0;
};

bool pdp_is_offline(const RegisterFile &pdp, int group);
// Decode and validate; throws std::invalid_argument naming the register, value and expectation.
PdpOp decode_pdp_op(const RegisterFile &pdp, int group, const RegisterFile &rdma, int rdma_group, uint32_t atom_bytes,
                    bool functional);

} // namespace dlasim::hw
