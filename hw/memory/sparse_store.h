// Functional backing store of simulated memory: sparse pages allocated on first write, so huge
// address windows cost nothing; untouched bytes read as zero. Shared by DMAs and the host backdoor.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>

namespace dlasim::hw {

class SparseStore {
  public:
    static constexpr uint64_t kPageBytes = 64 * 1024;
    void read(uint64_t addr, void *dst, uint64_t bytes) const;
    void write(uint64_t addr, const void *src, uint64_t bytes);
    uint64_t pages() const { return pages_.size(); }

  private:
    using Page = std::array<uint8_t, kPageBytes>;
    std::unordered_map<uint64_t, std::unique_ptr<Page>> pages_;
};

} // namespace dlasim::hw
