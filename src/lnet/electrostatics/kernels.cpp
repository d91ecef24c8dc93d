#include "lnet/electrostatics/kernels.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <cmath>

namespace lnet::es::detail {
namespace {

constexpr double kPi = 3.14159265358979323846;

// erfc(beta r)/r and its B1, B2 by the recursion of Smith (1998):
// B_l = [(2l-1) B_{l-1} + (2 beta^2)^l / (beta sqrt(pi)) exp(-beta^2 r^2)] / r^2.
// `beta` is a double or a per-pair tensor.
template <class Beta>
Radial erfc_radial(const torch::Tensor& r, const Beta& beta, bool dipoles) {
  Radial b;
  b.b0 = torch::erfc(beta * r) / r;
  if (!dipoles) return b;  // charges only need B0; autograd supplies its derivatives
  torch::Tensor inv_r2 = 1.0 / (r * r);
  torch::Tensor gauss = torch::exp(-(beta * beta) * (r * r)) * (2.0 / std::sqrt(kPi));
  b.b1 = (b.b0 + gauss * beta) * inv_r2;
  b.b2 = (3.0 * b.b1 + gauss * (2.0 * (beta * beta * beta))) * inv_r2;
  return b;
}

// Subtracts mask * erfc(r/(sqrt2 g))/r (and its B1, B2) from `b`. Pairs with g = 0 (point
// sites) get mask 0 and a harmless width 1 so that no inf/NaN enters the graph or its gradient.
void subtract_gaussian_tail(Radial& b, const torch::Tensor& r, const torch::Tensor& g2,
                            bool dipoles) {
  if (!g2.defined()) return;
  torch::Tensor positive = g2 > 0;
  torch::Tensor mask = positive.to(r.scalar_type());
  torch::Tensor safe_g2 = torch::where(positive, g2, torch::ones_like(g2));
  torch::Tensor beta = torch::rsqrt(2.0 * safe_g2);
  Radial t = erfc_radial(r, beta, dipoles);
  b.b0 = b.b0 - mask * t.b0;
  if (!dipoles) return;
  b.b1 = b.b1 - mask * t.b1;
  b.b2 = b.b2 - mask * t.b2;
}

torch::Tensor rowdot(const torch::Tensor& a, const torch::Tensor& b) { return (a * b).sum(-1); }

}  // namespace

torch::Tensor pair_width2(const torch::Tensor& sigma, const torch::Tensor& i,
                          const torch::Tensor& j) {
  if (!sigma.defined()) return {};
  torch::Tensor s2 = sigma * sigma;
  return s2.index_select(0, i) + s2.index_select(0, j);
}

Radial ewald_real_kernel(const torch::Tensor& r, double alpha, const torch::Tensor& g2,
                         bool dipoles) {
  Radial b = erfc_radial(r, alpha, dipoles);
  subtract_gaussian_tail(b, r, g2, dipoles);
  return b;
}

Radial gaussian_kernel(const torch::Tensor& r, const torch::Tensor& g2, bool dipoles) {
  Radial b;
  b.b0 = 1.0 / r;
  if (dipoles) {
    torch::Tensor inv_r2 = 1.0 / (r * r);
    b.b1 = b.b0 * inv_r2;
    b.b2 = 3.0 * b.b1 * inv_r2;
  }
  subtract_gaussian_tail(b, r, g2, dipoles);
  return b;
}

torch::Tensor pair_energy(const Radial& b, const torch::Tensor& rvec, const torch::Tensor& qi,
                          const torch::Tensor& qj, const torch::Tensor& mui,
                          const torch::Tensor& muj) {
  torch::Tensor e = qi.defined() ? qi * qj * b.b0 : torch::zeros_like(b.b0);
  if (mui.defined()) {
    torch::Tensor mi_r = rowdot(mui, rvec);
    torch::Tensor mj_r = rowdot(muj, rvec);
    if (qi.defined()) e = e + b.b1 * (qj * mi_r - qi * mj_r);
    e = e + b.b1 * rowdot(mui, muj) - b.b2 * mi_r * mj_r;
  }
  return e;
}

torch::Tensor sum_pairs(const Sites& sites, const torch::Tensor& i, const torch::Tensor& j,
                        const torch::Tensor& rvec, double ewald_alpha, double cutoff) {
  torch::Tensor r = rvec.norm(2, -1);
  torch::Tensor g2 = pair_width2(sites.sigma, i, j);
  bool dipoles = sites.dipoles.defined();
  Radial b = ewald_alpha > 0 ? ewald_real_kernel(r, ewald_alpha, g2, dipoles)
                             : gaussian_kernel(r, g2, dipoles);
  if (ewald_alpha > 0 && cutoff > 0)  // charge-charge term shifted to zero at the cutoff
    b.b0 = b.b0 - ewald_real_kernel(torch::full_like(r, cutoff), ewald_alpha, g2, false).b0;
  torch::Tensor qi, qj, mui, muj;
  if (sites.charges.defined()) {
    qi = sites.charges.index_select(0, i);
    qj = sites.charges.index_select(0, j);
  }
  if (dipoles) {
    mui = sites.dipoles.index_select(0, i);
    muj = sites.dipoles.index_select(0, j);
  }
  return pair_energy(b, rvec, qi, qj, mui, muj).sum();
}

torch::Tensor ewald_self_energy(const Sites& sites, double alpha) {
  torch::Tensor e = torch::zeros({}, sites.positions.options());
  if (sites.charges.defined())
    e = e - alpha / std::sqrt(kPi) * (sites.charges * sites.charges).sum();
  if (sites.dipoles.defined())
    e = e - 2.0 * alpha * alpha * alpha / (3.0 * std::sqrt(kPi)) *
                (sites.dipoles * sites.dipoles).sum();
  return e;
}

torch::Tensor background_energy(const Sites& sites, double alpha) {
  if (!sites.charges.defined()) return torch::zeros({}, sites.positions.options());
  torch::Tensor total = sites.charges.sum();
  // Tolerance: round-off of a sum of O(N) unit charges in float32 stays below 1e-4 e.
  double q = total.detach().item<double>();
  if (std::abs(q) > 1e-4) {
    static std::atomic<bool> warned{false};
    if (!warned.exchange(true))
      spdlog::warn(
          "electrostatics: net charge {:.6g} e; adding the uniform neutralising background "
          "-pi Q^2/(2 V alpha^2) (reported once)",
          q);
  }
  return -kPi * total * total / (2.0 * cell_volume(sites.cell) * alpha * alpha);
}

torch::Tensor cell_volume(const torch::Tensor& cell) { return torch::det(cell).abs(); }

}  // namespace lnet::es::detail
