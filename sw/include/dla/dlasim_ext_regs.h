/* dlasim extension registers: what the model needs beyond NVDLA's register set, kept in a window
 * at offset 0x800 of each unit's 4 KiB CSB block (NVDLA's own registers all sit below 0x800).
 * See docs/register-map.md. */
#ifndef DLA_DLASIM_EXT_REGS_H
#define DLA_DLASIM_EXT_REGS_H

#define DLASIM_EXT_WINDOW 0x800u      /* offset inside a unit's block */
#define DLASIM_EXT_GROUP_STRIDE 0x40u /* per-group performance registers, group g at WINDOW + g*STRIDE */

/* Per-group performance registers (read-only, latched when the group's op completes).
 * Each is a 64-bit value as two words: LO at the offset, HI at offset + 4. */
#define DLASIM_EXT_PERF_START_CYCLE 0x00u /* core cycle when the op began running */
#define DLASIM_EXT_PERF_END_CYCLE 0x08u   /* core cycle when it completed */
#define DLASIM_EXT_PERF_DRAM_READ 0x10u   /* bytes read from memory by this unit for the op */
#define DLASIM_EXT_PERF_DRAM_WRITE 0x18u  /* bytes written */
#define DLASIM_EXT_PERF_MACS 0x20u        /* MACs issued (CACC: the whole conv layer) */
#define DLASIM_EXT_PERF_STALL_MEM 0x28u   /* cycles waiting for memory data */
#define DLASIM_EXT_PERF_STALL_OUT 0x30u   /* cycles waiting for downstream space / credits */
#define DLASIM_EXT_PERF_BUSY 0x38u        /* cycles doing work */

/* Configuration extensions (dual-group semantics are not needed: written before op_enable). */
#define DLASIM_EXT_SPARSE_CFG 0x880u /* CDMA, CSC: bit 0 = weights are 2:4 structured sparse */
#define DLASIM_EXT_POOL_CFG 0x900u   /* PDP: bit 0 = AVG excludes padded positions from the count */
#define DLASIM_EXT_SDP_CFG                                                                                             \
    0x900u /* SDP: bit 0 = ReLU at the end of the Y (EW) stage (NVDLA's Y stage has no ReLU field) */

#endif
