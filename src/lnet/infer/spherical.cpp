#include "lnet/infer/spherical.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <tuple>

namespace lnet::infer {

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

// Real Gaunt integrals over a quadrature exact for degree <= 15 on the sphere (Gauss–Legendre in
// cos(theta) times a uniform grid in phi), scaled so that sum C^2 = 2 l3 + 1 and cleaned of
// quadrature noise. nn::coupling is the dense form of this table.
std::vector<CgEntry> compute_coupling(int l1, int l2, int l3) {
  const int nt = 8, np = 16;
  std::vector<double> ct, wt;
  gauss_legendre(nt, ct, wt);
  const int n1 = 2 * l1 + 1, n2 = 2 * l2 + 1, n3 = 2 * l3 + 1;
  std::vector<double> c(n1 * n2 * n3, 0.0);
  double y[kMaxLm], dy[3 * kMaxLm];
  for (int i = 0; i < nt; ++i)
    for (int k = 0; k < np; ++k) {
      const double phi = 2 * M_PI * k / np, st = std::sqrt(1 - ct[i] * ct[i]);
      const double w = wt[i] / (2.0 * np);
      spherical_harmonics(st * std::cos(phi), st * std::sin(phi), ct[i], kMaxL, y, dy);
      for (int a = 0; a < n1; ++a)
        for (int b = 0; b < n2; ++b)
          for (int d = 0; d < n3; ++d)
            c[(a * n2 + b) * n3 + d] += w * y[l1 * l1 + a] * y[l2 * l2 + b] * y[l3 * l3 + d];
    }
  double norm = 0;
  for (double v : c) norm += v * v;
  const double scale = std::sqrt((2.0 * l3 + 1) / norm);
  std::vector<CgEntry> out;
  for (int a = 0; a < n1; ++a)
    for (int b = 0; b < n2; ++b)
      for (int d = 0; d < n3; ++d) {
        const double v = c[(a * n2 + b) * n3 + d] * scale;
        if (std::abs(v) >= 1e-13) out.push_back({a, b, d, v});
      }
  return out;
}

}  // namespace

const std::vector<CgEntry>& coupling(int l1, int l2, int l3) {
  if (!coupling_allowed(l1, l2, l3) || std::max({l1, l2, l3}) > kMaxL)
    throw std::invalid_argument("infer::coupling: " + std::to_string(l1) + " x " +
                                std::to_string(l2) + " -> " + std::to_string(l3) +
                                " is not an allowed coupling");
  static std::mutex mutex;
  static std::map<std::tuple<int, int, int>, std::vector<CgEntry>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto key = std::make_tuple(l1, l2, l3);
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, compute_coupling(l1, l2, l3)).first;
  return it->second;
}

}  // namespace lnet::infer
