/* Run results (see dla/result.h). */
#include "dla/result.h"

#include <stdlib.h>
#include <string.h>

void dla_run_result_destroy(dla_run_result *r)
{
    if (!r)
        return;
    free(r->meta.config_json);
    free(r->layers);
    free(r->stats);
    free(r->ops);
    dla_samples_free(&r->samples);
    free(r);
}

/* Declared in dla/platform.h; lives here so that results (which own samples) need no hardware model. */
void dla_samples_free(dla_samples *s)
{
    if (!s)
        return;
    free(s->series);
    free(s->end_cycle);
    free(s->values);
    memset(s, 0, sizeof *s);
}
