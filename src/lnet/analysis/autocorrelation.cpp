#include "lnet/analysis/autocorrelation.hpp"

#include <fftw3.h>

#include <complex>
#include <memory>
#include <string>

#include "lnet/core/error.hpp"

namespace lnet::analysis {
namespace {

struct FftwFree {
  void operator()(void* p) const { fftw_free(p); }
};
template <typename T>
using FftwBuffer = std::unique_ptr<T[], FftwFree>;

// Adds sum_i x_i·x_{i+k} (k = 0..max_lag) of one segment to `sums`, by |FFT|^2 of each
// zero-padded component and an inverse FFT (the Wiener–Khinchin theorem).
void add_lagged_products(const std::vector<Vec3>& x, std::size_t max_lag,
                         std::vector<double>& sums) {
  const std::size_t n = x.size();
  const std::size_t len = fft_size(2 * n);
  const std::size_t nc = len / 2 + 1;
  FftwBuffer<double> real(static_cast<double*>(fftw_malloc(sizeof(double) * len)));
  FftwBuffer<fftw_complex> spec(static_cast<fftw_complex*>(fftw_malloc(sizeof(fftw_complex) * nc)));
  if (!real || !spec)
    throw Error("autocorrelation: out of memory for an FFT of " + std::to_string(len) + " points");
  const int ilen = static_cast<int>(len);
  fftw_plan forward = fftw_plan_dft_r2c_1d(ilen, real.get(), spec.get(), FFTW_ESTIMATE);
  fftw_plan backward = fftw_plan_dft_c2r_1d(ilen, spec.get(), real.get(), FFTW_ESTIMATE);
  const std::size_t lags = std::min(max_lag + 1, n);
  for (int c = 0; c < 3; ++c) {
    for (std::size_t i = 0; i < len; ++i) real[i] = i < n ? x[i](c) : 0.0;
    fftw_execute(forward);
    for (std::size_t j = 0; j < nc; ++j) {
      spec[j][0] = spec[j][0] * spec[j][0] + spec[j][1] * spec[j][1];
      spec[j][1] = 0.0;
    }
    fftw_execute(backward);  // unnormalised: divide by len
    for (std::size_t k = 0; k < lags; ++k) sums[k] += real[k] / static_cast<double>(len);
  }
  fftw_destroy_plan(forward);
  fftw_destroy_plan(backward);
}

}  // namespace

std::size_t fft_size(std::size_t minimum) {
  for (std::size_t n = std::max<std::size_t>(minimum, 1);; ++n) {
    std::size_t m = n;
    for (std::size_t p : {2, 3, 5, 7})
      while (m % p == 0) m /= p;
    if (m == 1) return n;
  }
}

std::vector<double> autocorrelation(const std::vector<std::vector<Vec3>>& segments,
                                    std::size_t max_lag, AcfNormalisation normalisation) {
  std::vector<double> sums(max_lag + 1, 0.0), pairs(max_lag + 1, 0.0);
  double samples = 0.0;
  for (const auto& segment : segments) {
    if (segment.empty()) continue;
    add_lagged_products(segment, max_lag, sums);
    samples += static_cast<double>(segment.size());
    for (std::size_t k = 0; k <= max_lag && k < segment.size(); ++k)
      pairs[k] += static_cast<double>(segment.size() - k);
  }
  for (std::size_t k = 0; k <= max_lag; ++k) {
    if (pairs[k] == 0.0)
      throw Error("autocorrelation: no pair of samples " + std::to_string(k) +
                  " steps apart (the longest segment is shorter than max_lag + 1 = " +
                  std::to_string(max_lag + 1) + " samples)");
    sums[k] /= normalisation == AcfNormalisation::unbiased ? pairs[k] : samples;
  }
  return sums;
}

std::vector<Vec3> centred_difference(const std::vector<Vec3>& series, double dt) {
  if (!(dt > 0.0)) throw Error("centred_difference: time step must be positive");
  std::vector<Vec3> rate;
  if (series.size() < 3) return rate;
  rate.reserve(series.size() - 2);
  for (std::size_t i = 1; i + 1 < series.size(); ++i)
    rate.push_back((series[i + 1] - series[i - 1]) / (2.0 * dt));
  return rate;
}

}  // namespace lnet::analysis
