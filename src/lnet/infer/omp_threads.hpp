// OpenMP's team size and thread number (1 and 0 in a serial build), for the per-thread scratch
// and accumulators of the engine's loops.
#pragma once
#ifdef _OPENMP
#include <omp.h>
#endif

namespace lnet::infer {

#ifdef _OPENMP
inline int max_threads() { return omp_get_max_threads(); }
inline int thread_id() { return omp_get_thread_num(); }
#else
inline int max_threads() { return 1; }
inline int thread_id() { return 0; }
#endif

}  // namespace lnet::infer
