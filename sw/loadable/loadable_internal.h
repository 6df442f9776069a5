/* Helpers shared by the loadable's source files and its unit tests (not a public contract).
 * Record sizes come from the codec in serialize.c, so docs and code cannot drift apart silently. */
#ifndef DLA_LOADABLE_INTERNAL_H
#define DLA_LOADABLE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "dla/loadable.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of one record of section type (1 TARGET .. 5 OPS; 6 BLOB -> 1), 0 for an unknown type. */
size_t dla_loadable_record_bytes(int section_type);
/* CRC-32 as zlib's crc32(0, data, size). */
uint32_t dla_loadable_crc32(const void *data, size_t size);
/* Serialise into a new malloc'ed buffer (caller frees). Does not validate. */
dla_status dla_loadable_serialize(const dla_loadable *l, uint8_t **out, size_t *size, dla_error *err);

/* Bytes per element of a DLA precision (INT8 1, FP16/INT16 2), 0 for FP32 or unknown. */
uint32_t dla_loadable_bpe(uint32_t precision);

#ifdef __cplusplus
}
#endif

#endif
