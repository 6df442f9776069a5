// A hand-built three-layer run result shared by the trace tests and the fixture writer that the
// Python tool tests read. The values are arbitrary but distinct, so a swapped field shows up.
#pragma once

#include "dla/result.h"

// perturbed: layer 1 ("layer1.0/conv2+add") takes 10 more cycles (for `dlasim_trace.py diff`).
dla_run_result *make_sample_result(bool perturbed = false);
