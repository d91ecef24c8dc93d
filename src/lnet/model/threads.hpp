// libtorch's intra-op thread count, settable without torch headers (for the Python module,
// whose translation unit stays torch-free).
#pragma once

namespace lnet {

// Sets the number of threads libtorch uses for one evaluation (process-wide); InputError if
// `threads` < 1.
void set_torch_threads(int threads);
int torch_threads();

}  // namespace lnet
