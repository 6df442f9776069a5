/* NVDLA register-trace tests (NVDLA hw verif/tests/trace_tests): the .cfg script language and the
 * .dat memory images, parsed strictly (errors name file:line and what was expected), and a runner
 * that replays one test on the hardware model through platform.h (docs/nvdla-conformance.md). */
#ifndef DLA_NVDLA_TRACE_H
#define DLA_NVDLA_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dla/config.h"
#include "dla/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dla_nt_kind {
    DLA_NT_MEM_INIT,       /* mem_init(MEM, ADDR, SIZE, ALL_ZERO) */
    DLA_NT_MEM_LOAD,       /* mem_load(MEM, ADDR, "file.dat") */
    DLA_NT_REG_WRITE,      /* reg_write(NVDLA_<UNIT>.<REG>_0, VALUE) */
    DLA_NT_POLL_REG_EQUAL, /* poll_reg_equal(NVDLA_<UNIT>.<REG>_0, VALUE) */
    DLA_NT_INTR_NOTIFY,    /* intr_notify(<UNIT>_<GROUP>, EVENT) */
    DLA_NT_SYNC_NOTIFY,    /* sync_notify(NVDLA_<UNIT>, EVENT) */
    DLA_NT_SYNC_WAIT,      /* sync_wait(NVDLA_<UNIT>, EVENT) */
    DLA_NT_CHECK_CRC,      /* check_crc(EVENT, MEM, ADDR, SIZE, CRC) */
    DLA_NT_CHECK_NOTHING   /* check_nothing(EVENT) */
} dla_nt_kind;

typedef enum dla_nt_mem {
    DLA_NT_PRI_MEM = 0,
    DLA_NT_SEC_MEM = 1
} dla_nt_mem;

#define DLA_NT_NAME_MAX 128

typedef struct dla_nt_stmt {
    dla_nt_kind kind;
    int line;                     /* 1-based line in the .cfg */
    dla_nt_mem mem;               /* MEM_INIT, MEM_LOAD, CHECK_CRC */
    uint64_t addr, size;          /* MEM_INIT (addr, size), MEM_LOAD (addr), CHECK_CRC (addr, size) */
    uint32_t reg;                 /* REG_WRITE, POLL_REG_EQUAL: CSB byte address */
    uint32_t value;               /* REG_WRITE, POLL_REG_EQUAL value; CHECK_CRC expected CRC-32 */
    int irq_bit;                  /* INTR_NOTIFY: bit of GLB S_INTR_STATUS */
    bool op_enable;               /* REG_WRITE to a D_OP_ENABLE register */
    char target[DLA_NT_NAME_MAX]; /* register "SDP.D_OP_ENABLE", unit "SDP_0", "CACC", or .dat file name */
    char event[DLA_NT_NAME_MAX];  /* INTR_NOTIFY, SYNC_*, CHECK_*: the event ID */
} dla_nt_stmt;

typedef struct dla_nt_script {
    char path[1024]; /* the .cfg (relative .dat names resolve against its folder) */
    char name[256];  /* test name: the .cfg file name without .cfg */
    dla_nt_stmt *stmts;
    size_t count;
} dla_nt_script;

/* Parses a .cfg script from text (path is used in messages and to resolve .dat names). */
dla_status dla_nt_parse_cfg(const char *text, size_t len, const char *path, dla_nt_script **out, dla_error *err);
/* Reads and parses a .cfg file. */
dla_status dla_nt_read_cfg(const char *path, dla_nt_script **out, dla_error *err);
void dla_nt_script_destroy(dla_nt_script *s);

/* One .dat record: size bytes at base + offset. */
typedef dla_status (*dla_nt_dat_sink)(void *user, uint64_t offset, const uint8_t *bytes, size_t size, dla_error *err);
/* Parses .dat text ({offset:0x.., size:N, payload:0x.. ...} records, optionally wrapped in one
 * outer { }), calling sink per record. */
dla_status dla_nt_parse_dat(const char *text, size_t len, const char *path, dla_nt_dat_sink sink, void *user,
                            dla_error *err);
dla_status dla_nt_read_dat(const char *path, dla_nt_dat_sink sink, void *user, dla_error *err);

/* The test folder's .cfg: `dir/<basename(dir)>.cfg`, else the only *.cfg in dir. path may also be a
 * .cfg file itself. out gets the .cfg path. */
dla_status dla_nt_find_cfg(const char *path, char *out, size_t out_size, dla_error *err);

/* ---- runner ---- */

#define DLA_NT_MAX_CHECKS 16

typedef struct dla_nt_check {
    char event[DLA_NT_NAME_MAX];
    bool nothing; /* check_nothing */
    uint64_t addr, size;
    uint32_t expected, actual;
    bool pass;
} dla_nt_check;

typedef struct dla_nt_result {
    char name[256];
    bool pass;
    uint64_t op_cycles;    /* last D_OP_ENABLE write -> last awaited completion interrupt */
    uint64_t total_cycles; /* first register write -> last awaited completion interrupt */
    uint64_t reg_writes;
    int num_checks;
    dla_nt_check checks[DLA_NT_MAX_CHECKS];
    char reason[512]; /* why it failed ("" on pass) */
} dla_nt_result;

/* Replays one test on a new platform built from cfg/mode (functional). Creates the process's only
 * SystemC platform, so call it once per process. A test that runs but mismatches returns DLA_OK with
 * result->pass false and the reason; a test that cannot run (bad files, model error, hang) returns
 * an error, and result->reason holds the message too. */
dla_status dla_nt_run(const dla_config *cfg, const dla_power_mode *mode, const dla_nt_script *script,
                      uint64_t timeout_cycles, dla_nt_result *result, dla_error *err);

#ifdef __cplusplus
}
#endif

#endif
