#include "lnet/electrostatics/direct_sum.hpp"

#include "lnet/electrostatics/kernels.hpp"

namespace lnet::es::detail {

torch::Tensor direct_energy(const Sites& sites) {
  const int64_t n = sites.positions.size(0);
  if (n < 2) return torch::zeros({}, sites.positions.options());
  torch::Tensor ij = torch::triu_indices(
      n, n, 1, torch::TensorOptions().dtype(torch::kInt64).device(sites.positions.device()));
  torch::Tensor i = ij[0], j = ij[1];
  torch::Tensor rvec = sites.positions.index_select(0, j) - sites.positions.index_select(0, i);
  return sum_pairs(sites, i, j, rvec, 0.0);
}

}  // namespace lnet::es::detail
