/* Fuzz target: the NVDLA register-trace .cfg parser. Properties: no crash, leak or UB; every refusal
 * carries a message; an accepted script's statements have in-range lines and non-empty names. */
#include <stdlib.h>

#include "fuzz_target.h"
#include "nvdla_trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dla_error err = {{0}};
    dla_nt_script *s = NULL;
    if (dla_nt_parse_cfg((const char *)data, size, "fuzz/test.cfg", &s, &err) != DLA_OK) {
        if (!err.msg[0])
            abort();
        return 0;
    }
    for (size_t i = 0; i < s->count; i++)
        if (s->stmts[i].line < 1 || (size_t)s->stmts[i].line > size + 1)
            abort(); /* a statement must come from a line of the input */
    dla_nt_script_destroy(s);
    return 0;
}
