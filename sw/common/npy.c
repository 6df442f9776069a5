/* NumPy .npy reader (formats 1.0-3.0, every plain numeric dtype, converted to float) and atomic
 * little-endian FP32 writer (see dla/npy.h). Headers come from users: every field is bounds-checked
 * and every refusal names the file, the offending value and what was expected. */
#include "dla/npy.h"
#include "dla/output_file.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_MAX_HEADER_BYTES 65536u        /* numpy itself refuses headers above 10000 bytes */
#define NPY_MAX_ELEMENTS ((size_t)1 << 30) /* 4 GiB of float: far beyond any tensor we simulate */
#define NPY_HEADER_ALIGN 64u

typedef enum npy_kind {
    NPY_FLOAT,
    NPY_INT,
    NPY_UINT,
    NPY_BOOL
} npy_kind;

typedef struct npy_dtype {
    npy_kind kind;
    unsigned size; /* bytes per element */
    bool big_endian;
} npy_dtype;

typedef struct npy_header {
    bool have_descr, have_order, have_shape;
    npy_dtype dtype;
    bool fortran_order;
    int ndim;
    int64_t shape[DLA_NPY_MAX_DIMS];
} npy_header;

/* ---- header dictionary parser (a Python literal: {'descr': '<f4', 'fortran_order': False,
 *      'shape': (2, 3), }) ---------------------------------------------------------------- */

typedef struct npy_parser {
    const char *p, *end;
    const char *path;
    dla_error *err;
} npy_parser;

static void skip_ws(npy_parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static dla_status parse_fail(npy_parser *ps, const char *what)
{
    long at = (long)(ps->end - ps->p);
    return dla_error_set(ps->err, DLA_ERR_FORMAT, "%s: npy header: %s (%ld characters before the end of the header)",
                         ps->path, what, at);
}

static bool accept(npy_parser *ps, char c)
{
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == c) {
        ps->p++;
        return true;
    }
    return false;
}

/* A quoted string without escapes (numpy never writes escapes in keys or descr). */
static dla_status parse_string(npy_parser *ps, char *out, size_t cap)
{
    skip_ws(ps);
    if (ps->p >= ps->end || (*ps->p != '\'' && *ps->p != '"'))
        return parse_fail(ps, "expected a quoted string");
    char quote = *ps->p++;
    size_t n = 0;
    while (ps->p < ps->end && *ps->p != quote) {
        if (*ps->p == '\\' || n + 1 >= cap)
            return parse_fail(ps, "string too long or escaped");
        out[n++] = *ps->p++;
    }
    if (ps->p >= ps->end)
        return parse_fail(ps, "unterminated string");
    ps->p++;
    out[n] = '\0';
    return DLA_OK;
}

static bool accept_word(npy_parser *ps, const char *word)
{
    skip_ws(ps);
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, word, n) == 0) {
        ps->p += n;
        return true;
    }
    return false;
}

static dla_status parse_descr(npy_parser *ps, npy_dtype *dt)
{
    char s[32];
    dla_status st = parse_string(ps, s, sizeof s);
    if (st != DLA_OK)
        return st;
    const unsigned probe = 1;
    const bool host_big = *(const unsigned char *)&probe == 0;
    char order = s[0];
    const char *t = s + 1;
    if (order != '<' && order != '>' && order != '|' && order != '=') {
        order = '=';
        t = s;
    }
    char kind = t[0];
    char *endp = NULL;
    long size = (kind != '\0') ? strtol(t + 1, &endp, 10) : 0;
    if (kind == '?' && t[1] == '\0') { /* numpy's other spelling of bool */
        size = 1;
        kind = 'b';
    } else if (!endp || *endp != '\0' || endp == t + 1) {
        size = 0;
    }
    bool ok = false;
    switch (kind) {
    case 'f':
        dt->kind = NPY_FLOAT;
        ok = size == 2 || size == 4 || size == 8;
        break;
    case 'i':
        dt->kind = NPY_INT;
        ok = size == 1 || size == 2 || size == 4 || size == 8;
        break;
    case 'u':
        dt->kind = NPY_UINT;
        ok = size == 1 || size == 2 || size == 4 || size == 8;
        break;
    case 'b':
        dt->kind = NPY_BOOL;
        ok = size == 1;
        break;
    default: break;
    }
    if (ok && size > 1 && order == '|')
        ok = false; /* '|' (not applicable) is only valid for single-byte types */
    if (!ok)
        return dla_error_set(ps->err, DLA_ERR_UNSUPPORTED,
                             "%s: npy dtype '%s' is not supported (expected f2/f4/f8, i1/i2/i4/i8, u1/u2/u4/u8 "
                             "or b1, little or big endian)",
                             ps->path, s);
    dt->size = (unsigned)size;
    dt->big_endian = order == '>' || (order == '=' && host_big);
    return DLA_OK;
}

static dla_status parse_shape(npy_parser *ps, npy_header *h)
{
    if (!accept(ps, '('))
        return parse_fail(ps, "'shape' must be a tuple");
    h->ndim = 0;
    while (!accept(ps, ')')) {
        skip_ws(ps);
        int64_t v = 0;
        int digits = 0;
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
            if (v > (INT64_MAX - 9) / 10)
                return dla_error_set(ps->err, DLA_ERR_LIMIT, "%s: npy shape dimension %d overflows 64 bits", ps->path,
                                     h->ndim);
            v = v * 10 + (*ps->p++ - '0');
            digits++;
        }
        if (ps->p < ps->end && *ps->p == 'L') /* Python 2 long suffix */
            ps->p++;
        if (digits == 0)
            return parse_fail(ps, "shape dimensions must be non-negative integers");
        if (h->ndim == DLA_NPY_MAX_DIMS)
            return dla_error_set(ps->err, DLA_ERR_LIMIT, "%s: npy shape has more than %d dimensions", ps->path,
                                 DLA_NPY_MAX_DIMS);
        h->shape[h->ndim++] = v;
        if (!accept(ps, ',')) {
            if (!accept(ps, ')'))
                return parse_fail(ps, "expected ',' or ')' in shape");
            break;
        }
    }
    return DLA_OK;
}

static dla_status parse_header(const char *text, size_t len, const char *path, npy_header *h, dla_error *err)
{
    npy_parser ps = {text, text + len, path, err};
    dla_status st;
    memset(h, 0, sizeof *h);
    if (!accept(&ps, '{'))
        return parse_fail(&ps, "expected '{'");
    while (!accept(&ps, '}')) {
        char key[32];
        if ((st = parse_string(&ps, key, sizeof key)) != DLA_OK)
            return st;
        if (!accept(&ps, ':'))
            return parse_fail(&ps, "expected ':' after a key");
        bool *seen;
        if (strcmp(key, "descr") == 0) {
            seen = &h->have_descr;
            st = parse_descr(&ps, &h->dtype);
        } else if (strcmp(key, "fortran_order") == 0) {
            seen = &h->have_order;
            if (accept_word(&ps, "True"))
                h->fortran_order = true;
            else if (accept_word(&ps, "False"))
                h->fortran_order = false;
            else
                return parse_fail(&ps, "'fortran_order' must be True or False");
            st = DLA_OK;
        } else if (strcmp(key, "shape") == 0) {
            seen = &h->have_shape;
            st = parse_shape(&ps, h);
        } else {
            return dla_error_set(err, DLA_ERR_FORMAT,
                                 "%s: npy header has unknown key '%s' (expected descr, fortran_order, shape)", path,
                                 key);
        }
        if (st != DLA_OK)
            return st;
        if (*seen)
            return dla_error_set(err, DLA_ERR_FORMAT, "%s: npy header repeats key '%s'", path, key);
        *seen = true;
        if (!accept(&ps, ',')) {
            if (!accept(&ps, '}'))
                return parse_fail(&ps, "expected ',' or '}' after a value");
            break;
        }
    }
    skip_ws(&ps);
    if (ps.p != ps.end)
        return parse_fail(&ps, "unexpected text after the dictionary");
    if (!h->have_descr || !h->have_order || !h->have_shape)
        return dla_error_set(err, DLA_ERR_FORMAT, "%s: npy header lacks %s", path,
                             !h->have_descr   ? "'descr'"
                             : !h->have_order ? "'fortran_order'"
                                              : "'shape'");
    if (h->fortran_order)
        return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                             "%s: npy array is in Fortran order (expected C order; save with np.ascontiguousarray)",
                             path);
    return DLA_OK;
}

/* ---- element conversion ---------------------------------------------------------------- */

/* binary16 -> binary32 by re-biasing the exponent (exact; no libm needed). */
static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
    if (exp == 0 && mant == 0) {
        bits = sign;
    } else if (exp == 0) { /* subnormal: normalise the mantissa */
        int e = -1;
        do {
            e++;
            mant <<= 1;
        } while (!(mant & 0x400));
        bits = sign | (uint32_t)(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
    } else if (exp == 31) {
        bits = sign | 0xffu << 23 | mant << 13;
    } else {
        bits = sign | (exp + 127 - 15) << 23 | mant << 13;
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static float convert_element(const unsigned char *src, const npy_dtype *dt)
{
    unsigned char b[8];
    for (unsigned i = 0; i < dt->size; i++) /* assemble as little-endian bytes, then decode */
        b[i] = dt->big_endian ? src[dt->size - 1 - i] : src[i];
    uint64_t u = 0;
    for (unsigned i = dt->size; i-- > 0;)
        u = (u << 8) | b[i];
    switch (dt->kind) {
    case NPY_BOOL: return u ? 1.0f : 0.0f;
    case NPY_UINT: return (float)u;
    case NPY_INT: {
        unsigned bits = dt->size * 8;
        int64_t s = (bits < 64 && (u >> (bits - 1)) & 1) ? (int64_t)(u | (~UINT64_C(0) << bits)) : (int64_t)u;
        return (float)s;
    }
    case NPY_FLOAT:
        if (dt->size == 2)
            return half_to_float((uint16_t)u);
        if (dt->size == 4) {
            uint32_t w = (uint32_t)u;
            float f;
            memcpy(&f, &w, sizeof f);
            return f;
        } else {
            double d;
            memcpy(&d, &u, sizeof d);
            return (float)d;
        }
    }
    return 0.0f;
}

/* ---- read ------------------------------------------------------------------------------ */

static uint32_t le32(const unsigned char *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

dla_status dla_npy_read(const char *path, dla_npy **out, dla_error *err)
{
    dla_status st = DLA_OK;
    FILE *f = NULL;
    char *text = NULL;
    unsigned char *raw = NULL;
    dla_npy *a = NULL;
    *out = NULL;

    if (!(f = fopen(path, "rb")))
        return dla_error_set(err, DLA_ERR_IO, "%s: cannot open for reading", path);
    unsigned char pre[12];
    size_t got = fread(pre, 1, 10, f);
    if (got < 10 || memcmp(pre, NPY_MAGIC, NPY_MAGIC_LEN) != 0) {
        st = dla_error_set(err, DLA_ERR_FORMAT, "%s: not a .npy file (%s)", path,
                           got < 10 ? "shorter than the 10-byte preamble" : "magic is not \\x93NUMPY");
        goto fail;
    }
    unsigned major = pre[6], minor = pre[7];
    size_t hlen;
    if (major == 1) {
        hlen = pre[8] | (size_t)pre[9] << 8;
    } else if (major == 2 || major == 3) {
        if (fread(pre + 10, 1, 2, f) != 2) {
            st = dla_error_set(err, DLA_ERR_FORMAT, "%s: npy %u.%u preamble truncated", path, major, minor);
            goto fail;
        }
        hlen = le32(pre + 8);
    } else {
        st = dla_error_set(err, DLA_ERR_UNSUPPORTED, "%s: npy format version %u.%u (expected 1.x, 2.x or 3.x)", path,
                           major, minor);
        goto fail;
    }
    if (hlen == 0 || hlen > NPY_MAX_HEADER_BYTES) {
        st = dla_error_set(err, DLA_ERR_FORMAT, "%s: npy header length %zu out of range (expected 1..%u)", path, hlen,
                           NPY_MAX_HEADER_BYTES);
        goto fail;
    }
    if (!(text = malloc(hlen))) {
        st = dla_error_set(err, DLA_ERR_NOMEM, "%s: cannot allocate %zu header bytes", path, hlen);
        goto fail;
    }
    if (fread(text, 1, hlen, f) != hlen) {
        st = dla_error_set(err, DLA_ERR_FORMAT, "%s: npy header truncated (declared %zu bytes)", path, hlen);
        goto fail;
    }
    npy_header h;
    if ((st = parse_header(text, hlen, path, &h, err)) != DLA_OK)
        goto fail;

    size_t count = 1;
    for (int i = 0; i < h.ndim; i++) {
        if (h.shape[i] != 0 && count > NPY_MAX_ELEMENTS / (size_t)h.shape[i]) {
            st = dla_error_set(err, DLA_ERR_LIMIT, "%s: npy shape has more than %zu elements (limit)", path,
                               NPY_MAX_ELEMENTS);
            goto fail;
        }
        count *= (size_t)h.shape[i];
    }
    size_t data_bytes = count * h.dtype.size;
    /* Compare with the real file size before allocating, so a lying header cannot cost memory. */
    long here = ftell(f);
    if (here < 0 || fseek(f, 0, SEEK_END) != 0) {
        st = dla_error_set(err, DLA_ERR_IO, "%s: cannot seek", path);
        goto fail;
    }
    long end = ftell(f);
    size_t avail = end > here ? (size_t)(end - here) : 0;
    if (avail != data_bytes) {
        if (avail < data_bytes)
            st = dla_error_set(err, DLA_ERR_FORMAT,
                               "%s: npy data is %zu bytes, shape and dtype need %zu (truncated file)", path, avail,
                               data_bytes);
        else
            st = dla_error_set(err, DLA_ERR_FORMAT,
                               "%s: npy file has %zu bytes after the %zu data bytes its header declares", path,
                               avail - data_bytes, data_bytes);
        goto fail;
    }
    if (fseek(f, here, SEEK_SET) != 0) {
        st = dla_error_set(err, DLA_ERR_IO, "%s: cannot seek", path);
        goto fail;
    }
    if (!(raw = malloc(data_bytes ? data_bytes : 1)) || !(a = calloc(1, sizeof *a)) ||
        !(a->data = malloc((count ? count : 1) * sizeof(float)))) {
        st = dla_error_set(err, DLA_ERR_NOMEM, "%s: cannot allocate %zu elements", path, count);
        goto fail;
    }
    if (fread(raw, 1, data_bytes, f) != data_bytes) {
        st = dla_error_set(err, DLA_ERR_IO, "%s: read error in the %zu data bytes", path, data_bytes);
        goto fail;
    }
    for (size_t i = 0; i < count; i++)
        a->data[i] = convert_element(raw + i * h.dtype.size, &h.dtype);
    a->ndim = h.ndim;
    memcpy(a->shape, h.shape, sizeof a->shape);
    a->count = count;
    *out = a;
    a = NULL;

fail:
    if (f)
        fclose(f);
    free(text);
    free(raw);
    dla_npy_destroy(a);
    return st;
}

void dla_npy_destroy(dla_npy *a)
{
    if (!a)
        return;
    free(a->data);
    free(a);
}

/* ---- write ----------------------------------------------------------------------------- */

dla_status dla_npy_write_f32(const char *path, const int64_t *shape, int ndim, const float *data, dla_error *err)
{
    if (ndim < 0 || ndim > DLA_NPY_MAX_DIMS || (ndim > 0 && !shape))
        return dla_error_set(err, DLA_ERR_INVALID, "%s: npy rank %d out of range (expected 0..%d)", path, ndim,
                             DLA_NPY_MAX_DIMS);
    char header[512];
    int n = snprintf(header, sizeof header, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    size_t count = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0 || (shape[i] != 0 && count > NPY_MAX_ELEMENTS / (size_t)shape[i]))
            return dla_error_set(err, DLA_ERR_INVALID, "%s: npy dimension %d is %lld (expected 0..%zu elements in all)",
                                 path, i, (long long)shape[i], NPY_MAX_ELEMENTS);
        count *= (size_t)shape[i];
        n += snprintf(header + n, sizeof header - (size_t)n, "%lld%s", (long long)shape[i],
                      (ndim == 1 || i + 1 < ndim) ? ", " : "");
    }
    if (ndim == 1)
        n -= 1; /* "(5,)" rather than "(5, )" */
    n += snprintf(header + n, sizeof header - (size_t)n, "), }");
    if (count > 0 && !data)
        return dla_error_set(err, DLA_ERR_INVALID, "%s: no data for %zu elements", path, count);
    /* Pad with spaces and a final newline so the data starts 64-byte aligned, as numpy does. */
    size_t total = 10 + (size_t)n + 1;
    size_t pad = (NPY_HEADER_ALIGN - total % NPY_HEADER_ALIGN) % NPY_HEADER_ALIGN;
    memset(header + n, ' ', pad);
    header[(size_t)n + pad] = '\n';
    size_t hlen = (size_t)n + pad + 1;
    unsigned char pre[10] = {
        0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hlen & 0xff), (unsigned char)(hlen >> 8)};

    dla_output out;
    dla_status st = dla_output_begin(&out, path, err);
    if (st != DLA_OK)
        return st;
    FILE *f = dla_output_fopen(&out, "wb", err);
    if (!f) {
        dla_output_abort(&out);
        return DLA_ERR_IO;
    }
    bool ok = fwrite(pre, 1, sizeof pre, f) == sizeof pre && fwrite(header, 1, hlen, f) == hlen;
    for (size_t i = 0; ok && i < count; i++) {
        uint32_t w;
        memcpy(&w, &data[i], sizeof w);
        unsigned char b[4] = {(unsigned char)w, (unsigned char)(w >> 8), (unsigned char)(w >> 16),
                              (unsigned char)(w >> 24)};
        ok = fwrite(b, 1, 4, f) == 4;
    }
    if (fclose(f) != 0)
        ok = false;
    if (!ok) {
        dla_output_abort(&out);
        return dla_error_set(err, DLA_ERR_IO, "%s: write failed", path);
    }
    return dla_output_commit(&out, err);
}
