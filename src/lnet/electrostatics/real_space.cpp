#include "lnet/electrostatics/real_space.hpp"

#include "lnet/core/neighbor_list.hpp"
#include "lnet/electrostatics/kernels.hpp"

namespace lnet::es::detail {
namespace {

bool positive_shift(const std::array<int, 3>& s) {
  if (s[0] != 0) return s[0] > 0;
  if (s[1] != 0) return s[1] > 0;
  return s[2] > 0;
}

}  // namespace

PairList half_pair_list(const Sites& sites, double cutoff) {
  // The list is built from detached float64 values; only the distances carry gradients.
  torch::Tensor pos = sites.positions.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  torch::Tensor cell = sites.cell.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  const int64_t n = pos.size(0);
  std::vector<Vec3> positions(n);
  const double* p = pos.data_ptr<double>();
  for (int64_t a = 0; a < n; ++a) positions[a] = Vec3(p[3 * a], p[3 * a + 1], p[3 * a + 2]);
  Mat3 h;
  const double* c = cell.data_ptr<double>();
  for (int r = 0; r < 3; ++r)
    for (int k = 0; k < 3; ++k) h(r, k) = c[3 * r + k];
  NeighborList list = build_neighbor_list(positions, h, {true, true, true}, cutoff);

  std::vector<int64_t> first, second;
  std::vector<double> shifts;
  first.reserve(list.size() / 2 + 1);
  second.reserve(list.size() / 2 + 1);
  shifts.reserve(3 * (list.size() / 2 + 1));
  for (std::size_t k = 0; k < list.size(); ++k) {
    const int a = list.first[k], b = list.second[k];
    if (a > b || (a == b && !positive_shift(list.shifts[k]))) continue;
    first.push_back(a);
    second.push_back(b);
    for (int d = 0; d < 3; ++d) shifts.push_back(list.shifts[k][d]);
  }
  const auto m = static_cast<int64_t>(first.size());
  auto device = sites.positions.device();
  PairList out;
  out.i = torch::tensor(first, torch::kInt64).to(device);
  out.j = torch::tensor(second, torch::kInt64).to(device);
  out.shifts = torch::from_blob(shifts.data(), {m, 3}, torch::kFloat64)
                   .to(device, sites.positions.scalar_type(), false, /*copy=*/true);
  return out;
}

torch::Tensor pair_vectors(const Sites& sites, const PairList& pairs) {
  return sites.positions.index_select(0, pairs.j) - sites.positions.index_select(0, pairs.i) +
         pairs.shifts.matmul(sites.cell);
}

torch::Tensor real_space_energy(const Sites& sites, double alpha, double cutoff) {
  PairList pairs = half_pair_list(sites, cutoff);
  if (pairs.i.numel() == 0) return torch::zeros({}, sites.positions.options());
  return sum_pairs(sites, pairs.i, pairs.j, pair_vectors(sites, pairs), alpha, cutoff);
}

}  // namespace lnet::es::detail
