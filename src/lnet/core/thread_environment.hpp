// Thread settings: the environment the libraries read at load time, for the executables (lnet,
// lnet-lammps), and the one rule for a requested thread count (CLI, Python, LAMMPS).
#pragma once
#include <string>

namespace lnet {

// Debian's OpenBLAS reads OPENBLAS_NUM_THREADS when it is loaded and busy-waits with one thread
// per core otherwise, starving libtorch's own pool; libgomp's threads spin between parallel
// regions, which collapses throughput when cores are shared (measured 6x slower on a loaded
// 2-core machine). Both are read at load time, too late from main(), so this re-executes the
// program once with OPENBLAS_NUM_THREADS=1 and OMP_WAIT_POLICY=PASSIVE set (before MPI_Init in
// an MPI program). A user's own settings are kept. Returns only when nothing had to change (or
// the re-execution failed; the program then carries on as it is).
void ensure_thread_environment(char** argv);

// Threads beyond this many per core only compete for the cores (a typo such as 1000 ran for
// minutes), while a few per core can still help a machine that reports fewer cores than it has.
constexpr int kMaxThreadsPerCore = 4;

// The thread count to use for `requested`: InputError naming `where` when it is < 1; above
// kMaxThreadsPerCore × the cores, capped there with a warning.
int checked_thread_count(int requested, const std::string& where = "threads");

}  // namespace lnet
