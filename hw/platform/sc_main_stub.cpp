// libsystemc owns main() and references sc_main; programs with their own main() (the dlasim CLI)
// link this stub to satisfy the symbol. It is never meant to run.
#include <cstdio>

extern "C" int sc_main(int, char **) // SystemC declares it extern "C" (sc_externs.h)
{
    std::fprintf(stderr, "dlasim: internal error: SystemC's main() called sc_main; programs using the dlasim "
                         "platform must define their own main()\n");
    return 70;
}
