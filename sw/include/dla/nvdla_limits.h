/* Architectural limits of NVDLA units that no config changes (register fields may encode more).
 * Shared by the driver (refuses before simulating) and the hardware model (refuses on decode). */
#ifndef DLA_NVDLA_LIMITS_H
#define DLA_NVDLA_LIMITS_H

#define DLA_NVDLA_PDP_MAX_KERNEL 8u /* PDP pooling window, per dimension (4-bit fields could encode 16) */

#endif
