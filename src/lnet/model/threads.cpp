#include "lnet/model/threads.hpp"

#include <string>

#include "lnet/core/error.hpp"
#include "lnet/pch/torch_pch.hpp"

namespace lnet {

void set_torch_threads(int threads) {
  if (threads < 1)
    throw InputError("threads", "expected a positive number, got " + std::to_string(threads));
  torch::set_num_threads(threads);
}

int torch_threads() { return torch::get_num_threads(); }

}  // namespace lnet
