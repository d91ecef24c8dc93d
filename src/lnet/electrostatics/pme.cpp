#include "lnet/electrostatics/pme.hpp"

#include <cmath>
#include <complex>
#include <vector>

#include "lnet/core/error.hpp"
#include "lnet/electrostatics/kernels.hpp"
#include "lnet/infer/bspline.hpp"

namespace lnet::es::detail {
namespace {

constexpr double kPi = 3.14159265358979323846;

// 1 / |b(m)|^2 of the B-spline interpolation (Essmann et al.), shared with the torch-free PME.
using infer::coulomb_detail::bspline_moduli;

// Spline weights W[k] = M_n(w + k) and derivatives dM_n(w + k)/dw, k = 0..n-1, for fractional
// offsets w in [0, 1): shape [N,3,n]. Polynomials in w, so twice differentiable for n >= 4.
std::pair<torch::Tensor, torch::Tensor> spline_weights(const torch::Tensor& w, int order) {
  std::vector<torch::Tensor> prev = {w, 1 - w};  // M_2(w), M_2(w + 1)
  torch::Tensor deriv;
  for (int p = 3; p <= order; ++p) {
    std::vector<torch::Tensor> next(p);
    for (int k = 0; k < p; ++k) {
      torch::Tensor t = torch::zeros_like(w);
      if (k < p - 1) t = t + (w + k) * prev[k];
      if (k > 0) t = t + (p - w - k) * prev[k - 1];
      next[k] = t / (p - 1);
    }
    if (p == order) {  // dM_n(x)/dx = M_{n-1}(x) - M_{n-1}(x - 1)
      std::vector<torch::Tensor> d(p);
      for (int k = 0; k < p; ++k) {
        torch::Tensor t = torch::zeros_like(w);
        if (k < p - 1) t = t + prev[k];
        if (k > 0) t = t - prev[k - 1];
        d[k] = t;
      }
      deriv = torch::stack(d, -1);
    }
    prev = std::move(next);
  }
  return {torch::stack(prev, -1), deriv};
}

// Ewald kernel on the r2c half mesh: (2 pi / V) exp(-k^2/4 alpha^2)/k^2 * |b(m)|^-2 times the
// multiplicity of the half spectrum; zero at m = 0. Differentiable in the cell (virial).
torch::Tensor influence_function(const torch::Tensor& cell, double alpha,
                                 const std::array<int, 3>& mesh, int order) {
  auto opts = cell.options();
  std::array<torch::Tensor, 3> freq, mod;
  for (int a = 0; a < 3; ++a) {
    const int size = mesh[a];
    const int len = a == 2 ? size / 2 + 1 : size;
    std::vector<double> f(len), md(len);
    std::vector<double> all = bspline_moduli(size, order);
    for (int m = 0; m < len; ++m) {
      f[m] = m <= size / 2 ? m : m - size;
      md[m] = all[m];
    }
    freq[a] = torch::tensor(f, torch::kFloat64).to(opts);
    mod[a] = torch::tensor(md, torch::kFloat64).to(opts);
  }
  const int64_t n0 = mesh[0], n1 = mesh[1], n2 = mesh[2] / 2 + 1;
  torch::Tensor m = torch::stack(
      {freq[0].view({n0, 1, 1}).expand({n0, n1, n2}), freq[1].view({1, n1, 1}).expand({n0, n1, n2}),
       freq[2].view({1, 1, n2}).expand({n0, n1, n2})},
      -1);
  torch::Tensor k = (2 * kPi) * m.matmul(torch::inverse(cell).t());
  torch::Tensor k2 = (k * k).sum(-1);
  torch::Tensor nonzero = k2 > 0;
  torch::Tensor safe_k2 = torch::where(nonzero, k2, torch::ones_like(k2));
  torch::Tensor g = torch::exp(-safe_k2 / (4 * alpha * alpha)) / safe_k2 * nonzero.to(opts.dtype());
  torch::Tensor bmod = mod[0].view({n0, 1, 1}) * mod[1].view({1, n1, 1}) * mod[2].view({1, 1, n2});
  std::vector<double> mult(n2, 2.0);
  mult[0] = 1.0;
  if (mesh[2] % 2 == 0) mult[n2 - 1] = 1.0;
  torch::Tensor multiplicity = torch::tensor(mult, torch::kFloat64).to(opts).view({1, 1, n2});
  return (2 * kPi) / cell_volume(cell) * g * bmod * multiplicity;
}

}  // namespace

torch::Tensor pme_reciprocal_energy(const Sites& sites, double alpha,
                                    const std::array<int, 3>& mesh, int order) {
  if (order < 3 || order > 8)
    throw Error("pme: B-spline order must be in 3..8, got " + std::to_string(order));
  auto opts = sites.positions.options();
  const int64_t n = sites.positions.size(0);
  torch::Tensor sizes =
      torch::tensor({double(mesh[0]), double(mesh[1]), double(mesh[2])}, torch::kFloat64).to(opts);
  torch::Tensor inv = torch::inverse(sites.cell);
  torch::Tensor u = sites.positions.matmul(inv) * sizes;  // mesh coordinates [N,3]
  torch::Tensor u0 = torch::floor(u.detach());
  auto [theta, dtheta] = spline_weights(u - u0, order);  // [N,3,n]

  // Mesh point for weight k along axis a: (u0_a - k) mod K_a, so that u_a - point = w_a + k.
  torch::Tensor k_offsets =
      torch::arange(order, torch::TensorOptions().dtype(torch::kInt64).device(opts.device()));
  torch::Tensor base = u0.to(torch::kInt64).unsqueeze(-1) - k_offsets;  // [N,3,n]
  torch::Tensor ksz =
      torch::tensor({int64_t(mesh[0]), int64_t(mesh[1]), int64_t(mesh[2])}).to(opts.device());
  torch::Tensor g = torch::remainder(base, ksz.view({1, 3, 1}));
  torch::Tensor index =
      (g.select(1, 0).view({n, order, 1, 1}) * mesh[1] + g.select(1, 1).view({n, 1, order, 1})) *
          mesh[2] +
      g.select(1, 2).view({n, 1, 1, order});

  auto axis = [&](const torch::Tensor& t, int a) {
    std::vector<int64_t> shape = {n, 1, 1, 1};
    shape[a + 1] = order;
    return t.select(1, a).view(shape);
  };
  torch::Tensor t0 = axis(theta, 0), t1 = axis(theta, 1), t2 = axis(theta, 2);
  torch::Tensor values = sites.charges.defined() ? sites.charges.view({n, 1, 1, 1}) * (t0 * t1 * t2)
                                                 : torch::zeros({n, order, order, order}, opts);
  if (sites.dipoles.defined()) {
    // mu . grad_r of the spline product; du_a/dr = K_a (h^-1)_{., a}.
    torch::Tensor mu = sites.dipoles.matmul(inv) * sizes;  // [N,3]
    auto mu_a = [&](int a) { return mu.select(1, a).view({n, 1, 1, 1}); };
    values = values + mu_a(0) * (axis(dtheta, 0) * t1 * t2) +
             mu_a(1) * (t0 * axis(dtheta, 1) * t2) + mu_a(2) * (t0 * t1 * axis(dtheta, 2));
  }
  torch::Tensor grid = torch::zeros({int64_t(mesh[0]) * mesh[1] * mesh[2]}, opts)
                           .index_add(0, index.reshape({-1}), values.reshape({-1}))
                           .view({mesh[0], mesh[1], mesh[2]});
  torch::Tensor spectrum = torch::view_as_real(torch::fft::rfftn(grid));
  torch::Tensor power = spectrum.pow(2).sum(-1);
  return (influence_function(sites.cell, alpha, mesh, order) * power).sum();
}

}  // namespace lnet::es::detail
