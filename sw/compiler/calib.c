/* INT8 calibration (docs/compiler.md "Calibration"): where each activation scale comes from — a
 * TensorRT calibration cache, or forward passes of the FP32 reference executor over synthetic data
 * or the user's tensors (--calib DIR) reduced by min-max, percentile or entropy (KL) — and the cache
 * writer, so a second compile skips calibration. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dla/npy.h"
#include "dla/output_file.h"
#include "graph.h"

#define HIST_BINS 2048     /* histogram of |x| over [0, absmax] (TensorRT's entropy calibrator uses 2048) */
#define QUANT_LEVELS 128   /* INT8 magnitudes 0..127 */
#define CACHE_VERSION 8502 /* TensorRT 8.5.2 (JetPack 5.1.1, the published Orin runs): the header we write */
#define MAX_CALIB_FILES 4096
/* All calibration files together: 1 GiB on disk and 2^28 values (1 GiB of FP32) in memory, far above
 * TensorRT's usual 500-1000 images of 3x224x224 (0.3-0.6 GiB); checked before each file is read. */
#define MAX_CALIB_BYTES ((int64_t)1 << 30)
#define MAX_CALIB_VALUES ((int64_t)1 << 28)

static float minmax_scale(float absmax)
{
    return absmax > 0.0f && isfinite(absmax) ? absmax / 127.0f : 1.0f / 127.0f; /* as quantize.c's act_scale */
}

double ir_calib_percentile_threshold(const uint64_t *hist, int bins, double w, double pct)
{
    uint64_t total = 0;
    for (int b = 0; b < bins; b++)
        total += hist[b];
    if (total == 0)
        return 0.0;
    double need = pct / 100.0 * (double)total;
    uint64_t cum = 0;
    for (int b = 0; b < bins; b++) {
        cum += hist[b];
        if ((double)cum >= need)
            return (b + 1) * w;
    }
    return bins * w;
}

/* KL(P || Q) for P, Q given as counts (normalised here); bins where P is 0 contribute nothing. */
static double kl_divergence(const double *p, const double *q, int n)
{
    double sp = 0, sq = 0;
    for (int i = 0; i < n; i++) {
        sp += p[i];
        sq += q[i];
    }
    if (sp <= 0 || sq <= 0)
        return INFINITY;
    double kl = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] <= 0)
            continue;
        if (q[i] <= 0)
            return INFINITY;
        kl += p[i] / sp * log((p[i] / sp) / (q[i] / sq));
    }
    return kl;
}

/* The entropy calibration of "8-bit Inference with TensorRT" (Migacz, GTC 2017): for each candidate
 * i >= 128 bins, P = the first i bins with the clipped tail added to bin i-1, Q = the first i bins
 * merged into 128 levels and expanded back over the non-empty bins; the threshold is the upper edge
 * of bin i with the smallest KL(P||Q) (the first one on ties). */
double ir_calib_entropy_threshold(const uint64_t *hist, int bins, double w)
{
    uint64_t total = 0;
    for (int b = 0; b < bins; b++)
        total += hist[b];
    if (total == 0)
        return 0.0;
    if (bins <= QUANT_LEVELS)
        return bins * w;
    double *p = malloc((size_t)bins * sizeof *p), *q = malloc((size_t)bins * sizeof *q);
    if (!p || !q) {
        free(p);
        free(q);
        return bins * w; /* no memory: fall back to min-max */
    }
    double best = INFINITY;
    int best_i = bins;
    uint64_t tail = total;
    for (int b = 0; b < QUANT_LEVELS; b++)
        tail -= hist[b];
    for (int i = QUANT_LEVELS; i <= bins; i++) {
        if (i > QUANT_LEVELS)
            tail -= hist[i - 1];
        for (int b = 0; b < i; b++)
            p[b] = (double)hist[b];
        p[i - 1] += (double)tail;
        /* Merge the i original bins into 128 levels: level j covers bins [j*i/128, (j+1)*i/128). */
        for (int j = 0; j < QUANT_LEVELS; j++) {
            int b0 = (int)((int64_t)j * i / QUANT_LEVELS), b1 = (int)((int64_t)(j + 1) * i / QUANT_LEVELS);
            double sum = 0;
            int nonzero = 0;
            for (int b = b0; b < b1; b++) {
                sum += (double)hist[b];
                nonzero += hist[b] != 0;
            }
            for (int b = b0; b < b1; b++)
                q[b] = hist[b] != 0 ? sum / nonzero : 0.0;
        }
        double kl = kl_divergence(p, q, i);
        if (kl < best) {
            best = kl;
            best_i = i;
        }
    }
    free(p);
    free(q);
    return best_i * w;
}

/* ---- calibration data ---- */

typedef struct calib_state {
    ir_graph *g;
    uint64_t **hist; /* per tensor, HIST_BINS counts of |x| over [0, absmax] (NULL: not tracked) */
} calib_state;

static void observe_hist(void *ctx, int t, const float *v, size_t n)
{
    calib_state *cs = ctx;
    const ir_tensor *x = &cs->g->tensors[t];
    uint64_t *h = cs->hist[t];
    if (!h || !(x->absmax > 0.0f))
        return;
    double per_bin = HIST_BINS / (double)x->absmax;
    for (size_t e = 0; e < n; e++) {
        double a = fabs((double)v[e]) * per_bin;
        int b = a >= HIST_BINS ? HIST_BINS - 1 : (int)a;
        h[b]++;
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

/* The calibration images of --calib DIR: every *.npy (any numeric dtype) and *.raw / *.bin (little-endian
 * FP32) file in name order, each holding one or more images of the (single) network input. */
typedef struct calib_data {
    float *images; /* n_images x image_elems */
    int64_t n_images, image_elems;
} calib_data;

static dla_status load_calib_dir(const ir_graph *g, const char *dir, calib_data *cd, dla_error *err)
{
    memset(cd, 0, sizeof *cd);
    if (g->n_inputs != 1)
        return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                             "%s: --calib %s: calibration data is supported for single-input networks (this one has "
                             "%d inputs); use a calibration cache",
                             g->base, dir, g->n_inputs);
    const ir_tensor *in = &g->tensors[g->inputs[0]];
    int64_t batch = in->rank > 0 ? in->dims[0] : 1;
    cd->image_elems = ir_numel(in) / (batch > 0 ? batch : 1);
    DIR *d = opendir(dir);
    if (!d)
        return dla_error_set(err, DLA_ERR_IO, "--calib %s: cannot open the directory: %s", dir, strerror(errno));
    char **names = calloc(MAX_CALIB_FILES, sizeof *names);
    int n = 0;
    int64_t total_bytes = 0;
    dla_status st = DLA_OK;
    if (!names) {
        closedir(d);
        return dla_error_set(err, DLA_ERR_NOMEM, "--calib %s: out of memory", dir);
    }
    for (struct dirent *e; (e = readdir(d));) {
        if (!has_suffix(e->d_name, ".npy") && !has_suffix(e->d_name, ".raw") && !has_suffix(e->d_name, ".bin"))
            continue;
        if (n == MAX_CALIB_FILES) {
            st = dla_error_set(err, DLA_ERR_LIMIT, "--calib %s: more than %d tensor files", dir, MAX_CALIB_FILES);
            break;
        }
        if (!(names[n++] = ir_strdup(e->d_name))) {
            st = dla_error_set(err, DLA_ERR_NOMEM, "--calib %s: out of memory", dir);
            break;
        }
    }
    closedir(d);
    if (st == DLA_OK && n == 0)
        st =
            dla_error_set(err, DLA_ERR_INVALID, "--calib %s: no .npy, .raw or .bin tensor files in the directory", dir);
    if (st == DLA_OK)
        qsort(names, (size_t)n, sizeof *names, cmp_str);
    char shape[96];
    ir_shape_str(in, shape, sizeof shape);
    for (int k = 0; k < n && st == DLA_OK; k++) {
        size_t plen = strlen(dir) + strlen(names[k]) + 2;
        char *path = malloc(plen);
        if (!path) {
            st = dla_error_set(err, DLA_ERR_NOMEM, "--calib %s: out of memory", dir);
            break;
        }
        snprintf(path, plen, "%s/%s", dir, names[k]);
        float *vals = NULL;
        int64_t count = 0;
        dla_npy *a = NULL;
        struct stat fs;
        if (stat(path, &fs) != 0 || !S_ISREG(fs.st_mode)) /* a FIFO named x.raw would block the read */
            st = dla_error_set(err, DLA_ERR_IO, "--calib %s: not a regular file", path);
        else if ((total_bytes += fs.st_size) > MAX_CALIB_BYTES)
            st = dla_error_set(err, DLA_ERR_LIMIT,
                               "--calib %s: the tensor files up to this one hold %lld bytes, more "
                               "than the %lld-byte limit; use fewer calibration images",
                               path, (long long)total_bytes, (long long)MAX_CALIB_BYTES);
        if (st != DLA_OK) {
            free(path);
            break;
        }
        if (has_suffix(names[k], ".npy")) {
            if ((st = dla_npy_read(path, &a, err)) == DLA_OK) {
                count = (int64_t)a->count;
                /* Trailing dimensions must be the input's (an image, or a batch of them). */
                int skip = a->ndim >= in->rank ? a->ndim - in->rank + 1 : 0;
                for (int i = 1; i < in->rank && a->ndim >= in->rank - 1; i++)
                    if (a->shape[skip + i - 1] != in->dims[i]) {
                        st = dla_error_set(err, DLA_ERR_INVALID,
                                           "--calib %s: dimension %d of the array is %lld, input '%s' (%s) needs %lld",
                                           path, skip + i - 1, (long long)a->shape[skip + i - 1], in->name, shape,
                                           (long long)in->dims[i]);
                        break;
                    }
                vals = a->data;
            }
        } else {
            FILE *f = fopen(path, "rb");
            long len = -1;
            if (!f)
                st = dla_error_set(err, DLA_ERR_IO, "--calib %s: cannot open: %s", path, strerror(errno));
            else if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 || len % 4)
                st = dla_error_set(err, DLA_ERR_INVALID, "--calib %s: %ld bytes is not a whole number of FP32 values",
                                   path, len);
            else {
                count = len / 4;
                uint8_t *raw = malloc((size_t)(len > 0 ? len : 1));
                vals = malloc((size_t)(count > 0 ? count : 1) * sizeof *vals);
                if (!raw || !vals || fread(raw, 1, (size_t)len, f) != (size_t)len)
                    st = dla_error_set(err, DLA_ERR_IO, "--calib %s: cannot read %ld bytes", path, len);
                for (int64_t e = 0; st == DLA_OK && e < count; e++) {
                    uint32_t u = (uint32_t)raw[4 * e] | (uint32_t)raw[4 * e + 1] << 8 | (uint32_t)raw[4 * e + 2] << 16 |
                                 (uint32_t)raw[4 * e + 3] << 24;
                    memcpy(&vals[e], &u, 4);
                }
                free(raw);
            }
            if (f)
                fclose(f);
        }
        if (st == DLA_OK && count > MAX_CALIB_VALUES - cd->n_images * cd->image_elems)
            st = dla_error_set(err, DLA_ERR_LIMIT,
                               "--calib %s: the images up to this file hold more than %lld values; "
                               "use fewer calibration images",
                               path, (long long)MAX_CALIB_VALUES);
        if (st == DLA_OK && (count == 0 || count % cd->image_elems != 0))
            st = dla_error_set(err, DLA_ERR_INVALID,
                               "--calib %s: %lld values is not a whole number of images of input '%s' (%s: %lld "
                               "values per image)",
                               path, (long long)count, in->name, shape, (long long)cd->image_elems);
        for (int64_t e = 0; st == DLA_OK && e < count; e++)
            if (!isfinite(vals[e]))
                st = dla_error_set(err, DLA_ERR_INVALID, "--calib %s: value %lld is not finite", path, (long long)e);
        if (st == DLA_OK) {
            int64_t imgs = count / cd->image_elems;
            float *grown = realloc(cd->images, (size_t)((cd->n_images + imgs) * cd->image_elems) * sizeof *cd->images);
            if (!grown)
                st = dla_error_set(err, DLA_ERR_NOMEM, "--calib %s: out of memory", path);
            else {
                cd->images = grown;
                memcpy(cd->images + cd->n_images * cd->image_elems, vals, (size_t)count * sizeof *vals);
                cd->n_images += imgs;
            }
        }
        if (a)
            dla_npy_destroy(a);
        else
            free(vals);
        free(path);
    }
    for (int k = 0; k < n; k++)
        free(names[k]);
    free(names);
    if (st == DLA_OK && cd->n_images < batch)
        st = dla_error_set(err, DLA_ERR_INVALID, "--calib %s: %lld images, one batch of input '%s' (%s) needs %lld",
                           dir, (long long)cd->n_images, in->name, shape, (long long)batch);
    if (st != DLA_OK) {
        free(cd->images);
        cd->images = NULL;
    }
    return st;
}

/* One pass over the calibration data: whole batches of the user's images, or the synthetic batches
 * of ir_calibrate's generator. */
static dla_status run_passes(ir_graph *g, const dla_compile_opts *opts, const calib_data *cd, bool track_absmax,
                             ir_observe_fn observe, void *ctx, dla_error *err)
{
    if (!cd->images)
        return ir_calibrate_synthetic(g, opts, track_absmax, observe, ctx, err);
    const ir_tensor *x = &g->tensors[g->inputs[0]];
    int64_t batch = x->rank > 0 ? x->dims[0] : 1;
    dla_status st = DLA_OK;
    /* Whole batches only (an incomplete last batch is left out, as TensorRT's calibrators do). */
    for (int64_t b = 0; b + batch <= cd->n_images && st == DLA_OK; b += batch) {
        const float *in[1] = {cd->images + b * cd->image_elems};
        st = ir_reference_forward_observe(g, in, track_absmax, observe, ctx, NULL, err);
    }
    return st;
}

static const char *algo_name(dla_calib_algo a)
{
    return a == DLA_CALIB_ENTROPY      ? "EntropyCalibration2"
           : a == DLA_CALIB_PERCENTILE ? "PercentileCalibration"
                                       : "MinMaxCalibration";
}

dla_status ir_calibration(ir_graph *g, const dla_compile_opts *opts, dla_error *err)
{
    dla_status st;
    if (opts->calib_cache && access(opts->calib_cache, F_OK) == 0) {
        g->calib_from_cache = true;
        return ir_calib_cache_read(g, opts->calib_cache, err); /* scales given: no calibration */
    }
    if (opts->calib_algo != DLA_CALIB_MINMAX && opts->calib_algo != DLA_CALIB_PERCENTILE &&
        opts->calib_algo != DLA_CALIB_ENTROPY)
        return dla_error_set(err, DLA_ERR_INVALID, "%s: unknown calibration algorithm %d", g->base,
                             (int)opts->calib_algo);
    double pct = opts->calib_percentile > 0 ? opts->calib_percentile : 99.99;
    if (opts->calib_algo == DLA_CALIB_PERCENTILE && !(pct > 0 && pct <= 100))
        return dla_error_set(err, DLA_ERR_INVALID, "%s: calibration percentile %g, expected (0, 100]", g->base, pct);
    calib_data cd;
    memset(&cd, 0, sizeof cd);
    if (opts->calib_dir && (st = load_calib_dir(g, opts->calib_dir, &cd, err)) != DLA_OK)
        return st;
    /* Pass 1: absmax of every tensor. */
    st = run_passes(g, opts, &cd, true, NULL, NULL, err);
    calib_state cs = {g, NULL};
    if (st == DLA_OK && opts->calib_algo != DLA_CALIB_MINMAX) {
        /* Pass 2: histograms of |x| over [0, absmax], then the threshold of the chosen algorithm. */
        cs.hist = calloc((size_t)g->n_tensors + 1, sizeof *cs.hist);
        if (!cs.hist)
            st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (calibration histograms)", g->base);
        for (int t = 0; st == DLA_OK && t < g->n_tensors; t++)
            if (g->tensors[t].absmax > 0.0f && !g->tensors[t].is_const &&
                !(cs.hist[t] = calloc(HIST_BINS, sizeof(uint64_t))))
                st = dla_error_set(err, DLA_ERR_NOMEM, "%s: out of memory (calibration histograms)", g->base);
        if (st == DLA_OK)
            st = run_passes(g, opts, &cd, false, observe_hist, &cs, err);
    }
    for (int t = 0; st == DLA_OK && t < g->n_tensors; t++) {
        ir_tensor *x = &g->tensors[t];
        if (x->is_const || x->calib_scale > 0.0f)
            continue; /* a QDQ model's scales (qdq.c) win over calibration */
        float s = minmax_scale(x->absmax);
        if (cs.hist && cs.hist[t]) {
            double w = (double)x->absmax / HIST_BINS;
            double thr = opts->calib_algo == DLA_CALIB_ENTROPY
                             ? ir_calib_entropy_threshold(cs.hist[t], HIST_BINS, w)
                             : ir_calib_percentile_threshold(cs.hist[t], HIST_BINS, w, pct);
            if (thr > 0)
                s = (float)(thr / 127.0);
        }
        x->calib_scale = s;
    }
    for (int t = 0; cs.hist && t < g->n_tensors; t++)
        free(cs.hist[t]);
    free(cs.hist);
    free(cd.images);
    return st;
}

dla_status ir_calib_cache_save(const ir_graph *g, const dla_compile_opts *opts, dla_error *err)
{
    /* As TensorRT's calibrators: a cache named but not found is written after calibration. */
    const char *out = opts->calib_cache_out ? opts->calib_cache_out : g->calib_from_cache ? NULL : opts->calib_cache;
    if (!out || opts->precision != DLA_PRECISION_INT8)
        return DLA_OK;
    return ir_calib_cache_write(g, out, algo_name(opts->calib_algo), err);
}

/* ---- TensorRT calibration cache ---- */

static uint32_t f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

dla_status ir_calib_cache_write(const ir_graph *g, const char *path, const char *algo, dla_error *err)
{
    /* Temp file + rename: a failed compile never leaves a half-written cache. */
    dla_output out;
    dla_status st = dla_output_begin(&out, path, err);
    if (st != DLA_OK)
        return st;
    FILE *f = dla_output_fopen(&out, "w", err);
    if (!f) {
        dla_output_abort(&out);
        return DLA_ERR_IO;
    }
    bool ok = fprintf(f, "TRT-%d-%s\n", CACHE_VERSION, algo) > 0;
    for (int t = 0; t < g->n_tensors && ok; t++) {
        const ir_tensor *x = &g->tensors[t];
        if (x->is_const || !(x->calib_scale > 0.0f))
            continue;
        ok = fprintf(f, "%s: %08x\n", x->name, f32_bits(x->calib_scale)) > 0;
    }
    ok = fclose(f) == 0 && ok;
    if (!ok) {
        dla_output_abort(&out);
        return dla_error_set(err, DLA_ERR_IO, "%s: cannot write the calibration cache: %s", path, strerror(errno));
    }
    return dla_output_commit(&out, err);
}

/* Tensor names may contain ':' and spaces: the value follows the last ": ". */
dla_status ir_calib_cache_read(ir_graph *g, const char *path, dla_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return dla_error_set(err, DLA_ERR_IO, "%s: cannot open the calibration cache: %s", path, strerror(errno));
    char line[1024];
    dla_status st = DLA_OK;
    int lineno = 0, unknown = 0, entries = 0;
    char first_unknown[256] = "";
    while (st == DLA_OK && fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            st = dla_error_set(err, DLA_ERR_FORMAT, "%s:%d: line longer than %zu characters", path, lineno,
                               sizeof line - 2);
            break;
        }
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (lineno == 1) {
            unsigned ver;
            char algo[64];
            if (sscanf(line, "TRT-%u-%63s", &ver, algo) != 2)
                st = dla_error_set(err, DLA_ERR_FORMAT,
                                   "%s:1: '%.80s' is not a TensorRT calibration cache header (expected "
                                   "TRT-<version>-<algorithm>, e.g. TRT-8502-EntropyCalibration2)",
                                   path, line);
            continue;
        }
        if (len == 0)
            continue;
        char *sep = NULL;
        for (char *p = strstr(line, ": "); p; p = strstr(p + 1, ": "))
            sep = p;
        char *end = NULL;
        unsigned long bits = 0;
        if (sep) {
            errno = 0;
            bits = strtoul(sep + 2, &end, 16);
        }
        if (!sep || sep == line || !end || end == sep + 2 || *end || errno || bits > 0xFFFFFFFFul ||
            strlen(sep + 2) > 8) {
            st =
                dla_error_set(err, DLA_ERR_FORMAT,
                              "%s:%d: '%.80s': expected 'tensor_name: <8 hex digits>' (the IEEE-754 bits of the scale)",
                              path, lineno, line);
            break;
        }
        *sep = '\0';
        float scale;
        uint32_t u = (uint32_t)bits;
        memcpy(&scale, &u, 4);
        if (!(scale > 0.0f) || !isfinite(scale)) {
            st = dla_error_set(err, DLA_ERR_FORMAT, "%s:%d: tensor '%s' has scale %g, expected a finite value > 0",
                               path, lineno, line, (double)scale);
            break;
        }
        int t = ir_tensor_find(g, line);
        if (t < 0) {
            if (!unknown++)
                snprintf(first_unknown, sizeof first_unknown, "%.200s' (line %d", line, lineno);
            continue;
        }
        g->tensors[t].calib_scale = scale;
        entries++;
    }
    if (st == DLA_OK && ferror(f))
        st = dla_error_set(err, DLA_ERR_IO, "%s: read error", path);
    fclose(f);
    if (st != DLA_OK)
        return st;
    if (lineno == 0)
        return dla_error_set(err, DLA_ERR_FORMAT, "%s: empty calibration cache", path);
    if (unknown)
        return dla_error_set(err, DLA_ERR_INVALID,
                             "%s: %d tensor%s of the calibration cache %s not in %s (first: '%s)); the cache was "
                             "made for another network",
                             path, unknown, unknown == 1 ? "" : "s", unknown == 1 ? "is" : "are", g->base,
                             first_unknown);
    /* Every tensor the DLA stores in INT8 needs a scale. */
    for (int i = 0; i < g->n_inputs; i++)
        if (!(g->tensors[g->inputs[i]].calib_scale > 0.0f))
            return dla_error_set(err, DLA_ERR_INVALID, "%s: the calibration cache has no scale for input '%s'", path,
                                 g->tensors[g->inputs[i]].name);
    for (int l = 0; l < g->n_layers; l++) {
        const ir_layer *ly = &g->layers[l];
        if (ly->kind == IR_LAYER_POOL || ly->clip)
            continue;             /* pools keep their input's scale; clip layers take max / 127 */
        bool contract_in = false; /* a deconvolution's convolution takes its contract's scale (quantize.c) */
        for (int k = 0; k < g->n_layers; k++)
            contract_in |= g->layers[k].kind == IR_LAYER_RUBIK && g->layers[k].in == ly->out;
        if (contract_in)
            continue;
        if (!(g->tensors[ly->out].calib_scale > 0.0f))
            return dla_error_set(err, DLA_ERR_INVALID,
                                 "%s: the calibration cache has no scale for tensor '%s' (output of layer '%s')", path,
                                 g->tensors[ly->out].name, ly->name);
    }
    (void)entries;
    return DLA_OK;
}
