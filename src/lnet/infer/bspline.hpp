// Cardinal B-splines of smooth PME (Essmann et al. 1995) with their first and second
// derivatives, as es::detail::pme_reciprocal_energy builds them (DESIGN.md §1.5).
#pragma once
#include <array>
#include <vector>

namespace lnet::infer::coulomb_detail {

constexpr int kMaxOrder = 8;

// M_n(w + k) and its first two derivatives in w, k = 0..n-1, for an offset w in [0, 1).
struct SplineWeights {
  std::array<double, kMaxOrder> value{}, d1{}, d2{};
};

// By the recursion M_p(x) = [x M_{p-1}(x) + (p - x) M_{p-1}(x - 1)] / (p - 1) from M_2, and
// M_n' (x) = M_{n-1}(x) - M_{n-1}(x - 1), M_n''(x) = M_{n-2}(x) - 2 M_{n-2}(x-1) + M_{n-2}(x-2).
// Needs 4 <= order <= kMaxOrder (M_n'' continuous). Without `second`, d2 stays zero (point
// charges need no second derivatives).
inline SplineWeights spline_weights(double w, int order, bool second = true) {
  // inverse[k] = 1 / k, so that the recursion multiplies (it runs for every site twice per step).
  static constexpr double inverse[kMaxOrder + 1] = {0,       1.0,     1.0 / 2, 1.0 / 3, 1.0 / 4,
                                                    1.0 / 5, 1.0 / 6, 1.0 / 7, 1.0 / 8};
  std::array<double, kMaxOrder> prev{}, next{}, prev2{};
  prev[0] = w;  // M_2(w), M_2(w + 1)
  prev[1] = 1 - w;
  if (order == 4) prev2 = prev;
  SplineWeights out;
  for (int p = 3; p <= order; ++p) {
    for (int k = 0; k < p; ++k) {
      double t = 0;
      if (k < p - 1) t = t + (w + k) * prev[k];
      if (k > 0) t = t + (p - w - k) * prev[k - 1];
      next[k] = t * inverse[p - 1];
    }
    if (p == order) {
      for (int k = 0; k < p; ++k) {
        double t = 0;
        if (k < p - 1) t = t + prev[k];
        if (k > 0) t = t - prev[k - 1];
        out.d1[k] = t;
      }
    }
    prev = next;
    if (p == order - 2) prev2 = prev;
  }
  out.value = prev;
  if (!second) return out;
  for (int k = 0; k < order; ++k) {  // prev2 holds M_{n-2}(w + k), k = 0..n-3
    double t = 0;
    if (k <= order - 3) t += prev2[k];
    if (k >= 1 && k - 1 <= order - 3) t -= 2 * prev2[k - 1];
    if (k >= 2) t += prev2[k - 2];
    out.d2[k] = t;
  }
  return out;
}

// 1/|b(m)|^2 for m = 0..size-1 (es::detail::bspline_moduli, zeros averaged as Essmann's code).
std::vector<double> bspline_moduli(int size, int order);

}  // namespace lnet::infer::coulomb_detail
