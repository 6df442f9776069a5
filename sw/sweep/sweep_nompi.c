/* Built when CMake found no MPI: `dlasim sweep --mpi` says how to get it. */
#include "dla/sweep.h"

bool dla_sweep_have_mpi(void)
{
    return false;
}

dla_status dla_sweep_run_mpi(int *argc, char ***argv, const dla_sweep_spec *spec, const dla_sweep_run_opts *opts,
                             dla_sweep_run_stats *stats, dla_error *err)
{
    (void)argc;
    (void)argv;
    (void)spec;
    (void)opts;
    (void)stats;
    return dla_error_set(err, DLA_ERR_UNSUPPORTED,
                         "--mpi: this dlasim was built without MPI (apt-get install libopenmpi-dev openmpi-bin, then "
                         "re-run cmake and rebuild)");
}
