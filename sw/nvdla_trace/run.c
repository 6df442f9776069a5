/* Replays one NVDLA trace test on the hardware model through platform.h: loads the memory images,
 * writes registers over CSB in script order, waits for the units' done interrupts (and clears them
 * in GLB S_INTR_STATUS, write 1 to clear), and checks CRC-32 of the output regions. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dla/loadable.h"
#include "dla/nvdla_regs.h"
#include "dla/platform.h"
#include "nvdla_trace.h"

#define MAX_EVENTS 64
#define ZERO_CHUNK (64u << 10)
#define POLL_LIMIT 1000000u /* CSB reads before a poll_reg_equal gives up */

typedef struct runner {
    const dla_nt_script *script;
    dla_platform *platform;
    dla_nt_result *result;
    dla_error *err;
    char dir[1024];
    char events[MAX_EVENTS][DLA_NT_NAME_MAX];
    int num_events;
    bool started;
    uint64_t first_write, last_op_enable, last_irq;
} runner;

static bool event_seen(const runner *r, const char *name)
{
    for (int i = 0; i < r->num_events; ++i)
        if (strcmp(r->events[i], name) == 0)
            return true;
    return false;
}

static dla_status add_event(runner *r, const dla_nt_stmt *s)
{
    if (event_seen(r, s->event))
        return DLA_OK;
    if (r->num_events == MAX_EVENTS)
        return dla_error_set(r->err, DLA_ERR_LIMIT, "%s:%d: more than %d distinct events", r->script->path, s->line,
                             MAX_EVENTS);
    strcpy(r->events[r->num_events++], s->event);
    return DLA_OK;
}

/* The memory window a statement names: pri_mem = DRAM, sec_mem = the core's SRAM. */
static dla_status check_window(runner *r, const dla_nt_stmt *s, uint64_t addr, uint64_t size)
{
    uint64_t base =
        s->mem == DLA_NT_PRI_MEM ? dla_platform_dram_base(r->platform) : dla_platform_sram_base(r->platform);
    uint64_t wsize =
        s->mem == DLA_NT_PRI_MEM ? dla_platform_dram_size(r->platform) : dla_platform_sram_size(r->platform);
    if (addr < base || size > wsize || addr - base > wsize - size)
        return dla_error_set(
            r->err, DLA_ERR_INVALID,
            "%s:%d: [0x%" PRIx64 ", +0x%" PRIx64 ") is outside %s [0x%" PRIx64 ", 0x%" PRIx64 ")%s", r->script->path,
            s->line, addr, size, s->mem == DLA_NT_PRI_MEM ? "pri_mem (DRAM)" : "sec_mem (SRAM)", base, base + wsize,
            s->mem == DLA_NT_SEC_MEM && wsize == 0 ? "; the config attaches no SRAM (memory.sram.size_bytes)" : "");
    return DLA_OK;
}

typedef struct load_ctx {
    runner *r;
    const dla_nt_stmt *s;
} load_ctx;

static dla_status load_record(void *user, uint64_t offset, const uint8_t *bytes, size_t size, dla_error *err)
{
    load_ctx *c = user;
    if (offset > UINT64_MAX - c->s->addr)
        return dla_error_set(err, DLA_ERR_INVALID, "offset 0x%" PRIx64 " overflows the address", offset);
    dla_status st = check_window(c->r, c->s, c->s->addr + offset, size);
    if (st != DLA_OK)
        return st;
    return dla_platform_mem_write(c->r->platform, c->s->addr + offset, bytes, size, err);
}

static dla_status load_memory(runner *r)
{
    uint8_t *zeros = NULL;
    dla_status st = DLA_OK;
    for (size_t i = 0; i < r->script->count && st == DLA_OK; ++i) {
        const dla_nt_stmt *s = &r->script->stmts[i];
        if (s->kind == DLA_NT_MEM_INIT) {
            if ((st = check_window(r, s, s->addr, s->size)) != DLA_OK)
                break;
            if (!zeros && !(zeros = calloc(1, ZERO_CHUNK)))
                return dla_error_set(r->err, DLA_ERR_NOMEM, "out of memory");
            for (uint64_t off = 0; off < s->size && st == DLA_OK; off += ZERO_CHUNK) {
                uint64_t n = s->size - off < ZERO_CHUNK ? s->size - off : ZERO_CHUNK;
                st = dla_platform_mem_write(r->platform, s->addr + off, zeros, (size_t)n, r->err);
            }
        } else if (s->kind == DLA_NT_MEM_LOAD) {
            char path[2048];
            snprintf(path, sizeof path, "%s/%s", r->dir, s->target);
            load_ctx c = {r, s};
            st = dla_nt_read_dat(path, load_record, &c, r->err);
            if (st != DLA_OK)
                dla_error_prefix(r->err, "%s:%d: mem_load", r->script->path, s->line);
        }
    }
    free(zeros);
    return st;
}

static dla_status do_write(runner *r, dla_controller *ctl, const dla_nt_stmt *s)
{
    dla_status st = dla_ctl_csb_write(ctl, s->reg, s->value);
    if (st != DLA_OK)
        return dla_error_set(r->err, st, "%s:%d: CSB write to %s failed", r->script->path, s->line, s->target);
    uint64_t now = dla_ctl_now_cycles(ctl); /* the write has taken effect */
    if (!r->started) {
        r->started = true;
        r->first_write = now;
    }
    if (s->op_enable && (s->value & 1u))
        r->last_op_enable = now;
    r->result->reg_writes++;
    return DLA_OK;
}

static dla_status do_poll(runner *r, dla_controller *ctl, const dla_nt_stmt *s)
{
    for (uint32_t n = 0; n < POLL_LIMIT; ++n) {
        uint32_t v = 0;
        dla_status st = dla_ctl_csb_read(ctl, s->reg, &v);
        if (st != DLA_OK)
            return dla_error_set(r->err, st, "%s:%d: CSB read of %s failed", r->script->path, s->line, s->target);
        if (v == s->value)
            return DLA_OK;
    }
    return dla_error_set(r->err, DLA_ERR_TIMEOUT, "%s:%d: poll_reg_equal(%s, 0x%x): still not equal after %u reads",
                         r->script->path, s->line, s->target, s->value, POLL_LIMIT);
}

static dla_status do_intr(runner *r, dla_controller *ctl, const dla_nt_stmt *s)
{
    uint32_t bit = 1u << s->irq_bit;
    uint64_t raised = 0;
    dla_status st = dla_ctl_wait_intr_status(ctl, bit, &raised);
    if (st != DLA_OK)
        return dla_error_set(r->err, st, "%s:%d: waiting for %s failed", r->script->path, s->line, s->target);
    if (raised > r->last_irq)
        r->last_irq = raised;
    /* Serve it as firmware does: write 1 to clear the bit in GLB S_INTR_STATUS. */
    if ((st = dla_ctl_csb_write(ctl, NVDLA_GLB_S_INTR_STATUS, bit)) != DLA_OK)
        return dla_error_set(r->err, st, "%s:%d: clearing GLB S_INTR_STATUS failed", r->script->path, s->line);
    return add_event(r, s);
}

static dla_status controller(dla_controller *ctl, void *user)
{
    runner *r = user;
    dla_status st = DLA_OK;
    for (size_t i = 0; i < r->script->count && st == DLA_OK; ++i) {
        const dla_nt_stmt *s = &r->script->stmts[i];
        switch (s->kind) {
        case DLA_NT_MEM_INIT:
        case DLA_NT_MEM_LOAD: break; /* loaded before the run: the scripts load everything first */
        case DLA_NT_REG_WRITE: st = do_write(r, ctl, s); break;
        case DLA_NT_POLL_REG_EQUAL: st = do_poll(r, ctl, s); break;
        case DLA_NT_INTR_NOTIFY: st = do_intr(r, ctl, s); break;
        case DLA_NT_SYNC_NOTIFY: st = add_event(r, s); break;
        case DLA_NT_SYNC_WAIT:
            /* The script is replayed in order by one controller, so the event must already be notified. */
            if (!event_seen(r, s->event))
                st = dla_error_set(r->err, DLA_ERR_INVALID,
                                   "%s:%d: sync_wait for '%s', which no earlier statement notified", r->script->path,
                                   s->line, s->event);
            break;
        case DLA_NT_CHECK_CRC:
        case DLA_NT_CHECK_NOTHING:
            if (!event_seen(r, s->event))
                st = dla_error_set(r->err, DLA_ERR_INVALID,
                                   "%s:%d: check of event '%s', which no earlier statement raised", r->script->path,
                                   s->line, s->event);
            break;
        }
    }
    return st;
}

static dla_status evaluate_checks(runner *r)
{
    dla_nt_result *res = r->result;
    res->pass = true;
    for (size_t i = 0; i < r->script->count; ++i) {
        const dla_nt_stmt *s = &r->script->stmts[i];
        if (s->kind != DLA_NT_CHECK_CRC && s->kind != DLA_NT_CHECK_NOTHING)
            continue;
        if (res->num_checks == DLA_NT_MAX_CHECKS)
            return dla_error_set(r->err, DLA_ERR_LIMIT, "%s:%d: more than %d checks", r->script->path, s->line,
                                 DLA_NT_MAX_CHECKS);
        dla_nt_check *c = &res->checks[res->num_checks++];
        snprintf(c->event, sizeof c->event, "%s", s->event);
        c->pass = true;
        if (s->kind == DLA_NT_CHECK_NOTHING) {
            c->nothing = true;
            continue;
        }
        c->addr = s->addr;
        c->size = s->size;
        c->expected = s->value;
        dla_status st = check_window(r, s, s->addr, s->size);
        if (st != DLA_OK)
            return st;
        uint8_t *buf = malloc(s->size ? (size_t)s->size : 1);
        if (!buf)
            return dla_error_set(r->err, DLA_ERR_NOMEM, "out of memory for %" PRIu64 " bytes", s->size);
        st = dla_platform_mem_read(r->platform, s->addr, buf, (size_t)s->size, r->err);
        if (st == DLA_OK)
            c->actual = dla_loadable_crc32(buf, (size_t)s->size);
        free(buf);
        if (st != DLA_OK)
            return st;
        c->pass = c->actual == c->expected;
        if (!c->pass && res->pass) {
            res->pass = false;
            snprintf(res->reason, sizeof res->reason,
                     "check_crc(%s) line %d: CRC of [0x%" PRIx64 ", +0x%" PRIx64 ") is 0x%08x, expected 0x%08x",
                     s->event, s->line, s->addr, s->size, c->actual, c->expected);
        }
    }
    return DLA_OK;
}

dla_status dla_nt_run(const dla_config *cfg, const dla_power_mode *mode, const dla_nt_script *script,
                      uint64_t timeout_cycles, dla_nt_result *result, dla_error *err)
{
    memset(result, 0, sizeof *result);
    snprintf(result->name, sizeof result->name, "%s", script->name);
    runner r = {.script = script, .result = result, .err = err};
    snprintf(r.dir, sizeof r.dir, "%s", script->path);
    char *slash = strrchr(r.dir, '/');
    if (slash)
        *slash = 0;
    else
        strcpy(r.dir, ".");
    dla_platform_opts opts = {.functional = true, .timeout_cycles = timeout_cycles};
    dla_status st = dla_platform_create(cfg, mode, &opts, &r.platform, err);
    if (st == DLA_OK)
        st = load_memory(&r);
    if (st == DLA_OK) {
        int core = 0;
        dla_controller_fn fn = controller;
        void *users[1] = {&r};
        dla_error ctl_err = {{0}};
        r.err = &ctl_err; /* the controller's own message is more precise than the platform's summary */
        st = dla_platform_run(r.platform, 1, &core, &fn, users, err);
        r.err = err;
        if (st != DLA_OK && ctl_err.msg[0] && err)
            *err = ctl_err;
    }
    if (st == DLA_OK) {
        result->total_cycles = r.last_irq > r.first_write ? r.last_irq - r.first_write : 0;
        result->op_cycles = r.last_irq > r.last_op_enable ? r.last_irq - r.last_op_enable : 0;
        st = evaluate_checks(&r);
    }
    if (st != DLA_OK) {
        result->pass = false;
        snprintf(result->reason, sizeof result->reason, "%.500s", err ? err->msg : dla_status_name(st));
    }
    dla_platform_destroy(r.platform);
    return st;
}
