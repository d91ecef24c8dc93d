// libtorch's intra-op thread count, settable without torch headers (for the Python module,
// whose translation unit stays torch-free).
#pragma once
#include <string>

namespace lnet {

// Sets the number of threads libtorch uses for one evaluation (process-wide), after
// checked_thread_count (core/thread_environment.hpp): InputError naming `where` if `threads`
// < 1, capped with a warning far above the core count. Returns the count set.
int set_torch_threads(int threads, const std::string& where = "threads");
int torch_threads();

}  // namespace lnet
