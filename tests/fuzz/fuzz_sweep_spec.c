/* Fuzz target: the sweep spec parser and validator (JSON, axes, samplers, constraint expressions, the
 * full config of every point). Properties: no crash, leak, UB or runaway allocation; every refusal carries
 * a message; every job of an accepted spec can be listed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dla/sweep.h"
#include "fuzz_target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    dla_error err = {{0}};
    dla_sweep_spec *spec = NULL;
    if (dla_sweep_spec_parse(text, "fuzz.json", DLASIM_FUZZ_SWEEP_DIR, &spec, &err) != DLA_OK) {
        if (!err.msg[0])
            abort();
        if (getenv("DLASIM_FUZZ_VERBOSE")) /* why a seed is refused, when building a corpus */
            fprintf(stderr, "refused: %s\n", err.msg);
    } else {
        size_t jobs = dla_sweep_num_jobs(spec);
        if (jobs != dla_sweep_num_points(spec) * dla_sweep_num_networks(spec))
            abort();
        for (size_t i = 0; i < jobs; i++) {
            dla_sweep_job job;
            dla_sweep_job_get(spec, i, &job);
        }
        dla_sweep_spec_destroy(spec);
    }
    free(text);
    return 0;
}
