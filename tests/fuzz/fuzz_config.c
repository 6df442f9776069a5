/* Fuzz target: the config loader (JSON, `base` inheritance, --set overrides). Input: optional leading
 * lines `--set key=value` (the overrides), then the JSON document. Properties: no crash, leak or UB;
 * every refusal carries a message; an accepted config has a usable power mode. */
#include <stdlib.h>
#include <string.h>

#include "dla/config.h"
#include "fuzz_target.h"

#define MAX_OVERRIDES 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    const char *overrides[MAX_OVERRIDES];
    int n_overrides = 0;
    char *json = text;
    while (n_overrides < MAX_OVERRIDES && strncmp(json, "--set ", 6) == 0) {
        char *eol = strchr(json, '\n');
        if (!eol)
            break;
        *eol = '\0';
        overrides[n_overrides++] = json + 6;
        json = eol + 1;
    }
    const char *path = fuzz_write_input("config.json", (const uint8_t *)json, strlen(json));
    if (path) {
        dla_error err = {{0}};
        dla_config *cfg = NULL;
        if (dla_config_load(path, overrides, n_overrides, &cfg, &err) != DLA_OK) {
            if (!err.msg[0])
                abort();
        } else {
            if (dla_config_int8_macs_per_cycle(cfg) <= 0)
                abort(); /* validation let a config through that cannot compute */
            dla_config_destroy(cfg);
        }
    }
    free(text);
    return 0;
}
