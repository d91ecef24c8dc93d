#include "lnet/infer/coulomb_table.hpp"

#include <cmath>
#include <map>
#include <mutex>
#include <tuple>

namespace lnet::infer::coulomb_detail {
namespace {

// B_0 .. B_m of erfc(beta r)/r, added with `sign` (the recursion of erfc_radial).
void add_erfc_series(double r, double beta, int m, double sign, double* out) {
  const double inv_r2 = 1.0 / (r * r);
  const double gauss = std::exp(-(beta * beta) * (r * r)) * (2.0 / std::sqrt(kPi));
  double b = std::erfc(beta * r) / r, c = beta;  // c = beta (2 beta^2)^(l-1)
  out[0] += sign * b;
  for (int l = 1; l <= m; ++l) {
    b = ((2 * l - 1) * b + gauss * c) * inv_r2;
    c *= 2 * beta * beta;
    out[l] += sign * b;
  }
}

}  // namespace

void ewald_real_series(double r, double alpha, double g2, int m, double* out) {
  for (int l = 0; l <= m; ++l) out[l] = 0;
  add_erfc_series(r, alpha, m, 1.0, out);
  if (g2 > 0) add_erfc_series(r, 1.0 / std::sqrt(2.0 * g2), m, -1.0, out);
}

RealKernelTable::RealKernelTable(double alpha, double g2, double cutoff, bool dipoles)
    : dipoles_(dipoles), stride_((dipoles ? 3 : 1) + kTableOrder + 1) {
  s_min_ = kTableMinDistance * kTableMinDistance;
  if (!(cutoff > kTableMinDistance) || !(alpha > 0)) return;
  // A first spacing that meets the error for the bare 1/r at r_min (relative Taylor remainder
  // ~ 70 (h / 2 s)^(K+1)); sharp Gaussians may need finer ones.
  for (double h = 0.05 * s_min_; !build(alpha, g2, cutoff, h); h *= 0.5)
    if ((cutoff * cutoff - s_min_) / h > double(kTableMaxNodes)) {
      values_.clear();
      return;
    }
}

bool RealKernelTable::build(double alpha, double g2, double cutoff, double h) {
  const double s_max = cutoff * cutoff;
  nodes_ = static_cast<std::size_t>((s_max - s_min_) / h + 0.5) + 2;
  if (nodes_ > kTableMaxNodes) return false;
  h_ = h;
  inv_h_ = 1.0 / h;
  values_.assign(nodes_ * stride_, 0.0);
  const int m = stride_ - 1;
  for (std::size_t n = 0; n < nodes_; ++n) {
    double* v = values_.data() + n * stride_;
    ewald_real_series(std::sqrt(s_min_ + double(n) * h), alpha, g2, m, v);
    double scale = 1;
    for (int l = 0; l <= m; ++l, scale *= -0.5) v[l] *= scale;
  }
  const int lmax = dipoles_ ? 3 : 1;
  double exact[4];
  checked_error_ = 0;
  for (std::size_t n = 0; n + 1 < nodes_; ++n) {
    const double s = s_min_ + (double(n) + 0.5) * h;
    if (s > s_max) break;
    const double r = std::sqrt(s);
    ewald_real_series(r, alpha, g2, lmax, exact);
    const Radial b = (*this)(s);
    const double got[4] = {b.b0, b.b1, b.b2, b.b3};
    double bare = 1.0 / r;  // (2l-1)!! / r^(2l+1)
    for (int l = 0; l <= lmax; ++l) {
      const double e = std::abs(got[l] - exact[l]) / bare;
      if (!(e <= kTableError)) {
        checked_error_ = e;
        return false;
      }
      checked_error_ = std::max(checked_error_, e);
      bare *= (2 * l + 1) / s;
    }
  }
  return true;
}

std::shared_ptr<const RealKernelTable> real_kernel_table(double alpha, double g2, double cutoff,
                                                         bool dipoles) {
  using Key = std::tuple<double, double, double, bool>;
  static std::mutex mutex;
  static std::map<Key, std::shared_ptr<const RealKernelTable>> cache;
  const Key key{alpha, g2, cutoff, dipoles};
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  // A run that keeps changing alpha or the cutoff (NPT re-tuning) must not grow the cache
  // without bound; tables are cheap to rebuild (milliseconds).
  if (cache.size() >= 64) cache.clear();
  auto table = std::make_shared<const RealKernelTable>(alpha, g2, cutoff, dipoles);
  cache.emplace(key, table);
  return table;
}

}  // namespace lnet::infer::coulomb_detail
