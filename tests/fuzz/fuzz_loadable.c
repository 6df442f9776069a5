/* Fuzz target: the loadable reader and validator. Properties: no crash, leak or UB; every refusal
 * carries a message; an accepted loadable prints, and writes and reads back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dla/loadable.h"
#include "fuzz_target.h"
#include "loadable_internal.h"

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    devnull = fopen("/dev/null", "w");
    return 0;
}

static void check_one(const uint8_t *data, size_t size);

static void put_le(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Each input is tried as it is and, so that mutations reach past the integrity checks into the
 * section parsers, once more with file_size and crc32 repaired (docs/loadable-format.md, header). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_one(data, size);
    if (size < 64)
        return 0;
    uint8_t *fixed = malloc(size);
    if (!fixed)
        return 0;
    memcpy(fixed, data, size);
    uint32_t header_bytes =
        (uint32_t)fixed[8] | (uint32_t)fixed[9] << 8 | (uint32_t)fixed[10] << 16 | (uint32_t)fixed[11] << 24;
    if (header_bytes >= 64 && header_bytes <= size) {
        put_le(fixed + 16, size, 8);
        put_le(fixed + 24, dla_loadable_crc32(fixed + header_bytes, size - header_bytes), 4);
        check_one(fixed, size);
    }
    free(fixed);
    return 0;
}

static void check_one(const uint8_t *data, size_t size)
{
    dla_error err = {{0}};
    dla_loadable *l = NULL;
    if (dla_loadable_read_buffer(data, size, "fuzz.dlal", &l, &err) != DLA_OK) {
        if (!err.msg[0])
            abort();
        return;
    }
    if (dla_loadable_validate(l, &err) != DLA_OK)
        abort(); /* read_buffer validates: what it accepts must stay valid */
    if (devnull)
        dla_loadable_print(l, devnull);
    const char *path = fuzz_write_input("roundtrip.dlal", (const uint8_t *)"", 0);
    if (path) {
        dla_loadable *back = NULL;
        if (dla_loadable_write_file(l, path, &err) != DLA_OK || dla_loadable_read_file(path, &back, &err) != DLA_OK)
            abort(); /* an accepted loadable must survive a round trip */
        dla_loadable_destroy(back);
    }
    dla_loadable_destroy(l);
}
