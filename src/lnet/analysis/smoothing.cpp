#include "lnet/analysis/smoothing.hpp"

#include <cmath>
#include <cstddef>

#include "lnet/core/error.hpp"

namespace lnet::analysis {

std::vector<double> gaussian_smooth(const std::vector<double>& y, double dx, double fwhm) {
  if (fwhm <= 0.0 || y.size() < 2) return y;
  if (!(dx > 0.0)) throw Error("gaussian_smooth: grid spacing must be positive");
  const double sigma = fwhm / (2.0 * std::sqrt(2.0 * std::log(2.0))) / dx;  // in points
  const auto reach = static_cast<long>(std::ceil(5.0 * sigma));
  std::vector<double> kernel(static_cast<std::size_t>(reach) + 1);
  double norm = 0.0;
  for (long j = 0; j <= reach; ++j) {
    kernel[j] = std::exp(-0.5 * (j / sigma) * (j / sigma));
    norm += j == 0 ? kernel[j] : 2.0 * kernel[j];
  }
  const long n = static_cast<long>(y.size());
  auto reflect = [n](long i) {  // even continuation about 0 and n - 1
    const long period = 2 * (n - 1);
    i %= period;
    if (i < 0) i += period;
    return i < n ? i : period - i;
  };
  std::vector<double> out(y.size(), 0.0);
  for (long i = 0; i < n; ++i) {
    double sum = kernel[0] * y[i];
    for (long j = 1; j <= reach; ++j) sum += kernel[j] * (y[reflect(i - j)] + y[reflect(i + j)]);
    out[i] = sum / norm;
  }
  return out;
}

double integrate(const std::vector<double>& x, const std::vector<double>& y, double lo, double hi) {
  if (x.size() != y.size()) throw Error("integrate: x and y differ in length");
  double sum = 0.0;
  for (std::size_t i = 0; i + 1 < x.size(); ++i)
    if (x[i] >= lo && x[i + 1] <= hi) sum += 0.5 * (y[i] + y[i + 1]) * (x[i + 1] - x[i]);
  return sum;
}

}  // namespace lnet::analysis
