// Loadable construction and the platform/driver run for the system-level cycle tests (cycles_rig.h).
// Layout only: feature cubes packed (line = W x atom, surface = H x line), DC weights of K x C x R x S
// bytes (NVDLA's layout, docs/datapath.md), the smallest CBUF banks that hold input and weights.
#include "cycles_rig.h"

#include <cstdio>

namespace cycles {

namespace {
constexpr uint32_t kRegionAlignment = 4096; // every cube starts on a request (and burst) boundary

uint64_t ceil_div(uint64_t a, uint64_t b)
{
    return (a + b - 1) / b;
}
} // namespace

CyclesRig::CyclesRig(const char *config, const char *mode, const std::vector<std::string> &overrides)
{
    dla_error err{};
    if (!loadable_) {
        fail("out of memory creating the loadable");
        return;
    }
    std::vector<const char *> sets;
    for (const std::string &o : overrides)
        sets.push_back(o.c_str());
    if (dla_config_load(config, sets.data(), static_cast<int>(sets.size()), &cfg_, &err) != DLA_OK) {
        fail(err.msg);
        return;
    }
    mode_ = dla_config_power_mode(cfg_, mode);
    if (!mode_) {
        fail(std::string("config '") + config + "' has no power mode '" + (mode ? mode : "") + "'");
        return;
    }
    const dla_core_params &core = cfg_->core;
    std::snprintf(loadable_->target_config, sizeof loadable_->target_config, "%s", cfg_->name);
    std::snprintf(loadable_->network, sizeof loadable_->network, "system_cycles");
    loadable_->atomic_c = static_cast<uint32_t>(core.atomic_c);
    loadable_->atomic_k = static_cast<uint32_t>(core.atomic_k);
    loadable_->memory_atomic_bytes = static_cast<uint32_t>(core.memory_atomic_bytes);
    loadable_->cbuf_banks = static_cast<uint32_t>(core.cbuf_banks);
    loadable_->cbuf_entries_per_bank = static_cast<uint32_t>(core.cbuf_entries_per_bank);
    loadable_->cbuf_entry_bytes = static_cast<uint32_t>(core.cbuf_entry_bytes);
    loadable_->precision = DLA_PRECISION_INT8;
    loadable_->batch = 1;
}

CyclesRig::~CyclesRig()
{
    dla_driver_destroy(driver_);
    dla_platform_destroy(platform_);
    dla_loadable_destroy(loadable_);
    dla_config_destroy(cfg_);
}

void CyclesRig::fail(const std::string &what)
{
    if (error_.empty())
        error_ = what;
}

uint32_t CyclesRig::add_region(uint32_t kind, uint64_t size)
{
    dla_lregion r{};
    r.kind = kind;
    r.domain = DLA_DOMAIN_DRAM;
    r.size = size;
    r.alignment = kRegionAlignment;
    uint32_t i = 0;
    if (dla_loadable_add_region(loadable_, &r, &i) != DLA_OK)
        fail("dla_loadable_add_region failed");
    return i;
}

uint32_t CyclesRig::add_layer(const char *name, const char *type)
{
    dla_llayer y{};
    std::snprintf(y.name, sizeof y.name, "%s", name);
    std::snprintf(y.type, sizeof y.type, "%s", type);
    uint32_t i = 0;
    if (dla_loadable_add_layer(loadable_, &y, &i) != DLA_OK)
        fail("dla_loadable_add_layer failed");
    return i;
}

uint32_t CyclesRig::add_op(const dla_lop &op)
{
    uint32_t i = 0;
    if (dla_loadable_add_op(loadable_, &op, &i) != DLA_OK)
        fail("dla_loadable_add_op failed");
    return i;
}

uint32_t CyclesRig::surfaces(uint32_t channels) const
{
    return static_cast<uint32_t>(ceil_div(channels, static_cast<uint64_t>(cfg_->core.memory_atomic_bytes))); // INT8
}

dla_lsurface CyclesRig::memory_cube(uint32_t region, uint32_t w, uint32_t h, uint32_t c) const
{
    const uint32_t atom = static_cast<uint32_t>(cfg_->core.memory_atomic_bytes);
    dla_lsurface s{};
    s.region = static_cast<int32_t>(region);
    s.width = w;
    s.height = h;
    s.channels = c;
    s.line_stride = w * atom;
    s.surface_stride = h * w * atom;
    s.precision = DLA_PRECISION_INT8;
    return s;
}

void CyclesRig::add_conv_layer(const ConvLayerSpec &s)
{
    if (!error_.empty())
        return;
    const dla_core_params &core = cfg_->core;
    const uint32_t atom = static_cast<uint32_t>(core.memory_atomic_bytes);
    const uint32_t out_w = s.w + 2 * s.pad - s.kernel + 1, out_h = s.h + 2 * s.pad - s.kernel + 1;
    const uint64_t entry = static_cast<uint64_t>(core.cbuf_entry_bytes);
    const uint64_t bank_entries = static_cast<uint64_t>(core.cbuf_entries_per_bank);
    const uint64_t weight_bytes = ceil_div(static_cast<uint64_t>(s.k) * s.c * s.kernel * s.kernel, 128) * 128;
    const uint64_t entry_per_slice = ceil_div(static_cast<uint64_t>(surfaces(s.c)) * s.w * atom, entry);

    const uint32_t in = add_region(DLA_REGION_INPUT, static_cast<uint64_t>(surfaces(s.c)) * s.h * s.w * atom);
    const uint32_t wt = add_region(DLA_REGION_WEIGHTS, weight_bytes);
    const uint32_t out = add_region(DLA_REGION_OUTPUT, static_cast<uint64_t>(surfaces(s.k)) * out_h * out_w * atom);
    const uint32_t layer = add_layer("conv", "conv");

    dla_lop conv{};
    conv.kind = DLA_OP_CONV;
    conv.layer = layer;
    conv.fused_parent = -1;
    conv.macs = static_cast<uint64_t>(out_w) * out_h * s.k * s.c * s.kernel * s.kernel;
    dla_lconv &c = conv.u.conv;
    c.src = memory_cube(in, s.w, s.h, s.c);
    c.weight_region = wt;
    c.weight_bytes = weight_bytes;
    c.weight_format = DLA_WEIGHT_DENSE;
    c.kernel_w = c.kernel_h = s.kernel;
    c.kernel_c = s.c;
    c.kernel_k = s.k;
    c.stride_x = c.stride_y = 1;
    c.dilation_x = c.dilation_y = 1;
    c.pad_left = c.pad_right = c.pad_top = c.pad_bottom = s.pad;
    c.out_w = out_w;
    c.out_h = out_h;
    c.precision = DLA_PRECISION_INT8;
    c.entry_per_slice = static_cast<uint32_t>(entry_per_slice);
    c.data_banks = static_cast<uint32_t>(ceil_div(entry_per_slice * s.h, bank_entries));
    c.weight_banks = static_cast<uint32_t>(ceil_div(ceil_div(weight_bytes, entry), bank_entries));
    c.fetch_grain = s.h;
    c.release_slices = s.h;
    const uint32_t conv_index = add_op(conv);

    dla_lop sdp{};
    sdp.kind = DLA_OP_SDP;
    sdp.layer = layer;
    sdp.fused_parent = static_cast<int32_t>(conv_index);
    dla_lsdp &p = sdp.u.sdp;
    p.src.region = -1;
    p.src.width = out_w;
    p.src.height = out_h;
    p.src.channels = s.k;
    p.src.precision = DLA_PRECISION_INT8;
    p.dst = memory_cube(out, out_w, out_h, s.k);
    p.in_precision = p.out_precision = DLA_PRECISION_INT8;
    p.bs.operand_region = p.bn.operand_region = -1;
    p.ew.operand.region = -1;
    p.out_cvt_scale = 1;
    add_op(sdp);
}

void CyclesRig::add_pool_layer(const PoolLayerSpec &s)
{
    if (!error_.empty())
        return;
    const uint32_t atom = static_cast<uint32_t>(cfg_->core.memory_atomic_bytes);
    const uint32_t out_w = (s.w - s.kernel_w) / s.stride_x + 1, out_h = (s.h - s.kernel_h) / s.stride_y + 1;
    const uint32_t in = add_region(DLA_REGION_INPUT, static_cast<uint64_t>(surfaces(s.c)) * s.h * s.w * atom);
    const uint32_t out = add_region(DLA_REGION_OUTPUT, static_cast<uint64_t>(surfaces(s.c)) * out_h * out_w * atom);
    const uint32_t layer = add_layer("pool", "pool");

    dla_lop op{};
    op.kind = DLA_OP_PDP;
    op.layer = layer;
    op.fused_parent = -1;
    dla_lpdp &p = op.u.pdp;
    p.src = memory_cube(in, s.w, s.h, s.c);
    p.dst = memory_cube(out, out_w, out_h, s.c);
    p.method = s.method;
    p.kernel_w = s.kernel_w;
    p.kernel_h = s.kernel_h;
    p.stride_x = s.stride_x;
    p.stride_y = s.stride_y;
    p.count_include_pad = 1;
    p.split_num = 1;
    add_op(op);
}

const dla_layer_record *CyclesRig::run()
{
    size_t n = 0;
    const dla_layer_record *records = run_layers(&n);
    if (records && n != 1) {
        fail("expected 1 layer record, got " + std::to_string(n));
        return nullptr;
    }
    return records;
}

const dla_layer_record *CyclesRig::run_layers(size_t *n)
{
    *n = 0;
    if (!error_.empty())
        return nullptr;
    dla_error err{};
    dla_platform_opts opts{};
    opts.functional = false;
    if (dla_platform_create(cfg_, mode_, &opts, &platform_, &err) != DLA_OK) {
        fail(std::string("dla_platform_create: ") + err.msg);
        return nullptr;
    }
    dla_driver_opts dopts{};
    dopts.core = 0;
    if (dla_driver_create(cfg_, loadable_, platform_, &dopts, &driver_, &err) != DLA_OK) {
        fail(std::string("dla_driver_create: ") + err.msg);
        return nullptr;
    }
    if (dla_driver_run(driver_, &err) != DLA_OK) {
        fail(std::string("dla_driver_run: ") + err.msg + " / " + dla_driver_errmsg(driver_));
        return nullptr;
    }
    return dla_driver_layers(driver_, n);
}

} // namespace cycles
