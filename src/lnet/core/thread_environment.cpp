#include "lnet/core/thread_environment.hpp"

#include <unistd.h>

#include <cstdlib>

namespace lnet {

void ensure_thread_environment(char** argv) {
  if (std::getenv("OPENBLAS_NUM_THREADS") && std::getenv("OMP_WAIT_POLICY")) return;
  setenv("OPENBLAS_NUM_THREADS", "1", 0);
  setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
  execv("/proc/self/exe", argv);  // returns only on failure
}

}  // namespace lnet
