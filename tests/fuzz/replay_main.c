/* Deterministic smoke fuzzing without libFuzzer (CTest, any compiler): runs a target on every seed
 * file, then on a fixed number of mutants derived from the seeds by a seeded generator, so each CTest
 * run executes exactly the same inputs. Real campaigns use libFuzzer (bench/fuzz). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dla/rng.h"
#include "fuzz_target.h"

typedef struct seed {
    uint8_t *data;
    size_t size;
} seed;

typedef struct seed_set {
    seed *items;
    size_t count, cap;
} seed_set;

static int add_file(seed_set *s, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fuzz replay: cannot open seed '%s': %s\n", path, strerror(errno));
        return -1;
    }
    uint8_t *buf = NULL;
    size_t size = 0, cap = 0;
    for (;;) {
        if (size == cap) {
            cap = cap ? 2 * cap : 4096;
            uint8_t *grown = realloc(buf, cap);
            if (!grown) {
                free(buf);
                fclose(f);
                return -1;
            }
            buf = grown;
        }
        size_t n = fread(buf + size, 1, cap - size, f);
        size += n;
        if (n == 0)
            break;
    }
    fclose(f);
    if (s->count == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 16;
        seed *grown = realloc(s->items, s->cap * sizeof *grown);
        if (!grown) {
            free(buf);
            return -1;
        }
        s->items = grown;
    }
    s->items[s->count++] = (seed){buf, size};
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory's regular files in name order (directory order differs between file systems). */
static int add_path(seed_set *s, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "fuzz replay: no seed file or directory '%s'\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return add_file(s, path);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            char **grown = realloc(names, cap * sizeof *grown);
            if (!grown) {
                rc = -1;
                break;
            }
            names = grown;
        }
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        names[n] = malloc(len);
        if (!names[n]) {
            rc = -1;
            break;
        }
        snprintf(names[n++], len, "%s/%s", path, e->d_name);
    }
    closedir(d);
    if (rc == 0)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
            rc = add_file(s, names[i]);
        free(names[i]);
    }
    free(names);
    return rc;
}

static uint64_t below(uint64_t *rng, uint64_t n)
{
    return n ? dla_rng_next(rng) % n : 0;
}

/* One mutant of `in` into `out` (capacity cap), libFuzzer-style: a few stacked edits. */
static size_t mutate(uint64_t *rng, const seed *in, const seed_set *all, uint8_t *out, size_t cap)
{
    static const uint8_t interesting[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x10, 0x40, 0x20};
    size_t size = in->size < cap ? in->size : cap;
    memcpy(out, in->data, size);
    int edits = 1 + (int)below(rng, 4);
    for (int i = 0; i < edits; i++) {
        switch (below(rng, 7)) {
        case 0: /* flip one bit */
            if (size)
                out[below(rng, size)] ^= (uint8_t)(1u << below(rng, 8));
            break;
        case 1: /* an interesting byte */
            if (size)
                out[below(rng, size)] = interesting[below(rng, sizeof interesting)];
            break;
        case 2: /* truncate */ size = below(rng, size + 1); break;
        case 3: { /* delete a chunk */
            if (!size)
                break;
            size_t at = below(rng, size), len = 1 + below(rng, size - at);
            memmove(out + at, out + at + len, size - at - len);
            size -= len;
            break;
        }
        case 4: { /* duplicate a chunk in place */
            if (!size)
                break;
            size_t at = below(rng, size), len = 1 + below(rng, size - at);
            if (size + len > cap)
                break;
            memmove(out + at + len, out + at, size - at);
            size += len;
            break;
        }
        case 5: { /* splice a chunk of another seed */
            const seed *other = &all->items[below(rng, all->count)];
            if (!other->size || !size)
                break;
            size_t from = below(rng, other->size), len = 1 + below(rng, other->size - from);
            size_t at = below(rng, size);
            if (at + len > cap)
                len = cap - at;
            memcpy(out + at, other->data + from, len);
            if (at + len > size)
                size = at + len;
            break;
        }
        default: { /* an interesting little-endian 32-bit word (sizes, counts, offsets) */
            static const uint32_t words[] = {0, 1, 0x7fffffffu, 0x80000000u, 0xffffffffu, 0xffffu, 0x10000u};
            if (size < 4)
                break;
            uint32_t w = words[below(rng, sizeof words / sizeof words[0])];
            size_t at = below(rng, size - 3);
            for (int b = 0; b < 4; b++)
                out[at + b] = (uint8_t)(w >> (8 * b));
            break;
        }
        }
    }
    return size;
}

/* Frees the seeds and returns status, so every exit path of main leaves nothing for LeakSanitizer. */
static int free_seeds(seed_set *s, int status)
{
    for (size_t i = 0; i < s->count; i++)
        free(s->items[i].data);
    free(s->items);
    return status;
}

int main(int argc, char **argv)
{
    long runs = 1000;
    uint64_t rng = 0x5eed;
    seed_set seeds = {0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            rng = strtoull(argv[++i], NULL, 0);
        else if (add_path(&seeds, argv[i]) != 0)
            return free_seeds(&seeds, 2);
    }
    if (seeds.count == 0) {
        fprintf(stderr, "usage: %s [--runs N] [--seed S] SEED_FILE_OR_DIR...\n", argv[0]);
        return free_seeds(&seeds, 2);
    }
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    size_t cap = 0;
    for (size_t i = 0; i < seeds.count; i++) {
        LLVMFuzzerTestOneInput(seeds.items[i].data, seeds.items[i].size);
        if (seeds.items[i].size > cap)
            cap = seeds.items[i].size;
    }
    cap = 2 * cap + 64;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return free_seeds(&seeds, 2);
    for (long r = 0; r < runs; r++) {
        const seed *in = &seeds.items[below(&rng, seeds.count)];
        size_t n = mutate(&rng, in, &seeds, buf, cap);
        LLVMFuzzerTestOneInput(buf, n);
    }
    printf("%s: %zu seeds + %ld mutants, no crash\n", argv[0], seeds.count, runs);
    free(buf);
    return free_seeds(&seeds, 0);
}
