// Writes the hand-built sample result (sample_result.h) as a trace, for the Python tool tests
// registered in CMakeLists.txt: trace_fixture_writer OUT.h5 [--perturbed]
#include <cstdio>
#include <cstring>

#include "dla/trace.h"
#include "sample_result.h"

int main(int argc, char **argv)
{
    if (argc < 2 || (argc == 3 && std::strcmp(argv[2], "--perturbed") != 0) || argc > 3) {
        std::fprintf(stderr, "usage: %s OUT.h5 [--perturbed]\n", argv[0]);
        return 2;
    }
    dla_run_result *r = make_sample_result(argc == 3);
    dla_error err{};
    dla_status st = dla_trace_write(argv[1], r, &err);
    dla_run_result_destroy(r);
    if (st != DLA_OK) {
        std::fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    return 0;
}
