#include "lnet/electrostatics/ewald.hpp"

#include <cmath>

#include "lnet/electrostatics/kernels.hpp"

namespace lnet::es::detail {
namespace {
constexpr double kPi = 3.14159265358979323846;
}

torch::Tensor half_space_kvectors(const torch::Tensor& cell, const std::array<int, 3>& kmax) {
  torch::Tensor h = cell.detach().to(torch::kCPU, torch::kFloat64);
  torch::Tensor recip = torch::inverse(h).t().contiguous();  // rows b_a with a_a . b_b = delta
  double k_cut = INFINITY;
  for (int a = 0; a < 3; ++a)
    k_cut = std::min(k_cut, 2 * kPi * kmax[a] / h[a].norm().item<double>());
  const double* b = recip.data_ptr<double>();
  std::vector<double> ms;
  for (int m0 = 0; m0 <= kmax[0]; ++m0)
    for (int m1 = (m0 == 0 ? 0 : -kmax[1]); m1 <= kmax[1]; ++m1)
      for (int m2 = (m0 == 0 && m1 == 0 ? 1 : -kmax[2]); m2 <= kmax[2]; ++m2) {
        double k2 = 0;
        for (int d = 0; d < 3; ++d) {
          double kd = 2 * kPi * (m0 * b[d] + m1 * b[3 + d] + m2 * b[6 + d]);
          k2 += kd * kd;
        }
        if (k2 > k_cut * k_cut * (1 + 1e-12)) continue;
        ms.insert(ms.end(), {double(m0), double(m1), double(m2)});
      }
  auto count = static_cast<int64_t>(ms.size() / 3);
  return torch::from_blob(ms.data(), {count, 3}, torch::kFloat64)
      .to(cell.device(), cell.scalar_type(), false, /*copy=*/true);
}

torch::Tensor ewald_reciprocal_energy(const Sites& sites, double alpha,
                                      const std::array<int, 3>& kmax) {
  torch::Tensor m = half_space_kvectors(sites.cell, kmax);
  if (m.size(0) == 0) return torch::zeros({}, sites.positions.options());
  torch::Tensor k = (2 * kPi) * m.matmul(torch::inverse(sites.cell).t());  // [K,3]
  torch::Tensor k2 = (k * k).sum(-1);
  torch::Tensor phase = sites.positions.matmul(k.t());  // [N,K]
  torch::Tensor c = torch::cos(phase), s = torch::sin(phase);
  // (q + i mu.k)(cos + i sin): Re = q cos - (mu.k) sin, Im = q sin + (mu.k) cos.
  torch::Tensor re = torch::zeros_like(k2), im = torch::zeros_like(k2);
  if (sites.charges.defined()) {
    re = re + sites.charges.matmul(c);
    im = im + sites.charges.matmul(s);
  }
  if (sites.dipoles.defined()) {
    torch::Tensor muk = sites.dipoles.matmul(k.t());  // [N,K]
    re = re - (muk * s).sum(0);
    im = im + (muk * c).sum(0);
  }
  torch::Tensor weight = torch::exp(-k2 / (4 * alpha * alpha)) / k2;
  // Factor 2: only one of each pair (k, -k) is summed.
  return (4 * kPi) / cell_volume(sites.cell) * (weight * (re * re + im * im)).sum();
}

}  // namespace lnet::es::detail
