#include <gtest/gtest.h>

#include <random>

#include "lnet/analysis/autocorrelation.hpp"
#include "lnet/core/error.hpp"

namespace lnet::analysis {
namespace {

std::vector<Vec3> random_series(std::size_t n, std::mt19937_64& rng) {
  std::normal_distribution<double> g(0.3, 1.0);  // nonzero mean: no centring is done
  std::vector<Vec3> x(n);
  for (Vec3& v : x) v = Vec3(g(rng), g(rng), g(rng));
  return x;
}

// The definition, O(N^2): pooled sums of x_i·x_{i+k} over segments.
std::vector<double> direct(const std::vector<std::vector<Vec3>>& segs, std::size_t max_lag,
                           bool unbiased) {
  std::vector<double> c(max_lag + 1, 0.0), pairs(max_lag + 1, 0.0);
  double samples = 0.0;
  for (const auto& s : segs) {
    samples += s.size();
    for (std::size_t k = 0; k <= max_lag && k < s.size(); ++k)
      for (std::size_t i = 0; i + k < s.size(); ++i) c[k] += s[i].dot(s[i + k]), pairs[k] += 1;
  }
  for (std::size_t k = 0; k <= max_lag; ++k) c[k] /= unbiased ? pairs[k] : samples;
  return c;
}

TEST(Autocorrelation, EqualsDirectSumOverSegmentsWithoutWrapAround) {
  std::mt19937_64 rng(7);
  // Segments of different lengths; lags beyond the short one come from the long one only.
  // A circular (unpadded) correlation would differ at O(1) relative at long lags.
  const std::vector<std::vector<Vec3>> segs{random_series(100, rng), random_series(37, rng)};
  for (bool unbiased : {true, false}) {
    const auto fft =
        autocorrelation(segs, 60, unbiased ? AcfNormalisation::unbiased : AcfNormalisation::biased);
    const auto ref = direct(segs, 60, unbiased);
    ASSERT_EQ(fft.size(), ref.size());
    // FFT round-off ~ 1e-15 relative to C(0) (~3.3).
    for (std::size_t k = 0; k < ref.size(); ++k) EXPECT_NEAR(fft[k], ref[k], 1e-12) << k;
  }
}

TEST(Autocorrelation, RejectsLagsLongerThanTheData) {
  std::mt19937_64 rng(1);
  EXPECT_THROW(autocorrelation({random_series(10, rng)}, 10), Error);
}

TEST(CentredDifference, ExactForQuadratics) {
  const double dt = 0.5;
  std::vector<Vec3> m;
  for (int i = 0; i < 6; ++i) {
    const double t = i * dt;
    m.emplace_back(1.0 + 2.0 * t + 3.0 * t * t, -t * t, 4.0);
  }
  const auto rate = centred_difference(m, dt);
  ASSERT_EQ(rate.size(), 4u);
  for (std::size_t i = 0; i < rate.size(); ++i) {
    const double t = (i + 1) * dt;  // rate[i] belongs to sample i + 1
    EXPECT_NEAR(rate[i](0), 2.0 + 6.0 * t, 1e-12);
    EXPECT_NEAR(rate[i](1), -2.0 * t, 1e-12);
    EXPECT_NEAR(rate[i](2), 0.0, 1e-12);
  }
}

TEST(FftSize, SmallestSevenSmoothNumber) {
  EXPECT_EQ(fft_size(1), 1u);
  EXPECT_EQ(fft_size(11), 12u);
  EXPECT_EQ(fft_size(97), 98u);      // 2 · 7^2
  EXPECT_EQ(fft_size(1025), 1029u);  // 3 · 7^3
}

}  // namespace
}  // namespace lnet::analysis
