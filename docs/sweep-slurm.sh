#!/bin/bash
# Example Slurm job for an MPI sweep (docs/sweeps.md "MPI"). Rank 0 schedules and writes R.h5; every
# other rank simulates one job at a time in a forked child. Put the output on a shared filesystem:
# the loadable cache and journal live next to it. Re-submitting the same job resumes.
#SBATCH --job-name=dlasim-sweep
#SBATCH --nodes=4
#SBATCH --ntasks-per-node=32
#SBATCH --cpus-per-task=1
#SBATCH --time=02:00:00
#SBATCH --output=sweep-%j.log
set -euo pipefail
SPEC=${SPEC:-configs/sweeps/orin_mac_cbuf_dram.json}
OUT=${OUT:-$SCRATCH/dlasim/orin_mac_cbuf_dram.h5}
export DLASIM_CONFIG_DIR=${DLASIM_CONFIG_DIR:-$PWD/configs}
export DLASIM_MODELS_DIR=${DLASIM_MODELS_DIR:-$PWD/build/models}
mkdir -p "$(dirname "$OUT")"
srun --mpi=pmix ./build/bin/dlasim sweep "$SPEC" -o "$OUT" --mpi -q
./build/bin/dlasim sweep report "$OUT"
