#include "lnet/nn/spherical.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <tuple>

#include "lnet/core/error.hpp"
#include "lnet/infer/spherical.hpp"

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

bool coupling_allowed(int l1, int l2, int l3) { return infer::coupling_allowed(l1, l2, l3); }

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
    // The dense form of the engine's sparse table (one quadrature for both, so the reference
    // and the engine use the same coefficients to the bit).
    auto c = torch::zeros({2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1}, torch::kFloat64);
    auto a = c.accessor<double, 3>();
    for (const infer::CgEntry& e : infer::coupling(l1, l2, l3)) a[e.m1][e.m2][e.m3] = e.value;
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
