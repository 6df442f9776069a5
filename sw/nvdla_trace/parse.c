/* Strict parser of NVDLA trace-test scripts (.cfg) and memory images (.dat); the language is
 * described in docs/nvdla-conformance.md. Every error names file:line and what was expected. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dla/input_file.h"
#include "dla/nvdla_regs.h"
#include "nvdla_trace.h"

#define MAX_ARGS 6
#define MAX_FILE_BYTES (512u << 20) /* refuse larger scripts/images before allocating */
/* mem_init and check_crc regions: NVDLA's largest tests use 32 MiB (mem_init) and 8.4 MiB (check_crc);
 * 256 MiB leaves room and keeps a hostile size from zeroing or buffering gigabytes of simulated memory. */
#define MAX_REGION_BYTES (256u << 20)

/* ---- small text helpers ---- */

static const char *skip_space(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
        ++p;
    return p;
}

/* Parses an unsigned number (0x hex or decimal) filling the whole token. */
static bool parse_u64(const char *tok, uint64_t *out)
{
    if (!*tok)
        return false;
    int base = 10;
    const char *p = tok;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
        if (!*p)
            return false;
    }
    for (const char *q = p; *q; ++q)
        if (base == 16 ? !isxdigit((unsigned char)*q) : !isdigit((unsigned char)*q))
            return false;
    errno = 0;
    char *e = NULL;
    unsigned long long v = strtoull(p, &e, base);
    if (errno || *e)
        return false;
    *out = v;
    return true;
}

static dla_status read_whole_file(const char *path, const char *what, char **text, size_t *len, dla_error *err)
{
    uint8_t *data = NULL;
    dla_status st = dla_input_read(path, what, MAX_FILE_BYTES, &data, len, err);
    *text = (char *)data;
    return st;
}

/* ---- .cfg ---- */

/* "NVDLA_SDP.D_OP_ENABLE_0" -> CSB address. NVDLA names every register <NAME>_0 (array index 0);
 * the table holds the RDL names, so the one trailing "_0" is dropped. */
static bool lookup_reg(const char *ref, uint32_t *addr, char *canon, size_t canon_size)
{
    if (strncmp(ref, "NVDLA_", 6) != 0)
        return false;
    const char *dot = strchr(ref + 6, '.');
    if (!dot)
        return false;
    size_t ulen = (size_t)(dot - (ref + 6));
    const char *reg = dot + 1;
    size_t rlen = strlen(reg);
    if (rlen < 3 || strcmp(reg + rlen - 2, "_0") != 0)
        return false;
    rlen -= 2;
    for (size_t i = 0; i < DLA_NVDLA_REG_COUNT; ++i) {
        const dla_nvdla_reg *r = &dla_nvdla_reg_table[i];
        if (strlen(r->unit) == ulen && strncmp(r->unit, ref + 6, ulen) == 0 && strlen(r->name) == rlen &&
            strncmp(r->name, reg, rlen) == 0) {
            *addr = r->address;
            snprintf(canon, canon_size, "%s.%s", r->unit, r->name);
            return true;
        }
    }
    return false;
}

/* intr_notify unit names -> GLB S_INTR_STATUS bit of group 0 (group 1 is the next bit). */
static int irq_bit_of(const char *unit)
{
    static const struct {
        const char *name;
        unsigned bit0;
    } units[] = {
        {"SDP", NVDLA_GLB_S_INTR_STATUS_SDP_DONE_STATUS0_SHIFT},
        {"CDP", NVDLA_GLB_S_INTR_STATUS_CDP_DONE_STATUS0_SHIFT},
        {"PDP", NVDLA_GLB_S_INTR_STATUS_PDP_DONE_STATUS0_SHIFT},
        {"BDMA", NVDLA_GLB_S_INTR_STATUS_BDMA_DONE_STATUS0_SHIFT},
        {"RUBIK", NVDLA_GLB_S_INTR_STATUS_RUBIK_DONE_STATUS0_SHIFT},
        {"CDMA_DAT", NVDLA_GLB_S_INTR_STATUS_CDMA_DAT_DONE_STATUS0_SHIFT},
        {"CDMA_WT", NVDLA_GLB_S_INTR_STATUS_CDMA_WT_DONE_STATUS0_SHIFT},
        {"CACC", NVDLA_GLB_S_INTR_STATUS_CACC_DONE_STATUS0_SHIFT},
    };
    size_t n = strlen(unit);
    if (n < 3 || unit[n - 2] != '_' || (unit[n - 1] != '0' && unit[n - 1] != '1'))
        return -1;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; ++i) {
        size_t ln = strlen(units[i].name);
        if (ln != n - 2)
            continue;
        bool same = true;
        for (size_t k = 0; k < ln; ++k)
            if (toupper((unsigned char)unit[k]) != units[i].name[k])
                same = false;
        if (same)
            return (int)units[i].bit0 + (unit[n - 1] - '0');
    }
    return -1;
}

static bool is_ident(const char *s)
{
    if (!*s || !(isalpha((unsigned char)*s) || *s == '_'))
        return false;
    for (; *s; ++s)
        if (!(isalnum((unsigned char)*s) || *s == '_'))
            return false;
    return true;
}

typedef struct cfg_ctx {
    const char *path;
    int line;
    dla_error *err;
} cfg_ctx;

static dla_status bad(cfg_ctx *c, const char *fmt, const char *a, const char *b)
{
    char what[900];
    snprintf(what, sizeof what, fmt, a, b);
    return dla_error_set(c->err, DLA_ERR_FORMAT, "%s:%d: %s", c->path, c->line, what);
}

static dla_status arg_u64(cfg_ctx *c, const char *stmt, const char *arg, const char *what, uint64_t max, uint64_t *out)
{
    if (!parse_u64(arg, out) || *out > max) {
        char w[300];
        snprintf(w, sizeof w, "%s: %s '%%s', expected a number (0x hex or decimal) of at most 0x%" PRIx64, stmt, what,
                 max);
        return bad(c, w, arg, "");
    }
    return DLA_OK;
}

static dla_status arg_mem(cfg_ctx *c, const char *stmt, const char *arg, dla_nt_mem *out)
{
    /* `1` appears where NVDLA's generator wrote the memory as a number; every such check reads the
     * primary memory window (0x80000000+), so 1 is taken as pri_mem. */
    if (strcmp(arg, "pri_mem") == 0 || strcmp(arg, "1") == 0)
        *out = DLA_NT_PRI_MEM;
    else if (strcmp(arg, "sec_mem") == 0)
        *out = DLA_NT_SEC_MEM;
    else
        return bad(c, "%s: memory '%s', expected pri_mem, sec_mem or 1 (= pri_mem)", stmt, arg);
    return DLA_OK;
}

static dla_status arg_event(cfg_ctx *c, const char *stmt, const char *arg, char *out)
{
    if (!is_ident(arg) || strlen(arg) >= DLA_NT_NAME_MAX)
        return bad(c, "%s: event '%s', expected an identifier", stmt, arg);
    strcpy(out, arg);
    return DLA_OK;
}

static dla_status arg_reg(cfg_ctx *c, const char *stmt, const char *arg, dla_nt_stmt *s)
{
    if (!lookup_reg(arg, &s->reg, s->target, sizeof s->target))
        return bad(c, "%s: register '%s', expected NVDLA_<UNIT>.<REGISTER>_0 naming a register of the NVDLA RDL", stmt,
                   arg);
    const char *dot = strchr(s->target, '.');
    s->op_enable = dot && strcmp(dot + 1, "D_OP_ENABLE") == 0;
    return DLA_OK;
}

static dla_status parse_stmt(cfg_ctx *c, const char *name, char args[MAX_ARGS][DLA_NT_NAME_MAX], int nargs,
                             dla_nt_stmt *s)
{
    static const struct {
        const char *name;
        dla_nt_kind kind;
        int nargs;
        const char *form;
    } forms[] = {
        {"mem_init", DLA_NT_MEM_INIT, 4, "mem_init(MEM, ADDR, SIZE, ALL_ZERO)"},
        {"mem_load", DLA_NT_MEM_LOAD, 3, "mem_load(MEM, ADDR, \"file.dat\")"},
        {"reg_write", DLA_NT_REG_WRITE, 2, "reg_write(NVDLA_<UNIT>.<REG>_0, VALUE)"},
        {"poll_reg_equal", DLA_NT_POLL_REG_EQUAL, 2, "poll_reg_equal(NVDLA_<UNIT>.<REG>_0, VALUE)"},
        {"intr_notify", DLA_NT_INTR_NOTIFY, 2, "intr_notify(<UNIT>_<0|1>, EVENT)"},
        {"sync_notify", DLA_NT_SYNC_NOTIFY, 2, "sync_notify(NVDLA_<UNIT>, EVENT)"},
        {"sync_wait", DLA_NT_SYNC_WAIT, 2, "sync_wait(NVDLA_<UNIT>, EVENT)"},
        {"check_crc", DLA_NT_CHECK_CRC, 5, "check_crc(EVENT, MEM, ADDR, SIZE, CRC)"},
        {"check_nothing", DLA_NT_CHECK_NOTHING, 1, "check_nothing(EVENT)"},
    };
    size_t i = 0;
    while (i < sizeof forms / sizeof forms[0] && strcmp(forms[i].name, name) != 0)
        ++i;
    if (i == sizeof forms / sizeof forms[0])
        return bad(c,
                   "unknown statement '%s'%s, expected mem_init, mem_load, reg_write, poll_reg_equal, intr_notify, "
                   "sync_notify, sync_wait, check_crc or check_nothing",
                   name, "");
    if (nargs != forms[i].nargs) {
        char w[300];
        snprintf(w, sizeof w, "%%s has %d arguments, expected %d: %%s", nargs, forms[i].nargs);
        return bad(c, w, name, forms[i].form);
    }
    memset(s, 0, sizeof *s);
    s->kind = forms[i].kind;
    s->line = c->line;
    s->irq_bit = -1;
    dla_status st = DLA_OK;
    uint64_t v = 0;
    switch (s->kind) {
    case DLA_NT_MEM_INIT:
        if ((st = arg_mem(c, name, args[0], &s->mem)) ||
            (st = arg_u64(c, name, args[1], "address", UINT64_MAX, &s->addr)) ||
            (st = arg_u64(c, name, args[2], "size", MAX_REGION_BYTES, &s->size)))
            return st;
        if (strcmp(args[3], "ALL_ZERO") != 0)
            return bad(c, "%s: pattern '%s', expected ALL_ZERO", name, args[3]);
        break;
    case DLA_NT_MEM_LOAD: {
        if ((st = arg_mem(c, name, args[0], &s->mem)) ||
            (st = arg_u64(c, name, args[1], "address", UINT64_MAX, &s->addr)))
            return st;
        size_t n = strlen(args[2]);
        if (n < 3 || args[2][0] != '"' || args[2][n - 1] != '"' || memchr(args[2] + 1, '"', n - 2) ||
            n - 2 >= DLA_NT_NAME_MAX)
            return bad(c, "%s: file '%s', expected a quoted file name", name, args[2]);
        memcpy(s->target, args[2] + 1, n - 2);
        s->target[n - 2] = 0;
        if (strstr(s->target, "..") || s->target[0] == '/')
            return bad(c, "%s: file '%s', expected a name inside the test folder", name, s->target);
        break;
    }
    case DLA_NT_REG_WRITE:
    case DLA_NT_POLL_REG_EQUAL:
        if ((st = arg_reg(c, name, args[0], s)) || (st = arg_u64(c, name, args[1], "value", UINT32_MAX, &v)))
            return st;
        s->value = (uint32_t)v;
        break;
    case DLA_NT_INTR_NOTIFY:
        s->irq_bit = irq_bit_of(args[0]);
        if (s->irq_bit < 0)
            return bad(c,
                       "%s: unit '%s', expected SDP, CDP, PDP, BDMA, RUBIK, CDMA_DAT, CDMA_WT or CACC followed by "
                       "_0 or _1",
                       name, args[0]);
        memcpy(s->target, args[0], strlen(args[0]) + 1); /* args are shorter than DLA_NT_NAME_MAX */
        if ((st = arg_event(c, name, args[1], s->event)))
            return st;
        break;
    case DLA_NT_SYNC_NOTIFY:
    case DLA_NT_SYNC_WAIT:
        if (strncmp(args[0], "NVDLA_", 6) != 0 || !is_ident(args[0]) || strlen(args[0]) >= DLA_NT_NAME_MAX)
            return bad(c, "%s: unit '%s', expected NVDLA_<UNIT>", name, args[0]);
        strcpy(s->target, args[0]);
        if ((st = arg_event(c, name, args[1], s->event)))
            return st;
        break;
    case DLA_NT_CHECK_CRC:
        if ((st = arg_event(c, name, args[0], s->event)) || (st = arg_mem(c, name, args[1], &s->mem)) ||
            (st = arg_u64(c, name, args[2], "address", UINT64_MAX, &s->addr)) ||
            (st = arg_u64(c, name, args[3], "size", MAX_REGION_BYTES, &s->size)) ||
            (st = arg_u64(c, name, args[4], "CRC", UINT32_MAX, &v)))
            return st;
        s->value = (uint32_t)v;
        break;
    case DLA_NT_CHECK_NOTHING:
        if ((st = arg_event(c, name, args[0], s->event)))
            return st;
        break;
    }
    return DLA_OK;
}

/* One statement line: NAME(ARG, ...); with an optional trailing // comment. */
static dla_status parse_line(cfg_ctx *c, const char *p, const char *end, dla_nt_stmt *s)
{
    char name[64];
    size_t n = 0;
    while (p < end && (isalnum((unsigned char)*p) || *p == '_')) {
        if (n + 1 >= sizeof name)
            return bad(c, "statement name too long%s%s", "", "");
        name[n++] = *p++;
    }
    name[n] = 0;
    if (n == 0)
        return bad(c, "expected a statement such as reg_write(...); or a // comment%s%s", "", "");
    p = skip_space(p, end);
    if (p >= end || *p != '(')
        return bad(c, "'%s' is not followed by '('%s", name, "");
    ++p;
    char args[MAX_ARGS][DLA_NT_NAME_MAX];
    int nargs = 0;
    for (;;) {
        p = skip_space(p, end);
        const char *a = p;
        bool quoted = false;
        while (p < end && (quoted || (*p != ',' && *p != ')'))) {
            if (*p == '"')
                quoted = !quoted;
            ++p;
        }
        if (p >= end)
            return bad(c, "%s: missing ')'%s", name, "");
        const char *ae = p;
        while (ae > a && (ae[-1] == ' ' || ae[-1] == '\t'))
            --ae;
        if (ae == a) {
            if (*p == ')' && nargs == 0)
                break;
            return bad(c, "%s: empty argument %s", name, nargs == 0 ? "1" : "after a ','");
        }
        if (nargs == MAX_ARGS)
            return bad(c, "%s: too many arguments%s", name, "");
        if ((size_t)(ae - a) >= sizeof args[0])
            return bad(c, "%s: argument too long%s", name, "");
        memcpy(args[nargs], a, (size_t)(ae - a));
        args[nargs][ae - a] = 0;
        ++nargs;
        if (*p++ == ')')
            break;
    }
    p = skip_space(p, end);
    if (p >= end || *p != ';')
        return bad(c, "%s(...) is not followed by ';'%s", name, "");
    p = skip_space(p + 1, end);
    if (p < end && !(end - p >= 2 && p[0] == '/' && p[1] == '/'))
        return bad(c, "unexpected text after '%s(...);', expected the end of the line or a // comment%s", name, "");
    return parse_stmt(c, name, args, nargs, s);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

dla_status dla_nt_parse_cfg(const char *text, size_t len, const char *path, dla_nt_script **out, dla_error *err)
{
    *out = NULL;
    dla_nt_script *s = calloc(1, sizeof *s);
    if (!s)
        return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", path);
    snprintf(s->path, sizeof s->path, "%s", path);
    snprintf(s->name, sizeof s->name, "%s", base_name(path));
    size_t nl = strlen(s->name);
    if (nl > 4 && strcmp(s->name + nl - 4, ".cfg") == 0)
        s->name[nl - 4] = 0;
    size_t cap = 0;
    cfg_ctx c = {path, 0, err};
    const char *p = text, *end = text + len;
    while (p < end) {
        ++c.line;
        const char *le = memchr(p, '\n', (size_t)(end - p));
        if (!le)
            le = end;
        const char *q = skip_space(p, le);
        if (q < le && !(le - q >= 2 && q[0] == '/' && q[1] == '/')) {
            if (memchr(q, 0, (size_t)(le - q))) {
                dla_nt_script_destroy(s);
                return dla_error_set(err, DLA_ERR_FORMAT, "%s:%d: NUL byte, expected text", path, c.line);
            }
            if (s->count == cap) {
                cap = cap ? cap * 2 : 256;
                dla_nt_stmt *grown = realloc(s->stmts, cap * sizeof *grown);
                if (!grown) {
                    dla_nt_script_destroy(s);
                    return dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory", path);
                }
                s->stmts = grown;
            }
            dla_status st = parse_line(&c, q, le, &s->stmts[s->count]);
            if (st != DLA_OK) {
                dla_nt_script_destroy(s);
                return st;
            }
            ++s->count;
        }
        p = le + 1;
    }
    if (s->count == 0) {
        dla_nt_script_destroy(s);
        return dla_error_set(err, DLA_ERR_FORMAT, "%s: no statements, expected a trace-test script", path);
    }
    *out = s;
    return DLA_OK;
}

dla_status dla_nt_read_cfg(const char *path, dla_nt_script **out, dla_error *err)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    dla_status st = read_whole_file(path, "NVDLA trace script (.cfg)", &text, &len, err);
    if (st != DLA_OK)
        return st;
    st = dla_nt_parse_cfg(text, len, path, out, err);
    free(text);
    return st;
}

void dla_nt_script_destroy(dla_nt_script *s)
{
    if (!s)
        return;
    free(s->stmts);
    free(s);
}

/* ---- .dat ---- */

/* Expects the literal key (e.g. "offset:") at *p. */
static bool take(const char **p, const char *end, const char *lit)
{
    size_t n = strlen(lit);
    *p = skip_space(*p, end);
    if ((size_t)(end - *p) < n || strncmp(*p, lit, n) != 0)
        return false;
    *p += n;
    return true;
}

static bool take_number(const char **p, const char *end, uint64_t *v)
{
    *p = skip_space(*p, end);
    char tok[40];
    size_t n = 0;
    while (*p < end && isalnum((unsigned char)**p) && n + 1 < sizeof tok)
        tok[n++] = *(*p)++;
    tok[n] = 0;
    return parse_u64(tok, v);
}

dla_status dla_nt_parse_dat(const char *text, size_t len, const char *path, dla_nt_dat_sink sink, void *user,
                            dla_error *err)
{
    const char *p = text, *end = text + len;
    int line = 0;
    bool wrapped = false, closed = false;
    size_t records = 0;
    uint8_t *bytes = NULL;
    size_t cap = 0;
    dla_status st = DLA_OK;
    while (p < end && st == DLA_OK) {
        ++line;
        const char *le = memchr(p, '\n', (size_t)(end - p));
        if (!le)
            le = end;
        const char *q = skip_space(p, le);
        const char *qe = le;
        while (qe > q && (qe[-1] == ' ' || qe[-1] == '\t' || qe[-1] == '\r'))
            --qe;
        p = le + 1;
        if (q == qe)
            continue;
        if (closed) {
            st = dla_error_set(err, DLA_ERR_FORMAT, "%s:%d: text after the closing '}' of the record list", path, line);
            break;
        }
        /* An optional outer { ... } around the records (some NVDLA images have it). */
        if (qe - q == 1 && *q == '{') {
            if (wrapped || records) {
                st = dla_error_set(err, DLA_ERR_FORMAT,
                                   "%s:%d: lone '{', expected it only as the first line (an outer list wrapper)", path,
                                   line);
                break;
            }
            wrapped = true;
            continue;
        }
        if (qe - q == 1 && *q == '}') {
            if (!wrapped) {
                st = dla_error_set(err, DLA_ERR_FORMAT, "%s:%d: lone '}' without an opening '{' line", path, line);
                break;
            }
            closed = true;
            continue;
        }
        uint64_t offset = 0, size = 0;
        const char *r = q;
        if (!take(&r, qe, "{") || !take(&r, qe, "offset:") || !take_number(&r, qe, &offset) || !take(&r, qe, ",") ||
            !take(&r, qe, "size:") || !take_number(&r, qe, &size) || !take(&r, qe, ",") || !take(&r, qe, "payload:")) {
            st = dla_error_set(err, DLA_ERR_FORMAT,
                               "%s:%d: expected a record {offset:0x<hex>, size:<n>, payload:0x<byte> ...}", path, line);
            break;
        }
        if (size == 0 || size > (1u << 20)) {
            st = dla_error_set(err, DLA_ERR_FORMAT, "%s:%d: size %" PRIu64 ", expected 1..%u", path, line, size,
                               1u << 20);
            break;
        }
        if (size > cap) {
            uint8_t *grown = realloc(bytes, (size_t)size);
            if (!grown) {
                st = dla_error_set(err, DLA_ERR_NOMEM, "%s:%d: out of memory", path, line);
                break;
            }
            bytes = grown;
            cap = (size_t)size;
        }
        size_t got = 0;
        for (;;) {
            r = skip_space(r, qe);
            if (r < qe && *r == '}')
                break;
            uint64_t b = 0;
            const char *tok = r;
            if (!(qe - r >= 3 && r[0] == '0' && (r[1] == 'x' || r[1] == 'X')) || !take_number(&r, qe, &b) || b > 0xff) {
                st = dla_error_set(err, DLA_ERR_FORMAT, "%s:%d: payload byte %zu '%.*s', expected 0x00..0xff or '}'",
                                   path, line, got, (int)((qe - tok) < 8 ? (qe - tok) : 8), tok);
                break;
            }
            if (got == size) {
                st = dla_error_set(err, DLA_ERR_FORMAT, "%s:%d: more payload bytes than size %" PRIu64, path, line,
                                   size);
                break;
            }
            bytes[got++] = (uint8_t)b;
        }
        if (st != DLA_OK)
            break;
        if (got != size) {
            st = dla_error_set(err, DLA_ERR_FORMAT, "%s:%d: %zu payload bytes, expected size %" PRIu64, path, line, got,
                               size);
            break;
        }
        ++r; /* '}' */
        r = skip_space(r, qe);
        if (r < qe && *r == ',')
            r = skip_space(r + 1, qe);
        if (r != qe) {
            st = dla_error_set(err, DLA_ERR_FORMAT, "%s:%d: unexpected text after the record, expected ',' or the end",
                               path, line);
            break;
        }
        st = sink(user, offset, bytes, (size_t)size, err);
        if (st != DLA_OK)
            dla_error_prefix(err, "%s:%d", path, line);
        ++records;
    }
    free(bytes);
    if (st == DLA_OK && wrapped && !closed)
        st = dla_error_set(err, DLA_ERR_FORMAT, "%s:%d: missing the closing '}' of the record list", path, line);
    if (st == DLA_OK && records == 0)
        st = dla_error_set(err, DLA_ERR_FORMAT, "%s: no records, expected {offset:..., size:..., payload:...} lines",
                           path);
    return st;
}

dla_status dla_nt_read_dat(const char *path, dla_nt_dat_sink sink, void *user, dla_error *err)
{
    char *text = NULL;
    size_t len = 0;
    dla_status st = read_whole_file(path, "NVDLA memory image (.dat)", &text, &len, err);
    if (st != DLA_OK)
        return st;
    st = dla_nt_parse_dat(text, len, path, sink, user, err);
    free(text);
    return st;
}

/* ---- test folders ---- */

dla_status dla_nt_find_cfg(const char *path, char *out, size_t out_size, dla_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return dla_error_set(err, DLA_ERR_IO, "%s: no such file or folder", path);
    if (S_ISREG(st.st_mode)) {
        size_t n = strlen(path);
        if (n < 5 || strcmp(path + n - 4, ".cfg") != 0)
            return dla_error_set(err, DLA_ERR_INVALID, "%s: expected a test folder or a .cfg file", path);
        if ((size_t)snprintf(out, out_size, "%s", path) >= out_size)
            return dla_error_set(err, DLA_ERR_LIMIT, "%s: path too long", path);
        return DLA_OK;
    }
    if (!S_ISDIR(st.st_mode))
        return dla_error_set(err, DLA_ERR_INVALID, "%s: expected a test folder or a .cfg file", path);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dir[--dl] = 0;
    if ((size_t)snprintf(out, out_size, "%s/%s.cfg", dir, base_name(dir)) >= out_size)
        return dla_error_set(err, DLA_ERR_LIMIT, "%s: path too long", path);
    if (stat(out, &st) == 0 && S_ISREG(st.st_mode))
        return DLA_OK;
    DIR *d = opendir(dir);
    if (!d)
        return dla_error_set(err, DLA_ERR_IO, "%s: cannot list folder", dir);
    int found = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n > 4 && strcmp(e->d_name + n - 4, ".cfg") == 0) {
            if (found++ == 0)
                snprintf(out, out_size, "%s/%s", dir, e->d_name);
        }
    }
    closedir(d);
    if (found != 1)
        return dla_error_set(err, DLA_ERR_INVALID, "%s: %d .cfg files, expected %s.cfg or exactly one .cfg", dir, found,
                             base_name(dir));
    return DLA_OK;
}
