/* Fuzz target: the .npy reader (calibration data, --input tensors). Properties: no crash, leak or UB;
 * every refusal carries a message; an accepted array has as many elements as its shape says. */
#include <stdlib.h>

#include "dla/npy.h"
#include "fuzz_target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_input("input.npy", data, size);
    if (!path)
        return 0;
    dla_error err = {{0}};
    dla_npy *a = NULL;
    if (dla_npy_read(path, &a, &err) != DLA_OK) {
        if (!err.msg[0])
            abort(); /* a refusal without a reason */
        return 0;
    }
    size_t count = 1;
    for (int i = 0; i < a->ndim; i++)
        count *= (size_t)a->shape[i];
    if (count != a->count)
        abort();
    volatile float sink = 0;
    for (size_t i = 0; i < a->count; i++)
        sink += a->data[i]; /* touches every element: ASan checks the allocation covers them */
    (void)sink;
    dla_npy_destroy(a);
    return 0;
}
