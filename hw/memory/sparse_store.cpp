// Sparse page store (see sparse_store.h).
#include "sparse_store.h"

#include <algorithm>
#include <cstring>

namespace dlasim::hw {

void SparseStore::read(uint64_t addr, void *dst, uint64_t bytes) const
{
    auto *out = static_cast<uint8_t *>(dst);
    while (bytes > 0) {
        uint64_t off = addr % kPageBytes;
        uint64_t n = std::min(bytes, kPageBytes - off);
        auto it = pages_.find(addr / kPageBytes);
        if (it == pages_.end())
            std::memset(out, 0, n);
        else
            std::memcpy(out, it->second->data() + off, n);
        out += n;
        addr += n;
        bytes -= n;
    }
}

void SparseStore::write(uint64_t addr, const void *src, uint64_t bytes)
{
    const auto *in = static_cast<const uint8_t *>(src);
    while (bytes > 0) {
        uint64_t off = addr % kPageBytes;
        uint64_t n = std::min(bytes, kPageBytes - off);
        std::unique_ptr<Page> &page = pages_[addr / kPageBytes];
        if (!page)
            page = std::make_unique<Page>(Page{});
        std::memcpy(page->data() + off, in, n);
        in += n;
        addr += n;
        bytes -= n;
    }
}

} // namespace dlasim::hw
