// One CDP operation decoded from the CDP and CDP_RDMA register groups (NVDLA_CDP.rdl,
// NVDLA_CDP_RDMA.rdl), validated once when the op starts. CDP is always offline: CDP_RDMA reads the
// cube (SRC_*), CDP writes it (DST_*), same width/height/channels. INT8 only in functional mode.
// The channel count is rounded up to whole atoms: NVDLA computes and writes every lane of the last
// atom (from whatever those input bytes hold), as its trace tests check.
// Converters (INT8): DATIN_OFFSET is the low 8 bits, signed; DATIN_SCALE int16; DATIN_SHIFTER 5 bits;
// DATOUT_OFFSET int32; DATOUT_SCALE int16; DATOUT_SHIFTER 6 bits. LRN window NORMALZ_LEN 0..3 =
// 3, 5, 7, 9 channels. Functional: SQSUM and MUL both bypassed (converters only) or both on (LRN:
// square sum of the converted channels in the window, LUT (lut.h), multiply; docs/datapath.md step 7).
#pragma once

#include <cstdint>

#include "common/register_file.h"
#include "lut.h"
#include "memory/feature_dma.h"

namespace dlasim::hw {

struct CdpCvt {
    int32_t offset = 0;
    int32_t scale = 1;
    unsigned shift = 0;
    unsigned sat_bits = 0; // input converter: result saturated to this many bits (0: not saturated)
};

struct CdpOp {
    int group = 0, rdma_group = 0;
    FeatureCube src, dst;
    bool sqsum_bypass = true, mul_bypass = true;
    uint32_t window = 3; // LRN channels
    CdpCvt in, out;
    LutConfig lut; // S_LUT_* (single group)
};

// CDP's register file: the ping-pong groups plus the LUT RAM behind S_LUT_ACCESS_CFG/_DATA.
class CdpRegisterFile : public LutRegisterFile {
  public:
    CdpRegisterFile();
};

// Throws std::invalid_argument naming the unit, group and register ("CDP group 0: ...").
CdpOp decode_cdp_op(const RegisterFile &cdp, int group, const RegisterFile &rdma, int rdma_group, uint32_t atom_bytes,
                    bool functional);

} // namespace dlasim::hw
