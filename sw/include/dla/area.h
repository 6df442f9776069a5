/* Area estimate of one DLA core from its config (MAC count, CBUF/SRAM bytes, datapath width),
 * scaled to the config's process node. An ESTIMATE for architecture exploration: every report that
 * prints it says so. Model and parameter sources: docs/sweeps.md "Area model". */
#ifndef DLA_AREA_H
#define DLA_AREA_H

#include "dla/config.h"
#include "dla/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dla_area_estimate {
    double mac_mm2; /* at the config's node */
    double cbuf_mm2;
    double sram_mm2;
    double datapath_mm2;
    double fixed_mm2;
    double total_mm2; /* one core: the sum of the above */
} dla_area_estimate;

/* Fills *out for one core of cfg. DLA_ERR_UNSUPPORTED when the config has no "area" section
 * (node_area_scale 0), naming the config. */
dla_status dla_area_estimate_core(const dla_config *cfg, dla_area_estimate *out, dla_error *err);

#ifdef __cplusplus
}
#endif

#endif
