// Thread settings that must be in the environment before the libraries read them, for the
// executables (lnet, lnet-lammps).
#pragma once

namespace lnet {

// Debian's OpenBLAS reads OPENBLAS_NUM_THREADS when it is loaded and busy-waits with one thread
// per core otherwise, starving libtorch's own pool; libgomp's threads spin between parallel
// regions, which collapses throughput when cores are shared (measured 6x slower on a loaded
// 2-core machine). Both are read at load time, too late from main(), so this re-executes the
// program once with OPENBLAS_NUM_THREADS=1 and OMP_WAIT_POLICY=PASSIVE set (before MPI_Init in
// an MPI program). A user's own settings are kept. Returns only when nothing had to change (or
// the re-execution failed; the program then carries on as it is).
void ensure_thread_environment(char** argv);

}  // namespace lnet
