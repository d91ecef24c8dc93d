// OpenMP's team size and thread number (1 and 0 in a serial build), for the per-thread scratch
// and accumulators of the engine's loops, and the loop over the structures of a batch.
#pragma once
#include <exception>
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

// body(engine, k) for the structures k in [0, n) of a batch, spread over the OpenMP threads one
// structure at a time, with one engine per thread from make() (its networks keep the state of
// their last pass). Exceptions must not leave a parallel region: the first is rethrown after it.
template <class Make, class Body>
void for_each_structure(int n, const Make& make, const Body& body) {
  std::exception_ptr error;
#pragma omp parallel
  {
    auto engine = make();
#pragma omp for schedule(dynamic, 1)
    for (int k = 0; k < n; ++k) {
      try {
        body(engine, k);
      } catch (...) {
#pragma omp critical
        if (!error) error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace lnet::infer
