#include "lnet/analysis/peaks.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "lnet/core/error.hpp"

namespace lnet::analysis {
namespace {

// x where y crosses `level` walking from sample i in direction `step` (+1 or -1); NaN if an
// end is reached first.
double crossing(const std::vector<double>& x, const std::vector<double>& y, std::size_t i, int step,
                double level) {
  auto j = static_cast<long>(i);
  const auto n = static_cast<long>(y.size());
  while (j + step >= 0 && j + step < n) {
    const long k = j + step;
    if (y[k] <= level) return x[j] + (x[k] - x[j]) * (y[j] - level) / (y[j] - y[k]);
    j = k;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

std::vector<Peak> find_peaks(const std::vector<double>& x, const std::vector<double>& y,
                             double min_relative_height) {
  if (x.size() != y.size()) throw Error("find_peaks: x and y differ in length");
  std::vector<Peak> peaks;
  if (y.size() < 3) return peaks;
  const double top = *std::max_element(y.begin(), y.end());
  const double threshold = min_relative_height * top;
  for (std::size_t i = 1; i + 1 < y.size(); ++i) {
    if (!(y[i] > y[i - 1] && y[i] >= y[i + 1] && y[i] > threshold)) continue;
    // Parabola through (i-1, i, i+1): vertex offset d = (y- - y+) / (2 (y- - 2 y0 + y+)).
    const double ym = y[i - 1], y0 = y[i], yp = y[i + 1];
    const double curvature = ym - 2.0 * y0 + yp;
    const double d = curvature < 0.0 ? 0.5 * (ym - yp) / curvature : 0.0;
    Peak p;
    p.index = i;
    p.position = x[i] + d * (x[i + 1] - x[i]);
    p.height = y0 - 0.25 * (ym - yp) * d;
    const double half = 0.5 * p.height;
    p.fwhm = crossing(x, y, i, +1, half) - crossing(x, y, i, -1, half);
    peaks.push_back(p);
  }
  std::sort(peaks.begin(), peaks.end(),
            [](const Peak& a, const Peak& b) { return a.position < b.position; });
  return peaks;
}

}  // namespace lnet::analysis
