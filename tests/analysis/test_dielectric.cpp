#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "lnet/analysis/blocking.hpp"
#include "lnet/analysis/dielectric.hpp"
#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"

namespace lnet::analysis {
namespace {

constexpr double kVolume = 1000.0, kTemperature = 300.0, kEpsInf = 2.0;

// 1 / (3 eps_vac V k_B T): equation (1) of dielectric.hpp per (e·Å)² of variance.
double fluctuation_scale() {
  return 1.0 / (3.0 * units::eps0 * kVolume * units::kb * kTemperature);
}

// Gaussian AR(1) per component: x_i = phi x_{i-1} + sqrt(1 - phi²) s xi, variance s².
std::vector<Vec3> ar1_dipoles(std::size_t n, double s, double phi, std::mt19937_64& rng) {
  std::normal_distribution<double> g;
  Vec3 x(s * g(rng), s * g(rng), s * g(rng));
  std::vector<Vec3> m(n);
  const double kick = std::sqrt(1.0 - phi * phi) * s;
  for (auto& v : m) {
    v = Vec3(1.0, -2.0, 0.5) + x;  // a permanent mean dipole must not matter
    x = phi * x + kick * Vec3(g(rng), g(rng), g(rng));
  }
  return m;
}

// Standard error of the mean of y = |M - <M>|² (three Gaussian components of variance s²,
// lag-k correlation phi^k): var(y) = 6 s^4, correlation phi^{2k}, so
// SE² = 6 s^4 / N · (1 + phi²) / (1 - phi²).
double analytic_variance_error(std::size_t n, double s, double phi) {
  return std::sqrt(6.0 * std::pow(s, 4) / n * (1 + phi * phi) / (1 - phi * phi));
}

TEST(Blocking, IndependentAndCorrelatedSeries) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> g;
  const std::size_t n = 1 << 17;
  for (double phi : {0.0, 0.9}) {
    std::vector<double> x(n);
    double v = g(rng);
    for (double& xi : x) xi = v, v = phi * v + std::sqrt(1 - phi * phi) * g(rng);
    const BlockingResult b = blocking_error(x);
    // SE of the mean of AR(1): sqrt((1 + phi) / (1 - phi) / N).
    const double expected = std::sqrt((1 + phi) / (1 - phi) / n);
    EXPECT_TRUE(b.converged);
    // The chosen level has >= 1000 blocks here, so the estimate itself is good to ~3 %
    // (F&P eq. 28); 12 % is 4 of those.
    EXPECT_NEAR(b.error / expected, 1.0, 0.12) << phi;
    EXPECT_NEAR(b.mean, 0.0, 5 * expected);
  }
}

TEST(DielectricFluctuations, GaussianDipolesGiveTheirVarianceAndItsStandardError) {
  std::mt19937_64 rng(5);
  const double s = 2.0;  // e·Å per component: eps_0 - eps_inf = 3 s² · scale ≈ 28
  const std::size_t n = 1 << 16;
  // Two runs pooled.
  const FluctuationDielectric d = dielectric_from_fluctuations(
      {ar1_dipoles(n / 2, s, 0.0, rng), ar1_dipoles(n / 2, s, 0.0, rng)}, kEpsInf, kVolume,
      kTemperature);
  const double truth = kEpsInf + 3 * s * s * fluctuation_scale();
  const double se = analytic_variance_error(n, s, 0.0) * fluctuation_scale();
  EXPECT_EQ(d.samples, n);
  EXPECT_TRUE(d.converged);
  EXPECT_NEAR(d.epsilon, truth, 4 * se);  // 4 sigma
  EXPECT_NEAR(d.error / se, 1.0, 0.12);   // the blocking estimate is good to ~3 % here
  // The tensor's trace is the isotropic value by construction.
  EXPECT_NEAR(d.tensor.trace() / 3.0, d.epsilon, 1e-10 * d.epsilon);
}

TEST(DielectricFluctuations, ErrorBarsCoverTheTruthAtTheRightRateOverManySeeds) {
  // z = (eps - truth) / error over 300 seeds must be ~N(0, 1): its standard deviation is
  // 1 within ~0.05 (sampling) plus the noise of each error bar (~4 % with N = 4096);
  // a wrong error bar (e.g. a missing factor sqrt(2) or 3) lands far outside [0.8, 1.2].
  const double s = 1.5;
  const double truth = kEpsInf + 3 * s * s * fluctuation_scale();
  double sum2 = 0.0, sum = 0.0;
  const int seeds = 300;
  for (int seed = 0; seed < seeds; ++seed) {
    std::mt19937_64 rng(1000 + seed);
    const auto d = dielectric_from_fluctuations({ar1_dipoles(4096, s, 0.0, rng)}, kEpsInf, kVolume,
                                                kTemperature);
    const double z = (d.epsilon - truth) / d.error;
    sum += z, sum2 += z * z;
  }
  const double mean = sum / seeds, sd = std::sqrt(sum2 / seeds - mean * mean);
  EXPECT_NEAR(sd, 1.0, 0.2);
  // The sample variance with the mean subtracted is biased by -1/N: negligible.
  EXPECT_NEAR(mean, 0.0, 0.25);
}

TEST(DielectricFluctuations, CorrelatedDipolesGetALargerBlockedError) {
  std::mt19937_64 rng(9);
  const double s = 2.0, phi = 0.9;
  const std::size_t n = 1 << 18;
  const auto d =
      dielectric_from_fluctuations({ar1_dipoles(n, s, phi, rng)}, kEpsInf, kVolume, kTemperature);
  const double se = analytic_variance_error(n, s, phi) * fluctuation_scale();
  const double naive = analytic_variance_error(n, s, 0.0) * fluctuation_scale();
  EXPECT_TRUE(d.converged);
  EXPECT_GT(d.block_size, 8u);  // the correlation time of |M|² is ~5 steps
  // sqrt((1 + phi²)/(1 - phi²)) = 3.09 times the naive error; blocking estimate ~4 %.
  EXPECT_NEAR(d.error / se, 1.0, 0.15);
  EXPECT_GT(d.error, 2.5 * naive);
  EXPECT_NEAR(d.epsilon, kEpsInf + 3 * s * s * fluctuation_scale(), 4 * se);
}

// eps_0 = nan is never returned: a non-physical eps_inf, a non-finite dipole or an overflowing
// variance is an error saying why.
TEST(DielectricFluctuations, NonFiniteInputsOrResultsAreErrors) {
  const std::vector<Vec3> run = {Vec3(1, 0, 0), Vec3(-1, 0.5, 0), Vec3(0, 0, 1), Vec3(0.3, 0, 0)};
  EXPECT_NO_THROW(dielectric_from_fluctuations({run}, 1.0, kVolume, kTemperature));
  for (double eps_inf : {0.0, -2.0, 0.5, std::nan(""), HUGE_VAL})
    EXPECT_THROW(dielectric_from_fluctuations({run}, eps_inf, kVolume, kTemperature), Error)
        << eps_inf;
  EXPECT_THROW(dielectric_from_fluctuations({run}, kEpsInf, std::nan(""), kTemperature), Error);
  std::vector<Vec3> bad = run;
  bad[2][1] = std::nan("");
  EXPECT_THROW(dielectric_from_fluctuations({bad}, kEpsInf, kVolume, kTemperature), Error);
  std::vector<Vec3> huge = run;
  for (Vec3& m : huge) m *= 1e200;  // finite, but |M|² overflows
  try {
    dielectric_from_fluctuations({huge}, kEpsInf, kVolume, kTemperature);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("eps_0 is not finite"), std::string::npos) << e.what();
  }
  EXPECT_THROW(
      dielectric_from_fields({{Vec3(0, 0, 0.1), run}, {Vec3::Zero(), bad}}, kEpsInf, kVolume),
      Error);
}

TEST(DielectricFields, LinearResponseSlopeAndItsError) {
  // <M_z> = 0.3 + chi_zz E_z, <M_x> = -1 + chi_xz E_z, white noise of sigma per sample.
  const double chi_zz = 50.0, chi_xz = 5.0;  // e·Å²/V
  const double sigma = 1.0;
  const std::size_t n = 20000;
  std::mt19937_64 rng(3);
  std::normal_distribution<double> g;
  std::vector<FieldRun> runs;
  const std::vector<double> fields{-0.02, 0.0, 0.02, 0.04};
  for (double e : fields) {
    FieldRun run;
    run.efield = Vec3(0.0, 0.0, e);
    for (std::size_t i = 0; i < n; ++i)
      run.dipole.emplace_back(-1.0 + chi_xz * e + sigma * g(rng), 2.0 + sigma * g(rng),
                              0.3 + chi_zz * e + sigma * g(rng));
    runs.push_back(run);
  }
  runs.push_back({Vec3(0.01, 0.01, 0.0), runs[0].dipole});  // off-axis: left out
  const FieldDielectric d = dielectric_from_fields(runs, kEpsInf, kVolume);
  EXPECT_EQ(d.unused_runs, 1u);
  ASSERT_EQ(d.axes.size(), 1u);  // x and y have only the zero-field run
  const FieldResponse& z = d.axes[0];
  EXPECT_EQ(z.axis, 2);
  EXPECT_EQ(z.fields.size(), 4u);
  // Weighted-fit slope error: (sigma / sqrt(n)) / sqrt(sum (E - <E>)²).
  double mean = 0.0, sxx = 0.0;
  for (double e : fields) mean += e / fields.size();
  for (double e : fields) sxx += (e - mean) * (e - mean);
  const double se = sigma / std::sqrt(double(n)) / std::sqrt(sxx);
  EXPECT_NEAR(z.slope_error(2) / se, 1.0, 0.2);  // the per-run blocking errors are ~5 % noisy
  EXPECT_NEAR(z.slope(2), chi_zz, 4 * se);
  EXPECT_NEAR(z.slope(0), chi_xz, 4 * se);
  EXPECT_NEAR(z.slope(1), 0.0, 4 * se);
  const double to_eps = 1.0 / (units::eps0 * kVolume);
  EXPECT_NEAR(z.epsilon(2), kEpsInf + chi_zz * to_eps, 4 * se * to_eps);
  EXPECT_NEAR(z.epsilon(0), chi_xz * to_eps, 4 * se * to_eps);  // off-diagonal: no eps_inf
  EXPECT_NEAR(z.epsilon_error(2), z.slope_error(2) * to_eps, 1e-12);
}

}  // namespace
}  // namespace lnet::analysis
