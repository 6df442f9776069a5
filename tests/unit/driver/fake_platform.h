// A fake of the platform boundary (dla/platform.h) for driver unit tests: records every CSB access,
// keeps sparse memory, and completes an op the moment CACC, SDP, PDP or CDP is enabled (raising that
// unit's GLB done bit for the producer group). No SystemC.
#pragma once

#include <cstdint>
#include <vector>

#include "dla/platform.h"

struct FakeAccess {
    char kind; // 'W' write, 'R' read, 'I' wait_irq returned
    uint32_t addr;
    uint32_t value;
};

constexpr uint64_t kFakeDramBase = 0x80000000ull;
constexpr uint64_t kFakeDramSize = 1ull << 30;

const std::vector<FakeAccess> &fake_log(const dla_platform *p);
// Every dla_ctl_gpu_run call, in order.
struct FakeGpuWork {
    double ns;
    uint64_t read_bytes, write_bytes;
};
const std::vector<FakeGpuWork> &fake_gpu_work(const dla_platform *p);
// Value returned by reads of addr (extension perf registers, typically).
void fake_set_reg(dla_platform *p, uint32_t addr, uint32_t value);
void fake_set_ext64(dla_platform *p, uint32_t unit_base, int group, uint32_t perf_offset, uint64_t value);
uint64_t fake_falcon_cycles(const dla_platform *p);
