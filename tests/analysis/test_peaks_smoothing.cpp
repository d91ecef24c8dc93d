#include <gtest/gtest.h>

#include <cmath>

#include "lnet/analysis/peaks.hpp"
#include "lnet/analysis/smoothing.hpp"

namespace lnet::analysis {
namespace {

double gauss(double x, double centre, double fwhm) {
  const double s = fwhm / (2.0 * std::sqrt(2.0 * std::log(2.0)));
  return std::exp(-0.5 * (x - centre) * (x - centre) / (s * s));
}

TEST(FindPeaks, PositionsHeightsWidthsAboveThreshold) {
  std::vector<double> x, y;
  for (int i = 0; i <= 400; ++i) {
    x.push_back(i);
    y.push_back(0.5 * gauss(i, 250.7, 20.0) + gauss(i, 100.3, 12.0) + 0.02 * gauss(i, 330.0, 8));
  }
  const auto peaks = find_peaks(x, y, 0.05);  // the 2 % peak at 330 is left out
  ASSERT_EQ(peaks.size(), 2u);
  // Sorted by position. A parabola through three samples of a Gaussian of FWHM >= 12
  // samples misplaces the vertex by < 0.02 samples and the height by < 0.2 %; linear
  // interpolation of the half-height crossings errs by < 1 % of the FWHM.
  EXPECT_NEAR(peaks[0].position, 100.3, 0.02);
  EXPECT_NEAR(peaks[0].height, 1.0, 2e-3);
  EXPECT_NEAR(peaks[0].fwhm, 12.0, 0.12);
  EXPECT_NEAR(peaks[1].position, 250.7, 0.02);
  EXPECT_NEAR(peaks[1].height, 0.5, 1e-3);
  EXPECT_NEAR(peaks[1].fwhm, 20.0, 0.2);
  EXPECT_EQ(find_peaks(x, y, 0.01).size(), 3u);
}

TEST(FindPeaks, WidthIsNanWhenTheHalfHeightIsNotReached) {
  std::vector<double> x, y;
  for (int i = 0; i <= 50; ++i) x.push_back(i), y.push_back(gauss(i, 45.0, 30.0));
  const auto peaks = find_peaks(x, y);
  ASSERT_EQ(peaks.size(), 1u);
  EXPECT_TRUE(std::isnan(peaks[0].fwhm));
}

TEST(GaussianSmooth, KeepsTheIntegralAndBroadensALineToTheRequestedWidth) {
  const double dx = 0.5;
  std::vector<double> x, y(1001, 0.0);
  for (int i = 0; i <= 1000; ++i) x.push_back(i * dx);
  y[400] = 1.0;
  y[3] = 0.7;  // near the edge: its kernel is folded back (even continuation)
  const auto s = gaussian_smooth(y, dx, 10.0);
  // The even continuation conserves the trapezoid integral exactly (round-off only).
  EXPECT_NEAR(integrate(x, s, 0.0, 500.0), integrate(x, y, 0.0, 500.0), 1e-12);
  const auto peaks =
      find_peaks(x, s, 0.5);  // the folded edge line peaks at x = 0: no interior maximum
  ASSERT_EQ(peaks.size(), 1u);
  // A sampled Gaussian of FWHM 20 samples: linear interpolation of the crossings < 0.5 %.
  EXPECT_NEAR(peaks[0].fwhm, 10.0, 0.05);
  EXPECT_NEAR(peaks[0].position, 200.0, 1e-9);
  EXPECT_EQ(gaussian_smooth(y, dx, 0.0), y);
}

}  // namespace
}  // namespace lnet::analysis
