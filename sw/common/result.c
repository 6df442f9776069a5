/* Run results (see dla/result.h). */
#include "dla/result.h"

#include <stdlib.h>

void dla_run_result_destroy(dla_run_result *r)
{
    if (!r)
        return;
    free(r->meta.config_json);
    free(r->layers);
    free(r->stats);
    free(r->ops);
    free(r);
}
