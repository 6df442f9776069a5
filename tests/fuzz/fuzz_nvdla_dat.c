/* Fuzz target: the NVDLA .dat memory-image parser. Properties: no crash, leak or UB; every refusal
 * carries a message; each record the sink receives has its declared size and offset + size does not wrap. */
#include <stdlib.h>

#include "fuzz_target.h"
#include "nvdla_trace.h"

static dla_status sink(void *user, uint64_t offset, const uint8_t *bytes, size_t size, dla_error *err)
{
    (void)err;
    uint64_t *total = user;
    if (offset + size < offset)
        abort();
    volatile uint8_t x = 0;
    for (size_t i = 0; i < size; i++)
        x ^= bytes[i]; /* ASan checks the payload buffer covers the declared size */
    (void)x;
    *total += size;
    return DLA_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dla_error err = {{0}};
    uint64_t total = 0;
    if (dla_nt_parse_dat((const char *)data, size, "fuzz/test.dat", sink, &total, &err) != DLA_OK && !err.msg[0])
        abort();
    return 0;
}
