/* Scratch files for fuzz inputs: one private directory per process, removed at exit, so
 * concurrent fuzzing jobs never share a file and nothing is left behind. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_target.h"

static char scratch_dir[64];
static char scratch_path[128];
static char cleanup_name[128];

static void remove_scratch(void)
{
    if (cleanup_name[0])
        unlink(cleanup_name);
    if (scratch_dir[0])
        rmdir(scratch_dir);
}

const char *fuzz_write_input(const char *name, const uint8_t *data, size_t size)
{
    if (!scratch_dir[0]) {
        /* Memory-backed when possible: a disk file system makes every input cost a metadata write. */
        const char *tmp = getenv("TMPDIR");
        if (!tmp || strlen(tmp) >= 32)
            tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(scratch_dir, sizeof scratch_dir, "%s/dlasim-fuzz-XXXXXX", tmp);
        if (!mkdtemp(scratch_dir)) {
            scratch_dir[0] = '\0';
            return NULL;
        }
        atexit(remove_scratch);
    }
    snprintf(scratch_path, sizeof scratch_path, "%s/%s", scratch_dir, name);
    if (cleanup_name[0] && strcmp(cleanup_name, scratch_path) != 0)
        unlink(cleanup_name);
    snprintf(cleanup_name, sizeof cleanup_name, "%s", scratch_path);
    FILE *f = fopen(scratch_path, "wb");
    if (!f)
        return NULL;
    size_t written = size ? fwrite(data, 1, size, f) : 0;
    if (fclose(f) != 0 || written != size)
        return NULL;
    return scratch_path;
}

char *fuzz_text(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text) {
        memcpy(text, data, size);
        text[size] = '\0';
    }
    return text;
}
