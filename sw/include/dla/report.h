/* Run summary (latency, throughput, utilization, DRAM traffic, energy from action counts) and the
 * text report printed after a run. The stat-to-energy mapping is documented in docs/trace-format.md
 * ("Summary and energy"). Every number printed is labelled SIMULATED. */
#ifndef DLA_REPORT_H
#define DLA_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "dla/config.h"
#include "dla/result.h"
#include "dla/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fill r->summary from r->layers, r->stats, r->meta (batch, cores, precision), the config (peak
 * MACs per cycle) and the power mode (clock, energy table). total_cycles: core cycles of the whole
 * run. Writes r->summary and the layers' energy_mj / avg_power_w / tops_per_w (the run's energy
 * attributed to layers, docs/energy.md); on error nothing is written and err names the bad value. */
dla_status dla_result_summarize(dla_run_result *r, const dla_config *cfg, const dla_power_mode *mode,
                                uint64_t total_cycles, dla_error *err);

/* The per-layer table, the per-layer energy table (when summarized) and the summary block, aligned for
 * a 120-column terminal. */
void dla_report_print(const dla_run_result *r, FILE *out);

#ifdef __cplusplus
}
#endif

#endif
