#include "lnet/model/threads.hpp"

#include "lnet/core/thread_environment.hpp"
#include "lnet/pch/torch_pch.hpp"

namespace lnet {

int set_torch_threads(int threads, const std::string& where) {
  const int n = checked_thread_count(threads, where);
  torch::set_num_threads(n);
  return n;
}

int torch_threads() { return torch::get_num_threads(); }

}  // namespace lnet
