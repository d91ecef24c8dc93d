#include "lnet/core/thread_environment.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <thread>

#include "lnet/core/error.hpp"

namespace lnet {

void ensure_thread_environment(char** argv) {
  if (std::getenv("OPENBLAS_NUM_THREADS") && std::getenv("OMP_WAIT_POLICY")) return;
  setenv("OPENBLAS_NUM_THREADS", "1", 0);
  setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
  execv("/proc/self/exe", argv);  // returns only on failure
}

void keep_freed_memory() {
#ifdef __GLIBC__
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, INT_MAX);
#endif
}

int checked_thread_count(int requested, const std::string& where) {
  if (requested < 1)
    throw InputError(where, "expected a positive number, got " + std::to_string(requested));
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const int most = kMaxThreadsPerCore * cores;
  if (requested <= most) return requested;
  spdlog::warn(
      "{}: {} requested, using {} ({} per core on this machine's {}): more threads than "
      "that only compete for the cores",
      where, requested, most, kMaxThreadsPerCore, cores);
  return most;
}

}  // namespace lnet
