// A hand-built loadable for one offline (memory-to-memory) op on a W x H x 32 INT8 cube, one
// 32-channel surface of 32-B atoms, shared by the SDP-LUT and CDP cycle tests: the target header from
// the config, an input and an output region, one layer. The caller adds the op reading src, writing dst.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>

#include "dla/config.h"
#include "dla/loadable.h"

namespace cycles {

inline dla_loadable *one_op_net(const dla_config &cfg, const char *network, const char *layer, const char *type,
                                uint32_t W, uint32_t H, dla_lsurface *src, dla_lsurface *dst)
{
    dla_loadable *l = dla_loadable_create();
    std::snprintf(l->target_config, sizeof l->target_config, "%s", cfg.name);
    std::snprintf(l->network, sizeof l->network, "%s", network);
    l->atomic_c = uint32_t(cfg.core.atomic_c);
    l->atomic_k = uint32_t(cfg.core.atomic_k);
    l->memory_atomic_bytes = uint32_t(cfg.core.memory_atomic_bytes);
    l->cbuf_banks = uint32_t(cfg.core.cbuf_banks);
    l->cbuf_entries_per_bank = uint32_t(cfg.core.cbuf_entries_per_bank);
    l->cbuf_entry_bytes = uint32_t(cfg.core.cbuf_entry_bytes);
    l->precision = DLA_PRECISION_INT8;
    l->batch = 1;
    const uint32_t C = 32, line = W * 32;
    for (uint32_t kind : {uint32_t(DLA_REGION_INPUT), uint32_t(DLA_REGION_OUTPUT)}) {
        dla_lregion r{};
        r.kind = kind;
        r.size = uint64_t(line) * H;
        r.alignment = 4096;
        EXPECT_EQ(dla_loadable_add_region(l, &r, nullptr), DLA_OK);
    }
    dla_llayer y{};
    std::snprintf(y.name, sizeof y.name, "%s", layer);
    std::snprintf(y.type, sizeof y.type, "%s", type);
    EXPECT_EQ(dla_loadable_add_layer(l, &y, nullptr), DLA_OK);
    for (int k = 0; k < 2; ++k) {
        dla_lsurface &s = k ? *dst : *src;
        s = dla_lsurface{};
        s.region = k;
        s.width = W;
        s.height = H;
        s.channels = C;
        s.line_stride = line;
        s.surface_stride = line * H;
        s.precision = DLA_PRECISION_INT8;
    }
    return l;
}

} // namespace cycles
