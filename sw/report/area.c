/* Area estimate of one DLA core (dla/area.h): linear in MAC cells, CBUF and SRAM KiB and DMA bus
 * width, plus a fixed per-core part, at the reference node, times the node's area scale. */
#include "dla/area.h"

dla_status dla_area_estimate_core(const dla_config *cfg, dla_area_estimate *out, dla_error *err)
{
    if (!cfg || !out)
        return dla_error_set(err, DLA_ERR_INVALID, "area: config and output are required");
    const dla_area_params *a = &cfg->area;
    if (!(a->node_area_scale > 0))
        return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                             "area: config '%s' has no area section (area.node_area_scale is %g, expected > 0)",
                             cfg->name, a->node_area_scale);
    const dla_core_params *c = &cfg->core;
    double s = a->node_area_scale;
    double cbuf_kib = (double)c->cbuf_banks * c->cbuf_entries_per_bank * c->cbuf_entry_bytes / 1024.0;
    out->mac_mm2 = s * a->mac_mm2_per_int8_mac * (double)dla_config_int8_macs_per_cycle(cfg);
    out->cbuf_mm2 = s * a->cbuf_mm2_per_kib * cbuf_kib;
    out->sram_mm2 = s * a->sram_mm2_per_kib * ((double)cfg->memory.sram_size_bytes / 1024.0);
    out->datapath_mm2 =
        s * a->datapath_mm2_per_byte_per_cycle * (double)(c->dma_read_bytes_per_cycle + c->dma_write_bytes_per_cycle);
    out->fixed_mm2 = s * a->fixed_mm2;
    out->total_mm2 = out->mac_mm2 + out->cbuf_mm2 + out->sram_mm2 + out->datapath_mm2 + out->fixed_mm2;
    return DLA_OK;
}
