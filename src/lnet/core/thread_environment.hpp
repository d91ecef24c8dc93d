// Process settings of the executables (lnet, lnet-lammps): the thread environment the libraries
// read at load time and the allocator's, and the one rule for a requested thread count (CLI,
// Python, LAMMPS).
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

// Training allocates and frees the same large buffers every step (the radial MLP of all edges
// and its reverse pass: tens of MB per layer). glibc serves blocks above its mmap threshold (32 MB
// at most) with fresh mappings and unmaps them on free, so each step page-faults them in again.
// This serves every block from the heap and keeps freed memory there for the next step: the
// engine's training step ran 1.2x faster (bench/README.md) at the same peak memory. No-op
// without glibc.
void keep_freed_memory();

// Threads beyond this many per core only compete for the cores (a typo such as 1000 ran for
// minutes), while a few per core can still help a machine that reports fewer cores than it has.
constexpr int kMaxThreadsPerCore = 4;

// The thread count to use for `requested`: InputError naming `where` when it is < 1; above
// kMaxThreadsPerCore × the cores, capped there with a warning.
int checked_thread_count(int requested, const std::string& where = "threads");

}  // namespace lnet
