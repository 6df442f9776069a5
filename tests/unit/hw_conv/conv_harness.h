// Test harness for the convolution core: a fixed-bandwidth/latency memory backed by a byte array,
// an interrupt recorder, an SDP sink draining the output channel at a set rate, a register writer
// that programs a conv layer the NVDLA way (rdl encodings), memory-image writers for the feature
// and DC weight formats, and an independent reference convolution over NCHW arrays.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <systemc>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/interfaces.h"
#include "common/stats.h"
#include "common/streams.h"
#include "conv/conv_core.h"
#include "dla/config.h"
#include "dla/dlasim_ext_regs.h"
#include "dla/nvdla_regs.h"

namespace convtest {

using namespace dlasim::hw;

// nv_small-like (8x8 MACs, atom 8, 32 x 512 x 8 B CBUF) and Orin-like (64x128 MACs, atom 32,
// 32 x 256 x 64 B CBUF) cores; both use the same pipeline latencies: CBUF read 6 / write 3,
// CSC 4, CMAC 9, CACC 11 (6+4+9+11 = 30 cycles from the end of a stripe's issue to its output),
// SG flush 48, weight load = AtomK cycles, stripes of [AtomK, 2*AtomK-1] points, 4 delivery credits.
dla_config nv_small_like();
dla_config orin_like();

// Accepts one request at a time; a request of n bytes occupies the interface ceil(n/bw) cycles
// and its data arrives `latency` cycles after that.
class TestMemory : public MemoryPort {
  public:
    TestMemory(const CoreClock &clk, std::vector<uint8_t> &bytes, uint32_t bytes_per_cycle, uint32_t latency)
        : clk_(clk), bytes_(bytes), bw_(bytes_per_cycle), latency_(latency)
    {}
    sc_core::sc_time access(const MemAccess &req, void *data) override;

  private:
    const CoreClock &clk_;
    std::vector<uint8_t> &bytes_;
    uint32_t bw_, latency_;
    sc_core::sc_time next_free_ = sc_core::SC_ZERO_TIME;
};

class IrqRecorder : public InterruptSink {
  public:
    explicit IrqRecorder(const CoreClock &clk) : clk_(clk) {}
    void raise_interrupt(unsigned bit) override;
    // Cycle of the n-th (0-based) raise of `bit`, or UINT64_MAX.
    uint64_t cycle(unsigned bit, size_t n = 0) const;
    size_t count(unsigned bit) const;
    sc_core::sc_event raised;

  private:
    const CoreClock &clk_;
    std::vector<std::pair<unsigned, uint64_t>> log_;
};

struct ConvSpec {
    uint32_t in_w = 0, in_h = 0, in_c = 0, k = 0, r = 1, s = 1;
    uint32_t stride_x = 1, stride_y = 1, dil_x = 1, dil_y = 1;
    uint32_t pad_l = 0, pad_r = 0, pad_t = 0, pad_b = 0;
    int pad_value = 0;
    uint32_t clip = 0;
    bool fp16 = false, sparse = false;
    uint32_t data_banks = 1, weight_banks = 1;
    uint32_t fetch_grain = 1;  // slices
    uint64_t weight_bytes = 0; // 0: dense DC size padded to 128 B
    uint64_t in_addr = 0, weight_addr = 0;
    bool data_reuse = false, weight_reuse = false, skip_data_rls = false, skip_weight_rls = false;
    // Image input (docs/datapath.md "Image input"): packed pixels of PIXEL_FORMAT pixel_format
    // (harness knows 0 T_R8, 12 T_A8B8G8R8 = bytes R G B A, 15 T_R8G8B8A8 = bytes A B G R), the
    // first pixel of a line pixel_x_offset pixels after the (atom-aligned) line start.
    bool image = false;
    uint32_t pixel_format = 12, pixel_x_offset = 0;
    uint32_t sign_override = 1; // D_DATAIN_FORMAT.PIXEL_SIGN_OVERRIDE written for image layers
    // NVDLA batch mode (D_BATCH_NUMBER = batch - 1): image b's input at in_addr + b x batch_stride
    // (0: input_bytes, images back to back); the sink keeps each image's output separately.
    uint32_t batch = 1;
    uint64_t batch_stride = 0;
    uint32_t out_w() const { return (in_w + pad_l + pad_r - ((s - 1) * dil_x + 1)) / stride_x + 1; }
    uint32_t out_h() const { return (in_h + pad_t + pad_b - ((r - 1) * dil_y + 1)) / stride_y + 1; }
    uint32_t bpe() const { return fp16 ? 2 : 1; }
};

// Layout helpers (docs/datapath.md), computed from the spec and config.
uint32_t pixel_bytes(const ConvSpec &c);                     // image input: bytes per pixel
uint32_t pixel_channel_byte(const ConvSpec &c, uint32_t ch); // image input: byte of channel ch in a pixel
uint64_t line_stride(const dla_config &cfg, const ConvSpec &c);
uint64_t surf_stride(const dla_config &cfg, const ConvSpec &c);
uint64_t input_bytes(const dla_config &cfg, const ConvSpec &c);
uint64_t batch_stride(const dla_config &cfg, const ConvSpec &c);       // bytes between the images' input cubes
uint64_t dense_weight_bytes(const dla_config &cfg, const ConvSpec &c); // padded to 128 B
uint32_t entry_per_slice(const dla_config &cfg, const ConvSpec &c);

// chw: one image, or (batch mode) c.batch images one after the other.
void write_input(const dla_config &cfg, const ConvSpec &c, const std::vector<int8_t> &chw, std::vector<uint8_t> &dram);
void write_weights(const dla_config &cfg, const ConvSpec &c, const std::vector<int8_t> &kcrs,
                   std::vector<uint8_t> &dram);
// Reference: out[k][oy][ox] = sat32(rshr_away(sum in*w, clip)) (halves away from zero) with padded
// positions = pad_value.
std::vector<int32_t> reference_conv(const ConvSpec &c, const std::vector<int8_t> &chw, const std::vector<int8_t> &kcrs);
std::vector<int8_t> random_int8(size_t n, uint32_t seed);

// Writes a layer into register group `group` of the five conv units, then enables them
// downstream first (CACC, CMAC_A, CMAC_B, CSC, CDMA).
void program_conv(const std::vector<CsbTarget *> &targets, const dla_config &cfg, const ConvSpec &c, int group);

struct BenchOptions {
    bool functional = true;
    uint32_t bytes_per_cycle = 32;
    uint32_t mem_latency = 20;
    bool shared_memory = false; // data and weight ports share one interface
    uint32_t sink_elements_per_cycle = 1u << 20;
    int sdp_fifo_depth = 1;
};

// Output of one layer as the SDP sink saw it.
struct SinkLayer {
    std::vector<int32_t> values; // [image][k][p]
    std::vector<int> writes;     // how many chunks covered each (k, p)
    uint64_t end_cycle = 0;      // sink finished draining the last chunk
    size_t chunks = 0;
};

class ConvBench : public sc_core::sc_module {
  public:
    ConvBench(sc_core::sc_module_name name, const dla_config &cfg, const BenchOptions &opt,
              std::vector<ConvSpec> layers, size_t dram_bytes = 1u << 22);
    CoreClock clock{1000.0};
    StatsRegistry stats;
    std::vector<uint8_t> dram;
    IrqRecorder irq{clock};
    std::vector<SinkLayer> out;
    uint64_t ext(uint32_t unit_base, int group, uint32_t perf) const; // 64-bit extension perf register
    uint64_t stat(const std::string &name) const;
    ConvCore &core() { return *core_; }

  private:
    void drive();
    void sink();
    dla_config cfg_;
    BenchOptions opt_;
    std::vector<ConvSpec> layers_;
    std::unique_ptr<TestMemory> dmem_, wmem_;
    sc_core::sc_fifo<OutputChunk> to_sdp_;
    std::unique_ptr<ConvCore> core_;
};

} // namespace convtest
