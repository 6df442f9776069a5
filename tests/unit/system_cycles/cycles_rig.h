// One layer through the real stack: a preset config (configs/*.json), the SystemC platform (DRAM,
// MCIF, CSB, GLB, conv core, SDP, PDP) and the driver on a hand-built loadable, timing only.
// The rig only lays data out (feature format, DC weights, CBUF plan); expected cycles live in the tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dla/config.h"
#include "dla/driver.h"
#include "dla/loadable.h"
#include "dla/platform.h"

namespace cycles {

// An INT8 direct convolution, stride 1, square kernel, symmetric zero padding, all K kernels,
// fused with an SDP whose stages are all bypassed (throughput = core.sdp_bs_throughput) that writes
// the output cube to DRAM. The CDMA fetches the whole input as one grain (fetch_grain = H), so the
// CSC starts once every input row and the first kernel group are in CBUF.
struct ConvLayerSpec {
    uint32_t w = 0, h = 0, c = 0; // input cube
    uint32_t k = 0;               // kernels
    uint32_t kernel = 1;          // R = S
    uint32_t pad = 0;             // on all four sides
};

// An offline INT8 pooling layer (PDP_RDMA reads the input cube from DRAM, PDP writes to DRAM).
struct PoolLayerSpec {
    uint32_t w = 0, h = 0, c = 0;
    uint32_t method = DLA_POOL_MAX;
    uint32_t kernel_w = 1, kernel_h = 1;
    uint32_t stride_x = 1, stride_y = 1;
};

class CyclesRig {
  public:
    // Loads the preset (DLASIM_CONFIG_DIR) with optional --set style overrides ("key.path=value") and
    // picks the power mode (nullptr: the first one).
    CyclesRig(const char *config, const char *mode, const std::vector<std::string> &overrides = {});
    ~CyclesRig();
    CyclesRig(const CyclesRig &) = delete;
    CyclesRig &operator=(const CyclesRig &) = delete;

    const dla_config &config() const { return *cfg_; }
    const dla_power_mode &mode() const { return *mode_; }
    // Empty when setup succeeded; otherwise what went wrong.
    const std::string &error() const { return error_; }

    void add_conv_layer(const ConvLayerSpec &s);
    void add_pool_layer(const PoolLayerSpec &s);

    // Builds the platform and the driver, runs the loadable on core 0 and returns its only layer
    // record (nullptr with error() set on failure).
    const dla_layer_record *run();
    // The same for any number of layers: every layer record in loadable order (*n of them).
    const dla_layer_record *run_layers(size_t *n);

  private:
    uint32_t add_region(uint32_t kind, uint64_t size);
    uint32_t add_layer(const char *name, const char *type);
    uint32_t add_op(const dla_lop &op);
    uint32_t surfaces(uint32_t channels) const;
    dla_lsurface memory_cube(uint32_t region, uint32_t w, uint32_t h, uint32_t c) const;
    void fail(const std::string &what);

    dla_config *cfg_ = nullptr;
    const dla_power_mode *mode_ = nullptr;
    dla_loadable *loadable_ = dla_loadable_create();
    dla_platform *platform_ = nullptr;
    dla_driver *driver_ = nullptr;
    std::string error_;
};

} // namespace cycles
