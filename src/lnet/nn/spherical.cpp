#include "lnet/nn/spherical.hpp"

#include <cmath>
#include <map>
#include <mutex>
#include <tuple>

#include "lnet/core/error.hpp"

namespace lnet::nn {

std::vector<torch::Tensor> spherical_harmonics(const torch::Tensor& vectors, int lmax) {
  if (lmax < 0 || lmax > kMaxL)
    throw Error("spherical_harmonics: l_max must be in 0.." + std::to_string(kMaxL));
  auto u = vectors / vectors.norm(2, -1, true);
  auto x = u.select(-1, 0), y = u.select(-1, 1), z = u.select(-1, 2);
  std::vector<torch::Tensor> out;
  out.push_back(torch::ones_like(x).unsqueeze(-1));
  if (lmax >= 1) out.push_back(std::sqrt(3.0) * u);
  if (lmax >= 2) {
    const double s15 = std::sqrt(15.0), s5 = std::sqrt(5.0);
    out.push_back(torch::stack({s15 * x * y, s15 * y * z, 0.5 * s5 * (3 * z * z - 1), s15 * x * z,
                                0.5 * s15 * (x * x - y * y)},
                               -1));
  }
  if (lmax >= 3) {
    const double a = std::sqrt(35.0 / 8.0), b = std::sqrt(105.0), c = std::sqrt(21.0 / 8.0),
                 d = std::sqrt(7.0) / 2.0;
    auto z2 = z * z;
    out.push_back(torch::stack(
        {a * (3 * x * x - y * y) * y, b * x * y * z, c * y * (5 * z2 - 1), d * z * (5 * z2 - 3),
         c * x * (5 * z2 - 1), 0.5 * b * (x * x - y * y) * z, a * (x * x - 3 * y * y) * x},
        -1));
  }
  return out;
}

bool coupling_allowed(int l1, int l2, int l3) {
  return l3 >= std::abs(l1 - l2) && l3 <= l1 + l2 && (l1 + l2 + l3) % 2 == 0;
}

namespace {

// Gauss–Legendre nodes and weights on [-1, 1] by Newton iteration on P_n.
void gauss_legendre(int n, std::vector<double>& x, std::vector<double>& w) {
  x.resize(n);
  w.resize(n);
  for (int i = 0; i < n; ++i) {
    double t = std::cos(M_PI * (i + 0.75) / (n + 0.5)), dp = 0;
    for (int it = 0; it < 100; ++it) {
      double p0 = 1, p1 = t;
      for (int k = 2; k <= n; ++k) {
        double p2 = ((2 * k - 1) * t * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = n * (t * p1 - p0) / (t * t - 1);
      double dt = p1 / dp;
      t -= dt;
      if (std::abs(dt) < 1e-16) break;
    }
    x[i] = t;
    w[i] = 2 / ((1 - t * t) * dp * dp);
  }
}

// Points and weights (summing to 1) that integrate polynomials of degree <= 15 on the sphere
// exactly: Gauss–Legendre in cos(theta) times a uniform grid in phi.
std::pair<torch::Tensor, torch::Tensor> sphere_quadrature() {
  const int nt = 8, np = 16;
  std::vector<double> ct, wt;
  gauss_legendre(nt, ct, wt);
  auto pts = torch::empty({nt * np, 3}, torch::kFloat64);
  auto wts = torch::empty({nt * np}, torch::kFloat64);
  auto p = pts.accessor<double, 2>();
  auto w = wts.accessor<double, 1>();
  for (int i = 0; i < nt; ++i)
    for (int k = 0; k < np; ++k) {
      double phi = 2 * M_PI * k / np, st = std::sqrt(1 - ct[i] * ct[i]);
      int r = i * np + k;
      p[r][0] = st * std::cos(phi);
      p[r][1] = st * std::sin(phi);
      p[r][2] = ct[i];
      w[r] = wt[i] / (2.0 * np);
    }
  return {pts, wts};
}

}  // namespace

torch::Tensor coupling(int l1, int l2, int l3, torch::Dtype dtype) {
  if (!coupling_allowed(l1, l2, l3) || std::max({l1, l2, l3}) > kMaxL)
    throw Error("coupling: " + std::to_string(l1) + " x " + std::to_string(l2) + " -> " +
                std::to_string(l3) + " is not an allowed coupling");
  static std::mutex mutex;
  static std::map<std::tuple<int, int, int>, torch::Tensor> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto key = std::make_tuple(l1, l2, l3);
  auto it = cache.find(key);
  if (it == cache.end()) {
    torch::NoGradGuard no_grad;
    auto [pts, wts] = sphere_quadrature();
    auto y = spherical_harmonics(pts, kMaxL);
    auto c = torch::einsum("p,pa,pb,pc->abc", {wts, y[l1], y[l2], y[l3]});
    c = c * std::sqrt((2.0 * l3 + 1) / c.pow(2).sum().item<double>());
    // Quadrature noise (~1e-16) would break exact zeros; clean it.
    c = torch::where(c.abs() < 1e-13, torch::zeros_like(c), c);
    it = cache.emplace(key, c).first;
  }
  return it->second.to(dtype);
}

torch::Tensor wigner_d(int l, const torch::Tensor& rotation) {
  torch::NoGradGuard no_grad;
  auto r = rotation.to(torch::kFloat64);
  auto gen = torch::make_generator<at::CPUGeneratorImpl>(12345);
  auto v = torch::randn({64, 3}, gen, torch::kFloat64);
  auto y = spherical_harmonics(v, l)[l];                 // [P, M]
  auto yr = spherical_harmonics(v.matmul(r.t()), l)[l];  // Y(R v), [P, M]
  // yr = y D^T  ->  D^T = lstsq(y, yr)
  auto dt = std::get<0>(torch::linalg::lstsq(y, yr, c10::nullopt, c10::nullopt));
  return dt.t().contiguous();
}

}  // namespace lnet::nn
