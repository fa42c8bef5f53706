#!/bin/sh
# Data parallelism over MPI: examples/data_parallel_mpi.c with mpirun -np 2 (two
# epochs of 6000 samples): the ranks' parameters bit-identical after every
# epoch and within tolerance of one process on whole batches (the example
# checks both and exits non-zero otherwise). Skipped, with a note, when
# OpenMPI (mpicc, mpirun) is not installed: tools/install-deps.sh check
# installs it. Environment: B (build dir), RUNNER (not used: mpirun starts
# the processes).
set -u
B=${B:-build}
exe="$B/examples/data_parallel_mpi"
if ! command -v mpirun >/dev/null 2>&1 || [ ! -x "$exe" ]; then
    echo "check_mpi: skipped (OpenMPI's mpicc and mpirun not installed; tools/install-deps.sh check)"
    exit 0
fi
# OpenMPI refuses to run as root unless told, here only (not in the user's
# environment); --oversubscribe lets 2 ranks start on a 1-core machine.
out=$(OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none \
      timeout 600 mpirun --oversubscribe -np 2 "$exe" --samples 6000 --epochs 2 2>&1)
rc=$?
echo "$out"
[ $rc -eq 0 ] || { echo "FAIL check_mpi: exit status $rc"; exit 1; }
n=$(echo "$out" | grep -c "ranks' parameters bit-identical")
[ "$n" -eq 2 ] || { echo "FAIL check_mpi: expected 2 epochs with bit-identical ranks, saw $n"; exit 1; }
echo "$out" | grep -q "^ok$" || { echo "FAIL check_mpi: no final 'ok'"; exit 1; }
echo "PASS check_mpi"
